//! The real agent CLIs through the worker's pipeline: `claude` (Claude Code 2.1.197), `codex`
//! (0.169.0) and `gemini` (Gemini CLI 0.61.0, through `GOOGLE_GEMINI_BASE_URL`), installed from the npm registry into `backend/tests/cli-tools` (`make cli-tools`),
//! run against the scripted model server. Their edits must land on the run's branch, their tool
//! calls and shell commands must show as events and command rows, usage must roll up to the run,
//! review verdicts must be honoured, and their key must never show anywhere. Failure runs: the
//! server answering 401, 429 then success, and hanging (the provider timeout).

use std::path::PathBuf;

use mergeloom_worker::config::Config;
use mergeloom_worker::settings::{CliSettings, Secret};
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::executor::{FIXED_CALC, Repo, assert_outcome, git, i, run_processes, s, worker};
use crate::model_server::{CACHED_TOKENS, INPUT_TOKENS, ModelServer, OUTPUT_TOKENS, Reply};

/// The provider key the CLIs get; it must never appear in anything the worker stores or serves.
const KEY: &str = "mlk-test-4c1f9e27b3a85d60-provider-key";

/// A CLI from the pinned test-tools package; a clear failure (never a skip) when missing.
fn cli(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cli-tools/node_modules/.bin")
        .join(name);
    assert!(
        p.exists(),
        "{} is missing: install the pinned CLIs with `make cli-tools` (npm ci in backend/tests/cli-tools)",
        p.display()
    );
    p.display().to_string()
}

fn settings(program: String, server: &ModelServer, home: &TempDir, model: &str) -> CliSettings {
    CliSettings {
        // Claude Code retries failed requests up to 10 times with growing delays by default.
        max_retries: Some(2),
        program,
        model: Some(model.into()),
        base_url: Some(server.url.clone()),
        api_key: Some(Secret(KEY.into())),
        home: Some(home.path().to_path_buf()),
        sandbox: "workspace-write".into(),
        approval_mode: "auto_edit".into(),
        ..CliSettings::default()
    }
}

fn job(repo: &Repo, key: &str, provider: &str, review: bool) -> Value {
    json!({
        "ticket": {"key": key, "title": "Fix add", "body": "`add` subtracts; make it add."},
        "repository": {"url": repo.remote_url()},
        "provider": {"id": provider},
        "validation": {"mode": "required", "commands": [["python3", "-m", "unittest", "-q"]]},
        "max_repair_attempts": 0,
        "review": {"enabled": review},
        "publish": {"push": true},
    })
}

/// Everything the worker serves about a run, as text (to look for the key).
async fn everything(w: &crate::executor::Worker, id: &str) -> String {
    let mut all = String::new();
    for path in [
        format!("/api/v1/runs/{id}"),
        format!("/api/v1/runs/{id}/events.ndjson"),
        format!("/api/v1/runs/{id}/log.txt"),
        format!("/api/v1/audit/runs/{id}"),
        format!("/api/v1/runs/{id}/patch"),
    ] {
        let resp = w
            .api
            .http
            .get(format!("{}{path}", w.api.base))
            .send()
            .await
            .expect("GET");
        all.push_str(&resp.text().await.unwrap_or_default());
    }
    all
}

/// No file of the worker's data directory (database, WAL, run files, mirrors) holds the key.
fn assert_key_not_stored(w: &crate::executor::Worker) {
    fn walk(dir: &std::path::Path, hits: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, hits);
            } else if std::fs::read(&p)
                .is_ok_and(|b| b.windows(KEY.len()).any(|w| w == KEY.as_bytes()))
            {
                hits.push(p.display().to_string());
            }
        }
    }
    let mut hits = Vec::new();
    walk(w.data.path(), &mut hits);
    assert!(hits.is_empty(), "the key is stored in {hits:?}");
}

fn kinds_named(events: &[Value], kind: &str) -> Vec<String> {
    events
        .iter()
        .filter(|e| e["kind"] == kind)
        .filter_map(|e| e["data"]["name"].as_str().map(str::to_owned))
        .collect()
}

