//! Provider configuration over HTTP: settings managed on the Providers page with secrets sealed
//! at rest under the key file, masked in every response, redacted from run events; provisioned
//! (flag or environment) fields locked; partial updates that are all-or-nothing.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use mergeloom_worker::config::{Config, ProviderConfigMode};
use mergeloom_worker::server;
use mergeloom_worker::settings::Secret;
use serde_json::{Value, json};

use crate::executor::{Repo, worker};
use crate::support::{TestServer, assert_envelope, client, field_paths, str_at};

/// A key that matches none of the redactor's token shapes, so only its registration as a
/// provider secret can redact it.
const KEY: &str = "mlw-live-5f1c9a7e2b4d8c6a0e3f7b1d-QX9Z";

async fn put(http: &reqwest::Client, base: &str, id: &str, settings: Value) -> (u16, String) {
    let resp = http
        .put(format!("{base}/api/v1/providers/{id}"))
        .json(&json!({ "settings": settings }))
        .send()
        .await
        .expect("PUT provider");
    let status = resp.status().as_u16();
    (status, resp.text().await.expect("body"))
}

async fn list(http: &reqwest::Client, base: &str) -> (String, Value) {
    let text = http
        .get(format!("{base}/api/v1/providers"))
        .send()
        .await
        .expect("GET providers")
        .text()
        .await
        .expect("body");
    let v: Value = serde_json::from_str(&text).expect("JSON");
    (text, v)
}

fn item<'a>(list: &'a Value, id: &str) -> &'a Value {
    list["items"]
        .as_array()
        .and_then(|a| a.iter().find(|i| i["id"] == id))
        .unwrap_or_else(|| panic!("no provider {id} in {list}"))
}

