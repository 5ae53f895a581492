//! What the account pages and the API do, written once: registration with a phone code, e-mail
//! confirmation, sign-in (password or SMS code) with lockout, sign-out, and recovery. Handlers
//! only translate forms and JSON into these calls and their errors into pages or JSON.

use domain::password::{PasswordRule, Personal, check_password};
use domain::{Email, PersonName, Phone, Role, Snils};
use jiff::{SignedDuration, Timestamp};
use sqlx::AnyConnection;
use store::StoreError;
use store::audit::Action;
use store::audit::{self, Actor, Entry};
use store::logins::{self, LoginEvent};
use store::registrations::{self, Registration};
use store::users::{self, NewUser};

use super::codes::{self, CodeError, CodeRequest};
use super::password;
use super::texts::*;
use crate::channels::{self, Email as Letter, Sms};
use crate::features::notifications::announcement::Announcement;
use crate::keys;
use crate::state::AppState;
use crate::web::context::RequestMeta;
use crate::web::device;
use crate::web::forms::FieldIssue;
use crate::web::i18n::Lang;

/// Versions of the documents a user consents to at registration.
pub const TERMS_VERSION: &str = crate::features::legal::TERMS.current().version;
pub const PERSONAL_DATA_VERSION: &str = crate::features::legal::PERSONAL_DATA.current().version;
/// Time to confirm a registration before it is forgotten.
const REGISTRATION_LIFETIME: SignedDuration = SignedDuration::from_hours(1);
/// Failed sign-ins before a lock, and the first lock's length (doubling with each repeat).
pub const FAILURES_BEFORE_LOCK: i64 = 5;
const FIRST_LOCK: SignedDuration = SignedDuration::from_mins(15);
const LONGEST_LOCK: SignedDuration = SignedDuration::from_hours(24);

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("invalid input")]
    Invalid(Vec<FieldIssue>),
    #[error(transparent)]
    Code(#[from] CodeError),
    #[error("registration not found or expired")]
    RegistrationGone,
    #[error("the account exists already")]
    AlreadyRegistered,
    #[error("wrong login or password")]
    LoginFailed,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Internal(crate::web::errors::Cause),
}

impl From<sqlx::Error> for AccountError {
    fn from(err: sqlx::Error) -> Self {
        AccountError::Store(err.into())
    }
}

impl From<password::HashError> for AccountError {
    fn from(err: password::HashError) -> Self {
        AccountError::Internal(err.into())
    }
}

/// The registration form as typed.
#[derive(Debug, Clone, Default)]
pub struct RegisterInput {
    pub surname: String,
    pub given_name: String,
    pub patronymic: String,
    pub phone: String,
    pub email: String,
    pub password: String,
    pub consent_terms: bool,
    pub consent_personal_data: bool,
}

struct ValidRegistration {
    surname: PersonName,
    given_name: PersonName,
    patronymic: Option<PersonName>,
    phone: Phone,
    email: Email,
}

fn name(
    field: &'static str,
    value: &str,
    required: bool,
    issues: &mut Vec<FieldIssue>,
) -> Option<PersonName> {
    if value.trim().is_empty() {
        if required {
            issues.push(FieldIssue::required(field));
        }
        return None;
    }
    match PersonName::parse(value) {
        Ok(n) => Some(n),
        Err(_) => {
            issues.push(FieldIssue::new(field, "format", NAME_FORMAT));
            None
        }
    }
}

pub fn parse_phone(
    field: &'static str,
    value: &str,
    issues: &mut Vec<FieldIssue>,
) -> Option<Phone> {
    match Phone::parse(value) {
        Ok(p) => Some(p),
        Err(domain::contact::PhoneError::Empty) => {
            issues.push(FieldIssue::required(field));
            None
        }
        Err(domain::contact::PhoneError::NotMobile) => {
            issues.push(FieldIssue::new(field, "not_mobile", PHONE_NOT_MOBILE));
            None
        }
        Err(_) => {
            issues.push(FieldIssue::new(field, "format", PHONE_FORMAT));
            None
        }
    }
}