/// Asserts tool events pair up by id: every `tool.started` has one `tool.completed`.
fn assert_tools_paired(events: &[Value]) {
    let ids = |kind: &str| -> Vec<String> {
        let mut v: Vec<String> = events
            .iter()
            .filter(|e| e["kind"] == kind)
            .map(|e| e["data"]["id"].as_str().unwrap_or("").to_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        ids("tool.started"),
        ids("tool.completed"),
        "tool events pair by id"
    );
}

/// The run's usage is exactly what the scripted server reported for its requests.
fn assert_usage(run: &Value, requests: usize) {
    let n = requests as i64;
    assert_eq!(
        i(run, "/usage/input_tokens"),
        INPUT_TOKENS * n,
        "input incl. cached: {run:#}"
    );
    assert_eq!(i(run, "/usage/cache_read_tokens"), CACHED_TOKENS * n);
    assert_eq!(i(run, "/usage/output_tokens"), OUTPUT_TOKENS * n);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claude_code_cli_fixes_the_bug_runs_git_and_approves_in_review() {
    let repo = Repo::new();
    let home = tempfile::tempdir().expect("home");
    let server = ModelServer::start(vec![
        // implement
        Reply::tool("Read", json!({"file_path": "{{cwd}}/calc.py"})),
        Reply::tool(
            "Edit",
            json!({"file_path": "{{cwd}}/calc.py", "old_string": "return a - b", "new_string": "return a + b"}),
        ),
        Reply::tool(
            "Bash",
            json!({"command": "git status --short", "description": "Show the change"}),
        ),
        Reply::text("Fixed add."),
        // review
        Reply::tool(
            "Write",
            json!({"file_path": "{{review_file}}", "content": "{\"approved\": true, \"findings\": [{\"severity\": \"low\", \"message\": \"add adds now\", \"path\": \"calc.py\", \"line\": 2}]}"}),
        ),
        Reply::text("Approved."),
    ]);
    let program = cli("claude");
    let w = worker(|c: &mut Config| {
        c.claude_code = settings(program, &server, &home, "claude-sonnet-4-5-20250929");
    })
    .await;
    let (id, run) = w
        .api
        .run_to_end(&job(&repo, "CC-1", "claude-code-cli", true))
        .await;
    let events = w.api.events(&id).await;
    assert_outcome(&run, "completed", "published", None);
    assert_eq!(
        server.remaining(),
        0,
        "the whole script was played: {events:#?}"
    );

    // The edit is on the pushed branch.
    let head = s(&run, "/head_commit");
    assert_eq!(
        repo.remote_branch(&s(&run, "/branch")).as_deref(),
        Some(head.as_str())
    );
    assert_eq!(
        git(&repo.remote, &["show", &format!("{head}:calc.py")]),
        FIXED_CALC
    );

    // Session, tool calls paired, the shell command as a provider command row.
    let session = events
        .iter()
        .find(|e| e["kind"] == "provider.session")
        .expect("a provider.session event");
    assert_eq!(session["data"]["version"], "2.1.197");
    assert_eq!(session["data"]["model"], "claude-sonnet-4-5-20250929");
    let started = kinds_named(&events, "tool.started");
    assert_eq!(started, ["Read", "Edit", "Bash", "Write"], "{started:?}");
    assert_tools_paired(&events);
    assert!(
        events.iter().any(|e| e["kind"] == "file.changed"
            && e["data"]["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("/calc.py"))),
        "the edit is a file.changed event"
    );
    assert!(
        events
            .iter()
            .any(|e| e["kind"] == "message" && e["text"] == "Fixed add.")
    );
    let (status, audit) = w.api.get(&format!("/api/v1/audit/runs/{id}")).await;
    assert_eq!(status, 200, "{audit}");
    let provider_cmds: Vec<&Value> = audit["commands"]
        .as_array()
        .expect("commands")
        .iter()
        .filter(|c| c["source"] == "provider" && c["stage"] == "implement")
        .collect();
    assert!(
        provider_cmds.iter().any(|c| c["command"]
            .as_str()
            .is_some_and(|t| t.contains("git status --short"))
            && c["exit_code"] == 0),
        "the CLI's git call is a provider command row: {:#}",
        audit["commands"]
    );
    assert_eq!(audit["provider"]["version"], "2.1.197");
    assert_eq!(audit["provider"]["kind"], "claude-code-cli");
    let tools: Vec<(String, i64)> = audit["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .map(|t| (s(t, "/name"), i(t, "/count")))
        .collect();
    assert_eq!(
        tools,
        [
            ("Bash".into(), 1),
            ("Edit".into(), 1),
            ("Read".into(), 1),
            ("Write".into(), 1)
        ]
    );
    // The review verdict the CLI wrote is honoured.
    assert_eq!(audit["review"]["approved"], true);
    assert_eq!(audit["review"]["findings"][0]["message"], "add adds now");

    // Usage: what the server reported, counted once; Claude's own cost, not estimated.
    assert_usage(&run, server.requests().len());
    assert!(
        run["usage"]["cost_usd"].as_f64().is_some_and(|c| c > 0.0),
        "{run:#}"
    );
    assert_eq!(run["usage"]["estimated"], false);

    // The CLI got its key; nothing the worker stores or serves shows it.
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.key.as_deref() == Some(KEY))
    );
    assert!(!everything(&w, &id).await.contains(KEY), "the key leaked");
    w.api.wait_executors_idle().await;
    assert_key_not_stored(&w);
    assert!(run_processes(&id).is_empty());
    w.stop().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codex_cli_fixes_the_bug_with_a_shell_command_and_approves_in_review() {
    let repo = Repo::new();
    let home = tempfile::tempdir().expect("home");
    let server = ModelServer::start(vec![
        Reply::tool(
            "exec_command",
            json!({"cmd": "sed -i 's/a - b/a + b/' calc.py"}),
        ),
        Reply::text("Fixed add."),
        Reply::tool(
            "exec_command",
            json!({"cmd": "cat > {{review_file}} <<'EOF'\n{\"approved\": true, \"findings\": []}\nEOF"}),
        ),
        Reply::text("Approved."),
    ]);
    let program = cli("codex");
    let w = worker(|c: &mut Config| {
        c.codex = settings(program, &server, &home, "gpt-5");
    })
    .await;
    let (id, run) = w
        .api
        .run_to_end(&job(&repo, "CX-1", "codex-cli", true))
        .await;
    let events = w.api.events(&id).await;
    assert_outcome(&run, "completed", "published", None);
    assert_eq!(
        server.remaining(),
        0,
        "the whole script was played: {events:#?}"
    );
    let head = s(&run, "/head_commit");
    assert_eq!(
        git(&repo.remote, &["show", &format!("{head}:calc.py")]),
        FIXED_CALC
    );

    let session = events
        .iter()
        .find(|e| e["kind"] == "provider.session")
        .expect("a provider.session event");
    assert_eq!(session["data"]["version"], "codex-cli 0.169.0");
    assert_eq!(
        kinds_named(&events, "tool.started"),
        ["command_execution", "command_execution"]
    );
    assert_tools_paired(&events);
    let (_, audit) = w.api.get(&format!("/api/v1/audit/runs/{id}")).await;
    let provider_cmds: Vec<(String, String, Value)> = audit["commands"]
        .as_array()
        .expect("commands")
        .iter()
        // The CLI's own process is a provider command too; its shell commands follow it.
        .filter(|c| c["source"] == "provider" && !s(c, "/command").contains(" exec --json "))
        .map(|c| (s(c, "/stage"), s(c, "/command"), c["exit_code"].clone()))
        .collect();
    assert_eq!(provider_cmds.len(), 2, "{provider_cmds:?}");
    assert_eq!(provider_cmds[0].0, "implement");
    assert!(provider_cmds[0].1.contains("sed -i"), "{provider_cmds:?}");
    assert_eq!(provider_cmds[0].2, json!(0));
    assert_eq!(provider_cmds[1].0, "review");
    assert_eq!(audit["review"]["approved"], true);
    assert_eq!(audit["provider"]["version"], "codex-cli 0.169.0");

    // Codex reports tokens, not cost: the price table's estimate.
    assert_usage(&run, server.requests().len());
    assert!(run["usage"]["cost_usd"].as_f64().is_some_and(|c| c > 0.0));
    assert_eq!(run["usage"]["estimated"], true);

    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.key.as_deref() == Some(KEY))
    );
    assert!(!everything(&w, &id).await.contains(KEY), "the key leaked");
    w.api.wait_executors_idle().await;
    assert_key_not_stored(&w);
    assert!(run_processes(&id).is_empty());
    w.stop().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gemini_cli_fixes_the_bug_runs_git_and_approves_in_review() {
    let repo = Repo::new();
    let home = tempfile::tempdir().expect("home");
    let server = ModelServer::start(vec![
        Reply::tool(
            "write_file",
            json!({"file_path": "{{cwd}}/calc.py", "content": FIXED_CALC}),
        ),
        Reply::tool(
            "run_shell_command",
            json!({"command": "git status --short", "description": "Show the change"}),
        ),
        Reply::text("Fixed add."),
        Reply::tool(
            "write_file",
            json!({"file_path": "{{review_file}}", "content": "{\"approved\": true, \"findings\": []}"}),
        ),
        Reply::text("Approved."),
    ]);
    let program = cli("gemini");
    let w = worker(|c: &mut Config| {
        c.gemini = settings(program, &server, &home, "gemini-2.5-pro");
    })
    .await;
    let (id, run) = w
        .api
        .run_to_end(&job(&repo, "GM-1", "gemini-cli", true))
        .await;
    let events = w.api.events(&id).await;
    assert_outcome(&run, "completed", "published", None);
    assert_eq!(
        server.remaining(),
        0,
        "the whole script was played: {events:#?}"
    );
    let head = s(&run, "/head_commit");
    assert_eq!(
        git(&repo.remote, &["show", &format!("{head}:calc.py")]),
        FIXED_CALC
    );
    let session = events
        .iter()
        .find(|e| e["kind"] == "provider.session")
        .expect("a provider.session event");
    assert_eq!(session["data"]["version"], "0.61.0");
    assert_eq!(
        kinds_named(&events, "tool.started"),
        ["write_file", "run_shell_command", "write_file"]
    );
    assert_tools_paired(&events);
    let (_, audit) = w.api.get(&format!("/api/v1/audit/runs/{id}")).await;
    assert!(
        audit["commands"]
            .as_array()
            .expect("commands")
            .iter()
            .any(|c| c["source"] == "provider"
                && c["command"]
                    .as_str()
                    .is_some_and(|t| t == "git status --short")
                && c["exit_code"] == 0),
        "the CLI's git call is a provider command row: {:#}",
        audit["commands"]
    );
    assert_eq!(audit["review"]["approved"], true);
    assert_usage(&run, server.requests().len());
    assert_eq!(run["usage"]["estimated"], true);
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.key.as_deref() == Some(KEY))
    );
    assert!(!everything(&w, &id).await.contains(KEY), "the key leaked");
    w.api.wait_executors_idle().await;
    assert_key_not_stored(&w);
    assert!(run_processes(&id).is_empty());
    w.stop().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claude_code_cli_review_without_a_verdict_is_a_provider_error() {
    let repo = Repo::new();
    let home = tempfile::tempdir().expect("home");
    let server = ModelServer::start(vec![
        Reply::tool("Read", json!({"file_path": "{{cwd}}/calc.py"})),
        Reply::tool(
            "Edit",
            json!({"file_path": "{{cwd}}/calc.py", "old_string": "return a - b", "new_string": "return a + b"}),
        ),
        Reply::text("Fixed add."),
        // The review answers in words and writes no verdict file.
        Reply::text("Looks good to me."),
    ]);
    let program = cli("claude");
    let w = worker(|c: &mut Config| {
        c.claude_code = settings(program, &server, &home, "claude-sonnet-4-5-20250929");
    })
    .await;
    let (_, run) = w
        .api
        .run_to_end(&job(&repo, "CC-6", "claude-code-cli", true))
        .await;
    assert_outcome(&run, "failed", "provider_error", Some("review"));
    assert!(s(&run, "/outcome/reason").contains("verdict"), "{run:#}");
    assert_eq!(server.remaining(), 0);
    w.api.wait_executors_idle().await;
    w.stop().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claude_code_cli_max_turns_is_a_provider_error_with_the_max_turns_category() {
    let repo = Repo::new();
    let home = tempfile::tempdir().expect("home");
    // The model keeps calling tools; the CLI stops after its turn limit.
    let server = ModelServer::start(
        (0..6)
            .map(|_| Reply::tool("Glob", json!({"pattern": "*.py"})))
            .collect(),
    );
    let program = cli("claude");
    let w = worker(|c: &mut Config| {
        let mut cs = settings(program, &server, &home, "claude-sonnet-4-5-20250929");
        cs.max_turns = Some(2);
        c.claude_code = cs;
    })
    .await;
    let (id, run) = w
        .api
        .run_to_end(&job(&repo, "CC-7", "claude-code-cli", false))
        .await;
    let events = w.api.events(&id).await;
    assert_outcome(&run, "failed", "provider_error", Some("implement"));
    assert!(
        s(&run, "/outcome/reason").contains("(max_turns)"),
        "{run:#}"
    );
    assert!(
        events
            .iter()
            .any(|e| e["kind"] == "error" && e["data"]["category"] == "max_turns"),
        "a max_turns error event: {events:#?}"
    );
    assert!(
        server.remaining() > 0,
        "the CLI stopped before the model did"
    );
    w.api.wait_executors_idle().await;
    w.stop().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claude_code_cli_unauthorized_is_a_provider_error_with_the_auth_category() {
    let repo = Repo::new();
    let home = tempfile::tempdir().expect("home");
    // Claude Code retries a 401 (here `max_retries` 2): every attempt is refused.
    let server = ModelServer::start(
        (0..5)
            .map(|_| Reply::Status {
                code: 401,
                message: "invalid x-api-key".into(),
                retry_after: None,
            })
            .collect(),
    );
    let program = cli("claude");
    let w = worker(|c: &mut Config| {
        c.claude_code = settings(program, &server, &home, "claude-sonnet-4-5-20250929");
    })
    .await;
    let (id, run) = w
        .api
        .run_to_end(&job(&repo, "CC-2", "claude-code-cli", false))
        .await;
    let events = w.api.events(&id).await;
    assert_outcome(&run, "failed", "provider_error", Some("implement"));
    assert!(
        events
            .iter()
            .any(|e| e["kind"] == "error" && e["data"]["category"] == "auth"),
        "an auth error event: {events:#?}"
    );
    assert!(s(&run, "/outcome/reason").contains("(auth)"), "{run:#}");
    assert!(
        events.iter().any(
            |e| e["kind"] == "warning" && e["text"].as_str().is_some_and(|t| t.contains("401"))
        ),
        "the CLI's retries show as warnings"
    );
    assert_eq!(server.requests().len(), 3, "one request and two retries");
    assert!(!everything(&w, &id).await.contains(KEY), "the key leaked");
    w.api.wait_executors_idle().await;
    w.stop().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claude_code_cli_rate_limited_once_then_succeeds() {
    let repo = Repo::new();
    let home = tempfile::tempdir().expect("home");
    let server = ModelServer::start(vec![
        Reply::Status {
            code: 429,
            message: "rate limited".into(),
            retry_after: Some(1),
        },
        Reply::tool("Read", json!({"file_path": "{{cwd}}/calc.py"})),
        Reply::tool(
            "Edit",
            json!({"file_path": "{{cwd}}/calc.py", "old_string": "return a - b", "new_string": "return a + b"}),
        ),
        Reply::text("Fixed add."),
    ]);
    let program = cli("claude");
    let w = worker(|c: &mut Config| {
        c.claude_code = settings(program, &server, &home, "claude-sonnet-4-5-20250929");
    })
    .await;
    let (_, run) = w
        .api
        .run_to_end(&job(&repo, "CC-3", "claude-code-cli", false))
        .await;
    assert_outcome(&run, "completed", "published", None);
    assert_eq!(server.remaining(), 0);
    // The rate-limited request was retried: one more request than answers that counted.
    let reqs = server.requests().len();
    assert!(reqs >= 4, "{reqs} requests");
    assert_usage(&run, reqs - 1);
    w.api.wait_executors_idle().await;
    w.stop().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codex_cli_rate_limited_once_then_succeeds() {
    let repo = Repo::new();
    let home = tempfile::tempdir().expect("home");
    let server = ModelServer::start(vec![
        Reply::Status {
            code: 429,
            message: "rate limited".into(),
            retry_after: Some(1),
        },
        Reply::tool(
            "exec_command",
            json!({"cmd": "sed -i 's/a - b/a + b/' calc.py"}),
        ),
        Reply::text("Fixed add."),
    ]);
    let program = cli("codex");
    let w = worker(|c: &mut Config| {
        c.codex = settings(program, &server, &home, "gpt-5");
    })
    .await;
    let (id, run) = w
        .api
        .run_to_end(&job(&repo, "CX-2", "codex-cli", false))
        .await;
    let events = w.api.events(&id).await;
    assert_outcome(&run, "completed", "published", None);
    assert_eq!(server.remaining(), 0);
    assert!(
        events.iter().any(|e| e["kind"] == "warning"),
        "the retry shows as a warning: {events:#?}"
    );
    w.api.wait_executors_idle().await;
    w.stop().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codex_cli_unauthorized_is_a_provider_error_with_the_auth_category() {
    let repo = Repo::new();
    let home = tempfile::tempdir().expect("home");
    let server = ModelServer::start(
        (0..8)
            .map(|_| Reply::Status {
                code: 401,
                message: "Incorrect API key provided".into(),
                retry_after: None,
            })
            .collect(),
    );
    let program = cli("codex");
    let w = worker(|c: &mut Config| {
        c.codex = settings(program, &server, &home, "gpt-5");
    })
    .await;
    let (id, run) = w
        .api
        .run_to_end(&job(&repo, "CX-3", "codex-cli", false))
        .await;
    let events = w.api.events(&id).await;
    assert_outcome(&run, "failed", "provider_error", Some("implement"));
    assert!(
        events
            .iter()
            .any(|e| e["kind"] == "error" && e["data"]["category"] == "auth"),
        "an auth error event: {events:#?}"
    );
    assert!(!everything(&w, &id).await.contains(KEY), "the key leaked");
    w.api.wait_executors_idle().await;
    w.stop().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claude_code_cli_hanging_model_is_a_provider_timeout() {
    let repo = Repo::new();
    let home = tempfile::tempdir().expect("home");
    let server = ModelServer::start(vec![Reply::Hang]);
    let program = cli("claude");
    let w = worker(|c: &mut Config| {
        let mut cs = settings(program, &server, &home, "claude-sonnet-4-5-20250929");
        cs.timeout_seconds = Some(5);
        c.claude_code = cs;
    })
    .await;
    let (id, run) = w
        .api
        .run_to_end(&job(&repo, "CC-4", "claude-code-cli", false))
        .await;
    assert_outcome(&run, "failed", "provider_timeout", Some("implement"));
    assert!(
        s(&run, "/outcome/reason").contains("timeout of 5 s"),
        "the CLI's own timeout: {run:#}"
    );
    assert_eq!(
        server.requests().len(),
        1,
        "the model was asked once and never answered"
    );
    w.api.wait_executors_idle().await;
    assert!(
        run_processes(&id).is_empty(),
        "the CLI's processes are gone"
    );
    w.stop().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cli_provider_that_is_not_installed_is_refused_at_submission() {
    let repo = Repo::new();
    let w = worker(|c: &mut Config| {
        c.claude_code.program = "/nonexistent/claude".into();
    })
    .await;
    // At submission: not configured (its program is not there).
    let (status, body) = w
        .api
        .post(
            "/api/v1/jobs",
            &job(&repo, "CC-5", "claude-code-cli", false),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["details"]["fields"][0]["path"], "provider.id");
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_of_the_real_clis_without_spending_tokens() {
    let server = ModelServer::start(Vec::new());
    let home = tempfile::tempdir().expect("home");
    let mut settings_now = mergeloom_worker::settings::RuntimeSettings::from_config(
        &Config::for_data_dir(home.path().join("data")),
    );
    settings_now.claude_code.program = cli("claude");
    settings_now.claude_code.home = Some(home.path().to_path_buf());
    settings_now.codex.program = cli("codex");
    settings_now.codex.home = Some(home.path().to_path_buf());
    let check = |r: &mergeloom_worker::providers::Readiness| {
        r.checks
            .iter()
            .map(|c| format!("{} {:?}", c.name, c.ok))
            .collect::<Vec<_>>()
    };
    // No key and no login: not ready, and the CLIs said so themselves.
    for id in ["claude-code-cli", "codex-cli"] {
        let r = mergeloom_worker::providers::readiness_of(id, &settings_now)
            .await
            .expect("a CLI kind");
        assert_eq!(
            check(&r),
            [
                "program Some(true)",
                "version Some(true)",
                "credentials Some(false)"
            ],
            "{id}: {r:#?}"
        );
        assert_eq!(r.status, mergeloom_worker::providers::ReadyStatus::NotReady);
    }
    // A key: ready via env.
    settings_now.claude_code.api_key = Some(Secret(KEY.into()));
    settings_now.claude_code.api_key_source = Some("ANTHROPIC_API_KEY".into());
    let r = mergeloom_worker::providers::readiness_of("claude-code-cli", &settings_now)
        .await
        .expect("a CLI kind");
    assert_eq!(
        r.status,
        mergeloom_worker::providers::ReadyStatus::Ready,
        "{r:#?}"
    );
    assert_eq!(r.checks[1].message, "2.1.197 (Claude Code)");
    assert_eq!(r.checks[2].message, "ready via env (ANTHROPIC_API_KEY)");
    // A Gemini CLI that is not installed: its program check fails.
    settings_now.gemini.program = "/nonexistent/gemini".into();
    let r = mergeloom_worker::providers::readiness_of("gemini-cli", &settings_now)
        .await
        .expect("a CLI kind");
    assert_eq!(check(&r), ["program Some(false)"]);
    assert!(server.requests().is_empty(), "readiness spent no tokens");
    server.stop().await;
}
