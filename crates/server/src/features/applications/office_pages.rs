//! The officer's pages: the queue of the agency's applications (by status, the earliest due
//! first, overdue marked, mine or nobody's, a page at a time by keyset) and an application's
//! page with its answers, files, dialog and journal (internal notes included) and the moves the
//! status allows: take, ask, complete with the result, reject, note.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::applications::catalogue::Outcome;
use domain::applications::status::{Event, Party, Status};
use serde::Deserialize;
use store::applications::{self as repo, QueueFilter};

use super::catalogue::Catalogue;
use super::controls::{ShownAnswer, said, shown_answers};
use super::mine::{StatusTag, status_tag};
use super::office::{self, Missing, Move, Officer};
use super::service::{ApplicationError, Loaded};
use crate::features::documents::service::DocumentInput;
use crate::local_time;
use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::context::RequestMeta;
use crate::web::errors::PageError;
use crate::web::forms::FormErrors;
use crate::web::i18n::Lang;
use crate::web::page::PageCtx;
use crate::web::routes::Routes;

pub fn pages() -> Routes {
    Routes::new()
        .route("/office", get(queue))
        .route("/office/applications/{id}", get(view))
        .route("/office/applications/{id}/take", post(take))
        .route("/office/applications/{id}/ask", post(ask))
        .route("/office/applications/{id}/complete", post(complete))
        .route("/office/applications/{id}/reject", post(reject))
        .route("/office/applications/{id}/note", post(note))
        .route("/office/applications/{id}/files/{file_id}", get(file))
}

const PAGE: i64 = 50;

/// The statuses the queue has tabs for.
const TABS: [Status; 5] = [
    Status::Accepted,
    Status::InReview,
    Status::AwaitingCitizen,
    Status::Done,
    Status::Rejected,
];

#[derive(Deserialize, Default)]
struct QueueQuery {
    agency: Option<String>,
    status: Option<String>,
    service: Option<String>,
    /// `mine`, `free` or empty (all).
    who: Option<String>,
    /// `YYYY-MM-DD~id` of the last line of the previous page.
    after: Option<String>,
}

pub struct QueueLine {
    pub id: String,
    pub number: String,
    pub service: String,
    pub received: String,
    pub due: String,
    pub overdue: bool,
    pub assignee: String,
}

/// A tab's count stops here and reads «999+».
const COUNTED_UP_TO: i64 = 1000;

fn shown_count(n: i64) -> String {
    if n >= COUNTED_UP_TO {
        format!("{}+", COUNTED_UP_TO - 1)
    } else {
        n.to_string()
    }
}

pub struct Tab {
    pub code: &'static str,
    pub text: &'static str,
    /// How many there are, for the open statuses.
    pub count: Option<String>,
    pub current: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "features/applications/office_queue.html")]
struct QueuePage {
    page: PageCtx,
    ru: bool,
    agencies: Vec<(String, String)>,
    agency: String,
    tabs: Vec<Tab>,
    status: String,
    services: Vec<(String, String)>,
    service: String,
    who: String,
    lines: Vec<QueueLine>,
    next: Option<String>,
}

async fn officer_of(state: &AppState, user: &SignedIn) -> Result<Officer, PageError> {
    Ok(office::officer(state, user.user()).await?)
}

fn day(iso: Option<&str>) -> String {
    iso.and_then(|d| d.parse::<jiff::civil::Date>().ok())
        .map(|d| d.strftime("%d.%m.%Y").to_string())
        .unwrap_or_default()
}

