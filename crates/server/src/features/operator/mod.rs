//! The operators' pages: the sandbox outbox, locked accounts, recovery requests and the
//! dead-letter list of the job queue. Only accounts with the operator role may open them.

mod audit_search;
mod bulletins;

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use store::audit::Action;
use store::audit::{self, Entry};
use store::jobs::{self, JobView};
use store::outbox::OutboxMessage;

use crate::local_time;
use crate::state::AppState;
use crate::web::auth::{Operator, SignedIn};
use crate::web::context::RequestInfo;
use crate::web::errors::PageError;
use crate::web::page::PageCtx;
use crate::web::routes::Routes;

pub fn feature() -> super::Feature {
    super::Feature::new("operator").pages(pages())
}

fn pages() -> Routes {
    Routes::new()
        .route("/operator", get(dashboard))
        .route("/operator/outbox", get(outbox))
        .route("/operator/locks", get(locks))
        .route("/operator/locks/{id}/unlock", post(unlock))
        .route("/operator/recovery", get(recovery))
        .route("/operator/jobs", get(dead_jobs))
        .route("/operator/jobs/{id}/retry", post(retry_job))
        .route("/operator/audit", get(audit_search::search))
        .route(
            "/operator/bulletins",
            get(bulletins::list).post(bulletins::publish),
        )
}

pub struct Texts {
    pub title: &'static str,
    pub outbox: &'static str,
    pub outbox_lead: &'static str,
    pub sandbox_banner: &'static str,
    pub sandbox_off: &'static str,
    pub recipient: &'static str,
    pub channel: &'static str,
    pub subject: &'static str,
    pub text: &'static str,
    pub time: &'static str,
    pub filter: &'static str,
    pub show: &'static str,
    pub empty: &'static str,
    pub locks: &'static str,
    pub locks_lead: &'static str,
    pub user: &'static str,
    pub locked_until: &'static str,
    pub unlock: &'static str,
    pub recovery: &'static str,
    pub recovery_lead: &'static str,
    pub status: &'static str,
    pub jobs: &'static str,
    pub jobs_lead: &'static str,
    pub kind: &'static str,
    pub attempts: &'static str,
    pub error: &'static str,
    pub retry: &'static str,
    pub kinds: &'static str,
    pub kinds_lead: &'static str,
}

static RU: Texts = Texts {
    title: "Администрирование",
    outbox: "Песочница: отправленные сообщения",
    outbox_lead: "SMS (и письма, если SMTP не настроен) не уходят наружу, а хранятся здесь. Так можно пройти регистрацию и вход на одной машине.",
    sandbox_banner: "ПЕСОЧНИЦА. Это не настоящие отправки: сообщения видны только операторам этой установки.",
    sandbox_off: "Песочница выключена: сообщения уходят через настоящие каналы.",
    recipient: "Получатель",
    channel: "Канал",
    subject: "Тема",
    text: "Текст",
    time: "Время",
    filter: "Телефон или адрес",
    show: "Показать",
    empty: "Сообщений нет.",
    locks: "Заблокированные учётные записи",
    locks_lead: "Вход блокируется после 5 неверных паролей; срок растёт с каждым повтором. Снимите блокировку, если владелец подтвердил личность.",
    user: "Пользователь",
    locked_until: "Заблокирована до",
    unlock: "Разблокировать",
    recovery: "Заявки на восстановление доступа",
    recovery_lead: "Заявки людей без доступа к телефону и почте. Рассматривает оператор МФЦ после проверки паспорта.",
    status: "Статус",
    jobs: "Очередь: неудавшиеся задания",
    jobs_lead: "Задания, исчерпавшие попытки. После устранения причины их можно повторить.",
    kind: "Вид",
    attempts: "Попыток",
    error: "Ошибка",
    retry: "Повторить",
    kinds: "Виды документов",
    kinds_lead: "Правила сроков действия, предупреждения, лимиты файлов и инструкции по замене.",
};

static EN: Texts = Texts {
    title: "Administration",
    outbox: "Sandbox: messages sent",
    outbox_lead: "Text messages (and e-mail when no SMTP server is configured) do not leave the service; they are kept here, so that registration and sign-in work on one machine.",
    sandbox_banner: "SANDBOX. These are not real deliveries: only the operators of this installation see them.",
    sandbox_off: "The sandbox is off: messages go through the real channels.",
    recipient: "Recipient",
    channel: "Channel",
    subject: "Subject",
    text: "Text",
    time: "Time",
    filter: "Phone or address",
    show: "Show",
    empty: "No messages.",
    locks: "Locked accounts",
    locks_lead: "Signing in is blocked after 5 wrong passwords, longer with every repeat. Lift the lock once the owner has proved who they are.",
    user: "User",
    locked_until: "Locked until",
    unlock: "Unlock",
    recovery: "Access recovery requests",
    recovery_lead: "Requests of people without access to their phone and e-mail, reviewed by a service-centre verifier after checking the passport.",
    status: "Status",
    jobs: "Queue: failed jobs",
    jobs_lead: "Jobs that used up their attempts. Retry them once the cause is fixed.",
    kind: "Kind",
    attempts: "Attempts",
    error: "Error",
    retry: "Retry",
    kinds: "Kinds of documents",
    kinds_lead: "Validity rules, warnings, file limits and renewal instructions.",
};

