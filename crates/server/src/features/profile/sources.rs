//! Filling the profile from a document: the person sees what the profile holds, what the
//! document says, and confirms. The values go through the same save as the edit form (the same
//! checks, the identity level recomputed, one audited transaction that names the document).

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use domain::documents::profile_link::{Agreement, ProfileField, Subject, Values};
use serde::Deserialize;
use store::documents::DocumentRow;
use store::users::{Profile, UserSummary};

use super::service::{self, ProfileError, ProfileFields, Saved};
use crate::profile_link::{self, Link};
use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::context::RequestMeta;
use crate::web::errors::PageError;
use crate::web::forms::{FieldIssue, FormErrors};
use crate::web::i18n::{Lang, Msg};
use crate::web::page::PageCtx;
use crate::web::routes::Routes;

pub fn pages() -> Routes {
    Routes::new().route(
        "/profile/from-document/{id}",
        get(fill_form).post(fill_submit),
    )
}

#[derive(Debug, thiserror::Error)]
pub enum FillError {
    /// Not the person's, not in force, not the newest of its kind, or not a kind that fills
    /// the profile.
    #[error("no such document to fill the profile from")]
    NotFound,
    #[error(transparent)]
    Profile(#[from] ProfileError),
}

impl From<store::StoreError> for FillError {
    fn from(e: store::StoreError) -> Self {
        FillError::Profile(ProfileError::Store(e))
    }
}

/// The document, when it is the person's newest active one of a kind that fills the profile.
pub async fn source_document(
    db: &store::Db,
    user_id: &str,
    document_id: &str,
) -> Result<Option<(Subject, DocumentRow)>, store::StoreError> {
    Ok(profile_link::newest_sources(db, user_id)
        .await?
        .into_iter()
        .find(|(_, doc)| doc.id == document_id))
}

/// The profile's fields with the document's values put in (what the document does not carry
/// stays as the profile has it; the issuer the person typed fills a passport without one).
pub fn filled(profile: &Profile, document: &Values, typed_issuer: &str) -> ProfileFields {
    let mut f = ProfileFields::from_profile(profile);
    for (field, value) in document {
        if value.trim().is_empty() {
            continue;
        }
        let slot = match field {
            ProfileField::PassportSeries => &mut f.passport_series,
            ProfileField::PassportNumber => &mut f.passport_number,
            ProfileField::PassportIssuedOn => &mut f.passport_issued_on,
            ProfileField::PassportIssuer => &mut f.passport_issuer,
            ProfileField::PassportDivisionCode => &mut f.passport_division_code,
            ProfileField::Snils => &mut f.snils,
            ProfileField::Inn => &mut f.inn,
        };
        value.clone_into(slot);
    }
    if !typed_issuer.trim().is_empty() {
        typed_issuer.trim().clone_into(&mut f.passport_issuer);
    }
    f
}

const ISSUER_REQUIRED: Msg = Msg::new(
    "Укажите, кем выдан паспорт",
    "Enter who issued the passport",
);

/// Fills the profile from the document, after the person confirmed.
pub async fn fill(
    state: &AppState,
    user: &UserSummary,
    document_id: &str,
    typed_issuer: &str,
    meta: &RequestMeta,
) -> Result<Saved, FillError> {
    let (subject, doc) = source_document(&state.db, &user.id, document_id)
        .await?
        .ok_or(FillError::NotFound)?;
    let profile = store::users::profile(&state.db, &user.id)
        .await?
        .ok_or(FillError::NotFound)?;
    let values = profile_link::document_values(&doc.data, subject);
    let fields = filled(&profile, &values, typed_issuer);
    if subject == Subject::Passport && fields.passport_issuer.trim().is_empty() {
        return Err(ProfileError::Invalid(vec![FieldIssue::new(
            ProfileField::PassportIssuer.key(),
            "required",
            ISSUER_REQUIRED,
        )])
        .into());
    }
    Ok(service::save_from(state, user, &fields, meta, Some(&doc.id)).await?)
}

pub struct FillTexts {
    pub title: &'static str,
    pub lead: &'static str,
    pub caption: &'static str,
    pub field: &'static str,
    pub now: &'static str,
    pub from_document: &'static str,
    pub not_given: &'static str,
    pub changes: &'static str,
    pub already_same: &'static str,
    pub issuer_label: &'static str,
    pub issuer_hint: &'static str,
    pub level_note: &'static str,
    pub confirmed_drops: &'static str,
    pub confirm: &'static str,
    pub cancel: &'static str,
    pub errors_heading: &'static str,
    pub back_to_profile: &'static str,
}

static FILL_RU: FillTexts = FillTexts {
    title: "Заполнить профиль из документа",
    lead: "Проверьте, что возьмём из документа. Данные профиля подставляются в заявления и формы.",
    caption: "Что изменится в профиле",
    field: "Поле",
    now: "Сейчас в профиле",
    from_document: "Из документа",
    not_given: "не указано",
    changes: "изменится",
    already_same: "Профиль уже содержит данные этого документа: менять нечего.",
    issuer_label: "Кем выдан паспорт",
    issuer_hint: "В документе это не записано. Впишите так, как в паспорте.",
    level_note: "Когда в профиле есть паспорт и СНИЛС, учётная запись становится стандартной.",
    confirmed_drops: "Паспорт — ключевые данные: после замены учётная запись станет стандартной, подтвердить личность нужно будет снова.",
    confirm: "Заполнить профиль",
    cancel: "Отмена",
    errors_heading: "Исправьте ошибки",
    back_to_profile: "Вернуться в профиль",
};

static FILL_EN: FillTexts = FillTexts {
    title: "Fill the profile from a document",
    lead: "Check what will be taken from the document. Forms and applications are filled from the profile.",
    caption: "What changes in the profile",
    field: "Field",
    now: "In the profile now",
    from_document: "From the document",
    not_given: "not given",
    changes: "changes",
    already_same: "The profile already holds this document's data: nothing to change.",
    issuer_label: "Passport issued by",
    issuer_hint: "The document does not record it. Type it as the passport says.",
    level_note: "With the passport and SNILS in the profile the account becomes standard.",
    confirmed_drops: "The passport is key data: after the change the account becomes standard and the identity needs confirming again.",
    confirm: "Fill the profile",
    cancel: "Cancel",
    errors_heading: "There is a problem",
    back_to_profile: "Back to the profile",
};

/// One row of the comparison.
pub struct Row {
    pub key: &'static str,
    pub label: String,
    pub now: String,
    pub from_document: String,
    pub changes: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "features/profile/from_document.html")]
