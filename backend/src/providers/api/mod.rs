//! The API providers `openai-compatible` (Chat Completions) and `anthropic` (Messages): the
//! worker itself runs the agent loop. Each turn sends the conversation (streamed), records the
//! answer's text as `message` events and its usage, runs the tool calls in the worktree
//! ([`tools`], paths confined by [`sandbox`]) as `tool.started`/`tool.completed` pairs, and goes on
//! until the model calls `finish` (or answers without tool calls), the turn limit is reached
//! (a failure: `provider_error`), the step times out, or the run is stopped. Requests are retried
//! on 429/5xx/connection errors ([`retry`]). The key never leaves the request headers: every
//! event and failure message passes the run's redactor, which holds it.

pub mod anthropic;
pub mod client;
pub mod openai;
pub mod retry;
pub mod sandbox;
pub mod selftest;
pub mod sse;
pub mod tools;
pub mod wire;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use self::client::{ApiKind, CallError, Endpoint};
use self::wire::{Answer, Msg, Request, ToolResult};
use super::cli::events::{Norm, Parsed, to_event};
use super::cli::recorder::Recorder;
use super::{Check, Provider, Readiness, Step, StepError};
use crate::executor::process::{RunCtx, Stop};
use crate::settings::ApiSettings;
use crate::sink::NewEvent;

/// Turns per step when the provider sets none.
pub const DEFAULT_MAX_TURNS: u32 = 40;
/// Output tokens asked for per answer (Anthropic requires a limit).
const MAX_TOKENS: u32 = 8192;
/// How long the readiness check waits for the models listing.
const READINESS_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest wait for a running command to be ended by the process runner on stop or timeout.
const COMMAND_SETTLE: Duration = Duration::from_millis(1500);
/// Message text is emitted once this much has gathered at a line end (the rest at the end).
const MESSAGE_CHUNK: usize = 400;

/// An API provider for one run.
pub struct ApiProvider {
    kind: ApiKind,
    settings: ApiSettings,
    model: Option<String>,
    allowed_commands: Vec<String>,
    command_timeout: Duration,
}

impl ApiProvider {
    /// `model` overrides the configured model (a job's `provider.model`).
    #[must_use]
    pub fn new(
        kind: ApiKind,
        settings: ApiSettings,
        model: Option<String>,
        allowed_commands: Vec<String>,
        command_timeout: Duration,
    ) -> Self {
        let model = model.or_else(|| settings.model.clone());
        Self {
            kind,
            settings,
            model,
            allowed_commands,
            command_timeout,
        }
    }

    fn max_turns(&self) -> u32 {
        self.settings.max_turns.unwrap_or(DEFAULT_MAX_TURNS).max(1)
    }
}

/// Readiness of an API provider without spending tokens: a key and a model are configured, and
/// the endpoint lists its models with that key.
pub async fn readiness(kind: ApiKind, s: &ApiSettings) -> Readiness {
    let mut checks = vec![
        match &s.api_key {
            Some(_) => Check::pass("api_key", "an API key is configured"),
            None => Check::fail("api_key", "no API key is configured"),
        },
        match &s.model {
            Some(m) => Check::pass("model", format!("model {m}")),
            None => Check::fail("model", "no model is configured"),
        },
    ];
    if let Ok(endpoint) = Endpoint::new(kind, s) {
        checks.push(match endpoint.list_models(READINESS_TIMEOUT).await {
            Ok(n) => Check::pass(
                "endpoint",
                format!(
                    "{} answers the models listing ({n} models)",
                    endpoint.base_url
                ),
            ),
            Err(CallError::Http {
                status, message, ..
            }) if status == 401 || status == 403 => Check::fail(
                "endpoint",
                format!("the key was refused (HTTP {status}): {message}"),
            ),
            Err(e) => Check::fail(
                "endpoint",
                format!("{} models listing: {e}", endpoint.base_url),
            ),
        });
    }
    let mut r = Readiness::from_checks(checks);
    // Whatever the server said, the key never goes into a check message.
    if let Some(key) = &s.api_key {
        let redactor = crate::executor::redact::Redactor::new([key.0.clone()]);
        for c in &mut r.checks {
            c.message = redactor.redact(&c.message);
        }
    }
    r
}

