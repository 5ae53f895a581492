//! Working days in Russia, for the terms of services («5 рабочих дней») and, later, the offices'
//! calendars.
//!
//! Facts (Трудовой кодекс РФ, ст. 112): the non-working holidays are 1–6 and 8 January (New
//! Year holidays), 7 January (Christmas), 23 February, 8 March, 1 May, 9 May, 12 June and
//! 4 November. When a holiday falls on a Saturday or a Sunday, the next working day is a day off
//! (ч. 2 ст. 112) — except the January holidays, whose weekends the Government moves to other
//! dates by a yearly decree. Those moves are [`MOVED`]; a year missing there simply has none
//! (the New Year holidays stay as the Code names them).
//!
//! Terms follow the Civil Code: a term in days starts on the day after the event (ст. 191),
//! and a term that ends on a non-working day ends on the next working day (ст. 193).

use jiff::civil::{Date, Weekday};

/// The holidays of ст. 112 ТК РФ as (month, day).
const HOLIDAYS: [(i8, i8); 14] = [
    (1, 1),
    (1, 2),
    (1, 3),
    (1, 4),
    (1, 5),
    (1, 6),
    (1, 7),
    (1, 8),
    (2, 23),
    (3, 8),
    (5, 1),
    (5, 9),
    (6, 12),
    (11, 4),
];

/// Days off moved by the Government's yearly decree: (the weekend that became a working day,
/// the working day that became a day off). 2026: Постановление Правительства РФ от 24.09.2025
/// № 1466 — 3 January to 9 January, 4 January to 31 December.
const MOVED: &[(Day, Day)] = &[((2026, 1, 3), (2026, 1, 9)), ((2026, 1, 4), (2026, 12, 31))];

/// (year, month, day).
type Day = (i16, i8, i8);

fn date((y, m, d): Day) -> Date {
    Date::new(y, m, d).unwrap_or_default()
}

fn is_weekend(d: Date) -> bool {
    matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

fn is_holiday(d: Date) -> bool {
    HOLIDAYS.contains(&(d.month(), d.day()))
}

/// A holiday of February to November on a Saturday or a Sunday gives the Monday after it off
/// (no two such holidays fall on one weekend).
fn is_carried_over(d: Date) -> bool {
    if d.weekday() != Weekday::Monday || is_holiday(d) {
        return false;
    }
    [1, 2].into_iter().any(|back| {
        d.checked_sub(jiff::Span::new().days(back))
            .is_ok_and(|w| is_holiday(w) && w.month() != 1)
    })
}

/// Whether people work on that day.
pub fn is_working_day(d: Date) -> bool {
    if MOVED.iter().any(|(to_work, _)| date(*to_work) == d) {
        return true;
    }
    if MOVED.iter().any(|(_, off)| date(*off) == d) {
        return false;
    }
    !(is_weekend(d) || is_holiday(d) || is_carried_over(d))
}

/// The first working day on or after `d`.
pub fn on_or_after(d: Date) -> Date {
    let mut day = d;
    // A year has no run of non-working days longer than a fortnight.
    for _ in 0..30 {
        if is_working_day(day) {
            return day;
        }
        day = day.tomorrow().unwrap_or(day);
    }
    day
}

/// The last day of a term of `days` working days counted from the day after `from`.
pub fn add_working_days(from: Date, days: u16) -> Date {
    let mut day = from;
    let mut left = days;
    while left > 0 {
        day = day.tomorrow().unwrap_or(day);
        if is_working_day(day) {
            left -= 1;
        }
    }
    if days == 0 { on_or_after(from) } else { day }
}

/// The last day of a term of `days` calendar days counted from the day after `from`, moved to
/// the next working day when it falls on a day off.
pub fn add_calendar_days(from: Date, days: u16) -> Date {
    let end = from
        .checked_add(jiff::Span::new().days(i64::from(days)))
        .unwrap_or(from);
    on_or_after(end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date as d;

    #[test]
    fn the_holidays_of_the_labour_code_and_the_moved_days_of_2026_are_off() {
        for off in [
            d(2026, 1, 1),
            d(2026, 1, 7),
            d(2026, 1, 9),   // moved from Saturday 3 January
            d(2026, 2, 23),  // Monday
            d(2026, 3, 9),   // 8 March is a Sunday: Monday is off
            d(2026, 5, 1),   // Friday
            d(2026, 5, 11),  // 9 May is a Saturday: Monday is off
            d(2026, 6, 12),  // Friday
            d(2026, 11, 4),  // Wednesday
            d(2026, 12, 31), // moved from Sunday 4 January
        ] {
            assert!(!is_working_day(off), "{off} is a day off");
        }
        for work in [
            d(2026, 1, 12),
            d(2026, 3, 10),
            d(2026, 5, 12),
            d(2026, 11, 5),
            d(2026, 12, 30),
        ] {
            assert!(is_working_day(work), "{work} is a working day");
        }
        // A January holiday on a weekend gives no Monday of its own: 2028-01-01 is a Saturday
        // and Monday 10 January 2028 is the first working day after 1–8 January.
        assert!(is_working_day(d(2028, 1, 10)));
    }

    #[test]
    fn a_term_in_working_days_starts_the_next_day_and_skips_days_off() {
        // Submitted on Friday 1 May 2026 (a holiday): 4, 5, 6, 7, 8 May are the five days.
        assert_eq!(add_working_days(d(2026, 5, 1), 5), d(2026, 5, 8));
        // Submitted on Thursday 7 May: 8, 12, 13, 14, 15 (9–11 May are off).
        assert_eq!(add_working_days(d(2026, 5, 7), 5), d(2026, 5, 15));
        // Over the New Year: from 29 December 2026, 30 December then 11 January 2027 onwards
        // (31 December is off in 2026; 1–8 January 2027 are holidays, 9–10 a weekend).
        assert_eq!(add_working_days(d(2026, 12, 29), 2), d(2027, 1, 11));
    }

    #[test]
    fn a_term_in_calendar_days_ending_on_a_day_off_ends_on_the_next_working_day() {
        // 31 December 2026 is off, then the New Year holidays and a weekend.
        assert_eq!(add_calendar_days(d(2026, 12, 1), 30), d(2027, 1, 11));
        assert_eq!(add_calendar_days(d(2026, 6, 1), 10), d(2026, 6, 11));
        // 13 June 2026 is a Saturday: the term ends on Monday 15 June.
        assert_eq!(add_calendar_days(d(2026, 6, 3), 10), d(2026, 6, 15));
    }
}
