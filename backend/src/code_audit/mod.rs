//! Code Audit: which lines in a repository an AI wrote, for which ticket and run, and whether they
//! are still there. Evidence is captured when runs publish (or posted for runs executed
//! elsewhere); a reconciliation service follows each repository's tracked branch and keeps every
//! attributed line's status current (see `engine`).
//!
//! The service runs one reconciliation at a time, from a queue fed by publishes, a timer,
//! posted evidence and `POST …/reconcile`; each job is recorded with its counts and duration.

pub mod blobs;
pub mod capture;
pub mod engine;
pub mod export;
pub mod git;
pub mod lines;
pub mod reconcile;
pub mod status;
pub mod submit;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};

use crate::db::code_audit::{self as store, Reconciliation};
use crate::db::{Db, DbError};
use crate::executor::git::Layout;
use crate::executor::workspace::RepoLocks;

/// What the service needs.
pub struct Deps {
    pub db: Db,
    pub layout: Layout,
    pub locks: RepoLocks,
    pub git_token: Option<String>,
}

/// Handle to the reconciliation service; cheap to clone.
#[derive(Clone)]
pub struct CodeAudit {
    deps: Arc<Deps>,
    tx: mpsc::UnboundedSender<String>,
    stop: Arc<watch::Sender<bool>>,
}

impl CodeAudit {
    /// Starts the service: re-queues jobs a previous process left pending, then reconciles every
    /// followed repository each `interval` (0 = no timer).
    #[must_use]
    pub fn start(deps: Deps, interval: Duration) -> Self {
        let (tx, mut rx) = mpsc::unbounded_channel::<String>();
        let (stop, _) = watch::channel(false);
        let this = Self {
            deps: Arc::new(deps),
            tx,
            stop: Arc::new(stop),
        };
        let worker = this.clone();
        let mut stopped = this.stop.subscribe();
        tokio::spawn(async move {
            match worker
                .deps
                .db
                .writer
                .exec(1, |c, _| store::recover_jobs(c))
                .await
            {
                Ok(jobs) => {
                    for (id, _) in jobs {
                        let _ = worker.tx.send(id);
                    }
                }
                Err(e) => tracing::warn!(error = %e, "could not recover reconciliation jobs"),
            }
            loop {
                tokio::select! {
                    _ = stopped.changed() => break,
                    job = rx.recv() => match job {
                        Some(id) => reconcile::run_job(&worker.deps, &id).await,
                        None => break,
                    },
                }
            }
        });
        if !interval.is_zero() {
            let timer = this.clone();
            let mut stopped = this.stop.subscribe();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(interval);
                tick.tick().await;
                loop {
                    tokio::select! {
                        _ = stopped.changed() => break,
                        _ = tick.tick() => timer.reconcile_all("timer").await,
                    }
                }
            });
        }
        this
    }

    /// Stops the service (a running job finishes its current git call and is dropped).
    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }

    /// Queues a reconciliation of one repository (or returns the one already pending).
    pub async fn request(
        &self,
        repository_id: &str,
        cause: &str,
    ) -> Result<Reconciliation, DbError> {
        let (id, cause) = (repository_id.to_owned(), cause.to_owned());
        let (job, new) = self
            .deps
            .db
            .writer
            .exec(1, move |c, _| store::enqueue(c, &id, &cause))
            .await?;
        if new {
            let _ = self.tx.send(job.id.clone());
        }
        Ok(job)
    }

    /// Queues every followed repository.
    pub async fn reconcile_all(&self, cause: &str) {
        match self.deps.db.read(|c| store::repo_ids(c)).await {
            Ok(ids) => {
                for id in ids {
                    if let Err(e) = self.request(&id, cause).await {
                        tracing::warn!(repository_id = %id, error = %e, "could not queue a reconciliation");
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not list repositories to reconcile"),
        }
    }

    /// The service's dependencies (for evidence submission).
    #[must_use]
    pub fn deps(&self) -> &Deps {
        &self.deps
    }
}
