//! Shared harness: an in-process server on its own temp data directory, an HTTP client, row
//! counts straight from the database, a tiny seeded PRNG and an SSE reader.

use std::time::Duration;

use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use mergeloom_worker::api::AppState;
use mergeloom_worker::config::Config;
use mergeloom_worker::ids::RunId;
use mergeloom_worker::server::{self, RunningServer};
use serde_json::{Value, json};
use tempfile::TempDir;

/// Generous upper bound for one network step (not a speed assertion: only keeps a broken test
/// from hanging forever).
pub const STEP_TIMEOUT: Duration = Duration::from_secs(60);

/// A running in-process server with its data directory and a client.
pub struct TestServer {
    pub server: RunningServer,
    pub http: reqwest::Client,
    // Dropped last: the server's files live here.
    _dir: TempDir,
}

/// A client that never uses a proxy from the environment.
#[must_use]
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("build the HTTP client")
}

impl TestServer {
    /// Starts a server with the test defaults (loopback, port 0, no executors, no token).
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Starts a server after letting the test adjust the configuration.
    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().expect("create a temp data directory");
        let mut config = Config::for_data_dir(dir.path().to_path_buf());
        adjust(&mut config);
        let server = server::start(config).await.expect("start the server");
        Self {
            server,
            http: client(),
            _dir: dir,
        }
    }

    #[must_use]
    pub fn state(&self) -> &AppState {
        &self.server.state
    }

    #[must_use]
    pub fn port(&self) -> u16 {
        self.server.addr.port()
    }

    /// `http://127.0.0.1:PORT` + `path`.
    #[must_use]
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.url())
    }

    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.http.get(self.url(path))
    }

    pub fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.http.post(self.url(path))
    }

    /// Submits a job and returns the `{"job", "run"}` body (asserting 201).
    pub async fn submit(&self, body: &Value) -> Value {
        let resp = self
            .post("/api/v1/jobs")
            .json(body)
            .send()
            .await
            .expect("POST /api/v1/jobs");
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.expect("job response is JSON");
        assert_eq!(status, 201, "job submission failed: {body}");
        body
    }

    /// Submits the minimal valid job for `key` and returns the run id.
    pub async fn submit_run(&self, key: &str) -> String {
        let created = self.submit(&job(key)).await;
        str_at(&created, "/run/id")
    }

    /// Cancels a run through the API (asserting 202).
    pub async fn cancel(&self, run_id: &str) -> Value {
        let resp = self
            .post(&format!("/api/v1/runs/{run_id}/cancel"))
            .send()
            .await
            .expect("POST cancel");
        assert_eq!(resp.status().as_u16(), 202, "cancel {run_id}");
        resp.json().await.expect("cancel answers JSON")
    }

    /// GET a path and return `(status, JSON body)`.
    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let resp = self.get(path).send().await.expect("GET");
        let status = resp.status().as_u16();
        let body = resp.json().await.unwrap_or(Value::Null);
        (status, body)
    }

    /// The run as `GET /api/v1/runs/{id}` serves it.
    pub async fn run(&self, run_id: &str) -> Value {
        let (status, body) = self.get_json(&format!("/api/v1/runs/{run_id}")).await;
        assert_eq!(status, 200, "GET run {run_id}: {body}");
        body
    }

    /// Row counts of jobs, runs, events, run states and repositories.
    pub async fn counts(&self) -> Counts {
        db_counts(self.state()).await
    }

    pub async fn stop(self) {
        self.server.stop().await;
    }
}

/// Row counts of the tables a request could change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub jobs: i64,
    pub runs: i64,
    pub events: i64,
    pub run_states: i64,
    pub repositories: i64,
}

/// Counts rows through the server's own read pool.
pub async fn db_counts(state: &AppState) -> Counts {
    state
        .db
        .read(|c| {
            use mergeloom_worker::schema::{events, jobs, repositories, run_states, runs};
            let c: &mut SqliteConnection = c;
            Ok(Counts {
                jobs: jobs::table.count().get_result(c)?,
                runs: runs::table.count().get_result(c)?,
                events: events::table.count().get_result(c)?,
                run_states: run_states::table.count().get_result(c)?,
                repositories: repositories::table.count().get_result(c)?,
            })
        })
        .await
        .expect("count rows")
}

/// The minimal valid job body for a ticket key.
#[must_use]
pub fn job(key: &str) -> Value {
    json!({
        "ticket": {"key": key, "title": format!("Ticket {key}")},
        "repository": {"url": "/srv/repos/api.git", "name": "acme/api"},
    })
}

/// A string at a JSON pointer (panics with the pointer when missing).
#[must_use]
pub fn str_at(v: &Value, pointer: &str) -> String {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no string at {pointer} in {v}"))
        .to_owned()
}

/// An integer at a JSON pointer.
#[must_use]
pub fn i64_at(v: &Value, pointer: &str) -> i64 {
    v.pointer(pointer)
        .and_then(Value::as_i64)
        .unwrap_or_else(|| panic!("no integer at {pointer} in {v}"))
}

