//! The executor end to end: real git repositories in temp directories (a bare "remote" seeded with
//! a small Python project whose `add` is wrong), a command provider written in Python, and the
//! worker in process (or as the binary, for crash, shutdown and environment tests), driven over
//! HTTP. Covers PRODUCT.md's run lifecycle and the outcomes of API.md's reason-code table.
//!
//! No speed assertions: runs get a generous deadline that only keeps a broken test from hanging.
//! The contract's own deadlines (cancel within 2 s, exit within 5 s) are checked by polling.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use mergeloom_worker::config::Config;
use mergeloom_worker::server::{self, RunningServer};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, BufReader};

const BIN: &str = env!("CARGO_BIN_EXE_mergeloom-worker");
/// Upper bound for a run to end (not a speed assertion).
const RUN_TIMEOUT: Duration = Duration::from_secs(120);
const POLL: Duration = Duration::from_millis(50);
/// API.md: after `POST /cancel` the run is `cancelled` and its processes are gone within 2 s.
const CANCEL_DEADLINE: Duration = Duration::from_secs(2);
/// The binary exits within 5 s of SIGTERM.
const SHUTDOWN_DEADLINE: Duration = Duration::from_secs(5);

pub(crate) const BUGGY_CALC: &str = "def add(a, b):\n    return a - b\n";
pub(crate) const FIXED_CALC: &str = "def add(a, b):\n    return a + b\n";
const TEST_CALC: &str = "import unittest\n\nfrom calc import add\n\n\nclass AddTest(unittest.TestCase):\n    def test_add(self):\n        self.assertEqual(add(2, 3), 5)\n\n\nif __name__ == \"__main__\":\n    unittest.main()\n";

/// Every agent script starts with this: the step from the environment, the prompt from stdin,
/// and a few ways to change the project.
const AGENT_PRELUDE: &str = r#"import json, os, subprocess, sys, time
STAGE = os.environ.get("MERGELOOM_STAGE", "")
ATTEMPT = int(os.environ.get("MERGELOOM_ATTEMPT", "0"))
PROMPT = sys.stdin.read()
FIXED = "def add(a, b):\n    return a + b\n"

def write(path, text):
    parent = os.path.dirname(path)
    if parent:
        os.makedirs(parent, exist_ok=True)
    with open(path, "w") as f:
        f.write(text)

def fix():
    write("calc.py", FIXED)

def wrong_change(n=0):
    write("calc.py", "def add(a, b):\n    # attempt %d\n    return a - b\n" % n)

def sleeping_child(seconds):
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(%d)" % seconds])

"#;

// ---------------------------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------------------------

/// Runs git in `dir` (never with hooks), asserting success; returns stdout.
pub(crate) fn git(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "-c",
            "core.hooksPath=/dev/null",
        ])
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?} in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A bare remote (HEAD → main) seeded with the calc project, plus a place for agent scripts.
pub(crate) struct Repo {
    pub(crate) dir: TempDir,
    pub(crate) remote: PathBuf,
}

impl Repo {
    pub(crate) fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir for the repository");
        let remote = dir.path().join("remote.git");
        git(
            dir.path(),
            &["init", "--quiet", "--bare", "-b", "main", "remote.git"],
        );
        let seed = dir.path().join("seed");
        git(dir.path(), &["init", "--quiet", "-b", "main", "seed"]);
        fs::write(seed.join("calc.py"), BUGGY_CALC).expect("write calc.py");
        fs::write(seed.join("test_calc.py"), TEST_CALC).expect("write test_calc.py");
        fs::write(seed.join("README.md"), "# calc\n").expect("write README.md");
        git(&seed, &["add", "--all"]);
        git(&seed, &["commit", "--quiet", "-m", "initial"]);
        git(
            &seed,
            &["push", "--quiet", &remote.to_string_lossy(), "main"],
        );
        fs::create_dir_all(dir.path().join("agents")).expect("agents dir");
        Self { dir, remote }
    }

    pub(crate) fn remote_url(&self) -> String {
        self.remote.to_string_lossy().into_owned()
    }

    /// A scratch directory next to the repository (markers, logs).
    pub(crate) fn scratch(&self, name: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        fs::create_dir_all(&p).expect("scratch dir");
        p
    }

    /// Writes an agent script (prelude + `body`) and returns its absolute path.
    pub(crate) fn agent(&self, name: &str, body: &str) -> String {
        let path = self.dir.path().join("agents").join(format!("{name}.py"));
        fs::write(&path, format!("{AGENT_PRELUDE}{body}\n")).expect("write the agent");
        path.to_string_lossy().into_owned()
    }

    /// A job on this repository with this agent: required validation by unittest, no repairs,
    /// no review, push.
    pub(crate) fn job(&self, key: &str, agent: &str) -> Value {
        json!({
            "ticket": {"key": key, "title": "Fix add"},
            "repository": {"url": self.remote_url()},
            "provider": {"command": ["python3", agent]},
            "validation": {"mode": "required", "commands": [["python3", "-m", "unittest", "-q"]]},
            "max_repair_attempts": 0,
            "review": {"enabled": false},
            "publish": {"push": true},
        })
    }

    pub(crate) fn main_commit(&self) -> String {
        git(&self.remote, &["rev-parse", "refs/heads/main"])
            .trim()
            .to_owned()
    }

    /// The remote's commit for `branch`, if it has the branch.
    pub(crate) fn remote_branch(&self, branch: &str) -> Option<String> {
        let out = git(
            &self.remote,
            &["ls-remote", ".", &format!("refs/heads/{branch}")],
        );
        out.lines()
            .find_map(|l| {
                l.split_once('\t')
                    .filter(|(_, r)| *r == format!("refs/heads/{branch}"))
            })
            .map(|(c, _)| c.to_owned())
    }

    /// Branch names on the remote.
    pub(crate) fn remote_branches(&self) -> Vec<String> {
        git(
            &self.remote,
            &["for-each-ref", "--format=%(refname:short)", "refs/heads/"],
        )
        .lines()
        .map(str::to_owned)
        .collect()
    }
}

/// An HTTP client for one worker.
#[derive(Clone)]
pub(crate) struct Api {
    pub(crate) base: String,
    pub(crate) http: reqwest::Client,
}

pub(crate) fn is_terminal(status: &str) -> bool {
    matches!(status, "completed" | "blocked" | "failed" | "cancelled")
}

impl Api {
    pub(crate) fn new(base: String) -> Self {
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("HTTP client");
        Self { base, http }
    }

