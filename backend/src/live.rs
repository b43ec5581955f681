//! The live hub: per-run and worker-wide broadcast of what the writer has committed.
//!
//! Only committed data is broadcast, so a client that subscribes first, replays from storage and
//! then follows the broadcast (skipping what it already has by `seq`) sees every event exactly
//! once. A subscriber that lags behind gets `Lagged` and falls back to storage; nobody waits for it.
//!
//! Events travel as one message per committed batch, and each batch is encoded as SSE frames
//! once — by whichever follower needs it first — and shared by every client.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use actix_web::web::{Bytes, BytesMut};
use tokio::sync::{broadcast, watch};

use crate::model::{Event, Run};

/// Capacity of each run's channel (in batches); a subscriber further behind replays from storage.
const RUN_CHANNEL_CAPACITY: usize = 8192;
const WORKER_CHANNEL_CAPACITY: usize = 1024;

/// A batch of events encoded as SSE frames, with where each event's frame ends.
#[derive(Debug)]
pub struct Frames {
    pub bytes: Bytes,
    pub ends: Vec<usize>,
}

/// Something the writer committed that live clients may want.
#[derive(Debug)]
pub enum LiveEffect {
    /// Events appended to a run, consecutive seqs, in order.
    Events {
        run_id: String,
        events: Vec<Event>,
        frames: OnceLock<Frames>,
    },
    /// A run was created or changed (carries the whole Run as the API serves it).
    Run { run: Box<Run>, created: bool },
    /// A run reached a terminal status; every event up to `last_seq` was published before this.
    Terminal {
        run_id: String,
        status: String,
        last_seq: i64,
    },
    /// A worker-wide message with its own SSE event name (`executor.updated`, `health.changed`).
    Worker {
        event: &'static str,
        data: serde_json::Value,
    },
}

impl LiveEffect {
    /// An events message for a batch.
    #[must_use]
    pub fn events(run_id: String, events: Vec<Event>) -> Self {
        Self::Events {
            run_id,
            events,
            frames: OnceLock::new(),
        }
    }
}

/// Appends one run event as an SSE frame (`id`, `event: run-event`, `data`).
pub fn encode_event(buf: &mut BytesMut, e: &Event) {
    let json = serde_json::to_string(e).unwrap_or_default();
    buf.extend_from_slice(b"id: ");
    buf.extend_from_slice(e.seq.to_string().as_bytes());
    buf.extend_from_slice(b"\nevent: run-event\ndata: ");
    buf.extend_from_slice(json.as_bytes());
    buf.extend_from_slice(b"\n\n");
}

/// One named SSE frame whose data is a single line of JSON.
#[must_use]
pub fn named_frame(event: &str, json: &str) -> Bytes {
    let mut buf = BytesMut::with_capacity(json.len() + event.len() + 16);
    buf.extend_from_slice(b"event: ");
    buf.extend_from_slice(event.as_bytes());
    buf.extend_from_slice(b"\ndata: ");
    buf.extend_from_slice(json.as_bytes());
    buf.extend_from_slice(b"\n\n");
    buf.freeze()
}

/// The SSE frames of an events batch (encoded once, shared by all followers).
pub fn frames_of<'a>(events: &[Event], cell: &'a OnceLock<Frames>) -> &'a Frames {
    cell.get_or_init(|| {
        let mut buf = BytesMut::with_capacity(events.len() * 160);
        let mut ends = Vec::with_capacity(events.len());
        for e in events {
            encode_event(&mut buf, e);
            ends.push(buf.len());
        }
        Frames {
            bytes: buf.freeze(),
            ends,
        }
    })
}

/// A message on a run's channel.
pub type RunMessage = Arc<LiveEffect>;

#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

struct Inner {
    runs: Mutex<HashMap<String, broadcast::Sender<RunMessage>>>,
    worker: broadcast::Sender<RunMessage>,
    shutdown: watch::Sender<bool>,
    metrics: Arc<crate::metrics::Metrics>,
}

impl Default for Hub {
    fn default() -> Self {
        Self::new()
    }
}

impl Hub {
    #[must_use]
    pub fn new() -> Self {
        let (worker, _) = broadcast::channel(WORKER_CHANNEL_CAPACITY);
        let (shutdown, _) = watch::channel(false);
        Self {
            inner: Arc::new(Inner {
                runs: Mutex::new(HashMap::new()),
                worker,
                shutdown,
                metrics: Arc::new(crate::metrics::Metrics::new()),
            }),
        }
    }

    /// The process counters that the writer and the streams bump (served by `/metrics`).
    #[must_use]
    pub fn metrics(&self) -> &Arc<crate::metrics::Metrics> {
        &self.inner.metrics
    }

    /// Subscribes to one run's events and terminal message.
    #[must_use]
    pub fn subscribe_run(&self, run_id: &str) -> broadcast::Receiver<RunMessage> {
        let mut runs = self
            .inner
            .runs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        runs.entry(run_id.to_owned())
            .or_insert_with(|| broadcast::channel(RUN_CHANNEL_CAPACITY).0)
            .subscribe()
    }

    /// Subscribes to worker-wide messages (run created/updated, executors, health).
    #[must_use]
    pub fn subscribe_worker(&self) -> broadcast::Receiver<RunMessage> {
        self.inner.worker.subscribe()
    }

    /// Publishes committed effects, in commit order.
    pub fn apply(&self, effects: impl Iterator<Item = RunMessage>) {
        let mut runs = self
            .inner
            .runs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for effect in effects {
            match &*effect {
                LiveEffect::Events { run_id, .. } => {
                    if let Some(tx) = runs.get(run_id)
                        && tx.send(effect.clone()).is_err()
                    {
                        runs.remove(run_id);
                    }
                }
                LiveEffect::Terminal { run_id, .. } => {
                    if let Some(tx) = runs.remove(run_id) {
                        let _ = tx.send(effect.clone());
                    }
                }
                LiveEffect::Run { .. } | LiveEffect::Worker { .. } => {
                    let _ = self.inner.worker.send(effect.clone());
                }
            }
        }
    }

    /// Publishes a worker-wide message that does not come from the writer.
    pub fn publish_worker(&self, event: &'static str, data: serde_json::Value) {
        let _ = self
            .inner
            .worker
            .send(Arc::new(LiveEffect::Worker { event, data }));
    }

    /// A receiver that turns `true` when the server shuts down (streams end then).
    #[must_use]
    pub fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.inner.shutdown.subscribe()
    }

    /// Tells every live stream to end.
    pub fn shut_down(&self) {
        self.inner.shutdown.send_replace(true);
    }
}
