//! «Когда напоминать о сроках»: the days before a deadline a person wants reminders at — one
//! choice for every document, and its own for a kind where they want (the kinds of their active
//! documents are offered). Saving re-plans the pending reminders of every active document in
//! the same transaction; the day of the deadline itself is always reminded of.
//!
//! The deadlines themselves are the registry's (`features::documents::reminders` plans and sends
//! the reminders): this feature asks it through the [`Deadlines`] port, so that it imports no
//! feature.

use std::collections::BTreeMap;
use store::audit::Action;

use domain::notifications::{self as rules, OffsetsProblem};
use futures_util::future::BoxFuture;
use sqlx::AnyConnection;
use store::StoreError;
use store::audit::{self, Actor, Entry};
use store::users::{Profile, UserSummary};

use crate::state::AppState;
use crate::web::forms::FormErrors;
use crate::web::i18n::{Lang, Msg};

/// What the reminder-days choice needs from the owner of the deadlines (the registry), which
/// plugs in at start-up (`AppState::deadlines`).
pub trait Deadlines: Send + Sync {
    /// The kinds of the person's active documents — code and name — in code order.
    fn kinds_in_use<'a>(
        &'a self,
        state: &'a AppState,
        user_id: &'a str,
        lang: Lang,
    ) -> BoxFuture<'a, Result<Vec<(String, String)>, StoreError>>;

    /// Whether a kind of that code exists.
    fn is_kind<'a>(
        &'a self,
        state: &'a AppState,
        code: &'a str,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// Plans the reminders of every active document of the person again, in the caller's
    /// transaction (their choice of days changed).
    fn replan_all<'a>(
        &'a self,
        conn: &'a mut AnyConnection,
        state: &'a AppState,
        profile: &'a Profile,
    ) -> BoxFuture<'a, Result<(), StoreError>>;
}

/// Which days before a deadline a person wants reminders at: their choice for a kind, else their
/// choice for every kind, else the defaults. The day itself is always added.
#[derive(Debug, Clone, Default)]
pub struct ReminderDays {
    every: Option<Vec<i16>>,
    kinds: Vec<(String, Vec<i16>)>,
}

/// The code under which the choice for every kind is kept.
pub const EVERY_KIND: &str = "*";

impl ReminderDays {
    pub async fn load(conn: &mut AnyConnection, user_id: &str) -> Result<Self, StoreError> {
        let mut days = ReminderDays::default();
        for (kind, text) in store::notifications::reminder_days(conn, user_id).await? {
            // A stored value that no longer reads (a rule tightened) falls back to the defaults.
            let Ok(parsed) = rules::parse_offsets(&text) else {
                continue;
            };
            if kind == EVERY_KIND {
                days.every = Some(parsed);
            } else {
                days.kinds.push((kind, parsed));
            }
        }
        Ok(days)
    }

    /// The days for every kind without its own choice (without the day itself).
    pub fn every(&self) -> Vec<i16> {
        self.every.clone().unwrap_or_else(|| {
            rules::DEFAULT_OFFSETS
                .iter()
                .copied()
                .filter(|d| *d > 0)
                .collect()
        })
    }

    /// The kind's own choice, if the person made one.
    pub fn own(&self, kind: &str) -> Option<&[i16]> {
        self.kinds
            .iter()
            .find(|(k, _)| k == kind)
            .map(|(_, d)| d.as_slice())
    }

    /// Every day to remind on for a document of this kind, the deadline's own day included.
    pub fn for_kind(&self, kind: &str) -> Vec<i16> {
        match self.own(kind) {
            Some(days) => rules::with_the_day_itself(days),
            None => rules::with_the_day_itself(&self.every()),
        }
    }
}

/// One field of the form: a kind (or every kind) and what it holds.
#[derive(Debug, Clone)]
pub struct DaysField {
    /// `every` or `kind.{code}`: the field's name and id.
    pub name: String,
    pub label: String,
    pub value: String,
}

fn field_name(kind: &str) -> String {
    if kind == EVERY_KIND {
        "every".to_owned()
    } else {
        format!("kind.{kind}")
    }
}

