//! What applications put on the signed-in home: those the agency asked about (the citizen must
//! answer) and drafts not sent yet, each with the action that settles it.

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use store::applications::{self as repo, Filter};
use store::users::UserSummary;

use super::catalogue::Catalogue;
use super::controls::said;
use crate::attention::{Contribution, Item, Urgency, plural};
use crate::state::AppState;
use crate::web::errors::PageError;
use crate::web::i18n::Lang;

/// [`contribute`] as the home page asks for it (the feature's descriptor names it).
pub fn source<'a>(
    state: &'a AppState,
    user: &'a UserSummary,
    lang: Lang,
) -> BoxFuture<'a, Result<Contribution, PageError>> {
    async move {
        Ok(Contribution {
            items: contribute(state, user, lang).await?,
            upcoming: Vec::new(),
        })
    }
    .boxed()
}

async fn contribute(
    state: &AppState,
    user: &UserSummary,
    lang: Lang,
) -> Result<Vec<Item>, PageError> {
    let (drafts, asked) = {
        let mut conn = state.db.connection().await?;
        repo::waiting_for_owner(&mut conn, &user.id).await?
    };
    if drafts == 0 && asked == 0 {
        return Ok(Vec::new());
    }
    let catalogue = Catalogue::current(state).await?;
    let name = |code: &str| {
        catalogue
            .get(code)
            .map(|e| said(&e.service.name, lang))
            .unwrap_or_else(|| code.to_owned())
    };
    let mut items = Vec::new();
    if asked > 0 {
        let filter = Filter {
            status: Some("awaiting_citizen".to_owned()),
            ..Filter::default()
        };
        for app in repo::list(&state.db, &user.id, &filter, 5).await? {
            items.push(Item {
                urgency: Urgency::Now,
                title: match lang {
                    Lang::Ru => format!("Ведомство ждёт ответа: {}", name(&app.service_code)),
                    Lang::En => format!("The agency waits for you: {}", name(&app.service_code)),
                },
                detail: lang
                    .pick(
                        "Без ответа заявление могут отклонить.",
                        "Without an answer the application may be rejected.",
                    )
                    .to_owned(),
                action: lang.pick("Ответить", "Answer").to_owned(),
                href: format!("/applications/{}", app.id),
            });
        }
    }
    if drafts > 0 {
        items.push(Item {
            urgency: Urgency::Soon,
            title: match lang {
                Lang::Ru => format!(
                    "{drafts} {} не {}",
                    plural(
                        drafts,
                        "черновик заявления",
                        "черновика заявлений",
                        "черновиков заявлений"
                    ),
                    plural(drafts, "отправлен", "отправлены", "отправлены")
                ),
                Lang::En => format!(
                    "{drafts} application draft{} not sent",
                    if drafts == 1 { "" } else { "s" }
                ),
            },
            detail: lang
                .pick(
                    "Черновик хранится 60 дней после последнего изменения.",
                    "A draft is kept for 60 days after its last change.",
                )
                .to_owned(),
            action: lang.pick("Продолжить", "Continue").to_owned(),
            href: "/applications?status=draft".to_owned(),
        });
    }
    Ok(items)
}
