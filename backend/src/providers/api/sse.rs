//! A small Server-Sent Events parser for streamed model answers: bytes in (in any chunking),
//! complete events out (`event:` name and the joined `data:` lines). Comments, `id:` and `retry:`
//! fields are ignored; `\n`, `\r\n` and `\r` all end a line.

/// One SSE event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` field, when the stream names its events (Anthropic does, OpenAI does not).
    pub event: Option<String>,
    pub data: String,
}

/// Incremental parser: feed chunks, take events.
#[derive(Debug, Default)]
pub struct SseParser {
    buf: Vec<u8>,
    event: Option<String>,
    data: Vec<String>,
    /// The previous chunk ended with `\r`: a `\n` starting the next one belongs to it.
    skip_lf: bool,
}

impl SseParser {
    /// Feeds a chunk of the body and returns the events it completed.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<SseEvent> {
        let mut out = Vec::new();
        for &b in chunk {
            if self.skip_lf {
                self.skip_lf = false;
                if b == b'\n' {
                    continue;
                }
            }
            match b {
                b'\n' | b'\r' => {
                    self.skip_lf = b == b'\r';
                    let line = String::from_utf8_lossy(&self.buf).into_owned();
                    self.buf.clear();
                    if let Some(e) = self.line(&line) {
                        out.push(e);
                    }
                }
                _ => self.buf.push(b),
            }
        }
        out
    }

    /// Ends the stream: a last event without its blank line still counts.
    pub fn finish(&mut self) -> Option<SseEvent> {
        if !self.buf.is_empty() {
            let line = String::from_utf8_lossy(&self.buf).into_owned();
            self.buf.clear();
            if let Some(e) = self.line(&line) {
                return Some(e);
            }
        }
        self.dispatch()
    }

    fn dispatch(&mut self) -> Option<SseEvent> {
        let event = self.event.take();
        if self.data.is_empty() {
            return None;
        }
        let data = std::mem::take(&mut self.data).join("\n");
        Some(SseEvent { event, data })
    }

    fn line(&mut self, line: &str) -> Option<SseEvent> {
        if line.is_empty() {
            return self.dispatch();
        }
        if line.starts_with(':') {
            return None;
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "event" => self.event = Some(value.to_owned()),
            "data" => self.data.push(value.to_owned()),
            _ => {}
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_survive_any_chunking_and_line_ending() {
        let body = "event: a\r\ndata: {\"x\":1}\r\n\r\n: keep-alive\n\ndata: one\ndata: two\n\ndata: [DONE]\n\n";
        for size in [1, 2, 3, 7, body.len()] {
            let mut p = SseParser::default();
            let mut got = Vec::new();
            for chunk in body.as_bytes().chunks(size) {
                got.extend(p.feed(chunk));
            }
            assert_eq!(p.finish(), None);
            assert_eq!(
                got,
                vec![
                    SseEvent {
                        event: Some("a".into()),
                        data: "{\"x\":1}".into()
                    },
                    SseEvent {
                        event: None,
                        data: "one\ntwo".into()
                    },
                    SseEvent {
                        event: None,
                        data: "[DONE]".into()
                    },
                ],
                "chunk size {size}"
            );
        }
    }

    #[test]
    fn a_last_event_without_its_blank_line_is_kept() {
        let mut p = SseParser::default();
        assert!(p.feed(b"data: tail").is_empty());
        assert_eq!(
            p.finish(),
            Some(SseEvent {
                event: None,
                data: "tail".into()
            })
        );
    }
}