    pub(crate) async fn get(&self, path: &str) -> (u16, Value) {
        let resp = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    pub(crate) async fn text(&self, path: &str) -> String {
        let resp = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        assert_eq!(resp.status().as_u16(), 200, "GET {path}");
        resp.text()
            .await
            .unwrap_or_else(|e| panic!("GET {path} body: {e}"))
    }

    pub(crate) async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .json(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"));
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// Submits a job; returns the run id.
    pub(crate) async fn submit(&self, job: &Value) -> String {
        let (status, body) = self.post("/api/v1/jobs", job).await;
        assert_eq!(status, 201, "job submission: {body}");
        s(&body, "/run/id")
    }

    pub(crate) async fn run(&self, id: &str) -> Value {
        let (status, body) = self.get(&format!("/api/v1/runs/{id}")).await;
        assert_eq!(status, 200, "GET run {id}: {body}");
        body
    }

    /// Polls the run until `pred` holds.
    pub(crate) async fn wait_run(
        &self,
        id: &str,
        what: &str,
        pred: impl Fn(&Value) -> bool,
    ) -> Value {
        let start = Instant::now();
        loop {
            let run = self.run(id).await;
            if pred(&run) {
                return run;
            }
            assert!(
                start.elapsed() < RUN_TIMEOUT,
                "run {id} never became {what}: {run:#}"
            );
            tokio::time::sleep(POLL).await;
        }
    }

    pub(crate) async fn wait_terminal(&self, id: &str) -> Value {
        self.wait_run(id, "terminal", |r| is_terminal(&s(r, "/status")))
            .await
    }

    /// Submits a job and waits for its run to finish: the run id and the finished run.
    pub(crate) async fn run_to_end(&self, job: &Value) -> (String, Value) {
        let id = self.submit(job).await;
        let run = self.wait_terminal(&id).await;
        (id, run)
    }

    /// Every event of the run, paged with `after`.
    pub(crate) async fn events(&self, id: &str) -> Vec<Value> {
        let mut all: Vec<Value> = Vec::new();
        loop {
            let after = all.last().map_or(0, |e| i(e, "/seq"));
            let (status, page) = self
                .get(&format!("/api/v1/runs/{id}/events?after={after}&limit=500"))
                .await;
            assert_eq!(status, 200, "events of {id}: {page}");
            let items = page["items"].as_array().cloned().unwrap_or_default();
            if items.is_empty() {
                return all;
            }
            all.extend(items);
        }
    }

    /// Polls the run's events until one matches.
    pub(crate) async fn wait_event(&self, id: &str, what: &str, pred: impl Fn(&Value) -> bool) {
        let start = Instant::now();
        loop {
            let events = self.events(id).await;
            if events.iter().any(&pred) {
                return;
            }
            let run = self.run(id).await;
            assert!(
                !is_terminal(&s(&run, "/status")) && start.elapsed() < RUN_TIMEOUT,
                "run {id} never produced {what}: {run:#}\nevents: {events:#?}"
            );
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits for the `ready` line the long-running agents print once their child is started.
    pub(crate) async fn wait_ready(&self, id: &str) {
        self.wait_event(id, "the agent's ready line", |e| {
            e["kind"] == "log" && e["text"].as_str().is_some_and(|t| t.trim() == "ready")
        })
        .await;
    }

    /// Waits until no executor is busy (a cancelled run's executor has finalized it).
    pub(crate) async fn wait_executors_idle(&self) {
        let start = Instant::now();
        loop {
            let (status, body) = self.get("/api/v1/executors").await;
            assert_eq!(status, 200, "executors: {body}");
            let items = body["items"].as_array().cloned().unwrap_or_default();
            if items.iter().all(|e| e["status"] == "idle") {
                return;
            }
            assert!(
                start.elapsed() < RUN_TIMEOUT,
                "executors stay busy: {body:#}"
            );
            tokio::time::sleep(POLL).await;
        }
    }
}

/// A string at a JSON pointer.
pub(crate) fn s(v: &Value, pointer: &str) -> String {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no string at {pointer} in {v:#}"))
        .to_owned()
}

/// An integer at a JSON pointer.
pub(crate) fn i(v: &Value, pointer: &str) -> i64 {
    v.pointer(pointer)
        .and_then(Value::as_i64)
        .unwrap_or_else(|| panic!("no integer at {pointer} in {v:#}"))
}

/// The in-process worker on its own data directory.
pub(crate) struct Worker {
    pub(crate) server: RunningServer,
    pub(crate) api: Api,
    pub(crate) data: TempDir,
}

/// Starts a worker with one executor, after letting the test adjust the configuration.
pub(crate) async fn worker(adjust: impl FnOnce(&mut Config)) -> Worker {
    let data = tempfile::tempdir().expect("temp data dir");
    let mut config = Config::for_data_dir(data.path().to_path_buf());
    config.executors = 1;
    adjust(&mut config);
    let server = server::start(config).await.expect("start the server");
    let api = Api::new(server.url());
    Worker { server, api, data }
}

impl Worker {
    pub(crate) fn worktree(&self, run_id: &str) -> PathBuf {
        self.data
            .path()
            .join("workspaces")
            .join("worktrees")
            .join(run_id)
    }

    pub(crate) async fn stop(self) {
        self.server.stop().await;
        drop(self.data);
    }
}

/// The worker binary as a child process.
pub(crate) struct Bin {
    pub(crate) child: tokio::process::Child,
    pub(crate) api: Api,
}

/// Starts `mergeloom-worker serve --port 0 --data-dir <data> --executors 1 <extra>` with `envs`
/// (and no `JCA_WORKER_*` inherited), stderr appended to `log`; waits for its address.
pub(crate) async fn spawn_bin(
    data: &Path,
    extra: &[&str],
    envs: &[(&str, &str)],
    log: &Path,
) -> Bin {
    let stderr = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .expect("open the worker log");
    let mut cmd = tokio::process::Command::new(BIN);
    cmd.arg("serve")
        .args(["--port", "0", "--executors", "1", "--data-dir"])
        .arg(data)
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(stderr))
        .kill_on_drop(true);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("JCA_WORKER_") {
            cmd.env_remove(name);
        }
    }
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn mergeloom-worker serve");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
        .await
        .expect("the worker prints its address")
        .expect("read the worker's stdout")
        .unwrap_or_else(|| {
            panic!(
                "the worker exited early; log: {}",
                fs::read_to_string(log).unwrap_or_default()
            )
        });
    let url = line
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .trim()
        .to_owned();
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let api = Api::new(url);
    let (status, _) = api.get("/readyz").await;
    assert_eq!(status, 200, "readyz");
    Bin { child, api }
}

impl Bin {
    fn signal(&self, sig: Signal) {
        let pid = self.child.id().expect("the worker is running");
        kill(Pid::from_raw(i32::try_from(pid).expect("pid fits")), sig).expect("signal the worker");
    }

    /// Polls until the process exits or `deadline` passes.
    async fn wait_exit(&mut self, deadline: Duration) -> Option<std::process::ExitStatus> {
        let start = Instant::now();
        loop {
            if let Some(st) = self.child.try_wait().expect("poll the worker") {
                return Some(st);
            }
            if start.elapsed() > deadline {
                return None;
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

/// Live (non-zombie) processes whose environment has `MERGELOOM_RUN_ID=<run id>`, as
/// `"pid cmdline"`.
pub(crate) fn run_processes(run_id: &str) -> Vec<String> {
    let marker = format!("MERGELOOM_RUN_ID={run_id}");
    let mut found = Vec::new();
    let Ok(entries) = fs::read_dir("/proc") else {
        return found;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let dir = e.path();
        let Ok(stat) = fs::read_to_string(dir.join("stat")) else {
            continue;
        };
        let state = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next().map(str::to_owned));
        if matches!(state.as_deref(), Some("Z" | "X")) {
            continue;
        }
        let Ok(env) = fs::read(dir.join("environ")) else {
            continue;
        };
        if env.split(|b| *b == 0).any(|v| v == marker.as_bytes()) {
            let cmd = fs::read(dir.join("cmdline")).unwrap_or_default();
            let cmd: Vec<u8> = cmd
                .into_iter()
                .map(|b| if b == 0 { b' ' } else { b })
                .collect();
            found.push(format!("{name} {}", String::from_utf8_lossy(&cmd).trim()));
        }
    }
    found
}

/// Polls until no process of the run is left; `Err` with what remains after `deadline`.
async fn wait_no_processes(
    run_id: &str,
    since: Instant,
    deadline: Duration,
) -> Result<(), Vec<String>> {
    loop {
        let left = run_processes(run_id);
        if left.is_empty() {
            return Ok(());
        }
        if since.elapsed() > deadline {
            return Err(left);
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Asserts status, reason code and failed stage of a terminal run.
pub(crate) fn assert_outcome(
    run: &Value,
    status: &str,
    reason_code: &str,
    failed_stage: Option<&str>,
) {
    let got = (
        run["status"].as_str(),
        run.pointer("/outcome/status").and_then(Value::as_str),
        run.pointer("/outcome/reason_code").and_then(Value::as_str),
        run.pointer("/outcome/failed_stage").and_then(Value::as_str),
    );
    assert_eq!(
        got,
        (Some(status), Some(status), Some(reason_code), failed_stage),
        "outcome of run {}: {:#}",
        run["id"],
        run.get("outcome").unwrap_or(&Value::Null)
    );
    assert!(
        run.pointer("/outcome/reason")
            .and_then(Value::as_str)
            .is_some_and(|r| !r.is_empty()),
        "a terminal run has a reason: {run:#}"
    );
}

/// The run's stages as `(name, attempt, status)` in the order the API lists them.
pub(crate) fn stages(run: &Value) -> Vec<(String, i64, String)> {
    run["stages"]
        .as_array()
        .unwrap_or_else(|| panic!("no stages in {run:#}"))
        .iter()
        .map(|st| (s(st, "/name"), i(st, "/attempt"), s(st, "/status")))
        .collect()
}

pub(crate) fn st(name: &str, attempt: i64, status: &str) -> (String, i64, String) {
    (name.to_owned(), attempt, status.to_owned())
}

/// Asserts the API's stage list (pipeline order, then attempt) and that every started stage's
/// `first_seq` ≤ `last_seq`.
fn assert_stages(run: &Value, want: &[(String, i64, String)]) {
    assert_eq!(
        stages(run),
        want,
        "stages of {}:\n{:#}",
        run["id"],
        run["stages"]
    );
    for stage in run["stages"].as_array().into_iter().flatten() {
        let last = stage["last_seq"].as_i64();
        assert!(last.is_some(), "a finished stage has last_seq: {stage}");
        if stage["status"] != "skipped" {
            let first = stage["first_seq"].as_i64();
            assert!(
                first.is_some() && first <= last,
                "first_seq ≤ last_seq: {stage}"
            );
        }
    }
}

/// The stages as `name#attempt`, ordered by when they happened (their first, or for a skipped
/// row its only, event).
fn chronology(run: &Value) -> Vec<String> {
    let mut rows: Vec<(i64, String)> = run["stages"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|st| {
            let at = st["first_seq"]
                .as_i64()
                .or(st["last_seq"].as_i64())
                .unwrap_or(i64::MAX);
            (at, format!("{}#{}", s(st, "/name"), i(st, "/attempt")))
        })
        .collect();
    rows.sort();
    rows.into_iter().map(|(_, n)| n).collect()
}

/// Asserts that `order` appears in this relative order in the run's chronology.
fn assert_happened_in_order(run: &Value, order: &[&str]) {
    let chrono = chronology(run);
    let positions: Vec<usize> = order
        .iter()
        .map(|n| {
            chrono
                .iter()
                .position(|c| c == n)
                .unwrap_or_else(|| panic!("no stage {n} in {chrono:?}"))
        })
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "expected {order:?} in this order; chronology {chrono:?}"
    );
}

/// Asserts that a run's events are seq 1..=last_event_seq with no gap or duplicate.
fn assert_seq_intact(run: &Value, events: &[Value]) {
    let seqs: Vec<i64> = events.iter().map(|e| i(e, "/seq")).collect();
    let last = i(run, "/last_event_seq");
    assert_eq!(
        seqs,
        (1..=last).collect::<Vec<_>>(),
        "seqs of run {}",
        run["id"]
    );
    assert_eq!(
        i(run, "/event_count"),
        last,
        "event_count of run {}",
        run["id"]
    );
}

/// The expected branch: `mergeloom/<key slug>-<last 8 hex digits of the run id>`.
fn expected_branch(slug: &str, run_id: &str) -> String {
    let hex: String = run_id.chars().filter(char::is_ascii_hexdigit).collect();
    format!("mergeloom/{slug}-{}", &hex[hex.len() - 8..])
}

fn full_pipeline(validate: &str) -> Vec<(String, i64, String)> {
    vec![
        st("setup", 1, "succeeded"),
        st("context", 1, "succeeded"),
        st("implement", 1, "succeeded"),
        st("validate", 1, validate),
        st("repair", 1, "skipped"),
        st("review", 1, "skipped"),
        st("review_fix", 1, "skipped"),
        st("diff_guard", 1, "succeeded"),
        st("publish", 1, "succeeded"),
        st("finalize", 1, "succeeded"),
    ]
}

/// Runs one job to its end on a fresh one-executor worker; returns the run and its events.
async fn run_job(job: &Value, adjust: impl FnOnce(&mut Config)) -> (Value, Vec<Value>) {
    let w = worker(adjust).await;
    let id = w.api.submit(job).await;
    w.api.wait_terminal(&id).await;
    w.api.wait_executors_idle().await;
    let run = w.api.run(&id).await;
    let events = w.api.events(&id).await;
    assert!(!w.worktree(&id).exists(), "the worktree of {id} is removed");
    assert!(run_processes(&id).is_empty(), "no process of {id} is left");
    w.stop().await;
    (run, events)
}

fn texts(events: &[Value]) -> String {
    events
        .iter()
        .map(|e| format!("{} {} {}\n", e["kind"], e["text"], e["data"]))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

/// Happy path: the fix is validated, committed with the ticket's message and trailers on top of
/// the base, pushed, and the worktree is removed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn happy_path_publishes_a_commit_with_trailers() {
    let repo = Repo::new();
    let agent = repo.agent("fix", "fix()");
    let w = worker(|_| {}).await;
    let mut job = repo.job("ML-1", &agent);
    job["ticket"]["title"] = json!("Make add add");
    let (id, run) = w.api.run_to_end(&job).await;
    assert_outcome(&run, "completed", "published", None);
    assert_stages(&run, &full_pipeline("succeeded"));
    // In this run the pipeline order is also the order things happened.
    assert_eq!(
        chronology(&run),
        [
            "setup#1",
            "context#1",
            "implement#1",
            "validate#1",
            "repair#1",
            "review#1",
            "review_fix#1",
            "diff_guard#1",
            "publish#1",
            "finalize#1"
        ]
    );
    let last_seqs: Vec<i64> = run["stages"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|st| i(st, "/last_seq"))
        .collect();
    assert!(
        last_seqs.windows(2).all(|w| w[0] < w[1]),
        "last_seq increases: {last_seqs:?}"
    );
    assert_eq!(run["validation"]["passed"], json!(true));
    assert_eq!(run["pushed"], json!(true));

    let branch = s(&run, "/branch");
    assert_eq!(branch, expected_branch("ml-1", &id));
    let head = s(&run, "/head_commit");
    let base = s(&run, "/base_commit");
    assert_eq!(base, repo.main_commit(), "the base is the remote's main");
    assert_eq!(
        repo.remote_branch(&branch).as_deref(),
        Some(head.as_str()),
        "pushed to the remote"
    );
    let remote = &repo.remote;
    assert_eq!(
        git(remote, &["rev-parse", &format!("{head}^")]).trim(),
        base,
        "parent is the base"
    );
    assert_eq!(
        git(remote, &["log", "-1", "--format=%s", &head]).trim(),
        "ML-1: Make add add"
    );
    assert_eq!(
        git(
            remote,
            &[
                "log",
                "-1",
                "--format=%(trailers:key=MergeLoom-Run,valueonly)",
                &head
            ]
        )
        .trim(),
        id
    );
    assert_eq!(
        git(
            remote,
            &[
                "log",
                "-1",
                "--format=%(trailers:key=MergeLoom-Ticket,valueonly)",
                &head
            ]
        )
        .trim(),
        "ML-1"
    );
    assert_eq!(
        git(remote, &["diff", "--name-status", &base, &head]).trim(),
        "M\tcalc.py"
    );
    assert_eq!(
        git(remote, &["show", &format!("{head}:calc.py")]),
        FIXED_CALC
    );

    let patch = w.api.text(&format!("/api/v1/runs/{id}/patch")).await;
    assert!(
        patch.contains("Subject: [PATCH] ML-1: Make add add"),
        "{patch}"
    );
    assert!(patch.contains("diff --git a/calc.py b/calc.py"), "{patch}");
    assert!(patch.contains("+    return a + b"), "{patch}");
    assert!(patch.contains(&format!("MergeLoom-Run: {id}")), "{patch}");

    w.api.wait_executors_idle().await;
    assert!(
        !w.worktree(&id).exists(),
        "the worktree is removed after the run"
    );
    let events = w.api.events(&id).await;
    assert_seq_intact(&w.api.run(&id).await, &events);
    assert!(run_processes(&id).is_empty());
    w.stop().await;
}

/// validate#1 fails, repair#1 fixes it, validate#2 passes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validation_failure_is_repaired() {
    let repo = Repo::new();
    let agent = repo.agent(
        "repairs",
        r#"if STAGE == "implement":
    wrong_change()
elif STAGE == "repair":
    out = open(os.environ["MERGELOOM_VALIDATION_OUTPUT_FILE"]).read()
    if "AssertionError" not in out:
        sys.exit("the repair step did not get the validation output: " + out)
    fix()"#,
    );
    let mut job = repo.job("ML-2", &agent);
    job["max_repair_attempts"] = json!(2);
    let (run, _) = run_job(&job, |_| {}).await;
    assert_outcome(&run, "completed", "published", None);
    assert_stages(
        &run,
        &[
            st("setup", 1, "succeeded"),
            st("context", 1, "succeeded"),
            st("implement", 1, "succeeded"),
            st("validate", 1, "failed"),
            st("validate", 2, "succeeded"),
            st("repair", 1, "succeeded"),
            st("review", 1, "skipped"),
            st("review_fix", 1, "skipped"),
            st("diff_guard", 1, "succeeded"),
            st("publish", 1, "succeeded"),
            st("finalize", 1, "succeeded"),
        ],
    );
    assert_happened_in_order(
        &run,
        &[
            "implement#1",
            "validate#1",
            "repair#1",
            "validate#2",
            "diff_guard#1",
        ],
    );
    assert_eq!(run["validation"]["passed"], json!(true));
    assert_eq!(
        git(
            &repo.remote,
            &["show", &format!("{}:calc.py", s(&run, "/head_commit"))]
        ),
        FIXED_CALC
    );
}

/// The agent never fixes it: validation_failed, charged to `repair` when the attempts ran out and
/// to `validate` when none were allowed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repairs_exhausted_and_no_repairs_allowed() {
    let repo = Repo::new();
    let agent = repo.agent("never", "wrong_change(ATTEMPT if STAGE == 'repair' else 0)");
    let mut job = repo.job("ML-3", &agent);
    job["max_repair_attempts"] = json!(2);
    let (run, _) = run_job(&job, |_| {}).await;
    assert_outcome(&run, "failed", "validation_failed", Some("repair"));
    let got = stages(&run);
    for want in [
        st("validate", 1, "failed"),
        st("validate", 2, "failed"),
        st("validate", 3, "failed"),
        st("repair", 1, "succeeded"),
        st("repair", 2, "succeeded"),
    ] {
        assert!(got.contains(&want), "{want:?} in {got:?}");
    }
    assert!(
        !got.iter()
            .any(|(n, a, _)| (n == "validate" && *a > 3) || (n == "repair" && *a > 2)),
        "{got:?}"
    );
    assert!(
        !got.iter().any(|(n, _, _)| n == "publish"),
        "no publish after a failure: {got:?}"
    );
    assert_happened_in_order(
        &run,
        &[
            "validate#1",
            "repair#1",
            "validate#2",
            "repair#2",
            "validate#3",
            "finalize#1",
        ],
    );
    assert_eq!(run["validation"]["passed"], json!(false));
    assert!(
        repo.remote_branch(&s(&run, "/branch")).is_none(),
        "nothing pushed"
    );

    job["max_repair_attempts"] = json!(0);
    job["ticket"]["key"] = json!("ML-3b");
    let (run, _) = run_job(&job, |_| {}).await;
    assert_outcome(&run, "failed", "validation_failed", Some("validate"));
    let got = stages(&run);
    assert!(got.contains(&st("validate", 1, "failed")), "{got:?}");
    assert!(
        !got.iter()
            .any(|(n, a, status)| (n == "validate" && *a > 1)
                || (n == "repair" && status != "skipped")),
        "no repair ran: {got:?}"
    );
}

/// Advisory mode: a failing validation is recorded and the run still publishes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn advisory_validation_failure_still_publishes() {
    let repo = Repo::new();
    let agent = repo.agent("wrong", "wrong_change()");
    let mut job = repo.job("ML-4", &agent);
    job["validation"]["mode"] = json!("advisory");
    job["max_repair_attempts"] = json!(2);
    let (run, events) = run_job(&job, |_| {}).await;
    assert_outcome(&run, "completed", "published_with_advisory_failures", None);
    assert_stages(&run, &full_pipeline("failed"));
    assert_eq!(run["validation"]["passed"], json!(false));
    assert_eq!(run["validation"]["mode"], json!("advisory"));
    assert!(
        events
            .iter()
            .any(|e| e["kind"] == "warning" && e["stage"] == "validate"),
        "an advisory warning is recorded"
    );
    let head = s(&run, "/head_commit");
    assert_eq!(
        repo.remote_branch(&s(&run, "/branch")).as_deref(),
        Some(head.as_str())
    );
}

/// A command allowed at submission but removed from the list before the run starts: the run is
/// blocked at start and none of its commands runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn command_disallowed_between_submission_and_start_blocks_the_run() {
    assert!(
        mergeloom_worker::providers::find_program("python").is_some(),
        "this test needs `python` on PATH"
    );
    let repo = Repo::new();
    // The first run holds the only executor until the test releases it.
    let release = repo.scratch("gate").join("release");
    let slow = repo.agent(
        "slow",
        &format!(
            "print('ready', flush=True)\ndeadline = time.time() + 60\nwhile not os.path.exists({:?}) and time.time() < deadline:\n    time.sleep(0.05)\nfix()",
            release.to_string_lossy()
        ),
    );
    let fast = repo.agent("fast", "fix()");
    let w = worker(|_| {}).await;
    let first = w.api.submit(&repo.job("ML-5a", &slow)).await;
    w.api.wait_ready(&first).await;
    let mut second_job = repo.job("ML-5b", &fast);
    second_job["validation"]["commands"] = json!([["python", "-m", "unittest", "-q"]]);
    let second = w.api.submit(&second_job).await;
    assert_eq!(
        w.api.run(&second).await["status"],
        "queued",
        "the only executor is busy"
    );
    w.server
        .state
        .settings
        .update(|s| s.allowed_commands = vec!["git".into(), "python3".into()]);
    fs::write(&release, "").expect("release the first run");

    let run = w.api.wait_terminal(&second).await;
    assert_outcome(&run, "blocked", "command_not_allowed", Some("setup"));
    assert!(
        s(&run, "/outcome/reason").contains("python"),
        "the reason names the program: {run:#}"
    );
    let events = w.api.events(&second).await;
    assert!(
        !events.iter().any(|e| e["kind"] == "command.started"),
        "no command of the blocked run ran:\n{}",
        texts(&events)
    );
    assert!(
        !events.iter().any(|e| e["kind"] == "provider.started"),
        "the provider never started"
    );
    let first_run = w.api.wait_terminal(&first).await;
    assert_outcome(&first_run, "completed", "published", None);
    w.api.wait_executors_idle().await;
    w.stop().await;
}

/// A validation command that outlives `command_timeout_seconds` with no repair left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn command_timeout_fails_the_run() {
    let repo = Repo::new();
    let agent = repo.agent("fix", "fix()");
    let mut job = repo.job("ML-6", &agent);
    job["validation"]["commands"] = json!([["python3", "-c", "import time; time.sleep(30)"]]);
    let (run, events) = run_job(&job, |c| c.command_timeout_seconds = 1).await;
    assert_outcome(&run, "failed", "command_timeout", Some("validate"));
    assert!(
        stages(&run).contains(&st("validate", 1, "failed")),
        "{:?}",
        stages(&run)
    );
    assert!(
        events
            .iter()
            .any(|e| e["kind"] == "command.finished" && e["stage"] == "validate"),
        "the timed-out command is recorded:\n{}",
        texts(&events)
    );
}

/// A provider step that outlives `provider_timeout_seconds`: provider_timeout, its process group
/// (including a child it started) is gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_timeout_fails_the_run_and_kills_its_processes() {
    let repo = Repo::new();
    let agent = repo.agent("sleeper", "sleeping_child(60)\ntime.sleep(30)\nfix()");
    let job = repo.job("ML-7", &agent);
    let w = worker(|c| c.provider_timeout_seconds = 1).await;
    let (id, run) = w.api.run_to_end(&job).await;
    assert_outcome(&run, "failed", "provider_timeout", Some("implement"));
    assert!(
        stages(&run).contains(&st("implement", 1, "failed")),
        "{:?}",
        stages(&run)
    );
    let left = wait_no_processes(&id, Instant::now(), Duration::from_secs(5)).await;
    assert_eq!(left, Ok(()), "processes of the run survived the timeout");
    w.api.wait_executors_idle().await;
    assert!(!w.worktree(&id).exists());
    w.stop().await;
}

/// Cancel while the provider (and a child it started) runs: `cancelled` and no process within
/// 2 s; the run stays cancelled and nothing is published.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_stops_the_run_and_its_processes_within_two_seconds() {
    let repo = Repo::new();
    let agent = repo.agent(
        "long",
        "sleeping_child(60)\nprint('ready', flush=True)\ntime.sleep(60)\nfix()",
    );
    let w = worker(|_| {}).await;
    let id = w.api.submit(&repo.job("ML-8", &agent)).await;
    w.api.wait_ready(&id).await;
    assert!(
        !run_processes(&id).is_empty(),
        "the agent and its child are running"
    );

    let asked = Instant::now();
    let (status, body) = w
        .api
        .post(&format!("/api/v1/runs/{id}/cancel"), &json!({}))
        .await;
    assert_eq!(status, 202, "cancel: {body}");
    let mut cancelled = false;
    while asked.elapsed() <= CANCEL_DEADLINE {
        if w.api.run(&id).await["status"] == "cancelled" {
            cancelled = true;
            break;
        }
        tokio::time::sleep(POLL).await;
    }
    assert!(cancelled, "the run is cancelled within 2 s");
    let left = wait_no_processes(&id, asked, CANCEL_DEADLINE).await;
    assert_eq!(
        left,
        Ok(()),
        "the run's processes are gone within 2 s of the cancel"
    );

    w.api.wait_executors_idle().await;
    let run = w.api.run(&id).await;
    assert_outcome(&run, "cancelled", "cancelled_by_user", Some("implement"));
    assert!(!w.worktree(&id).exists(), "the worktree is removed");
    assert_eq!(repo.remote_branches(), ["main"], "nothing pushed");
    let got = stages(&run);
    assert!(got.contains(&st("implement", 1, "cancelled")), "{got:?}");
    assert!(
        !got.iter()
            .any(|(n, _, _)| n == "validate" || n == "publish"),
        "{got:?}"
    );
    let (status, _) = w
        .api
        .post(&format!("/api/v1/runs/{id}/cancel"), &json!({}))
        .await;
    assert_eq!(status, 409, "a terminal run cannot be cancelled again");
    w.stop().await;
}

/// The worker is killed (SIGKILL) mid-run; the next start closes the run as
/// `failed/worker_restarted` and kills what the run left behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_after_a_crash_closes_the_run_and_kills_its_processes() {
    let repo = Repo::new();
    let agent = repo.agent(
        "long",
        "sleeping_child(60)\nprint('ready', flush=True)\ntime.sleep(60)\nfix()",
    );
    let data = repo.scratch("data");
    let log = repo.dir.path().join("worker.log");
    let mut first = spawn_bin(&data, &[], &[], &log).await;
    let id = first.api.submit(&repo.job("ML-9", &agent)).await;
    first.api.wait_ready(&id).await;
    assert!(
        !run_processes(&id).is_empty(),
        "the agent and its child are running"
    );

