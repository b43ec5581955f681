//! Run queries: the Run view the API serves, the filtered keyset list, run detail, and the
//! writes that move a run through its lifecycle (state transitions, stages, run fields).

use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use super::DbError;
use super::events::append_in_tx;
use super::rows::{NewRunState, RepositoryRow, RunRow, RunStateRow, StageRow};
use super::writer::{Observation, WriterCtx};
use crate::live::LiveEffect;
use crate::model::{self, status};
use crate::schema::{jobs, repositories, run_states, runs, stages};
use crate::sink::NewEvent;

/// Builds the API's Run from its row and repository.
#[must_use]
pub fn to_model(row: RunRow, repo: Option<&RepositoryRow>, sample: bool) -> model::Run {
    let duration_ms = match (&row.started_at, &row.finished_at) {
        (Some(s), Some(f)) => crate::time::millis_between(s, f),
        _ => None,
    };
    let outcome = row.reason_code.clone().map(|reason_code| model::Outcome {
        status: row.status.clone(),
        reason_code,
        reason: row.reason.clone(),
        failed_stage: row.failed_stage.clone(),
    });
    let error = row.error_message.clone().map(|message| model::RunError {
        message,
        detail: row.error_detail.clone(),
    });
    let base = format!("/api/v1/runs/{}", row.id);
    model::Run {
        links: model::RunLinks {
            self_: base.clone(),
            events: format!("{base}/events"),
            stream: format!("{base}/events/stream"),
            audit: format!("/api/v1/audit/runs/{}", row.id),
            live: format!("/live/{}", row.job_id),
            patch: format!("{base}/patch"),
        },
        ticket: model::TicketRef {
            key: row.ticket_key,
            title: row.ticket_title,
            url: row.ticket_url,
        },
        repository: model::RepositoryRef {
            id: row.repository_id.clone(),
            name: repo.map(|r| r.name.clone()).unwrap_or_default(),
            url: repo.map(|r| r.url.clone()).unwrap_or_default(),
        },
        provider: model::ProviderRef {
            kind: row.provider_id.clone(),
            id: row.provider_id,
            model: row.provider_model,
        },
        executor: row.executor_id.map(|id| model::ExecutorRef {
            id,
            name: row.executor_name,
        }),
        usage: model::Usage {
            input_tokens: row.input_tokens,
            output_tokens: row.output_tokens,
            cache_read_tokens: row.cache_read_tokens,
            cost_usd: row.cost_usd,
            estimated: row.usage_estimated,
        },
        validation: model::RunValidation {
            mode: row.validation_mode,
            passed: row.validation_passed,
        },
        retention: model::Retention {
            events_retained: row.events_retained,
            audit_retained: row.audit_retained,
            audit_expires_at: row.audit_expires_at,
        },
        id: row.id,
        job_id: row.job_id,
        attempt: row.attempt,
        status: row.status,
        stage: row.stage,
        branch: row.branch,
        base_commit: row.base_commit,
        head_commit: row.head_commit,
        pushed: row.pushed,
        sample,
        created_at: row.created_at,
        started_at: row.started_at,
        finished_at: row.finished_at,
        duration_ms,
        outcome,
        error,
        event_count: row.event_count,
        last_event_seq: row.last_event_seq,
        state_history: None,
        stages: None,
    }
}

/// Loads the rows' repositories and sample flags and builds their Run views, in order.
pub fn to_models(
    conn: &mut SqliteConnection,
    rows: Vec<RunRow>,
) -> Result<Vec<model::Run>, DbError> {
    let mut repo_ids: Vec<&str> = rows.iter().map(|r| r.repository_id.as_str()).collect();
    repo_ids.sort_unstable();
    repo_ids.dedup();
    let repos: Vec<RepositoryRow> = repositories::table
        .filter(repositories::id.eq_any(&repo_ids))
        .select(RepositoryRow::as_select())
        .load(conn)?;
    let mut job_ids: Vec<&str> = rows.iter().map(|r| r.job_id.as_str()).collect();
    job_ids.sort_unstable();
    job_ids.dedup();
    let samples: Vec<String> = jobs::table
        .filter(jobs::id.eq_any(&job_ids))
        .filter(jobs::is_sample.eq(true))
        .select(jobs::id)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let repo = repos.iter().find(|r| r.id == row.repository_id);
            let sample = samples.contains(&row.job_id);
            to_model(row, repo, sample)
        })
        .collect())
}

