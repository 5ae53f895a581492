//! The vault's rows: document kinds, documents, their tags and file versions, the search index.
//! Every read and write of a user's document names its owner in the WHERE clause.

use jiff::Timestamp;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::db::{Db, Dialect};
use crate::error::StoreError;
use crate::search;
use crate::{from_micros, micros};

// ---------------------------------------------------------------------------------------------
// Kinds

#[derive(Debug, Clone)]
pub struct KindRow {
    pub code: String,
    pub schema: String,
    pub name_ru: String,
    pub name_en: String,
    /// The validity rule as JSON.
    pub rule: String,
    pub lead_days: i64,
    pub max_file_bytes: i64,
    pub renewal_ru: String,
    pub renewal_en: String,
    pub position: i64,
    pub active: bool,
}

const KIND_COLUMNS: &str = "code, schema, name_ru, name_en, rule, lead_days, max_file_bytes, \
     renewal_ru, renewal_en, position, active";

fn kind_of(row: &AnyRow) -> Result<KindRow, sqlx::Error> {
    Ok(KindRow {
        code: row.try_get("code")?,
        schema: row.try_get("schema")?,
        name_ru: row.try_get("name_ru")?,
        name_en: row.try_get("name_en")?,
        rule: row.try_get("rule")?,
        lead_days: row.try_get("lead_days")?,
        max_file_bytes: row.try_get("max_file_bytes")?,
        renewal_ru: row.try_get("renewal_ru")?,
        renewal_en: row.try_get("renewal_en")?,
        position: row.try_get("position")?,
        active: row.try_get::<i64, _>("active")? != 0,
    })
}

/// Adds the kinds that are missing; an operator's edits to existing ones are kept.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn seed_kinds(
    conn: &mut AnyConnection,
    kinds: &[KindRow],
    now: Timestamp,
) -> Result<u64, StoreError> {
    let mut added = 0;
    for k in kinds {
        added += sqlx::query(
            "INSERT INTO document_kinds (code, schema, name_ru, name_en, rule, lead_days, \
             max_file_bytes, renewal_ru, renewal_en, position, active, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             ON CONFLICT (code) DO NOTHING",
        )
        .bind(&k.code)
        .bind(&k.schema)
        .bind(&k.name_ru)
        .bind(&k.name_en)
        .bind(&k.rule)
        .bind(k.lead_days)
        .bind(k.max_file_bytes)
        .bind(&k.renewal_ru)
        .bind(&k.renewal_en)
        .bind(k.position)
        .bind(i64::from(k.active))
        .bind(micros(now))
        .execute(&mut *conn)
        .await?
        .rows_affected();
    }
    Ok(added)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn kinds(db: &Db) -> Result<Vec<KindRow>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {KIND_COLUMNS} FROM document_kinds ORDER BY position, code"
    )))
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().map(kind_of).collect::<Result<_, _>>()?)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn update_kind(
    conn: &mut AnyConnection,
    k: &KindRow,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE document_kinds SET name_ru = $2, name_en = $3, rule = $4, lead_days = $5, \
         max_file_bytes = $6, renewal_ru = $7, renewal_en = $8, position = $9, active = $10, \
         updated_at = $11 WHERE code = $1",
    )
    .bind(&k.code)
    .bind(&k.name_ru)
    .bind(&k.name_en)
    .bind(&k.rule)
    .bind(k.lead_days)
    .bind(k.max_file_bytes)
    .bind(&k.renewal_ru)
    .bind(&k.renewal_en)
    .bind(k.position)
    .bind(i64::from(k.active))
    .bind(micros(now))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

// ---------------------------------------------------------------------------------------------
// Documents