    first.signal(Signal::SIGKILL);
    let st = first.wait_exit(Duration::from_secs(30)).await;
    assert!(st.is_some(), "the killed worker exits");
    assert!(
        !run_processes(&id).is_empty(),
        "the run's processes outlive the killed worker (their own process group)"
    );

    let mut second = spawn_bin(&data, &[], &[], &log).await;
    let run = second.api.run(&id).await;
    assert_outcome(&run, "failed", "worker_restarted", Some("implement"));
    let left = wait_no_processes(&id, Instant::now(), Duration::from_secs(15)).await;
    assert_eq!(left, Ok(()), "recovery killed the run's processes");
    let events = second.api.events(&id).await;
    assert_seq_intact(&run, &events);
    second.signal(Signal::SIGTERM);
    let st = second.wait_exit(Duration::from_secs(30)).await;
    assert!(
        st.is_some_and(|s| s.success()),
        "the second worker exits cleanly: {st:?}"
    );
}

/// SIGTERM while a run is running: the worker exits 0 within 5 s, the run is
/// `failed/worker_shutdown`, and no process of it is left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_ends_the_running_run_as_worker_shutdown() {
    let repo = Repo::new();
    let agent = repo.agent(
        "long",
        "sleeping_child(60)\nprint('ready', flush=True)\ntime.sleep(60)\nfix()",
    );
    let data = repo.scratch("data");
    let log = repo.dir.path().join("worker.log");
    let mut bin = spawn_bin(&data, &[], &[], &log).await;
    let id = bin.api.submit(&repo.job("ML-10", &agent)).await;
    bin.api.wait_ready(&id).await;

    let asked = Instant::now();
    bin.signal(Signal::SIGTERM);
    let st = bin.wait_exit(SHUTDOWN_DEADLINE).await;
    assert!(
        st.is_some(),
        "the worker exits within 5 s of SIGTERM; log:\n{}",
        fs::read_to_string(&log).unwrap_or_default()
    );
    assert_eq!(st.and_then(|s| s.code()), Some(0), "exit status 0");
    let left = wait_no_processes(&id, asked, SHUTDOWN_DEADLINE).await;
    assert_eq!(left, Ok(()), "no process of the run is left");

    let mut again = spawn_bin(&data, &[], &[], &log).await;
    let run = again.api.run(&id).await;
    assert_outcome(&run, "failed", "worker_shutdown", Some("implement"));
    assert!(
        !data.join("workspaces").join("worktrees").join(&id).exists(),
        "worktree removed"
    );
    again.signal(Signal::SIGTERM);
    assert!(again.wait_exit(Duration::from_secs(30)).await.is_some());
}

