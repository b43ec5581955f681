//! What the next prune would remove under a policy: the runs whose events go (by age, then by the
//! size cap, oldest ended runs first, whole runs only), the runs whose Ticket Audit records and
//! stored diffs go, and the Code Audit evidence that goes. Only terminal runs are ever chosen.
//! The preview endpoint reports the figures; the pruner executes the same plan, so the two agree.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel::sqlite::SqliteConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::policy::{Policy, cutoff};
use crate::db::DbError;
use crate::model::status;
use crate::schema::{code_evidence, code_ranges, runs};

/// Terminal statuses: the only runs retention ever touches.
pub const TERMINAL: [&str; 4] = [
    status::COMPLETED,
    status::BLOCKED,
    status::FAILED,
    status::CANCELLED,
];

/// Runs read per page while walking the size cap.
const CAP_PAGE: i64 = 1000;

/// Events that would go (or went): whole runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EventFigures {
    pub runs: i64,
    pub events: i64,
    pub bytes: i64,
}

/// Ticket Audit records (with their stored diffs and commands) that would go.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditFigures {
    pub runs: i64,
    pub bytes: i64,
}

/// Code Audit evidence sets (and their line ranges) that would go.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CodeAuditFigures {
    pub evidence: i64,
    pub ranges: i64,
}

/// A run whose events the plan removes (loaded as [`EVENT_RUN`]).
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct EventRun {
    pub id: String,
    pub last_seq: i64,
    pub events: i64,
    pub bytes: i64,
}

/// A run whose audit record the plan removes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRun {
    pub id: String,
    pub finished_at: Option<String>,
}

/// Everything one prune would remove.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub events: Vec<EventRun>,
    /// Runs already marked `events_retained = false` whose rows an interrupted prune left behind.
    pub leftover_events: Vec<EventRun>,
    pub audit: Vec<AuditRun>,
    pub audit_bytes: i64,
    /// Evidence ids and the run each belongs to (if any).
    pub evidence: Vec<(String, Option<String>)>,
    pub ranges: i64,
    pub blocked_by_compliance: bool,
}

impl Plan {
    #[must_use]
    pub fn event_figures(&self) -> EventFigures {
        EventFigures {
            runs: self.events.len() as i64,
            events: self.events.iter().map(|r| r.events).sum(),
            bytes: self.events.iter().map(|r| r.bytes).sum(),
        }
    }

    #[must_use]
    pub fn audit_figures(&self) -> AuditFigures {
        AuditFigures {
            runs: self.audit.len() as i64,
            bytes: self.audit_bytes,
        }
    }

    #[must_use]
    pub fn code_audit_figures(&self) -> CodeAuditFigures {
        CodeAuditFigures {
            evidence: self.evidence.len() as i64,
            ranges: self.ranges,
        }
    }
}

/// The columns of an [`EventRun`].
const EVENT_RUN: (
    runs::id,
    runs::last_event_seq,
    runs::event_count,
    runs::event_bytes,
) = (
    runs::id,
    runs::last_event_seq,
    runs::event_count,
    runs::event_bytes,
);

