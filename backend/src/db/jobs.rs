//! Job queries: creating a job with its first run, retrying, and the Job view.

use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use super::DbError;
use super::events::append_in_tx;
use super::rows::{JobRow, NewRunState, RepositoryRow, RunRow};
use super::runs;
use super::writer::WriterCtx;
use crate::ids::{JobId, RepositoryId, RunId};
use crate::jobspec::JobSpec;
use crate::live::LiveEffect;
use crate::model::{self, status};
use crate::schema::{jobs, repositories, run_states, runs as runs_t};
use crate::sink::NewEvent;

/// The run branch: `mergeloom/<ticket-key-slug>-<last 8 hex digits of the run id>`.
#[must_use]
pub fn branch_name(ticket_key: &str, run_id: &RunId) -> String {
    let mut slug = String::new();
    for c in ticket_key.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug: String = slug.trim_matches('-').chars().take(40).collect();
    let slug = slug.trim_end_matches('-');
    let hex = run_id.0.simple().to_string();
    let tail = &hex[hex.len() - 8..];
    if slug.is_empty() {
        format!("mergeloom/run-{tail}")
    } else {
        format!("mergeloom/{slug}-{tail}")
    }
}

/// Finds or creates the repository row for a canonical URL.
pub fn upsert_repository(
    conn: &mut SqliteConnection,
    canonical_url: &str,
    name: &str,
) -> Result<RepositoryRow, DbError> {
    if let Some(r) = repositories::table
        .filter(repositories::url.eq(canonical_url))
        .select(RepositoryRow::as_select())
        .first(conn)
        .optional()?
    {
        return Ok(r);
    }
    let row = RepositoryRow {
        id: RepositoryId::new().to_string(),
        url: canonical_url.to_owned(),
        name: name.to_owned(),
        default_branch: None,
        created_at: crate::time::now(),
    };
    diesel::insert_into(repositories::table)
        .values(&row)
        .execute(conn)?;
    Ok(row)
}

/// Inserts a queued run of a job (attempt `attempt`) with its first state and event.
fn insert_run(
    conn: &mut SqliteConnection,
    ctx: &mut WriterCtx,
    job: &JobRow,
    spec: &JobSpec,
    attempt: i32,
    default_validation_mode: &str,
    note: &str,
) -> Result<model::Run, DbError> {
    let run_id = RunId::new();
    let now = crate::time::now();
    let row = RunRow {
        id: run_id.to_string(),
        job_id: job.id.clone(),
        attempt,
        status: status::QUEUED.into(),
        stage: None,
        repository_id: job.repository_id.clone(),
        ticket_key: spec.ticket.key.clone(),
        ticket_title: spec.ticket.title.clone(),
        ticket_url: spec.ticket.url.clone(),
        provider_id: spec.provider.id.clone(),
        provider_model: spec.provider.model.clone(),
        executor_id: None,
        executor_name: None,
        branch: Some(branch_name(&spec.ticket.key, &run_id)),
        base_commit: None,
        head_commit: None,
        pushed: false,
        created_at: now.clone(),
        started_at: None,
        finished_at: None,
        reason_code: None,
        reason: None,
        failed_stage: None,
        error_message: None,
        error_detail: None,
        input_tokens: 0,
        output_tokens: 0,
        cache_read_tokens: 0,
        cost_usd: 0.0,
        usage_estimated: true,
        validation_mode: spec
            .validation
            .mode
            .clone()
            .unwrap_or_else(|| default_validation_mode.to_owned()),
        validation_passed: None,
        event_count: 0,
        last_event_seq: 0,
        events_retained: true,
        audit_retained: true,
        audit_expires_at: None,
    };
    diesel::insert_into(runs_t::table)
        .values(&row)
        .execute(conn)?;
    diesel::insert_into(run_states::table)
        .values(NewRunState {
            run_id: &row.id,
            status: status::QUEUED,
            stage: None,
            at: &now,
            note: Some(note),
        })
        .execute(conn)?;
    ctx.last_seq.insert(row.id.clone(), 0);
    append_in_tx(
        conn,
        ctx,
        &row.id,
        vec![NewEvent {
            kind: "run.state".into(),
            text: Some(note.to_owned()),
            data: Some(serde_json::json!({"status": status::QUEUED, "attempt": attempt})),
            ..NewEvent::default()
        }],
    )?;
    let run = runs::find(conn, &row.id)?
        .ok_or_else(|| DbError::NotFound(format!("run {} not found", row.id)))?;
    ctx.publish(LiveEffect::Run {
        run: Box::new(run.clone()),
        created: true,
    });
    Ok(run)
}