/// Diff guard, size rule: two files changed with `max_files: 1`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diff_guard_blocks_an_oversized_change() {
    let repo = Repo::new();
    let agent = repo.agent("two", "fix()\nwrite('NOTES.md', 'notes\\n')");
    let mut job = repo.job("ML-11a", &agent);
    job["diff_guard"] = json!({"max_files": 1});
    let (run, events) = run_job(&job, |_| {}).await;
    assert_outcome(&run, "blocked", "diff_guard", Some("diff_guard"));
    assert!(
        stages(&run).contains(&st("diff_guard", 1, "failed")),
        "{:?}",
        stages(&run)
    );
    assert!(
        events
            .iter()
            .any(|e| e["kind"] == "warning" && e["data"]["rule"] == "max_files"),
        "a max_files flag:\n{}",
        texts(&events)
    );
    assert_eq!(repo.remote_branches(), ["main"], "nothing pushed");
}

/// Diff guard, protected path.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diff_guard_blocks_a_protected_path() {
    let repo = Repo::new();
    let agent = repo.agent("secretdir", "fix()\nwrite('secrets/x', 'x = 1\\n')");
    let mut job = repo.job("ML-11b", &agent);
    job["diff_guard"] = json!({"protected_paths": ["secrets/"]});
    let (run, events) = run_job(&job, |_| {}).await;
    assert_outcome(&run, "blocked", "diff_guard", Some("diff_guard"));
    assert!(
        events.iter().any(|e| e["kind"] == "warning"
            && e["data"]["rule"] == "protected_path"
            && e["data"]["path"] == "secrets/x"),
        "a protected_path flag on secrets/x:\n{}",
        texts(&events)
    );
    assert_eq!(repo.remote_branches(), ["main"], "nothing pushed");
}

