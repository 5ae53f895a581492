//! Notifications: the categories a person can tune, the channels, the defaults the seeds describe,
//! and when deadline reminders fall due.

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Applications,
    PersonalData,
    Deadlines,
    Payments,
    Security,
    System,
}

impl Category {
    pub const ALL: [Category; 6] = [
        Category::Applications,
        Category::PersonalData,
        Category::Deadlines,
        Category::Payments,
        Category::Security,
        Category::System,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Applications => "applications",
            Category::PersonalData => "personal_data",
            Category::Deadlines => "deadlines",
            Category::Payments => "payments",
            Category::Security => "security",
            Category::System => "system",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// A mailing a person can subscribe to (seed 004, «Подписка на рассылки»): news the service
/// sends to everyone who asked, as opposed to notices about the person's own affairs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// Changes in the law that touch documents and services.
    LawChanges,
    /// New services available online.
    NewServices,
    /// Changed processing times, planned maintenance, campaigns.
    ServiceNews,
}

impl Topic {
    pub const ALL: [Topic; 3] = [Topic::LawChanges, Topic::NewServices, Topic::ServiceNews];

    pub fn as_str(self) -> &'static str {
        match self {
            Topic::LawChanges => "law_changes",
            Topic::NewServices => "new_services",
            Topic::ServiceNews => "service_news",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// Name and one-line description, Russian then English.
    pub fn texts(self) -> [&'static str; 4] {
        match self {
            Topic::LawChanges => [
                "Изменения в законодательстве",
                "Новые правила, которые касаются ваших документов и услуг.",
                "Changes in the law",
                "New rules that concern your documents and services.",
            ],
            Topic::NewServices => [
                "Новые услуги",
                "Какие услуги появились в кабинете.",
                "New services",
                "Services newly available in the cabinet.",
            ],
            Topic::ServiceNews => [
                "Новости сервиса",
                "Изменения сроков обработки, профилактические работы, акции.",
                "Service news",
                "Changed processing times, maintenance, campaigns.",
            ],
        }
    }
}

#[cfg(test)]
mod topic_tests {
    use super::*;

    #[test]
    fn topics_read_back_by_their_names() {
        for topic in Topic::ALL {
            assert_eq!(Topic::parse(topic.as_str()), Some(topic));
        }
        assert_eq!(Topic::parse("security"), None);
    }
}

/// Where a notification goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// "Сообщения" in the cabinet.
    Inbox,
    Email,
    Sms,
    /// Web push to every browser the person allowed notifications in.
    Push,
}

impl Channel {
    pub const ALL: [Channel; 4] = [Channel::Inbox, Channel::Email, Channel::Sms, Channel::Push];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Inbox => "inbox",
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Push => "push",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// The defaults of the seeds: everything in the cabinet; application statuses and deadlines also
/// by SMS and e-mail; important notices (personal data, payments, security, system) by e-mail;
/// security also by SMS.
pub fn default_enabled(category: Category, channel: Channel) -> bool {
    use Category as C;
    match channel {
        // Push reaches only browsers the person turned it on in: that choice is the opt-in.
        Channel::Inbox | Channel::Push => true,
        Channel::Email => true,
        Channel::Sms => matches!(
            category,
            C::Applications | C::Deadlines | C::Payments | C::Security
        ),
    }
}

/// A person's choices: a value for every (category, channel).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    enabled: Vec<(Category, Channel, bool)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    /// Security notices must reach the person somewhere.
    #[error("security notices need at least one channel")]
    SecurityEverywhereOff,
}

impl Default for Settings {
    fn default() -> Self {
        let mut enabled = Vec::new();
        for category in Category::ALL {
            for channel in Channel::ALL {
                enabled.push((category, channel, default_enabled(category, channel)));
            }
        }
        Self { enabled }
    }
}

impl Settings {
    /// The defaults with the stored departures applied.
    pub fn with(overrides: impl IntoIterator<Item = (Category, Channel, bool)>) -> Self {
        let mut s = Self::default();
        for (category, channel, on) in overrides {
            s.set(category, channel, on);
        }
        s
    }

