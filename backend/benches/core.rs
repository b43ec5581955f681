//! `make bench`: ingest throughput through the real single writer against an honest floor measured
//! in the same run, live-stream (SSE) latency with many followers, and the process's peak memory.
//!
//! It prints figures and PASS/FAIL against the targets but never exits non-zero for a miss: it is a
//! measurement, not a test. Sizes can be scaled down for a quick look with environment variables:
//! `MERGELOOM_BENCH_EVENTS` (1,000,000), `MERGELOOM_BENCH_CLIENTS` (100), `MERGELOOM_BENCH_RATE`
//! (10,000 events/s), `MERGELOOM_BENCH_SECS` (8) and `MERGELOOM_BENCH_LIGHT_CLIENTS` (10, the
//! second, lighter live run). For experiments: `MERGELOOM_BENCH_SKIP_LIVE=1` runs only the ingest
//! phase, and `MERGELOOM_BENCH_FLOOR_PRAGMAS` adds pragmas to the floor's connection (e.g.
//! `PRAGMA wal_autocheckpoint = 0;`) to see what a storage setting would be worth;
//! `MERGELOOM_BENCH_PRODUCERS` (4) sets the number of concurrent ingest producers.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use diesel_migrations::MigrationHarness;
use mergeloom_worker::config::Config;
use mergeloom_worker::db::events::append_in_tx;
use mergeloom_worker::db::rows::EventRow;
use mergeloom_worker::db::writer::MAX_BATCH_WEIGHT;
use mergeloom_worker::db::{DB_FILE, MIGRATIONS};
use mergeloom_worker::ids::RunId;
use mergeloom_worker::schema::{events, runs};
use mergeloom_worker::server::{self, RunningServer};
use mergeloom_worker::sink::{EventSink, NewEvent};
use serde_json::json;

mod common;
use common::{RssSampler, env_u64, reset_peak_rss, status_mib, verdict};

/// Ingest target: events per second through the writer.
const TARGET_INGEST: f64 = 100_000.0;
/// Ingest target: writer throughput as a fraction of the floor.
const TARGET_RATIO: f64 = 0.5;
/// Live target: p99 append→receipt latency.
const TARGET_P99_MS: f64 = 50.0;
/// Concurrent producers in the ingest phase (like a few process readers of concurrent runs);
/// `MERGELOOM_BENCH_PRODUCERS` overrides it.
fn producers() -> u64 {
    env_u64("MERGELOOM_BENCH_PRODUCERS", 4).max(1)
}
/// Events appended before the live clients connect; each must have replayed them before the clock
/// starts.
const LIVE_PRELOAD: u64 = 1_000;
/// The live producer appends every this often.
const LIVE_TICK: Duration = Duration::from_millis(10);
use mergeloom_worker::db::{CONNECTION_PRAGMAS, WRITER_PRAGMAS};

fn main() {
    let events = env_u64("MERGELOOM_BENCH_EVENTS", 1_000_000);
    let clients = env_u64("MERGELOOM_BENCH_CLIENTS", 100) as usize;
    let rate = env_u64("MERGELOOM_BENCH_RATE", 10_000);
    let secs = env_u64("MERGELOOM_BENCH_SECS", 8);
    let light_clients = env_u64("MERGELOOM_BENCH_LIGHT_CLIENTS", 10) as usize;
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .thread_name("bench-client")
        .enable_all()
        .build()
        .expect("build the tokio runtime");
    let wall = Instant::now();
    println!(
        "mergeloom-worker bench: {cores} cores, {events} ingest events, {clients} live clients at {rate} events/s for {secs} s"
    );
    let ingest = rt.block_on(ingest_phase(events));
    let lives = if env_u64("MERGELOOM_BENCH_SKIP_LIVE", 0) == 0 {
        vec![
            rt.block_on(live_phase("b", clients, rate, secs)),
            rt.block_on(live_phase("b2", light_clients, rate, secs)),
        ]
    } else {
        Vec::new()
    };
    print_summary(&ingest, &lives, cores);
    println!("bench wall time: {:.1} s", wall.elapsed().as_secs_f64());
}

// ---------------------------------------------------------------------------------------------
// Test data
// ---------------------------------------------------------------------------------------------

