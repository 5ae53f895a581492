//! The CSRF token of a multipart form, read from the body without holding the upload: the form
//! puts its `_csrf` field first, so only the first part is read; the bytes read are handed on in
//! front of the rest of the stream, which the handler reads as it arrives. No token ever rides
//! in the address, where history, logs and the next page's `Referer` would keep it.

use axum::body::{Body, Bytes};
use futures_util::StreamExt;

/// How far into the body the first part must have ended (its headers and a token are a few
/// hundred bytes).
const FIRST_PART_LIMIT: usize = 4096;

/// The boundary of a `multipart/form-data` content type.
pub fn boundary(content_type: &str) -> Option<String> {
    let (media, params) = content_type.split_once(';')?;
    if !media.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (name, value) = p.trim().split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches('"').to_owned())
            .filter(|b| !b.is_empty())
    })
}

/// The value of the first part when it is the field `name`; `None` when the first part is
/// another field or a file, or has not ended within `bytes`.
pub fn first_field(bytes: &[u8], boundary: &str, name: &str) -> Option<String> {
    let opening = format!("--{boundary}\r\n");
    let start = find(bytes, opening.as_bytes())? + opening.len();
    let rest = &bytes[start..];
    let headers_end = find(rest, b"\r\n\r\n")?;
    let headers = std::str::from_utf8(&rest[..headers_end]).ok()?;
    let named = headers.lines().any(|line| {
        let Some((key, value)) = line.split_once(':') else {
            return false;
        };
        key.trim().eq_ignore_ascii_case("content-disposition")
            && value.split(';').any(|p| {
                p.trim()
                    .strip_prefix("name=")
                    .is_some_and(|n| n.trim_matches('"') == name)
            })
            && !value.contains("filename")
    });
    if !named {
        return None;
    }
    let value_start = headers_end + 4;
    let closing = format!("\r\n--{boundary}");
    let value_len = find(&rest[value_start..], closing.as_bytes())?;
    std::str::from_utf8(&rest[value_start..value_start + value_len])
        .ok()
        .map(str::to_owned)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Reads the body until its first part has ended (or `FIRST_PART_LIMIT` bytes), returning the
/// field's value and the whole body again, unchanged, for the handler.
pub async fn take_first_field(body: Body, boundary: &str, name: &str) -> (Option<String>, Body) {
    let mut stream = body.into_data_stream();
    let mut head = Vec::new();
    let mut failed = None;
    let closing = format!("\r\n--{boundary}");
    while head.len() < FIRST_PART_LIMIT {
        match stream.next().await {
            Some(Ok(chunk)) => head.extend_from_slice(&chunk),
            Some(Err(e)) => {
                failed = Some(e);
                break;
            }
            None => break,
        }
        // The first part has ended once its closing boundary is in (after its own opening).
        if head.len() > closing.len() + 2 && find(&head[2..], closing.as_bytes()).is_some() {
            break;
        }
    }
    let value = first_field(&head, boundary, name);
    let head = futures_util::stream::once(async move { Ok::<_, axum::Error>(Bytes::from(head)) });
    let rest = match failed {
        Some(e) => StreamExt::boxed(futures_util::stream::once(async move { Err(e) })),
        None => StreamExt::boxed(stream),
    };
    (value, Body::from_stream(head.chain(rest).fuse()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(first_name: &str, first_value: &str) -> Vec<u8> {
        format!(
            "--XyZ\r\nContent-Disposition: form-data; name=\"{first_name}\"\r\n\r\n{first_value}\r\n\
             --XyZ\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.pdf\"\r\n\
             Content-Type: application/pdf\r\n\r\n%PDF-1.7 body\r\n--XyZ--\r\n"
        )
        .into_bytes()
    }

    #[test]
    fn the_boundary_is_read_from_the_content_type() {
        assert_eq!(
            boundary("multipart/form-data; boundary=----WebKitFormBoundaryAbC").as_deref(),
            Some("----WebKitFormBoundaryAbC")
        );
        assert_eq!(
            boundary("multipart/form-data; boundary=\"a b\"").as_deref(),
            Some("a b")
        );
        assert_eq!(boundary("application/x-www-form-urlencoded"), None);
        assert_eq!(boundary("multipart/form-data"), None);
    }

    #[test]
    fn the_token_is_the_first_part_only() {
        assert_eq!(
            first_field(&form("_csrf", "tok-1"), "XyZ", "_csrf").as_deref(),
            Some("tok-1")
        );
        assert_eq!(first_field(&form("title", "tok-1"), "XyZ", "_csrf"), None);
        // A file named like the field is not the field.
        let file_first = b"--XyZ\r\nContent-Disposition: form-data; name=\"_csrf\"; filename=\"x\"\r\n\r\nv\r\n--XyZ--\r\n";
        assert_eq!(first_field(file_first, "XyZ", "_csrf"), None);
    }

    #[tokio::test]
    async fn the_body_is_handed_on_whole_however_it_is_cut() {
        let bytes = form("_csrf", "tok-2");
        for cut in [1, 7, 40, 100, bytes.len()] {
            let chunks: Vec<Result<Bytes, std::io::Error>> = bytes
                .chunks(cut)
                .map(|c| Ok(Bytes::copy_from_slice(c)))
                .collect();
            let body = Body::from_stream(futures_util::stream::iter(chunks));
            let (value, body) = take_first_field(body, "XyZ", "_csrf").await;
            assert_eq!(value.as_deref(), Some("tok-2"), "cut at {cut}");
            let again = axum::body::to_bytes(body, usize::MAX).await.expect("body");
            assert_eq!(again.to_vec(), bytes, "cut at {cut}");
        }
    }
}
