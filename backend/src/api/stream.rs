//! Server-sent event streams: a run's events (`/runs/{id}/events/stream`) with lossless resume,
//! and the worker-wide stream (`/stream`) of run, executor and health changes.
//!
//! Resume rule: subscribe to the hub first, replay `seq > last` from storage, then forward live
//! events with `seq == last + 1`. Anything unexpected — a lagging receiver, a gap, a closed
//! channel — goes back to replaying from storage, so a client never sees a gap or a duplicate.
//!
//! Frames are written by hand rather than through an SSE helper: each committed batch is encoded
//! once and shared by every follower, and whatever is waiting is coalesced into one write, so a
//! hundred followers cost little more than one.

use std::convert::Infallible;
use std::time::Duration;

use actix_web::http::header;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use serde::Deserialize;
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;
use utoipa::IntoParams;

use super::events::require_events;
use super::{ApiError, AppState, params};
use crate::db::events::{self, EventFilter};
use crate::db::runs;
use crate::live::{self, LiveEffect, RunMessage};
use crate::model::status;

/// Keep-alive comment period (the contract: at least every 15 s).
const KEEP_ALIVE: Duration = Duration::from_secs(10);
/// Events per storage read while replaying.
const REPLAY_PAGE: i64 = 1000;
/// Chunks buffered per client before the follower waits for the socket.
const CLIENT_BUFFER: usize = 64;
/// Live frames coalesced into one write at most.
const COALESCE_BYTES: usize = 256 * 1024;

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