/// A run id as the sink wants it.
#[must_use]
pub fn run_id(s: &str) -> RunId {
    RunId::parse(s).expect("a run id from the API parses")
}

/// Asserts the error envelope: status, `error.code`, a message.
pub fn assert_envelope(status: u16, body: &Value, want_status: u16, want_code: &str) {
    assert_eq!(status, want_status, "status; body: {body}");
    assert_eq!(
        body.pointer("/error/code").and_then(Value::as_str),
        Some(want_code),
        "error code; body: {body}"
    );
    assert!(
        body.pointer("/error/message")
            .and_then(Value::as_str)
            .is_some_and(|m| !m.is_empty()),
        "error message; body: {body}"
    );
    assert!(
        body.pointer("/error/details").is_some(),
        "error details; body: {body}"
    );
}

/// The `details.fields[].path` values of a 422 envelope.
#[must_use]
pub fn field_paths(body: &Value) -> Vec<String> {
    body.pointer("/error/details/fields")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|f| f.get("path").and_then(Value::as_str).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// SplitMix64: a small seeded PRNG, so random choices are reproducible.
pub struct Prng(u64);

impl Prng {
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }
}

/// One dispatched SSE message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SseMessage {
    pub id: Option<String>,
    pub event: Option<String>,
    pub data: String,
}

impl SseMessage {
    /// The `data` as JSON.
    #[must_use]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.data)
            .unwrap_or_else(|e| panic!("SSE data is not JSON ({e}): {:?}", self.data))
    }

    /// The seq of a `run-event` (its `id:`), checked against the data.
    #[must_use]
    pub fn seq(&self) -> i64 {
        let id: i64 = self
            .id
            .as_deref()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("run-event without a numeric id: {self:?}"));
        assert_eq!(i64_at(&self.json(), "/seq"), id, "id: and data.seq differ");
        id
    }
}

/// Reads an SSE response message by message (comments and retry-only blocks are skipped).
pub struct SseReader {
    resp: reqwest::Response,
    buf: Vec<u8>,
    done: bool,
}

impl SseReader {
    /// Wraps a response, asserting it is a 200 event stream.
    #[must_use]
    pub fn new(resp: reqwest::Response) -> Self {
        assert_eq!(resp.status().as_u16(), 200, "SSE response status");
        let ct = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(
            ct.starts_with("text/event-stream"),
            "SSE content type {ct:?}"
        );
        Self {
            resp,
            buf: Vec::new(),
            done: false,
        }
    }

    /// Connects to `url` with optional extra headers and returns a reader.
    pub async fn connect(http: &reqwest::Client, url: &str, headers: &[(&str, String)]) -> Self {
        let mut req = http.get(url);
        for (name, value) in headers {
            req = req.header(*name, value.as_str());
        }
        let resp = tokio::time::timeout(STEP_TIMEOUT, req.send())
            .await
            .expect("SSE connect timed out")
            .expect("SSE connect");
        Self::new(resp)
    }

    /// The next message, or `None` when the stream ended (cleanly or not).
    pub async fn next(&mut self) -> Option<SseMessage> {
        tokio::time::timeout(STEP_TIMEOUT, self.next_inner())
            .await
            .expect("no SSE message within the step timeout")
    }

    async fn next_inner(&mut self) -> Option<SseMessage> {
        loop {
            if let Some(block) = self.take_block() {
                if let Some(msg) = parse_block(&block) {
                    return Some(msg);
                }
                continue;
            }
            if self.done {
                return None;
            }
            match self.resp.chunk().await {
                Ok(Some(bytes)) => self.buf.extend_from_slice(&bytes),
                Ok(None) | Err(_) => self.done = true,
            }
        }
    }

    /// Whether the stream ends (no further message) — the bytes after the last message are only
    /// comments or nothing.
    pub async fn assert_ends(&mut self) {
        if let Some(msg) = self.next().await {
            panic!("expected the stream to close, got {msg:?}");
        }
    }

    fn take_block(&mut self) -> Option<String> {
        let text_end = self.buf.windows(2).position(|w| w == b"\n\n")?;
        let block: Vec<u8> = self.buf.drain(..text_end + 2).collect();
        Some(String::from_utf8_lossy(&block).replace('\r', ""))
    }
}

fn parse_block(block: &str) -> Option<SseMessage> {
    let mut msg = SseMessage::default();
    let mut data: Vec<&str> = Vec::new();
    let mut any = false;
    for line in block.lines() {
        if line.is_empty() || line.starts_with(':') {
            continue;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "id" => {
                msg.id = Some(value.to_owned());
                any = true;
            }
            "event" => {
                msg.event = Some(value.to_owned());
                any = true;
            }
            "data" => {
                data.push(value);
                any = true;
            }
            _ => {}
        }
    }
    msg.data = data.join("\n");
    any.then_some(msg)
}

/// Sends a request and returns `(status, JSON body or Null)`.
pub async fn send_json(req: reqwest::RequestBuilder) -> (u16, Value) {
    let resp = req.send().await.expect("send request");
    let status = resp.status().as_u16();
    let body = resp.json().await.unwrap_or(Value::Null);
    (status, body)
}
