//! Command-line flags and environment (the `JCA_WORKER_*` names) for `serve`, resolved into one
//! [`Config`] that the rest of the worker reads.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;

use clap::parser::ValueSource;
use clap::{ArgMatches, Args, Parser, Subcommand};

use crate::settings::{ApiSettings, CliSettings, Secret};

/// The default allowed-commands list (the MergeLoom worker's default).
pub const DEFAULT_ALLOWED_COMMANDS: &str = "git,rg,pytest,python,python3";

#[derive(Debug, Parser)]
#[command(
    name = "mergeloom-worker",
    version,
    about = "Self-hosted worker for AI coding jobs"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
// Parsed once at start-up; boxing the large variant would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum Command {
    /// Run the gateway (UI, API, storage, live streams) with in-process executors.
    Serve(ServeArgs),
    /// Print the OpenAPI document the server serves at /api/v1/openapi.json.
    Openapi,
    /// Benchmark support: store a finished run with N log events in a data directory (direct SQL;
    /// the worker must not be running on it). Prints `{"job_id", "run_id"}`.
    SeedRun(SeedArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to bind. Anything but loopback requires --auth-token.
    #[arg(long, env = "JCA_WORKER_HOST", default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Port to listen on; 0 picks a free port.
    #[arg(long, env = "JCA_WORKER_PORT", default_value_t = 8010)]
    pub port: u16,
    /// Directory for the database, lock file and workspaces.
    #[arg(long, env = "JCA_WORKER_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// The worker's name, shown in the UI and API (default: the host name).
    #[arg(long, env = "JCA_WORKER_NAME")]
    pub name: Option<String>,
    /// In-process executors; 0 runs the gateway only.
    #[arg(long, env = "JCA_WORKER_EXECUTORS", default_value_t = 1)]
    pub executors: u16,
    /// Comma-separated program basenames that jobs may run.
    #[arg(long, env = "JCA_WORKER_ALLOWED_COMMANDS")]
    pub allowed_commands: Option<String>,
    /// Access token for the API and UI (required for a non-loopback bind).
    #[arg(long, env = "JCA_WORKER_AUTH_TOKEN", hide_env_values = true)]
    pub auth_token: Option<String>,
    /// Extra Host names the worker answers to (repeatable), e.g. a reverse proxy's name.
    #[arg(long = "public-host")]
    pub public_hosts: Vec<String>,
    /// Root directory for mirrors and worktrees (default: <data-dir>/workspaces).
    #[arg(long, env = "JCA_WORKER_WORKSPACE_ROOT")]
    pub workspace_root: Option<PathBuf>,
    /// Request body limit in bytes.
    #[arg(long, env = "JCA_WORKER_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,
    /// The command provider's command line (split shell-style, never run through a shell).
    #[arg(long, env = "JCA_WORKER_COMMAND_PROVIDER")]
    pub command_provider: Option<String>,
    /// Provider used by jobs that name none.
    #[arg(long, env = "JCA_WORKER_DEFAULT_PROVIDER")]
    pub default_provider: Option<String>,
    /// Environment variables whose values are redacted from all output (repeatable or comma list).
    #[arg(
        long = "redact-env",
        env = "JCA_WORKER_REDACT_ENV",
        value_delimiter = ','
    )]
    pub redact_env: Vec<String>,
    /// Timeout of each setup and validation command.
    #[arg(
        long,
        env = "JCA_WORKER_COMMAND_TIMEOUT_SECONDS",
        default_value_t = 300
    )]
    pub command_timeout_seconds: u64,
    /// Timeout of each provider step.
    #[arg(
        long,
        env = "JCA_WORKER_PROVIDER_TIMEOUT_SECONDS",
        default_value_t = 3600
    )]
    pub provider_timeout_seconds: u64,
    /// Repair attempts after a failed validation.
    #[arg(long, env = "JCA_WORKER_MAX_REPAIR_ATTEMPTS", default_value_t = 2)]
    pub max_repair_attempts: u32,
    /// Executor heartbeat period.
    #[arg(
        long,
        env = "JCA_WORKER_ACTIVE_JOB_HEARTBEAT_INTERVAL_SECONDS",
        default_value_t = 15
    )]
    pub heartbeat_interval_seconds: u64,
    /// How often Code Audit reconciles every followed repository (0 = only after publishes and
    /// on request).
    #[arg(long, env = "JCA_CODE_AUDIT_INTERVAL_SECONDS", default_value_t = 300)]
    pub code_audit_interval_seconds: u64,
    /// How often the retention pruner runs (0 = only on demand, `POST /api/v1/retention/prune`).
    #[arg(long, env = "JCA_RETENTION_INTERVAL_SECONDS", default_value_t = 3600)]
    pub retention_interval_seconds: u64,
    /// Keep run worktrees after runs (for debugging).
    #[arg(long, env = "JCA_WORKER_KEEP_WORKSPACES")]
    pub keep_workspaces: bool,
    /// Output a run may produce before it is stopped (`failed/output_limit`).
    #[arg(long, env = "JCA_WORKER_OUTPUT_LIMIT_BYTES_PER_RUN", default_value_t = 256 * 1024 * 1024)]
    pub output_limit_bytes_per_run: u64,
    /// Validation mode of jobs that name none: `off`, `advisory` or `required`.
    #[arg(
        long,
        env = "JCA_WORKER_DEFAULT_VALIDATION_MODE",
        default_value = "required"
    )]
    pub default_validation_mode: String,
    /// Diff guard: most files a run may change.
    #[arg(long, env = "JCA_WORKER_DIFF_GUARD_MAX_FILES", default_value_t = 50)]
    pub diff_guard_max_files: u32,
    /// Diff guard: most lines a run may change.
    #[arg(long, env = "JCA_WORKER_DIFF_GUARD_MAX_LINES", default_value_t = 2000)]
    pub diff_guard_max_lines: u32,
    /// Diff guard: paths (globs) no run may change (comma list).
    #[arg(
        long,
        env = "JCA_WORKER_DIFF_GUARD_PROTECTED_PATHS",
        value_delimiter = ','
    )]
    pub diff_guard_protected_paths: Vec<String>,
    /// Days live stream events and raw output are kept after a run ends (0 = keep).
    #[arg(long, env = "JCA_WORKER_RETENTION_EVENTS_DAYS", default_value_t = 30)]
    pub retention_events_days: u32,
    /// Days Ticket Audit records and stored diffs are kept (0 = keep).
    #[arg(long, env = "JCA_WORKER_RETENTION_AUDIT_DAYS", default_value_t = 0)]
    pub retention_audit_days: u32,
    /// Days Code Audit evidence is kept (0 = keep).
    #[arg(
        long,
        env = "JCA_WORKER_RETENTION_CODE_AUDIT_DAYS",
        default_value_t = 0
    )]
    pub retention_code_audit_days: u32,
    /// Most bytes of events kept over all runs (0 = no cap).
    #[arg(
        long,
        env = "JCA_WORKER_RETENTION_EVENTS_MAX_BYTES",
        default_value_t = 0
    )]
    pub retention_events_max_bytes: u64,
    /// Compliance mode: audit and code-audit evidence is never pruned. Provisioned only.
    #[arg(long, env = "JCA_WORKER_COMPLIANCE_MODE")]
    pub compliance_mode: bool,
    #[command(flatten)]
    pub health: HealthArgs,
    #[command(flatten)]
    pub claude_code: ClaudeCodeArgs,
    #[command(flatten)]
    pub codex: CodexArgs,
    #[command(flatten)]
    pub gemini: GeminiArgs,
    #[command(flatten)]
    pub provider_config: ProviderConfigArgs,
}

