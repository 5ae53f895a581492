//! A gzip response made of parts compressed apart, so that a large part that is the same for
//! many requests (the registry's main part) is compressed once and kept, and only the small
//! parts around it (the page frame, with the request's CSRF token) are compressed per request.
//!
//! Each part is a raw DEFLATE stream ended by a sync flush: non-final blocks ending on a byte
//! boundary, referring only to the part's own bytes. Laid one after another and closed by an
//! empty final block they form one valid DEFLATE stream (RFC 1951); the gzip member's CRC-32 is
//! combined from the parts' (RFC 1952).

use std::io::Write;

use axum::http::HeaderMap;
use axum::http::header;

/// One part: its DEFLATE blocks, and the CRC-32 and length of what it holds.
#[derive(Clone)]
pub struct Part {
    deflate: Vec<u8>,
    crc: crc32fast::Hasher,
    len: u64,
}

impl Part {
    /// Compresses `text` at the fastest level, as the compression layer does.
    pub fn new(text: &[u8]) -> Part {
        let mut encoder = flate2::write::DeflateEncoder::new(
            Vec::with_capacity(text.len() / 4 + 64),
            flate2::Compression::fast(),
        );
        // Writing to a Vec cannot fail; flush() is DEFLATE's sync flush.
        let _ = encoder.write_all(text);
        let _ = encoder.flush();
        let deflate = encoder.get_ref().clone();
        let mut crc = crc32fast::Hasher::new();
        crc.update(text);
        Part {
            deflate,
            crc,
            len: text.len() as u64,
        }
    }

    /// The compressed size.
    pub fn size(&self) -> usize {
        self.deflate.len()
    }
}

/// One gzip member holding the parts in order.
pub fn stitch(parts: &[&Part]) -> Vec<u8> {
    // ID1 ID2, CM = deflate, no flags, no time, XFL 4 (fastest), OS 255 (unknown).
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 255];
    let mut crc = crc32fast::Hasher::new();
    let mut len = 0u64;
    for part in parts {
        out.extend_from_slice(&part.deflate);
        crc.combine(&part.crc);
        len += part.len;
    }
    // An empty final block with fixed codes: BFINAL 1, BTYPE 01, end of block.
    out.extend_from_slice(&[0x03, 0x00]);
    out.extend_from_slice(&crc.finalize().to_le_bytes());
    out.extend_from_slice(&((len & 0xffff_ffff) as u32).to_le_bytes());
    out
}

/// Whether the client takes gzip (`Accept-Encoding` names it, or `*`, without `q=0`).
pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut pieces = coding.split(';');
            let name = pieces.next().unwrap_or_default().trim();
            let refused = pieces.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn gunzip(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .expect("a valid gzip member");
        out
    }

    #[test]
    fn parts_compressed_apart_decode_as_one() {
        let head = "<html><head><title>Сроки</title></head><body>".repeat(3);
        let middle: String = (0..2000)
            .map(|i| format!("<tr><td>Договор №{i}</td><td>Действует</td></tr>"))
            .collect();
        let tail = "</body></html>";
        let kept = Part::new(middle.as_bytes());
        let whole = stitch(&[
            &Part::new(head.as_bytes()),
            &kept,
            &Part::new(tail.as_bytes()),
        ]);
        assert_eq!(gunzip(&whole), format!("{head}{middle}{tail}").into_bytes());
        assert!(whole.len() < middle.len() / 5, "it is compressed");
        // The kept part serves another frame just as well.
        let other = stitch(&[&Part::new(b"<p>x</p>"), &kept, &Part::new(b"")]);
        assert_eq!(gunzip(&other), format!("<p>x</p>{middle}").into_bytes());
        // Python's gzip (an independent reader) agrees.
        let dir = std::env::temp_dir().join(format!("kabinet-gz-{}", std::process::id()));
        std::fs::write(&dir, &whole).expect("written");
        if let Ok(out) = std::process::Command::new("python3")
            .args([
                "-c",
                "import gzip,sys; sys.stdout.buffer.write(gzip.open(sys.argv[1]).read())",
            ])
            .arg(&dir)
            .output()
            && out.status.success()
        {
            assert_eq!(out.stdout, format!("{head}{middle}{tail}").into_bytes());
        }
        let _ = std::fs::remove_file(&dir);
    }

    #[test]
    fn gzip_is_taken_when_named_without_q_zero() {
        let h = |v: &str| {
            let mut m = HeaderMap::new();
            m.insert(header::ACCEPT_ENCODING, v.parse().expect("value"));
            m
        };
        assert!(accepts_gzip(&h("gzip, deflate, br, zstd")));
        assert!(accepts_gzip(&h("br;q=1.0, gzip;q=0.8")));
        assert!(accepts_gzip(&h("*")));
        assert!(!accepts_gzip(&h("gzip;q=0, br")));
        assert!(!accepts_gzip(&h("identity")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }
}
