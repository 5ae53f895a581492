//! The one way a JSON body is read, for every API operation and page script: it must be declared
//! as JSON, be UTF-8, parse, have the shape asked for, and carry no field the operation does not
//! know — a misspelt field applied as if absent would change something the client did not mean.

use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use bytes::Bytes;
use serde::de::DeserializeOwned;

use super::errors::ApiError;
use super::i18n::Msg;

/// A JSON request body of type `T`, refused with the API's error shape when it is not one.
pub struct JsonBody<T>(pub T);

/// Why a body is not the JSON asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyError {
    /// Not declared as `application/json` (415).
    NotJson,
    /// Could not be read whole, e.g. over the size limit (its own status).
    Unreadable(StatusCode),
    /// Bytes that are not UTF-8 (400).
    NotUtf8,
    /// Not JSON at all (400).
    Syntax(String),
    /// Fields the operation does not know, by their path (422).
    UnknownFields(Vec<String>),
    /// JSON of another shape: a missing field, a wrong type (422).
    Shape(String),
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        read(req, state).await.map(JsonBody).map_err(ApiError::from)
    }
}

/// Reads and checks a JSON body (shared with extractors that answer in their own shape).
pub async fn read<S: Send + Sync, T: DeserializeOwned>(
    req: Request,
    state: &S,
) -> Result<T, BodyError> {
    if !declared_json(&req) {
        return Err(BodyError::NotJson);
    }
    let bytes = Bytes::from_request(req, state)
        .await
        .map_err(|rejection| BodyError::Unreadable(rejection.status()))?;
    parse(&bytes)
}

fn declared_json(req: &Request) -> bool {
    let Some(value) = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let media = value.split(';').next().unwrap_or_default().trim();
    media.eq_ignore_ascii_case("application/json")
        || media
            .rsplit_once('+')
            .is_some_and(|(_, suffix)| suffix.eq_ignore_ascii_case("json"))
}

/// Parses bytes as a `T`, refusing what [`BodyError`] names.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, BodyError> {
    let text = std::str::from_utf8(bytes).map_err(|_| BodyError::NotUtf8)?;
    let mut unknown = Vec::new();
    let mut de = serde_json::Deserializer::from_str(text);
    let parsed: Result<T, _> =
        serde_ignored::deserialize(&mut de, |path| unknown.push(path.to_string()));
    let value = match parsed {
        // An unknown field says more than the missing one it may have been meant as.
        Err(_) if !unknown.is_empty() => return Err(BodyError::UnknownFields(unknown)),
        Err(e) if e.is_syntax() || e.is_eof() => return Err(BodyError::Syntax(e.to_string())),
        Err(e) => return Err(shape_error(&e.to_string())),
        Ok(value) => value,
    };
    de.end().map_err(|e| BodyError::Syntax(e.to_string()))?;
    if !unknown.is_empty() {
        return Err(BodyError::UnknownFields(unknown));
    }
    Ok(value)
}

fn shape_error(message: &str) -> BodyError {
    match denied_field(message) {
        Some(field) => BodyError::UnknownFields(vec![field.to_owned()]),
        None => BodyError::Shape(message.to_owned()),
    }
}

/// The field named by serde's refusal of a type that denies unknown fields ("unknown field
/// `x`, expected …"), where the type itself stops at the first one.
pub fn denied_field(message: &str) -> Option<&str> {
    message
        .strip_prefix("unknown field `")?
        .split_once('`')
        .map(|(field, _)| field)
}

/// A PATCH: the sent fields laid over the current ones (serialised as `current`), read as a
/// whole `T` with the same refusals as a body — an unknown field is named, not dropped.
pub fn patched<T: DeserializeOwned>(
    current: serde_json::Value,
    patch: serde_json::Map<String, serde_json::Value>,
) -> Result<T, BodyError> {
    let mut merged = current;
    if let Some(object) = merged.as_object_mut() {
        object.extend(patch);
    }
    let mut unknown = Vec::new();
    let read: Result<T, _> =
        serde_ignored::deserialize(merged, |path| unknown.push(path.to_string()));
    match read {
        Err(_) if !unknown.is_empty() => Err(BodyError::UnknownFields(unknown)),
        Err(e) => Err(shape_error(&e.to_string())),
        Ok(_) if !unknown.is_empty() => Err(BodyError::UnknownFields(unknown)),
        Ok(value) => Ok(value),
    }
}

