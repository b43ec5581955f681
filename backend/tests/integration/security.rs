//! Security defaults: the Host allowlist (DNS rebinding), same-origin writes, the access token and
//! the session cookie — and that nothing a refused request asked for reaches the database.

use serde_json::Value;

use crate::support::{SseReader, TestServer, assert_envelope, job, send_json, str_at};

const TOKEN: &str = "s3cret";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn host_allowlist_refuses_foreign_names_but_not_loopback_or_probes() {
    let s = TestServer::start().await;
    let rid = s.submit_run("HOST-1").await;
    let before = s.counts().await;

    for path in [
        "/api/v1/runs",
        "/",
        "/live/some-job",
        "/runs",
        "/api/v1/openapi.json",
    ] {
        let (status, body) = send_json(s.get(path).header("Host", "evil.example")).await;
        assert_envelope(status, &body, 403, "forbidden");
    }
    // DNS-rebinding look-alikes.
    for host in [
        "localhost.evil.example",
        "127.0.0.1.evil.example:80",
        "evil.example:8010",
    ] {
        let (status, body) = send_json(s.get("/api/v1/runs").header("Host", host)).await;
        assert_envelope(status, &body, 403, "forbidden");
    }
    // Writes from a foreign Host are refused too and change nothing.
    let (status, body) = send_json(
        s.post("/api/v1/jobs")
            .header("Host", "evil.example")
            .json(&job("EVIL-1")),
    )
    .await;
    assert_envelope(status, &body, 403, "forbidden");
    let (status, body) = send_json(
        s.post(&format!("/api/v1/runs/{rid}/cancel"))
            .header("Host", "evil.example"),
    )
    .await;
    assert_envelope(status, &body, 403, "forbidden");

    // Loopback names on any port.
    for host in [
        "localhost:9999",
        "LOCALHOST",
        "[::1]:1",
        "127.0.0.1:4242",
        "localhost.",
    ] {
        let (status, body) = send_json(s.get("/api/v1/runs").header("Host", host)).await;
        assert_eq!(status, 200, "Host {host}: {body}");
    }
    // Probes are exempt.
    for path in ["/livez", "/healthz", "/readyz"] {
        let (status, body) = send_json(s.get(path).header("Host", "evil.example")).await;
        assert_eq!(status, 200, "{path}: {body}");
    }
    assert_eq!(s.counts().await, before, "refused requests change nothing");
    assert_eq!(str_at(&s.run(&rid).await, "/status"), "queued");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_origin_writes_are_refused_and_same_origin_writes_pass() {
    let s = TestServer::start().await;
    let before = s.counts().await;
    for origin in [
        "http://evil.example",
        "null",
        "https://127.0.0.1:1",
        "http://localhost",
    ] {
        let (status, body) = send_json(
            s.post("/api/v1/jobs")
                .header("Origin", origin)
                .json(&job("XO-1")),
        )
        .await;
        assert_envelope(status, &body, 403, "forbidden");
    }
    assert_eq!(
        s.counts().await,
        before,
        "cross-origin writes change nothing"
    );

    let own = format!("http://127.0.0.1:{}", s.port());
    let (status, body) = send_json(
        s.post("/api/v1/jobs")
            .header("Origin", own.as_str())
            .json(&job("SO-1")),
    )
    .await;
    assert_eq!(status, 201, "same-origin write: {body}");
    let rid = str_at(&body, "/run/id");
    // Cross-origin cancel refused; the run stays queued.
    let (status, body) = send_json(
        s.post(&format!("/api/v1/runs/{rid}/cancel"))
            .header("Origin", "http://evil.example"),
    )
    .await;
    assert_envelope(status, &body, 403, "forbidden");
    assert_eq!(str_at(&s.run(&rid).await, "/status"), "queued");
    // Reads from another origin are not writes (CORS headers decide what a browser may read).
    let (status, _) = send_json(
        s.get("/api/v1/runs")
            .header("Origin", "http://evil.example"),
    )
    .await;
    assert_eq!(status, 200);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_host_names_are_allowed() {
    let s = TestServer::start_with(|c| c.public_hosts = vec!["worker.example".into()]).await;
    let (status, body) =
        send_json(s.get("/api/v1/runs").header("Host", "worker.example:8443")).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = send_json(s.get("/api/v1/runs").header("Host", "worker.example")).await;
    assert_eq!(status, 200, "{body}");
    // Same-origin writes through the public name.
    let (status, body) = send_json(
        s.post("/api/v1/jobs")
            .header("Host", "worker.example")
            .header("Origin", "http://worker.example")
            .json(&job("PUB-1")),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = send_json(s.get("/api/v1/runs").header("Host", "other.example")).await;
    assert_envelope(status, &body, 403, "forbidden");
    s.stop().await;
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// The `name=value` part of a Set-Cookie header.
fn cookie_pair(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .map(str::trim)
        .expect("a cookie pair")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_token_protects_the_api_and_the_session_cookie_works() {
    let s = TestServer::start_with(|c| c.auth_token = Some(TOKEN.into())).await;
    let auth = bearer(TOKEN);

    // Without a token, with a wrong one: 401 `unauthorized` with WWW-Authenticate.
    let resp = s.get("/api/v1/runs").send().await.expect("GET");
    assert_eq!(resp.status().as_u16(), 401);
    assert_eq!(
        resp.headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok()),
        Some("Bearer")
    );
    let body: Value = resp.json().await.expect("JSON");
    assert_envelope(401, &body, 401, "unauthorized");
    for value in [
        "Bearer wrong",
        "Bearer s3cret2",
        "Bearer ",
        "Basic czNjcmV0",
        "s3cret",
    ] {
        let (status, body) = send_json(s.get("/api/v1/runs").header("Authorization", value)).await;
        assert_envelope(status, &body, 401, "unauthorized");
    }
    // /metrics is protected like the API (whether or not it exists yet, never 200 without a token).
    let (status, _) = send_json(s.get("/metrics")).await;
    assert_eq!(status, 401);

    // With the token.
    let (status, body) =
        send_json(s.get("/api/v1/runs").header("Authorization", auth.as_str())).await;
    assert_eq!(status, 200, "{body}");
    let (status, created) = send_json(
        s.post("/api/v1/jobs")
            .header("Authorization", auth.as_str())
            .json(&job("TOK-1")),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let rid = str_at(&created, "/run/id");
    // Probes need no token.
    let (status, _) = send_json(s.get("/readyz")).await;
    assert_eq!(status, 200);

    // Session: wrong token → 401 and no cookie; right token → 204 with the cookie.
    let resp = s
        .post("/api/v1/session")
        .json(&serde_json::json!({"token": "nope"}))
        .send()
        .await
        .expect("session");
    assert_eq!(resp.status().as_u16(), 401);
    assert!(resp.headers().get("set-cookie").is_none());
    let body: Value = resp.json().await.expect("JSON");
    assert_envelope(401, &body, 401, "unauthorized");

    let resp = s
        .post("/api/v1/session")
        .json(&serde_json::json!({"token": TOKEN}))
        .send()
        .await
        .expect("session");
    assert_eq!(resp.status().as_u16(), 204);
    let set_cookie = resp
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("Set-Cookie")
        .to_owned();
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Strict"), "{set_cookie}");
    assert!(
        !set_cookie.contains(TOKEN),
        "the cookie never carries the token: {set_cookie}"
    );
    let cookie = cookie_pair(&set_cookie);

    let (status, body) = send_json(s.get("/api/v1/runs").header("Cookie", cookie.as_str())).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = send_json(
        s.get("/api/v1/runs")
            .header("Cookie", "mergeloom_session=forged"),
    )
    .await;
    assert_eq!(status, 401);

    // The run's SSE stream and the worker stream with the cookie.
    let mut reader = SseReader::connect(
        &s.http,
        &s.url(&format!("/api/v1/runs/{rid}/events/stream")),
        &[("Cookie", cookie.clone())],
    )
    .await;
    let first = reader.next().await.expect("seq 1");
    assert_eq!(first.seq(), 1);
    let mut worker = SseReader::connect(
        &s.http,
        &s.url("/api/v1/stream"),
        &[("Cookie", cookie.clone())],
    )
    .await;
    assert_eq!(
        worker.next().await.expect("resync").event.as_deref(),
        Some("resync")
    );
    let resp = s
        .post(&format!("/api/v1/runs/{rid}/cancel"))
        .header("Cookie", cookie.as_str())
        .send()
        .await
        .expect("cancel");
    assert_eq!(resp.status().as_u16(), 202);
    let second = reader.next().await.expect("seq 2");
    assert_eq!(second.seq(), 2);
    let end = reader.next().await.expect("end");
    assert_eq!(end.event.as_deref(), Some("end"));
    assert_eq!(str_at(&end.json(), "/status"), "cancelled");
    reader.assert_ends().await;
    // The stream without credentials is refused.
    let (status, _) = send_json(s.get(&format!("/api/v1/runs/{rid}/events/stream"))).await;
    assert_eq!(status, 401);
    drop(worker);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_requests_never_change_the_database() {
    let s = TestServer::start_with(|c| c.auth_token = Some(TOKEN.into())).await;
    let auth = bearer(TOKEN);
    let (status, created) = send_json(
        s.post("/api/v1/jobs")
            .header("Authorization", auth.as_str())
            .json(&job("DB-1")),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let rid = str_at(&created, "/run/id");
    let jid = str_at(&created, "/job/id");
    let before = s.counts().await;

    let writes = [
        "/api/v1/jobs".to_owned(),
        format!("/api/v1/runs/{rid}/cancel"),
        format!("/api/v1/jobs/{jid}/retry"),
    ];
    for path in &writes {
        // No token.
        let (status, _) = send_json(s.post(path).json(&job("DB-2"))).await;
        assert_eq!(status, 401, "{path} without a token");
        // Wrong token.
        let (status, _) = send_json(
            s.post(path)
                .header("Authorization", "Bearer wrong")
                .json(&job("DB-2")),
        )
        .await;
        assert_eq!(status, 401, "{path} with a wrong token");
        // Right token, foreign Host.
        let (status, _) = send_json(
            s.post(path)
                .header("Authorization", auth.as_str())
                .header("Host", "evil.example")
                .json(&job("DB-2")),
        )
        .await;
        assert_eq!(status, 403, "{path} with a foreign Host");
        // Right token, cross-origin.
        let (status, _) = send_json(
            s.post(path)
                .header("Authorization", auth.as_str())
                .header("Origin", "http://evil.example")
                .json(&job("DB-2")),
        )
        .await;
        assert_eq!(status, 403, "{path} cross-origin");
        // Forged cookie.
        let (status, _) = send_json(
            s.post(path)
                .header("Cookie", "mergeloom_session=00")
                .json(&job("DB-2")),
        )
        .await;
        assert_eq!(status, 401, "{path} with a forged cookie");
    }
    // A wrong session token sets nothing.
    let (status, _) = send_json(
        s.post("/api/v1/session")
            .json(&serde_json::json!({"token": "x"})),
    )
    .await;
    assert_eq!(status, 401);

    assert_eq!(
        s.counts().await,
        before,
        "no refused request changed the database"
    );
    let (status, run) = send_json(
        s.get(&format!("/api/v1/runs/{rid}"))
            .header("Authorization", auth.as_str()),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(str_at(&run, "/status"), "queued");
    assert_eq!(run["last_event_seq"].as_i64(), Some(1));
    s.stop().await;
}
