//! Running one child process for a run: its own process group, a scrubbed environment, output
//! read line by line into `log` events (partial lines flushed after a pause, long lines capped,
//! invalid UTF-8 replaced, secrets redacted), a timeout, cancellation, the run's output budget,
//! and a `command.started`/`command.finished` pair with a row in the run's commands.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::sync::{Notify, mpsc, watch};

use super::redact::Redactor;
use crate::ids::RunId;
use crate::sink::{CommandEnd, CommandStart, EventSink, NewEvent, SinkError};

/// A partial line is flushed after this long without a newline.
const PARTIAL_FLUSH: Duration = Duration::from_millis(200);
/// Longest line kept; the rest of it is replaced by a marker.
pub const MAX_LINE_BYTES: usize = 16 * 1024;
/// Output events are appended at least this often while a process runs.
const BATCH_INTERVAL: Duration = Duration::from_millis(40);
const BATCH_MAX: usize = 500;
/// Time between TERM and KILL when stopping a process group (well inside the 2 s cancel contract).
const KILL_GRACE: Duration = Duration::from_millis(700);
/// Bytes of output kept as a command's tail.
const TAIL_BYTES: usize = 4096;
/// Bytes of output kept for a repair prompt's validation output.
const COMBINED_BYTES: usize = 64 * 1024;

/// Why a run is being stopped from outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    None,
    Cancelled,
    Shutdown,
}

/// The run's output budget (`output_limit_bytes_per_run`).
#[derive(Debug)]
pub struct OutputBudget {
    used: AtomicU64,
    limit: u64,
    exceeded: AtomicBool,
    notify: Notify,
}

impl OutputBudget {
    #[must_use]
    pub fn new(limit: u64) -> Self {
        Self {
            used: AtomicU64::new(0),
            limit,
            exceeded: AtomicBool::new(false),
            notify: Notify::new(),
        }
    }

    /// Counts bytes; returns false once the limit is passed.
    fn spend(&self, bytes: usize) -> bool {
        let used = self.used.fetch_add(bytes as u64, Ordering::Relaxed) + bytes as u64;
        if self.limit > 0 && used > self.limit {
            if !self.exceeded.swap(true, Ordering::Relaxed) {
                self.notify.notify_waiters();
            }
            return false;
        }
        true
    }

    #[must_use]
    pub fn exceeded(&self) -> bool {
        self.exceeded.load(Ordering::Relaxed)
    }
}

/// What every stage of a run needs to record and control its processes.
#[derive(Clone)]
pub struct RunCtx {
    pub run_id: RunId,
    pub sink: Arc<dyn EventSink>,
    pub redactor: Arc<Redactor>,
    pub stop: watch::Receiver<Stop>,
    pub budget: Arc<OutputBudget>,
    /// Environment every process of the run gets (on top of the scrubbed base).
    pub env: Vec<(String, String)>,
    /// Tokens and cost the run's provider steps reported so far.
    pub usage: Arc<std::sync::Mutex<crate::providers::usage::RunUsage>>,
}

impl RunCtx {
    /// Why the run is being stopped, if it is.
    #[must_use]
    pub fn stopping(&self) -> Stop {
        *self.stop.borrow()
    }

    /// Appends events, redacting their text first.
    pub async fn emit(&self, mut events: Vec<NewEvent>) -> Result<(), SinkError> {
        for e in &mut events {
            if let Some(t) = &e.text {
                e.text = Some(self.redactor.redact(t));
            }
        }
        self.sink.append(self.run_id, events).await.map(|_| ())
    }

    /// One `log` event from the worker itself.
    pub async fn note(
        &self,
        stage: &str,
        attempt: i32,
        text: impl Into<String>,
    ) -> Result<(), SinkError> {
        self.emit(vec![NewEvent::log(
            stage, attempt, "stdout", "worker", text,
        )])
        .await
    }
}

/// One process to run.
#[derive(Debug, Clone)]
pub struct ProcessSpec {
    pub argv: Vec<String>,
    pub cwd: PathBuf,
    pub env: Vec<(String, String)>,
    pub stdin: Option<Vec<u8>>,
    pub timeout: Duration,
    pub stage: String,
    pub attempt: i32,
    /// `worker` or `provider` (the commands table's `source`).
    pub source: &'static str,
    /// `data.source` of its log events: `provider`, `setup`, `validation`, `review`, `worker`.
    pub log_source: &'static str,
    /// Keep stdout (up to 64 MiB) for the caller instead of emitting it as events.
    pub capture_stdout: bool,
    /// Send stdout's whole lines (redacted, counted against the output budget) here instead of
    /// emitting them as `log` events: a CLI provider parses its JSON stream from them.
    pub stdout_lines: Option<mpsc::Sender<String>>,
}

