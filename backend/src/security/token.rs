//! Access-token checks in constant time, and the session cookie derived from the token.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The session cookie's name.
pub const COOKIE_NAME: &str = "mergeloom_session";

/// Compares two secrets in constant time (hashing first so lengths leak nothing).
#[must_use]
pub fn matches(given: &str, expected: &str) -> bool {
    let a = Sha256::digest(given.as_bytes());
    let b = Sha256::digest(expected.as_bytes());
    a.ct_eq(&b).into()
}

/// The cookie value for a token: a derived value, so the cookie never carries the token itself.
#[must_use]
pub fn session_value(token: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"mergeloom-session-v1:");
    h.update(token.as_bytes());
    hex::encode(h.finalize())
}

/// A short, stable id for a token (for records such as the settings history); it cannot be turned
/// back into the token.
#[must_use]
pub fn token_id(token: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"mergeloom-token-id-v1:");
    h.update(token.as_bytes());
    format!("token:{}", &hex::encode(h.finalize())[..12])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_exactly() {
        assert!(matches("abc", "abc"));
        assert!(!matches("abd", "abc"));
        assert!(!matches("", "abc"));
        assert_ne!(session_value("abc"), "abc");
    }
}
