//! One-click unsubscribe (RFC 8058): every notice by e-mail carries a signed address that turns
//! e-mail off for that category, without signing in. Mail programs POST to it; a person who
//! opens it sees a page with one button. The signature (HMAC under a key derived from the master
//! key) is the authorisation, so the address cannot be made for someone else.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::notifications::{Category, Channel};
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

/// The unsubscribe address for a person's e-mail of one category.
pub fn link(state: &AppState, user_id: &str, category: Category) -> String {
    let signature = keys::sign(
        &key(state),
        format!("{user_id}:{}", category.as_str()).as_bytes(),
    );
    format!(
        "{}/unsubscribe/{user_id}/{}/{signature}",
        state.config.public_base(),
        category.as_str()
    )
}

fn check(
    state: &AppState,
    user_id: &str,
    category: &str,
    signature: &str,
) -> Result<Category, PageError> {
    let category = Category::parse(category).ok_or(PageError::NotFound)?;
    let message = format!("{user_id}:{}", category.as_str());
    if keys::verify(&key(state), message.as_bytes(), signature) {
        Ok(category)
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
    done: bool,
    refused: bool,
}

pub async fn confirm(
    State(state): State<AppState>,
    page: PageCtx,
    Path((user_id, category, signature)): Path<(String, String, String)>,
) -> Result<UnsubscribePage, PageError> {
    let category = check(&state, &user_id, &category, &signature)?;
    Ok(UnsubscribePage {
        ru: page.lang == crate::web::i18n::Lang::Ru,
        category: category_label(category, page.lang),
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
    let category = check(&state, &user_id, &category, &signature)?;
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
        let e = Entry::new(Actor::Anonymous, "notification_settings.unsubscribed")
            .subject(&user_id)
            .from_request(info.ip.clone(), None)
            .details(serde_json::json!({ "category": category.as_str(), "channel": "email" }));
        audit::append(&mut tx, &e, now).await?;
        tx.commit().await.map_err(store::StoreError::from)?;
    }
    let body = UnsubscribePage {
        ru: page.lang == crate::web::i18n::Lang::Ru,
        category: category_label(category, page.lang),
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