/// SplitMix64 of `i`: reproducible pseudo-random numbers without state.
fn mix(i: u64) -> u64 {
    let mut z = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

const CRATES: [&str; 8] = [
    "serde_json",
    "tokio",
    "hyper",
    "diesel",
    "actix-web",
    "regex-automata",
    "tracing-subscriber",
    "futures-util",
];
const WORDS: [&str; 12] = [
    "request", "handler", "parse", "config", "cache", "session", "worker", "queue", "retry",
    "timeout", "buffer", "schema",
];

/// The `i`-th log line: a realistic build/test/server output line of 80–120 ASCII bytes.
fn line(i: u64) -> String {
    let r = mix(i);
    let len = 80 + (r % 41) as usize;
    let w = |k: u32| WORDS[((r >> k) % WORDS.len() as u64) as usize];
    let krate = CRATES[((r >> 8) % CRATES.len() as u64) as usize];
    let mut s = String::with_capacity(128);
    let _ = match (r >> 4) % 5 {
        0 => write!(
            s,
            "   Compiling {krate} v{}.{}.{} (/home/runner/work/acme/api/vendor/{krate})",
            (r >> 12) & 3,
            (r >> 14) & 31,
            (r >> 19) & 15
        ),
        1 => write!(
            s,
            "test {}::tests::{}_{}_is_rejected_when_{} ... ok",
            w(23),
            w(27),
            w(31),
            w(35)
        ),
        2 => write!(
            s,
            "2025-06-01T12:{:02}:{:02}.{:03}Z  INFO api::{}: GET /api/v1/{}s/{} -> 200 in {} ms",
            ((r >> 12) & 63) % 60,
            ((r >> 18) & 63) % 60,
            ((r >> 24) & 1023) % 1000,
            w(35),
            w(39),
            (r >> 40) & 0xFFFF,
            r >> 56
        ),
        3 => write!(
            s,
            "src/{}/{}.rs:{}:{}: warning: unused variable `{}_{}`",
            w(23),
            w(27),
            (r >> 32) & 1023,
            (r >> 44) & 63,
            w(31),
            w(35)
        ),
        _ => write!(
            s,
            "npm WARN deprecated {}-{}@{}.{}.{}: this package is no longer supported",
            w(23),
            w(27),
            (r >> 12) & 7,
            (r >> 15) & 31,
            (r >> 20) & 15
        ),
    };
    const FILLER: &str =
        " (see https://docs.example.com/troubleshooting#details for more information on this)";
    while s.len() < len {
        let need = len - s.len();
        s.push_str(&FILLER[..need.min(FILLER.len())]);
    }
    s.truncate(len);
    s
}

fn log_event(i: u64) -> NewEvent {
    NewEvent::log("implement", 1, "stdout", "provider", line(i))
}

// ---------------------------------------------------------------------------------------------
// Process measurements (/proc)
// ---------------------------------------------------------------------------------------------

/// utime + stime (seconds) from a /proc `stat` file (clock ticks assumed 100 Hz).
fn stat_cpu_secs(path: &str) -> f64 {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|s| {
            let rest = &s[s.rfind(')')? + 2..];
            let f: Vec<&str> = rest.split_whitespace().collect();
            // After "pid (comm) ": state is field 3, utime 14, stime 15 → indices 11, 12 here.
            let u: f64 = f.get(11)?.parse().ok()?;
            let st: f64 = f.get(12)?.parse().ok()?;
            Some((u + st) / 100.0)
        })
        .unwrap_or(f64::NAN)
}

/// CPU seconds used so far by the whole process.
fn process_cpu() -> f64 {
    stat_cpu_secs("/proc/self/stat")
}

/// CPU seconds used so far by all `db-writer` threads of this process.
fn writer_thread_cpu() -> f64 {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return f64::NAN;
    };
    let mut total = 0.0;
    for entry in dir.flatten() {
        let p = entry.path();
        let comm = std::fs::read_to_string(p.join("comm")).unwrap_or_default();
        if comm.trim() == "db-writer" {
            total += stat_cpu_secs(&p.join("stat").to_string_lossy());
        }
    }
    total
}

/// CPU seconds used so far per thread group (thread name without its trailing number).
fn thread_cpu_by_group() -> Vec<(String, f64)> {
    let mut out: Vec<(String, f64)> = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return out;
    };
    for entry in dir.flatten() {
        let p = entry.path();
        let comm = std::fs::read_to_string(p.join("comm")).unwrap_or_default();
        let group = comm
            .trim()
            .trim_end_matches(|c: char| c.is_ascii_digit() || c == '-' || c == ' ')
            .to_owned();
        let cpu = stat_cpu_secs(&p.join("stat").to_string_lossy());
        if !cpu.is_nan() {
            match out.iter_mut().find(|(g, _)| *g == group) {
                Some((_, c)) => *c += cpu,
                None => out.push((group, cpu)),
            }
        }
    }
    out
}

/// `after - before` per group, largest first (threads gone by `after` are not counted).
fn thread_cpu_delta(before: &[(String, f64)], after: &[(String, f64)]) -> Vec<(String, f64)> {
    let mut out: Vec<(String, f64)> = after
        .iter()
        .map(|(g, c)| {
            let b = before
                .iter()
                .find(|(bg, _)| bg == g)
                .map_or(0.0, |(_, c)| *c);
            (g.clone(), c - b)
        })
        .filter(|(_, c)| *c > 0.005)
        .collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1));
    out
}

