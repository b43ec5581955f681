//! OpenAI Chat Completions (any compatible endpoint): the request body, and the streamed answer
//! (`data:` chunks, `[DONE]`) folded into an [`Answer`], tool-call argument deltas joined by their
//! `index`, usage from the final chunk (`stream_options.include_usage`).

use serde_json::{Value, json};

use super::sse::SseEvent;
use super::wire::{Answer, Msg, Request, ToolCall, parse_arguments};
use crate::providers::usage::Usage;

/// `POST {base}/chat/completions`.
#[must_use]
pub fn url(base: &str) -> String {
    format!("{}/chat/completions", base.trim_end_matches('/'))
}

/// `GET {base}/models`.
#[must_use]
pub fn models_url(base: &str) -> String {
    format!("{}/models", base.trim_end_matches('/'))
}

/// The request body.
#[must_use]
pub fn body(req: &Request<'_>) -> Value {
    let mut messages = vec![json!({"role": "system", "content": req.system})];
    for m in req.messages {
        match m {
            Msg::User(t) => messages.push(json!({"role": "user", "content": t})),
            Msg::Assistant { text, calls } => {
                let mut msg = json!({"role": "assistant", "content": if text.is_empty() { Value::Null } else { json!(text) }});
                if !calls.is_empty() {
                    msg["tool_calls"] = calls
                        .iter()
                        .map(|c| {
                            json!({"id": c.id, "type": "function",
                                "function": {"name": c.name, "arguments": c.arguments_text()}})
                        })
                        .collect();
                }
                messages.push(msg);
            }
            Msg::ToolResults(results) => {
                for r in results {
                    let content = if r.is_error {
                        format!("ERROR: {}", r.content)
                    } else {
                        r.content.clone()
                    };
                    messages
                        .push(json!({"role": "tool", "tool_call_id": r.id, "content": content}));
                }
            }
        }
    }
    let tools: Vec<Value> = req
        .tools
        .iter()
        .map(|t| {
            json!({"type": "function", "function": {"name": t.name, "description": t.description,
                "parameters": t.schema}})
        })
        .collect();
    let mut body = json!({
        "model": req.model,
        "messages": messages,
        "stream": true,
        "stream_options": {"include_usage": true},
    });
    if !tools.is_empty() {
        body["tools"] = json!(tools);
        body["tool_choice"] = json!("auto");
    }
    body
}

/// A tool call being streamed.
#[derive(Debug, Default)]
struct PartialCall {
    id: String,
    name: String,
    arguments: String,
}

/// Folds the stream's chunks into one answer.
#[derive(Debug, Default)]
pub struct Accumulator {
    text: String,
    calls: Vec<PartialCall>,
    usage: Usage,
    stop_reason: Option<String>,
    model: Option<String>,
    done: bool,
}

