//! `make bench`: latency of `/livez` and `/api/v1/health` under 100 concurrent clients, against a
//! floor measured in the same run: a bare actix-web server (same worker count, same middleware-free
//! static answer) hit by the same client. The floor is what HTTP on this machine costs; the ratio
//! says what the worker adds.
//!
//! Two load shapes: steady (each client one GET every 20 ms, i.e. 5,000 req/s from 100 clients)
//! and saturated (back to back, for throughput). It prints figures and PASS/FAIL against the
//! targets (p99 < 5 ms for `/livez`, < 20 ms for `/api/v1/health`, judged on the steady load) but
//! never exits non-zero: it is a measurement, not a test. Sizes: `MERGELOOM_BENCH_HEALTH_CLIENTS`
//! (100), `MERGELOOM_BENCH_HEALTH_REQUESTS` (200 per client), `MERGELOOM_BENCH_HEALTH_PERIOD_MS`
//! (20), `MERGELOOM_BENCH_HEALTH_REPEATS` (3 steady rounds; the median p99 is judged, since the
//! machine may be shared).

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::{App, HttpResponse, HttpServer, web};
use mergeloom_worker::config::Config;
use mergeloom_worker::server;

const TARGET_LIVEZ_P99_MS: f64 = 5.0;
const TARGET_HEALTH_P99_MS: f64 = 20.0;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Latencies of one phase, sorted.
struct Figures {
    label: String,
    sorted_ms: Vec<f64>,
    wall: Duration,
    errors: usize,
}

impl Figures {
    fn pct(&self, p: f64) -> f64 {
        if self.sorted_ms.is_empty() {
            return f64::NAN;
        }
        let rank = ((p / 100.0) * self.sorted_ms.len() as f64).ceil() as usize;
        self.sorted_ms[rank.clamp(1, self.sorted_ms.len()) - 1]
    }

    fn print(&self) {
        println!(
            "  {:<28} n={:>6}  p50 {:>6.2} ms  p99 {:>6.2} ms  max {:>7.2} ms  {:>8.0} req/s  errors {}",
            self.label,
            self.sorted_ms.len(),
            self.pct(50.0),
            self.pct(99.0),
            self.sorted_ms.last().copied().unwrap_or(f64::NAN),
            self.sorted_ms.len() as f64 / self.wall.as_secs_f64(),
            self.errors
        );
    }
}

/// `clients` concurrent loops, each sending `requests` GETs to `url`: back to back when `period`
/// is `None` (saturation: latency is then mostly queueing, by Little's law), else one every
/// `period` (a steady load well below saturation, which is what probes and dashboards send).
async fn hammer(
    label: &str,
    url: String,
    clients: usize,
    requests: usize,
    period: Option<Duration>,
) -> Figures {
    let http = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(clients)
        .build()
        .expect("build the HTTP client");
    // Warm up: open the connections and touch every code path once.
    let warm: Vec<_> = (0..clients)
        .map(|_| {
            let (http, url) = (http.clone(), url.clone());
            tokio::spawn(async move { http.get(&url).send().await.map(|r| r.status()) })
        })
        .collect();
    for w in warm {
        let _ = w.await;
    }
    let url = Arc::new(url);
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|client| {
            let (http, url) = (http.clone(), url.clone());
            tokio::spawn(async move {
                let mut times = Vec::with_capacity(requests);
                let mut errors = 0;
                // Paced clients start spread over one period, so arrivals are even, not bursts.
                let mut tick = period.map(|p| {
                    let offset = p.mul_f64(client as f64 / clients as f64);
                    let mut i = tokio::time::interval_at(tokio::time::Instant::now() + offset, p);
                    i.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                    i
                });
                for _ in 0..requests {
                    if let Some(i) = tick.as_mut() {
                        i.tick().await;
                    }
                    let t = Instant::now();
                    match http.get(url.as_str()).send().await {
                        Ok(r) if r.status().is_success() => {
                            if r.bytes().await.is_err() {
                                errors += 1;
                                continue;
                            }
                            times.push(t.elapsed().as_secs_f64() * 1000.0);
                        }
                        _ => errors += 1,
                    }
                }
                (times, errors)
            })
        })
        .collect();
    let mut all = Vec::with_capacity(clients * requests);
    let mut errors = 0;
    for t in tasks {
        let (times, e) = t.await.expect("client task");
        all.extend(times);
        errors += e;
    }
    let wall = started.elapsed();
    all.sort_by(f64::total_cmp);
    Figures {
        label: label.to_owned(),
        sorted_ms: all,
        wall,
        errors,
    }
}

