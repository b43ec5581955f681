//! Health: checks that explain the worker (gateway, executors, storage, providers, controller),
//! run in the background, each bounded by a timeout, and cached so endpoints answer at once.
//!
//! A background task runs every check every `--health-interval-seconds`; `refresh()` (the API's
//! `?refresh=1`) runs them now. The controller probe has its own timeout and runs in its own task:
//! a refresh waits for it no longer than any other check's timeout, and a slower answer lands in
//! the cache (and on the stream) when it arrives. Every status change is recorded in a one-hour
//! in-memory timeline and published as `health.changed` on the worker stream.

pub mod checks;
pub mod controller;
pub mod disk;
pub mod history;
pub mod model;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use self::checks::Found;
use self::disk::DiskProbe;
use self::history::History;
pub use self::model::{HealthCheck, HealthHistory, HealthReport, Readiness, Status, WorkerHealth};
use crate::config::Config;
use crate::db::Db;
use crate::executor::Pool;
use crate::live::Hub;
use crate::model::status as run_status;
use crate::settings::SharedSettings;

/// What the checks look at.
#[derive(Clone)]
pub struct Deps {
    pub db: Db,
    pub hub: Hub,
    pub executors: Pool,
    pub settings: SharedSettings,
    pub config: Arc<Config>,
    pub started_at: DateTime<Utc>,
}

/// Check names, in the order the API lists them, with their component.
pub const CHECKS: [(&str, &str); 5] = [
    ("gateway", "gateway"),
    ("executors", "executor"),
    ("storage", "storage"),
    ("providers", "provider"),
    ("controller", "controller"),
];

#[derive(Default)]
struct Cache {
    checks: Vec<HealthCheck>,
    queued_runs: i64,
    running_runs: i64,
}

