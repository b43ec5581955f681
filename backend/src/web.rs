//! The embedded single-page app: `frontend/dist` compiled into the binary with rust-embed.
//!
//! Client routes get `index.html` (no-cache); hashed files under `assets/` get an ETag and
//! immutable caching, and `If-None-Match` answers 304. `/api/*` never falls back to the app.
//! Built without a frontend, every page says how to build it.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../frontend/dist"]
#[allow_missing = true]
struct Assets;

const NOT_BUILT: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>mergeloom-worker</title></head>\
<body style=\"font-family:sans-serif;max-width:40rem;margin:4rem auto\"><h1>frontend not built: run make build</h1>\
<p>This binary was compiled without the web UI. Run <code>make build</code> (or <code>make run</code>) to build the \
frontend and embed it. The JSON API under <code>/api/v1</code> works regardless.</p></body></html>";

/// Whether the binary carries a built frontend.
#[must_use]
pub fn frontend_built() -> bool {
    Assets::get("index.html").is_some()
}

fn looks_like_file(path: &str) -> bool {
    path.starts_with("assets/")
        || path
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains('.') && !last.ends_with(".html"))
}

/// Serves an embedded file, or `index.html` for client routes.
pub async fn serve(req: HttpRequest) -> HttpResponse {
    let path = req.path().trim_start_matches('/');
    if path == "api" || path.starts_with("api/") {
        return crate::api::ApiError::NotFound(format!("no API endpoint {}", req.path()))
            .error_response_json();
    }
    if let Some(file) = (!path.is_empty()).then(|| Assets::get(path)).flatten() {
        return respond_file(&req, path, &file, path.starts_with("assets/"));
    }
    if looks_like_file(path) {
        return HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body(format!("no such file: /{path}\n"));
    }
    match Assets::get("index.html") {
        Some(index) => respond_file(&req, "index.html", &index, false),
        None => HttpResponse::ServiceUnavailable()
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .body(NOT_BUILT),
    }
}

fn respond_file(
    req: &HttpRequest,
    path: &str,
    file: &rust_embed::EmbeddedFile,
    immutable: bool,
) -> HttpResponse {
    let etag = format!("\"{}\"", hex::encode(&file.metadata.sha256_hash()[..16]));
    let cache = if immutable {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let not_modified = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if not_modified {
        return HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, cache))
            .finish();
    }
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    HttpResponse::Ok()
        .content_type(mime.essence_str())
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache))
        .body(file.data.clone().into_owned())
}
