//! What a run leaves for audit besides events: its patch, diff guard flags, review findings and
//! repair/review counters (kept when events are pruned).

use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use super::DbError;
use crate::schema::{diff_guard_flags, review_findings, run_artifacts};

/// Counters and verdicts of a run.
#[derive(Debug, Clone, Default)]
pub struct RunSummary {
    pub review_approved: Option<bool>,
    pub review_fixes_ran: bool,
    pub repair_attempts: i32,
    pub max_repair_attempts: i32,
    pub context_file: Option<String>,
    pub base_ref: Option<String>,
}

/// Creates or updates a run's artifacts row.
pub fn save_summary(
    conn: &mut SqliteConnection,
    run_id: &str,
    s: &RunSummary,
) -> Result<(), DbError> {
    diesel::insert_into(run_artifacts::table)
        .values((
            run_artifacts::run_id.eq(run_id),
            run_artifacts::review_approved.eq(s.review_approved),
            run_artifacts::review_fixes_ran.eq(s.review_fixes_ran),
            run_artifacts::repair_attempts.eq(s.repair_attempts),
            run_artifacts::max_repair_attempts.eq(s.max_repair_attempts),
            run_artifacts::context_file.eq(&s.context_file),
            run_artifacts::base_ref.eq(&s.base_ref),
        ))
        .on_conflict(run_artifacts::run_id)
        .do_update()
        .set((
            run_artifacts::review_approved.eq(s.review_approved),
            run_artifacts::review_fixes_ran.eq(s.review_fixes_ran),
            run_artifacts::repair_attempts.eq(s.repair_attempts),
            run_artifacts::max_repair_attempts.eq(s.max_repair_attempts),
            run_artifacts::context_file.eq(&s.context_file),
            run_artifacts::base_ref.eq(&s.base_ref),
        ))
        .execute(conn)?;
    Ok(())
}

/// Stores the run's patch (`git format-patch` text).
pub fn save_patch(conn: &mut SqliteConnection, run_id: &str, patch: &str) -> Result<(), DbError> {
    diesel::insert_into(run_artifacts::table)
        .values((
            run_artifacts::run_id.eq(run_id),
            run_artifacts::patch.eq(patch),
        ))
        .on_conflict(run_artifacts::run_id)
        .do_update()
        .set(run_artifacts::patch.eq(patch))
        .execute(conn)?;
    Ok(())
}

/// The run's patch, when it was published.
pub fn patch(conn: &mut SqliteConnection, run_id: &str) -> Result<Option<String>, DbError> {
    Ok(run_artifacts::table
        .find(run_id)
        .select(run_artifacts::patch)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten())
}

/// Records diff guard flags.
pub fn save_flags(
    conn: &mut SqliteConnection,
    run_id: &str,
    flags: &[crate::executor::diff_guard::Flag],
) -> Result<(), DbError> {
    for f in flags {
        diesel::insert_into(diff_guard_flags::table)
            .values((
                diff_guard_flags::run_id.eq(run_id),
                diff_guard_flags::rule.eq(&f.rule),
                diff_guard_flags::path.eq(&f.path),
                diff_guard_flags::message.eq(&f.message),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// One review finding.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct Finding {
    pub severity: String,
    pub message: String,
    pub path: Option<String>,
    pub line: Option<i32>,
}

/// Records review findings.
pub fn save_findings(
    conn: &mut SqliteConnection,
    run_id: &str,
    findings: &[Finding],
) -> Result<(), DbError> {
    for f in findings {
        diesel::insert_into(review_findings::table)
            .values((
                review_findings::run_id.eq(run_id),
                review_findings::severity.eq(&f.severity),
                review_findings::message.eq(&f.message),
                review_findings::path.eq(&f.path),
                review_findings::line.eq(f.line),
            ))
            .execute(conn)?;
    }
    Ok(())
}
