//! Changing the password and the contacts. A new phone is confirmed by an SMS code sent to it, a
//! new e-mail by a link sent to it; the old contact is told of the change either way. A new
//! password ends the user's other sessions and API tokens and is announced on their channels.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Form};
use domain::password::Personal;
use jiff::SignedDuration;
use serde::Deserialize;
use store::StoreError;
use store::audit::Action;
use store::audit::{self, Actor, Entry};
use store::users;

use crate::channels::{self, Email as Letter, Sms};
use crate::features::accounts::codes::{self, CodeError, CodeRequest};
use crate::features::accounts::pages::code_message;
use crate::features::accounts::password;
use crate::features::accounts::service::{parse_email, parse_phone, password_issues};
use crate::features::accounts::texts::PASSWORDS_DIFFER;
use crate::features::security::pages::needs_confirmation;
use crate::keys;
use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::context::RequestInfo;
use crate::web::errors::PageError;
use crate::web::forms::{FieldIssue, FormErrors};
use crate::web::i18n::Msg;
use crate::web::page::PageCtx;
use crate::web::routes::Routes;

pub fn pages() -> Routes {
    Routes::new()
        .route(
            "/profile/password",
            get(password_form).post(password_submit),
        )
        .route(
            "/profile/contacts",
            get(contacts_form).post(contacts_submit),
        )
        .route(
            "/profile/contacts/phone/{challenge}",
            get(phone_code_form).post(phone_code_submit),
        )
        .route("/profile/contacts/email", get(email_confirm))
}

pub struct Texts {
    pub password_title: &'static str,
    pub current_password: &'static str,
    pub new_password: &'static str,
    pub new_password_hint: &'static str,
    pub repeat_password: &'static str,
    pub save: &'static str,
    pub errors_heading: &'static str,
    pub contacts_title: &'static str,
    pub contacts_lead: &'static str,
    pub new_phone: &'static str,
    pub new_email: &'static str,
    pub send: &'static str,
    pub code: &'static str,
    pub code_hint: &'static str,
    pub confirm: &'static str,
    pub phone_code_title: &'static str,
    pub code_sent_to: &'static str,
    pub email_sent: &'static str,
}

static RU: Texts = Texts {
    password_title: "Сменить пароль",
    current_password: "Текущий пароль",
    new_password: "Новый пароль",
    new_password_hint: "Не менее 8 символов: заглавные и строчные буквы, цифра и спецсимвол.",
    repeat_password: "Повторите новый пароль",
    save: "Сохранить",
    errors_heading: "Исправьте ошибки",
    contacts_title: "Изменить телефон или почту",
    contacts_lead: "Новый телефон подтвердим кодом из SMS, новую почту — ссылкой в письме. На прежний контакт придёт уведомление.",
    new_phone: "Новый мобильный телефон",
    new_email: "Новая электронная почта",
    send: "Отправить подтверждение",
    code: "Код из SMS",
    code_hint: "6 цифр, код действует 5 минут",
    confirm: "Подтвердить",
    phone_code_title: "Подтверждение нового телефона",
    code_sent_to: "Мы отправили код на номер",
    email_sent: "Мы отправили письмо со ссылкой на новый адрес. Адрес изменится, когда вы откроете ссылку.",
};

static EN: Texts = Texts {
    password_title: "Change password",
    current_password: "Current password",
    new_password: "New password",
    new_password_hint: "At least 8 characters: upper and lower case letters, a digit and a special character.",
    repeat_password: "Repeat the new password",
    save: "Save",
    errors_heading: "There is a problem",
    contacts_title: "Change phone or e-mail",
    contacts_lead: "We confirm a new phone with an SMS code and a new e-mail with a link. The old contact is told.",
    new_phone: "New mobile phone",
    new_email: "New e-mail",
    send: "Send confirmation",
    code: "Code from the SMS",
    code_hint: "6 digits, valid for 5 minutes",
    confirm: "Confirm",
    phone_code_title: "Confirm the new phone",
    code_sent_to: "We sent a code to",
    email_sent: "We sent a letter with a link to the new address. The address changes when you open the link.",
};

const CURRENT_WRONG: Msg = Msg::new(
    "Текущий пароль указан неверно",
    "The current password is wrong",
);
const PHONE_TAKEN: Msg = Msg::new(
    "Этот номер привязан к другой учётной записи",
    "This number belongs to another account",
);
const SAME_CONTACT: Msg = Msg::new("Это ваш текущий контакт", "This is your current contact");
const NOTHING: Msg = Msg::new(
    "Укажите новый телефон или новую почту",
    "Give a new phone or a new e-mail",
);
const SMS_CONTACT_CHANGED: Msg = Msg::new(
    "Кабинет: контакты учётной записи изменены. Если это были не вы, срочно обратитесь в поддержку.",
    "Kabinet: the contacts of your account were changed. If it was not you, contact support at once.",
);
const SUBJECT_CONTACT_CHANGED: Msg = Msg::new(
    "Контакты учётной записи изменены",
    "Your account's contacts were changed",
);
const SUBJECT_CONFIRM_NEW_EMAIL: Msg =
    Msg::new("Подтвердите новый адрес", "Confirm your new address");