/// The editable content of a document.
#[derive(Debug, Clone, Default)]
pub struct DocumentData {
    pub kind_code: String,
    pub title: String,
    pub number: Option<String>,
    pub issuer: Option<String>,
    pub issued_on: Option<String>,
    pub typed_expiry: Option<String>,
    pub description: Option<String>,
    /// Kind-specific fields as a JSON object.
    pub fields: String,
    pub tags: Vec<String>,
    /// The end of validity the rule gives (for sorting and archiving).
    pub valid_until: Option<String>,
}

#[derive(Debug, Clone)]
pub struct DocumentRow {
    pub id: String,
    pub owner_id: String,
    pub data: DocumentData,
    pub state: String,
    pub archive_reason: Option<String>,
    pub archived_at: Option<Timestamp>,
    pub trashed_at: Option<Timestamp>,
    pub revision: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

const DOC_COLUMNS: &str = "d.id, d.owner_id, d.kind_code, d.title, d.number, d.issuer, \
     d.issued_on, d.typed_expiry, d.description, d.fields, d.tags, d.valid_until, d.state, \
     d.archive_reason, d.archived_at, d.trashed_at, d.revision, d.created_at, d.updated_at";

fn document_of(row: &AnyRow) -> Result<DocumentRow, StoreError> {
    let tags: String = row.try_get("tags")?;
    Ok(DocumentRow {
        id: row.try_get("id")?,
        owner_id: row.try_get("owner_id")?,
        data: DocumentData {
            kind_code: row.try_get("kind_code")?,
            title: row.try_get("title")?,
            number: row.try_get("number")?,
            issuer: row.try_get("issuer")?,
            issued_on: row.try_get("issued_on")?,
            typed_expiry: row.try_get("typed_expiry")?,
            description: row.try_get("description")?,
            fields: row.try_get("fields")?,
            tags: serde_json::from_str(&tags)
                .map_err(|e| StoreError::Corrupt(format!("document tags: {e}")))?,
            valid_until: row.try_get("valid_until")?,
        },
        state: row.try_get("state")?,
        archive_reason: row.try_get("archive_reason")?,
        archived_at: row
            .try_get::<Option<i64>, _>("archived_at")?
            .map(from_micros),
        trashed_at: row
            .try_get::<Option<i64>, _>("trashed_at")?
            .map(from_micros),
        revision: row.try_get("revision")?,
        created_at: from_micros(row.try_get("created_at")?),
        updated_at: from_micros(row.try_get("updated_at")?),
    })
}

/// The words a document is found by: title, number, issuer, description and tags.
fn search_text(d: &DocumentData) -> String {
    let mut parts = vec![d.title.as_str()];
    parts.extend(d.number.as_deref());
    parts.extend(d.issuer.as_deref());
    parts.extend(d.description.as_deref());
    parts.extend(d.tags.iter().map(String::as_str));
    parts.join(" ")
}

async fn reindex(
    conn: &mut AnyConnection,
    dialect: Dialect,
    id: &str,
    owner_id: &str,
    text: Option<&str>,
) -> Result<(), StoreError> {
    if dialect != Dialect::Sqlite {
        return Ok(()); // PostgreSQL indexes the column itself.
    }
    sqlx::query(
        "DELETE FROM documents_search WHERE rowid IN \
         (SELECT rowid FROM documents_search WHERE documents_search MATCH $1)",
    )
    .bind(search::sqlite_document_query(id))
    .execute(&mut *conn)
    .await?;
    // A document without a searchable word has no row (so every row carries its owner's terms).
    let body = text
        .map(|t| search::sqlite_body(owner_id, t))
        .unwrap_or_default();
    if !body.is_empty() {
        sqlx::query("INSERT INTO documents_search (document_id, doc, body) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(search::document_token(id))
            .bind(body)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

async fn write_tags(
    conn: &mut AnyConnection,
    id: &str,
    owner_id: &str,
    tags: &[String],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM document_tags WHERE document_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    for tag in tags {
        sqlx::query("INSERT INTO document_tags (document_id, owner_id, tag) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(owner_id)
            .bind(tag)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

fn tags_json(tags: &[String]) -> String {
    serde_json::to_string(tags).unwrap_or_else(|_| "[]".to_owned())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert(
    conn: &mut AnyConnection,
    dialect: Dialect,
    id: &str,
    owner_id: &str,
    d: &DocumentData,
    now: Timestamp,
) -> Result<(), StoreError> {
    let text = search_text(d);
    sqlx::query(
        "INSERT INTO documents (id, owner_id, kind_code, title, number, issuer, issued_on, \
         typed_expiry, description, fields, tags, state, valid_until, search_text, revision, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
         'active', $12, $13, 1, $14, $14)",
    )
    .bind(id)
    .bind(owner_id)
    .bind(&d.kind_code)
    .bind(&d.title)
    .bind(&d.number)
    .bind(&d.issuer)
    .bind(&d.issued_on)
    .bind(&d.typed_expiry)
    .bind(&d.description)
    .bind(&d.fields)
    .bind(tags_json(&d.tags))
    .bind(&d.valid_until)
    .bind(&text)
    .bind(micros(now))
    .execute(&mut *conn)
    .await?;
    write_tags(conn, id, owner_id, &d.tags).await?;
    reindex(conn, dialect, id, owner_id, Some(&text)).await
}

/// Replaces a document's content if it is still at `revision` (`None`: whatever it is). Returns
/// false when there is no such document of this owner or someone changed it meanwhile.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn update(
    conn: &mut AnyConnection,
    dialect: Dialect,
    owner_id: &str,
    id: &str,
    revision: Option<i64>,
    d: &DocumentData,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let text = search_text(d);
    let n = sqlx::query(
        "UPDATE documents SET title = $3, number = $4, issuer = $5, issued_on = $6, \
         typed_expiry = $7, description = $8, fields = $9, tags = $10, valid_until = $11, \
         search_text = $12, revision = revision + 1, updated_at = $13 \
         WHERE id = $1 AND owner_id = $2 AND state <> 'trashed' \
         AND ($14 IS NULL OR revision = $14)",
    )
    .bind(id)
    .bind(owner_id)
    .bind(&d.title)
    .bind(&d.number)
    .bind(&d.issuer)
    .bind(&d.issued_on)
    .bind(&d.typed_expiry)
    .bind(&d.description)
    .bind(&d.fields)
    .bind(tags_json(&d.tags))
    .bind(&d.valid_until)
    .bind(&text)
    .bind(micros(now))
    .bind(revision)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 1 {
        write_tags(conn, id, owner_id, &d.tags).await?;
        reindex(conn, dialect, id, owner_id, Some(&text)).await?;
    }
    Ok(n == 1)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn get(
    conn: &mut AnyConnection,
    owner_id: &str,
    id: &str,
) -> Result<Option<DocumentRow>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {DOC_COLUMNS} FROM documents d WHERE d.id = $1 AND d.owner_id = $2"
    )))
    .bind(id)
    .bind(owner_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(document_of).transpose()
}

/// The owner's active documents whose kind has one of these schemas, each with its schema,
/// newest issue first (the profile takes its passport, SNILS and INN from them).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn active_of_schemas(
    db: &Db,
    owner_id: &str,
    schemas: &[&str],
) -> Result<Vec<(String, DocumentRow)>, StoreError> {
    if schemas.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (0..schemas.len()).map(|i| format!("${}", i + 2)).collect();
    let sql = format!(
        "SELECT {DOC_COLUMNS}, k.schema AS kind_schema FROM documents d \
         JOIN document_kinds k ON k.code = d.kind_code \
         WHERE d.owner_id = $1 AND d.state = 'active' AND k.schema IN ({}) \
         ORDER BY COALESCE(d.issued_on, '') DESC, d.created_at DESC, d.id",
        placeholders.join(", ")
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(owner_id);
    for schema in schemas {
        query = query.bind(*schema);
    }
    let rows = query.fetch_all(db.pool()).await?;
    rows.iter()
        .map(|row| Ok((row.try_get("kind_schema")?, document_of(row)?)))
        .collect()
}

/// Which documents a list shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// `active`, `archived` or `trashed`.
    pub state: String,
    pub kind: Option<String>,
    pub tag: Option<String>,
    pub issued_from: Option<String>,
    pub issued_to: Option<String>,
    pub query: Option<String>,
}

/// All of an owner's documents in one state matching the filter (the registry computes statuses
/// and sorts by urgency, so it needs them all; a person has tens to hundreds of documents).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn list(db: &Db, owner_id: &str, f: &Filter) -> Result<Vec<DocumentRow>, StoreError> {
    let mut sql = format!(
        "SELECT {DOC_COLUMNS} FROM documents d WHERE d.owner_id = $1 AND d.state = $2 \
         AND ($3 IS NULL OR d.kind_code = $3) \
         AND ($4 IS NULL OR d.issued_on >= $4) AND ($5 IS NULL OR d.issued_on <= $5) \
         AND ($6 IS NULL OR EXISTS (SELECT 1 FROM document_tags t WHERE t.document_id = d.id \
         AND t.owner_id = $1 AND t.tag = $6))"
    );
    let query = match f.query.as_deref() {
        None => None,
        Some(q) => {
            let expr = match db.dialect() {
                Dialect::Sqlite => search::sqlite_query(owner_id, q),
                Dialect::Postgres => search::postgres_query(q),
            };
            match expr {
                Some(expr) => Some(expr),
                None => return Ok(Vec::new()),
            }
        }
    };
    if query.is_some() {
        sql.push_str(match db.dialect() {
            Dialect::Sqlite => {
                " AND d.id IN (SELECT document_id FROM documents_search WHERE documents_search MATCH $7)"
            }
            Dialect::Postgres => {
                " AND to_tsvector('russian', d.search_text) @@ to_tsquery('russian', $7)"
            }
        });
    } else {
        sql.push_str(" AND $7 IS NULL");
    }
    sql.push_str(" ORDER BY d.created_at DESC, d.id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(owner_id)
        .bind(&f.state)
        .bind(&f.kind)
        .bind(&f.issued_from)
        .bind(&f.issued_to)
        .bind(&f.tag)
        .bind(query)
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(document_of).collect()
}

/// The ids of the owner's documents (any state) that a text search finds: the database's own
/// index with Russian word forms, nothing else read. Empty when the query has no searchable word.
/// The ids come back as one row (a row per id costs more than the search through sqlx).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn search_ids(db: &Db, owner_id: &str, query: &str) -> Result<Vec<String>, StoreError> {
    let (sql, expr) = match db.dialect() {
        // The terms are the owner's own (their token is in each); the owner's documents are
        // checked as well, so that scoping never rests on the index alone.
        Dialect::Sqlite => (
            "SELECT group_concat(document_id, ' ') FROM documents_search \
             WHERE documents_search MATCH $2 \
             AND document_id IN (SELECT id FROM documents WHERE owner_id = $1)",
            search::sqlite_query(owner_id, query),
        ),
        Dialect::Postgres => (
            "SELECT string_agg(d.id, ' ') FROM documents d WHERE d.owner_id = $1 \
             AND to_tsvector('russian', d.search_text) @@ to_tsquery('russian', $2)",
            search::postgres_query(query),
        ),
    };
    let Some(expr) = expr else {
        return Ok(Vec::new());
    };
    let ids: Option<String> = sqlx::query_scalar(sql)
        .bind(owner_id)
        .bind(expr)
        .fetch_one(db.pool())
        .await?;
    Ok(ids
        .unwrap_or_default()
        .split(' ')
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .collect())
}

/// The owner's tags with how many active or archived documents carry each.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn tags(db: &Db, owner_id: &str) -> Result<Vec<(String, i64)>, StoreError> {
    let rows = sqlx::query(
        "SELECT t.tag, COUNT(*) AS n FROM document_tags t JOIN documents d ON d.id = t.document_id \
         WHERE t.owner_id = $1 AND d.owner_id = $1 AND d.state <> 'trashed' \
         GROUP BY t.tag ORDER BY t.tag",
    )
    .bind(owner_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("tag")?, r.try_get("n")?)))
        .collect()
}

