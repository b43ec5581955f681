//! Anthropic Messages: the request body, and the streamed answer (`message_start`,
//! `content_block_*` with `text_delta` and `input_json_delta`, `message_delta`) folded into an
//! [`Answer`]. Usage: input tokens include cache reads and cache writes.

use serde_json::{Value, json};

use super::sse::SseEvent;
use super::wire::{Answer, Msg, Request, ToolCall, parse_arguments};
use crate::providers::usage::Usage;

/// The API version header every request carries.
pub const VERSION: &str = "2023-06-01";

/// `POST {base}/v1/messages`.
#[must_use]
pub fn url(base: &str) -> String {
    format!("{}/v1/messages", base.trim_end_matches('/'))
}

/// `GET {base}/v1/models`.
#[must_use]
pub fn models_url(base: &str) -> String {
    format!("{}/v1/models", base.trim_end_matches('/'))
}

/// The request body.
#[must_use]
pub fn body(req: &Request<'_>) -> Value {
    let mut messages: Vec<Value> = Vec::new();
    for m in req.messages {
        match m {
            Msg::User(t) => messages.push(json!({"role": "user", "content": t})),
            Msg::Assistant { text, calls } => {
                let mut content = Vec::new();
                if !text.is_empty() {
                    content.push(json!({"type": "text", "text": text}));
                }
                for c in calls {
                    let input = match &c.input {
                        Ok(v) => v.clone(),
                        Err(_) => json!({}),
                    };
                    content.push(
                        json!({"type": "tool_use", "id": c.id, "name": c.name, "input": input}),
                    );
                }
                if content.is_empty() {
                    content.push(json!({"type": "text", "text": "(no text)"}));
                }
                messages.push(json!({"role": "assistant", "content": content}));
            }
            Msg::ToolResults(results) => {
                let content: Vec<Value> = results
                    .iter()
                    .map(|r| {
                        json!({"type": "tool_result", "tool_use_id": r.id, "content": r.content,
                            "is_error": r.is_error})
                    })
                    .collect();
                messages.push(json!({"role": "user", "content": content}));
            }
        }
    }
    let tools: Vec<Value> = req
        .tools
        .iter()
        .map(|t| json!({"name": t.name, "description": t.description, "input_schema": t.schema}))
        .collect();
    let mut body = json!({
        "model": req.model,
        "max_tokens": req.max_tokens,
        "system": req.system,
        "messages": messages,
        "stream": true,
    });
    if !tools.is_empty() {
        body["tools"] = json!(tools);
    }
    body
}

#[derive(Debug)]
enum Block {
    Text,
    Tool {
        id: String,
        name: String,
        json: String,
    },
    Other,
}

/// Folds the stream's events into one answer.
#[derive(Debug, Default)]
pub struct Accumulator {
    text: String,
    blocks: Vec<(u64, Block)>,
    input: i64,
    cache_read: i64,
    output: i64,
    stop_reason: Option<String>,
    model: Option<String>,
    done: bool,
}