/// Where provider settings come from, and the API providers' provisioned settings (their keys
/// are read from the environment only: `JCA_OPENAI_API_KEY`, `JCA_ANTHROPIC_API_KEY`).
#[derive(Debug, Clone, Default, Args)]
pub struct ProviderConfigArgs {
    /// `ui`: provider settings are editable on the Providers page, those given by flag or
    /// environment are locked; `provisioned`: everything from flags and environment, read-only.
    #[arg(long, env = "JCA_PROVIDER_CONFIG_MODE", value_enum, default_value_t)]
    pub provider_config_mode: ProviderConfigMode,
    /// The key file that encrypts provider secrets at rest (created 0600 when missing; default:
    /// <data-dir>/provider_secret.key).
    #[arg(long, env = "JCA_PROVIDER_SECRET_KEY_PATH")]
    pub provider_secret_key_path: Option<PathBuf>,
    /// The OpenAI-compatible provider's model.
    #[arg(long, env = "JCA_OPENAI_MODEL")]
    pub openai_model: Option<String>,
    /// The OpenAI-compatible provider's base URL (default https://api.openai.com/v1).
    #[arg(long, env = "JCA_OPENAI_BASE_URL")]
    pub openai_base_url: Option<String>,
    /// The Anthropic provider's model.
    #[arg(long, env = "JCA_ANTHROPIC_MODEL")]
    pub anthropic_model: Option<String>,
    /// The Anthropic provider's base URL (default https://api.anthropic.com).
    #[arg(long, env = "JCA_ANTHROPIC_BASE_URL")]
    pub anthropic_base_url: Option<String>,
}

/// `JCA_PROVIDER_CONFIG_MODE`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ProviderConfigMode {
    #[default]
    Ui,
    Provisioned,
}

