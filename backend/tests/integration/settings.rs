//! Runtime settings over HTTP: the GET shape, locked names (409) and invalid values (422) that
//! change nothing, the history, persistence across restarts, and for each executor setting a run
//! whose behaviour changes after a `PUT /api/v1/settings` (reusing the executor's real-git
//! harness).

use std::collections::BTreeMap;

use mergeloom_worker::config::{Config, Provisioned};
use mergeloom_worker::server;
use serde_json::{Value, json};

use crate::executor::{Api, Repo, Worker, assert_outcome, s, spawn_bin, st, stages, worker};
use crate::support::field_paths;

impl Api {
    async fn put_settings(&self, body: &Value) -> (u16, Value) {
        let resp = self
            .http
            .put(format!("{}/api/v1/settings", self.base))
            .json(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("PUT settings: {e}"));
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    async fn setting(&self, name: &str) -> Value {
        let (status, body) = self.get("/api/v1/settings").await;
        assert_eq!(status, 200, "GET settings: {body}");
        body["settings"][name].clone()
    }

    async fn set_ok(&self, body: Value) {
        let (status, resp) = self.put_settings(&body).await;
        assert_eq!(status, 200, "PUT {body}: {resp}");
    }
}

const NAMES: [&str; 17] = [
    "allowed_commands",
    "command_timeout_seconds",
    "provider_timeout_seconds",
    "max_repair_attempts",
    "heartbeat_interval_seconds",
    "default_provider",
    "default_validation_mode",
    "keep_workspaces",
    "output_limit_bytes_per_run",
    "diff_guard_max_files",
    "diff_guard_max_lines",
    "diff_guard_protected_paths",
    "retention_events_days",
    "retention_audit_days",
    "retention_code_audit_days",
    "retention_events_max_bytes",
    "compliance_mode",
];

fn locked(names: &[(&str, Provisioned)]) -> BTreeMap<String, Provisioned> {
    names.iter().map(|(n, p)| ((*n).to_owned(), *p)).collect()
}

/// Runs `job` on `w` to its end.
async fn run_on(w: &Worker, job: &Value) -> Value {
    let (_, run) = w.api.run_to_end(job).await;
    w.api.wait_executors_idle().await;
    run
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_lists_every_setting_with_default_source_and_unit() {
    let w = worker(|c| {
        c.setting_sources = locked(&[("command_timeout_seconds", Provisioned::Env)]);
        c.command_timeout_seconds = 7;
    })
    .await;
    let (status, body) = w.api.get("/api/v1/settings").await;
    assert_eq!(status, 200, "{body}");
    let settings = body["settings"].as_object().expect("settings object");
    assert_eq!(settings.len(), NAMES.len(), "{body:#}");
    for name in NAMES {
        let v = &settings[name];
        for key in [
            "value",
            "default",
            "source",
            "locked",
            "unit",
            "description",
        ] {
            assert!(v.get(key).is_some(), "{name}.{key} in {v}");
        }
    }
    let ct = &settings["command_timeout_seconds"];
    assert_eq!(ct["value"], json!(7));
    assert_eq!(ct["default"], json!(300));
    assert_eq!(ct["source"], "env");
    assert_eq!(ct["locked"], json!(true));
    assert_eq!(ct["unit"], "seconds");
    let mr = &settings["max_repair_attempts"];
    assert_eq!(
        (mr["value"].clone(), mr["source"].clone()),
        (json!(2), json!("default"))
    );
    assert_eq!(mr["locked"], json!(false));
    assert_eq!(
        settings["allowed_commands"]["default"],
        json!(["git", "rg", "pytest", "python", "python3"])
    );
    assert_eq!(settings["retention_events_days"]["default"], json!(30));
    assert_eq!(settings["compliance_mode"]["locked"], json!(true));
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_locked_name_is_409_and_a_mixed_put_changes_nothing() {
    let w = worker(|c| {
        c.setting_sources = locked(&[("max_repair_attempts", Provisioned::Flag)]);
        c.max_repair_attempts = 1;
    })
    .await;
    let (status, body) = w.api.put_settings(&json!({"max_repair_attempts": 3})).await;
    crate::support::assert_envelope(status, &body, 409, "conflict");
    let (status, body) = w
        .api
        .put_settings(&json!({"keep_workspaces": true, "max_repair_attempts": 3}))
        .await;
    crate::support::assert_envelope(status, &body, 409, "conflict");
    assert_eq!(
        w.api.setting("keep_workspaces").await["value"],
        json!(false)
    );
    assert_eq!(w.api.setting("keep_workspaces").await["source"], "default");
    let mr = w.api.setting("max_repair_attempts").await;
    assert_eq!(
        (mr["value"].clone(), mr["source"].clone()),
        (json!(1), json!("flag"))
    );
    assert!(!w.server.state.settings.get().keep_workspaces);
    // compliance_mode is provisioned only: it can never be changed by PUT.
    let (status, body) = w.api.put_settings(&json!({"compliance_mode": true})).await;
    crate::support::assert_envelope(status, &body, 409, "conflict");
    let (_, history) = w.api.get("/api/v1/settings/history").await;
    assert_eq!(
        history["items"],
        json!([]),
        "no history for refused changes"
    );
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_compliance_mode_provisioned_on_cannot_be_turned_off() {
    let w = worker(|c| {
        c.compliance_mode = true;
        c.setting_sources = locked(&[("compliance_mode", Provisioned::Env)]);
    })
    .await;
    let (status, body) = w.api.put_settings(&json!({"compliance_mode": false})).await;
    crate::support::assert_envelope(status, &body, 409, "conflict");
    let cm = w.api.setting("compliance_mode").await;
    assert_eq!(
        (cm["value"].clone(), cm["source"].clone()),
        (json!(true), json!("env"))
    );
    assert!(w.server.state.settings.get().compliance_mode);
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_invalid_values_are_422_with_paths_and_change_nothing() {
    let w = worker(|_| {}).await;
    let (status, body) = w
        .api
        .put_settings(&json!({
            "keep_workspaces": true,
            "command_timeout_seconds": 0,
            "allowed_commands": ["/bin/sh"],
            "no_such_setting": 1,
        }))
        .await;
    crate::support::assert_envelope(status, &body, 422, "validation_failed");
    let mut paths = field_paths(&body);
    paths.sort();
    assert_eq!(
        paths,
        [
            "allowed_commands",
            "command_timeout_seconds",
            "no_such_setting"
        ]
    );
    assert_eq!(
        w.api.setting("keep_workspaces").await["value"],
        json!(false)
    );
    assert_eq!(
        w.api.setting("command_timeout_seconds").await["value"],
        json!(300)
    );
    assert!(!w.server.state.settings.get().keep_workspaces);
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_history_records_old_new_and_who() {
    let w = worker(|_| {}).await;
    w.api.set_ok(json!({"max_repair_attempts": 4})).await;
    w.api
        .set_ok(json!({"max_repair_attempts": 5, "keep_workspaces": false}))
        .await;
    let (status, body) = w.api.get("/api/v1/settings/history").await;
    assert_eq!(status, 200, "{body}");
    let items = body["items"].as_array().expect("items");
    // keep_workspaces did not change, so only the two max_repair_attempts changes are recorded.
    assert_eq!(items.len(), 2, "{body:#}");
    assert_eq!(items[0]["name"], "max_repair_attempts");
    assert_eq!(
        (items[0]["old_value"].clone(), items[0]["new_value"].clone()),
        (json!(4), json!(5))
    );
    assert_eq!(
        (items[1]["old_value"].clone(), items[1]["new_value"].clone()),
        (json!(2), json!(4))
    );
    assert_eq!(items[0]["who"], "loopback");
    assert!(
        items[0]["changed_at"]
            .as_str()
            .is_some_and(|t| !t.is_empty())
    );
    let (_, page) = w.api.get("/api/v1/settings/history?limit=1").await;
    let cursor = s(&page, "/next_cursor");
    let (_, next) = w
        .api
        .get(&format!("/api/v1/settings/history?limit=1&cursor={cursor}"))
        .await;
    assert_eq!(next["items"][0]["new_value"], json!(4));
    w.stop().await;

    let w = worker(|c| c.auth_token = Some("s3cret-token".into())).await;
    let resp = w
        .api
        .http
        .put(format!("{}/api/v1/settings", w.api.base))
        .bearer_auth("s3cret-token")
        .json(&json!({"keep_workspaces": true}))
        .send()
        .await
        .expect("PUT with a token");
    assert_eq!(resp.status().as_u16(), 200);
    let body: Value = w
        .api
        .http
        .get(format!("{}/api/v1/settings/history", w.api.base))
        .bearer_auth("s3cret-token")
        .send()
        .await
        .expect("history")
        .json()
        .await
        .expect("history JSON");
    let who = s(&body, "/items/0/who");
    assert!(
        who.starts_with("token:") && !who.contains("s3cret"),
        "{who}"
    );
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_set_in_the_ui_survive_a_restart() {
    let data = tempfile::tempdir().expect("data dir");
    let start = |c: Config| async move { server::start(c).await.expect("start") };
    let srv = start(Config::for_data_dir(data.path().to_path_buf())).await;
    let api = Api::new(srv.url());
    api.set_ok(json!({"diff_guard_max_lines": 77, "default_validation_mode": "advisory"}))
        .await;
    srv.stop().await;
    let mut config = Config::for_data_dir(data.path().to_path_buf());
    // A value provisioned at the next start wins over the stored one, and is locked.
    config.setting_sources = locked(&[("default_validation_mode", Provisioned::Flag)]);
    config.default_validation_mode = "off".into();
    let srv = start(config).await;
    let api = Api::new(srv.url());
    let dl = api.setting("diff_guard_max_lines").await;
    assert_eq!(
        (dl["value"].clone(), dl["source"].clone()),
        (json!(77), json!("ui"))
    );
    assert_eq!(srv.state.settings.get().diff_guard_max_lines, 77);
    let vm = api.setting("default_validation_mode").await;
    assert_eq!(
        (vm["value"].clone(), vm["source"].clone()),
        (json!("off"), json!("flag"))
    );
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_given_by_flag_and_environment_are_locked_with_their_source() {
    let data = tempfile::tempdir().expect("data dir");
    let logs = tempfile::tempdir().expect("log dir");
    let mut bin = spawn_bin(
        data.path(),
        &["--max-repair-attempts", "1"],
        &[
            ("JCA_WORKER_KEEP_WORKSPACES", "true"),
            ("JCA_WORKER_RETENTION_EVENTS_DAYS", "7"),
        ],
        &logs.path().join("worker.log"),
    )
    .await;
    for (name, value, source) in [
        ("max_repair_attempts", json!(1), "flag"),
        ("keep_workspaces", json!(true), "env"),
        ("retention_events_days", json!(7), "env"),
        ("command_timeout_seconds", json!(300), "default"),
    ] {
        let v = bin.api.setting(name).await;
        assert_eq!(
            (v["value"].clone(), v["source"].clone()),
            (value, json!(source)),
            "{name}: {v}"
        );
        assert_eq!(v["locked"], json!(source != "default"), "{name}: {v}");
    }
    let (status, body) = bin
        .api
        .put_settings(&json!({"keep_workspaces": false}))
        .await;
    crate::support::assert_envelope(status, &body, 409, "conflict");
    bin.child.kill().await.expect("stop the worker");
}

// ---------------------------------------------------------------------------------------------
// One test per executor setting: a PUT changes what the next run does.
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_max_repair_attempts_changes_how_many_repairs_run() {
    let repo = Repo::new();
    let agent = repo.agent("never", "wrong_change(ATTEMPT if STAGE == 'repair' else 0)");
    let mut job = repo.job("ST-1", &agent);
    job.as_object_mut()
        .expect("job")
        .remove("max_repair_attempts");
    let w = worker(|_| {}).await;
    w.api.set_ok(json!({"max_repair_attempts": 1})).await;
    let run = run_on(&w, &job).await;
    assert_outcome(&run, "failed", "validation_failed", Some("repair"));
    let got = stages(&run);
    assert!(got.contains(&st("repair", 1, "succeeded")), "{got:?}");
    assert!(
        !got.iter().any(|(n, a, _)| n == "repair" && *a > 1),
        "{got:?}"
    );
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_allowed_commands_blocks_a_command() {
    let repo = Repo::new();
    let agent = repo.agent("fix", "fix()");
    let w = worker(|_| {}).await;
    w.api.set_ok(json!({"allowed_commands": ["git"]})).await;
    let (status, body) = w.api.post("/api/v1/jobs", &repo.job("ST-2", &agent)).await;
    assert_eq!(status, 422, "python3 is no longer allowed: {body}");
    assert!(body.to_string().contains("python3"), "{body}");
    w.api
        .set_ok(json!({"allowed_commands": ["git", "python3"]}))
        .await;
    let run = run_on(&w, &repo.job("ST-2b", &agent)).await;
    assert_outcome(&run, "completed", "published", None);
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_command_timeout_times_out_a_command() {
    let repo = Repo::new();
    let agent = repo.agent("fix", "fix()");
    let mut job = repo.job("ST-3", &agent);
    job["validation"]["commands"] = json!([["python3", "-c", "import time; time.sleep(30)"]]);
    let w = worker(|_| {}).await;
    w.api.set_ok(json!({"command_timeout_seconds": 1})).await;
    let run = run_on(&w, &job).await;
    assert_outcome(&run, "failed", "command_timeout", Some("validate"));
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_provider_timeout_times_out_a_step() {
    let repo = Repo::new();
    let agent = repo.agent("sleeper", "time.sleep(30)\nfix()");
    let w = worker(|_| {}).await;
    w.api.set_ok(json!({"provider_timeout_seconds": 1})).await;
    let run = run_on(&w, &repo.job("ST-4", &agent)).await;
    assert_outcome(&run, "failed", "provider_timeout", Some("implement"));
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_default_validation_mode_applies_to_jobs_that_name_none() {
    let repo = Repo::new();
    let agent = repo.agent("wrong", "wrong_change()");
    let mut job = repo.job("ST-5", &agent);
    job["validation"]
        .as_object_mut()
        .expect("validation")
        .remove("mode");
    let w = worker(|_| {}).await;
    w.api
        .set_ok(json!({"default_validation_mode": "advisory"}))
        .await;
    let run = run_on(&w, &job).await;
    assert_outcome(&run, "completed", "published_with_advisory_failures", None);
    assert_eq!(run["validation"]["mode"], json!("advisory"));
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_keep_workspaces_keeps_the_worktree() {
    let repo = Repo::new();
    let agent = repo.agent("fix", "fix()");
    let w = worker(|_| {}).await;
    w.api.set_ok(json!({"keep_workspaces": true})).await;
    let run = run_on(&w, &repo.job("ST-6", &agent)).await;
    assert_outcome(&run, "completed", "published", None);
    assert!(w.worktree(&s(&run, "/id")).exists(), "the worktree is kept");
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_output_limit_stops_a_run() {
    let repo = Repo::new();
    let agent = repo.agent(
        "loud",
        "line = 'x' * 99\nfor _ in range(1000):\n    print(line)\nsys.stdout.flush()\nfix()",
    );
    let w = worker(|_| {}).await;
    w.api
        .set_ok(json!({"output_limit_bytes_per_run": 20_000}))
        .await;
    let run = run_on(&w, &repo.job("ST-7", &agent)).await;
    assert_outcome(&run, "failed", "output_limit", Some("implement"));
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_diff_guard_limits_and_protected_paths_block_runs() {
    let repo = Repo::new();
    let two = repo.agent("two", "fix()\nwrite('NOTES.md', 'notes\\n')");
    let long = repo.agent(
        "long",
        "fix()\nwrite('NOTES.md', 'a\\nb\\nc\\nd\\ne\\nf\\n')",
    );
    let secret = repo.agent("secretdir", "fix()\nwrite('secrets/x', 'x = 1\\n')");
    let w = worker(|_| {}).await;
    w.api.set_ok(json!({"diff_guard_max_files": 1})).await;
    let run = run_on(&w, &repo.job("ST-8a", &two)).await;
    assert_outcome(&run, "blocked", "diff_guard", Some("diff_guard"));
    w.api
        .set_ok(json!({"diff_guard_max_files": 50, "diff_guard_max_lines": 4}))
        .await;
    let run = run_on(&w, &repo.job("ST-8b", &long)).await;
    assert_outcome(&run, "blocked", "diff_guard", Some("diff_guard"));
    w.api
        .set_ok(json!({"diff_guard_max_lines": 2000, "diff_guard_protected_paths": ["secrets/"]}))
        .await;
    let run = run_on(&w, &repo.job("ST-8c", &secret)).await;
    assert_outcome(&run, "blocked", "diff_guard", Some("diff_guard"));
    w.stop().await;
}

/// The executors' last heartbeat as `GET /api/v1/executors` shows it.
async fn last_heartbeat(w: &Worker) -> String {
    let (status, body) = w.api.get("/api/v1/executors").await;
    assert_eq!(status, 200, "executors: {body}");
    s(&body, "/items/0/last_heartbeat_at")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_heartbeat_interval_changes_the_heartbeat_cadence() {
    let w = worker(|c| c.heartbeat_interval_seconds = 1).await;
    // Every second: the heartbeat moves (polled generously, no timing assertion).
    let first = last_heartbeat(&w).await;
    let start = std::time::Instant::now();
    while last_heartbeat(&w).await == first {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(30),
            "no heartbeat at a 1 s interval"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // An hour: after the heartbeat already waiting lands, no other comes.
    w.api
        .put_settings(&json!({"heartbeat_interval_seconds": 3600}))
        .await;
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let settled = last_heartbeat(&w).await;
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    assert_eq!(
        last_heartbeat(&w).await,
        settled,
        "no heartbeat within seconds at a 3600 s interval"
    );
    // The executor is not called stale: staleness is measured in the new interval.
    let (_, body) = w.api.get("/api/v1/executors").await;
    assert_eq!(s(&body, "/items/0/status"), "idle", "{body}");
    w.stop().await;
}