impl Accumulator {
    /// Takes one SSE event; returns the text delta it carried (for `message` events), or the
    /// error the stream reported.
    pub fn event(&mut self, ev: &SseEvent) -> Result<String, String> {
        let data = ev.data.trim();
        if data == "[DONE]" {
            self.done = true;
            return Ok(String::new());
        }
        let v: Value = serde_json::from_str(data)
            .map_err(|e| format!("unreadable stream chunk ({e}): {}", cut(data)))?;
        if let Some(err) = v.get("error") {
            let msg = err
                .get("message")
                .and_then(Value::as_str)
                .map_or_else(|| err.to_string(), str::to_owned);
            return Err(msg);
        }
        if let Some(m) = v.get("model").and_then(Value::as_str) {
            self.model = Some(m.to_owned());
        }
        if let Some(u) = v.get("usage").filter(|u| u.is_object()) {
            let int = |p: &str| u.pointer(p).and_then(Value::as_i64).unwrap_or(0);
            self.usage = Usage {
                input_tokens: int("/prompt_tokens"),
                cache_read_tokens: int("/prompt_tokens_details/cached_tokens"),
                output_tokens: int("/completion_tokens"),
                ..Usage::default()
            };
        }
        let mut delta_text = String::new();
        for choice in v
            .get("choices")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(f) = choice.get("finish_reason").and_then(Value::as_str) {
                self.stop_reason = Some(f.to_owned());
            }
            let Some(delta) = choice.get("delta") else {
                continue;
            };
            if let Some(t) = delta.get("content").and_then(Value::as_str) {
                self.text.push_str(t);
                delta_text.push_str(t);
            }
            for tc in delta
                .get("tool_calls")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let index = tc
                    .get("index")
                    .and_then(Value::as_u64)
                    .map_or(self.calls.len().saturating_sub(1), |i| i as usize);
                while self.calls.len() <= index {
                    self.calls.push(PartialCall::default());
                }
                let call = &mut self.calls[index];
                if let Some(id) = tc.get("id").and_then(Value::as_str) {
                    call.id = id.to_owned();
                }
                if let Some(f) = tc.get("function") {
                    if let Some(n) = f.get("name").and_then(Value::as_str) {
                        call.name.push_str(n);
                    }
                    if let Some(a) = f.get("arguments").and_then(Value::as_str) {
                        call.arguments.push_str(a);
                    }
                }
            }
        }
        Ok(delta_text)
    }

    /// Whether `[DONE]` arrived.
    #[must_use]
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The answer.
    #[must_use]
    pub fn finish(self) -> Answer {
        Answer {
            text: self.text,
            calls: self
                .calls
                .into_iter()
                .enumerate()
                .filter(|(_, c)| !c.name.is_empty())
                .map(|(i, c)| ToolCall {
                    id: if c.id.is_empty() {
                        format!("call_{i}")
                    } else {
                        c.id
                    },
                    name: c.name,
                    input: parse_arguments(&c.arguments),
                })
                .collect(),
            usage: self.usage,
            stop_reason: self.stop_reason,
            model: self.model,
        }
    }
}

fn cut(s: &str) -> &str {
    let mut end = s.len().min(200);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::super::sse::SseParser;
    use super::*;

    #[test]
    fn text_tool_call_deltas_and_usage_are_folded() {
        let stream = concat!(
            "data: {\"id\":\"c1\",\"model\":\"m-1\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Look\"},\"finish_reason\":null}]}\n\n",
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ing.\"},\"finish_reason\":null}]}\n\n",
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"read_file\",\"arguments\":\"\"}}]},\"finish_reason\":null}]}\n\n",
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"path\\\":\"}}]},\"finish_reason\":null}]}\n\n",
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"a.py\\\"}\"}}]},\"finish_reason\":null}]}\n\n",
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,\"id\":\"call_2\",\"function\":{\"name\":\"finish\",\"arguments\":\"oops\"}}]},\"finish_reason\":null}]}\n\n",
            "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n",
            "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":10,\"prompt_tokens_details\":{\"cached_tokens\":40}}}\n\n",
            "data: [DONE]\n\n",
        );
        let mut p = SseParser::default();
        let mut acc = Accumulator::default();
        let mut deltas = String::new();
        for ev in p.feed(stream.as_bytes()) {
            deltas.push_str(&acc.event(&ev).expect("chunk"));
        }
        assert!(acc.is_done());
        let a = acc.finish();
        assert_eq!(deltas, "Looking.");
        assert_eq!(a.text, "Looking.");
        assert_eq!(a.model.as_deref(), Some("m-1"));
        assert_eq!(a.stop_reason.as_deref(), Some("tool_calls"));
        assert_eq!(a.calls.len(), 2);
        assert_eq!(a.calls[0].name, "read_file");
        assert_eq!(a.calls[0].input, Ok(json!({"path": "a.py"})));
        assert_eq!(a.calls[1].input, Err("oops".to_owned()));
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
    fn an_error_chunk_is_an_error() {
        let mut acc = Accumulator::default();
        let ev = SseEvent {
            event: None,
            data: r#"{"error":{"message":"boom","type":"server_error"}}"#.into(),
        };
        assert_eq!(acc.event(&ev), Err("boom".into()));
    }
}
