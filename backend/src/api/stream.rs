//! Server-sent event streams: a run's events (`/runs/{id}/events/stream`) with lossless resume,
//! and the worker-wide stream (`/stream`) of run, executor and health changes.
//!
//! Resume rule: subscribe to the hub first, replay `seq > last` from storage, then forward live
//! events with `seq == last + 1`. Anything unexpected — a lagging receiver, a gap, a closed
//! channel — goes back to replaying from storage, so a client never sees a gap or a duplicate.

use std::time::Duration;

use actix_web::{HttpRequest, Responder, web};
use actix_web_lab::sse;
use serde::Deserialize;
use tokio::sync::{broadcast, mpsc};
use utoipa::IntoParams;

use super::events::require_events;
use super::{ApiError, AppState, params};
use crate::db::events::{self, EventFilter};
use crate::db::runs;
use crate::live::LiveEffect;
use crate::model::status;

/// Keep-alive comment period (the contract: at least every 15 s).
const KEEP_ALIVE: Duration = Duration::from_secs(10);
/// Events per storage read while replaying.
const REPLAY_PAGE: i64 = 1000;
/// Messages buffered per client before the follower waits for the socket.
const CLIENT_BUFFER: usize = 512;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/runs/{id}/events/stream", web::get().to(run_stream))
        .route("/stream", web::get().to(worker_stream));
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StreamQuery {
    /// Resume after this seq (the `Last-Event-ID` header wins when both are given).
    #[param(value_type = Option<i64>)]
    pub after: Option<String>,
}

fn respond(rx: mpsc::Receiver<sse::Event>) -> impl Responder {
    sse::Sse::from_infallible_receiver(rx)
        .with_keep_alive(KEEP_ALIVE)
        .with_retry_duration(Duration::from_secs(2))
        .customize()
        .insert_header(("X-Accel-Buffering", "no"))
}

#[utoipa::path(get, path = "/api/v1/runs/{id}/events/stream", tag = "events",
    params(("id" = String, Path, description = "run id"), StreamQuery,
        ("Last-Event-ID" = Option<i64>, Header, description = "resume after this seq")),
    responses((status = 200, content_type = "text/event-stream", body = String,
        description = "`event: run-event` messages with `id: <seq>`, then `event: end`"),
        (status = 404, body = crate::model::ErrorEnvelope), (status = 410, body = crate::model::ErrorEnvelope)))]
pub async fn run_stream(
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<StreamQuery>,
    req: HttpRequest,
) -> Result<impl Responder, ApiError> {
    let id = require_events(&state, &path).await?;
    let header = req
        .headers()
        .get("Last-Event-ID")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let after = match params::seq("Last-Event-ID", header.as_deref())? {
        Some(s) => s,
        None => params::seq("after", q.after.as_deref())?.unwrap_or(0),
    };
    let (tx, rx) = mpsc::channel(CLIENT_BUFFER);
    actix_web::rt::spawn(follow_run(state.into_inner(), id, after, tx));
    Ok(respond(rx))
}

/// Why a follower stopped following live messages.
enum Follow {
    Replay,
    Done,
}

async fn follow_run(
    state: std::sync::Arc<AppState>,
    run_id: String,
    mut last: i64,
    tx: mpsc::Sender<sse::Event>,
) {
    let mut shutdown = state.hub.shutdown_signal();
    if *shutdown.borrow() {
        return;
    }
    loop {
        let mut live = state.hub.subscribe_run(&run_id);
        match replay(&state, &run_id, &mut last, &tx).await {
            Ok(true) => {}
            Ok(false) | Err(()) => return,
        }
        let id = run_id.clone();
        let row = match state.db.read(move |c| runs::find_row(c, &id)).await {
            Ok(Some(row)) => row,
            _ => return,
        };
        if status::is_terminal(&row.status) && last >= row.last_event_seq {
            let _ = tx.send(end_event(&row.status)).await;
            return;
        }
        let outcome = tokio::select! {
            _ = shutdown.changed() => Follow::Done,
            () = tx.closed() => Follow::Done,
            f = forward_live(&mut live, &mut last, &tx) => f,
        };
        if matches!(outcome, Follow::Done) {
            return;
        }
    }
}