/// The form as stored: every kind first, then each kind of the person's active documents.
pub async fn fields(
    state: &AppState,
    user_id: &str,
    lang: Lang,
) -> Result<Vec<DaysField>, StoreError> {
    let mut conn = state.db.connection().await?;
    let chosen = ReminderDays::load(&mut conn, user_id).await?;
    drop(conn);
    let kinds = state.deadlines.kinds_in_use(state, user_id, lang).await?;
    let mut out = vec![DaysField {
        name: field_name(EVERY_KIND),
        label: lang
            .pick("Для всех документов", "For every document")
            .to_owned(),
        value: rules::format_offsets(&chosen.every()),
    }];
    for (code, label) in kinds {
        out.push(DaysField {
            name: field_name(&code),
            label,
            value: chosen
                .own(&code)
                .map(rules::format_offsets)
                .unwrap_or_default(),
        });
    }
    Ok(out)
}

const NOT_NUMBERS: Msg = Msg::new(
    "Укажите дни числами через запятую, например: 90, 30, 7, 1.",
    "Give the days as numbers separated by commas, for example: 90, 30, 7, 1.",
);
const OUT_OF_RANGE: Msg = Msg::new(
    "Каждое число — от 1 до 365 дней.",
    "Each number must be from 1 to 365 days.",
);
const TOO_MANY: Msg = Msg::new(
    "Не больше 8 напоминаний до срока.",
    "At most 8 reminders before a deadline.",
);

fn problem_text(p: OffsetsProblem) -> Msg {
    match p {
        OffsetsProblem::NotNumbers => NOT_NUMBERS,
        OffsetsProblem::OutOfRange => OUT_OF_RANGE,
        OffsetsProblem::TooMany => TOO_MANY,
    }
}

/// What a submitted form asks for: per kind code (or `*`), the days — None for a kind's empty
/// field ("as for every document").
pub type Choice = BTreeMap<String, Option<Vec<i16>>>;

/// Reads the submitted fields (`every`, `kind.{code}`) against the shown ones; on mistakes, the
/// fields as typed and the errors.
pub fn read(
    submitted: &BTreeMap<String, String>,
    shown: &[DaysField],
    lang: Lang,
) -> Result<Choice, (Vec<DaysField>, FormErrors)> {
    let mut choice = Choice::new();
    let mut errors = FormErrors::default();
    let mut typed = Vec::with_capacity(shown.len());
    for field in shown {
        let value = submitted.get(&field.name).cloned().unwrap_or_default();
        let kind = field
            .name
            .strip_prefix("kind.")
            .unwrap_or(EVERY_KIND)
            .to_owned();
        match rules::parse_offsets(&value) {
            Ok(days) if kind != EVERY_KIND && days.is_empty() => {
                choice.insert(kind, None);
            }
            Ok(days) => {
                choice.insert(kind, Some(days));
            }
            Err(p) => {
                errors.push(field.name.clone(), problem_text(p).get(lang));
            }
        }
        typed.push(DaysField {
            value,
            ..field.clone()
        });
    }
    if errors.is_empty() {
        Ok(choice)
    } else {
        Err((typed, errors))
    }
}

/// Stores the choice and re-plans every active document, with the audit record.
pub async fn save(
    state: &AppState,
    user: &UserSummary,
    choice: &Choice,
    ip: Option<String>,
) -> Result<(), StoreError> {
    let now = state.now();
    let profile = store::users::profile(&state.db, &user.id)
        .await?
        .ok_or_else(|| StoreError::Corrupt("no profile for a signed-in user".into()))?;
    let mut tx = state.db.begin().await?;
    let mut details = serde_json::Map::new();
    for (kind, days) in choice {
        let text = days.as_deref().map(rules::format_offsets);
        store::notifications::set_reminder_days(&mut tx, &user.id, kind, text.as_deref(), now)
            .await?;
        details.insert(
            kind.clone(),
            text.map_or(serde_json::Value::Null, Into::into),
        );
    }
    state.deadlines.replan_all(&mut tx, state, &profile).await?;
    let entry = Entry::new(
        Actor::of(user),
        Action::NotificationSettingsReminderDaysChanged,
    )
    .subject(&user.id)
    .from_request(ip, None)
    .details(serde_json::Value::Object(details));
    audit::append(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(())
}