pub fn parse_email(
    field: &'static str,
    value: &str,
    issues: &mut Vec<FieldIssue>,
) -> Option<Email> {
    match Email::parse(value) {
        Ok(e) => Some(e),
        Err(domain::contact::EmailError::Empty) => {
            issues.push(FieldIssue::required(field));
            None
        }
        Err(_) => {
            issues.push(FieldIssue::new(field, "format", EMAIL_FORMAT));
            None
        }
    }
}

/// Checks a new password against the rules; every failed rule becomes an issue on `field`.
pub fn password_issues(
    field: &'static str,
    value: &str,
    personal: &Personal<'_>,
    issues: &mut Vec<FieldIssue>,
) {
    if value.is_empty() {
        issues.push(FieldIssue::required(field));
        return;
    }
    if let Err(rules) = check_password(value, personal) {
        for rule in rules {
            let (code, msg) = match rule {
                PasswordRule::TooShort => ("too_short", PASSWORD_TOO_SHORT),
                PasswordRule::TooLong => ("too_long", PASSWORD_TOO_LONG),
                PasswordRule::NoLowercase => ("no_lowercase", PASSWORD_NO_LOWER),
                PasswordRule::NoUppercase => ("no_uppercase", PASSWORD_NO_UPPER),
                PasswordRule::NoDigit => ("no_digit", PASSWORD_NO_DIGIT),
                PasswordRule::NoSpecial => ("no_special", PASSWORD_NO_SPECIAL),
                PasswordRule::Common => ("common", PASSWORD_COMMON),
                PasswordRule::ContainsPersonalData => ("personal_data", PASSWORD_PERSONAL),
            };
            issues.push(FieldIssue::new(field, code, msg));
        }
    }
}

fn validate_registration(input: &RegisterInput) -> Result<ValidRegistration, Vec<FieldIssue>> {
    let mut issues = Vec::new();
    let surname = name("surname", &input.surname, true, &mut issues);
    let given_name = name("given_name", &input.given_name, true, &mut issues);
    let patronymic = name("patronymic", &input.patronymic, false, &mut issues);
    let phone = parse_phone("phone", &input.phone, &mut issues);
    let email = parse_email("email", &input.email, &mut issues);
    let names: Vec<&str> = [&surname, &given_name, &patronymic]
        .into_iter()
        .flatten()
        .map(|n| n.as_str())
        .collect();
    let personal = Personal {
        phone: phone.as_ref().map(Phone::as_str),
        email: email.as_ref().map(Email::as_str),
        names: &names,
    };
    password_issues("password", &input.password, &personal, &mut issues);
    if !input.consent_terms {
        issues.push(FieldIssue::new(
            "consent_terms",
            "required",
            CONSENT_TERMS_REQUIRED,
        ));
    }
    if !input.consent_personal_data {
        issues.push(FieldIssue::new(
            "consent_personal_data",
            "required",
            CONSENT_PD_REQUIRED,
        ));
    }
    match (surname, given_name, phone, email) {
        (Some(surname), Some(given_name), Some(phone), Some(email)) if issues.is_empty() => {
            Ok(ValidRegistration {
                surname,
                given_name,
                patronymic,
                phone,
                email,
            })
        }
        _ => Err(issues),
    }
}

/// A registration waiting for its phone code.
#[derive(Debug, Clone)]
pub struct RegistrationStarted {
    pub id: String,
    pub phone_masked: String,
}

