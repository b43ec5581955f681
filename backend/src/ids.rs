//! Typed identifiers: UUIDv7 newtypes so a run id can never be passed where a job id is expected.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new time-ordered (v7) id.
            #[must_use]
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// Parses a path or query id; `None` for anything that is not a UUID.
            #[must_use]
            pub fn parse(s: &str) -> Option<Self> {
                Uuid::from_str(s).ok().map(Self)
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.as_hyphenated().fmt(f)
            }
        }
    };
}

id_type!(
    /// Identifies one run (one attempt of a job).
    RunId
);
id_type!(
    /// Identifies a job (a ticket + repository submission).
    JobId
);
id_type!(
    /// Identifies a repository by its canonical URL.
    RepositoryId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_rejects_garbage_and_round_trips() {
        assert!(RunId::parse("abc").is_none());
        let id = RunId::new();
        assert_eq!(RunId::parse(&id.to_string()), Some(id));
    }
}