pub struct FillPage {
    pub page: PageCtx,
    pub t: &'static FillTexts,
    pub action: String,
    pub document_href: String,
    pub document_label: String,
    pub rows: Vec<Row>,
    pub same: bool,
    pub ask_issuer: bool,
    pub issuer: String,
    pub confirmed_drops: bool,
    /// The account is simplified: say what makes it standard.
    pub level_note: bool,
    pub errors: FormErrors,
}

/// A value as people read it: dates as ДД.ММ.ГГГГ, SNILS grouped.
fn shown(field: ProfileField, value: &str) -> String {
    match field {
        ProfileField::PassportIssuedOn => value
            .parse::<jiff::civil::Date>()
            .map(|d| d.strftime("%d.%m.%Y").to_string())
            .unwrap_or_else(|_| value.to_owned()),
        ProfileField::Snils => domain::Snils::parse(value)
            .map(|s| s.formatted())
            .unwrap_or_else(|_| value.to_owned()),
        _ => value.to_owned(),
    }
}

async fn fill_page(
    state: &AppState,
    user_id: &str,
    id: &str,
    page: PageCtx,
    issuer: String,
    errors: FormErrors,
) -> Result<FillPage, PageError> {
    let lang = page.lang;
    let (subject, doc) = source_document(&state.db, user_id, id)
        .await?
        .ok_or(PageError::NotFound)?;
    let profile = store::users::profile(&state.db, user_id)
        .await?
        .ok_or(PageError::NotFound)?;
    let link = profile_link::link(&profile, &doc, subject);
    let current = profile_link::profile_values(&profile, subject);
    let document = profile_link::document_values(&doc.data, subject);
    let t = lang.pick(&FILL_RU, &FILL_EN);
    let rows = rows(&current, &document, &link, lang, t);
    let issuer_missing = |v: &Values| {
        v.iter()
            .any(|(f, v)| *f == ProfileField::PassportIssuer && v.trim().is_empty())
    };
    let view = profile_link::View::of(subject, Some(&link), true, lang);
    Ok(FillPage {
        action: link.fill_href(),
        document_href: link.document_href(),
        document_label: view.document_label,
        same: link.agreement == Agreement::Same,
        ask_issuer: subject == Subject::Passport
            && issuer_missing(&document)
            && issuer_missing(&current),
        confirmed_drops: profile.identity_level == "confirmed"
            && subject == Subject::Passport
            && link.agreement != Agreement::Same,
        level_note: profile.identity_level == "simplified",
        rows,
        issuer,
        errors,
        t,
        page,
    })
}