/// Step one: validate, keep the registration, send the phone code. When the phone or e-mail
/// belongs to an account already, the answer is exactly the same, no code is sent, and the
/// owner is told by their own channels instead (no enumeration).
pub async fn register(
    state: &AppState,
    input: &RegisterInput,
    meta: &RequestMeta,
) -> Result<RegistrationStarted, AccountError> {
    let valid = validate_registration(input).map_err(AccountError::Invalid)?;
    let hash = password::hash(input.password.clone()).await?;
    let now = state.now();
    let consents = serde_json::json!([
        { "document": crate::features::legal::TERMS.code, "version": TERMS_VERSION, "given_at": now.as_microsecond() },
        { "document": crate::features::legal::PERSONAL_DATA.code, "version": PERSONAL_DATA_VERSION, "given_at": now.as_microsecond() },
    ]);

    let mut tx = state.db.begin().await?;
    let phone_owner = users::id_by_login(&mut tx, valid.phone.as_str()).await?;
    let email_owner = users::id_by_login(&mut tx, valid.email.as_str()).await?;
    let conflict = phone_owner.is_some() || email_owner.is_some();
    let registration = Registration {
        id: String::new(),
        surname: valid.surname.as_str().to_owned(),
        given_name: valid.given_name.as_str().to_owned(),
        patronymic: valid.patronymic.as_ref().map(|p| p.as_str().to_owned()),
        phone: valid.phone.as_str().to_owned(),
        email: valid.email.as_str().to_owned(),
        password_hash: if conflict { String::new() } else { hash },
        consents: consents.to_string(),
        conflict,
        user_id: None,
        created_at: now,
        expires_at: now.checked_add(REGISTRATION_LIFETIME).unwrap_or(now),
    };
    let id = registrations::insert(&mut tx, &registration).await?;
    let code = codes::issue(
        &mut tx,
        state,
        &CodeRequest {
            purpose: "register_phone",
            subject: &id,
            channel: "sms",
            destination: valid.phone.as_str(),
            inert: conflict,
        },
        now,
    )
    .await?;
    if conflict {
        if phone_owner.is_some() {
            let text = SMS_REGISTER_CONFLICT.get(meta.lang).to_owned();
            channels::queue_sms(
                &mut tx,
                &Sms {
                    to: valid.phone.as_str().to_owned(),
                    text,
                },
                now,
            )
            .await?;
        }
        if email_owner.is_some() {
            let letter = Letter::from_paragraphs(
                valid.email.as_str(),
                SUBJECT_REGISTER_CONFLICT.get(meta.lang),
                &[SMS_REGISTER_CONFLICT
                    .get(meta.lang)
                    .replace("Кабинет: ", "")
                    .replace("Kabinet: ", "")],
            );
            channels::queue_email(&mut tx, &letter, now).await?;
        }
    } else {
        let text = SMS_REGISTER_CODE.get(meta.lang).replace("{code}", &code);
        channels::queue_sms(
            &mut tx,
            &Sms {
                to: valid.phone.as_str().to_owned(),
                text,
            },
            now,
        )
        .await?;
    }
    let entry = Entry::new(Actor::Anonymous, Action::RegistrationStarted)
        .object("registration", &id)
        .from_request(meta.ip.clone(), None);
    audit::append(&mut tx, &entry, now).await?;
    state.commit_and_wake(tx).await?;
    Ok(RegistrationStarted {
        id,
        phone_masked: valid.phone.masked(),
    })
}

/// The registration behind a confirmation page, while it can still be confirmed.
pub async fn pending_registration(
    state: &AppState,
    id: &str,
) -> Result<Registration, AccountError> {
    let mut conn = state.db.connection().await?;
    match registrations::find(&mut conn, id).await? {
        Some(r) if r.user_id.is_some() => Err(AccountError::AlreadyRegistered),
        Some(r) if state.now() < r.expires_at => Ok(r),
        _ => Err(AccountError::RegistrationGone),
    }
}

pub async fn resend_registration_code(
    state: &AppState,
    id: &str,
    meta: &RequestMeta,
) -> Result<(), AccountError> {
    let registration = pending_registration(state, id).await?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let code = codes::issue(
        &mut tx,
        state,
        &CodeRequest {
            purpose: "register_phone",
            subject: id,
            channel: "sms",
            destination: &registration.phone,
            inert: registration.conflict,
        },
        now,
    )
    .await?;
    if !registration.conflict {
        let text = SMS_REGISTER_CODE.get(meta.lang).replace("{code}", &code);
        channels::queue_sms(
            &mut tx,
            &Sms {
                to: registration.phone.clone(),
                text,
            },
            now,
        )
        .await?;
    }
    state.commit_and_wake(tx).await?;
    Ok(())
}

