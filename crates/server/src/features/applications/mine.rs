//! «Мои заявления»: the citizen's applications with filters by status, service and date and a
//! search by number; each application's page with its status, number, due date, journal and
//! answers; withdrawing one that is not final.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::applications::number::ApplicationNumber;
use domain::applications::status::{Event, Party, Status};
use serde::Deserialize;
use store::applications::{self as repo, ApplicationRow, Filter};

use super::catalogue::Catalogue;
use super::controls::{ShownAnswer, said, shown_answers};
use super::service::{self, ApplicationError};
use crate::local_time;
use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::context::RequestMeta;
use crate::web::errors::PageError;
use crate::web::i18n::Lang;
use crate::web::page::PageCtx;
use crate::web::routes::Routes;

pub fn pages() -> Routes {
    Routes::new()
        .route("/applications", get(list))
        .route("/applications/{id}", get(view))
        .route("/applications/{id}/withdraw", post(withdraw))
}

pub struct Texts {
    pub title: &'static str,
    pub empty: &'static str,
    pub find_service: &'static str,
    pub filters: &'static str,
    pub status: &'static str,
    pub any: &'static str,
    pub service: &'static str,
    pub from: &'static str,
    pub to: &'static str,
    pub number: &'static str,
    pub number_hint: &'static str,
    pub apply: &'static str,
    pub reset: &'static str,
    pub nothing: &'static str,
    pub draft_until: &'static str,
    pub submitted: &'static str,
    pub due: &'static str,
    pub resume: &'static str,
    pub open: &'static str,
    pub deleted: &'static str,
    pub agency: &'static str,
    pub journal: &'static str,
    pub answers: &'static str,
    pub files: &'static str,
    pub withdraw: &'static str,
    pub withdraw_hint: &'static str,
    pub withdrawn: &'static str,
    pub submitted_banner: &'static str,
    pub digest: &'static str,
    pub bad_number: &'static str,
}

static RU: Texts = Texts {
    title: "Мои заявления",
    empty: "Вы ещё не подавали заявлений.",
    find_service: "Найти услугу",
    filters: "Отбор",
    status: "Статус",
    any: "Любой",
    service: "Услуга",
    from: "Подано с",
    to: "по",
    number: "Номер заявления",
    number_hint: "10 цифр, например 1234-5678-90",
    apply: "Показать",
    reset: "Сбросить",
    nothing: "Под отбор не попало ни одного заявления.",
    draft_until: "Черновик хранится до",
    submitted: "Подано",
    due: "Срок рассмотрения — до",
    resume: "Продолжить заполнение",
    open: "Открыть",
    deleted: "Черновик удалён.",
    agency: "Ведомство",
    journal: "Ход рассмотрения",
    answers: "Сведения заявления",
    files: "Приложенные файлы",
    withdraw: "Отозвать заявление",
    withdraw_hint: "Пока заявление не рассмотрено, его можно отозвать. Отозванное заявление не вернуть — придётся подать новое.",
    withdrawn: "Заявление отозвано.",
    submitted_banner: "Заявление отправлено. Его номер",
    digest: "Контрольная сумма SHA-256 подписанных сведений",
    bad_number: "Номер заявления — 10 цифр, например 1234-5678-90; проверьте цифры",
};

static EN: Texts = Texts {
    title: "My applications",
    empty: "You have not applied for anything yet.",
    find_service: "Find a service",
    filters: "Filter",
    status: "Status",
    any: "Any",
    service: "Service",
    from: "Submitted from",
    to: "to",
    number: "Application number",
    number_hint: "10 digits, e.g. 1234-5678-90",
    apply: "Show",
    reset: "Reset",
    nothing: "No application matches the filter.",
    draft_until: "The draft is kept until",
    submitted: "Submitted",
    due: "To be handled by",
    resume: "Continue filling in",
    open: "Open",
    deleted: "The draft is deleted.",
    agency: "Agency",
    journal: "Progress",
    answers: "Application details",
    files: "Attached files",
    withdraw: "Withdraw the application",
    withdraw_hint: "Until it is handled you may withdraw the application. It cannot be brought back: you would apply again.",
    withdrawn: "The application is withdrawn.",
    submitted_banner: "The application is sent. Its number is",
    digest: "SHA-256 of the signed details",
    bad_number: "An application number is 10 digits, e.g. 1234-5678-90; check the digits",
};

fn texts(lang: Lang) -> &'static Texts {
    lang.pick(&RU, &EN)
}

/// A status as pages show it: the word and a style that is not only a colour.
pub struct StatusTag {
    pub text: &'static str,
    pub class: &'static str,
}

pub fn status_tag(s: Status, lang: Lang) -> StatusTag {
    let (ru, en) = s.words();
    StatusTag {
        text: lang.pick(ru, en),
        class: match s {
            Status::Done => "ok",
            Status::Rejected => "bad",
            Status::AwaitingCitizen | Status::Draft => "warn",
            _ => "neutral",
        },
    }
}

