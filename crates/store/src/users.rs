//! Accounts as stored. The accounts feature validates everything before it reaches here.

use domain::Role;
use jiff::Timestamp;
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::db::Db;
use crate::error::StoreError;
use crate::{micros, new_id};

/// A validated account to insert: phone in E.164, e-mail trimmed and lower-cased.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub role: Role,
    pub surname: String,
    pub given_name: String,
    pub patronymic: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub password_hash: Option<String>,
    /// Demo and operator accounts are created with confirmed contacts.
    pub contacts_verified: bool,
}

/// What the web layer needs to know about the signed-in user on every request.
#[derive(Debug, Clone)]
pub struct UserSummary {
    pub id: String,
    pub role: Role,
    pub surname: String,
    pub given_name: String,
    pub patronymic: Option<String>,
    pub locale: String,
    pub time_zone: String,
    /// Set while the account waits out the grace period before it is erased.
    pub deletion_due: Option<Timestamp>,
    /// Moves with every change to the person's documents and files (kept by triggers).
    pub documents_version: i64,
    /// When the name or date of birth last changed (documents issued before may need replacing).
    pub key_data_changed_at: Option<Timestamp>,
}

impl UserSummary {
    /// "Иванов И. П." — how the header names the user.
    pub fn short_name(&self) -> String {
        let initial = |s: &str| {
            s.chars()
                .next()
                .map(|c| format!(" {c}."))
                .unwrap_or_default()
        };
        format!(
            "{}{}{}",
            self.surname,
            initial(&self.given_name),
            self.patronymic.as_deref().map(initial).unwrap_or_default()
        )
    }
}

/// Inserts an account. A phone or e-mail that is taken gives [`StoreError::UniqueViolation`].
#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert(
    conn: &mut AnyConnection,
    user: &NewUser,
    now: Timestamp,
) -> Result<String, StoreError> {
    let id = new_id();
    let verified = user.contacts_verified.then_some(micros(now));
    sqlx::query(
        "INSERT INTO users (id, role, surname, given_name, patronymic, phone, email, \
         password_hash, phone_verified_at, email_verified_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
    )
    .bind(&id)
    .bind(user.role.as_str())
    .bind(&user.surname)
    .bind(&user.given_name)
    .bind(user.patronymic.as_deref())
    .bind(user.phone.as_deref())
    .bind(user.email.as_deref())
    .bind(user.password_hash.as_deref())
    .bind(user.phone.as_ref().and(verified))
    .bind(user.email.as_ref().and(verified))
    .bind(micros(now))
    .execute(conn)
    .await?;
    Ok(id)
}

/// The id of the account with this phone (E.164) or e-mail (lower-case), if any.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn id_by_login(
    conn: &mut AnyConnection,
    login: &str,
) -> Result<Option<String>, StoreError> {
    let id = sqlx::query_scalar("SELECT id FROM users WHERE phone = $1 OR email = $1")
        .bind(login)
        .fetch_optional(conn)
        .await?;
    Ok(id)
}

pub(crate) fn summary_of(row: &sqlx::any::AnyRow) -> Result<UserSummary, StoreError> {
    let role: String = row.try_get("role")?;
    Ok(UserSummary {
        id: row.try_get("id")?,
        role: role
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("user role: {e}")))?,
        surname: row.try_get("surname")?,
        given_name: row.try_get("given_name")?,
        patronymic: row.try_get("patronymic")?,
        locale: row.try_get("locale")?,
        time_zone: row.try_get("time_zone")?,
        deletion_due: row
            .try_get::<Option<i64>, _>("deletion_due_at")?
            .map(crate::from_micros),
        documents_version: row.try_get("documents_version")?,
        key_data_changed_at: row
            .try_get::<Option<i64>, _>("key_data_changed_at")?
            .map(crate::from_micros),
    })
}

pub(crate) const SUMMARY_COLUMNS: &str = "users.id, users.role, users.surname, users.given_name, users.patronymic, users.locale, \
     users.time_zone, users.deletion_due_at, users.documents_version, \
     users.key_data_changed_at";

