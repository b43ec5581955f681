//! Records a CLI step's normalized events for the run: events in stream order, the CLI's shell
//! commands as command rows (`source: provider`) between them, usage rolled up to the run. A
//! storage error is logged and the step goes on: losing a record must not kill the agent.

use std::collections::HashMap;
use std::time::Instant;

use super::events::{Norm, Parsed, to_event};
use crate::executor::process::RunCtx;
use crate::providers::Step;
use crate::sink::{CommandEnd, CommandStart, NewEvent, RunPatch};

/// Bytes of a provider command's output kept as its row's tail.
const TAIL_BYTES: usize = 4096;

pub struct Recorder<'a> {
    ctx: &'a RunCtx,
    stage: String,
    attempt: i32,
    cwd: String,
    provider: &'static str,
    pending: Vec<NewEvent>,
    /// Open provider commands: call id → (command row id, start).
    commands: HashMap<String, (i32, Instant)>,
}

impl<'a> Recorder<'a> {
    pub fn new(ctx: &'a RunCtx, step: &Step, provider: &'static str) -> Self {
        Self {
            ctx,
            stage: step.stage.clone(),
            attempt: step.attempt,
            cwd: step.worktree.display().to_string(),
            provider,
            pending: Vec::new(),
            commands: HashMap::new(),
        }
    }

    async fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let events = std::mem::take(&mut self.pending);
        if let Err(e) = self.ctx.emit(events).await {
            tracing::warn!(run_id = %self.ctx.run_id, error = %e, "could not record provider events");
        }
    }

    /// Records the events of one line.
    pub async fn record(&mut self, parsed: Vec<Parsed>) {
        for p in parsed {
            match &p.norm {
                Norm::CommandStarted { id, command } => {
                    self.flush().await;
                    self.command_started(id, command).await;
                }
                Norm::CommandFinished {
                    id,
                    exit_code,
                    output,
                } => {
                    self.flush().await;
                    self.command_finished(id, *exit_code, output).await;
                }
                Norm::Usage { usage, total } => {
                    let run_total = {
                        let mut u = self
                            .ctx
                            .usage
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner);
                        if *total {
                            u.set_step_total(*usage);
                        } else {
                            u.add(*usage);
                        }
                        u.total()
                    };
                    if let Some(e) = to_event(&p, self.provider, &self.stage, self.attempt) {
                        self.pending.push(e);
                    }
                    self.flush().await;
                    let patch = RunPatch {
                        input_tokens: Some(run_total.input_tokens),
                        output_tokens: Some(run_total.output_tokens),
                        cache_read_tokens: Some(run_total.cache_read_tokens),
                        cost_usd: Some(run_total.cost_usd),
                        usage_estimated: Some(run_total.estimated),
                        ..RunPatch::default()
                    };
                    if let Err(e) = self.ctx.sink.update_run(self.ctx.run_id, patch).await {
                        tracing::warn!(run_id = %self.ctx.run_id, error = %e, "could not record usage");
                    }
                }
                _ => {
                    if let Some(e) = to_event(&p, self.provider, &self.stage, self.attempt) {
                        self.pending.push(e);
                    }
                }
            }
        }
        self.flush().await;
    }

    async fn command_started(&mut self, id: &str, command: &str) {
        let argv = shlex::split(command)
            .filter(|a| !a.is_empty())
            .unwrap_or_else(|| vec![command.to_owned()]);
        let start = CommandStart {
            source: "provider".into(),
            stage: self.stage.clone(),
            attempt: self.attempt,
            argv,
            cwd: Some(self.cwd.clone()),
            pid: None,
            purpose: Some("provider_tool".into()),
        };
        match self.ctx.sink.command_started(self.ctx.run_id, start).await {
            Ok(row) => {
                self.commands.insert(id.to_owned(), (row, Instant::now()));
            }
            Err(e) => {
                tracing::warn!(run_id = %self.ctx.run_id, error = %e, "could not record a provider command");
            }
        }
    }

    async fn command_finished(&mut self, id: &str, exit_code: Option<i32>, output: &str) {
        let Some((row, started)) = self.commands.remove(id) else {
            return;
        };
        let end = CommandEnd {
            exit_code,
            timed_out: false,
            duration_ms: started.elapsed().as_millis() as i64,
            output_tail: Some(tail(output)),
        };
        if let Err(e) = self
            .ctx
            .sink
            .command_finished(self.ctx.run_id, row, end)
            .await
        {
            tracing::warn!(run_id = %self.ctx.run_id, error = %e, "could not record a provider command");
        }
    }

    /// Closes the step: commands the CLI never finished (it was stopped or died) end without an
    /// exit code, and the step's usage joins the run's.
    pub async fn close(&mut self) {
        self.flush().await;
        let open: Vec<String> = self.commands.keys().cloned().collect();
        for id in open {
            self.command_finished(&id, None, "the CLI did not report how this command ended")
                .await;
        }
        self.ctx
            .usage
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .end_step();
    }
}

fn tail(s: &str) -> String {
    if s.len() <= TAIL_BYTES {
        return s.to_owned();
    }
    let mut start = s.len() - TAIL_BYTES;
    while !s.is_char_boundary(start) {
        start += 1;
    }
    s[start..].to_owned()
}
