//! The worker's own git calls, hardened: hooks and fsmonitor off, no prompts, credentials only
//! through the environment (never argv, records or errors), refs and URLs starting with `-`
//! refused before they reach git. Each call is a recorded process of the run.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::process::{self, Ended, ProcessSpec, RunCtx};

/// Git's own time limit per call.
const GIT_TIMEOUT: Duration = Duration::from_secs(600);

/// A git failure, with what git said (already redacted).
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("git {command} failed: {detail}")]
    Failed { command: String, detail: String },
    #[error("git {0} was stopped")]
    Stopped(String),
    #[error(transparent)]
    Record(#[from] process::ProcessError),
    #[error("refused: {0}")]
    Refused(String),
}

/// Runs git for a run.
pub struct Git<'a> {
    pub ctx: &'a RunCtx,
    pub stage: &'a str,
    pub attempt: i32,
    /// Extra git settings (https credentials), passed as `GIT_CONFIG_*` environment.
    pub auth_env: Vec<(String, String)>,
}

impl Git<'_> {
    /// Runs `git <args>` in `dir`; returns stdout.
    pub async fn run(&self, dir: &Path, args: &[&str]) -> Result<String, GitError> {
        self.run_env(dir, args, &[]).await
    }

    /// Runs git with extra environment.
    pub async fn run_env(
        &self,
        dir: &Path,
        args: &[&str],
        env: &[(String, String)],
    ) -> Result<String, GitError> {
        let mut argv: Vec<String> = vec!["git".into()];
        argv.extend(args.iter().map(|a| (*a).to_owned()));
        // Credentials only reach the commands that talk to the remote: other git commands may run
        // filters or converters that the provider configured, and must never see them.
        let network = args
            .iter()
            .find(|a| !a.starts_with('-'))
            .is_some_and(|c| matches!(*c, "fetch" | "ls-remote" | "push" | "clone"));
        let mut all_env = config_env(if network { &self.auth_env } else { &[] });
        all_env.extend(env.iter().cloned());
        all_env.push(("GIT_ASKPASS".into(), "/bin/false".into()));
        all_env.push(("GIT_OPTIONAL_LOCKS".into(), "0".into()));
        let out = process::run(
            self.ctx,
            ProcessSpec {
                argv,
                cwd: dir.to_path_buf(),
                env: all_env,
                stdin: None,
                timeout: GIT_TIMEOUT,
                stage: self.stage.to_owned(),
                attempt: self.attempt,
                source: "worker",
                log_source: "worker",
                capture_stdout: true,
                stdout_lines: None,
            },
        )
        .await?;
        let name = args
            .iter()
            .find(|a| !a.starts_with('-'))
            .copied()
            .unwrap_or("")
            .to_owned();
        match out.ended {
            Ended::Exited(Some(0)) => Ok(String::from_utf8_lossy(&out.stdout).into_owned()),
            Ended::Stopped(_) => Err(GitError::Stopped(name)),
            _ => Err(GitError::Failed {
                command: name,
                detail: format!("{}: {}", out.describe(), out.tail.trim()),
            }),
        }
    }
}

/// Hardening applied to every git call, as command-line-level configuration (it overrides
/// anything in the repository's or the user's config).
const HARDENING: [(&str, &str); 6] = [
    ("core.hooksPath", "/dev/null"),
    ("core.fsmonitor", "false"),
    ("protocol.ext.allow", "never"),
    ("user.name", "mergeloom-worker"),
    ("user.email", "worker@mergeloom.invalid"),
    ("commit.gpgsign", "false"),
];

/// `GIT_CONFIG_COUNT`/`KEY_n`/`VALUE_n` for the hardening plus `extra` settings; the same
/// precedence as `git -c`, without putting anything (credentials included) in argv.
pub(crate) fn config_env(extra: &[(String, String)]) -> Vec<(String, String)> {
    let pairs: Vec<(String, String)> = HARDENING
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .chain(extra.iter().cloned())
        .collect();
    let mut env = vec![("GIT_CONFIG_COUNT".to_owned(), pairs.len().to_string())];
    for (i, (k, v)) in pairs.into_iter().enumerate() {
        env.push((format!("GIT_CONFIG_KEY_{i}"), k));
        env.push((format!("GIT_CONFIG_VALUE_{i}"), v));
    }
    env
}

/// Git settings that give an https remote the token without putting it in argv or a URL.
#[must_use]
pub fn https_auth_env(url: &str, token: Option<&str>) -> Vec<(String, String)> {
    use base64::Engine;
    match token {
        Some(t) if url.starts_with("https://") && !t.is_empty() => {
            let basic =
                base64::engine::general_purpose::STANDARD.encode(format!("x-access-token:{t}"));
            vec![(
                "http.extraHeader".into(),
                format!("Authorization: Basic {basic}"),
            )]
        }
        _ => Vec::new(),
    }
}

/// Refuses an argument that git could read as an option.
pub fn not_an_option(what: &str, value: &str) -> Result<(), GitError> {
    if value.starts_with('-') {
        return Err(GitError::Refused(format!(
            "{what} {value:?} starts with '-'"
        )));
    }
    Ok(())
}

/// Paths of the workspace root.
#[derive(Debug, Clone)]
pub struct Layout {
    pub root: PathBuf,
}

impl Layout {
    #[must_use]
    pub fn mirror(&self, repository_id: &str) -> PathBuf {
        self.root
            .join("mirrors")
            .join(format!("{repository_id}.git"))
    }

    #[must_use]
    pub fn worktree(&self, run_id: &str) -> PathBuf {
        self.root.join("worktrees").join(run_id)
    }

    /// Private files of a run (prompts, validation output, review verdict), outside the worktree.
    #[must_use]
    pub fn run_files(&self, run_id: &str) -> PathBuf {
        self.root.join("runs").join(run_id)
    }
}