/// How a process ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    Exited(Option<i32>),
    TimedOut,
    Stopped(Stop),
    OutputLimit,
    SpawnFailed(String),
}

/// The result of running a process.
#[derive(Debug, Clone)]
pub struct ProcessOutcome {
    pub ended: Ended,
    pub duration_ms: i64,
    /// The last bytes of output (redacted).
    pub tail: String,
    /// Up to 64 KiB of the end of the output (redacted), for repair prompts.
    pub output: String,
    /// Captured stdout when `capture_stdout` was set.
    pub stdout: Vec<u8>,
}

impl ProcessOutcome {
    #[must_use]
    pub fn success(&self) -> bool {
        self.ended == Ended::Exited(Some(0))
    }

    /// A short description for reasons and summaries.
    #[must_use]
    pub fn describe(&self) -> String {
        match &self.ended {
            Ended::Exited(Some(c)) => format!("exited {c}"),
            Ended::Exited(None) => "was killed by a signal".into(),
            Ended::TimedOut => "timed out".into(),
            Ended::Stopped(Stop::Cancelled) => "was cancelled".into(),
            Ended::Stopped(_) => "was stopped".into(),
            Ended::OutputLimit => "exceeded the run's output limit".into(),
            Ended::SpawnFailed(e) => format!("could not start: {e}"),
        }
    }
}

/// Longest stdout line handed to a line consumer (a CLI's JSON event, e.g. a large file read);
/// anything longer is cut and marked, which its parser then reads as a plain log line.
pub const MAX_JSON_LINE_BYTES: usize = 8 << 20;

/// Errors recording a process (storage went away); the process itself is always cleaned up.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    #[error("recording the command failed: {0}")]
    Sink(#[from] SinkError),
}

/// The environment every child gets: a minimal base from the worker's own (never its secrets).
fn base_env() -> Vec<(String, String)> {
    let mut env = Vec::new();
    for name in [
        "PATH",
        "HOME",
        "USER",
        "LOGNAME",
        "LANG",
        "LC_ALL",
        "TMPDIR",
        "TZ",
        "SSH_AUTH_SOCK",
    ] {
        if let Ok(v) = std::env::var(name) {
            env.push((name.to_owned(), v));
        }
    }
    if !env.iter().any(|(k, _)| k == "PATH") {
        env.push(("PATH".into(), "/usr/local/bin:/usr/bin:/bin".into()));
    }
    env.push(("GIT_TERMINAL_PROMPT".into(), "0".into()));
    env
}

struct Chunk {
    stream: &'static str,
    text: String,
    partial: bool,
}

/// Sends TERM to the group, waits a grace period for the leader, then KILLs the group.
async fn stop_group(pgid: i32, child: &mut tokio::process::Child) {
    let _ = killpg(Pid::from_raw(pgid), Signal::SIGTERM);
    if tokio::time::timeout(KILL_GRACE, child.wait())
        .await
        .is_err()
    {
        let _ = killpg(Pid::from_raw(pgid), Signal::SIGKILL);
        let _ = child.wait().await;
    }
}