/// The Claude Code CLI provider (`claude-code-cli`).
#[derive(Debug, Clone, Default, Args)]
pub struct ClaudeCodeArgs {
    /// The `claude` program.
    #[arg(long, env = "JCA_WORKER_CLAUDE_CODE_PROGRAM", default_value = "claude")]
    pub claude_code_program: String,
    /// Model (`--model`); the CLI's default when unset.
    #[arg(long, env = "JCA_WORKER_CLAUDE_CODE_MODEL")]
    pub claude_code_model: Option<String>,
    /// `--max-turns` per step.
    #[arg(long, env = "JCA_WORKER_CLAUDE_CODE_MAX_TURNS")]
    pub claude_code_max_turns: Option<u32>,
    /// Retries of a failed model request (`CLAUDE_CODE_MAX_RETRIES`).
    #[arg(long, env = "JCA_WORKER_CLAUDE_CODE_MAX_RETRIES")]
    pub claude_code_max_retries: Option<u32>,
    /// Step timeout (default: --provider-timeout-seconds).
    #[arg(long, env = "JCA_WORKER_CLAUDE_CODE_TIMEOUT_SECONDS")]
    pub claude_code_timeout_seconds: Option<u64>,
    /// Extra arguments for `claude` (split shell-style).
    #[arg(long, env = "JCA_WORKER_CLAUDE_CODE_EXTRA_ARGS")]
    pub claude_code_extra_args: Option<String>,
    /// `ANTHROPIC_BASE_URL` for the CLI.
    #[arg(long, env = "JCA_WORKER_CLAUDE_CODE_BASE_URL")]
    pub claude_code_base_url: Option<String>,
    /// `HOME` for the CLI (its config and login live there).
    #[arg(long, env = "JCA_WORKER_CLAUDE_CODE_HOME")]
    pub claude_code_home: Option<PathBuf>,
}

/// The Codex CLI provider (`codex-cli`).
#[derive(Debug, Clone, Default, Args)]
pub struct CodexArgs {
    /// The `codex` program.
    #[arg(long, env = "JCA_WORKER_CODEX_PROGRAM", default_value = "codex")]
    pub codex_program: String,
    /// Model (`--model`); the CLI's default when unset.
    #[arg(long, env = "JCA_WORKER_CODEX_MODEL")]
    pub codex_model: Option<String>,
    /// Retries of a failed model request (with --codex-base-url).
    #[arg(long, env = "JCA_WORKER_CODEX_MAX_RETRIES")]
    pub codex_max_retries: Option<u32>,
    /// Step timeout (default: --provider-timeout-seconds).
    #[arg(long, env = "JCA_WORKER_CODEX_TIMEOUT_SECONDS")]
    pub codex_timeout_seconds: Option<u64>,
    /// Extra arguments for `codex exec` (split shell-style).
    #[arg(long, env = "JCA_WORKER_CODEX_EXTRA_ARGS")]
    pub codex_extra_args: Option<String>,
    /// An OpenAI Responses-compatible base URL (a custom model provider for the CLI).
    #[arg(long, env = "JCA_WORKER_CODEX_BASE_URL")]
    pub codex_base_url: Option<String>,
    /// `HOME` for the CLI (`CODEX_HOME` is `<home>/.codex`).
    #[arg(long, env = "JCA_WORKER_CODEX_HOME")]
    pub codex_home: Option<PathBuf>,
    /// `--sandbox`: `read-only`, `workspace-write` or `danger-full-access` (only for workers that
    /// are already isolated: Codex's Linux sandbox may not work inside some containers).
    #[arg(
        long,
        env = "JCA_WORKER_CODEX_SANDBOX",
        default_value = "workspace-write"
    )]
    pub codex_sandbox: String,
}

/// The Gemini CLI provider (`gemini-cli`).
#[derive(Debug, Clone, Default, Args)]
pub struct GeminiArgs {
    /// The `gemini` program.
    #[arg(long, env = "JCA_WORKER_GEMINI_PROGRAM", default_value = "gemini")]
    pub gemini_program: String,
    /// Model (`--model`); the CLI's default when unset.
    #[arg(long, env = "JCA_WORKER_GEMINI_MODEL")]
    pub gemini_model: Option<String>,
    /// Step timeout (default: --provider-timeout-seconds).
    #[arg(long, env = "JCA_WORKER_GEMINI_TIMEOUT_SECONDS")]
    pub gemini_timeout_seconds: Option<u64>,
    /// Extra arguments for `gemini` (split shell-style).
    #[arg(long, env = "JCA_WORKER_GEMINI_EXTRA_ARGS")]
    pub gemini_extra_args: Option<String>,
    /// `GOOGLE_GEMINI_BASE_URL` for the CLI (HTTPS, or a loopback address).
    #[arg(long, env = "JCA_WORKER_GEMINI_BASE_URL")]
    pub gemini_base_url: Option<String>,
    /// `HOME` for the CLI (its config and login live there).
    #[arg(long, env = "JCA_WORKER_GEMINI_HOME")]
    pub gemini_home: Option<PathBuf>,
    /// `--approval-mode`: `default`, `auto_edit` or `yolo`.
    #[arg(
        long,
        env = "JCA_WORKER_GEMINI_APPROVAL_MODE",
        default_value = "auto_edit"
    )]
    pub gemini_approval_mode: String,
}