/// Step two: the phone code creates the account (identity level `Simplified`, phone confirmed),
/// records the consents, sends the e-mail confirmation link, and signs the user in.
pub async fn confirm_registration(
    state: &AppState,
    id: &str,
    typed: &str,
    meta: &RequestMeta,
) -> Result<String, AccountError> {
    let registration = pending_registration(state, id).await?;
    let now = state.now();
    let code = codes::check(state, "register_phone", id, typed, now).await?;

    let mut tx = state.db.begin().await?;
    codes::consume(&mut tx, &code, now).await?;
    let user = NewUser {
        role: Role::Citizen,
        surname: registration.surname.clone(),
        given_name: registration.given_name.clone(),
        patronymic: registration.patronymic.clone(),
        phone: Some(registration.phone.clone()),
        email: Some(registration.email.clone()),
        password_hash: Some(registration.password_hash.clone()),
        contacts_verified: false,
    };
    let user_id = match users::insert(&mut tx, &user, now).await {
        Ok(id) => id,
        // Taken in the hour since the registration began.
        Err(StoreError::UniqueViolation) => return Err(AccountError::AlreadyRegistered),
        Err(e) => return Err(e.into()),
    };
    users::mark_phone_verified(&mut tx, &user_id, now).await?;
    if !registrations::complete(&mut tx, id, &user_id).await? {
        return Err(AccountError::AlreadyRegistered);
    }
    let consents: Vec<serde_json::Value> =
        serde_json::from_str(&registration.consents).unwrap_or_default();
    for consent in consents {
        let document = consent["document"].as_str().unwrap_or_default();
        let version = consent["version"].as_str().unwrap_or_default();
        let given_at = consent["given_at"]
            .as_i64()
            .and_then(|m| Timestamp::from_microsecond(m).ok())
            .unwrap_or(now);
        store::consents::insert(&mut tx, &user_id, document, version, given_at).await?;
    }
    send_email_confirmation(
        &mut tx,
        state,
        &user_id,
        &registration.email,
        meta.lang,
        now,
    )
    .await?;
    let entry = Entry::new(
        Actor::User {
            id: user_id.clone(),
            role: Role::Citizen.as_str().to_owned(),
        },
        Action::UserRegistered,
    )
    .object("user", &user_id)
    .subject(&user_id)
    .from_request(meta.ip.clone(), None)
    .details(serde_json::json!({ "identity_level": "simplified" }));
    audit::append(&mut tx, &entry, now).await?;
    state.commit_and_wake(tx).await?;
    Ok(user_id)
}

/// Sends a link that confirms the e-mail address (valid for a day, single use).
pub async fn send_email_confirmation(
    conn: &mut AnyConnection,
    state: &AppState,
    user_id: &str,
    email: &str,
    lang: Lang,
    now: Timestamp,
) -> Result<(), AccountError> {
    let token = keys::random_token();
    store::codes::insert(
        conn,
        &store::codes::NewCode {
            purpose: "confirm_email",
            subject: &keys::token_hash(&token),
            channel: "email",
            destination: email,
            code_hash: user_id,
            max_attempts: 1,
            inert: false,
            expires_at: now
                .checked_add(SignedDuration::from_hours(24))
                .unwrap_or(now),
        },
        now,
    )
    .await?;
    let link = format!("{}/confirm-email?token={token}", state.config.public_base());
    let paragraphs = match lang {
        Lang::Ru => vec![
            "Здравствуйте!".to_owned(),
            "Чтобы подтвердить адрес электронной почты в Кабинете, откройте ссылку (она действует сутки):".to_owned(),
            link,
            "Если вы не регистрировались в Кабинете, просто удалите это письмо.".to_owned(),
        ],
        Lang::En => vec![
            "Hello,".to_owned(),
            "To confirm your e-mail address in Kabinet, open this link (valid for a day):".to_owned(),
            link,
            "If you did not create a Kabinet account, delete this letter.".to_owned(),
        ],
    };
    let letter = Letter::from_paragraphs(email, SUBJECT_CONFIRM_EMAIL.get(lang), &paragraphs);
    channels::queue_email(conn, &letter, now).await?;
    Ok(())
}