/// Moves a document between `active`, `archived` and `trashed`. Returns false when the owner has
/// no such document in one of the `from` states.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn set_state(
    conn: &mut AnyConnection,
    owner_id: &str,
    id: &str,
    from: &[&str],
    to: &str,
    reason: Option<&str>,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let from_list = from.join(",");
    let n = sqlx::query(
        "UPDATE documents SET state = $3, \
         archive_reason = CASE WHEN $3 = 'archived' THEN $4 WHEN $3 = 'active' THEN NULL ELSE archive_reason END, \
         archived_at = CASE WHEN $3 = 'archived' THEN $5 WHEN $3 = 'active' THEN NULL ELSE archived_at END, \
         trashed_at = CASE WHEN $3 = 'trashed' THEN $5 ELSE NULL END, \
         revision = revision + 1, updated_at = $5 \
         WHERE id = $1 AND owner_id = $2 AND (',' || $6 || ',') LIKE ('%,' || state || ',%')",
    )
    .bind(id)
    .bind(owner_id)
    .bind(to)
    .bind(reason)
    .bind(micros(now))
    .bind(from_list)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// A trashed document whose restore window has passed (and whose files no application names).
#[derive(Debug, Clone)]
pub struct Purgeable {
    pub id: String,
    pub owner_id: String,
    pub object_keys: Vec<String>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn trashed_before(
    db: &Db,
    before: Timestamp,
    limit: i64,
) -> Result<Vec<Purgeable>, StoreError> {
    // A document whose file an application references stays in the trash: the application
    // names that file version for good (the agency reads what the citizen signed).
    let rows = sqlx::query(
        "SELECT id, owner_id FROM documents WHERE state = 'trashed' AND trashed_at < $1 \
         AND NOT EXISTS (SELECT 1 FROM document_files f JOIN application_files af \
         ON af.file_id = f.id WHERE f.document_id = documents.id) \
         ORDER BY trashed_at LIMIT $2",
    )
    .bind(micros(before))
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let id: String = row.try_get("id")?;
        let keys =
            sqlx::query_scalar("SELECT object_key FROM document_files WHERE document_id = $1")
                .bind(&id)
                .fetch_all(db.pool())
                .await?;
        out.push(Purgeable {
            id,
            owner_id: row.try_get("owner_id")?,
            object_keys: keys,
        });
    }
    Ok(out)
}