/// Health checks: how often they run, the disk thresholds, and the controller to reach.
#[derive(Debug, Clone, Args)]
pub struct HealthArgs {
    /// Seconds between background health check runs.
    #[arg(long, env = "JCA_WORKER_HEALTH_INTERVAL_SECONDS", default_value_t = 10)]
    pub health_interval_seconds: u64,
    /// Free disk under the data directory below which storage is degraded.
    #[arg(long, env = "JCA_WORKER_DISK_DEGRADED_BYTES", default_value_t = DEFAULT_DISK_DEGRADED_BYTES)]
    pub disk_degraded_bytes: u64,
    /// Free disk under the data directory below which storage is down.
    #[arg(long, env = "JCA_WORKER_DISK_DOWN_BYTES", default_value_t = DEFAULT_DISK_DOWN_BYTES)]
    pub disk_down_bytes: u64,
    /// The controller (control plane) this worker reports to; its reachability is checked.
    #[arg(long, env = "JCA_WORKER_CONTROL_PLANE_URL")]
    pub control_plane_url: Option<String>,
    /// Timeout of each request to the controller.
    #[arg(
        long,
        env = "JCA_WORKER_CONTROL_PLANE_REQUEST_TIMEOUT_SECONDS",
        default_value_t = 60
    )]
    pub control_plane_request_timeout_seconds: u64,
}

impl Default for HealthArgs {
    fn default() -> Self {
        Self {
            health_interval_seconds: 10,
            disk_degraded_bytes: DEFAULT_DISK_DEGRADED_BYTES,
            disk_down_bytes: DEFAULT_DISK_DOWN_BYTES,
            control_plane_url: None,
            control_plane_request_timeout_seconds: 60,
        }
    }
}

/// Storage is degraded under 1 GiB free.
pub const DEFAULT_DISK_DEGRADED_BYTES: u64 = 1024 * 1024 * 1024;
/// Storage is down under 100 MiB free.
pub const DEFAULT_DISK_DOWN_BYTES: u64 = 100 * 1024 * 1024;

/// The resolved health-check settings.
#[derive(Debug, Clone)]
pub struct HealthConfig {
    /// Time between background runs of the checks.
    pub interval: std::time::Duration,
    /// Time each check may take before it counts as down.
    pub check_timeout: std::time::Duration,
    pub disk_degraded_bytes: u64,
    pub disk_down_bytes: u64,
    /// `JCA_WORKER_CONTROL_PLANE_URL`, validated as an http(s) URL.
    pub control_plane_url: Option<String>,
    pub control_plane_timeout: std::time::Duration,
}

impl HealthConfig {
    /// Validates the health flags.
    pub fn from_args(a: &HealthArgs) -> Result<Self, ConfigError> {
        if a.health_interval_seconds == 0 {
            return Err(ConfigError::ZeroSetting("--health-interval-seconds"));
        }
        if a.control_plane_request_timeout_seconds == 0 {
            return Err(ConfigError::ZeroSetting(
                "--control-plane-request-timeout-seconds",
            ));
        }
        if a.disk_down_bytes > a.disk_degraded_bytes {
            return Err(ConfigError::DiskThresholds);
        }
        let control_plane_url = match a.control_plane_url.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(url) => {
                crate::health::controller::Target::parse(url)
                    .map_err(|e| ConfigError::BadControlPlaneUrl(e.to_string()))?;
                Some(url.to_owned())
            }
        };
        Ok(Self {
            interval: std::time::Duration::from_secs(a.health_interval_seconds),
            check_timeout: std::time::Duration::from_secs(2),
            disk_degraded_bytes: a.disk_degraded_bytes,
            disk_down_bytes: a.disk_down_bytes,
            control_plane_url,
            control_plane_timeout: std::time::Duration::from_secs(
                a.control_plane_request_timeout_seconds,
            ),
        })
    }
}

impl Default for HealthConfig {
    fn default() -> Self {
        Self::from_args(&HealthArgs::default()).unwrap_or(Self {
            interval: std::time::Duration::from_secs(10),
            check_timeout: std::time::Duration::from_secs(2),
            disk_degraded_bytes: DEFAULT_DISK_DEGRADED_BYTES,
            disk_down_bytes: DEFAULT_DISK_DOWN_BYTES,
            control_plane_url: None,
            control_plane_timeout: std::time::Duration::from_secs(60),
        })
    }
}

/// Arguments of `seed-run`.
#[derive(Debug, Clone, Args)]
pub struct SeedArgs {
    #[arg(long, default_value = "./data")]
    pub data_dir: PathBuf,
    /// Log events to store.
    #[arg(long, default_value_t = 1_000_000)]
    pub events: u64,
}

