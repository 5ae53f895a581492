//! Accounts as stored. The accounts feature validates everything before it reaches here.

use domain::Role;
use jiff::Timestamp;
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

fn summary_from_row(row: &sqlx::any::AnyRow) -> Result<UserSummary, StoreError> {
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
    })
}

pub(crate) const SUMMARY_COLUMNS: &str = "users.id, users.role, users.surname, users.given_name, users.patronymic, users.locale, \
     users.time_zone";

pub async fn summary(db: &Db, id: &str) -> Result<Option<UserSummary>, StoreError> {
    let sql = format!("SELECT {SUMMARY_COLUMNS} FROM users WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(summary_from_row).transpose()
}

pub(crate) fn summary_of(row: &sqlx::any::AnyRow) -> Result<UserSummary, StoreError> {
    summary_from_row(row)
}

/// The stored password hash of an account (for sign-in).
pub async fn password_hash(db: &Db, id: &str) -> Result<Option<String>, StoreError> {
    let hash = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    Ok(hash.flatten())
}

pub async fn count_by_role(db: &Db, role: Role) -> Result<i64, StoreError> {
    let n = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = $1")
        .bind(role.as_str())
        .fetch_one(db.pool())
        .await?;
    Ok(n)
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
        };
        assert_eq!(user.short_name(), "Иванова М. П.");
        let no_patronymic = UserSummary {
            patronymic: None,
            ..user
        };
        assert_eq!(no_patronymic.short_name(), "Иванова М.");
    }
}
