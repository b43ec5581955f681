//! `GET/PUT /api/v1/settings` (runtime settings: partial, atomic updates; locked names 409,
//! invalid values 422, then nothing changes) and `GET /api/v1/settings/history`.

use std::collections::{BTreeMap, BTreeSet};

use actix_web::{HttpRequest, web};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::error::ApiError;
use super::{AppState, body, params};
use crate::db::settings::{self as store, Change, HistoryEntry};
use crate::jobspec::FieldError;
use crate::settings::layers::{self, SettingView};
use crate::settings::registry;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/settings", web::get().to(get_settings))
        .route("/settings", web::put().to(put_settings))
        .route("/settings/history", web::get().to(get_history));
}

/// Every runtime setting by name.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SettingsDoc {
    #[schema(value_type = Object)]
    pub settings: BTreeMap<String, Value>,
}

/// A page of the settings history, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SettingsHistory {
    pub items: Vec<HistoryEntry>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct HistoryQuery {
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

async fn current(state: &AppState) -> Result<SettingsDoc, ApiError> {
    let stored: BTreeSet<String> = store::load(&state.db)
        .await?
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    let views: BTreeMap<String, SettingView> = layers::views(
        &state.settings.get(),
        &stored,
        &state.config.setting_sources,
    );
    let settings = views
        .into_iter()
        .map(|(n, v)| (n, serde_json::to_value(v).unwrap_or(Value::Null)))
        .collect();
    Ok(SettingsDoc { settings })
}

#[utoipa::path(get, path = "/api/v1/settings", tag = "settings",
    responses((status = 200, body = SettingsDoc)))]
pub async fn get_settings(state: web::Data<AppState>) -> Result<web::Json<SettingsDoc>, ApiError> {
    Ok(web::Json(current(&state).await?))
}

/// Who makes a change: the token's id when the worker has a token (the guard checked it), else
/// `loopback` (a worker without a token only listens on loopback).
fn who(state: &AppState) -> String {
    state
        .config
        .auth_token
        .as_deref()
        .map_or_else(|| "loopback".to_owned(), crate::security::token::token_id)
}

#[utoipa::path(put, path = "/api/v1/settings", tag = "settings",
    request_body(content = Object, description = "{\"<name>\": value, …}: partial and atomic"),
    responses((status = 200, body = SettingsDoc), (status = 409, body = crate::model::ErrorEnvelope),
        (status = 422, body = crate::model::ErrorEnvelope)))]
pub async fn put_settings(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<web::Json<SettingsDoc>, ApiError> {
    let changes: Map<String, Value> =
        body::read_json(&req, payload, state.config.max_body_bytes).await?;
    let locked: Vec<&str> = changes
        .keys()
        .map(String::as_str)
        .filter(|n| registry::NAMES.contains(n))
        .filter(|n| layers::is_locked(n, &state.config.setting_sources))
        .collect();
    if !locked.is_empty() {
        return Err(ApiError::Conflict(format!(
            "locked settings cannot be changed (provisioned by flag or environment): {}",
            locked.join(", ")
        )));
    }
    let edit = state.settings.edit_lock().await;
    let before = state.settings.get();
    let mut after = before.clone();
    let mut errors = Vec::new();
    for (name, value) in &changes {
        if let Err(e) = registry::set(&mut after, name, value) {
            errors.push(FieldError::new(name, e.code(), e.to_string()));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::fields(errors));
    }
    let normalized: Vec<Change> = changes
        .keys()
        .map(|name| Change {
            name: name.clone(),
            old: registry::value(&before, name),
            new: registry::value(&after, name),
        })
        .collect();
    store::store(&state.db, normalized.clone(), who(&state)).await?;
    state.settings.update(|s| {
        for ch in &normalized {
            // Validated above against the same settings, so this cannot fail.
            let _ = registry::set(s, &ch.name, &ch.new);
        }
    });
    drop(edit);
    Ok(web::Json(current(&state).await?))
}

#[utoipa::path(get, path = "/api/v1/settings/history", tag = "settings",
    params(("limit" = Option<i64>, Query, description = "1–500, default 50"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, body = SettingsHistory)))]
pub async fn get_history(
    state: web::Data<AppState>,
    q: web::Query<HistoryQuery>,
) -> Result<web::Json<SettingsHistory>, ApiError> {
    let limit = params::limit(q.limit.as_deref())?;
    let before = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => Some(c.parse::<i64>().map_err(|_| {
            ApiError::field("cursor", "invalid", "cursor is not one this API issued")
        })?),
    };
    let items = store::history(&state.db, limit, before).await?;
    let next_cursor = if items.len() as i64 == limit {
        items.last().map(|e| e.id.to_string())
    } else {
        None
    };
    Ok(web::Json(SettingsHistory { items, next_cursor }))
}
