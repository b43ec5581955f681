//! The single writer: one thread owns the one write connection and applies every write.
//!
//! Callers submit closures ([`Writer::exec`]); the thread drains whatever is queued (up to a
//! weight limit) into one `BEGIN IMMEDIATE` transaction, runs each closure in its own savepoint
//! (so one bad command cannot spoil the batch), commits, and only then publishes the batch's
//! effects to the live hub and answers the callers. This removes "database is locked", gives each
//! run's events their `seq` strictly in order, and lets ingest approach SQLite's raw insert speed.

use std::collections::HashMap;
use std::sync::Arc;

use diesel::connection::Connection;
use diesel::sqlite::SqliteConnection;
use tokio::sync::{mpsc, oneshot};

use super::DbError;
use crate::live::{Hub, LiveEffect};

/// The most weight (≈ rows) one transaction takes before it commits.
pub const MAX_BATCH_WEIGHT: usize = 4096;
/// How many submissions may wait before submitters are slowed down (back-pressure).
const QUEUE_DEPTH: usize = 4096;

/// What a write closure may touch besides the connection: cached per-run sequence numbers and the
/// effects to publish after commit.
pub struct WriterCtx {
    /// The last assigned `seq` per run id, valid only while the transaction that read it commits.
    pub last_seq: HashMap<String, i64>,
    effects: Vec<LiveEffect>,
    observations: Vec<Observation>,
}

/// A duration to record in the metrics once the batch commits.
#[derive(Debug, Clone)]
pub enum Observation {
    /// A run reached `status` after `millis`.
    Run { status: String, millis: i64 },
    /// A stage finished after `millis`.
    Stage { name: String, millis: i64 },
}

impl WriterCtx {
    /// Queues an effect to publish after this batch commits (dropped if the command fails).
    pub fn publish(&mut self, effect: LiveEffect) {
        self.effects.push(effect);
    }

    /// Queues a duration for the metrics, recorded only if this batch commits.
    pub fn observe(&mut self, o: Observation) {
        self.observations.push(o);
    }
}

type Completion = Box<dyn FnOnce(Option<&str>) + Send>;
type OpFn = Box<dyn FnOnce(&mut SqliteConnection, &mut WriterCtx) -> Completion + Send>;

struct Op {
    run: OpFn,
    weight: usize,
}

/// Handle to the writer thread; cheap to clone.
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Op>,
    /// Dropped with the last handle; tells the checkpointer to stop.
    alive: Arc<()>,
}

impl Writer {
    /// Starts the writer thread on `conn`, publishing committed effects to `hub`.
    pub fn start(conn: SqliteConnection, hub: Hub) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
        std::thread::Builder::new()
            .name("db-writer".into())
            .spawn(move || run_loop(conn, rx, hub))
            .map_or_else(
                |e| tracing::error!(error = %e, "could not start the storage writer"),
                |_| (),
            );
        Self {
            tx,
            alive: Arc::new(()),
        }
    }

    /// A token that lives as long as any handle to this writer.
    #[must_use]
    pub fn liveness(&self) -> std::sync::Weak<()> {
        Arc::downgrade(&self.alive)
    }

    fn wrap<T, F>(f: F, weight: usize) -> (Op, oneshot::Receiver<Result<T, DbError>>)
    where
        T: Send + 'static,
        F: FnOnce(&mut SqliteConnection, &mut WriterCtx) -> Result<T, DbError> + Send + 'static,
    {
        let (reply, rx) = oneshot::channel();
        let run: OpFn = Box::new(move |conn, ctx| {
            let mark = ctx.effects.len();
            let observed = ctx.observations.len();
            // A savepoint per command: its failure rolls back only its own writes.
            let result = conn.transaction(|c| f(c, ctx));
            if result.is_err() {
                // Forget what the failed command published or cached; seqs reload from storage.
                ctx.effects.truncate(mark);
                ctx.observations.truncate(observed);
                ctx.last_seq.clear();
            }
            Box::new(move |commit_error: Option<&str>| {
                let answer = match commit_error {
                    None => result,
                    Some(e) => Err(DbError::Pool(format!("commit failed: {e}"))),
                };
                let _ = reply.send(answer);
            })
        });
        (Op { run, weight }, rx)
    }

    /// Runs `f` inside the writer's next transaction and returns its result after commit.
    /// `weight` is roughly the number of rows it writes (it bounds batch size).
    pub async fn exec<T, F>(&self, weight: usize, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut SqliteConnection, &mut WriterCtx) -> Result<T, DbError> + Send + 'static,
    {
        let (op, rx) = Self::wrap(f, weight);
        self.tx.send(op).await.map_err(|_| DbError::WriterGone)?;
        rx.await.map_err(|_| DbError::WriterGone)?
    }

    /// [`Writer::exec`] for synchronous callers (never call it from an async task).
    pub fn exec_blocking<T, F>(&self, weight: usize, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut SqliteConnection, &mut WriterCtx) -> Result<T, DbError> + Send + 'static,
    {
        let (op, rx) = Self::wrap(f, weight);
        self.tx.blocking_send(op).map_err(|_| DbError::WriterGone)?;
        rx.blocking_recv().map_err(|_| DbError::WriterGone)?
    }
}

