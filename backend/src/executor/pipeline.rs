//! The stage pipeline for one claimed run:
//! setup → context → implement → validate (→ repair → validate …) → review → review_fix (→ validate)
//! → diff_guard → publish → finalize, recorded as API.md's rule says. Whatever happens, finalize
//! runs (the worktree is removed unless `keep_workspaces`) and the run ends with a terminal status
//! and a reason code from the closed table.

// `End` is the error side of every stage step; it is built at most a few times per run, so its
// size does not matter and boxing it would only add noise.
#![allow(clippy::result_large_err)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::diff_guard;
use super::git::{Git, GitError, Layout, https_auth_env};
use super::process::{self, Ended, OutputBudget, ProcessSpec, RunCtx, Stop};
use super::prompt;
use super::redact::Redactor;
use super::workspace::{self, Prepared, RepoLocks};
use crate::db::artifacts::{self, Finding, RunSummary};
use crate::db::runs::Transition;
use crate::db::{Db, jobs};
use crate::ids::RunId;
use crate::jobspec::{JobSpec, is_allowed, program_basename};
use crate::model::{self, RunError, status};
use crate::providers::{self, Provider, Step, StepError};
use crate::settings::RuntimeSettings;
use crate::sink::{EventSink, NewEvent, RunPatch};

/// Shared services the pipeline uses.
#[derive(Clone)]
pub struct Services {
    pub db: Db,
    pub sink: Arc<dyn EventSink>,
    pub layout: Layout,
    pub locks: RepoLocks,
    pub redactor: Arc<Redactor>,
    pub git_token: Option<String>,
    /// Told about each published run (its evidence is captured and its repository reconciled).
    pub code_audit: Option<crate::code_audit::CodeAudit>,
}

/// How a run ends.
#[derive(Debug, Clone)]
pub struct End {
    pub status: &'static str,
    pub reason_code: &'static str,
    pub reason: String,
    pub failed_stage: Option<String>,
    pub error: Option<RunError>,
}

impl End {
    fn completed(code: &'static str, reason: impl Into<String>) -> Self {
        Self {
            status: status::COMPLETED,
            reason_code: code,
            reason: reason.into(),
            failed_stage: None,
            error: None,
        }
    }

    fn blocked(code: &'static str, stage: &str, reason: impl Into<String>) -> Self {
        Self {
            status: status::BLOCKED,
            reason_code: code,
            reason: reason.into(),
            failed_stage: Some(stage.to_owned()),
            error: None,
        }
    }

    fn failed(code: &'static str, stage: &str, reason: impl Into<String>) -> Self {
        let reason = reason.into();
        Self {
            status: status::FAILED,
            reason_code: code,
            error: Some(RunError {
                message: reason.clone(),
                detail: None,
            }),
            reason,
            failed_stage: Some(stage.to_owned()),
        }
    }

    fn stopped(stop: Stop, stage: &str) -> Self {
        match stop {
            Stop::Shutdown => Self::failed(
                "worker_shutdown",
                stage,
                "The worker was stopped while this run was running.",
            ),
            _ => Self {
                status: status::CANCELLED,
                reason_code: "cancelled_by_user",
                reason: "Cancelled by a user request.".into(),
                failed_stage: Some(stage.to_owned()),
                error: None,
            },
        }
    }
}

type Flow<T> = Result<T, End>;

/// The outcome of one validation pass.
struct Validation {
    passed: bool,
    timed_out: bool,
    report: String,
    summary: String,
}

struct Pipeline {
    svc: Services,
    ctx: RunCtx,
    settings: RuntimeSettings,
    spec: JobSpec,
    run: model::Run,
    run_id: RunId,
    files_dir: PathBuf,
    prepared: Option<Prepared>,
    context: Option<(String, String)>,
    summary: RunSummary,
    validate_attempt: i32,
    repairs_used: i32,
    max_repairs: i32,
    mode: String,
    advisory_failed: bool,
    stage: String,
}

