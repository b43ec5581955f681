//! The self-test of an API provider (`POST /api/v1/providers/{id}/self-test`): one tiny request
//! that offers one tool, `echo_token`, and asks the model to call it with a random token; then
//! the tool result goes back and the model must finish. Checks: `request` (the endpoint answered),
//! `tool_call` (the model called the tool with the token), `completion` (it finished after the
//! result). It spends a few tokens, which is why readiness never does this.

use std::time::Instant;

use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::client::{ApiKind, Endpoint};
use super::wire::{Msg, Request, ToolResult, ToolSpec};
use crate::executor::redact::Redactor;
use crate::providers::Check;
use crate::settings::ApiSettings;

/// Tokens the self-test spent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct SelfTestUsage {
    pub input_tokens: i64,
    pub output_tokens: i64,
}

/// The result of a provider self-test.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SelfTestResult {
    pub provider_id: String,
    /// Every check passed.
    pub ok: bool,
    /// One sentence: what worked, or the first thing that did not.
    pub message: String,
    /// The model that answered (or the configured one).
    pub model: Option<String>,
    pub checks: Vec<Check>,
    pub duration_ms: u64,
    pub usage: SelfTestUsage,
    /// RFC 3339 UTC with milliseconds.
    pub tested_at: String,
}

/// Longest answer asked for.
const MAX_TOKENS: u32 = 256;

/// Runs the self-test of an API kind with these settings.
pub async fn run(kind: ApiKind, s: &ApiSettings) -> SelfTestResult {
    let started = Instant::now();
    let tested_at = crate::time::now();
    let mut checks = Vec::new();
    let mut usage = SelfTestUsage::default();
    let mut model = s.model.clone();
    let redactor = Redactor::new(s.api_key.iter().map(|k| k.0.clone()));
    let outcome = test(kind, s, &mut checks, &mut usage, &mut model).await;
    let message = match outcome {
        Ok(()) => "the model called the tool with the token and finished".to_owned(),
        Err(m) => m,
    };
    for c in &mut checks {
        c.message = redactor.redact(&c.message);
    }
    let ok = !checks.is_empty() && checks.iter().all(|c| c.ok == Some(true));
    tracing::info!(provider = kind.id(), ok, "provider self-test");
    SelfTestResult {
        provider_id: kind.id().to_owned(),
        ok,
        message: redactor.redact(&message),
        model,
        checks,
        duration_ms: started.elapsed().as_millis() as u64,
        usage,
        tested_at,
    }
}

async fn test(
    kind: ApiKind,
    s: &ApiSettings,
    checks: &mut Vec<Check>,
    usage: &mut SelfTestUsage,
    model_out: &mut Option<String>,
) -> Result<(), String> {
    let fail = |checks: &mut Vec<Check>, name: &str, m: String| {
        checks.push(Check::fail(name, m.clone()));
        Err(m)
    };
    let Some(model) = s.model.clone() else {
        return fail(checks, "configuration", "no model is configured".into());
    };
    let endpoint = match Endpoint::new(kind, s) {
        Ok(e) => e,
        Err(e) => return fail(checks, "configuration", e.to_string()),
    };
    let token = format!("{:016x}", rand::random::<u64>());
    let tools = [ToolSpec {
        name: "echo_token",
        description: "Echo a token back to the caller.",
        schema: json!({"type": "object", "properties": {"token": {"type": "string"}}, "required": ["token"]}),
    }];
    let system = "You are the self-test of an automation worker. Follow the instruction exactly.";
    let mut messages = vec![Msg::User(format!(
        "Call the echo_token tool once with token \"{token}\". After its result, reply with the single word OK."
    ))];
    let first = {
        let req = Request {
            model: &model,
            system,
            messages: &messages,
            tools: &tools,
            max_tokens: MAX_TOKENS,
        };
        match endpoint.send(&req, None).await {
            Ok(a) => a,
            Err(e) => return fail(checks, "request", format!("the request failed: {e}")),
        }
    };
    usage.input_tokens += first.usage.input_tokens;
    usage.output_tokens += first.usage.output_tokens;
    if first.model.is_some() {
        model_out.clone_from(&first.model);
    }
    checks.push(Check::pass(
        "request",
        "the endpoint answered a streamed request",
    ));
    let call = first.calls.iter().find(|c| c.name == "echo_token");
    let Some(call) = call else {
        return fail(
            checks,
            "tool_call",
            "the model answered without calling the echo_token tool".into(),
        );
    };
    let got = call
        .input
        .as_ref()
        .ok()
        .and_then(|v| v.get("token"))
        .and_then(serde_json::Value::as_str);
    if got != Some(token.as_str()) {
        return fail(
            checks,
            "tool_call",
            "the model called echo_token without the token it was given".into(),
        );
    }
    checks.push(Check::pass(
        "tool_call",
        "the model called echo_token with the token",
    ));
    messages.push(Msg::Assistant {
        text: first.text.clone(),
        calls: first.calls.clone(),
    });
    messages.push(Msg::ToolResults(
        first
            .calls
            .iter()
            .map(|c| ToolResult {
                id: c.id.clone(),
                name: c.name.clone(),
                content: if c.name == "echo_token" {
                    token.clone()
                } else {
                    "unknown tool".into()
                },
                is_error: c.name != "echo_token",
            })
            .collect(),
    ));
    let req = Request {
        model: &model,
        system,
        messages: &messages,
        tools: &tools,
        max_tokens: MAX_TOKENS,
    };
    let second = match endpoint.send(&req, None).await {
        Ok(a) => a,
        Err(e) => {
            return fail(
                checks,
                "completion",
                format!("the follow-up request failed: {e}"),
            );
        }
    };
    usage.input_tokens += second.usage.input_tokens;
    usage.output_tokens += second.usage.output_tokens;
    if second.calls.is_empty() {
        checks.push(Check::pass(
            "completion",
            "the model finished after the tool result",
        ));
        Ok(())
    } else {
        fail(
            checks,
            "completion",
            "the model kept calling tools instead of finishing".into(),
        )
    }
}