/// Fills in the date of birth (demo data and verified imports; the profile form has its own path).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn set_birth_date(
    conn: &mut AnyConnection,
    id: &str,
    birth_date: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE users SET birth_date = $2 WHERE id = $1")
        .bind(id)
        .bind(birth_date)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn summary(db: &Db, id: &str) -> Result<Option<UserSummary>, StoreError> {
    let sql = format!("SELECT {SUMMARY_COLUMNS} FROM users WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(summary_of).transpose()
}

/// The stored password hash of an account (for sign-in).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn password_hash(db: &Db, id: &str) -> Result<Option<String>, StoreError> {
    let hash = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    Ok(hash.flatten())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn count_by_role(db: &Db, role: Role) -> Result<i64, StoreError> {
    let n = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = $1")
        .bind(role.as_str())
        .fetch_one(db.pool())
        .await?;
    Ok(n)
}

/// What sign-in needs to know about an account.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub id: String,
    pub password_hash: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub failed_logins: i64,
    pub lockouts: i64,
    pub locked_until: Option<Timestamp>,
}

/// The one account matching `condition` (SQL written here, never from input; `$1` is `value`).
async fn credentials_where(
    conn: &mut AnyConnection,
    condition: &'static str,
    value: &str,
) -> Result<Option<Credentials>, StoreError> {
    let sql = format!(
        "SELECT id, password_hash, phone, email, failed_logins, lockouts, locked_until FROM users \
         WHERE {condition}"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(value)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(credentials_of).transpose()
}

fn credentials_of(row: &sqlx::any::AnyRow) -> Result<Credentials, StoreError> {
    Ok(Credentials {
        id: row.try_get("id")?,
        password_hash: row.try_get("password_hash")?,
        phone: row.try_get("phone")?,
        email: row.try_get("email")?,
        failed_logins: row.try_get("failed_logins")?,
        lockouts: row.try_get("lockouts")?,
        locked_until: row
            .try_get::<Option<i64>, _>("locked_until")?
            .map(crate::from_micros),
    })
}

/// The account a login names: phone (E.164), e-mail (lower-case) or SNILS (11 digits).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn credentials_by_login(
    conn: &mut AnyConnection,
    login: &str,
) -> Result<Option<Credentials>, StoreError> {
    credentials_where(conn, "phone = $1 OR email = $1 OR snils = $1", login).await
}

/// The account's sign-in credentials and lock state, by id.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn credentials_by_id(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<Credentials>, StoreError> {
    credentials_where(conn, "id = $1", id).await
}

/// The account whose *confirmed* phone or e-mail this is (codes go only to confirmed contacts).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn by_confirmed_contact(
    conn: &mut AnyConnection,
    contact: &str,
) -> Result<Option<Credentials>, StoreError> {
    credentials_where(
        conn,
        "(phone = $1 AND phone_verified_at IS NOT NULL) \
         OR (email = $1 AND email_verified_at IS NOT NULL)",
        contact,
    )
    .await
}

/// Counts a failed sign-in; when `lock_until` is given the account is locked until then and the
/// failure count starts again.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn record_failed_login(
    conn: &mut AnyConnection,
    id: &str,
    lock_until: Option<Timestamp>,
) -> Result<(), StoreError> {
    match lock_until {
        Some(until) => {
            sqlx::query(
                "UPDATE users SET failed_logins = 0, lockouts = lockouts + 1, locked_until = $1 WHERE id = $2",
            )
            .bind(micros(until))
            .bind(id)
            .execute(conn)
            .await?;
        }
        None => {
            sqlx::query("UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1")
                .bind(id)
                .execute(conn)
                .await?;
        }
    }
    Ok(())
}

