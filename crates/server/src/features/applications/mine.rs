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
        .route("/applications/{id}/answer", post(answer))
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
    pub answered: &'static str,
    pub errors_heading: &'static str,
    pub asked: &'static str,
    pub your_answer: &'static str,
    pub attach: &'static str,
    pub add_document: &'static str,
    pub send_answer: &'static str,
    pub outcome: &'static str,
    pub open_result: &'static str,
    pub dialog: &'static str,
    pub next_page: &'static str,
    pub first_page: &'static str,
    pub or_correct: &'static str,
    pub templates: &'static str,
    pub again: &'static str,
    pub repeat: &'static str,
    pub save_template: &'static str,
    pub correct: &'static str,
    pub go_on_correcting: &'static str,
    pub corrected: &'static str,
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
    answered: "Ответ отправлен в ведомство. Заявление снова на рассмотрении.",
    errors_heading: "Исправьте ошибки",
    asked: "Ведомство просит уточнить",
    your_answer: "Ваш ответ",
    attach: "Приложить файлы из «Моих документов»",
    add_document: "Добавить документ в «Мои документы»",
    send_answer: "Отправить ответ",
    outcome: "Решение ведомства",
    open_result: "Открыть новый документ",
    dialog: "Переписка с ведомством",
    next_page: "Следующие заявления",
    first_page: "К началу списка",
    templates: "Мои шаблоны заявлений",
    again: "Подать снова",
    repeat: "Повторить заявление",
    save_template: "Сохранить как шаблон",
    or_correct: "Если нужно исправить сведения в самом заявлении — например, адрес или данные документа, — исправьте ответы: ведомство получит новую версию заявления.",
    correct: "Исправить ответы в заявлении",
    go_on_correcting: "Продолжить исправление ответов",
    corrected: "Исправленная версия отправлена в ведомство. Заявление снова на рассмотрении.",
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
    answered: "The answer is sent to the agency. The application is in review again.",
    errors_heading: "There is a problem",
    asked: "The agency asks for more",
    your_answer: "Your answer",
    attach: "Attach files from My documents",
    add_document: "Add a document to My documents",
    send_answer: "Send the answer",
    outcome: "The agency's decision",
    open_result: "Open the new document",
    dialog: "Messages with the agency",
    next_page: "Next applications",
    first_page: "Back to the start",
    templates: "My application templates",
    again: "Apply again",
    repeat: "Repeat the application",
    save_template: "Save as a template",
    or_correct: "If something in the application itself needs correcting (an address, a document's details), correct the answers: the agency gets a new version of the application.",
    correct: "Correct the answers",
    go_on_correcting: "Go on correcting the answers",
    corrected: "The corrected version is sent to the agency. The application is in review again.",
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
        number: super::service::shown_number(row),
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
    /// The previous page's last line (`repo::list_cursor`).
    after: Option<String>,
}

/// Lines of «Мои заявления» on a page.
pub const PAGE: i64 = 20;

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
    /// The address of the next page, with the same filters.
    next: Option<String>,
    /// Not the first page: a link back to it.
    later_page: bool,
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
    let catalogue = Catalogue::current(&state).await?;
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
        after: clean(&q.after).as_deref().and_then(repo::parse_list_cursor),
    };
    let later_page = filter.after.is_some();
    let filtered = status.is_some()
        || service_code.is_some()
        || !number_typed.is_empty()
        || from_day.is_some()
        || to_day.is_some();
    let mut rows = if number_error.is_some() {
        Vec::new()
    } else {
        repo::list(&state.db, &me.id, &filter, PAGE + 1).await?
    };
    let more = rows.len() > PAGE as usize;
    rows.truncate(PAGE as usize);
    let next = more.then(|| rows.last()).flatten().map(|last| {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (key, value) in [
            ("status", &q.status),
            ("service", &q.service),
            ("from", &q.from),
            ("to", &q.to),
            ("number", &q.number),
        ] {
            if let Some(v) = value.as_deref().filter(|v| !v.trim().is_empty()) {
                query.append_pair(key, v);
            }
        }
        query.append_pair("after", &repo::list_cursor(last));
        format!("/applications?{}", query.finish())
    });
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
        next,
        later_page,
        page,
    })
}