/// Plans a prune under `policy` at `now`.
pub fn plan(
    conn: &mut SqliteConnection,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<Plan, DbError> {
    let mut out = Plan {
        blocked_by_compliance: policy.blocked_by_compliance(),
        ..Plan::default()
    };
    plan_events(conn, policy, now, &mut out)?;
    out.leftover_events = runs::table
        .filter(runs::events_retained.eq(false))
        .filter(runs::event_bytes.gt(0))
        .select(EVENT_RUN)
        .load(conn)?;
    if policy.prunes_audit() {
        plan_audit(conn, policy, now, &mut out)?;
    }
    if policy.prunes_code_audit() {
        plan_code_audit(conn, policy, now, &mut out)?;
    }
    Ok(out)
}

fn plan_events(
    conn: &mut SqliteConnection,
    policy: &Policy,
    now: DateTime<Utc>,
    out: &mut Plan,
) -> Result<(), DbError> {
    let selectable = || {
        runs::table
            .filter(runs::status.eq_any(TERMINAL))
            .filter(runs::events_retained.eq(true))
            .filter(runs::last_event_seq.gt(0))
    };
    if policy.events_days > 0 {
        out.events = selectable()
            .filter(runs::finished_at.lt(cutoff(now, policy.events_days)))
            .order((runs::finished_at.asc(), runs::id.asc()))
            .select(EVENT_RUN)
            .load(conn)?;
    }
    if policy.events_max_bytes == 0 {
        return Ok(());
    }
    let total = total_event_bytes(conn)?;
    let chosen: i64 = out.events.iter().map(|r| r.bytes).sum();
    let cap = i64::try_from(policy.events_max_bytes).unwrap_or(i64::MAX);
    let mut remaining = total - chosen;
    if remaining <= cap {
        return Ok(());
    }
    let already: HashSet<String> = out.events.iter().map(|r| r.id.clone()).collect();
    let mut after: Option<(String, String)> = None;
    while remaining > cap {
        let mut q = selectable()
            .filter(runs::finished_at.is_not_null())
            .into_boxed();
        if let Some((f, id)) = &after {
            q = q.filter(
                runs::finished_at
                    .gt(f.clone())
                    .or(runs::finished_at.eq(f.clone()).and(runs::id.gt(id.clone()))),
            );
        }
        let page: Vec<(EventRun, Option<String>)> = q
            .order((runs::finished_at.asc(), runs::id.asc()))
            .select((EVENT_RUN, runs::finished_at))
            .limit(CAP_PAGE)
            .load(conn)?;
        let Some((last, finished)) = page.last() else {
            break;
        };
        after = Some((finished.clone().unwrap_or_default(), last.id.clone()));
        for (run, _) in page {
            if remaining <= cap {
                break;
            }
            if already.contains(&run.id) {
                continue;
            }
            remaining -= run.bytes;
            out.events.push(run);
        }
    }
    Ok(())
}

#[derive(QueryableByName)]
struct Total {
    #[diesel(sql_type = BigInt)]
    total: i64,
}

/// The bytes of every run's retained events.
pub fn total_event_bytes(conn: &mut SqliteConnection) -> Result<i64, DbError> {
    let t: Total = diesel::sql_query(
        "SELECT CAST(COALESCE(SUM(event_bytes), 0) AS BIGINT) AS total FROM runs WHERE events_retained = 1",
    )
    .get_result(conn)?;
    Ok(t.total)
}

/// A run whose audit record goes, with the bytes of that record.
#[derive(QueryableByName)]
struct AuditRow {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    finished_at: Option<String>,
    #[diesel(sql_type = BigInt)]
    bytes: i64,
}

/// The finished runs whose audit records are older than the policy allows, oldest first, each
/// with the bytes its record holds (diffs and paths, commands and their output, the patch), in
/// one query.
fn plan_audit(
    conn: &mut SqliteConnection,
    policy: &Policy,
    now: DateTime<Utc>,
    out: &mut Plan,
) -> Result<(), DbError> {
    let rows: Vec<AuditRow> = diesel::sql_query(
        "SELECT r.id AS id, r.finished_at AS finished_at, CAST(\
            COALESCE((SELECT SUM(COALESCE(LENGTH(CAST(diff AS BLOB)), 0) + LENGTH(CAST(path AS BLOB))) \
                FROM file_changes WHERE run_id = r.id), 0) + \
            COALESCE((SELECT SUM(LENGTH(CAST(argv AS BLOB)) + COALESCE(LENGTH(CAST(output_tail AS BLOB)), 0)) \
                FROM commands WHERE run_id = r.id), 0) + \
            COALESCE((SELECT LENGTH(CAST(patch AS BLOB)) FROM run_artifacts WHERE run_id = r.id), 0) \
         AS BIGINT) AS bytes \
         FROM runs r \
         WHERE r.status IN (?1, ?2, ?3, ?4) AND r.audit_retained AND r.finished_at < ?5 \
         ORDER BY r.finished_at, r.id",
    )
    .bind::<Text, _>(TERMINAL[0])
    .bind::<Text, _>(TERMINAL[1])
    .bind::<Text, _>(TERMINAL[2])
    .bind::<Text, _>(TERMINAL[3])
    .bind::<Text, _>(cutoff(now, policy.audit_days))
    .load(conn)?;
    for r in rows {
        out.audit_bytes += r.bytes;
        out.audit.push(AuditRun {
            id: r.id,
            finished_at: r.finished_at,
        });
    }
    Ok(())
}

fn plan_code_audit(
    conn: &mut SqliteConnection,
    policy: &Policy,
    now: DateTime<Utc>,
    out: &mut Plan,
) -> Result<(), DbError> {
    let limit = cutoff(now, policy.code_audit_days);
    out.evidence = code_evidence::table
        .filter(code_evidence::created_at.lt(limit.clone()))
        .order((code_evidence::created_at.asc(), code_evidence::id.asc()))
        .select((code_evidence::id, code_evidence::run_id))
        .load(conn)?;
    out.ranges = code_ranges::table
        .inner_join(code_evidence::table)
        .filter(code_evidence::created_at.lt(limit))
        .count()
        .get_result(conn)?;
    Ok(())
}