/// Diff guard, secret scan: an added private key blocks the run, and the key header the agent
/// printed is masked in the events.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diff_guard_blocks_a_planted_private_key() {
    let repo = Repo::new();
    let agent = repo.agent(
        "key",
        r#"fix()
KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n"
write("deploy/id_ed25519", KEY)
print(KEY, flush=True)"#,
    );
    let job = repo.job("ML-11c", &agent);
    let (run, events) = run_job(&job, |_| {}).await;
    assert_outcome(&run, "blocked", "diff_guard", Some("diff_guard"));
    assert!(
        events.iter().any(|e| e["kind"] == "warning"
            && e["data"]["rule"] == "secret"
            && e["data"]["path"] == "deploy/id_ed25519"),
        "a secret flag on the key file:\n{}",
        texts(&events)
    );
    let all = texts(&events);
    assert!(
        !all.contains("BEGIN OPENSSH PRIVATE KEY"),
        "the key header is masked:\n{all}"
    );
    assert!(
        all.contains("[REDACTED]"),
        "the printed key line is shown masked:\n{all}"
    );
    assert_eq!(repo.remote_branches(), ["main"], "nothing pushed");
}

/// A provider that changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_changes_blocks_the_run() {
    let repo = Repo::new();
    let agent = repo.agent("idle", "print('nothing to do')");
    let (run, events) = run_job(&repo.job("ML-12", &agent), |_| {}).await;
    assert_outcome(&run, "blocked", "no_changes", Some("implement"));
    assert!(
        !events
            .iter()
            .any(|e| e["kind"] == "command.started" && e["stage"] == "validate"),
        "no validation ran"
    );
    assert_eq!(repo.remote_branches(), ["main"], "nothing pushed");
}

