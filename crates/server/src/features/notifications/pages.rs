//! "Сообщения": the inbox with read, unread and archive; the settings table of category ×
//! channel (a plain form; it works without JavaScript); the history of deliveries.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form};
use domain::notifications::{Category, Channel, Settings};
use serde::Deserialize;
use store::audit::Action;
use store::audit::{self, Actor, Entry};

use super::service;
use crate::local_time;
use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::context::RequestInfo;
use crate::web::errors::PageError;
use crate::web::forms::FormErrors;
use crate::web::i18n::Lang;
use crate::web::page::PageCtx;
use crate::web::routes::Routes;

const PER_PAGE: i64 = 20;

pub fn pages() -> Routes {
    Routes::new()
        .route("/notifications", get(inbox))
        .route("/notifications/read-all", post(read_all))
        .route("/notifications/{id}/{action}", post(act))
        .route(
            "/notifications/settings",
            get(settings_page).post(save_settings),
        )
        .route("/notifications/settings/reset", post(reset_settings))
        .route("/notifications/deliveries", get(deliveries))
        .route("/notifications/stream", get(stream))
        .open(
            "/unsubscribe/{user}/{category}/{signature}",
            get(super::unsubscribe::confirm).post(super::unsubscribe::unsubscribe),
        )
        .merge(super::subscriptions::pages())
        .merge(super::push::pages())
        .route("/notifications/reminder-days", post(save_days))
        .route("/notifications/calendar", post(calendar_on))
        .route("/notifications/calendar/off", post(calendar_off))
}

pub struct Texts {
    pub title: &'static str,
    pub archive: &'static str,
    pub inbox: &'static str,
    pub empty: &'static str,
    pub archive_empty: &'static str,
    pub unread: &'static str,
    pub read: &'static str,
    pub mark_read: &'static str,
    pub mark_unread: &'static str,
    pub to_archive: &'static str,
    pub from_archive: &'static str,
    pub read_all: &'static str,
    pub open: &'static str,
    pub settings: &'static str,
    pub settings_lead: &'static str,
    pub category: &'static str,
    pub save: &'static str,
    pub reset: &'static str,
    pub reset_hint: &'static str,
    pub saved: &'static str,
    pub reset_done: &'static str,
    pub errors_heading: &'static str,
    pub security_needed: &'static str,
    pub deliveries: &'static str,
    pub deliveries_lead: &'static str,
    pub deliveries_empty: &'static str,
    pub when: &'static str,
    pub message: &'static str,
    pub channel: &'static str,
    pub address: &'static str,
    pub status: &'static str,
    pub attempts: &'static str,
    pub previous: &'static str,
    pub next: &'static str,
    pub pages_label: &'static str,
    pub calendar: &'static str,
    pub calendar_lead: &'static str,
    pub calendar_on: &'static str,
    pub calendar_new: &'static str,
    pub calendar_off: &'static str,
    pub calendar_since: &'static str,
    pub calendar_url: &'static str,
    pub calendar_once: &'static str,
    pub calendar_removed: &'static str,
    pub autosaved: &'static str,
    pub autosave_failed: &'static str,
    pub push_title: &'static str,
    pub push_lead: &'static str,
    pub push_none: &'static str,
    pub push_device: &'static str,
    pub push_since: &'static str,
    pub push_remove: &'static str,
    pub push_enable: &'static str,
    pub push_failed: &'static str,
    pub push_nojs: &'static str,
    pub push_on: &'static str,
    pub push_off: &'static str,
    pub days_title: &'static str,
    pub days_lead: &'static str,
    pub days_hint: &'static str,
    pub days_every_hint: &'static str,
    pub days_save: &'static str,
    pub days_saved: &'static str,
    pub mailings: &'static str,
    pub mailings_lead: &'static str,
    pub mailing: &'static str,
    pub mailing_state: &'static str,
    pub mailing_actions: &'static str,
    pub mailing_on: &'static str,
    pub mailing_paused: &'static str,
    pub mailing_off: &'static str,
    pub subscribe: &'static str,
    pub resume: &'static str,
    pub pause: &'static str,
    pub unsubscribe: &'static str,
    pub unsubscribe_all: &'static str,
    pub subscribed: &'static str,
    pub resumed: &'static str,
    pub paused: &'static str,
    pub unsubscribed: &'static str,
    pub unsubscribed_all: &'static str,
}

