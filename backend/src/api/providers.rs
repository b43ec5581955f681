//! `GET /api/v1/providers`, `PUT /api/v1/providers/{id}`, `POST /api/v1/providers/{id}/check` and
//! `POST /api/v1/providers/{id}/self-test`: provider cards with their settings (secrets masked),
//! locked fields, readiness and whether they are the default, partial updates of the UI-managed
//! fields (see [`crate::providers::config`]), and the API providers' self-test (one tiny request
//! that must call a tool; see [`crate::providers::api::selftest`]). The self-test applies to the
//! API kinds only: the others answer 422 (their `/check` is their readiness).

use actix_web::{HttpRequest, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::body::read_json;
use super::{ApiError, AppState};
use crate::providers::api::client::ApiKind;
use crate::providers::api::selftest::{self, SelfTestResult};
use crate::providers::config::{ProviderItem, UpdateError, fields};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/providers", web::get().to(list_providers))
        .route("/providers/{id}", web::put().to(put_provider))
        .route("/providers/{id}/check", web::post().to(check_provider))
        .route(
            "/providers/{id}/self-test",
            web::post().to(self_test_provider),
        );
}

/// The providers (one per kind).
#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderList {
    pub items: Vec<ProviderItem>,
}

/// A partial update of a provider's settings.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProviderUpdate {
    /// Field name → new value. A secret that is absent or equal to its masked value keeps the
    /// stored secret; `""` or `null` clears a field.
    #[schema(value_type = Object)]
    pub settings: serde_json::Map<String, serde_json::Value>,
}

#[utoipa::path(get, path = "/api/v1/providers", tag = "providers",
    responses((status = 200, body = ProviderList)))]
pub async fn list_providers(state: web::Data<AppState>) -> web::Json<ProviderList> {
    web::Json(ProviderList {
        items: state.providers.list().await,
    })
}

#[utoipa::path(put, path = "/api/v1/providers/{id}", tag = "providers",
    params(("id" = String, Path, description = "provider id (its kind)")),
    request_body = ProviderUpdate,
    responses((status = 200, body = ProviderItem), (status = 404, body = crate::model::ErrorEnvelope),
        (status = 409, body = crate::model::ErrorEnvelope, description = "a locked (provisioned) field"),
        (status = 422, body = crate::model::ErrorEnvelope)))]
pub async fn put_provider(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<web::Json<ProviderItem>, ApiError> {
    let body: ProviderUpdate = read_json(&req, payload, state.config.max_body_bytes).await?;
    match state.providers.update(&path, &body.settings).await {
        Ok(item) => Ok(web::Json(item)),
        Err(UpdateError::NotFound(id)) => Err(ApiError::NotFound(format!("no provider {id}"))),
        Err(e @ UpdateError::Locked(_)) => Err(ApiError::Conflict(e.to_string())),
        Err(UpdateError::Invalid(fields)) => Err(ApiError::fields(fields)),
        Err(UpdateError::Db(e)) => Err(e.into()),
        Err(e @ UpdateError::Secret(_)) => Err(ApiError::Internal(e.to_string())),
    }
}

#[utoipa::path(post, path = "/api/v1/providers/{id}/check", tag = "providers",
    params(("id" = String, Path, description = "provider id (its kind)")),
    responses((status = 200, body = ProviderItem, description = "the provider with its readiness checked now"),
        (status = 404, body = crate::model::ErrorEnvelope)))]
pub async fn check_provider(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<web::Json<ProviderItem>, ApiError> {
    state
        .providers
        .get(&path)
        .await
        .map(web::Json)
        .ok_or_else(|| ApiError::NotFound(format!("no provider {path}")))
}

#[utoipa::path(post, path = "/api/v1/providers/{id}/self-test", tag = "providers",
    params(("id" = String, Path, description = "provider id (its kind)")),
    responses((status = 200, body = SelfTestResult, description = "the self-test ran (see `ok`); it spends a few tokens"),
        (status = 404, body = crate::model::ErrorEnvelope),
        (status = 422, body = crate::model::ErrorEnvelope, description = "not an API provider: the self-test applies to openai-compatible and anthropic")))]
pub async fn self_test_provider(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<web::Json<SelfTestResult>, ApiError> {
    let id = path.into_inner();
    if fields::spec(&id).is_none() {
        return Err(ApiError::NotFound(format!("no provider {id}")));
    }
    let Some(kind) = ApiKind::from_id(&id) else {
        return Err(ApiError::field(
            "id",
            "not_api_provider",
            format!(
                "the self-test applies to the API providers (openai-compatible, anthropic); {id} has its readiness at /api/v1/providers/{id}/check"
            ),
        ));
    };
    let settings = state.providers.runtime();
    Ok(web::Json(
        selftest::run(kind, kind.settings(&settings)).await,
    ))
}