/// Review requests changes; review_fix applies them (the finding is in its prompt); validation
/// runs again and the run publishes the fixed change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn review_rejection_is_fixed_and_revalidated() {
    let repo = Repo::new();
    let agent = repo.agent(
        "reviewer",
        r#"if STAGE == "implement":
    fix()
elif STAGE == "review":
    if "return a + b" not in PROMPT:
        sys.exit("the review prompt lacks the diff")
    verdict = {"approved": False, "findings": [
        {"severity": "high", "message": "add needs a docstring", "path": "calc.py", "line": 1}]}
    write(os.environ["MERGELOOM_REVIEW_FILE"], json.dumps(verdict))
elif STAGE == "review_fix":
    if "add needs a docstring" not in PROMPT:
        sys.exit("the review_fix prompt lacks the finding")
    write("calc.py", 'def add(a, b):\n    """Adds."""\n    return a + b\n')
else:
    sys.exit("unexpected stage " + STAGE)"#,
    );
    let mut job = repo.job("ML-13", &agent);
    job["review"] = json!({"enabled": true});
    job["max_repair_attempts"] = json!(1);
    let (run, events) = run_job(&job, |_| {}).await;
    assert_outcome(&run, "completed", "published", None);
    assert_stages(
        &run,
        &[
            st("setup", 1, "succeeded"),
            st("context", 1, "succeeded"),
            st("implement", 1, "succeeded"),
            st("validate", 1, "succeeded"),
            st("validate", 2, "succeeded"),
            st("repair", 1, "skipped"),
            st("review", 1, "succeeded"),
            st("review_fix", 1, "succeeded"),
            st("diff_guard", 1, "succeeded"),
            st("publish", 1, "succeeded"),
            st("finalize", 1, "succeeded"),
        ],
    );
    assert_happened_in_order(
        &run,
        &[
            "implement#1",
            "validate#1",
            "review#1",
            "review_fix#1",
            "validate#2",
            "diff_guard#1",
            "publish#1",
        ],
    );
    assert!(
        events.iter().any(|e| e["kind"] == "message"
            && e["stage"] == "review"
            && e["data"]["approved"] == json!(false)
            && e["data"]["findings"][0]["message"] == "add needs a docstring"),
        "the verdict is recorded:\n{}",
        texts(&events)
    );
    let head = s(&run, "/head_commit");
    assert!(git(&repo.remote, &["show", &format!("{head}:calc.py")]).contains("\"\"\"Adds.\"\"\""));
}