async fn queue(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
    Query(q): Query<QueueQuery>,
) -> Result<QueuePage, PageError> {
    let officer = officer_of(&state, &user).await?;
    let lang = page.lang;
    let me = user.user();
    let catalogue = Catalogue::current(&state).await?;
    let agency = q
        .agency
        .filter(|a| officer.agencies.contains(a))
        .unwrap_or_else(|| officer.agencies[0].clone());
    let status = q
        .status
        .as_deref()
        .and_then(Status::from_code)
        .filter(|s| TABS.contains(s))
        .unwrap_or(Status::Accepted);
    let service = q
        .service
        .filter(|s| catalogue.get(s).is_some_and(|e| e.service.agency == agency));
    let who = q.who.unwrap_or_default();
    let after = q.after.as_deref().and_then(repo::parse_queue_cursor);
    let filter = QueueFilter {
        agency_code: agency.clone(),
        status: status.code().to_owned(),
        service_code: service.clone(),
        assignee_id: (who == "mine").then(|| me.id.clone()),
        unassigned: who == "free",
        after,
    };
    let mut rows = repo::queue(&state.db, &filter, PAGE + 1).await?;
    let more = rows.len() > PAGE as usize;
    rows.truncate(PAGE as usize);
    let counts = repo::queue_counts(&state.db, &agency, COUNTED_UP_TO).await?;
    let today = local_time::today(state.now(), &me.time_zone).to_string();
    let next = more.then(|| rows.last()).flatten().map(repo::queue_cursor);
    let lines = rows
        .iter()
        .map(|r| QueueLine {
            id: r.id.clone(),
            number: super::service::shown_number(r),
            service: catalogue
                .get(&r.service_code)
                .map(|e| said(&e.service.name, lang))
                .unwrap_or_else(|| r.service_code.clone()),
            received: r
                .submitted_at
                .map(|at| local_time::day_shown(at, &me.time_zone))
                .unwrap_or_default(),
            due: day(r.due_on.as_deref()),
            overdue: !status.is_final() && r.due_on.as_deref().is_some_and(|d| d < today.as_str()),
            assignee: match &r.assignee_id {
                Some(a) if *a == me.id => lang.pick("вы", "you").to_owned(),
                Some(a) if a.starts_with(store::agency_systems::KEY_ID_PREFIX) => lang
                    .pick("система ведомства", "the agency's system")
                    .to_owned(),
                Some(_) => lang.pick("другой сотрудник", "another officer").to_owned(),
                None => lang.pick("свободно", "free").to_owned(),
            },
        })
        .collect();
    Ok(QueuePage {
        ru: lang == Lang::Ru,
        agencies: officer
            .agencies
            .iter()
            .map(|a| {
                (
                    a.clone(),
                    catalogue
                        .agency(a)
                        .map(|x| said(&x.short, lang))
                        .unwrap_or_else(|| a.clone()),
                )
            })
            .collect(),
        tabs: TABS
            .iter()
            .map(|s| Tab {
                code: s.code(),
                text: status_tag(*s, lang).text,
                count: counts
                    .iter()
                    .find(|(c, _)| c == s.code())
                    .map(|(_, n)| shown_count(*n)),
                current: *s == status,
            })
            .collect(),
        status: status.code().to_owned(),
        services: catalogue
            .services
            .iter()
            .filter(|e| e.service.agency == agency)
            .map(|e| (e.service.code.clone(), said(&e.service.name, lang)))
            .collect(),
        service: service.unwrap_or_default(),
        agency,
        who,
        lines,
        next,
        page,
    })
}

pub struct Dialog {
    pub when: String,
    pub who: String,
    pub body: String,
    pub files: Vec<(String, String)>,
}

pub struct AgencyJournal {
    pub when: String,
    pub what: String,
    pub status: StatusTag,
    pub comment: Option<String>,
    pub note: Option<String>,
}

pub struct StepView {
    pub title: String,
    pub answers: Vec<ShownAnswer>,
}

/// A field of the result document's form.
pub struct ResultField {
    pub name: String,
    pub label: String,
    pub value: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "features/applications/office_application.html")]
struct ApplicationPage {
    page: PageCtx,
    ru: bool,
    id: String,
    number: String,
    service: String,
    applicant: String,
    status: StatusTag,
    received: String,
    due: String,
    steps: Vec<StepView>,
    files: Vec<(String, String)>,
    dialog: Vec<Dialog>,
    journal: Vec<AgencyJournal>,
    can_take: bool,
    mine: bool,
    can_ask: bool,
    can_complete: bool,
    can_reject: bool,
    result_kind: String,
    result_fields: Vec<ResultField>,
    errors: FormErrors,
    held_by_other: bool,
    versions: super::reply::Versions,
}

