//! AI providers behind one trait. The pipeline (implement, repair, review, review_fix) is the same
//! for every provider; a provider only knows how to run one step in a worktree and whether it is
//! ready. Review verdicts are read by the pipeline from `MERGELOOM_REVIEW_FILE`, whoever wrote it.
//!
//! Kinds: `command` ([`command`]), the CLI agents `claude-code-cli`, `codex-cli`, `gemini-cli`
//! ([`cli`]), and the API providers `openai-compatible` and `anthropic` ([`api`]: the worker runs
//! their agent loop inside `run_step`, reporting through the same [`cli::events`] events,
//! [`usage`] and [`pricing`]). [`build`] makes the provider a run uses; [`readiness_of`] answers
//! for the Health and Providers pages.

pub mod api;
pub mod cli;
pub mod command;
pub mod config;
pub mod pricing;
pub mod readiness;
pub mod usage;

pub use readiness::{Check, Readiness, ReadyStatus};

use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;

use crate::executor::process::{RunCtx, Stop};
use crate::settings::RuntimeSettings;

/// One provider step.
#[derive(Debug, Clone)]
pub struct Step {
    /// `implement`, `repair`, `review` or `review_fix`.
    pub stage: String,
    pub attempt: i32,
    pub prompt: String,
    pub worktree: PathBuf,
    pub prompt_file: PathBuf,
    pub validation_output_file: Option<PathBuf>,
    pub review_file: Option<PathBuf>,
    pub timeout: Duration,
    pub ticket_key: String,
}

/// Why a provider step did not succeed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StepError {
    #[error("{0}")]
    Failed(String),
    /// The step ran out of its time (the timeout it had, in seconds).
    #[error("the provider step exceeded its timeout of {0} s")]
    Timeout(u64),
    #[error("stopped")]
    Stopped(Stop),
    #[error("the run exceeded its output limit")]
    OutputLimit,
    #[error("{0}")]
    Record(String),
}

/// A provider kind.
#[async_trait]
pub trait Provider: Send + Sync {
    /// The provider id (its kind name).
    fn id(&self) -> &'static str;
    /// The model, when the provider has one.
    fn model(&self) -> Option<String> {
        None
    }
    /// The cheap, local part of readiness (no process started, no network): `Err` means the
    /// provider cannot run at all.
    fn check_ready(&self, allowed_commands: &[String]) -> Result<(), String>;
    /// Full readiness without spending tokens, checked at run start (`not_ready` ends the run
    /// `blocked/provider_not_ready`) and by the Health and Providers pages. By default the
    /// [`Provider::check_ready`] result as one check.
    async fn readiness(&self, allowed_commands: &[String]) -> Readiness {
        Readiness::from_checks(vec![Check::from_result(
            "configuration",
            self.check_ready(allowed_commands)
                .map(|()| "configured".to_owned()),
        )])
    }
    /// Runs one step in the worktree.
    async fn run_step(&self, ctx: &RunCtx, step: &Step) -> Result<(), StepError>;
}

/// Finds a program on `PATH` (or checks a path), as the process would.
#[must_use]
pub fn find_program(program: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let executable = |p: &std::path::Path| {
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if program.contains('/') {
        let p = PathBuf::from(program);
        return executable(&p).then_some(p);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(program))
            .find(|p| executable(p))
    })
}

/// Why a provider cannot be built for a run.
#[derive(Debug, Clone, thiserror::Error)]
pub enum BuildError {
    #[error("The job names no provider and no default provider is configured.")]
    NoProvider,
    #[error("The command provider has no command configured.")]
    NoCommand,
    #[error("Provider {0} is not configured on this worker.")]
    NotConfigured(String),
}

/// The provider a run uses: `id` (the job's, or the default), with the job's model and command.
pub fn build(
    id: Option<&str>,
    settings: &RuntimeSettings,
    model: Option<String>,
    command: Option<Vec<String>>,
) -> Result<Box<dyn Provider>, BuildError> {
    let id = id.ok_or(BuildError::NoProvider)?;
    if id == "command" {
        let argv = command
            .or_else(|| settings.command_provider.clone())
            .ok_or(BuildError::NoCommand)?;
        return Ok(Box::new(command::CommandProvider { argv }));
    }
    if let Some(kind) = api::client::ApiKind::from_id(id) {
        return Ok(Box::new(api::ApiProvider::new(
            kind,
            kind.settings(settings).clone(),
            model,
            settings.allowed_commands.clone(),
            Duration::from_secs(settings.command_timeout_seconds),
        )));
    }
    let kind = cli::CliKind::from_id(id).ok_or_else(|| BuildError::NotConfigured(id.to_owned()))?;
    Ok(Box::new(cli::CliProvider::new(
        kind,
        cli::settings_of(kind, settings).clone(),
        model,
        settings.allowed_commands.clone(),
    )))
}

/// The provider a job that names none runs with: `default_provider`, else the command provider
/// when one is configured.
#[must_use]
pub fn default_provider_id(settings: &RuntimeSettings) -> Option<String> {
    settings.default_provider.clone().or_else(|| {
        settings
            .command_provider
            .as_ref()
            .map(|_| "command".to_owned())
    })
}

/// Whether a provider kind is configured on this worker (checked at job submission): the
/// command provider when it has a command; a CLI provider when its program is found; an API
/// provider when it has a key.
#[must_use]
pub fn is_configured(id: &str, settings: &RuntimeSettings) -> bool {
    if let Some(kind) = api::client::ApiKind::from_id(id) {
        return kind.settings(settings).api_key.is_some();
    }
    match id {
        "command" => settings.command_provider.is_some(),
        other => cli::CliKind::from_id(other)
            .is_some_and(|k| find_program(&cli::settings_of(k, settings).program).is_some()),
    }
}

/// The readiness of every provider kind configured on this worker (the Health page's provider
/// checks), in `PROVIDER_KINDS` order.
pub async fn readiness_all(settings: &RuntimeSettings) -> Vec<(&'static str, Readiness)> {
    let mut out = Vec::new();
    for kind in crate::jobspec::PROVIDER_KINDS {
        if is_configured(kind, settings)
            && let Some(r) = readiness_of(kind, settings).await
        {
            out.push((kind, r));
        }
    }
    out
}

/// A provider kind's readiness now (for the Health and Providers pages); `None` for a kind this
/// worker does not implement.
pub async fn readiness_of(id: &str, settings: &RuntimeSettings) -> Option<Readiness> {
    if let Some(kind) = api::client::ApiKind::from_id(id) {
        return Some(api::readiness(kind, kind.settings(settings)).await);
    }
    if id != "command" && cli::CliKind::from_id(id).is_none() {
        return None;
    }
    Some(match build(Some(id), settings, None, None) {
        Ok(p) => p.readiness(&settings.allowed_commands).await,
        Err(e) => Readiness::from_checks(vec![Check::fail("configuration", e.to_string())]),
    })
}
