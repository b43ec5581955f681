//! The embedded single-page app: client routes get `index.html` (never for `/api/*`), hashed
//! assets get an ETag, `If-None-Match` → 304 and immutable caching, and a binary built without a
//! frontend says how to build it.

use crate::support::TestServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_routes_get_the_app_and_assets_are_cached() {
    let s = TestServer::start().await;
    let page = s.get("/runs/abc").send().await.expect("page");
    let ctype = page
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert!(
        ctype.starts_with("text/html"),
        "client route answers HTML, got {ctype}"
    );
    let status = page.status().as_u16();
    let html = page.text().await.expect("html");
    if !mergeloom_worker::web::frontend_built() {
        // Built without `frontend/dist`: a clear page, still HTML, on every client route.
        assert_eq!(status, 503);
        assert!(html.contains("frontend not built: run make build"));
        s.stop().await;
        return;
    }
    assert_eq!(status, 200);
    assert!(
        html.contains("<div id=\"root\""),
        "index.html served for /runs/abc"
    );
    for route in ["/", "/live/x", "/audit/code/y", "/runs"] {
        let r = s.get(route).send().await.expect("route");
        assert_eq!(r.status().as_u16(), 200, "{route}");
        assert_eq!(
            r.headers()
                .get("cache-control")
                .and_then(|v| v.to_str().ok()),
            Some("no-cache"),
            "index.html is not cached: {route}"
        );
    }
    // The first hashed asset index.html references.
    let asset = html
        .split(['"', '\''])
        .find(|p| p.starts_with("/assets/"))
        .expect("index.html references an asset")
        .to_owned();
    let first = s.get(&asset).send().await.expect("asset");
    assert_eq!(first.status().as_u16(), 200);
    let etag = first
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .expect("asset has an ETag")
        .to_owned();
    assert!(
        first
            .headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.contains("immutable")),
        "hashed assets are immutable"
    );
    let again = s
        .get(&asset)
        .header("If-None-Match", &etag)
        .send()
        .await
        .expect("conditional");
    assert_eq!(again.status().as_u16(), 304);
    // Compressed when the client accepts it (assets), never the API's streams.
    let gz = s
        .get(&asset)
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .expect("gzip");
    assert!(
        gz.headers().get("content-encoding").is_some(),
        "assets are compressed"
    );
    // A missing asset is a 404, not the app; /api never falls back to the app.
    assert_eq!(
        s.get("/assets/nope-123.js")
            .send()
            .await
            .expect("missing")
            .status()
            .as_u16(),
        404
    );
    let api = s.get("/api/v1/nope").send().await.expect("api 404");
    assert_eq!(api.status().as_u16(), 404);
    let body: serde_json::Value = api.json().await.expect("json 404");
    assert_eq!(body["error"]["code"], "not_found");
    s.stop().await;
}