/// The words typed into the officer's forms.
#[derive(Deserialize, Default, Clone)]
struct MoveForm {
    #[serde(default)]
    what: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    issued_on: String,
    #[serde(default)]
    issuer: String,
    #[serde(flatten)]
    rest: std::collections::BTreeMap<String, String>,
    /// The result document as the completion describes it (made from the fields above).
    #[serde(skip)]
    result: Option<DocumentInput>,
}

async fn application_page(
    state: &AppState,
    officer: &Officer,
    app: &Loaded,
    typed: Option<&MoveForm>,
    errors: FormErrors,
    page: PageCtx,
) -> Result<ApplicationPage, PageError> {
    let lang = page.lang;
    let tz = &officer.time_zone;
    let id = app.row.id.clone();
    let mut conn = state.db.connection().await?;
    let files = repo::all_files(&mut conn, &id).await?;
    let messages = repo::messages(&mut conn, &id).await?;
    let events = repo::agency_events(&mut conn, &id).await?;
    let versions = repo::versions(&mut conn, &id).await?;
    let latest = versions.last().map_or(1, |v| v.version);
    let current = repo::files(&mut conn, &id, latest).await?;
    drop(conn);
    let link = |f: &store::applications::AttachedFile| {
        (
            format!("/office/applications/{id}/files/{}", f.file_id),
            f.name.clone(),
        )
    };
    let name_of = |file_id: &str| {
        files
            .iter()
            .find(|f| f.file_id == file_id)
            .map(|f| f.name.clone())
    };
    let steps = app
        .steps()
        .into_iter()
        .map(|s| StepView {
            title: said(&s.title, lang),
            answers: shown_answers(s, &app.answers, &name_of, lang),
        })
        .collect();
    let dialog = messages
        .iter()
        .map(|m| Dialog {
            when: local_time::shown(m.at, tz),
            who: match m.party.as_str() {
                "citizen" => lang.pick("Заявитель", "Applicant").to_owned(),
                _ => lang.pick("Ведомство", "Agency").to_owned(),
            },
            body: m.body.clone(),
            files: files
                .iter()
                .filter(|f| f.field == format!("message:{}", m.id))
                .map(link)
                .collect(),
        })
        .collect();
    let journal = events
        .iter()
        .map(|e| AgencyJournal {
            when: local_time::shown(e.at, tz),
            what: event_words(&e.kind, lang).to_owned(),
            status: status_tag(
                Status::from_code(&e.status).unwrap_or(Status::Accepted),
                lang,
            ),
            comment: e.comment.clone(),
            note: e.internal_note.clone(),
        })
        .collect();
    let mine = app.row.assignee_id.as_deref() == Some(officer.id.as_str());
    let allowed = domain::applications::status::allowed(app.status, Party::Agency);
    let (result_kind, result_fields) = result_form(state, app, typed, lang).await?;
    let a = &app.answers;
    let applicant = [a.get("surname"), a.get("given_name"), a.get("patronymic")]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" ");
    Ok(ApplicationPage {
        ru: lang == Lang::Ru,
        number: app.shown_number(),
        service: said(&app.service.name, lang),
        applicant,
        status: status_tag(app.status, lang),
        received: app
            .row
            .submitted_at
            .map(|at| local_time::shown(at, tz))
            .unwrap_or_default(),
        due: day(app.row.due_on.as_deref()),
        steps,
        files: current
            .iter()
            .filter(|f| !f.field.starts_with("message:"))
            .map(link)
            .collect(),
        versions: super::reply::shown_versions(&app.form, &versions, &name_of, tz, lang),
        dialog,
        journal,
        can_take: allowed.contains(&Event::Take) && app.row.assignee_id.is_none(),
        held_by_other: app.row.assignee_id.is_some() && !mine,
        can_ask: mine && allowed.contains(&Event::AskCitizen),
        can_complete: mine && allowed.contains(&Event::Complete),
        can_reject: mine && allowed.contains(&Event::Reject),
        mine,
        result_kind,
        result_fields,
        errors,
        id,
        page,
    })
}

