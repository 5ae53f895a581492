//! The registry's timeline: where each deadline falls between half a year ago and three years
//! ahead, drawn as SVG on the server (no script, no chart library). It repeats the table above it
//! for the eye; the table is its text alternative.

use domain::documents::{Status, days_between};
use jiff::civil::Date;
use jiff::{Span, ToSpan};

pub const WIDTH: i32 = 720;
const LABEL_END: i32 = 230;
const CHART_START: i32 = 240;
const CHART_END: i32 = 700;
const ROW: i32 = 30;
const TOP: i32 = 34;
const LABEL_CHARS: usize = 28;

pub struct Tick {
    pub x: i32,
    pub label: String,
}

pub struct Row {
    pub y: i32,
    pub label: String,
    pub x_from: i32,
    pub x_to: i32,
    pub marker_x: i32,
    pub colour: &'static str,
    /// The deadline lies beyond the right edge (drawn as an arrow).
    pub beyond: bool,
}

pub struct Timeline {
    pub height: i32,
    pub today_x: i32,
    pub ticks: Vec<Tick>,
    pub rows: Vec<Row>,
}

/// A colour per status that keeps 4.5:1 against white (the status is also said in words).
pub fn colour(status: Status) -> &'static str {
    match status {
        Status::Expired => "#b3261e",
        Status::NeedsReplacement => "#a33d00",
        Status::Expiring => "#7a5c00",
        Status::Valid => "#1e6b35",
        Status::Indefinite => "#505a5f",
    }
}

fn shorten(title: &str) -> String {
    if title.chars().count() <= LABEL_CHARS {
        title.to_owned()
    } else {
        let cut: String = title.chars().take(LABEL_CHARS - 1).collect();
        format!("{cut}…")
    }
}

/// Lays out one row per document that has a deadline; documents without one are left out.
pub fn build(today: Date, items: &[(String, Status, Option<Date>)]) -> Timeline {
    let start = today.checked_sub(182.days()).unwrap_or(today);
    let end = today.checked_add(Span::new().years(3)).unwrap_or(today);
    let total = days_between(start, end).max(1);
    let x = |d: Date| -> i32 {
        let offset = days_between(start, d).clamp(0, total);
        CHART_START + offset * (CHART_END - CHART_START) / total
    };
    let today_x = x(today);
    let ticks = (today.year()..=end.year())
        .filter_map(|year| Date::new(year, 1, 1).ok())
        .filter(|d| *d > start && *d <= end)
        .map(|d| Tick {
            x: x(d),
            label: d.year().to_string(),
        })
        .collect();
    let rows: Vec<Row> = items
        .iter()
        .filter_map(|(title, status, deadline)| deadline.map(|d| (title, *status, d)))
        .enumerate()
        .map(|(i, (title, status, deadline))| {
            let marker_x = x(deadline);
            let (x_from, x_to) = if deadline < today {
                (marker_x, today_x)
            } else {
                (today_x, marker_x)
            };
            Row {
                y: TOP + i as i32 * ROW,
                label: shorten(title),
                x_from,
                x_to,
                marker_x,
                colour: colour(status),
                beyond: deadline > end,
            }
        })
        .collect();
    Timeline {
        height: TOP + rows.len() as i32 * ROW + 10,
        today_x,
        ticks,
        rows,
    }
}

impl Timeline {
    pub fn label_end(&self) -> i32 {
        LABEL_END
    }

    pub fn chart_start(&self) -> i32 {
        CHART_START
    }

    pub fn chart_end(&self) -> i32 {
        CHART_END
    }

    pub fn width(&self) -> i32 {
        WIDTH
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn deadlines_fall_in_order_and_overdue_ones_left_of_today() {
        let today = date(2026, 11, 25);
        let t = build(
            today,
            &[
                ("OSAGO".into(), Status::Expired, Some(date(2026, 10, 1))),
                ("Licence".into(), Status::Expiring, Some(date(2026, 12, 20))),
                ("Passport".into(), Status::Valid, Some(date(2028, 6, 1))),
                ("SNILS".into(), Status::Indefinite, None),
                ("Far".into(), Status::Valid, Some(date(2040, 1, 1))),
            ],
        );
        assert_eq!(t.rows.len(), 4, "documents without a deadline are left out");
        let [osago, licence, passport, far] = &t.rows[..] else {
            panic!("four rows")
        };
        assert!(osago.marker_x < t.today_x && osago.x_to == t.today_x);
        assert!(t.today_x < licence.marker_x && licence.marker_x < passport.marker_x);
        assert_eq!(far.marker_x, CHART_END);
        assert!(far.beyond && !passport.beyond);
        assert!(osago.y < licence.y);
        let years: Vec<&str> = t.ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(years, ["2027", "2028", "2029"]);
    }

    #[test]
    fn long_titles_are_shortened_for_the_picture() {
        let t = build(
            date(2026, 1, 1),
            &[(
                "Договор аренды квартиры на улице Ленина, дом 1".into(),
                Status::Valid,
                Some(date(2027, 1, 1)),
            )],
        );
        assert_eq!(t.rows[0].label.chars().count(), LABEL_CHARS);
        assert!(t.rows[0].label.ends_with('…'));
    }
}