/// Deletes a trashed document's rows for good (files and tags go with it by cascade).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn purge(
    conn: &mut AnyConnection,
    dialect: Dialect,
    owner_id: &str,
    id: &str,
) -> Result<bool, StoreError> {
    sqlx::query("DELETE FROM document_files WHERE document_id = $1 AND owner_id = $2")
        .bind(id)
        .bind(owner_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM document_tags WHERE document_id = $1 AND owner_id = $2")
        .bind(id)
        .bind(owner_id)
        .execute(&mut *conn)
        .await?;
    let n =
        sqlx::query("DELETE FROM documents WHERE id = $1 AND owner_id = $2 AND state = 'trashed'")
            .bind(id)
            .bind(owner_id)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    reindex(conn, dialect, id, owner_id, None).await?;
    Ok(n == 1)
}

/// A document due for the archive: (id, owner, reason, the replacing document's id).
pub type ArchiveCandidate = (String, String, &'static str, Option<String>);

/// Active documents whose validity ended before `today` and that are due for the archive: a
/// newer active document of the same kind, still valid, has replaced them (its reason,
/// `replaced`), or — when `expired_before` is given — they ended before that day (`expired`).
/// An expired document nothing replaced stays in the registry, where the person sees it.
/// Returns (id, owner, reason, the replacing document's id).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn due_for_archive(
    db: &Db,
    today: &str,
    expired_before: Option<&str>,
    limit: i64,
) -> Result<Vec<ArchiveCandidate>, StoreError> {
    let rows = sqlx::query(
        "SELECT d.id, d.owner_id,            (SELECT n.id FROM documents n WHERE n.owner_id = d.owner_id               AND n.kind_code = d.kind_code AND n.state = 'active' AND n.id <> d.id               AND (n.valid_until IS NULL OR n.valid_until >= $1)               AND (COALESCE(n.issued_on, '') > COALESCE(d.issued_on, '')                    OR (COALESCE(n.issued_on, '') = COALESCE(d.issued_on, '')                        AND n.created_at > d.created_at))               ORDER BY n.created_at DESC LIMIT 1) AS replaced_by          FROM documents d WHERE d.state = 'active' AND d.valid_until IS NOT NULL          AND d.valid_until < $1          AND (($2 IS NOT NULL AND d.valid_until < $2) OR EXISTS (SELECT 1 FROM documents n               WHERE n.owner_id = d.owner_id AND n.kind_code = d.kind_code               AND n.state = 'active' AND n.id <> d.id               AND (n.valid_until IS NULL OR n.valid_until >= $1)               AND (COALESCE(n.issued_on, '') > COALESCE(d.issued_on, '')                    OR (COALESCE(n.issued_on, '') = COALESCE(d.issued_on, '')                        AND n.created_at > d.created_at))))          ORDER BY d.valid_until LIMIT $3",
    )
    .bind(today)
    .bind(expired_before)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let replaced_by: Option<String> = r.try_get("replaced_by")?;
            let reason = if replaced_by.is_some() {
                "replaced"
            } else {
                "expired"
            };
            Ok((
                r.try_get("id")?,
                r.try_get("owner_id")?,
                reason,
                replaced_by,
            ))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Files

#[derive(Debug, Clone)]
pub struct FileRow {
    pub id: String,
    pub document_id: String,
    pub lineage: String,
    pub version: i64,
    pub current: bool,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub object_key: String,
    pub wrapped_key: String,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub pages: Option<i64>,
    pub created_at: Timestamp,
}

const FILE_COLUMNS: &str = "id, document_id, lineage, version, current, name, content_type, \
     size, sha256, object_key, wrapped_key, width, height, pages, created_at";

fn file_of(row: &AnyRow) -> Result<FileRow, sqlx::Error> {
    Ok(FileRow {
        id: row.try_get("id")?,
        document_id: row.try_get("document_id")?,
        lineage: row.try_get("lineage")?,
        version: row.try_get("version")?,
        current: row.try_get::<i64, _>("current")? != 0,
        name: row.try_get("name")?,
        content_type: row.try_get("content_type")?,
        size: row.try_get("size")?,
        sha256: row.try_get("sha256")?,
        object_key: row.try_get("object_key")?,
        wrapped_key: row.try_get("wrapped_key")?,
        width: row.try_get("width")?,
        height: row.try_get("height")?,
        pages: row.try_get("pages")?,
        created_at: from_micros(row.try_get("created_at")?),
    })
}

/// Records a stored file. With `replaces`, it becomes the next version of that file's lineage
/// and the older versions stop being current.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert_file(
    conn: &mut AnyConnection,
    owner_id: &str,
    f: &FileRow,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE document_files SET current = 0 WHERE lineage = $1 AND owner_id = $2 \
         AND document_id = $3",
    )
    .bind(&f.lineage)
    .bind(owner_id)
    .bind(&f.document_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO document_files (id, document_id, owner_id, lineage, version, current, name, \
         content_type, size, sha256, object_key, wrapped_key, width, height, pages, created_at) \
         VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(&f.id)
    .bind(&f.document_id)
    .bind(owner_id)
    .bind(&f.lineage)
    .bind(f.version)
    .bind(&f.name)
    .bind(&f.content_type)
    .bind(f.size)
    .bind(&f.sha256)
    .bind(&f.object_key)
    .bind(&f.wrapped_key)
    .bind(f.width)
    .bind(f.height)
    .bind(f.pages)
    .bind(micros(f.created_at))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Every version of every file of the owner's document, current first within each lineage.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn files(
    conn: &mut AnyConnection,
    owner_id: &str,
    document_id: &str,
) -> Result<Vec<FileRow>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {FILE_COLUMNS} FROM document_files WHERE document_id = $1 AND owner_id = $2 \
         ORDER BY lineage, version DESC"
    )))
    .bind(document_id)
    .bind(owner_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.iter().map(file_of).collect::<Result<_, _>>()?)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn file(
    db: &Db,
    owner_id: &str,
    document_id: &str,
    file_id: &str,
) -> Result<Option<FileRow>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {FILE_COLUMNS} FROM document_files WHERE id = $1 AND document_id = $2 \
         AND owner_id = $3"
    )))
    .bind(file_id)
    .bind(document_id)
    .bind(owner_id)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.as_ref().map(file_of).transpose()?)
}

