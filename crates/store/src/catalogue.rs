//! The catalogue of services: agencies, categories, services and the versions of their forms.
//! A service's details are the domain's JSON (without its form); its forms are kept by version,
//! and a version once written is never changed.

use jiff::Timestamp;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::db::Db;
use crate::error::StoreError;
use crate::micros;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgencyRow {
    pub code: String,
    pub name_ru: String,
    pub name_en: String,
    pub short_ru: String,
    pub short_en: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryRow {
    pub code: String,
    pub name_ru: String,
    pub name_en: String,
    pub position: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRow {
    pub code: String,
    pub category_code: String,
    pub agency_code: String,
    /// The service as JSON, without its form.
    pub details: String,
    pub popular: bool,
    pub active: bool,
    pub position: i64,
    /// The version of the form new drafts are filled against.
    pub form_version: i64,
}

/// Adds what is missing — agencies, categories, services with version 1 of their form — and
/// keeps every row an operator may have edited. Returns how many services were added.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn seed(
    conn: &mut AnyConnection,
    agencies: &[AgencyRow],
    categories: &[CategoryRow],
    services: &[(ServiceRow, String)],
    now: Timestamp,
) -> Result<u64, StoreError> {
    for a in agencies {
        sqlx::query(
            "INSERT INTO agencies (code, name_ru, name_en, short_ru, short_en, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (code) DO NOTHING",
        )
        .bind(&a.code)
        .bind(&a.name_ru)
        .bind(&a.name_en)
        .bind(&a.short_ru)
        .bind(&a.short_en)
        .bind(micros(now))
        .execute(&mut *conn)
        .await?;
    }
    for c in categories {
        sqlx::query(
            "INSERT INTO service_categories (code, name_ru, name_en, position, updated_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (code) DO NOTHING",
        )
        .bind(&c.code)
        .bind(&c.name_ru)
        .bind(&c.name_en)
        .bind(c.position)
        .bind(micros(now))
        .execute(&mut *conn)
        .await?;
    }
    let mut added = 0;
    for (s, form) in services {
        let inserted = sqlx::query(
            "INSERT INTO services (code, category_code, agency_code, details, popular, active, \
             position, form_version, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8) \
             ON CONFLICT (code) DO NOTHING",
        )
        .bind(&s.code)
        .bind(&s.category_code)
        .bind(&s.agency_code)
        .bind(&s.details)
        .bind(i64::from(s.popular))
        .bind(i64::from(s.active))
        .bind(s.position)
        .bind(micros(now))
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if inserted > 0 {
            sqlx::query(
                "INSERT INTO service_forms (service_code, version, form, created_at) \
                 VALUES ($1, 1, $2, $3) ON CONFLICT (service_code, version) DO NOTHING",
            )
            .bind(&s.code)
            .bind(form)
            .bind(micros(now))
            .execute(&mut *conn)
            .await?;
        }
        added += inserted;
    }
    Ok(added)
}

fn agency_of(row: &AnyRow) -> Result<AgencyRow, sqlx::Error> {
    Ok(AgencyRow {
        code: row.try_get("code")?,
        name_ru: row.try_get("name_ru")?,
        name_en: row.try_get("name_en")?,
        short_ru: row.try_get("short_ru")?,
        short_en: row.try_get("short_en")?,
    })
}

fn category_of(row: &AnyRow) -> Result<CategoryRow, sqlx::Error> {
    Ok(CategoryRow {
        code: row.try_get("code")?,
        name_ru: row.try_get("name_ru")?,
        name_en: row.try_get("name_en")?,
        position: row.try_get("position")?,
    })
}

fn service_of(row: &AnyRow) -> Result<ServiceRow, sqlx::Error> {
    Ok(ServiceRow {
        code: row.try_get("code")?,
        category_code: row.try_get("category_code")?,
        agency_code: row.try_get("agency_code")?,
        details: row.try_get("details")?,
        popular: row.try_get::<i64, _>("popular")? != 0,
        active: row.try_get::<i64, _>("active")? != 0,
        position: row.try_get("position")?,
        form_version: row.try_get("form_version")?,
    })
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn agencies(db: &Db) -> Result<Vec<AgencyRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT code, name_ru, name_en, short_ru, short_en FROM agencies ORDER BY code",
    )
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().map(agency_of).collect::<Result<_, _>>()?)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn categories(db: &Db) -> Result<Vec<CategoryRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT code, name_ru, name_en, position FROM service_categories ORDER BY position, code",
    )
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().map(category_of).collect::<Result<_, _>>()?)
}

/// Every service, inactive ones included (the operator's list shows them).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn services(db: &Db) -> Result<Vec<ServiceRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT code, category_code, agency_code, details, popular, active, position, \
         form_version FROM services ORDER BY position, code",
    )
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().map(service_of).collect::<Result<_, _>>()?)
}

/// One service, active or not (an application names its service for good).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn service(db: &Db, code: &str) -> Result<Option<ServiceRow>, StoreError> {
    let row = sqlx::query(
        "SELECT code, category_code, agency_code, details, popular, active, position, \
         form_version FROM services WHERE code = $1",
    )
    .bind(code)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.as_ref().map(service_of).transpose()?)
}

