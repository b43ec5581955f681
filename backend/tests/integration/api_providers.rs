//! The API providers (`openai-compatible`, `anthropic`) through the worker's pipeline, against
//! the scripted model server: the worker runs the agent loop and its tools in the worktree. A fix
//! written with `edit_file` and validated; 429 then success; escapes (`..`, a symlink out of the
//! worktree) and a disallowed command refused and reported; max turns → `provider_error`; the key
//! never stored, served or recorded; the self-test; readiness from the models listing; the
//! default provider for jobs that name none.

use std::os::unix::fs::PermissionsExt;

use mergeloom_worker::config::Config;
use mergeloom_worker::settings::{ApiSettings, Secret};
use serde_json::{Value, json};

use crate::executor::{FIXED_CALC, Repo, Worker, assert_outcome, git, i, s, worker};
use crate::model_server::{CACHED_TOKENS, INPUT_TOKENS, ModelServer, OUTPUT_TOKENS, Reply};

/// The provider key; it must never appear in anything the worker stores, serves or records.
const KEY: &str = "mlk-api-7d2e41c9a0b3f865-provider-key";

fn api(server: &ModelServer, openai: bool, model: &str) -> ApiSettings {
    ApiSettings {
        base_url: Some(if openai {
            format!("{}/v1", server.url)
        } else {
            server.url.clone()
        }),
        model: Some(model.into()),
        api_key: Some(Secret(KEY.into())),
        max_turns: None,
    }
}

fn job(repo: &Repo, key: &str, provider: Option<&str>, review: bool) -> Value {
    let mut j = json!({
        "ticket": {"key": key, "title": "Fix add", "body": "`add` subtracts; make it add."},
        "repository": {"url": repo.remote_url()},
        "validation": {"mode": "required", "commands": [["python3", "-m", "unittest", "-q"]]},
        "max_repair_attempts": 0,
        "review": {"enabled": review},
        "publish": {"push": true},
    });
    if let Some(p) = provider {
        j["provider"] = json!({"id": p});
    }
    j
}

/// The scripted fix: look, read, edit (exact search/replace), run the tests, finish.
fn fix_script() -> Vec<Reply> {
    vec![
        Reply::tool("list_files", json!({})),
        Reply::tool("read_file", json!({"path": "calc.py"})),
        Reply::tool(
            "edit_file",
            json!({"path": "calc.py", "old_text": "return a - b", "new_text": "return a + b"}),
        ),
        Reply::tool(
            "run_command",
            json!({"argv": ["python3", "-m", "unittest", "-q"], "timeout_seconds": 60}),
        ),
        Reply::tool("finish", json!({"summary": "add adds now"})),
    ]
}

/// Everything the worker serves about a run (and its providers), as text.
async fn everything(w: &Worker, id: &str) -> String {
    let mut all = String::new();
    for path in [
        format!("/api/v1/runs/{id}"),
        format!("/api/v1/runs/{id}/events.ndjson"),
        format!("/api/v1/runs/{id}/log.txt"),
        format!("/api/v1/audit/runs/{id}"),
        format!("/api/v1/runs/{id}/patch"),
        "/api/v1/providers".to_owned(),
        "/api/v1/runs".to_owned(),
        "/api/v1/health".to_owned(),
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
fn assert_key_not_stored(data: &std::path::Path) {
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
    walk(data, &mut hits);
    assert!(hits.is_empty(), "the key is stored in {hits:?}");
}

fn tool_names(events: &[Value], kind: &str) -> Vec<String> {
    events
        .iter()
        .filter(|e| e["kind"] == kind)
        .filter_map(|e| e["data"]["name"].as_str().map(str::to_owned))
        .collect()
}

/// Every `tool.started` has its `tool.completed` (by id), and each completion says how long.
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
        "tool events pair"
    );
    assert!(
        events
            .iter()
            .filter(|e| e["kind"] == "tool.completed")
            .all(|e| e["data"]["duration_ms"].is_u64()),
        "every tool.completed has its duration"
    );
}

