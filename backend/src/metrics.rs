//! Process metrics for `/metrics`: cheap atomic counters and fixed-bucket histograms, bumped where
//! the work happens (the writer after a commit, the worker stream per client), plus the Prometheus
//! text-format rendering of everything `/metrics` serves.
//!
//! No metrics library: the few series the worker exports fit in a page of code, and atomics keep
//! the writer's hot path free of locks.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// A histogram with fixed upper bounds; observations are in the unit of the bounds.
#[derive(Debug)]
pub struct Histogram {
    bounds: &'static [f64],
    /// One counter per bound (non-cumulative), then `+Inf`.
    counts: Vec<AtomicU64>,
    /// Sum of observations in millionths of the unit (so integer atomics suffice).
    sum_micros: AtomicU64,
}

impl Histogram {
    #[must_use]
    pub fn new(bounds: &'static [f64]) -> Self {
        Self {
            bounds,
            counts: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(),
            sum_micros: AtomicU64::new(0),
        }
    }

    /// Records one observation.
    pub fn observe(&self, value: f64) {
        let value = if value.is_finite() {
            value.max(0.0)
        } else {
            0.0
        };
        let slot = self
            .bounds
            .iter()
            .position(|b| value <= *b)
            .unwrap_or(self.bounds.len());
        self.counts[slot].fetch_add(1, Ordering::Relaxed);
        self.sum_micros
            .fetch_add((value * 1e6) as u64, Ordering::Relaxed);
    }

    /// Total observations.
    #[must_use]
    pub fn count(&self) -> u64 {
        self.counts.iter().map(|c| c.load(Ordering::Relaxed)).sum()
    }

    /// Appends `name_bucket`, `name_sum` and `name_count` lines (cumulative buckets) with `labels`
    /// (already formatted as `k="v",` pairs, possibly empty).
    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let mut cumulative = 0;
        for (i, bound) in self.bounds.iter().enumerate() {
            cumulative += self.counts[i].load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{{labels}le=\"{bound}\"}} {cumulative}");
        }
        cumulative += self.counts[self.bounds.len()].load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{{labels}le=\"+Inf\"}} {cumulative}");
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let trimmed = labels.trim_end_matches(',');
        if trimmed.is_empty() {
            let _ = writeln!(out, "{name}_sum {sum}");
            let _ = writeln!(out, "{name}_count {cumulative}");
        } else {
            let _ = writeln!(out, "{name}_sum{{{trimmed}}} {sum}");
            let _ = writeln!(out, "{name}_count{{{trimmed}}} {cumulative}");
        }
    }
}

/// Bounds for run durations (seconds): a minute-scale agent run up to a few hours.
const RUN_SECONDS: &[f64] = &[
    1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 1800.0, 3600.0, 7200.0,
];
/// Bounds for stage durations (seconds).
const STAGE_SECONDS: &[f64] = &[
    0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0,
];
/// Bounds for writer batch sizes (commands per transaction).
const BATCH_SIZES: &[f64] = &[
    1.0, 2.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 4096.0,
];
/// Bounds for writer commit latency (seconds).
const COMMIT_SECONDS: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
];

/// Every counter and histogram the process keeps. One per server (it lives in the live hub, which
/// the writer and the handlers share), so tests with several servers in one process stay apart.
#[derive(Debug)]
pub struct Metrics {
    pub events_ingested: AtomicU64,
    pub writer_batches: AtomicU64,
    pub writer_failed_batches: AtomicU64,
    /// Commands per committed transaction.
    pub writer_batch_size: Histogram,
    /// Time from `BEGIN IMMEDIATE` to the end of `COMMIT`.
    pub writer_commit_seconds: Histogram,
    /// Open `/api/v1/stream` and run-stream connections.
    pub sse_clients: AtomicI64,
    /// Run durations by terminal status: completed, blocked, failed, cancelled.
    run_seconds: [Histogram; 4],
    /// Stage durations by stage name (pipeline order; unknown names are not recorded).
    stage_seconds: Vec<Histogram>,
}