/// A line of the journal.
pub struct JournalLine {
    pub when: String,
    pub what: String,
    pub status: StatusTag,
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
    dialog: Vec<Said>,
    /// What the agency asked, while it waits for the citizen.
    asked: Option<String>,
    files_to_choose: Vec<(String, String)>,
    answer_error: Option<&'static str>,
    answer_text: String,
    answered: bool,
    outcome_note: Option<String>,
    result_document: Option<String>,
    /// A correction of the answers is being made (the agency has not got it yet).
    correcting: bool,
    corrected: bool,
    versions: super::reply::Versions,
}

/// A message of the dialog as the citizen sees it.
pub struct Said {
    pub when: String,
    pub who: String,
    pub body: String,
    pub files: Vec<String>,
}

#[derive(Deserialize, Default)]
struct ViewQuery {
    submitted: Option<String>,
    withdrawn: Option<String>,
    answered: Option<String>,
    corrected: Option<String>,
}

async fn view(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
    Path(id): Path<String>,
    Query(q): Query<ViewQuery>,
) -> Result<Response, PageError> {
    let app = service::load(&state, &user.user().id, &id).await?;
    if app.is_draft() {
        return Ok(Redirect::to(&format!("/applications/{id}/resume")).into_response());
    }
    Ok(
        application_page(&state, &user, app, &q, None, String::new(), page)
            .await?
            .into_response(),
    )
}

async fn application_page(
    state: &AppState,
    user: &SignedIn,
    app: service::Loaded,
    q: &ViewQuery,
    answer_error: Option<&'static str>,
    answer_text: String,
    page: PageCtx,
) -> Result<ApplicationPage, PageError> {
    let state = state.clone();
    let lang = page.lang;
    let me = user.user();
    let id = app.row.id.clone();
    let catalogue = Catalogue::current(&state).await?;
    let agency = catalogue
        .agency(&app.row.agency_code)
        .map(|a| said(&a.name, lang))
        .unwrap_or_else(|| app.row.agency_code.clone());
    let mut conn = state.db.connection().await?;
    let events = repo::public_events(&mut conn, &me.id, &id).await?;
    let versions = repo::versions(&mut conn, &id).await?;
    let latest = versions.last().map_or(1, |v| v.version);
    let attached = repo::files(&mut conn, &id, latest).await?;
    let everything = repo::all_files(&mut conn, &id).await?;
    let messages = repo::messages(&mut conn, &id).await?;
    drop(conn);
    let dialog: Vec<Said> = messages
        .iter()
        .map(|m| Said {
            when: local_time::shown(m.at, &me.time_zone),
            who: match m.party.as_str() {
                "citizen" => lang.pick("Вы", "You").to_owned(),
                _ => agency.clone(),
            },
            body: m.body.clone(),
            files: everything
                .iter()
                .filter(|f| f.field == format!("message:{}", m.id))
                .map(|f| f.name.clone())
                .collect(),
        })
        .collect();
    let waiting = app.status == Status::AwaitingCitizen;
    let asked = waiting
        .then(|| messages.iter().rev().find(|m| m.party == "agency"))
        .flatten()
        .map(|m| m.body.clone());
    let files_to_choose = if waiting {
        service::choosable(&state, &me.id)
            .await?
            .into_iter()
            .map(|c| (c.file_id, format!("{} — {}", c.document_title, c.name)))
            .collect()
    } else {
        Vec::new()
    };
    let journal = events
        .iter()
        .map(|e| JournalLine {
            what: journal_words(&e.kind, &agency, lang),
            when: local_time::shown(e.at, &me.time_zone),
            status: status_tag(
                Status::from_code(&e.status).unwrap_or(Status::Accepted),
                lang,
            ),
            comment: e.comment.clone(),
        })
        .collect();
    let name_of = |file_id: &str| {
        everything
            .iter()
            .find(|f| f.file_id == file_id)
            .map(|f| f.name.clone())
    };
    let version_lines =
        super::reply::shown_versions(&app.form, &versions, &name_of, &me.time_zone, lang);
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
        dialog,
        asked,
        files_to_choose,
        answer_error,
        answer_text,
        answered: q.answered.is_some(),
        outcome_note: app.row.outcome_note.clone(),
        correcting: app.editing() == Some(service::Editing::Correction),
        corrected: q.corrected.is_some(),
        versions: version_lines,
        result_document: app.row.result_document_id.clone(),
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
    })
}