/// Errors that stop the worker from starting.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "refusing to bind {0}: a non-loopback address requires an access token (--auth-token or JCA_WORKER_AUTH_TOKEN)"
    )]
    TokenRequired(IpAddr),
    #[error("--auth-token must not be empty")]
    EmptyToken,
    #[error("--allowed-commands: {0:?} is not a program basename")]
    BadAllowedCommand(String),
    #[error("--command-provider: {0}")]
    BadCommandProvider(String),
    #[error("{0} must be at least 1")]
    ZeroSetting(&'static str),
    #[error("--disk-down-bytes must not be above --disk-degraded-bytes")]
    DiskThresholds,
    #[error("--control-plane-url: {0}")]
    BadControlPlaneUrl(String),
    #[error("--default-validation-mode: {0:?} is not off, advisory or required")]
    BadValidationMode(String),
    #[error("{0}: {1}")]
    BadProviderSetting(&'static str, String),
}

/// The resolved configuration of a `serve` process.
#[derive(Debug, Clone)]
pub struct Config {
    pub host: IpAddr,
    pub port: u16,
    pub data_dir: PathBuf,
    pub name: String,
    pub executors: u16,
    pub allowed_commands: Vec<String>,
    /// The runtime settings given by flag or environment (then they are locked), by name.
    pub setting_sources: BTreeMap<String, Provisioned>,
    pub auth_token: Option<String>,
    pub public_hosts: Vec<String>,
    pub workspace_root: PathBuf,
    pub max_body_bytes: usize,
    pub command_provider: Option<Vec<String>>,
    pub default_provider: Option<String>,
    pub redact_env: Vec<String>,
    pub command_timeout_seconds: u64,
    pub provider_timeout_seconds: u64,
    pub max_repair_attempts: u32,
    pub heartbeat_interval_seconds: u64,
    pub code_audit_interval_seconds: u64,
    /// Seconds between scheduled prunes (0 = only on demand).
    pub retention_interval_seconds: u64,
    pub keep_workspaces: bool,
    pub output_limit_bytes_per_run: u64,
    pub default_validation_mode: String,
    pub diff_guard_max_files: u32,
    pub diff_guard_max_lines: u32,
    pub diff_guard_protected_paths: Vec<String>,
    pub retention_events_days: u32,
    pub retention_audit_days: u32,
    pub retention_code_audit_days: u32,
    pub retention_events_max_bytes: u64,
    pub compliance_mode: bool,
    /// `JCA_WORKER_GIT_TOKEN`: https credentials for git (never stored or printed).
    pub git_token: Option<String>,
    pub health: HealthConfig,
    pub claude_code: CliSettings,
    pub codex: CliSettings,
    pub gemini: CliSettings,
    pub openai: ApiSettings,
    pub anthropic: ApiSettings,
    pub provider_config_mode: ProviderConfigMode,
    /// The provider secret key file (`JCA_PROVIDER_SECRET_KEY_PATH`).
    pub provider_secret_key_path: PathBuf,
}

impl Config {
    /// Validates flags and fills in defaults.
    pub fn from_args(args: ServeArgs) -> Result<Self, ConfigError> {
        let auth_token = match args.auth_token {
            Some(t) if t.is_empty() => return Err(ConfigError::EmptyToken),
            other => other,
        };
        if !args.host.is_loopback() && auth_token.is_none() {
            return Err(ConfigError::TokenRequired(args.host));
        }
        let allowed_commands = parse_allowed_commands(
            args.allowed_commands
                .as_deref()
                .unwrap_or(DEFAULT_ALLOWED_COMMANDS),
        )?;
        let name = args
            .name
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| gethostname::gethostname().to_string_lossy().into_owned());
        let workspace_root = args
            .workspace_root
            .unwrap_or_else(|| args.data_dir.join("workspaces"));
        let command_provider = match args.command_provider.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(line) => Some(
                crate::jobspec::split_command_line(line)
                    .map_err(ConfigError::BadCommandProvider)?,
            ),
        };
        for (name, v) in [
            ("--command-timeout-seconds", args.command_timeout_seconds),
            ("--provider-timeout-seconds", args.provider_timeout_seconds),
            (
                "--heartbeat-interval-seconds",
                args.heartbeat_interval_seconds,
            ),
        ] {
            if v == 0 {
                return Err(ConfigError::ZeroSetting(name));
            }
        }
        if !["off", "advisory", "required"].contains(&args.default_validation_mode.as_str()) {
            return Err(ConfigError::BadValidationMode(args.default_validation_mode));
        }
        for (name, v) in [
            ("--diff-guard-max-files", args.diff_guard_max_files),
            ("--diff-guard-max-lines", args.diff_guard_max_lines),
        ] {
            if v == 0 {
                return Err(ConfigError::ZeroSetting(name));
            }
        }
        let health = HealthConfig::from_args(&args.health)?;
        let claude_code = claude_code_settings(args.claude_code)?;
        let codex = codex_settings(args.codex)?;
        let gemini = gemini_settings(args.gemini)?;
        let p = args.provider_config;
        let openai = api_settings(
            "--openai-base-url",
            p.openai_model,
            p.openai_base_url,
            "JCA_OPENAI_API_KEY",
        )?;
        let anthropic = api_settings(
            "--anthropic-base-url",
            p.anthropic_model,
            p.anthropic_base_url,
            "JCA_ANTHROPIC_API_KEY",
        )?;
        let provider_secret_key_path = p
            .provider_secret_key_path
            .unwrap_or_else(|| args.data_dir.join("provider_secret.key"));
        Ok(Self {
            openai,
            anthropic,
            provider_config_mode: p.provider_config_mode,
            provider_secret_key_path,
            claude_code,
            codex,
            gemini,
            health,
            command_provider,
            default_provider: args.default_provider.filter(|p| !p.trim().is_empty()),
            redact_env: args
                .redact_env
                .into_iter()
                .filter(|n| !n.trim().is_empty())
                .collect(),
            command_timeout_seconds: args.command_timeout_seconds,
            provider_timeout_seconds: args.provider_timeout_seconds,
            max_repair_attempts: args.max_repair_attempts,
            heartbeat_interval_seconds: args.heartbeat_interval_seconds,
            code_audit_interval_seconds: args.code_audit_interval_seconds,
            retention_interval_seconds: args.retention_interval_seconds,
            keep_workspaces: args.keep_workspaces,
            output_limit_bytes_per_run: args.output_limit_bytes_per_run,
            default_validation_mode: args.default_validation_mode,
            diff_guard_max_files: args.diff_guard_max_files,
            diff_guard_max_lines: args.diff_guard_max_lines,
            diff_guard_protected_paths: args
                .diff_guard_protected_paths
                .into_iter()
                .map(|p| p.trim().to_owned())
                .filter(|p| !p.is_empty())
                .collect(),
            retention_events_days: args.retention_events_days,
            retention_audit_days: args.retention_audit_days,
            retention_code_audit_days: args.retention_code_audit_days,
            retention_events_max_bytes: args.retention_events_max_bytes,
            compliance_mode: args.compliance_mode,
            setting_sources: BTreeMap::new(),
            git_token: std::env::var("JCA_WORKER_GIT_TOKEN")
                .ok()
                .filter(|t| !t.is_empty()),
            host: args.host,
            port: args.port,
            data_dir: args.data_dir,
            name,
            executors: args.executors,
            allowed_commands,
            auth_token,
            public_hosts: args
                .public_hosts
                .into_iter()
                .map(|h| h.to_ascii_lowercase())
                .collect(),
            workspace_root,
            max_body_bytes: args.max_body_bytes,
        })
    }

    /// A configuration for tests and benchmarks: loopback, port 0, the given data directory.
    #[must_use]
    pub fn for_data_dir(data_dir: PathBuf) -> Self {
        Self {
            host: IpAddr::from([127, 0, 0, 1]),
            port: 0,
            workspace_root: data_dir.join("workspaces"),
            provider_secret_key_path: data_dir.join("provider_secret.key"),
            data_dir,
            name: "test-worker".into(),
            executors: 0,
            allowed_commands: DEFAULT_ALLOWED_COMMANDS
                .split(',')
                .map(str::to_owned)
                .collect(),
            setting_sources: BTreeMap::new(),
            auth_token: None,
            public_hosts: Vec::new(),
            max_body_bytes: 1024 * 1024,
            command_provider: None,
            default_provider: None,
            redact_env: Vec::new(),
            command_timeout_seconds: 300,
            provider_timeout_seconds: 3600,
            max_repair_attempts: 2,
            heartbeat_interval_seconds: 15,
            code_audit_interval_seconds: 0,
            retention_interval_seconds: 0,
            keep_workspaces: false,
            output_limit_bytes_per_run: 256 * 1024 * 1024,
            default_validation_mode: "required".into(),
            diff_guard_max_files: 50,
            diff_guard_max_lines: 2000,
            diff_guard_protected_paths: Vec::new(),
            retention_events_days: 30,
            retention_audit_days: 0,
            retention_code_audit_days: 0,
            retention_events_max_bytes: 0,
            compliance_mode: false,
            git_token: None,
            health: HealthConfig::default(),
            claude_code: CliSettings {
                program: "claude".into(),
                ..CliSettings::default()
            },
            codex: CliSettings {
                program: "codex".into(),
                sandbox: "workspace-write".into(),
                ..CliSettings::default()
            },
            gemini: CliSettings {
                program: "gemini".into(),
                approval_mode: "auto_edit".into(),
                ..CliSettings::default()
            },
            openai: ApiSettings::default(),
            anthropic: ApiSettings::default(),
            provider_config_mode: ProviderConfigMode::Ui,
        }
    }
}

