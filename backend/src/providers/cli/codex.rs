//! Codex (`codex exec --json`): its parser.
//!
//! Stream shape: `thread.started`, `turn.started`, `item.started`/`item.updated`/`item.completed`
//! for items (`reasoning`, `agent_message`, `command_execution`, `file_change`, `todo_list`,
//! `mcp_tool_call`, `web_search`, `error`), top-level `error`s (`Reconnecting... n/5` while it
//! retries), then `turn.completed` with usage or `turn.failed`. Success is `turn.completed` and
//! exit status 0. Codex reports no cost: it is estimated from the price table.

use std::collections::HashSet;

use serde_json::{Value, json};

use super::events::{
    ErrorCategory, Norm, Parsed, StreamParser, Verdict, int_of, json_or_log, str_of, with_raw,
};
use crate::providers::{pricing, usage::Usage};

/// The `codex exec --json` parser.
#[derive(Debug, Default)]
pub struct CodexParser {
    model: Option<String>,
    version: Option<String>,
    started: HashSet<String>,
    completed: bool,
    failed: Option<String>,
    last_error: Option<String>,
}

impl CodexParser {
    /// `model` prices the usage (Codex does not name its model in the stream).
    #[must_use]
    pub fn new(model: Option<String>, version: Option<String>) -> Self {
        Self {
            model,
            version,
            ..Self::default()
        }
    }

    /// What an item is as a tool call: `(name, input)`, for the kinds that are tool calls.
    fn tool_of(item: &Value) -> Option<(String, Value)> {
        match str_of(item, "type") {
            "command_execution" => Some((
                "command_execution".into(),
                json!({"command": str_of(item, "command")}),
            )),
            "file_change" => Some((
                "file_change".into(),
                json!({"changes": item.get("changes").cloned().unwrap_or(Value::Null)}),
            )),
            "todo_list" => Some((
                "todo_list".into(),
                json!({"items": item.get("items").cloned().unwrap_or(Value::Null)}),
            )),
            "mcp_tool_call" => Some((
                format!("{}.{}", str_of(item, "server"), str_of(item, "tool")),
                item.get("arguments").cloned().unwrap_or(Value::Null),
            )),
            "web_search" => Some(("web_search".into(), json!({"query": str_of(item, "query")}))),
            _ => None,
        }
    }

    fn start(&mut self, item: &Value, out: &mut Vec<Norm>) {
        let id = str_of(item, "id").to_owned();
        let Some((name, input)) = Self::tool_of(item) else {
            return;
        };
        if !self.started.insert(id.clone()) {
            return;
        }
        out.push(Norm::ToolStarted {
            id: id.clone(),
            name: name.clone(),
            input,
        });
        if name == "command_execution" {
            out.push(Norm::CommandStarted {
                id,
                command: str_of(item, "command").to_owned(),
            });
        }
    }

    fn complete(&mut self, item: &Value, out: &mut Vec<Norm>) {
        let id = str_of(item, "id").to_owned();
        match str_of(item, "type") {
            "reasoning" => out.push(Norm::Reasoning {
                text: str_of(item, "text").to_owned(),
            }),
            "agent_message" => out.push(Norm::Message {
                text: str_of(item, "text").to_owned(),
            }),
            "error" => out.push(Norm::Warning {
                message: str_of(item, "message").to_owned(),
            }),
            kind => {
                let Some((name, _)) = Self::tool_of(item) else {
                    out.push(Norm::Log {
                        text: item.to_string(),
                    });
                    return;
                };
                // Items that only ever complete (file changes) still get their started event.
                self.start(item, out);
                let status = str_of(item, "status");
                let (ok, output) = match kind {
                    "command_execution" => {
                        let exit_code = item["exit_code"].as_i64().map(|c| c as i32);
                        let output = str_of(item, "aggregated_output").to_owned();
                        out.push(Norm::CommandFinished {
                            id: id.clone(),
                            exit_code,
                            output: output.clone(),
                        });
                        (exit_code == Some(0) && status != "failed", output)
                    }
                    "file_change" => {
                        let ok = status != "failed";
                        for c in item["changes"].as_array().into_iter().flatten() {
                            if ok {
                                out.push(Norm::FileChanged {
                                    path: str_of(c, "path").to_owned(),
                                    change: match str_of(c, "kind") {
                                        "add" => "added",
                                        "delete" => "deleted",
                                        _ => "modified",
                                    }
                                    .to_owned(),
                                });
                            }
                        }
                        (ok, String::new())
                    }
                    "mcp_tool_call" => (
                        status != "failed",
                        item.get("result")
                            .or_else(|| item.get("error"))
                            .map(Value::to_string)
                            .unwrap_or_default(),
                    ),
                    _ => (status != "failed", String::new()),
                };
                out.push(Norm::ToolCompleted {
                    id,
                    name,
                    ok,
                    output,
                });
            }
        }
    }
}

