//! Ticket Audit queries: the filtered list of terminal runs (newest finished first, keyset on
//! `(finished_at, id)`), and the `mergeloom.ticket-audit.v1` record, built only from stored rows —
//! never from a workspace that may be gone.

use std::collections::HashMap;

use diesel::dsl::exists;
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use super::DbError;
use super::rows::{CommandRow, FileChangeRow, JobRow, RepositoryRow, RunRow, StageRow};
use super::runs::{Cursor, like_pattern};
use crate::audit_model::*;
use crate::model::{self, status};
use crate::schema::{
    commands, diff_guard_flags, events, file_changes, jobs, repositories, review_findings,
    run_artifacts, runs, stages,
};

/// Filters of the audit list and export (already validated).
#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub statuses: Vec<String>,
    pub reason_codes: Vec<String>,
    /// `passed`, `failed` or `none`.
    pub validation: Option<String>,
    pub repair_ran: Option<bool>,
    pub review_fixes_ran: Option<bool>,
    pub provider: Option<String>,
    pub repository_ids: Option<Vec<String>>,
    pub ticket: Option<String>,
    pub branch: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub q: Option<String>,
}

const TERMINAL: [&str; 4] = [
    status::COMPLETED,
    status::BLOCKED,
    status::FAILED,
    status::CANCELLED,
];

/// One page of audit rows and the cursor of its last row when more may follow.
pub fn list(
    conn: &mut SqliteConnection,
    f: &AuditFilter,
    cursor: Option<&Cursor>,
    limit: i64,
) -> Result<(Vec<AuditListItem>, Option<Cursor>), DbError> {
    let mut q = runs::table
        .select(RunRow::as_select())
        .filter(runs::status.eq_any(TERMINAL))
        .filter(runs::audit_retained.eq(true))
        .into_boxed();
    if !f.statuses.is_empty() {
        q = q.filter(runs::status.eq_any(f.statuses.clone()));
    }
    if !f.reason_codes.is_empty() {
        q = q.filter(runs::reason_code.eq_any(f.reason_codes.clone()));
    }
    match f.validation.as_deref() {
        Some("passed") => q = q.filter(runs::validation_passed.eq(true)),
        Some("failed") => q = q.filter(runs::validation_passed.eq(false)),
        Some("none") => q = q.filter(runs::validation_passed.is_null()),
        _ => {}
    }
    if let Some(ran) = f.repair_ran {
        let has = exists(
            run_artifacts::table
                .filter(run_artifacts::run_id.eq(runs::id))
                .filter(run_artifacts::repair_attempts.gt(0)),
        );
        q = if ran {
            q.filter(has)
        } else {
            q.filter(diesel::dsl::not(has))
        };
    }
    if let Some(ran) = f.review_fixes_ran {
        let has = exists(
            run_artifacts::table
                .filter(run_artifacts::run_id.eq(runs::id))
                .filter(run_artifacts::review_fixes_ran.eq(true)),
        );
        q = if ran {
            q.filter(has)
        } else {
            q.filter(diesel::dsl::not(has))
        };
    }
    if let Some(p) = &f.provider {
        q = q.filter(runs::provider_id.eq(p.clone()));
    }
    if let Some(ids) = &f.repository_ids {
        q = q.filter(runs::repository_id.eq_any(ids.clone()));
    }
    if let Some(t) = &f.ticket {
        q = q.filter(runs::ticket_key.eq(t.clone()));
    }
    if let Some(b) = &f.branch {
        q = q.filter(runs::branch.eq(b.clone()));
    }
    if let Some(s) = &f.since {
        q = q.filter(runs::finished_at.ge(s.clone()));
    }
    if let Some(u) = &f.until {
        q = q.filter(runs::finished_at.lt(u.clone()));
    }
    if let Some(text) = &f.q {
        let p = like_pattern(text);
        q = q.filter(
            runs::ticket_key
                .like(p.clone())
                .escape('\\')
                .or(runs::ticket_title.like(p.clone()).escape('\\'))
                .or(runs::reason.like(p.clone()).escape('\\'))
                .or(runs::error_message.like(p.clone()).escape('\\'))
                .or(runs::branch.like(p).escape('\\')),
        );
    }
    if let Some(c) = cursor {
        q = q.filter(super::runs::keyset_before("finished_at", &c.at, &c.id));
    }
    let mut rows: Vec<RunRow> = q
        .order((runs::finished_at.desc(), runs::id.desc()))
        .limit(limit + 1)
        .load(conn)?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = if more {
        rows.last().and_then(|r| {
            r.finished_at.clone().map(|at| Cursor {
                at,
                id: r.id.clone(),
            })
        })
    } else {
        None
    };
    Ok((items(conn, rows)?, next))
}