static RU: Texts = Texts {
    title: "Сообщения",
    archive: "Архив сообщений",
    inbox: "Входящие",
    empty: "Новых сообщений нет. Здесь появятся напоминания о сроках документов и другие уведомления.",
    archive_empty: "В архиве пусто.",
    unread: "новое",
    read: "прочитано",
    mark_read: "Прочитано",
    mark_unread: "Не прочитано",
    to_archive: "В архив",
    from_archive: "Вернуть во входящие",
    read_all: "Отметить все прочитанными",
    open: "Перейти",
    settings: "Настройки уведомлений",
    settings_lead: "Выберите, о чём и как вам сообщать. Изменения действуют сразу. Уведомления о безопасности нельзя отключить во всех каналах сразу.",
    category: "О чём",
    save: "Сохранить настройки",
    reset: "Вернуть настройки по умолчанию",
    reset_hint: "По умолчанию: всё — в кабинете и по почте; о заявлениях, сроках, платежах и безопасности — ещё и по SMS.",
    saved: "Настройки сохранены.",
    reset_done: "Восстановлены настройки по умолчанию.",
    errors_heading: "Исправьте ошибки",
    security_needed: "Уведомления о безопасности должны приходить хотя бы одним способом",
    deliveries: "История отправок",
    deliveries_lead: "Что и куда мы отправляли вам по почте и SMS, и чем закончилась каждая отправка.",
    deliveries_empty: "Отправок пока не было.",
    when: "Когда",
    message: "Сообщение",
    channel: "Канал",
    address: "Куда",
    status: "Статус",
    attempts: "Попыток",
    previous: "Предыдущая страница",
    next: "Следующая страница",
    pages_label: "Страницы",
    calendar: "Календарь сроков",
    calendar_lead: "Личная ссылка на календарь (iCalendar) со сроками ваших документов: добавьте её в календарь телефона или почты, и он сам будет обновляться. Кто знает ссылку, видит сроки — не передавайте её.",
    calendar_on: "Включить календарь",
    calendar_new: "Создать новую ссылку",
    calendar_off: "Выключить календарь",
    calendar_since: "Календарь включён с",
    calendar_url: "Ссылка на календарь",
    calendar_once: "Скопируйте ссылку сейчас: мы храним только её отпечаток и больше её не покажем. Прежняя ссылка перестала работать.",
    calendar_removed: "Календарь выключен: ссылка больше не работает.",
    autosaved: "Сохранено.",
    autosave_failed: "Не сохранилось: нет связи с сервером. Попробуйте ещё раз.",
    push_title: "Уведомления в браузере",
    push_lead: "Браузер покажет уведомление, даже когда кабинет закрыт. Какие разделы приходят в браузер, задаёт столбец «В браузере» в таблице выше.",
    push_none: "Уведомления в браузере не включены ни на одном устройстве.",
    push_device: "Устройство",
    push_since: "Включены",
    push_remove: "Отключить",
    push_enable: "Включить уведомления в этом браузере",
    push_failed: "Не получилось: браузер запретил уведомления или не ответил.",
    push_nojs: "Чтобы включить уведомления в браузере, нужен JavaScript.",
    push_on: "Уведомления в этом браузере включены.",
    push_off: "Уведомления на устройстве отключены.",
    days_title: "Когда напоминать о сроках",
    days_lead: "За сколько дней до окончания срока документа присылать напоминания. В день окончания срока напоминание придёт всегда. Напоминания приходят в 09:00 по вашему времени.",
    days_hint: "Дни через запятую, от 1 до 365. Пусто — как для всех документов.",
    days_every_hint: "Дни через запятую, от 1 до 365, например: 90, 30, 7, 1. Пусто — только в день окончания.",
    days_save: "Сохранить сроки напоминаний",
    days_saved: "Сроки напоминаний сохранены; будущие напоминания пересчитаны.",
    mailings: "Подписки на рассылки",
    mailings_lead: "Новости сервиса для всех, кто подписался. Приходят как системные уведомления: в кабинет и по способам, выбранным в таблице выше.",
    mailing: "Рассылка",
    mailing_state: "Состояние",
    mailing_actions: "Действия",
    mailing_on: "Вы подписаны",
    mailing_paused: "Приостановлена",
    mailing_off: "Не подписаны",
    subscribe: "Подписаться",
    resume: "Возобновить",
    pause: "Приостановить",
    unsubscribe: "Отписаться",
    unsubscribe_all: "Отписаться от всех рассылок",
    subscribed: "Вы подписались на рассылку.",
    resumed: "Рассылка возобновлена.",
    paused: "Рассылка приостановлена: письма не придут, пока вы её не возобновите.",
    unsubscribed: "Вы отписались от рассылки.",
    unsubscribed_all: "Вы отписались от всех рассылок.",
};