/// A review step that writes no verdict is a provider error charged to `review`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn review_without_a_verdict_is_a_provider_error() {
    let repo = Repo::new();
    let agent = repo.agent("mute", "if STAGE == 'implement':\n    fix()");
    let mut job = repo.job("ML-13b", &agent);
    job["review"] = json!({"enabled": true});
    let (run, _) = run_job(&job, |_| {}).await;
    assert_outcome(&run, "failed", "provider_error", Some("review"));
    assert!(
        stages(&run).contains(&st("review", 1, "failed")),
        "{:?}",
        stages(&run)
    );
    assert_eq!(repo.remote_branches(), ["main"], "nothing pushed");
}

/// Two executors run two jobs on the same repository at the same time; both publish, and each
/// run's event stream is intact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_executors_run_two_jobs_on_one_repository_at_once() {
    let repo = Repo::new();
    let meet = repo.scratch("meet");
    // Each agent announces itself and waits (bounded) for the other: they provably overlap.
    let body = format!(
        r#"me, other = sys.argv[1], sys.argv[2]
open(os.path.join({meet:?}, me), "w").close()
deadline = time.time() + 60
while not os.path.exists(os.path.join({meet:?}, other)):
    if time.time() > deadline:
        sys.exit("the other agent never started")
    time.sleep(0.05)
time.sleep(1)
fix()
write("from_" + me + ".txt", me + "\n")"#,
        meet = meet.to_string_lossy()
    );
    let agent = repo.agent("pair", &body);
    let w = worker(|c| c.executors = 2).await;
    let mut ids = Vec::new();
    for (key, me, other) in [("ML-14a", "a", "b"), ("ML-14b", "b", "a")] {
        let mut job = repo.job(key, &agent);
        job["provider"]["command"] = json!(["python3", agent, me, other]);
        ids.push(w.api.submit(&job).await);
    }
    let mut runs = Vec::new();
    for id in &ids {
        runs.push(w.api.wait_terminal(id).await);
    }
    w.api.wait_executors_idle().await;
    let mut executors = Vec::new();
    for (id, me) in ids.iter().zip(["a", "b"]) {
        let run = w.api.run(id).await;
        assert_outcome(&run, "completed", "published", None);
        assert_stages(&run, &full_pipeline("succeeded"));
        let events = w.api.events(id).await;
        assert_seq_intact(&run, &events);
        let head = s(&run, "/head_commit");
        assert_eq!(
            repo.remote_branch(&s(&run, "/branch")).as_deref(),
            Some(head.as_str())
        );
        let files = git(
            &repo.remote,
            &["diff", "--name-only", &s(&run, "/base_commit"), &head],
        );
        assert_eq!(
            files.lines().collect::<Vec<_>>(),
            ["calc.py", format!("from_{me}.txt").as_str()]
        );
        executors.push(s(&run, "/executor/id"));
        assert!(!w.worktree(id).exists());
    }
    assert_ne!(executors[0], executors[1], "each run had its own executor");
    let (a, b) = (&runs[0], &runs[1]);
    let (a0, a1, b0, b1) = (
        s(a, "/started_at"),
        s(a, "/finished_at"),
        s(b, "/started_at"),
        s(b, "/finished_at"),
    );
    assert!(
        a0 < b1 && b0 < a1,
        "the runs overlapped: a {a0}..{a1}, b {b0}..{b1}"
    );
    w.stop().await;
}

/// Output over `output_limit_bytes_per_run`: the run is stopped as `failed/output_limit`, the
/// stored output stays within the limit, and an `error` event says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_limit_stops_the_run() {
    let repo = Repo::new();
    let agent = repo.agent(
        "loud",
        "line = 'x' * 99\nfor _ in range(10000):\n    print(line)\nsys.stdout.flush()\nfix()",
    );
    let (run, events) = run_job(&repo.job("ML-15", &agent), |c| {
        c.output_limit_bytes_per_run = 20_000;
    })
    .await;
    assert_outcome(&run, "failed", "output_limit", Some("implement"));
    let errors: Vec<&Value> = events.iter().filter(|e| e["kind"] == "error").collect();
    assert_eq!(errors.len(), 1, "one error event:\n{}", texts(&events));
    assert!(
        errors[0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("output limit")),
        "{}",
        errors[0]
    );
    let implement_last = run["stages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|st| st["name"] == "implement")
        .map(|st| i(st, "/last_seq"))
        .expect("an implement stage");
    assert!(
        i(errors[0], "/seq") > implement_last,
        "the error comes after the stopped stage"
    );
    let logged: usize = events
        .iter()
        .filter(|e| e["kind"] == "log" && e["data"]["source"] == "provider")
        .map(|e| e["text"].as_str().map_or(0, str::len) + 1)
        .sum();
    assert!(
        logged <= 20_000,
        "stored provider output {logged} bytes is within the limit"
    );
    let finalize = run["stages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|st| st["name"] == "finalize")
        .expect("a finalize stage");
    assert!(
        finalize["summary"]
            .as_str()
            .is_some_and(|t| t.contains("worktree removed")),
        "cleanup still runs after the output limit: {finalize}"
    );
    assert_seq_intact(&run, &events);
}

/// The provider switches branches and commits on its own: the published commit is still one
/// commit on top of the base with the change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_that_commits_on_another_branch_still_publishes() {
    let repo = Repo::new();
    let agent = repo.agent(
        "committer",
        r#"fix()
g = ["git", "-c", "user.name=agent", "-c", "user.email=agent@x"]
subprocess.run(g + ["checkout", "-q", "-b", "other"], check=True)
subprocess.run(g + ["add", "calc.py"], check=True)
subprocess.run(g + ["commit", "-q", "-m", "agent's own commit"], check=True)"#,
    );
    let (run, _) = run_job(&repo.job("ML-16", &agent), |_| {}).await;
    assert_outcome(&run, "completed", "published", None);
    let (base, head) = (s(&run, "/base_commit"), s(&run, "/head_commit"));
    assert_eq!(
        repo.remote_branch(&s(&run, "/branch")).as_deref(),
        Some(head.as_str())
    );
    assert_eq!(
        git(&repo.remote, &["rev-parse", &format!("{head}^")]).trim(),
        base
    );
    assert_eq!(
        git(&repo.remote, &["log", "-1", "--format=%s", &head]).trim(),
        "ML-16: Fix add"
    );
    let diff = git(&repo.remote, &["diff", &base, &head]);
    assert!(diff.contains("+    return a + b"), "{diff}");
    assert_eq!(
        git(&repo.remote, &["diff", "--name-only", &base, &head]).trim(),
        "calc.py"
    );
    assert!(
        repo.remote_branch("other").is_none(),
        "the agent's branch is not pushed"
    );
}

