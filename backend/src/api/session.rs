//! `POST /api/v1/session`: exchanges the access token for an HttpOnly, SameSite=Strict cookie so
//! the browser UI and its EventSource streams are authenticated. `DELETE` signs out.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::{HttpRequest, HttpResponse, web};

use super::body::read_json;
use super::{ApiError, AppState};
use crate::model::SessionRequest;
use crate::security::token;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/session", web::post().to(create_session))
        .route("/session", web::delete().to(delete_session));
}

#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = SessionRequest,
    responses((status = 204, description = "cookie set"), (status = 401, body = crate::model::ErrorEnvelope)))]
pub async fn create_session(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body: SessionRequest = read_json(&req, payload, state.config.max_body_bytes).await?;
    let Some(expected) = state.config.auth_token.as_deref() else {
        // No token configured: nothing to exchange, every request is already allowed.
        return Ok(HttpResponse::NoContent().finish());
    };
    if !token::matches(&body.token, expected) {
        tracing::warn!("session request with a wrong token");
        return Err(ApiError::Unauthorized("wrong token".into()));
    }
    let cookie = Cookie::build(token::COOKIE_NAME, token::session_value(expected))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .finish();
    Ok(HttpResponse::NoContent().cookie(cookie).finish())
}

#[utoipa::path(delete, path = "/api/v1/session", tag = "session",
    responses((status = 204, description = "cookie cleared")))]
pub async fn delete_session() -> HttpResponse {
    let mut cookie = Cookie::build(token::COOKIE_NAME, "")
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .finish();
    cookie.make_removal();
    HttpResponse::NoContent().cookie(cookie).finish()
}