/// The run's usage is what the scripted server reported for `answers` answers.
fn assert_usage(run: &Value, answers: i64) {
    assert_eq!(
        i(run, "/usage/input_tokens"),
        INPUT_TOKENS * answers,
        "{run:#}"
    );
    assert_eq!(i(run, "/usage/cache_read_tokens"), CACHED_TOKENS * answers);
    assert_eq!(i(run, "/usage/output_tokens"), OUTPUT_TOKENS * answers);
}

/// The completed tool events refused for a reason.
fn refused(events: &[Value]) -> Vec<(String, String)> {
    events
        .iter()
        .filter(|e| e["kind"] == "tool.completed" && e["data"]["refused"] == true)
        .map(|e| {
            (
                e["data"]["name"].as_str().unwrap_or("").to_owned(),
                e["text"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

async fn put_provider(w: &Worker, id: &str, settings: Value) -> (u16, Value) {
    let resp = w
        .api
        .http
        .put(format!("{}/api/v1/providers/{id}", w.api.base))
        .json(&json!({ "settings": settings }))
        .send()
        .await
        .expect("PUT provider");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openai_compatible_fixes_the_bug_with_edit_file_and_validation_passes() {
    let repo = Repo::new();
    let server = ModelServer::start(fix_script());
    let settings = api(&server, true, "gpt-5-mini");
    let w = worker(|c: &mut Config| c.openai = settings).await;
    let (id, run) = w
        .api
        .run_to_end(&job(&repo, "OA-1", Some("openai-compatible"), false))
        .await;
    let events = w.api.events(&id).await;
    assert_outcome(&run, "completed", "published", None);
    assert_eq!(server.remaining(), 0, "the whole script was played");
    assert_eq!(s(&run, "/provider/id"), "openai-compatible");
    assert_eq!(s(&run, "/provider/model"), "gpt-5-mini");

    let head = s(&run, "/head_commit");
    assert_eq!(
        git(&repo.remote, &["show", &format!("{head}:calc.py")]),
        FIXED_CALC
    );
    assert_eq!(
        tool_names(&events, "tool.started"),
        [
            "list_files",
            "read_file",
            "edit_file",
            "run_command",
            "finish"
        ]
    );
    assert_tools_paired(&events);
    assert!(
        events
            .iter()
            .filter(|e| e["kind"] == "tool.completed")
            .all(|e| e["data"]["ok"] == true),
        "every tool succeeded: {events:#?}"
    );
    // The test command ran as a provider command (its output as log events).
    assert!(
        events.iter().any(|e| e["kind"] == "command.started"
            && e["text"].as_str().is_some_and(|t| t.contains("unittest"))),
        "run_command is a recorded command"
    );
    let session = events
        .iter()
        .find(|e| e["kind"] == "provider.session")
        .expect("a provider.session event");
    assert_eq!(session["data"]["model"], "gpt-5-mini");
    assert_usage(&run, 5);
    assert!(
        events.iter().any(|e| e["kind"] == "usage"),
        "usage events are recorded"
    );

    // The requests: streamed Chat Completions with tools, the key as a bearer token only.
    let reqs = server.requests();
    assert_eq!(reqs.len(), 5);
    for r in &reqs {
        assert_eq!(r.path, "/v1/chat/completions");
        assert_eq!(r.key.as_deref(), Some(KEY));
        assert_eq!(r.body["stream"], true);
        assert_eq!(r.body["model"], "gpt-5-mini");
    }
    let tools: Vec<&str> = reqs[0].body["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(|t| t["function"]["name"].as_str())
        .collect();
    assert!(
        tools.contains(&"edit_file") && tools.contains(&"finish"),
        "{tools:?}"
    );
    // The edit's result went back to the model as a tool message.
    let last = reqs[4].body["messages"].as_array().expect("messages");
    assert!(
        last.iter()
            .any(|m| m["role"] == "tool" && m["content"] == "edited calc.py"),
        "{last:#?}"
    );

    let served = everything(&w, &id).await;
    assert!(!served.contains(KEY), "the key is served");
    assert_key_not_stored(w.data.path());
    w.stop().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anthropic_fixes_the_bug_after_a_429_and_approves_in_review() {
    let repo = Repo::new();
    let mut script = vec![Reply::Status {
        code: 429,
        message: "rate limited".into(),
        retry_after: Some(1),
    }];
    script.extend([
        Reply::tool(
            "edit_file",
            json!({"path": "calc.py", "old_text": "return a - b", "new_text": "return a + b"}),
        ),
        Reply::Text("Fixed `add`.".into()),
        // review
        Reply::tool("show_diff", json!({})),
        Reply::tool(
            "finish",
            json!({"summary": "looks right", "verdict": {"approved": true, "findings": [
                {"severity": "low", "message": "add adds now", "path": "calc.py", "line": 2}]}}),
        ),
    ]);
    let server = ModelServer::start(script);
    let w = worker(|_| {}).await;
    // Configured on the Providers page: the key is sealed in the database.
    let (status, body) = put_provider(
        &w,
        "anthropic",
        json!({"base_url": server.url, "model": "claude-sonnet-4-5", "api_key": KEY}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["readiness"]["status"], "ready", "{body:#}");
    let key_file = w.data.path().join("provider_secret.key");
    let mode = std::fs::metadata(&key_file)
        .expect("key file")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);

    let (id, run) = w
        .api
        .run_to_end(&job(&repo, "AN-1", Some("anthropic"), true))
        .await;
    let events = w.api.events(&id).await;
    assert_outcome(&run, "completed", "published", None);
    assert_eq!(server.remaining(), 0, "the whole script was played");
    let head = s(&run, "/head_commit");
    assert_eq!(
        git(&repo.remote, &["show", &format!("{head}:calc.py")]),
        FIXED_CALC
    );
    // The 429 was retried after its Retry-After, and said so.
    let warning = events
        .iter()
        .find(|e| e["kind"] == "warning")
        .expect("a warning about the retry");
    let text = s(warning, "/text");
    assert!(text.contains("429") && text.contains("retry 1"), "{text}");
    // The answer's text is a message event; the review's verdict was honoured.
    assert!(
        events
            .iter()
            .any(|e| e["kind"] == "message" && e["text"] == "Fixed `add`."),
        "message events"
    );
    assert_eq!(
        tool_names(&events, "tool.started"),
        ["edit_file", "show_diff", "finish"]
    );
    assert_tools_paired(&events);
    let diff = events
        .iter()
        .find(|e| e["kind"] == "tool.completed" && e["data"]["name"] == "show_diff")
        .expect("show_diff completed");
    assert!(s(diff, "/text").contains("+    return a + b"), "{diff}");
    let review = run["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .find(|st| st["name"] == "review")
        .expect("a review stage")
        .clone();
    assert_eq!(review["status"], "succeeded", "{review}");
    assert_usage(&run, 4);

    let reqs = server.requests();
    assert_eq!(reqs.len(), 5, "one 429 and four answers");
    for r in &reqs {
        assert_eq!(r.path, "/v1/messages");
        assert_eq!(r.key.as_deref(), Some(KEY));
        assert_eq!(r.body["stream"], true);
    }
    // The review offers no writing tools.
    let review_tools: Vec<&str> = reqs[3].body["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert!(!review_tools.contains(&"edit_file"), "{review_tools:?}");

    let served = everything(&w, &id).await;
    assert!(!served.contains(KEY), "the key is served");
    w.server.stop().await;
    assert_key_not_stored(w.data.path());
    drop(w.data);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escapes_and_a_disallowed_command_are_refused_and_reported() {
    let repo = Repo::new();
    // A symlink in the repository that points out of the worktree.
    let outside = repo.scratch("outside");
    std::fs::write(outside.join("secret.txt"), "outside-secret-5e1a\n").expect("secret");
    let clone = repo.dir.path().join("clone");
    git(
        repo.dir.path(),
        &["clone", "--quiet", &repo.remote_url(), "clone"],
    );
    std::os::unix::fs::symlink(outside.join("secret.txt"), clone.join("leak.txt"))
        .expect("symlink");
    git(&clone, &["add", "leak.txt"]);
    git(&clone, &["commit", "--quiet", "-m", "a link out"]);
    git(&clone, &["push", "--quiet", "origin", "main"]);

    let mut script = vec![
        Reply::tool("read_file", json!({"path": "../../etc/passwd"})),
        Reply::tool("read_file", json!({"path": "leak.txt"})),
        Reply::tool(
            "write_file",
            json!({"path": "/tmp/mergeloom-escape.txt", "content": "x"}),
        ),
        Reply::tool(
            "run_command",
            json!({"argv": ["curl", "http://example.com"]}),
        ),
        // Not a refusal: an edit whose text is missing is an ordinary tool error.
        Reply::tool(
            "edit_file",
            json!({"path": "calc.py", "old_text": "no such text", "new_text": "x"}),
        ),
    ];
    script.extend(fix_script());
    let server = ModelServer::start(script);
    let settings = api(&server, true, "gpt-5-mini");
    let w = worker(|c: &mut Config| c.openai = settings).await;
    let (id, run) = w
        .api
        .run_to_end(&job(&repo, "ESC-1", Some("openai-compatible"), false))
        .await;
    let events = w.api.events(&id).await;
    assert_outcome(&run, "completed", "published", None);
    assert_tools_paired(&events);

    let refusals = refused(&events);
    let names: Vec<&str> = refusals.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["read_file", "read_file", "write_file", "run_command"],
        "{refusals:#?}"
    );
    assert!(refusals[0].1.contains(".."), "{refusals:?}");
    assert!(
        refusals[1].1.contains("outside the repository"),
        "{refusals:?}"
    );
    assert!(refusals[2].1.contains("absolute"), "{refusals:?}");
    assert!(refusals[3].1.contains("allowed-commands"), "{refusals:?}");
    let missing = events
        .iter()
        .find(|e| {
            e["kind"] == "tool.completed"
                && e["data"]["name"] == "edit_file"
                && e["data"]["ok"] == false
        })
        .expect("the failed edit");
    assert_eq!(missing["data"]["refused"], false);
    assert!(s(missing, "/text").contains("not found"), "{missing}");
    let warnings = events
        .iter()
        .filter(|e| e["kind"] == "warning" && s(e, "/text").contains("refused"))
        .count();
    assert_eq!(warnings, 4, "each refusal is a warning too");
    assert!(!std::path::Path::new("/tmp/mergeloom-escape.txt").exists());
    assert!(
        !events
            .iter()
            .any(|e| e["kind"] == "command.started" && s(e, "/text").contains("curl")),
        "the disallowed command never ran"
    );
    // The model saw the refusals as tool errors, and never the outside content.
    let reqs = server.requests();
    let bodies: String = reqs.iter().map(|r| r.body.to_string()).collect();
    assert!(
        bodies.contains("ERROR: refused:"),
        "refusals go back to the model"
    );
    assert!(
        !bodies.contains("outside-secret-5e1a"),
        "content from outside leaked"
    );
    assert!(!bodies.contains("root:x:0:0"), "/etc/passwd leaked");
    w.stop().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reaching_max_turns_fails_the_run_with_provider_error() {
    let repo = Repo::new();
    let server = ModelServer::start(vec![Reply::tool("list_files", json!({})); 3]);
    let mut settings = api(&server, false, "claude-sonnet-4-5");
    settings.max_turns = Some(3);
    let w = worker(|c: &mut Config| c.anthropic = settings).await;
    let (id, run) = w
        .api
        .run_to_end(&job(&repo, "MT-1", Some("anthropic"), false))
        .await;
    assert_outcome(&run, "failed", "provider_error", Some("implement"));
    let reason = s(&run, "/outcome/reason");
    assert!(reason.contains("max turns (3) reached"), "{reason}");
    assert_eq!(server.requests().len(), 3);
    let events = w.api.events(&id).await;
    assert!(
        events
            .iter()
            .any(|e| e["kind"] == "error" && e["data"]["category"] == "max_turns"),
        "an error event says why"
    );
    w.stop().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn self_test_calls_a_tool_end_to_end_and_fails_when_the_model_does_not() {
    let server = ModelServer::start(vec![
        Reply::tool("echo_token", json!({"token": "{{token}}"})),
        Reply::text("OK"),
        // second self-test: the model ignores the tool
        Reply::text("Hello."),
    ]);
    let w = worker(|_| {}).await;
    let (status, body) = put_provider(
        &w,
        "openai-compatible",
        json!({"base_url": format!("{}/v1", server.url), "model": "gpt-5-mini", "api_key": KEY}),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    let (status, ok) = w
        .api
        .post("/api/v1/providers/openai-compatible/self-test", &json!({}))
        .await;
    assert_eq!(status, 200, "{ok}");
    assert_eq!(ok["ok"], true, "{ok:#}");
    assert_eq!(ok["provider_id"], "openai-compatible");
    let names: Vec<&str> = ok["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["ok"] == true)
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(names, ["request", "tool_call", "completion"], "{ok:#}");
    assert_eq!(ok["usage"]["input_tokens"], INPUT_TOKENS * 2);
    assert_eq!(ok["usage"]["output_tokens"], OUTPUT_TOKENS * 2);
    assert_eq!(ok["model"], "scripted");
    assert!(ok["tested_at"].as_str().is_some_and(|t| t.ends_with('Z')));
    assert!(ok["duration_ms"].is_u64());
    assert!(!ok.to_string().contains(KEY));

    let (status, bad) = w
        .api
        .post("/api/v1/providers/openai-compatible/self-test", &json!({}))
        .await;
    assert_eq!(status, 200, "{bad}");
    assert_eq!(bad["ok"], false, "{bad:#}");
    let failed: Vec<&str> = bad["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["ok"] == false)
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(failed, ["tool_call"], "{bad:#}");

    let (status, body) = w
        .api
        .post("/api/v1/providers/command/self-test", &json!({}))
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "validation_failed");
    let (status, body) = w
        .api
        .post("/api/v1/providers/nope/self-test", &json!({}))
        .await;
    assert_eq!(status, 404, "{body}");
    w.stop().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_lists_models_with_the_key_and_a_refused_key_is_not_ready() {
    let server = ModelServer::start(Vec::new());
    let w = worker(|_| {}).await;
    for (id, base) in [
        ("openai-compatible", format!("{}/v1", server.url)),
        ("anthropic", server.url.clone()),
    ] {
        let (status, body) = put_provider(
            &w,
            id,
            json!({"base_url": base, "model": "m-1", "api_key": KEY}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["readiness"]["status"], "ready", "{id}: {body:#}");
        let (status, body) = put_provider(&w, id, json!({"api_key": "bad-key-0123456789"})).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["readiness"]["status"], "not_ready", "{id}: {body:#}");
        let endpoint = body["readiness"]["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .find(|c| c["name"] == "endpoint")
            .expect("an endpoint check")
            .clone();
        assert_eq!(endpoint["ok"], false);
        assert!(s(&endpoint, "/message").contains("401"), "{endpoint}");
    }
    assert!(server.requests().is_empty(), "readiness spends no tokens");

    // At run start the same readiness decides: a refused key blocks the run before any request.
    let repo = Repo::new();
    let (_, run) = w
        .api
        .run_to_end(&job(&repo, "RDY-1", Some("anthropic"), false))
        .await;
    assert_outcome(&run, "blocked", "provider_not_ready", Some("setup"));
    assert!(s(&run, "/outcome/reason").contains("endpoint"), "{run:#}");
    assert!(server.requests().is_empty());
    w.stop().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_provider_setting_decides_what_a_provider_less_job_runs_with() {
    let repo = Repo::new();
    let server = ModelServer::start(vec![
        Reply::tool("finish", json!({"summary": "nothing to do"})),
        Reply::tool("finish", json!({"summary": "nothing to do"})),
    ]);
    let (openai, anthropic) = (
        api(&server, true, "gpt-5-mini"),
        api(&server, false, "claude-sonnet-4-5"),
    );
    let w = worker(|c: &mut Config| {
        c.openai = openai;
        c.anthropic = anthropic;
    })
    .await;
    let is_default = |providers: &Value, id: &str| -> bool {
        providers["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|p| p["id"] == id)
            .map(|p| p["is_default"] == true)
            .expect("provider")
    };
    for (i, (default, path)) in [
        ("anthropic", "/v1/messages"),
        ("openai-compatible", "/v1/chat/completions"),
    ]
    .into_iter()
    .enumerate()
    {
        let resp = w
            .api
            .http
            .put(format!("{}/api/v1/settings", w.api.base))
            .json(&json!({ "default_provider": default }))
            .send()
            .await
            .expect("PUT settings");
        assert_eq!(resp.status().as_u16(), 200);
        let (_, providers) = w.api.get("/api/v1/providers").await;
        assert!(is_default(&providers, default), "{providers:#}");
        let (_, run) = w
            .api
            .run_to_end(&job(&repo, &format!("DEF-{i}"), None, false))
            .await;
        assert_eq!(s(&run, "/provider/id"), default, "{run:#}");
        assert_outcome(&run, "blocked", "no_changes", Some("implement"));
        let reqs = server.requests();
        assert_eq!(reqs.last().map(|r| r.path.as_str()), Some(path));
    }
    w.stop().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_model_is_a_provider_timeout_and_a_cancel_stops_the_loop_at_once() {
    let repo = Repo::new();
    let server = ModelServer::start(vec![Reply::Hang, Reply::Hang]);
    let settings = api(&server, true, "gpt-5-mini");
    let w = worker(|c: &mut Config| {
        c.openai = settings;
        c.provider_timeout_seconds = 3;
    })
    .await;
    let (_, run) = w
        .api
        .run_to_end(&job(&repo, "HANG-1", Some("openai-compatible"), false))
        .await;
    assert_outcome(&run, "failed", "provider_timeout", Some("implement"));
    assert!(
        s(&run, "/outcome/reason").contains("timeout of 3 s"),
        "{run:#}"
    );
    assert_eq!(server.requests().len(), 1, "asked once, never answered");

    let id = w
        .api
        .submit(&job(&repo, "HANG-2", Some("openai-compatible"), false))
        .await;
    let start = std::time::Instant::now();
    while server.requests().len() < 2 {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(60),
            "the model was never asked"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let (status, body) = w
        .api
        .post(&format!("/api/v1/runs/{id}/cancel"), &json!({}))
        .await;
    assert_eq!(status, 202, "{body}");
    let cancelled_at = std::time::Instant::now();
    let run = w.api.wait_terminal(&id).await;
    assert!(
        cancelled_at.elapsed() < std::time::Duration::from_secs(2),
        "cancelled within 2 s"
    );
    assert_outcome(&run, "cancelled", "cancelled_by_user", Some("implement"));
    w.stop().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_key_fails_the_run_and_the_error_never_shows_the_key() {
    let repo = Repo::new();
    let server = ModelServer::start(vec![Reply::Status {
        code: 401,
        message: format!("Incorrect API key provided: {KEY}"),
        retry_after: None,
    }]);
    let settings = api(&server, false, "claude-sonnet-4-5");
    let w = worker(|c: &mut Config| c.anthropic = settings).await;
    let (id, run) = w
        .api
        .run_to_end(&job(&repo, "AUTH-1", Some("anthropic"), false))
        .await;
    assert_outcome(&run, "failed", "provider_error", Some("implement"));
    let reason = s(&run, "/outcome/reason");
    assert!(
        reason.contains("(auth)") && reason.contains("401"),
        "{reason}"
    );
    assert!(reason.contains("[REDACTED]"), "{reason}");
    assert_eq!(server.requests().len(), 1, "a 401 is not retried");
    let served = everything(&w, &id).await;
    assert!(!served.contains(KEY), "the key is served");
    w.server.stop().await;
    assert_key_not_stored(w.data.path());
    drop(w.data);
    server.stop().await;
}