fn rows(current: &Values, document: &Values, link: &Link, lang: Lang, t: &FillTexts) -> Vec<Row> {
    let differing: Vec<ProfileField> = match &link.agreement {
        Agreement::Differs(fields) => fields.clone(),
        _ => Vec::new(),
    };
    let value = |values: &Values, field: ProfileField| {
        values
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.trim().is_empty())
    };
    document
        .iter()
        .map(|(field, _)| {
            let (ru, en) = field.label();
            let now = value(current, *field);
            let from = value(document, *field);
            Row {
                key: field.key(),
                label: capitalised(lang.pick(ru, en)),
                changes: differing.contains(field) || (now.is_none() && from.is_some()),
                now: now.map_or_else(|| t.not_given.to_owned(), |v| shown(*field, &v)),
                from_document: from.map_or_else(|| t.not_given.to_owned(), |v| shown(*field, &v)),
            }
        })
        .collect()
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

async fn fill_form(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
    Path(id): Path<String>,
) -> Result<FillPage, PageError> {
    fill_page(
        &state,
        &user.user().id,
        &id,
        page,
        String::new(),
        FormErrors::default(),
    )
    .await
}

#[derive(Deserialize)]
pub struct FillForm {
    #[serde(default)]
    passport_issuer: String,
}

async fn fill_submit(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    page: PageCtx,
    Path(id): Path<String>,
    Form(form): Form<FillForm>,
) -> Result<Response, PageError> {
    match fill(&state, user.user(), &id, &form.passport_issuer, &meta).await {
        Ok(saved) => {
            let note = match (saved.level_before.as_str(), saved.level_after.as_str()) {
                ("confirmed", "standard") => "level_dropped",
                (before, "standard") if before != "standard" => "level_standard",
                _ => "filled",
            };
            Ok(Redirect::to(&format!("/profile?{note}=1")).into_response())
        }
        Err(FillError::Profile(ProfileError::Invalid(issues))) => {
            let errors = FormErrors::from_issues(&issues, page.lang);
            let body = fill_page(
                &state,
                &user.user().id,
                &id,
                page,
                form.passport_issuer,
                errors,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
        Err(FillError::NotFound | FillError::Profile(ProfileError::NotFound)) => {
            Err(PageError::NotFound)
        }
        Err(FillError::Profile(ProfileError::Store(e))) => Err(e.into()),
    }
}

/// Fills the profile's empty subjects (of those given) from the documents that hold them — the
/// demo citizen's profile, as she would have confirmed it.
pub async fn fill_empty(
    state: &AppState,
    user_id: &str,
    subjects: &[Subject],
    meta: &RequestMeta,
) -> Result<usize, FillError> {
    let user = store::users::summary(&state.db, user_id)
        .await?
        .ok_or(FillError::NotFound)?;
    let mut filled = 0;
    for subject in subjects {
        let profile = store::users::profile(&state.db, user_id)
            .await?
            .ok_or(FillError::NotFound)?;
        let links = profile_link::links(&state.db, &profile).await?;
        if let Some(link) = links.iter().find(|l| l.subject == *subject)
            && link.agreement == Agreement::ProfileEmpty
        {
            fill(state, &user, &link.document_id, "", meta).await?;
            filled += 1;
        }
    }
    Ok(filled)
}
