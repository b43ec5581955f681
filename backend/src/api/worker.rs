//! `GET /api/v1/worker`: the worker's identity for the UI header.

use actix_web::web;

use super::AppState;
use crate::model::WorkerInfo;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/worker", web::get().to(worker_info));
}

#[utoipa::path(get, path = "/api/v1/worker", tag = "worker", responses((status = 200, body = WorkerInfo)))]
pub async fn worker_info(state: web::Data<AppState>) -> web::Json<WorkerInfo> {
    let now = chrono::Utc::now();
    web::Json(WorkerInfo {
        name: state.config.name.clone(),
        version: crate::VERSION.to_owned(),
        role: "gateway".into(),
        started_at: crate::time::format(state.started_at),
        uptime_s: (now - state.started_at).num_seconds(),
        auth_required: state.config.auth_token.is_some(),
        executors: state.config.executors,
    })
}