/// Creates a job and its first queued run.
pub fn create_in_tx(
    conn: &mut SqliteConnection,
    ctx: &mut WriterCtx,
    spec: &JobSpec,
    sample: bool,
    default_validation_mode: &str,
) -> Result<(JobId, model::Run), DbError> {
    let repo = upsert_repository(conn, &spec.repository.canonical_url, &spec.repository.name)?;
    let job_id = JobId::new();
    let spec_json = serde_json::to_string(spec)
        .map_err(|e| DbError::Conflict(format!("job spec does not serialise: {e}")))?;
    let job = JobRow {
        id: job_id.to_string(),
        repository_id: repo.id,
        ticket_key: spec.ticket.key.clone(),
        ticket_title: spec.ticket.title.clone(),
        ticket_body: spec.ticket.body.clone(),
        ticket_url: spec.ticket.url.clone(),
        ticket_source: spec.ticket.source.clone(),
        spec: spec_json,
        is_sample: sample,
        created_at: crate::time::now(),
    };
    diesel::insert_into(jobs::table)
        .values(&job)
        .execute(conn)?;
    let run = insert_run(
        conn,
        ctx,
        &job,
        spec,
        1,
        default_validation_mode,
        "submitted",
    )?;
    Ok((job_id, run))
}

/// Queues the next attempt of a job; a conflict while one of its runs is active.
pub fn retry_in_tx(
    conn: &mut SqliteConnection,
    ctx: &mut WriterCtx,
    job_id: &str,
    default_validation_mode: &str,
) -> Result<model::Run, DbError> {
    let job = find_row(conn, job_id)?
        .ok_or_else(|| DbError::NotFound(format!("job {job_id} not found")))?;
    if runs::job_has_active_run(conn, job_id)? {
        return Err(DbError::Conflict(format!(
            "job {job_id} has an active run; cancel it or wait for it to finish"
        )));
    }
    let spec = parse_spec(&job)?;
    let last_attempt: Option<i32> = runs_t::table
        .filter(runs_t::job_id.eq(job_id))
        .select(diesel::dsl::max(runs_t::attempt))
        .first(conn)?;
    insert_run(
        conn,
        ctx,
        &job,
        &spec,
        last_attempt.unwrap_or(0) + 1,
        default_validation_mode,
        "retry submitted",
    )
}

/// Parses a job's stored spec.
pub fn parse_spec(job: &JobRow) -> Result<JobSpec, DbError> {
    serde_json::from_str(&job.spec)
        .map_err(|e| DbError::Conflict(format!("job {} has an unreadable spec: {e}", job.id)))
}

/// One job row.
pub fn find_row(conn: &mut SqliteConnection, id: &str) -> Result<Option<JobRow>, DbError> {
    Ok(jobs::table
        .find(id)
        .select(JobRow::as_select())
        .first(conn)
        .optional()?)
}

/// The Job view with all its runs, oldest attempt first.
pub fn find(conn: &mut SqliteConnection, id: &str) -> Result<Option<model::Job>, DbError> {
    let Some(job) = find_row(conn, id)? else {
        return Ok(None);
    };
    let spec = parse_spec(&job)?;
    let repo: RepositoryRow = repositories::table
        .find(&job.repository_id)
        .select(RepositoryRow::as_select())
        .first(conn)?;
    let rows: Vec<RunRow> = runs_t::table
        .filter(runs_t::job_id.eq(id))
        .order(runs_t::attempt.asc())
        .select(RunRow::as_select())
        .load(conn)?;
    let runs = runs::to_models(conn, rows)?;
    Ok(Some(model::Job {
        status: runs
            .last()
            .map_or_else(|| status::QUEUED.to_owned(), |r| r.status.clone()),
        id: job.id,
        ticket: model::Ticket {
            key: job.ticket_key,
            title: job.ticket_title,
            body: job.ticket_body,
            url: job.ticket_url,
            source: job.ticket_source,
        },
        repository: model::JobRepository {
            id: repo.id,
            name: repo.name,
            url: repo.url,
            base_ref: spec.repository.base_ref,
        },
        sample: job.is_sample,
        created_at: job.created_at,
        runs,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branch_uses_slug_and_run_id_tail() {
        let id = RunId::parse("0193a1b2-c3d4-7e5f-8a9b-0c1d5f3e9a1c").expect("id");
        assert_eq!(branch_name("LIN-123", &id), "mergeloom/lin-123-5f3e9a1c");
        assert_eq!(branch_name("  Ü ", &id), "mergeloom/run-5f3e9a1c");
    }
}