/// A line of «Мои заявления».
pub struct Line {
    pub id: String,
    pub service: String,
    pub number: String,
    pub status: StatusTag,
    pub is_draft: bool,
    /// «Подано 01.12.2026 · Срок — до 08.12.2026», or the draft's expiry.
    pub dates: String,
}

fn show_day(iso: Option<&str>) -> String {
    iso.and_then(|d| d.parse::<jiff::civil::Date>().ok())
        .map(|d| d.strftime("%d.%m.%Y").to_string())
        .unwrap_or_default()
}

fn shown_number(row: &ApplicationRow) -> String {
    row.number
        .as_deref()
        .and_then(|n| ApplicationNumber::parse(n).ok())
        .map(|n| n.to_string())
        .unwrap_or_default()
}

fn line(row: &ApplicationRow, catalogue: &Catalogue, tz: &str, lang: Lang) -> Line {
    let t = texts(lang);
    let status = Status::from_code(&row.status).unwrap_or(Status::Draft);
    let dates = if status == Status::Draft {
        row.expires_at
            .map(|at| format!("{} {}", t.draft_until, local_time::day_shown(at, tz)))
            .unwrap_or_default()
    } else {
        let submitted = row
            .submitted_at
            .map(|at| format!("{} {}", t.submitted, local_time::day_shown(at, tz)))
            .unwrap_or_default();
        if status.is_final() {
            submitted
        } else {
            format!(
                "{submitted} · {} {}",
                t.due,
                show_day(row.due_on.as_deref())
            )
        }
    };
    Line {
        id: row.id.clone(),
        service: catalogue
            .get(&row.service_code)
            .map(|e| said(&e.service.name, lang))
            .unwrap_or_else(|| row.service_code.clone()),
        number: shown_number(row),
        status: status_tag(status, lang),
        is_draft: status == Status::Draft,
        dates,
    }
}

#[derive(Deserialize, Default)]
struct ListQuery {
    status: Option<String>,
    service: Option<String>,
    from: Option<String>,
    to: Option<String>,
    number: Option<String>,
    deleted: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "features/applications/mine.html")]
struct ListPage {
    page: PageCtx,
    t: &'static Texts,
    lines: Vec<Line>,
    filtered: bool,
    statuses: Vec<(&'static str, &'static str)>,
    services: Vec<(String, String)>,
    status: String,
    service: String,
    from: String,
    to: String,
    number: String,
    number_error: Option<&'static str>,
    deleted: bool,
}

/// A typed date (ДД.ММ.ГГГГ or ГГГГ-ММ-ДД), or nothing.
fn typed_day(text: &str) -> Option<jiff::civil::Date> {
    domain::documents::parse_date(text.trim()).ok()
}

async fn list(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
    Query(q): Query<ListQuery>,
) -> Result<ListPage, PageError> {
    let lang = page.lang;
    let me = user.user();
    let catalogue = Catalogue::load(&state.db).await?;
    let clean = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let status = clean(&q.status).filter(|s| Status::from_code(s).is_some());
    let service_code = clean(&q.service).filter(|s| catalogue.get(s).is_some());
    let number_typed = clean(&q.number).unwrap_or_default();
    let (number, number_error) = if number_typed.is_empty() {
        (None, None)
    } else {
        match ApplicationNumber::parse(&number_typed) {
            Ok(n) => (Some(n.plain()), None),
            Err(_) => (None, Some(texts(lang).bad_number)),
        }
    };
    let from_day = clean(&q.from).as_deref().and_then(typed_day);
    let to_day = clean(&q.to).as_deref().and_then(typed_day);
    let filter = Filter {
        status: status.clone(),
        service_code: service_code.clone(),
        number,
        from: from_day.and_then(|d| local_time::day_start(d, &me.time_zone)),
        to: to_day
            .and_then(|d| d.tomorrow().ok())
            .and_then(|d| local_time::day_start(d, &me.time_zone)),
    };
    let filtered = status.is_some()
        || service_code.is_some()
        || !number_typed.is_empty()
        || from_day.is_some()
        || to_day.is_some();
    let rows = if number_error.is_some() {
        Vec::new()
    } else {
        repo::list(&state.db, &me.id, &filter, 200).await?
    };
    Ok(ListPage {
        t: texts(lang),
        lines: rows
            .iter()
            .map(|r| line(r, &catalogue, &me.time_zone, lang))
            .collect(),
        filtered,
        statuses: Status::ALL
            .iter()
            .map(|s| (s.code(), status_tag(*s, lang).text))
            .collect(),
        services: catalogue
            .services
            .iter()
            .map(|e| (e.service.code.clone(), said(&e.service.name, lang)))
            .collect(),
        status: status.unwrap_or_default(),
        service: service_code.unwrap_or_default(),
        from: from_day
            .map(|d| d.strftime("%d.%m.%Y").to_string())
            .unwrap_or_default(),
        to: to_day
            .map(|d| d.strftime("%d.%m.%Y").to_string())
            .unwrap_or_default(),
        number: number_typed,
        number_error,
        deleted: q.deleted.is_some(),
        page,
    })
}

