//! Policy variables: `${aws:username}`, `${aws:PrincipalTag/team, 'company-wide'}` and the escapes `${*}`, `${?}`, `${$}`.
//! A text is parsed once into pieces; each request resolves the variables from its context (case-insensitive keys).

use crate::context::Context;
use crate::glob::{Glob, Piece as GlobPiece, Token, match_pieces};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    /// Text as written; in pattern contexts `*` and `?` in it are wildcards.
    Text(Box<str>),
    /// A character from `${*}`, `${?}` or `${$}`: always literal.
    Literal(char),
    /// A variable. `key` is lowercased for lookup; `written` keeps the policy's spelling.
    Var { key: Box<str>, written: Box<str>, default: Option<Box<str>> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    pieces: Box<[Piece]>,
}

impl Template {
    /// Parses `text`; with `variables == false` (policy Version 2008-10-17) `${...}` stays literal text.
    pub fn parse(text: &str, variables: bool) -> Template {
        if !variables || !text.contains("${") {
            return Template { pieces: vec![Piece::Text(text.into())].into() };
        }
        let mut pieces = Vec::new();
        let mut rest = text;
        let mut pending = String::new();
        while let Some(at) = rest.find("${") {
            let after = &rest[at + 2..];
            let Some(close) = after.find('}') else {
                break;
            };
            let inner = &after[..close];
            let piece = match inner {
                "*" => Some(Piece::Literal('*')),
                "?" => Some(Piece::Literal('?')),
                "$" => Some(Piece::Literal('$')),
                _ => parse_variable(inner),
            };
            match piece {
                Some(p) => {
                    pending.push_str(&rest[..at]);
                    if !pending.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut pending).into()));
                    }
                    pieces.push(p);
                }
                None => pending.push_str(&rest[..at + 2 + close + 1]),
            }
            rest = &after[close + 1..];
        }
        pending.push_str(rest);
        if !pending.is_empty() || pieces.is_empty() {
            pieces.push(Piece::Text(pending.into()));
        }
        Template { pieces: pieces.into() }
    }

    /// True when the text has no variable and no escape, so it can be compiled once.
    pub fn as_static(&self) -> Option<&str> {
        match &*self.pieces {
            [Piece::Text(t)] => Some(t),
            _ => None,
        }
    }

    /// The variable names as written in the policy.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Var { written, .. } => Some(&**written),
            _ => None,
        })
    }

    /// The text with variables replaced; `None` when a variable has no value and no default.
    pub fn resolve_text(&self, ctx: &Context) -> Option<String> {
        let mut out = String::new();
        for p in self.pieces.iter() {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Literal(c) => out.push(*c),
                Piece::Var { key, default, .. } => out.push_str(lookup(ctx, key, default.as_deref())?),
            }
        }
        Some(out)
    }

    /// Pattern tokens with wildcards only from the policy's own text; variable values are literal.
    pub fn resolve_tokens(&self, ctx: &Context) -> Option<Vec<Token>> {
        let mut out = Vec::new();
        for p in self.pieces.iter() {
            match p {
                Piece::Text(t) => push_pattern(&mut out, t),
                Piece::Literal(c) => out.push(Token::Lit(c.to_string().into())),
                Piece::Var { key, default, .. } => out.push(Token::Lit(lookup(ctx, key, default.as_deref())?.into())),
            }
        }
        Some(out)
    }

    pub fn resolve_glob(&self, ctx: &Context) -> Option<Glob> {
        self.resolve_tokens(ctx).map(Glob::from_tokens)
    }
}

/// A pattern with policy variables, tokenized once; matching resolves the variables without allocating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VarGlob {
    tokens: Box<[VarToken]>,
    /// Indexed by `VarToken::Var`.
    vars: Box<[VarSlot]>,
}

