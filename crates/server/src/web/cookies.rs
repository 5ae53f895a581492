//! Reading and writing cookies without a cookie jar: Kabinet sets few cookies, each with the
//! same safe attributes.

use axum::http::{HeaderMap, HeaderValue, header};

/// The value of a cookie in the request's `Cookie` headers.
pub fn get(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_owned())
}

/// How long a cookie lives.
#[derive(Debug, Clone, Copy)]
pub enum Lifetime {
    /// Until the browser closes.
    Session,
    Seconds(i64),
    /// Remove it now.
    Expire,
}

/// A `Set-Cookie` value: always `Path=/`, `SameSite=Lax`; `HttpOnly` unless scripts must read
/// it; `Secure` when the service is reached over HTTPS.
pub fn set(
    name: &str,
    value: &str,
    lifetime: Lifetime,
    http_only: bool,
    secure: bool,
) -> HeaderValue {
    let mut cookie = format!("{name}={value}; Path=/; SameSite=Lax");
    match lifetime {
        Lifetime::Session => {}
        Lifetime::Seconds(s) => cookie.push_str(&format!("; Max-Age={s}")),
        Lifetime::Expire => cookie.push_str("; Max-Age=0"),
    }
    if http_only {
        cookie.push_str("; HttpOnly");
    }
    if secure {
        cookie.push_str("; Secure");
    }
    HeaderValue::from_str(&cookie)
        .unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_cookies_among_many() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, HeaderValue::from_static("a=1; kb_lang=en"));
        headers.append(header::COOKIE, HeaderValue::from_static("b=2"));
        assert_eq!(get(&headers, "kb_lang").as_deref(), Some("en"));
        assert_eq!(get(&headers, "b").as_deref(), Some("2"));
        assert_eq!(get(&headers, "kb"), None);
    }

    #[test]
    fn cookies_carry_safe_attributes() {
        let v = set("kb_session", "tok", Lifetime::Session, true, true);
        assert_eq!(
            v.to_str().ok(),
            Some("kb_session=tok; Path=/; SameSite=Lax; HttpOnly; Secure")
        );
        let v = set("kb_lang", "en", Lifetime::Seconds(60), false, false);
        assert_eq!(
            v.to_str().ok(),
            Some("kb_lang=en; Path=/; SameSite=Lax; Max-Age=60")
        );
    }
}