static EN: Texts = Texts {
    title: "Messages",
    archive: "Archived messages",
    inbox: "Inbox",
    empty: "No new messages. Reminders of document deadlines and other notices appear here.",
    archive_empty: "The archive is empty.",
    unread: "new",
    read: "read",
    mark_read: "Mark read",
    mark_unread: "Mark unread",
    to_archive: "Archive",
    from_archive: "Back to the inbox",
    read_all: "Mark all read",
    open: "Open",
    settings: "Notification settings",
    settings_lead: "Choose what we tell you about and how. Changes apply at once. Security notices cannot be turned off on every channel at once.",
    category: "About",
    save: "Save settings",
    reset: "Restore the default settings",
    reset_hint: "By default: everything in the cabinet and by e-mail; applications, deadlines, payments and security also by text message.",
    saved: "Your settings are saved.",
    reset_done: "The default settings are restored.",
    errors_heading: "There is a problem",
    security_needed: "Security notices must reach you at least one way",
    deliveries: "Delivery history",
    deliveries_lead: "What we sent you by e-mail and text message, where, and how each delivery ended.",
    deliveries_empty: "Nothing has been sent yet.",
    when: "When",
    message: "Message",
    channel: "Channel",
    address: "To",
    status: "Status",
    attempts: "Attempts",
    previous: "Previous page",
    next: "Next page",
    pages_label: "Pages",
    calendar: "Deadline calendar",
    calendar_lead: "A private link to a calendar (iCalendar) of your documents' deadlines: add it to the calendar on your phone or in your mail, and it keeps itself up to date. Whoever has the link sees the deadlines: do not share it.",
    calendar_on: "Turn the calendar on",
    calendar_new: "Make a new link",
    calendar_off: "Turn the calendar off",
    calendar_since: "The calendar is on since",
    calendar_url: "Calendar link",
    calendar_once: "Copy the link now: we keep only its fingerprint and will not show it again. The previous link no longer works.",
    calendar_removed: "The calendar is off: its link no longer works.",
    autosaved: "Saved.",
    autosave_failed: "Not saved: the server did not answer. Try again.",
    push_title: "Browser notifications",
    push_lead: "The browser shows a notice even when the cabinet is closed. Which areas come to the browser is set by the “In the browser” column of the table above.",
    push_none: "Browser notifications are not on in any device.",
    push_device: "Device",
    push_since: "On since",
    push_remove: "Turn off",
    push_enable: "Turn on notifications in this browser",
    push_failed: "That did not work: the browser refused notifications or did not answer.",
    push_nojs: "Turning on browser notifications needs JavaScript.",
    push_on: "Notifications are on in this browser.",
    push_off: "Notifications are off on that device.",
    days_title: "When to remind of deadlines",
    days_lead: "How many days before a document's term ends to remind you. On the last day a reminder always comes. Reminders arrive at 09:00 your time.",
    days_hint: "Days separated by commas, 1 to 365. Empty: as for every document.",
    days_every_hint: "Days separated by commas, 1 to 365, for example: 90, 30, 7, 1. Empty: only on the last day.",
    days_save: "Save reminder days",
    days_saved: "Reminder days saved; future reminders are planned again.",
    mailings: "Mailing subscriptions",
    mailings_lead: "Service news for everyone who subscribed. They arrive as system notices: in the cabinet and by the ways chosen in the table above.",
    mailing: "Mailing",
    mailing_state: "State",
    mailing_actions: "Actions",
    mailing_on: "Subscribed",
    mailing_paused: "Paused",
    mailing_off: "Not subscribed",
    subscribe: "Subscribe",
    resume: "Resume",
    pause: "Pause",
    unsubscribe: "Unsubscribe",
    unsubscribe_all: "Unsubscribe from all mailings",
    subscribed: "You are subscribed to the mailing.",
    resumed: "The mailing is resumed.",
    paused: "The mailing is paused: nothing comes until you resume it.",
    unsubscribed: "You are unsubscribed from the mailing.",
    unsubscribed_all: "You are unsubscribed from every mailing.",
};