/// The system prompt of a step.
fn system_prompt(step: &Step) -> String {
    let mut s = String::from(
        "You are a coding agent working in a git repository (the current directory). Use the tools to \
inspect and change files; paths are relative to the repository root and must stay inside it. \
Commands run without a shell and only programs on the worker's allowed list may run. \
Make the smallest change that does the task, check it when you can, then call `finish` with a short summary.",
    );
    if step.review_file.is_some() {
        s.push_str(
            " This is a review step: do not change files. Inspect the change (show_diff, read_file) and \
call `finish` with `verdict`: {\"approved\": true|false, \"findings\": [{\"severity\": \"low|medium|high\", \
\"message\": \"…\", \"path\": \"…\", \"line\": 1}]}.",
        );
    }
    s
}

/// Strings inside a JSON value, redacted.
fn redact_value(r: &crate::executor::redact::Redactor, v: &mut Value) {
    match v {
        Value::String(s) => *s = r.redact(s),
        Value::Array(a) => a.iter_mut().for_each(|x| redact_value(r, x)),
        Value::Object(o) => o.values_mut().for_each(|x| redact_value(r, x)),
        _ => {}
    }
}

/// Longest string kept in a `tool.started` event's input (e.g. a file written whole).
const INPUT_STRING_CHARS: usize = 4000;

/// Cuts long strings in a tool input for its event (the tool itself gets the whole input).
fn cap_strings(v: &mut Value) {
    match v {
        Value::String(s) if s.len() > INPUT_STRING_CHARS => {
            let mut end = INPUT_STRING_CHARS;
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            let total = s.len();
            s.truncate(end);
            s.push_str(&format!("… [{total} bytes]"));
        }
        Value::Array(a) => a.iter_mut().for_each(cap_strings),
        Value::Object(o) => o.values_mut().for_each(cap_strings),
        _ => {}
    }
}

/// Waits until the run is being stopped.
async fn stopped(mut rx: tokio::sync::watch::Receiver<Stop>) -> Stop {
    loop {
        let s = *rx.borrow_and_update();
        if s != Stop::None {
            return s;
        }
        if rx.changed().await.is_err() {
            return std::future::pending().await;
        }
    }
}

/// One step's loop state.
struct Loop<'a> {
    provider: &'a ApiProvider,
    ctx: &'a RunCtx,
    step: &'a Step,
    endpoint: Endpoint,
    model: String,
    rec: Recorder<'a>,
    deadline: Instant,
    busy: &'a AtomicBool,
}

