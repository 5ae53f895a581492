//! One-time passwords from an authenticator app: TOTP (RFC 6238) over HOTP (RFC 4226) with
//! HMAC-SHA1, six digits and 30-second steps — the parameters every authenticator app assumes
//! when an `otpauth://` link names no others.
//!
//! A code is accepted for the current step and one step either side (clock drift of phones), and
//! never for a step at or before the last one accepted, so that a code seen over a shoulder
//! cannot be replayed within its minute.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

/// Seconds per step.
pub const STEP_SECS: i64 = 30;
/// Digits per code.
pub const DIGITS: u32 = 6;
/// Steps either side of now that still count.
pub const DRIFT_STEPS: i64 = 1;
/// Bytes of a new secret (160 bits, the size RFC 4226 recommends).
pub const SECRET_LEN: usize = 20;

/// The HOTP value of `secret` at `counter`, as a number below 10^`DIGITS`.
pub fn hotp(secret: &[u8], counter: u64) -> u32 {
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(secret) else {
        // HMAC takes keys of any length; this branch cannot be reached.
        return 0;
    };
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    let chunk = [
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ];
    u32::from_be_bytes(chunk) % 10_u32.pow(DIGITS)
}

/// The step a Unix time falls in.
pub fn step_at(unix_secs: i64) -> i64 {
    unix_secs.div_euclid(STEP_SECS)
}

/// The code an app shows at a Unix time, zero-padded.
pub fn code_at(secret: &[u8], unix_secs: i64) -> String {
    let step = u64::try_from(step_at(unix_secs)).unwrap_or(0);
    format!("{:0width$}", hotp(secret, step), width = DIGITS as usize)
}

/// Checks a typed code at a Unix time. Returns the step it matched, which the caller stores as
/// the last one used; `None` for a wrong, malformed or replayed code.
pub fn verify(secret: &[u8], typed: &str, unix_secs: i64, last_used_step: i64) -> Option<i64> {
    let digits: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() != DIGITS as usize || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value: u32 = digits.parse().ok()?;
    let now = step_at(unix_secs);
    (now - DRIFT_STEPS..=now + DRIFT_STEPS)
        .filter(|step| *step > last_used_step && *step >= 0)
        .find(|step| u64::try_from(*step).is_ok_and(|s| hotp(secret, s) == value))
}

/// The `otpauth://` link a QR code carries for the app to scan.
pub fn provisioning_uri(issuer: &str, account: &str, secret: &[u8]) -> String {
    let label = format!("{}:{}", encode_component(issuer), encode_component(account));
    format!(
        "otpauth://totp/{label}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}",
        base32_encode(secret),
        encode_component(issuer)
    )
}

fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'@' | b'+') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding: how apps expect a secret to be typed by hand.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Reads base32 as people type it: any case, spaces and padding ignored. `None` on other letters.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for c in text.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let upper = c.to_ascii_uppercase();
        let value = BASE32.iter().position(|&b| char::from(b) == upper)?;
        buffer = (buffer << 5) | u32::try_from(value).ok()?;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((buffer >> bits) & 0xff).ok()?);
        }
    }
    Some(out)
}

/// Shows a secret in groups of four for typing into an app by hand.
pub fn grouped(secret: &[u8]) -> String {
    let plain = base32_encode(secret);
    plain
        .as_bytes()
        .chunks(4)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn hotp_matches_rfc_4226_appendix_d() {
        let expected = [
            755224, 287082, 359152, 969429, 338314, 254676, 287922, 162583, 399871, 520489,
        ];
        for (counter, value) in expected.iter().enumerate() {
            assert_eq!(
                hotp(RFC_SECRET, counter as u64),
                *value,
                "counter {counter}"
            );
        }
    }

    #[test]
    fn totp_matches_rfc_6238_sha1_vectors_in_six_digits() {
        // Appendix B gives eight digits; an app showing six shows the last six.
        let vectors = [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ];
        for (time, eight) in vectors {
            assert_eq!(code_at(RFC_SECRET, time), eight[2..], "time {time}");
        }
    }

    #[test]
    fn a_code_counts_for_one_step_either_side_and_not_beyond() {
        let now = 1_234_567_890;
        let previous = code_at(RFC_SECRET, now - STEP_SECS);
        let next = code_at(RFC_SECRET, now + STEP_SECS);
        let stale = code_at(RFC_SECRET, now - 2 * STEP_SECS);
        assert_eq!(
            verify(RFC_SECRET, &previous, now, 0),
            Some(step_at(now) - 1)
        );
        assert_eq!(verify(RFC_SECRET, &next, now, 0), Some(step_at(now) + 1));
        assert_eq!(verify(RFC_SECRET, &stale, now, 0), None);
    }

    #[test]
    fn a_used_code_cannot_be_replayed() {
        let now = 1_234_567_890;
        let code = code_at(RFC_SECRET, now);
        let step = verify(RFC_SECRET, &code, now, 0).expect("fresh code");
        assert_eq!(verify(RFC_SECRET, &code, now + 5, step), None);
    }

    #[test]
    fn malformed_codes_are_refused_and_spaces_are_forgiven() {
        let now = 59;
        assert_eq!(verify(RFC_SECRET, "287 082", now, 0), Some(1));
        for bad in ["", "28708", "2870822", "28708a", "２８７０８２"] {
            assert_eq!(verify(RFC_SECRET, bad, now, 0), None, "{bad:?}");
        }
    }

    #[test]
    fn base32_follows_rfc_4648_test_vectors() {
        let cases = [
            ("", ""),
            ("f", "MY"),
            ("fo", "MZXQ"),
            ("foo", "MZXW6"),
            ("foob", "MZXW6YQ"),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(base32_encode(plain.as_bytes()), encoded);
            assert_eq!(
                base32_decode(&encoded.to_lowercase()).as_deref(),
                Some(plain.as_bytes())
            );
        }
        assert_eq!(
            base32_decode("MZXW6YTBOI======").as_deref(),
            Some(&b"foobar"[..])
        );
        assert_eq!(base32_decode("MZ1"), None);
    }

    #[test]
    fn the_provisioning_link_names_the_issuer_account_and_secret() {
        let uri = provisioning_uri("Кабинет", "+7 999 123-45-67", RFC_SECRET);
        assert!(uri.starts_with("otpauth://totp/%D0%9A"));
        assert!(uri.contains(":+7%20999%20123-45-67?"));
        assert!(uri.contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&"));
        assert!(uri.ends_with("&digits=6&period=30"));
    }

    #[test]
    fn the_grouped_secret_reads_back_to_the_same_bytes() {
        let shown = grouped(RFC_SECRET);
        assert_eq!(shown.split(' ').count(), 8);
        assert_eq!(base32_decode(&shown).as_deref(), Some(RFC_SECRET));
    }
}