/// Every byte of the database files (main, WAL, shared memory).
fn database_bytes(data_dir: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(data_dir)
        .expect("read data dir")
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("mergeloom.sqlite3") {
            out.extend(std::fs::read(entry.path()).expect("read database file"));
        }
    }
    assert!(
        !out.is_empty(),
        "no database files in {}",
        data_dir.display()
    );
    out
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_secrets_are_sealed_masked_kept_on_echo_and_cleared() {
    let dir = tempfile::tempdir().expect("data dir");
    let model_server = crate::model_server::ModelServer::start(Vec::new());
    let endpoint = format!("{}/v1", model_server.url);
    let http = client();
    let srv = server::start(Config::for_data_dir(dir.path().to_path_buf()))
        .await
        .expect("start");
    let base = srv.url();

    let key_file = dir.path().join("provider_secret.key");
    let mode = std::fs::metadata(&key_file)
        .expect("the key file exists")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "key file mode");

    let (_, providers) = list(&http, &base).await;
    let ids: Vec<&str> = providers["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["id"].as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "command",
            "claude-code-cli",
            "codex-cli",
            "gemini-cli",
            "openai-compatible",
            "anthropic"
        ]
    );
    let openai = item(&providers, "openai-compatible");
    assert_eq!(openai["source"], "ui");
    assert_eq!(openai["locked_fields"], json!([]));
    assert_eq!(openai["settings"]["api_key"], Value::Null);
    assert_eq!(openai["readiness"]["status"], "not_ready");

    let (status, text) = put(
        &http,
        &base,
        "openai-compatible",
        json!({"base_url": endpoint, "model": "gpt-test", "api_key": KEY}),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    assert!(
        !text.contains(KEY),
        "the PUT response holds the key: {text}"
    );
    let v: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(v["settings"]["api_key"], "…QX9Z");
    assert_eq!(v["settings"]["model"], "gpt-test");
    // Key, model and endpoint (its models listing, with the key) pass: ready to run jobs.
    assert_eq!(v["readiness"]["status"], "ready", "{v}");
    assert_eq!(
        srv.state.settings.get().openai.api_key,
        Some(Secret(KEY.into())),
        "runs see the key"
    );

    // The masked echo keeps the key while another field changes.
    let (status, text) = put(
        &http,
        &base,
        "openai-compatible",
        json!({"api_key": "…QX9Z", "model": "gpt-test-2"}),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(
        srv.state.settings.get().openai.api_key,
        Some(Secret(KEY.into()))
    );
    assert_eq!(
        srv.state.settings.get().openai.model.as_deref(),
        Some("gpt-test-2")
    );

    // Never in plain text: not in any response, not in the database files.
    for path in [
        "/api/v1/providers",
        "/api/v1/health",
        "/api/v1/openapi.json",
    ] {
        let body = http
            .get(format!("{base}{path}"))
            .send()
            .await
            .expect("GET")
            .text()
            .await
            .expect("body");
        assert!(!body.contains(KEY), "{path} holds the key");
    }
    let check = http
        .post(format!("{base}/api/v1/providers/openai-compatible/check"))
        .send()
        .await
        .expect("POST check");
    assert_eq!(check.status().as_u16(), 200);
    let check = check.text().await.expect("body");
    assert!(!check.contains(KEY));
    assert!(
        check.contains("\"name\":\"endpoint\",\"ok\":true"),
        "{check}"
    );
    srv.stop().await;
    assert!(
        !contains(&database_bytes(dir.path()), KEY),
        "the key is in the database in plain text"
    );
    assert!(
        !contains(&database_bytes(dir.path()), &KEY[..16]),
        "part of the key is in the database in plain text"
    );

    // A restart decrypts the stored key with the same key file.
    let srv = server::start(Config::for_data_dir(dir.path().to_path_buf()))
        .await
        .expect("restart");
    let base = srv.url();
    assert_eq!(
        srv.state.settings.get().openai.api_key,
        Some(Secret(KEY.into()))
    );
    let (_, providers) = list(&http, &base).await;
    assert_eq!(
        item(&providers, "openai-compatible")["settings"]["api_key"],
        "…QX9Z"
    );

    // "" clears it.
    let (status, text) = put(&http, &base, "openai-compatible", json!({"api_key": ""})).await;
    assert_eq!(status, 200, "{text}");
    let v: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(v["settings"]["api_key"], Value::Null);
    assert_eq!(v["settings"]["model"], "gpt-test-2");
    assert_eq!(v["readiness"]["status"], "not_ready");
    assert_eq!(srv.state.settings.get().openai.api_key, None);
    srv.stop().await;
    model_server.stop().await;
}

#[tokio::test]
async fn provisioned_provider_fields_are_locked_and_a_locked_put_changes_nothing() {
    let ts = TestServer::start_with(|c| {
        c.anthropic.model = Some("claude-provisioned".into());
        c.anthropic.api_key = Some(Secret(KEY.into()));
    })
    .await;
    let base = ts.server.url();
    let (text, providers) = list(&ts.http, &base).await;
    assert!(!text.contains(KEY), "a provisioned key is returned");
    let a = item(&providers, "anthropic");
    assert_eq!(a["source"], "provisioned");
    assert_eq!(a["locked_fields"], json!(["model", "api_key"]));
    assert_eq!(a["settings"]["api_key"], "…QX9Z");
    assert_eq!(a["settings"]["model"], "claude-provisioned");
    assert_eq!(a["secret_fields"], json!(["api_key"]));

    // A locked field in the update refuses all of it, the unlocked base_url too.
    let (status, text) = put(
        &ts.http,
        &base,
        "anthropic",
        json!({"base_url": "http://127.0.0.1:9/", "model": "other"}),
    )
    .await;
    let body: Value = serde_json::from_str(&text).expect("JSON");
    assert_envelope(status, &body, 409, "conflict");
    let (_, after) = list(&ts.http, &base).await;
    assert_eq!(
        item(&after, "anthropic")["settings"]["base_url"],
        Value::Null
    );
    assert_eq!(
        item(&after, "anthropic")["settings"]["model"],
        "claude-provisioned"
    );
    // Even echoing the masked provisioned key is a change of a locked field.
    let (status, _) = put(&ts.http, &base, "anthropic", json!({"api_key": "…QX9Z"})).await;
    assert_eq!(status, 409);
    let settings = ts.state().settings.get();
    assert_eq!(settings.anthropic.api_key, Some(Secret(KEY.into())));
    assert_eq!(settings.anthropic.base_url, None);

    // The unlocked field alone is accepted.
    let (status, text) = put(
        &ts.http,
        &base,
        "anthropic",
        json!({"base_url": "http://127.0.0.1:9/"}),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    ts.stop().await;

    // In provisioned mode every field is locked.
    let ts =
        TestServer::start_with(|c| c.provider_config_mode = ProviderConfigMode::Provisioned).await;
    let base = ts.server.url();
    let (_, providers) = list(&ts.http, &base).await;
    let o = item(&providers, "openai-compatible");
    assert_eq!(o["source"], "provisioned");
    assert_eq!(
        o["locked_fields"],
        json!(["base_url", "model", "api_key", "max_turns"])
    );
    let (status, _) = put(&ts.http, &base, "openai-compatible", json!({"model": "m"})).await;
    assert_eq!(status, 409);
    assert_eq!(ts.state().settings.get().openai.model, None);
    ts.stop().await;
}

#[tokio::test]
async fn invalid_provider_settings_are_422_with_field_paths() {
    let ts = TestServer::start().await;
    let base = ts.server.url();
    let (status, text) = put(
        &ts.http,
        &base,
        "openai-compatible",
        json!({"base_url": "ftp://models.example", "model": "gpt 4", "temperature": "1", "api_key": 7}),
    )
    .await;
    let body: Value = serde_json::from_str(&text).expect("JSON");
    assert_envelope(status, &body, 422, "validation_failed");
    let mut paths = field_paths(&body);
    paths.sort();
    assert_eq!(
        paths,
        [
            "settings.api_key",
            "settings.base_url",
            "settings.model",
            "settings.temperature"
        ]
    );
    // A masked value that matches no stored secret is not taken for a key.
    let (status, text) = put(&ts.http, &base, "anthropic", json!({"api_key": "…abcd"})).await;
    let body: Value = serde_json::from_str(&text).expect("JSON");
    assert_envelope(status, &body, 422, "validation_failed");
    assert_eq!(field_paths(&body), ["settings.api_key"]);
    // A command with shell syntax is refused; nothing changed.
    let (status, _) = put(&ts.http, &base, "command", json!({"command": "a && b"})).await;
    assert_eq!(status, 422);
    let settings = ts.state().settings.get();
    assert_eq!(settings.openai.model, None);
    assert_eq!(settings.anthropic.api_key, None);
    assert_eq!(settings.command_provider, None);

    let (status, text) = put(&ts.http, &base, "nope", json!({})).await;
    let body: Value = serde_json::from_str(&text).expect("JSON");
    assert_envelope(status, &body, 404, "not_found");
    let resp = ts
        .http
        .put(ts.url("/api/v1/providers/anthropic"))
        .json(&json!({"model": "m"}))
        .send()
        .await
        .expect("PUT");
    assert_eq!(resp.status().as_u16(), 422, "settings must be wrapped");
    ts.stop().await;
}

#[tokio::test]
async fn provider_keys_set_on_the_providers_page_are_redacted_from_run_events() {
    let repo = Repo::new();
    let w = worker(|_| {}).await;
    let base = w.server.url();
    let (status, text) = put(
        &w.api.http,
        &base,
        "anthropic",
        json!({"api_key": KEY, "model": "claude-test"}),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    // The command provider, set on the page too, prints the key on stdout and stderr.
    let agent = repo.agent(
        "leak",
        &format!("print({KEY:?})\nprint('key: ' + {KEY:?}, file=sys.stderr)\nfix()"),
    );
    let (status, text) = put(
        &w.api.http,
        &base,
        "command",
        json!({"command": format!("python3 {agent}")}),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let mut job = repo.job("LEAK-1", &agent);
    job.as_object_mut().expect("job").remove("provider");
    job["provider"] = json!({"id": "command"});
    let run_id = w.api.submit(&job).await;
    let run = w.api.wait_terminal(&run_id).await;
    assert_eq!(str_at(&run, "/status"), "completed", "{run}");
    let events = serde_json::to_string(&w.api.events(&run_id).await).expect("events JSON");
    assert!(
        events.contains("key: [REDACTED]"),
        "the agent's output is recorded, redacted: {events}"
    );
    assert!(!events.contains(KEY), "a run event holds the key");
    let log = w.api.text(&format!("/api/v1/runs/{run_id}/log.txt")).await;
    assert!(!log.contains(KEY), "the run log holds the key");
    w.stop().await;
}
