//! AI providers behind one trait. The pipeline (implement, repair, review, review_fix) is the same
//! for every provider; a provider only knows how to run one step in a worktree and whether it is
//! ready. Review verdicts are read by the pipeline from `MERGELOOM_REVIEW_FILE`, whoever wrote it.

pub mod command;

use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;

use crate::executor::process::{RunCtx, Stop};

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
    #[error("the provider step exceeded its timeout")]
    Timeout,
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
    /// Readiness at run start; `Err` ends the run `blocked/provider_not_ready`.
    fn check_ready(&self, allowed_commands: &[String]) -> Result<(), String>;
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