/// A variable's key (lowercase), its key as written, and its default.
type VarSlot = (Box<str>, Box<str>, Option<Box<str>>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum VarToken {
    Lit(Box<str>),
    Star,
    One,
    Var(usize),
}

/// Most patterns have a variable or two; more than this falls back to the heap.
const INLINE_VARS: usize = 8;

impl VarGlob {
    pub fn new(t: &Template) -> VarGlob {
        let mut tokens = Vec::new();
        let mut vars = Vec::new();
        for p in t.pieces.iter() {
            match p {
                Piece::Text(text) => {
                    let mut glob_tokens = Vec::new();
                    push_pattern(&mut glob_tokens, text);
                    tokens.extend(glob_tokens.into_iter().map(|g| match g {
                        Token::Lit(l) => VarToken::Lit(l),
                        Token::Star => VarToken::Star,
                        Token::One => VarToken::One,
                    }));
                }
                Piece::Literal(c) => tokens.push(VarToken::Lit(c.to_string().into())),
                Piece::Var { key, written, default } => {
                    tokens.push(VarToken::Var(vars.len()));
                    vars.push((key.clone(), written.clone(), default.clone()));
                }
            }
        }
        VarGlob { tokens: tokens.into(), vars: vars.into() }
    }

    /// `None` when a variable has no value.
    pub fn matches(&self, s: &str, ctx: &Context) -> Option<bool> {
        let mut inline: [&str; INLINE_VARS] = [""; INLINE_VARS];
        let mut heap: Vec<&str> = Vec::new();
        let values: &[&str] = if self.vars.len() <= INLINE_VARS {
            for (slot, (key, _, default)) in inline.iter_mut().zip(self.vars.iter()) {
                *slot = lookup(ctx, key, default.as_deref())?;
            }
            &inline[..self.vars.len()]
        } else {
            for (key, _, default) in self.vars.iter() {
                heap.push(lookup(ctx, key, default.as_deref())?);
            }
            &heap
        };
        let piece = |i: usize| match &self.tokens[i] {
            VarToken::Lit(l) => GlobPiece::Lit(l.as_bytes()),
            VarToken::Star => GlobPiece::Star,
            VarToken::One => GlobPiece::One,
            VarToken::Var(v) => GlobPiece::Lit(values[*v].as_bytes()),
        };
        Some(match_pieces(self.tokens.len(), piece, s.as_bytes()))
    }

    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.vars.iter().map(|(_, written, _)| &**written)
    }
}

fn parse_variable(inner: &str) -> Option<Piece> {
    let (name, default) = match inner.split_once(',') {
        Some((name, rest)) => {
            let rest = rest.trim();
            let d = rest.strip_prefix('\'')?.strip_suffix('\'')?;
            (name.trim(), Some(d))
        }
        None => (inner.trim(), None),
    };
    if name.is_empty() || name.contains(char::is_whitespace) {
        return None;
    }
    Some(Piece::Var { key: name.to_ascii_lowercase().into(), written: name.into(), default: default.map(Into::into) })
}

/// A variable resolves only to a single value; a multi-valued key cannot stand in for one string.
fn lookup<'c>(ctx: &'c Context, key: &str, default: Option<&'c str>) -> Option<&'c str> {
    match ctx.get_lowercase(key) {
        Some([one]) => Some(one),
        _ => default,
    }
}

pub(crate) fn push_pattern(out: &mut Vec<Token>, text: &str) {
    let mut lit = String::new();
    for c in text.chars() {
        match c {
            '*' | '?' => {
                if !lit.is_empty() {
                    out.push(Token::Lit(std::mem::take(&mut lit).into()));
                }
                out.push(if c == '*' { Token::Star } else { Token::One });
            }
            _ => lit.push(c),
        }
    }
    if !lit.is_empty() {
        out.push(Token::Lit(lit.into()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_variables_defaults_and_escapes() {
        let ctx = Context::new().with("aws:username", "David");
        let t = Template::parse("home/${aws:username}/${*}", true);
        assert_eq!(t.resolve_text(&ctx).as_deref(), Some("home/David/*"));
        let g = t.resolve_glob(&ctx).expect("resolves");
        assert!(g.matches("home/David/*"));
        assert!(!g.matches("home/David/x"));
        let d = Template::parse("${aws:PrincipalTag/team, 'company-wide'}", true);
        assert_eq!(d.resolve_text(&ctx).as_deref(), Some("company-wide"));
        assert_eq!(Template::parse("${aws:userid}", true).resolve_text(&ctx), None);
    }

    #[test]
    fn version_2008_keeps_text_literal() {
        let t = Template::parse("user/${aws:username}", false);
        assert_eq!(t.as_static(), Some("user/${aws:username}"));
    }

    #[test]
    fn keys_are_case_insensitive_and_unclosed_text_stays() {
        let ctx = Context::new().with("AWS:UserName", "x");
        assert_eq!(Template::parse("${Aws:username}-${broken", true).resolve_text(&ctx).as_deref(), Some("x-${broken"));
    }
}