fn texts(page: &PageCtx) -> &'static Texts {
    page.lang.pick(&RU, &EN)
}

// --- Password ---------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "features/profile/password.html")]
struct PasswordPage {
    page: PageCtx,
    t: &'static Texts,
    errors: FormErrors,
    not_me: bool,
}

#[derive(Deserialize, Default)]
struct PasswordQuery {
    not_me: Option<String>,
}

/// A new password is a security change: a stale session proves who it is again first (the
/// password, and the second factor when on), so a stolen password alone cannot replace it.
async fn password_form(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
    Query(query): Query<PasswordQuery>,
) -> Response {
    let back = if query.not_me.is_some() {
        "/profile/password?not_me=1"
    } else {
        "/profile/password"
    };
    if let Some(confirm) = needs_confirmation(&state, &user, back) {
        return confirm;
    }
    PasswordPage {
        t: texts(&page),
        page,
        errors: FormErrors::default(),
        not_me: query.not_me.is_some(),
    }
    .into_response()
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

async fn password_submit(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: SignedIn,
    page: PageCtx,
    Form(form): Form<PasswordForm>,
) -> Result<Response, PageError> {
    if let Some(confirm) = needs_confirmation(&state, &user, "/profile/password") {
        return Ok(confirm);
    }
    let me = user.user().clone();
    let stored = users::password_hash(&state.db, &me.id)
        .await?
        .unwrap_or_default();
    let mut issues = Vec::new();
    if form.current.is_empty() {
        issues.push(FieldIssue::required("current"));
    } else if !password::verify(form.current.clone(), stored).await {
        issues.push(FieldIssue::new("current", "wrong_password", CURRENT_WRONG));
    }
    let profile = users::profile(&state.db, &me.id)
        .await?
        .ok_or(PageError::NotFound)?;
    let names = [profile.surname.as_str(), profile.given_name.as_str()];
    password_issues(
        "password",
        &form.password,
        &Personal {
            phone: profile.phone.as_deref(),
            email: profile.email.as_deref(),
            names: &names,
        },
        &mut issues,
    );
    if form.password != form.password_confirm {
        issues.push(FieldIssue::new(
            "password_confirm",
            "mismatch",
            PASSWORDS_DIFFER,
        ));
    }
    if !issues.is_empty() {
        let body = PasswordPage {
            t: texts(&page),
            errors: FormErrors::from_issues(&issues, page.lang),
            not_me: false,
            page,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
    }
    let hash = password::hash(form.password.clone())
        .await
        .map_err(PageError::internal)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    users::set_password_hash(&mut tx, &me.id, &hash, now).await?;
    store::sessions::delete_all_for_user(&mut tx, &me.id, Some(&user.0.id)).await?;
    store::tokens::revoke_all(&mut tx, &me.id, now).await?;
    let lang = info.lang;
    let text = crate::features::accounts::texts::SMS_PASSWORD_CHANGED
        .get(lang)
        .to_owned();
    tell_old_contacts(
        &mut tx,
        profile.phone.as_deref(),
        profile.email.as_deref(),
        &text,
        crate::features::accounts::texts::SUBJECT_PASSWORD_CHANGED.get(lang),
        now,
    )
    .await?;
    let entry = Entry::new(Actor::of(&me), Action::UserPasswordChanged)
        .object("user", &me.id)
        .subject(&me.id)
        .from_request(info.ip.clone(), Some(user.0.id.clone()));
    audit::append(&mut tx, &entry, now).await?;
    state.commit_and_wake(tx).await?;
    Ok(Redirect::to("/profile?saved=1").into_response())
}

async fn tell_old_contacts(
    conn: &mut sqlx::AnyConnection,
    phone: Option<&str>,
    email: Option<&str>,
    text: &str,
    subject: &str,
    now: jiff::Timestamp,
) -> Result<(), StoreError> {
    if let Some(phone) = phone {
        channels::queue_sms(
            conn,
            &Sms {
                to: phone.to_owned(),
                text: text.to_owned(),
            },
            now,
        )
        .await?;
    }
    if let Some(email) = email {
        let body = text.replace("Кабинет: ", "").replace("Kabinet: ", "");
        channels::queue_email(conn, &Letter::from_paragraphs(email, subject, &[body]), now).await?;
    }
    Ok(())
}

// --- Contacts ---------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "features/profile/contacts.html")]
struct ContactsPage {
    page: PageCtx,
    t: &'static Texts,
    phone: String,
    email: String,
    errors: FormErrors,
    notice: Option<&'static str>,
}

#[derive(Deserialize)]
struct ContactsQuery {
    email_sent: Option<String>,
}

async fn contacts_form(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
    Query(q): Query<ContactsQuery>,
) -> Response {
    // Contacts recover the account and receive its codes: changing them is a security change.
    if let Some(confirm) = needs_confirmation(&state, &user, "/profile/contacts") {
        return confirm;
    }
    let t = texts(&page);
    ContactsPage {
        t,
        page,
        phone: String::new(),
        email: String::new(),
        errors: FormErrors::default(),
        notice: q.email_sent.map(|_| t.email_sent),
    }
    .into_response()
}

#[derive(Deserialize)]
struct ContactsForm {
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
}

async fn contacts_submit(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: SignedIn,
    page: PageCtx,
    Form(form): Form<ContactsForm>,
) -> Result<Response, PageError> {
    if let Some(confirm) = needs_confirmation(&state, &user, "/profile/contacts") {
        return Ok(confirm);
    }
    let me = user.user().clone();
    let profile = users::profile(&state.db, &me.id)
        .await?
        .ok_or(PageError::NotFound)?;
    let mut issues = Vec::new();
    let phone = (!form.phone.trim().is_empty())
        .then(|| parse_phone("phone", &form.phone, &mut issues))
        .flatten();
    let email = (!form.email.trim().is_empty())
        .then(|| parse_email("email", &form.email, &mut issues))
        .flatten();
    if form.phone.trim().is_empty() && form.email.trim().is_empty() {
        issues.push(FieldIssue::new("phone", "required", NOTHING));
    }
    if phone
        .as_ref()
        .is_some_and(|p| Some(p.as_str()) == profile.phone.as_deref())
    {
        issues.push(FieldIssue::new("phone", "same", SAME_CONTACT));
    }
    if email
        .as_ref()
        .is_some_and(|e| Some(e.as_str()) == profile.email.as_deref())
    {
        issues.push(FieldIssue::new("email", "same", SAME_CONTACT));
    }
    let now = state.now();
    let mut redirect = "/profile/contacts?email_sent=1".to_owned();
    if issues.is_empty() {
        let mut tx = state.db.begin().await?;
        if let Some(phone) = &phone {
            let challenge = store::new_id();
            let subject = format!("{}:{challenge}", me.id);
            match codes::issue(
                &mut tx,
                &state,
                &CodeRequest {
                    purpose: "change_phone",
                    subject: &subject,
                    channel: "sms",
                    destination: phone.as_str(),
                    inert: false,
                },
                now,
            )
            .await
            {
                Ok(code) => {
                    let text = crate::features::accounts::texts::SMS_REGISTER_CODE
                        .get(info.lang)
                        .replace("{code}", &code);
                    channels::queue_sms(
                        &mut tx,
                        &Sms {
                            to: phone.as_str().to_owned(),
                            text,
                        },
                        now,
                    )
                    .await?;
                    redirect = format!("/profile/contacts/phone/{challenge}");
                }
                Err(CodeError::Store(e)) => return Err(e.into()),
                Err(err) => {
                    issues.push(FieldIssue::new("phone", "rate_limited", code_message(&err)))
                }
            }
        }
        if let Some(email) = &email
            && issues.is_empty()
        {
            let token = keys::random_token();
            store::codes::insert(
                &mut tx,
                &store::codes::NewCode {
                    purpose: "change_email",
                    subject: &keys::token_hash(&token),
                    channel: "email",
                    destination: email.as_str(),
                    code_hash: &me.id,
                    max_attempts: 1,
                    inert: false,
                    expires_at: now
                        .checked_add(SignedDuration::from_hours(24))
                        .unwrap_or(now),
                },
                now,
            )
            .await?;
            let link = format!(
                "{}/profile/contacts/email?token={token}",
                state.config.public_base()
            );
            let letter = Letter::from_paragraphs(
                email.as_str(),
                SUBJECT_CONFIRM_NEW_EMAIL.get(info.lang),
                &[link],
            );
            channels::queue_email(&mut tx, &letter, now).await?;
        }
        if issues.is_empty() {
            state.commit_and_wake(tx).await?;
            return Ok(Redirect::to(&redirect).into_response());
        }
    }
    let body = ContactsPage {
        t: texts(&page),
        errors: FormErrors::from_issues(&issues, page.lang),
        phone: form.phone,
        email: form.email,
        notice: None,
        page,
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "features/profile/phone_code.html")]
struct PhoneCodePage {
    page: PageCtx,
    t: &'static Texts,
    challenge: String,
    destination: String,
    errors: FormErrors,
}

async fn phone_code_form(
    State(state): State<AppState>,
    user: SignedIn,
    Path(challenge): Path<String>,
    page: PageCtx,
) -> Result<PhoneCodePage, PageError> {
    let subject = format!("{}:{challenge}", user.user().id);
    let mut conn = state.db.connection().await?;
    let code = store::codes::latest(&mut conn, &subject, "change_phone")
        .await?
        .ok_or(PageError::NotFound)?;
    Ok(PhoneCodePage {
        t: texts(&page),
        destination: domain::Phone::parse(&code.destination)
            .map(|p| p.masked())
            .unwrap_or_default(),
        challenge,
        errors: FormErrors::default(),
        page,
    })
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    code: String,
}

async fn phone_code_submit(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: SignedIn,
    Path(challenge): Path<String>,
    page: PageCtx,
    Form(form): Form<CodeForm>,
) -> Result<Response, PageError> {
    let me = user.user().clone();
    let subject = format!("{}:{challenge}", me.id);
    let now = state.now();
    let fail = |page: PageCtx, destination: String, issue: FieldIssue| {
        let body = PhoneCodePage {
            t: texts(&page),
            errors: FormErrors::from_issues(&[issue], page.lang),
            challenge: challenge.clone(),
            destination,
            page,
        };
        (StatusCode::UNPROCESSABLE_ENTITY, body).into_response()
    };
    let code = match codes::check(&state, "change_phone", &subject, &form.code, now).await {
        Ok(code) => code,
        Err(CodeError::Store(e)) => return Err(e.into()),
        Err(err) => {
            return Ok(fail(
                page,
                String::new(),
                FieldIssue::new("code", "wrong_code", code_message(&err)),
            ));
        }
    };
    let profile = users::profile(&state.db, &me.id)
        .await?
        .ok_or(PageError::NotFound)?;
    let mut tx = state.db.begin().await?;
    codes::consume(&mut tx, &code, now)
        .await
        .map_err(PageError::internal)?;
    match users::set_phone(&mut tx, &me.id, &code.destination, now).await {
        Ok(()) => {}
        Err(StoreError::UniqueViolation) => {
            return Ok(fail(
                page,
                String::new(),
                FieldIssue::new("code", "taken", PHONE_TAKEN),
            ));
        }
        Err(e) => return Err(e.into()),
    }
    tell_old_contacts(
        &mut tx,
        profile.phone.as_deref(),
        profile.email.as_deref(),
        SMS_CONTACT_CHANGED.get(info.lang),
        SUBJECT_CONTACT_CHANGED.get(info.lang),
        now,
    )
    .await?;
    let entry = Entry::new(Actor::of(&me), Action::UserPhoneChanged)
        .object("user", &me.id)
        .subject(&me.id)
        .from_request(info.ip.clone(), Some(user.0.id.clone()));
    audit::append(&mut tx, &entry, now).await?;
    state.commit_and_wake(tx).await?;
    Ok(Redirect::to("/profile?saved=1").into_response())
}

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

const LINK_BAD: Msg = Msg::new(
    "Ссылка устарела или уже использована. Запросите смену почты ещё раз.",
    "The link has expired or has been used. Ask for the change again.",
);

/// Opens the new-address link: the address changes, the old one is told.
async fn email_confirm(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    Query(q): Query<TokenQuery>,
) -> Result<Response, PageError> {
    let now = state.now();
    let token = q.token.unwrap_or_default();
    let mut tx = state.db.begin().await?;
    let code = store::codes::latest(&mut tx, &keys::token_hash(&token), "change_email").await?;
    let Some(code) = code.filter(|c| !c.consumed && now < c.expires_at) else {
        return Err(PageError::Gone(LINK_BAD));
    };
    let user_id = code.code_hash.clone();
    let profile = users::profile(&state.db, &user_id)
        .await?
        .ok_or(PageError::NotFound)?;
    codes::consume(&mut tx, &code, now)
        .await
        .map_err(PageError::internal)?;
    match users::set_email(&mut tx, &user_id, &code.destination, now).await {
        Ok(()) => {}
        Err(StoreError::UniqueViolation) => return Err(PageError::Gone(LINK_BAD)),
        Err(e) => return Err(e.into()),
    }
    tell_old_contacts(
        &mut tx,
        None,
        profile.email.as_deref(),
        SMS_CONTACT_CHANGED.get(info.lang),
        SUBJECT_CONTACT_CHANGED.get(info.lang),
        now,
    )
    .await?;
    let entry = Entry::new(
        Actor::User {
            id: user_id.clone(),
            role: profile.role.clone(),
        },
        Action::UserEmailChanged,
    )
    .object("user", &user_id)
    .subject(&user_id)
    .from_request(info.ip.clone(), None);
    audit::append(&mut tx, &entry, now).await?;
    state.commit_and_wake(tx).await?;
    Ok(Redirect::to("/profile?saved=1").into_response())
}
