//! One HTTP endpoint of an API provider: sends a streamed request and folds the answer
//! ([`super::openai`] or [`super::anthropic`]), lists models for readiness. Errors keep the HTTP
//! status and `Retry-After` so [`super::retry`] can decide; the key is only ever in a header.

use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::mpsc;

use super::sse::SseParser;
use super::wire::{Answer, Request};
use super::{anthropic, openai};
use crate::settings::ApiSettings;

/// The OpenAI-compatible provider's base URL when none is configured.
pub const OPENAI_DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";
/// The Anthropic provider's base URL when none is configured.
pub const ANTHROPIC_DEFAULT_BASE_URL: &str = "https://api.anthropic.com";

/// Which wire protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKind {
    OpenAi,
    Anthropic,
}

impl ApiKind {
    #[must_use]
    pub fn from_id(id: &str) -> Option<Self> {
        match id {
            "openai-compatible" => Some(Self::OpenAi),
            "anthropic" => Some(Self::Anthropic),
            _ => None,
        }
    }

    #[must_use]
    pub fn id(self) -> &'static str {
        match self {
            Self::OpenAi => "openai-compatible",
            Self::Anthropic => "anthropic",
        }
    }

    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::OpenAi => "OpenAI-compatible API",
            Self::Anthropic => "Anthropic API",
        }
    }

    #[must_use]
    pub fn default_base_url(self) -> &'static str {
        match self {
            Self::OpenAi => OPENAI_DEFAULT_BASE_URL,
            Self::Anthropic => ANTHROPIC_DEFAULT_BASE_URL,
        }
    }

    /// This kind's settings.
    #[must_use]
    pub fn settings(self, s: &crate::settings::RuntimeSettings) -> &ApiSettings {
        match self {
            Self::OpenAi => &s.openai,
            Self::Anthropic => &s.anthropic,
        }
    }
}

/// Why a request failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CallError {
    #[error("HTTP {status}: {message}")]
    Http {
        status: u16,
        message: String,
        retry_after: Option<Duration>,
    },
    #[error("connection failed: {0}")]
    Transport(String),
    #[error("the stream failed: {0}")]
    Stream(String),
    #[error("{0}")]
    Config(String),
}

/// How long a connection may take to open.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest silence inside a streamed answer.
const READ_TIMEOUT: Duration = Duration::from_secs(300);

