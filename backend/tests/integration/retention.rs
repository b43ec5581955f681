//! Retention over HTTP: events older than the policy go (every events endpoint answers 410, the
//! run keeps its summary) while audit records remain; the size cap removes whole runs' events,
//! oldest ended runs first; audit pruning removes records and diffs (410) but never a running
//! run; Code Audit evidence goes after its days; compliance mode blocks audit and code-audit
//! pruning and cannot be switched off; the preview equals what the prune then removes; the
//! database file shrinks after a large prune. Real runs (the executor harness) where the data
//! must be real, seeded rows (through the writer, back-dated) where volume matters.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use mergeloom_worker::api::AppState;
use mergeloom_worker::config::Provisioned;
use mergeloom_worker::db::events::append_in_tx;
use mergeloom_worker::sink::NewEvent;
use serde_json::{Value, json};

use crate::executor::{Repo, Worker, assert_outcome, s, worker};
use crate::support::{TestServer, assert_envelope};

/// A stored timestamp `days` ago.
fn days_ago(days: i64) -> String {
    mergeloom_worker::time::format(chrono::Utc::now() - chrono::Duration::days(days))
}

/// Back-dates a run's end (and its Code Audit evidence) by `days`.
async fn backdate(state: &AppState, run_id: &str, days: i64) {
    let id = run_id.to_owned();
    state
        .db
        .writer
        .exec(4, move |c, _| {
            use mergeloom_worker::schema::{code_evidence, runs};
            let at = days_ago(days);
            diesel::update(runs::table.find(&id))
                .set((
                    runs::finished_at.eq(Some(at.clone())),
                    runs::started_at.eq(Some(days_ago(days + 1))),
                ))
                .execute(c)?;
            diesel::update(code_evidence::table.filter(code_evidence::run_id.eq(&id)))
                .set(code_evidence::created_at.eq(at))
                .execute(c)?;
            Ok(())
        })
        .await
        .expect("back-date the run");
}

/// Sets a seeded run's status (and end, for terminal ones) and appends `events` log events of
/// `text_bytes` bytes each through the writer's own append (seqs and byte figures as in ingest).
async fn seed(
    state: &AppState,
    run_id: &str,
    status: &str,
    finished_days_ago: Option<i64>,
    events: usize,
    text_bytes: usize,
) {
    let (id, status) = (run_id.to_owned(), status.to_owned());
    let line = "x".repeat(text_bytes);
    let mut left = events;
    while left > 0 {
        let n = left.min(2000);
        left -= n;
        let (id, line) = (id.clone(), line.clone());
        state
            .db
            .writer
            .exec(n, move |c, ctx| {
                let batch = (0..n)
                    .map(|i| {
                        NewEvent::log("implement", 1, "stdout", "provider", format!("{i} {line}"))
                    })
                    .collect();
                append_in_tx(c, ctx, &id, batch)?;
                Ok(())
            })
            .await
            .expect("append events");
    }
    state
        .db
        .writer
        .exec(1, move |c, _| {
            use mergeloom_worker::schema::runs;
            diesel::update(runs::table.find(&id))
                .set((
                    runs::status.eq(&status),
                    runs::finished_at.eq(finished_days_ago.map(days_ago)),
                ))
                .execute(c)?;
            Ok(())
        })
        .await
        .expect("set the run's status");
}

/// Adds a stored file change with a diff to a run (the audit evidence a prune removes).
async fn add_file_change(state: &AppState, run_id: &str, path: &str) {
    let (id, path) = (run_id.to_owned(), path.to_owned());
    state
        .db
        .writer
        .exec(1, move |c, _| {
            diesel::sql_query(
                "INSERT INTO file_changes (run_id, path, change, additions, deletions, diff) \
                 VALUES (?, ?, 'modified', 1, 1, '--- a\n+++ b\n-x\n+y\n')",
            )
            .bind::<diesel::sql_types::Text, _>(&id)
            .bind::<diesel::sql_types::Text, _>(&path)
            .execute(c)?;
            Ok(())
        })
        .await
        .expect("add a file change");
}