fn items(conn: &mut SqliteConnection, rows: Vec<RunRow>) -> Result<Vec<AuditListItem>, DbError> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let counts: Vec<(String, i64, i64)> = file_changes::table
        .filter(file_changes::run_id.eq_any(&ids))
        .select((
            file_changes::run_id,
            file_changes::additions,
            file_changes::deletions,
        ))
        .load(conn)?;
    let mut files: HashMap<&str, (i64, i64, i64)> = HashMap::new();
    for (id, a, d) in &counts {
        let e = files.entry(id.as_str()).or_default();
        e.0 += 1;
        e.1 += a;
        e.2 += d;
    }
    let arts: Vec<(String, i32, bool)> = run_artifacts::table
        .filter(run_artifacts::run_id.eq_any(&ids))
        .select((
            run_artifacts::run_id,
            run_artifacts::repair_attempts,
            run_artifacts::review_fixes_ran,
        ))
        .load(conn)?;
    let arts: HashMap<&str, (i32, bool)> = arts
        .iter()
        .map(|(id, r, f)| (id.as_str(), (*r, *f)))
        .collect();
    // The run's own view (ticket, repository, provider, usage, duration) is the Runs API's.
    let views = super::runs::to_models(conn, rows)?;
    Ok(views
        .into_iter()
        .map(|r| {
            let (n, add, del) = files.get(r.id.as_str()).copied().unwrap_or_default();
            let (repairs, fixes) = arts.get(r.id.as_str()).copied().unwrap_or_default();
            AuditListItem {
                outcome: AuditOutcome {
                    status: r.status.clone(),
                    reason_code: r.outcome.as_ref().map(|o| o.reason_code.clone()),
                    reason: r.outcome.as_ref().and_then(|o| o.reason.clone()),
                    failed_stage: r.outcome.as_ref().and_then(|o| o.failed_stage.clone()),
                },
                validation_passed: r.validation.passed,
                repair_attempts: repairs,
                review_fixes_ran: fixes,
                files_changed: n,
                additions: add,
                deletions: del,
                duration_ms: r.duration_ms,
                ticket: r.ticket,
                repository: r.repository,
                provider: r.provider,
                usage: r.usage,
                run_id: r.id,
                job_id: r.job_id,
                attempt: r.attempt,
                branch: r.branch,
                started_at: r.started_at,
                finished_at: r.finished_at,
            }
        })
        .collect())
}

/// `review_approved, review_fixes_ran, repair_attempts, max_repair_attempts, base_ref`.
type ArtifactCols = (Option<bool>, bool, i32, i32, Option<String>);

/// Why a record cannot be served.
#[derive(Debug)]
pub enum RecordError {
    NotFound,
    NotTerminal(String),
    Gone,
    Db(DbError),
}

impl From<DbError> for RecordError {
    fn from(e: DbError) -> Self {
        Self::Db(e)
    }
}

impl From<diesel::result::Error> for RecordError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(e.into())
    }
}

fn argv_text(argv: &str) -> String {
    serde_json::from_str::<Vec<String>>(argv)
        .map(|v| shlex::try_join(v.iter().map(String::as_str)).unwrap_or_else(|_| v.join(" ")))
        .unwrap_or_else(|_| argv.to_owned())
}