/// One run row, if it exists.
pub fn find_row(conn: &mut SqliteConnection, id: &str) -> Result<Option<RunRow>, DbError> {
    Ok(runs::table
        .find(id)
        .select(RunRow::as_select())
        .first(conn)
        .optional()?)
}

/// One run as the API serves it (without history), if it exists.
pub fn find(conn: &mut SqliteConnection, id: &str) -> Result<Option<model::Run>, DbError> {
    match find_row(conn, id)? {
        Some(row) => Ok(to_models(conn, vec![row])?.pop()),
        None => Ok(None),
    }
}

/// One run with `state_history` and `stages`.
pub fn detail(conn: &mut SqliteConnection, id: &str) -> Result<Option<model::Run>, DbError> {
    let Some(mut run) = find(conn, id)? else {
        return Ok(None);
    };
    let history: Vec<RunStateRow> = run_states::table
        .filter(run_states::run_id.eq(id))
        .order(run_states::id.asc())
        .select(RunStateRow::as_select())
        .load(conn)?;
    run.state_history = Some(
        history
            .into_iter()
            .map(|h| model::StateChange {
                status: h.status,
                stage: h.stage,
                at: h.at,
                note: h.note,
            })
            .collect(),
    );
    let stage_rows: Vec<StageRow> = stages::table
        .filter(stages::run_id.eq(id))
        .order((
            stages::position.asc(),
            stages::attempt.asc(),
            stages::id.asc(),
        ))
        .select(StageRow::as_select())
        .load(conn)?;
    run.stages = Some(stage_rows.into_iter().map(stage_model).collect());
    Ok(Some(run))
}

fn stage_model(s: StageRow) -> model::Stage {
    model::Stage {
        name: s.name,
        attempt: s.attempt,
        status: s.status,
        started_at: s.started_at,
        finished_at: s.finished_at,
        duration_ms: s.duration_ms,
        first_seq: s.first_seq,
        last_seq: s.last_seq,
        summary: s.summary,
    }
}

/// Filters of `GET /runs` (already validated).
#[derive(Debug, Default, Clone)]
pub struct RunFilter {
    pub statuses: Vec<String>,
    /// Repository ids matching the `repository` parameter (by id or name); `Some(empty)` matches none.
    pub repository_ids: Option<Vec<String>>,
    pub ticket: Option<String>,
    pub branch: Option<String>,
    pub provider: Option<String>,
    pub q: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub job_id: Option<String>,
}

/// A keyset position: `(created_at, id)` of the last row of the previous page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub at: String,
    pub id: String,
}

/// `(runs.<column>, runs.id) < (at, id)`: the keyset condition of newest-first pages.
pub fn keyset_before(
    column: &'static str,
    at: &str,
    id: &str,
) -> diesel::expression::SqlLiteral<
    diesel::sql_types::Bool,
    impl diesel::query_builder::QueryFragment<diesel::sqlite::Sqlite>,