/// The active service whose result replaces a document of this kind (the registry's «Продлить»
/// on a passport leads to «Замена паспорта»): its code and names.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn replacing_service(
    db: &Db,
    kind_code: &str,
) -> Result<Option<(String, String, String)>, StoreError> {
    let rows =
        sqlx::query("SELECT code, details FROM services WHERE active = 1 ORDER BY position, code")
            .fetch_all(db.pool())
            .await?;
    for row in rows {
        let details: String = row.try_get("details")?;
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&details) else {
            continue;
        };
        let outcome = &v["outcome"];
        if outcome["type"] == "document"
            && outcome["kind"] == kind_code
            && outcome["replaces"] == true
        {
            let name = |lang: &str| v["name"][lang].as_str().unwrap_or_default().to_owned();
            return Ok(Some((row.try_get("code")?, name("ru"), name("en"))));
        }
    }
    Ok(None)
}

/// A version of a service's form, as JSON.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn form(db: &Db, service_code: &str, version: i64) -> Result<Option<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT form FROM service_forms WHERE service_code = $1 AND version = $2",
    )
    .bind(service_code)
    .bind(version)
    .fetch_optional(db.pool())
    .await?)
}

/// Each active service's current form: (service, form JSON).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn current_forms(db: &Db) -> Result<Vec<(String, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT s.code, f.form FROM services s JOIN service_forms f \
         ON f.service_code = s.code AND f.version = s.form_version",
    )
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| Ok::<_, sqlx::Error>((r.try_get("code")?, r.try_get("form")?)))
        .collect::<Result<_, _>>()?)
}

// --- The operator's edits ------------------------------------------------------------------

/// Adds an agency or renames one.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn save_agency(
    conn: &mut AnyConnection,
    a: &AgencyRow,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO agencies (code, name_ru, name_en, short_ru, short_en, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (code) DO UPDATE SET \
         name_ru = excluded.name_ru, name_en = excluded.name_en, short_ru = excluded.short_ru, \
         short_en = excluded.short_en, updated_at = excluded.updated_at",
    )
    .bind(&a.code)
    .bind(&a.name_ru)
    .bind(&a.name_en)
    .bind(&a.short_ru)
    .bind(&a.short_en)
    .bind(micros(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Adds a category or renames (and moves) one.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn save_category(
    conn: &mut AnyConnection,
    c: &CategoryRow,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO service_categories (code, name_ru, name_en, position, updated_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (code) DO UPDATE SET \
         name_ru = excluded.name_ru, name_en = excluded.name_en, position = excluded.position, \
         updated_at = excluded.updated_at",
    )
    .bind(&c.code)
    .bind(&c.name_ru)
    .bind(&c.name_en)
    .bind(c.position)
    .bind(micros(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Adds a new service with version 1 of its form; a code in use gives
/// [`StoreError::UniqueViolation`].
#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert_service(
    conn: &mut AnyConnection,
    s: &ServiceRow,
    form: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO services (code, category_code, agency_code, details, popular, active, \
         position, form_version, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8)",
    )
    .bind(&s.code)
    .bind(&s.category_code)
    .bind(&s.agency_code)
    .bind(&s.details)
    .bind(i64::from(s.popular))
    .bind(i64::from(s.active))
    .bind(s.position)
    .bind(micros(now))
    .execute(&mut *conn)
    .await?;
    insert_form(conn, &s.code, 1, form, now).await
}

/// A new version of a service's form; versions are never changed.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert_form(
    conn: &mut AnyConnection,
    service_code: &str,
    version: i64,
    form: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO service_forms (service_code, version, form, created_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(service_code)
    .bind(version)
    .bind(form)
    .bind(micros(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Saves a service's details if it is still at `form_version` (another operator's edit in
/// between gives false); `new_form_version` is the version new drafts use from now.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn update_service(
    conn: &mut AnyConnection,
    s: &ServiceRow,
    form_version: i64,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE services SET category_code = $2, agency_code = $3, details = $4, popular = $5, \
         active = $6, position = $7, form_version = $8, updated_at = $9 \
         WHERE code = $1 AND form_version = $10",
    )
    .bind(&s.code)
    .bind(&s.category_code)
    .bind(&s.agency_code)
    .bind(&s.details)
    .bind(i64::from(s.popular))
    .bind(i64::from(s.active))
    .bind(s.position)
    .bind(s.form_version)
    .bind(micros(now))
    .bind(form_version)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// A service's form versions: (version, when written), the newest first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn form_versions(
    db: &Db,
    service_code: &str,
) -> Result<Vec<(i64, Timestamp)>, StoreError> {
    let rows = sqlx::query(
        "SELECT version, created_at FROM service_forms WHERE service_code = $1 \
         ORDER BY version DESC",
    )
    .bind(service_code)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("version")?,
                crate::from_micros(r.try_get("created_at")?),
            ))
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}