fn event_words(kind: &str, lang: Lang) -> &'static str {
    let (ru, en) = match kind {
        "submitted" => ("Подано заявителем", "Submitted by the applicant"),
        "viewed" => ("Просмотрено сотрудником", "Viewed by an officer"),
        "taken" => ("Взято в работу", "Taken"),
        "asked" => ("Запрошено уточнение", "More asked for"),
        "answered" => ("Заявитель ответил", "The applicant answered"),
        "corrected" => (
            "Заявитель исправил ответы (новая версия)",
            "The applicant corrected the answers (a new version)",
        ),
        "completed" => ("Исполнено", "Completed"),
        "rejected" => ("Отказано", "Rejected"),
        "withdrawn" => ("Отозвано заявителем", "Withdrawn by the applicant"),
        "note" => ("Служебная заметка", "Internal note"),
        _ => ("Событие", "Event"),
    };
    lang.pick(ru, en)
}

/// The result document's form: its kind's fields, filled from what was typed, else from the
/// answers and the citizen's profile.
async fn result_form(
    state: &AppState,
    app: &Loaded,
    typed: Option<&MoveForm>,
    lang: Lang,
) -> Result<(String, Vec<ResultField>), PageError> {
    let Outcome::Document { kind, .. } = &app.service.outcome else {
        return Ok((String::new(), Vec::new()));
    };
    let catalogue = crate::features::documents::catalogue::Catalogue::load(&state.db).await?;
    let Some(kind) = catalogue.get(kind) else {
        return Ok((String::new(), Vec::new()));
    };
    let owner = store::users::profile(&state.db, &app.row.owner_id).await?;
    let base = owner
        .as_ref()
        .map(|p| crate::features::documents::service::prefilled(kind, p))
        .unwrap_or_default();
    let pick = |name: &str, from_base: String| -> String {
        typed
            .and_then(|t| match name {
                "number" => Some(t.number.clone()),
                "issued_on" => Some(t.issued_on.clone()),
                "issuer" => Some(t.issuer.clone()),
                other => t.rest.get(&format!("field_{other}")).cloned(),
            })
            .or_else(|| {
                app.answers
                    .get(name)
                    .cloned()
                    .filter(|_| !matches!(name, "number" | "issued_on" | "issuer"))
            })
            .unwrap_or(from_base)
    };
    let mut fields = vec![
        ResultField {
            name: "number".into(),
            label: lang
                .pick(
                    "Серия и номер нового документа",
                    "Series and number of the new document",
                )
                .into(),
            value: pick("number", String::new()),
        },
        ResultField {
            name: "issued_on".into(),
            label: lang.pick("Дата выдачи", "Date of issue").into(),
            value: pick("issued_on", String::new()),
        },
        ResultField {
            name: "issuer".into(),
            label: lang.pick("Кем выдан", "Issued by").into(),
            value: pick("issuer", String::new()),
        },
    ];
    for spec in kind.fields() {
        fields.push(ResultField {
            name: format!("field_{}", spec.key),
            label: lang.pick(spec.label_ru, spec.label_en).to_owned(),
            value: pick(
                spec.key,
                base.fields.get(spec.key).cloned().unwrap_or_default(),
            ),
        });
    }
    Ok((kind.name(lang).to_owned(), fields))
}

async fn view(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    page: PageCtx,
    Path(id): Path<String>,
) -> Result<ApplicationPage, PageError> {
    let officer = officer_of(&state, &user).await?;
    let app = office::open(&state, &officer, &id, &meta).await?;
    application_page(&state, &officer, &app, None, FormErrors::default(), page).await
}

/// What a move's handler received.
struct Call {
    state: AppState,
    meta: RequestMeta,
    user: SignedIn,
    page: PageCtx,
}

