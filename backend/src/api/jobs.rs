//! `POST /jobs` (submission with every "one rule" check), `GET /jobs/{id}`, `POST /jobs/{id}/retry`.

use actix_web::{HttpRequest, HttpResponse, web};

use super::body::read_json;
use super::{ApiError, AppState};
use crate::db::jobs;
use crate::ids::JobId;
use crate::jobspec::{self, JobRequest, JobSpec, SubmitContext};
use crate::model::{Job, JobCreated};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/jobs", web::post().to(create_job))
        .route("/jobs/{id}", web::get().to(get_job))
        .route("/jobs/{id}/retry", web::post().to(retry_job));
}

/// Parses a job id from the path; anything malformed is a 404 like an unknown id.
pub fn job_id(raw: &str) -> Result<JobId, ApiError> {
    JobId::parse(raw).ok_or_else(|| ApiError::NotFound(format!("job {raw} not found")))
}

/// Validates a submission against the settings in effect now.
pub fn check_submission(state: &AppState, req: JobRequest) -> Result<JobSpec, ApiError> {
    let settings = state.settings.get();
    let configured: Vec<&'static str> = crate::jobspec::PROVIDER_KINDS
        .into_iter()
        .filter(|k| crate::providers::is_configured(k, &settings))
        .collect();
    let ctx = SubmitContext {
        allowed_commands: &settings.allowed_commands,
        command_provider: settings.command_provider.as_deref(),
        configured_providers: &configured,
    };
    jobspec::validate(req, &ctx).map_err(ApiError::fields)
}

/// Stores a checked job with its first run and answers 201 with `Location`.
pub async fn submit(
    state: &AppState,
    spec: JobSpec,
    sample: bool,
) -> Result<HttpResponse, ApiError> {
    let mode = state.settings.get().default_validation_mode;
    let (job_id, run) = state
        .db
        .writer
        .exec(4, move |c, ctx| {
            jobs::create_in_tx(c, ctx, &spec, sample, &mode)
        })
        .await?;
    tracing::info!(job_id = %job_id, run_id = %run.id, ticket = %run.ticket.key, "job submitted");
    state.executors.wake();
    let id = job_id.to_string();
    let job = state
        .db
        .read(move |c| jobs::find(c, &id))
        .await?
        .ok_or_else(|| ApiError::Internal("the new job vanished".into()))?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/jobs/{job_id}")))
        .json(JobCreated { job, run }))
}

#[utoipa::path(post, path = "/api/v1/jobs", tag = "jobs", request_body = JobRequest,
    responses((status = 201, body = JobCreated), (status = 400, body = crate::model::ErrorEnvelope),
        (status = 413, body = crate::model::ErrorEnvelope), (status = 422, body = crate::model::ErrorEnvelope)))]
pub async fn create_job(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body: JobRequest = read_json(&req, payload, state.config.max_body_bytes).await?;
    let spec = check_submission(&state, body)?;
    submit(&state, spec, false).await
}

#[utoipa::path(get, path = "/api/v1/jobs/{id}", tag = "jobs",
    params(("id" = String, Path, description = "job id")),
    responses((status = 200, body = Job), (status = 404, body = crate::model::ErrorEnvelope)))]
pub async fn get_job(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<web::Json<Job>, ApiError> {
    let id = job_id(&path)?.to_string();
    let key = id.clone();
    let policy = state.retention.policy();
    state
        .db
        .read(move |c| jobs::find(c, &key))
        .await?
        .map(|mut job| {
            for run in &mut job.runs {
                crate::retention::policy::decorate_run(run, &policy);
            }
            web::Json(job)
        })
        .ok_or_else(|| ApiError::NotFound(format!("job {id} not found")))
}

#[utoipa::path(post, path = "/api/v1/jobs/{id}/retry", tag = "jobs",
    params(("id" = String, Path, description = "job id")),
    responses((status = 201, body = JobCreated), (status = 404, body = crate::model::ErrorEnvelope),
        (status = 409, body = crate::model::ErrorEnvelope)))]
pub async fn retry_job(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = job_id(&path)?.to_string();
    let mode = state.settings.get().default_validation_mode;
    let key = id.clone();
    let run = state
        .db
        .writer
        .exec(4, move |c, ctx| jobs::retry_in_tx(c, ctx, &key, &mode))
        .await?;
    tracing::info!(job_id = %id, run_id = %run.id, attempt = run.attempt, "job retried");
    state.executors.wake();
    let key = id.clone();
    let job = state
        .db
        .read(move |c| jobs::find(c, &key))
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("job {id} not found")))?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/jobs/{id}")))
        .json(JobCreated { job, run }))
}
