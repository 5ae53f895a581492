//! The time of a person: their zone — with one fallback for a name the time-zone database does
//! not know — today's date where they live, and instants as they read them.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

/// The zone of an account that has not chosen one, and of a name the database does not know:
/// most users of a Russian cabinet live in it, and a deadline shown a day off is worse than an
/// hour off.
pub const DEFAULT_ZONE: &str = "Europe/Moscow";

/// The zone called `name`, or [`DEFAULT_ZONE`] when there is none of that name.
pub fn zone(name: &str) -> TimeZone {
    TimeZone::get(name)
        .or_else(|_| TimeZone::get(DEFAULT_ZONE))
        .unwrap_or(TimeZone::UTC)
}

/// Today's date in the zone called `name`.
pub fn today(now: Timestamp, name: &str) -> Date {
    now.to_zoned_datetime(zone(name)).date()
}

/// An instant as the person reads it: `24.11.2026 09:30`.
pub fn shown(at: Timestamp, name: &str) -> String {
    at.to_zoned_datetime(zone(name))
        .strftime("%d.%m.%Y %H:%M")
        .to_string()
}

/// The day of an instant as the person reads it: `24.11.2026`.
pub fn day_shown(at: Timestamp, name: &str) -> String {
    at.to_zoned_datetime(zone(name))
        .strftime("%d.%m.%Y")
        .to_string()
}

/// The first instant of `day` in the zone called `name`.
pub fn day_start(day: Date, name: &str) -> Option<Timestamp> {
    day.to_zoned_datetime(zone(name))
        .ok()
        .map(|z| z.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().expect("instant")
    }

    #[test]
    fn an_unknown_zone_reads_as_moscow_everywhere() {
        let late = at("2026-03-01T22:30:00Z"); // 01:30 on 2 March in Moscow
        for name in ["Mars/Olympus", "", "europe/moscow "] {
            assert_eq!(today(late, name).to_string(), "2026-03-02", "{name:?}");
            assert_eq!(shown(late, name), "02.03.2026 01:30", "{name:?}");
        }
        assert_eq!(today(late, "UTC").to_string(), "2026-03-01");
        assert_eq!(today(late, "Asia/Vladivostok").to_string(), "2026-03-02");
    }

    #[test]
    fn days_start_at_local_midnight() {
        let day: Date = "2026-11-24".parse().expect("date");
        assert_eq!(
            day_start(day, "Asia/Yekaterinburg").map(|t| t.to_string()),
            Some("2026-11-23T19:00:00Z".to_owned())
        );
        assert_eq!(
            day_shown(at("2026-11-23T19:00:00Z"), "Asia/Yekaterinburg"),
            "24.11.2026"
        );
    }
}
