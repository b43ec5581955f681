//! In-process executors: each claims the oldest queued run atomically (through the single writer,
//! so two executors never take the same run), runs its pipeline, and heartbeats. The pool also
//! routes cancel requests to the executor running a run and stops everything on shutdown.

pub mod diff_guard;
pub mod git;
pub mod pipeline;
pub mod process;
pub mod prompt;
pub mod redact;
pub mod workspace;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, watch};
use utoipa::ToSchema;

use crate::db::runs::{self, Transition};
use crate::live::Hub;
use crate::model::{self, status};
use crate::settings::SharedSettings;

use self::pipeline::Services;
use self::process::Stop;

/// An executor as `GET /api/v1/executors` shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Executor {
    pub id: String,
    pub name: String,
    /// `local` (in-process) or `remote`.
    pub kind: String,
    /// `idle`, `busy`, `stale` or `offline`.
    pub status: String,
    pub current_run_id: Option<String>,
    pub last_heartbeat_at: Option<String>,
    pub version: String,
    pub host: String,
}

struct Inner {
    executors: Mutex<Vec<Executor>>,
    running: Mutex<HashMap<String, watch::Sender<Stop>>>,
    wake: Notify,
    shutdown: watch::Sender<bool>,
    tasks: Mutex<Vec<tokio::task::JoinHandle<()>>>,
    hub: Hub,
    heartbeats_paused: AtomicBool,
}

/// An executor whose heartbeat is older than this many intervals is `stale`.
pub const STALE_AFTER_INTERVALS: i64 = 3;
/// An executor whose heartbeat is older than this many intervals is `offline` (presumed dead).
pub const OFFLINE_AFTER_INTERVALS: i64 = 6;