struct Inner {
    deps: Deps,
    bound: OnceLock<SocketAddr>,
    cache: RwLock<Cache>,
    history: Mutex<History>,
    disk: RwLock<Arc<dyn DiskProbe>>,
    /// One round at a time.
    round: tokio::sync::Mutex<()>,
    controller_busy: AtomicBool,
    /// Bumped each time a controller probe lands.
    controller_done: tokio::sync::watch::Sender<u64>,
    shutdown: tokio::sync::watch::Sender<bool>,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

/// The health service; cheap to clone.
#[derive(Clone)]
pub struct Health {
    inner: Arc<Inner>,
}

fn read<T>(l: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn write<T>(l: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Health {
    /// A service with the real disk probe; nothing runs until [`Health::start`].
    #[must_use]
    pub fn new(deps: Deps) -> Self {
        Self {
            inner: Arc::new(Inner {
                deps,
                bound: OnceLock::new(),
                cache: RwLock::new(Cache::default()),
                history: Mutex::new(History::default()),
                disk: RwLock::new(Arc::new(disk::StatvfsProbe)),
                round: tokio::sync::Mutex::new(()),
                controller_busy: AtomicBool::new(false),
                controller_done: tokio::sync::watch::channel(0).0,
                shutdown: tokio::sync::watch::channel(false).0,
                task: Mutex::new(None),
            }),
        }
    }

    /// Runs the first round (so probes have an answer from the first request), then keeps
    /// running rounds in the background until [`Health::stop`].
    pub async fn start(&self, bound: SocketAddr) {
        let _ = self.inner.bound.set(bound);
        self.refresh().await;
        let me = self.clone();
        let mut shutdown = self.inner.shutdown.subscribe();
        let task = tokio::spawn(async move {
            loop {
                let period = me.inner.deps.config.health.interval;
                tokio::select! {
                    _ = shutdown.changed() => return,
                    () = tokio::time::sleep(period) => {}
                }
                me.run_round().await;
            }
        });
        *lock(&self.inner.task) = Some(task);
    }

    /// Stops the background task.
    pub async fn stop(&self) {
        self.inner.shutdown.send_replace(true);
        let task = lock(&self.inner.task).take();
        if let Some(task) = task {
            let _ = tokio::time::timeout(Duration::from_secs(3), task).await;
        }
    }

    /// Replaces the disk probe (tests drive the storage thresholds with it).
    pub fn set_disk_probe(&self, probe: Arc<dyn DiskProbe>) {
        *write(&self.inner.disk) = probe;
    }

    /// Runs every check now and waits for them (each within its timeout; the controller probe
    /// within the same bound, else it lands later).
    pub async fn refresh(&self) {
        let mut landed = self.inner.controller_done.subscribe();
        landed.mark_unchanged();
        let probing = self.run_round().await;
        if probing {
            let bound = self.inner.deps.config.health.check_timeout;
            let _ = tokio::time::timeout(bound, landed.changed()).await;
        }
    }

    /// One round: every check but the controller, run concurrently and stored; then the
    /// controller probe is started unless one is in flight. True when a probe is in flight.
    async fn run_round(&self) -> bool {
        let _one = self.inner.round.lock().await;
        let d = &self.inner.deps;
        let hc = &d.config.health;
        let timeout = hc.check_timeout;
        let settings = d.settings.get();
        let gateway = timed("gateway", timeout, async {
            checks::gateway(&d.config, d.started_at, self.inner.bound.get().copied())
        });
        let interval = settings.heartbeat_interval_seconds;
        let executors = timed("executors", timeout, async {
            checks::executors(&d.executors.list(interval), interval)
        });
        let probe = read(&self.inner.disk).clone();
        let storage = timed(
            "storage",
            timeout,
            checks::storage(
                &d.db,
                &d.config,
                hc,
                probe,
                crate::retention::policy::Policy::from_settings(&settings),
            ),
        );
        let provider_settings = settings.clone();
        let providers = timed("providers", timeout, async move {
            let default = provider_settings.default_provider.clone();
            let r = checks::provider_readiness(&provider_settings).await;
            checks::providers(&r, default.as_deref())
        });
        let counts = tokio::time::timeout(
            timeout,
            d.db.read(|c| {
                crate::db::runs::count_by_status(c, &[run_status::QUEUED, run_status::RUNNING])
            }),
        );
        let (gateway, executors, storage, providers, counts) =
            tokio::join!(gateway, executors, storage, providers, counts);
        for check in [gateway, executors, storage, providers] {
            self.store(check);
        }
        if let Ok(Ok(counts)) = counts {
            let count = |s: &str| counts.iter().find(|(k, _)| k == s).map_or(0, |(_, n)| *n);
            let mut cache = write(&self.inner.cache);
            cache.queued_runs = count(run_status::QUEUED);
            cache.running_runs = count(run_status::RUNNING);
        }
        self.kick_controller()
    }

    /// Starts a controller probe unless one is running; stores "local intake only" when no
    /// controller is configured. True when a probe is in flight.
    fn kick_controller(&self) -> bool {
        let hc = &self.inner.deps.config.health;
        let Some(url) = hc.control_plane_url.clone() else {
            self.store(stamp(
                "controller",
                Found {
                    status: Status::Ok,
                    message: "local intake only (no controller configured)".into(),
                    details: serde_json::json!({"url": null}),
                    action: None,
                },
                Duration::ZERO,
            ));
            return false;
        };
        if self.inner.controller_busy.swap(true, Ordering::AcqRel) {
            return true;
        }
        let me = self.clone();
        let timeout = hc.control_plane_timeout;
        tokio::spawn(async move {
            let p = controller::probe(&url, timeout).await;
            let action = (p.status != Status::Ok).then(|| {
                "Check JCA_WORKER_CONTROL_PLANE_URL, DNS and any firewall or proxy between the worker and the controller. Jobs submitted to this worker's API still run.".to_owned()
            });
            me.store(stamp(
                "controller",
                Found {
                    status: p.status,
                    message: p.message,
                    details: p.details,
                    action,
                },
                p.latency,
            ));
            me.inner.controller_busy.store(false, Ordering::Release);
            me.inner.controller_done.send_modify(|n| *n += 1);
        });
        true
    }

    /// Replaces a check's cached result; a status change goes to the timeline, the log and the
    /// worker stream (`health.changed`, data: the check).
    fn store(&self, check: HealthCheck) {
        let previous = {
            let mut cache = write(&self.inner.cache);
            match cache.checks.iter_mut().find(|c| c.name == check.name) {
                Some(slot) => Some(std::mem::replace(slot, check.clone()).status),
                None => {
                    cache.checks.push(check.clone());
                    let order = |c: &HealthCheck| CHECKS.iter().position(|(n, _)| *n == c.name);
                    cache.checks.sort_by_key(order);
                    None
                }
            }
        };
        lock(&self.inner.history).record(&check.name, &check.component, check.status, Utc::now());
        if previous == Some(check.status) {
            return;
        }
        match check.status {
            Status::Ok => tracing::info!(check = %check.name, "health check ok: {}", check.message),
            _ => {
                tracing::warn!(check = %check.name, status = check.status.as_str(), "health check: {}", check.message)
            }
        }
        self.inner.deps.hub.publish_worker(
            "health.changed",
            serde_json::to_value(&check).unwrap_or_default(),
        );
    }

    /// The cached checks.
    #[must_use]
    pub fn checks(&self) -> Vec<HealthCheck> {
        read(&self.inner.cache).checks.clone()
    }

    /// Gateway and storage status for `/readyz` (down when not checked yet).
    #[must_use]
    pub fn readiness(&self) -> Readiness {
        let cache = read(&self.inner.cache);
        let status_of = |name: &str| {
            cache
                .checks
                .iter()
                .find(|c| c.name == name)
                .map_or(Status::Down, |c| c.status)
        };
        let (gateway, storage) = (status_of("gateway"), status_of("storage"));
        let ready = gateway != Status::Down && storage != Status::Down;
        Readiness {
            status: if ready { "ok" } else { "down" }.into(),
            gateway,
            storage,
        }
    }

    /// `GET /api/v1/health` from the cache and the executors' in-memory state.
    #[must_use]
    pub fn report(&self) -> HealthReport {
        let d = &self.inner.deps;
        let (checks, queued) = {
            let cache = read(&self.inner.cache);
            (cache.checks.clone(), cache.queued_runs)
        };
        let executors = d
            .executors
            .list(d.settings.get().heartbeat_interval_seconds);
        let status = checks
            .iter()
            .map(|c| c.status)
            .max()
            .unwrap_or(Status::Down);
        let checked_at = checks
            .iter()
            .map(|c| c.checked_at.as_str())
            .min()
            .map_or_else(crate::time::now, str::to_owned);
        let worker = worker_state(&d.config, d.started_at, &checks, &executors, queued);
        HealthReport {
            status,
            checked_at,
            worker,
            checks,
        }
    }

    /// `GET /api/v1/health/history`.
    #[must_use]
    pub fn history(&self) -> HealthHistory {
        let now = Utc::now();
        HealthHistory {
            since: crate::time::format(now - history::WINDOW),
            until: crate::time::format(now),
            checks: lock(&self.inner.history).timelines(now),
        }
    }
}

/// Runs a check within `timeout`, timing it; a check that overruns is down.
async fn timed(
    name: &'static str,
    timeout: Duration,
    check: impl Future<Output = Found>,
) -> HealthCheck {
    let started = Instant::now();
    let found = match tokio::time::timeout(timeout, check).await {
        Ok(f) => f,
        Err(_) => Found {
            status: Status::Down,
            message: format!(
                "the {name} check did not finish within {} ms",
                timeout.as_millis()
            ),
            details: serde_json::json!({"timeout_ms": timeout.as_millis() as u64}),
            action: Some(
                "The check is stuck: look at the worker's logs for what it waits on (a busy disk, a long storage write).".into(),
            ),
        },
    };
    stamp(name, found, started.elapsed())
}

fn stamp(name: &'static str, f: Found, latency: Duration) -> HealthCheck {
    let component = CHECKS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(name, |(_, c)| *c);
    HealthCheck {
        name: name.to_owned(),
        component: component.to_owned(),
        status: f.status,
        message: f.message,
        details: f.details,
        action: f.action,
        latency_ms: latency.as_millis() as i64,
        checked_at: crate::time::now(),
    }
}

/// Busy when any executor runs a run; otherwise idle with the first reason that holds.
#[must_use]
pub fn worker_state(
    config: &Config,
    started_at: DateTime<Utc>,
    checks: &[HealthCheck],
    executors: &[crate::executor::Executor],
    queued: i64,
) -> WorkerHealth {
    let status_of = |name: &str| checks.iter().find(|c| c.name == name).map(|c| c.status);
    let running = executors.iter().filter(|e| e.status == "busy").count() as i64;
    let mut blockers = Vec::new();
    if status_of("storage") == Some(Status::Down) {
        blockers.push("storage_down".to_owned());
    }
    if !executors.iter().any(|e| e.status != "offline") {
        blockers.push("no_executors".to_owned());
    }
    if status_of("providers") == Some(Status::Down) {
        blockers.push("no_ready_provider".to_owned());
    }
    let (state, idle_reason) = if running > 0 {
        ("busy", None)
    } else if let Some(first) = blockers.first() {
        ("idle", Some(first.clone()))
    } else if queued == 0 {
        ("idle", Some("no_queued_jobs".to_owned()))
    } else {
        ("idle", None)
    };
    let queued_text = match queued {
        0 => "no job is queued".to_owned(),
        1 => "1 job is queued".to_owned(),
        n => format!("{n} jobs are queued"),
    };
    let explanation = match idle_reason.as_deref() {
        None if running > 0 => format!("running {running} run(s); {queued_text}"),
        None => format!("{queued_text}; an executor is about to claim the next one"),
        Some("no_queued_jobs") => {
            "no job is queued, and everything needed to run one is ready".to_owned()
        }
        Some("storage_down") => {
            format!("storage is down, so no run can be claimed or recorded; {queued_text}")
        }
        Some("no_executors") => {
            format!("no executor is alive to claim runs; {queued_text}")
        }
        Some(_) => {
            format!("no configured provider is ready, so runs would be blocked; {queued_text}")
        }
    };
    WorkerHealth {
        name: config.name.clone(),
        role: "gateway".into(),
        version: crate::VERSION.to_owned(),
        uptime_s: (Utc::now() - started_at).num_seconds(),
        state: state.into(),
        idle_reason,
        blockers,
        explanation,
        queued_runs: queued,
        running_runs: running,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(name: &str, status: Status) -> HealthCheck {
        HealthCheck {
            name: name.into(),
            component: name.into(),
            status,
            message: String::new(),
            details: serde_json::json!({}),
            action: None,
            latency_ms: 0,
            checked_at: crate::time::now(),
        }
    }

    fn executor(status: &str) -> crate::executor::Executor {
        crate::executor::Executor {
            id: "e".into(),
            name: "e".into(),
            kind: "local".into(),
            status: status.into(),
            current_run_id: None,
            last_heartbeat_at: None,
            version: "0".into(),
            host: "h".into(),
        }
    }

    #[test]
    fn idle_reasons_name_the_most_fundamental_blocker() {
        let config = Config::for_data_dir("d".into());
        let now = Utc::now();
        let ok = [check("storage", Status::Ok), check("providers", Status::Ok)];
        let w = worker_state(&config, now, &ok, &[executor("idle")], 0);
        assert_eq!(
            (w.state.as_str(), w.idle_reason.as_deref()),
            ("idle", Some("no_queued_jobs"))
        );
        let w = worker_state(&config, now, &ok, &[], 3);
        assert_eq!(w.idle_reason.as_deref(), Some("no_executors"));
        assert!(
            w.explanation.contains("3 jobs are queued"),
            "{}",
            w.explanation
        );
        let w = worker_state(&config, now, &ok, &[executor("offline")], 3);
        assert_eq!(w.idle_reason.as_deref(), Some("no_executors"));
        let bad = [
            check("storage", Status::Down),
            check("providers", Status::Down),
        ];
        let w = worker_state(&config, now, &bad, &[], 1);
        assert_eq!(w.idle_reason.as_deref(), Some("storage_down"));
        assert_eq!(
            w.blockers,
            ["storage_down", "no_executors", "no_ready_provider"]
        );
        let providers_down = [
            check("storage", Status::Ok),
            check("providers", Status::Down),
        ];
        let w = worker_state(&config, now, &providers_down, &[executor("idle")], 1);
        assert_eq!(w.idle_reason.as_deref(), Some("no_ready_provider"));
        let w = worker_state(&config, now, &ok, &[executor("busy")], 2);
        assert_eq!((w.state.as_str(), w.idle_reason), ("busy", None));
        assert_eq!(w.running_runs, 1);
        let w = worker_state(&config, now, &ok, &[executor("idle")], 2);
        assert_eq!((w.state.as_str(), w.idle_reason), ("idle", None));
    }
}
