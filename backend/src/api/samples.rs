//! `POST /api/v1/samples/run`: (re)creates the sample repository and submits the sample job
//! through the normal path, so a newcomer can watch a full run with no AI provider.

use actix_web::{HttpResponse, web};

use super::jobs::submit;
use super::{ApiError, AppState};
use crate::jobspec::{SubmitContext, is_allowed};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/samples/run", web::post().to(run_sample));
}

#[utoipa::path(post, path = "/api/v1/samples/run", tag = "jobs",
    responses((status = 201, body = crate::model::JobCreated),
        (status = 422, body = crate::model::ErrorEnvelope, description = "python3 is not on the allowed-commands list")))]
pub async fn run_sample(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let settings = state.settings.get();
    let ctx = SubmitContext {
        allowed_commands: &settings.allowed_commands,
        command_provider: settings.command_provider.as_deref(),
        configured_providers: &[],
    };
    if !is_allowed("python3", ctx.allowed_commands) {
        return Err(ApiError::field(
            "provider.command",
            "not_allowed",
            "the sample job runs python3, which is not on the allowed-commands list",
        ));
    }
    let data_dir = state.config.data_dir.clone();
    let (remote, agent) = tokio::task::spawn_blocking(move || crate::samples::prepare(&data_dir))
        .await
        .map_err(|e| ApiError::Internal(format!("sample task failed: {e}")))?
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let spec = crate::samples::job_spec(&remote, &agent);
    submit(&state, spec, true).await
}
