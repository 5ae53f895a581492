//! «Услуги»: the catalogue — search by word forms, popular services, categories, and each
//! service's page (agency, term, fee, result, what to have at hand, the form's steps).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use domain::applications::catalogue::{Level, Outcome};
use serde::Deserialize;

use super::catalogue::{Catalogue, Entry, fee, term};
use crate::state::AppState;
use crate::web::errors::PageError;
use crate::web::i18n::Lang;
use crate::web::page::PageCtx;
use crate::web::routes::Routes;

pub fn pages() -> Routes {
    Routes::new()
        .route("/services", get(catalogue))
        .route("/services/category/{code}", get(category))
        .route("/services/{code}", get(service))
}

pub struct Texts {
    pub title: &'static str,
    pub search_label: &'static str,
    pub search_hint: &'static str,
    pub search: &'static str,
    pub nothing_found: &'static str,
    pub popular: &'static str,
    pub categories: &'static str,
    pub breadcrumbs: &'static str,
    pub agency: &'static str,
    pub term: &'static str,
    pub fee: &'static str,
    pub outcome: &'static str,
    pub visit: &'static str,
    pub visit_yes: &'static str,
    pub visit_no: &'static str,
    pub level: &'static str,
    pub needed: &'static str,
    pub steps: &'static str,
    pub apply: &'static str,
    pub your_templates: &'static str,
    pub fill_from: &'static str,
    pub sign_in_to_apply: &'static str,
    pub draft_exists: &'static str,
    pub resume: &'static str,
}

static RU: Texts = Texts {
    title: "Услуги",
    search_label: "Найти услугу",
    search_hint: "Например: замена паспорта, прописка, налоговый вычет",
    search: "Найти",
    nothing_found: "Ничего не нашлось. Попробуйте другие слова или выберите категорию.",
    popular: "Популярные услуги",
    categories: "Категории",
    breadcrumbs: "Вы здесь",
    agency: "Ведомство",
    term: "Срок",
    fee: "Госпошлина",
    outcome: "Результат",
    visit: "Личный визит",
    visit_yes: "нужен: получить результат или показать оригиналы",
    visit_no: "не нужен",
    level: "Учётная запись",
    needed: "Что понадобится",
    steps: "Шаги заявления",
    apply: "Подать заявление",
    your_templates: "Или заполните по своему шаблону",
    fill_from: "Заполнить по шаблону",
    sign_in_to_apply: "Войдите, чтобы подать заявление",
    draft_exists: "У вас есть черновик этого заявления.",
    resume: "Продолжить заполнение",
};

static EN: Texts = Texts {
    title: "Services",
    search_label: "Find a service",
    search_hint: "For example: passport replacement, registration, tax deduction",
    search: "Search",
    nothing_found: "Nothing found. Try other words or choose a category.",
    popular: "Popular services",
    categories: "Categories",
    breadcrumbs: "You are here",
    agency: "Agency",
    term: "Term",
    fee: "State fee",
    outcome: "Result",
    visit: "Visit in person",
    visit_yes: "needed: to collect the result or show the originals",
    visit_no: "not needed",
    level: "Account",
    needed: "What you will need",
    steps: "Steps of the application",
    apply: "Apply",
    your_templates: "Or fill in from your template",
    fill_from: "Fill in from",
    sign_in_to_apply: "Sign in to apply",
    draft_exists: "You have a draft of this application.",
    resume: "Continue filling in",
};

fn texts(lang: Lang) -> &'static Texts {
    lang.pick(&RU, &EN)
}

/// The words in the page's language.
fn said(w: &domain::applications::form::Words, lang: Lang) -> String {
    match lang {
        Lang::Ru => w.ru.clone(),
        Lang::En => w.en.clone(),
    }
}

/// A service as a line of a list.
pub struct Line {
    pub code: String,
    pub name: String,
    pub summary: String,
    pub agency: String,
    pub fee: String,
    pub term: String,
}

fn line(catalogue: &Catalogue, e: &Entry, lang: Lang) -> Line {
    let s = &e.service;
    let pick = |w| said(w, lang);
    Line {
        code: s.code.clone(),
        name: pick(&s.name),
        summary: pick(&s.summary),
        agency: catalogue
            .agency(&s.agency)
            .map(|a| pick(&a.short))
            .unwrap_or_default(),
        fee: fee(s.fee_kopecks, lang),
        term: term(s.term, lang),
    }
}

pub struct CategoryLine {
    pub code: String,
    pub name: String,
    pub count: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "features/applications/services.html")]
struct CataloguePage {
    page: PageCtx,
    t: &'static Texts,
    title: &'static str,
    query: String,
    searched: bool,
    found_heading: String,
    found: Vec<Line>,
    popular: Vec<Line>,
    categories: Vec<CategoryLine>,
}

#[derive(Deserialize)]
struct SearchQuery {
    q: Option<String>,
}