/// Runs a claimed run to its end. Never panics; every failure becomes a terminal status.
pub async fn execute(
    svc: Services,
    run: model::Run,
    settings: RuntimeSettings,
    stop: watch::Receiver<Stop>,
) {
    let Some(run_id) = RunId::parse(&run.id) else {
        return;
    };
    // A cancel may have closed the run between its claim and now: then there is nothing to do.
    let key = run.id.clone();
    if let Ok(Some(row)) = svc
        .db
        .read(move |c| crate::db::runs::find_row(c, &key))
        .await
        && status::is_terminal(&row.status)
    {
        tracing::info!(run_id = %run.id, status = %row.status, "run closed before it started");
        return;
    }
    let job_id = run.job_id.clone();
    let spec = match svc.db.read(move |c| jobs::find_row(c, &job_id)).await {
        Ok(Some(job)) => jobs::parse_spec(&job).map_err(|e| e.to_string()),
        Ok(None) => Err("the run's job is missing".to_owned()),
        Err(e) => Err(e.to_string()),
    };
    let spec = match spec {
        Ok(s) => s,
        Err(e) => {
            let end = End::failed(
                "internal_error",
                "setup",
                format!("cannot read the job: {e}"),
            );
            finish(&svc, run_id, &end).await;
            return;
        }
    };
    let files_dir = svc.layout.run_files(&run.id);
    let worktree = svc.layout.worktree(&run.id);
    let mut redactor = (*svc.redactor).clone();
    if let Some(t) = &svc.git_token {
        redactor.add(t);
    }
    // The CLI providers' own keys (configured, or read from the worker's environment).
    for cli in [&settings.claude_code, &settings.codex, &settings.gemini] {
        if let Some(key) = &cli.api_key {
            redactor.add(&key.0);
        }
    }
    // The API providers' keys (provisioned, or stored on the Providers page).
    for api in [&settings.openai, &settings.anthropic] {
        if let Some(key) = &api.api_key {
            redactor.add(&key.0);
        }
    }
    let ctx = RunCtx {
        run_id,
        sink: svc.sink.clone(),
        redactor: Arc::new(redactor),
        stop,
        budget: Arc::new(OutputBudget::new(settings.output_limit_bytes_per_run)),
        env: vec![
            ("MERGELOOM_RUN_ID".into(), run.id.clone()),
            ("MERGELOOM_TICKET_KEY".into(), spec.ticket.key.clone()),
            ("MERGELOOM_WORKSPACE".into(), worktree.display().to_string()),
        ],
        usage: Arc::default(),
    };
    let max_repairs = spec
        .max_repair_attempts
        .unwrap_or(settings.max_repair_attempts) as i32;
    let mode = spec
        .validation
        .mode
        .clone()
        .unwrap_or_else(|| settings.default_validation_mode.clone());
    let mut p = Pipeline {
        svc: svc.clone(),
        ctx,
        settings,
        spec,
        run,
        run_id,
        files_dir,
        prepared: None,
        context: None,
        summary: RunSummary {
            max_repair_attempts: max_repairs,
            ..RunSummary::default()
        },
        validate_attempt: 0,
        repairs_used: 0,
        max_repairs,
        mode,
        advisory_failed: false,
        stage: "setup".into(),
    };
    let end = match p.stages().await {
        Ok(end) | Err(end) => end,
    };
    let end = p.finalize(end).await;
    finish(&svc, run_id, &end).await;
    let published = matches!(
        end.reason_code,
        "published" | "published_with_advisory_failures"
    );
    if let (true, Some(ca)) = (published, &svc.code_audit) {
        // Evidence capture and reconciliation run in the background, never failing the run.
        if let Err(e) = ca.request(&p.run.repository.id, "publish").await {
            tracing::warn!(run_id = %run_id, error = %e, "could not queue Code Audit reconciliation");
        }
    }
}

/// Records the terminal transition (tolerating a run that something else already closed).
async fn finish(svc: &Services, run_id: RunId, end: &End) {
    let t = Transition {
        status: end.status.into(),
        note: Some(end.reason.clone()),
        reason_code: Some(end.reason_code.into()),
        reason: Some(end.reason.clone()),
        failed_stage: end.failed_stage.clone(),
        error: end.error.clone(),
        ..Transition::default()
    };
    match svc.sink.transition(run_id, t).await {
        Ok(_) => {
            tracing::info!(run_id = %run_id, status = end.status, reason_code = end.reason_code, "run finished")
        }
        Err(e) => tracing::warn!(run_id = %run_id, error = %e, "could not close the run"),
    }
}