/// Stored rows of a run: (events, file changes), and its events' seqs are 1..=n without a gap.
async fn stored(state: &AppState, run_id: &str) -> (i64, i64) {
    let id = run_id.to_owned();
    state
        .db
        .read(move |c| {
            use mergeloom_worker::schema::{events, file_changes};
            let c: &mut SqliteConnection = c;
            let seqs: Vec<i64> = events::table
                .filter(events::run_id.eq(&id))
                .order(events::seq.asc())
                .select(events::seq)
                .load(c)?;
            for (i, s) in seqs.iter().enumerate() {
                assert_eq!(*s, i as i64 + 1, "run {id} has no seq gap");
            }
            let files: i64 = file_changes::table
                .filter(file_changes::run_id.eq(&id))
                .count()
                .get_result(c)?;
            Ok((seqs.len() as i64, files))
        })
        .await
        .expect("read stored rows")
}

async fn put_settings(t: &TestServer, body: &Value) -> (u16, Value) {
    let resp = t
        .http
        .put(t.url("/api/v1/settings"))
        .json(body)
        .send()
        .await
        .expect("PUT settings");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn prune(t: &TestServer) -> Value {
    let resp = t
        .post("/api/v1/retention/prune")
        .send()
        .await
        .expect("POST prune");
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.expect("prune answers JSON");
    assert_eq!(status, 200, "prune: {body}");
    body
}

async fn preview(t: &TestServer, query: &str) -> Value {
    let (status, body) = t
        .get_json(&format!("/api/v1/retention/preview{query}"))
        .await;
    assert_eq!(status, 200, "preview: {body}");
    body
}

/// The figures a preview and a prune share.
fn figures(v: &Value) -> Value {
    json!({"events": v["events"], "audit": v["audit"], "code_audit": v["code_audit"]})
}

/// A real, published run on a worker with one executor.
async fn published_run(w: &Worker, repo: &Repo, key: &str) -> String {
    let agent = repo.agent(&format!("fix-{key}"), "fix()");
    let (id, run) = w.api.run_to_end(&repo.job(key, &agent)).await;
    w.api.wait_executors_idle().await;
    assert_outcome(&run, "completed", "published", None);
    id
}

async fn post(w: &Worker, path: &str) -> (u16, Value) {
    w.api.post(path, &json!({})).await
}

/// PUT /api/v1/settings on a worker, asserting 200.
async fn put_w(w: &Worker, body: &Value) {
    let resp = w
        .api
        .http
        .put(format!("{}/api/v1/settings", w.api.base))
        .json(body)
        .send()
        .await
        .expect("PUT settings");
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_default();
    assert_eq!(status, 200, "PUT {body}: {text}");
}

async fn status_of(w: &Worker, path: &str) -> u16 {
    w.api
        .http
        .get(format!("{}{path}", w.api.base))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"))
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_events_days_prunes_old_events_while_the_audit_record_remains() {
    let repo = Repo::new();
    let w = worker(|_| {}).await;
    let old = published_run(&w, &repo, "RT-1").await;
    let recent = published_run(&w, &repo, "RT-2").await;
    let before = w.api.run(&old).await;
    assert!(before["event_count"].as_i64().unwrap_or(0) > 0);
    backdate(&w.server.state, &old, 40).await;

    // The preview (default policy: 30 days) names exactly the old run's events.
    let (_, pv) = w.api.get("/api/v1/retention/preview").await;
    assert_eq!(pv["events"]["runs"], 1, "{pv}");
    assert_eq!(pv["events"]["events"], before["event_count"], "{pv}");
    assert!(pv["events"]["bytes"].as_i64().unwrap_or(0) > 0);
    let (status, report) = post(&w, "/api/v1/retention/prune").await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        figures(&report),
        figures(&pv),
        "the prune removed what the preview said"
    );

    for path in [
        format!("/api/v1/runs/{old}/events"),
        format!("/api/v1/runs/{old}/events/search?q=x"),
        format!("/api/v1/runs/{old}/events/stream"),
        format!("/api/v1/runs/{old}/log.txt"),
        format!("/api/v1/runs/{old}/events.ndjson"),
    ] {
        let (status, body) = w.api.get(&path).await;
        assert_envelope(status, &body, 410, "gone");
    }
    let run = w.api.run(&old).await;
    assert_eq!(run["retention"]["events_retained"], false);
    assert_eq!(run["retention"]["audit_retained"], true);
    assert_eq!(
        run["event_count"], before["event_count"],
        "the summary row stays"
    );
    assert_eq!(run["status"], "completed");
    assert_eq!(
        stored(&w.server.state, &old).await.0,
        0,
        "no event row is left"
    );

    // The audit record and its diffs remain; it says the events are gone.
    let (status, rec) = w.api.get(&format!("/api/v1/audit/runs/{old}")).await;
    assert_eq!(status, 200, "{rec}");
    assert_eq!(rec["retention"]["events_retained"], false);
    let path = s(&rec, "/files/0/path");
    assert_eq!(
        status_of(&w, &format!("/api/v1/audit/runs/{old}/diff?path={path}")).await,
        200
    );
    // The recent run keeps everything.
    assert_eq!(
        status_of(&w, &format!("/api/v1/runs/{recent}/events")).await,
        200
    );
    assert_eq!(
        w.api.run(&recent).await["retention"]["events_retained"],
        true
    );
    // Nothing left to prune: a second prune removes nothing.
    let (_, again) = post(&w, "/api/v1/retention/prune").await;
    assert_eq!(again["events"]["runs"], 0);
    let (_, status_doc) = w.api.get("/api/v1/retention").await;
    assert_eq!(status_doc["last_prune"]["events"]["runs"], 0);
    assert_eq!(status_doc["running"], false);
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_events_days_zero_keeps_events() {
    let t = TestServer::start().await;
    let id = t.submit_run("RZ-1").await;
    seed(t.state(), &id, "completed", Some(400), 10, 20).await;
    let (status, body) = put_settings(&t, &json!({"retention_events_days": 0})).await;
    assert_eq!(status, 200, "{body}");
    let report = prune(&t).await;
    assert_eq!(report["events"]["runs"], 0, "{report}");
    assert!(stored(t.state(), &id).await.0 > 0);
    let (status, body) = put_settings(&t, &json!({"retention_events_days": 300})).await;
    assert_eq!(status, 200, "{body}");
    let report = prune(&t).await;
    assert_eq!(report["events"]["runs"], 1, "{report}");
    assert_eq!(stored(t.state(), &id).await.0, 0);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_events_max_bytes_removes_whole_runs_oldest_first_never_a_running_one() {
    let t = TestServer::start().await;
    // A running run that started first (it must never be touched) and five ended runs, all
    // within the age limit, ended 5, 4, 3, 2, 1 days ago.
    let running = t.submit_run("CAP-RUN").await;
    seed(t.state(), &running, "running", None, 100, 100).await;
    let mut ended = Vec::new();
    for d in (1..=5).rev() {
        let id = t.submit_run(&format!("CAP-{d}")).await;
        seed(t.state(), &id, "failed", Some(d), 100, 100).await;
        ended.push(id);
    }
    let pv_all = preview(&t, "?events_max_bytes=0").await;
    assert_eq!(pv_all["events"]["runs"], 0, "no cap, nothing to do");
    // Bytes of one run: about 100 × (100 + fixed fields); a cap of 3.5 runs' worth over six
    // runs means the three oldest ended runs go (the running one counts but cannot go).
    let total: i64 = {
        let state = t.state().clone();
        state
            .db
            .read(|c| mergeloom_worker::retention::plan::total_event_bytes(c))
            .await
            .expect("sum")
    };
    let per_run = total / 6;
    let cap = per_run * 7 / 2;
    let pv = preview(&t, &format!("?events_max_bytes={cap}")).await;
    assert_eq!(pv["events"]["runs"], 3, "{pv}");
    let (status, body) = put_settings(&t, &json!({"retention_events_max_bytes": cap})).await;
    assert_eq!(status, 200, "{body}");
    let report = prune(&t).await;
    assert_eq!(figures(&report), figures(&pv));
    for (i, id) in ended.iter().enumerate() {
        let (events, _) = stored(t.state(), id).await;
        let run = t.run(id).await;
        if i < 3 {
            assert_eq!(
                events,
                0,
                "run ended {} days ago lost all its events",
                5 - i
            );
            assert_eq!(run["retention"]["events_retained"], false);
        } else {
            assert!(events >= 100, "a newer run keeps all its events");
            assert_eq!(run["retention"]["events_retained"], true);
        }
    }
    assert!(
        stored(t.state(), &running).await.0 >= 100,
        "the running run keeps its events"
    );
    assert_eq!(t.run(&running).await["retention"]["events_retained"], true);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_audit_days_removes_records_and_diffs_but_never_a_running_run() {
    let repo = Repo::new();
    let w = worker(|_| {}).await;
    let old = published_run(&w, &repo, "AU-1").await;
    let rec = w.api.get(&format!("/api/v1/audit/runs/{old}")).await.1;
    let path = s(&rec, "/files/0/path");
    backdate(&w.server.state, &old, 20).await;
    // A "running" run with an old end stamp and a stored diff: never pruned.
    let running = w
        .api
        .submit(&json!({
            "ticket": {"key": "AU-RUN", "title": "t"},
            "repository": {"url": "/nonexistent/repo.git"},
            "provider": {"command": ["python3", "-c", "0"]}
        }))
        .await;
    w.api.wait_terminal(&running).await;
    w.api.wait_executors_idle().await;
    seed(&w.server.state, &running, "running", Some(30), 1, 10).await;
    add_file_change(&w.server.state, &running, "kept.py").await;

    // audit_days = 0 (the default) keeps everything.
    let (_, none) = w.api.get("/api/v1/retention/preview").await;
    assert_eq!(none["audit"]["runs"], 0, "{none}");
    let (_, pv) = w.api.get("/api/v1/retention/preview?audit_days=10").await;
    assert_eq!(pv["audit"]["runs"], 1, "{pv}");
    assert!(pv["audit"]["bytes"].as_i64().unwrap_or(0) > 0);
    put_w(&w, &json!({"retention_audit_days": 10})).await;
    let (status, report) = post(&w, "/api/v1/retention/prune").await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["audit"], pv["audit"], "{report}");

    let (status, body) = w.api.get(&format!("/api/v1/audit/runs/{old}")).await;
    assert_envelope(status, &body, 410, "gone");
    let (status, body) = w
        .api
        .get(&format!("/api/v1/audit/runs/{old}/diff?path={path}"))
        .await;
    assert_envelope(status, &body, 410, "gone");
    assert_eq!(
        status_of(&w, &format!("/api/v1/runs/{old}/patch")).await,
        410
    );
    assert_eq!(stored(&w.server.state, &old).await.1, 0, "diffs deleted");
    let run = w.api.run(&old).await;
    assert_eq!(run["retention"]["audit_retained"], false);
    assert!(run["retention"]["audit_expires_at"].is_string(), "{run}");
    assert_eq!(run["status"], "completed", "the summary row stays");
    // The audit list no longer offers it.
    let (_, list) = w.api.get("/api/v1/audit/runs").await;
    assert!(
        list["items"]
            .as_array()
            .is_some_and(|a| a.iter().all(|i| i["run_id"] != json!(old))),
        "{list}"
    );
    // The running run kept its stored diff.
    assert_eq!(stored(&w.server.state, &running).await.1, 1);
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_code_audit_days_removes_old_evidence() {
    let repo = Repo::new();
    let w = worker(|_| {}).await;
    let id = published_run(&w, &repo, "CA-1").await;
    let repo_id = s(&w.api.run(&id).await, "/repository/id");
    let evidence_path = format!("/api/v1/code-audit/repositories/{repo_id}/evidence?run={id}");
    // Evidence is recorded after publish (poll: it lands shortly after the run ends).
    let start = Instant::now();
    loop {
        let (status, body) = w.api.get(&evidence_path).await;
        if status == 200 && body["items"].as_array().is_some_and(|a| !a.is_empty()) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "evidence: {body}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    backdate(&w.server.state, &id, 20).await;
    let (_, kept) = w.api.get("/api/v1/retention/preview").await;
    assert_eq!(kept["code_audit"]["evidence"], 0, "0 days = keep: {kept}");
    let (_, pv) = w
        .api
        .get("/api/v1/retention/preview?code_audit_days=10")
        .await;
    assert_eq!(pv["code_audit"]["evidence"], 1, "{pv}");
    assert!(pv["code_audit"]["ranges"].as_i64().unwrap_or(0) > 0);
    put_w(&w, &json!({"retention_code_audit_days": 10})).await;
    let (_, report) = post(&w, "/api/v1/retention/prune").await;
    assert_eq!(report["code_audit"], pv["code_audit"], "{report}");
    let (status, body) = w.api.get(&evidence_path).await;
    assert_envelope(status, &body, 410, "gone");
    let (status, body) = w
        .api
        .get(&format!(
            "/api/v1/code-audit/repositories/{repo_id}/evidence"
        ))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["items"], json!([]), "no evidence is left");
    // The audit record is untouched (audit_days = 0).
    let (status, _) = w.api.get(&format!("/api/v1/audit/runs/{id}")).await;
    assert_eq!(status, 200);
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_compliance_mode_refuses_to_prune_audit_and_cannot_be_switched_off() {
    let t = TestServer::start_with(|c| {
        c.compliance_mode = true;
        c.setting_sources = [("compliance_mode".to_owned(), Provisioned::Env)]
            .into_iter()
            .collect();
    })
    .await;
    let id = t.submit_run("CM-1").await;
    seed(t.state(), &id, "completed", Some(400), 10, 10).await;
    add_file_change(t.state(), &id, "a.py").await;
    let (status, body) = put_settings(
        &t,
        &json!({"retention_audit_days": 1, "retention_code_audit_days": 1}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, doc) = t.get_json("/api/v1/retention").await;
    assert_eq!(doc["policy"]["compliance_mode"], true, "{doc}");
    let pv = preview(&t, "").await;
    assert_eq!(pv["blocked_by_compliance"], true);
    assert_eq!(pv["audit"]["runs"], 0);
    let report = prune(&t).await;
    assert_eq!(report["blocked_by_compliance"], true);
    assert_eq!(report["audit"]["runs"], 0);
    assert_eq!(report["events"]["runs"], 1, "events may still go: {report}");
    assert_eq!(
        stored(t.state(), &id).await,
        (0, 1),
        "the audit evidence stays"
    );
    let (status, rec) = t.get_json(&format!("/api/v1/audit/runs/{id}")).await;
    assert_eq!(status, 200, "{rec}");
    assert_eq!(rec["compliance_mode"], true);
    assert_eq!(rec["retention"]["audit_expires_at"], Value::Null);
    let csv = t
        .get("/api/v1/audit/export?format=csv")
        .send()
        .await
        .expect("export")
        .text()
        .await
        .expect("text");
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .is_some_and(|h| h.ends_with(",compliance_mode"))
    );
    assert!(lines.next().is_some_and(|l| l.ends_with(",true")), "{csv}");

    let (status, body) = put_settings(&t, &json!({"compliance_mode": false})).await;
    assert_envelope(status, &body, 409, "conflict");
    assert!(t.state().settings.get().compliance_mode, "still on");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_preview_overrides_are_validated() {
    let t = TestServer::start().await;
    for q in [
        "?events_days=abc",
        "?audit_days=-1",
        "?code_audit_days=99999999",
    ] {
        let (status, body) = t.get_json(&format!("/api/v1/retention/preview{q}")).await;
        assert_envelope(status, &body, 422, "validation_failed");
    }
    let pv = preview(&t, "?events_days=7&audit_days=3").await;
    assert_eq!(pv["policy"]["events_days"], 7);
    assert_eq!(pv["policy"]["audit_days"], 3);
    // Nothing stored changed.
    let (_, doc) = t.get_json("/api/v1/retention").await;
    assert_eq!(doc["policy"]["events_days"], 30);
    assert_eq!(doc["policy"]["audit_days"], 0);
    t.stop().await;
}

fn file_len(t: &TestServer) -> u64 {
    let path = t
        .state()
        .config
        .data_dir
        .join(mergeloom_worker::db::DB_FILE);
    std::fs::metadata(path).map_or(0, |m| m.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_database_file_shrinks_after_a_large_prune() {
    let t = TestServer::start().await;
    let mut ids = Vec::new();
    for i in 0..10 {
        let id = t.submit_run(&format!("VAC-{i}")).await;
        seed(t.state(), &id, "completed", Some(60), 2000, 1000).await;
        ids.push(id);
    }
    // The checkpointer moves the WAL into the file: wait until the file holds the data.
    let start = Instant::now();
    while file_len(&t) < 15_000_000 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "file {}",
            file_len(&t)
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let before = file_len(&t);
    let report = prune(&t).await;
    assert_eq!(report["events"]["runs"], 10, "{report}");
    assert!(
        report["vacuumed_bytes"].as_u64().unwrap_or(0) > 10_000_000,
        "{report}"
    );
    let start = Instant::now();
    loop {
        let now = file_len(&t);
        if now < before / 2 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the file did not shrink: {before} → {now}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_runs_on_its_schedule_and_health_shows_what_it_would_free() {
    // On demand only: health's storage check reports what the next prune would free.
    let t = TestServer::start().await;
    let id = t.submit_run("SCH-0").await;
    seed(t.state(), &id, "completed", Some(45), 50, 50).await;
    let (_, doc) = t.get_json("/api/v1/retention").await;
    assert_eq!(doc["next_prune_at"], Value::Null, "no schedule: {doc}");
    let pv = preview(&t, "").await;
    assert_eq!(pv["events"]["runs"], 1, "{pv}");
    // Health caches the preview for a few seconds: poll until it shows the seeded run.
    let start = Instant::now();
    loop {
        let (status, health) = t.get_json("/api/v1/health?refresh=1").await;
        assert_eq!(status, 200, "{health}");
        let storage = health["checks"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["name"] == "storage"))
            .cloned()
            .unwrap_or(Value::Null);
        if storage["details"]["retention"]["would_free"]["events"] == pv["events"] {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "{storage}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    t.stop().await;

    // Every second: the old run's events go without a request.
    let t = TestServer::start_with(|c| c.retention_interval_seconds = 1).await;
    let id = t.submit_run("SCH-1").await;
    seed(t.state(), &id, "completed", Some(45), 50, 50).await;
    let (_, doc) = t.get_json("/api/v1/retention").await;
    assert!(doc["next_prune_at"].is_string(), "{doc}");
    let start = Instant::now();
    // Marked first, rows deleted next, the report stored last: wait for all three.
    while t.run(&id).await["retention"]["events_retained"] != false
        || stored(t.state(), &id).await.0 != 0
        || t.get_json("/api/v1/retention").await.1["last_prune"].is_null()
    {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the schedule never pruned"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (_, doc) = t.get_json("/api/v1/retention").await;
    assert_eq!(doc["last_prune"]["trigger"], "schedule", "{doc}");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_one_prune_at_a_time_a_second_is_409() {
    let t = TestServer::start().await;
    let id = t.submit_run("ONE-1").await;
    seed(t.state(), &id, "completed", Some(45), 10_000, 10).await;
    // A slow prune (one row per writer command) on the same service.
    let slow = t.state().retention.clone().with_batch_rows(1);
    let task = tokio::spawn(async move { slow.prune("test").await.map(|r| r.events) });
    let start = Instant::now();
    while t.get_json("/api/v1/retention").await.1["running"] != true {
        assert!(
            !task.is_finished(),
            "the slow prune ended before it was seen"
        );
        assert!(start.elapsed() < Duration::from_secs(60));
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let resp = t
        .post("/api/v1/retention/prune")
        .send()
        .await
        .expect("POST prune");
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    assert_envelope(status, &body, 409, "conflict");
    let events = task.await.expect("join").expect("the slow prune");
    assert_eq!(events.runs, 1);
    assert_eq!(stored(t.state(), &id).await.0, 0);
    t.stop().await;
}