> {
    use diesel::sql_types::Text;
    diesel::dsl::sql::<diesel::sql_types::Bool>(&format!("(runs.{column}, runs.id) < ("))
        .bind::<Text, _>(at.to_owned())
        .sql(", ")
        .bind::<Text, _>(id.to_owned())
        .sql(")")
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
#[must_use]
pub fn like_pattern(q: &str) -> String {
    let mut out = String::with_capacity(q.len() + 2);
    out.push('%');
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Repository ids whose id or name equals `value`.
pub fn resolve_repository(
    conn: &mut SqliteConnection,
    value: &str,
) -> Result<Vec<String>, DbError> {
    Ok(repositories::table
        .filter(repositories::id.eq(value).or(repositories::name.eq(value)))
        .select(repositories::id)
        .load(conn)?)
}

/// One page of runs, newest first, and the cursor of its last row when more may follow.
pub fn list(
    conn: &mut SqliteConnection,
    filter: &RunFilter,
    cursor: Option<&Cursor>,
    limit: i64,
) -> Result<(Vec<model::Run>, Option<Cursor>), DbError> {
    let mut query = runs::table.select(RunRow::as_select()).into_boxed();
    if !filter.statuses.is_empty() {
        query = query.filter(runs::status.eq_any(filter.statuses.clone()));
    }
    if let Some(ids) = &filter.repository_ids {
        query = query.filter(runs::repository_id.eq_any(ids.clone()));
    }
    if let Some(t) = &filter.ticket {
        query = query.filter(runs::ticket_key.eq(t.clone()));
    }
    if let Some(b) = &filter.branch {
        query = query.filter(runs::branch.eq(b.clone()));
    }
    if let Some(p) = &filter.provider {
        query = query.filter(runs::provider_id.eq(p.clone()));
    }
    if let Some(j) = &filter.job_id {
        query = query.filter(runs::job_id.eq(j.clone()));
    }
    if let Some(q) = &filter.q {
        let pattern = like_pattern(q);
        query = query.filter(
            runs::ticket_key
                .like(pattern.clone())
                .escape('\\')
                .or(runs::ticket_title.like(pattern.clone()).escape('\\'))
                .or(runs::error_message.like(pattern.clone()).escape('\\'))
                .or(runs::reason.like(pattern).escape('\\')),
        );
    }
    if let Some(s) = &filter.since {
        query = query.filter(runs::created_at.ge(s.clone()));
    }
    if let Some(u) = &filter.until {
        query = query.filter(runs::created_at.lt(u.clone()));
    }
    if let Some(c) = cursor {
        // A row-value comparison is one range on the `(created_at, id)` index, so a page deep in
        // the history costs what the first page costs.
        query = query.filter(keyset_before("created_at", &c.at, &c.id));
    }
    let mut rows: Vec<RunRow> = query
        .order((runs::created_at.desc(), runs::id.desc()))
        .limit(limit + 1)
        .load(conn)?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = if more {
        rows.last().map(|r| Cursor {
            at: r.created_at.clone(),
            id: r.id.clone(),
        })
    } else {
        None
    };
    Ok((to_models(conn, rows)?, next))
}

/// Whether a job has a run that is still queued or running.
pub fn job_has_active_run(conn: &mut SqliteConnection, job_id: &str) -> Result<bool, DbError> {
    let n: i64 = runs::table
        .filter(runs::job_id.eq(job_id))
        .filter(runs::status.eq_any([status::QUEUED, status::RUNNING]))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// A status change requested through the sink or the API.
#[derive(Debug, Clone, Default)]
pub struct Transition {
    pub status: String,
    pub stage: Option<String>,
    pub note: Option<String>,
    /// Required for terminal statuses: the closed-table reason code.
    pub reason_code: Option<String>,
    pub reason: Option<String>,
    pub failed_stage: Option<String>,
    pub error: Option<model::RunError>,
    /// When set, the transition only applies if the run is currently in one of these statuses.
    pub only_from: Option<Vec<String>>,
}

/// Applies a transition inside the writer: state row, `run.state` event, run row, live effects.
pub fn transition_in_tx(
    conn: &mut SqliteConnection,
    ctx: &mut WriterCtx,
    run_id: &str,
    t: &Transition,
) -> Result<model::Run, DbError> {
    let row = find_row(conn, run_id)?
        .ok_or_else(|| DbError::NotFound(format!("run {run_id} not found")))?;
    if status::is_terminal(&row.status) {
        return Err(DbError::Conflict(format!(
            "run {run_id} is already {}",
            row.status
        )));
    }
    if let Some(from) = &t.only_from
        && !from.contains(&row.status)
    {
        return Err(DbError::Conflict(format!("run {run_id} is {}", row.status)));
    }
    let terminal = status::is_terminal(&t.status);
    if terminal && t.reason_code.is_none() {
        return Err(DbError::Conflict(format!(
            "a terminal transition of run {run_id} needs a reason code"
        )));
    }
    let now = crate::time::now();
    let stage = t.stage.clone().or(row.stage.clone());
    // Every run that ends short of `completed` names the stage where it stopped, also when the
    // ending comes from outside the pipeline (a cancel request, recovery after a crash).
    let failed_stage = if terminal && t.status != status::COMPLETED {
        t.failed_stage.clone().or_else(|| stage.clone())
    } else {
        t.failed_stage.clone()
    };
    diesel::insert_into(run_states::table)
        .values(NewRunState {
            run_id,
            status: &t.status,
            stage: stage.as_deref(),
            at: &now,
            note: t.note.as_deref(),
        })
        .execute(conn)?;
    let data = serde_json::json!({
        "status": t.status,
        "from": row.status,
        "reason_code": t.reason_code,
        "failed_stage": failed_stage,
    });
    let text = match (&t.reason, &t.note) {
        (Some(r), _) => Some(r.clone()),
        (None, Some(n)) => Some(n.clone()),
        _ => Some(format!("run {}", t.status)),
    };
    let events = vec![NewEvent {
        kind: "run.state".into(),
        stage: stage.clone(),
        text,
        data: Some(data),
        ..NewEvent::default()
    }];
    let last_seq = append_in_tx(conn, ctx, run_id, events)?.last;
    let started_at = if t.status == status::RUNNING && row.started_at.is_none() {
        Some(now.clone())
    } else {
        row.started_at.clone()
    };
    let finished_at = if terminal { Some(now.clone()) } else { None };
    diesel::update(runs::table.find(run_id))
        .set((
            runs::status.eq(&t.status),
            runs::stage.eq(&stage),
            runs::started_at.eq(&started_at),
            runs::finished_at.eq(&finished_at),
            runs::reason_code.eq(&t.reason_code),
            runs::reason.eq(&t.reason),
            runs::failed_stage.eq(&failed_stage),
            runs::error_message.eq(t.error.as_ref().map(|e| e.message.clone())),
            runs::error_detail.eq(t.error.as_ref().and_then(|e| e.detail.clone())),
        ))
        .execute(conn)?;
    let run =
        find(conn, run_id)?.ok_or_else(|| DbError::NotFound(format!("run {run_id} not found")))?;
    ctx.publish(LiveEffect::Run {
        run: Box::new(run.clone()),
        created: false,
    });
    if terminal {
        if let Some(millis) = run.duration_ms {
            ctx.observe(Observation::Run {
                status: t.status.clone(),
                millis,
            });
        }
        ctx.publish(LiveEffect::Terminal {
            run_id: run_id.to_owned(),
            status: t.status.clone(),
            last_seq,
        });
    }
    Ok(run)
}

/// Starts a stage: a `stage.started` event whose seq becomes the stage's `first_seq`.
pub fn stage_started_in_tx(
    conn: &mut SqliteConnection,
    ctx: &mut WriterCtx,
    run_id: &str,
    name: &str,
    attempt: i32,
) -> Result<i64, DbError> {
    let now = crate::time::now();
    let ev = append_in_tx(
        conn,
        ctx,
        run_id,
        vec![NewEvent {
            kind: "stage.started".into(),
            stage: Some(name.to_owned()),
            attempt: Some(attempt),
            text: Some(format!("{name} #{attempt} started")),
            ..NewEvent::default()
        }],
    )?;
    let seq = ev.first;
    diesel::insert_into(stages::table)
        .values((
            stages::run_id.eq(run_id),
            stages::name.eq(name),
            stages::position.eq(model::stage_position(name)),
            stages::attempt.eq(attempt),
            stages::status.eq("running"),
            stages::started_at.eq(&now),
            stages::first_seq.eq(seq),
        ))
        .execute(conn)?;
    diesel::update(runs::table.find(run_id))
        .set(runs::stage.eq(name))
        .execute(conn)?;
    publish_run(conn, ctx, run_id)?;
    Ok(seq)
}

/// Finishes a stage (or records it as skipped when it never started): a `stage.finished` event
/// whose seq becomes the stage's `last_seq`.
pub fn stage_finished_in_tx(
    conn: &mut SqliteConnection,
    ctx: &mut WriterCtx,
    run_id: &str,
    name: &str,
    attempt: i32,
    stage_status: &str,
    summary: Option<&str>,
) -> Result<i64, DbError> {
    let now = crate::time::now();
    let ev = append_in_tx(
        conn,
        ctx,
        run_id,
        vec![NewEvent {
            kind: "stage.finished".into(),
            stage: Some(name.to_owned()),
            attempt: Some(attempt),
            text: Some(summary.map_or_else(
                || format!("{name} #{attempt} {stage_status}"),
                str::to_owned,
            )),
            data: Some(serde_json::json!({"status": stage_status})),
            ..NewEvent::default()
        }],
    )?;
    let seq = ev.first;
    let existing: Option<StageRow> = stages::table
        .filter(stages::run_id.eq(run_id))
        .filter(stages::name.eq(name))
        .filter(stages::attempt.eq(attempt))
        .select(StageRow::as_select())
        .first(conn)
        .optional()?;
    match existing {
        Some(s) => {
            let duration = s
                .started_at
                .as_deref()
                .and_then(|st| crate::time::millis_between(st, &now));
            if let Some(millis) = duration {
                ctx.observe(Observation::Stage {
                    name: name.to_owned(),
                    millis,
                });
            }
            diesel::update(stages::table.find(s.id))
                .set((
                    stages::status.eq(stage_status),
                    stages::finished_at.eq(&now),
                    stages::duration_ms.eq(duration),
                    stages::last_seq.eq(seq),
                    stages::summary.eq(summary),
                ))
                .execute(conn)?;
        }
        None => {
            diesel::insert_into(stages::table)
                .values((
                    stages::run_id.eq(run_id),
                    stages::name.eq(name),
                    stages::position.eq(model::stage_position(name)),
                    stages::attempt.eq(attempt),
                    stages::status.eq(stage_status),
                    stages::finished_at.eq(&now),
                    stages::first_seq.eq(seq),
                    stages::last_seq.eq(seq),
                    stages::summary.eq(summary),
                ))
                .execute(conn)?;
        }
    }
    Ok(seq)
}

/// Publishes the run's current view to the worker-wide stream.
pub fn publish_run(
    conn: &mut SqliteConnection,
    ctx: &mut WriterCtx,
    run_id: &str,
) -> Result<model::Run, DbError> {
    let run =
        find(conn, run_id)?.ok_or_else(|| DbError::NotFound(format!("run {run_id} not found")))?;
    ctx.publish(LiveEffect::Run {
        run: Box::new(run.clone()),
        created: false,
    });
    Ok(run)
}

/// Runs per status, for the statuses in `only` (every status when empty); statuses without runs
/// are absent.
pub fn count_by_status(
    conn: &mut SqliteConnection,
    only: &[&str],
) -> Result<Vec<(String, i64)>, DbError> {
    let mut q = runs::table
        .group_by(runs::status)
        .select((runs::status, diesel::dsl::count_star()))
        .into_boxed();
    if !only.is_empty() {
        q = q.filter(runs::status.eq_any(only.to_vec()));
    }
    Ok(q.load(conn)?)
}

/// Whether a run's Code Audit evidence is still kept (`None`: no such run).
pub fn code_audit_retained(
    conn: &mut SqliteConnection,
    run_id: &str,
) -> Result<Option<bool>, DbError> {
    Ok(runs::table
        .find(run_id)
        .select(runs::code_audit_retained)
        .first(conn)
        .optional()?)
}
