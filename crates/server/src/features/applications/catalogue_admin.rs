//! The operator's editor of the catalogue (`/operator/services`): agencies and categories added
//! or renamed, services added and edited — names, summary, agency, category, identity level,
//! fee, term, result, what to have at hand, search words, shown or hidden — and their forms as
//! data. A changed form is saved as the service's next version: drafts and applications keep the
//! version they were filled against, new drafts take the new one. Every change is checked (the
//! form by the domain's own `mistakes` and for its final consent), written in one transaction
//! with its audit record, and this node's copy of the catalogue is dropped at once (the others
//! read it again within `CATALOGUE_FOR`).

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use domain::applications::catalogue::{Days, Level, Outcome, Service, Term};
use domain::applications::form::{self, Kind, Words};
use serde::Deserialize;
use store::StoreError;
use store::audit::{self, Action, Entry};
use store::catalogue::{self as repo, AgencyRow, CategoryRow, ServiceRow};

use super::catalogue::Catalogue;
use super::controls::said;
use crate::local_time;
use crate::state::AppState;
use crate::web::auth::{Operator, SignedIn};
use crate::web::context::RequestMeta;
use crate::web::errors::PageError;
use crate::web::forms::FormErrors;
use crate::web::i18n::Lang;
use crate::web::page::PageCtx;
use crate::web::routes::Routes;

pub fn pages() -> Routes {
    Routes::new()
        .route("/operator/services", get(list))
        .route(
            "/operator/services/agencies",
            axum::routing::post(save_agency),
        )
        .route(
            "/operator/services/categories",
            axum::routing::post(save_category),
        )
        .route("/operator/services/new", get(new_service).post(create))
        .route("/operator/services/{code}", get(edit).post(update))
        .route("/operator/services/{code}/forms/{version}", get(form_json))
}

const NAME_MAX: usize = 200;
const SUMMARY_MAX: usize = 1000;

/// A code as addresses and the store use it: 2–40 of `a–z`, `0–9`, `_`, starting with a letter.
fn good_code(code: &str) -> bool {
    (2..=40).contains(&code.len())
        && code.starts_with(|c: char| c.is_ascii_lowercase())
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

// --- The list, agencies and categories ------------------------------------------------------

pub struct ServiceLine {
    pub code: String,
    pub name: String,
    pub category: String,
    pub agency: String,
    pub form_version: i64,
    pub active: bool,
    pub popular: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "features/applications/catalogue_admin.html")]
struct ListPage {
    page: PageCtx,
    ru: bool,
    services: Vec<ServiceLine>,
    agencies: Vec<AgencyRow>,
    categories: Vec<CategoryRow>,
    errors: FormErrors,
    /// What was typed into the agency's or the category's form, kept when refused.
    agency: AgencyForm,
    category: CategoryForm,
    saved: bool,
}

#[derive(Deserialize, Default)]
struct Saved {
    saved: Option<String>,
}

async fn list_page(
    state: &AppState,
    errors: FormErrors,
    agency: AgencyForm,
    category: CategoryForm,
    saved: bool,
    page: PageCtx,
) -> Result<ListPage, PageError> {
    let lang = page.lang;
    let catalogue = Catalogue::load(&state.db).await?;
    let rows = repo::services(&state.db).await?;
    let services = rows
        .iter()
        .map(|r| {
            let details: serde_json::Value = serde_json::from_str(&r.details).unwrap_or_default();
            let name = details["name"][lang.pick("ru", "en")]
                .as_str()
                .unwrap_or(&r.code)
                .to_owned();
            ServiceLine {
                name,
                category: catalogue
                    .category(&r.category_code)
                    .map_or_else(|| r.category_code.clone(), |c| said(&c.name, lang)),
                agency: catalogue
                    .agency(&r.agency_code)
                    .map_or_else(|| r.agency_code.clone(), |a| said(&a.short, lang)),
                code: r.code.clone(),
                form_version: r.form_version,
                active: r.active,
                popular: r.popular,
            }
        })
        .collect();
    Ok(ListPage {
        ru: lang == Lang::Ru,
        services,
        agencies: repo::agencies(&state.db).await?,
        categories: repo::categories(&state.db).await?,
        errors,
        agency,
        category,
        saved,
        page,
    })
}

