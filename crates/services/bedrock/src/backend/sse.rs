//! Server-sent events as OpenAI-compatible servers stream them: `data:` lines, events separated by a blank
//! line, `:` comments ignored. Bytes may arrive split anywhere, even inside a UTF-8 character.

#[derive(Debug, Default)]
pub struct SseParser {
    buffer: Vec<u8>,
    data: Vec<String>,
}

impl SseParser {
    /// Feeds bytes; returns the data of every event completed by them.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<String> {
        self.buffer.extend_from_slice(bytes);
        let mut events = Vec::new();
        while let Some(nl) = self.buffer.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.buffer.drain(..=nl).collect();
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches(['\n', '\r']);
            self.line(line, &mut events);
        }
        events
    }

    /// Ends the stream: an event without its closing blank line still counts.
    pub fn finish(&mut self) -> Vec<String> {
        let mut events = Vec::new();
        if !self.buffer.is_empty() {
            let rest = String::from_utf8_lossy(&std::mem::take(&mut self.buffer)).into_owned();
            self.line(rest.trim_end_matches('\r'), &mut events);
        }
        if !self.data.is_empty() {
            events.push(std::mem::take(&mut self.data).join("\n"));
        }
        events
    }

    fn line(&mut self, line: &str, events: &mut Vec<String>) {
        if line.is_empty() {
            if !self.data.is_empty() {
                events.push(std::mem::take(&mut self.data).join("\n"));
            }
            return;
        }
        if line.starts_with(':') {
            return;
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        if field == "data" {
            self.data.push(value.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_split_anywhere() {
        let stream = "data: {\"a\":1}\n\n: keep-alive\n\ndata:{\"b\":\"東京\"}\r\n\r\ndata: [DONE]\n\n";
        let bytes = stream.as_bytes();
        for cut in 0..bytes.len() {
            let mut p = SseParser::default();
            let mut events = p.push(&bytes[..cut]);
            events.extend(p.push(&bytes[cut..]));
            events.extend(p.finish());
            assert_eq!(events, ["{\"a\":1}", "{\"b\":\"東京\"}", "[DONE]"], "cut at {cut}");
        }
    }

    #[test]
    fn multi_line_data_and_unterminated_last_event() {
        let mut p = SseParser::default();
        assert_eq!(p.push(b"event: x\ndata: one\ndata: two\n\n"), ["one\ntwo"]);
        assert!(p.push(b"data: tail").is_empty());
        assert_eq!(p.finish(), ["tail"]);
    }
}
