//! `GET /api/v1/executors`: the executor fleet with status, current run and heartbeat.

use actix_web::web;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AppState;
use crate::executor::Executor;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/executors", web::get().to(list_executors));
}

/// The executors (a single page: a worker has few).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ExecutorList {
    pub items: Vec<Executor>,
    pub next_cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/executors", tag = "executors", responses((status = 200, body = ExecutorList)))]
pub async fn list_executors(state: web::Data<AppState>) -> web::Json<ExecutorList> {
    let interval = state.settings.get().heartbeat_interval_seconds;
    web::Json(ExecutorList {
        items: state.executors.list(interval),
        next_cursor: None,
    })
}
