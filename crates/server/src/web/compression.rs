//! Which responses are compressed. Browsers always ask for gzip, so this decides what citizens
//! get: text (pages, JSON, CSS, SVG, CSV, calendars) shrinks several times; PDF, JPEG, PNG, ZIP
//! and DOCX are compressed already, and gzip over them costs CPU for nothing and turns a download
//! of known length into a chunked one. Only the kinds listed here are compressed.

use axum::http::{HeaderMap, StatusCode, Version, header};
use tower_http::compression::predicate::{Predicate, SizeAbove};
use tower_http::compression::{CompressionLayer, CompressionLevel};

/// Media types worth compressing (the part before any `;`).
const COMPRESSIBLE: &[&str] = &[
    "text/html",
    "text/css",
    "text/csv",
    "text/plain",
    "text/calendar",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/problem+json",
    "application/manifest+json",
    "application/xml",
    "image/svg+xml",
];

/// Whether a response of this `Content-Type` is compressed. An event stream is text, but it is
/// never compressed: the compressor would hold its events back until a block fills.
pub fn is_compressible(content_type: &str) -> bool {
    let media = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    COMPRESSIBLE.contains(&media.as_str())
}

fn compressible_response(
    _: StatusCode,
    _: Version,
    headers: &HeaderMap,
    _: &axum::http::Extensions,
) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(is_compressible)
}

/// The compression layer: gzip at the fastest level (pages are compressed on every request, and
/// the best level costs several times the CPU for a few percent fewer bytes, measured on the
/// registry page), for compressible kinds of more than a few bytes.
pub fn layer() -> CompressionLayer<impl Predicate> {
    CompressionLayer::new()
        .quality(CompressionLevel::Fastest)
        .compress_when(SizeAbove::new(64).and(compressible_response))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_compressed_and_compressed_formats_are_not() {
        for t in [
            "text/html; charset=utf-8",
            "application/json",
            "text/css",
            "image/svg+xml",
            "text/csv; charset=utf-8",
            "text/calendar; charset=utf-8",
            "Application/Problem+JSON",
        ] {
            assert!(is_compressible(t), "{t}");
        }
        for t in [
            "application/pdf",
            "image/jpeg",
            "image/png",
            "application/zip",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/octet-stream",
            "text/event-stream",
            "",
        ] {
            assert!(!is_compressible(t), "{t}");
        }
    }
}
