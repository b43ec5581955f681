//! Job submissions: the request body of `POST /jobs`, the "one rule" checks that can be made at
//! submission (unknown or unconfigured provider, programs not on the allowed-commands list, shell
//! syntax, bad URLs and refs), and the normalised [`JobSpec`] stored with the job and read by the
//! executor, which runs the same checks again at run start.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Provider kinds this worker knows.
pub const PROVIDER_KINDS: [&str; 6] = [
    "command",
    "claude-code-cli",
    "codex-cli",
    "gemini-cli",
    "openai-compatible",
    "anthropic",
];

/// A command: an argv array, or one string split shell-style (never run through a shell).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum CommandInput {
    Argv(Vec<String>),
    Line(String),
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketInput {
    pub key: Option<String>,
    pub title: Option<String>,
    pub body: Option<String>,
    pub url: Option<String>,
    pub source: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RepositoryInput {
    /// Local path, `file://`, `https://` or ssh URL. Credentials are stripped, never stored.
    pub url: Option<String>,
    pub name: Option<String>,
    pub base_ref: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProviderInput {
    pub id: Option<String>,
    pub model: Option<String>,
    pub command: Option<CommandInput>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidationInput {
    /// `off`, `advisory` or `required`.
    pub mode: Option<String>,
    pub setup_commands: Option<Vec<CommandInput>>,
    pub commands: Option<Vec<CommandInput>>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewInput {
    pub enabled: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiffGuardInput {
    pub max_files: Option<i64>,
    pub max_lines: Option<i64>,
    pub protected_paths: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishInput {
    pub push: Option<bool>,
}

/// The body of `POST /api/v1/jobs`. Only `ticket.key`, `ticket.title` and `repository.url` are
/// required.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JobRequest {
    pub ticket: Option<TicketInput>,
    pub repository: Option<RepositoryInput>,
    pub provider: Option<ProviderInput>,
    pub validation: Option<ValidationInput>,
    pub max_repair_attempts: Option<i64>,
    pub review: Option<ReviewInput>,
    pub diff_guard: Option<DiffGuardInput>,
    pub publish: Option<PublishInput>,
}

/// The normalised job, stored as JSON with the job and read by the executor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobSpec {
    pub ticket: SpecTicket,
    pub repository: SpecRepository,
    pub provider: SpecProvider,
    pub validation: SpecValidation,
    /// `None`: use the runtime setting at run start.
    pub max_repair_attempts: Option<u32>,
    pub review_enabled: bool,
    pub diff_guard: SpecDiffGuard,
    pub push: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpecTicket {
    pub key: String,
    pub title: String,
    pub body: Option<String>,
    pub url: Option<String>,
    pub source: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpecRepository {
    /// The URL to clone (credentials stripped).
    pub clone_url: String,
    /// The canonical identity of the repository (see `canonical_url`).
    pub canonical_url: String,
    pub name: String,
    pub base_ref: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpecProvider {
    /// `None`: `default_provider` at run start.
    pub id: Option<String>,
    pub model: Option<String>,
    pub command: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpecValidation {
    /// `None`: `default_validation_mode` at run start.
    pub mode: Option<String>,
    pub setup_commands: Vec<Vec<String>>,
    pub commands: Vec<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpecDiffGuard {
    pub max_files: Option<u32>,
    pub max_lines: Option<u32>,
    pub protected_paths: Vec<String>,
}

/// One field that failed validation (`details.fields` of a 422).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    pub path: String,
    pub code: String,
    pub message: String,
}

impl FieldError {
    pub fn new(path: &str, code: &str, message: impl Into<String>) -> Self {
        Self {
            path: path.to_owned(),
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

/// What the submission checks need to know about the worker right now.
#[derive(Debug, Clone)]
pub struct SubmitContext<'a> {
    pub allowed_commands: &'a [String],
    /// The command provider's configured command (`JCA_WORKER_COMMAND_PROVIDER`), if any.
    pub command_provider: Option<&'a [String]>,
    /// The other provider kinds configured on this worker (e.g. a CLI whose program is found).
    pub configured_providers: &'a [&'static str],
}

/// Checks a submission and normalises it. Every failing field is reported, not just the first.
pub fn validate(req: JobRequest, ctx: &SubmitContext<'_>) -> Result<JobSpec, Vec<FieldError>> {
    let mut errs = Vec::new();
    let ticket = req.ticket.unwrap_or_default();
    let key = required_text(ticket.key, "ticket.key", 200, &mut errs);
    let title = required_text(ticket.title, "ticket.title", 1000, &mut errs);
    let repo = req.repository.unwrap_or_default();
    let repository = match repo.url.as_deref().map(str::trim) {
        None | Some("") => {
            errs.push(FieldError::new(
                "repository.url",
                "required",
                "repository.url is required",
            ));
            None
        }
        Some(url) => match clean_repository_url(url) {
            Ok(clone_url) => {
                let canonical = canonical_url(&clone_url);
                let name = repo
                    .name
                    .clone()
                    .filter(|n| !n.trim().is_empty())
                    .unwrap_or_else(|| default_name(&canonical));
                Some((clone_url, canonical, name))
            }
            Err(msg) => {
                errs.push(FieldError::new("repository.url", "invalid", msg));
                None
            }
        },
    };
    if let Some(r) = &repo.base_ref
        && let Err(msg) = check_ref(r)
    {
        errs.push(FieldError::new("repository.base_ref", "invalid", msg));
    }
    let provider = check_provider(req.provider.unwrap_or_default(), ctx, &mut errs);
    let validation = req.validation.unwrap_or_default();
    let mode = validation.mode.clone();
    if let Some(m) = &mode
        && !matches!(m.as_str(), "off" | "advisory" | "required")
    {
        errs.push(FieldError::new(
            "validation.mode",
            "invalid",
            "validation.mode must be off, advisory or required",
        ));
    }
    let setup_commands = commands(
        validation.setup_commands,
        "validation.setup_commands",
        ctx,
        &mut errs,
    );
    let commands = commands(validation.commands, "validation.commands", ctx, &mut errs);
    let max_repair_attempts = match req.max_repair_attempts {
        None => None,
        Some(n) if (0..=10).contains(&n) => Some(n as u32),
        Some(_) => {
            errs.push(FieldError::new(
                "max_repair_attempts",
                "out_of_range",
                "max_repair_attempts must be between 0 and 10",
            ));
            None
        }
    };
    let dg = req.diff_guard.unwrap_or_default();
    let max_files = positive(dg.max_files, "diff_guard.max_files", &mut errs);
    let max_lines = positive(dg.max_lines, "diff_guard.max_lines", &mut errs);
    let protected_paths = dg.protected_paths.unwrap_or_default();
    for (i, p) in protected_paths.iter().enumerate() {
        if p.trim().is_empty() {
            errs.push(FieldError::new(
                &format!("diff_guard.protected_paths[{i}]"),
                "invalid",
                "a protected path must not be empty",
            ));
        }
    }
    match (key, title, repository) {
        (Some(key), Some(title), Some((clone_url, canonical_url, name))) if errs.is_empty() => {
            Ok(JobSpec {
                ticket: SpecTicket {
                    key,
                    title,
                    body: ticket.body,
                    url: ticket.url,
                    source: ticket.source,
                },
                repository: SpecRepository {
                    clone_url,
                    canonical_url,
                    name,
                    base_ref: repo.base_ref,
                },
                provider,
                validation: SpecValidation {
                    mode,
                    setup_commands,
                    commands,
                },
                max_repair_attempts,
                review_enabled: req.review.and_then(|r| r.enabled).unwrap_or(false),
                diff_guard: SpecDiffGuard {
                    max_files,
                    max_lines,
                    protected_paths,
                },
                push: req.publish.and_then(|p| p.push).unwrap_or(false),
            })
        }
        _ => Err(errs),
    }
}

fn required_text(
    v: Option<String>,
    path: &str,
    max: usize,
    errs: &mut Vec<FieldError>,
) -> Option<String> {
    match v.map(|s| s.trim().to_owned()) {
        None => {
            errs.push(FieldError::new(
                path,
                "required",
                format!("{path} is required"),
            ));
            None
        }
        Some(s) if s.is_empty() => {
            errs.push(FieldError::new(
                path,
                "required",
                format!("{path} must not be empty"),
            ));
            None
        }
        Some(s) if s.chars().count() > max => {
            errs.push(FieldError::new(
                path,
                "too_long",
                format!("{path} is longer than {max} characters"),
            ));
            None
        }
        Some(s) => Some(s),
    }
}

fn positive(v: Option<i64>, path: &str, errs: &mut Vec<FieldError>) -> Option<u32> {
    match v {
        None => None,
        Some(n) if n >= 1 && n <= i64::from(u32::MAX) => Some(n as u32),
        Some(_) => {
            errs.push(FieldError::new(
                path,
                "out_of_range",
                format!("{path} must be a positive integer"),
            ));
            None
        }
    }
}

fn check_provider(
    p: ProviderInput,
    ctx: &SubmitContext<'_>,
    errs: &mut Vec<FieldError>,
) -> SpecProvider {
    let command = p
        .command
        .map(|c| parse_command(c, "provider.command", ctx, errs))
        .and_then(|c| c);
    let id =
        p.id.clone()
            .or_else(|| command.as_ref().map(|_| "command".to_owned()));
    if let Some(id) = &id {
        if !PROVIDER_KINDS.contains(&id.as_str()) {
            errs.push(FieldError::new(
                "provider.id",
                "unknown",
                format!(
                    "unknown provider {id:?}; known: {}",
                    PROVIDER_KINDS.join(", ")
                ),
            ));
        } else if id == "command" {
            if command.is_none() && ctx.command_provider.is_none() {
                errs.push(FieldError::new(
                    "provider.command",
                    "not_configured",
                    "the command provider is not configured: give provider.command or set JCA_WORKER_COMMAND_PROVIDER",
                ));
            }
        } else if !ctx.configured_providers.contains(&id.as_str()) {
            errs.push(FieldError::new(
                "provider.id",
                "not_configured",
                format!("provider {id:?} is not configured on this worker"),
            ));
        }
    }
    SpecProvider {
        id,
        model: p.model,
        command,
    }
}

fn commands(
    list: Option<Vec<CommandInput>>,
    path: &str,
    ctx: &SubmitContext<'_>,
    errs: &mut Vec<FieldError>,
) -> Vec<Vec<String>> {
    list.unwrap_or_default()
        .into_iter()
        .enumerate()
        .filter_map(|(i, c)| parse_command(c, &format!("{path}[{i}]"), ctx, errs))
        .collect()
}

/// Splits and checks one command against the allowed-commands list.
pub fn parse_command(
    c: CommandInput,
    path: &str,
    ctx: &SubmitContext<'_>,
    errs: &mut Vec<FieldError>,
) -> Option<Vec<String>> {
    let argv = match c {
        CommandInput::Argv(v) => v,
        CommandInput::Line(s) => match split_command_line(&s) {
            Ok(v) => v,
            Err(msg) => {
                errs.push(FieldError::new(path, "shell_syntax", msg));
                return None;
            }
        },
    };
    let Some(program) = argv.first() else {
        errs.push(FieldError::new(
            path,
            "required",
            "a command needs a program",
        ));
        return None;
    };
    if !is_allowed(program, ctx.allowed_commands) {
        errs.push(FieldError::new(
            path,
            "not_allowed",
            format!(
                "{:?} is not on the allowed-commands list ({})",
                program_basename(program),
                ctx.allowed_commands.join(", ")
            ),
        ));
        return None;
    }
    Some(argv)
}

/// Splits a command string shell-style, refusing shell syntax (it never runs through a shell).
pub fn split_command_line(s: &str) -> Result<Vec<String>, String> {
    for token in ["&&", "||", ";", "|", ">", "<", "$(", "`"] {
        if s.contains(token) {
            return Err(format!(
                "shell syntax {token:?} is not supported: commands run without a shell; give an argv array or one program"
            ));
        }
    }
    let argv = shlex::split(s).ok_or_else(|| "unbalanced quotes in command".to_owned())?;
    if let Some(first) = argv.first()
        && let Some((name, _)) = first.split_once('=')
        && !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err("a leading NAME=value environment assignment is shell syntax".into());
    }
    if argv.is_empty() {
        return Err("empty command".into());
    }
    Ok(argv)
}

/// The basename of a program path.
#[must_use]
pub fn program_basename(program: &str) -> &str {
    program.rsplit('/').next().unwrap_or(program)
}

/// Whether a program's basename is on the list.
#[must_use]
pub fn is_allowed(program: &str, allowed: &[String]) -> bool {
    let base = program_basename(program);
    !base.is_empty() && allowed.iter().any(|a| a == base)
}

/// Validates a git ref name given by a user.
pub fn check_ref(r: &str) -> Result<(), String> {
    if r.starts_with('-') {
        return Err("a ref must not start with '-'".into());
    }
    if r.is_empty()
        || r.len() > 255
        || r.contains("..")
        || r.contains("@{")
        || r.ends_with('/')
        || r.ends_with(".lock")
        || r.chars()
            .any(|c| c.is_control() || c.is_whitespace() || "~^:?*[\\".contains(c))
    {
        return Err(format!("{r:?} is not a valid git ref"));
    }
    Ok(())
}

/// Checks a repository URL and strips credentials. Local paths become absolute.
pub fn clean_repository_url(url: &str) -> Result<String, String> {
    if url.starts_with('-') {
        return Err("a repository URL must not start with '-'".into());
    }
    if url.chars().any(char::is_control) {
        return Err("a repository URL must not contain control characters".into());
    }
    if let Some((scheme, rest)) = url.split_once("://") {
        let scheme = scheme.to_ascii_lowercase();
        if !matches!(scheme.as_str(), "https" | "http" | "ssh" | "git" | "file") {
            return Err(format!("unsupported URL scheme {scheme:?}"));
        }
        if scheme == "file" {
            return Ok(format!("file://{rest}"));
        }
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let host = match authority.rsplit_once('@') {
            // Keep an ssh user name (not a secret); drop any password or token.
            Some((user, host)) if scheme == "ssh" && !user.contains(':') => {
                format!("{user}@{host}")
            }
            Some((_, host)) => host.to_owned(),
            None => authority.to_owned(),
        };
        if host.is_empty() || host.starts_with('-') {
            return Err("the repository URL has no host".into());
        }
        return Ok(format!("{scheme}://{host}/{path}"));
    }
    if let Some((userhost, path)) = scp_like(url) {
        return Ok(format!("{userhost}:{path}"));
    }
    let p = std::path::Path::new(url);
    let abs = std::path::absolute(p).map_err(|e| format!("invalid local path: {e}"))?;
    Ok(abs.to_string_lossy().into_owned())
}

/// `user@host:path` (scp-like ssh), when `url` is one.
fn scp_like(url: &str) -> Option<(&str, &str)> {
    let (userhost, path) = url.split_once(':')?;
    if userhost.contains('/') || !userhost.contains('@') || path.is_empty() {
        return None;
    }
    Some((userhost, path))
}

/// The canonical identity of a repository URL: credentials stripped, host lower-cased, trailing
/// `/` and `.git` removed, `git@host:path` ≡ `ssh://git@host/path`, local paths absolute.
#[must_use]
pub fn canonical_url(clean: &str) -> String {
    let mut s = if let Some((userhost, path)) = scp_like(clean).filter(|_| !clean.contains("://")) {
        format!("ssh://{userhost}/{}", path.trim_start_matches('/'))
    } else {
        clean.to_owned()
    };
    if let Some((scheme, rest)) = s.clone().split_once("://") {
        if scheme != "file" {
            let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
            let authority = match authority.rsplit_once('@') {
                Some((user, host)) => format!("{user}@{}", host.to_ascii_lowercase()),
                None => authority.to_ascii_lowercase(),
            };
            s = format!("{scheme}://{authority}/{path}");
        } else {
            s = rest.to_owned();
        }
    }
    while s.ends_with('/') && s.len() > 1 {
        s.pop();
    }
    if let Some(stripped) = s.strip_suffix(".git") {
        s = stripped.to_owned();
    }
    while s.ends_with('/') && s.len() > 1 {
        s.pop();
    }
    s
}

/// A display name from a canonical URL: the last two path segments (`acme/api`), or one.
#[must_use]
pub fn default_name(canonical: &str) -> String {
    let path = canonical.split_once("://").map_or(canonical, |(_, r)| r);
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    match parts.as_slice() {
        [] => canonical.to_owned(),
        [one] => (*one).to_owned(),
        [.., a, b] if canonical.contains("://") => format!("{a}/{b}"),
        [.., b] => (*b).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(list: &[String]) -> SubmitContext<'_> {
        SubmitContext {
            allowed_commands: list,
            command_provider: None,
            configured_providers: &[],
        }
    }

    #[test]
    fn shell_syntax_is_refused() {
        for bad in [
            "a && b",
            "a; b",
            "a | b",
            "a > f",
            "echo $(x)",
            "echo `x`",
            "FOO=1 python3 x.py",
        ] {
            assert!(split_command_line(bad).is_err(), "{bad}");
        }
        assert_eq!(
            split_command_line("python3 -m 'unit test'").expect("ok"),
            vec!["python3", "-m", "unit test"]
        );
    }

    #[test]
    fn canonical_urls_agree() {
        assert_eq!(
            canonical_url(
                &clean_repository_url("https://user:tok@GitHub.com/Acme/API.git/").expect("url")
            ),
            "https://github.com/Acme/API"
        );
        assert_eq!(
            canonical_url(&clean_repository_url("git@github.com:acme/api.git").expect("url")),
            canonical_url(&clean_repository_url("ssh://git@github.com/acme/api").expect("url"))
        );
        assert_eq!(canonical_url("/srv/repos/api.git"), "/srv/repos/api");
        assert!(clean_repository_url("-oProxyCommand=x").is_err());
        assert_eq!(default_name("https://github.com/acme/api"), "acme/api");
        assert_eq!(default_name("/srv/repos/api"), "api");
    }

    #[test]
    fn missing_fields_and_disallowed_programs_are_all_reported() {
        let allowed = vec!["python3".to_owned()];
        let req: JobRequest = serde_json::from_value(serde_json::json!({
            "ticket": {"title": "t"},
            "repository": {"url": "/tmp/x", "base_ref": "-x"},
            "provider": {"command": ["bash", "-c", "x"]},
            "validation": {"commands": ["python3 -m unittest", "npm test"]}
        }))
        .expect("parse");
        let errs = validate(req, &ctx(&allowed)).expect_err("invalid");
        let paths: Vec<&str> = errs.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            vec![
                "ticket.key",
                "repository.base_ref",
                "provider.command",
                "validation.commands[1]"
            ]
        );
    }

    #[test]
    fn a_minimal_job_is_accepted() {
        let allowed = vec!["python3".to_owned()];
        let req: JobRequest = serde_json::from_value(serde_json::json!({
            "ticket": {"key": "LIN-1", "title": "t"},
            "repository": {"url": "/tmp/x.git"}
        }))
        .expect("parse");
        let spec = validate(req, &ctx(&allowed)).expect("valid");
        assert_eq!(spec.repository.name, "x");
        assert_eq!(spec.provider.id, None);
    }
}
