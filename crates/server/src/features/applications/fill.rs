//! Filling an application, one group of questions per page (the GOV.UK pattern): «Подать
//! заявление» on a service starts a prefilled draft; each step saves as it is sent and goes on
//! when its answers pass; back links keep the answers; «Проверьте ответы» shows everything with
//! «Изменить» links, then the simple signature submits it.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::applications::catalogue::Level;
use domain::applications::form::{Answers, Problems, Step};
use serde::Deserialize;

use super::controls::{
    Control, Drawn, ShownAnswer, inner_field, problem_text, said, shown_answers,
};
use super::reply::{self, Change};
use super::service::{self, ApplicationError, Editing, Loaded, Saved, Signature};
use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::context::RequestMeta;
use crate::web::errors::PageError;
use crate::web::forms::FormErrors;
use crate::web::i18n::{Lang, Msg};
use crate::web::page::PageCtx;
use crate::web::routes::Routes;

pub fn pages() -> Routes {
    Routes::new()
        .route("/services/{code}/apply", post(start))
        .route("/applications/{id}/resume", get(resume))
        .route(
            "/applications/{id}/steps/{step}",
            get(step_page).post(step_submit),
        )
        .route("/applications/{id}/steps/{step}/check", post(step_check))
        .route("/applications/{id}/check", get(check_page))
        .attempt("/applications/{id}/submit", post(submit))
        .route("/applications/{id}/delete", post(delete))
        .route("/applications/{id}/correct", post(begin_correction))
        .route("/applications/{id}/correct/cancel", post(cancel_correction))
}

impl From<ApplicationError> for PageError {
    fn from(e: ApplicationError) -> Self {
        match e {
            ApplicationError::NotFound => PageError::NotFound,
            ApplicationError::Forbidden => PageError::Forbidden,
            ApplicationError::Store(e) => e.into(),
            ApplicationError::Security(e) => e.into(),
            other => PageError::internal(other),
        }
    }
}

pub struct Texts {
    pub errors_heading: &'static str,
    pub back: &'static str,
    pub go_on: &'static str,
    pub add_row: &'static str,
    pub row: &'static str,
    pub prefilled: &'static str,
    pub optional: &'static str,
    pub no_files: &'static str,
    pub add_document: &'static str,
    pub step_of: &'static str,
    pub check_title: &'static str,
    pub check_intro: &'static str,
    pub change: &'static str,
    pub sign_title: &'static str,
    pub sign_intro: &'static str,
    pub password: &'static str,
    pub code: &'static str,
    pub code_hint: &'static str,
    pub submit: &'static str,
    pub not_ready: &'static str,
    pub delete: &'static str,
    pub saved_note: &'static str,
    pub conflict: &'static str,
    pub correction_title: &'static str,
    pub correction_intro: &'static str,
    pub changes_heading: &'static str,
    pub no_changes: &'static str,
    pub was: &'static str,
    pub now: &'static str,
    pub comment: &'static str,
    pub comment_hint: &'static str,
    pub correction_sign_intro: &'static str,
    pub submit_correction: &'static str,
    pub cancel_correction: &'static str,
    pub save_template: &'static str,
}