/// An endpoint with its key.
#[derive(Clone)]
pub struct Endpoint {
    pub kind: ApiKind,
    pub base_url: String,
    key: String,
    http: reqwest::Client,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("kind", &self.kind)
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl Endpoint {
    /// An endpoint from the kind's settings; `Err` when no key is configured.
    pub fn new(kind: ApiKind, s: &ApiSettings) -> Result<Self, CallError> {
        let key = s
            .api_key
            .as_ref()
            .map(|k| k.0.clone())
            .ok_or_else(|| CallError::Config("no API key is configured".into()))?;
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .read_timeout(READ_TIMEOUT)
            .user_agent(concat!("mergeloom-worker/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CallError::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            kind,
            base_url: s
                .base_url
                .clone()
                .unwrap_or_else(|| kind.default_base_url().to_owned()),
            key,
            http,
        })
    }

    fn authorized(&self, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self.kind {
            ApiKind::OpenAi => rb.bearer_auth(&self.key),
            ApiKind::Anthropic => rb
                .header("x-api-key", &self.key)
                .header("anthropic-version", anthropic::VERSION),
        }
    }

    /// Lists models (readiness without spending tokens): `Ok(n)` with the number listed.
    pub async fn list_models(&self, timeout: Duration) -> Result<usize, CallError> {
        let url = match self.kind {
            ApiKind::OpenAi => openai::models_url(&self.base_url),
            ApiKind::Anthropic => anthropic::models_url(&self.base_url),
        };
        let resp = self
            .authorized(self.http.get(&url))
            .timeout(timeout)
            .send()
            .await
            .map_err(|e| CallError::Transport(describe(&e)))?;
        let resp = check_status(resp).await?;
        let v: serde_json::Value = resp
            .json()
            .await
            .map_err(|e| CallError::Stream(describe(&e)))?;
        Ok(v.get("data")
            .and_then(serde_json::Value::as_array)
            .map_or(0, Vec::len))
    }

    /// Sends one request and folds its streamed answer; text deltas go to `deltas`.
    pub async fn send(
        &self,
        req: &Request<'_>,
        deltas: Option<&mpsc::UnboundedSender<String>>,
    ) -> Result<Answer, CallError> {
        let (url, body) = match self.kind {
            ApiKind::OpenAi => (openai::url(&self.base_url), openai::body(req)),
            ApiKind::Anthropic => (anthropic::url(&self.base_url), anthropic::body(req)),
        };
        let resp = self
            .authorized(self.http.post(&url))
            .header("accept", "text/event-stream")
            .json(&body)
            .send()
            .await
            .map_err(|e| CallError::Transport(describe(&e)))?;
        let resp = check_status(resp).await?;
        let mut parser = SseParser::default();
        let mut oa = openai::Accumulator::default();
        let mut an = anthropic::Accumulator::default();
        let mut stream = resp.bytes_stream();
        let mut feed = |events: Vec<super::sse::SseEvent>| -> Result<(), CallError> {
            for ev in events {
                let delta = match self.kind {
                    ApiKind::OpenAi => oa.event(&ev),
                    ApiKind::Anthropic => an.event(&ev),
                }
                .map_err(CallError::Stream)?;
                if !delta.is_empty()
                    && let Some(tx) = deltas
                {
                    let _ = tx.send(delta);
                }
            }
            Ok(())
        };
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| CallError::Stream(describe(&e)))?;
            feed(parser.feed(&chunk))?;
        }
        feed(parser.finish().into_iter().collect())?;
        let (done, answer) = match self.kind {
            ApiKind::OpenAi => (oa.is_done(), oa.finish()),
            ApiKind::Anthropic => (an.is_done(), an.finish()),
        };
        if !done && answer.stop_reason.is_none() {
            return Err(CallError::Stream(
                "the answer ended before the model finished".into(),
            ));
        }
        Ok(answer)
    }
}

/// A reqwest error without its URL (which is harmless, but keeps messages short).
fn describe(e: &reqwest::Error) -> String {
    let mut msg = kind_of(e).to_owned();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

fn kind_of(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_decode() || e.is_body() {
        "the response body could not be read"
    } else {
        "request failed"
    }
}

/// A `Retry-After` value: seconds, or an HTTP date (a date in the past is no wait).
fn parse_retry_after(v: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    Some(
        (at.with_timezone(&chrono::Utc) - now)
            .to_std()
            .unwrap_or(Duration::ZERO),
    )
}

/// Turns a non-2xx answer into [`CallError::Http`] with the provider's message.
async fn check_status(resp: reqwest::Response) -> Result<reqwest::Response, CallError> {
    let status = resp.status();
    if status.is_success() {
        return Ok(resp);
    }
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, chrono::Utc::now()));
    let text = resp.text().await.unwrap_or_default();
    let message = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| {
            v.pointer("/error/message")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_else(|| {
            let t = text.trim();
            let mut end = t.len().min(300);
            while !t.is_char_boundary(end) {
                end -= 1;
            }
            if t.is_empty() {
                status.canonical_reason().unwrap_or("error").to_owned()
            } else {
                t[..end].to_owned()
            }
        });
    Err(CallError::Http {
        status: status.as_u16(),
        message,
        retry_after,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_seconds_or_an_http_date() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-26T12:00:00Z")
            .expect("now")
            .with_timezone(&chrono::Utc);
        assert_eq!(parse_retry_after("2", now), Some(Duration::from_secs(2)));
        assert_eq!(
            parse_retry_after("0.5", now),
            Some(Duration::from_millis(500))
        );
        assert_eq!(
            parse_retry_after("Thu, 26 Nov 2026 12:00:07 GMT", now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            parse_retry_after("Thu, 26 Nov 2026 11:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
