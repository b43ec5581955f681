//! `GET /runs` (filters + keyset paging), `GET /runs/{id}` (with history and stages),
//! `POST /runs/{id}/cancel`.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiError, AppState, params};
use crate::db::runs::{self, RunFilter, Transition};
use crate::ids::RunId;
use crate::model::{Run, status};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/runs", web::get().to(list_runs))
        .route("/runs/{id}", web::get().to(get_run))
        .route("/runs/{id}/cancel", web::post().to(cancel_run))
        .route("/runs/{id}/patch", web::get().to(run_patch));
}

/// A page of runs.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RunList {
    pub items: Vec<Run>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RunListQuery {
    /// Comma list of statuses.
    pub status: Option<String>,
    /// Repository id or name.
    pub repository: Option<String>,
    /// Ticket key.
    pub ticket: Option<String>,
    pub branch: Option<String>,
    /// Provider id.
    pub provider: Option<String>,
    /// Text over ticket key/title, reason and error.
    pub q: Option<String>,
    /// Created at or after (RFC 3339).
    pub since: Option<String>,
    /// Created before (RFC 3339).
    pub until: Option<String>,
    /// The job's runs only.
    pub job: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// Parses a run id from the path; anything malformed is a 404 like an unknown id.
pub fn run_id(raw: &str) -> Result<RunId, ApiError> {
    RunId::parse(raw).ok_or_else(|| ApiError::NotFound(format!("run {raw} not found")))
}

#[utoipa::path(get, path = "/api/v1/runs", tag = "runs", params(RunListQuery),
    responses((status = 200, body = RunList), (status = 422, body = crate::model::ErrorEnvelope)))]
pub async fn list_runs(
    state: web::Data<AppState>,
    q: web::Query<RunListQuery>,
) -> Result<web::Json<RunList>, ApiError> {
    let limit = params::limit(q.limit.as_deref())?;
    let cursor = params::decode_cursor(q.cursor.as_deref())?;
    let mut filter = RunFilter {
        statuses: params::list("status", q.status.as_deref(), Some(&status::ALL))?,
        repository_ids: None,
        ticket: params::text(q.ticket.as_deref()),
        branch: params::text(q.branch.as_deref()),
        provider: params::text(q.provider.as_deref()),
        q: params::text(q.q.as_deref()),
        since: params::timestamp("since", q.since.as_deref())?,
        until: params::timestamp("until", q.until.as_deref())?,
        job_id: params::text(q.job.as_deref()),
    };
    let repository = params::text(q.repository.as_deref());
    let (items, next) = state
        .db
        .read(move |c| {
            if let Some(r) = repository {
                filter.repository_ids = Some(runs::resolve_repository(c, &r)?);
            }
            runs::list(c, &filter, cursor.as_ref(), limit)
        })
        .await?;
    let policy = state.retention.policy();
    let mut items = items;
    for run in &mut items {
        crate::retention::policy::decorate_run(run, &policy);
    }
    Ok(web::Json(RunList {
        items,
        next_cursor: next.as_ref().map(params::encode_cursor),
    }))
}

#[utoipa::path(get, path = "/api/v1/runs/{id}", tag = "runs",
    params(("id" = String, Path, description = "run id")),
    responses((status = 200, body = Run), (status = 404, body = crate::model::ErrorEnvelope)))]
pub async fn get_run(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<web::Json<Run>, ApiError> {
    let id = run_id(&path)?.to_string();
    let key = id.clone();
    let policy = state.retention.policy();
    state
        .db
        .read(move |c| runs::detail(c, &key))
        .await?
        .map(|mut run| {
            crate::retention::policy::decorate_run(&mut run, &policy);
            web::Json(run)
        })
        .ok_or_else(|| ApiError::NotFound(format!("run {id} not found")))
}

#[utoipa::path(post, path = "/api/v1/runs/{id}/cancel", tag = "runs",
    params(("id" = String, Path, description = "run id")),
    responses((status = 202, body = Run), (status = 404, body = crate::model::ErrorEnvelope),
        (status = 409, body = crate::model::ErrorEnvelope)))]
pub async fn cancel_run(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = run_id(&path)?.to_string();
    if state.executors.cancel(&id) {
        // The executor kills the run's processes, records how its stages ended and closes the run
        // itself, so `cancelled` is the run's last state. Wait (bounded) to answer with it.
        let deadline = std::time::Instant::now() + std::time::Duration::from_millis(1800);
        loop {
            let key = id.clone();
            let run = state
                .db
                .read(move |c| runs::find(c, &key))
                .await?
                .ok_or_else(|| ApiError::NotFound(format!("run {id} not found")))?;
            if status::is_terminal(&run.status) || std::time::Instant::now() >= deadline {
                tracing::info!(run_id = %id, status = %run.status, "run cancel requested");
                return Ok(HttpResponse::Accepted().json(run));
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
    // No local executor runs it (queued, or claimed a moment ago): close it here.
    let key = id.clone();
    let run = state
        .db
        .writer
        .exec(4, move |c, ctx| {
            let t = Transition {
                status: status::CANCELLED.into(),
                note: Some("cancelled by user".into()),
                reason_code: Some("cancelled_by_user".into()),
                reason: Some("Cancelled by a user request.".into()),
                only_from: Some(vec![status::QUEUED.into(), status::RUNNING.into()]),
                ..Transition::default()
            };
            runs::transition_in_tx(c, ctx, &key, &t)
        })
        .await?;
    // An executor that claimed the run meanwhile still gets the stop request.
    let _ = state.executors.cancel(&id);
    tracing::info!(run_id = %id, "run cancelled");
    Ok(HttpResponse::Accepted().json(run))
}

#[utoipa::path(get, path = "/api/v1/runs/{id}/patch", tag = "runs",
    params(("id" = String, Path, description = "run id")),
    responses((status = 200, content_type = "text/x-patch", body = String,
        description = "the run's change as `git format-patch` text"),
        (status = 404, body = crate::model::ErrorEnvelope), (status = 409, body = crate::model::ErrorEnvelope),
        (status = 410, body = crate::model::ErrorEnvelope, description = "removed by retention")))]
pub async fn run_patch(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = run_id(&path)?.to_string();
    let key = id.clone();
    let (row, patch) = state
        .db
        .read(move |c| {
            Ok((
                runs::find_row(c, &key)?,
                crate::db::artifacts::patch(c, &key)?,
            ))
        })
        .await?;
    let Some(row) = row else {
        return Err(ApiError::NotFound(format!("run {id} not found")));
    };
    if !row.audit_retained {
        return Err(ApiError::Gone(format!(
            "the stored change of run {id} was removed by the retention policy"
        )));
    }
    match patch {
        Some(p) => Ok(HttpResponse::Ok()
            .content_type("text/x-patch; charset=utf-8")
            .insert_header((
                "Content-Disposition",
                format!("inline; filename=\"run-{id}.patch\""),
            ))
            .body(p)),
        None => Err(ApiError::Conflict(format!(
            "run {id} has no published change (status {})",
            row.status
        ))),
    }
}