/// Removes a file lineage (all its versions) from a document; returns the object keys to delete.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn delete_lineage(
    conn: &mut AnyConnection,
    owner_id: &str,
    document_id: &str,
    lineage: &str,
) -> Result<Vec<String>, StoreError> {
    let keys: Vec<String> = sqlx::query_scalar(
        "SELECT object_key FROM document_files WHERE document_id = $1 AND owner_id = $2 \
         AND lineage = $3",
    )
    .bind(document_id)
    .bind(owner_id)
    .bind(lineage)
    .fetch_all(&mut *conn)
    .await?;
    sqlx::query(
        "DELETE FROM document_files WHERE document_id = $1 AND owner_id = $2 AND lineage = $3",
    )
    .bind(document_id)
    .bind(owner_id)
    .bind(lineage)
    .execute(&mut *conn)
    .await?;
    Ok(keys)
}

/// Counts for the service's own checks and the demo.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn count_for(db: &Db, owner_id: &str, state: &str) -> Result<i64, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM documents WHERE owner_id = $1 AND state = $2")
            .bind(owner_id)
            .bind(state)
            .fetch_one(db.pool())
            .await?,
    )
}

/// Every object key that a row points at (for finding orphaned objects).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn all_object_keys(db: &Db) -> Result<Vec<String>, StoreError> {
    Ok(sqlx::query_scalar("SELECT object_key FROM document_files")
        .fetch_all(db.pool())
        .await?)
}

/// Every stored file as a restore checks it: (object key, wrapped key, SHA-256 of the content).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn all_stored(db: &Db) -> Result<Vec<(String, String, String)>, StoreError> {
    let rows = sqlx::query("SELECT object_key, wrapped_key, sha256 FROM document_files")
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("object_key")?,
                r.try_get("wrapped_key")?,
                r.try_get("sha256")?,
            ))
        })
        .collect()
}

/// The first current file of each of the owner's active documents, for "download" links in
/// lists: (document id, file id, file name).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn first_files(
    db: &Db,
    owner_id: &str,
) -> Result<Vec<(String, String, String)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT f.document_id, f.id, f.name FROM document_files f \
         JOIN documents d ON d.id = f.document_id \
         WHERE d.owner_id = $1 AND f.owner_id = $1 AND d.state = 'active' AND f.current = 1 \
         ORDER BY f.document_id, f.created_at, f.id",
    )
    .bind(owner_id)
    .fetch_all(db.pool())
    .await?)
}
