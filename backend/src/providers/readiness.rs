//! Provider readiness: a list of named checks and an overall status, computed without spending
//! tokens. The run-start admission, the Health page's provider check and the Providers page all
//! read this one shape.

use serde::Serialize;
use utoipa::ToSchema;

/// Overall readiness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = ProviderReadyStatus)]
pub enum ReadyStatus {
    Ready,
    NotReady,
    /// Nothing failed, but something could not be determined (e.g. the login state).
    Unknown,
}

/// One readiness check.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(as = ProviderCheck)]
pub struct Check {
    pub name: String,
    /// `Some(true)` passed, `Some(false)` failed, `None` could not tell.
    pub ok: Option<bool>,
    pub message: String,
}

impl Check {
    #[must_use]
    pub fn pass(name: &str, message: impl Into<String>) -> Self {
        Self {
            name: name.to_owned(),
            ok: Some(true),
            message: message.into(),
        }
    }

    #[must_use]
    pub fn fail(name: &str, message: impl Into<String>) -> Self {
        Self {
            name: name.to_owned(),
            ok: Some(false),
            message: message.into(),
        }
    }

    #[must_use]
    pub fn unknown(name: &str, message: impl Into<String>) -> Self {
        Self {
            name: name.to_owned(),
            ok: None,
            message: message.into(),
        }
    }

    /// A check from a `Result` (the `Ok` message or the error).
    #[must_use]
    pub fn from_result(name: &str, r: Result<String, String>) -> Self {
        match r {
            Ok(m) => Self::pass(name, m),
            Err(m) => Self::fail(name, m),
        }
    }
}

/// A provider's readiness at a moment.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(as = ProviderReadiness)]
pub struct Readiness {
    pub status: ReadyStatus,
    pub checks: Vec<Check>,
    /// RFC 3339 UTC with milliseconds.
    pub checked_at: String,
}

impl Readiness {
    /// Any failed check → `not_ready`; else any undetermined → `unknown`; else `ready`.
    #[must_use]
    pub fn from_checks(checks: Vec<Check>) -> Self {
        let status = if checks.iter().any(|c| c.ok == Some(false)) {
            ReadyStatus::NotReady
        } else if checks.iter().any(|c| c.ok.is_none()) {
            ReadyStatus::Unknown
        } else {
            ReadyStatus::Ready
        };
        Self {
            status,
            checks,
            checked_at: crate::time::now(),
        }
    }

    /// The failed checks as one sentence (for `blocked/provider_not_ready`).
    #[must_use]
    pub fn failure(&self) -> Option<String> {
        let failed: Vec<String> = self
            .checks
            .iter()
            .filter(|c| c.ok == Some(false))
            .map(|c| format!("{}: {}", c.name, c.message))
            .collect();
        (!failed.is_empty()).then(|| failed.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_check_decides() {
        let r = Readiness::from_checks(vec![Check::pass("a", "x"), Check::unknown("b", "?")]);
        assert_eq!(r.status, ReadyStatus::Unknown);
        assert_eq!(r.failure(), None);
        let r = Readiness::from_checks(vec![Check::fail("a", "missing"), Check::unknown("b", "?")]);
        assert_eq!(r.status, ReadyStatus::NotReady);
        assert_eq!(r.failure().as_deref(), Some("a: missing"));
        assert_eq!(
            Readiness::from_checks(vec![Check::pass("a", "x")]).status,
            ReadyStatus::Ready
        );
    }
}
