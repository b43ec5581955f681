//! Health checks, probes and `/metrics` against a real in-process server: a stale executor, an
//! unreachable controller, a read-only data directory, disk thresholds through an injected probe,
//! idle reasons, `health.changed` on the worker stream, and `/metrics` through a Prometheus
//! text-format parser.

use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mergeloom_worker::health::disk::FixedProbe;
use serde_json::Value;

use crate::support::{STEP_TIMEOUT, SseReader, TestServer, job, str_at};

/// A server whose checks run every 200 ms (so background changes show up quickly).
async fn server(adjust: impl FnOnce(&mut mergeloom_worker::config::Config)) -> TestServer {
    TestServer::start_with(|c| {
        c.health.interval = Duration::from_millis(200);
        adjust(c);
    })
    .await
}

/// One check out of a health report.
fn check<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["name"] == name))
        .unwrap_or_else(|| panic!("no {name} check in {report}"))
}

async fn health(s: &TestServer, refresh: bool) -> Value {
    let path = if refresh {
        "/api/v1/health?refresh=1"
    } else {
        "/api/v1/health"
    };
    let (status, body) = s.get_json(path).await;
    assert_eq!(status, 200, "{path}: {body}");
    body
}

/// Polls the cached report until `name` has `want` status; returns that report.
async fn wait_check(s: &TestServer, name: &str, want: &str) -> Value {
    let deadline = Instant::now() + STEP_TIMEOUT;
    loop {
        let report = health(s, false).await;
        if check(&report, name)["status"] == want {
            return report;
        }
        assert!(
            Instant::now() < deadline,
            "{name} never became {want}: {report}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn probe_status(s: &TestServer, path: &str) -> u16 {
    s.get(path).send().await.expect(path).status().as_u16()
}

/// Reads the worker stream until a `health.changed` for `name` with `status` arrives.
async fn wait_health_changed(stream: &mut SseReader, name: &str, status: &str) -> Value {
    let deadline = Instant::now() + STEP_TIMEOUT;
    loop {
        assert!(
            Instant::now() < deadline,
            "no health.changed {name} {status}"
        );
        let msg = tokio::time::timeout(STEP_TIMEOUT, stream.next())
            .await
            .expect("worker stream message in time")
            .expect("worker stream open");
        if msg.event.as_deref() == Some("health.changed") {
            let data = msg.json();
            if data["name"] == name && data["status"] == status {
                return data;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_report_has_every_check_and_the_api_md_shape() {
    let s = server(|c| c.executors = 1).await;
    let report = health(&s, true).await;
    let names: Vec<&str> = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| c["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        names,
        ["gateway", "executors", "storage", "providers", "controller"]
    );
    for c in report["checks"].as_array().expect("checks") {
        for field in [
            "component",
            "status",
            "message",
            "details",
            "latency_ms",
            "checked_at",
        ] {
            assert!(c.get(field).is_some(), "{field} missing in {c}");
        }
    }
    assert_eq!(report["status"], "ok", "{report}");
    assert_eq!(str_at(&report, "/worker/state"), "idle");
    assert_eq!(str_at(&report, "/worker/idle_reason"), "no_queued_jobs");
    assert_eq!(str_at(&report, "/worker/name"), "test-worker");
    let storage = check(&report, "storage");
    assert!(storage["details"]["round_trip_ms"].is_u64(), "{storage}");
    assert_eq!(storage["details"]["migrations"]["pending"], 0);
    assert!(storage["details"]["database_bytes"].as_u64().unwrap_or(0) > 0);
    assert_eq!(check(&report, "controller")["status"], "ok");
    assert!(
        check(&report, "controller")["message"]
            .as_str()
            .unwrap_or_default()
            .contains("local intake only")
    );
    assert!(check(&report, "gateway")["details"]["version"].is_string());

    // Bad input gets the envelope.
    let (status, body) = s.get_json("/api/v1/health?refresh=maybe").await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "validation_failed");

    // The history endpoint has a timeline per check.
    let (status, history) = s.get_json("/api/v1/health/history").await;
    assert_eq!(status, 200);
    let lines = history["checks"].as_array().expect("timelines");
    assert_eq!(lines.len(), 5, "{history}");
    assert!(
        lines
            .iter()
            .all(|l| l["points"].as_array().is_some_and(|p| !p.is_empty()))
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_stale_executor_is_degraded_then_down_while_readyz_stays_200() {
    let s = server(|c| {
        c.executors = 1;
        c.heartbeat_interval_seconds = 1;
    })
    .await;
    let mut stream = SseReader::connect(&s.http, &s.url("/api/v1/stream"), &[]).await;
    let report = health(&s, true).await;
    assert_eq!(check(&report, "executors")["status"], "ok", "{report}");

    s.state().executors.pause_heartbeats(true);
    let degraded = wait_check(&s, "executors", "degraded").await;
    let ex = check(&degraded, "executors");
    assert!(ex["action"].is_string(), "{ex}");
    assert!(
        ex["details"]["executors"][0]["heartbeat_age_ms"]
            .as_i64()
            .unwrap_or(0)
            > 3000,
        "{ex}"
    );
    assert_eq!(probe_status(&s, "/readyz").await, 200);
    assert_eq!(probe_status(&s, "/livez").await, 200);
    let changed = wait_health_changed(&mut stream, "executors", "degraded").await;
    assert_eq!(changed["component"], "executor");

    let down = wait_check(&s, "executors", "down").await;
    assert_eq!(down["status"], "down");
    assert_eq!(str_at(&down, "/worker/idle_reason"), "no_executors");
    assert_eq!(
        probe_status(&s, "/readyz").await,
        200,
        "executors never fail readiness"
    );
    assert_eq!(probe_status(&s, "/healthz").await, 200);
    wait_health_changed(&mut stream, "executors", "down").await;

    s.state().executors.pause_heartbeats(false);
    wait_check(&s, "executors", "ok").await;
    wait_health_changed(&mut stream, "executors", "ok").await;

    // The timeline kept every change.
    let (_, history) = s.get_json("/api/v1/health/history").await;
    let line = history["checks"]
        .as_array()
        .and_then(|a| a.iter().find(|l| l["name"] == "executors"))
        .expect("executors timeline");
    let statuses: Vec<&str> = line["points"]
        .as_array()
        .expect("points")
        .iter()
        .map(|p| p["status"].as_str().expect("status"))
        .collect();
    assert_eq!(statuses, ["ok", "degraded", "down", "ok"]);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_unreachable_controller_is_degraded_with_the_connection_error() {
    // A port that was free a moment ago: nothing listens there.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let url = format!("http://127.0.0.1:{port}/api/health");
    let s = server(|c| c.health.control_plane_url = Some(url.clone())).await;
    let report = health(&s, true).await;
    let ctl = check(&report, "controller");
    assert_eq!(ctl["status"], "degraded", "{ctl}");
    assert_eq!(ctl["component"], "controller");
    assert!(
        ctl["message"]
            .as_str()
            .unwrap_or_default()
            .contains("cannot connect"),
        "{ctl}"
    );
    let error = ctl["details"]["error"].as_str().unwrap_or_default();
    assert!(error.contains(&format!("127.0.0.1:{port}")), "{ctl}");
    assert!(ctl["details"]["url"] == url.as_str());
    assert!(ctl["action"].is_string());
    assert_eq!(
        probe_status(&s, "/readyz").await,
        200,
        "the controller never fails readiness"
    );
    assert_eq!(probe_status(&s, "/livez").await, 200);

    // Once something answers there, the background checks see it.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("rebind the port");
    let server_task = tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let mut buf = [0u8; 1024];
            let _ = sock.read(&mut buf).await;
            let _ = sock
                .write_all(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n")
                .await;
        }
    });
    let ok = wait_check(&s, "controller", "ok").await;
    assert_eq!(check(&ok, "controller")["details"]["http_status"], 204);
    server_task.abort();
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_read_only_data_dir_turns_storage_down_and_readyz_503_and_back() {
    let s = server(|_| {}).await;
    let dir = s.state().config.data_dir.clone();
    assert_eq!(check(&health(&s, true).await, "storage")["status"], "ok");

    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o555)).expect("chmod 555");
    let report = health(&s, true).await;
    let storage = check(&report, "storage");
    assert_eq!(storage["status"], "down", "{storage}");
    assert!(
        storage["message"]
            .as_str()
            .unwrap_or_default()
            .contains("not writable"),
        "{storage}"
    );
    assert_eq!(storage["details"]["data_dir_writable"], false);
    assert_eq!(report["status"], "down");
    let resp = s.get("/readyz").send().await.expect("readyz");
    assert_eq!(resp.status().as_u16(), 503);
    let body: Value = resp.json().await.expect("readyz JSON");
    assert_eq!(body["storage"], "down");
    assert_eq!(probe_status(&s, "/livez").await, 200);
    assert_eq!(
        str_at(&report, "/worker/idle_reason"),
        "storage_down",
        "{report}"
    );

    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod 755");
    let report = health(&s, true).await;
    assert_eq!(check(&report, "storage")["status"], "ok", "{report}");
    assert_eq!(probe_status(&s, "/readyz").await, 200);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_disk_thresholds_follow_the_injected_probe() {
    const GIB: u64 = 1024 * 1024 * 1024;
    const MIB: u64 = 1024 * 1024;
    let s = server(|c| c.executors = 1).await;
    let cases = [
        (2 * GIB, "ok", 200),
        (GIB - 1, "degraded", 200),
        (100 * MIB, "degraded", 200),
        (100 * MIB - 1, "down", 503),
        (0, "down", 503),
        (5 * GIB, "ok", 200),
    ];
    for (free, want, ready) in cases {
        s.state().health.set_disk_probe(Arc::new(FixedProbe(free)));
        let report = health(&s, true).await;
        let storage = check(&report, "storage");
        assert_eq!(storage["status"], want, "{free} bytes free: {storage}");
        assert_eq!(storage["details"]["disk_free_bytes"], free);
        assert_eq!(
            probe_status(&s, "/readyz").await,
            ready,
            "{free} bytes free"
        );
        assert_eq!(probe_status(&s, "/livez").await, 200);
    }
    s.stop().await;

    // Thresholds come from the configuration.
    let s = server(|c| {
        c.health.disk_degraded_bytes = 10_000;
        c.health.disk_down_bytes = 1_000;
    })
    .await;
    s.state().health.set_disk_probe(Arc::new(FixedProbe(5_000)));
    let report = health(&s, true).await;
    assert_eq!(check(&report, "storage")["status"], "degraded");
    s.state()
        .health
        .set_disk_probe(Arc::new(FixedProbe(20_000)));
    let report = health(&s, true).await;
    assert_eq!(check(&report, "storage")["status"], "ok");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_queued_jobs_without_executors_say_no_executors() {
    let s = server(|c| c.executors = 0).await;
    s.submit(&job("IDLE-1")).await;
    s.submit(&job("IDLE-2")).await;
    let report = health(&s, true).await;
    let worker = &report["worker"];
    assert_eq!(worker["state"], "idle", "{worker}");
    assert_eq!(worker["idle_reason"], "no_executors", "{worker}");
    assert_eq!(worker["queued_runs"], 2);
    assert_eq!(worker["blockers"], serde_json::json!(["no_executors"]));
    assert!(
        worker["explanation"]
            .as_str()
            .unwrap_or_default()
            .contains("2 jobs are queued"),
        "{worker}"
    );
    assert_eq!(check(&report, "executors")["status"], "down");
    assert_eq!(probe_status(&s, "/readyz").await, 200);
    assert_eq!(probe_status(&s, "/livez").await, 200);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_provider_that_is_not_allowed_is_down_with_no_ready_provider() {
    let s = server(|c| {
        c.executors = 1;
        c.command_provider = Some(vec!["definitely-not-allowed-agent".into()]);
    })
    .await;
    let report = health(&s, true).await;
    let providers = check(&report, "providers");
    assert_eq!(providers["status"], "down", "{providers}");
    assert!(
        providers["message"]
            .as_str()
            .unwrap_or_default()
            .contains("allowed-commands"),
        "{providers}"
    );
    assert_eq!(providers["details"]["providers"][0]["id"], "command");
    assert_eq!(str_at(&report, "/worker/idle_reason"), "no_ready_provider");
    assert_eq!(probe_status(&s, "/readyz").await, 200);
    s.stop().await;
}

/// One sample's value (gauge, counter or untyped) by name and labels.
fn sample(scrape: &prometheus_parse::Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    scrape
        .samples
        .iter()
        .find(|s| s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(|s| match &s.value {
            prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Untyped(v) => *v,
            other => panic!("{name} is not a single value: {other:?}"),
        })
        .unwrap_or_else(|| panic!("no sample {name} {labels:?}"))
}

/// A histogram's total count (its `+Inf` bucket).
fn histogram_count(scrape: &prometheus_parse::Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    scrape
        .samples
        .iter()
        .find(|s| s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(|s| match &s.value {
            prometheus_parse::Value::Histogram(buckets) => buckets
                .iter()
                .find(|b| b.less_than.is_infinite())
                .map_or(0.0, |b| b.count),
            other => panic!("{name} is not a histogram: {other:?}"),
        })
        .unwrap_or_else(|| panic!("no histogram {name} {labels:?}"))
}

async fn scrape(s: &TestServer) -> prometheus_parse::Scrape {
    let resp = s.get("/metrics").send().await.expect("GET /metrics");
    assert_eq!(resp.status().as_u16(), 200);
    let ctype = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(ctype.starts_with("text/plain; version=0.0.4"), "{ctype}");
    let text = resp.text().await.expect("metrics text");
    prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned())))
        .expect("the Prometheus text parser accepts /metrics")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_parse_as_prometheus_text_and_count_a_real_run() {
    let s = server(|c| c.executors = 1).await;
    let (status, created) = crate::support::send_json(s.post("/api/v1/samples/run")).await;
    assert!(status == 201 || status == 200, "{status}: {created}");
    let run_id = str_at(&created, "/run/id");
    let deadline = Instant::now() + STEP_TIMEOUT;
    loop {
        let run = s.run(&run_id).await;
        if run["status"] == "completed" {
            break;
        }
        assert!(
            !mergeloom_worker::model::status::is_terminal(run["status"].as_str().unwrap_or("")),
            "the sample run ended {run}"
        );
        assert!(
            Instant::now() < deadline,
            "sample run did not finish: {run}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Let the executor report idle again.
    let idle_deadline = Instant::now() + STEP_TIMEOUT;
    while s
        .state()
        .executors
        .list(15)
        .iter()
        .any(|e| e.status != "idle")
    {
        assert!(Instant::now() < idle_deadline, "executor stayed busy");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = health(&s, true).await;
    let stream = SseReader::connect(&s.http, &s.url("/api/v1/stream"), &[]).await;

    let m = scrape(&s).await;
    assert_eq!(
        sample(&m, "mergeloom_runs", &[("status", "completed")]),
        1.0
    );
    assert_eq!(sample(&m, "mergeloom_runs", &[("status", "queued")]), 0.0);
    assert_eq!(
        histogram_count(
            &m,
            "mergeloom_run_duration_seconds",
            &[("status", "completed")]
        ),
        1.0
    );
    assert_eq!(
        histogram_count(
            &m,
            "mergeloom_run_duration_seconds",
            &[("status", "failed")]
        ),
        0.0
    );
    assert!(
        histogram_count(
            &m,
            "mergeloom_stage_duration_seconds",
            &[("stage", "implement")]
        ) >= 1.0
    );
    assert!(
        histogram_count(
            &m,
            "mergeloom_stage_duration_seconds",
            &[("stage", "validate")]
        ) >= 2.0
    );
    let stored = s.counts().await.events as f64;
    assert_eq!(sample(&m, "mergeloom_events_ingested_total", &[]), stored);
    let batches = sample(&m, "mergeloom_writer_batches_total", &[]);
    assert!(batches > 0.0);
    assert_eq!(
        histogram_count(&m, "mergeloom_writer_batch_size", &[]),
        batches
    );
    assert_eq!(
        histogram_count(&m, "mergeloom_writer_commit_seconds", &[]),
        batches
    );
    assert_eq!(sample(&m, "mergeloom_sse_clients", &[]), 1.0);
    assert_eq!(
        sample(&m, "mergeloom_executors", &[("status", "idle")]),
        1.0
    );
    assert_eq!(
        sample(&m, "mergeloom_executors", &[("status", "busy")]),
        0.0
    );
    assert_eq!(
        sample(
            &m,
            "mergeloom_health_check_status",
            &[("check", "storage"), ("status", "ok")]
        ),
        1.0
    );
    assert_eq!(
        sample(
            &m,
            "mergeloom_health_check_status",
            &[("check", "storage"), ("status", "down")]
        ),
        0.0
    );
    assert!(m.docs.contains_key("mergeloom_events_ingested_total"));

    // The SSE gauge follows clients that leave.
    drop(stream);
    let deadline = Instant::now() + STEP_TIMEOUT;
    loop {
        if sample(&scrape(&s).await, "mergeloom_sse_clients", &[]) == 0.0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the SSE client gauge never dropped"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    s.stop().await;
}