/// The first of these environment variables that is set and not empty: `(name, value)`.
fn key_from_env(names: &[&str]) -> Option<(String, String)> {
    names.iter().find_map(|n| {
        std::env::var(n)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .map(|v| ((*n).to_owned(), v))
    })
}

fn extra_args(flag: &'static str, line: Option<&str>) -> Result<Vec<String>, ConfigError> {
    match line.map(str::trim) {
        None | Some("") => Ok(Vec::new()),
        Some(l) => shlex::split(l)
            .ok_or_else(|| ConfigError::BadProviderSetting(flag, "unbalanced quotes".into())),
    }
}

fn nonempty(s: Option<String>) -> Option<String> {
    s.filter(|v| !v.trim().is_empty())
}

fn with_key(mut s: CliSettings, names: &[&str]) -> CliSettings {
    if let Some((name, key)) = key_from_env(names) {
        s.api_key = Some(Secret(key));
        s.api_key_source = Some(name);
    }
    s
}

fn claude_code_settings(a: ClaudeCodeArgs) -> Result<CliSettings, ConfigError> {
    Ok(with_key(
        CliSettings {
            program: a.claude_code_program,
            model: nonempty(a.claude_code_model),
            max_turns: a.claude_code_max_turns,
            max_retries: a.claude_code_max_retries,
            timeout_seconds: a.claude_code_timeout_seconds,
            extra_args: extra_args(
                "--claude-code-extra-args",
                a.claude_code_extra_args.as_deref(),
            )?,
            base_url: nonempty(a.claude_code_base_url),
            home: a.claude_code_home,
            ..CliSettings::default()
        },
        &["JCA_WORKER_CLAUDE_CODE_API_KEY", "ANTHROPIC_API_KEY"],
    ))
}

