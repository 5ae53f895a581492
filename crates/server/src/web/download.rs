//! Files sent to the browser to keep: the `Content-Disposition` header and a streamed body that
//! survives every layer around it.

use axum::body::Body;
use bytes::Bytes;
use futures_util::{Stream, StreamExt};

/// RFC 6266 / 5987: an ASCII fallback and the exact UTF-8 name.
pub fn content_disposition(disposition: &str, name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.as_bytes() {
        let c = *b as char;
        if c.is_ascii_alphanumeric() || "!#$&+-.^_`|~".contains(c) {
            encoded.push(c);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("{disposition}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// A response body read from a stream. The stream is fused: a layer may poll a body once more
/// after its end (the compressor did, and `stream::unfold` panics when polled after its end,
/// which cut every compressed download short).
pub fn streamed<S, E>(stream: S) -> Body
where
    S: Stream<Item = Result<Bytes, E>> + Send + 'static,
    E: Into<axum::BoxError> + 'static,
{
    Body::from_stream(stream.fuse())
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt;

    #[test]
    fn cyrillic_file_names_survive_in_the_header() {
        let h = super::content_disposition("attachment", "Паспорт скан.pdf");
        assert_eq!(
            h,
            "attachment; filename=\"_______ ____.pdf\"; filename*=UTF-8''%D0%9F%D0%B0%D1%81%D0%BF%D0%BE%D1%80%D1%82%20%D1%81%D0%BA%D0%B0%D0%BD.pdf"
        );
    }

    #[tokio::test]
    async fn a_streamed_body_may_be_polled_after_its_end() {
        let stream = futures_util::stream::unfold(0u8, |n| async move {
            (n < 2).then(|| {
                (
                    Ok::<_, std::io::Error>(axum::body::Bytes::from(vec![n])),
                    n + 1,
                )
            })
        });
        let mut body = super::streamed(stream);
        let mut got = Vec::new();
        while let Some(frame) = body.frame().await {
            got.extend_from_slice(&frame.expect("frame").into_data().expect("data"));
        }
        assert_eq!(got, vec![0, 1]);
        // Once more after the end, as a compressor may: no panic, still the end.
        assert!(body.frame().await.is_none());
        assert!(body.frame().await.is_none());
    }
}