/// The pool of in-process executors (possibly empty).
#[derive(Clone)]
pub struct Pool {
    inner: Arc<Inner>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Pool {
    /// Starts `count` executors named after the worker.
    #[must_use]
    pub fn start(
        count: u16,
        worker_name: &str,
        svc: Services,
        settings: SharedSettings,
        hub: Hub,
    ) -> Self {
        let (shutdown, _) = watch::channel(false);
        let host = gethostname::gethostname().to_string_lossy().into_owned();
        let executors = (1..=count)
            .map(|i| Executor {
                id: uuid::Uuid::now_v7().to_string(),
                name: format!("{worker_name}-{i}"),
                kind: "local".into(),
                status: "idle".into(),
                current_run_id: None,
                last_heartbeat_at: Some(crate::time::now()),
                version: crate::VERSION.into(),
                host: host.clone(),
            })
            .collect::<Vec<_>>();
        let pool = Self {
            inner: Arc::new(Inner {
                executors: Mutex::new(executors.clone()),
                running: Mutex::new(HashMap::new()),
                wake: Notify::new(),
                shutdown,
                tasks: Mutex::new(Vec::new()),
                hub,
                heartbeats_paused: AtomicBool::new(false),
            }),
        };
        let mut tasks = Vec::new();
        for e in executors {
            let (p, svc, settings) = (pool.clone(), svc.clone(), settings.clone());
            tasks.push(tokio::spawn(async move {
                p.executor_loop(e.id, e.name, svc, settings).await
            }));
        }
        if count > 0 {
            let p = pool.clone();
            tasks.push(tokio::spawn(
                async move { p.heartbeat_loop(settings).await },
            ));
        }
        *lock(&pool.inner.tasks) = tasks;
        pool
    }

    /// Every executor, as the API shows them: `stale` when the heartbeat is older than
    /// [`STALE_AFTER_INTERVALS`] intervals, `offline` past [`OFFLINE_AFTER_INTERVALS`].
    #[must_use]
    pub fn list(&self, heartbeat_interval_seconds: u64) -> Vec<Executor> {
        let now = chrono::Utc::now();
        let interval = heartbeat_interval_seconds.max(1) as i64;
        let stale_after = chrono::Duration::seconds(STALE_AFTER_INTERVALS * interval);
        let offline_after = chrono::Duration::seconds(OFFLINE_AFTER_INTERVALS * interval);
        lock(&self.inner.executors)
            .iter()
            .cloned()
            .map(|mut e| {
                let age = e
                    .last_heartbeat_at
                    .as_deref()
                    .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                    .map(|t| now - t.with_timezone(&chrono::Utc));
                if age.is_some_and(|a| a > offline_after) {
                    e.status = "offline".into();
                } else if age.is_some_and(|a| a > stale_after) {
                    e.status = "stale".into();
                }
                e
            })
            .collect()
    }

    /// Stops (or resumes) the heartbeats while the executors keep working: how a stuck
    /// executor looks from outside. For tests and for rehearsing the Health page's advice.
    pub fn pause_heartbeats(&self, paused: bool) {
        self.inner
            .heartbeats_paused
            .store(paused, Ordering::Relaxed);
    }

    /// Tells idle executors that a run was queued.
    pub fn wake(&self) {
        self.inner.wake.notify_waiters();
    }

    /// Asks the executor running `run_id` to cancel it; false when no local executor runs it.
    #[must_use]
    pub fn cancel(&self, run_id: &str) -> bool {
        match lock(&self.inner.running).get(run_id) {
            Some(tx) => {
                tx.send_replace(Stop::Cancelled);
                true
            }
            None => false,
        }
    }

    /// Stops claiming, stops every running run (`failed/worker_shutdown`), and waits for the
    /// executors to close their runs (bounded).
    pub async fn shutdown(&self, within: Duration) {
        self.inner.shutdown.send_replace(true);
        for tx in lock(&self.inner.running).values() {
            tx.send_replace(Stop::Shutdown);
        }
        let tasks = std::mem::take(&mut *lock(&self.inner.tasks));
        let _ = tokio::time::timeout(within, futures_util::future::join_all(tasks)).await;
    }

    fn set_status(&self, id: &str, busy: Option<&str>) {
        let snapshot = {
            let mut list = lock(&self.inner.executors);
            let Some(e) = list.iter_mut().find(|e| e.id == id) else {
                return;
            };
            e.status = if busy.is_some() { "busy" } else { "idle" }.into();
            e.current_run_id = busy.map(str::to_owned);
            e.last_heartbeat_at = Some(crate::time::now());
            e.clone()
        };
        self.inner.hub.publish_worker(
            "executor.updated",
            serde_json::to_value(snapshot).unwrap_or_default(),
        );
    }

    async fn heartbeat_loop(&self, settings: SharedSettings) {
        let mut shutdown = self.inner.shutdown.subscribe();
        loop {
            let period = Duration::from_secs(settings.get().heartbeat_interval_seconds.max(1));
            tokio::select! {
                _ = shutdown.changed() => return,
                () = tokio::time::sleep(period) => {}
            }
            if self.inner.heartbeats_paused.load(Ordering::Relaxed) {
                continue;
            }
            let now = crate::time::now();
            let all = {
                let mut list = lock(&self.inner.executors);
                for e in list.iter_mut() {
                    e.last_heartbeat_at = Some(now.clone());
                }
                list.clone()
            };
            for e in all {
                self.inner.hub.publish_worker(
                    "executor.updated",
                    serde_json::to_value(e).unwrap_or_default(),
                );
            }
        }
    }

    async fn executor_loop(
        &self,
        id: String,
        name: String,
        svc: Services,
        settings: SharedSettings,
    ) {
        let mut shutdown = self.inner.shutdown.subscribe();
        loop {
            if *shutdown.borrow() {
                return;
            }
            // Register interest before claiming, so a wake between the claim and the wait is kept.
            let woken = self.inner.wake.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            match claim(&svc, &id, &name).await {
                Ok(Some(run)) => {
                    let (tx, rx) = watch::channel(Stop::None);
                    if *shutdown.borrow() {
                        tx.send_replace(Stop::Shutdown);
                    }
                    lock(&self.inner.running).insert(run.id.clone(), tx);
                    self.set_status(&id, Some(&run.id));
                    let run_id = run.id.clone();
                    let span = tracing::info_span!("run", run_id = %run.id, job_id = %run.job_id, executor = %name);
                    let _ = tracing::Instrument::instrument(
                        pipeline::execute(svc.clone(), run, settings.get(), rx),
                        span,
                    )
                    .await;
                    lock(&self.inner.running).remove(&run_id);
                    self.set_status(&id, None);
                }
                Ok(None) => {
                    tokio::select! {
                        _ = shutdown.changed() => return,
                        () = &mut woken => {}
                        () = tokio::time::sleep(Duration::from_secs(2)) => {}
                    }
                }
                Err(e) => {
                    tracing::error!(executor = %name, error = %e, "claiming a run failed");
                    tokio::select! {
                        _ = shutdown.changed() => return,
                        () = tokio::time::sleep(Duration::from_secs(2)) => {}
                    }
                }
            }
        }
    }
}

/// Claims the oldest queued run for an executor (atomic: the writer applies one claim at a time).
async fn claim(
    svc: &Services,
    executor_id: &str,
    executor_name: &str,
) -> Result<Option<model::Run>, crate::db::DbError> {
    let (eid, ename) = (executor_id.to_owned(), executor_name.to_owned());
    svc.db
        .writer
        .exec(4, move |c, ctx| {
            use crate::schema::runs as r;
            let next: Option<String> = r::table
                .filter(r::status.eq(status::QUEUED))
                .order((r::created_at.asc(), r::id.asc()))
                .select(r::id)
                .first(c)
                .optional()?;
            let Some(id) = next else {
                return Ok(None);
            };
            diesel::update(r::table.find(&id))
                .set((r::executor_id.eq(&eid), r::executor_name.eq(&ename)))
                .execute(c)?;
            let t = Transition {
                status: status::RUNNING.into(),
                note: Some(format!("claimed by {ename}")),
                only_from: Some(vec![status::QUEUED.into()]),
                ..Transition::default()
            };
            runs::transition_in_tx(c, ctx, &id, &t).map(Some)
        })
        .await
}
