//! Query-parameter parsing shared by list endpoints: `limit`, opaque keyset cursors, timestamps,
//! comma lists and ids. Bad values are 422s naming the parameter.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::error::ApiError;
use crate::db::runs::Cursor;

/// `?limit=`: default 50, 1–500.
pub fn limit(v: Option<&str>) -> Result<i64, ApiError> {
    match v {
        None => Ok(50),
        Some(s) => match s.parse::<i64>() {
            Ok(n) if (1..=500).contains(&n) => Ok(n),
            _ => Err(ApiError::field(
                "limit",
                "out_of_range",
                "limit must be an integer from 1 to 500",
            )),
        },
    }
}

/// Encodes a `(created_at, id)` keyset position as an opaque cursor.
#[must_use]
pub fn encode_cursor(c: &Cursor) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}|{}", c.at, c.id))
}

/// Decodes a cursor made by [`encode_cursor`].
pub fn decode_cursor(v: Option<&str>) -> Result<Option<Cursor>, ApiError> {
    let Some(s) = v.filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let bad = || ApiError::field("cursor", "invalid", "cursor is not one this API issued");
    let raw = URL_SAFE_NO_PAD.decode(s).map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    let (at, id) = text.split_once('|').ok_or_else(bad)?;
    if crate::time::parse(at).is_none() || uuid::Uuid::parse_str(id).is_err() {
        return Err(bad());
    }
    Ok(Some(Cursor {
        at: at.to_owned(),
        id: id.to_owned(),
    }))
}

/// An RFC 3339 timestamp parameter, normalised to the stored format.
pub fn timestamp(name: &str, v: Option<&str>) -> Result<Option<String>, ApiError> {
    match v.filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => crate::time::parse(s).map(Some).ok_or_else(|| {
            ApiError::field(
                name,
                "invalid",
                format!("{name} must be an RFC 3339 timestamp"),
            )
        }),
    }
}

/// A comma-separated list; every entry must be one of `allowed` when given.
pub fn list(
    name: &str,
    v: Option<&str>,
    allowed: Option<&[&str]>,
) -> Result<Vec<String>, ApiError> {
    let mut out = Vec::new();
    for item in v
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        if let Some(allowed) = allowed
            && !allowed.contains(&item)
        {
            return Err(ApiError::field(
                name,
                "invalid",
                format!("{item:?} is not one of {}", allowed.join(", ")),
            ));
        }
        out.push(item.to_owned());
    }
    Ok(out)
}

/// A non-negative integer parameter.
pub fn seq(name: &str, v: Option<&str>) -> Result<Option<i64>, ApiError> {
    match v.filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => match s.parse::<i64>() {
            Ok(n) if n >= 0 => Ok(Some(n)),
            _ => Err(ApiError::field(
                name,
                "invalid",
                format!("{name} must be a non-negative integer"),
            )),
        },
    }
}

/// A non-empty trimmed text parameter.
#[must_use]
pub fn text(v: Option<&str>) -> Option<String> {
    v.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}
