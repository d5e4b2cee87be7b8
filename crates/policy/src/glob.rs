//! Wildcard patterns as IAM writes them: `*` matches any run of characters (including `:` and `/`), `?` one.
//! Patterns are compiled once; common shapes (`*`, exact text, `prefix*`) take a fast path.

/// One piece of a pattern. `Lit` text is matched byte for byte (callers lowercase both sides when needed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token {
    Lit(Box<str>),
    Star,
    One,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Glob {
    Any,
    Exact(Box<str>),
    Prefix(Box<str>),
    General(Box<[Token]>),
}

impl Glob {
    /// Compiles `pattern` where `*` and `?` are wildcards.
    pub fn new(pattern: &str) -> Glob {
        let mut tokens = Vec::new();
        let mut lit = String::new();
        for c in pattern.chars() {
            match c {
                '*' | '?' => {
                    if !lit.is_empty() {
                        tokens.push(Token::Lit(std::mem::take(&mut lit).into()));
                    }
                    tokens.push(if c == '*' { Token::Star } else { Token::One });
                }
                _ => lit.push(c),
            }
        }
        if !lit.is_empty() {
            tokens.push(Token::Lit(lit.into()));
        }
        Glob::from_tokens(tokens)
    }

    /// Builds a glob from tokens, merging neighbours and picking the fastest shape.
    pub fn from_tokens(tokens: Vec<Token>) -> Glob {
        let mut merged: Vec<Token> = Vec::with_capacity(tokens.len());
        for t in tokens {
            match (merged.last_mut(), t) {
                (Some(Token::Star), Token::Star) => {}
                (Some(Token::Lit(prev)), Token::Lit(next)) => {
                    let mut s = String::from(&**prev);
                    s.push_str(&next);
                    *prev = s.into();
                }
                (_, t) => merged.push(t),
            }
        }
        match merged.as_slice() {
            [] => Glob::Exact("".into()),
            [Token::Star] => Glob::Any,
            [Token::Lit(l)] => Glob::Exact(l.clone()),
            [Token::Lit(l), Token::Star] => Glob::Prefix(l.clone()),
            _ => Glob::General(merged.into()),
        }
    }

    pub fn matches(&self, s: &str) -> bool {
        match self {
            Glob::Any => true,
            Glob::Exact(e) => **e == *s,
            Glob::Prefix(p) => s.starts_with(&**p),
            Glob::General(tokens) => matches_tokens(tokens, s.as_bytes()),
        }
    }
}

fn char_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// One piece of a pattern as the matcher sees it.
#[derive(Clone, Copy)]
pub(crate) enum Piece<'a> {
    Lit(&'a [u8]),
    Star,
    One,
}

fn matches_tokens(tokens: &[Token], s: &[u8]) -> bool {
    match_pieces(
        tokens.len(),
        |i| match &tokens[i] {
            Token::Lit(l) => Piece::Lit(l.as_bytes()),
            Token::Star => Piece::Star,
            Token::One => Piece::One,
        },
        s,
    )
}

/// Iterative matcher over `n` pieces that backtracks only to the last `*`, which is enough for `*`/`?`
/// globs. Pieces come from a function so that policy variables can be matched without building a pattern.
pub(crate) fn match_pieces<'a>(n: usize, piece: impl Fn(usize) -> Piece<'a>, s: &[u8]) -> bool {
    let (mut ti, mut si) = (0usize, 0usize);
    let mut resume: Option<(usize, usize)> = None;
    loop {
        if ti < n {
            match piece(ti) {
                Piece::Star => {
                    resume = Some((ti + 1, si));
                    ti += 1;
                    continue;
                }
                Piece::One if si < s.len() => {
                    si += char_len(s[si]);
                    ti += 1;
                    continue;
                }
                Piece::Lit(l) if s.get(si..).is_some_and(|rest| rest.starts_with(l)) => {
                    si += l.len();
                    ti += 1;
                    continue;
                }
                _ => {}
            }
        } else if si >= s.len() {
            return true;
        }
        match resume {
            Some((t, from)) if from < s.len() => {
                let next = from + char_len(s[from]);
                resume = Some((t, next));
                ti = t;
                si = next;
            }
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_crosses_colons_and_slashes() {
        let g = Glob::new("arn:aws:s3:::*log*");
        assert!(g.matches("arn:aws:s3:::carlossalazar-logs"));
        assert!(g.matches("arn:aws:s3:::x/y/catalog"));
        assert!(!g.matches("arn:aws:s3:::carlossalazar"));
        assert!(Glob::new("arn:aws:sqs:*").matches("arn:aws:sqs:us-east-1:1:q"));
    }

    #[test]
    fn question_mark_is_one_character() {
        let g = Glob::new("a?c");
        assert!(g.matches("abc"));
        assert!(g.matches("aéc"));
        assert!(!g.matches("ac"));
        assert!(!g.matches("abbc"));
    }

    #[test]
    fn shapes() {
        assert_eq!(Glob::new("**"), Glob::Any);
        assert_eq!(Glob::new("get*"), Glob::Prefix("get".into()));
        assert_eq!(Glob::new("x"), Glob::Exact("x".into()));
        assert!(Glob::new("*report").matches("getorganizationsaccessreport"));
        assert!(!Glob::new("*report").matches("getorganizationsaccessreports"));
        assert!(Glob::new("").matches(""));
        assert!(Glob::new("*a*b*c").matches("xxaxxbxxbxc"));
    }
}
