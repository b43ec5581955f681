//! Probes: `/livez` and `/healthz` (the process serves; no dependency checks) and `/readyz`
//! (503 only when the gateway or storage check is down, from the health cache: an executor,
//! provider or controller problem never takes the gateway out of its load balancer). Exempt from
//! the Host check so orchestrators can call them.

use actix_web::{HttpResponse, web};

use super::AppState;
use crate::health::model::{Liveness, Readiness};

/// Paths that skip the Host allowlist and authentication.
pub const PROBE_PATHS: [&str; 3] = ["/livez", "/healthz", "/readyz"];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/livez", web::get().to(live))
        .route("/healthz", web::get().to(live))
        .route("/readyz", web::get().to(ready));
}

#[utoipa::path(get, path = "/livez", tag = "probes", responses((status = 200, body = Liveness)))]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(Liveness {
        status: "ok".into(),
    })
}

#[utoipa::path(get, path = "/readyz", tag = "probes",
    responses((status = 200, body = Readiness), (status = 503, body = Readiness)))]
pub async fn ready(state: web::Data<AppState>) -> HttpResponse {
    let r = state.health.readiness();
    if r.status == "ok" {
        HttpResponse::Ok().json(r)
    } else {
        HttpResponse::ServiceUnavailable().json(r)
    }
}