impl Loop<'_> {
    fn event(&self, norm: Norm) -> Option<NewEvent> {
        let mut e = to_event(
            &Parsed { norm, raw: None },
            self.provider.kind.id(),
            &self.step.stage,
            self.step.attempt,
        )?;
        if let Some(d) = &mut e.data {
            redact_value(&self.ctx.redactor, d);
        }
        Some(e)
    }

    async fn emit(&self, events: Vec<NewEvent>) {
        if let Err(e) = self.ctx.emit(events).await {
            tracing::warn!(run_id = %self.ctx.run_id, error = %e, "could not record provider events");
        }
    }

    async fn warn(&self, message: String) {
        if let Some(e) = self.event(Norm::Warning { message }) {
            self.emit(vec![e]).await;
        }
    }

    /// Sends one request (retrying), streaming its text into `message` events.
    async fn ask(&self, messages: &[Msg], tools: &[wire::ToolSpec]) -> Result<Answer, StepError> {
        let system = system_prompt(self.step);
        let policy = retry::Policy::default();
        let mut retries = 0;
        loop {
            let req = Request {
                model: &self.model,
                system: &system,
                messages,
                tools,
                max_tokens: MAX_TOKENS,
            };
            let (tx, mut rx) = mpsc::unbounded_channel::<String>();
            let send = async {
                let r = self.endpoint.send(&req, Some(&tx)).await;
                drop(tx);
                r
            };
            let stream_messages = async {
                let mut buf = String::new();
                while let Some(delta) = rx.recv().await {
                    buf.push_str(&delta);
                    if buf.len() >= MESSAGE_CHUNK
                        && let Some(end) = buf.rfind('\n')
                    {
                        let rest = buf.split_off(end + 1);
                        let text = std::mem::replace(&mut buf, rest);
                        if let Some(e) = self.event(Norm::Message { text }) {
                            self.emit(vec![e]).await;
                        }
                    }
                }
                if !buf.trim().is_empty()
                    && let Some(e) = self.event(Norm::Message { text: buf })
                {
                    self.emit(vec![e]).await;
                }
            };
            let (result, ()) = tokio::join!(send, stream_messages);
            match result {
                Ok(answer) => return Ok(answer),
                Err(e) => {
                    retries += 1;
                    let msg = self.ctx.redactor.redact(&e.to_string());
                    match retry::delay(&policy, &e, retries) {
                        Some(wait) => {
                            tracing::info!(run_id = %self.ctx.run_id, provider = self.provider.kind.id(), retry = retries, wait_ms = wait.as_millis() as u64, error = %msg, "model request failed; retrying");
                            self.warn(format!(
                                "{} request failed ({msg}); retry {retries} of {} in {:.1} s",
                                self.provider.kind.label(),
                                policy.max_retries,
                                wait.as_secs_f64()
                            ))
                            .await;
                            tokio::time::sleep(wait).await;
                        }
                        None => {
                            let category = super::cli::events::ErrorCategory::of_message(&msg);
                            if let Some(ev) = self.event(Norm::Error {
                                category,
                                message: msg.clone(),
                            }) {
                                self.emit(vec![ev]).await;
                            }
                            return Err(StepError::Failed(format!(
                                "{} request failed ({}): {msg}",
                                self.provider.kind.label(),
                                category.as_str()
                            )));
                        }
                    }
                }
            }
        }
    }

    /// Whether the loop may go on: not stopped, within the output budget.
    fn check_going(&self) -> Result<(), StepError> {
        match self.ctx.stopping() {
            Stop::None => {}
            s => return Err(StepError::Stopped(s)),
        }
        if self.ctx.budget.exceeded() {
            return Err(StepError::OutputLimit);
        }
        Ok(())
    }

    async fn run(&mut self) -> Result<(), StepError> {
        let sandbox = sandbox::Sandbox::new(&self.step.worktree)
            .map_err(|e| StepError::Failed(format!("the worktree cannot be resolved: {e}")))?;
        let review = self.step.review_file.is_some();
        let tools = tools::specs(review);
        if let Some(e) = self.event(Norm::Session {
            session_id: None,
            model: Some(self.model.clone()),
            tools: tools.iter().map(|t| t.name.to_owned()).collect(),
            version: None,
        }) {
            self.emit(vec![e]).await;
        }
        let provider: &ApiProvider = self.provider;
        let env = tools::ToolEnv {
            ctx: self.ctx,
            step: self.step,
            sandbox: &sandbox,
            allowed_commands: &provider.allowed_commands,
            command_timeout: provider.command_timeout,
            deadline: self.deadline,
            busy: self.busy,
        };
        let mut messages = vec![Msg::User(self.step.prompt.clone())];
        let max_turns = self.provider.max_turns();
        let mut reminded = false;
        for turn in 1..=max_turns {
            self.check_going()?;
            let answer = self.ask(&messages, &tools).await?;
            let mut usage = answer.usage;
            usage.cost_usd = crate::providers::pricing::estimate(Some(&self.model), &usage);
            usage.estimated = true;
            self.rec
                .record(vec![Parsed {
                    norm: Norm::Usage {
                        usage,
                        total: false,
                    },
                    raw: None,
                }])
                .await;
            tracing::debug!(run_id = %self.ctx.run_id, turn, calls = answer.calls.len(), "model answered");
            let calls = answer.calls.clone();
            messages.push(Msg::Assistant {
                text: answer.text.clone(),
                calls: calls.clone(),
            });
            if calls.is_empty() {
                if review
                    && !self.step.review_file.as_ref().is_some_and(|f| f.exists())
                    && !reminded
                {
                    reminded = true;
                    messages.push(Msg::User(
                        "Call the `finish` tool with your verdict to end the review.".into(),
                    ));
                    continue;
                }
                return Ok(());
            }
            let mut results = Vec::with_capacity(calls.len());
            let mut finished = false;
            for call in &calls {
                let mut input = call.input_json();
                cap_strings(&mut input);
                if let Some(e) = self.event(Norm::ToolStarted {
                    id: call.id.clone(),
                    name: call.name.clone(),
                    input,
                }) {
                    self.emit(vec![e]).await;
                }
                let started = Instant::now();
                let out = env.execute(call).await;
                let duration_ms = started.elapsed().as_millis() as u64;
                let mut events = Vec::new();
                if let Some(mut e) = self.event(Norm::ToolCompleted {
                    id: call.id.clone(),
                    name: call.name.clone(),
                    ok: out.ok,
                    output: out.content.clone(),
                }) {
                    if let Some(Value::Object(d)) = &mut e.data {
                        d.insert("duration_ms".into(), json!(duration_ms));
                        d.insert("refused".into(), json!(out.refused.is_some()));
                        if !out.ok {
                            d.insert(
                                "error".into(),
                                json!(self.ctx.redactor.redact(&out.content)),
                            );
                        }
                    }
                    events.push(e);
                }
                if let Some(reason) = &out.refused {
                    tracing::info!(run_id = %self.ctx.run_id, tool = %call.name, reason = %reason, "tool call refused");
                    if let Some(e) = self.event(Norm::Warning {
                        message: format!("tool {} refused: {reason}", call.name),
                    }) {
                        events.push(e);
                    }
                }
                self.emit(events).await;
                if out.finished.is_some() {
                    finished = true;
                }
                results.push(ToolResult {
                    id: call.id.clone(),
                    name: call.name.clone(),
                    content: out.content,
                    is_error: !out.ok,
                });
            }
            messages.push(Msg::ToolResults(results));
            self.check_going()?;
            if finished {
                return Ok(());
            }
        }
        let reason = format!(
            "{}: max turns ({max_turns}) reached",
            self.provider.kind.label()
        );
        if let Some(e) = self.event(Norm::Error {
            category: super::cli::events::ErrorCategory::MaxTurns,
            message: reason.clone(),
        }) {
            self.emit(vec![e]).await;
        }
        Err(StepError::Failed(reason))
    }
}

