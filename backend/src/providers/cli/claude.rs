//! Claude Code (`claude -p --output-format stream-json --verbose`): its invocation and its
//! stream-json parser.
//!
//! Stream shape: `system/init` (session, model, tools, `claude_code_version`), `assistant`
//! messages whose content blocks are `text`, `thinking` or `tool_use` (each block arrives as its
//! own line carrying the message's `usage` again, so usage is counted once per message id),
//! `user` messages carrying `tool_result`s, and a final `result`. Success is that `result` with
//! `subtype: success` and `is_error: false` — a `success` subtype with `is_error: true` is an API
//! error the CLI turned into an answer.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::events::{
    ErrorCategory, Norm, Parsed, StreamParser, Verdict, int_of, json_or_log, str_of, with_raw,
};
use crate::providers::usage::Usage;

/// Claude Code's file-editing tools (their `file_path` is the changed file).
const FILE_TOOLS: [&str; 4] = ["Write", "Edit", "MultiEdit", "NotebookEdit"];
/// Tools allowed besides shell commands: reading and editing inside the working directory.
pub const BASE_TOOLS: [&str; 9] = [
    "Read",
    "Edit",
    "MultiEdit",
    "Write",
    "Glob",
    "Grep",
    "LS",
    "NotebookEdit",
    "TodoWrite",
];

/// `--allowedTools`: the file tools plus `Bash(<program>:*)` for each allowed command.
#[must_use]
pub fn allowed_tools(allowed_commands: &[String]) -> String {
    let mut tools: Vec<String> = BASE_TOOLS.iter().map(|t| (*t).to_owned()).collect();
    tools.extend(allowed_commands.iter().map(|c| format!("Bash({c}:*)")));
    tools.join(",")
}

/// The stream-json parser.
#[derive(Debug, Default)]
pub struct ClaudeParser {
    /// Tool calls by id: (name, input).
    calls: HashMap<String, (String, Value)>,
    messages_counted: HashSet<String>,
    result: Option<Verdict>,
    version: Option<String>,
}

impl ClaudeParser {
    #[must_use]
    pub fn new(version: Option<String>) -> Self {
        Self {
            version,
            ..Self::default()
        }
    }

    fn assistant(&mut self, v: &Value, out: &mut Vec<Norm>) {
        let msg = &v["message"];
        for block in msg["content"].as_array().into_iter().flatten() {
            match str_of(block, "type") {
                "text" => {
                    let text = str_of(block, "text");
                    if !text.is_empty() {
                        out.push(Norm::Message {
                            text: text.to_owned(),
                        });
                    }
                }
                "thinking" => out.push(Norm::Reasoning {
                    text: str_of(block, "thinking").to_owned(),
                }),
                "tool_use" => {
                    let id = str_of(block, "id").to_owned();
                    let name = str_of(block, "name").to_owned();
                    let input = block.get("input").cloned().unwrap_or(Value::Null);
                    out.push(Norm::ToolStarted {
                        id: id.clone(),
                        name: name.clone(),
                        input: input.clone(),
                    });
                    if name == "Bash" {
                        out.push(Norm::CommandStarted {
                            id: id.clone(),
                            command: str_of(&input, "command").to_owned(),
                        });
                    }
                    self.calls.insert(id, (name, input));
                }
                _ => {}
            }
        }
        let id = str_of(msg, "id");
        if let Some(u) = msg.get("usage").filter(|u| u.is_object())
            && !id.is_empty()
            && self.messages_counted.insert(id.to_owned())
        {
            let usage = usage_of(u);
            if !usage.is_empty() {
                out.push(Norm::Usage {
                    usage,
                    total: false,
                });
            }
        }
    }

    fn user(&mut self, v: &Value, out: &mut Vec<Norm>) {
        for block in v["message"]["content"].as_array().into_iter().flatten() {
            if str_of(block, "type") != "tool_result" {
                continue;
            }
            let id = str_of(block, "tool_use_id").to_owned();
            let failed = block["is_error"].as_bool() == Some(true);
            let output = result_text(&block["content"]);
            let (name, input) = self.calls.remove(&id).unwrap_or_default();
            if name == "Bash" {
                out.push(Norm::CommandFinished {
                    id: id.clone(),
                    exit_code: exit_code(failed, &output),
                    output: output.clone(),
                });
            }
            if !failed && FILE_TOOLS.contains(&name.as_str()) {
                let path = str_of(&input, "file_path");
                let path = if path.is_empty() {
                    str_of(&input, "notebook_path")
                } else {
                    path
                };
                let change = match (name.as_str(), str_of(&v["tool_use_result"], "type")) {
                    ("Write", "create") => "added",
                    ("Write", _) => "written",
                    _ => "modified",
                };
                out.push(Norm::FileChanged {
                    path: path.to_owned(),
                    change: change.to_owned(),
                });
            }
            out.push(Norm::ToolCompleted {
                id,
                name,
                ok: !failed,
                output,
            });
        }
    }

