//! `make bench`: a retention prune of 1,000,000 stored events (over many old, ended runs) while a
//! live run ingests through the real single writer. Reports the prune's duration and events/s,
//! and the live run's append latency (p50/p95/p99) during the prune against the same run's
//! latency just before it (the floor, measured in the same process). Target: p99 during the
//! prune < 50 ms. Prints PASS/FAIL but never exits non-zero: a measurement, not a test.
//!
//! Knobs: `MERGELOOM_BENCH_PRUNE_EVENTS` (1,000,000), `MERGELOOM_BENCH_PRUNE_RUNS` (1,000),
//! `MERGELOOM_BENCH_LIVE_BATCH` (20 events per append), `MERGELOOM_BENCH_LIVE_TICK_MS` (10),
//! `MERGELOOM_BENCH_FLOOR_SECS` (3).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use mergeloom_worker::config::Config;
use mergeloom_worker::db::DB_FILE;
use mergeloom_worker::ids::RunId;
use mergeloom_worker::server::{self, RunningServer};
use mergeloom_worker::sink::{EventSink, NewEvent};
use serde_json::json;

mod common;
use common::{env_u64, percentile, series, verdict};

/// Target: p99 append latency of the live run while a prune runs.
const TARGET_P99_MS: f64 = 50.0;

fn main() {
    let events = env_u64("MERGELOOM_BENCH_PRUNE_EVENTS", 1_000_000);
    let runs = env_u64("MERGELOOM_BENCH_PRUNE_RUNS", 1_000).max(1);
    let batch = env_u64("MERGELOOM_BENCH_LIVE_BATCH", 20).max(1) as usize;
    let tick = Duration::from_millis(env_u64("MERGELOOM_BENCH_LIVE_TICK_MS", 10).max(1));
    let floor_secs = env_u64("MERGELOOM_BENCH_FLOOR_SECS", 3);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let wall = Instant::now();
    println!(
        "retention bench: prune {events} events over {runs} ended runs while a live run appends {batch} events every {} ms",
        tick.as_millis()
    );
    rt.block_on(bench(events, runs, batch, tick, floor_secs));
    println!("bench wall time: {:.1} s", wall.elapsed().as_secs_f64());
}

/// Fills a migrated database with `runs` ended runs (60 days old) holding `events` events.
fn generate(path: &std::path::Path, runs: u64, events: u64) {
    let mut c = SqliteConnection::establish(&path.to_string_lossy()).expect("open db");
    c.batch_execute("PRAGMA synchronous = OFF; PRAGMA journal_mode = WAL;")
        .expect("pragmas");
    let per = (events / runs).max(1);
    let sql = format!(
        "BEGIN;
         INSERT INTO repositories (id, url, name, created_at)
           VALUES ('00000000-0000-7000-8000-000000000001', '/srv/repos/old', 'acme/old', '2026-01-01T00:00:00.000Z');
         INSERT INTO jobs (id, repository_id, ticket_key, ticket_title, spec, created_at)
           SELECT printf('00000001-0000-7000-8000-%012d', i), '00000000-0000-7000-8000-000000000001',
                  printf('OLD-%d', i), printf('Old ticket %d', i), '{{}}',
                  strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-61 days', printf('+%d seconds', i))
           FROM {runs_s};
         INSERT INTO runs (id, job_id, attempt, status, stage, repository_id, ticket_key, ticket_title, provider_id,
                           created_at, started_at, finished_at, reason_code, reason, validation_mode,
                           event_count, last_event_seq)
           SELECT printf('00000002-0000-7000-8000-%012d', i), printf('00000001-0000-7000-8000-%012d', i), 1,
                  'completed', 'finalize', '00000000-0000-7000-8000-000000000001',
                  printf('OLD-%d', i), printf('Old ticket %d', i), 'command',
                  strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-61 days', printf('+%d seconds', i)),
                  strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-61 days', printf('+%d seconds', i)),
                  strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-60 days', printf('+%d seconds', i)),
                  'published', 'Published the branch.', 'required', {per}, {per}
           FROM {runs_s};
         INSERT INTO events (run_id, seq, ts, kind, stage, attempt, stream, text, data)
           SELECT printf('00000002-0000-7000-8000-%012d', i / {per}), i % {per} + 1,
                  '2026-01-01T00:00:00.000Z', 'log', 'implement', 1, 'stdout',
                  printf('line %d: compiling module %d of the old build, nothing to see here', i, i % 977),
                  '{{\"source\":\"provider\"}}'
           FROM {events_s};
         UPDATE runs SET event_bytes = (SELECT SUM(LENGTH(ts) + LENGTH(kind) + LENGTH(stage) + LENGTH(stream)
                + LENGTH(CAST(text AS BLOB)) + LENGTH(data) + 16) FROM events WHERE run_id = runs.id);
         COMMIT; PRAGMA wal_checkpoint(TRUNCATE);",
        runs_s = series(runs),
        events_s = series(per * runs),
    );
    c.batch_execute(&sql).expect("generate runs and events");
}

