//! The CLI providers — Claude Code, Codex and Gemini — driven non-interactively with
//! machine-readable output. One runner serves all three: it builds the CLI's command line from
//! its settings (the strictest permission flags the CLI offers, built from the allowed-commands
//! list where it can), gives the CLI a clean environment with only its own provider key, writes
//! the prompt to stdin, parses the JSON stream line by line into normalized events ([`events`]),
//! records the shell commands the CLI ran as command rows with `source: provider`, rolls usage up
//! to the run, and decides success by the CLI's own rules (its parser's verdict), not by the exit
//! status alone.

pub mod claude;
pub mod codex;
pub mod events;
pub mod gemini;
#[cfg(test)]
mod golden;
mod readiness;
pub mod recorder;

use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::mpsc;

use self::events::{StreamParser, Verdict};
use super::{Provider, Readiness, Step, StepError, find_program};
use crate::executor::process::{self, Ended, ProcessSpec, RunCtx};
use crate::settings::CliSettings;

/// Which CLI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CliKind {
    ClaudeCode,
    Codex,
    Gemini,
}

impl CliKind {
    pub const ALL: [Self; 3] = [Self::ClaudeCode, Self::Codex, Self::Gemini];

    /// The provider id (its kind name).
    #[must_use]
    pub fn id(self) -> &'static str {
        match self {
            Self::ClaudeCode => "claude-code-cli",
            Self::Codex => "codex-cli",
            Self::Gemini => "gemini-cli",
        }
    }

    #[must_use]
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.id() == id)
    }

    /// A name for people.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::ClaudeCode => "Claude Code",
            Self::Codex => "Codex",
            Self::Gemini => "Gemini CLI",
        }
    }

    /// The environment variable the CLI reads its key from (Codex with a custom base URL reads
    /// the one its model-provider entry names).
    fn key_env(self, custom_endpoint: bool) -> &'static str {
        match self {
            Self::ClaudeCode => "ANTHROPIC_API_KEY",
            Self::Codex if custom_endpoint => "MERGELOOM_CODEX_API_KEY",
            Self::Codex => "CODEX_API_KEY",
            Self::Gemini => "GEMINI_API_KEY",
        }
    }
}

/// The settings of this CLI kind.
#[must_use]
pub fn settings_of(kind: CliKind, s: &crate::settings::RuntimeSettings) -> &CliSettings {
    match kind {
        CliKind::ClaudeCode => &s.claude_code,
        CliKind::Codex => &s.codex,
        CliKind::Gemini => &s.gemini,
    }
}

/// A CLI provider for one run.
pub struct CliProvider {
    kind: CliKind,
    settings: CliSettings,
    model: Option<String>,
    allowed_commands: Vec<String>,
    /// The CLI's version, learned by the readiness check or from its stream.
    version: Mutex<Option<String>>,
}

impl CliProvider {
    /// `model` overrides the configured model (a job's `provider.model`).
    #[must_use]
    pub fn new(
        kind: CliKind,
        settings: CliSettings,
        model: Option<String>,
        allowed_commands: Vec<String>,
    ) -> Self {
        let model = model.or_else(|| settings.model.clone());
        Self {
            kind,
            settings,
            model,
            allowed_commands,
            version: Mutex::new(None),
        }
    }

