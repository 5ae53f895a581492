//! «Рассылки» for operators: write a bulletin for one mailing in both languages and send it to
//! its active subscribers (a job, in batches); see how many got the recent ones.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use domain::notifications::Topic;
use serde::Deserialize;
use store::subscriptions::NewBulletin;

use crate::features::notifications::subscriptions;
use crate::local_time;
use crate::state::AppState;
use crate::web::auth::Operator;
use crate::web::auth::SignedIn;
use crate::web::context::RequestInfo;
use crate::web::errors::PageError;
use crate::web::forms::FormErrors;
use crate::web::i18n::{Lang, Msg};
use crate::web::page::PageCtx;

/// Longest title and text a bulletin may have (an SMS carries the title and the text).
const TITLE_MAX: usize = 120;
const BODY_MAX: usize = 2000;

pub struct Sent {
    pub at: String,
    pub topic: &'static str,
    pub title: String,
    pub sent_to: i64,
    pub finished: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "features/operator/bulletins.html")]
pub struct BulletinsPage {
    page: PageCtx,
    ru: bool,
    /// Mailing code, name and active subscribers.
    topics: Vec<(&'static str, &'static str, i64)>,
    recent: Vec<Sent>,
    form: BulletinForm,
    errors: FormErrors,
    notice: bool,
}

#[derive(Deserialize, Default, Clone)]
pub struct BulletinForm {
    #[serde(default)]
    topic: String,
    #[serde(default)]
    title_ru: String,
    #[serde(default)]
    body_ru: String,
    #[serde(default)]
    title_en: String,
    #[serde(default)]
    body_en: String,
}

#[derive(Deserialize, Default)]
pub struct BulletinsQuery {
    sent: Option<String>,
}

fn topic_name(topic: Topic, lang: Lang) -> &'static str {
    let [ru, _, en, _] = topic.texts();
    lang.pick(ru, en)
}

async fn page_of(
    state: &AppState,
    operator: &Operator,
    page: PageCtx,
    form: BulletinForm,
    errors: FormErrors,
    notice: bool,
) -> Result<BulletinsPage, PageError> {
    let lang = page.lang;
    let counts = store::subscriptions::counts(&state.db).await?;
    let topics = Topic::ALL
        .into_iter()
        .map(|t| {
            let n = counts
                .iter()
                .find(|(name, _)| name == t.as_str())
                .map_or(0, |(_, n)| *n);
            (t.as_str(), topic_name(t, lang), n)
        })
        .collect();
    let zone = operator.0.user().time_zone.clone();
    let recent = store::subscriptions::recent_bulletins(&state.db, 20)
        .await?
        .into_iter()
        .map(|b| Sent {
            at: local_time::shown(b.created_at, &zone),
            topic: Topic::parse(&b.topic).map_or("—", |t| topic_name(t, lang)),
            title: b.title_ru,
            sent_to: b.sent_to,
            finished: b.finished_at.is_some(),
        })
        .collect();
    Ok(BulletinsPage {
        ru: lang == Lang::Ru,
        topics,
        recent,
        form,
        errors,
        notice,
        page,
    })
}

pub async fn list(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
    Query(q): Query<BulletinsQuery>,
) -> Result<BulletinsPage, PageError> {
    let operator = Operator::check(user)?;
    page_of(
        &state,
        &operator,
        page,
        BulletinForm::default(),
        FormErrors::default(),
        q.sent.is_some(),
    )
    .await
}

const TOO_LONG: Msg = Msg::new("Слишком длинно.", "Too long.");
const NO_TOPIC: Msg = Msg::new("Выберите рассылку.", "Choose a mailing.");

fn problems(form: &BulletinForm, lang: Lang) -> FormErrors {
    let mut errors = FormErrors::default();
    if Topic::parse(&form.topic).is_none() {
        errors.push("topic", NO_TOPIC.get(lang));
    }
    for (field, value, max) in [
        ("title_ru", &form.title_ru, TITLE_MAX),
        ("body_ru", &form.body_ru, BODY_MAX),
        ("title_en", &form.title_en, TITLE_MAX),
        ("body_en", &form.body_en, BODY_MAX),
    ] {
        if value.trim().is_empty() {
            errors.push(field, crate::web::forms::required_message(field).get(lang));
        } else if value.chars().count() > max {
            errors.push(field, TOO_LONG.get(lang));
        }
    }
    errors
}

pub async fn publish(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: SignedIn,
    page: PageCtx,
    Form(form): Form<BulletinForm>,
) -> Result<Response, PageError> {
    let operator = Operator::check(user)?;
    let errors = problems(&form, page.lang);
    if !errors.is_empty() {
        let body = page_of(&state, &operator, page, form, errors, false).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
    }
    let bulletin = NewBulletin {
        topic: form.topic.as_str(),
        title_ru: form.title_ru.trim(),
        body_ru: form.body_ru.trim(),
        title_en: form.title_en.trim(),
        body_en: form.body_en.trim(),
        created_by: Some(operator.0.user().id.as_str()),
    };
    subscriptions::publish(&state, operator.0.user(), &bulletin, info.ip.clone()).await?;
    Ok(Redirect::to("/operator/bulletins?sent=1").into_response())
}
