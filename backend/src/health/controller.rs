//! Reachability of the controller (`JCA_WORKER_CONTROL_PLANE_URL`): one small HTTP/1.1 `GET`
//! over a tokio `TcpStream`, bounded by the controller request timeout.
//!
//! Why no HTTP client crate: the worker has no TLS stack and needs only "does it answer, how fast,
//! and with what status" here. For `http://` the request is sent and the status line read; for
//! `https://` the check proves the TCP connection (the details say TLS was not verified). The
//! remote-executor work brings a real client for gateway traffic; this check can move to it then.

use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::model::Status;

/// Why a controller URL cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("{0:?} is not an http:// or https:// URL")]
    Scheme(String),
    #[error("{0:?} has no host")]
    NoHost(String),
    #[error("{0:?} has an invalid port")]
    Port(String),
}

/// Why a probe failed.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("cannot connect to {addr}: {source}")]
    Connect {
        addr: String,
        source: std::io::Error,
    },
    #[error("no answer from {addr} within {secs} s")]
    Timeout { addr: String, secs: u64 },
    #[error("{addr} broke the connection: {source}")]
    Io {
        addr: String,
        source: std::io::Error,
    },
    #[error("{addr} did not answer HTTP (first line {line:?})")]
    NotHttp { addr: String, line: String },
}

/// A parsed controller URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub tls: bool,
    pub host: String,
    pub port: u16,
    /// Path and query, at least `/`.
    pub path: String,
}

