//! Live streams: a run's SSE stream resumes after any disconnect with no gap and no duplicate,
//! survives a client that stops reading for a long time, honours `?after=` like `Last-Event-ID`,
//! and the worker-wide stream starts with `resync`.

use std::time::Duration;

use mergeloom_worker::db::runs::Transition;
use mergeloom_worker::sink::{EventSink, NewEvent};

use crate::support::{
    Prng, SseMessage, SseReader, TestServer, assert_envelope, i64_at, run_id, send_json, str_at,
};

/// Reads `run-event` messages until `end`, checking that each seq is exactly `*last + 1`.
/// Returns the `end` status, or `None` when `budget` messages were read first.
async fn read_in_order(reader: &mut SseReader, last: &mut i64, budget: u64) -> Option<String> {
    let mut got = 0;
    while got < budget {
        let msg = match reader.next().await {
            Some(m) => m,
            None => panic!("the stream closed without `end` after seq {last}"),
        };
        match msg.event.as_deref() {
            Some("run-event") => {
                let seq = msg.seq();
                assert_eq!(
                    seq,
                    *last + 1,
                    "gap or duplicate: got seq {seq} after {last}"
                );
                *last = seq;
                got += 1;
            }
            Some("end") => {
                assert!(msg.id.is_none(), "end carries no id: {msg:?}");
                return Some(str_at(&msg.json(), "/status"));
            }
            _ => panic!("unexpected message on a run stream: {msg:?}"),
        }
    }
    None
}

/// Reads everything up to and including `end`, then checks that the stream closes.
async fn read_to_end(reader: &mut SseReader, last: &mut i64) -> String {
    let status = read_in_order(reader, last, u64::MAX)
        .await
        .expect("an unbounded read ends with `end`");
    reader.assert_ends().await;
    status
}