/// A line of the journal.
pub struct JournalLine {
    pub when: String,
    pub status: StatusTag,
    pub who: String,
    pub comment: Option<String>,
}

pub struct StepAnswers {
    pub title: String,
    pub answers: Vec<ShownAnswer>,
}

#[derive(Template, WebTemplate)]
#[template(path = "features/applications/application.html")]
struct ApplicationPage {
    page: PageCtx,
    t: &'static Texts,
    id: String,
    service: String,
    service_code: String,
    number: String,
    status: StatusTag,
    dates: String,
    agency: String,
    journal: Vec<JournalLine>,
    steps: Vec<StepAnswers>,
    files: Vec<String>,
    digest: String,
    can_withdraw: bool,
    just_submitted: bool,
    withdrawn: bool,
}

#[derive(Deserialize, Default)]
struct ViewQuery {
    submitted: Option<String>,
    withdrawn: Option<String>,
}

async fn view(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
    Path(id): Path<String>,
    Query(q): Query<ViewQuery>,
) -> Result<Response, PageError> {
    let lang = page.lang;
    let me = user.user();
    let app = service::load(&state, &me.id, &id).await?;
    if app.is_draft() {
        return Ok(Redirect::to(&format!("/applications/{id}/resume")).into_response());
    }
    let catalogue = Catalogue::load(&state.db).await?;
    let agency = catalogue
        .agency(&app.row.agency_code)
        .map(|a| said(&a.name, lang))
        .unwrap_or_else(|| app.row.agency_code.clone());
    let mut conn = state.db.connection().await?;
    let events = repo::public_events(&mut conn, &me.id, &id).await?;
    let versions = repo::versions(&mut conn, &id).await?;
    let latest = versions.last().map_or(1, |v| v.version);
    let attached = repo::files(&mut conn, &id, latest).await?;
    drop(conn);
    let journal = events
        .iter()
        .map(|e| JournalLine {
            when: local_time::shown(e.at, &me.time_zone),
            status: status_tag(
                Status::from_code(&e.status).unwrap_or(Status::Accepted),
                lang,
            ),
            who: match e.party.as_str() {
                "citizen" => lang.pick("Вы", "You").to_owned(),
                _ => agency.clone(),
            },
            comment: e.comment.clone(),
        })
        .collect();
    let name_of = |file_id: &str| {
        attached
            .iter()
            .find(|f| f.file_id == file_id)
            .map(|f| f.name.clone())
    };
    let steps = app
        .steps()
        .into_iter()
        .map(|s| StepAnswers {
            title: said(&s.title, lang),
            answers: shown_answers(s, &app.answers, &name_of, lang),
        })
        .collect();
    let can_withdraw =
        domain::applications::status::next(app.status, Event::Withdraw, Party::Citizen).is_ok();
    let row_line = line(&app.row, &catalogue, &me.time_zone, lang);
    let just_submitted =
        q.submitted.as_deref() == app.row.number.as_deref() && q.submitted.is_some();
    Ok(ApplicationPage {
        t: texts(lang),
        service: said(&app.service.name, lang),
        service_code: app.row.service_code.clone(),
        number: row_line.number,
        status: status_tag(app.status, lang),
        dates: row_line.dates,
        agency,
        journal,
        steps,
        files: attached
            .iter()
            .map(|f| format!("{} (SHA-256 {})", f.name, &f.sha256))
            .collect(),
        digest: versions
            .last()
            .map(|v| v.digest.clone())
            .unwrap_or_default(),
        can_withdraw,
        just_submitted,
        withdrawn: q.withdrawn.is_some(),
        id,
        page,
    }
    .into_response())
}

#[derive(Deserialize)]
struct WithdrawForm {}

async fn withdraw(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    Path(id): Path<String>,
    Form(_form): Form<WithdrawForm>,
) -> Result<Response, PageError> {
    let app = service::load(&state, &user.user().id, &id).await?;
    match service::withdraw(&state, user.user(), &app, &meta).await {
        Ok(()) => Ok(Redirect::to(&format!("/applications/{id}?withdrawn=1")).into_response()),
        // Final already, or changed meanwhile: the page shows where it stands.
        Err(ApplicationError::NotAllowed(_) | ApplicationError::Conflict) => {
            Ok(Redirect::to(&format!("/applications/{id}")).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