const UNKNOWN_FIELD: Msg = Msg::new(
    "Такого поля нет в этой операции.",
    "This operation has no such field.",
);

impl From<BodyError> for ApiError {
    fn from(err: BodyError) -> Self {
        match err {
            BodyError::NotJson => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                Msg::new(
                    "Отправьте тело запроса как JSON (Content-Type: application/json).",
                    "Send the request body as JSON (Content-Type: application/json).",
                ),
            ),
            BodyError::Unreadable(status) => {
                let text = super::errors::error_text(status);
                ApiError::new(status, super::errors::error_code(status), text.title)
            }
            BodyError::NotUtf8 => ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_encoding",
                Msg::new(
                    "Тело запроса должно быть в кодировке UTF-8.",
                    "The request body must be UTF-8.",
                ),
            ),
            BodyError::Syntax(detail) => {
                let mut e = ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "bad_request",
                    Msg::new("Тело запроса — не JSON", "The request body is not JSON"),
                );
                e.detail = Some(detail);
                e
            }
            BodyError::UnknownFields(fields) => {
                fields.iter().fold(ApiError::invalid_input(), |e, field| {
                    e.field(field, "unknown_field", UNKNOWN_FIELD)
                })
            }
            BodyError::Shape(detail) => {
                let mut e = ApiError::invalid_input();
                e.detail = Some(detail);
                e
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Change {
        every: Option<Vec<i16>>,
        #[serde(default)]
        kinds: std::collections::BTreeMap<String, Option<Vec<i16>>>,
    }

    #[test]
    fn a_known_body_reads() {
        let c: Change = parse(br#"{"every":[30,7]}"#).expect("reads");
        assert_eq!(c.every, Some(vec![30, 7]));
    }

    #[test]
    fn unknown_fields_are_named_at_any_depth() {
        assert_eq!(
            parse::<Change>(br#"{"every":[1],"evry":[2]}"#),
            Err(BodyError::UnknownFields(vec!["evry".into()]))
        );
        // Even when the misspelling leaves a required field out.
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Login {
            login: String,
        }
        assert_eq!(
            parse::<Login>(br#"{"logn":"a"}"#).map(|_| ()),
            Err(BodyError::UnknownFields(vec!["logn".into()]))
        );
    }

    #[test]
    fn a_type_that_denies_unknown_fields_has_its_field_named_too() {
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Strict {
            a: Option<u8>,
        }
        assert_eq!(
            parse::<Strict>(br#"{"b":1}"#).map(|_| ()),
            Err(BodyError::UnknownFields(vec!["b".into()]))
        );
    }

    #[test]
    fn a_patch_keeps_what_it_does_not_name_and_names_what_it_does_not_know() {
        let current = serde_json::json!({ "every": [30], "kinds": {} });
        let patch = |v: serde_json::Value| v.as_object().cloned().unwrap_or_default();
        let c: Change = patched(current.clone(), patch(serde_json::json!({}))).expect("reads");
        assert_eq!(c.every, Some(vec![30]));
        let c: Change =
            patched(current.clone(), patch(serde_json::json!({ "every": [7] }))).expect("reads");
        assert_eq!(c.every, Some(vec![7]));
        assert_eq!(
            patched::<Change>(current, patch(serde_json::json!({ "evry": [7] }))),
            Err(BodyError::UnknownFields(vec!["evry".into()]))
        );
    }

    #[test]
    fn bytes_that_are_not_utf8_or_not_json_or_of_another_shape_are_refused() {
        assert_eq!(
            parse::<Change>(b"{\"every\":[1],\"x\":\"\xff\"}"),
            Err(BodyError::NotUtf8)
        );
        assert!(matches!(
            parse::<Change>(b"{\"every\":"),
            Err(BodyError::Syntax(_))
        ));
        assert!(matches!(
            parse::<Change>(b"{} {}"),
            Err(BodyError::Syntax(_))
        ));
        assert!(matches!(
            parse::<Change>(br#"{"every":"seven"}"#),
            Err(BodyError::Shape(_))
        ));
    }
}
