//! Retention: the pruner that applies the retention policy (PRODUCT.md's `retention_*` settings
//! and `compliance_mode`). It runs on a schedule (`--retention-interval-seconds`) and on demand
//! (`POST /api/v1/retention/prune`), one prune at a time, and never touches a run that is not
//! terminal. [`policy`] reads the settings of the moment, [`plan`] decides what goes (the preview),
//! [`prune`] deletes in small writer commands, [`vacuum`] gives the space back.

pub mod plan;
pub mod policy;
pub mod prune;
pub mod vacuum;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{Db, DbError};
use crate::settings::SharedSettings;
use plan::{AuditFigures, CodeAuditFigures, EventFigures};
use policy::Policy;

/// Why a prune or preview did not happen.
#[derive(Debug, thiserror::Error)]
pub enum RetentionError {
    #[error("a prune is already running")]
    Busy,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// What the next prune would remove.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RetentionPreview {
    pub policy: Policy,
    pub events: EventFigures,
    pub audit: AuditFigures,
    pub code_audit: CodeAuditFigures,
    /// Compliance mode keeps audit and code-audit evidence the policy would otherwise prune.
    pub blocked_by_compliance: bool,
    pub computed_at: String,
}

/// What a prune removed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PruneReport {
    pub started_at: String,
    pub finished_at: String,
    pub duration_ms: i64,
    /// `schedule` or `request`.
    pub trigger: String,
    pub policy: Policy,
    pub events: EventFigures,
    pub audit: AuditFigures,
    pub code_audit: CodeAuditFigures,
    /// Bytes the database file gave back (incremental vacuum).
    pub vacuumed_bytes: u64,
    pub blocked_by_compliance: bool,
}

/// The pruner's state: the policy in effect, the last prune, the next scheduled one.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RetentionStatus {
    pub policy: Policy,
    pub last_prune: Option<PruneReport>,
    pub next_prune_at: Option<String>,
    pub running: bool,
    /// How often the scheduled prune runs (0 = only on demand).
    pub interval_seconds: u64,
}

#[derive(Debug, Default)]
struct Inner {
    last: Option<PruneReport>,
    next_at: Option<DateTime<Utc>>,
}

/// The retention service; cheap to clone.
#[derive(Clone)]
pub struct Retention {
    db: Db,
    settings: SharedSettings,
    interval: Duration,
    inner: Arc<Mutex<Inner>>,
    running: Arc<tokio::sync::Mutex<()>>,
    task: Arc<Mutex<Option<tokio::task::JoinHandle<()>>>>,
    /// Rows per delete command (tests and benchmarks may lower it).
    batch_rows: i64,
}

impl Retention {
    /// A pruner on `db` reading the policy from `settings`; call [`Retention::start`] to schedule.
    #[must_use]
    pub fn new(db: Db, settings: SharedSettings, interval: Duration) -> Self {
        Self {
            db,
            settings,
            interval,
            inner: Arc::new(Mutex::new(Inner::default())),
            running: Arc::new(tokio::sync::Mutex::new(())),
            task: Arc::new(Mutex::new(None)),
            batch_rows: prune::BATCH_ROWS,
        }
    }

    /// The same pruner deleting at most `rows` rows per writer command.
    #[must_use]
    pub fn with_batch_rows(mut self, rows: i64) -> Self {
        self.batch_rows = rows.max(1);
        self
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Starts the schedule (nothing when the interval is zero).
    pub fn start(&self) {
        if self.interval.is_zero() {
            return;
        }
        let me = self.clone();
        let handle = tokio::spawn(async move {
            loop {
                let next = Utc::now()
                    + chrono::Duration::from_std(me.interval).unwrap_or(chrono::Duration::hours(1));
                me.inner().next_at = Some(next);
                tokio::time::sleep(me.interval).await;
                match me.prune("schedule").await {
                    Ok(_) | Err(RetentionError::Busy) => {}
                    Err(e) => tracing::warn!(error = %e, "scheduled prune failed"),
                }
            }
        });
        *self
            .task
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(handle);
    }

    /// Stops the schedule (a prune in progress stops at its next await).
    pub fn stop(&self) {
        if let Some(h) = self
            .task
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
        {
            h.abort();
        }
    }

    /// The policy of the moment.
    #[must_use]
    pub fn policy(&self) -> Policy {
        Policy::from_settings(&self.settings.get())
    }

    /// The pruner's state.
    #[must_use]
    pub fn status(&self) -> RetentionStatus {
        let inner = self.inner();
        RetentionStatus {
            policy: self.policy(),
            last_prune: inner.last.clone(),
            next_prune_at: inner.next_at.map(crate::time::format),
            running: self.running.try_lock().is_err(),
            interval_seconds: self.interval.as_secs(),
        }
    }

    /// What a prune under `policy` would remove now.
    pub async fn preview(&self, policy: Policy) -> Result<RetentionPreview, DbError> {
        let now = Utc::now();
        let p = self.db.read(move |c| plan::plan(c, &policy, now)).await?;
        Ok(RetentionPreview {
            policy,
            events: p.event_figures(),
            audit: p.audit_figures(),
            code_audit: p.code_audit_figures(),
            blocked_by_compliance: p.blocked_by_compliance,
            computed_at: crate::time::format(now),
        })
    }

    /// Prunes under the policy of the moment; [`RetentionError::Busy`] if a prune is running.
    pub async fn prune(&self, trigger: &str) -> Result<PruneReport, RetentionError> {
        let _guard = self.running.try_lock().map_err(|_| RetentionError::Busy)?;
        let started = Utc::now();
        let clock = std::time::Instant::now();
        let policy = self.policy();
        let p = self
            .db
            .read(move |c| plan::plan(c, &policy, started))
            .await?;
        let pruned = prune::prune_events(&self.db, &p, self.batch_rows).await?;
        let events = EventFigures {
            runs: pruned.len() as i64,
            events: pruned.iter().map(|r| r.events).sum(),
            bytes: pruned.iter().map(|r| r.bytes).sum(),
        };
        let audit_runs = if policy.prunes_audit() {
            prune::prune_audit(&self.db, &p, policy).await?
        } else {
            0
        };
        let evidence = if policy.prunes_code_audit() {
            prune::prune_code_audit(&self.db, &p, self.batch_rows).await?
        } else {
            0
        };
        let vacuumed_bytes = vacuum::vacuum(&self.db).await?;
        let finished = Utc::now();
        let report = PruneReport {
            started_at: crate::time::format(started),
            finished_at: crate::time::format(finished),
            duration_ms: i64::try_from(clock.elapsed().as_millis()).unwrap_or(i64::MAX),
            trigger: trigger.to_owned(),
            policy,
            events,
            audit: AuditFigures {
                runs: audit_runs,
                bytes: p.audit_bytes,
            },
            code_audit: CodeAuditFigures {
                evidence,
                ranges: p.ranges,
            },
            vacuumed_bytes,
            blocked_by_compliance: p.blocked_by_compliance,
        };
        tracing::info!(
            trigger,
            duration_ms = report.duration_ms,
            event_runs = report.events.runs,
            events = report.events.events,
            audit_runs = report.audit.runs,
            evidence = report.code_audit.evidence,
            vacuumed_bytes,
            "retention prune finished"
        );
        self.inner().last = Some(report.clone());
        Ok(report)
    }
}
