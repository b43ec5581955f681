//! The retention policy of the moment: read from the runtime settings whenever a prune or a
//! preview starts (so a change made on the settings page applies to the next prune), optionally
//! overridden for a preview.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::settings::RuntimeSettings;

/// What is kept, and for how long. Zero means "keep" for the day limits and "no cap" for bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Policy {
    /// Days live stream events and raw output are kept after a run ends (0 = keep).
    pub events_days: u32,
    /// Days Ticket Audit records and stored diffs are kept after a run ends (0 = keep).
    pub audit_days: u32,
    /// Days Code Audit evidence is kept after it was recorded (0 = keep).
    pub code_audit_days: u32,
    /// Most bytes of events kept over all runs (0 = no cap).
    pub events_max_bytes: u64,
    /// Run worktrees are kept after runs (otherwise removed when a run ends).
    pub keep_workspaces: bool,
    /// Audit and Code Audit evidence is never pruned.
    pub compliance_mode: bool,
}

impl Policy {
    /// The policy the current settings describe.
    #[must_use]
    pub fn from_settings(s: &RuntimeSettings) -> Self {
        Self {
            events_days: s.retention_events_days,
            audit_days: s.retention_audit_days,
            code_audit_days: s.retention_code_audit_days,
            events_max_bytes: s.retention_events_max_bytes,
            keep_workspaces: s.keep_workspaces,
            compliance_mode: s.compliance_mode,
        }
    }

    /// Whether audit records may be pruned at all under this policy.
    #[must_use]
    pub fn prunes_audit(&self) -> bool {
        self.audit_days > 0 && !self.compliance_mode
    }

    /// Whether Code Audit evidence may be pruned at all under this policy.
    #[must_use]
    pub fn prunes_code_audit(&self) -> bool {
        self.code_audit_days > 0 && !self.compliance_mode
    }

    /// Whether the policy asks for audit or code-audit pruning that compliance mode forbids.
    #[must_use]
    pub fn blocked_by_compliance(&self) -> bool {
        self.compliance_mode && (self.audit_days > 0 || self.code_audit_days > 0)
    }
}

/// The stored timestamp `days` before `now`: rows older than it have expired.
#[must_use]
pub fn cutoff(now: DateTime<Utc>, days: u32) -> String {
    crate::time::format(now - Duration::days(i64::from(days)))
}

/// When the audit record of a run that finished at `finished_at` expires under `policy`
/// (`None`: it is kept).
#[must_use]
pub fn audit_expires_at(policy: &Policy, finished_at: Option<&str>) -> Option<String> {
    if !policy.prunes_audit() {
        return None;
    }
    let finished = DateTime::parse_from_rfc3339(finished_at?).ok()?;
    Some(crate::time::format(
        finished.with_timezone(&Utc) + Duration::days(i64::from(policy.audit_days)),
    ))
}

/// Fills in a Run's `retention.audit_expires_at` from the policy when the row does not say (a
/// pruned run's row keeps the moment its record expired).
pub fn decorate_run(run: &mut crate::model::Run, policy: &Policy) {
    if run.retention.audit_retained && run.retention.audit_expires_at.is_none() {
        run.retention.audit_expires_at = audit_expires_at(policy, run.finished_at.as_deref());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        Policy {
            events_days: 30,
            audit_days: 0,
            code_audit_days: 0,
            events_max_bytes: 0,
            keep_workspaces: false,
            compliance_mode: false,
        }
    }

    #[test]
    fn audit_expiry_follows_the_policy_and_compliance_mode() {
        let mut p = policy();
        assert_eq!(audit_expires_at(&p, Some("2026-01-01T00:00:00.000Z")), None);
        p.audit_days = 10;
        assert_eq!(
            audit_expires_at(&p, Some("2026-01-01T00:00:00.000Z")).as_deref(),
            Some("2026-01-11T00:00:00.000Z")
        );
        assert_eq!(audit_expires_at(&p, None), None);
        p.compliance_mode = true;
        assert_eq!(audit_expires_at(&p, Some("2026-01-01T00:00:00.000Z")), None);
        assert!(p.blocked_by_compliance());
    }
}