/// Submits a job through the API and returns its run's id.
async fn submit_run(http: &reqwest::Client, srv: &RunningServer, key: &str) -> String {
    let resp = http
        .post(format!("{}/api/v1/jobs", srv.url()))
        .json(&json!({
            "ticket": {"key": key, "title": "Live run"},
            "repository": {"url": "/srv/repos/api.git", "name": "acme/api"},
        }))
        .send()
        .await
        .expect("POST /api/v1/jobs");
    let created: serde_json::Value = resp.json().await.expect("job response is JSON");
    created["run"]["id"]
        .as_str()
        .expect("the job response has /run/id")
        .to_owned()
}

/// Latency samples (ms) of the live run's appends, tagged with whether a prune was running.
type Samples = Vec<(bool, f64)>;

async fn bench(events: u64, runs: u64, batch: usize, tick: Duration, floor_secs: u64) {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = || {
        let mut c = Config::for_data_dir(dir.path().to_path_buf());
        c.retention_interval_seconds = 0;
        c
    };
    let s = server::start(config()).await.expect("start");
    s.stop().await;
    let path = dir.path().join(DB_FILE);
    let t = Instant::now();
    tokio::task::spawn_blocking(move || generate(&path, runs, events))
        .await
        .expect("generate");
    let size_before = std::fs::metadata(dir.path().join(DB_FILE)).map_or(0, |m| m.len());
    println!(
        "  generated {events} events in {runs} runs by SQL in {:.1} s; database {:.1} MiB",
        t.elapsed().as_secs_f64(),
        size_before as f64 / 1048576.0
    );
    let srv = server::start(config()).await.expect("start");
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    let live = submit_run(&http, &srv, "LIVE-1").await;
    let run = RunId::parse(&live).expect("run id");
    let pruning = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let producer = {
        let (sink, pruning, stop) = (srv.state.sink.clone(), pruning.clone(), stop.clone());
        tokio::spawn(async move {
            let mut samples: Samples = Vec::new();
            let mut i = 0_u64;
            let mut next = tokio::time::Instant::now();
            while !stop.load(Ordering::Relaxed) {
                next += tick;
                let evs: Vec<NewEvent> = (0..batch)
                    .map(|k| {
                        i += 1;
                        NewEvent::log(
                            "implement",
                            1,
                            "stdout",
                            "provider",
                            format!("live line {i} ({k})"),
                        )
                    })
                    .collect();
                let during = pruning.load(Ordering::Relaxed);
                let t = Instant::now();
                sink.append(run, evs).await.expect("append");
                samples.push((during, t.elapsed().as_secs_f64() * 1000.0));
                tokio::time::sleep_until(next).await;
            }
            samples
        })
    };
    tokio::time::sleep(Duration::from_secs(floor_secs)).await;
    let preview = srv
        .state
        .retention
        .preview(srv.state.retention.policy())
        .await
        .expect("preview");
    pruning.store(true, Ordering::Relaxed);
    let t = Instant::now();
    let report = srv.state.retention.prune("bench").await.expect("prune");
    let prune_s = t.elapsed().as_secs_f64();
    pruning.store(false, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    let samples = producer.await.expect("producer");
    let pick = |during: bool| {
        let mut v: Vec<f64> = samples
            .iter()
            .filter(|(d, _)| *d == during)
            .map(|(_, ms)| *ms)
            .collect();
        v.sort_by(f64::total_cmp);
        v
    };
    let (floor, during) = (pick(false), pick(true));
    let line = |name: &str, v: &[f64]| {
        format!(
            "  {name:<22} {:>6} appends  p50 {:>7.2} ms  p95 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms",
            v.len(),
            percentile(v, 0.5),
            percentile(v, 0.95),
            percentile(v, 0.99),
            v.last().copied().unwrap_or(f64::NAN)
        )
    };
    // Give the checkpointer a moment so the file size reflects the vacuum.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let size_after = std::fs::metadata(dir.path().join(DB_FILE)).map_or(0, |m| m.len());
    let p99 = percentile(&during, 0.99);
    println!("\n== retention bench ==");
    println!(
        "  preview: {} runs, {} events, {} bytes; prune removed {} runs, {} events (match: {})",
        preview.events.runs,
        preview.events.events,
        preview.events.bytes,
        report.events.runs,
        report.events.events,
        preview.events == report.events
    );
    println!(
        "  prune: {prune_s:.2} s ({:.0} events/s), vacuum gave back {:.1} MiB; database file {:.1} → {:.1} MiB",
        report.events.events as f64 / prune_s,
        report.vacuumed_bytes as f64 / 1048576.0,
        size_before as f64 / 1048576.0,
        size_after as f64 / 1048576.0
    );
    println!("{}", line("live ingest, floor", &floor));
    println!("{}", line("live ingest, pruning", &during));
    println!(
        "  p99 during prune {p99:.2} ms vs floor {:.2} ms (×{:.1})  [{} target p99 < {TARGET_P99_MS} ms]",
        percentile(&floor, 0.99),
        p99 / percentile(&floor, 0.99),
        verdict(p99 < TARGET_P99_MS)
    );
    srv.stop().await;
}