fn texts(lang: Lang) -> &'static Texts {
    lang.pick(&RU, &EN)
}

pub fn category_label(c: Category, lang: Lang) -> &'static str {
    let (ru, en) = match c {
        Category::Applications => ("Заявления", "Applications"),
        Category::PersonalData => ("Личные данные", "Personal data"),
        Category::Deadlines => ("Сроки и напоминания", "Deadlines and reminders"),
        Category::Payments => ("Платежи и начисления", "Payments and charges"),
        Category::Security => ("Безопасность", "Security"),
        Category::System => ("Сообщения сервиса", "Service notices"),
    };
    lang.pick(ru, en)
}

pub fn channel_label(c: Channel, lang: Lang) -> &'static str {
    let (ru, en) = match c {
        Channel::Inbox => ("В кабинете", "In the cabinet"),
        Channel::Email => ("Эл. почта", "E-mail"),
        Channel::Sms => ("SMS", "Text message"),
        Channel::Push => ("В браузере", "In the browser"),
    };
    lang.pick(ru, en)
}

// ---------------------------------------------------------------------------------------------
// The inbox

pub struct Item {
    pub id: String,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    pub at: String,
    pub category: &'static str,
    pub unread: bool,
    pub archived: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "features/notifications/inbox.html")]
struct InboxPage {
    page: PageCtx,
    t: &'static Texts,
    items: Vec<Item>,
    archived: bool,
    page_no: i64,
    pages: i64,
}

#[derive(Deserialize)]
struct InboxQuery {
    archived: Option<String>,
    page: Option<i64>,
}

async fn inbox(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
    Query(q): Query<InboxQuery>,
) -> Result<InboxPage, PageError> {
    let lang = page.lang;
    let archived = q.archived.is_some();
    let page_no = q.page.unwrap_or(1).clamp(1, 10_000);
    let (rows, total) = store::notifications::list(
        &state.db,
        &user.user().id,
        archived,
        PER_PAGE,
        (page_no - 1) * PER_PAGE,
    )
    .await?;
    let zone = user.user().time_zone.clone();
    Ok(InboxPage {
        t: texts(lang),
        items: rows
            .into_iter()
            .map(|n| Item {
                at: local_time::shown(n.created_at, &zone),
                category: Category::parse(&n.category)
                    .map(|c| category_label(c, lang))
                    .unwrap_or_default(),
                unread: n.read_at.is_none(),
                archived: n.archived_at.is_some(),
                id: n.id,
                title: n.title,
                body: n.body,
                link: n.link,
            })
            .collect(),
        archived,
        page_no,
        pages: ((total + PER_PAGE - 1) / PER_PAGE).max(1),
        page,
    })
}

