//! Retries of model requests: 429, 5xx (and Anthropic's 529 "overloaded") and connection or
//! stream failures are retried with exponential backoff, honouring `Retry-After` (capped), a
//! bounded number of times. Other errors (401, 400, …) fail at once.

use std::time::Duration;

use super::client::CallError;

/// How many times and how long to wait.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub max_retries: u32,
    pub base: Duration,
    pub max_delay: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            max_retries: 4,
            base: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
        }
    }
}

/// Whether an error is worth retrying.
#[must_use]
pub fn retryable(e: &CallError) -> bool {
    match e {
        CallError::Http { status, .. } => *status == 429 || *status == 408 || *status >= 500,
        CallError::Transport(_) | CallError::Stream(_) => true,
        CallError::Config(_) => false,
    }
}

/// The wait before retry number `retry` (1-based), or `None` when the error is final.
#[must_use]
pub fn delay(policy: &Policy, e: &CallError, retry: u32) -> Option<Duration> {
    if retry > policy.max_retries || !retryable(e) {
        return None;
    }
    if let CallError::Http {
        retry_after: Some(d),
        ..
    } = e
    {
        return Some((*d).min(policy.max_delay));
    }
    let factor = 2u32.saturating_pow(retry.saturating_sub(1));
    Some(policy.base.saturating_mul(factor).min(policy.max_delay))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(status: u16, retry_after: Option<u64>) -> CallError {
        CallError::Http {
            status,
            message: "x".into(),
            retry_after: retry_after.map(Duration::from_secs),
        }
    }

    #[test]
    fn backoff_honours_retry_after_and_stops() {
        let p = Policy::default();
        assert_eq!(
            delay(&p, &http(429, Some(3)), 1),
            Some(Duration::from_secs(3))
        );
        assert_eq!(delay(&p, &http(429, Some(999)), 1), Some(p.max_delay));
        assert_eq!(delay(&p, &http(503, None), 1), Some(Duration::from_secs(1)));
        assert_eq!(delay(&p, &http(500, None), 3), Some(Duration::from_secs(4)));
        assert_eq!(delay(&p, &http(500, None), 5), None);
        assert_eq!(delay(&p, &http(401, None), 1), None);
        assert_eq!(delay(&p, &http(400, None), 1), None);
        assert!(delay(&p, &CallError::Transport("refused".into()), 2).is_some());
    }
}