/// Hooks (in the common git dir, the worktree's git dir, and a `core.hooksPath`) and an
/// fsmonitor that the provider installs never run in the worker's own git calls.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hooks_installed_by_the_provider_never_run() {
    let repo = Repo::new();
    let markers = repo.scratch("markers");
    let selftest = repo.scratch("selftest");
    let body = format!(
        r##"fix()
MARK = {markers:?}
HOOKS = ["pre-commit", "prepare-commit-msg", "commit-msg", "post-commit", "pre-push",
         "reference-transaction", "post-checkout", "post-index-change", "post-rewrite",
         "pre-auto-gc", "post-merge", "push-to-checkout"]
def git_path(arg):
    out = subprocess.run(["git", "rev-parse", arg], capture_output=True, text=True, check=True)
    return os.path.abspath(out.stdout.strip())
def install(dir, tag):
    os.makedirs(dir, exist_ok=True)
    for h in HOOKS:
        p = os.path.join(dir, h)
        with open(p, "w") as f:
            f.write('#!/bin/sh\ntouch "${{HOOK_MARK:-%s}}/%s-%s"\n' % (MARK, tag, h))
        os.chmod(p, 0o755)
install(os.path.join(git_path("--git-common-dir"), "hooks"), "common")
install(os.path.join(git_path("--git-dir"), "hooks"), "gitdir")
install(".githooks", "hookspath")
fsmon = os.path.join(MARK, "..", "fsmonitor.sh")
with open(fsmon, "w") as f:
    f.write("#!/bin/sh\ntouch '%s/fsmonitor'\n" % MARK)
os.chmod(fsmon, 0o755)
subprocess.run(["git", "config", "core.hooksPath", ".githooks"], check=True)
subprocess.run(["git", "config", "core.fsmonitor", os.path.abspath(fsmon)], check=True)
# The hooks are real: run by hand (into another marker dir), they fire.
selftest = dict(os.environ, HOOK_MARK={selftest:?})
subprocess.run(["git", "hook", "run", "pre-commit"], env=selftest, check=True)
common = os.path.join(git_path("--git-common-dir"), "hooks")
subprocess.run(["git", "-c", "core.hooksPath=" + common, "hook", "run", "post-commit"], env=selftest, check=True)"##,
        markers = markers.to_string_lossy(),
        selftest = selftest.to_string_lossy()
    );
    let agent = repo.agent("hooks", &body);
    let (run, _) = run_job(&repo.job("ML-17", &agent), |_| {}).await;
    assert_outcome(&run, "completed", "published", None);
    assert!(
        repo.remote_branch(&s(&run, "/branch")).is_some(),
        "committed and pushed"
    );
    let fired: Vec<String> = fs::read_dir(&markers)
        .expect("read the marker dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        fired.is_empty(),
        "hooks ran in the worker's git calls: {fired:?}"
    );
    assert!(
        selftest.join("hookspath-pre-commit").exists()
            && selftest.join("common-post-commit").exists(),
        "the installed hooks do fire when git is not hardened"
    );
}

/// A secret from `--redact-env`, printed in two pieces with a pause between them, never appears
/// in events, the text log, the NDJSON export, the SSE replay, the run, or the database files.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_split_across_two_writes_is_redacted_everywhere() {
    const SECRET: &str = "zq7-Split-Secret-Value-4471";
    let (head, tail) = SECRET.split_at(11);
    let repo = Repo::new();
    let agent = repo.agent(
        "leaky",
        &format!(
            "sys.stdout.write('token: {head}')\nsys.stdout.flush()\ntime.sleep(0.5)\nsys.stdout.write('{tail} end\\n')\nsys.stdout.flush()\nsys.stderr.write('err {SECRET}\\n')\nfix()"
        ),
    );
    let data = repo.scratch("data");
    let log = repo.dir.path().join("worker.log");
    let mut bin = spawn_bin(
        &data,
        &["--redact-env", "MERGELOOM_TEST_SECRET"],
        &[("MERGELOOM_TEST_SECRET", SECRET)],
        &log,
    )
    .await;
    let (id, run) = bin.api.run_to_end(&repo.job("ML-18", &agent)).await;
    assert_outcome(&run, "completed", "published", None);
    bin.api.wait_executors_idle().await;

    let events = bin.api.events(&id).await;
    let joined = texts(&events);
    assert!(
        joined.contains("[REDACTED]"),
        "the secret was printed and masked:\n{joined}"
    );
    assert!(
        joined.contains("token: "),
        "the output around it is kept:\n{joined}"
    );
    let mut exports = vec![
        ("events", serde_json::to_string(&events).expect("json")),
        ("run", bin.api.run(&id).await.to_string()),
        (
            "log.txt",
            bin.api.text(&format!("/api/v1/runs/{id}/log.txt")).await,
        ),
        (
            "events.ndjson",
            bin.api
                .text(&format!("/api/v1/runs/{id}/events.ndjson"))
                .await,
        ),
        (
            "patch",
            bin.api.text(&format!("/api/v1/runs/{id}/patch")).await,
        ),
    ];
    let sse = tokio::time::timeout(
        Duration::from_secs(60),
        bin.api.text(&format!("/api/v1/runs/{id}/events/stream")),
    )
    .await
    .expect("the stream of a finished run ends");
    assert!(
        sse.contains("event: end"),
        "the replay reaches the end:\n{sse}"
    );
    exports.push(("sse", sse));
    for (name, text) in &exports {
        for needle in [SECRET, head, tail] {
            assert!(
                !text.contains(needle),
                "{name} contains {needle:?}:\n{text}"
            );
        }
    }

    bin.signal(Signal::SIGTERM);
    assert!(bin.wait_exit(Duration::from_secs(30)).await.is_some());
    // Stored command output tails and everything else in the database files.
    let mut db_files = 0;
    for entry in fs::read_dir(&data).expect("read the data dir").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("mergeloom.sqlite3") {
            db_files += 1;
            let bytes = fs::read(entry.path()).expect("read a database file");
            for needle in [SECRET, head, tail] {
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                    "{name} contains {needle:?}"
                );
            }
        }
    }
    assert!(db_files > 0, "found the database under {}", data.display());
}