/// Confirms an e-mail address from the link. Returns the user whose address it is.
pub async fn confirm_email(state: &AppState, token: &str) -> Result<String, AccountError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let Some(code) =
        store::codes::latest(&mut tx, &keys::token_hash(token), "confirm_email").await?
    else {
        return Err(CodeError::NoCode.into());
    };
    if code.consumed {
        return Err(CodeError::Used.into());
    }
    if now >= code.expires_at {
        return Err(CodeError::Expired.into());
    }
    codes::consume(&mut tx, &code, now).await?;
    // The code row's hash column holds the user id for links (the token itself is the secret).
    let user_id = code.code_hash.clone();
    if !users::mark_email_verified(&mut tx, &user_id, &code.destination, now).await? {
        return Err(CodeError::NoCode.into());
    }
    let entry = Entry::new(
        Actor::User {
            id: user_id.clone(),
            role: "citizen".to_owned(),
        },
        Action::UserEmailConfirmed,
    )
    .object("user", &user_id)
    .subject(&user_id);
    audit::append(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(user_id)
}

/// The ways a person names their account at sign-in, most specific first.
fn login_candidates(login: &str) -> Vec<String> {
    let login = login.trim();
    if login.contains('@') {
        return Email::parse(login)
            .map(|e| vec![e.as_str().to_owned()])
            .unwrap_or_default();
    }
    let mut out = Vec::new();
    let snils_shaped = login.contains('-') && login.matches('-').count() >= 2;
    let snils = Snils::parse(login).ok().map(|s| s.digits().to_owned());
    let phone = Phone::parse(login).ok().map(|p| p.as_str().to_owned());
    if snils_shaped {
        out.extend(snils.clone());
        out.extend(phone);
    } else {
        out.extend(phone);
        out.extend(snils);
    }
    out
}

/// A hash of a password nobody has, so that an unknown login costs the same time as a known one.
async fn dummy_verify(password: &str) {
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$W0CUW0CZ0uAmQ0v6Y1Yp1Ys0a6Q6w2d0fYlR6Vq3V9k";
    let _ = password::verify(password.to_owned(), DUMMY.to_owned()).await;
}

/// Signs in with a password. Unknown login, wrong password and a locked account give the same
/// answer in the same time; the owner of a locked account is told by their channels.
pub async fn login_with_password(
    state: &AppState,
    login: &str,
    password_typed: &str,
    meta: &RequestMeta,
) -> Result<String, AccountError> {
    let now = state.now();
    let mut credentials = None;
    {
        let mut conn = state.db.connection().await?;
        for candidate in login_candidates(login) {
            if let Some(found) = users::credentials_by_login(&mut conn, &candidate).await? {
                credentials = Some(found);
                break;
            }
        }
    }
    let Some(account) = credentials else {
        dummy_verify(password_typed).await;
        record_login(state, None, "password", "unknown_user", meta, now).await?;
        return Err(AccountError::LoginFailed);
    };
    let password_ok = match &account.password_hash {
        Some(hash) => password::verify(password_typed.to_owned(), hash.clone()).await,
        None => {
            dummy_verify(password_typed).await;
            false
        }
    };
    if account.locked_until.is_some_and(|until| now < until) {
        record_login(state, Some(&account.id), "password", "locked", meta, now).await?;
        return Err(AccountError::LoginFailed);
    }
    if !password_ok {
        let mut tx = state.db.begin().await?;
        count_wrong_password(&mut tx, &account, meta, now).await?;
        insert_login_event(
            state,
            &mut tx,
            Some(&account.id),
            "password",
            "wrong_password",
            meta,
            now,
        )
        .await?;
        state.commit_and_wake(tx).await?;
        return Err(AccountError::LoginFailed);
    }
    Ok(account.id)
}