    pub fn get(&self, category: Category, channel: Channel) -> bool {
        self.enabled
            .iter()
            .find(|(c, ch, _)| *c == category && *ch == channel)
            .is_some_and(|(_, _, on)| *on)
    }

    pub fn set(&mut self, category: Category, channel: Channel, on: bool) {
        if let Some(entry) = self
            .enabled
            .iter_mut()
            .find(|(c, ch, _)| *c == category && *ch == channel)
        {
            entry.2 = on;
        }
    }

    pub fn check(&self) -> Result<(), SettingsError> {
        // Push counts for nothing here: it reaches only browsers that turned it on.
        if [Channel::Inbox, Channel::Email, Channel::Sms]
            .iter()
            .any(|ch| self.get(Category::Security, *ch))
        {
            Ok(())
        } else {
            Err(SettingsError::SecurityEverywhereOff)
        }
    }

    /// The values that differ from the defaults (what is stored).
    pub fn departures(&self) -> Vec<(Category, Channel, bool)> {
        self.enabled
            .iter()
            .copied()
            .filter(|(c, ch, on)| default_enabled(*c, *ch) != *on)
            .collect()
    }

    pub fn channels_for(&self, category: Category) -> Vec<Channel> {
        Channel::ALL
            .into_iter()
            .filter(|ch| self.get(category, *ch))
            .collect()
    }
}

/// Days before a deadline at which reminders go out; 0 is the day itself.
pub const DEFAULT_OFFSETS: [i16; 5] = [90, 30, 7, 1, 0];

/// The most reminders a person may ask for before one deadline (besides the day itself).
pub const MAX_OFFSETS: usize = 8;
/// The earliest reminder: a year ahead.
pub const MAX_OFFSET_DAYS: i16 = 365;

/// Why typed reminder days were refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OffsetsProblem {
    /// Something other than whole numbers separated by commas or spaces.
    NotNumbers,
    /// A day outside 1..=365.
    OutOfRange,
    /// More than [`MAX_OFFSETS`] days.
    TooMany,
}

/// Reads the days before a deadline a person wants reminders at ("90, 30, 7, 1"): whole numbers
/// 1 to 365 separated by commas, semicolons or spaces, at most [`MAX_OFFSETS`]; repeats collapse.
/// Empty means no reminders ahead (the day itself is always reminded of). Latest first, without
/// the 0 that [`with_the_day_itself`] adds.
pub fn parse_offsets(text: &str) -> Result<Vec<i16>, OffsetsProblem> {
    let mut days = Vec::new();
    for part in text
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|p| !p.is_empty())
    {
        let day: i64 = part.parse().map_err(|_| OffsetsProblem::NotNumbers)?;
        if !(1..=i64::from(MAX_OFFSET_DAYS)).contains(&day) {
            return Err(OffsetsProblem::OutOfRange);
        }
        days.push(day as i16);
    }
    days.sort_unstable_by(|a, b| b.cmp(a));
    days.dedup();
    if days.len() > MAX_OFFSETS {
        return Err(OffsetsProblem::TooMany);
    }
    Ok(days)
}

