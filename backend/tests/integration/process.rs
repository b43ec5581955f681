//! The binary as an operator runs it: one `serve` per data directory, a clean exit on SIGTERM
//! (open streams end), and no non-loopback bind without a token.

use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::support::{STEP_TIMEOUT, SseReader, client, job, str_at};

const BIN: &str = env!("CARGO_BIN_EXE_mergeloom-worker");

/// `mergeloom-worker serve --port 0 --data-dir <dir> --executors 0 <extra>`, with no
/// `JCA_WORKER_*` settings inherited from the environment.
fn serve_command(data_dir: &Path, extra: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.arg("serve")
        .arg("--port")
        .arg("0")
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--executors")
        .arg("0")
        .args(extra)
        .stdin(Stdio::null())
        .kill_on_drop(true);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("JCA_WORKER_") {
            cmd.env_remove(name);
        }
    }
    cmd
}

/// Starts a server process and waits for its `listening on http://…` line; returns the URL.
async fn spawn_server(data_dir: &Path) -> (Child, String) {
    let mut child = serve_command(data_dir, &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn mergeloom-worker serve");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    let line = tokio::time::timeout(STEP_TIMEOUT, lines.next_line())
        .await
        .expect("the server prints its address")
        .expect("read stdout")
        .expect("a line on stdout before exit");
    let url = line
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .trim()
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    // Keep draining stdout so the child never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    // One round trip before the test may signal the process: `main.rs` prints the address before
    // it installs its SIGTERM handler, so a signal sent right after the line can kill it uncleanly
    // (reported as a bug; this keeps the test about shutdown, not about that race).
    let resp = client()
        .get(format!("{url}/readyz"))
        .send()
        .await
        .expect("readyz");
    assert_eq!(resp.status().as_u16(), 200);
    (child, url)
}

/// Polls until the child exits or the deadline passes.
async fn wait_until(child: &mut Child, deadline: Duration) -> Option<ExitStatus> {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("poll the child") {
            return Some(status);
        }
        if start.elapsed() > deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn send_sigterm(child: &Child) {
    let pid = child.id().expect("the child is running");
    let status = std::process::Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -TERM {pid}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_serve_on_the_same_data_directory_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut first, url) = spawn_server(dir.path()).await;

    let second = tokio::time::timeout(
        STEP_TIMEOUT,
        serve_command(dir.path(), &[])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output(),
    )
    .await
    .expect("the second serve exits")
    .expect("run the second serve");
    assert!(
        !second.status.success(),
        "the second serve must fail: {:?}",
        second.status
    );
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.contains("is in use by another mergeloom-worker process"),
        "the lock message: {stderr}"
    );
    assert!(!String::from_utf8_lossy(&second.stdout).contains("listening on"));

    // The first is unaffected.
    let resp = client()
        .get(format!("{url}/readyz"))
        .send()
        .await
        .expect("readyz");
    assert_eq!(resp.status().as_u16(), 200);
    send_sigterm(&first);
    let status = wait_until(&mut first, Duration::from_secs(5))
        .await
        .expect("exit after SIGTERM");
    assert!(status.success(), "{status:?}");

    // The lock is released with the process: a new serve starts.
    let (mut third, _) = spawn_server(dir.path()).await;
    send_sigterm(&third);
    let status = wait_until(&mut third, Duration::from_secs(5))
        .await
        .expect("exit after SIGTERM");
    assert!(status.success(), "{status:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_exits_zero_within_five_seconds_and_ends_open_streams() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut child, url) = spawn_server(dir.path()).await;
    let http = client();
    let resp = http
        .post(format!("{url}/api/v1/jobs"))
        .json(&job("TERM-1"))
        .send()
        .await
        .expect("submit");
    assert_eq!(resp.status().as_u16(), 201);
    let created: serde_json::Value = resp.json().await.expect("JSON");
    let rid = str_at(&created, "/run/id");

    let mut run_stream = SseReader::connect(
        &http,
        &format!("{url}/api/v1/runs/{rid}/events/stream"),
        &[],
    )
    .await;
    assert_eq!(run_stream.next().await.expect("seq 1").seq(), 1);
    let mut worker_stream = SseReader::connect(&http, &format!("{url}/api/v1/stream"), &[]).await;
    assert_eq!(
        worker_stream.next().await.expect("resync").event.as_deref(),
        Some("resync")
    );

    send_sigterm(&child);
    let status = wait_until(&mut child, Duration::from_secs(5))
        .await
        .expect("the server exits within 5 s of SIGTERM");
    assert!(status.success(), "exit status after SIGTERM: {status:?}");
    // The open streams end (cleanly or by the connection closing), without an `end` message:
    // the run is still queued.
    run_stream.assert_ends().await;
    worker_stream.assert_ends().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_loopback_bind_without_a_token_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = tokio::time::timeout(
        STEP_TIMEOUT,
        serve_command(dir.path(), &["--host", "0.0.0.0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output(),
    )
    .await
    .expect("serve exits")
    .expect("run serve");
    assert!(!out.status.success(), "{:?}", out.status);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("token"),
        "the message mentions the token: {stderr}"
    );
    assert!(stderr.contains("--auth-token"), "{stderr}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("listening on"));
}