async fn list(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
    Query(q): Query<Saved>,
) -> Result<ListPage, PageError> {
    Operator::check(user)?;
    list_page(
        &state,
        FormErrors::default(),
        AgencyForm::default(),
        CategoryForm::default(),
        q.saved.is_some(),
        page,
    )
    .await
}

#[derive(Deserialize, Default, Clone)]
pub struct AgencyForm {
    #[serde(default)]
    pub agency_code: String,
    #[serde(default)]
    pub agency_name_ru: String,
    #[serde(default)]
    pub agency_name_en: String,
    #[serde(default)]
    pub agency_short_ru: String,
    #[serde(default)]
    pub agency_short_en: String,
}

/// A place in a list, 0–10000 (empty: 100, after the seeded ones); a problem for the field
/// otherwise.
fn order(errors: &mut FormErrors, field: &'static str, typed: &str, lang: Lang) -> Option<i64> {
    let position = match typed.trim() {
        "" => Some(100),
        p => p.parse::<i64>().ok().filter(|p| (0..=10_000).contains(p)),
    };
    if position.is_none() {
        errors.push(
            field,
            lang.pick(
                "Порядок — целое число от 0 до 10000",
                "The order is a whole number, 0–10000",
            ),
        );
    }
    position
}

/// Checks typed words: required, at most `max` characters.
fn words_problem(text: &str, max: usize, lang: Lang) -> Option<&'static str> {
    let n = text.trim().chars().count();
    if n == 0 {
        Some(lang.pick("Заполните поле", "Fill this in"))
    } else if n > max {
        Some(lang.pick("Слишком длинно", "Too long"))
    } else {
        None
    }
}

fn code_problem(code: &str, lang: Lang) -> Option<&'static str> {
    (!good_code(code)).then(|| {
        lang.pick(
            "Код — от 2 до 40 строчных латинских букв, цифр и «_», начинается с буквы",
            "A code is 2–40 lowercase Latin letters, digits and “_”, starting with a letter",
        )
    })
}

fn push(errors: &mut FormErrors, name: &'static str, problem: Option<&str>) {
    if let Some(p) = problem {
        errors.push(name, p);
    }
}

