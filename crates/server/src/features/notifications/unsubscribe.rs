//! One-click unsubscribe (RFC 8058): every notice by e-mail carries a signed address that turns
//! e-mail off for that category — or, for a mailing's letter, ends that subscription — without
//! signing in. Mail programs POST to it; a person who
//! opens it sees a page with one button. The signature (HMAC under a key derived from the master
//! key) is the authorisation, so the address cannot be made for someone else.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::notifications::{Category, Channel, Topic};
use store::audit::Action;
use store::audit::{self, Actor, Entry};

use super::pages::category_label;
use crate::keys;
use crate::state::AppState;
use crate::web::context::RequestInfo;
use crate::web::errors::PageError;
use crate::web::page::PageCtx;

fn key(state: &AppState) -> [u8; 32] {
    state.keys.master.derive("unsubscribe")
}

/// What a letter's unsubscribe address turns off.
#[derive(Debug, Clone, Copy)]
pub enum Unsubscribe {
    /// E-mail for notices of this category.
    Category(Category),
    /// This mailing.
    List(Topic),
}

impl Unsubscribe {
    fn segment(self) -> String {
        match self {
            Unsubscribe::Category(c) => c.as_str().to_owned(),
            Unsubscribe::List(t) => format!("list.{}", t.as_str()),
        }
    }

    fn parse(segment: &str) -> Option<Self> {
        match segment.strip_prefix("list.") {
            Some(topic) => Topic::parse(topic).map(Unsubscribe::List),
            None => Category::parse(segment).map(Unsubscribe::Category),
        }
    }

    fn label(self, lang: crate::web::i18n::Lang) -> &'static str {
        match self {
            Unsubscribe::Category(c) => category_label(c, lang),
            Unsubscribe::List(t) => {
                let [ru, _, en, _] = t.texts();
                lang.pick(ru, en)
            }
        }
    }
}

/// The unsubscribe address for a person's letters of one kind.
pub fn link(state: &AppState, user_id: &str, what: Unsubscribe) -> String {
    let segment = what.segment();
    let signature = keys::sign(&key(state), format!("{user_id}:{segment}").as_bytes());
    format!(
        "{}/unsubscribe/{user_id}/{segment}/{signature}",
        state.config.public_base(),
    )
}

fn check(
    state: &AppState,
    user_id: &str,
    segment: &str,
    signature: &str,
) -> Result<Unsubscribe, PageError> {
    let what = Unsubscribe::parse(segment).ok_or(PageError::NotFound)?;
    let message = format!("{user_id}:{}", what.segment());
    if keys::verify(&key(state), message.as_bytes(), signature) {
        Ok(what)
    } else {
        Err(PageError::NotFound)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "features/notifications/unsubscribe.html")]
pub struct UnsubscribePage {
    page: PageCtx,
    ru: bool,
    category: &'static str,
    /// A mailing rather than a category of notices.
    mailing: bool,
    done: bool,
    refused: bool,
}

pub async fn confirm(
    State(state): State<AppState>,
    page: PageCtx,
    Path((user_id, category, signature)): Path<(String, String, String)>,
) -> Result<UnsubscribePage, PageError> {
    let what = check(&state, &user_id, &category, &signature)?;
    Ok(UnsubscribePage {
        ru: page.lang == crate::web::i18n::Lang::Ru,
        category: what.label(page.lang),
        mailing: matches!(what, Unsubscribe::List(_)),
        done: false,
        refused: false,
        page,
    })
}

pub async fn unsubscribe(
    State(state): State<AppState>,
    axum::Extension(info): axum::Extension<RequestInfo>,
    page: PageCtx,
    Path((user_id, category, signature)): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let what = check(&state, &user_id, &category, &signature)?;
    let category = match what {
        Unsubscribe::Category(category) => category,
        Unsubscribe::List(topic) => {
            super::subscriptions::change(
                &state,
                Actor::Anonymous,
                &user_id,
                Some(topic),
                super::subscriptions::Change::Unsubscribe,
                info.ip.clone(),
            )
            .await?;
            let body = UnsubscribePage {
                ru: page.lang == crate::web::i18n::Lang::Ru,
                category: what.label(page.lang),
                mailing: true,
                done: true,
                refused: false,
                page,
            };
            return Ok(body.into_response());
        }
    };
    let mut settings = super::service::settings(&state, &user_id).await?;
    settings.set(category, Channel::Email, false);
    let refused = settings.check().is_err();
    if !refused {
        super::pages::store_settings(
            &state,
            &user_id,
            Actor::Anonymous,
            &settings,
            info.ip.clone(),
        )
        .await?;
        let now = state.now();
        let mut tx = state.db.begin().await?;
        let e = Entry::new(Actor::Anonymous, Action::NotificationSettingsUnsubscribed)
            .subject(&user_id)
            .from_request(info.ip.clone(), None)
            .details(serde_json::json!({ "category": category.as_str(), "channel": "email" }));
        audit::append(&mut tx, &e, now).await?;
        tx.commit().await.map_err(store::StoreError::from)?;
    }
    let body = UnsubscribePage {
        ru: page.lang == crate::web::i18n::Lang::Ru,
        category: category_label(category, page.lang),
        mailing: false,
        done: !refused,
        refused,
        page,
    };
    let status = if refused {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, body).into_response())
}