#[derive(Template, WebTemplate)]
#[template(path = "features/operator/dashboard.html")]
struct DashboardPage {
    page: PageCtx,
    t: &'static Texts,
}

async fn dashboard(user: SignedIn, page: PageCtx) -> Result<DashboardPage, PageError> {
    Operator::check(user)?;
    Ok(DashboardPage {
        t: page.lang.pick(&RU, &EN),
        page,
    })
}

#[derive(Deserialize)]
struct OutboxQuery {
    to: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "features/operator/outbox.html")]
struct OutboxPage {
    page: PageCtx,
    t: &'static Texts,
    sandbox: bool,
    to: String,
    messages: Vec<(OutboxMessage, String)>,
}

async fn outbox(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
    Query(q): Query<OutboxQuery>,
) -> Result<OutboxPage, PageError> {
    let operator = Operator::check(user)?;
    let to = q.to.unwrap_or_default().trim().to_owned();
    // People type phones in many ways; search by the stored form when it parses.
    let recipient = domain::Phone::parse(&to)
        .map(|p| p.as_str().to_owned())
        .or_else(|_| domain::Email::parse(&to).map(|e| e.as_str().to_owned()))
        .ok();
    let messages = store::outbox::list(&state.db, recipient.as_deref(), 100).await?;
    let zone = operator.0.user().time_zone.clone();
    Ok(OutboxPage {
        t: page.lang.pick(&RU, &EN),
        sandbox: state.channels.uses_sandbox(),
        to,
        messages: messages
            .into_iter()
            .map(|m| {
                let at = local_time::shown(m.created_at, &zone);
                (m, at)
            })
            .collect(),
        page,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "features/operator/locks.html")]
struct LocksPage {
    page: PageCtx,
    t: &'static Texts,
    locked: Vec<(String, String, String)>,
}

async fn locks(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
) -> Result<LocksPage, PageError> {
    let operator = Operator::check(user)?;
    let zone = operator.0.user().time_zone.clone();
    let locked = store::users::locked(&state.db, state.now())
        .await?
        .into_iter()
        .map(|(u, until)| {
            let name = format!("{} {}", u.surname, u.given_name);
            (u.id, name, local_time::shown(until, &zone))
        })
        .collect();
    Ok(LocksPage {
        t: page.lang.pick(&RU, &EN),
        locked,
        page,
    })
}

async fn unlock(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let operator = Operator::check(user)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if !store::users::unlock(&mut tx, &id).await? {
        return Err(PageError::NotFound);
    }
    let entry = Entry::new(operator.actor(), Action::UserUnlocked)
        .object("user", &id)
        .subject(&id)
        .from_request(info.ip.clone(), Some(operator.0.0.id.clone()));
    audit::append(&mut tx, &entry, now).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(Redirect::to("/operator/locks").into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "features/operator/recovery.html")]
struct RecoveryPage {
    page: PageCtx,
    t: &'static Texts,
    requests: Vec<store::recovery::RecoveryRequest>,
    times: Vec<String>,
}

async fn recovery(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
) -> Result<RecoveryPage, PageError> {
    let operator = Operator::check(user)?;
    let zone = operator.0.user().time_zone.clone();
    let requests = store::recovery::list(&state.db, 200).await?;
    let times = requests
        .iter()
        .map(|r| local_time::shown(r.created_at, &zone))
        .collect();
    Ok(RecoveryPage {
        t: page.lang.pick(&RU, &EN),
        requests,
        times,
        page,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "features/operator/jobs.html")]
struct JobsPage {
    page: PageCtx,
    t: &'static Texts,
    jobs: Vec<(JobView, String)>,
}

async fn dead_jobs(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
) -> Result<JobsPage, PageError> {
    let operator = Operator::check(user)?;
    let zone = operator.0.user().time_zone.clone();
    let dead = jobs::list(&state.db, jobs::state::DEAD, 200).await?;
    Ok(JobsPage {
        t: page.lang.pick(&RU, &EN),
        jobs: dead
            .into_iter()
            .map(|j| {
                let at = local_time::shown(j.updated_at, &zone);
                (j, at)
            })
            .collect(),
        page,
    })
}

async fn retry_job(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let operator = Operator::check(user)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if !jobs::retry_dead(&mut tx, &id, now).await? {
        return Err(PageError::NotFound);
    }
    let entry = Entry::new(operator.actor(), Action::JobRetried)
        .object("job", &id)
        .from_request(info.ip.clone(), Some(operator.0.0.id.clone()));
    audit::append(&mut tx, &entry, now).await?;
    state.commit_and_wake(tx).await?;
    Ok(Redirect::to("/operator/jobs").into_response())
}