async fn catalogue(
    State(state): State<AppState>,
    page: PageCtx,
    Query(search): Query<SearchQuery>,
) -> Result<CataloguePage, PageError> {
    let lang = page.lang;
    let catalogue = Catalogue::current(&state).await?;
    let query: String = search.q.unwrap_or_default().chars().take(200).collect();
    let searched = !query.trim().is_empty();
    let found: Vec<Line> = if searched {
        catalogue
            .search(&query)
            .into_iter()
            .map(|e| line(&catalogue, e, lang))
            .collect()
    } else {
        Vec::new()
    };
    let n = i64::try_from(found.len()).unwrap_or(i64::MAX);
    let found_heading = match lang {
        Lang::Ru => format!(
            "Найдено: {n} {}",
            crate::attention::plural(n, "услуга", "услуги", "услуг")
        ),
        Lang::En => format!("Found: {n} service{}", if n == 1 { "" } else { "s" }),
    };
    let categories = catalogue
        .categories
        .iter()
        .filter_map(|c| {
            let n = i64::try_from(catalogue.in_category(&c.code).count()).unwrap_or(0);
            // A category with no active service is not offered.
            (n > 0).then(|| CategoryLine {
                code: c.code.clone(),
                name: said(&c.name, lang),
                count: match lang {
                    Lang::Ru => format!(
                        "{n} {}",
                        crate::attention::plural(n, "услуга", "услуги", "услуг")
                    ),
                    Lang::En => format!("{n} service{}", if n == 1 { "" } else { "s" }),
                },
            })
        })
        .collect();
    Ok(CataloguePage {
        t: texts(lang),
        title: texts(lang).title,
        popular: catalogue
            .popular()
            .map(|e| line(&catalogue, e, lang))
            .collect(),
        query,
        searched,
        found_heading,
        found,
        categories,
        page,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "features/applications/category.html")]
struct CategoryPage {
    page: PageCtx,
    t: &'static Texts,
    title: String,
    services: Vec<Line>,
}

async fn category(
    State(state): State<AppState>,
    page: PageCtx,
    Path(code): Path<String>,
) -> Result<CategoryPage, PageError> {
    let lang = page.lang;
    let catalogue = Catalogue::current(&state).await?;
    let category = catalogue.category(&code).ok_or(PageError::NotFound)?;
    Ok(CategoryPage {
        t: texts(lang),
        title: said(&category.name, lang),
        services: catalogue
            .in_category(&code)
            .map(|e| line(&catalogue, e, lang))
            .collect(),
        page,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "features/applications/service.html")]
struct ServicePage {
    page: PageCtx,
    t: &'static Texts,
    s: Line,
    category_code: String,
    category: String,
    outcome: String,
    needs_visit: bool,
    level: &'static str,
    needed: Vec<String>,
    steps: Vec<String>,
    signed_in: bool,
    /// The citizen's latest draft of this service.
    draft: Option<String>,
    /// The citizen's identity level is below the service's.
    level_low: bool,
    level_message: &'static str,
    /// The citizen's templates of this service: (id, name).
    templates: Vec<(String, String)>,
}

async fn service(
    State(state): State<AppState>,
    page: PageCtx,
    Path(code): Path<String>,
) -> Result<ServicePage, PageError> {
    let lang = page.lang;
    let (draft, level_low) = match &page.user {
        Some(user) => {
            let filter = store::applications::Filter {
                status: Some("draft".to_owned()),
                service_code: Some(code.clone()),
                ..Default::default()
            };
            let draft = store::applications::list(&state.db, &user.id, &filter, 1)
                .await?
                .into_iter()
                .next()
                .map(|d| d.id);
            (draft, None)
        }
        None => (None, None::<bool>),
    };
    let catalogue = Catalogue::current(&state).await?;
    let entry = catalogue.get(&code).ok_or(PageError::NotFound)?;
    let s = &entry.service;
    let pick = |w| said(w, lang);
    let outcome = match &s.outcome {
        Outcome::Document { kind, .. } => {
            let (_, kinds) = state.caches.catalogue(&state.db).await?;
            let name = kinds
                .get(kind)
                .map_or_else(|| kind.clone(), |k| k.name(lang).to_owned());
            match lang {
                Lang::Ru => format!("документ «{name}» в разделе «Мои документы»"),
                Lang::En => format!("the document “{name}” in My documents"),
            }
        }
        Outcome::Answer => lang
            .pick(
                "ответ ведомства в кабинете",
                "the agency's answer in the cabinet",
            )
            .to_owned(),
    };
    let level = match (s.level, lang) {
        (Level::Simplified, Lang::Ru) => "упрощённая и выше",
        (Level::Standard, Lang::Ru) => "стандартная: паспорт и СНИЛС проверены",
        (Level::Confirmed, Lang::Ru) => "подтверждённая",
        (Level::Simplified, Lang::En) => "simplified or higher",
        (Level::Standard, Lang::En) => "standard: passport and SNILS checked",
        (Level::Confirmed, Lang::En) => "confirmed",
    };
    let level_low = match (&page.user, level_low) {
        (Some(user), _) => store::users::profile(&state.db, &user.id)
            .await?
            .is_some_and(|p| !super::fill::level_enough(&p.identity_level, s.level)),
        _ => false,
    };
    let templates = match &page.user {
        Some(user) => super::templates::of_service(&state, &user.id, &code).await?,
        None => Vec::new(),
    };
    Ok(ServicePage {
        templates,
        t: texts(lang),
        signed_in: page.user.is_some(),
        draft,
        level_low,
        level_message: super::fill::LEVEL_TOO_LOW.get(lang),
        category_code: s.category.clone(),
        category: catalogue
            .category(&s.category)
            .map(|c| pick(&c.name))
            .unwrap_or_default(),
        outcome,
        needs_visit: s.needs_visit,
        level,
        needed: s.documents_needed.iter().map(pick).collect(),
        steps: s.form.steps.iter().map(|st| pick(&st.title)).collect(),
        s: line(&catalogue, entry, lang),
        page,
    })
}