/// Makes a move and comes back to the page; refused words are shown on it, kept.
async fn act(
    call: Call,
    id: String,
    form: MoveForm,
    words_field: &'static str,
    make: impl FnOnce(&MoveForm) -> Move<'_>,
) -> Result<Response, PageError> {
    let Call {
        state,
        meta,
        user,
        page,
    } = call;
    let officer = officer_of(&state, &user).await?;
    let app = office::peek(&state, &officer, &id).await?;
    let lang = page.lang;
    let note = Some(form.note.as_str());
    let result = office::make(&state, &officer, &app, make(&form), note, &meta).await;
    let mut errors = FormErrors::default();
    match result {
        Ok(()) => return Ok(Redirect::to(&format!("/office/applications/{id}")).into_response()),
        Err(ApplicationError::Incomplete(Missing::Words)) => errors.push(
            words_field,
            lang.pick(
                "Напишите, что нужно заявителю или почему отказано",
                "Write what the applicant must do, or why it is refused",
            ),
        ),
        Err(ApplicationError::Incomplete(Missing::Result)) => errors.push(
            "number",
            lang.pick("Укажите сведения нового документа", "Describe the new document"),
        ),
        Err(ApplicationError::Result(problems)) => {
            for p in problems {
                let name = if p.kind_field {
                    format!("field_{}", p.field)
                } else {
                    p.field.to_owned()
                };
                errors.push(name, p.text.get(lang));
            }
        }
        Err(ApplicationError::Conflict | ApplicationError::NotAllowed(_)) => errors.push(
            "status",
            lang.pick(
                "Заявление уже изменено — другим сотрудником или заявителем. Обновите страницу.",
                "The application was changed meanwhile, by another officer or the applicant. Reload the page.",
            ),
        ),
        Err(e) => return Err(e.into()),
    }
    let fresh = office::peek(&state, &officer, &id).await?;
    let body = application_page(&state, &officer, &fresh, Some(&form), errors, page).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
}

async fn take(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    page: PageCtx,
    Path(id): Path<String>,
    Form(form): Form<MoveForm>,
) -> Result<Response, PageError> {
    act(
        Call {
            state,
            meta,
            user,
            page,
        },
        id,
        form,
        "what",
        |_| Move::Take,
    )
    .await
}

async fn ask(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    page: PageCtx,
    Path(id): Path<String>,
    Form(form): Form<MoveForm>,
) -> Result<Response, PageError> {
    act(
        Call {
            state,
            meta,
            user,
            page,
        },
        id,
        form,
        "what",
        |f| Move::Ask { what: &f.what },
    )
    .await
}

async fn reject(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    page: PageCtx,
    Path(id): Path<String>,
    Form(form): Form<MoveForm>,
) -> Result<Response, PageError> {
    act(
        Call {
            state,
            meta,
            user,
            page,
        },
        id,
        form,
        "reason",
        |f| Move::Reject { reason: &f.reason },
    )
    .await
}

async fn complete(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    page: PageCtx,
    Path(id): Path<String>,
    Form(mut form): Form<MoveForm>,
) -> Result<Response, PageError> {
    let input = DocumentInput {
        number: form.number.clone(),
        issued_on: form.issued_on.clone(),
        issuer: form.issuer.clone(),
        fields: form
            .rest
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("field_")?.to_owned(), v.clone())))
            .collect(),
        ..DocumentInput::default()
    };
    let described = !(input.number.trim().is_empty() && input.issued_on.trim().is_empty());
    form.result = described.then_some(input);
    act(
        Call {
            state,
            meta,
            user,
            page,
        },
        id,
        form,
        "comment",
        |f| Move::Complete {
            comment: &f.comment,
            result: f.result.as_ref(),
        },
    )
    .await
}

async fn note(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    page: PageCtx,
    Path(id): Path<String>,
    Form(form): Form<MoveForm>,
) -> Result<Response, PageError> {
    let officer = officer_of(&state, &user).await?;
    let app = office::peek(&state, &officer, &id).await?;
    match office::note(&state, &officer, &app, &form.note, &meta).await {
        Ok(()) => Ok(Redirect::to(&format!("/office/applications/{id}")).into_response()),
        Err(ApplicationError::Incomplete(_)) => {
            let lang = page.lang;
            let errors = FormErrors::one(
                "note",
                crate::web::i18n::Msg::new("Напишите заметку", "Write the note"),
                lang,
            );
            let body = application_page(&state, &officer, &app, Some(&form), errors, page).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn file(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    Path((id, file_id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let officer = officer_of(&state, &user).await?;
    let app = office::peek(&state, &officer, &id).await?;
    let (file, stream) = office::file(&state, &officer, &app, &file_id, &meta).await?;
    Ok(office::file_response(&file, stream))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_tab_reads_999_plus_instead_of_counting_every_row() {
        assert_eq!(shown_count(0), "0");
        assert_eq!(shown_count(999), "999");
        assert_eq!(shown_count(1000), "999+");
    }
}