async fn save_agency(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    page: PageCtx,
    Form(f): Form<AgencyForm>,
) -> Result<Response, PageError> {
    let operator = Operator::check(user)?;
    let lang = page.lang;
    let code = f.agency_code.trim().to_owned();
    let mut errors = FormErrors::default();
    push(&mut errors, "agency_code", code_problem(&code, lang));
    for (name, text) in [
        ("agency_name_ru", &f.agency_name_ru),
        ("agency_name_en", &f.agency_name_en),
        ("agency_short_ru", &f.agency_short_ru),
        ("agency_short_en", &f.agency_short_en),
    ] {
        push(&mut errors, name, words_problem(text, NAME_MAX, lang));
    }
    if !errors.is_empty() {
        let body = list_page(&state, errors, f, CategoryForm::default(), false, page).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
    }
    let row = AgencyRow {
        code: code.clone(),
        name_ru: f.agency_name_ru.trim().to_owned(),
        name_en: f.agency_name_en.trim().to_owned(),
        short_ru: f.agency_short_ru.trim().to_owned(),
        short_en: f.agency_short_en.trim().to_owned(),
    };
    let now = state.now();
    let mut tx = state.db.begin().await?;
    repo::save_agency(&mut tx, &row, now).await?;
    let e = Entry::new(operator.actor(), Action::CatalogueAgencySaved)
        .object("agency", &code)
        .from_request(meta.ip.clone(), None)
        .details(serde_json::json!({ "name_ru": row.name_ru }));
    audit::append(&mut tx, &e, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    state.services.forget();
    Ok(Redirect::to("/operator/services?saved=1").into_response())
}

#[derive(Deserialize, Default, Clone)]
pub struct CategoryForm {
    #[serde(default)]
    pub category_code: String,
    #[serde(default)]
    pub category_name_ru: String,
    #[serde(default)]
    pub category_name_en: String,
    #[serde(default)]
    pub category_position: String,
}

async fn save_category(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    page: PageCtx,
    Form(f): Form<CategoryForm>,
) -> Result<Response, PageError> {
    let operator = Operator::check(user)?;
    let lang = page.lang;
    let code = f.category_code.trim().to_owned();
    let mut errors = FormErrors::default();
    push(&mut errors, "category_code", code_problem(&code, lang));
    push(
        &mut errors,
        "category_name_ru",
        words_problem(&f.category_name_ru, NAME_MAX, lang),
    );
    push(
        &mut errors,
        "category_name_en",
        words_problem(&f.category_name_en, NAME_MAX, lang),
    );
    let position = order(&mut errors, "category_position", &f.category_position, lang);
    let Some(position) = position.filter(|_| errors.is_empty()) else {
        let body = list_page(&state, errors, AgencyForm::default(), f, false, page).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
    };
    let row = CategoryRow {
        code: code.clone(),
        name_ru: f.category_name_ru.trim().to_owned(),
        name_en: f.category_name_en.trim().to_owned(),
        position,
    };
    let now = state.now();
    let mut tx = state.db.begin().await?;
    repo::save_category(&mut tx, &row, now).await?;
    let e = Entry::new(operator.actor(), Action::CatalogueCategorySaved)
        .object("service_category", &code)
        .from_request(meta.ip.clone(), None)
        .details(serde_json::json!({ "name_ru": row.name_ru, "position": position }));
    audit::append(&mut tx, &e, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    state.services.forget();
    Ok(Redirect::to("/operator/services?saved=1").into_response())
}

// --- A service ------------------------------------------------------------------------------

/// The service's form as typed: every field a text, so a refused one comes back as it was.
#[derive(Deserialize, Default, Clone)]
pub struct ServiceForm {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name_ru: String,
    #[serde(default)]
    pub name_en: String,
    #[serde(default)]
    pub summary_ru: String,
    #[serde(default)]
    pub summary_en: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub agency: String,
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub fee: String,
    #[serde(default)]
    pub term_days: String,
    #[serde(default)]
    pub term_counted: String,
    /// `answer`, or a document kind's code.
    #[serde(default)]
    pub outcome: String,
    pub replaces: Option<String>,
    pub needs_visit: Option<String>,
    pub popular: Option<String>,
    pub active: Option<String>,
    #[serde(default)]
    pub position: String,
    /// Comma-separated.
    #[serde(default)]
    pub keywords: String,
    /// One per line.
    #[serde(default)]
    pub documents_ru: String,
    #[serde(default)]
    pub documents_en: String,
    #[serde(default)]
    pub sources: String,
    /// The form as JSON.
    #[serde(default)]
    pub form: String,
    /// The form version the operator began from: another operator's save in between is caught.
    #[serde(default)]
    pub edited_version: String,
}

fn roubles(kopecks: i64) -> String {
    match kopecks % 100 {
        0 => (kopecks / 100).to_string(),
        k => format!("{},{k:02}", kopecks / 100),
    }
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

impl ServiceForm {
    fn of(s: &Service, row: &ServiceRow) -> Self {
        let documents = |pick: fn(&Words) -> &str| {
            s.documents_needed
                .iter()
                .map(pick)
                .collect::<Vec<_>>()
                .join("\n")
        };
        let (outcome, replaces) = match &s.outcome {
            Outcome::Answer => ("answer".to_owned(), false),
            Outcome::Document { kind, replaces } => (kind.clone(), *replaces),
        };
        ServiceForm {
            code: s.code.clone(),
            name_ru: s.name.ru.clone(),
            name_en: s.name.en.clone(),
            summary_ru: s.summary.ru.clone(),
            summary_en: s.summary.en.clone(),
            category: row.category_code.clone(),
            agency: row.agency_code.clone(),
            level: level_code(s.level).to_owned(),
            fee: roubles(s.fee_kopecks),
            term_days: s.term.days.to_string(),
            term_counted: match s.term.counted {
                Days::Working => "working".to_owned(),
                Days::Calendar => "calendar".to_owned(),
            },
            outcome,
            replaces: replaces.then(|| "on".to_owned()),
            needs_visit: s.needs_visit.then(|| "on".to_owned()),
            popular: row.popular.then(|| "on".to_owned()),
            active: row.active.then(|| "on".to_owned()),
            position: row.position.to_string(),
            keywords: s.keywords.join(", "),
            documents_ru: documents(|w| &w.ru),
            documents_en: documents(|w| &w.en),
            sources: s.sources.join("\n"),
            form: serde_json::to_string_pretty(&s.form).unwrap_or_default(),
            edited_version: row.form_version.to_string(),
        }
    }

    /// A new service: a one-step form with the consent every form ends with.
    fn blank() -> Self {
        let form = serde_json::json!({ "steps": [{
            "id": "consent",
            "title": { "ru": "Согласие", "en": "Consent" },
            "fields": [{
                "name": "agree",
                "label": {
                    "ru": "Подтверждаю, что сведения верны, и согласен на их обработку",
                    "en": "I confirm the details are correct and agree to their processing"
                },
                "kind": { "type": "checkbox" },
                "required": true
            }]
        }]});
        ServiceForm {
            level: "standard".to_owned(),
            fee: "0".to_owned(),
            term_days: "10".to_owned(),
            term_counted: "working".to_owned(),
            outcome: "answer".to_owned(),
            active: Some("on".to_owned()),
            position: "100".to_owned(),
            form: serde_json::to_string_pretty(&form).unwrap_or_default(),
            ..ServiceForm::default()
        }
    }
}

fn level_code(level: Level) -> &'static str {
    match level {
        Level::Simplified => "simplified",
        Level::Standard => "standard",
        Level::Confirmed => "confirmed",
    }
}

/// What a service's check gave: the service and its row, or the fields to fix and the form's
/// own mistakes.
struct Checked {
    service: Service,
    row: ServiceRow,
}

/// Whether a form ends by asking the citizen's consent (a required box on its last step, shown
/// always), as every form of the catalogue does.
fn ends_with_consent(f: &form::Form) -> bool {
    f.steps.last().is_some_and(|s| {
        s.shown_when.is_none()
            && s.fields
                .iter()
                .any(|f| f.required && matches!(f.kind, Kind::Checkbox) && f.shown_when.is_none())
    })
}

fn check(
    f: &ServiceForm,
    code: &str,
    catalogue: &Catalogue,
    kinds: &crate::features::documents::catalogue::Catalogue,
    lang: Lang,
) -> Result<Checked, (FormErrors, Vec<String>)> {
    let mut errors = FormErrors::default();
    let mut form_problems = Vec::new();
    push(
        &mut errors,
        "name_ru",
        words_problem(&f.name_ru, NAME_MAX, lang),
    );
    push(
        &mut errors,
        "name_en",
        words_problem(&f.name_en, NAME_MAX, lang),
    );
    push(
        &mut errors,
        "summary_ru",
        words_problem(&f.summary_ru, SUMMARY_MAX, lang),
    );
    push(
        &mut errors,
        "summary_en",
        words_problem(&f.summary_en, SUMMARY_MAX, lang),
    );
    if catalogue.category(&f.category).is_none() {
        errors.push(
            "category",
            lang.pick("Выберите категорию", "Choose a category"),
        );
    }
    if catalogue.agency(&f.agency).is_none() {
        errors.push(
            "agency",
            lang.pick("Выберите ведомство", "Choose an agency"),
        );
    }
    let level = match f.level.as_str() {
        "simplified" => Some(Level::Simplified),
        "standard" => Some(Level::Standard),
        "confirmed" => Some(Level::Confirmed),
        _ => {
            errors.push("level", lang.pick("Выберите уровень", "Choose a level"));
            None
        }
    };
    let fee = form::kopecks(&f.fee);
    if fee.is_none() {
        errors.push(
            "fee",
            lang.pick(
                "Пошлина — сумма в рублях, например 1500 или 0",
                "The fee is an amount in roubles, e.g. 1500 or 0",
            ),
        );
    }
    let days = f
        .term_days
        .trim()
        .parse::<u16>()
        .ok()
        .filter(|d| (1..=365).contains(d));
    if days.is_none() {
        errors.push(
            "term_days",
            lang.pick(
                "Срок — целое число дней от 1 до 365",
                "The term is a whole number of days, 1–365",
            ),
        );
    }
    let counted = match f.term_counted.as_str() {
        "working" => Days::Working,
        _ => Days::Calendar,
    };
    let outcome = if f.outcome == "answer" {
        Some(Outcome::Answer)
    } else if kinds.get(&f.outcome).is_some() {
        Some(Outcome::Document {
            kind: f.outcome.clone(),
            replaces: f.replaces.is_some(),
        })
    } else {
        errors.push(
            "outcome",
            lang.pick("Выберите результат", "Choose the result"),
        );
        None
    };
    let position = order(&mut errors, "position", &f.position, lang);
    let parsed: Option<form::Form> = match serde_json::from_str(&f.form) {
        Ok(parsed) => Some(parsed),
        Err(e) => {
            form_problems.push(format!(
                "{} {}:{} — {e}",
                lang.pick(
                    "Форма не читается как JSON, строка:столбец",
                    "The form is not valid JSON at line:column"
                ),
                e.line(),
                e.column()
            ));
            None
        }
    };
    if let Some(parsed) = &parsed {
        form_problems.extend(parsed.mistakes());
        if !ends_with_consent(parsed) {
            form_problems.push(
                lang.pick(
                    "Последний шаг формы должен всегда спрашивать согласие: обязательная галочка",
                    "The form's last step must always ask for consent: a required checkbox",
                )
                .to_owned(),
            );
        }
    }
    if !form_problems.is_empty() {
        errors.push(
            "form",
            lang.pick(
                "Исправьте форму: ошибки перечислены под полем",
                "Fix the form: the problems are listed below the field",
            ),
        );
    }
    let (Some(level), Some(fee), Some(days), Some(outcome), Some(position), Some(parsed)) =
        (level, fee, days, outcome, position, parsed)
    else {
        return Err((errors, form_problems));
    };
    if !errors.is_empty() {
        return Err((errors, form_problems));
    }
    let ru = lines(&f.documents_ru);
    let en = lines(&f.documents_en);
    let documents_needed = ru
        .iter()
        .enumerate()
        .map(|(i, r)| Words {
            ru: r.clone(),
            en: en.get(i).cloned().unwrap_or_else(|| r.clone()),
        })
        .collect();
    let popular = f.popular.is_some();
    let service = Service {
        code: code.to_owned(),
        category: f.category.clone(),
        agency: f.agency.clone(),
        name: Words {
            ru: f.name_ru.trim().to_owned(),
            en: f.name_en.trim().to_owned(),
        },
        summary: Words {
            ru: f.summary_ru.trim().to_owned(),
            en: f.summary_en.trim().to_owned(),
        },
        level,
        fee_kopecks: fee,
        term: Term { days, counted },
        outcome,
        documents_needed,
        needs_visit: f.needs_visit.is_some(),
        popular,
        keywords: f
            .keywords
            .split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(str::to_owned)
            .collect(),
        sources: lines(&f.sources),
        form: parsed,
    };
    let mut details =
        serde_json::to_value(&service).map_err(|_| (FormErrors::default(), Vec::new()))?;
    if let Some(o) = details.as_object_mut() {
        o.remove("form");
    }
    let row = ServiceRow {
        code: code.to_owned(),
        category_code: f.category.clone(),
        agency_code: f.agency.clone(),
        details: details.to_string(),
        popular,
        active: f.active.is_some(),
        position,
        form_version: 0,
    };
    Ok(Checked { service, row })
}

#[derive(Template, WebTemplate)]
#[template(path = "features/applications/service_edit.html")]
struct EditPage {
    page: PageCtx,
    ru: bool,
    /// A new service (its code is typed) or an existing one.
    creating: bool,
    f: ServiceForm,
    title: String,
    categories: Vec<(String, String)>,
    agencies: Vec<(String, String)>,
    kinds: Vec<(String, String)>,
    /// The form's versions: (version, when written).
    versions: Vec<(i64, String)>,
    errors: FormErrors,
    form_problems: Vec<String>,
    saved: bool,
    conflict: bool,
}

struct Draw {
    creating: bool,
    f: ServiceForm,
    errors: FormErrors,
    form_problems: Vec<String>,
    saved: bool,
    conflict: bool,
}

async fn edit_page(
    state: &AppState,
    operator_tz: &str,
    d: Draw,
    page: PageCtx,
) -> Result<EditPage, PageError> {
    let lang = page.lang;
    let catalogue = Catalogue::load(&state.db).await?;
    let kinds = crate::features::documents::catalogue::Catalogue::load(&state.db).await?;
    let versions = if d.creating {
        Vec::new()
    } else {
        repo::form_versions(&state.db, &d.f.code)
            .await?
            .into_iter()
            .map(|(v, at)| (v, local_time::shown(at, operator_tz)))
            .collect()
    };
    let title = if d.creating {
        lang.pick("Новая услуга", "A new service").to_owned()
    } else {
        match lang {
            Lang::Ru => d.f.name_ru.clone(),
            Lang::En => d.f.name_en.clone(),
        }
    };
    Ok(EditPage {
        ru: lang == Lang::Ru,
        creating: d.creating,
        title,
        categories: catalogue
            .categories
            .iter()
            .map(|c| (c.code.clone(), said(&c.name, lang)))
            .collect(),
        agencies: catalogue
            .agencies
            .iter()
            .map(|a| (a.code.clone(), said(&a.name, lang)))
            .collect(),
        kinds: kinds
            .kinds
            .iter()
            .map(|k| (k.code.clone(), k.name(lang).to_owned()))
            .collect(),
        versions,
        f: d.f,
        errors: d.errors,
        form_problems: d.form_problems,
        saved: d.saved,
        conflict: d.conflict,
        page,
    })
}

/// A service as the store has it, active or not, with its current form.
async fn stored(state: &AppState, code: &str) -> Result<(Service, ServiceRow), PageError> {
    let row = repo::service(&state.db, code)
        .await?
        .ok_or(PageError::NotFound)?;
    let form = repo::form(&state.db, code, row.form_version)
        .await?
        .ok_or(PageError::NotFound)?;
    let mut details: serde_json::Value =
        serde_json::from_str(&row.details).map_err(PageError::internal)?;
    details["form"] = serde_json::from_str(&form).map_err(PageError::internal)?;
    let service: Service = serde_json::from_value(details).map_err(PageError::internal)?;
    Ok((service, row))
}

async fn new_service(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
) -> Result<EditPage, PageError> {
    let tz = user.user().time_zone.clone();
    Operator::check(user)?;
    let d = Draw {
        creating: true,
        f: ServiceForm::blank(),
        errors: FormErrors::default(),
        form_problems: Vec::new(),
        saved: false,
        conflict: false,
    };
    edit_page(&state, &tz, d, page).await
}

async fn create(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    page: PageCtx,
    Form(f): Form<ServiceForm>,
) -> Result<Response, PageError> {
    let tz = user.user().time_zone.clone();
    let operator = Operator::check(user)?;
    let lang = page.lang;
    let code = f.code.trim().to_owned();
    let catalogue = Catalogue::load(&state.db).await?;
    let kinds = crate::features::documents::catalogue::Catalogue::load(&state.db).await?;
    let checked = check(&f, &code, &catalogue, &kinds, lang);
    let code_problem = code_problem(&code, lang);
    let refused = |errors: FormErrors, form_problems: Vec<String>| Draw {
        creating: true,
        f: f.clone(),
        errors,
        form_problems,
        saved: false,
        conflict: false,
    };
    let c = match (checked, code_problem) {
        (Ok(c), None) => c,
        (Ok(_), Some(p)) => {
            let mut errors = FormErrors::default();
            errors.push("code", p);
            let body = edit_page(&state, &tz, refused(errors, Vec::new()), page).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
        }
        (Err((mut errors, problems)), p) => {
            if let Some(p) = p {
                errors.push("code", p);
            }
            let body = edit_page(&state, &tz, refused(errors, problems), page).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
        }
    };
    let form_json = serde_json::to_string(&c.service.form).map_err(PageError::internal)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    match repo::insert_service(&mut tx, &c.row, &form_json, now).await {
        Ok(()) => {}
        Err(StoreError::UniqueViolation) => {
            let mut errors = FormErrors::default();
            errors.push(
                "code",
                lang.pick(
                    "Услуга с таким кодом уже есть",
                    "A service with this code exists",
                ),
            );
            let body = edit_page(&state, &tz, refused(errors, Vec::new()), page).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
        }
        Err(e) => return Err(e.into()),
    }
    let e = Entry::new(operator.actor(), Action::CatalogueServiceCreated)
        .object("service", &code)
        .from_request(meta.ip.clone(), None)
        .details(serde_json::json!({ "form_version": 1 }));
    audit::append(&mut tx, &e, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    state.services.forget();
    Ok(Redirect::to(&format!("/operator/services/{code}?saved=1")).into_response())
}

async fn edit(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
    Path(code): Path<String>,
    Query(q): Query<Saved>,
) -> Result<EditPage, PageError> {
    let tz = user.user().time_zone.clone();
    Operator::check(user)?;
    let (service, row) = stored(&state, &code).await?;
    let d = Draw {
        creating: false,
        f: ServiceForm::of(&service, &row),
        errors: FormErrors::default(),
        form_problems: Vec::new(),
        saved: q.saved.is_some(),
        conflict: false,
    };
    edit_page(&state, &tz, d, page).await
}

async fn update(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    page: PageCtx,
    Path(code): Path<String>,
    Form(mut f): Form<ServiceForm>,
) -> Result<Response, PageError> {
    let tz = user.user().time_zone.clone();
    let operator = Operator::check(user)?;
    let lang = page.lang;
    let (current, row) = stored(&state, &code).await?;
    f.code = code.clone();
    let catalogue = Catalogue::load(&state.db).await?;
    let kinds = crate::features::documents::catalogue::Catalogue::load(&state.db).await?;
    let mut c = match check(&f, &code, &catalogue, &kinds, lang) {
        Ok(c) => c,
        Err((errors, form_problems)) => {
            let d = Draw {
                creating: false,
                f,
                errors,
                form_problems,
                saved: false,
                conflict: false,
            };
            let body = edit_page(&state, &tz, d, page).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
        }
    };
    let began_at = f.edited_version.trim().parse::<i64>().unwrap_or(0);
    let form_changed = c.service.form != current.form;
    c.row.form_version = row.form_version + i64::from(form_changed);
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let saved = began_at == row.form_version
        && repo::update_service(&mut tx, &c.row, row.form_version, now).await?;
    if !saved {
        // Another operator saved a new form meanwhile: show theirs, say so, keep nothing half.
        drop(tx);
        let (fresh, fresh_row) = stored(&state, &code).await?;
        let d = Draw {
            creating: false,
            f: ServiceForm::of(&fresh, &fresh_row),
            errors: FormErrors::default(),
            form_problems: Vec::new(),
            saved: false,
            conflict: true,
        };
        let body = edit_page(&state, &tz, d, page).await?;
        return Ok((StatusCode::CONFLICT, body).into_response());
    }
    if form_changed {
        let form_json = serde_json::to_string(&c.service.form).map_err(PageError::internal)?;
        repo::insert_form(&mut tx, &code, c.row.form_version, &form_json, now).await?;
    }
    let e = Entry::new(operator.actor(), Action::CatalogueServiceChanged)
        .object("service", &code)
        .from_request(meta.ip.clone(), None)
        .details(serde_json::json!({
            "form_version": c.row.form_version,
            "form_changed": form_changed,
            "active": c.row.active,
        }));
    audit::append(&mut tx, &e, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    state.services.forget();
    Ok(Redirect::to(&format!("/operator/services/{code}?saved=1")).into_response())
}

/// A version of a service's form as JSON, as it was written.
async fn form_json(
    State(state): State<AppState>,
    user: SignedIn,
    Path((code, version)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    Operator::check(user)?;
    let form = repo::form(&state.db, &code, version)
        .await?
        .ok_or(PageError::NotFound)?;
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            "application/json; charset=utf-8",
        )],
        form,
    )
        .into_response())
}