async fn act(
    State(state): State<AppState>,
    user: SignedIn,
    Path((id, action)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let found = service::mark(&state, &user.user().id, &id, &action).await?;
    let back = if action == "unarchive" {
        "/notifications?archived=1"
    } else {
        "/notifications"
    };
    if !found {
        return Err(PageError::NotFound);
    }
    Ok(Redirect::to(back).into_response())
}

async fn read_all(State(state): State<AppState>, user: SignedIn) -> Result<Response, PageError> {
    let mut conn = state.db.connection().await?;
    store::notifications::mark_all_read(&mut conn, &user.user().id, state.now()).await?;
    Ok(Redirect::to("/notifications").into_response())
}

// ---------------------------------------------------------------------------------------------
// Settings

pub struct Row {
    pub category: &'static str,
    pub label: &'static str,
    pub cells: Vec<Cell>,
}

pub struct Cell {
    /// `deadlines.email`
    pub name: String,
    pub label: String,
    pub on: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "features/notifications/settings.html")]
struct SettingsPage {
    page: PageCtx,
    t: &'static Texts,
    channels: Vec<&'static str>,
    rows: Vec<Row>,
    errors: FormErrors,
    notice: Option<&'static str>,
    /// When the feed was turned on, if it is.
    feed_since: Option<String>,
    /// The new feed's address, shown once.
    feed_url: Option<String>,
    /// Every mailing and whether the person gets it.
    subscriptions: Vec<super::subscriptions::Row>,
    /// The reminder-days form's fields.
    days: Vec<super::reminder_days::DaysField>,
    /// Browsers with web push on, and the key a new one subscribes with.
    push_devices: Vec<super::push::DeviceRow>,
    push_key: String,
}

fn rows(settings: &Settings, lang: Lang) -> Vec<Row> {
    Category::ALL
        .into_iter()
        .map(|c| Row {
            category: c.as_str(),
            label: category_label(c, lang),
            cells: Channel::ALL
                .into_iter()
                .map(|ch| Cell {
                    name: format!("{}.{}", c.as_str(), ch.as_str()),
                    label: format!("{}: {}", category_label(c, lang), channel_label(ch, lang)),
                    on: settings.get(c, ch),
                })
                .collect(),
        })
        .collect()
}

fn settings_page_of(settings: &Settings, page: PageCtx) -> SettingsPage {
    let lang = page.lang;
    SettingsPage {
        t: texts(lang),
        channels: Channel::ALL
            .into_iter()
            .map(|c| channel_label(c, lang))
            .collect(),
        rows: rows(settings, lang),
        errors: FormErrors::default(),
        notice: None,
        feed_since: None,
        feed_url: None,
        subscriptions: Vec::new(),
        days: Vec::new(),
        push_devices: Vec::new(),
        push_key: String::new(),
        page,
    }
}

/// Fills in the parts of the settings page kept elsewhere: the calendar feed and the mailings.
async fn with_feed(
    state: &AppState,
    user: &SignedIn,
    mut body: SettingsPage,
) -> Result<SettingsPage, PageError> {
    body.feed_since = store::notifications::feed_since(&state.db, &user.user().id)
        .await?
        .map(|at| local_time::shown(at, &user.user().time_zone));
    let mine = super::subscriptions::list(state, &user.user().id).await?;
    body.subscriptions = super::subscriptions::rows(&mine, body.page.lang);
    body.days = super::reminder_days::fields(state, &user.user().id, body.page.lang).await?;
    body.push_devices = super::push::devices(state, user.user()).await?;
    body.push_key = state.channels.vapid.public_key().to_owned();
    Ok(body)
}