/// Sends stored events after `last`; `Ok(false)` when the client went away.
async fn replay(
    state: &AppState,
    run_id: &str,
    last: &mut i64,
    tx: &mpsc::Sender<sse::Event>,
) -> Result<bool, ()> {
    loop {
        let filter = EventFilter {
            after: Some(*last),
            ..EventFilter::default()
        };
        let id = run_id.to_owned();
        let (items, more) = state
            .db
            .read(move |c| events::list(c, &id, &filter, REPLAY_PAGE))
            .await
            .map_err(|e| tracing::warn!(run_id, error = %e, "stream replay failed"))?;
        for e in items {
            let seq = e.seq;
            if tx.send(run_event(&e)).await.is_err() {
                return Ok(false);
            }
            *last = seq;
        }
        if !more {
            return Ok(true);
        }
    }
}

async fn forward_live(
    live: &mut broadcast::Receiver<crate::live::RunMessage>,
    last: &mut i64,
    tx: &mpsc::Sender<sse::Event>,
) -> Follow {
    loop {
        match live.recv().await {
            Ok(msg) => match &*msg {
                LiveEffect::Event { event, .. } => {
                    if event.seq <= *last {
                        continue;
                    }
                    if event.seq != *last + 1 {
                        return Follow::Replay;
                    }
                    if tx.send(run_event(event)).await.is_err() {
                        return Follow::Done;
                    }
                    *last = event.seq;
                }
                LiveEffect::Terminal {
                    status, last_seq, ..
                } => {
                    if *last >= *last_seq {
                        let _ = tx.send(end_event(status)).await;
                        return Follow::Done;
                    }
                    return Follow::Replay;
                }
                LiveEffect::Run { .. } | LiveEffect::Worker { .. } => {}
            },
            Err(broadcast::error::RecvError::Lagged(_) | broadcast::error::RecvError::Closed) => {
                return Follow::Replay;
            }
        }
    }
}

fn run_event(e: &crate::model::Event) -> sse::Event {
    let data = serde_json::to_string(e).unwrap_or_default();
    sse::Event::Data(
        sse::Data::new(data)
            .id(e.seq.to_string())
            .event("run-event"),
    )
}

fn end_event(run_status: &str) -> sse::Event {
    sse::Event::Data(
        sse::Data::new(serde_json::json!({ "status": run_status }).to_string()).event("end"),
    )
}

#[utoipa::path(get, path = "/api/v1/stream", tag = "events",
    responses((status = 200, content_type = "text/event-stream", body = String,
        description = "`resync` first, then `run.created`, `run.updated` (data: Run), `executor.updated`, `health.changed`")))]
pub async fn worker_stream(state: web::Data<AppState>) -> impl Responder {
    let (tx, rx) = mpsc::channel(CLIENT_BUFFER);
    let mut live = state.hub.subscribe_worker();
    let mut shutdown = state.hub.shutdown_signal();
    actix_web::rt::spawn(async move {
        if tx.send(resync()).await.is_err() || *shutdown.borrow() {
            return;
        }
        loop {
            let msg = tokio::select! {
                _ = shutdown.changed() => return,
                () = tx.closed() => return,
                m = live.recv() => m,
            };
            let event = match msg {
                Ok(m) => match &*m {
                    LiveEffect::Run { run, created } => {
                        let name = if *created {
                            "run.created"
                        } else {
                            "run.updated"
                        };
                        sse::Data::new(serde_json::to_string(run).unwrap_or_default()).event(name)
                    }
                    LiveEffect::Worker { event, data } => {
                        sse::Data::new(data.to_string()).event(*event)
                    }
                    LiveEffect::Event { .. } | LiveEffect::Terminal { .. } => continue,
                },
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    if tx.send(resync()).await.is_err() {
                        return;
                    }
                    continue;
                }
                Err(broadcast::error::RecvError::Closed) => return,
            };
            if tx.send(sse::Event::Data(event)).await.is_err() {
                return;
            }
        }
    });
    respond(rx)
}

fn resync() -> sse::Event {
    sse::Event::Data(sse::Data::new("{}").event("resync"))
}
