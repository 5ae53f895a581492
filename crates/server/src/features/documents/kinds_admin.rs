//! The operator's page for the catalogue of document kinds: names, the validity rule (as the
//! JSON the domain reads), the warning lead time, the file size limit and renewal instructions.
//! A change applies to every status computed after it; it is audited like any other.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Form};
use domain::documents::ValidityRule;
use serde::Deserialize;
use store::audit::Action;
use store::audit::{self, Entry};
use store::documents::KindRow;

use super::texts::{EN, RU, Texts};
use crate::state::AppState;
use crate::web::auth::Operator;
use crate::web::auth::SignedIn;
use crate::web::context::RequestInfo;
use crate::web::errors::PageError;
use crate::web::forms::FormErrors;
use crate::web::i18n::Lang;
use crate::web::page::PageCtx;
use crate::web::routes::Routes;

const MB: i64 = 1024 * 1024;

pub fn pages() -> Routes {
    Routes::new()
        .route("/operator/kinds", get(list))
        .route("/operator/kinds/{code}", get(edit).post(save))
}

fn texts(lang: Lang) -> &'static Texts {
    lang.pick(&RU, &EN)
}

#[derive(Template, WebTemplate)]
#[template(path = "features/documents/kinds.html")]
struct ListPage {
    page: PageCtx,
    t: &'static Texts,
    kinds: Vec<KindRow>,
    saved: bool,
}

#[derive(Deserialize)]
struct Saved {
    saved: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
    axum::extract::Query(q): axum::extract::Query<Saved>,
) -> Result<ListPage, PageError> {
    Operator::check(user)?;
    Ok(ListPage {
        t: texts(page.lang),
        kinds: store::documents::kinds(&state.db).await?,
        saved: q.saved.is_some(),
        page,
    })
}

/// The kind form as typed.
#[derive(Deserialize, Default)]
#[serde(default)]
struct KindForm {
    name_ru: String,
    name_en: String,
    rule: String,
    lead_days: String,
    max_file_mb: String,
    renewal_ru: String,
    renewal_en: String,
    active: Option<String>,
}

impl EditPage {
    /// The two instruction texts: name, label, value.
    fn renewals(&self) -> Vec<(&'static str, &'static str, String)> {
        vec![
            (
                "renewal_ru",
                self.t.renewal_ru,
                self.form.renewal_ru.clone(),
            ),
            (
                "renewal_en",
                self.t.renewal_en,
                self.form.renewal_en.clone(),
            ),
        ]
    }
}

impl KindForm {
    fn of(k: &KindRow) -> Self {
        let rule = serde_json::from_str::<serde_json::Value>(&k.rule)
            .and_then(|v| serde_json::to_string_pretty(&v))
            .unwrap_or_else(|_| k.rule.clone());
        Self {
            name_ru: k.name_ru.clone(),
            name_en: k.name_en.clone(),
            rule,
            lead_days: k.lead_days.to_string(),
            max_file_mb: (k.max_file_bytes / MB).to_string(),
            renewal_ru: k.renewal_ru.clone(),
            renewal_en: k.renewal_en.clone(),
            active: k.active.then(|| "yes".to_owned()),
        }
    }

    /// The row to save, or what is wrong with each field.
    fn check(&self, base: &KindRow, upload_cap: i64) -> Result<KindRow, FormErrors> {
        let mut errors = FormErrors::default();
        let name = |v: &str, field: &'static str, errors: &mut FormErrors| {
            let v = v.trim();
            if v.is_empty() || v.chars().count() > 100 {
                errors.push(
                    field,
                    "Укажите название до 100 символов / Enter a name of up to 100 characters",
                );
            }
            v.to_owned()
        };
        let name_ru = name(&self.name_ru, "name_ru", &mut errors);
        let name_en = name(&self.name_en, "name_en", &mut errors);
        let rule = match serde_json::from_str::<ValidityRule>(&self.rule) {
            Ok(rule) => serde_json::to_string(&rule).unwrap_or_default(),
            Err(e) => {
                errors.push(
                    "rule",
                    &format!("Правило не разобрано / The rule could not be read: {e}"),
                );
                String::new()
            }
        };
        let lead_days = match self.lead_days.trim().parse::<i64>() {
            Ok(n) if (1..=365).contains(&n) => n,
            _ => {
                errors.push(
                    "lead_days",
                    "Введите число от 1 до 365 / Enter a number from 1 to 365",
                );
                0
            }
        };
        let cap_mb = (upload_cap / MB).max(1);
        let max_file_bytes = match self.max_file_mb.trim().parse::<i64>() {
            Ok(n) if (1..=cap_mb).contains(&n) => n * MB,
            _ => {
                errors.push(
                    "max_file_mb",
                    &format!("Введите число от 1 до {cap_mb} / Enter a number from 1 to {cap_mb}"),
                );
                0
            }
        };
        let renewal = |v: &str, field: &'static str, errors: &mut FormErrors| {
            if v.chars().count() > 4000 {
                errors.push(field, "Не длиннее 4000 символов / At most 4000 characters");
            }
            v.trim().replace("\r\n", "\n")
        };
        let renewal_ru = renewal(&self.renewal_ru, "renewal_ru", &mut errors);
        let renewal_en = renewal(&self.renewal_en, "renewal_en", &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(KindRow {
            code: base.code.clone(),
            schema: base.schema.clone(),
            name_ru,
            name_en,
            rule,
            lead_days,
            max_file_bytes,
            renewal_ru,
            renewal_en,
            position: base.position,
            active: self.active.is_some(),
        })
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "features/documents/kind_edit.html")]
struct EditPage {
    page: PageCtx,
    t: &'static Texts,
    code: String,
    form: KindForm,
    errors: FormErrors,
}

async fn find(state: &AppState, code: &str) -> Result<KindRow, PageError> {
    store::documents::kinds(&state.db)
        .await?
        .into_iter()
        .find(|k| k.code == code)
        .ok_or(PageError::NotFound)
}

async fn edit(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
    Path(code): Path<String>,
) -> Result<EditPage, PageError> {
    Operator::check(user)?;
    let kind = find(&state, &code).await?;
    Ok(EditPage {
        t: texts(page.lang),
        code: kind.code.clone(),
        form: KindForm::of(&kind),
        errors: FormErrors::default(),
        page,
    })
}

async fn save(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: SignedIn,
    page: PageCtx,
    Path(code): Path<String>,
    Form(form): Form<KindForm>,
) -> Result<Response, PageError> {
    let operator = Operator::check(user)?;
    let base = find(&state, &code).await?;
    let row = match form.check(
        &base,
        i64::try_from(state.config.documents.max_upload_bytes).unwrap_or(i64::MAX),
    ) {
        Ok(row) => row,
        Err(errors) => {
            let body = EditPage {
                t: texts(page.lang),
                code: base.code.clone(),
                form,
                errors,
                page,
            };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
        }
    };
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if !store::documents::update_kind(&mut tx, &row, now).await? {
        return Err(PageError::NotFound);
    }
    let e = Entry::new(operator.actor(), Action::DocumentKindChanged)
        .object("document_kind", &row.code)
        .from_request(info.ip.clone(), None)
        .details(serde_json::json!({
            "rule": serde_json::from_str::<serde_json::Value>(&row.rule).unwrap_or_default(),
            "lead_days": row.lead_days,
            "max_file_bytes": row.max_file_bytes,
            "active": row.active,
        }));
    audit::append(&mut tx, &e, now).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    state.caches.forget_catalogue();
    Ok(Redirect::to("/operator/kinds?saved=1").into_response())
}
