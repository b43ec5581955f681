//! CLI readiness without spending tokens: the program is found and runs (`--version`), and it
//! has credentials — a key in its environment ("ready via env"), or the CLI's own login state
//! (`claude auth status`: JSON on stdout, exit 1 when logged out; `codex login status`: a
//! sentence on stderr; Gemini: a cached login in its home).

use std::time::Duration;

use super::CliKind;
use crate::providers::find_program;
use crate::providers::readiness::{Check, Readiness};
use crate::settings::CliSettings;

/// How long one probe may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(15);

/// Output of a probe process.
struct Probe {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `program args` with a scrubbed environment plus `env`; `None` when it cannot run.
async fn probe(program: &str, args: &[&str], env: &[(String, String)]) -> Result<Probe, String> {
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args)
        .env_clear()
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    for name in ["PATH", "HOME", "USER", "LANG", "TMPDIR"] {
        if let Ok(v) = std::env::var(name) {
            cmd.env(name, v);
        }
    }
    cmd.envs(env.iter().cloned());
    let out = tokio::time::timeout(PROBE_TIMEOUT, cmd.output())
        .await
        .map_err(|_| {
            format!(
                "`{} {}` did not answer in {} s",
                program,
                args.join(" "),
                PROBE_TIMEOUT.as_secs()
            )
        })?
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    Ok(Probe {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
    })
}

/// The first line that is not one of Codex's start-up warnings.
fn first_line(text: &str) -> &str {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("WARNING:"))
        .unwrap_or("")
}

/// `claude auth status` → logged in?, and how.
pub fn parse_claude_auth(code: Option<i32>, stdout: &str) -> Result<String, String> {
    let v: serde_json::Value = serde_json::from_str(stdout).map_err(|_| {
        format!(
            "`claude auth status` printed no JSON: {}",
            first_line(stdout)
        )
    })?;
    if code == Some(0) && v["loggedIn"].as_bool() == Some(true) {
        Ok(format!(
            "logged in ({})",
            v["authMethod"].as_str().unwrap_or("unknown method")
        ))
    } else {
        Err("not logged in: run `claude auth login` or give the worker a key".into())
    }
}

/// `codex login status` → logged in?, and how (the sentence is on stderr).
pub fn parse_codex_login(code: Option<i32>, stderr: &str, stdout: &str) -> Result<String, String> {
    let said = [stderr, stdout]
        .iter()
        .map(|t| first_line(t))
        .find(|l| !l.is_empty())
        .unwrap_or("");
    if code == Some(0) && said.starts_with("Logged in") {
        // "Logged in using an API key - sk-…": keep only how, never the key's shape.
        Ok(said.split(" - ").next().unwrap_or(said).to_owned())
    } else {
        Err(format!(
            "not logged in ({}): run `codex login` or give the worker a key",
            if said.is_empty() { "no answer" } else { said }
        ))
    }
}

/// Runs the checks; also returns the version the CLI reported.
pub async fn check(
    kind: CliKind,
    s: &CliSettings,
    env: Vec<(String, String)>,
) -> (Readiness, Option<String>) {
    let mut checks = Vec::new();
    let Some(path) = find_program(&s.program) else {
        checks.push(Check::fail(
            "program",
            format!("{:?} was not found or is not executable", s.program),
        ));
        return (Readiness::from_checks(checks), None);
    };
    let program = path.display().to_string();
    checks.push(Check::pass("program", format!("found at {program}")));
    let version = match probe(&program, &["--version"], &env).await {
        Ok(p) if p.code == Some(0) => {
            let v = first_line(&p.stdout).to_owned();
            checks.push(Check::pass("version", v.clone()));
            Some(v)
        }
        Ok(p) => {
            checks.push(Check::fail(
                "version",
                format!("`--version` exited {:?}: {}", p.code, first_line(&p.stderr)),
            ));
            None
        }
        Err(e) => {
            checks.push(Check::fail("version", e));
            None
        }
    };
    if let (Some(_), Some(source)) = (&s.api_key, &s.api_key_source) {
        checks.push(Check::pass(
            "credentials",
            format!("ready via env ({source})"),
        ));
    } else if s.api_key.is_some() {
        checks.push(Check::pass("credentials", "ready via a configured key"));
    } else {
        checks.push(login_check(kind, &program, s, &env).await);
    }
    (Readiness::from_checks(checks), version)
}

async fn login_check(
    kind: CliKind,
    program: &str,
    s: &CliSettings,
    env: &[(String, String)],
) -> Check {
    match kind {
        CliKind::ClaudeCode => match probe(program, &["auth", "status"], env).await {
            Ok(p) => Check::from_result("credentials", parse_claude_auth(p.code, &p.stdout)),
            Err(e) => Check::unknown("credentials", e),
        },
        CliKind::Codex => match probe(program, &["login", "status"], env).await {
            Ok(p) => Check::from_result(
                "credentials",
                parse_codex_login(p.code, &p.stderr, &p.stdout),
            ),
            Err(e) => Check::unknown("credentials", e),
        },
        CliKind::Gemini => {
            // The Gemini CLI has no status command; a cached Google login lives in its home.
            let home = s
                .home
                .clone()
                .or_else(|| std::env::var_os("HOME").map(Into::into));
            match home.map(|h| h.join(".gemini").join("oauth_creds.json")) {
                Some(f) if f.is_file() => {
                    Check::pass("credentials", format!("cached login ({})", f.display()))
                }
                _ => Check::fail(
                    "credentials",
                    "no GEMINI_API_KEY and no cached login (~/.gemini/oauth_creds.json)",
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claude_auth_status_is_read_from_its_json_and_exit_status() {
        let out = r#"{"loggedIn": true, "authMethod": "api_key", "apiProvider": "firstParty"}"#;
        assert_eq!(
            parse_claude_auth(Some(0), out).as_deref(),
            Ok("logged in (api_key)")
        );
        let out = r#"{"loggedIn": false, "authMethod": "none", "apiProvider": "firstParty"}"#;
        assert!(parse_claude_auth(Some(1), out).is_err());
        assert!(parse_claude_auth(Some(0), "garbage").is_err());
    }

    #[test]
    fn codex_login_status_is_read_from_stderr_past_its_warnings() {
        let warn = "WARNING: proceeding, even though we could not create PATH aliases";
        assert!(parse_codex_login(Some(1), &format!("{warn}\nNot logged in"), "").is_err());
        assert_eq!(
            parse_codex_login(
                Some(0),
                &format!("{warn}\nLogged in using an API key - sk-proj-***ABCD"),
                ""
            )
            .as_deref(),
            Ok("Logged in using an API key")
        );
        assert_eq!(
            parse_codex_login(Some(0), "Logged in using ChatGPT", "").as_deref(),
            Ok("Logged in using ChatGPT")
        );
    }
}
