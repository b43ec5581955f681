//! The JSON API contract (`API.md`): jobs and runs, filters and keyset paging, the error envelope
//! and its statuses, events and downloads, the OpenAPI document, probes.

use std::collections::HashSet;
use std::time::Duration;

use mergeloom_worker::sink::{EventSink, NewEvent};
use serde_json::{Value, json};

use crate::support::{
    TestServer, assert_envelope, field_paths, i64_at, job, run_id, send_json, str_at,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_submission_answers_201_with_a_queued_run_and_location() {
    let s = TestServer::start().await;
    let body = json!({
        "ticket": {"key": "LIN-123", "title": "Add a --json flag", "body": "markdown",
                   "url": "https://tracker.example/LIN-123", "source": "linear"},
        "repository": {"url": "https://user:secret@github.com/acme/api.git", "name": "acme/api", "base_ref": "main"},
        "provider": {"id": "command", "model": null, "command": ["python3", "agent.py"]},
        "validation": {"mode": "required", "setup_commands": ["python3 -m pip install -e ."], "commands": ["pytest -q"]},
        "max_repair_attempts": 2,
        "review": {"enabled": false},
        "diff_guard": {"max_files": 50, "max_lines": 2000},
        "publish": {"push": false}
    });
    let resp = s
        .post("/api/v1/jobs")
        .json(&body)
        .send()
        .await
        .expect("POST job");
    assert_eq!(resp.status().as_u16(), 201);
    let location = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("Location header")
        .to_owned();
    let created: Value = resp.json().await.expect("JSON");
    let job_id = str_at(&created, "/job/id");
    let rid = str_at(&created, "/run/id");
    assert_eq!(location, format!("/api/v1/jobs/{job_id}"));
    assert_eq!(str_at(&created, "/run/status"), "queued");
    assert_eq!(i64_at(&created, "/run/attempt"), 1);
    assert_eq!(str_at(&created, "/run/job_id"), job_id);
    assert_eq!(str_at(&created, "/run/ticket/key"), "LIN-123");
    assert_eq!(str_at(&created, "/run/provider/id"), "command");
    assert_eq!(
        i64_at(&created, "/run/last_event_seq"),
        1,
        "submission records seq 1"
    );
    let tail = &rid.replace('-', "")[24..];
    assert_eq!(
        str_at(&created, "/run/branch"),
        format!("mergeloom/lin-123-{tail}")
    );
    assert!(
        !created.to_string().contains("secret"),
        "credentials must never be echoed: {created}"
    );

    // GET the job (via its Location).
    let (status, got) = s.get_json(&location).await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(str_at(&got, "/id"), job_id);
    assert_eq!(str_at(&got, "/status"), "queued");
    assert_eq!(str_at(&got, "/ticket/title"), "Add a --json flag");
    assert_eq!(str_at(&got, "/repository/name"), "acme/api");
    let runs = got["runs"].as_array().expect("runs array");
    assert_eq!(runs.len(), 1);
    assert_eq!(str_at(&runs[0], "/id"), rid);
    assert!(
        !got.to_string().contains("secret"),
        "credentials must never be stored: {got}"
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_conflicts_while_active_and_creates_attempt_two_after_cancel() {
    let s = TestServer::start().await;
    let created = s.submit(&job("LIN-7")).await;
    let job_id = str_at(&created, "/job/id");
    let first = str_at(&created, "/run/id");
    let retry = format!("/api/v1/jobs/{job_id}/retry");

    let before = s.counts().await;
    let (status, body) = send_json(s.post(&retry)).await;
    assert_envelope(status, &body, 409, "conflict");
    assert_eq!(s.counts().await, before, "a refused retry changes nothing");

    let cancelled = s.cancel(&first).await;
    assert_eq!(str_at(&cancelled, "/status"), "cancelled");

    let resp = s.post(&retry).send().await.expect("retry");
    assert_eq!(resp.status().as_u16(), 201);
    assert_eq!(
        resp.headers().get("location").and_then(|v| v.to_str().ok()),
        Some(format!("/api/v1/jobs/{job_id}").as_str())
    );
    let again: Value = resp.json().await.expect("JSON");
    assert_eq!(i64_at(&again, "/run/attempt"), 2);
    assert_eq!(str_at(&again, "/run/status"), "queued");
    let second = str_at(&again, "/run/id");
    assert_ne!(second, first);
    assert_ne!(
        str_at(&again, "/run/branch"),
        str_at(&cancelled, "/branch"),
        "retries never share a branch"
    );

    let (_, got) = s.get_json(&format!("/api/v1/jobs/{job_id}")).await;
    assert_eq!(
        str_at(&got, "/status"),
        "queued",
        "a job's status is its latest run's"
    );
    let attempts: Vec<(i64, String)> = got["runs"]
        .as_array()
        .expect("runs")
        .iter()
        .map(|r| (i64_at(r, "/attempt"), str_at(r, "/status")))
        .collect();
    assert_eq!(
        attempts,
        vec![(1, "cancelled".to_owned()), (2, "queued".to_owned())]
    );

    // Retrying an unknown job is a 404.
    let (status, body) =
        send_json(s.post(&format!("/api/v1/jobs/{}/retry", uuid::Uuid::now_v7()))).await;
    assert_envelope(status, &body, 404, "not_found");
    s.stop().await;
}

/// The ids of a runs page, in order.
fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items in {page}"))
        .iter()
        .map(|r| str_at(r, "/id"))
        .collect()
}

async fn list_ids(s: &TestServer, query: &str) -> Vec<String> {
    let (status, page) = s.get_json(&format!("/api/v1/runs?{query}")).await;
    assert_eq!(status, 200, "GET /runs?{query}: {page}");
    ids(&page)
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_filters_each_select_the_right_runs() {
    let s = TestServer::start().await;
    let a = s
        .submit(&json!({
            "ticket": {"key": "LIN-1", "title": "Add a --json flag"},
            "repository": {"url": "/srv/repos/api.git", "name": "acme/api"},
            "provider": {"command": ["python3", "agent.py"]},
        }))
        .await;
    // Distinct millisecond timestamps make since/until meaningful (expectations below are still
    // computed from the stored values).
    tokio::time::sleep(Duration::from_millis(5)).await;
    let b = s
        .submit(&json!({
            "ticket": {"key": "LIN-2", "title": "Fix the crash on start"},
            "repository": {"url": "https://github.com/acme/web.git"},
        }))
        .await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    let c = s
        .submit(&json!({
            "ticket": {"key": "OPS-3", "title": "Refactor logging"},
            "repository": {"url": "/srv/repos/api.git"},
            "provider": {"id": "command", "command": "python3 agent.py --fast"},
        }))
        .await;
    let (ra, rb, rc) = (
        str_at(&a, "/run/id"),
        str_at(&b, "/run/id"),
        str_at(&c, "/run/id"),
    );
    s.cancel(&rb).await;

    // Newest first.
    assert_eq!(
        list_ids(&s, "").await,
        vec![rc.clone(), rb.clone(), ra.clone()]
    );
    // status (comma list)
    assert_eq!(
        sorted(list_ids(&s, "status=queued").await),
        sorted(vec![ra.clone(), rc.clone()])
    );
    assert_eq!(list_ids(&s, "status=cancelled").await, vec![rb.clone()]);
    assert_eq!(list_ids(&s, "status=queued,cancelled").await.len(), 3);
    assert!(list_ids(&s, "status=running,failed").await.is_empty());
    // repository by id and by name
    let repo_id = str_at(&a, "/run/repository/id");
    assert_eq!(
        str_at(&c, "/run/repository/id"),
        repo_id,
        "same canonical URL, same repository"
    );
    assert_eq!(
        sorted(list_ids(&s, &format!("repository={repo_id}")).await),
        sorted(vec![ra.clone(), rc.clone()])
    );
    assert_eq!(list_ids(&s, "repository=acme/web").await, vec![rb.clone()]);
    assert_eq!(
        sorted(list_ids(&s, "repository=acme/api").await),
        sorted(vec![ra.clone(), rc.clone()])
    );
    assert!(list_ids(&s, "repository=nobody/nothing").await.is_empty());
    // ticket
    assert_eq!(list_ids(&s, "ticket=LIN-2").await, vec![rb.clone()]);
    assert!(list_ids(&s, "ticket=LIN-999").await.is_empty());
    // branch
    let branch = str_at(&a, "/run/branch");
    assert_eq!(
        list_ids(&s, &format!("branch={branch}")).await,
        vec![ra.clone()]
    );
    // provider
    assert_eq!(
        sorted(list_ids(&s, "provider=command").await),
        sorted(vec![ra.clone(), rc.clone()])
    );
    assert!(list_ids(&s, "provider=codex-cli").await.is_empty());
    // q (ticket key/title)
    assert_eq!(list_ids(&s, "q=crash").await, vec![rb.clone()]);
    assert_eq!(list_ids(&s, "q=OPS-3").await, vec![rc.clone()]);
    assert!(list_ids(&s, "q=zzz-nothing").await.is_empty());
    // since (inclusive) / until (exclusive), expectations from the stored created_at
    let created: Vec<(String, String)> = [&a, &b, &c]
        .iter()
        .map(|x| (str_at(x, "/run/id"), str_at(x, "/run/created_at")))
        .collect();
    let pivot = &created[1].1;
    let since: Vec<String> = created
        .iter()
        .filter(|(_, t)| t >= pivot)
        .map(|(i, _)| i.clone())
        .collect();
    let until: Vec<String> = created
        .iter()
        .filter(|(_, t)| t < pivot)
        .map(|(i, _)| i.clone())
        .collect();
    assert!(since.contains(&rb) && !until.contains(&rb));
    assert_eq!(
        sorted(list_ids(&s, &format!("since={pivot}")).await),
        sorted(since)
    );
    assert_eq!(
        sorted(list_ids(&s, &format!("until={pivot}")).await),
        sorted(until)
    );
    assert_eq!(
        list_ids(
            &s,
            "since=2000-01-01T00:00:00Z&until=2000-01-02T00:00:00%2B01:00"
        )
        .await
        .len(),
        0
    );
    assert_eq!(list_ids(&s, "since=2000-01-01T00:00:00Z").await.len(), 3);
    // filters combine
    assert_eq!(
        list_ids(&s, "status=queued&repository=acme/api&ticket=OPS-3").await,
        vec![rc.clone()]
    );

    // Invalid parameters: 422 naming the parameter, nothing else.
    for (query, path) in [
        ("since=yesterday", "since"),
        ("until=2026-13-45", "until"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=ten", "limit"),
        ("cursor=not-a-cursor", "cursor"),
        ("cursor=bm90aGluZw", "cursor"),
        ("status=bogus", "status"),
    ] {
        let (status, body) = s.get_json(&format!("/api/v1/runs?{query}")).await;
        assert_envelope(status, &body, 422, "validation_failed");
        assert_eq!(field_paths(&body), vec![path.to_owned()], "{query}: {body}");
    }
    assert_eq!(list_ids(&s, "limit=1").await.len(), 1);
    assert_eq!(list_ids(&s, "limit=500").await.len(), 3);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_cursor_paging_is_stable_while_new_runs_arrive() {
    let s = TestServer::start().await;
    for i in 0..8 {
        s.submit_run(&format!("PAGE-{i}")).await;
    }
    let (_, all) = s.get_json("/api/v1/runs?limit=500").await;
    let original = ids(&all);
    assert_eq!(original.len(), 8);
    assert!(
        all["next_cursor"].is_null(),
        "one page holds everything: {all}"
    );

    let (_, page1) = s.get_json("/api/v1/runs?limit=3").await;
    let mut seen = ids(&page1);
    assert_eq!(seen, original[..3].to_vec());
    let mut cursor = page1["next_cursor"]
        .as_str()
        .expect("a next_cursor after page 1")
        .to_owned();

    // New runs arrive between pages.
    let mut newer = Vec::new();
    for i in 0..5 {
        newer.push(s.submit_run(&format!("NEW-{i}")).await);
    }
    let mut pages = 1;
    loop {
        let (status, page) = s
            .get_json(&format!("/api/v1/runs?limit=3&cursor={cursor}"))
            .await;
        assert_eq!(status, 200, "{page}");
        seen.extend(ids(&page));
        pages += 1;
        assert!(pages < 20, "paging does not terminate");
        match page["next_cursor"].as_str() {
            Some(c) => cursor = c.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen, original, "every original run exactly once, in order");
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no duplicates");
    assert!(
        newer.iter().all(|n| !seen.contains(n)),
        "newer runs sort before the cursor"
    );

    // A fresh listing shows the new runs first.
    let (_, fresh) = s.get_json("/api/v1/runs?limit=500").await;
    let fresh = ids(&fresh);
    assert_eq!(fresh.len(), 13);
    let mut expect_new = newer.clone();
    expect_new.reverse();
    assert_eq!(fresh[..5].to_vec(), expect_new);
    assert_eq!(fresh[5..].to_vec(), original);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_submissions_are_refused_with_the_right_status_and_field() {
    let s = TestServer::start().await;
    let before = s.counts().await;

    // Malformed JSON → 400.
    let (status, body) = send_json(
        s.post("/api/v1/jobs")
            .header("content-type", "application/json")
            .body("{\"ticket\": {"),
    )
    .await;
    assert_envelope(status, &body, 400, "bad_request");

    // Shape and rule violations → 422 naming the field.
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"ticket": {"title": "t"}, "repository": {"url": "/srv/r"}}),
            "ticket.key",
        ),
        (
            json!({"ticket": {"key": "K-1"}, "repository": {"url": "/srv/r"}}),
            "ticket.title",
        ),
        (
            json!({"ticket": {"key": "K-1", "title": "t"}}),
            "repository.url",
        ),
        (
            json!({"ticket": {"key": "K-1", "title": "t"}, "repository": {"url": "/srv/r"}, "nope": 1}),
            "nope",
        ),
        (
            json!({"ticket": {"key": "K-1", "title": "t", "color": "red"}, "repository": {"url": "/srv/r"}}),
            "ticket.color",
        ),
        (
            json!({"ticket": {"key": 5, "title": "t"}, "repository": {"url": "/srv/r"}}),
            "ticket.key",
        ),
        (
            json!({"ticket": {"key": "K-1", "title": "t"}, "repository": {"url": "/srv/r"}, "provider": {"id": "nope"}}),
            "provider.id",
        ),
        (
            json!({"ticket": {"key": "K-1", "title": "t"}, "repository": {"url": "/srv/r"}, "provider": {"command": ["bash", "x"]}}),
            "provider.command",
        ),
        (
            json!({"ticket": {"key": "K-1", "title": "t"}, "repository": {"url": "/srv/r"}, "provider": {"command": "/usr/bin/bash -c x"}}),
            "provider.command",
        ),
        (
            json!({"ticket": {"key": "K-1", "title": "t"}, "repository": {"url": "/srv/r"}, "validation": {"commands": ["npm test"]}}),
            "validation.commands[0]",
        ),
        (
            json!({"ticket": {"key": "K-1", "title": "t"}, "repository": {"url": "/srv/r"}, "validation": {"commands": ["pytest -q", "python3 a.py && rm -rf /"]}}),
            "validation.commands[1]",
        ),
        (
            json!({"ticket": {"key": "K-1", "title": "t"}, "repository": {"url": "/srv/r"}, "validation": {"setup_commands": ["FOO=1 python3 x.py"]}}),
            "validation.setup_commands[0]",
        ),
        (
            json!({"ticket": {"key": "K-1", "title": "t"}, "repository": {"url": "/srv/r"}, "validation": {"commands": ["python3 x.py | tee out"]}}),
            "validation.commands[0]",
        ),
        (
            json!({"ticket": {"key": "K-1", "title": "t"}, "repository": {"url": "-oProxyCommand=evil"}}),
            "repository.url",
        ),
        (
            json!({"ticket": {"key": "K-1", "title": "t"}, "repository": {"url": "/srv/r", "base_ref": "--upload-pack=evil"}}),
            "repository.base_ref",
        ),
        (
            json!({"ticket": {"key": "K-1", "title": "t"}, "repository": {"url": "/srv/r"}, "validation": {"mode": "sometimes"}}),
            "validation.mode",
        ),
        (
            json!({"ticket": {"key": "K-1", "title": "t"}, "repository": {"url": "/srv/r"}, "max_repair_attempts": 99}),
            "max_repair_attempts",
        ),
    ];
    for (body, path) in cases {
        let (status, resp) = send_json(s.post("/api/v1/jobs").json(&body)).await;
        assert_envelope(status, &resp, 422, "validation_failed");
        assert!(
            field_paths(&resp).iter().any(|p| p == path),
            "expected a field error at {path} for {body}, got {resp}"
        );
    }
    // Shell syntax is reported as such.
    let (_, resp) = send_json(s.post("/api/v1/jobs").json(&json!({
        "ticket": {"key": "K-1", "title": "t"}, "repository": {"url": "/srv/r"},
        "validation": {"commands": ["python3 a.py && rm -rf /"]}
    })))
    .await;
    assert_eq!(
        resp.pointer("/error/details/fields/0/code")
            .and_then(Value::as_str),
        Some("shell_syntax"),
        "{resp}"
    );
    // Unknown fields are reported as such.
    let (_, resp) = send_json(s.post("/api/v1/jobs").json(&json!({
        "ticket": {"key": "K-1", "title": "t"}, "repository": {"url": "/srv/r"}, "nope": true
    })))
    .await;
    assert_eq!(
        resp.pointer("/error/details/fields/0/code")
            .and_then(Value::as_str),
        Some("unknown_field"),
        "{resp}"
    );

    // A body over the limit (1 MiB) → 413.
    let big = format!(
        "{{\"ticket\": {{\"key\": \"K-1\", \"title\": \"{}\"}}, \"repository\": {{\"url\": \"/srv/r\"}}}}",
        "x".repeat(2 * 1024 * 1024)
    );
    let (status, resp) = send_json(
        s.post("/api/v1/jobs")
            .header("content-type", "application/json")
            .body(big),
    )
    .await;
    assert_envelope(status, &resp, 413, "payload_too_large");

    // Wrong Content-Type → 415.
    let (status, resp) = send_json(
        s.post("/api/v1/jobs")
            .header("content-type", "text/plain")
            .body(job("K-1").to_string()),
    )
    .await;
    assert_envelope(status, &resp, 415, "unsupported_media_type");

    assert_eq!(
        s.counts().await,
        before,
        "no refused submission changes the database"
    );

    // The server still works afterwards.
    s.submit_run("K-OK").await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_and_malformed_ids_and_paths_answer_the_json_404() {
    let s = TestServer::start().await;
    let random = uuid::Uuid::now_v7().to_string();
    for path in [
        "/api/v1/runs/abc".to_owned(),
        format!("/api/v1/runs/{random}"),
        "/api/v1/jobs/abc".to_owned(),
        format!("/api/v1/jobs/{random}"),
        format!("/api/v1/runs/{random}/events"),
        "/api/v1/runs/abc/events".to_owned(),
        format!("/api/v1/runs/{random}/events/search?q=x"),
        format!("/api/v1/runs/{random}/events/stream"),
        format!("/api/v1/runs/{random}/log.txt"),
        format!("/api/v1/runs/{random}/events.ndjson"),
        "/api/v1/nope".to_owned(),
        "/api/v1/runs/abc/nope/deeper".to_owned(),
        "/api/nope".to_owned(),
    ] {
        let resp = s.get(&path).send().await.expect("GET");
        let ct = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        assert!(
            ct.starts_with("application/json"),
            "{path}: content type {ct:?}"
        );
        assert_envelope(status, &body, 404, "not_found");
    }
    for path in [
        format!("/api/v1/runs/{random}/cancel"),
        "/api/v1/runs/abc/cancel".to_owned(),
    ] {
        let (status, body) = send_json(s.post(&path)).await;
        assert_envelope(status, &body, 404, "not_found");
    }
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_a_queued_run_then_cancel_again_conflicts() {
    let s = TestServer::start().await;
    let rid = s.submit_run("CAN-1").await;
    let resp = s
        .post(&format!("/api/v1/runs/{rid}/cancel"))
        .send()
        .await
        .expect("cancel");
    assert_eq!(resp.status().as_u16(), 202);
    let run: Value = resp.json().await.expect("JSON");
    assert_eq!(str_at(&run, "/status"), "cancelled");
    assert_eq!(str_at(&run, "/outcome/status"), "cancelled");
    assert_eq!(str_at(&run, "/outcome/reason_code"), "cancelled_by_user");
    assert!(run["finished_at"].is_string(), "{run}");

    let before = s.counts().await;
    let (status, body) = send_json(s.post(&format!("/api/v1/runs/{rid}/cancel"))).await;
    assert_envelope(status, &body, 409, "conflict");
    assert_eq!(s.counts().await, before, "a refused cancel changes nothing");

    let detail = s.run(&rid).await;
    assert_eq!(str_at(&detail, "/status"), "cancelled");
    let history: Vec<String> = detail["state_history"]
        .as_array()
        .expect("state_history")
        .iter()
        .map(|h| str_at(h, "/status"))
        .collect();
    assert_eq!(history, vec!["queued", "cancelled"]);
    for h in detail["state_history"].as_array().expect("state_history") {
        assert!(h["at"].is_string(), "{h}");
    }
    assert!(detail["stages"].is_array(), "stages present: {detail}");
    assert_eq!(
        i64_at(&detail, "/last_event_seq"),
        2,
        "submission + cancel events"
    );
    assert_eq!(i64_at(&detail, "/event_count"), 2);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_detail_lists_stages_recorded_through_the_sink() {
    let s = TestServer::start().await;
    let rid = s.submit_run("STG-1").await;
    let id = run_id(&rid);
    let sink = &s.state().sink;
    sink.stage_started(id, "validate", 2).await.expect("stage");
    sink.stage_started(id, "setup", 1).await.expect("stage");
    sink.stage_finished(id, "setup", 1, "passed", Some("ok".into()))
        .await
        .expect("stage");
    sink.stage_started(id, "validate", 1).await.expect("stage");
    let detail = s.run(&rid).await;
    let stages: Vec<(String, i64)> = detail["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .map(|st| (str_at(st, "/name"), i64_at(st, "/attempt")))
        .collect();
    assert_eq!(
        stages,
        vec![
            ("setup".to_owned(), 1),
            ("validate".to_owned(), 1),
            ("validate".to_owned(), 2)
        ],
        "pipeline order, then attempt"
    );
    let setup = &detail["stages"][0];
    assert_eq!(str_at(setup, "/status"), "passed");
    assert!(i64_at(setup, "/first_seq") < i64_at(setup, "/last_seq"));
    s.stop().await;
}

/// Appends `n` events: every 5th a `warning` in stage `setup`, the rest `log` lines in `validate`.
async fn append_mixed(s: &TestServer, rid: &str, n: usize) {
    let id = run_id(rid);
    let mut batch = Vec::new();
    for i in 0..n {
        if i % 5 == 4 {
            batch.push(NewEvent {
                kind: "warning".into(),
                stage: Some("setup".into()),
                text: Some(format!("warn {i}")),
                ..NewEvent::default()
            });
        } else {
            batch.push(NewEvent::log(
                "validate",
                1,
                "stdout",
                "validation",
                format!("line {i}"),
            ));
        }
        if batch.len() == 250 {
            s.state()
                .sink
                .append(id, std::mem::take(&mut batch))
                .await
                .expect("append");
        }
    }
    if !batch.is_empty() {
        s.state().sink.append(id, batch).await.expect("append");
    }
}

fn seqs(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items in {page}"))
        .iter()
        .map(|e| i64_at(e, "/seq"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_list_search_and_downloads() {
    let s = TestServer::start().await;
    let rid = s.submit_run("EVT-1").await;
    // seq 1 is the submission; 2..=2501 are ours (more than one download page of 2000).
    append_mixed(&s, &rid, 2500).await;
    s.cancel(&rid).await;
    let n = i64_at(&s.run(&rid).await, "/last_event_seq");
    assert_eq!(n, 2502);
    let base = format!("/api/v1/runs/{rid}");

    // Default page: the first 50 in seq order, with a cursor.
    let (status, page) = s.get_json(&format!("{base}/events")).await;
    assert_eq!(status, 200);
    assert_eq!(seqs(&page), (1..=50).collect::<Vec<_>>());
    assert_eq!(page["next_cursor"].as_str(), Some("50"));
    let first = &page["items"][0];
    assert_eq!(str_at(first, "/kind"), "run.state");
    assert!(first["ts"].is_string());
    let log = &page["items"][1];
    assert_eq!(str_at(log, "/kind"), "log");
    assert_eq!(str_at(log, "/stage"), "validate");
    assert_eq!(i64_at(log, "/attempt"), 1);
    assert_eq!(str_at(log, "/stream"), "stdout");
    assert_eq!(str_at(log, "/text"), "line 0");
    assert_eq!(str_at(log, "/data/source"), "validation");

    // after + limit, and following next_cursor (also as `cursor`) reaches the end exactly.
    let (_, page) = s.get_json(&format!("{base}/events?after=10&limit=5")).await;
    assert_eq!(seqs(&page), vec![11, 12, 13, 14, 15]);
    let mut all = Vec::new();
    let mut after = "0".to_owned();
    loop {
        let (status, page) = s
            .get_json(&format!("{base}/events?cursor={after}&limit=500"))
            .await;
        assert_eq!(status, 200, "{page}");
        all.extend(seqs(&page));
        match page["next_cursor"].as_str() {
            Some(c) => after = c.to_owned(),
            None => break,
        }
    }
    assert_eq!(all, (1..=n).collect::<Vec<_>>());

    // before: the `limit` events just before it, ascending; cursor points further back.
    let (_, page) = s
        .get_json(&format!("{base}/events?before=100&limit=3"))
        .await;
    assert_eq!(seqs(&page), vec![97, 98, 99]);
    assert_eq!(page["next_cursor"].as_str(), Some("97"));
    let (_, page) = s
        .get_json(&format!("{base}/events?before=3&limit=10"))
        .await;
    assert_eq!(seqs(&page), vec![1, 2]);
    assert!(page["next_cursor"].is_null());
    let (_, page) = s.get_json(&format!("{base}/events?after=5&before=9")).await;
    assert_eq!(seqs(&page), vec![6, 7, 8]);

    // kind, stage, q
    let (_, page) = s
        .get_json(&format!("{base}/events?kind=warning&limit=500"))
        .await;
    let warnings = seqs(&page);
    assert_eq!(warnings.len(), 500);
    assert!(
        page["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|e| e["kind"] == "warning")
    );
    assert_eq!(
        warnings[0], 6,
        "the 5th appended event (seq 6) is the first warning"
    );
    let (_, page) = s
        .get_json(&format!("{base}/events?kind=warning,run.state&limit=3"))
        .await;
    assert_eq!(seqs(&page), vec![1, 6, 11]);
    let (_, page) = s
        .get_json(&format!("{base}/events?stage=setup&limit=2"))
        .await;
    assert_eq!(seqs(&page), vec![6, 11]);
    let (_, page) = s.get_json(&format!("{base}/events?stage=nothing")).await;
    assert!(seqs(&page).is_empty() && page["next_cursor"].is_null());
    let (_, page) = s
        .get_json(&format!("{base}/events?q=line%2012&limit=500"))
        .await;
    let texts: Vec<String> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| str_at(e, "/text"))
        .collect();
    assert!(
        !texts.is_empty() && texts.iter().all(|t| t.contains("line 12")),
        "{texts:?}"
    );
    assert_eq!(texts[0], "line 12");
    // q matches literally (LIKE wildcards are escaped).
    let (_, page) = s.get_json(&format!("{base}/events?q=%25")).await;
    assert!(seqs(&page).is_empty(), "{page}");

    for query in ["limit=0", "limit=501", "after=-1", "before=x"] {
        let (status, body) = s.get_json(&format!("{base}/events?{query}")).await;
        assert_envelope(status, &body, 422, "validation_failed");
    }

    // search: count + seqs
    let (status, found) = s.get_json(&format!("{base}/events/search?q=warn")).await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(i64_at(&found, "/count"), 500);
    let found_seqs: Vec<i64> = found["seqs"]
        .as_array()
        .expect("seqs")
        .iter()
        .filter_map(Value::as_i64)
        .collect();
    assert_eq!(found_seqs.len(), 500);
    assert_eq!(&found_seqs[..3], &[6, 11, 16]);
    let (_, found) = s
        .get_json(&format!("{base}/events/search?q=line%201&kind=log"))
        .await;
    // "line 1", "line 10".."line 19", "line 100".., "line 1000".. among i%5!=4
    let expected = (0..2500)
        .filter(|i| i % 5 != 4 && format!("line {i}").contains("line 1"))
        .count();
    assert_eq!(i64_at(&found, "/count"), expected as i64);
    let (_, found) = s
        .get_json(&format!("{base}/events/search?q=warn&kind=log"))
        .await;
    assert_eq!(i64_at(&found, "/count"), 0);
    let (status, body) = s.get_json(&format!("{base}/events/search")).await;
    assert_envelope(status, &body, 422, "validation_failed");
    assert_eq!(field_paths(&body), vec!["q".to_owned()]);

    // log.txt: every event, one line each.
    let resp = s
        .get(&format!("{base}/log.txt"))
        .send()
        .await
        .expect("log.txt");
    assert_eq!(resp.status().as_u16(), 200);
    let ct = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(ct.starts_with("text/plain"), "{ct}");
    let text = resp.text().await.expect("log text");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len() as i64, n);
    assert_eq!(lines[0], "[run.state] submitted");
    assert_eq!(lines[1], "line 0");
    assert_eq!(lines[5], "[warning] warn 4");
    assert_eq!(lines[2499], "line 2498");
    assert_eq!(lines[2500], "[warning] warn 2499");
    assert!(lines[2501].starts_with("[run.state]"), "{}", lines[2501]);

    // events.ndjson: every event once, in order.
    let resp = s
        .get(&format!("{base}/events.ndjson"))
        .send()
        .await
        .expect("ndjson");
    assert_eq!(resp.status().as_u16(), 200);
    let text = resp.text().await.expect("ndjson text");
    let parsed: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad NDJSON line {l:?}: {e}")))
        .collect();
    assert_eq!(
        parsed.iter().map(|e| i64_at(e, "/seq")).collect::<Vec<_>>(),
        (1..=n).collect::<Vec<_>>()
    );
    assert_eq!(str_at(&parsed[1], "/text"), "line 0");
    assert_eq!(
        str_at(&parsed[(n - 1) as usize], "/data/status"),
        "cancelled"
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_document_is_served_and_matches_the_committed_copy() {
    let s = TestServer::start().await;
    let resp = s.get("/api/v1/openapi.json").send().await.expect("openapi");
    assert_eq!(resp.status().as_u16(), 200);
    let served = resp.text().await.expect("openapi text");
    let doc: Value = serde_json::from_str(&served).expect("the document is JSON");
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")),
        "openapi version"
    );
    for path in [
        "/api/v1/jobs",
        "/api/v1/runs",
        "/api/v1/runs/{id}/events/stream",
        "/api/v1/stream",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "the document describes {path}"
        );
    }
    let committed_path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json");
    let committed = std::fs::read_to_string(committed_path).unwrap_or_else(|e| {
        panic!(
            "backend/openapi.json is stale: run make openapi (cannot read {committed_path}: {e})"
        )
    });
    if served != committed {
        let line = served
            .lines()
            .zip(committed.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || served.lines().count().min(committed.lines().count()) + 1,
                |i| i + 1,
            );
        panic!("backend/openapi.json is stale: run make openapi (first difference at line {line})");
    }
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_answer_200() {
    let s = TestServer::start().await;
    for path in ["/livez", "/healthz", "/readyz"] {
        let (status, body) = s.get_json(path).await;
        assert_eq!(status, 200, "{path}: {body}");
        assert_eq!(str_at(&body, "/status"), "ok", "{path}");
    }
    let (_, ready) = s.get_json("/readyz").await;
    assert_eq!(str_at(&ready, "/storage"), "ok");
    s.stop().await;
}