fn codex_settings(a: CodexArgs) -> Result<CliSettings, ConfigError> {
    if !["read-only", "workspace-write", "danger-full-access"].contains(&a.codex_sandbox.as_str()) {
        return Err(ConfigError::BadProviderSetting(
            "--codex-sandbox",
            format!(
                "{:?} is not read-only, workspace-write or danger-full-access",
                a.codex_sandbox
            ),
        ));
    }
    Ok(with_key(
        CliSettings {
            program: a.codex_program,
            model: nonempty(a.codex_model),
            max_retries: a.codex_max_retries,
            timeout_seconds: a.codex_timeout_seconds,
            extra_args: extra_args("--codex-extra-args", a.codex_extra_args.as_deref())?,
            base_url: nonempty(a.codex_base_url),
            home: a.codex_home,
            sandbox: a.codex_sandbox,
            ..CliSettings::default()
        },
        &[
            "JCA_WORKER_CODEX_API_KEY",
            "CODEX_API_KEY",
            "OPENAI_API_KEY",
        ],
    ))
}

fn gemini_settings(a: GeminiArgs) -> Result<CliSettings, ConfigError> {
    if !["default", "auto_edit", "yolo"].contains(&a.gemini_approval_mode.as_str()) {
        return Err(ConfigError::BadProviderSetting(
            "--gemini-approval-mode",
            format!(
                "{:?} is not default, auto_edit or yolo",
                a.gemini_approval_mode
            ),
        ));
    }
    Ok(with_key(
        CliSettings {
            program: a.gemini_program,
            model: nonempty(a.gemini_model),
            timeout_seconds: a.gemini_timeout_seconds,
            extra_args: extra_args("--gemini-extra-args", a.gemini_extra_args.as_deref())?,
            base_url: nonempty(a.gemini_base_url),
            home: a.gemini_home,
            approval_mode: a.gemini_approval_mode,
            ..CliSettings::default()
        },
        &[
            "JCA_WORKER_GEMINI_API_KEY",
            "GEMINI_API_KEY",
            "GOOGLE_API_KEY",
        ],
    ))
}

/// An API provider's provisioned settings; the key comes from `key_env` only (never a flag, so
/// it does not show in the process list).
fn api_settings(
    url_flag: &'static str,
    model: Option<String>,
    base_url: Option<String>,
    key_env: &str,
) -> Result<ApiSettings, ConfigError> {
    let base_url = nonempty(base_url);
    if let Some(url) = &base_url {
        crate::health::controller::Target::parse(url)
            .map_err(|e| ConfigError::BadProviderSetting(url_flag, e.to_string()))?;
    }
    Ok(ApiSettings {
        base_url,
        model: nonempty(model),
        api_key: key_from_env(&[key_env]).map(|(_, k)| Secret(k)),
        max_turns: None,
    })
}

/// Where a provisioned runtime setting came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provisioned {
    Flag,
    Env,
}

impl Provisioned {
    /// The API's name for the source.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Flag => "flag",
            Self::Env => "env",
        }
    }
}

/// The runtime settings among `serve`'s matches that were given by flag or environment (clap's
/// argument ids are the settings' names).
#[must_use]
pub fn provisioned_settings(serve: &ArgMatches, names: &[&str]) -> BTreeMap<String, Provisioned> {
    names
        .iter()
        .filter_map(|name| {
            let source = match serve.value_source(name) {
                Some(ValueSource::CommandLine) => Provisioned::Flag,
                Some(ValueSource::EnvVariable) => Provisioned::Env,
                _ => return None,
            };
            Some(((*name).to_owned(), source))
        })
        .collect()
}

