//! The protocol-neutral conversation the agent loop keeps, and what one model answer holds. The
//! protocol modules ([`super::openai`], [`super::anthropic`]) translate it to and from their wire
//! formats.

use serde_json::Value;

use crate::providers::usage::Usage;

/// A tool offered to the model.
#[derive(Debug, Clone)]
pub struct ToolSpec {
    pub name: &'static str,
    pub description: &'static str,
    /// JSON Schema of the input object.
    pub schema: Value,
}

/// A tool call the model made.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    /// The parsed input; `Err` holds the raw text when it was not a JSON object.
    pub input: Result<Value, String>,
}

impl ToolCall {
    /// The input as JSON (raw text as a string when it did not parse), for events and echoes.
    #[must_use]
    pub fn input_json(&self) -> Value {
        match &self.input {
            Ok(v) => v.clone(),
            Err(raw) => Value::String(raw.clone()),
        }
    }

    /// The raw arguments text as sent back to the model (OpenAI echoes it as a string).
    #[must_use]
    pub fn arguments_text(&self) -> String {
        match &self.input {
            Ok(v) => v.to_string(),
            Err(raw) => raw.clone(),
        }
    }
}

/// The result of one tool call, as the model sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolResult {
    pub id: String,
    pub name: String,
    pub content: String,
    pub is_error: bool,
}

/// One message of the conversation.
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    User(String),
    Assistant { text: String, calls: Vec<ToolCall> },
    ToolResults(Vec<ToolResult>),
}

/// One request: the whole conversation so far.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub model: &'a str,
    pub system: &'a str,
    pub messages: &'a [Msg],
    pub tools: &'a [ToolSpec],
    pub max_tokens: u32,
}

/// One complete model answer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Answer {
    pub text: String,
    pub calls: Vec<ToolCall>,
    pub usage: Usage,
    pub stop_reason: Option<String>,
    pub model: Option<String>,
}

/// Parses streamed tool-call arguments (an empty string is an empty object).
pub fn parse_arguments(raw: &str) -> Result<Value, String> {
    if raw.trim().is_empty() {
        return Ok(Value::Object(serde_json::Map::new()));
    }
    match serde_json::from_str::<Value>(raw) {
        Ok(v) if v.is_object() => Ok(v),
        _ => Err(raw.to_owned()),
    }
}