/// Runs a process to completion (or timeout, cancel, output limit) and records it.
pub async fn run(ctx: &RunCtx, mut spec: ProcessSpec) -> Result<ProcessOutcome, ProcessError> {
    let started = Instant::now();
    let line_consumer = spec.stdout_lines.take();
    let mut stop = ctx.stop.clone();
    let mut command = tokio::process::Command::new(&spec.argv[0]);
    command
        .args(&spec.argv[1..])
        .current_dir(&spec.cwd)
        .env_clear()
        .envs(base_env())
        .envs(ctx.env.iter().cloned())
        .envs(spec.env.iter().cloned())
        .stdin(if spec.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    let spawned = if *stop.borrow() == Stop::None {
        command.spawn().map_err(|e| e.to_string())
    } else {
        Err("the run is stopping".to_owned())
    };
    let pid = spawned.as_ref().ok().and_then(tokio::process::Child::id);
    let cmd_id = ctx
        .sink
        .command_started(
            ctx.run_id,
            CommandStart {
                source: spec.source.to_owned(),
                stage: spec.stage.clone(),
                attempt: spec.attempt,
                argv: spec.argv.iter().map(|a| ctx.redactor.redact(a)).collect(),
                cwd: Some(spec.cwd.display().to_string()),
                pid,
                purpose: Some(spec.log_source.to_owned()),
            },
        )
        .await?;
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) => {
            let msg = format!("could not start {}: {e}", spec.argv[0]);
            ctx.emit(vec![NewEvent::log(
                &spec.stage,
                spec.attempt,
                "stderr",
                spec.log_source,
                msg.clone(),
            )])
            .await?;
            ctx.sink
                .command_finished(
                    ctx.run_id,
                    cmd_id,
                    CommandEnd {
                        exit_code: None,
                        timed_out: false,
                        duration_ms: started.elapsed().as_millis() as i64,
                        output_tail: Some(msg.clone()),
                    },
                )
                .await?;
            return Ok(ProcessOutcome {
                ended: Ended::SpawnFailed(e),
                duration_ms: started.elapsed().as_millis() as i64,
                tail: msg.clone(),
                output: msg,
                stdout: Vec::new(),
            });
        }
    };
    let pgid = pid.map_or(0, |p| p as i32);
    tracing::debug!(run_id = %ctx.run_id, pid = pgid, argv = ?spec.argv, "process started");

    if let (Some(input), Some(mut stdin)) = (spec.stdin.clone(), child.stdin.take()) {
        tokio::spawn(async move {
            let _ = stdin.write_all(&input).await;
            let _ = stdin.shutdown().await;
        });
    }
    let (tx, rx) = mpsc::channel::<Chunk>(1024);
    let captured = Arc::new(tokio::sync::Mutex::new(Vec::new()));
    let mut readers = Vec::new();
    if let Some(out) = child.stdout.take() {
        if let Some(consumer) = line_consumer {
            readers.push(tokio::spawn(send_lines(
                out,
                consumer,
                ctx.redactor.clone(),
                ctx.budget.clone(),
            )));
        } else if spec.capture_stdout {
            let buf = captured.clone();
            readers.push(tokio::spawn(async move {
                let mut out = out;
                let mut data = Vec::new();
                let mut chunk = [0_u8; 16384];
                while let Ok(n) = out.read(&mut chunk).await {
                    if n == 0 {
                        break;
                    }
                    if data.len() < 64 << 20 {
                        data.extend_from_slice(&chunk[..n]);
                    }
                }
                *buf.lock().await = data;
            }));
        } else {
            readers.push(tokio::spawn(read_lines(
                out,
                "stdout",
                tx.clone(),
                ctx.redactor.clone(),
            )));
        }
    }
    if let Some(err) = child.stderr.take() {
        readers.push(tokio::spawn(read_lines(
            err,
            "stderr",
            tx.clone(),
            ctx.redactor.clone(),
        )));
    }
    drop(tx);
    let collector = tokio::spawn(collect(
        ctx.clone(),
        spec.stage.clone(),
        spec.attempt,
        (spec.log_source, cmd_id),
        rx,
    ));

    let budget = ctx.budget.clone();
    let over_budget = budget.notify.notified();
    tokio::pin!(over_budget);
    let ended = if budget.exceeded() {
        stop_group(pgid, &mut child).await;
        Ended::OutputLimit
    } else {
        tokio::select! {
            status = child.wait() => Ended::Exited(status.ok().and_then(|s| s.code())),
            () = tokio::time::sleep(spec.timeout) => {
                stop_group(pgid, &mut child).await;
                Ended::TimedOut
            }
            reason = wait_stop(&mut stop) => {
                stop_group(pgid, &mut child).await;
                Ended::Stopped(reason)
            }
            () = &mut over_budget => {
                stop_group(pgid, &mut child).await;
                Ended::OutputLimit
            }
        }
    };
    // Whatever the leader did, nothing of its group may outlive it.
    if pgid > 0 {
        let _ = killpg(Pid::from_raw(pgid), Signal::SIGKILL);
    }
    for r in readers {
        let abort = r.abort_handle();
        if tokio::time::timeout(Duration::from_secs(2), r)
            .await
            .is_err()
        {
            abort.abort();
        }
    }
    let (tail, output) = collector.await.unwrap_or_default();
    let ended = if matches!(ended, Ended::Exited(_)) && budget.exceeded() {
        Ended::OutputLimit
    } else {
        ended
    };
    let duration_ms = started.elapsed().as_millis() as i64;
    let exit_code = match &ended {
        Ended::Exited(c) => *c,
        _ => None,
    };
    ctx.sink
        .command_finished(
            ctx.run_id,
            cmd_id,
            CommandEnd {
                exit_code,
                timed_out: ended == Ended::TimedOut,
                duration_ms,
                output_tail: Some(tail.clone()),
            },
        )
        .await?;
    let stdout = std::mem::take(&mut *captured.lock().await);
    Ok(ProcessOutcome {
        ended,
        duration_ms,
        tail,
        output,
        stdout,
    })
}

