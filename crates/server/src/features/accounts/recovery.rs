//! Signing in with an SMS code, and recovering access: a code to a confirmed phone or e-mail and a
//! new password; or, with no reachable contact, a request for a verifier to review.
//!
//! Both start the same way whether or not the contact belongs to an account: a "challenge" page
//! that asks for a code. For unknown contacts the stored code is inert, so nothing reveals which
//! phones and addresses have accounts.

use domain::password::Personal;
use domain::{Email, Phone, Snils};
use jiff::Timestamp;
use store::audit::Action;
use store::audit::{self, Actor, Entry};
use store::users;

use super::codes::{self, CodeError, CodeRequest};
use super::password;
use super::service::{AccountError, parse_phone, password_issues};
use super::texts::*;
use crate::channels::{self, Email as Letter, Sms};
use crate::state::AppState;
use crate::web::context::RequestMeta;
use crate::web::forms::FieldIssue;
use crate::web::i18n::Msg;

pub const LOGIN_PURPOSE: &str = "login";
pub const RECOVERY_PURPOSE: &str = "recover";

/// Sends a sign-in code to the phone when it is the confirmed phone of an account. Returns the
/// challenge id for the code page (the same either way).
pub async fn start_login_code(
    state: &AppState,
    phone_typed: &str,
    meta: &RequestMeta,
) -> Result<String, AccountError> {
    let mut issues = Vec::new();
    let phone =
        parse_phone("phone", phone_typed, &mut issues).ok_or(AccountError::Invalid(issues))?;
    let now = state.now();
    let challenge = store::new_id();
    let mut tx = state.db.begin().await?;
    let owner = users::by_confirmed_contact(&mut tx, phone.as_str()).await?;
    let code = codes::issue(
        &mut tx,
        state,
        &CodeRequest {
            purpose: LOGIN_PURPOSE,
            subject: &challenge,
            channel: "sms",
            destination: phone.as_str(),
            inert: owner.is_none(),
        },
        now,
    )
    .await?;
    if owner.is_some() {
        let text = SMS_LOGIN_CODE.get(meta.lang).replace("{code}", &code);
        channels::queue_sms(
            &mut tx,
            &Sms {
                to: phone.as_str().to_owned(),
                text,
            },
            now,
        )
        .await?;
    }
    state.commit_and_wake(tx).await?;
    Ok(challenge)
}

/// Where the code of a challenge went, masked, while it is still usable.
pub async fn challenge_destination(
    state: &AppState,
    challenge: &str,
    purpose: &str,
) -> Result<Option<String>, AccountError> {
    let mut conn = state.db.connection().await?;
    let code = store::codes::latest(&mut conn, challenge, purpose).await?;
    Ok(code.filter(|c| !c.consumed).map(|c| mask(&c.destination)))
}

fn mask(destination: &str) -> String {
    if destination.contains('@') {
        Email::parse(destination)
            .map(|e| e.masked())
            .unwrap_or_default()
    } else {
        Phone::parse(destination)
            .map(|p| p.masked())
            .unwrap_or_default()
    }
}

/// Checks the sign-in code; returns the user to open a session for.
pub async fn finish_login_code(
    state: &AppState,
    challenge: &str,
    typed: &str,
    meta: &RequestMeta,
) -> Result<String, AccountError> {
    let now = state.now();
    let code = codes::check(state, LOGIN_PURPOSE, challenge, typed, now).await?;
    let mut tx = state.db.begin().await?;
    codes::consume(&mut tx, &code, now).await?;
    let Some(account) = users::by_confirmed_contact(&mut tx, &code.destination).await? else {
        return Err(CodeError::NoCode.into());
    };
    if account.locked_until.is_some_and(|until| now < until) {
        return Err(AccountError::LoginFailed);
    }
    tx.commit().await?;
    let _ = meta;
    Ok(account.id)
}