impl Accumulator {
    /// Takes one SSE event; returns the text delta it carried, or the error the stream reported.
    pub fn event(&mut self, ev: &SseEvent) -> Result<String, String> {
        let v: Value = serde_json::from_str(ev.data.trim())
            .map_err(|e| format!("unreadable stream event ({e})"))?;
        let kind = v
            .get("type")
            .and_then(Value::as_str)
            .or(ev.event.as_deref())
            .unwrap_or("");
        let int = |v: &Value, p: &str| v.pointer(p).and_then(Value::as_i64).unwrap_or(0);
        match kind {
            "message_start" => {
                let m = &v["message"];
                self.model = m.get("model").and_then(Value::as_str).map(str::to_owned);
                self.cache_read = int(m, "/usage/cache_read_input_tokens");
                self.input = int(m, "/usage/input_tokens")
                    + self.cache_read
                    + int(m, "/usage/cache_creation_input_tokens");
                self.output = int(m, "/usage/output_tokens");
            }
            "content_block_start" => {
                let index = v.get("index").and_then(Value::as_u64).unwrap_or(0);
                let b = &v["content_block"];
                let block = match b.get("type").and_then(Value::as_str) {
                    Some("text") => {
                        let t = b.get("text").and_then(Value::as_str).unwrap_or("");
                        self.text.push_str(t);
                        Block::Text
                    }
                    Some("tool_use") => Block::Tool {
                        id: b.get("id").and_then(Value::as_str).unwrap_or("").to_owned(),
                        name: b
                            .get("name")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_owned(),
                        json: String::new(),
                    },
                    _ => Block::Other,
                };
                self.blocks.push((index, block));
            }
            "content_block_delta" => {
                let index = v.get("index").and_then(Value::as_u64).unwrap_or(0);
                let d = &v["delta"];
                match d.get("type").and_then(Value::as_str) {
                    Some("text_delta") => {
                        let t = d.get("text").and_then(Value::as_str).unwrap_or("");
                        self.text.push_str(t);
                        return Ok(t.to_owned());
                    }
                    Some("input_json_delta") => {
                        let part = d.get("partial_json").and_then(Value::as_str).unwrap_or("");
                        if let Some((_, Block::Tool { json, .. })) =
                            self.blocks.iter_mut().rev().find(|(i, _)| *i == index)
                        {
                            json.push_str(part);
                        }
                    }
                    _ => {}
                }
            }
            "message_delta" => {
                if let Some(r) = v.pointer("/delta/stop_reason").and_then(Value::as_str) {
                    self.stop_reason = Some(r.to_owned());
                }
                if let Some(o) = v.pointer("/usage/output_tokens").and_then(Value::as_i64) {
                    self.output = o;
                }
            }
            "message_stop" => self.done = true,
            "error" => {
                let msg = v
                    .pointer("/error/message")
                    .and_then(Value::as_str)
                    .map_or_else(|| v.to_string(), str::to_owned);
                let t = v
                    .pointer("/error/type")
                    .and_then(Value::as_str)
                    .unwrap_or("error");
                return Err(format!("{t}: {msg}"));
            }
            _ => {}
        }
        Ok(String::new())
    }

    /// Whether `message_stop` arrived.
    #[must_use]
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The answer.
    #[must_use]
    pub fn finish(self) -> Answer {
        let calls = self
            .blocks
            .into_iter()
            .filter_map(|(_, b)| match b {
                Block::Tool { id, name, json } => Some(ToolCall {
                    id,
                    name,
                    input: parse_arguments(&json),
                }),
                _ => None,
            })
            .collect();
        Answer {
            text: self.text,
            calls,
            usage: Usage {
                input_tokens: self.input,
                cache_read_tokens: self.cache_read,
                output_tokens: self.output,
                ..Usage::default()
            },
            stop_reason: self.stop_reason,
            model: self.model,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::sse::SseParser;
    use super::*;

    #[test]
    fn text_tool_use_and_usage_are_folded() {
        let stream = concat!(
            "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"model\":\"claude-x\",\"usage\":{\"input_tokens\":60,\"cache_read_input_tokens\":40,\"cache_creation_input_tokens\":0,\"output_tokens\":1}}}\n\n",
            "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
            "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Fixing.\"}}\n\n",
            "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
            "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"edit_file\",\"input\":{}}}\n\n",
            "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"path\\\": \\\"a\"}}\n\n",
            "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\".py\\\"}\"}}\n\n",
            "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}\n\n",
            "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},\"usage\":{\"output_tokens\":10}}\n\n",
            "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
        );
        let mut p = SseParser::default();
        let mut acc = Accumulator::default();
        let mut deltas = String::new();
        for ev in p.feed(stream.as_bytes()) {
            deltas.push_str(&acc.event(&ev).expect("event"));
        }
        assert!(acc.is_done());
        let a = acc.finish();
        assert_eq!(deltas, "Fixing.");
        assert_eq!(a.model.as_deref(), Some("claude-x"));
        assert_eq!(a.stop_reason.as_deref(), Some("tool_use"));
        assert_eq!(
            a.calls,
            vec![ToolCall {
                id: "toolu_1".into(),
                name: "edit_file".into(),
                input: Ok(json!({"path": "a.py"}))
            }]
        );
        assert_eq!(
            (
                a.usage.input_tokens,
                a.usage.cache_read_tokens,
                a.usage.output_tokens
            ),
            (100, 40, 10)
        );
    }

    #[test]
    fn an_error_event_is_an_error() {
        let mut acc = Accumulator::default();
        let ev = SseEvent {
            event: Some("error".into()),
            data: r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#
                .into(),
        };
        assert_eq!(acc.event(&ev), Err("overloaded_error: Overloaded".into()));
    }
}
