//! Timestamps: stored and served as RFC 3339 UTC with milliseconds (`2026-11-24T12:00:00.123Z`).
//!
//! One fixed-width text format everywhere means lexical order is time order, so keyset cursors
//! and range filters work on the stored text directly.

use chrono::{DateTime, SecondsFormat, Utc};

/// Formats a time in the stored/served format.
#[must_use]
pub fn format(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The current time in the stored/served format.
#[must_use]
pub fn now() -> String {
    format(Utc::now())
}

/// Parses any RFC 3339 timestamp (as accepted by `since`/`until`) into the stored format.
pub fn parse(s: &str) -> Option<String> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| format(t.with_timezone(&Utc)))
}

/// Milliseconds between two stored timestamps, when both parse.
#[must_use]
pub fn millis_between(start: &str, end: &str) -> Option<i64> {
    let a = DateTime::parse_from_rfc3339(start).ok()?;
    let b = DateTime::parse_from_rfc3339(end).ok()?;
    Some((b - a).num_milliseconds())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_offsets_to_utc_millis() {
        assert_eq!(
            parse("2026-11-24T13:00:00+01:00").as_deref(),
            Some("2026-11-24T12:00:00.000Z")
        );
        assert!(parse("yesterday").is_none());
        assert_eq!(
            millis_between("2026-11-24T12:00:00.000Z", "2026-11-24T12:00:01.500Z"),
            Some(1500)
        );
    }
}
