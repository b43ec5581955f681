//! `GET /metrics`: Prometheus text format. Counters and histograms come from the process's
//! [`crate::metrics::Metrics`]; runs by status are counted in storage at scrape time, executors
//! and health checks are read from memory.

use actix_web::{HttpResponse, web};

use super::{ApiError, AppState};
use crate::metrics::{Snapshot, render};
use crate::model::status;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/metrics", web::get().to(metrics));
}

/// The content type of the text exposition format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

#[utoipa::path(get, path = "/metrics", tag = "probes",
    responses((status = 200, content_type = "text/plain", body = String,
        description = "Prometheus text format: runs by status, run and stage durations, events ingested, writer batches and latency, SSE clients, executors by status, health check status")))]
pub async fn metrics(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let counted = state
        .db
        .read(|c| crate::db::runs::count_by_status(c, &[]))
        .await?;
    let runs_by_status = status::ALL
        .iter()
        .map(|s| {
            let n = counted.iter().find(|(k, _)| k == s).map_or(0, |(_, n)| *n);
            ((*s).to_owned(), n)
        })
        .collect();
    let executors = state
        .executors
        .list(state.settings.get().heartbeat_interval_seconds);
    let executors_by_status = ["idle", "busy", "stale", "offline"]
        .iter()
        .map(|s| {
            let n = executors.iter().filter(|e| e.status == *s).count() as i64;
            ((*s).to_owned(), n)
        })
        .collect();
    let checks = state
        .health
        .checks()
        .into_iter()
        .map(|c| (c.name, c.component, c.status.as_str().to_owned()))
        .collect();
    let snapshot = Snapshot {
        runs_by_status,
        executors_by_status,
        checks,
        uptime_seconds: (chrono::Utc::now() - state.started_at).num_seconds(),
    };
    Ok(HttpResponse::Ok()
        .content_type(CONTENT_TYPE)
        .body(render(state.hub.metrics(), &snapshot)))
}