fn stream_path(rid: &str) -> String {
    format!("/api/v1/runs/{rid}/events/stream")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_stream_resumes_after_random_disconnects_without_gap_or_duplicate() {
    const APPENDS: u64 = 10_000;
    let s = TestServer::start().await;
    let rid = s.submit_run("SSE-1").await;
    let id = run_id(&rid);
    let sink = s.state().sink.clone();
    let producer = tokio::spawn(async move {
        let mut rng = Prng::new(0x5EED_0001);
        let (mut appended, mut batches) = (0_u64, 0_u64);
        while appended < APPENDS {
            let n = rng.range(1, 50).min(APPENDS - appended);
            let events = (appended..appended + n)
                .map(|i| NewEvent::log("implement", 1, "stdout", "provider", format!("chunk {i}")))
                .collect();
            let seqs = sink.append(id, events).await.expect("append");
            assert_eq!(seqs.len() as u64, n);
            appended += n;
            batches += 1;
            // Let the reader interleave with the appends (correctness does not depend on it).
            if batches % 8 == 0 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
        sink.transition(
            id,
            Transition {
                status: "failed".into(),
                reason_code: Some("internal_error".into()),
                reason: Some("ended by the stream test".into()),
                ..Transition::default()
            },
        )
        .await
        .expect("terminal transition");
    });

    let url = s.url(&stream_path(&rid));
    let mut rng = Prng::new(0x5EED_0002);
    let mut last = 0_i64;
    let mut reconnects = 0;
    let status = loop {
        let headers = if last > 0 {
            vec![("Last-Event-ID", last.to_string())]
        } else {
            Vec::new()
        };
        let mut reader = SseReader::connect(&s.http, &url, &headers).await;
        let budget = rng.range(1, 1500);
        if let Some(status) = read_in_order(&mut reader, &mut last, budget).await {
            reader.assert_ends().await;
            break status;
        }
        // Disconnect at a random point: drop the response mid-stream.
        drop(reader);
        reconnects += 1;
        if rng.range(0, 3) == 0 {
            tokio::time::sleep(Duration::from_millis(rng.range(0, 20))).await;
        }
    };
    producer.await.expect("producer task");

    let run = s.run(&rid).await;
    let n = i64_at(&run, "/last_event_seq");
    // submission (1) + appends + the terminal run.state event
    assert_eq!(n, APPENDS as i64 + 2);
    assert_eq!(
        last, n,
        "every seq 1..=N was received exactly once, in order"
    );
    assert_eq!(status, "failed");
    assert!(
        reconnects >= 5,
        "the test disconnected only {reconnects} times"
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lagging_client_gets_every_event_without_gap_or_duplicate() {
    const APPENDS: usize = 24_000;
    let s = TestServer::start().await;
    let rid = s.submit_run("LAG-1").await;
    let id = run_id(&rid);

    // Connect, then stop reading while far more events than the broadcast capacity (4096) and
    // the per-client buffer (512) are appended; 1 KiB each also fills the socket buffers.
    let mut reader = SseReader::connect(&s.http, &s.url(&stream_path(&rid)), &[]).await;
    let pad = "x".repeat(1024);
    let mut rng = Prng::new(0x1A66);
    let mut appended = 0;
    while appended < APPENDS {
        let n = (rng.range(100, 400) as usize).min(APPENDS - appended);
        let events = (appended..appended + n)
            .map(|i| NewEvent::log("implement", 1, "stdout", "provider", format!("{i} {pad}")))
            .collect();
        s.state().sink.append(id, events).await.expect("append");
        appended += n;
    }
    s.state()
        .sink
        .transition(
            id,
            Transition {
                status: "failed".into(),
                reason_code: Some("internal_error".into()),
                ..Transition::default()
            },
        )
        .await
        .expect("terminal transition");

    let mut last = 0;
    let status = read_to_end(&mut reader, &mut last).await;
    assert_eq!(status, "failed");
    let n = i64_at(&s.run(&rid).await, "/last_event_seq");
    assert_eq!(n, APPENDS as i64 + 2);
    assert_eq!(last, n, "seq 1..=N exactly once each, in order");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_parameter_resumes_like_last_event_id() {
    let s = TestServer::start().await;
    let rid = s.submit_run("AFT-1").await;
    let id = run_id(&rid);
    let sink = &s.state().sink;
    let lines = |from: usize, to: usize| -> Vec<NewEvent> {
        (from..to)
            .map(|i| NewEvent::log("validate", 1, "stderr", "validation", format!("l{i}")))
            .collect()
    };
    sink.append(id, lines(0, 9)).await.expect("append"); // seqs 2..=10
    let path = stream_path(&rid);

    // Live: ?after=5 replays 6..=10, then follows new events, then ends when the run does.
    let mut reader = SseReader::connect(&s.http, &s.url(&format!("{path}?after=5")), &[]).await;
    let mut last = 5;
    assert!(read_in_order(&mut reader, &mut last, 5).await.is_none());
    assert_eq!(last, 10);
    sink.append(id, lines(9, 14)).await.expect("append"); // 11..=15
    assert!(read_in_order(&mut reader, &mut last, 5).await.is_none());
    assert_eq!(last, 15);
    s.cancel(&rid).await; // 16
    let status = read_to_end(&mut reader, &mut last).await;
    assert_eq!((status.as_str(), last), ("cancelled", 16));

    // Terminal run: replay after the given seq, then end.
    let mut reader = SseReader::connect(&s.http, &s.url(&format!("{path}?after=14")), &[]).await;
    let mut last = 14;
    assert_eq!(read_to_end(&mut reader, &mut last).await, "cancelled");
    assert_eq!(last, 16);
    // Already at the end: only `end`.
    let mut reader = SseReader::connect(&s.http, &s.url(&format!("{path}?after=16")), &[]).await;
    let mut last = 16;
    assert_eq!(read_to_end(&mut reader, &mut last).await, "cancelled");
    assert_eq!(last, 16);
    // The same through Last-Event-ID; the header wins over ?after=.
    let mut reader = SseReader::connect(
        &s.http,
        &s.url(&format!("{path}?after=2")),
        &[("Last-Event-ID", "15".to_owned())],
    )
    .await;
    let mut last = 15;
    assert_eq!(read_to_end(&mut reader, &mut last).await, "cancelled");
    assert_eq!(last, 16);
    // From the start: everything.
    let mut reader = SseReader::connect(&s.http, &s.url(&path), &[]).await;
    let mut last = 0;
    assert_eq!(read_to_end(&mut reader, &mut last).await, "cancelled");
    assert_eq!(last, 16);

    // Bad resume positions are 422s naming the parameter.
    let (status, body) = send_json(s.get(&format!("{path}?after=abc"))).await;
    assert_envelope(status, &body, 422, "validation_failed");
    let (status, body) = send_json(s.get(&path).header("Last-Event-ID", "-3")).await;
    assert_envelope(status, &body, 422, "validation_failed");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_stream_is_never_compressed_or_buffered() {
    let s = TestServer::start().await;
    let rid = s.submit_run("ENC-1").await;
    let resp = s
        .get(&stream_path(&rid))
        .header("Accept-Encoding", "gzip, br")
        .send()
        .await
        .expect("stream");
    let encoding = resp
        .headers()
        .get("content-encoding")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("identity")
        .to_owned();
    assert_eq!(encoding, "identity", "SSE must not be compressed");
    assert_eq!(
        resp.headers()
            .get("x-accel-buffering")
            .and_then(|v| v.to_str().ok()),
        Some("no")
    );
    let mut reader = SseReader::new(resp);
    let first = reader.next().await.expect("first event");
    assert_eq!(first.event.as_deref(), Some("run-event"));
    assert_eq!(first.seq(), 1);
    assert_eq!(str_at(&first.json(), "/kind"), "run.state");
    drop(reader);
    s.stop().await;
}

/// The next `run.*` message of the worker stream (other worker messages are skipped).
async fn next_run_message(reader: &mut SseReader) -> SseMessage {
    loop {
        let msg = reader.next().await.expect("the worker stream stays open");
        if msg.event.as_deref().is_some_and(|e| e.starts_with("run.")) {
            return msg;
        }
        assert!(
            matches!(
                msg.event.as_deref(),
                Some("executor.updated" | "health.changed" | "resync")
            ),
            "unexpected worker message {msg:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker_stream_starts_with_resync_then_run_created_and_updated() {
    let s = TestServer::start().await;
    let mut reader = SseReader::connect(&s.http, &s.url("/api/v1/stream"), &[]).await;
    let first = reader.next().await.expect("a first message");
    assert_eq!(first.event.as_deref(), Some("resync"), "{first:?}");

    let rid = s.submit_run("WS-1").await;
    let created = next_run_message(&mut reader).await;
    assert_eq!(created.event.as_deref(), Some("run.created"), "{created:?}");
    let run = created.json();
    assert_eq!(str_at(&run, "/id"), rid);
    assert_eq!(str_at(&run, "/status"), "queued");

    s.cancel(&rid).await;
    let updated = next_run_message(&mut reader).await;
    assert_eq!(updated.event.as_deref(), Some("run.updated"), "{updated:?}");
    let run = updated.json();
    assert_eq!(str_at(&run, "/id"), rid);
    assert_eq!(str_at(&run, "/status"), "cancelled");
    assert_eq!(str_at(&run, "/outcome/reason_code"), "cancelled_by_user");

    // Every new connection starts with resync too.
    let mut second = SseReader::connect(&s.http, &s.url("/api/v1/stream"), &[]).await;
    assert_eq!(
        second.next().await.expect("first").event.as_deref(),
        Some("resync")
    );
    drop(second);
    drop(reader);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_streams_end_when_the_server_stops() {
    let s = TestServer::start().await;
    let rid = s.submit_run("STOP-1").await;
    let mut run_reader = SseReader::connect(&s.http, &s.url(&stream_path(&rid)), &[]).await;
    let mut worker_reader = SseReader::connect(&s.http, &s.url("/api/v1/stream"), &[]).await;
    assert_eq!(run_reader.next().await.expect("seq 1").seq(), 1);
    assert_eq!(
        worker_reader.next().await.expect("resync").event.as_deref(),
        Some("resync")
    );
    s.stop().await;
    run_reader.assert_ends().await;
    worker_reader.assert_ends().await;
}