fn run_loop(mut conn: SqliteConnection, mut rx: mpsc::Receiver<Op>, hub: Hub) {
    let mut ctx = WriterCtx {
        last_seq: HashMap::new(),
        effects: Vec::new(),
        observations: Vec::new(),
    };
    let metrics = hub.metrics().clone();
    while let Some(first) = rx.blocking_recv() {
        let mut weight = first.weight.max(1);
        let mut batch = vec![first];
        while weight < MAX_BATCH_WEIGHT {
            match rx.try_recv() {
                Ok(op) => {
                    weight += op.weight.max(1);
                    batch.push(op);
                }
                Err(_) => break,
            }
        }
        let mut completions: Vec<Completion> = Vec::with_capacity(batch.len());
        let size = batch.len();
        let started = std::time::Instant::now();
        let committed = conn.immediate_transaction(|c| {
            for op in batch {
                completions.push((op.run)(c, &mut ctx));
            }
            Ok::<_, diesel::result::Error>(())
        });
        let effects = std::mem::take(&mut ctx.effects);
        let observations = std::mem::take(&mut ctx.observations);
        match committed {
            Ok(()) => {
                record_commit(&metrics, size, started.elapsed(), &effects, observations);
                hub.apply(effects.into_iter().map(Arc::new));
                for done in completions {
                    done(None);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "storage batch failed to commit");
                metrics
                    .writer_failed_batches
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                ctx.last_seq.clear();
                let msg = e.to_string();
                for done in completions {
                    done(Some(&msg));
                }
            }
        }
    }
    tracing::debug!("storage writer stopped");
}

/// Counts a committed batch: its size and latency, the events it stored, the durations it closed.
fn record_commit(
    metrics: &crate::metrics::Metrics,
    size: usize,
    took: std::time::Duration,
    effects: &[LiveEffect],
    observations: Vec<Observation>,
) {
    use std::sync::atomic::Ordering::Relaxed;
    metrics.writer_batches.fetch_add(1, Relaxed);
    metrics.writer_batch_size.observe(size as f64);
    metrics.writer_commit_seconds.observe(took.as_secs_f64());
    let events: usize = effects
        .iter()
        .map(|e| match e {
            LiveEffect::Events { events, .. } => events.len(),
            _ => 0,
        })
        .sum();
    metrics.events_ingested.fetch_add(events as u64, Relaxed);
    for o in observations {
        match o {
            Observation::Run { status, millis } => metrics.observe_run(&status, millis),
            Observation::Stage { name, millis } => metrics.observe_stage(&name, millis),
        }
    }
}
