//! The request guard: Host allowlist (DNS-rebinding defence), same-origin check on writes, and the
//! access token for `/api` when one is configured. Probes skip all three.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{Error, ResponseError, web};

use super::token;
use crate::api::{ApiError, AppState, probes::PROBE_PATHS};

/// Loopback names allowed on any port (SSH tunnels change the port).
const LOOPBACK_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "[::1]"];

/// The host part of a Host header value, lower-cased, without port or trailing dot.
#[must_use]
pub fn host_name(value: &str) -> String {
    let v = value.trim().to_ascii_lowercase();
    let host = if v.starts_with('[') {
        match v.find(']') {
            Some(i) => v[..=i].to_owned(),
            None => v,
        }
    } else {
        match v.rsplit_once(':') {
            Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h.to_owned(),
            _ => v,
        }
    };
    host.trim_end_matches('.').to_owned()
}

/// Whether a Host header value names this worker.
#[must_use]
pub fn host_allowed(value: &str, public_hosts: &[String], bound: std::net::IpAddr) -> bool {
    let h = host_name(value);
    if h.is_empty() {
        return false;
    }
    if LOOPBACK_HOSTS.contains(&h.as_str()) || public_hosts.contains(&h) {
        return true;
    }
    // A worker bound to one specific address also answers to that address itself.
    !bound.is_unspecified() && !bound.is_loopback() && {
        let ip = match bound {
            std::net::IpAddr::V4(v4) => v4.to_string(),
            std::net::IpAddr::V6(v6) => format!("[{v6}]"),
        };
        h == ip
    }
}

fn reject<B>(req: ServiceRequest, err: &ApiError) -> ServiceResponse<EitherBody<B>> {
    let mut resp = err.error_response();
    if matches!(err, ApiError::Unauthorized(_)) {
        resp.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer"),
        );
    }
    req.into_response(resp).map_into_right_body()
}

fn bearer(req: &ServiceRequest) -> Option<String> {
    req.headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(|t| t.trim().to_owned())
}

/// The middleware function (`middleware::from_fn(guard)`).
pub async fn guard<B: MessageBody>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, Error> {
    let path = req.path().to_owned();
    if PROBE_PATHS.contains(&path.as_str()) {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(reject(
            req,
            &ApiError::Internal("guard has no state".into()),
        ));
    };
    let cfg = &state.config;
    let host_value = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| req.uri().authority().map(ToString::to_string))
        .unwrap_or_default();
    if !host_allowed(&host_value, &cfg.public_hosts, cfg.host) {
        tracing::warn!(host = %host_value, path = %path, "request refused: Host not allowed");
        return Ok(reject(
            req,
            &ApiError::Forbidden(format!(
                "Host {host_value:?} is not allowed; use localhost or add --public-host"
            )),
        ));
    }
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && let Some(origin) = req.headers().get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("").to_ascii_lowercase();
        let scheme = req.connection_info().scheme().to_ascii_lowercase();
        let own = format!("{scheme}://{}", host_value.to_ascii_lowercase());
        if origin != own {
            tracing::warn!(origin = %origin, path = %path, "request refused: cross-origin write");
            return Ok(reject(
                req,
                &ApiError::Forbidden(format!("cross-origin request from {origin} refused")),
            ));
        }
    }
    if let Some(expected) = cfg.auth_token.as_deref() {
        let exempt = path == "/api/v1/session";
        let protected = path.starts_with("/api/") || path == "/metrics";
        if protected && !exempt {
            let by_header = bearer(&req).is_some_and(|t| token::matches(&t, expected));
            let by_cookie = req
                .cookie(token::COOKIE_NAME)
                .is_some_and(|c| token::matches(c.value(), &token::session_value(expected)));
            if !by_header && !by_cookie {
                let msg = if bearer(&req).is_some() {
                    "wrong token"
                } else {
                    "this worker requires a token: send Authorization: Bearer <token> or sign in"
                };
                return Ok(reject(req, &ApiError::Unauthorized(msg.into())));
            }
        }
    }
    Ok(next.call(req).await?.map_into_left_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_parse() {
        assert_eq!(host_name("LocalHost:9999"), "localhost");
        assert_eq!(host_name("[::1]:8010"), "[::1]");
        assert_eq!(host_name("example.com."), "example.com");
        let lo: std::net::IpAddr = "127.0.0.1".parse().expect("ip");
        assert!(host_allowed("localhost:1", &[], lo));
        assert!(!host_allowed("evil.example", &[], lo));
        assert!(host_allowed(
            "worker.example:443",
            &["worker.example".into()],
            lo
        ));
        assert!(!host_allowed("localhost.evil.example", &[], lo));
    }
}
