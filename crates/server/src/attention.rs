//! «Требует внимания»: what the signed-in home lists first. Each feature contributes its own
//! items (documents their deadlines, messages the unread count; applications, payments and
//! appointments will add theirs) through one shape, and the home sorts them by urgency.

use futures_util::future::BoxFuture;
use store::users::UserSummary;

use crate::state::AppState;
use crate::web::errors::PageError;
use crate::web::i18n::Lang;

/// What one feature puts on the home page: its items and its deadlines to come.
#[derive(Debug, Default)]
pub struct Contribution {
    pub items: Vec<Item>,
    pub upcoming: Vec<Upcoming>,
}

/// A feature's contributor, named in its descriptor (`features::Feature::attention`).
pub type Source = for<'a> fn(
    &'a AppState,
    &'a UserSummary,
    Lang,
) -> BoxFuture<'a, Result<Contribution, PageError>>;

/// How soon the person should act.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Urgency {
    /// Overdue or due now: expired, to be replaced.
    Now,
    /// Coming: inside its lead time.
    Soon,
    /// Worth knowing: unread messages.
    Info,
}

impl Urgency {
    /// The banner class (with a symbol beside the colour).
    pub fn class(self) -> &'static str {
        match self {
            Urgency::Now => "bad",
            Urgency::Soon => "warn",
            Urgency::Info => "info",
        }
    }
}

/// One thing that needs the person, with the one action that settles it.
#[derive(Debug, Clone)]
pub struct Item {
    pub urgency: Urgency,
    pub title: String,
    pub detail: String,
    pub action: String,
    pub href: String,
}

/// A deadline still to come, for «Ближайшие сроки».
#[derive(Debug, Clone)]
pub struct Upcoming {
    pub title: String,
    pub href: String,
    pub date: String,
    pub days_left: i64,
}

/// What the home shows first: every feature's items, most urgent first (stable within one).
pub fn sorted(mut items: Vec<Item>) -> Vec<Item> {
    items.sort_by_key(|i| i.urgency);
    items
}

/// The unread messages, as an item.
pub fn unread_messages(unread: i64, lang: Lang) -> Option<Item> {
    (unread > 0).then(|| Item {
        urgency: Urgency::Info,
        title: match lang {
            Lang::Ru => format!(
                "{unread} {} {}",
                plural(unread, "непрочитанное", "непрочитанных", "непрочитанных"),
                plural(unread, "сообщение", "сообщения", "сообщений")
            ),
            Lang::En => format!(
                "{unread} unread message{}",
                if unread == 1 { "" } else { "s" }
            ),
        },
        detail: String::new(),
        action: lang.pick("Открыть сообщения", "Open messages").to_owned(),
        href: "/notifications".to_owned(),
    })
}

/// Russian plural of a count: one, few (2–4), many.
pub fn plural(n: i64, one: &'static str, few: &'static str, many: &'static str) -> &'static str {
    match (n % 10, n % 100) {
        (1, r) if r != 11 => one,
        (2..=4, r) if !(12..=14).contains(&r) => few,
        _ => many,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_urgent_come_first_and_counts_read_in_russian() {
        let item = |urgency, title: &str| Item {
            urgency,
            title: title.into(),
            detail: String::new(),
            action: String::new(),
            href: String::new(),
        };
        let sorted = sorted(vec![
            item(Urgency::Info, "a"),
            item(Urgency::Soon, "b"),
            item(Urgency::Now, "c"),
            item(Urgency::Soon, "d"),
        ]);
        let titles: Vec<&str> = sorted.iter().map(|i| i.title.as_str()).collect();
        assert_eq!(titles, ["c", "b", "d", "a"]);
        assert_eq!(
            unread_messages(1, Lang::Ru).map(|i| i.title).as_deref(),
            Some("1 непрочитанное сообщение")
        );
        assert_eq!(
            unread_messages(3, Lang::Ru).map(|i| i.title).as_deref(),
            Some("3 непрочитанных сообщения")
        );
        assert_eq!(
            unread_messages(11, Lang::Ru).map(|i| i.title).as_deref(),
            Some("11 непрочитанных сообщений")
        );
        assert!(unread_messages(0, Lang::Ru).is_none());
    }
}
