//! Probes: `/livez` and `/healthz` (the process serves; no dependency checks) and `/readyz`
//! (503 when storage does not answer). Exempt from the Host check so orchestrators can call them.

use actix_web::{HttpResponse, web};

use super::AppState;
use crate::model::Readiness;

/// Paths that skip the Host allowlist and authentication.
pub const PROBE_PATHS: [&str; 3] = ["/livez", "/healthz", "/readyz"];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/livez", web::get().to(live))
        .route("/healthz", web::get().to(live))
        .route("/readyz", web::get().to(ready));
}

#[utoipa::path(get, path = "/livez", tag = "probes", responses((status = 200, body = Readiness)))]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

#[utoipa::path(get, path = "/readyz", tag = "probes",
    responses((status = 200, body = Readiness), (status = 503, body = Readiness)))]
pub async fn ready(state: web::Data<AppState>) -> HttpResponse {
    if state.db.ping().await {
        HttpResponse::Ok().json(Readiness {
            status: "ok".into(),
            storage: "ok".into(),
        })
    } else {
        HttpResponse::ServiceUnavailable().json(Readiness {
            status: "down".into(),
            storage: "down".into(),
        })
    }
}