const TERMINAL: [&str; 4] = ["completed", "blocked", "failed", "cancelled"];

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    #[must_use]
    pub fn new() -> Self {
        Self {
            events_ingested: AtomicU64::new(0),
            writer_batches: AtomicU64::new(0),
            writer_failed_batches: AtomicU64::new(0),
            writer_batch_size: Histogram::new(BATCH_SIZES),
            writer_commit_seconds: Histogram::new(COMMIT_SECONDS),
            sse_clients: AtomicI64::new(0),
            run_seconds: TERMINAL.map(|_| Histogram::new(RUN_SECONDS)),
            stage_seconds: crate::model::STAGES
                .iter()
                .map(|_| Histogram::new(STAGE_SECONDS))
                .collect(),
        }
    }

    /// Records a finished run's duration under its terminal status.
    pub fn observe_run(&self, status: &str, millis: i64) {
        if let Some(i) = TERMINAL.iter().position(|s| *s == status) {
            self.run_seconds[i].observe(millis as f64 / 1000.0);
        }
    }

    /// Records a finished stage's duration.
    pub fn observe_stage(&self, stage: &str, millis: i64) {
        if let Some(i) = crate::model::STAGES.iter().position(|s| *s == stage) {
            self.stage_seconds[i].observe(millis as f64 / 1000.0);
        }
    }

    /// A guard that counts one SSE client while it lives.
    #[must_use]
    pub fn sse_client(self: &std::sync::Arc<Self>) -> SseClientGuard {
        self.sse_clients.fetch_add(1, Ordering::Relaxed);
        SseClientGuard(self.clone())
    }
}

/// Decrements the SSE client gauge when the stream's task ends.
#[derive(Debug)]
pub struct SseClientGuard(std::sync::Arc<Metrics>);

impl Drop for SseClientGuard {
    fn drop(&mut self) {
        self.0.sse_clients.fetch_sub(1, Ordering::Relaxed);
    }
}

/// What `/metrics` shows besides the process counters: values read from storage and state at
/// scrape time.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// Runs per status (every status in `model::status::ALL` appears, zero when none).
    pub runs_by_status: Vec<(String, i64)>,
    /// Executors per status (`idle`, `busy`, `stale`, `offline`).
    pub executors_by_status: Vec<(String, i64)>,
    /// Health checks: (name, component, status).
    pub checks: Vec<(String, String, String)>,
    pub uptime_seconds: i64,
}