/// "90, 30, 7, 1": how the days are shown and stored.
pub fn format_offsets(days: &[i16]) -> String {
    days.iter()
        .filter(|d| **d > 0)
        .map(i16::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The chosen days plus the day of the deadline itself, which is always reminded of.
pub fn with_the_day_itself(days: &[i16]) -> Vec<i16> {
    let mut all: Vec<i16> = days.iter().copied().filter(|d| *d > 0).collect();
    all.push(0);
    all
}

/// Reminders are delivered at this local time, never at night.
pub const DELIVERY_TIME: Time = Time::constant(9, 0, 0, 0);

/// A reminder that is late (planned after its day's nine o'clock) is sent at once until this
/// local time; later ones wait for the next morning.
pub const DELIVERY_ENDS: Time = Time::constant(21, 0, 0, 0);

/// The reminders still to come for a deadline, each with the instant it falls due: 09:00 local
/// on the day `deadline − offset`. Offsets whose moment has passed (a document added, or its
/// deadline moved, when it is already inside them) are not sent one by one: the nearest of them
/// — the fewest days before the deadline — is sent once at the next delivery moment (at once in
/// the day, or the next morning at nine), unless a reminder still to come falls by then anyway,
/// or the deadline's day is over by then. Earliest first.
pub fn plan(
    deadline: Date,
    offsets: &[i16],
    zone: &TimeZone,
    now: Timestamp,
) -> Vec<(i16, Timestamp)> {
    let at_nine = |day: Date| nine_on(day, zone);
    let mut out: Vec<(i16, Timestamp)> = Vec::new();
    let mut missed: Option<i16> = None;
    for &offset in offsets {
        let Some(due) = deadline
            .checked_sub(i64::from(offset).days())
            .ok()
            .and_then(at_nine)
        else {
            continue;
        };
        if due >= now {
            out.push((offset, due));
        } else {
            missed = Some(missed.map_or(offset, |m| m.min(offset)));
        }
    }
    if let Some(offset) = missed
        && let Some(send) = next_delivery(now, zone)
        && send.to_zoned_datetime(zone.clone()).date() <= deadline
        && out.iter().all(|(_, due)| *due > send)
    {
        out.push((offset, send));
    }
    out.sort_by_key(|(offset, due)| (*due, *offset));
    out.dedup_by_key(|(offset, _)| *offset);
    out
}

/// The next moment a reminder may be delivered: now during the day (from nine to nine), else
/// the coming nine o'clock. A moment already due is sent by the next sweep.
fn next_delivery(now: Timestamp, zone: &TimeZone) -> Option<Timestamp> {
    let local = now.to_zoned_datetime(zone.clone());
    let today = local.date();
    if local.time() < DELIVERY_ENDS {
        // Before nine it is this morning's; during the day it is already due, so the next
        // sweep sends it.
        nine_on(today, zone)
    } else {
        nine_on(today.tomorrow().ok()?, zone)
    }
}

/// Nine o'clock local on `day`, as an instant.
fn nine_on(day: Date, zone: &TimeZone) -> Option<Timestamp> {
    day.to_datetime(DELIVERY_TIME)
        .to_zoned_datetime(zone.clone())
        .ok()
        .map(|z| z.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn moscow() -> TimeZone {
        TimeZone::get("Europe/Moscow").unwrap()
    }

    #[test]
    fn defaults_follow_the_seeds_and_security_cannot_be_silenced() {
        let s = Settings::default();
        assert!(s.get(Category::Deadlines, Channel::Sms));
        assert!(s.get(Category::Deadlines, Channel::Email));
        assert!(!s.get(Category::PersonalData, Channel::Sms));
        assert!(s.check().is_ok());
        assert!(s.departures().is_empty());
        let mut off = s.clone();
        for ch in Channel::ALL {
            off.set(Category::Security, ch, false);
        }
        assert_eq!(off.check(), Err(SettingsError::SecurityEverywhereOff));
        off.set(Category::Security, Channel::Push, true);
        assert_eq!(
            off.check(),
            Err(SettingsError::SecurityEverywhereOff),
            "push alone may reach no device"
        );
        off.set(Category::Security, Channel::Email, true);
        assert!(off.check().is_ok());
        assert_eq!(off.departures().len(), 2, "inbox and SMS off for security");
        assert_eq!(Settings::with(off.departures()), off);
    }

    #[test]
    fn typed_reminder_days_are_read_checked_and_written_back() {
        assert_eq!(parse_offsets("90, 30, 7, 1"), Ok(vec![90, 30, 7, 1]));
        assert_eq!(
            parse_offsets(" 7;30  14,7 "),
            Ok(vec![30, 14, 7]),
            "sorted, repeats gone"
        );
        assert_eq!(parse_offsets(""), Ok(vec![]));
        assert_eq!(parse_offsets("30 дней"), Err(OffsetsProblem::NotNumbers));
        assert_eq!(parse_offsets("2.5"), Err(OffsetsProblem::NotNumbers));
        assert_eq!(parse_offsets("0"), Err(OffsetsProblem::OutOfRange));
        assert_eq!(parse_offsets("366"), Err(OffsetsProblem::OutOfRange));
        assert_eq!(parse_offsets("-1"), Err(OffsetsProblem::OutOfRange));
        assert_eq!(
            parse_offsets("1 2 3 4 5 6 7 8 9"),
            Err(OffsetsProblem::TooMany)
        );
        assert_eq!(format_offsets(&[90, 30, 7, 1, 0]), "90, 30, 7, 1");
        assert_eq!(with_the_day_itself(&[14, 3]), vec![14, 3, 0]);
        assert_eq!(
            with_the_day_itself(&DEFAULT_OFFSETS),
            DEFAULT_OFFSETS.to_vec(),
            "the defaults include the day once"
        );
    }

    #[test]
    fn reminders_fall_at_nine_in_the_morning_local_and_past_ones_are_skipped() {
        let now: Timestamp = "2026-11-25T12:00:00Z".parse().unwrap();
        let plan = plan(date(2026, 12, 25), &DEFAULT_OFFSETS, &moscow(), now);
        let offsets: Vec<i16> = plan.iter().map(|(o, _)| *o).collect();
        assert_eq!(offsets, [30, 7, 1, 0], "the 90-day day has passed");
        // 30 days before 25 December is today: 09:00 in Moscow (06:00 UTC) is already due.
        assert_eq!(plan[0].1.to_string(), "2026-11-25T06:00:00Z");
        assert!(plan[0].1 <= now);
        assert_eq!(
            plan[3].1.to_string(),
            "2026-12-25T06:00:00Z",
            "the day itself"
        );
        // Vladivostok's morning comes earlier in UTC.
        let east = TimeZone::get("Asia/Vladivostok").unwrap();
        let far = super::plan(date(2027, 1, 10), &[0], &east, now);
        assert_eq!(far[0].1.to_string(), "2027-01-09T23:00:00Z");
        // A deadline already passed has nothing left to remind of.
        assert!(super::plan(date(2026, 11, 24), &DEFAULT_OFFSETS, &moscow(), now).is_empty());
    }

    #[test]
    fn a_deadline_already_inside_its_offsets_gets_one_reminder_for_the_nearest_not_a_burst() {
        // 15:00 in Moscow; the licence ends in 20 days: the 90- and 30-day moments have passed.
        let now: Timestamp = "2026-11-25T12:00:00Z".parse().unwrap();
        let plan = plan(date(2026, 12, 15), &DEFAULT_OFFSETS, &moscow(), now);
        let offsets: Vec<i16> = plan.iter().map(|(o, _)| *o).collect();
        assert_eq!(
            offsets,
            [30, 7, 1, 0],
            "one for the nearest passed day (30), not 90"
        );
        // Sent by the next sweep: its moment is this morning's nine o'clock, already due.
        assert_eq!(plan[0].1.to_string(), "2026-11-25T06:00:00Z");

        // Added at 23:00: it waits for the morning.
        let late: Timestamp = "2026-11-25T20:00:00Z".parse().unwrap();
        let plan = super::plan(date(2026, 12, 15), &DEFAULT_OFFSETS, &moscow(), late);
        assert_eq!(plan[0], (30, "2026-11-26T06:00:00Z".parse().unwrap()));

        // At 23:00 with the 1-day reminder tomorrow at nine, that one covers it.
        let plan = super::plan(date(2026, 11, 27), &DEFAULT_OFFSETS, &moscow(), late);
        let offsets: Vec<i16> = plan.iter().map(|(o, _)| *o).collect();
        assert_eq!(offsets, [1, 0]);

        // The deadline is today and the day is over: nothing is sent at night or after it.
        let plan = super::plan(date(2026, 11, 25), &DEFAULT_OFFSETS, &moscow(), late);
        assert!(plan.is_empty(), "{plan:?}");
        // The deadline is today, in the afternoon: the day's own reminder goes at once.
        let plan = super::plan(date(2026, 11, 25), &DEFAULT_OFFSETS, &moscow(), now);
        assert_eq!(plan, vec![(0, "2026-11-25T06:00:00Z".parse().unwrap())]);
    }
}
