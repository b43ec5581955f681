//! Runtime settings that components read when a run starts or a request arrives. Each comes from
//! its default, a flag or the environment (then it is locked), or the UI (stored in SQLite and
//! applied at start); [`registry`] names, describes and validates them.

pub mod layers;
pub mod registry;

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use crate::config::Config;

/// A secret setting: never printed by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// Settings of one CLI provider (Claude Code, Codex or Gemini).
#[derive(Debug, Clone, Default)]
pub struct CliSettings {
    /// The program (a name on `PATH` or a path).
    pub program: String,
    pub model: Option<String>,
    pub max_turns: Option<u32>,
    /// How often the CLI retries a failed model request (Claude: `CLAUDE_CODE_MAX_RETRIES`;
    /// Codex with a base URL: its provider's request and stream retries); the CLI's default when
    /// unset.
    pub max_retries: Option<u32>,
    /// Per-step timeout; `provider_timeout_seconds` when unset.
    pub timeout_seconds: Option<u64>,
    /// Extra arguments appended to the CLI's command line.
    pub extra_args: Vec<String>,
    /// The model API's base URL (Claude: `ANTHROPIC_BASE_URL`; Codex: a custom model provider;
    /// Gemini: `GOOGLE_GEMINI_BASE_URL`).
    pub base_url: Option<String>,
    /// The CLI's own provider key, and the environment variable it came from.
    pub api_key: Option<Secret>,
    pub api_key_source: Option<String>,
    /// `HOME` for the CLI (its config and login state live there); the worker's when unset.
    pub home: Option<PathBuf>,
    /// Codex: `--sandbox` mode (`workspace-write` by default).
    pub sandbox: String,
    /// Gemini: `--approval-mode` (`auto_edit` by default).
    pub approval_mode: String,
}

/// Settings of one API provider (`openai-compatible` or `anthropic`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiSettings {
    /// The API's base URL; the provider's public endpoint when unset.
    pub base_url: Option<String>,
    pub model: Option<String>,
    pub api_key: Option<Secret>,
    /// Most model turns per provider step ([`crate::providers::api::DEFAULT_MAX_TURNS`] when
    /// unset).
    pub max_turns: Option<u32>,
}

/// The settings in effect now.
#[derive(Debug, Clone)]
pub struct RuntimeSettings {
    pub allowed_commands: Vec<String>,
    pub default_validation_mode: String,
    pub default_provider: Option<String>,
    pub max_repair_attempts: u32,
    pub command_timeout_seconds: u64,
    pub provider_timeout_seconds: u64,
    pub heartbeat_interval_seconds: u64,
    pub keep_workspaces: bool,
    pub output_limit_bytes_per_run: u64,
    pub diff_guard_max_files: u32,
    pub diff_guard_max_lines: u32,
    pub diff_guard_protected_paths: Vec<String>,
    pub retention_events_days: u32,
    pub retention_audit_days: u32,
    pub retention_code_audit_days: u32,
    pub retention_events_max_bytes: u64,
    pub compliance_mode: bool,
    /// The command provider's command (`--command-provider`), split into argv.
    pub command_provider: Option<Vec<String>>,
    pub claude_code: CliSettings,
    pub codex: CliSettings,
    pub gemini: CliSettings,
    pub openai: ApiSettings,
    pub anthropic: ApiSettings,
}

impl RuntimeSettings {
    #[must_use]
    pub fn from_config(config: &Config) -> Self {
        Self {
            allowed_commands: config.allowed_commands.clone(),
            default_validation_mode: config.default_validation_mode.clone(),
            default_provider: config.default_provider.clone(),
            max_repair_attempts: config.max_repair_attempts,
            command_timeout_seconds: config.command_timeout_seconds,
            provider_timeout_seconds: config.provider_timeout_seconds,
            heartbeat_interval_seconds: config.heartbeat_interval_seconds,
            keep_workspaces: config.keep_workspaces,
            output_limit_bytes_per_run: config.output_limit_bytes_per_run,
            diff_guard_max_files: config.diff_guard_max_files,
            diff_guard_max_lines: config.diff_guard_max_lines,
            diff_guard_protected_paths: config.diff_guard_protected_paths.clone(),
            retention_events_days: config.retention_events_days,
            retention_audit_days: config.retention_audit_days,
            retention_code_audit_days: config.retention_code_audit_days,
            retention_events_max_bytes: config.retention_events_max_bytes,
            compliance_mode: config.compliance_mode,
            command_provider: config.command_provider.clone(),
            claude_code: config.claude_code.clone(),
            codex: config.codex.clone(),
            gemini: config.gemini.clone(),
            openai: config.openai.clone(),
            anthropic: config.anthropic.clone(),
        }
    }
}

/// Shared, swappable settings.
#[derive(Debug, Clone)]
pub struct SharedSettings(Arc<RwLock<RuntimeSettings>>, Arc<tokio::sync::Mutex<()>>);

impl SharedSettings {
    #[must_use]
    pub fn new(s: RuntimeSettings) -> Self {
        Self(
            Arc::new(RwLock::new(s)),
            Arc::new(tokio::sync::Mutex::new(())),
        )
    }

    /// Serializes edits that read the current values, store the change and then apply it.
    pub async fn edit_lock(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.1.lock().await
    }

    /// A snapshot of the current settings.
    #[must_use]
    pub fn get(&self) -> RuntimeSettings {
        self.0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Changes settings; runs that start afterwards see the change.
    pub fn update(&self, f: impl FnOnce(&mut RuntimeSettings)) {
        let mut s = self
            .0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut s);
    }
}