/// The floor: a bare actix-web server with the worker's worker count answering a static body.
async fn floor_server() -> (String, actix_web::dev::ServerHandle) {
    let srv = HttpServer::new(|| {
        App::new().route(
            "/livez",
            web::get().to(|| async {
                HttpResponse::Ok()
                    .content_type("application/json")
                    .body("{\"status\":\"ok\"}")
            }),
        )
    })
    .workers(2)
    .disable_signals()
    .bind(("127.0.0.1", 0))
    .expect("bind the floor server");
    let addr = srv.addrs()[0];
    let running = srv.run();
    let handle = running.handle();
    tokio::spawn(running);
    (format!("http://{addr}"), handle)
}

fn verdict(p99: f64, target: f64) -> &'static str {
    if p99 < target { "PASS" } else { "FAIL" }
}

/// The three servers' figures in one load shape.
struct Round {
    floor: Figures,
    livez: Figures,
    health: Figures,
}

async fn round(name: &str, clients: usize, requests: usize, period: Option<Duration>) -> Round {
    let (floor_url, floor_handle) = floor_server().await;
    let floor = hammer(
        &format!("{name} floor (bare actix)"),
        format!("{floor_url}/livez"),
        clients,
        requests,
        period,
    )
    .await;
    floor_handle.stop(true).await;

    let dir = tempfile::tempdir().expect("temp data directory");
    let mut config = Config::for_data_dir(dir.path().to_path_buf());
    config.executors = 1;
    let srv = server::start(config).await.expect("start the server");
    let livez = hammer(
        &format!("{name} /livez"),
        format!("{}/livez", srv.url()),
        clients,
        requests,
        period,
    )
    .await;
    let health = hammer(
        &format!("{name} /api/v1/health"),
        format!("{}/api/v1/health", srv.url()),
        clients,
        requests,
        period,
    )
    .await;
    srv.stop().await;
    Round {
        floor,
        livez,
        health,
    }
}

/// The median of some figures' p99s.
fn median_p99(figures: &[&Figures]) -> f64 {
    let mut p: Vec<f64> = figures.iter().map(|f| f.pct(99.0)).collect();
    p.sort_by(f64::total_cmp);
    p.get(p.len() / 2).copied().unwrap_or(f64::NAN)
}

fn main() {
    let clients = env_usize("MERGELOOM_BENCH_HEALTH_CLIENTS", 100);
    let requests = env_usize("MERGELOOM_BENCH_HEALTH_REQUESTS", 200);
    let period_ms = env_usize("MERGELOOM_BENCH_HEALTH_PERIOD_MS", 20);
    let repeats = env_usize("MERGELOOM_BENCH_HEALTH_REPEATS", 3).max(1);
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .thread_name("bench-client")
        .enable_all()
        .build()
        .expect("build the tokio runtime");
    println!(
        "mergeloom-worker health bench: {cores} cores (clients and server share them), {clients} concurrent clients x {requests} GETs each"
    );
    println!(
        "  steady: each client sends one GET every {period_ms} ms ({} req/s in all), {repeats} rounds, median p99 judged; saturated: back to back, once",
        clients * 1000 / period_ms.max(1)
    );
    let (steady, saturated) = rt.block_on(async {
        let mut steady = Vec::new();
        for _ in 0..repeats {
            steady.push(
                round(
                    "steady",
                    clients,
                    requests,
                    Some(Duration::from_millis(period_ms.max(1) as u64)),
                )
                .await,
            );
        }
        let saturated = round("saturated", clients, requests, None).await;
        (steady, saturated)
    });
    println!();
    for r in steady.iter().chain(std::iter::once(&saturated)) {
        r.floor.print();
        r.livez.print();
        r.health.print();
    }
    println!();
    let floor = median_p99(&steady.iter().map(|r| &r.floor).collect::<Vec<_>>());
    let livez = median_p99(&steady.iter().map(|r| &r.livez).collect::<Vec<_>>());
    let health = median_p99(&steady.iter().map(|r| &r.health).collect::<Vec<_>>());
    println!(
        "  steady: /livez p99 {livez:.2} ms (target < {TARGET_LIVEZ_P99_MS} ms): {}; {:.2}x the floor's p99 ({floor:.2} ms)",
        verdict(livez, TARGET_LIVEZ_P99_MS),
        livez / floor
    );
    println!(
        "  steady: /api/v1/health p99 {health:.2} ms (target < {TARGET_HEALTH_P99_MS} ms): {}; {:.2}x the floor's p99",
        verdict(health, TARGET_HEALTH_P99_MS),
        health / floor
    );
    println!(
        "  saturated: /livez p99 {:.2} ms, /api/v1/health p99 {:.2} ms, floor p99 {:.2} ms (queueing behind {clients} in-flight requests on {cores} cores)",
        saturated.livez.pct(99.0),
        saturated.health.pct(99.0),
        saturated.floor.pct(99.0)
    );
}