/// A successful sign-in forgets earlier failures (the growth of lock periods stays).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn record_successful_login(conn: &mut AnyConnection, id: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// An operator lifts a lock (and the growth of lock periods).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn unlock(conn: &mut AnyConnection, id: &str) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE users SET failed_logins = 0, lockouts = 0, locked_until = NULL WHERE id = $1",
    )
    .bind(id)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn set_password_hash(
    conn: &mut AnyConnection,
    id: &str,
    hash: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(micros(now))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Accounts with a lock in force, for the operators' page.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn locked(db: &Db, now: Timestamp) -> Result<Vec<(UserSummary, Timestamp)>, StoreError> {
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS}, users.locked_until FROM users WHERE users.locked_until > $1 \
         ORDER BY users.locked_until DESC LIMIT 200"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(micros(now))
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|row| {
            Ok((
                summary_of(row)?,
                crate::from_micros(row.try_get("locked_until")?),
            ))
        })
        .collect()
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn mark_phone_verified(
    conn: &mut AnyConnection,
    id: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE users SET phone_verified_at = $1, updated_at = $1 WHERE id = $2")
        .bind(micros(now))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Confirms the e-mail address if it is still the account's address. False otherwise.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn mark_email_verified(
    conn: &mut AnyConnection,
    id: &str,
    email: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE users SET email_verified_at = $1, updated_at = $1 WHERE id = $2 AND email = $3",
    )
    .bind(micros(now))
    .bind(id)
    .bind(email)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Everything the profile holds: the one read model later forms autofill from.
#[derive(Debug, Clone, Serialize)]
pub struct Profile {
    pub id: String,
    pub role: String,
    pub surname: String,
    pub given_name: String,
    pub patronymic: Option<String>,
    pub phone: Option<String>,
    pub phone_verified: bool,
    pub email: Option<String>,
    pub email_verified: bool,
    pub identity_level: String,
    pub birth_date: Option<String>,
    pub sex: Option<String>,
    pub place_of_birth: Option<String>,
    pub snils: Option<String>,
    pub inn: Option<String>,
    /// JSON: series, number, issued_on, issuer, division_code
    pub passport: Option<serde_json::Value>,
    /// JSON: region, city, street, house, flat, postcode
    pub registration_address: Option<serde_json::Value>,
    pub actual_address: Option<serde_json::Value>,
    pub locale: String,
    pub time_zone: String,
    pub created_at: Timestamp,
    /// When the surname, names or date of birth last changed (documents issued before need
    /// replacing).
    pub key_data_changed_at: Option<Timestamp>,
}

fn json_column(
    row: &sqlx::any::AnyRow,
    name: &str,
) -> Result<Option<serde_json::Value>, StoreError> {
    let text: Option<String> = row.try_get(name)?;
    Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn profile(db: &Db, id: &str) -> Result<Option<Profile>, StoreError> {
    let row = sqlx::query(
        "SELECT id, role, surname, given_name, patronymic, phone, phone_verified_at, email, \
         email_verified_at, identity_level, birth_date, sex, place_of_birth, snils, inn, passport, \
         registration_address, actual_address, locale, time_zone, created_at, key_data_changed_at \
         FROM users WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    row.map(|row| {
        Ok(Profile {
            id: row.try_get("id")?,
            role: row.try_get("role")?,
            surname: row.try_get("surname")?,
            given_name: row.try_get("given_name")?,
            patronymic: row.try_get("patronymic")?,
            phone: row.try_get("phone")?,
            phone_verified: row
                .try_get::<Option<i64>, _>("phone_verified_at")?
                .is_some(),
            email: row.try_get("email")?,
            email_verified: row
                .try_get::<Option<i64>, _>("email_verified_at")?
                .is_some(),
            identity_level: row.try_get("identity_level")?,
            birth_date: row.try_get("birth_date")?,
            sex: row.try_get("sex")?,
            place_of_birth: row.try_get("place_of_birth")?,
            snils: row.try_get("snils")?,
            inn: row.try_get("inn")?,
            passport: json_column(&row, "passport")?,
            registration_address: json_column(&row, "registration_address")?,
            actual_address: json_column(&row, "actual_address")?,
            locale: row.try_get("locale")?,
            time_zone: row.try_get("time_zone")?,
            created_at: crate::from_micros(row.try_get("created_at")?),
            key_data_changed_at: row
                .try_get::<Option<i64>, _>("key_data_changed_at")?
                .map(crate::from_micros),
        })
    })
    .transpose()
}

