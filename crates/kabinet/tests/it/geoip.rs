//! Sign-in locations from a GeoIP database in MaxMind's format. The test writes a tiny database
//! by the published format (search tree, data section, metadata) that places 127.0.0.0/8 in
//! Perm, and reads the location back from the sign-in history page.

use crate::harness::registered_citizen;
use crate::harness::{Options, TempDir, TestApp};

/// MaxMind DB data encoding: a control byte (type, size), extended types after it.
fn control(ty: u8, size: usize) -> Vec<u8> {
    assert!(size < 29, "small values only in this writer");
    if ty <= 7 {
        vec![(ty << 5) | size as u8]
    } else {
        vec![size as u8, ty - 7]
    }
}

fn string(s: &str) -> Vec<u8> {
    let mut v = control(2, s.len());
    v.extend_from_slice(s.as_bytes());
    v
}

fn uint(ty: u8, bytes: &[u8]) -> Vec<u8> {
    let mut v = control(ty, bytes.len());
    v.extend_from_slice(bytes);
    v
}

fn map(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut v = control(7, entries.len());
    for (k, value) in entries {
        v.extend(string(k));
        v.extend_from_slice(value);
    }
    v
}

fn names(ru: &str, en: &str) -> Vec<u8> {
    map(&[("names", map(&[("en", string(en)), ("ru", string(ru))]))])
}

/// An IPv4 database with one network, `first_octet`.0.0.0/8, holding `record`.
fn database(first_octet: u8, record: Vec<u8>) -> Vec<u8> {
    const NODES: u32 = 8;
    let mut out = Vec::new();
    for depth in 0..NODES {
        let bit = (first_octet >> (7 - depth)) & 1;
        let onward = if depth + 1 < NODES {
            depth + 1
        } else {
            NODES + 16 // data pointer: node count + 16 + offset 0
        };
        let (left, right) = if bit == 0 {
            (onward, NODES)
        } else {
            (NODES, onward)
        };
        out.extend_from_slice(&left.to_be_bytes()[1..]);
        out.extend_from_slice(&right.to_be_bytes()[1..]);
    }
    out.extend_from_slice(&[0; 16]);
    out.extend(record);
    out.extend_from_slice(b"\xAB\xCD\xEFMaxMind.com");
    out.extend(map(&[
        ("binary_format_major_version", uint(5, &2u16.to_be_bytes())),
        ("binary_format_minor_version", uint(5, &0u16.to_be_bytes())),
        ("build_epoch", uint(9, &0u64.to_be_bytes())),
        ("database_type", string("Kabinet-Test-City")),
        ("description", map(&[("en", string("test"))])),
        ("ip_version", uint(5, &4u16.to_be_bytes())),
        ("languages", {
            let mut v = control(11, 2);
            v.extend(string("en"));
            v.extend(string("ru"));
            v
        }),
        ("node_count", uint(6, &NODES.to_be_bytes())),
        ("record_size", uint(5, &24u16.to_be_bytes())),
    ]));
    out
}

#[tokio::test]
async fn sign_ins_show_where_they_came_from_when_a_geoip_database_is_configured() {
    let dir = TempDir::new();
    let path = dir.0.join("city.mmdb");
    let record = map(&[
        ("city", names("Пермь", "Perm")),
        ("country", names("Россия", "Russia")),
    ]);
    std::fs::write(&path, database(127, record)).expect("database written");

    let geo = server::geoip::GeoIp::open(Some(&path)).expect("database opens");
    assert_eq!(
        geo.locate(Some("127.0.0.1")).as_deref(),
        Some("Пермь, Россия")
    );
    assert_eq!(geo.locate(Some("10.1.2.3")), None, "not in the database");
    assert_eq!(geo.locate(Some("not an address")), None);
    assert_eq!(server::geoip::GeoIp::none().locate(Some("127.0.0.1")), None);

    let configured = path.clone();
    let app = TestApp::spawn_with(Options {
        configure: Box::new(move |c| c.geoip.database = Some(configured)),
        ..Options::default()
    })
    .await;
    registered_citizen(&app, "+79120000601", "geo@example.ru").await;
    let (status, html) = app.get_text("/profile/logins").await;
    assert_eq!(status, 200);
    assert!(html.contains("Пермь, Россия"), "{html}");

    // A file that is not a database stops the start with a clear error.
    std::fs::write(&path, b"not a database").expect("written");
    let broken = server::geoip::GeoIp::open(Some(&path));
    assert!(broken.is_err_and(|e| e.to_string().contains("city.mmdb")));
}