/// Splits a comma-separated allowed-commands list; entries must be bare program names.
pub fn parse_allowed_commands(list: &str) -> Result<Vec<String>, ConfigError> {
    let mut out = Vec::new();
    for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        if entry.contains('/') || entry.contains(char::is_whitespace) {
            return Err(ConfigError::BadAllowedCommand(entry.to_owned()));
        }
        if !out.iter().any(|e: &String| e == entry) {
            out.push(entry.to_owned());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(host: &str, token: Option<&str>) -> ServeArgs {
        ServeArgs {
            host: host.parse().expect("ip"),
            port: 0,
            data_dir: "d".into(),
            name: Some("w".into()),
            executors: 1,
            allowed_commands: None,
            auth_token: token.map(str::to_owned),
            public_hosts: vec!["Worker.Example".into()],
            workspace_root: None,
            max_body_bytes: 10,
            command_provider: None,
            default_provider: None,
            redact_env: Vec::new(),
            command_timeout_seconds: 300,
            provider_timeout_seconds: 3600,
            max_repair_attempts: 2,
            heartbeat_interval_seconds: 15,
            code_audit_interval_seconds: 300,
            retention_interval_seconds: 3600,
            keep_workspaces: false,
            output_limit_bytes_per_run: 1,
            default_validation_mode: "required".into(),
            diff_guard_max_files: 50,
            diff_guard_max_lines: 2000,
            diff_guard_protected_paths: Vec::new(),
            retention_events_days: 30,
            retention_audit_days: 0,
            retention_code_audit_days: 0,
            retention_events_max_bytes: 0,
            compliance_mode: false,
            health: HealthArgs::default(),
            claude_code: ClaudeCodeArgs::default(),
            codex: CodexArgs {
                codex_sandbox: "workspace-write".into(),
                ..CodexArgs::default()
            },
            gemini: GeminiArgs {
                gemini_approval_mode: "auto_edit".into(),
                ..GeminiArgs::default()
            },
            provider_config: ProviderConfigArgs::default(),
        }
    }

    #[test]
    fn non_loopback_needs_a_token() {
        assert!(matches!(
            Config::from_args(args("0.0.0.0", None)),
            Err(ConfigError::TokenRequired(_))
        ));
        let c = Config::from_args(args("0.0.0.0", Some("t"))).expect("config");
        assert_eq!(c.public_hosts, vec!["worker.example"]);
        assert_eq!(c.workspace_root, PathBuf::from("d/workspaces"));
        assert!(Config::from_args(args("127.0.0.1", None)).is_ok());
    }

    #[test]
    fn health_flags_are_validated() {
        let mut a = args("127.0.0.1", None);
        a.health.control_plane_url = Some("http://ctl.example:8080/healthz".into());
        a.health.health_interval_seconds = 3;
        let c = Config::from_args(a.clone()).expect("config");
        assert_eq!(
            c.health.control_plane_url.as_deref(),
            Some("http://ctl.example:8080/healthz")
        );
        assert_eq!(c.health.interval, std::time::Duration::from_secs(3));
        assert_eq!(c.health.disk_degraded_bytes, DEFAULT_DISK_DEGRADED_BYTES);

        let mut bad = a.clone();
        bad.health.control_plane_url = Some("ctl.example".into());
        assert!(matches!(
            Config::from_args(bad),
            Err(ConfigError::BadControlPlaneUrl(_))
        ));
        let mut bad = a.clone();
        bad.health.disk_down_bytes = bad.health.disk_degraded_bytes + 1;
        assert!(matches!(
            Config::from_args(bad),
            Err(ConfigError::DiskThresholds)
        ));
        let mut bad = a;
        bad.health.health_interval_seconds = 0;
        assert!(matches!(
            Config::from_args(bad),
            Err(ConfigError::ZeroSetting(_))
        ));
    }

    #[test]
    fn settings_given_by_flag_are_provisioned() {
        use clap::CommandFactory;
        let m = Cli::command()
            .try_get_matches_from([
                "mergeloom-worker",
                "serve",
                "--max-repair-attempts",
                "1",
                "--keep-workspaces",
            ])
            .expect("matches");
        let (_, serve) = m.subcommand().expect("serve");
        let got = provisioned_settings(
            serve,
            &[
                "max_repair_attempts",
                "keep_workspaces",
                "command_timeout_seconds",
                "default_provider",
            ],
        );
        assert_eq!(got.get("max_repair_attempts"), Some(&Provisioned::Flag));
        assert_eq!(got.get("keep_workspaces"), Some(&Provisioned::Flag));
        assert_eq!(got.len(), 2, "defaults are not provisioned: {got:?}");
    }

    #[test]
    fn allowed_commands_are_basenames() {
        assert_eq!(
            parse_allowed_commands(" git, npm ,git").expect("list"),
            vec!["git", "npm"]
        );
        assert!(parse_allowed_commands("/bin/sh").is_err());
    }
}
