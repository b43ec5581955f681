//! Readiness of an API provider (`openai-compatible`, `anthropic`) from its settings, without
//! spending tokens: a key is present, a model is set, and the endpoint's host accepts a TCP
//! connection within a short timeout.

use std::time::Duration;

use crate::health::controller::Target;
use crate::providers::{Check, Readiness};
use crate::settings::ApiSettings;

/// The OpenAI-compatible provider's base URL when none is configured.
pub const OPENAI_DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";
/// The Anthropic provider's base URL when none is configured.
pub const ANTHROPIC_DEFAULT_BASE_URL: &str = "https://api.anthropic.com";

/// How long the endpoint may take to accept a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// The settings of an API kind and its default base URL.
#[must_use]
pub fn api_settings<'a>(
    kind: &str,
    s: &'a crate::settings::RuntimeSettings,
) -> Option<(&'a ApiSettings, &'static str)> {
    match kind {
        "openai-compatible" => Some((&s.openai, OPENAI_DEFAULT_BASE_URL)),
        "anthropic" => Some((&s.anthropic, ANTHROPIC_DEFAULT_BASE_URL)),
        _ => None,
    }
}

/// The readiness checks of an API provider. The endpoint is only contacted when a key is set.
pub async fn readiness(s: &ApiSettings, default_base_url: &str) -> Readiness {
    let mut checks = vec![
        match &s.api_key {
            Some(_) => Check::pass("api_key", "an API key is configured"),
            None => Check::fail("api_key", "no API key is configured"),
        },
        match &s.model {
            Some(m) => Check::pass("model", format!("model {m}")),
            None => Check::fail("model", "no model is configured"),
        },
    ];
    let url = s.base_url.as_deref().unwrap_or(default_base_url);
    if s.api_key.is_some() {
        checks.push(endpoint(url).await);
    }
    Readiness::from_checks(checks)
}

async fn endpoint(url: &str) -> Check {
    let target = match Target::parse(url) {
        Ok(t) => t,
        Err(e) => return Check::fail("endpoint", e.to_string()),
    };
    let addr = (target.host.as_str(), target.port);
    match tokio::time::timeout(CONNECT_TIMEOUT, tokio::net::TcpStream::connect(addr)).await {
        Ok(Ok(_)) => Check::pass(
            "endpoint",
            format!("{}:{} accepts connections", target.host, target.port),
        ),
        Ok(Err(e)) => Check::fail(
            "endpoint",
            format!("{}:{} is unreachable: {e}", target.host, target.port),
        ),
        Err(_) => Check::fail(
            "endpoint",
            format!(
                "{}:{} did not accept a connection within {} s",
                target.host,
                target.port,
                CONNECT_TIMEOUT.as_secs()
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::ReadyStatus;
    use crate::settings::Secret;

    #[tokio::test]
    async fn key_model_and_endpoint_are_checked() {
        let r = readiness(&ApiSettings::default(), OPENAI_DEFAULT_BASE_URL).await;
        assert_eq!(r.status, ReadyStatus::NotReady);
        assert_eq!(r.checks.len(), 2, "no endpoint check without a key");

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let mut s = ApiSettings {
            base_url: Some(format!("http://127.0.0.1:{port}/v1")),
            model: Some("m".into()),
            api_key: Some(Secret("k".into())),
        };
        let r = readiness(&s, OPENAI_DEFAULT_BASE_URL).await;
        assert_eq!(r.status, ReadyStatus::Ready, "{r:?}");
        drop(listener);
        s.base_url = Some(format!("http://127.0.0.1:{port}/v1"));
        let r = readiness(&s, OPENAI_DEFAULT_BASE_URL).await;
        assert_eq!(r.status, ReadyStatus::NotReady, "{r:?}");
        assert!(r.failure().is_some_and(|f| f.starts_with("endpoint:")));
    }
}
