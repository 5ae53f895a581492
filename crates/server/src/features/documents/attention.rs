//! What My documents contributes to the home page: documents that need the person now (expired,
//! to be replaced) or soon (inside their lead time), each with its action, and the deadlines to
//! come. Read from the person's kept registry, so the home costs no extra assessment.

use futures_util::FutureExt;
use futures_util::future::BoxFuture;

use crate::attention::{Contribution, Item, Upcoming, Urgency, plural};
use crate::state::AppState;
use crate::web::errors::PageError;
use crate::web::i18n::Lang;
use domain::documents::Status;
use store::users::UserSummary;

use super::service::{self, DocumentError};

/// How many deadlines «Ближайшие сроки» shows.
pub const UPCOMING: usize = 5;

/// [`contribute`] as the home page asks for it (the feature's descriptor names it).
pub fn source<'a>(
    state: &'a AppState,
    user: &'a UserSummary,
    lang: Lang,
) -> BoxFuture<'a, Result<Contribution, PageError>> {
    async move {
        let (items, upcoming) = contribute(state, user, lang)
            .await
            .map_err(PageError::internal)?;
        Ok(Contribution { items, upcoming })
    }
    .boxed()
}

/// The items and the upcoming deadlines of this person's active documents.
pub async fn contribute(
    state: &AppState,
    user: &UserSummary,
    lang: Lang,
) -> Result<(Vec<Item>, Vec<Upcoming>), DocumentError> {
    let registry = service::registry(state, user).await?;
    let mut items = Vec::new();
    // Only the nearest few are shown: pick them by date first, format just those.
    let mut ahead: Vec<(jiff::civil::Date, &service::Assessed)> = Vec::new();
    for a in &registry.assessed {
        if let Some(day) = a.assessment.deadline
            && day >= registry.today
        {
            ahead.push((day, a));
        }
        let urgent = matches!(
            a.assessment.status,
            Status::Expired | Status::NeedsReplacement | Status::Expiring
        );
        if !urgent {
            continue;
        }
        let id = &a.doc.id;
        let title = &a.shown_title(lang);
        let days = a.assessment.days_left.map(i64::from).unwrap_or_default();
        let deadline = a
            .assessment
            .deadline
            .map(|d| d.strftime("%d.%m.%Y").to_string())
            .unwrap_or_default();
        let renew = (
            lang.pick("Продлить", "Renew").to_owned(),
            format!("/documents/{id}/renew"),
        );
        let urgent = match a.assessment.status {
            Status::Expired => Some((
                Urgency::Now,
                lang.pick("Истёк срок", "Expired"),
                match lang {
                    Lang::Ru => format!("Срок закончился {deadline}"),
                    Lang::En => format!("It ended on {deadline}"),
                },
            )),
            Status::NeedsReplacement => Some((
                Urgency::Now,
                lang.pick("Пора заменить", "Due for replacement"),
                if days < 0 {
                    match lang {
                        Lang::Ru => format!("Заменить нужно было до {deadline}"),
                        Lang::En => format!("It had to be replaced by {deadline}"),
                    }
                } else {
                    match lang {
                        Lang::Ru => format!(
                            "Заменить до {deadline}: осталось {days} {}",
                            plural(days, "день", "дня", "дней")
                        ),
                        Lang::En => format!("Replace by {deadline}: {days} days left"),
                    }
                },
            )),
            Status::Expiring => Some((
                Urgency::Soon,
                lang.pick("Скоро истекает", "Expiring soon"),
                match lang {
                    Lang::Ru => format!(
                        "Действует до {deadline}: осталось {days} {}",
                        plural(days, "день", "дня", "дней")
                    ),
                    Lang::En => format!("Valid until {deadline}: {days} days left"),
                },
            )),
            Status::Valid | Status::Indefinite => None,
        };
        if let Some((urgency, what, detail)) = urgent {
            items.push(Item {
                urgency,
                title: format!("{what}: {title}"),
                detail,
                action: renew.0,
                href: renew.1,
            });
        }
    }
    ahead.sort_by_key(|(day, _)| *day);
    let upcoming = ahead
        .into_iter()
        .take(UPCOMING)
        .map(|(day, a)| Upcoming {
            title: a.shown_title(lang),
            href: format!("/documents/{}", a.doc.id),
            date: day.strftime("%d.%m.%Y").to_string(),
            days_left: a.assessment.days_left.map(i64::from).unwrap_or_default(),
        })
        .collect();
    Ok((items, upcoming))
}