/// An SSE response over the chunks a follower task sends. `Content-Encoding: identity` keeps the
/// compression middleware off; `X-Accel-Buffering: no` keeps proxies from buffering.
fn respond(rx: mpsc::Receiver<Bytes>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((header::CONTENT_ENCODING, "identity"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(ReceiverStream::new(rx).map(Ok::<_, Infallible>))
}

const KEEP_ALIVE_FRAME: &[u8] = b": keep-alive\n\n";
const RETRY_FRAME: &[u8] = b"retry: 2000\n\n";

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
) -> Result<HttpResponse, ApiError> {
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

/// What the live phase ended with.
enum Follow {
    Replay,
    Done,
}

async fn follow_run(
    state: std::sync::Arc<AppState>,
    run_id: String,
    mut last: i64,
    tx: mpsc::Sender<Bytes>,
) {
    let _client = state.hub.metrics().sse_client();
    let mut shutdown = state.hub.shutdown_signal();
    if *shutdown.borrow() || tx.send(Bytes::from_static(RETRY_FRAME)).await.is_err() {
        return;
    }
    loop {
        let mut live = state.hub.subscribe_run(&run_id);
        if !replay(&state, &run_id, &mut last, &tx).await {
            return;
        }
        let id = run_id.clone();
        let row = match state.db.read(move |c| runs::find_row(c, &id)).await {
            Ok(Some(row)) => row,
            _ => return,
        };
        if status::is_terminal(&row.status) && last >= row.last_event_seq {
            let _ = tx.send(end_frame(&row.status)).await;
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

/// Sends stored events after `last`, one chunk per page; false when the client went away.
async fn replay(state: &AppState, run_id: &str, last: &mut i64, tx: &mpsc::Sender<Bytes>) -> bool {
    loop {
        let filter = EventFilter {
            after: Some(*last),
            ..EventFilter::default()
        };
        let id = run_id.to_owned();
        let page = state
            .db
            .read(move |c| events::list(c, &id, &filter, REPLAY_PAGE))
            .await;
        let (items, more) = match page {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(run_id, error = %e, "stream replay failed");
                return false;
            }
        };
        if let Some(end) = items.last() {
            let end = end.seq;
            let mut buf = BytesMut::with_capacity(items.len() * 160);
            for e in &items {
                live::encode_event(&mut buf, e);
            }
            if tx.send(buf.freeze()).await.is_err() {
                return false;
            }
            *last = end;
        }
        if !more {
            return true;
        }
    }
}

/// What one live message means for a follower at `last`.
enum Step {
    /// Frames to send (possibly empty) and the new `last`.
    Send(Bytes, i64),
    End(Bytes),
    Replay,
    Ignore,
}

fn step(msg: &RunMessage, last: i64) -> Step {
    match &**msg {
        LiveEffect::Events { events, frames, .. } => {
            let (Some(first), Some(end)) = (events.first(), events.last()) else {
                return Step::Ignore;
            };
            if end.seq <= last {
                return Step::Ignore;
            }
            if first.seq > last + 1 {
                return Step::Replay;
            }
            // Skip the events the client already has; share the rest of the encoded batch.
            let skip = (last + 1 - first.seq) as usize;
            let f = live::frames_of(events, frames);
            let from = if skip == 0 { 0 } else { f.ends[skip - 1] };
            Step::Send(f.bytes.slice(from..), end.seq)
        }
        LiveEffect::Terminal {
            status, last_seq, ..
        } => {
            if last >= *last_seq {
                Step::End(end_frame(status))
            } else {
                Step::Replay
            }
        }
        LiveEffect::Run { .. } | LiveEffect::Worker { .. } => Step::Ignore,
    }
}

async fn forward_live(
    live: &mut broadcast::Receiver<RunMessage>,
    last: &mut i64,
    tx: &mpsc::Sender<Bytes>,
) -> Follow {
    loop {
        let first = tokio::select! {
            m = live.recv() => m,
            () = tokio::time::sleep(KEEP_ALIVE) => {
                if tx.send(Bytes::from_static(KEEP_ALIVE_FRAME)).await.is_err() {
                    return Follow::Done;
                }
                continue;
            }
        };
        let mut chunk = BytesMut::new();
        let mut pending_end: Option<Bytes> = None;
        let mut next = Some(first);
        while let Some(msg) = next.take() {
            match msg {
                Ok(m) => match step(&m, *last) {
                    Step::Send(bytes, new_last) => {
                        chunk.extend_from_slice(&bytes);
                        *last = new_last;
                    }
                    Step::End(frame) => {
                        pending_end = Some(frame);
                        break;
                    }
                    Step::Replay => {
                        let _ = send_chunk(tx, chunk).await;
                        return Follow::Replay;
                    }
                    Step::Ignore => {}
                },
                Err(
                    broadcast::error::RecvError::Lagged(_) | broadcast::error::RecvError::Closed,
                ) => {
                    let _ = send_chunk(tx, chunk).await;
                    return Follow::Replay;
                }
            }
            if chunk.len() < COALESCE_BYTES {
                next = match live.try_recv() {
                    Ok(m) => Some(Ok(m)),
                    Err(broadcast::error::TryRecvError::Empty) => None,
                    Err(broadcast::error::TryRecvError::Lagged(n)) => {
                        Some(Err(broadcast::error::RecvError::Lagged(n)))
                    }
                    Err(broadcast::error::TryRecvError::Closed) => {
                        Some(Err(broadcast::error::RecvError::Closed))
                    }
                };
            }
        }
        if !send_chunk(tx, chunk).await {
            return Follow::Done;
        }
        if let Some(end) = pending_end {
            let _ = tx.send(end).await;
            return Follow::Done;
        }
    }
}

/// Sends a non-empty chunk; false when the client went away.
async fn send_chunk(tx: &mpsc::Sender<Bytes>, chunk: BytesMut) -> bool {
    chunk.is_empty() || tx.send(chunk.freeze()).await.is_ok()
}

fn end_frame(run_status: &str) -> Bytes {
    live::named_frame(
        "end",
        &serde_json::json!({ "status": run_status }).to_string(),
    )
}

#[utoipa::path(get, path = "/api/v1/stream", tag = "events",
    responses((status = 200, content_type = "text/event-stream", body = String,
        description = "`resync` first, then `run.created`, `run.updated` (data: Run), `executor.updated`, `health.changed`")))]
pub async fn worker_stream(state: web::Data<AppState>) -> HttpResponse {
    let (tx, rx) = mpsc::channel(CLIENT_BUFFER);
    let mut live = state.hub.subscribe_worker();
    let mut shutdown = state.hub.shutdown_signal();
    let client = state.hub.metrics().sse_client();
    actix_web::rt::spawn(async move {
        let _client = client;
        let mut hello = BytesMut::from(RETRY_FRAME);
        hello.extend_from_slice(&resync());
        if tx.send(hello.freeze()).await.is_err() || *shutdown.borrow() {
            return;
        }
        loop {
            let msg = tokio::select! {
                _ = shutdown.changed() => return,
                () = tx.closed() => return,
                m = live.recv() => m,
                () = tokio::time::sleep(KEEP_ALIVE) => {
                    if tx.send(Bytes::from_static(KEEP_ALIVE_FRAME)).await.is_err() {
                        return;
                    }
                    continue;
                }
            };
            let frame = match msg {
                Ok(m) => match &*m {
                    LiveEffect::Run { run, created } => {
                        let name = if *created {
                            "run.created"
                        } else {
                            "run.updated"
                        };
                        live::named_frame(name, &serde_json::to_string(run).unwrap_or_default())
                    }
                    LiveEffect::Worker { event, data } => {
                        live::named_frame(event, &data.to_string())
                    }
                    LiveEffect::Events { .. } | LiveEffect::Terminal { .. } => continue,
                },
                Err(broadcast::error::RecvError::Lagged(_)) => resync(),
                Err(broadcast::error::RecvError::Closed) => return,
            };
            if tx.send(frame).await.is_err() {
                return;
            }
        }
    });
    respond(rx)
}

fn resync() -> Bytes {
    live::named_frame("resync", "{}")
}
