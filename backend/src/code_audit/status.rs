//! Line statuses of Code Audit (API.md "Code Audit") and reconciliation job statuses.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where an attributed line stands at the reconciled commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LineStatus {
    /// Present and attributed, possibly shifted.
    Current,
    /// Found again elsewhere (a removed block of ≥ 3 lines, by content).
    Moved,
    /// Its place was rewritten by a later change.
    Superseded,
    /// Removed, nothing in its place.
    Deleted,
    /// Cannot be reconciled confidently (never a guess).
    Unknown,
    /// The run's work is not on the tracked branch yet.
    Pending,
    /// The repository's local mirror is missing.
    WaitingForWorkspace,
}

impl LineStatus {
    /// Every status, in the order pages and exports list them.
    pub const ALL: [Self; 7] = [
        Self::Current,
        Self::Moved,
        Self::Superseded,
        Self::Deleted,
        Self::Unknown,
        Self::Pending,
        Self::WaitingForWorkspace,
    ];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Current => "current",
            Self::Moved => "moved",
            Self::Superseded => "superseded",
            Self::Deleted => "deleted",
            Self::Unknown => "unknown",
            Self::Pending => "pending",
            Self::WaitingForWorkspace => "waiting_for_workspace",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Present in the tracked branch's files (current or moved).
    #[must_use]
    pub const fn is_located(self) -> bool {
        matches!(self, Self::Current | Self::Moved)
    }

    /// Still followed by reconciliation (not a final superseded/deleted/unknown).
    #[must_use]
    pub const fn is_open(self) -> bool {
        matches!(
            self,
            Self::Current | Self::Moved | Self::Pending | Self::WaitingForWorkspace
        )
    }
}
