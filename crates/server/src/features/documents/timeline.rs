//! The registry's timeline: the coming year's deadlines (and those overdue) on a month axis,
//! drawn as SVG on the server (no script, no chart library). It shows the most urgent ones — the
//! registry's own order — up to a screenful; the table above lists every document, and the
//! figure's caption lists the drawn deadlines in words (the picture's text alternative).

use domain::documents::{Status, days_between};
use jiff::ToSpan;
use jiff::civil::Date;

use crate::web::i18n::Lang;

pub const WIDTH: i32 = 720;
const LABEL_END: i32 = 230;
const CHART_START: i32 = 250;
const CHART_END: i32 = 700;
const ROW: i32 = 30;
const TOP: i32 = 34;
const LABEL_CHARS: usize = 28;
/// Rows drawn at most; a person with more deadlines this year finds the rest in the table.
pub const MAX_ROWS: usize = 20;

pub struct Tick {
    pub x: i32,
    /// Empty for months without a label (every other month is labelled).
    pub label: String,
}

pub struct Row {
    pub y: i32,
    /// The title, shortened to fit the picture.
    pub label: String,
    /// The whole title, for the caption.
    pub title: String,
    /// The date and the status in words, for the caption (the picture tells them by place and
    /// colour).
    pub date: String,
    pub x_from: i32,
    pub x_to: i32,
    pub marker_x: i32,
    pub colour: &'static str,
    /// The deadline passed before the left edge (drawn as an arrow pointing left).
    pub before: bool,
}

pub struct Timeline {
    pub height: i32,
    pub today_x: i32,
    pub ticks: Vec<Tick>,
    pub rows: Vec<Row>,
    /// Deadlines within the coming year or overdue, drawn or not.
    pub due_this_year: usize,
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

fn month_label(d: Date, lang: Lang) -> String {
    const RU: [&str; 12] = [
        "янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек",
    ];
    const EN: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    if d.month() == 1 {
        return d.year().to_string();
    }
    let names = match lang {
        Lang::Ru => RU,
        Lang::En => EN,
    };
    names[usize::try_from(d.month() - 1).unwrap_or(0)].to_owned()
}

/// Lays out one row per document whose deadline falls within a year from `today` or has passed,
/// in the order given (the registry's: most urgent first), at most [`MAX_ROWS`]. `items` are
/// (title, status, deadline, the deadline and status in words).
pub fn build(
    today: Date,
    lang: Lang,
    items: &[(String, Status, Option<Date>, String)],
) -> Timeline {
    let start = today.checked_sub(2.months()).unwrap_or(today);
    let end = today.checked_add(1.year()).unwrap_or(today);
    let total = days_between(start, end).max(1);
    let x = |d: Date| -> i32 {
        let offset = days_between(start, d).clamp(0, total);
        CHART_START + offset * (CHART_END - CHART_START) / total
    };
    let today_x = x(today);
    let first_month = start.first_of_month();
    let ticks = (1..=15)
        .filter_map(|m| first_month.checked_add(m.months()).ok())
        .filter(|d| *d > start && *d <= end)
        .map(|d| Tick {
            x: x(d),
            label: if d.month() % 2 == 1 {
                month_label(d, lang)
            } else {
                String::new()
            },
        })
        .collect();
    let due: Vec<_> = items
        .iter()
        .filter_map(|(title, status, deadline, words)| {
            deadline
                .filter(|d| *d <= end)
                .map(|d| (title, *status, d, words))
        })
        .collect();
    let rows: Vec<Row> = due
        .iter()
        .take(MAX_ROWS)
        .enumerate()
        .map(|(i, (title, status, deadline, words))| {
            let marker_x = x(*deadline);
            let (x_from, x_to) = if *deadline < today {
                (marker_x, today_x)
            } else {
                (today_x, marker_x)
            };
            Row {
                y: TOP + i32::try_from(i).unwrap_or(0) * ROW,
                label: shorten(title),
                title: (*title).clone(),
                date: (*words).clone(),
                x_from,
                x_to,
                marker_x,
                colour: colour(*status),
                before: *deadline < start,
            }
        })
        .collect();
    Timeline {
        height: TOP + i32::try_from(rows.len()).unwrap_or(0) * ROW + 10,
        today_x,
        ticks,
        due_this_year: due.len(),
        rows,
    }
}

impl Timeline {
    pub fn label_end(&self) -> i32 {
        LABEL_END
    }

