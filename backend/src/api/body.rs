//! Reading JSON request bodies with the API's rules: `application/json` only (415), the body
//! limit (413), malformed JSON (400), and type errors or unknown fields as 422 naming the path.

use actix_web::{HttpMessage, HttpRequest, web};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// Reads and parses a JSON body of at most `limit` bytes.
pub async fn read_json<T: DeserializeOwned>(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<T, ApiError> {
    let ct = req.content_type();
    if !ct.is_empty() && ct != "application/json" {
        return Err(ApiError::UnsupportedMediaType(format!(
            "expected Content-Type application/json, got {ct}"
        )));
    }
    if let Some(len) = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        && len > limit
    {
        return Err(too_large(limit));
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::BadRequest(format!("could not read the body: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    parse_json(&body)
}

fn too_large(limit: usize) -> ApiError {
    ApiError::PayloadTooLarge(format!(
        "request body is larger than the limit of {limit} bytes"
    ))
}

/// Parses JSON bytes: syntax errors are 400, shape errors 422 with the path.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(v) => Ok(v),
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            match inner.classify() {
                serde_json::error::Category::Data => {
                    let msg = inner.to_string();
                    let (path, code) = if let Some(field) = between(&msg, "missing field `", "`") {
                        (join(&path, field), "required")
                    } else if let Some(field) = between(&msg, "unknown field `", "`") {
                        (join(&path, field), "unknown_field")
                    } else {
                        (if path == "." { String::new() } else { path }, "invalid")
                    };
                    Err(ApiError::field(&path, code, strip_position(&msg)))
                }
                _ => Err(ApiError::BadRequest(format!("malformed JSON: {inner}"))),
            }
        }
    }
}

fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let i = s.find(start)? + start.len();
    let j = s[i..].find(end)? + i;
    Some(&s[i..j])
}

fn join(path: &str, field: &str) -> String {
    if path.rsplit('.').next() == Some(field) {
        path.to_owned()
    } else if path.is_empty() || path == "." {
        field.to_owned()
    } else {
        format!("{path}.{field}")
    }
}

fn strip_position(msg: &str) -> String {
    msg.split(" at line ").next().unwrap_or(msg).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobspec::JobRequest;

    #[test]
    fn errors_name_the_path() {
        let e = parse_json::<JobRequest>(br#"{"ticket": {"key": 5}}"#).expect_err("bad");
        assert!(
            matches!(&e, ApiError::Validation { fields, .. } if fields[0].path == "ticket.key")
        );
        let e = parse_json::<JobRequest>(br#"{"ticket": {"nope": 1}}"#).expect_err("bad");
        assert!(
            matches!(&e, ApiError::Validation { fields, .. } if fields[0].path == "ticket.nope")
        );
        let e = parse_json::<JobRequest>(b"{").expect_err("bad");
        assert!(matches!(e, ApiError::BadRequest(_)));
    }
}