static RU: Texts = Texts {
    errors_heading: "Исправьте ошибки",
    back: "Назад",
    go_on: "Продолжить",
    add_row: "Сохранить и добавить ещё",
    row: "Запись",
    prefilled: "заполнено из профиля и документов",
    optional: "необязательно",
    no_files: "В «Моих документах» пока нет файлов.",
    add_document: "Добавить документ в «Мои документы»",
    step_of: "Шаг",
    check_title: "Проверьте ответы",
    check_intro: "Проверьте сведения перед отправкой. Отправленное заявление изменить нельзя — только по запросу ведомства.",
    change: "Изменить",
    sign_title: "Подпишите и отправьте",
    sign_intro: "Простая электронная подпись: введите пароль от кабинета. Заявление будет подписано и отправлено в ведомство.",
    password: "Пароль от кабинета",
    code: "Код подтверждения",
    code_hint: "Из приложения-аутентификатора или SMS; или код восстановления",
    submit: "Подписать и отправить",
    not_ready: "Заявление ещё не готово к отправке",
    delete: "Удалить черновик",
    saved_note: "Черновик сохраняется на каждом шаге и хранится 60 дней.",
    conflict: "Черновик изменён в другой вкладке. Показаны сохранённые ответы — проверьте их.",
    correction_title: "Исправьте ответы",
    correction_intro: "Ведомство ждёт уточнения. Измените нужные ответы и подпишите исправления: ведомство получит новую версию заявления, прежняя останется в его истории.",
    changes_heading: "Что изменится",
    no_changes: "Пока ни один ответ не изменён. Нажмите «Изменить» у ответа, который нужно исправить.",
    was: "Было",
    now: "Стало",
    comment: "Комментарий для ведомства",
    comment_hint: "Необязательно. Например, что именно вы исправили.",
    correction_sign_intro: "Простая электронная подпись: введите пароль от кабинета. Исправленная версия будет подписана и отправлена в ведомство.",
    submit_correction: "Подписать и отправить исправления",
    cancel_correction: "Отменить исправление",
    save_template: "Сохранить ответы как шаблон",
};

static EN: Texts = Texts {
    errors_heading: "There is a problem",
    back: "Back",
    go_on: "Continue",
    add_row: "Save and add another",
    row: "Entry",
    prefilled: "filled in from your profile and documents",
    optional: "optional",
    no_files: "There are no files in My documents yet.",
    add_document: "Add a document to My documents",
    step_of: "Step",
    check_title: "Check your answers",
    check_intro: "Check the details before sending. A sent application cannot be changed, except when the agency asks.",
    change: "Change",
    sign_title: "Sign and send",
    sign_intro: "A simple electronic signature: enter your cabinet password. The application will be signed and sent to the agency.",
    password: "Cabinet password",
    code: "Confirmation code",
    code_hint: "From the authenticator app or the SMS; or a recovery code",
    submit: "Sign and send",
    not_ready: "The application is not ready to send yet",
    delete: "Delete the draft",
    saved_note: "The draft is saved at every step and kept for 60 days.",
    conflict: "The draft was changed in another tab. The saved answers are shown: check them.",
    correction_title: "Correct your answers",
    correction_intro: "The agency is waiting for a correction. Change the answers that need it and sign: the agency gets a new version of the application, and the earlier one stays in its history.",
    changes_heading: "What will change",
    no_changes: "No answer is changed yet. Choose «Change» beside the answer to correct.",
    was: "Was",
    now: "Now",
    comment: "A comment for the agency",
    comment_hint: "Optional. For example, what you corrected.",
    correction_sign_intro: "A simple electronic signature: enter your cabinet password. The corrected version will be signed and sent to the agency.",
    submit_correction: "Sign and send the correction",
    cancel_correction: "Cancel the correction",
    save_template: "Save the answers as a template",
};

fn texts(lang: Lang) -> &'static Texts {
    lang.pick(&RU, &EN)
}

/// Whether the citizen's identity level is enough for the service.
pub fn level_enough(profile_level: &str, needed: Level) -> bool {
    let rank = |l: &str| match l {
        "confirmed" => 2,
        "standard" => 1,
        _ => 0,
    };
    let needed = match needed {
        Level::Simplified => 0,
        Level::Standard => 1,
        Level::Confirmed => 2,
    };
    rank(profile_level) >= needed
}

pub const LEVEL_TOO_LOW: Msg = Msg::new(
    "Для этой услуги нужна стандартная или подтверждённая учётная запись. Укажите паспорт и СНИЛС в профиле — после проверки уровень повысится.",
    "This service needs a standard or confirmed account. Enter your passport and SNILS in the profile: once checked, the level rises.",
);