/// Sends a password reset code to a confirmed phone or e-mail.
pub async fn start_recovery(
    state: &AppState,
    contact_typed: &str,
    meta: &RequestMeta,
) -> Result<String, AccountError> {
    let (contact, channel) = if contact_typed.contains('@') {
        match Email::parse(contact_typed) {
            Ok(e) => (e.as_str().to_owned(), "email"),
            Err(_) => {
                return Err(AccountError::Invalid(vec![FieldIssue::new(
                    "contact",
                    "format",
                    CONTACT_FORMAT,
                )]));
            }
        }
    } else {
        match Phone::parse(contact_typed) {
            Ok(p) => (p.as_str().to_owned(), "sms"),
            Err(_) => {
                return Err(AccountError::Invalid(vec![FieldIssue::new(
                    "contact",
                    "format",
                    CONTACT_FORMAT,
                )]));
            }
        }
    };
    let now = state.now();
    let challenge = store::new_id();
    let mut tx = state.db.begin().await?;
    let owner = users::by_confirmed_contact(&mut tx, &contact).await?;
    let code = codes::issue(
        &mut tx,
        state,
        &CodeRequest {
            purpose: RECOVERY_PURPOSE,
            subject: &challenge,
            channel,
            destination: &contact,
            inert: owner.is_none(),
        },
        now,
    )
    .await?;
    if owner.is_some() {
        let text = SMS_RECOVERY_CODE.get(meta.lang).replace("{code}", &code);
        if channel == "sms" {
            channels::queue_sms(
                &mut tx,
                &Sms {
                    to: contact.clone(),
                    text,
                },
                now,
            )
            .await?;
        } else {
            let body = text.replace("Кабинет: ", "").replace("Kabinet: ", "");
            let letter =
                Letter::from_paragraphs(&contact, SUBJECT_RECOVERY_CODE.get(meta.lang), &[body]);
            channels::queue_email(&mut tx, &letter, now).await?;
        }
    }
    state.commit_and_wake(tx).await?;
    Ok(challenge)
}

/// Checks the reset code, sets the new password, ends every session and API token, lifts a
/// lock, and tells the owner by the other channel.
pub async fn finish_recovery(
    state: &AppState,
    challenge: &str,
    typed: &str,
    new_password: &str,
    confirm: &str,
    meta: &RequestMeta,
) -> Result<(), AccountError> {
    let now = state.now();
    let code = codes::check(state, RECOVERY_PURPOSE, challenge, typed, now).await?;
    let account = {
        let mut conn = state.db.connection().await?;
        users::by_confirmed_contact(&mut conn, &code.destination)
            .await?
            .ok_or(AccountError::Code(CodeError::NoCode))?
    };
    let summary = users::summary(&state.db, &account.id)
        .await?
        .ok_or(AccountError::Code(CodeError::NoCode))?;
    let names = [summary.surname.as_str(), summary.given_name.as_str()];
    let mut issues = Vec::new();
    password_issues(
        "password",
        new_password,
        &Personal {
            phone: account.phone.as_deref(),
            email: account.email.as_deref(),
            names: &names,
        },
        &mut issues,
    );
    if new_password != confirm {
        issues.push(FieldIssue::new(
            "password_confirm",
            "mismatch",
            PASSWORDS_DIFFER,
        ));
    }
    if !issues.is_empty() {
        return Err(AccountError::Invalid(issues));
    }
    let hash = password::hash(new_password.to_owned()).await?;
    let mut tx = state.db.begin().await?;
    codes::consume(&mut tx, &code, now).await?;
    users::set_password_hash(&mut tx, &account.id, &hash, now).await?;
    users::unlock(&mut tx, &account.id).await?;
    store::sessions::delete_all_for_user(&mut tx, &account.id, None).await?;
    store::tokens::revoke_all(&mut tx, &account.id, now).await?;
    announce_password_change(&mut tx, &account, code.channel.as_str(), meta, now).await?;
    let entry = Entry::new(Actor::Anonymous, Action::UserPasswordRecovered)
        .object("user", &account.id)
        .subject(&account.id)
        .from_request(meta.ip.clone(), None)
        .details(serde_json::json!({ "channel": code.channel }));
    audit::append(&mut tx, &entry, now).await?;
    state.commit_and_wake(tx).await?;
    Ok(())
}