#[async_trait]
impl Provider for ApiProvider {
    fn id(&self) -> &'static str {
        self.kind.id()
    }

    fn model(&self) -> Option<String> {
        self.model.clone()
    }

    fn check_ready(&self, _allowed_commands: &[String]) -> Result<(), String> {
        if self.settings.api_key.is_none() {
            return Err("no API key is configured".into());
        }
        if self.model.is_none() {
            return Err("no model is configured".into());
        }
        Ok(())
    }

    async fn readiness(&self, _allowed_commands: &[String]) -> Readiness {
        let mut s = self.settings.clone();
        s.model = self.model.clone();
        readiness(self.kind, &s).await
    }

    async fn run_step(&self, ctx: &RunCtx, step: &Step) -> Result<(), StepError> {
        let endpoint = Endpoint::new(self.kind, &self.settings)
            .map_err(|e| StepError::Failed(format!("{}: {e}", self.kind.label())))?;
        let model = self.model.clone().ok_or_else(|| {
            StepError::Failed(format!("{}: no model is configured", self.kind.label()))
        })?;
        tracing::info!(run_id = %ctx.run_id, provider = self.kind.id(), stage = %step.stage, attempt = step.attempt, "API agent loop started");
        let busy = AtomicBool::new(false);
        let timeout = step.timeout;
        let mut l = Loop {
            provider: self,
            ctx,
            step,
            endpoint,
            model,
            rec: Recorder::new(ctx, step, self.kind.id()),
            deadline: Instant::now() + timeout,
            busy: &busy,
        };
        // A model request is simply dropped on timeout or stop; a running command is given a
        // moment so that the process runner stops its group and records how it ended.
        let settle = || async {
            let until = Instant::now() + COMMAND_SETTLE;
            while busy.load(Ordering::SeqCst) && Instant::now() < until {
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
        };
        let result = tokio::select! {
            r = l.run() => r,
            () = async { tokio::time::sleep(timeout).await; settle().await } => {
                Err(StepError::Timeout(timeout.as_secs()))
            }
            s = async { let s = stopped(ctx.stop.clone()).await; settle().await; s } => {
                Err(StepError::Stopped(s))
            }
        };
        l.rec.close().await;
        let result = match result {
            Err(StepError::Failed(m)) => Err(StepError::Failed(ctx.redactor.redact(&m))),
            other => other,
        };
        tracing::info!(run_id = %ctx.run_id, provider = self.kind.id(), stage = %step.stage, ok = result.is_ok(), "API agent loop ended");
        result
    }
}
