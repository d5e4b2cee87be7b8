//! botocore patterns are Java regular expressions; this turns one into a Rust `regex` with the same
//! meaning where that is possible (ASCII `\w`, `\d`, `\s`, four-digit `\u` escapes, full-match).

use regex::{Regex, RegexBuilder};

/// Compiled size limit: generous for `{1,2048}`-style repetitions, small enough to refuse blow-ups.
const SIZE_LIMIT: usize = 8 * 1024 * 1024;

const WORD: &str = "0-9A-Za-z_";
const DIGIT: &str = "0-9";
const SPACE: &str = r" \t\n\x0B\x0C\r";

fn posix_class(name: &str) -> Option<&'static str> {
    Some(match name {
        "Lower" => "a-z",
        "Upper" => "A-Z",
        "ASCII" => r"\x00-\x7F",
        "Alpha" => "A-Za-z",
        "Digit" => "0-9",
        "Alnum" => "0-9A-Za-z",
        "Punct" => r"!-/:-@\[-`{-~",
        "Graph" => r"!-~",
        "Print" => r" -~",
        "Blank" => r" \t",
        "Cntrl" => r"\x00-\x1F\x7F",
        "XDigit" => "0-9A-Fa-f",
        "Space" => SPACE,
        _ => return None,
    })
}

/// Rewrites a Java pattern in Rust syntax; `None` when a construct has no equivalent
/// (look-around, surrogate escapes, negated shorthand inside a class).
pub fn translate(java: &str) -> Option<String> {
    let chars: Vec<char> = java.chars().collect();
    let mut out = String::with_capacity(java.len() + 16);
    let mut class_depth = 0usize;
    // Inside a class: Java reads `-` literally right after a completed range (`[0-9-_]`),
    // Rust refuses it, so such a dash is escaped.
    let mut range_open = false;
    let mut after_range = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let in_class = class_depth > 0;
        // Whether this step wrote one class item (so a pending range is now closed).
        let mut wrote_item = false;
        if c == '\\' {
            let next = *chars.get(i + 1)?;
            i += 2;
            match next {
                'w' | 'd' | 's' => {
                    let set = match next {
                        'w' => WORD,
                        'd' => DIGIT,
                        _ => SPACE,
                    };
                    if in_class {
                        out.push_str(set);
                    } else {
                        out.push('[');
                        out.push_str(set);
                        out.push(']');
                    }
                }
                'W' | 'D' | 'S' => {
                    if in_class {
                        return None;
                    }
                    let set = match next {
                        'W' => WORD,
                        'D' => DIGIT,
                        _ => SPACE,
                    };
                    out.push_str("[^");
                    out.push_str(set);
                    out.push(']');
                }
                'u' => {
                    let hex: String = chars.get(i..i + 4)?.iter().collect();
                    let code = u32::from_str_radix(&hex, 16).ok()?;
                    if (0xD800..=0xDFFF).contains(&code) {
                        return None;
                    }
                    out.push_str(&format!("\\x{{{hex}}}"));
                    i += 4;
                    wrote_item = true;
                }
                'p' | 'P' if chars.get(i) == Some(&'{') => {
                    let end = chars[i..].iter().position(|&c| c == '}')? + i;
                    let raw: String = chars[i + 1..end].iter().collect();
                    let name = raw.strip_prefix("Is").unwrap_or(&raw);
                    match posix_class(name) {
                        Some(set) if next == 'p' && in_class => out.push_str(set),
                        Some(set) if next == 'p' => {
                            out.push('[');
                            out.push_str(set);
                            out.push(']');
                        }
                        Some(_) => return None,
                        None => {
                            out.push('\\');
                            out.push(next);
                            out.push('{');
                            out.push_str(name);
                            out.push('}');
                        }
                    }
                    i = end + 1;
                }
                'Q' | 'E' | 'G' | 'Z' | 'R' | 'X' | 'k' | '0' => return None,
                c if c.is_ascii_alphanumeric() => {
                    out.push('\\');
                    out.push(c);
                    wrote_item = true;
                }
                c => {
                    // An escaped symbol is a literal in both dialects, but Rust only accepts
                    // escapes of its meta characters, so other symbols become hex escapes.
                    if is_meta(c) {
                        out.push('\\');
                        out.push(c);
                    } else {
                        out.push_str(&format!("\\x{{{:X}}}", c as u32));
                    }
                    wrote_item = true;
                }
            }
        } else {
            i += 1;
            match c {
                '[' => {
                    class_depth += 1;
                    out.push('[');
                    if chars.get(i) == Some(&'^') {
                        out.push('^');
                        i += 1;
                    }
                    range_open = false;
                    after_range = false;
                    continue;
                }
                ']' if in_class => {
                    class_depth -= 1;
                    out.push(']');
                    range_open = false;
                    after_range = false;
                    continue;
                }
                '-' if in_class => {
                    let first = out.ends_with('[') || out.ends_with("[^");
                    let last = chars.get(i) == Some(&']');
                    if after_range || first || last {
                        out.push_str(r"\-");
                        wrote_item = true;
                    } else {
                        out.push('-');
                        range_open = true;
                        after_range = false;
                        continue;
                    }
                }
                '(' if chars.get(i) == Some(&'?') => {
                    // Look-around and inline flags have no equivalent in Rust's regex.
                    if chars.get(i + 1) != Some(&':') {
                        return None;
                    }
                    out.push('(');
                }
                '&' | '~' if in_class => {
                    // Set operators in Rust classes, plain characters in most Java patterns.
                    out.push('\\');
                    out.push(c);
                    wrote_item = true;
                }
                c => {
                    out.push(c);
                    wrote_item = in_class;
                }
            }
        }
        if in_class && wrote_item {
            after_range = range_open;
            range_open = false;
        } else if in_class {
            after_range = false;
        }
    }
    (class_depth == 0).then_some(out)
}