    fn version(&self) -> Option<String> {
        self.version
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn set_version(&self, v: Option<String>) {
        if v.is_some() {
            *self
                .version
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = v;
        }
    }

    fn program(&self) -> String {
        find_program(&self.settings.program).map_or_else(
            || self.settings.program.clone(),
            |p| p.display().to_string(),
        )
    }

    /// The directory the review verdict goes to, which the CLI must be allowed to write.
    fn review_dir(step: &Step) -> Option<&Path> {
        step.review_file.as_deref().and_then(Path::parent)
    }

    /// The CLI's command line for a step.
    #[must_use]
    pub fn argv(&self, step: &Step) -> Vec<String> {
        let s = &self.settings;
        let mut a = vec![self.program()];
        let mut push = |items: &[&str]| a.extend(items.iter().map(|i| (*i).to_owned()));
        match self.kind {
            CliKind::ClaudeCode => {
                push(&["-p", "--output-format", "stream-json", "--verbose"]);
                // Running as root, the CLI refuses --dangerously-skip-permissions: accept edits
                // in the working directory and allow exactly the listed commands.
                push(&["--permission-mode", "acceptEdits"]);
                let tools = claude::allowed_tools(&self.allowed_commands);
                push(&["--allowedTools", &tools]);
                if let Some(m) = &self.model {
                    push(&["--model", m]);
                }
                if let Some(n) = s.max_turns {
                    push(&["--max-turns", &n.to_string()]);
                }
                if let Some(dir) = Self::review_dir(step) {
                    push(&["--add-dir", &dir.display().to_string()]);
                }
            }
            CliKind::Codex => {
                push(&["exec", "--json", "--skip-git-repo-check"]);
                push(&["--sandbox", &s.sandbox]);
                push(&["-c", "approval_policy=\"never\""]);
                if let Some(m) = &self.model {
                    push(&["--model", m]);
                }
                if let Some(url) = &s.base_url {
                    push(&["-c", "model_provider=\"mergeloom\""]);
                    let retries = s
                        .max_retries
                        .map(|n| format!(",request_max_retries={n},stream_max_retries={n}"))
                        .unwrap_or_default();
                    let entry = format!(
                        "model_providers.mergeloom={{name=\"mergeloom\",base_url={},wire_api=\"responses\",env_key=\"{}\"{retries}}}",
                        toml_string(url),
                        self.kind.key_env(true)
                    );
                    push(&["-c", &entry]);
                }
                if let Some(dir) = Self::review_dir(step) {
                    push(&["--add-dir", &dir.display().to_string()]);
                }
            }
            CliKind::Gemini => {
                push(&["--output-format", "stream-json"]);
                push(&["--approval-mode", &s.approval_mode]);
                if let Some(m) = &self.model {
                    push(&["--model", m]);
                }
                let shell: Vec<String> = self
                    .allowed_commands
                    .iter()
                    .map(|c| format!("run_shell_command({c})"))
                    .collect();
                if !shell.is_empty() {
                    push(&["--allowed-tools", &shell.join(",")]);
                }
                if let Some(dir) = Self::review_dir(step) {
                    push(&["--include-directories", &dir.display().to_string()]);
                }
            }
        }
        a.extend(s.extra_args.iter().cloned());
        if self.kind == CliKind::Codex {
            // The prompt comes on stdin.
            a.push("-".to_owned());
        }
        a
    }

    /// The CLI's own environment on top of the scrubbed base: its key, endpoint and home, and the
    /// step's `MERGELOOM_*` variables. Never a worker secret.
    #[must_use]
    pub fn env(&self, step: &Step) -> Vec<(String, String)> {
        let mut env = vec![
            ("MERGELOOM_STAGE".to_owned(), step.stage.clone()),
            ("MERGELOOM_ATTEMPT".to_owned(), step.attempt.to_string()),
            (
                "MERGELOOM_PROMPT_FILE".to_owned(),
                step.prompt_file.display().to_string(),
            ),
            ("NO_COLOR".to_owned(), "1".to_owned()),
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
        env.extend(self.cli_env());
        env
    }

    /// Key, endpoint and home for the CLI (also used by the readiness probes).
    fn cli_env(&self) -> Vec<(String, String)> {
        let s = &self.settings;
        let mut env = Vec::new();
        if let Some(key) = &s.api_key {
            env.push((
                self.kind.key_env(s.base_url.is_some()).to_owned(),
                key.0.clone(),
            ));
        }
        if let Some(home) = &s.home {
            env.push(("HOME".to_owned(), home.display().to_string()));
        }
        match self.kind {
            CliKind::ClaudeCode => {
                env.push((
                    "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC".to_owned(),
                    "1".to_owned(),
                ));
                env.push(("DISABLE_AUTOUPDATER".to_owned(), "1".to_owned()));
                if let Some(url) = &s.base_url {
                    env.push(("ANTHROPIC_BASE_URL".to_owned(), url.clone()));
                }
                if let Some(n) = s.max_retries {
                    env.push(("CLAUDE_CODE_MAX_RETRIES".to_owned(), n.to_string()));
                }
            }
            CliKind::Codex => {
                if let Some(home) = &s.home {
                    env.push((
                        "CODEX_HOME".to_owned(),
                        home.join(".codex").display().to_string(),
                    ));
                }
            }
            CliKind::Gemini => {
                if let Some(url) = &s.base_url {
                    env.push(("GOOGLE_GEMINI_BASE_URL".to_owned(), url.clone()));
                }
            }
        }
        env
    }

    /// The prompt on stdin: the pipeline's prompt, plus where a review verdict must be written
    /// (the agent sees the path itself, not only `$MERGELOOM_REVIEW_FILE`).
    fn prompt(step: &Step) -> String {
        let mut p = step.prompt.clone();
        if let Some(f) = &step.review_file {
            p.push_str(&format!(
                "\nThe verdict file is: {}\nWrite it with your file-writing tool; it is the only file you may write in this step.\n",
                f.display()
            ));
        }
        p
    }

    fn parser(&self) -> Box<dyn StreamParser> {
        match self.kind {
            CliKind::ClaudeCode => Box::new(claude::ClaudeParser::new(self.version())),
            CliKind::Codex => Box::new(codex::CodexParser::new(self.model.clone(), self.version())),
            CliKind::Gemini => Box::new(gemini::GeminiParser::new(
                self.model.clone(),
                self.version(),
            )),
        }
    }

    /// Prepares a configured (dedicated) home. Codex refuses to start when `CODEX_HOME` does not
    /// exist. The Gemini CLI needs its auth type chosen in its settings to use a key, and treats
    /// every fresh worktree as an untrusted folder (forcing the `default` approval mode, which
    /// refuses edits without a prompt): a home without settings gets settings that select the key
    /// and turn the folder-trust prompt off. An existing settings file is never touched.
    fn prepare_home(&self) {
        let Some(home) = &self.settings.home else {
            return;
        };
        let result = match self.kind {
            CliKind::ClaudeCode => Ok(()),
            CliKind::Codex => std::fs::create_dir_all(home.join(".codex")),
            CliKind::Gemini => {
                let dir = home.join(".gemini");
                let file = dir.join("settings.json");
                if file.exists() {
                    Ok(())
                } else {
                    let mut settings = serde_json::json!({
                        "security": {"folderTrust": {"enabled": false}},
                        "general": {"disableAutoUpdate": true},
                        "privacy": {"usageStatisticsEnabled": false},
                    });
                    if self.settings.api_key.is_some() {
                        settings["security"]["auth"] =
                            serde_json::json!({"selectedType": "gemini-api-key"});
                    }
                    std::fs::create_dir_all(&dir)
                        .and_then(|()| std::fs::write(&file, settings.to_string()))
                }
            }
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, home = %home.display(), provider = self.kind.id(), "cannot prepare the CLI's home");
        }
    }

    fn timeout(&self, step: &Step) -> Duration {
        self.settings
            .timeout_seconds
            .map_or(step.timeout, Duration::from_secs)
    }
}

/// A TOML basic string (for `-c key=value` overrides).
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[async_trait]
impl Provider for CliProvider {
    fn id(&self) -> &'static str {
        self.kind.id()
    }