async fn wait_stop(stop: &mut watch::Receiver<Stop>) -> Stop {
    loop {
        let now = *stop.borrow_and_update();
        if now != Stop::None {
            return now;
        }
        if stop.changed().await.is_err() {
            // The run's controller is gone: treat as a shutdown.
            std::future::pending::<()>().await;
        }
    }
}

/// Splits the valid UTF-8 prefix from an incomplete trailing sequence (kept for the next read).
fn utf8_split(buf: &[u8]) -> usize {
    match std::str::from_utf8(buf) {
        Ok(_) => buf.len(),
        Err(e) if e.error_len().is_none() => e.valid_up_to(),
        Err(_) => buf.len(),
    }
}

/// Reads a pipe into line chunks: whole lines, partial lines after a pause (minus any tail that
/// could be an unfinished secret), long lines capped with a marker.
async fn read_lines<R: AsyncRead + Unpin>(
    mut pipe: R,
    stream: &'static str,
    tx: mpsc::Sender<Chunk>,
    redactor: Arc<Redactor>,
) {
    let mut buf: Vec<u8> = Vec::new();
    let mut skipping = false;
    let mut chunk = vec![0_u8; 16384];
    loop {
        let read = if buf.is_empty() {
            Some(pipe.read(&mut chunk).await)
        } else {
            tokio::time::timeout(PARTIAL_FLUSH, pipe.read(&mut chunk))
                .await
                .ok()
        };
        match read {
            Some(Ok(0) | Err(_)) => {
                if !buf.is_empty() && !skipping {
                    let text = String::from_utf8_lossy(&buf).into_owned();
                    let _ = tx
                        .send(Chunk {
                            stream,
                            text,
                            partial: false,
                        })
                        .await;
                }
                return;
            }
            Some(Ok(n)) => {
                for &b in &chunk[..n] {
                    if b == b'\n' {
                        if !skipping {
                            let text = String::from_utf8_lossy(&buf).into_owned();
                            if tx
                                .send(Chunk {
                                    stream,
                                    text,
                                    partial: false,
                                })
                                .await
                                .is_err()
                            {
                                return;
                            }
                        }
                        buf.clear();
                        skipping = false;
                    } else if !skipping {
                        buf.push(b);
                        if buf.len() >= MAX_LINE_BYTES {
                            let cut = utf8_split(&buf);
                            let mut text = String::from_utf8_lossy(&buf[..cut]).into_owned();
                            text.push_str(" … [line truncated]");
                            if tx
                                .send(Chunk {
                                    stream,
                                    text,
                                    partial: false,
                                })
                                .await
                                .is_err()
                            {
                                return;
                            }
                            buf.clear();
                            skipping = true;
                        }
                    }
                }
            }
            None => {
                // A pause mid-line: flush what is safe to show now.
                let valid = utf8_split(&buf);
                let text = String::from_utf8_lossy(&buf[..valid]).into_owned();
                let keep = redactor.holdback(&text);
                let show = text.len() - keep;
                if show > 0 {
                    let shown = text[..show].to_owned();
                    buf.drain(..show);
                    if tx
                        .send(Chunk {
                            stream,
                            text: shown,
                            partial: true,
                        })
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
            }
        }
    }
}

/// Reads whole lines for a line consumer: redacted, counted against the run's output budget
/// (reading stops once it is spent), capped at [`MAX_JSON_LINE_BYTES`].
async fn send_lines<R: AsyncRead + Unpin>(
    pipe: R,
    consumer: mpsc::Sender<String>,
    redactor: Arc<Redactor>,
    budget: Arc<OutputBudget>,
) {
    use tokio::io::AsyncBufReadExt;
    let mut reader = tokio::io::BufReader::with_capacity(64 * 1024, pipe);
    let mut line: Vec<u8> = Vec::new();
    loop {
        line.clear();
        let mut cut = false;
        // Read one line without holding more than the cap in memory.
        loop {
            let buf = match reader.fill_buf().await {
                Ok(b) => b,
                Err(_) => return,
            };
            if buf.is_empty() {
                break;
            }
            let (take, done) = match buf.iter().position(|b| *b == b'\n') {
                Some(i) => (i + 1, true),
                None => (buf.len(), false),
            };
            let room = MAX_JSON_LINE_BYTES.saturating_sub(line.len());
            if take > room {
                cut = true;
            }
            line.extend_from_slice(&buf[..take.min(room)]);
            reader.consume(take);
            if done {
                break;
            }
        }
        if line.is_empty() {
            return;
        }
        while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            line.pop();
        }
        let mut text = String::from_utf8_lossy(&line).into_owned();
        if cut {
            text.push_str(" … [line truncated]");
        }
        let text = redactor.redact(&text);
        if !budget.spend(text.len() + 1) {
            return;
        }
        if consumer.send(text).await.is_err() {
            return;
        }
    }
}