/// Counts a wrong password against the account, wherever it was typed (signing in, confirming a
/// change): after [`FAILURES_BEFORE_LOCK`] the account is locked, for longer each time, and the
/// person is told. The caller commits and wakes the worker.
pub async fn count_wrong_password(
    conn: &mut AnyConnection,
    account: &users::Credentials,
    meta: &RequestMeta,
    now: Timestamp,
) -> Result<(), StoreError> {
    let failures = account.failed_logins + 1;
    let lock = (failures >= FAILURES_BEFORE_LOCK).then(|| {
        let factor =
            2_i64.saturating_pow(u32::try_from(account.lockouts.clamp(0, 16)).unwrap_or(16));
        let length = SignedDuration::from_secs(
            (FIRST_LOCK.as_secs().saturating_mul(factor)).min(LONGEST_LOCK.as_secs()),
        );
        now.checked_add(length).unwrap_or(now)
    });
    users::record_failed_login(conn, &account.id, lock).await?;
    if let Some(until) = lock {
        tell_about_lock(conn, account, until, meta.lang, now).await?;
        let entry = Entry::new(Actor::System, Action::UserLocked)
            .object("user", &account.id)
            .subject(&account.id)
            .from_request(meta.ip.clone(), None)
            .details(
                serde_json::json!({ "until": until.to_string(), "lockouts": account.lockouts + 1 }),
            );
        audit::append(conn, &entry, now).await?;
    }
    Ok(())
}

async fn tell_about_lock(
    conn: &mut AnyConnection,
    account: &users::Credentials,
    until: Timestamp,
    lang: Lang,
    now: Timestamp,
) -> Result<(), StoreError> {
    // The lock is announced before anything else of the account is read: in the default zone.
    let shown = crate::local_time::shown(until, crate::local_time::DEFAULT_ZONE);
    let text = SMS_LOCKED.get(lang).replace("{until}", &shown);
    if let Some(phone) = &account.phone {
        channels::queue_sms(
            conn,
            &Sms {
                to: phone.clone(),
                text: text.clone(),
            },
            now,
        )
        .await?;
    }
    if let Some(email) = &account.email {
        let body = text.replace("Кабинет: ", "").replace("Kabinet: ", "");
        let letter = Letter::from_paragraphs(email, SUBJECT_LOCKED.get(lang), &[body]);
        channels::queue_email(conn, &letter, now).await?;
    }
    Ok(())
}

async fn insert_login_event(
    state: &AppState,
    conn: &mut AnyConnection,
    user_id: Option<&str>,
    method: &str,
    result: &str,
    meta: &RequestMeta,
    now: Timestamp,
) -> Result<(), StoreError> {
    let parsed = meta.user_agent.as_deref().map(device::parse);
    logins::insert(
        conn,
        &LoginEvent {
            id: String::new(),
            user_id: user_id.map(str::to_owned),
            at: now,
            method: method.to_owned(),
            result: result.to_owned(),
            ip: meta.ip.clone(),
            user_agent: meta.user_agent.clone(),
            device: parsed.as_ref().map(|d| d.device.clone()),
            browser: parsed.as_ref().map(|d| d.browser.clone()),
            location: state.geoip.locate(meta.ip.as_deref()),
        },
    )
    .await
}

async fn record_login(
    state: &AppState,
    user_id: Option<&str>,
    method: &str,
    result: &str,
    meta: &RequestMeta,
    now: Timestamp,
) -> Result<(), AccountError> {
    let mut conn = state.db.connection().await?;
    insert_login_event(state, &mut conn, user_id, method, result, meta, now).await?;
    Ok(())
}

/// A signed-in session: its cookie token (shown once), id, and the browser's device mark to keep.
pub struct NewSession {
    pub token: String,
    pub id: String,
    pub device: String,
}