/// The editable part of a profile, validated by the profile feature.
#[derive(Debug, Clone, Default)]
pub struct ProfileChange {
    pub surname: String,
    pub given_name: String,
    pub patronymic: Option<String>,
    pub birth_date: Option<String>,
    pub sex: Option<String>,
    pub place_of_birth: Option<String>,
    pub snils: Option<String>,
    pub inn: Option<String>,
    pub passport: Option<serde_json::Value>,
    pub registration_address: Option<serde_json::Value>,
    pub actual_address: Option<serde_json::Value>,
    pub identity_level: String,
    /// Name, date of birth or passport changed: documents issued before may need replacing.
    pub key_data_changed: bool,
    /// The holder's name or date of birth changed from one value to another (not merely filled
    /// in): documents issued before need replacing.
    pub holder_data_changed: bool,
}

/// Saves a profile. A SNILS taken by another account gives [`StoreError::UniqueViolation`].
#[tracing::instrument(level = "debug", skip_all)]
pub async fn save_profile(
    conn: &mut AnyConnection,
    id: &str,
    change: &ProfileChange,
    now: Timestamp,
) -> Result<(), StoreError> {
    let json = |v: &Option<serde_json::Value>| v.as_ref().map(|v| v.to_string());
    sqlx::query(
        "UPDATE users SET surname = $1, given_name = $2, patronymic = $3, birth_date = $4, sex = $5, \
         place_of_birth = $6, snils = $7, inn = $8, passport = $9, registration_address = $10, \
         actual_address = $11, identity_level = $12, \
         key_data_changed_at = CASE WHEN $13 = 1 THEN $14 ELSE key_data_changed_at END, updated_at = $14 \
         WHERE id = $15",
    )
    .bind(&change.surname)
    .bind(&change.given_name)
    .bind(change.patronymic.as_deref())
    .bind(change.birth_date.as_deref())
    .bind(change.sex.as_deref())
    .bind(change.place_of_birth.as_deref())
    .bind(change.snils.as_deref())
    .bind(change.inn.as_deref())
    .bind(json(&change.passport))
    .bind(json(&change.registration_address))
    .bind(json(&change.actual_address))
    .bind(&change.identity_level)
    .bind(i64::from(change.holder_data_changed))
    .bind(micros(now))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Replaces the phone with a confirmed new one. A phone of another account gives
/// [`StoreError::UniqueViolation`].
#[tracing::instrument(level = "debug", skip_all)]
pub async fn set_phone(
    conn: &mut AnyConnection,
    id: &str,
    phone: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE users SET phone = $1, phone_verified_at = $2, updated_at = $2 WHERE id = $3",
    )
    .bind(phone)
    .bind(micros(now))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Replaces the e-mail with a confirmed new one.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn set_email(
    conn: &mut AnyConnection,
    id: &str,
    email: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE users SET email = $1, email_verified_at = $2, updated_at = $2 WHERE id = $3",
    )
    .bind(email)
    .bind(micros(now))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// The inactivity limit the user chose, in minutes (None: the service's default).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn idle_timeout_minutes(db: &Db, user_id: &str) -> Result<Option<i64>, StoreError> {
    let v: Option<Option<i64>> =
        sqlx::query_scalar("SELECT idle_timeout_minutes FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(db.pool())
            .await?;
    Ok(v.flatten())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn set_idle_timeout_minutes(
    conn: &mut AnyConnection,
    user_id: &str,
    minutes: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE users SET idle_timeout_minutes = $2 WHERE id = $1")
        .bind(user_id)
        .bind(minutes)
        .execute(conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_name_uses_initials() {
        let user = UserSummary {
            id: "u".into(),
            role: Role::Citizen,
            surname: "Иванова".into(),
            given_name: "Мария".into(),
            patronymic: Some("Петровна".into()),
            locale: "ru".into(),
            time_zone: "Europe/Moscow".into(),
            deletion_due: None,
            documents_version: 0,
            key_data_changed_at: None,
        };
        assert_eq!(user.short_name(), "Иванова М. П.");
        let no_patronymic = UserSummary {
            patronymic: None,
            ..user
        };
        assert_eq!(no_patronymic.short_name(), "Иванова М.");
    }
}