impl Pipeline {
    fn git(&self, stage: &'static str, attempt: i32) -> Git<'_> {
        Git {
            ctx: &self.ctx,
            stage,
            attempt,
            auth_env: https_auth_env(
                &self.spec.repository.clone_url,
                self.svc.git_token.as_deref(),
            ),
        }
    }

    /// The end for a failure: a stop request wins over whatever error it caused.
    fn or_stopped(&self, end: End) -> End {
        match self.ctx.stopping() {
            Stop::None if self.ctx.budget.exceeded() => End::failed(
                "output_limit",
                &self.stage,
                "The run exceeded its output limit.",
            ),
            Stop::None => end,
            stop => End::stopped(stop, &self.stage),
        }
    }

    fn record<E: std::fmt::Display>(&self, e: E) -> End {
        self.or_stopped(End::failed(
            "internal_error",
            &self.stage,
            format!("recording the run failed: {e}"),
        ))
    }

    async fn start(&mut self, name: &str, attempt: i32) -> Flow<()> {
        self.stage = name.to_owned();
        if let stop @ (Stop::Cancelled | Stop::Shutdown) = self.ctx.stopping() {
            return Err(End::stopped(stop, name));
        }
        self.svc
            .sink
            .stage_started(self.run_id, name, attempt)
            .await
            .map(|_| ())
            .map_err(|e| self.record(e))
    }

    async fn finish_stage(
        &self,
        name: &str,
        attempt: i32,
        stage_status: &str,
        summary: impl Into<String>,
    ) -> Flow<()> {
        self.svc
            .sink
            .stage_finished(
                self.run_id,
                name,
                attempt,
                stage_status,
                Some(summary.into()),
            )
            .await
            .map(|_| ())
            .map_err(|e| self.record(e))
    }

    /// Finishes the current stage as failed (or cancelled) and returns the end.
    async fn fail(&self, name: &str, attempt: i32, end: End) -> End {
        let end = self.or_stopped(end);
        let st = if end.status == status::CANCELLED {
            "cancelled"
        } else {
            "failed"
        };
        let _ = self
            .finish_stage(name, attempt, st, end.reason.clone())
            .await;
        end
    }

    async fn skip(&self, name: &str, why: &str) -> Flow<()> {
        self.finish_stage(name, 1, "skipped", why).await
    }

    async fn stages(&mut self) -> Flow<End> {
        let provider = self.admit().await?;
        self.setup().await?;
        self.context_stage().await?;
        self.provider_stage(
            provider.as_ref(),
            "implement",
            1,
            prompt::IMPLEMENT.to_owned(),
            None,
            None,
        )
        .await?;
        let base_tree = {
            let (prepared, git) = (self.prepared()?, self.git("implement", 1));
            workspace::tree_of(&git, &prepared.worktree, &prepared.base_commit).await
        }
        .map_err(|e| self.git_end(e, "implement_check"))?;
        if self.current_tree("implement", 1).await? == base_tree {
            return Err(End::blocked(
                "no_changes",
                "implement",
                "The provider changed nothing.",
            ));
        }
        self.validate_and_repair(provider.as_ref(), "repair")
            .await?;
        if self.repairs_used == 0 && self.validation_active() {
            self.skip("repair", "validation passed; no repair needed")
                .await?;
        }
        self.review(provider.as_ref()).await?;
        self.diff_guard(&base_tree).await?;
        self.publish().await?;
        Ok(if self.advisory_failed {
            End::completed(
                "published_with_advisory_failures",
                "Published; validation failed in advisory mode.",
            )
        } else {
            End::completed("published", "Published the branch.")
        })
    }

    fn prepared(&self) -> Flow<&Prepared> {
        self.prepared
            .as_ref()
            .ok_or_else(|| End::failed("internal_error", &self.stage, "the workspace is missing"))
    }

    fn git_end(&self, e: GitError, what: &str) -> End {
        let code = if self.stage == "setup" {
            "setup_failed"
        } else if self.stage == "publish" {
            "publish_failed"
        } else {
            "internal_error"
        };
        self.or_stopped(End::failed(code, &self.stage, format!("{what}: {e}")))
    }

    fn validation_active(&self) -> bool {
        self.mode != "off" && !self.spec.validation.commands.is_empty()
    }

    /// The one rule again at run start: allowed commands, then provider readiness.
    async fn admit(&mut self) -> Flow<Box<dyn Provider>> {
        let allowed = self.settings.allowed_commands.clone();
        let provider_id = self
            .spec
            .provider
            .id
            .clone()
            .or_else(|| providers::default_provider_id(&self.settings));
        let command_argv = self
            .spec
            .provider
            .command
            .clone()
            .or_else(|| self.settings.command_provider.clone());
        let mut commands: Vec<(&str, &Vec<String>)> = Vec::new();
        if provider_id.as_deref() == Some("command")
            && let Some(argv) = &command_argv
        {
            commands.push(("provider.command", argv));
        }
        for c in &self.spec.validation.setup_commands {
            commands.push(("validation.setup_commands", c));
        }
        for c in &self.spec.validation.commands {
            commands.push(("validation.commands", c));
        }
        for (field, argv) in commands {
            let program = argv.first().map_or("", String::as_str);
            if !is_allowed(program, &allowed) {
                let reason = format!(
                    "{field}: {:?} is not on the allowed-commands list ({}) at run start",
                    program_basename(program),
                    allowed.join(", ")
                );
                return Err(End::blocked("command_not_allowed", "setup", reason));
            }
        }
        let provider = providers::build(
            provider_id.as_deref(),
            &self.settings,
            self.spec.provider.model.clone(),
            command_argv,
        )
        .map_err(|e| End::blocked("provider_not_ready", "setup", e.to_string()))?;
        let readiness = provider.readiness(&allowed).await;
        if let Some(msg) = readiness.failure() {
            return Err(End::blocked(
                "provider_not_ready",
                "setup",
                format!("Provider {}: {msg}", provider.id()),
            ));
        }
        tracing::info!(run_id = %self.run_id, provider = provider.id(), status = ?readiness.status, "provider admitted");
        self.svc
            .sink
            .update_run(
                self.run_id,
                RunPatch {
                    provider_id: Some(provider.id().to_owned()),
                    provider_model: provider
                        .model()
                        .or_else(|| self.spec.provider.model.clone()),
                    validation_mode: Some(self.mode.clone()),
                    ..RunPatch::default()
                },
            )
            .await
            .map_err(|e| self.record(e))?;
        Ok(provider)
    }

    async fn setup(&mut self) -> Flow<()> {
        self.start("setup", 1).await?;
        if let Err(e) = std::fs::create_dir_all(&self.files_dir) {
            return Err(self
                .fail(
                    "setup",
                    1,
                    End::failed(
                        "setup_failed",
                        "setup",
                        format!("cannot create run files: {e}"),
                    ),
                )
                .await);
        }
        let branch = self.run.branch.clone().unwrap_or_default();
        let prepared = {
            let git = self.git("setup", 1);
            let target = workspace::Target {
                repository_id: &self.run.repository.id,
                clone_url: &self.spec.repository.clone_url,
                base_ref: self.spec.repository.base_ref.as_deref(),
                run_id: &self.run.id,
                branch: &branch,
            };
            workspace::prepare(&git, &self.svc.layout, &self.svc.locks, &target).await
        };
        let prepared = match prepared {
            Ok(p) => p,
            Err(e) => {
                let end = End::failed("setup_failed", "setup", format!("checkout failed: {e}"));
                return Err(self.fail("setup", 1, end).await);
            }
        };
        self.svc
            .sink
            .update_run(
                self.run_id,
                RunPatch {
                    base_commit: Some(prepared.base_commit.clone()),
                    ..RunPatch::default()
                },
            )
            .await
            .map_err(|e| self.record(e))?;
        let worktree = prepared.worktree.clone();
        let summary = format!(
            "checked out {} at {}",
            prepared.base_ref,
            &prepared.base_commit[..12.min(prepared.base_commit.len())]
        );
        self.summary.base_ref = Some(prepared.base_ref.clone());
        self.prepared = Some(prepared);
        for argv in self.spec.validation.setup_commands.clone() {
            let out = self.command(&argv, &worktree, "setup", 1, "setup").await?;
            if !out.success() {
                let code = if out.ended == Ended::TimedOut {
                    "command_timeout"
                } else {
                    "setup_failed"
                };
                let end = End::failed(
                    code,
                    "setup",
                    format!("setup command `{}` {}", argv.join(" "), out.describe()),
                );
                return Err(self.fail("setup", 1, end).await);
            }
        }
        self.finish_stage("setup", 1, "succeeded", summary).await
    }

    async fn command(
        &self,
        argv: &[String],
        cwd: &std::path::Path,
        stage: &str,
        attempt: i32,
        log_source: &'static str,
    ) -> Flow<process::ProcessOutcome> {
        process::run(
            &self.ctx,
            ProcessSpec {
                argv: argv.to_vec(),
                cwd: cwd.to_path_buf(),
                env: Vec::new(),
                stdin: None,
                timeout: Duration::from_secs(self.settings.command_timeout_seconds),
                stage: stage.to_owned(),
                attempt,
                source: "worker",
                log_source,
                capture_stdout: false,
                stdout_lines: None,
            },
        )
        .await
        .map_err(|e| self.record(e))
    }

    async fn context_stage(&mut self) -> Flow<()> {
        self.start("context", 1).await?;
        let worktree = self.prepared()?.worktree.clone();
        self.context = prompt::find_context(&worktree);
        self.summary.context_file = self.context.as_ref().map(|(n, _)| n.clone());
        let summary = match &self.context {
            Some((name, text)) => format!("context file {name} ({} bytes)", text.len()),
            None => "no context file (MERGELOOM.md, AGENTS.md, CLAUDE.md, CODEX.md)".to_owned(),
        };
        self.ctx
            .note("context", 1, summary.clone())
            .await
            .map_err(|e| self.record(e))?;
        self.finish_stage("context", 1, "succeeded", summary).await
    }

    /// Runs a provider step as its own stage.
    async fn provider_stage(
        &mut self,
        provider: &dyn Provider,
        stage: &'static str,
        attempt: i32,
        instruction: String,
        validation_output: Option<String>,
        review_file: Option<PathBuf>,
    ) -> Flow<()> {
        self.start(stage, attempt).await?;
        let worktree = self.prepared()?.worktree.clone();
        let text = prompt::build(&self.spec.ticket, self.context.as_ref(), &instruction);
        let prompt_file = self.files_dir.join(format!("prompt-{stage}-{attempt}.md"));
        let mut validation_output_file = None;
        let write = std::fs::write(&prompt_file, &text).and_then(|()| {
            if let Some(out) = &validation_output {
                let f = self
                    .files_dir
                    .join(format!("validation-output-{attempt}.txt"));
                std::fs::write(&f, out)?;
                validation_output_file = Some(f);
            }
            Ok(())
        });
        if let Err(e) = write {
            let end = End::failed(
                "internal_error",
                stage,
                format!("cannot write the prompt: {e}"),
            );
            return Err(self.fail(stage, attempt, end).await);
        }
        let step = Step {
            stage: stage.to_owned(),
            attempt,
            prompt: text,
            worktree,
            prompt_file,
            validation_output_file,
            review_file,
            timeout: Duration::from_secs(self.settings.provider_timeout_seconds),
            ticket_key: self.spec.ticket.key.clone(),
        };
        self.ctx
            .emit(vec![NewEvent {
                kind: "provider.started".into(),
                stage: Some(stage.to_owned()),
                attempt: Some(attempt),
                text: Some(format!("{} {stage} #{attempt}", provider.id())),
                data: Some(
                    serde_json::json!({"provider": provider.id(), "model": provider.model()}),
                ),
                ..NewEvent::default()
            }])
            .await
            .map_err(|e| self.record(e))?;
        let result = provider.run_step(&self.ctx, &step).await;
        let exit_text = match &result {
            Ok(()) => "succeeded".to_owned(),
            Err(e) => e.to_string(),
        };
        let _ = self
            .ctx
            .emit(vec![NewEvent {
                kind: "provider.exited".into(),
                stage: Some(stage.to_owned()),
                attempt: Some(attempt),
                text: Some(exit_text),
                data: Some(serde_json::json!({"provider": provider.id(), "ok": result.is_ok()})),
                ..NewEvent::default()
            }])
            .await;
        match result {
            // A review stage stays open until its verdict has been read.
            Ok(()) if step.review_file.is_some() => Ok(()),
            Ok(()) => {
                self.finish_stage(
                    stage,
                    attempt,
                    "succeeded",
                    format!("{} finished", provider.id()),
                )
                .await
            }
            Err(e) => {
                let end = match e {
                    StepError::Timeout(secs) => End::failed(
                        "provider_timeout",
                        stage,
                        format!("The provider step exceeded its timeout of {secs} s."),
                    ),
                    StepError::Stopped(stop) => End::stopped(stop, stage),
                    StepError::OutputLimit => {
                        End::failed("output_limit", stage, "The run exceeded its output limit.")
                    }
                    StepError::Failed(m) => End::failed("provider_error", stage, m),
                    StepError::Record(m) => End::failed("internal_error", stage, m),
                };
                Err(self.fail(stage, attempt, end).await)
            }
        }
    }

    async fn current_tree(&self, stage: &'static str, attempt: i32) -> Flow<String> {
        let prepared = self.prepared()?;
        // The provider could have configured filters or hooks in the shared git config; the
        // worker's own git calls run on the config the worker wrote.
        if let Err(e) = workspace::sanitize(&prepared.mirror, &self.spec.repository.clone_url) {
            return Err(self.or_stopped(End::failed(
                "internal_error",
                stage,
                format!("resetting git config: {e}"),
            )));
        }
        let git = self.git(stage, attempt);
        workspace::snapshot_tree(&git, &prepared.worktree)
            .await
            .map_err(|e| {
                self.or_stopped(End::failed(
                    "internal_error",
                    stage,
                    format!("reading the change: {e}"),
                ))
            })
    }

    /// One validation pass as its own `validate` row.
    async fn validate_once(&mut self) -> Flow<Validation> {
        self.validate_attempt += 1;
        let attempt = self.validate_attempt;
        self.start("validate", attempt).await?;
        let worktree = self.prepared()?.worktree.clone();
        let mut passed = true;
        let mut timed_out = false;
        let mut report = String::new();
        let mut failures = Vec::new();
        for argv in self.spec.validation.commands.clone() {
            let out = self
                .command(&argv, &worktree, "validate", attempt, "validation")
                .await?;
            if let Ended::Stopped(stop) = out.ended {
                return Err(self
                    .fail("validate", attempt, End::stopped(stop, "validate"))
                    .await);
            }
            if out.ended == Ended::OutputLimit {
                let end = End::failed(
                    "output_limit",
                    "validate",
                    "The run exceeded its output limit.",
                );
                return Err(self.fail("validate", attempt, end).await);
            }
            if !out.success() {
                passed = false;
                timed_out |= out.ended == Ended::TimedOut;
                failures.push(format!("`{}` {}", argv.join(" "), out.describe()));
                report.push_str(&format!(
                    "$ {}\n({})\n{}\n\n",
                    argv.join(" "),
                    out.describe(),
                    out.output
                ));
            }
        }
        let summary = if passed {
            "all validation commands passed".to_owned()
        } else {
            failures.join("; ")
        };
        self.finish_stage(
            "validate",
            attempt,
            if passed { "succeeded" } else { "failed" },
            summary.clone(),
        )
        .await?;
        Ok(Validation {
            passed,
            timed_out,
            report,
            summary,
        })
    }

    /// Validates, repairing while attempts are left (required mode). `after` names the stage a
    /// final failure is charged to when repairs ran out (`repair` or `review_fix`).
    async fn validate_and_repair(&mut self, provider: &dyn Provider, after: &str) -> Flow<()> {
        if !self.validation_active() {
            if self.validate_attempt == 0 {
                let why = if self.mode == "off" {
                    "validation mode is off"
                } else {
                    "no validation commands configured"
                };
                self.skip("validate", why).await?;
                self.skip("repair", why).await?;
            }
            return Ok(());
        }
        let mut result = self.validate_once().await?;
        while !result.passed && self.mode == "required" && self.repairs_used < self.max_repairs {
            self.repairs_used += 1;
            self.summary.repair_attempts = self.repairs_used;
            let attempt = self.repairs_used;
            self.provider_stage(
                provider,
                "repair",
                attempt,
                prompt::repair(&result.report),
                Some(result.report.clone()),
                None,
            )
            .await?;
            result = self.validate_once().await?;
        }
        if result.passed {
            self.update_validation(Some(true)).await?;
            return Ok(());
        }
        self.update_validation(Some(false)).await?;
        if self.mode == "advisory" {
            self.advisory_failed = true;
            self.ctx
                .emit(vec![NewEvent {
                    kind: "warning".into(),
                    stage: Some("validate".into()),
                    attempt: Some(self.validate_attempt),
                    text: Some(format!("validation failed (advisory): {}", result.summary)),
                    ..NewEvent::default()
                }])
                .await
                .map_err(|e| self.record(e))?;
            return Ok(());
        }
        let stage = if after == "review_fix" {
            "review_fix"
        } else if self.max_repairs == 0 {
            "validate"
        } else {
            "repair"
        };
        let code = if result.timed_out {
            "command_timeout"
        } else {
            "validation_failed"
        };
        let reason = if self.repairs_used > 0 {
            format!(
                "Validation still failed after {} of {} repair attempts: {}",
                self.repairs_used, self.max_repairs, result.summary
            )
        } else {
            format!("Validation failed: {}", result.summary)
        };
        Err(End::failed(code, stage, reason))
    }

    async fn update_validation(&self, passed: Option<bool>) -> Flow<()> {
        self.svc
            .sink
            .update_run(
                self.run_id,
                RunPatch {
                    validation_passed: passed,
                    ..RunPatch::default()
                },
            )
            .await
            .map_err(|e| self.record(e))
    }

    async fn review(&mut self, provider: &dyn Provider) -> Flow<()> {
        if !self.spec.review_enabled {
            self.skip("review", "review not enabled for this job")
                .await?;
            return self
                .skip("review_fix", "review not enabled for this job")
                .await;
        }
        let (base, worktree) = {
            let p = self.prepared()?;
            (p.base_commit.clone(), p.worktree.clone())
        };
        let tree = self.current_tree("review", 1).await?;
        let diff = {
            let git = self.git("review", 1);
            git.run(
                &worktree,
                &[
                    "diff",
                    "--no-ext-diff",
                    "--no-textconv",
                    "--no-color",
                    &base,
                    &tree,
                    "--",
                ],
            )
            .await
        }
        .map_err(|e| {
            self.or_stopped(End::failed(
                "internal_error",
                "review",
                format!("reading the diff: {e}"),
            ))
        })?;
        let review_file = self.files_dir.join("review.json");
        let _ = std::fs::remove_file(&review_file);
        self.provider_stage(
            provider,
            "review",
            1,
            prompt::review(&diff),
            None,
            Some(review_file.clone()),
        )
        .await?;
        let verdict = read_verdict(&review_file);
        let (approved, findings) = match verdict {
            Ok(v) => v,
            Err(msg) => {
                let end = End::failed(
                    "provider_error",
                    "review",
                    format!("The review verdict is unusable: {msg}"),
                );
                return Err(self.fail("review", 1, end).await);
            }
        };
        self.summary.review_approved = Some(approved);
        let run_id = self.run.id.clone();
        let stored = findings.clone();
        self.svc
            .db
            .writer
            .exec(stored.len(), move |c, _| {
                artifacts::save_findings(c, &run_id, &stored)
            })
            .await
            .map_err(|e| self.record(e))?;
        self.ctx
            .emit(vec![NewEvent {
                kind: "message".into(),
                stage: Some("review".into()),
                attempt: Some(1),
                text: Some(format!(
                    "review {}: {} finding(s)",
                    if approved {
                        "approved"
                    } else {
                        "requested changes"
                    },
                    findings.len()
                )),
                data: Some(serde_json::json!({"approved": approved, "findings": findings})),
                ..NewEvent::default()
            }])
            .await
            .map_err(|e| self.record(e))?;
        let verdict_text = if approved {
            format!("approved ({} findings)", findings.len())
        } else {
            format!("changes requested ({} findings)", findings.len())
        };
        self.finish_stage("review", 1, "succeeded", verdict_text)
            .await?;
        if approved {
            return self
                .skip("review_fix", "the review approved the change")
                .await;
        }
        let list = findings
            .iter()
            .map(|f| {
                let at = match (&f.path, f.line) {
                    (Some(p), Some(l)) => format!(" ({p}:{l})"),
                    (Some(p), None) => format!(" ({p})"),
                    _ => String::new(),
                };
                format!("- [{}] {}{at}", f.severity, f.message)
            })
            .collect::<Vec<_>>()
            .join("\n");
        self.summary.review_fixes_ran = true;
        self.provider_stage(
            provider,
            "review_fix",
            1,
            prompt::review_fix(&list),
            None,
            None,
        )
        .await?;
        if self.validation_active() {
            self.validate_and_repair(provider, "review_fix").await?;
        }
        Ok(())
    }

    async fn diff_guard(&mut self, base_tree: &str) -> Flow<()> {
        self.start("diff_guard", 1).await?;
        let tree = self.current_tree("diff_guard", 1).await?;
        if tree == base_tree {
            let end = End::blocked(
                "no_changes",
                "diff_guard",
                "The change is empty after review fixes.",
            );
            return Err(self.fail("diff_guard", 1, end).await);
        }
        let worktree = self.prepared()?.worktree.clone();
        let base = self.prepared()?.base_commit.clone();
        let (files, added) = {
            let git = self.git("diff_guard", 1);
            let files = workspace::file_changes(&git, &worktree, &base, &tree).await;
            let added = workspace::added_lines(&git, &worktree, &base, &tree).await;
            (files, added)
        };
        let (files, added) = match (files, added) {
            (Ok(f), Ok(a)) => (f, a),
            (Err(e), _) | (_, Err(e)) => {
                let end = End::failed(
                    "internal_error",
                    "diff_guard",
                    format!("reading the change: {e}"),
                );
                return Err(self.fail("diff_guard", 1, end).await);
            }
        };
        let mut protected = self.settings.diff_guard_protected_paths.clone();
        protected.extend(self.spec.diff_guard.protected_paths.iter().cloned());
        let limits = diff_guard::Limits {
            max_files: self
                .spec
                .diff_guard
                .max_files
                .unwrap_or(self.settings.diff_guard_max_files),
            max_lines: self
                .spec
                .diff_guard
                .max_lines
                .unwrap_or(self.settings.diff_guard_max_lines),
            protected_paths: protected,
        };
        let flags = diff_guard::check(&files, &added, &limits, &self.ctx.redactor);
        if flags.is_empty() {
            let lines: i64 = files.iter().map(|f| f.additions + f.deletions).sum();
            return self
                .finish_stage(
                    "diff_guard",
                    1,
                    "succeeded",
                    format!("{} files, {lines} lines: no flags", files.len()),
                )
                .await;
        }
        let run_id = self.run.id.clone();
        let stored = flags.clone();
        self.svc
            .db
            .writer
            .exec(stored.len(), move |c, _| {
                artifacts::save_flags(c, &run_id, &stored)
            })
            .await
            .map_err(|e| self.record(e))?;
        let events = flags
            .iter()
            .map(|f| NewEvent {
                kind: "warning".into(),
                stage: Some("diff_guard".into()),
                attempt: Some(1),
                text: Some(format!("diff guard: {}", f.message)),
                data: Some(serde_json::json!({"rule": f.rule, "path": f.path})),
                ..NewEvent::default()
            })
            .collect();
        self.ctx.emit(events).await.map_err(|e| self.record(e))?;
        let reason = format!(
            "The diff guard flagged the change: {}",
            flags
                .iter()
                .map(|f| f.message.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        );
        Err(self
            .fail(
                "diff_guard",
                1,
                End::blocked("diff_guard", "diff_guard", reason),
            )
            .await)
    }

    async fn publish(&mut self) -> Flow<()> {
        self.start("publish", 1).await?;
        let prepared = self.prepared()?.clone();
        let tree = self.current_tree("publish", 1).await?;
        let message = format!(
            "{}: {}\n\nMergeLoom-Run: {}\nMergeLoom-Ticket: {}\n",
            self.spec.ticket.key, self.spec.ticket.title, self.run.id, self.spec.ticket.key
        );
        let branch = self.run.branch.clone().unwrap_or_default();
        let result: Result<(String, Vec<crate::sink::FileChange>, String), GitError> = async {
            let git = self.git("publish", 1);
            let spec = workspace::CommitSpec {
                repository_id: &self.run.repository.id,
                tree: &tree,
                base: &prepared.base_commit,
                message: &message,
                branch: &branch,
                run_id: &self.run.id,
            };
            let commit = workspace::commit(&git, &prepared.mirror, &self.svc.locks, &spec).await?;
            let mut files =
                workspace::file_changes(&git, &prepared.mirror, &prepared.base_commit, &commit)
                    .await?;
            for f in &mut files {
                f.diff = Some(
                    workspace::file_diff(&git, &prepared.mirror, &prepared.base_commit, &commit, f)
                        .await?,
                );
            }
            let patch =
                workspace::format_patch(&git, &prepared.mirror, &prepared.base_commit, &commit)
                    .await?;
            Ok((commit, files, patch))
        }
        .await;
        let (commit, files, patch) = match result {
            Ok(r) => r,
            Err(e) => {
                let end = End::failed("publish_failed", "publish", format!("commit failed: {e}"));
                return Err(self.fail("publish", 1, end).await);
            }
        };
        let count = files.len();
        self.svc
            .sink
            .file_changes(self.run_id, files)
            .await
            .map_err(|e| self.record(e))?;
        let run_id = self.run.id.clone();
        self.svc
            .db
            .writer
            .exec(1, move |c, _| artifacts::save_patch(c, &run_id, &patch))
            .await
            .map_err(|e| self.record(e))?;
        self.svc
            .sink
            .update_run(
                self.run_id,
                RunPatch {
                    head_commit: Some(commit.clone()),
                    ..RunPatch::default()
                },
            )
            .await
            .map_err(|e| self.record(e))?;
        let mut summary = format!(
            "committed {} ({count} files) on {branch}",
            &commit[..12.min(commit.len())]
        );
        if self.spec.push {
            let pushed = {
                let git = self.git("publish", 1);
                workspace::push(&git, &prepared.mirror, &commit, &branch).await
            };
            if let Err(e) = pushed {
                let end = End::failed("publish_failed", "publish", format!("push failed: {e}"));
                return Err(self.fail("publish", 1, end).await);
            }
            self.svc
                .sink
                .update_run(
                    self.run_id,
                    RunPatch {
                        pushed: Some(true),
                        ..RunPatch::default()
                    },
                )
                .await
                .map_err(|e| self.record(e))?;
            summary.push_str("; pushed");
        }
        self.finish_stage("publish", 1, "succeeded", summary).await
    }

    /// Always runs: records the run summary, removes the worktree (unless kept), and returns the
    /// end (an internal failure here never hides the run's real outcome).
    async fn finalize(&mut self, end: End) -> End {
        let end = if end.status == status::COMPLETED {
            end
        } else {
            self.or_stopped(end)
        };
        // Cleanup must run even while the run is being stopped or is over its output limit: give
        // it its own ctx that no stop request reaches and no output budget (0 = unlimited) ends.
        let (_keep_alive, calm) = watch::channel(Stop::None);
        let ctx = RunCtx {
            stop: calm,
            budget: Arc::new(OutputBudget::new(0)),
            ..self.ctx.clone()
        };
        let sink = self.svc.sink.clone();
        let _ = sink.stage_started(self.run_id, "finalize", 1).await;
        let run_id = self.run.id.clone();
        let summary = self.summary.clone();
        let _ = self
            .svc
            .db
            .writer
            .exec(1, move |c, _| artifacts::save_summary(c, &run_id, &summary))
            .await;
        let mut note = String::from("run summary recorded");
        if let Some(p) = &self.prepared {
            if end.reason_code != "published"
                && end.reason_code != "published_with_advisory_failures"
            {
                // Unpublished runs still say which files they touched (and how), for the audit.
                let git = Git {
                    ctx: &ctx,
                    stage: "finalize",
                    attempt: 1,
                    auth_env: Vec::new(),
                };
                match unpublished_changes(&git, p, &self.spec.repository.clone_url).await {
                    Ok(files) if files.is_empty() => {}
                    Ok(files) => {
                        note.push_str(&format!(
                            "; {} changed files recorded (not published)",
                            files.len()
                        ));
                        let _ = sink.file_changes(self.run_id, files).await;
                    }
                    Err(e) => note.push_str(&format!("; changed files not recorded: {e}")),
                }
            }
            if self.settings.keep_workspaces {
                note.push_str(&format!("; worktree kept at {}", p.worktree.display()));
            } else {
                let git = Git {
                    ctx: &ctx,
                    stage: "finalize",
                    attempt: 1,
                    auth_env: Vec::new(),
                };
                match workspace::remove_worktree(
                    &git,
                    &p.mirror,
                    &self.svc.locks,
                    &self.run.repository.id,
                    &p.worktree,
                )
                .await
                {
                    Ok(()) => note.push_str("; worktree removed"),
                    Err(e) => note.push_str(&format!("; worktree removal failed: {e}")),
                }
            }
        }
        if !self.settings.keep_workspaces {
            let _ = std::fs::remove_dir_all(&self.files_dir);
        }
        if end.reason_code == "output_limit" {
            let _ = sink
                .append(
                    self.run_id,
                    vec![NewEvent {
                        kind: "error".into(),
                        stage: end.failed_stage.clone(),
                        text: Some(format!(
                            "output limit of {} bytes exceeded; the run was stopped",
                            self.settings.output_limit_bytes_per_run
                        )),
                        ..NewEvent::default()
                    }],
                )
                .await;
        }
        let _ = sink
            .stage_finished(self.run_id, "finalize", 1, "succeeded", Some(note))
            .await;
        end
    }
}

/// The worktree's change against the base (files with their diffs), for a run that did not
/// publish.
async fn unpublished_changes(
    git: &Git<'_>,
    p: &Prepared,
    clone_url: &str,
) -> Result<Vec<crate::sink::FileChange>, GitError> {
    if !p.worktree.exists() {
        return Ok(Vec::new());
    }
    workspace::sanitize(&p.mirror, clone_url).map_err(|e| GitError::Failed {
        command: "sanitize".into(),
        detail: e.to_string(),
    })?;
    let tree = workspace::snapshot_tree(git, &p.worktree).await?;
    let mut files = workspace::file_changes(git, &p.worktree, &p.base_commit, &tree).await?;
    for f in &mut files {
        f.diff = Some(workspace::file_diff(git, &p.worktree, &p.base_commit, &tree, f).await?);
    }
    Ok(files)
}

/// Reads the review verdict: `{"approved": bool, "findings": [...]}`.
fn read_verdict(path: &std::path::Path) -> Result<(bool, Vec<Finding>), String> {
    #[derive(serde::Deserialize)]
    struct Verdict {
        approved: bool,
        #[serde(default)]
        findings: Vec<RawFinding>,
    }
    #[derive(serde::Deserialize)]
    struct RawFinding {
        #[serde(default)]
        severity: Option<String>,
        message: String,
        #[serde(default)]
        path: Option<String>,
        #[serde(default)]
        line: Option<i64>,
    }
    let text = std::fs::read_to_string(path)
        .map_err(|_| "the provider wrote no verdict file (MERGELOOM_REVIEW_FILE)".to_owned())?;
    let v: Verdict =
        serde_json::from_str(&text).map_err(|e| format!("invalid verdict JSON: {e}"))?;
    Ok((
        v.approved,
        v.findings
            .into_iter()
            .map(|f| Finding {
                severity: f.severity.unwrap_or_else(|| "medium".into()),
                message: f.message,
                path: f.path,
                line: f.line.and_then(|l| i32::try_from(l).ok()),
            })
            .collect(),
    ))
}
