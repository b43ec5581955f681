//! Gemini CLI (`gemini --output-format stream-json`): its parser.
//!
//! Stream shape: `init` (session, model), `message`s (the user's prompt echoed, then assistant
//! text, streamed as `delta` fragments that are joined here), `tool_use`/`tool_result` pairs by
//! `tool_id`, `error`s, and a final `result` whose `status` decides success, with `stats` usage.
//! Gemini reports no cost: it is estimated from the price table.

use std::collections::HashMap;

use serde_json::Value;

use super::events::{
    ErrorCategory, Norm, Parsed, StreamParser, Verdict, int_of, json_or_log, str_of, with_raw,
};
use crate::providers::{pricing, usage::Usage};

/// Gemini's shell tool and its file-changing tools.
const SHELL_TOOL: &str = "run_shell_command";
const FILE_TOOLS: [(&str, &str); 2] = [("write_file", "written"), ("replace", "modified")];

/// The stream-json parser.
#[derive(Debug, Default)]
pub struct GeminiParser {
    model: Option<String>,
    version: Option<String>,
    calls: HashMap<String, (String, Value)>,
    /// Assistant text fragments not yet emitted, and the line of the last one.
    pending: String,
    pending_raw: Option<Value>,
    result: Option<Verdict>,
}

impl GeminiParser {
    #[must_use]
    pub fn new(model: Option<String>, version: Option<String>) -> Self {
        Self {
            model,
            version,
            ..Self::default()
        }
    }

    /// Emits the joined assistant text, if any.
    fn flush(&mut self) -> Vec<Parsed> {
        if self.pending.is_empty() {
            return Vec::new();
        }
        let text = std::mem::take(&mut self.pending);
        vec![Parsed {
            norm: Norm::Message { text },
            raw: self.pending_raw.take(),
        }]
    }
}

impl StreamParser for GeminiParser {
    fn feed(&mut self, line: &str) -> Vec<Parsed> {
        let v = match json_or_log(line) {
            Ok(v) => v,
            Err(logs) => return logs,
        };
        if str_of(&v, "type") == "message" {
            if str_of(&v, "role") == "assistant" {
                let mut out = Vec::new();
                if v["delta"].as_bool() != Some(true) {
                    out = self.flush();
                }
                self.pending.push_str(str_of(&v, "content"));
                self.pending_raw = Some(v);
                return out;
            }
            // The user's prompt echoed back.
            return Vec::new();
        }
        let mut parsed = self.flush();
        let mut out = Vec::new();
        match str_of(&v, "type") {
            "init" => {
                if let Some(m) = v["model"].as_str() {
                    self.model = Some(m.to_owned());
                }
                out.push(Norm::Session {
                    session_id: v["session_id"].as_str().map(str::to_owned),
                    model: self.model.clone(),
                    tools: Vec::new(),
                    version: self.version.clone(),
                });
            }
            "tool_use" => {
                let id = str_of(&v, "tool_id").to_owned();
                let name = str_of(&v, "tool_name").to_owned();
                let input = v.get("parameters").cloned().unwrap_or(Value::Null);
                out.push(Norm::ToolStarted {
                    id: id.clone(),
                    name: name.clone(),
                    input: input.clone(),
                });
                if name == SHELL_TOOL {
                    out.push(Norm::CommandStarted {
                        id: id.clone(),
                        command: str_of(&input, "command").to_owned(),
                    });
                }
                self.calls.insert(id, (name, input));
            }
            "tool_result" => {
                let id = str_of(&v, "tool_id").to_owned();
                let ok = str_of(&v, "status") == "success";
                let output = v["output"]
                    .as_str()
                    .or_else(|| v["error"]["message"].as_str())
                    .unwrap_or("")
                    .to_owned();
                let (name, input) = self.calls.remove(&id).unwrap_or_default();
                if name == SHELL_TOOL {
                    out.push(Norm::CommandFinished {
                        id: id.clone(),
                        exit_code: ok.then_some(0),
                        output: output.clone(),
                    });
                }
                if let Some((_, change)) = FILE_TOOLS.iter().find(|(n, _)| *n == name)
                    && ok
                {
                    out.push(Norm::FileChanged {
                        path: str_of(&input, "file_path").to_owned(),
                        change: (*change).to_owned(),
                    });
                }
                out.push(Norm::ToolCompleted {
                    id,
                    name,
                    ok,
                    output,
                });
            }
            "error" => {
                let message = str_of(&v, "message").to_owned();
                if str_of(&v, "severity") == "warning" {
                    out.push(Norm::Warning { message });
                } else {
                    out.push(Norm::Error {
                        category: ErrorCategory::of_message(&message),
                        message,
                    });
                }
            }
            "result" => {
                let s = &v["stats"];
                let mut usage = Usage {
                    input_tokens: int_of(s, "input_tokens"),
                    cache_read_tokens: int_of(s, "cached"),
                    output_tokens: int_of(s, "output_tokens"),
                    cost_usd: 0.0,
                    estimated: true,
                };
                usage.cost_usd = pricing::estimate(self.model.as_deref(), &usage);
                out.push(Norm::Usage { usage, total: true });
                let verdict = if str_of(&v, "status") == "success" {
                    Verdict::Success
                } else {
                    let message = v["error"]["message"].as_str().map_or_else(
                        || format!("Gemini ended with status {:?}", str_of(&v, "status")),
                        str::to_owned,
                    );
                    let category = ErrorCategory::of_message(&message);
                    out.push(Norm::Error {
                        category,
                        message: message.clone(),
                    });
                    Verdict::Failure { category, message }
                };
                self.result = Some(verdict);
            }
            _ => out.push(Norm::Log {
                text: line.to_owned(),
            }),
        }
        parsed.extend(with_raw(out, &v));
        parsed
    }

    fn finish(&mut self) -> Vec<Parsed> {
        self.flush()
    }

    fn verdict(&self, exit_code: Option<i32>) -> Verdict {
        self.result.clone().unwrap_or_else(|| Verdict::Failure {
            category: ErrorCategory::Cli,
            message: format!(
                "Gemini CLI ended without a result ({})",
                exit_code.map_or_else(|| "killed".to_owned(), |c| format!("exit {c}"))
            ),
        })
    }

    fn version(&self) -> Option<String> {
        self.version.clone()
    }
}