/// Opens a session for a user who proved who they are, in one transaction with the history
/// entry and the audit record. `replaces` is the session the browser had before (rotated out).
pub async fn open_session(
    state: &AppState,
    user_id: &str,
    method: &str,
    replaces: Option<&str>,
    meta: &RequestMeta,
) -> Result<NewSession, AccountError> {
    let now = state.now();
    let token = keys::random_token();
    let hash = keys::token_hash(&token);
    let role = users::summary(&state.db, user_id)
        .await?
        .map(|u| u.role.as_str().to_owned())
        .unwrap_or_default();
    let idle_minutes = users::idle_timeout_minutes(&state.db, user_id)
        .await?
        .unwrap_or(i64::from(state.config.session.idle_timeout_minutes));
    let mut tx = state.db.begin().await?;
    if let Some(old) = replaces {
        store::sessions::delete(&mut tx, old).await?;
    }
    users::record_successful_login(&mut tx, user_id).await?;
    let id = store::sessions::create(
        &mut tx,
        &store::sessions::NewSession {
            token_hash: &hash,
            user_id,
            idle_timeout: SignedDuration::from_mins(idle_minutes),
            absolute_lifetime: SignedDuration::from_hours(i64::from(
                state.config.session.absolute_lifetime_hours,
            )),
            ip: meta.ip.as_deref(),
            user_agent: meta.user_agent.as_deref(),
        },
        now,
    )
    .await?;
    insert_login_event(state, &mut tx, Some(user_id), method, "success", meta, now).await?;
    let device = meta.device.clone().unwrap_or_else(keys::random_token);
    note_device(&mut tx, state, user_id, &device, meta, now).await?;
    let entry = Entry::new(
        Actor::User {
            id: user_id.to_owned(),
            role,
        },
        Action::SessionSignedIn,
    )
    .object("session", &id)
    .subject(user_id)
    .from_request(meta.ip.clone(), Some(id.clone()))
    .details(serde_json::json!({ "method": method }));
    audit::append(&mut tx, &entry, now).await?;
    state.commit_and_wake(tx).await?;
    Ok(NewSession { token, id, device })
}

/// Remembers the device a person signs in from and, when it is new to an account that has
/// signed in before, tells them (time, device, address) by their security channels.
pub async fn note_device(
    conn: &mut AnyConnection,
    state: &AppState,
    user_id: &str,
    device_mark: &str,
    meta: &RequestMeta,
    now: Timestamp,
) -> Result<(), StoreError> {
    let label = meta
        .user_agent
        .as_deref()
        .map(device::parse)
        .map(|d| format!("{} · {}", d.browser, d.device))
        .unwrap_or_else(|| "—".to_owned());
    let had_devices = logins::has_known_devices(conn, user_id).await?;
    let new =
        logins::remember_device(conn, user_id, &keys::token_hash(device_mark), &label, now).await?;
    if new && had_devices {
        let place = state.geoip.locate(meta.ip.as_deref());
        announce_new_device(conn, state, user_id, &label, place.as_deref(), meta, now).await?;
    }
    Ok(())
}

/// A sign-in from a device not seen before: when, which device, from where.
async fn announce_new_device(
    conn: &mut AnyConnection,
    state: &AppState,
    user_id: &str,
    device: &str,
    place: Option<&str>,
    meta: &RequestMeta,
    now: Timestamp,
) -> Result<(), StoreError> {
    let ip = meta.ip.clone().unwrap_or_else(|| "—".to_owned());
    let place_ru = place.map(|p| format!(", {p}")).unwrap_or_default();
    let tell = Announcement {
        what: "new_device",
        title: (
            "Вход в кабинет с нового устройства",
            "Sign-in from a new device",
        ),
        body: (
            format!(
                "Устройство: {device}; IP {ip}{place_ru}. Если это были не вы, завершите сеанс в разделе «Устройства и сеансы» и смените пароль."
            ),
            format!(
                "Device: {device}; IP {ip}{place_ru}. If this was not you, end the session under Devices and sessions and change your password."
            ),
        ),
        link: "/security",
    };
    tell.send(conn, state, user_id, now).await
}

/// Ends one session (sign-out), or all of the user's sessions and API tokens.
pub async fn sign_out(
    state: &AppState,
    user: &store::users::UserSummary,
    session_id: &str,
    everywhere: bool,
    meta: &RequestMeta,
) -> Result<(), AccountError> {
    let user_id = user.id.as_str();
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if everywhere {
        store::sessions::delete_all_for_user(&mut tx, user_id, None).await?;
        store::tokens::revoke_all(&mut tx, user_id, now).await?;
    } else {
        store::sessions::delete(&mut tx, session_id).await?;
    }
    let action = if everywhere {
        Action::SessionSignedOutEverywhere
    } else {
        Action::SessionSignedOut
    };
    let entry = Entry::new(
        Actor::User {
            id: user_id.to_owned(),
            role: user.role.as_str().to_owned(),
        },
        action,
    )
    .object("session", session_id)
    .subject(user_id)
    .from_request(meta.ip.clone(), Some(session_id.to_owned()));
    audit::append(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(())
}