/// Starts a draft, or — when the citizen's identity level is below the service's — sends them to
/// the service's page, which says why and how to raise it.
pub async fn start_or_explain(
    state: &AppState,
    user: &store::users::UserSummary,
    code: &str,
    basis: service::Basis<'_>,
    meta: &RequestMeta,
) -> Result<Response, PageError> {
    match service::start(state, user, code, basis, meta).await {
        Ok(id) => Ok(Redirect::to(&format!("/applications/{id}/resume")).into_response()),
        Err(ApplicationError::LevelTooLow) => {
            Ok(Redirect::to(&format!("/services/{code}?level=1")).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
struct StartForm {
    /// «Заполнить по шаблону»: the citizen's template of this service.
    template: Option<String>,
}

async fn start(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    Path(code): Path<String>,
    Form(form): Form<StartForm>,
) -> Result<Response, PageError> {
    // Someone else's template is not found, whatever the level.
    let template = match form.template.as_deref().filter(|t| !t.is_empty()) {
        Some(tid) => Some((
            tid,
            super::templates::template_answers(&state, &user.user().id, tid, &code).await?,
        )),
        None => None,
    };
    let basis = match &template {
        Some((id, answers)) => service::Basis::Template { id, answers },
        None => service::Basis::Blank,
    };
    start_or_explain(&state, user.user(), &code, basis, &meta).await
}

/// Where a draft goes on: the first step whose answers do not pass, or the check page.
async fn resume(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let app = service::load(&state, &user.user().id, &id).await?;
    if app.editing() != Some(Editing::Draft) {
        return Ok(Redirect::to(&not_editing(&app)).into_response());
    }
    let target = app
        .edited_steps()
        .into_iter()
        .find(|s| app.form.check_step(s, app.edited()).is_err())
        .map_or_else(
            || format!("/applications/{id}/check"),
            |s| format!("/applications/{id}/steps/{}", s.id),
        );
    Ok(Redirect::to(&target).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "features/applications/step.html")]
struct StepPage {
    page: PageCtx,
    t: &'static Texts,
    id: String,
    step_id: String,
    service: String,
    title: String,
    position: String,
    controls: Vec<Control>,
    errors: FormErrors,
    back: String,
    from_check: bool,
    conflict: bool,
}

#[derive(Deserialize, Default)]
struct StepQuery {
    /// `check`: came from «Проверьте ответы», goes back there.
    back: Option<String>,
}

fn draw_step(
    app: &Loaded,
    step: &Step,
    answers: &Answers,
    problems: &Problems,
    files: &[store::applications::Choosable],
    from_check: bool,
    page: PageCtx,
) -> StepPage {
    let lang = page.lang;
    let steps = app.form.shown_steps(answers).collect::<Vec<_>>();
    let index = steps.iter().position(|s| s.id == step.id).unwrap_or(0);
    let id = app.row.id.clone();
    let back = if from_check {
        format!("/applications/{id}/check")
    } else if index == 0 {
        format!("/services/{}", app.row.service_code)
    } else {
        format!("/applications/{id}/steps/{}", steps[index - 1].id)
    };
    let drawn = Drawn {
        answers,
        problems,
        prefilled: &app.prefilled,
        files,
        lang,
    };
    let controls = drawn.step(step);
    let mut errors = FormErrors::default();
    for c in &controls {
        if let Some(e) = &c.error {
            errors.push(c.name.clone(), e);
        }
        for row in &c.rows {
            for inner in row {
                if let Some(e) = &inner.error {
                    errors.push(inner.name.clone(), e);
                }
            }
        }
    }
    // A problem of the group itself (too many rows, none given) points at its first input.
    for (name, problem) in problems {
        if let Some(field) = step.fields.iter().find(|f| f.name == *name)
            && matches!(field.kind, domain::applications::form::Kind::Group { .. })
        {
            errors.push(
                format!("{name}.0.{}", first_inner(field)),
                &problem_text(*problem, field, lang),
            );
        }
    }
    StepPage {
        t: texts(lang),
        service: said(&app.service.name, lang),
        title: said(&step.title, lang),
        position: format!("{} {} / {}", texts(lang).step_of, index + 1, steps.len()),
        controls,
        errors,
        back,
        from_check,
        conflict: false,
        step_id: step.id.clone(),
        id,
        page,
    }
}

fn first_inner(group: &domain::applications::form::Field) -> String {
    match &group.kind {
        domain::applications::form::Kind::Group { fields, .. } => {
            fields.first().map(|f| f.name.clone()).unwrap_or_default()
        }
        _ => String::new(),
    }
}

/// Where a page of filling in goes when there is nothing to fill: the application's page.
fn not_editing(app: &Loaded) -> String {
    format!("/applications/{}", app.row.id)
}

/// The step the address names, if the answers being filled in show it.
fn shown_step<'a>(app: &'a Loaded, step: &str) -> Result<&'a Step, PageError> {
    app.edited_steps()
        .into_iter()
        .find(|s| s.id == step)
        .ok_or(PageError::NotFound)
}

async fn step_page(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
    Path((id, step)): Path<(String, String)>,
    Query(q): Query<StepQuery>,
) -> Result<Response, PageError> {
    let app = service::load(&state, &user.user().id, &id).await?;
    let Some(editing) = app.editing() else {
        return Ok(Redirect::to(&not_editing(&app)).into_response());
    };
    let step = shown_step(&app, &step)?;
    let files = service::choosable(&state, &user.user().id).await?;
    // A correction is made from its check page, and each step returns there.
    let from_check = q.back.as_deref() == Some("check") || editing == Editing::Correction;
    Ok(draw_step(
        &app,
        step,
        app.edited(),
        &Vec::new(),
        &files,
        from_check,
        page,
    )
    .into_response())
}

/// The fields of a posted step: repeated names (a files field's boxes) are joined by commas.
fn typed(pairs: Vec<(String, String)>) -> Answers {
    let mut out = Answers::new();
    for (k, v) in pairs {
        if k.starts_with('_') {
            continue;
        }
        out.entry(k)
            .and_modify(|old: &mut String| {
                old.push(',');
                old.push_str(&v);
            })
            .or_insert(v);
    }
    out
}

async fn step_submit(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    page: PageCtx,
    Path((id, step_id)): Path<(String, String)>,
    Query(q): Query<StepQuery>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let more = pairs.iter().any(|(k, v)| k == "_then" && v == "more");
    let answers = typed(pairs);
    let app = service::load(&state, &user.user().id, &id).await?;
    let Some(editing) = app.editing() else {
        return Ok(Redirect::to(&not_editing(&app)).into_response());
    };
    let from_check = q.back.as_deref() == Some("check") || editing == Editing::Correction;
    let step = shown_step(&app, &step_id)?;
    let files = service::choosable(&state, &user.user().id).await?;
    match service::save_step(&state, user.user(), &app, step, &answers, &meta).await {
        Ok(Saved::Passed) => {}
        Ok(Saved::Problems(problems)) => {
            let mut shown = app.edited().clone();
            shown.retain(|k, _| !answers.contains_key(k));
            shown.extend(answers);
            let body = draw_step(&app, step, &shown, &problems, &files, from_check, page);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
        }
        Err(ApplicationError::Conflict) => {
            let fresh = service::load(&state, &user.user().id, &id).await?;
            let step = shown_step(&fresh, &step_id)?;
            let mut body = draw_step(
                &fresh,
                step,
                fresh.edited(),
                &Vec::new(),
                &files,
                from_check,
                page,
            );
            body.conflict = true;
            return Ok((StatusCode::CONFLICT, body).into_response());
        }
        Err(ApplicationError::NotDraft) => {
            return Ok(Redirect::to(&format!("/applications/{id}")).into_response());
        }
        Err(e) => return Err(e.into()),
    }
    if more {
        let q = if from_check { "?back=check" } else { "" };
        return Ok(Redirect::to(&format!("/applications/{id}/steps/{step_id}{q}")).into_response());
    }
    if from_check {
        return Ok(Redirect::to(&format!("/applications/{id}/check")).into_response());
    }
    // The next step of the answers as saved (an answer may have shown or hidden steps).
    let saved = service::load(&state, &user.user().id, &id).await?;
    let steps = saved.edited_steps();
    let next = steps
        .iter()
        .position(|s| s.id == step_id)
        .and_then(|i| steps.get(i + 1));
    Ok(match next {
        Some(s) => Redirect::to(&format!("/applications/{id}/steps/{}", s.id)),
        None => Redirect::to(&format!("/applications/{id}/check")),
    }
    .into_response())
}

/// The live check of a step as it is filled in (`forms.js`): the problems its answers have now,
/// in the page's own words, keyed by field; nothing is saved. The server stays the authority:
/// sending the step checks it again.
async fn step_check(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
    Path((id, step_id)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let answers = typed(pairs);
    let app = service::load(&state, &user.user().id, &id).await?;
    if app.editing().is_none() {
        return Err(PageError::NotFound);
    }
    let step = shown_step(&app, &step_id)?;
    let problems = service::step_problems(&app, step, &answers);
    let mut shown = app.edited().clone();
    shown.retain(|k, _| !answers.contains_key(k));
    shown.extend(answers);
    let drawn = draw_step(&app, step, &shown, &problems, &[], false, page);
    let found: serde_json::Map<String, serde_json::Value> = drawn
        .errors
        .items()
        .iter()
        .map(|(field, text)| (field.to_string(), serde_json::Value::from(text.as_str())))
        .collect();
    Ok(axum::Json(serde_json::json!({ "problems": found })).into_response())
}

/// One step on the check page.
pub struct CheckedStep {
    pub id: String,
    pub title: String,
    pub answers: Vec<ShownAnswer>,
}

#[derive(Template, WebTemplate)]
#[template(path = "features/applications/check.html")]
struct CheckPage {
    page: PageCtx,
    t: &'static Texts,
    id: String,
    service: String,
    steps: Vec<CheckedStep>,
    /// What still stops the submission, each with the step to fix it on.
    missing: Vec<(String, String)>,
    errors: FormErrors,
    second_factor: bool,
    back: String,
    /// Correcting the answers the agency waits on: what changed so far, and the words sent with
    /// it (kept when the signature fails).
    correction: Option<CorrectionView>,
}

pub struct CorrectionView {
    pub changes: Vec<Change>,
    pub comment: String,
}

async fn check_view(
    state: &AppState,
    user: &SignedIn,
    app: &Loaded,
    errors: FormErrors,
    comment: String,
    page: PageCtx,
) -> Result<CheckPage, PageError> {
    let lang = page.lang;
    let files = service::choosable(state, &user.user().id).await?;
    let name_of = |id: &str| {
        files
            .iter()
            .find(|f| f.file_id == id)
            .map(|f| format!("{} — {}", f.document_title, f.name))
    };
    let shown = app.edited_steps();
    let steps = shown
        .iter()
        .map(|s| CheckedStep {
            id: s.id.clone(),
            title: said(&s.title, lang),
            answers: shown_answers(s, app.edited(), &name_of, lang),
        })
        .collect();
    let correction = (app.editing() == Some(Editing::Correction)).then(|| CorrectionView {
        changes: reply::changes(&app.form, &app.answers, app.edited(), &name_of, lang),
        comment,
    });
    let mut missing = Vec::new();
    for s in &shown {
        if let Err(problems) = app.form.check_step(s, app.edited()) {
            for (name, problem) in problems {
                let base = name.split('.').next().unwrap_or_default();
                let field = s.fields.iter().find(|f| f.name == base);
                let text = match field {
                    Some(f) => problem_text(problem, inner_field(f, &name).unwrap_or(f), lang),
                    None => name.clone(),
                };
                missing.push((
                    format!("/applications/{}/steps/{}?back=check", app.row.id, s.id),
                    text,
                ));
            }
        }
    }
    let second_factor = crate::features::security::service::chosen(state, &user.user().id)
        .await?
        .is_some();
    Ok(CheckPage {
        t: texts(lang),
        id: app.row.id.clone(),
        service: said(&app.service.name, lang),
        back: match &correction {
            Some(_) => not_editing(app),
            None => shown
                .last()
                .map(|s| format!("/applications/{}/steps/{}", app.row.id, s.id))
                .unwrap_or_default(),
        },
        correction,
        steps,
        missing,
        errors,
        second_factor,
        page,
    })
}

async fn check_page(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let app = service::load(&state, &user.user().id, &id).await?;
    if app.editing().is_none() {
        return Ok(Redirect::to(&not_editing(&app)).into_response());
    }
    Ok(check_view(
        &state,
        &user,
        &app,
        FormErrors::default(),
        String::new(),
        page,
    )
    .await?
    .into_response())
}

#[derive(Deserialize)]
struct SignForm {
    #[serde(default)]
    password: String,
    code: Option<String>,
    /// Words sent with a correction.
    #[serde(default)]
    comment: String,
}

async fn submit(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    page: PageCtx,
    Path(id): Path<String>,
    Form(form): Form<SignForm>,
) -> Result<Response, PageError> {
    let lang = page.lang;
    let app = service::load(&state, &user.user().id, &id).await?;
    let Some(editing) = app.editing() else {
        return Ok(Redirect::to(&not_editing(&app)).into_response());
    };
    let mut errors = FormErrors::default();
    if form.password.is_empty() {
        errors.push(
            "password",
            lang.pick("Введите пароль от кабинета", "Enter your cabinet password"),
        );
    }
    if errors.is_empty() {
        let signature = Signature {
            by: crate::features::security::service::Confirming::Session(&user.0.id),
            password: &form.password,
            code: form.code.as_deref().filter(|c| !c.trim().is_empty()),
        };
        let sent = match editing {
            Editing::Draft => service::submit(&state, user.user(), &app, &signature, &meta)
                .await
                .map(|done| format!("/applications/{id}?submitted={}", done.number.plain())),
            Editing::Correction => {
                reply::correct(&state, user.user(), &app, &signature, &form.comment, &meta)
                    .await
                    .map(|version| format!("/applications/{id}?corrected={version}"))
            }
        };
        match sent {
            Ok(to) => return Ok(Redirect::to(&to).into_response()),
            Err(ApplicationError::Unchanged) => errors.push(
                "changes",
                lang.pick(
                    "Вы не изменили ни одного ответа: измените ответ или отмените исправление",
                    "You changed no answer: change one, or cancel the correction",
                ),
            ),
            Err(ApplicationError::TooLong) => errors.push(
                "comment",
                lang.pick(
                    "Комментарий слишком длинный: не больше 5000 знаков",
                    "The comment is too long: 5000 characters at most",
                ),
            ),
            Err(ApplicationError::Signature) => errors.push(
                "password",
                lang.pick(
                    "Пароль или код не подошли. Проверьте раскладку и попробуйте ещё раз",
                    "The password or the code did not match. Check the keyboard layout and try again",
                ),
            ),
            // The check page lists what is missing, with links to the steps.
            Err(ApplicationError::Invalid(_)) => {}
            Err(
                ApplicationError::Conflict
                | ApplicationError::NotDraft
                | ApplicationError::NotAllowed(_),
            ) => {
                return Ok(Redirect::to(&format!("/applications/{id}")).into_response());
            }
            Err(e) => return Err(e.into()),
        }
    }
    let body = check_view(&state, &user, &app, errors, form.comment, page).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
}

async fn delete(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    match service::delete_draft(&state, user.user(), &id, &meta).await {
        Ok(()) => Ok(Redirect::to("/applications?deleted=1").into_response()),
        Err(e) => Err(e.into()),
    }
}

async fn begin_correction(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let app = service::load(&state, &user.user().id, &id).await?;
    match reply::begin_correction(&state, user.user(), &app, &meta).await {
        Ok(()) => Ok(Redirect::to(&format!("/applications/{id}/check")).into_response()),
        // The agency moved on, or another tab began it: the page shows where it stands.
        Err(ApplicationError::NotAllowed(_) | ApplicationError::Conflict) => {
            Ok(Redirect::to(&not_editing(&app)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn cancel_correction(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let app = service::load(&state, &user.user().id, &id).await?;
    reply::cancel_correction(&state, user.user(), &app, &meta).await?;
    Ok(Redirect::to(&not_editing(&app)).into_response())
}