    fn result(&mut self, v: &Value, out: &mut Vec<Norm>) {
        let mut usage = v.get("usage").map(usage_of).unwrap_or_default();
        usage.cost_usd = v["total_cost_usd"].as_f64().unwrap_or(0.0);
        out.push(Norm::Usage { usage, total: true });
        for denial in v["permission_denials"].as_array().into_iter().flatten() {
            out.push(Norm::Warning {
                message: format!(
                    "permission denied: {} {}",
                    str_of(denial, "tool_name"),
                    denial.get("tool_input").cloned().unwrap_or(Value::Null)
                ),
            });
        }
        let subtype = str_of(v, "subtype");
        let is_error = v["is_error"].as_bool().unwrap_or(true);
        let verdict = if subtype == "success" && !is_error {
            Verdict::Success
        } else {
            let text = str_of(v, "result");
            let category = match subtype {
                "error_max_turns" => ErrorCategory::MaxTurns,
                "error_max_budget_usd" => ErrorCategory::Budget,
                _ => ErrorCategory::of_message(text),
            };
            let message = if text.is_empty() {
                format!(
                    "Claude Code ended with {subtype} after {} turns",
                    int_of(v, "num_turns")
                )
            } else {
                text.to_owned()
            };
            out.push(Norm::Error {
                category,
                message: message.clone(),
            });
            Verdict::Failure { category, message }
        };
        self.result = Some(verdict);
    }
}

/// Usage of a message or a result: input includes cache reads and cache writes.
fn usage_of(u: &Value) -> Usage {
    let cache_read = int_of(u, "cache_read_input_tokens");
    Usage {
        input_tokens: int_of(u, "input_tokens")
            + cache_read
            + int_of(u, "cache_creation_input_tokens"),
        cache_read_tokens: cache_read,
        output_tokens: int_of(u, "output_tokens"),
        cost_usd: 0.0,
        estimated: false,
    }
}

/// A tool result's content: a string, or text blocks.
fn result_text(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(blocks) => blocks
            .iter()
            .filter_map(|b| b.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// Claude's Bash results say `Exit code N` when a command fails; success is exit 0.
fn exit_code(failed: bool, output: &str) -> Option<i32> {
    if !failed {
        return Some(0);
    }
    output
        .strip_prefix("Exit code ")
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

impl StreamParser for ClaudeParser {
    fn feed(&mut self, line: &str) -> Vec<Parsed> {
        let v = match json_or_log(line) {
            Ok(v) => v,
            Err(logs) => return logs,
        };
        let mut out = Vec::new();
        match (str_of(&v, "type"), str_of(&v, "subtype")) {
            ("system", "init") => {
                if let Some(ver) = v["claude_code_version"].as_str() {
                    self.version = Some(ver.to_owned());
                }
                out.push(Norm::Session {
                    session_id: v["session_id"].as_str().map(str::to_owned),
                    model: v["model"].as_str().map(str::to_owned),
                    tools: v["tools"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|t| t.as_str().map(str::to_owned))
                        .collect(),
                    version: self.version.clone(),
                });
            }
            ("system", "api_retry") => out.push(Norm::Warning {
                message: format!(
                    "model request failed ({} {}), retry {}/{}",
                    v["error_status"]
                        .as_i64()
                        .map_or_else(|| "no status".to_owned(), |c| c.to_string()),
                    str_of(&v, "error"),
                    int_of(&v, "attempt"),
                    int_of(&v, "max_retries")
                ),
            }),
            ("assistant", _) => self.assistant(&v, &mut out),
            ("user", _) => self.user(&v, &mut out),
            ("result", _) => self.result(&v, &mut out),
            _ => out.push(Norm::Log {
                text: line.to_owned(),
            }),
        }
        with_raw(out, &v)
    }

    fn verdict(&self, exit_code: Option<i32>) -> Verdict {
        self.result.clone().unwrap_or_else(|| Verdict::Failure {
            category: ErrorCategory::Cli,
            message: format!(
                "Claude Code ended without a result ({})",
                exit_code.map_or_else(|| "killed".to_owned(), |c| format!("exit {c}"))
            ),
        })
    }

    fn version(&self) -> Option<String> {
        self.version.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_tools_add_a_bash_prefix_rule_per_command() {
        let t = allowed_tools(&["git".into(), "pytest".into()]);
        assert!(t.starts_with("Read,Edit,"), "{t}");
        assert!(t.ends_with(",Bash(git:*),Bash(pytest:*)"), "{t}");
    }

    #[test]
    fn api_retries_are_warnings() {
        // A line Claude Code 2.1.197 printed while the model server answered 401.
        let line = r#"{"type":"system","subtype":"api_retry","attempt":1,"max_retries":10,"retry_delay_ms":556.03,"error_status":401,"error":"authentication_failed","session_id":"a6f77241","uuid":"f8f1af38"}"#;
        let out = ClaudeParser::new(None).feed(line);
        assert_eq!(out.len(), 1);
        assert_eq!(
            out[0].norm,
            Norm::Warning {
                message: "model request failed (401 authentication_failed), retry 1/10".into()
            }
        );
    }

    #[test]
    fn a_failed_bash_result_carries_its_exit_code() {
        assert_eq!(exit_code(true, "Exit code 2\nno such file"), Some(2));
        assert_eq!(exit_code(true, "permission denied"), None);
        assert_eq!(exit_code(false, "ok"), Some(0));
    }
}