/// Tells the owner about a password change, by the channel the change did not come through (and
/// by the same one when there is no other).
async fn announce_password_change(
    conn: &mut sqlx::AnyConnection,
    account: &users::Credentials,
    used_channel: &str,
    meta: &RequestMeta,
    now: Timestamp,
) -> Result<(), AccountError> {
    let text = SMS_PASSWORD_CHANGED.get(meta.lang).to_owned();
    let email_target = account
        .email
        .as_deref()
        .filter(|_| used_channel != "email" || account.phone.is_none());
    let sms_target = account
        .phone
        .as_deref()
        .filter(|_| used_channel != "sms" || account.email.is_none());
    if let Some(phone) = sms_target {
        channels::queue_sms(
            conn,
            &Sms {
                to: phone.to_owned(),
                text: text.clone(),
            },
            now,
        )
        .await?;
    }
    if let Some(email) = email_target {
        let body = text.replace("Кабинет: ", "").replace("Kabinet: ", "");
        let letter =
            Letter::from_paragraphs(email, SUBJECT_PASSWORD_CHANGED.get(meta.lang), &[body]);
        channels::queue_email(conn, &letter, now).await?;
    }
    Ok(())
}

/// A recovery request as typed.
#[derive(Debug, Clone, Default)]
pub struct RecoveryRequestInput {
    pub surname: String,
    pub given_name: String,
    pub patronymic: String,
    pub birth_date: String,
    pub passport_series: String,
    pub passport_number: String,
    pub snils: String,
    pub contact: String,
}

pub const DATE_FORMAT: Msg = Msg::new(
    "Введите дату в формате ДД.ММ.ГГГГ",
    "Enter the date as DD.MM.YYYY",
);
pub const PASSPORT_SERIES_FORMAT: Msg = Msg::new(
    "Серия паспорта — 4 цифры",
    "The passport series is 4 digits",
);
pub const PASSPORT_NUMBER_FORMAT: Msg =
    Msg::new("Номер паспорта — 6 цифр", "The passport number is 6 digits");
pub const SNILS_FORMAT: Msg = Msg::new(
    "СНИЛС — 11 цифр, например 112-233-445 95",
    "SNILS is 11 digits, for example 112-233-445 95",
);
pub const SNILS_CHECK: Msg = Msg::new(
    "Контрольное число СНИЛС не сходится: проверьте цифры",
    "The SNILS check number does not match: check the digits",
);

/// A civil date typed as `ДД.ММ.ГГГГ` or `ГГГГ-ММ-ДД`, not in the future and not absurdly old.
pub fn parse_date(input: &str, today: jiff::civil::Date) -> Option<jiff::civil::Date> {
    past_date(input, today).ok()
}

pub const NO_SUCH_DATE: Msg = Msg::new(
    "Такой даты нет: проверьте день и месяц",
    "There is no such date: check the day and the month",
);
pub const DATE_IN_FUTURE: Msg = Msg::new(
    "Дата не может быть в будущем",
    "The date cannot be in the future",
);
pub const DATE_TOO_OLD: Msg = Msg::new(
    "Проверьте год: дата раньше 1900 года",
    "Check the year: the date is before 1900",
);

/// As [`parse_date`], or what is wrong with the date, in words.
pub fn past_date(input: &str, today: jiff::civil::Date) -> Result<jiff::civil::Date, Msg> {
    let date = domain::documents::parse_date(input).map_err(|e| match e {
        domain::documents::FieldError::NoSuchDate => NO_SUCH_DATE,
        _ => DATE_FORMAT,
    })?;
    if date > today {
        Err(DATE_IN_FUTURE)
    } else if date.year() < 1900 {
        Err(DATE_TOO_OLD)
    } else {
        Ok(date)
    }
}

/// A date field checked by [`past_date`]; its problem recorded as an issue on `field`.
pub fn past_date_field(
    field: &'static str,
    input: &str,
    today: jiff::civil::Date,
    issues: &mut Vec<FieldIssue>,
) -> Option<jiff::civil::Date> {
    past_date(input, today)
        .map_err(|msg| issues.push(FieldIssue::new(field, "format", msg)))
        .ok()
}

fn digits_exactly(value: &str, n: usize) -> Option<String> {
    let compact: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    (compact.len() == n && compact.chars().all(|c| c.is_ascii_digit())).then_some(compact)
}