impl Target {
    /// Parses `http(s)://host[:port][/path]` (IPv6 hosts in brackets). Credentials in the URL are
    /// refused, so they cannot end up in health details.
    pub fn parse(url: &str) -> Result<Self, UrlError> {
        let (tls, rest) = if let Some(r) = url.strip_prefix("http://") {
            (false, r)
        } else if let Some(r) = url.strip_prefix("https://") {
            (true, r)
        } else {
            return Err(UrlError::Scheme(url.to_owned()));
        };
        let (authority, path) = match rest.find(['/', '?']) {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let path = if path.starts_with('?') {
            format!("/{path}")
        } else {
            path.to_owned()
        };
        if authority.is_empty() || authority.contains('@') {
            return Err(UrlError::NoHost(url.to_owned()));
        }
        let default_port = if tls { 443 } else { 80 };
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, after) = v6
                .split_once(']')
                .ok_or_else(|| UrlError::NoHost(url.to_owned()))?;
            let port = match after.strip_prefix(':') {
                Some(p) => p.parse().map_err(|_| UrlError::Port(url.to_owned()))?,
                None if after.is_empty() => default_port,
                None => return Err(UrlError::Port(url.to_owned())),
            };
            (h.to_owned(), port)
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (
                    h.to_owned(),
                    p.parse().map_err(|_| UrlError::Port(url.to_owned()))?,
                ),
                None => (authority.to_owned(), default_port),
            }
        };
        if host.is_empty() {
            return Err(UrlError::NoHost(url.to_owned()));
        }
        Ok(Self {
            tls,
            host,
            port,
            path,
        })
    }

    fn addr(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// What one probe found.
#[derive(Debug)]
pub struct Probe {
    pub status: Status,
    pub message: String,
    pub details: serde_json::Value,
    pub latency: Duration,
}

/// Probes the controller; never takes longer than `timeout` (plus scheduling).
pub async fn probe(url: &str, timeout: Duration) -> Probe {
    let started = Instant::now();
    let target = match Target::parse(url) {
        Ok(t) => t,
        Err(e) => {
            return Probe {
                status: Status::Down,
                message: e.to_string(),
                details: json!({"url": url}),
                latency: started.elapsed(),
            };
        }
    };
    let addr = target.addr();
    let result = match tokio::time::timeout(timeout, request(&target)).await {
        Ok(r) => r,
        Err(_) => Err(ProbeError::Timeout {
            addr: addr.clone(),
            secs: timeout.as_secs(),
        }),
    };
    let latency = started.elapsed();
    let mut details = json!({
        "url": url,
        "address": addr,
        "timeout_s": timeout.as_secs(),
        "tls": if target.tls { "not verified (TCP reachability only)" } else { "none" },
    });
    match result {
        Ok(Some(code)) => {
            details["http_status"] = json!(code);
            if code >= 500 {
                Probe {
                    status: Status::Degraded,
                    message: format!("the controller answered HTTP {code}"),
                    details,
                    latency,
                }
            } else {
                Probe {
                    status: Status::Ok,
                    message: format!(
                        "controller reachable (HTTP {code} in {} ms)",
                        latency.as_millis()
                    ),
                    details,
                    latency,
                }
            }
        }
        Ok(None) => Probe {
            status: Status::Ok,
            message: format!(
                "controller reachable over TCP in {} ms",
                latency.as_millis()
            ),
            details,
            latency,
        },
        Err(e) => {
            details["error"] = json!(e.to_string());
            Probe {
                status: Status::Degraded,
                message: format!("cannot reach the controller: {e}"),
                details,
                latency,
            }
        }
    }
}

/// Connects and, over plain HTTP, sends one `GET` and reads the status code.
async fn request(target: &Target) -> Result<Option<u16>, ProbeError> {
    let addr = target.addr();
    let mut stream = TcpStream::connect((target.host.as_str(), target.port))
        .await
        .map_err(|source| ProbeError::Connect {
            addr: addr.clone(),
            source,
        })?;
    if target.tls {
        return Ok(None);
    }
    let host_header = if target.port == 80 {
        target.host.clone()
    } else {
        addr.clone()
    };
    let head = format!(
        "GET {} HTTP/1.1\r\nHost: {host_header}\r\nUser-Agent: mergeloom-worker/{}\r\nAccept: */*\r\nConnection: close\r\n\r\n",
        target.path,
        crate::VERSION
    );
    let io = |source| ProbeError::Io {
        addr: addr.clone(),
        source,
    };
    stream.write_all(head.as_bytes()).await.map_err(io)?;
    let mut buf = Vec::with_capacity(256);
    let mut chunk = [0u8; 256];
    while !buf.contains(&b'\n') && buf.len() < 4096 {
        let n = stream.read(&mut chunk).await.map_err(io)?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let line = String::from_utf8_lossy(&buf);
    let line = line.lines().next().unwrap_or_default().to_owned();
    parse_status_line(&line)
        .map(Some)
        .ok_or(ProbeError::NotHttp { addr, line })
}

/// The status code of an `HTTP/1.x NNN reason` line.
#[must_use]
pub fn parse_status_line(line: &str) -> Option<u16> {
    let mut parts = line.split_whitespace();
    let version = parts.next()?;
    if !version.starts_with("HTTP/") {
        return None;
    }
    parts
        .next()?
        .parse()
        .ok()
        .filter(|c| (100..600).contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls() {
        assert_eq!(
            Target::parse("http://ctl.example:8080/api/health?x=1").expect("url"),
            Target {
                tls: false,
                host: "ctl.example".into(),
                port: 8080,
                path: "/api/health?x=1".into()
            }
        );
        let t = Target::parse("https://ctl.example").expect("url");
        assert_eq!((t.port, t.path.as_str(), t.tls), (443, "/", true));
        let t = Target::parse("http://[::1]:9/").expect("url");
        assert_eq!((t.host.as_str(), t.port), ("::1", 9));
        assert_eq!(t.addr(), "[::1]:9");
        assert!(matches!(Target::parse("ftp://x"), Err(UrlError::Scheme(_))));
        assert!(matches!(
            Target::parse("http://u:p@x/"),
            Err(UrlError::NoHost(_))
        ));
        assert!(matches!(
            Target::parse("http://x:port/"),
            Err(UrlError::Port(_))
        ));
        assert!(matches!(
            Target::parse("http:///"),
            Err(UrlError::NoHost(_))
        ));
    }

    #[test]
    fn status_lines() {
        assert_eq!(parse_status_line("HTTP/1.1 204 No Content"), Some(204));
        assert_eq!(parse_status_line("HTTP/1.0 503"), Some(503));
        assert_eq!(parse_status_line("SSH-2.0-OpenSSH"), None);
        assert_eq!(parse_status_line("HTTP/1.1 abc"), None);
    }

    #[tokio::test]
    async fn a_local_http_server_is_reachable_and_a_closed_port_is_not() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let server = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.expect("accept");
            let mut buf = [0u8; 1024];
            let n = s.read(&mut buf).await.expect("read");
            let head = String::from_utf8_lossy(&buf[..n]).into_owned();
            s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                .await
                .expect("write");
            head
        });
        let p = probe(
            &format!("http://127.0.0.1:{port}/ping"),
            Duration::from_secs(5),
        )
        .await;
        assert_eq!(p.status, Status::Ok, "{p:?}");
        assert_eq!(p.details["http_status"], 200);
        let head = server.await.expect("server task");
        assert!(head.starts_with("GET /ping HTTP/1.1\r\n"), "{head}");

        // The port is free again once the listener is gone.
        let p = probe(&format!("http://127.0.0.1:{port}/"), Duration::from_secs(5)).await;
        assert_eq!(p.status, Status::Degraded, "{p:?}");
        assert!(p.message.contains("cannot connect"), "{}", p.message);
    }
}