    fn model(&self) -> Option<String> {
        self.model.clone()
    }

    fn check_ready(&self, _allowed_commands: &[String]) -> Result<(), String> {
        find_program(&self.settings.program)
            .map(|_| ())
            .ok_or_else(|| {
                format!(
                    "{:?} was not found or is not executable",
                    self.settings.program
                )
            })
    }

    async fn readiness(&self, _allowed_commands: &[String]) -> Readiness {
        self.prepare_home();
        let (r, version) = readiness::check(self.kind, &self.settings, self.cli_env()).await;
        self.set_version(version);
        r
    }

    async fn run_step(&self, ctx: &RunCtx, step: &Step) -> Result<(), StepError> {
        self.prepare_home();
        let (tx, mut rx) = mpsc::channel::<String>(256);
        let timeout = self.timeout(step);
        let spec = ProcessSpec {
            argv: self.argv(step),
            cwd: step.worktree.clone(),
            env: self.env(step),
            stdin: Some(Self::prompt(step).into_bytes()),
            timeout,
            stage: step.stage.clone(),
            attempt: step.attempt,
            source: "provider",
            log_source: "provider",
            capture_stdout: false,
            stdout_lines: Some(tx),
        };
        let mut parser = self.parser();
        let mut rec = recorder::Recorder::new(ctx, step, self.kind.id());
        tracing::info!(run_id = %ctx.run_id, provider = self.kind.id(), stage = %step.stage, "CLI step started");
        let consume = async {
            while let Some(line) = rx.recv().await {
                let parsed = parser.feed(&line);
                rec.record(parsed).await;
            }
            let rest = parser.finish();
            rec.record(rest).await;
            parser
        };
        let (outcome, parser) = tokio::join!(process::run(ctx, spec), consume);
        rec.close().await;
        self.set_version(parser.version());
        let outcome = outcome.map_err(|e| StepError::Record(e.to_string()))?;
        match outcome.ended {
            Ended::TimedOut => Err(StepError::Timeout(timeout.as_secs())),
            Ended::Stopped(s) => Err(StepError::Stopped(s)),
            Ended::OutputLimit => Err(StepError::OutputLimit),
            Ended::SpawnFailed(e) => Err(StepError::Failed(format!(
                "{} could not start: {e}",
                self.kind.label()
            ))),
            Ended::Exited(code) => match parser.verdict(code) {
                Verdict::Success => Ok(()),
                Verdict::Failure { category, message } => {
                    tracing::info!(run_id = %ctx.run_id, provider = self.kind.id(), category = category.as_str(), "CLI step failed");
                    Err(StepError::Failed(format!(
                        "{} failed ({}): {message}",
                        self.kind.label(),
                        category.as_str()
                    )))
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::time::Duration;

    use super::*;
    use crate::settings::Secret;

    fn step(review: bool) -> Step {
        Step {
            stage: if review { "review" } else { "implement" }.into(),
            attempt: 1,
            prompt: "Do it.".into(),
            worktree: PathBuf::from("/w/tree"),
            prompt_file: PathBuf::from("/d/runs/r/prompt.md"),
            validation_output_file: None,
            review_file: review.then(|| PathBuf::from("/d/runs/r/review.json")),
            timeout: Duration::from_secs(60),
            ticket_key: "T-1".into(),
        }
    }

    fn provider(kind: CliKind, base_url: Option<&str>) -> CliProvider {
        CliProvider::new(
            kind,
            CliSettings {
                program: "/opt/bin/agent".into(),
                model: Some("m-1".into()),
                max_turns: Some(7),
                base_url: base_url.map(str::to_owned),
                api_key: Some(Secret("key-value-123".into())),
                sandbox: "workspace-write".into(),
                approval_mode: "auto_edit".into(),
                extra_args: vec!["--extra".into()],
                ..CliSettings::default()
            },
            None,
            vec!["git".into(), "pytest".into()],
        )
    }

    #[test]
    fn claude_accepts_edits_and_only_the_listed_commands_never_skips_permissions() {
        let a = provider(CliKind::ClaudeCode, None).argv(&step(true));
        let line = a.join(" ");
        assert!(line.starts_with("/opt/bin/agent -p --output-format stream-json --verbose --permission-mode acceptEdits --allowedTools "), "{line}");
        assert!(line.contains("Bash(git:*),Bash(pytest:*)"), "{line}");
        assert!(
            line.contains("--model m-1 --max-turns 7 --add-dir /d/runs/r --extra"),
            "{line}"
        );
        assert!(!line.contains("dangerously"), "{line}");
    }

    #[test]
    fn codex_runs_in_its_sandbox_with_a_custom_endpoint_and_the_prompt_on_stdin() {
        let a = provider(CliKind::Codex, Some("http://127.0.0.1:9/v1")).argv(&step(false));
        assert_eq!(
            a,
            [
                "/opt/bin/agent",
                "exec",
                "--json",
                "--skip-git-repo-check",
                "--sandbox",
                "workspace-write",
                "-c",
                "approval_policy=\"never\"",
                "--model",
                "m-1",
                "-c",
                "model_provider=\"mergeloom\"",
                "-c",
                "model_providers.mergeloom={name=\"mergeloom\",base_url=\"http://127.0.0.1:9/v1\",wire_api=\"responses\",env_key=\"MERGELOOM_CODEX_API_KEY\"}",
                "--extra",
                "-",
            ]
        );
    }

    #[test]
    fn gemini_allows_shell_only_for_the_listed_commands() {
        let line = provider(CliKind::Gemini, None).argv(&step(true)).join(" ");
        assert_eq!(
            line,
            "/opt/bin/agent --output-format stream-json --approval-mode auto_edit --model m-1 \
--allowed-tools run_shell_command(git),run_shell_command(pytest) --include-directories /d/runs/r --extra"
        );
    }

    #[test]
    fn the_cli_environment_holds_its_own_key_and_the_step_only() {
        let env = provider(CliKind::ClaudeCode, Some("http://127.0.0.1:9")).env(&step(true));
        let names: Vec<&str> = env.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "MERGELOOM_STAGE",
                "MERGELOOM_ATTEMPT",
                "MERGELOOM_PROMPT_FILE",
                "NO_COLOR",
                "MERGELOOM_REVIEW_FILE",
                "ANTHROPIC_API_KEY",
                "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC",
                "DISABLE_AUTOUPDATER",
                "ANTHROPIC_BASE_URL",
            ]
        );
        let codex = provider(CliKind::Codex, None).env(&step(false));
        assert!(codex.contains(&("CODEX_API_KEY".into(), "key-value-123".into())));
        let gemini = provider(CliKind::Gemini, None).env(&step(false));
        assert!(gemini.contains(&("GEMINI_API_KEY".into(), "key-value-123".into())));
    }

    #[test]
    fn the_review_prompt_names_the_verdict_file() {
        assert!(
            CliProvider::prompt(&step(true)).contains("The verdict file is: /d/runs/r/review.json")
        );
        assert_eq!(CliProvider::prompt(&step(false)), "Do it.");
    }
}