impl StreamParser for CodexParser {
    fn feed(&mut self, line: &str) -> Vec<Parsed> {
        let v = match json_or_log(line) {
            Ok(v) => v,
            Err(logs) => return logs,
        };
        let mut out = Vec::new();
        match str_of(&v, "type") {
            "thread.started" => out.push(Norm::Session {
                session_id: v["thread_id"].as_str().map(str::to_owned),
                model: self.model.clone(),
                tools: Vec::new(),
                version: self.version.clone(),
            }),
            "turn.started" => {}
            "item.started" => self.start(&v["item"], &mut out),
            // Progress of a running item (a todo list ticking off): nothing new to show.
            "item.updated" => {}
            "item.completed" => self.complete(&v["item"], &mut out),
            "turn.completed" => {
                self.completed = true;
                let u = &v["usage"];
                let mut usage = Usage {
                    input_tokens: int_of(u, "input_tokens"),
                    cache_read_tokens: int_of(u, "cached_input_tokens"),
                    output_tokens: int_of(u, "output_tokens"),
                    cost_usd: 0.0,
                    estimated: true,
                };
                usage.cost_usd = pricing::estimate(self.model.as_deref(), &usage);
                out.push(Norm::Usage {
                    usage,
                    total: false,
                });
            }
            "turn.failed" => {
                let message = v["error"]["message"]
                    .as_str()
                    .map(str::to_owned)
                    .or_else(|| self.last_error.clone())
                    .unwrap_or_else(|| "the turn failed".to_owned());
                out.push(Norm::Error {
                    category: ErrorCategory::of_message(&message),
                    message: message.clone(),
                });
                self.failed = Some(message);
            }
            "error" => {
                let message = str_of(&v, "message").to_owned();
                if message.starts_with("Reconnecting") {
                    out.push(Norm::Warning { message });
                } else {
                    out.push(Norm::Error {
                        category: ErrorCategory::of_message(&message),
                        message: message.clone(),
                    });
                    self.last_error = Some(message);
                }
            }
            _ => out.push(Norm::Log {
                text: line.to_owned(),
            }),
        }
        with_raw(out, &v)
    }

    fn verdict(&self, exit_code: Option<i32>) -> Verdict {
        if let Some(message) = &self.failed {
            return Verdict::Failure {
                category: ErrorCategory::of_message(message),
                message: message.clone(),
            };
        }
        if self.completed && exit_code == Some(0) {
            return Verdict::Success;
        }
        let how = exit_code.map_or_else(|| "was killed".to_owned(), |c| format!("exited {c}"));
        let message = match (&self.last_error, self.completed) {
            (Some(e), _) => format!("Codex {how}: {e}"),
            (None, true) => format!("Codex completed its turn but {how}"),
            (None, false) => format!("Codex {how} without completing its turn"),
        };
        Verdict::Failure {
            category: self
                .last_error
                .as_deref()
                .map_or(ErrorCategory::Cli, ErrorCategory::of_message),
            message,
        }
    }

    fn version(&self) -> Option<String> {
        self.version.clone()
    }
}
