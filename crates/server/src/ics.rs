//! Calendar files (RFC 5545): all-day events with an alarm, as the private deadline feed serves
//! them (later: appointments).

use jiff::Timestamp;
use jiff::civil::Date;

/// One all-day event.
pub struct Event {
    pub uid: String,
    pub day: Date,
    pub summary: String,
    pub description: String,
    pub url: String,
}

/// Escapes TEXT values (RFC 5545 §3.3.11).
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets, never inside a UTF-8 character (§3.1), ending in CRLF.
fn line(out: &mut String, content: &str) {
    let mut width = 0;
    for c in content.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

fn stamp(t: Timestamp) -> String {
    t.strftime("%Y%m%dT%H%M%SZ").to_string()
}

pub fn ics(name: &str, events: &[Event], now: Timestamp) -> String {
    let mut out = String::new();
    for l in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Kabinet//Deadlines//RU",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ] {
        line(&mut out, l);
    }
    line(&mut out, &format!("X-WR-CALNAME:{}", text(name)));
    for e in events {
        let next = e.day.tomorrow().unwrap_or(e.day);
        line(&mut out, "BEGIN:VEVENT");
        line(&mut out, &format!("UID:{}", e.uid));
        line(&mut out, &format!("DTSTAMP:{}", stamp(now)));
        line(
            &mut out,
            &format!("DTSTART;VALUE=DATE:{}", e.day.strftime("%Y%m%d")),
        );
        line(
            &mut out,
            &format!("DTEND;VALUE=DATE:{}", next.strftime("%Y%m%d")),
        );
        line(&mut out, &format!("SUMMARY:{}", text(&e.summary)));
        line(&mut out, &format!("DESCRIPTION:{}", text(&e.description)));
        line(&mut out, &format!("URL:{}", e.url));
        line(&mut out, "TRANSP:TRANSPARENT");
        line(&mut out, "BEGIN:VALARM");
        line(&mut out, "ACTION:DISPLAY");
        line(&mut out, "TRIGGER:-P7D");
        line(&mut out, &format!("DESCRIPTION:{}", text(&e.summary)));
        line(&mut out, "END:VALARM");
        line(&mut out, "END:VEVENT");
    }
    line(&mut out, "END:VCALENDAR");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn lines_are_escaped_folded_by_octets_and_end_in_crlf() {
        let long = "Договор аренды квартиры на улице Ленина, дом 1; подписан в двух экземплярах";
        let out = ics(
            "Сроки",
            &[Event {
                uid: "d1-2027-01-01@kabinet".into(),
                day: date(2026, 12, 31),
                summary: long.into(),
                description: "a\nb".into(),
                url: "https://k.example/documents/d1".into(),
            }],
            "2026-11-25T06:00:00Z".parse().unwrap(),
        );
        assert!(out.ends_with("END:VCALENDAR\r\n"));
        assert!(
            out.split("\r\n").all(|l| l.len() <= 75),
            "folded at 75 octets"
        );
        assert!(!out.replace("\r\n", "").contains('\n'), "only CRLF breaks");
        assert!(out.contains("DTSTART;VALUE=DATE:20261231\r\n"));
        assert!(
            out.contains("DTEND;VALUE=DATE:20270101\r\n"),
            "the next day, across the year"
        );
        assert!(out.contains("DESCRIPTION:a\\nb\r\n"));
        let unfolded = out.replace("\r\n ", "");
        assert!(
            unfolded.contains("Ленина\\, дом 1\\; подписан"),
            "{unfolded}"
        );
        assert!(out.contains("DTSTAMP:20261125T060000Z"));
    }
}