    pub fn width(&self) -> i32 {
        WIDTH
    }

    /// Some deadlines of the year are not drawn (more than [`MAX_ROWS`]).
    pub fn truncated(&self) -> bool {
        self.due_this_year > self.rows.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn item(
        title: &str,
        status: Status,
        deadline: Option<Date>,
    ) -> (String, Status, Option<Date>, String) {
        let words = deadline.map(|d| d.to_string()).unwrap_or_default();
        (title.into(), status, deadline, words)
    }

    #[test]
    fn the_coming_years_deadlines_fall_in_order_and_overdue_ones_left_of_today() {
        let today = date(2026, 11, 25);
        let t = build(
            today,
            Lang::Ru,
            &[
                item("Old", Status::Expired, Some(date(2025, 1, 1))),
                item("OSAGO", Status::Expired, Some(date(2026, 10, 1))),
                item("Licence", Status::Expiring, Some(date(2026, 12, 20))),
                item("Passport", Status::Valid, Some(date(2027, 6, 1))),
                item("SNILS", Status::Indefinite, None),
                item("Far", Status::Valid, Some(date(2028, 1, 1))),
            ],
        );
        let labels: Vec<&str> = t.rows.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(
            labels,
            ["Old", "OSAGO", "Licence", "Passport"],
            "no deadline or beyond the year: left out"
        );
        let [old, osago, licence, passport] = &t.rows[..] else {
            panic!("four rows")
        };
        assert!(old.before && old.marker_x == CHART_START);
        assert!(!osago.before && CHART_START < osago.marker_x && osago.marker_x < t.today_x);
        assert_eq!(osago.x_to, t.today_x);
        assert!(t.today_x < licence.marker_x && licence.marker_x < passport.marker_x);
        assert!(passport.marker_x < CHART_END);
        assert!(osago.y < licence.y);
        assert_eq!(t.due_this_year, 4);
        assert!(!t.truncated());
        let labelled: Vec<&str> = t
            .ticks
            .iter()
            .filter(|t| !t.label.is_empty())
            .map(|t| t.label.as_str())
            .collect();
        assert_eq!(labelled, ["ноя", "2027", "мар", "май", "июл", "сен", "ноя"]);
        assert!(
            t.ticks
                .iter()
                .all(|k| (CHART_START..=CHART_END).contains(&k.x))
        );
    }

    #[test]
    fn many_deadlines_draw_the_most_urgent_and_say_how_many_more() {
        let today = date(2026, 11, 25);
        let items: Vec<_> = (0..45)
            .map(|i| {
                item(
                    &format!("Договор {i}"),
                    Status::Expiring,
                    Some(date(2027, 1, 15)),
                )
            })
            .collect();
        let t = build(today, Lang::En, &items);
        assert_eq!(t.rows.len(), MAX_ROWS);
        assert_eq!(t.rows[0].label, "Договор 0");
        assert_eq!(t.due_this_year, 45);
        assert!(t.truncated());
        assert!(t.ticks.iter().any(|k| k.label == "2027"));
        assert!(t.ticks.iter().any(|k| k.label == "Mar"));
    }

    #[test]
    fn long_titles_are_shortened_for_the_picture() {
        let t = build(
            date(2026, 1, 1),
            Lang::Ru,
            &[item(
                "Договор аренды квартиры на улице Ленина, дом 1",
                Status::Valid,
                Some(date(2026, 6, 1)),
            )],
        );
        assert_eq!(t.rows[0].label.chars().count(), LABEL_CHARS);
        assert!(t.rows[0].label.ends_with('…'));
    }
}