/// The citizen's answer to the agency: words and files from «Мои документы» (boxes of one
/// name, so the form is read as pairs).
async fn answer(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    page: PageCtx,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let text: String = pairs
        .iter()
        .filter(|(k, _)| k == "text")
        .map(|(_, v)| v.as_str())
        .collect();
    let files: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "files")
        .map(|(_, v)| v.clone())
        .collect();
    let lang = page.lang;
    let error = match super::reply::answer(&state, user.user(), &id, &text, &files, &meta).await {
        Ok(()) => {
            return Ok(Redirect::to(&format!("/applications/{id}?answered=1")).into_response());
        }
        Err(ApplicationError::Incomplete(_)) => lang.pick(
            "Напишите ответ или выберите файлы",
            "Write an answer or choose files",
        ),
        Err(ApplicationError::TooLong) => lang.pick(
            "Ответ слишком длинный: не больше 5000 знаков",
            "The answer is too long: 5000 characters at most",
        ),
        Err(ApplicationError::ForeignFile) => lang.pick(
            "Выбранный файл больше недоступен: выберите ещё раз",
            "A chosen file is no longer there: choose again",
        ),
        Err(ApplicationError::NotAllowed(_) | ApplicationError::Conflict) => {
            return Ok(Redirect::to(&format!("/applications/{id}")).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    let app = service::load(&state, &user.user().id, &id).await?;
    let body = application_page(
        &state,
        &user,
        app,
        &ViewQuery::default(),
        Some(error),
        text,
        page,
    )
    .await?;
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
}

/// A journal line in the citizen's words: «МВД России просмотрело ваше заявление».
fn journal_words(kind: &str, agency: &str, lang: Lang) -> String {
    match (kind, lang) {
        ("submitted", Lang::Ru) => "Вы подали заявление".to_owned(),
        ("submitted", Lang::En) => "You submitted the application".to_owned(),
        ("viewed", Lang::Ru) => format!("{agency}: просмотрело ваше заявление"),
        ("viewed", Lang::En) => format!("{agency} viewed your application"),
        ("taken", Lang::Ru) => format!("{agency}: заявление взято на рассмотрение"),
        ("taken", Lang::En) => format!("{agency} started on it"),
        ("asked", Lang::Ru) => format!("{agency}: нужно уточнение"),
        ("asked", Lang::En) => format!("{agency} asks for more"),
        ("answered", Lang::Ru) => "Вы ответили на запрос".to_owned(),
        ("answered", Lang::En) => "You answered".to_owned(),
        ("corrected", Lang::Ru) => "Вы исправили ответы: отправлена новая версия".to_owned(),
        ("corrected", Lang::En) => "You corrected the answers: a new version is sent".to_owned(),
        ("completed", Lang::Ru) => format!("{agency}: исполнено"),
        ("completed", Lang::En) => format!("{agency}: done"),
        ("rejected", Lang::Ru) => format!("{agency}: отказано"),
        ("rejected", Lang::En) => format!("{agency}: refused"),
        ("withdrawn", Lang::Ru) => "Вы отозвали заявление".to_owned(),
        ("withdrawn", Lang::En) => "You withdrew the application".to_owned(),
        (_, Lang::Ru) => "Изменение".to_owned(),
        (_, Lang::En) => "A change".to_owned(),
    }
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