fn help(out: &mut String, name: &str, kind: &str, text: &str) {
    let _ = writeln!(out, "# HELP {name} {text}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// Escapes a label value (backslash, quote, newline) as the text format requires.
#[must_use]
pub fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Renders the Prometheus text exposition (format 0.0.4).
#[must_use]
pub fn render(m: &Metrics, s: &Snapshot) -> String {
    let mut out = String::with_capacity(8 * 1024);
    help(
        &mut out,
        "mergeloom_build_info",
        "gauge",
        "Build information.",
    );
    let _ = writeln!(
        out,
        "mergeloom_build_info{{version=\"{}\"}} 1",
        label(crate::VERSION)
    );
    help(
        &mut out,
        "mergeloom_uptime_seconds",
        "gauge",
        "Seconds since the worker started.",
    );
    let _ = writeln!(out, "mergeloom_uptime_seconds {}", s.uptime_seconds);

    help(
        &mut out,
        "mergeloom_runs",
        "gauge",
        "Stored runs by status.",
    );
    for (status, n) in &s.runs_by_status {
        let _ = writeln!(out, "mergeloom_runs{{status=\"{}\"}} {n}", label(status));
    }
    help(
        &mut out,
        "mergeloom_run_duration_seconds",
        "histogram",
        "Durations of runs that ended in this process, by terminal status.",
    );
    for (i, status) in TERMINAL.iter().enumerate() {
        m.run_seconds[i].render(
            &mut out,
            "mergeloom_run_duration_seconds",
            &format!("status=\"{status}\","),
        );
    }
    help(
        &mut out,
        "mergeloom_stage_duration_seconds",
        "histogram",
        "Durations of stages that finished in this process, by stage.",
    );
    for (i, stage) in crate::model::STAGES.iter().enumerate() {
        m.stage_seconds[i].render(
            &mut out,
            "mergeloom_stage_duration_seconds",
            &format!("stage=\"{stage}\","),
        );
    }
    help(
        &mut out,
        "mergeloom_events_ingested_total",
        "counter",
        "Run events committed to storage.",
    );
    let _ = writeln!(
        out,
        "mergeloom_events_ingested_total {}",
        m.events_ingested.load(Ordering::Relaxed)
    );
    help(
        &mut out,
        "mergeloom_writer_batches_total",
        "counter",
        "Transactions committed by the storage writer.",
    );
    let _ = writeln!(
        out,
        "mergeloom_writer_batches_total {}",
        m.writer_batches.load(Ordering::Relaxed)
    );
    help(
        &mut out,
        "mergeloom_writer_failed_batches_total",
        "counter",
        "Writer transactions that failed to commit.",
    );
    let _ = writeln!(
        out,
        "mergeloom_writer_failed_batches_total {}",
        m.writer_failed_batches.load(Ordering::Relaxed)
    );
    help(
        &mut out,
        "mergeloom_writer_batch_size",
        "histogram",
        "Commands per writer transaction.",
    );
    m.writer_batch_size
        .render(&mut out, "mergeloom_writer_batch_size", "");
    help(
        &mut out,
        "mergeloom_writer_commit_seconds",
        "histogram",
        "Writer transaction latency, BEGIN IMMEDIATE to COMMIT.",
    );
    m.writer_commit_seconds
        .render(&mut out, "mergeloom_writer_commit_seconds", "");
    help(
        &mut out,
        "mergeloom_sse_clients",
        "gauge",
        "Open server-sent-event streams.",
    );
    let _ = writeln!(
        out,
        "mergeloom_sse_clients {}",
        m.sse_clients.load(Ordering::Relaxed).max(0)
    );
    help(
        &mut out,
        "mergeloom_executors",
        "gauge",
        "Executors by status.",
    );
    for (status, n) in &s.executors_by_status {
        let _ = writeln!(
            out,
            "mergeloom_executors{{status=\"{}\"}} {n}",
            label(status)
        );
    }
    help(
        &mut out,
        "mergeloom_health_check_status",
        "gauge",
        "1 for the status each health check has now, 0 for the others.",
    );
    for (name, component, status) in &s.checks {
        for candidate in ["ok", "degraded", "down"] {
            let _ = writeln!(
                out,
                "mergeloom_health_check_status{{check=\"{}\",component=\"{}\",status=\"{candidate}\"}} {}",
                label(name),
                label(component),
                u8::from(status == candidate)
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative_and_sum_adds_up() {
        let h = Histogram::new(&[1.0, 10.0]);
        h.observe(0.5);
        h.observe(5.0);
        h.observe(50.0);
        let mut out = String::new();
        h.render(&mut out, "x", "k=\"v\",");
        assert!(out.contains("x_bucket{k=\"v\",le=\"1\"} 1\n"), "{out}");
        assert!(out.contains("x_bucket{k=\"v\",le=\"10\"} 2\n"), "{out}");
        assert!(out.contains("x_bucket{k=\"v\",le=\"+Inf\"} 3\n"), "{out}");
        assert!(out.contains("x_sum{k=\"v\"} 55.5\n"), "{out}");
        assert!(out.contains("x_count{k=\"v\"} 3\n"), "{out}");
        assert_eq!(h.count(), 3);
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