fn fmt_thread_cpu(groups: &[(String, f64)]) -> String {
    let name = |g: &str| match g {
        "bench-client" => "bench-client (bench: SSE clients, producer)".to_owned(),
        "actix-server wo" | "actix-server worker" => {
            "actix-server worker (HTTP: SSE followers, encoding)".to_owned()
        }
        "db-writer" => "db-writer (single writer)".to_owned(),
        "tokio-rt-worker" | "tokio-runtime-w" => {
            "tokio-rt-worker (server blocking pool: storage reads/replays)".to_owned()
        }
        other => other.to_owned(),
    };
    groups
        .iter()
        .map(|(g, c)| format!("{} {c:.2} s", name(g)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Peak memory of one phase: VmHWM after a reset at the phase start (when the kernel allows the
/// reset), and the highest 10 ms VmRSS sample.
struct Peak {
    hwm_mib: Option<f64>,
    sampled_mib: f64,
}

// ---------------------------------------------------------------------------------------------
// Server helpers
// ---------------------------------------------------------------------------------------------

fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("build the HTTP client")
}

async fn start_server(dir: &tempfile::TempDir) -> RunningServer {
    server::start(Config::for_data_dir(dir.path().to_path_buf()))
        .await
        .expect("start the server")
}

/// Submits a job through the API and returns its run's id.
async fn submit_run(http: &reqwest::Client, srv: &RunningServer, key: &str) -> String {
    let body = json!({
        "ticket": {"key": key, "title": format!("Benchmark {key}")},
        "repository": {"url": "/srv/repos/api.git", "name": "acme/api"},
    });
    let resp = http
        .post(format!("{}/api/v1/jobs", srv.url()))
        .json(&body)
        .send()
        .await
        .expect("POST /api/v1/jobs");
    let status = resp.status().as_u16();
    let created: serde_json::Value = resp.json().await.expect("job response is JSON");
    assert_eq!(status, 201, "job submission failed: {created}");
    created
        .pointer("/run/id")
        .and_then(serde_json::Value::as_str)
        .expect("the job response has /run/id")
        .to_owned()
}

/// `(event rows, last_event_seq)` of a run, read from storage.
async fn stored_counts(srv: &RunningServer, run_id: &str) -> (i64, i64) {
    let id = run_id.to_owned();
    srv.state
        .db
        .read(move |c| {
            let rows: i64 = events::table
                .filter(events::run_id.eq(&id))
                .count()
                .get_result(&mut **c)?;
            let last: i64 = runs::table
                .find(&id)
                .select(runs::last_event_seq)
                .first(&mut **c)?;
            Ok((rows, last))
        })
        .await
        .expect("count the run's events")
}

// ---------------------------------------------------------------------------------------------
// (a) Ingest
// ---------------------------------------------------------------------------------------------

struct Ingest {
    events: u64,
    writer_secs: f64,
    writer_cpu_secs: f64,
    process_cpu_secs: f64,
    floor_secs: f64,
    floor_wall_secs: f64,
    stored_ok: bool,
    profile: Profile,
    peak: Peak,
}

/// Where the writer's time goes, from an instrumented pass (`writer.exec` + `append_in_tx`, the
/// same work `LocalSink::append` does, with a clock around the closure).
struct Profile {
    events: u64,
    wall_secs: f64,
    inside_secs: f64,
    writer_cpu_secs: f64,
    calls: u64,
    producer_build_secs: f64,
}

async fn ingest_phase(total: u64) -> Ingest {
    println!(
        "\n(a) ingest: {total} log events through LocalSink::append ({} producers, 100–500 events per call)",
        producers()
    );
    let reset = reset_peak_rss();
    let sampler = RssSampler::start();
    let dir = tempfile::tempdir().expect("temp data directory");
    let srv = start_server(&dir).await;
    let http = http_client();
    let run_id = submit_run(&http, &srv, "BENCH-INGEST").await;
    let run = RunId::parse(&run_id).expect("the API's run id parses");
    // Submission itself records an event or two; the ingest comes on top of those.
    let (rows0, last0) = stored_counts(&srv, &run_id).await;

    let cpu0 = (writer_thread_cpu(), process_cpu());
    let started = Instant::now();
    let mut tasks = Vec::new();
    let n_producers = producers();
    let per = total / n_producers;
    for p in 0..n_producers {
        let sink = srv.state.sink.clone();
        let (lo, hi) = (
            p * per,
            if p == n_producers - 1 {
                total
            } else {
                (p + 1) * per
            },
        );
        tasks.push(tokio::spawn(async move {
            let mut i = lo;
            let mut k = p << 32;
            while i < hi {
                k += 1;
                let n = (100 + mix(k) % 401).min(hi - i);
                let batch: Vec<NewEvent> = (i..i + n).map(log_event).collect();
                let seqs = sink.append(run, batch).await.expect("append events");
                assert_eq!(seqs.len() as u64, n, "one seq per event");
                i += n;
            }
        }));
    }
    for t in tasks {
        t.await.expect("producer task");
    }
    let writer_secs = started.elapsed().as_secs_f64();
    let writer_cpu_secs = writer_thread_cpu() - cpu0.0;
    let process_cpu_secs = process_cpu() - cpu0.1;
    let (rows, last) = stored_counts(&srv, &run_id).await;
    let stored_ok = rows == rows0 + total as i64 && last == last0 + total as i64;
    println!(
        "  writer: {total} events in {writer_secs:.2} s = {:.0} events/s (run rows {rows0} → {rows}, last_event_seq {last0} → {last}); \
         writer thread CPU {writer_cpu_secs:.2} s, process CPU {process_cpu_secs:.2} s",
        total as f64 / writer_secs
    );

    let profile = profile_writer(&srv, &http, (total / 4).max(10_000)).await;
    srv.stop().await;
    drop(dir);
    let sampled_mib = sampler.finish().await;
    let peak = Peak {
        hwm_mib: reset.then(|| status_mib("VmHWM")),
        sampled_mib,
    };

    let floor_run = run_id.clone();
    let (floor_secs, floor_wall_secs) =
        tokio::task::spawn_blocking(move || floor(total, &floor_run))
            .await
            .expect("floor task");
    println!(
        "  floor:  {total} events in {floor_secs:.2} s of insert transactions = {:.0} events/s \
         (one prepared diesel insert, {MAX_BATCH_WEIGHT} rows per BEGIN IMMEDIATE; {floor_wall_secs:.2} s with row building)",
        total as f64 / floor_secs
    );
    Ingest {
        events: total,
        writer_secs,
        writer_cpu_secs,
        process_cpu_secs,
        floor_secs,
        floor_wall_secs,
        stored_ok,
        profile,
        peak,
    }
}

/// An instrumented pass on a second run: the closure `LocalSink::append` submits, with a clock
/// around `append_in_tx`, so the writer thread's time splits into "inside the command" and "the
/// writer loop around it" (savepoints, commit, hub publish, replies).
async fn profile_writer(srv: &RunningServer, http: &reqwest::Client, total: u64) -> Profile {
    let run_id = submit_run(http, srv, "BENCH-PROFILE").await;
    let inside_ns = Arc::new(AtomicU64::new(0));
    let calls = Arc::new(AtomicU64::new(0));
    let build_ns = Arc::new(AtomicU64::new(0));
    let cpu0 = writer_thread_cpu();
    let started = Instant::now();
    let mut tasks = Vec::new();
    let n_producers = producers();
    let per = total / n_producers;
    for p in 0..n_producers {
        let writer = srv.state.db.writer.clone();
        let (inside_ns, calls, build_ns) = (inside_ns.clone(), calls.clone(), build_ns.clone());
        let id = run_id.clone();
        let (lo, hi) = (
            p * per,
            if p == n_producers - 1 {
                total
            } else {
                (p + 1) * per
            },
        );
        tasks.push(tokio::spawn(async move {
            let mut i = lo;
            let mut k = (p + 16) << 32;
            while i < hi {
                k += 1;
                let n = (100 + mix(k) % 401).min(hi - i);
                let t = Instant::now();
                let batch: Vec<NewEvent> = (i..i + n).map(log_event).collect();
                build_ns.fetch_add(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
                let (inside_ns, calls, id) = (inside_ns.clone(), calls.clone(), id.clone());
                writer
                    .exec(n as usize, move |c, ctx| {
                        let t = Instant::now();
                        let out = append_in_tx(c, ctx, &id, batch)
                            .map(|e| (e.last - e.first + 1) as usize);
                        inside_ns.fetch_add(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
                        calls.fetch_add(1, Ordering::Relaxed);
                        out
                    })
                    .await
                    .expect("append events");
                i += n;
            }
        }));
    }
    for t in tasks {
        t.await.expect("profile producer task");
    }
    let wall_secs = started.elapsed().as_secs_f64();
    let p = Profile {
        events: total,
        wall_secs,
        inside_secs: inside_ns.load(Ordering::Relaxed) as f64 / 1e9,
        writer_cpu_secs: writer_thread_cpu() - cpu0,
        calls: calls.load(Ordering::Relaxed),
        producer_build_secs: build_ns.load(Ordering::Relaxed) as f64 / 1e9,
    };
    println!(
        "  profile ({total} events, writer.exec + append_in_tx with a clock): {:.0} events/s; inside append_in_tx {:.2} s, \
         writer thread CPU {:.2} s of {wall_secs:.2} s wall, {} commands; producers built events in {:.2} s",
        total as f64 / wall_secs,
        p.inside_secs,
        p.writer_cpu_secs,
        p.calls,
        p.producer_build_secs
    );
    p
}

/// The floor: a fresh database with the same migrations (schema, indexes) and pragmas, the same
/// rows inserted with the same prepared diesel insert the writer uses, one `BEGIN IMMEDIATE`
/// transaction per [`MAX_BATCH_WEIGHT`] rows, no channel, savepoints or broadcast. Returns
/// `(seconds inside the transactions, wall seconds including building the rows)`.
fn floor(total: u64, run_id: &str) -> (f64, f64) {
    let dir = tempfile::tempdir().expect("temp floor directory");
    let url = dir.path().join(DB_FILE).to_string_lossy().into_owned();
    let mut conn = SqliteConnection::establish(&url).expect("open the floor database");
    // As `db::open_connection` does for a new file, then the migrations as `Db::open` runs them.
    conn.batch_execute("PRAGMA auto_vacuum = INCREMENTAL;")
        .expect("auto_vacuum");
    conn.batch_execute(CONNECTION_PRAGMAS).expect("pragmas");
    // The writer's own connection settings (WAL, no automatic checkpoint: its checkpoints run on
    // another thread; the floor gets none at all, which only flatters it).
    conn.batch_execute(WRITER_PRAGMAS).expect("WAL");
    conn.run_pending_migrations(MIGRATIONS).expect("migrations");
    if let Ok(extra) = std::env::var("MERGELOOM_BENCH_FLOOR_PRAGMAS") {
        println!("  floor: extra pragmas {extra:?} (MERGELOOM_BENCH_FLOOR_PRAGMAS)");
        conn.batch_execute(&extra).expect("extra floor pragmas");
    }
    let ts = mergeloom_worker::time::now();
    let data = json!({"source": "provider"}).to_string();
    let wall = Instant::now();
    let mut inside = Duration::ZERO;
    let mut i = 0;
    while i < total {
        let n = (MAX_BATCH_WEIGHT as u64).min(total - i);
        let rows: Vec<EventRow> = (i..i + n)
            .map(|k| EventRow {
                run_id: run_id.to_owned(),
                seq: k as i64 + 1,
                ts: ts.clone(),
                kind: "log".into(),
                stage: Some("implement".into()),
                attempt: Some(1),
                stream: Some("stdout".into()),
                text: Some(line(k)),
                data: Some(data.clone()),
            })
            .collect();
        let t = Instant::now();
        conn.immediate_transaction(|c| {
            for row in &rows {
                diesel::insert_into(events::table).values(row).execute(c)?;
            }
            Ok::<_, diesel::result::Error>(())
        })
        .expect("floor insert");
        inside += t.elapsed();
        i += n;
    }
    let wall = wall.elapsed().as_secs_f64();
    let stored: i64 = events::table
        .count()
        .get_result(&mut conn)
        .expect("count floor rows");
    assert_eq!(stored, total as i64, "the floor stored every row");
    (inside.as_secs_f64(), wall)
}

// ---------------------------------------------------------------------------------------------
// (b) Live latency
// ---------------------------------------------------------------------------------------------

/// A log-linear latency histogram in microseconds (exact below 512 µs, ≤ 0.4 % error above).
#[derive(Clone)]
struct Hist {
    counts: Vec<u64>,
    n: u64,
    max: u64,
}

const SUB: u64 = 256;
const HIST_MAX_EXP: u64 = 40;

impl Hist {
    fn new() -> Self {
        Self {
            counts: vec![0; (2 * SUB + (HIST_MAX_EXP - 8) * SUB) as usize],
            n: 0,
            max: 0,
        }
    }

    fn index(v: u64) -> usize {
        let v = v.min((1 << HIST_MAX_EXP) - 1);
        if v < 2 * SUB {
            return v as usize;
        }
        let e = 63 - u64::from(v.leading_zeros());
        (2 * SUB + (e - 9) * SUB + ((v >> (e - 8)) - SUB)) as usize
    }

    /// The lower bound of bucket `i`.
    fn value(i: usize) -> u64 {
        let i = i as u64;
        if i < 2 * SUB {
            return i;
        }
        let j = i - 2 * SUB;
        let e = j / SUB + 9;
        (j % SUB + SUB) << (e - 8)
    }

    fn record(&mut self, us: u64) {
        self.counts[Self::index(us)] += 1;
        self.n += 1;
        self.max = self.max.max(us);
    }

    fn merge(&mut self, other: &Self) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.n += other.n;
        self.max = self.max.max(other.max);
    }

    /// The `q` quantile in microseconds.
    fn quantile(&self, q: f64) -> u64 {
        let rank = ((q * self.n as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (i, c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return Self::value(i).min(self.max);
            }
        }
        self.max
    }
}

/// What one SSE client saw.
struct ClientReport {
    hist: Hist,
    last: i64,
    duplicates: u64,
    gaps: u64,
    live_events: u64,
    error: Option<String>,
}

struct Live {
    label: &'static str,
    clients: usize,
    connect_secs: f64,
    rate_target: u64,
    sent: u64,
    send_secs: f64,
    slow_appends: u64,
    max_append_ms: f64,
    drain_secs: f64,
    hist: Hist,
    complete_clients: usize,
    duplicates: u64,
    gaps: u64,
    errors: Vec<String>,
    process_cpu_secs: f64,
    thread_cpu: Vec<(String, f64)>,
    peak: Peak,
}

async fn live_phase(label: &'static str, clients: usize, rate: u64, secs: u64) -> Live {
    println!(
        "\n({label}) live latency: {clients} SSE clients following one run while {rate} events/s are appended for {secs} s"
    );
    let reset = reset_peak_rss();
    let sampler = RssSampler::start();
    let dir = tempfile::tempdir().expect("temp data directory");
    let srv = start_server(&dir).await;
    let http = http_client();
    let run_id = submit_run(&http, &srv, "BENCH-LIVE").await;
    let run = RunId::parse(&run_id).expect("the API's run id parses");
    let sink = srv.state.sink.clone();
    let mut preload_last = 0;
    for chunk in 0..LIVE_PRELOAD / 500 {
        let batch = (chunk * 500..(chunk + 1) * 500).map(log_event).collect();
        let seqs = sink.append(run, batch).await.expect("preload events");
        preload_last = *seqs.last().expect("seqs for a non-empty batch");
    }

    let epoch = Instant::now();
    let ready = Arc::new(AtomicUsize::new(0));
    let final_seq = Arc::new(AtomicI64::new(i64::MAX));
    let url = format!("{}/api/v1/runs/{run_id}/events/stream", srv.url());
    let connect_started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (http, url, ready, final_seq) =
            (http.clone(), url.clone(), ready.clone(), final_seq.clone());
        tasks.push(tokio::spawn(follow(
            http,
            url,
            epoch,
            preload_last,
            ready,
            final_seq,
        )));
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    while ready.load(Ordering::Acquire) < clients {
        assert!(
            Instant::now() < deadline,
            "only {} of {clients} clients connected and replayed within 120 s",
            ready.load(Ordering::Acquire)
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let connect_secs = connect_started.elapsed().as_secs_f64();
    println!(
        "  {clients} clients connected and replayed the first {LIVE_PRELOAD} events in {connect_secs:.2} s"
    );

    let cpu0 = process_cpu();
    let threads0 = thread_cpu_by_group();
    let per_tick = (rate / (1000 / LIVE_TICK.as_millis() as u64)).max(1);
    let ticks = secs * 1000 / LIVE_TICK.as_millis() as u64;
    let started = Instant::now();
    let start_at = tokio::time::Instant::now();
    let mut sent = 0u64;
    let mut last = preload_last;
    let mut slow_appends = 0u64;
    let mut max_append = Duration::ZERO;
    for tick in 0..ticks {
        tokio::time::sleep_until(start_at + LIVE_TICK * tick as u32).await;
        let sent_ns = epoch.elapsed().as_nanos() as u64;
        let batch: Vec<NewEvent> = (0..per_tick)
            .map(|j| {
                let mut e = log_event(LIVE_PRELOAD + sent + j);
                e.data = Some(json!({"source": "provider", "sent_ns": sent_ns}));
                e
            })
            .collect();
        let t = Instant::now();
        let seqs = sink.append(run, batch).await.expect("append live events");
        let took = t.elapsed();
        max_append = max_append.max(took);
        if took > LIVE_TICK {
            slow_appends += 1;
        }
        last = *seqs.last().expect("seqs for a non-empty batch");
        sent += per_tick;
    }
    let send_secs = started.elapsed().as_secs_f64();
    final_seq.store(last, Ordering::Release);
    let drain_started = Instant::now();
    let mut reports = Vec::new();
    for t in tasks {
        reports.push(t.await.expect("client task"));
    }
    let drain_secs = drain_started.elapsed().as_secs_f64();
    let process_cpu_secs = process_cpu() - cpu0;
    let thread_cpu = thread_cpu_delta(&threads0, &thread_cpu_by_group());

    let mut hist = Hist::new();
    let (mut duplicates, mut gaps, mut complete_clients) = (0, 0, 0);
    let mut errors = Vec::new();
    for r in &reports {
        hist.merge(&r.hist);
        duplicates += r.duplicates;
        gaps += r.gaps;
        if r.last == last && r.duplicates == 0 && r.gaps == 0 && r.live_events == sent {
            complete_clients += 1;
        }
        if let Some(e) = &r.error {
            errors.push(e.clone());
        }
    }
    println!(
        "  sent {sent} events in {send_secs:.2} s ({:.0} events/s; {slow_appends} appends took > {} ms, slowest {:.1} ms); \
         clients drained {drain_secs:.2} s after the last append",
        sent as f64 / send_secs,
        LIVE_TICK.as_millis(),
        max_append.as_secs_f64() * 1e3
    );
    println!(
        "  CPU while sending and draining: {process_cpu_secs:.2} s in {:.2} s; by thread: {}",
        send_secs + drain_secs,
        fmt_thread_cpu(&thread_cpu)
    );
    srv.stop().await;
    drop(dir);
    let sampled_mib = sampler.finish().await;
    Live {
        label,
        clients,
        connect_secs,
        rate_target: rate,
        sent,
        send_secs,
        slow_appends,
        max_append_ms: max_append.as_secs_f64() * 1e3,
        drain_secs,
        hist,
        complete_clients,
        duplicates,
        gaps,
        errors,
        process_cpu_secs,
        thread_cpu,
        peak: Peak {
            hwm_mib: reset.then(|| status_mib("VmHWM")),
            sampled_mib,
        },
    }
}

/// One SSE client: reads the run's stream, checks every seq arrives once and in order, and
/// records append→receipt latency for live events (those after the preload).
async fn follow(
    http: reqwest::Client,
    url: String,
    epoch: Instant,
    preload_last: i64,
    ready: Arc<AtomicUsize>,
    final_seq: Arc<AtomicI64>,
) -> ClientReport {
    let mut report = ClientReport {
        hist: Hist::new(),
        last: 0,
        duplicates: 0,
        gaps: 0,
        live_events: 0,
        error: None,
    };
    let mut resp = match http.get(&url).send().await {
        Ok(r) if r.status().is_success() => r,
        Ok(r) => {
            report.error = Some(format!("stream answered {}", r.status()));
            ready.fetch_add(1, Ordering::AcqRel);
            return report;
        }
        Err(e) => {
            report.error = Some(format!("stream connect failed: {e}"));
            ready.fetch_add(1, Ordering::AcqRel);
            return report;
        }
    };
    let mut buf: Vec<u8> = Vec::with_capacity(64 * 1024);
    let mut pos = 0;
    let (mut id, mut sent_ns): (Option<i64>, Option<u64>) = (None, None);
    let mut is_ready = false;
    let hard_deadline = Instant::now() + Duration::from_secs(600);
    loop {
        if report.last >= final_seq.load(Ordering::Acquire) {
            break;
        }
        if Instant::now() > hard_deadline {
            report.error = Some(format!("gave up at seq {}", report.last));
            break;
        }
        let chunk = match tokio::time::timeout(Duration::from_millis(100), resp.chunk()).await {
            Err(_) => continue,
            Ok(Ok(Some(c))) => c,
            Ok(Ok(None)) => {
                report.error = Some(format!("stream ended at seq {}", report.last));
                break;
            }
            Ok(Err(e)) => {
                report.error = Some(format!("stream failed at seq {}: {e}", report.last));
                break;
            }
        };
        let now_ns = epoch.elapsed().as_nanos() as u64;
        buf.extend_from_slice(&chunk);
        while let Some(nl) = buf[pos..].iter().position(|&b| b == b'\n') {
            let line = &buf[pos..pos + nl];
            pos += nl + 1;
            if line.is_empty() || line == b"\r" {
                // End of a message: dispatch it.
                if let Some(seq) = id.take() {
                    if seq == report.last + 1 {
                        report.last = seq;
                    } else if seq <= report.last {
                        report.duplicates += 1;
                        continue;
                    } else {
                        report.gaps += (seq - report.last - 1) as u64;
                        report.last = seq;
                    }
                    if seq > preload_last {
                        report.live_events += 1;
                        if let Some(s) = sent_ns {
                            report.hist.record(now_ns.saturating_sub(s) / 1000);
                        }
                    }
                }
                sent_ns = None;
            } else if let Some(v) = line.strip_prefix(b"id:") {
                id = parse_u64(v).map(|n| n as i64);
            } else if let Some(v) = line.strip_prefix(b"data:") {
                sent_ns = find_u64_after(v, b"\"sent_ns\":");
            }
        }
        buf.drain(..pos);
        pos = 0;
        if !is_ready && report.last >= preload_last {
            is_ready = true;
            ready.fetch_add(1, Ordering::AcqRel);
        }
    }
    if !is_ready {
        ready.fetch_add(1, Ordering::AcqRel);
    }
    report
}

/// The unsigned integer right after the last `key` in `hay` (searched from the end: the event's
/// `data` object is the last field of its JSON, so this touches a few dozen bytes, not the line).
fn find_u64_after(hay: &[u8], key: &[u8]) -> Option<u64> {
    let first = *key.first()?;
    let mut at = hay.len().checked_sub(key.len())?;
    loop {
        if hay[at] == first && hay[at..].starts_with(key) {
            return parse_u64(&hay[at + key.len()..]);
        }
        at = at.checked_sub(1)?;
    }
}

/// The leading decimal digits of `b` (after optional spaces) as a number.
fn parse_u64(b: &[u8]) -> Option<u64> {
    let b = &b[b.iter().take_while(|c| **c == b' ').count()..];
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    (digits > 0).then(|| {
        b[..digits]
            .iter()
            .fold(0u64, |n, d| n * 10 + u64::from(d - b'0'))
    })
}

// ---------------------------------------------------------------------------------------------
// Summary
// ---------------------------------------------------------------------------------------------

fn fmt_peak(p: &Peak) -> String {
    match p.hwm_mib {
        Some(h) => format!("{h:.0} MiB (VmHWM), {:.0} MiB sampled", p.sampled_mib),
        None => format!("{:.0} MiB sampled VmRSS", p.sampled_mib),
    }
}

fn print_summary(a: &Ingest, lives: &[Live], cores: usize) {
    let writer_rate = a.events as f64 / a.writer_secs;
    let floor_rate = a.events as f64 / a.floor_secs;
    let ratio = writer_rate / floor_rate;
    let p = &a.profile;
    let per_event = |secs: f64, n: u64| secs / n as f64 * 1e6;
    println!("\nwriter profile (instrumented pass, per event):");
    println!(
        "  wall {:.2} µs | inside append_in_tx {:.2} µs (clock, includes I/O waits) | writer thread on CPU {:.2} µs \
         | floor insert+commit {:.2} µs",
        per_event(p.wall_secs, p.events),
        per_event(p.inside_secs, p.events),
        per_event(p.writer_cpu_secs, p.events),
        per_event(a.floor_secs, a.events)
    );
    println!(
        "  {} commands, {:.0} events each; producers spent {:.2} µs/event building NewEvents",
        p.calls,
        p.events as f64 / p.calls.max(1) as f64,
        per_event(p.producer_build_secs, p.events)
    );
    println!(
        "  main pass: writer thread busy {:.0} % of wall ({:.2} µs/event), process CPU {:.0} % of {cores} cores",
        a.writer_cpu_secs / a.writer_secs * 100.0,
        per_event(a.writer_cpu_secs, a.events),
        a.process_cpu_secs / a.writer_secs / cores as f64 * 100.0
    );

    let mut rows: Vec<(String, String, String, &str)> = vec![
        (
            "ingest: writer (LocalSink::append)".into(),
            format!("{writer_rate:>10.0} events/s"),
            format!(">= {TARGET_INGEST:.0}"),
            verdict(writer_rate >= TARGET_INGEST && a.stored_ok),
        ),
        (
            "ingest: floor (same rows, raw txns)".into(),
            format!("{floor_rate:>10.0} events/s"),
            String::new(),
            "",
        ),
        (
            "ingest: writer / floor".into(),
            format!("{ratio:>10.2}"),
            format!(">= {TARGET_RATIO:.2}"),
            verdict(ratio >= TARGET_RATIO),
        ),
        (
            "peak RSS during (a)".into(),
            fmt_peak(&a.peak),
            String::new(),
            "",
        ),
    ];
    for b in lives {
        let q = |x: f64| b.hist.quantile(x) as f64 / 1000.0;
        let (p50, p99, p999, max) = (q(0.50), q(0.99), q(0.999), b.hist.max as f64 / 1000.0);
        let tag = format!(
            "live ({}) {} clients x {}/s",
            b.label, b.clients, b.rate_target
        );
        rows.push((
            format!("{tag}: p50"),
            format!("{p50:>10.2} ms"),
            String::new(),
            "",
        ));
        rows.push((
            format!("{tag}: p99"),
            format!("{p99:>10.2} ms"),
            format!("<= {TARGET_P99_MS:.0} ms"),
            verdict(p99 <= TARGET_P99_MS && b.hist.n > 0),
        ));
        rows.push((
            format!("{tag}: p99.9 / max"),
            format!("{p999:>10.2} / {max:.2} ms"),
            String::new(),
            "",
        ));
        rows.push((
            format!("{tag}: exactly once"),
            format!("{:>10} of {} clients", b.complete_clients, b.clients),
            "all".into(),
            verdict(b.complete_clients == b.clients),
        ));
        rows.push((
            format!("peak RSS during ({})", b.label),
            fmt_peak(&b.peak),
            String::new(),
            "",
        ));
    }
    println!(
        "\n==================================== mergeloom-worker bench ===================================="
    );
    println!("{:<46} {:<36} {:<10} result", "figure", "value", "target");
    for (name, value, target, result) in &rows {
        println!("{name:<46} {value:<36} {target:<10} {result}");
    }
    println!(
        "================================================================================================"
    );
    println!(
        "(a) {} events: writer {:.2} s, floor {:.2} s in transactions ({:.2} s with row building); stored rows verified: {}",
        a.events, a.writer_secs, a.floor_secs, a.floor_wall_secs, a.stored_ok
    );
    for b in lives {
        let busy = b.send_secs + b.drain_secs;
        println!(
            "({}) {} events sent in {:.2} s ({:.0}/s; {} appends > {} ms, slowest {:.1} ms); {} latency samples; \
             clients connected+replayed in {:.2} s, drained {:.2} s after the last append; process CPU {:.0} % of {cores} cores",
            b.label,
            b.sent,
            b.send_secs,
            b.sent as f64 / b.send_secs,
            b.slow_appends,
            LIVE_TICK.as_millis(),
            b.max_append_ms,
            b.hist.n,
            b.connect_secs,
            b.drain_secs,
            b.process_cpu_secs / busy / cores as f64 * 100.0
        );
        println!(
            "({}) CPU by thread: {}",
            b.label,
            fmt_thread_cpu(&b.thread_cpu)
        );
        if b.duplicates > 0 || b.gaps > 0 || !b.errors.is_empty() {
            println!(
                "({}) delivery problems: {} duplicates, {} missing seqs, errors: {:?}",
                b.label, b.duplicates, b.gaps, b.errors
            );
        }
    }
    println!(
        "RSS is the whole bench process: the server runs in-process, so it includes the bench's own \
         producers and SSE clients. (b2) is the same load with fewer clients, to separate per-event \
         latency from fan-out capacity."
    );
}
