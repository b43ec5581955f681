//! Normalized events: what every CLI's JSON stream is parsed into, independent of the CLI. The
//! provider turns them into run events (`provider.session`, `message`, `reasoning`,
//! `tool.started`/`tool.completed`, `command.started`/`command.finished` rows, `file.changed`,
//! `usage`, `warning`, `error`, `log`) and rolls usage up to the run.

use serde_json::{Value, json};

use crate::providers::usage::Usage;
use crate::sink::NewEvent;

/// Why a provider reported an error, from its own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCategory {
    Auth,
    RateLimit,
    Billing,
    Api,
    MaxTurns,
    Budget,
    Permission,
    Cli,
}

impl ErrorCategory {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auth => "auth",
            Self::RateLimit => "rate_limit",
            Self::Billing => "billing",
            Self::Api => "api",
            Self::MaxTurns => "max_turns",
            Self::Budget => "budget",
            Self::Permission => "permission",
            Self::Cli => "cli",
        }
    }

    /// Classifies an error message (status codes and the wording the CLIs use).
    #[must_use]
    pub fn of_message(message: &str) -> Self {
        let m = message.to_ascii_lowercase();
        let has = |words: &[&str]| words.iter().any(|w| m.contains(w));
        if has(&[
            "401",
            "unauthorized",
            "invalid api key",
            "invalid x-api-key",
            "authentication",
            "not logged in",
            "please run /login",
            "403",
        ]) {
            Self::Auth
        } else if has(&[
            "429",
            "rate limit",
            "rate_limit",
            "too many requests",
            "overloaded",
        ]) {
            Self::RateLimit
        } else if has(&[
            "usage limit",
            "quota",
            "billing",
            "credit balance",
            "insufficient",
        ]) {
            Self::Billing
        } else if has(&["max turns", "max_turns", "maximum number of turns"]) {
            Self::MaxTurns
        } else if has(&["budget"]) {
            Self::Budget
        } else if has(&["permission", "not allowed", "denied"]) {
            Self::Permission
        } else {
            Self::Api
        }
    }
}

/// One normalized event.
#[derive(Debug, Clone, PartialEq)]
pub enum Norm {
    Session {
        session_id: Option<String>,
        model: Option<String>,
        tools: Vec<String>,
        version: Option<String>,
    },
    Message {
        text: String,
    },
    Reasoning {
        text: String,
    },
    ToolStarted {
        id: String,
        name: String,
        input: Value,
    },
    ToolCompleted {
        id: String,
        name: String,
        ok: bool,
        output: String,
    },
    /// A shell command the CLI ran (also recorded as a command row with `source: provider`).
    CommandStarted {
        id: String,
        command: String,
    },
    CommandFinished {
        id: String,
        exit_code: Option<i32>,
        output: String,
    },
    FileChanged {
        path: String,
        change: String,
    },
    /// `total`: the step's usage so far (replaces); otherwise a delta (adds).
    Usage {
        usage: Usage,
        total: bool,
    },
    Warning {
        message: String,
    },
    Error {
        category: ErrorCategory,
        message: String,
    },
    Log {
        text: String,
    },
}

/// A normalized event with the JSON line it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub norm: Norm,
    pub raw: Option<Value>,
}

/// How a CLI step ended, by the CLI's own rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Success,
    Failure {
        category: ErrorCategory,
        message: String,
    },
}

/// A CLI's JSON-lines parser: a pure function over lines plus the state the verdict needs.
pub trait StreamParser: Send {
    /// Parses one stdout line (already redacted). Never fails: what it cannot read is a `log`.
    fn feed(&mut self, line: &str) -> Vec<Parsed>;
    /// Events held back until the stream ends (e.g. joined message fragments).
    fn finish(&mut self) -> Vec<Parsed> {
        Vec::new()
    }
    /// The verdict once the process ended with `exit_code`.
    fn verdict(&self, exit_code: Option<i32>) -> Verdict;
    /// The CLI version, when the stream said it.
    fn version(&self) -> Option<String> {
        None
    }
}

/// Parses a line as a JSON object; anything else is a `log` event.
pub fn json_or_log(line: &str) -> Result<Value, Vec<Parsed>> {
    match serde_json::from_str::<Value>(line) {
        Ok(v) if v.is_object() => Ok(v),
        _ if line.trim().is_empty() => Err(Vec::new()),
        _ => Err(vec![Parsed {
            norm: Norm::Log {
                text: line.to_owned(),
            },
            raw: None,
        }]),
    }
}

/// Every norm of a line, each with the line attached.
#[must_use]
pub fn with_raw(norms: Vec<Norm>, raw: &Value) -> Vec<Parsed> {
    norms
        .into_iter()
        .map(|norm| Parsed {
            norm,
            raw: Some(raw.clone()),
        })
        .collect()
}

