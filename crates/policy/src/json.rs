//! A small JSON reader that remembers where every value starts and ends (line, column, 1-based).
//! IAM reports statement positions; it also refuses duplicate keys, which a map-based reader would hide.

/// A place in the source text: 1-based line and column (columns count characters, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    /// The number exactly as written.
    Number(String),
    String(String),
    Array(Vec<Json>),
    /// Members in document order; keys are unique.
    Object(Vec<(String, Json)>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Json {
    pub value: Value,
    pub start: Position,
    /// Just past the last character of the value.
    pub end: Position,
}

impl Json {
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&[(String, Json)]> {
        match &self.value {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }
}

/// Nesting deeper than this is refused rather than risking the stack.
const MAX_DEPTH: usize = 64;

/// Reads one JSON value that must fill the whole text (whitespace around it allowed).
pub(crate) fn parse(text: &str) -> Result<Json, ()> {
    let mut r = Reader { bytes: text.as_bytes(), at: 0, line: 1, column: 1 };
    r.skip_ws();
    let v = r.value(0)?;
    r.skip_ws();
    if r.at != r.bytes.len() {
        return Err(());
    }
    Ok(v)
}

struct Reader<'t> {
    bytes: &'t [u8],
    at: usize,
    line: u32,
    column: u32,
}

impl Reader<'_> {
    fn pos(&self) -> Position {
        Position { line: self.line, column: self.column }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    /// Advances one byte, keeping line and column right (continuation bytes do not move the column).
    fn bump(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.at += 1;
        if b == b'\n' {
            self.line = self.line.saturating_add(1);
            self.column = 1;
        } else if b & 0xC0 != 0x80 {
            self.column = self.column.saturating_add(1);
        }
        Some(b)
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.bump();
        }
    }

    fn eat(&mut self, b: u8) -> Result<(), ()> {
        if self.bump() == Some(b) { Ok(()) } else { Err(()) }
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), ()> {
        for &b in word {
            self.eat(b)?;
        }
        Ok(())
    }

    fn value(&mut self, depth: usize) -> Result<Json, ()> {
        if depth > MAX_DEPTH {
            return Err(());
        }
        let start = self.pos();
        let value = match self.peek().ok_or(())? {
            b'{' => self.object(depth)?,
            b'[' => self.array(depth)?,
            b'"' => Value::String(self.string()?),
            b't' => {
                self.literal(b"true")?;
                Value::Bool(true)
            }
            b'f' => {
                self.literal(b"false")?;
                Value::Bool(false)
            }
            b'n' => {
                self.literal(b"null")?;
                Value::Null
            }
            b'-' | b'0'..=b'9' => Value::Number(self.number()?),
            _ => return Err(()),
        };
        Ok(Json { value, start, end: self.pos() })
    }

    fn object(&mut self, depth: usize) -> Result<Value, ()> {
        self.eat(b'{')?;
        let mut members: Vec<(String, Json)> = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.bump();
            return Ok(Value::Object(members));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(());
            }
            let key = self.string()?;
            if members.iter().any(|(k, _)| *k == key) {
                return Err(());
            }
            self.skip_ws();
            self.eat(b':')?;
            self.skip_ws();
            let v = self.value(depth + 1)?;
            members.push((key, v));
            self.skip_ws();
            match self.bump() {
                Some(b',') => continue,
                Some(b'}') => return Ok(Value::Object(members)),
                _ => return Err(()),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, ()> {
        self.eat(b'[')?;
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.bump();
            return Ok(Value::Array(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value(depth + 1)?);
            self.skip_ws();
            match self.bump() {
                Some(b',') => continue,
                Some(b']') => return Ok(Value::Array(items)),
                _ => return Err(()),
            }
        }
    }

    fn number(&mut self) -> Result<String, ()> {
        let begin = self.at;
        if self.peek() == Some(b'-') {
            self.bump();
        }
        match self.peek() {
            Some(b'0') => {
                self.bump();
            }
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(()),
        }
        if self.peek() == Some(b'.') {
            self.bump();
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(());
            }
            self.digits();
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.bump();
            if let Some(b'+' | b'-') = self.peek() {
                self.bump();
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(());
            }
            self.digits();
        }
        // Only ASCII was consumed, so the slice is valid UTF-8.
        Ok(String::from_utf8_lossy(&self.bytes[begin..self.at]).into_owned())
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.bump();
        }
    }

    fn string(&mut self) -> Result<String, ()> {
        self.eat(b'"')?;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let b = self.bump().ok_or(())?;
            match b {
                b'"' => break,
                b'\\' => {
                    let e = self.bump().ok_or(())?;
                    match e {
                        b'"' => out.push(b'"'),
                        b'\\' => out.push(b'\\'),
                        b'/' => out.push(b'/'),
                        b'b' => out.push(0x08),
                        b'f' => out.push(0x0C),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let c = self.unicode_escape()?;
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                        }
                        _ => return Err(()),
                    }
                }
                0x00..=0x1F => return Err(()),
                _ => out.push(b),
            }
        }
        String::from_utf8(out).map_err(|_| ())
    }

    fn hex4(&mut self) -> Result<u32, ()> {
        let mut v = 0u32;
        for _ in 0..4 {
            let d = match self.bump().ok_or(())? {
                c @ b'0'..=b'9' => c - b'0',
                c @ b'a'..=b'f' => c - b'a' + 10,
                c @ b'A'..=b'F' => c - b'A' + 10,
                _ => return Err(()),
            };
            v = v * 16 + u32::from(d);
        }
        Ok(v)
    }

    fn unicode_escape(&mut self) -> Result<char, ()> {
        let hi = self.hex4()?;
        if (0xD800..0xDC00).contains(&hi) {
            self.eat(b'\\')?;
            self.eat(b'u')?;
            let lo = self.hex4()?;
            if !(0xDC00..0xE000).contains(&lo) {
                return Err(());
            }
            char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)).ok_or(())
        } else {
            char::from_u32(hi).ok_or(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let j = parse("{\n  \"a\": [ {\"é\": 1} ]\n}").expect("valid");
        let members = j.as_object().expect("object");
        let Value::Array(items) = &members[0].1.value else { panic!("array expected") };
        assert_eq!(items[0].start, Position { line: 2, column: 10 });
        assert_eq!(items[0].end, Position { line: 2, column: 18 });
    }

    #[test]
    fn refuses_duplicate_keys_trailing_text_and_deep_nesting() {
        assert!(parse(r#"{"a":1,"a":2}"#).is_err());
        assert!(parse(r#"{} {}"#).is_err());
        assert!(parse(&"[".repeat(100_000)).is_err());
        assert!(parse("\"\\ud800\"").is_err());
    }

    #[test]
    fn reads_escapes_and_numbers() {
        let j = parse(r#"["a\u00e9\n", -1.5e3, true, null]"#).expect("valid");
        let Value::Array(items) = j.value else { panic!("array expected") };
        assert_eq!(items[0].as_str(), Some("aé\n"));
        assert_eq!(items[1].value, Value::Number("-1.5e3".into()));
        assert!(parse("01").is_err());
        assert!(parse("1.").is_err());
    }
}