/// Saves the reminder days and re-plans; mistakes come back next to their fields, as typed.
async fn save_days(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: SignedIn,
    page: PageCtx,
    Form(form): Form<std::collections::BTreeMap<String, String>>,
) -> Result<Response, PageError> {
    use super::reminder_days;
    let lang = page.lang;
    let shown = reminder_days::fields(&state, &user.user().id, lang).await?;
    match reminder_days::read(&form, &shown, lang) {
        Ok(choice) => {
            reminder_days::save(&state, user.user(), &choice, info.ip.clone()).await?;
            Ok(Redirect::to("/notifications/settings?days=saved#reminder-days").into_response())
        }
        Err((typed, errors)) => {
            let settings = service::settings(&state, &user.user().id).await?;
            let mut body = with_feed(&state, &user, settings_page_of(&settings, page)).await?;
            body.days = typed;
            body.errors = errors;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
    }
}

#[derive(Deserialize)]
struct SettingsNotes {
    saved: Option<String>,
    reset: Option<String>,
    calendar_off: Option<String>,
    /// What was just done with a mailing.
    subscription: Option<String>,
    days: Option<String>,
    /// `on` or `off`: web push was just turned on in a browser, or a browser removed.
    push: Option<String>,
}

async fn settings_page(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
    Query(notes): Query<SettingsNotes>,
) -> Result<SettingsPage, PageError> {
    let settings = service::settings(&state, &user.user().id).await?;
    let t = texts(page.lang);
    let mut body = settings_page_of(&settings, page);
    body.notice = if notes.saved.is_some() {
        Some(t.saved)
    } else if notes.reset.is_some() {
        Some(t.reset_done)
    } else if notes.calendar_off.is_some() {
        Some(t.calendar_removed)
    } else if notes.days.is_some() {
        Some(t.days_saved)
    } else if let Some(push) = notes.push.as_deref() {
        Some(if push == "on" { t.push_on } else { t.push_off })
    } else {
        notes.subscription.as_deref().and_then(|done| match done {
            "subscribe" => Some(t.subscribed),
            "resume" => Some(t.resumed),
            "pause" => Some(t.paused),
            "unsubscribe" => Some(t.unsubscribed),
            "all_off" => Some(t.unsubscribed_all),
            _ => None,
        })
    };
    with_feed(&state, &user, body).await
}

/// Saves a whole table: a ticked box is present in the form, an unticked one is absent.
pub async fn store_settings(
    state: &AppState,
    user_id: &str,
    actor: Actor,
    settings: &Settings,
    ip: Option<String>,
) -> Result<(), store::StoreError> {
    let departures: Vec<(&str, &str, bool)> = settings
        .departures()
        .into_iter()
        .map(|(c, ch, on)| (c.as_str(), ch.as_str(), on))
        .collect();
    let now = state.now();
    let mut tx = state.db.begin().await?;
    store::notifications::replace_overrides(&mut tx, user_id, &departures, now).await?;
    let changed: Vec<String> = departures
        .iter()
        .map(|(c, ch, on)| format!("{c}.{ch}={}", if *on { "on" } else { "off" }))
        .collect();
    let e = Entry::new(actor, Action::NotificationSettingsChanged)
        .subject(user_id)
        .from_request(ip, None)
        .details(serde_json::json!({ "departures_from_defaults": changed }));
    audit::append(&mut tx, &e, now).await?;
    tx.commit().await?;
    Ok(())
}

async fn save_settings(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: SignedIn,
    page: PageCtx,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let mut settings = Settings::default();
    for c in Category::ALL {
        for ch in Channel::ALL {
            let name = format!("{}.{}", c.as_str(), ch.as_str());
            settings.set(c, ch, form.iter().any(|(k, _)| *k == name));
        }
    }
    if settings.check().is_err() {
        let t = texts(page.lang);
        let mut body = settings_page_of(&settings, page);
        body.errors.push("security.inbox", t.security_needed);
        let body = with_feed(&state, &user, body).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
    }
    store_settings(
        &state,
        &user.user().id,
        Actor::of(user.user()),
        &settings,
        info.ip.clone(),
    )
    .await?;
    Ok(Redirect::to("/notifications/settings?saved=1").into_response())
}

async fn reset_settings(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: SignedIn,
) -> Result<Response, PageError> {
    store_settings(
        &state,
        &user.user().id,
        Actor::of(user.user()),
        &Settings::default(),
        info.ip.clone(),
    )
    .await?;
    Ok(Redirect::to("/notifications/settings?reset=1").into_response())
}

// ---------------------------------------------------------------------------------------------
// Deliveries

pub struct Sent {
    pub at: String,
    pub title: String,
    pub channel: &'static str,
    pub address: String,
    pub status: &'static str,
    pub class: &'static str,
    pub attempts: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "features/notifications/deliveries.html")]
