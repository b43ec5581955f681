//! `GET /api/v1/health` (cached checks, overall = worst, worker state with the idle reason;
//! `?refresh=1` runs the checks first) and `GET /api/v1/health/history` (the last hour's status
//! changes per check).

use actix_web::web;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{ApiError, AppState};
use crate::health::model::{HealthHistory, HealthReport};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/health", web::get().to(get_health))
        .route("/health/history", web::get().to(get_history));
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct HealthQuery {
    /// `1` (or `true`) runs every check now instead of answering from the cache; each check is
    /// bounded by its timeout.
    #[param(value_type = Option<String>)]
    pub refresh: Option<String>,
}

/// `?refresh=`: `1`/`true`/`0`/`false`, else 422.
fn refresh_flag(v: Option<&str>) -> Result<bool, ApiError> {
    match v {
        None | Some("0" | "false") => Ok(false),
        Some("1" | "true") => Ok(true),
        Some(_) => Err(ApiError::field(
            "refresh",
            "invalid",
            "refresh must be 1, true, 0 or false",
        )),
    }
}

#[utoipa::path(get, path = "/api/v1/health", tag = "health", params(HealthQuery),
    responses((status = 200, body = HealthReport), (status = 422, body = crate::model::ErrorEnvelope)))]
pub async fn get_health(
    state: web::Data<AppState>,
    q: web::Query<HealthQuery>,
) -> Result<web::Json<HealthReport>, ApiError> {
    if refresh_flag(q.refresh.as_deref())? {
        state.health.refresh().await;
    }
    Ok(web::Json(state.health.report()))
}

#[utoipa::path(get, path = "/api/v1/health/history", tag = "health",
    responses((status = 200, body = HealthHistory)))]
pub async fn get_history(state: web::Data<AppState>) -> web::Json<HealthHistory> {
    web::Json(state.health.history())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_values() {
        assert!(!refresh_flag(None).expect("none"));
        assert!(refresh_flag(Some("1")).expect("1"));
        assert!(refresh_flag(Some("true")).expect("true"));
        assert!(!refresh_flag(Some("0")).expect("0"));
        assert!(refresh_flag(Some("yes")).is_err());
    }
}
