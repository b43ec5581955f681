//! The `command` provider: runs a configured program in the worktree with the prompt on stdin and
//! in `MERGELOOM_PROMPT_FILE`, plus `MERGELOOM_*` variables describing the step. Exit 0 is success.

use std::path::Path;

use async_trait::async_trait;

use super::{Provider, Step, StepError, find_program};
use crate::executor::process::{self, Ended, ProcessSpec, RunCtx};
use crate::jobspec::{is_allowed, program_basename};

/// A command provider with its argv.
pub struct CommandProvider {
    pub argv: Vec<String>,
}

#[async_trait]
impl Provider for CommandProvider {
    fn id(&self) -> &'static str {
        "command"
    }

    fn check_ready(&self, allowed_commands: &[String]) -> Result<(), String> {
        let Some(program) = self.argv.first() else {
            return Err("the command provider has no command configured".into());
        };
        if !is_allowed(program, allowed_commands) {
            return Err(format!(
                "{:?} is not on the allowed-commands list",
                program_basename(program)
            ));
        }
        // Relative paths with a slash resolve inside the worktree, which does not exist yet.
        if program.contains('/') && !Path::new(program).is_absolute() {
            return Ok(());
        }
        find_program(program)
            .map(|_| ())
            .ok_or_else(|| format!("{program:?} was not found or is not executable"))
    }

    async fn run_step(&self, ctx: &RunCtx, step: &Step) -> Result<(), StepError> {
        let mut env = vec![
            ("MERGELOOM_STAGE".to_owned(), step.stage.clone()),
            ("MERGELOOM_ATTEMPT".to_owned(), step.attempt.to_string()),
            (
                "MERGELOOM_PROMPT_FILE".to_owned(),
                step.prompt_file.display().to_string(),
            ),
        ];
        if let Some(f) = &step.validation_output_file {
            env.push((
                "MERGELOOM_VALIDATION_OUTPUT_FILE".to_owned(),
                f.display().to_string(),
            ));
        }
        if let Some(f) = &step.review_file {
            env.push(("MERGELOOM_REVIEW_FILE".to_owned(), f.display().to_string()));
        }
        let out = process::run(
            ctx,
            ProcessSpec {
                argv: self.argv.clone(),
                cwd: step.worktree.clone(),
                env,
                stdin: Some(step.prompt.clone().into_bytes()),
                timeout: step.timeout,
                stage: step.stage.clone(),
                attempt: step.attempt,
                source: "provider",
                log_source: "provider",
                capture_stdout: false,
                stdout_lines: None,
            },
        )
        .await
        .map_err(|e| StepError::Record(e.to_string()))?;
        match out.ended {
            Ended::Exited(Some(0)) => Ok(()),
            Ended::TimedOut => Err(StepError::Timeout(step.timeout.as_secs())),
            Ended::Stopped(s) => Err(StepError::Stopped(s)),
            Ended::OutputLimit => Err(StepError::OutputLimit),
            _ => Err(StepError::Failed(format!(
                "the provider command {}",
                out.describe()
            ))),
        }
    }
}