/// Turns chunks into batched, redacted `log` events; returns the output's tail and end.
async fn collect(
    ctx: RunCtx,
    stage: String,
    attempt: i32,
    (source, command_id): (&'static str, i32),
    mut rx: mpsc::Receiver<Chunk>,
) -> (String, String) {
    let mut output: VecDeque<u8> = VecDeque::new();
    let mut pending: Vec<NewEvent> = Vec::new();
    let mut deadline = Instant::now() + BATCH_INTERVAL;
    let mut open = true;
    let mut over = false;
    while open {
        let msg = tokio::time::timeout_at(deadline.into(), rx.recv()).await;
        match msg {
            Ok(Some(c)) => {
                let text = ctx.redactor.redact(&c.text);
                if !over && !ctx.budget.spend(text.len() + 1) {
                    over = true;
                }
                if !over {
                    output.extend(text.as_bytes());
                    if !c.partial {
                        output.push_back(b'\n');
                    }
                    while output.len() > COMBINED_BYTES {
                        output.pop_front();
                    }
                    let mut e = NewEvent::log(&stage, attempt, c.stream, source, text);
                    // `command_id` ties the output to its `command.started`/`finished` pair.
                    e.data = Some(if c.partial {
                        serde_json::json!({"source": source, "command_id": command_id, "partial": true})
                    } else {
                        serde_json::json!({"source": source, "command_id": command_id})
                    });
                    pending.push(e);
                }
            }
            Ok(None) => open = false,
            Err(_) => {}
        }
        if !pending.is_empty()
            && (pending.len() >= BATCH_MAX || Instant::now() >= deadline || !open)
            && let Err(e) = ctx
                .sink
                .append(ctx.run_id, std::mem::take(&mut pending))
                .await
        {
            tracing::warn!(run_id = %ctx.run_id, error = %e, "could not record output");
        }
        if Instant::now() >= deadline {
            deadline = Instant::now() + BATCH_INTERVAL;
        }
    }
    let bytes: Vec<u8> = output.into_iter().collect();
    let all = String::from_utf8_lossy(&bytes).into_owned();
    let tail_start = all.len().saturating_sub(TAIL_BYTES);
    let tail_start = (tail_start..all.len())
        .find(|i| all.is_char_boundary(*i))
        .unwrap_or(all.len());
    (all[tail_start..].to_owned(), all)
}

/// After a crash: kills process group `pgid` if one of its members is still a process of run
/// `run_id` (checked through `MERGELOOM_RUN_ID` in its environment, so a reused id is never hit).
pub fn kill_orphan_group(pgid: i32, run_id: &str) {
    let marker = format!("MERGELOOM_RUN_ID={run_id}");
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return;
    };
    let ours = entries.flatten().any(|e| {
        let dir = e.path();
        let in_group = std::fs::read_to_string(dir.join("stat"))
            .ok()
            .is_some_and(|stat| {
                // Fields after the command name: state ppid pgrp …
                stat.rsplit_once(')')
                    .and_then(|(_, rest)| rest.split_whitespace().nth(2).map(str::to_owned))
                    .is_some_and(|g| g == pgid.to_string())
            });
        in_group
            && std::fs::read(dir.join("environ"))
                .ok()
                .is_some_and(|env| env.split(|b| *b == 0).any(|v| v == marker.as_bytes()))
    });
    if ours {
        tracing::warn!(
            run_id,
            pgid,
            "killing a process group left by a previous worker"
        );
        let _ = killpg(Pid::from_raw(pgid), Signal::SIGKILL);
    }
}