/// Files a request for a verifier; it is stored and shown to operators.
pub async fn file_recovery_request(
    state: &AppState,
    input: &RecoveryRequestInput,
    meta: &RequestMeta,
) -> Result<String, AccountError> {
    let mut issues = Vec::new();
    let name = |field: &'static str, value: &str, required: bool, issues: &mut Vec<FieldIssue>| {
        if value.trim().is_empty() {
            if required {
                issues.push(FieldIssue::required(field));
            }
            return None;
        }
        match domain::PersonName::parse(value) {
            Ok(n) => Some(n.as_str().to_owned()),
            Err(_) => {
                issues.push(FieldIssue::new(field, "format", NAME_FORMAT));
                None
            }
        }
    };
    let surname = name("surname", &input.surname, true, &mut issues);
    let given_name = name("given_name", &input.given_name, true, &mut issues);
    let patronymic = name("patronymic", &input.patronymic, false, &mut issues);
    let today = state
        .now()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date();
    let birth_date = if input.birth_date.trim().is_empty() {
        issues.push(FieldIssue::required("birth_date"));
        None
    } else {
        past_date_field("birth_date", &input.birth_date, today, &mut issues)
    };
    let series = digits_exactly(&input.passport_series, 4);
    if series.is_none() {
        issues.push(FieldIssue::new(
            "passport_series",
            "format",
            PASSPORT_SERIES_FORMAT,
        ));
    }
    let number = digits_exactly(&input.passport_number, 6);
    if number.is_none() {
        issues.push(FieldIssue::new(
            "passport_number",
            "format",
            PASSPORT_NUMBER_FORMAT,
        ));
    }
    let snils = match Snils::parse(&input.snils) {
        Ok(s) => Some(s),
        Err(domain::snils::SnilsError::CheckDigit) => {
            issues.push(FieldIssue::new("snils", "check_digit", SNILS_CHECK));
            None
        }
        Err(_) => {
            issues.push(FieldIssue::new("snils", "format", SNILS_FORMAT));
            None
        }
    };
    let contact = if input.contact.contains('@') {
        Email::parse(&input.contact)
            .map(|e| e.as_str().to_owned())
            .ok()
    } else {
        Phone::parse(&input.contact)
            .map(|p| p.as_str().to_owned())
            .ok()
    };
    if contact.is_none() {
        issues.push(FieldIssue::new("contact", "format", CONTACT_FORMAT));
    }
    let (
        Some(surname),
        Some(given_name),
        Some(birth_date),
        Some(series),
        Some(number),
        Some(snils),
        Some(contact),
    ) = (
        surname, given_name, birth_date, series, number, snils, contact,
    )
    else {
        return Err(AccountError::Invalid(issues));
    };
    if !issues.is_empty() {
        return Err(AccountError::Invalid(issues));
    }
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let matched = users::credentials_by_login(&mut tx, snils.digits())
        .await?
        .map(|c| c.id);
    let id = store::recovery::insert(
        &mut tx,
        &store::recovery::RecoveryRequest {
            id: String::new(),
            status: "new".to_owned(),
            surname,
            given_name,
            patronymic,
            birth_date: birth_date.to_string(),
            passport: format!("{series} {number}"),
            snils: snils.digits().to_owned(),
            contact,
            user_id: matched.clone(),
            created_at: now,
        },
    )
    .await?;
    let mut entry = Entry::new(Actor::Anonymous, Action::RecoveryRequestFiled)
        .object("recovery_request", &id)
        .from_request(meta.ip.clone(), None);
    if let Some(user) = &matched {
        entry = entry.subject(user);
    }
    audit::append(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_as_people_type_them() {
        let today = jiff::civil::date(2026, 11, 24);
        assert_eq!(
            parse_date("29.02.2000", today),
            Some(jiff::civil::date(2000, 2, 29))
        );
        assert_eq!(
            parse_date("2000-02-29", today),
            Some(jiff::civil::date(2000, 2, 29))
        );
        assert_eq!(parse_date("29.02.2001", today), None, "no such day");
        assert_eq!(parse_date("01.01.2027", today), None, "in the future");
        assert_eq!(parse_date("01.01.1850", today), None);
        assert_eq!(parse_date("вчера", today), None);
        assert_eq!(past_date("31.02.1990", today), Err(NO_SUCH_DATE));
        assert_eq!(past_date("01.01.2027", today), Err(DATE_IN_FUTURE));
        assert_eq!(past_date("31/02/1990", today), Err(DATE_FORMAT));
    }
}