/// Builds the audit record of a terminal run.
pub fn record(conn: &mut SqliteConnection, run_id: &str) -> Result<TicketAudit, RecordError> {
    let run: RunRow = runs::table
        .find(run_id)
        .select(RunRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(RecordError::NotFound)?;
    if !status::is_terminal(&run.status) {
        return Err(RecordError::NotTerminal(run.status));
    }
    if !run.audit_retained {
        return Err(RecordError::Gone);
    }
    let job: JobRow = jobs::table
        .find(&run.job_id)
        .select(JobRow::as_select())
        .first(conn)?;
    let repo: RepositoryRow = repositories::table
        .find(&run.repository_id)
        .select(RepositoryRow::as_select())
        .first(conn)?;
    let art: Option<ArtifactCols> = run_artifacts::table
        .find(run_id)
        .select((
            run_artifacts::review_approved,
            run_artifacts::review_fixes_ran,
            run_artifacts::repair_attempts,
            run_artifacts::max_repair_attempts,
            run_artifacts::base_ref,
        ))
        .first(conn)
        .optional()?;
    let (review_approved, fixes_ran, repair_attempts, max_repairs, base_ref) =
        art.unwrap_or_default();
    let stage_rows: Vec<StageRow> = stages::table
        .filter(stages::run_id.eq(run_id))
        .order((
            stages::position.asc(),
            stages::attempt.asc(),
            stages::id.asc(),
        ))
        .select(StageRow::as_select())
        .load(conn)?;
    let command_rows: Vec<CommandRow> = commands::table
        .filter(commands::run_id.eq(run_id))
        .order(commands::id.asc())
        .select(CommandRow::as_select())
        .load(conn)?;
    let purposes: HashMap<i32, Option<String>> = commands::table
        .filter(commands::run_id.eq(run_id))
        .select((commands::id, commands::purpose))
        .load::<(i32, Option<String>)>(conn)?
        .into_iter()
        .collect();
    let file_rows: Vec<FileChangeRow> = file_changes::table
        .filter(file_changes::run_id.eq(run_id))
        .order(file_changes::path.asc())
        .select(FileChangeRow::as_select())
        .load(conn)?;
    let findings: Vec<(String, String, Option<String>, Option<i32>)> = review_findings::table
        .filter(review_findings::run_id.eq(run_id))
        .order(review_findings::id.asc())
        .select((
            review_findings::severity,
            review_findings::message,
            review_findings::path,
            review_findings::line,
        ))
        .load(conn)?;
    let flags: Vec<(String, Option<String>, String)> = diff_guard_flags::table
        .filter(diff_guard_flags::run_id.eq(run_id))
        .order(diff_guard_flags::id.asc())
        .select((
            diff_guard_flags::rule,
            diff_guard_flags::path,
            diff_guard_flags::message,
        ))
        .load(conn)?;
    let (tools, provider_version) = if run.events_retained {
        (tool_usage(conn, run_id)?, provider_version(conn, run_id)?)
    } else {
        (Vec::new(), None)
    };

    let stage_ran = |name: &str| {
        stage_rows
            .iter()
            .any(|s| s.name == name && s.status != "skipped")
    };
    let validation_commands: Vec<AuditValidationCommand> = command_rows
        .iter()
        .filter(|c| {
            matches!(
                purposes.get(&c.id).cloned().flatten().as_deref(),
                Some("validation" | "setup")
            )
        })
        .map(|c| AuditValidationCommand {
            command: argv_text(&c.argv),
            stage: c.stage.clone(),
            attempt: c.attempt,
            exit_code: c.exit_code,
            timed_out: c.timed_out,
            duration_ms: c.duration_ms,
            output_tail: c.output_tail.clone(),
        })
        .collect();
    let duration_ms = match (&run.started_at, &run.finished_at) {
        (Some(s), Some(f)) => crate::time::millis_between(s, f),
        _ => None,
    };
    let spec = super::jobs::parse_spec(&job).ok();
    let mut record = TicketAudit {
        schema: SCHEMA.into(),
        run: AuditRun {
            id: run.id.clone(),
            job_id: run.job_id.clone(),
            attempt: run.attempt,
            status: run.status.clone(),
            created_at: run.created_at.clone(),
            started_at: run.started_at.clone(),
            finished_at: run.finished_at.clone(),
            duration_ms,
        },
        ticket: AuditTicket {
            key: job.ticket_key.clone(),
            title: job.ticket_title.clone(),
            url: job.ticket_url.clone(),
            source: job.ticket_source.clone(),
        },
        repository: AuditRepository {
            id: repo.id,
            name: repo.name,
            url: repo.url,
            base_ref: base_ref
                .or_else(|| spec.as_ref().and_then(|s| s.repository.base_ref.clone())),
            base_commit: run.base_commit.clone(),
            head_commit: run.head_commit.clone(),
            branch: run.branch.clone(),
            pushed: run.pushed,
        },
        provider: AuditProvider {
            id: run.provider_id.clone(),
            kind: run.provider_id.clone(),
            model: run.provider_model.clone(),
            version: provider_version,
        },
        stages: stage_rows
            .iter()
            .map(|s| AuditStage {
                name: s.name.clone(),
                attempt: s.attempt,
                status: s.status.clone(),
                started_at: s.started_at.clone(),
                finished_at: s.finished_at.clone(),
                duration_ms: s.duration_ms,
                summary: s.summary.clone(),
            })
            .collect(),
        validation: AuditValidation {
            mode: run.validation_mode.clone(),
            passed: run.validation_passed,
            commands: validation_commands,
        },
        repair: AuditRepair {
            max_attempts: max_repairs,
            attempts: repair_attempts,
            ran: repair_attempts > 0,
            succeeded: (repair_attempts > 0).then_some(run.validation_passed == Some(true)),
        },
        review: AuditReview {
            ran: stage_ran("review"),
            approved: review_approved,
            findings: findings
                .into_iter()
                .map(|(severity, message, path, line)| AuditFinding {
                    severity,
                    message,
                    path,
                    line,
                })
                .collect(),
            fixes_ran,
        },
        diff_guard: AuditDiffGuard {
            ran: stage_ran("diff_guard"),
            passed: stage_ran("diff_guard").then_some(flags.is_empty()),
            flags: flags
                .into_iter()
                .map(|(rule, path, message)| AuditFlag {
                    rule,
                    path,
                    message,
                })
                .collect(),
        },
        files: file_rows
            .into_iter()
            .map(|f| AuditFile {
                path: f.path,
                old_path: f.old_path,
                change: f.change,
                additions: f.additions,
                deletions: f.deletions,
            })
            .collect(),
        commands: command_rows
            .iter()
            .map(|c| AuditCommand {
                source: c.source.clone(),
                stage: c.stage.clone(),
                attempt: c.attempt,
                command: argv_text(&c.argv),
                cwd: c.cwd.clone(),
                exit_code: c.exit_code,
                duration_ms: c.duration_ms,
                started_at: c.started_at.clone(),
                purpose: purposes.get(&c.id).cloned().flatten(),
            })
            .collect(),
        tools,
        usage: model::Usage {
            input_tokens: run.input_tokens,
            output_tokens: run.output_tokens,
            cache_read_tokens: run.cache_read_tokens,
            cost_usd: run.cost_usd,
            estimated: run.usage_estimated,
        },
        outcome: AuditRecordOutcome {
            status: run.status.clone(),
            reason_code: run.reason_code.clone(),
            reason: run.reason.clone(),
            failed_stage: run.failed_stage.clone(),
            explanation: String::new(),
        },
        retention: AuditRetention {
            events_retained: run.events_retained,
            audit_expires_at: run.audit_expires_at.clone(),
        },
        compliance_mode: false,
    };
    record.outcome.explanation = crate::audit_explain::explain(&record);
    Ok(record)
}

/// The provider's version as its last `provider.session` event reported it (CLI providers).
fn provider_version(conn: &mut SqliteConnection, run_id: &str) -> Result<Option<String>, DbError> {
    let data: Option<Option<String>> = events::table
        .filter(events::run_id.eq(run_id))
        .filter(events::kind.eq("provider.session"))
        .order(events::seq.desc())
        .select(events::data)
        .first(conn)
        .optional()?;
    Ok(data
        .flatten()
        .and_then(|d| serde_json::from_str::<serde_json::Value>(&d).ok())
        .and_then(|v| v["version"].as_str().map(str::to_owned)))
}

/// Tool calls by name from the run's events (`tool.completed`, errors when `data.ok == false`).
fn tool_usage(conn: &mut SqliteConnection, run_id: &str) -> Result<Vec<AuditTool>, DbError> {
    let rows: Vec<Option<String>> = events::table
        .filter(events::run_id.eq(run_id))
        .filter(events::kind.eq("tool.completed"))
        .select(events::data)
        .load(conn)?;
    let mut by_name: std::collections::BTreeMap<String, (i64, i64)> =
        std::collections::BTreeMap::new();
    for data in rows.into_iter().flatten() {
        let v: serde_json::Value = serde_json::from_str(&data).unwrap_or_default();
        let name = v["name"]
            .as_str()
            .or_else(|| v["tool"].as_str())
            .unwrap_or("tool")
            .to_owned();
        let failed = v["ok"].as_bool() == Some(false) || v["is_error"].as_bool() == Some(true);
        let e = by_name.entry(name).or_default();
        e.0 += 1;
        e.1 += i64::from(failed);
    }
    Ok(by_name
        .into_iter()
        .map(|(name, (count, errors))| AuditTool {
            name,
            count,
            errors,
        })
        .collect())
}

/// The stored unified diff of one file of a run (base → head, kept at publish time).
pub fn file_diff(
    conn: &mut SqliteConnection,
    run_id: &str,
    path: &str,
) -> Result<Option<Option<String>>, DbError> {
    Ok(file_changes::table
        .filter(file_changes::run_id.eq(run_id))
        .filter(file_changes::path.eq(path))
        .select(file_changes::diff)
        .first::<Option<String>>(conn)
        .optional()?)
}
