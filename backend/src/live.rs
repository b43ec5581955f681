//! The live hub: per-run and worker-wide broadcast of what the writer has committed.
//!
//! Only committed data is broadcast, so a client that subscribes first, replays from storage and
//! then follows the broadcast (skipping what it already has by `seq`) sees every event exactly
//! once. A subscriber that lags behind gets `Lagged` and falls back to storage; nobody waits for it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{broadcast, watch};

use crate::model::{Event, Run};

/// Capacity of each run's channel; a subscriber further behind than this replays from storage.
const RUN_CHANNEL_CAPACITY: usize = 4096;
const WORKER_CHANNEL_CAPACITY: usize = 1024;

/// Something the writer committed that live clients may want.
#[derive(Debug, Clone)]
pub enum LiveEffect {
    /// An event appended to a run.
    Event { run_id: String, event: Event },
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
            }),
        }
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
                LiveEffect::Event { run_id, .. } => {
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
