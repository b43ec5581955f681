//! `make bench`: latency of `/livez` and `/api/v1/health` under 100 concurrent clients, against a
//! floor measured in the same run: a bare actix-web server (same worker count, same middleware-free
//! static answer) hit by the same client. The floor is what HTTP on this machine costs; the ratio
//! says what the worker adds.
//!
//! It prints figures and PASS/FAIL against the targets (p99 < 5 ms for `/livez`, < 20 ms for
//! `/api/v1/health`) but never exits non-zero: it is a measurement, not a test. Sizes:
//! `MERGELOOM_BENCH_HEALTH_CLIENTS` (100), `MERGELOOM_BENCH_HEALTH_REQUESTS` (200 per client).

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

/// `clients` concurrent loops, each sending `requests` GETs to `url` one after another.
async fn hammer(label: &str, url: String, clients: usize, requests: usize) -> Figures {
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
        .map(|_| {
            let (http, url) = (http.clone(), url.clone());
            tokio::spawn(async move {
                let mut times = Vec::with_capacity(requests);
                let mut errors = 0;
                for _ in 0..requests {
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

fn main() {
    let clients = env_usize("MERGELOOM_BENCH_HEALTH_CLIENTS", 100);
    let requests = env_usize("MERGELOOM_BENCH_HEALTH_REQUESTS", 200);
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .thread_name("bench-client")
        .enable_all()
        .build()
        .expect("build the tokio runtime");
    println!(
        "mergeloom-worker health bench: {cores} cores, {clients} concurrent clients x {requests} sequential GETs each"
    );
    rt.block_on(async {
        let (floor_url, floor_handle) = floor_server().await;
        let floor = hammer(
            "floor (bare actix /livez)",
            format!("{floor_url}/livez"),
            clients,
            requests,
        )
        .await;
        floor_handle.stop(true).await;

        let dir = tempfile::tempdir().expect("temp data directory");
        let mut config = Config::for_data_dir(dir.path().to_path_buf());
        config.executors = 1;
        let srv = server::start(config).await.expect("start the server");
        let livez = hammer("/livez", format!("{}/livez", srv.url()), clients, requests).await;
        let health = hammer(
            "/api/v1/health",
            format!("{}/api/v1/health", srv.url()),
            clients,
            requests,
        )
        .await;
        srv.stop().await;

        println!();
        floor.print();
        livez.print();
        health.print();
        println!();
        println!(
            "  /livez p99 {:.2} ms (target < {TARGET_LIVEZ_P99_MS} ms): {}; {:.2}x the floor's p99",
            livez.pct(99.0),
            verdict(livez.pct(99.0), TARGET_LIVEZ_P99_MS),
            livez.pct(99.0) / floor.pct(99.0)
        );
        println!(
            "  /api/v1/health p99 {:.2} ms (target < {TARGET_HEALTH_P99_MS} ms): {}; {:.2}x the floor's p99",
            health.pct(99.0),
            verdict(health.pct(99.0), TARGET_HEALTH_P99_MS),
            health.pct(99.0) / floor.pct(99.0)
        );
    });
}