/// A string field, or empty.
#[must_use]
pub fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// An integer field, or 0.
#[must_use]
pub fn int_of(v: &Value, key: &str) -> i64 {
    v.get(key).and_then(Value::as_i64).unwrap_or(0)
}

/// Longest tool output kept in a `tool.completed` event's text.
const TOOL_OUTPUT_CHARS: usize = 4000;

fn cap(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… [{} bytes]", &text[..end], text.len())
}

/// The run event for a norm (`None` for commands, which go through the command rows).
#[must_use]
pub fn to_event(p: &Parsed, provider: &str, stage: &str, attempt: i32) -> Option<NewEvent> {
    let raw = p.raw.clone().unwrap_or(Value::Null);
    let ev = |kind: &str, text: String, mut data: Value| {
        if let Some(obj) = data.as_object_mut() {
            obj.insert("provider".into(), json!(provider));
            if !raw.is_null() {
                obj.insert("raw".into(), raw.clone());
            }
        }
        NewEvent {
            kind: kind.into(),
            stage: Some(stage.to_owned()),
            attempt: Some(attempt),
            text: Some(text),
            data: Some(data),
            ..NewEvent::default()
        }
    };
    Some(match &p.norm {
        Norm::Session {
            session_id,
            model,
            tools,
            version,
        } => ev(
            "provider.session",
            format!(
                "session {} · {} · {} tools{}",
                session_id.as_deref().unwrap_or("?"),
                model.as_deref().unwrap_or("default model"),
                tools.len(),
                version
                    .as_deref()
                    .map(|v| format!(" · CLI {v}"))
                    .unwrap_or_default()
            ),
            json!({"session_id": session_id, "model": model, "tools": tools, "version": version}),
        ),
        Norm::Message { text } => ev("message", text.clone(), json!({"role": "assistant"})),
        Norm::Reasoning { text } => ev("reasoning", text.clone(), json!({})),
        Norm::ToolStarted { id, name, input } => ev(
            "tool.started",
            name.clone(),
            json!({"id": id, "name": name, "input": input}),
        ),
        Norm::ToolCompleted {
            id,
            name,
            ok,
            output,
        } => ev(
            "tool.completed",
            cap(output, TOOL_OUTPUT_CHARS),
            json!({"id": id, "name": name, "ok": ok, "status": if *ok { "done" } else { "error" }}),
        ),
        Norm::CommandStarted { .. } | Norm::CommandFinished { .. } => return None,
        Norm::FileChanged { path, change } => ev(
            "file.changed",
            format!("{change} {path}"),
            json!({"path": path, "change": change}),
        ),
        Norm::Usage { usage, total } => ev(
            "usage",
            format!(
                "{} in ({} cached) · {} out{}",
                usage.input_tokens,
                usage.cache_read_tokens,
                usage.output_tokens,
                if usage.cost_usd > 0.0 {
                    format!(" · ${:.4}", usage.cost_usd)
                } else {
                    String::new()
                }
            ),
            json!({"input_tokens": usage.input_tokens, "cache_read_tokens": usage.cache_read_tokens,
                "output_tokens": usage.output_tokens, "cost_usd": usage.cost_usd, "step_total": total}),
        ),
        Norm::Warning { message } => ev("warning", message.clone(), json!({})),
        Norm::Error { category, message } => ev(
            "error",
            message.clone(),
            json!({"category": category.as_str()}),
        ),
        Norm::Log { text } => {
            let mut e = NewEvent::log(stage, attempt, "stdout", "provider", text.clone());
            e.data = Some(json!({"source": "provider", "provider": provider}));
            e
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_are_classified() {
        let c = ErrorCategory::of_message;
        assert_eq!(
            c("exceeded retry limit, last status: 401 Unauthorized"),
            ErrorCategory::Auth
        );
        assert_eq!(
            c("Invalid API key · Please run /login"),
            ErrorCategory::Auth
        );
        assert_eq!(
            c("API Error: 429 {\"type\":\"rate_limit_error\"}"),
            ErrorCategory::RateLimit
        );
        assert_eq!(
            c("You've hit your usage limit. To get more access now"),
            ErrorCategory::Billing
        );
        assert_eq!(
            c("API Error: 404 not_found_error model: oups"),
            ErrorCategory::Api
        );
    }

    #[test]
    fn non_json_lines_are_logs_and_blank_lines_nothing() {
        assert_eq!(
            json_or_log("Reading prompt from stdin...").expect_err("not JSON"),
            vec![Parsed {
                norm: Norm::Log {
                    text: "Reading prompt from stdin...".into()
                },
                raw: None
            }]
        );
        assert_eq!(json_or_log("  ").expect_err("blank"), Vec::new());
        assert_eq!(json_or_log("[1]").expect_err("not an object").len(), 1);
    }
}
