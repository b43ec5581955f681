//! Retention: `GET /retention` (the policy, the last prune, the next scheduled one),
//! `GET /retention/preview` (what the next prune would remove; the policy may be overridden by
//! query parameters to preview a change before saving it) and `POST /retention/prune` (prune
//! now, synchronously; 409 while another prune runs).

use actix_web::web;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{ApiError, AppState};
use crate::jobspec::FieldError;
use crate::retention::policy::Policy;
use crate::retention::{PruneReport, RetentionError, RetentionPreview, RetentionStatus};
use crate::settings::registry;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/retention", web::get().to(get_retention))
        .route("/retention/preview", web::get().to(preview))
        .route("/retention/prune", web::post().to(prune_now));
}

#[utoipa::path(get, path = "/api/v1/retention", tag = "retention",
    responses((status = 200, body = RetentionStatus)))]
pub async fn get_retention(state: web::Data<AppState>) -> web::Json<RetentionStatus> {
    web::Json(state.retention.status())
}

/// Policy values to preview instead of the stored ones (validated like the settings).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PreviewQuery {
    #[param(value_type = Option<u32>)]
    pub events_days: Option<String>,
    #[param(value_type = Option<u32>)]
    pub audit_days: Option<String>,
    #[param(value_type = Option<u32>)]
    pub code_audit_days: Option<String>,
    #[param(value_type = Option<u64>)]
    pub events_max_bytes: Option<String>,
}

/// The stored policy with the query's overrides applied; 422 naming every bad parameter.
fn overridden(state: &AppState, q: &PreviewQuery) -> Result<Policy, ApiError> {
    let mut s = state.settings.get();
    let mut errors = Vec::new();
    for (param, setting, raw) in [
        ("events_days", "retention_events_days", &q.events_days),
        ("audit_days", "retention_audit_days", &q.audit_days),
        (
            "code_audit_days",
            "retention_code_audit_days",
            &q.code_audit_days,
        ),
        (
            "events_max_bytes",
            "retention_events_max_bytes",
            &q.events_max_bytes,
        ),
    ] {
        let Some(raw) = raw.as_deref() else { continue };
        let value = raw
            .trim()
            .parse::<u64>()
            .map(serde_json::Value::from)
            .unwrap_or(serde_json::Value::Null);
        if let Err(e) = registry::set(&mut s, setting, &value) {
            errors.push(FieldError::new(param, "invalid", format!("{param} {e}")));
        }
    }
    if errors.is_empty() {
        Ok(Policy::from_settings(&s))
    } else {
        Err(ApiError::fields(errors))
    }
}

#[utoipa::path(get, path = "/api/v1/retention/preview", tag = "retention", params(PreviewQuery),
    responses((status = 200, body = RetentionPreview), (status = 422, body = crate::model::ErrorEnvelope)))]
pub async fn preview(
    state: web::Data<AppState>,
    q: web::Query<PreviewQuery>,
) -> Result<web::Json<RetentionPreview>, ApiError> {
    let policy = overridden(&state, &q)?;
    Ok(web::Json(state.retention.preview(policy).await?))
}

#[utoipa::path(post, path = "/api/v1/retention/prune", tag = "retention",
    responses((status = 200, body = PruneReport),
        (status = 409, body = crate::model::ErrorEnvelope, description = "a prune is already running")))]
pub async fn prune_now(state: web::Data<AppState>) -> Result<web::Json<PruneReport>, ApiError> {
    match state.retention.prune("request").await {
        Ok(r) => Ok(web::Json(r)),
        Err(RetentionError::Busy) => Err(ApiError::Conflict("a prune is already running".into())),
        Err(RetentionError::Db(e)) => Err(e.into()),
    }
}