fn is_meta(c: char) -> bool {
    matches!(
        c,
        '\\' | '.' | '+' | '*' | '?' | '(' | ')' | '|' | '[' | ']' | '{' | '}' | '^' | '$' | '#' | '&' | '-' | '~'
    )
}

/// Compiles a model pattern for full-string matching (Java's `String.matches`).
pub fn compile(java: &str) -> Option<Regex> {
    let rust = translate(java)?;
    RegexBuilder::new(&format!("^(?:{rust})$")).size_limit(SIZE_LIMIT).build().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, text: &str) -> bool {
        compile(pattern).expect("compiles").is_match(text)
    }

    #[test]
    fn word_class_is_ascii_like_java() {
        assert!(matches(r"[\w+=,.@-]*", "bedrock-role@x"));
        assert!(!matches(r"[\w+=,.@-]*", "bedrock role"));
        assert!(!matches(r"[\w+=,.@-]*", "é"));
        assert!(matches(r"\d{6}", "123456"));
        assert!(!matches(r"\d{6}", "١٢٣٤٥٦"));
    }

    #[test]
    fn java_unicode_escapes_take_four_digits() {
        // Java reads \u10000 as U+1000 followed by '0', so supplementary characters do not match.
        let sts = r"[\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u10000-\u10FFFF]+";
        assert!(matches(sts, "arn:aws:iam::123456789012:role/x"));
        assert!(!matches(sts, "😀"));
        assert!(!matches(sts, ""));
    }

    #[test]
    fn dash_after_a_range_is_literal() {
        assert!(matches(r"[a-zA-Z0-9-_]+", "a-b_c"));
        assert!(matches(r"[0-9A-Za-z\.\-_]*", "a.b-c"));
    }

    #[test]
    fn full_match_and_unsupported_constructs() {
        assert!(!matches("[a-z]+", "abc1"));
        assert!(compile(r"(?!^[0-9]+$)([a-zA-Z0-9-_]+)").is_none());
        assert!(matches(r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*", "Key Name 1"));
        assert!(matches(r"\p{Alpha}+", "abc"));
        assert!(matches(r"^arn:aws:iam::\d{12}:role/.+$", "arn:aws:iam::123456789012:role/x"));
    }
}