struct DeliveriesPage {
    page: PageCtx,
    t: &'static Texts,
    rows: Vec<Sent>,
}

pub fn status_label(status: &str, lang: Lang) -> (&'static str, &'static str) {
    let (ru, en, class) = match status {
        "sent" => ("доставлено", "sent", "ok"),
        "queued" => ("в очереди", "queued", "neutral"),
        "retrying" => ("повторяем", "retrying", "warn"),
        _ => ("не доставлено", "failed", "bad"),
    };
    (lang.pick(ru, en), class)
}

async fn deliveries(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
) -> Result<DeliveriesPage, PageError> {
    let lang = page.lang;
    let zone = user.user().time_zone.clone();
    let rows = store::notifications::deliveries(&state.db, &user.user().id, 100)
        .await?
        .into_iter()
        .map(|d| {
            let (status, class) = status_label(&d.status, lang);
            Sent {
                at: local_time::shown(d.updated_at, &zone),
                title: d.title,
                channel: Channel::parse(&d.channel)
                    .map(|c| channel_label(c, lang))
                    .unwrap_or_default(),
                address: d.address,
                status,
                class,
                attempts: d.attempts,
            }
        })
        .collect();
    Ok(DeliveriesPage {
        t: texts(lang),
        rows,
        page,
    })
}

// ---------------------------------------------------------------------------------------------
// Calendar feed

async fn calendar_on(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: SignedIn,
    page: PageCtx,
) -> Result<Response, PageError> {
    let token = crate::keys::random_token();
    let now = state.now();
    let mut tx = state.db.begin().await?;
    store::notifications::set_feed(
        &mut tx,
        &user.user().id,
        &crate::keys::token_hash(&token),
        now,
    )
    .await?;
    let e = Entry::new(Actor::of(user.user()), Action::CalendarFeedCreated)
        .subject(&user.user().id)
        .from_request(info.ip.clone(), None);
    audit::append(&mut tx, &e, now).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    let settings = service::settings(&state, &user.user().id).await?;
    let mut body = with_feed(&state, &user, settings_page_of(&settings, page)).await?;
    body.feed_url = Some(format!(
        "{}/calendar/{token}/deadlines.ics",
        state.config.public_base()
    ));
    Ok((
        StatusCode::CREATED,
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        body,
    )
        .into_response())
}

async fn calendar_off(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: SignedIn,
) -> Result<Response, PageError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if store::notifications::remove_feed(&mut tx, &user.user().id).await? {
        let e = Entry::new(Actor::of(user.user()), Action::CalendarFeedRemoved)
            .subject(&user.user().id)
            .from_request(info.ip.clone(), None);
        audit::append(&mut tx, &e, now).await?;
    }
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(Redirect::to("/notifications/settings?calendar_off=1").into_response())
}

// ---------------------------------------------------------------------------------------------
// Live count

/// How often an open page's stream looks for a changed count. A database read per open page
/// per interval, on whichever node holds the connection; no cross-node messaging is needed.
const STREAM_INTERVAL: std::time::Duration = std::time::Duration::from_secs(5);

async fn stream(State(state): State<AppState>, user: SignedIn) -> Response {
    unread_events(state, user.user().id.clone())
}

/// `text/event-stream` of `unread` events: the count now, then each time it changes.
pub fn unread_events(state: AppState, user_id: String) -> Response {
    use axum::response::sse::{Event, KeepAlive, Sse};
    let events = futures_util::stream::unfold(
        (state, user_id, None::<i64>, true),
        |(state, user_id, last, first)| async move {
            loop {
                if !first {
                    tokio::time::sleep(STREAM_INTERVAL).await;
                }
                // A failed read ends the stream; the browser reconnects by itself.
                let n = store::notifications::unread_count(&state.db, &user_id)
                    .await
                    .ok()?;
                if Some(n) != last {
                    let event = Event::default().event("unread").data(n.to_string());
                    return Some((
                        Ok::<_, std::convert::Infallible>(event),
                        (state, user_id, Some(n), false),
                    ));
                }
            }
        },
    );
    Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response()
}
