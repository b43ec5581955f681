//! A run's events: the list (`after`, `before`, `kind`, `stage`, `q`), server-side search, and the
//! streamed `log.txt` and `events.ndjson` downloads (constant memory: page by page from storage).

use actix_web::{HttpResponse, web};
use futures_util::stream;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::runs::run_id;
use super::{ApiError, AppState, params};
use crate::db::events::{self, EventFilter};
use crate::db::runs as run_queries;
use crate::model::{Event, EventSearch};

/// Events per storage read when streaming a download.
const DOWNLOAD_PAGE: i64 = 2000;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/runs/{id}/events", web::get().to(list_events))
        .route("/runs/{id}/events/search", web::get().to(search_events))
        .route("/runs/{id}/log.txt", web::get().to(log_text))
        .route("/runs/{id}/events.ndjson", web::get().to(events_ndjson));
}

/// A page of events, in seq order.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EventList {
    pub items: Vec<Event>,
    /// Forward paging: pass as `after` (or `cursor`). With `before` (backward paging): pass as
    /// `before`. Null when nothing more is stored in that direction.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventListQuery {
    #[param(value_type = Option<i64>)]
    pub after: Option<String>,
    #[param(value_type = Option<i64>)]
    pub before: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    /// Comma list of kinds.
    pub kind: Option<String>,
    pub stage: Option<String>,
    /// Text contained in the event.
    pub q: Option<String>,
    /// Same as `after`.
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventSearchQuery {
    pub q: Option<String>,
    /// Comma list of kinds.
    pub kind: Option<String>,
}

/// Checks that the run exists and still has its events; 404 or 410 otherwise.
pub async fn require_events(state: &AppState, raw: &str) -> Result<String, ApiError> {
    let id = run_id(raw)?.to_string();
    let key = id.clone();
    let row = state
        .db
        .read(move |c| run_queries::find_row(c, &key))
        .await?;
    match row {
        None => Err(ApiError::NotFound(format!("run {id} not found"))),
        Some(r) if !r.events_retained => Err(ApiError::Gone(format!(
            "the events of run {id} were removed by the retention policy"
        ))),
        Some(_) => Ok(id),
    }
}

#[utoipa::path(get, path = "/api/v1/runs/{id}/events", tag = "events",
    params(("id" = String, Path, description = "run id"), EventListQuery),
    responses((status = 200, body = EventList), (status = 404, body = crate::model::ErrorEnvelope),
        (status = 410, body = crate::model::ErrorEnvelope)))]
pub async fn list_events(
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<EventListQuery>,
) -> Result<web::Json<EventList>, ApiError> {
    let id = require_events(&state, &path).await?;
    let limit = params::limit(q.limit.as_deref())?;
    let after = match params::seq("after", q.after.as_deref())? {
        Some(a) => Some(a),
        None => params::seq("cursor", q.cursor.as_deref())?,
    };
    let filter = EventFilter {
        after,
        before: params::seq("before", q.before.as_deref())?,
        kinds: params::list("kind", q.kind.as_deref(), None)?,
        stage: params::text(q.stage.as_deref()),
        q: params::text(q.q.as_deref()),
    };
    let backwards = filter.before.is_some() && filter.after.is_none();
    let (items, more) = state
        .db
        .read(move |c| events::list(c, &id, &filter, limit))
        .await?;
    let next_cursor = if more {
        let edge = if backwards {
            items.first()
        } else {
            items.last()
        };
        edge.map(|e| e.seq.to_string())
    } else {
        None
    };
    Ok(web::Json(EventList { items, next_cursor }))
}

#[utoipa::path(get, path = "/api/v1/runs/{id}/events/search", tag = "events",
    params(("id" = String, Path, description = "run id"), EventSearchQuery),
    responses((status = 200, body = EventSearch), (status = 404, body = crate::model::ErrorEnvelope),
        (status = 410, body = crate::model::ErrorEnvelope), (status = 422, body = crate::model::ErrorEnvelope)))]
pub async fn search_events(
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<EventSearchQuery>,
) -> Result<web::Json<EventSearch>, ApiError> {
    let id = require_events(&state, &path).await?;
    let text = params::text(q.q.as_deref())
        .ok_or_else(|| ApiError::field("q", "required", "q is required"))?;
    let kinds = params::list("kind", q.kind.as_deref(), None)?;
    let (count, seqs) = state
        .db
        .read(move |c| events::search(c, &id, &text, &kinds))
        .await?;
    Ok(web::Json(EventSearch { count, seqs }))
}

/// Streams every event of a run, page by page, rendered by `render`.
fn stream_events(
    state: web::Data<AppState>,
    id: String,
    render: fn(&Event) -> String,
) -> impl futures_util::Stream<Item = Result<web::Bytes, ApiError>> {
    stream::unfold(Some(0_i64), move |after| {
        let state = state.clone();
        let id = id.clone();
        async move {
            let after = after?;
            let filter = EventFilter {
                after: Some(after),
                ..EventFilter::default()
            };
            match state
                .db
                .read(move |c| events::list(c, &id, &filter, DOWNLOAD_PAGE))
                .await
            {
                Ok((items, more)) if !items.is_empty() => {
                    let last = items.last().map_or(after, |e| e.seq);
                    let mut buf = String::new();
                    for e in &items {
                        buf.push_str(&render(e));
                    }
                    Some((Ok(web::Bytes::from(buf)), more.then_some(last)))
                }
                Ok(_) => None,
                Err(e) => Some((Err(ApiError::from(e)), None)),
            }
        }
    })
}

fn ndjson_line(e: &Event) -> String {
    let mut s = serde_json::to_string(e).unwrap_or_default();
    s.push('\n');
    s
}

#[utoipa::path(get, path = "/api/v1/runs/{id}/log.txt", tag = "events",
    params(("id" = String, Path, description = "run id")),
    responses((status = 200, content_type = "text/plain", body = String), (status = 404, body = crate::model::ErrorEnvelope),
        (status = 410, body = crate::model::ErrorEnvelope)))]
pub async fn log_text(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = require_events(&state, &path).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("inline; filename=\"run-{id}.log\""),
        ))
        .streaming(stream_events(state, id, events::as_text_line)))
}

#[utoipa::path(get, path = "/api/v1/runs/{id}/events.ndjson", tag = "events",
    params(("id" = String, Path, description = "run id")),
    responses((status = 200, content_type = "application/x-ndjson", body = String), (status = 404, body = crate::model::ErrorEnvelope),
        (status = 410, body = crate::model::ErrorEnvelope)))]
pub async fn events_ndjson(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = require_events(&state, &path).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/x-ndjson")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"run-{id}.ndjson\""),
        ))
        .streaming(stream_events(state, id, ndjson_line)))
}
