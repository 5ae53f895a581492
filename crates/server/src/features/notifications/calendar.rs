//! The private calendar feed (RFC 5545): one all-day event per document deadline, with a
//! reminder a week before, at a secret address the user can subscribe to from any calendar app
//! and revoke or regenerate at any time.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use jiff::civil::Date;

use crate::features::documents::service::{registry, status_label};
use crate::keys;
use crate::state::AppState;
use crate::web::errors::PageError;
use crate::web::i18n::Lang;

/// One deadline in the feed.
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

/// `GET /calendar/{token}/deadlines.ics`: no session, the secret is the key. An unknown or revoked
/// secret is "not found", like any other address.
pub async fn feed(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    if token.len() > 100 {
        return Err(PageError::NotFound);
    }
    let Some(user_id) =
        store::notifications::feed_owner(&state.db, &keys::token_hash(&token)).await?
    else {
        return Err(PageError::NotFound);
    };
    let profile = store::users::profile(&state.db, &user_id)
        .await?
        .ok_or(PageError::NotFound)?;
    let lang = Lang::from_code(&profile.locale).unwrap_or_default();
    let owner = store::users::summary(&state.db, &user_id)
        .await?
        .ok_or(PageError::NotFound)?;
    let registry = registry(&state, &owner).await?;
    let items = &registry.assessed;
    let base = state.config.public_base();
    let events: Vec<Event> = items
        .iter()
        .filter_map(|a| {
            let day = a.assessment.deadline?;
            let title = &a.doc.data.title;
            let status = status_label(a.assessment.status, lang);
            let (summary, description) = match lang {
                Lang::Ru => (
                    format!("Срок документа: {title}"),
                    format!("{title}: {status}. Что делать — в кабинете."),
                ),
                Lang::En => (
                    format!("Document deadline: {title}"),
                    format!("{title}: {status}. What to do is in the cabinet."),
                ),
            };
            Some(Event {
                uid: format!("{}-{}@kabinet", a.doc.id, day),
                day,
                summary,
                description,
                url: format!("{base}/documents/{}", a.doc.id),
            })
        })
        .collect();
    let name = match lang {
        Lang::Ru => "Кабинет: сроки документов",
        Lang::En => "Kabinet: document deadlines",
    };
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "private, max-age=900"),
        ],
        ics(name, &events, state.now()),
    )
        .into_response())
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
