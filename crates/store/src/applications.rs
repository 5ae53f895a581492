//! Applications: drafts and submitted applications, their immutable versions, the journal and
//! the document files they reference. Every query of the citizen's side is scoped by the owner;
//! no query of that side selects an event's internal note.

use jiff::Timestamp;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::db::Db;
use crate::error::StoreError;
use crate::{from_micros, micros};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationRow {
    pub id: String,
    pub number: Option<String>,
    pub owner_id: String,
    pub service_code: String,
    pub agency_code: String,
    pub form_version: i64,
    pub status: String,
    /// JSON object: name → text.
    pub answers: String,
    /// JSON array of the prefilled answers' names.
    pub prefilled: String,
    pub submitted_at: Option<Timestamp>,
    pub due_on: Option<String>,
    pub assignee_id: Option<String>,
    pub result_document_id: Option<String>,
    pub outcome_note: Option<String>,
    pub expires_at: Option<Timestamp>,
    /// JSON object of the answers being corrected while the agency waits; the submitted ones
    /// stay in `answers` until the correction is signed.
    pub correction: Option<String>,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

const COLUMNS: &str = "id, number, owner_id, service_code, agency_code, form_version, status, \
     answers, prefilled, submitted_at, due_on, assignee_id, result_document_id, outcome_note, \
     expires_at, correction, version, created_at, updated_at";

/// [`COLUMNS`] for lists and queues, which never show the answers: they are not read (a draft's
/// answers are kilobytes of JSON, and a page of 100 carried them all through the driver).
const SUMMARY_COLUMNS: &str = "id, number, owner_id, service_code, agency_code, form_version, \
     status, '{}' AS answers, '[]' AS prefilled, submitted_at, due_on, assignee_id, \
     result_document_id, outcome_note, expires_at, CAST(NULL AS TEXT) AS correction, version, \
     created_at, updated_at";

fn application_of(row: &AnyRow) -> Result<ApplicationRow, sqlx::Error> {
    let at = |name: &str| -> Result<Option<Timestamp>, sqlx::Error> {
        Ok(row.try_get::<Option<i64>, _>(name)?.map(from_micros))
    };
    Ok(ApplicationRow {
        id: row.try_get("id")?,
        number: row.try_get("number")?,
        owner_id: row.try_get("owner_id")?,
        service_code: row.try_get("service_code")?,
        agency_code: row.try_get("agency_code")?,
        form_version: row.try_get("form_version")?,
        status: row.try_get("status")?,
        answers: row.try_get("answers")?,
        prefilled: row.try_get("prefilled")?,
        submitted_at: at("submitted_at")?,
        due_on: row.try_get("due_on")?,
        assignee_id: row.try_get("assignee_id")?,
        result_document_id: row.try_get("result_document_id")?,
        outcome_note: row.try_get("outcome_note")?,
        expires_at: at("expires_at")?,
        correction: row.try_get("correction")?,
        version: row.try_get("version")?,
        created_at: from_micros(row.try_get("created_at")?),
        updated_at: from_micros(row.try_get("updated_at")?),
    })
}

/// A new draft.
pub struct NewDraft<'a> {
    pub id: &'a str,
    pub owner_id: &'a str,
    pub service_code: &'a str,
    pub agency_code: &'a str,
    pub form_version: i64,
    pub answers: &'a str,
    pub prefilled: &'a str,
    pub expires_at: Timestamp,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert_draft(
    conn: &mut AnyConnection,
    d: &NewDraft<'_>,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO applications (id, owner_id, service_code, agency_code, form_version, \
         status, answers, prefilled, expires_at, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 'draft', $6, $7, $8, 1, $9, $9)",
    )
    .bind(d.id)
    .bind(d.owner_id)
    .bind(d.service_code)
    .bind(d.agency_code)
    .bind(d.form_version)
    .bind(d.answers)
    .bind(d.prefilled)
    .bind(micros(d.expires_at))
    .bind(micros(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The owner's application (any status).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn get(
    conn: &mut AnyConnection,
    owner_id: &str,
    id: &str,
) -> Result<Option<ApplicationRow>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM applications WHERE id = $1 AND owner_id = $2"
    )))
    .bind(id)
    .bind(owner_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.as_ref().map(application_of).transpose()?)
}

/// Saves a draft's answers if it is still a draft at `version`; moves its expiry. False when it
/// is not this owner's draft any more or was changed meanwhile (another tab).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn save_answers(
    conn: &mut AnyConnection,
    owner_id: &str,
    id: &str,
    version: i64,
    answers: &str,
    expires_at: Timestamp,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE applications SET answers = $4, expires_at = $5, expiry_warned = 0, \
         version = version + 1, updated_at = $6 \
         WHERE id = $1 AND owner_id = $2 AND status = 'draft' AND version = $3",
    )
    .bind(id)
    .bind(owner_id)
    .bind(version)
    .bind(answers)
    .bind(micros(expires_at))
    .bind(micros(now))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// What a submission sets.
pub struct Submission<'a> {
    pub number: &'a str,
    pub answers: &'a str,
    pub due_on: &'a str,
}

/// Turns the owner's draft at `version` into an accepted application. False when it is no
/// longer a draft at that version; a number already taken gives
/// [`StoreError::UniqueViolation`] (the caller draws another).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn submit(
    conn: &mut AnyConnection,
    owner_id: &str,
    id: &str,
    version: i64,
    s: &Submission<'_>,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE applications SET status = 'accepted', number = $4, answers = $5, due_on = $6, \
         submitted_at = $7, expires_at = NULL, version = version + 1, updated_at = $7 \
         WHERE id = $1 AND owner_id = $2 AND status = 'draft' AND version = $3",
    )
    .bind(id)
    .bind(owner_id)
    .bind(version)
    .bind(s.number)
    .bind(s.answers)
    .bind(s.due_on)
    .bind(micros(now))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Whether an application has this number already.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn number_taken(conn: &mut AnyConnection, number: &str) -> Result<bool, StoreError> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM applications WHERE number = $1")
        .bind(number)
        .fetch_one(&mut *conn)
        .await?;
    Ok(n > 0)
}

/// Moves an application from `from` to `to` if it is still there at `version` (a conditional
/// update: of two officers or two tabs, one wins). `outcome_note` is kept when `None`.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn set_status(
    conn: &mut AnyConnection,
    id: &str,
    version: i64,
    from: &str,
    to: &str,
    outcome_note: Option<&str>,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE applications SET status = $4, outcome_note = COALESCE($5, outcome_note), \
         version = version + 1, updated_at = $6 WHERE id = $1 AND version = $2 AND status = $3",
    )
    .bind(id)
    .bind(version)
    .bind(from)
    .bind(to)
    .bind(outcome_note)
    .bind(micros(now))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Starts correcting the answers of the owner's application the agency waits on: a copy of the
/// submitted answers to change. False when it is not waiting, is being corrected already or
/// changed meanwhile.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn begin_correction(
    conn: &mut AnyConnection,
    owner_id: &str,
    id: &str,
    version: i64,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE applications SET correction = answers, version = version + 1, updated_at = $4 \
         WHERE id = $1 AND owner_id = $2 AND version = $3 AND status = 'awaiting_citizen' \
         AND correction IS NULL",
    )
    .bind(id)
    .bind(owner_id)
    .bind(version)
    .bind(micros(now))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Saves the answers being corrected (as typed where they do not pass yet), guarded like a
/// draft's step.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn save_correction(
    conn: &mut AnyConnection,
    owner_id: &str,
    id: &str,
    version: i64,
    answers: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE applications SET correction = $4, version = version + 1, updated_at = $5 \
         WHERE id = $1 AND owner_id = $2 AND version = $3 AND status = 'awaiting_citizen' \
         AND correction IS NOT NULL",
    )
    .bind(id)
    .bind(owner_id)
    .bind(version)
    .bind(answers)
    .bind(micros(now))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Ends a correction: the corrected answers become the current ones when given (they were
/// signed as a new version in the same transaction), else the correction is dropped.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn end_correction(
    conn: &mut AnyConnection,
    owner_id: &str,
    id: &str,
    corrected: Option<&str>,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE applications SET answers = COALESCE($3, answers), correction = NULL, \
         updated_at = $4 WHERE id = $1 AND owner_id = $2",
    )
    .bind(id)
    .bind(owner_id)
    .bind(corrected)
    .bind(micros(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Removes the owner's draft; false when there is no such draft.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn delete_draft(
    conn: &mut AnyConnection,
    owner_id: &str,
    id: &str,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "DELETE FROM applications WHERE id = $1 AND owner_id = $2 AND status = 'draft'",
    )
    .bind(id)
    .bind(owner_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Which of the owner's applications a list shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: Option<String>,
    pub service_code: Option<String>,
    /// The number without dashes.
    pub number: Option<String>,
    /// Submitted (or, for drafts, created) on or after, in microseconds.
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    /// The last line of the previous page: (its `updated_at`, its id).
    pub after: Option<(Timestamp, String)>,
}

/// The owner's applications matching the filter, the latest change first (without their
/// answers: see [`SUMMARY_COLUMNS`]).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn list(
    db: &Db,
    owner_id: &str,
    f: &Filter,
    limit: i64,
) -> Result<Vec<ApplicationRow>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {SUMMARY_COLUMNS} FROM applications WHERE owner_id = $1 \
         AND ($2 IS NULL OR status = $2) AND ($3 IS NULL OR service_code = $3) \
         AND ($4 IS NULL OR number = $4) \
         AND ($5 IS NULL OR COALESCE(submitted_at, created_at) >= $5) \
         AND ($6 IS NULL OR COALESCE(submitted_at, created_at) < $6) \
         AND ($8 IS NULL OR updated_at < $8 OR (updated_at = $8 AND id < $9)) \
         ORDER BY updated_at DESC, id DESC LIMIT $7"
    )))
    .bind(owner_id)
    .bind(&f.status)
    .bind(&f.service_code)
    .bind(&f.number)
    .bind(f.from.map(micros))
    .bind(f.to.map(micros))
    .bind(limit)
    .bind(f.after.as_ref().map(|(at, _)| micros(*at)))
    .bind(f.after.as_ref().map(|(_, id)| id.clone()))
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().map(application_of).collect::<Result<_, _>>()?)
}

/// How many of the owner's applications wait for them: drafts and questions of the agency.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn waiting_for_owner(
    conn: &mut AnyConnection,
    owner_id: &str,
) -> Result<(i64, i64), StoreError> {
    let row = sqlx::query(
        "SELECT COALESCE(SUM(CASE WHEN status = 'draft' THEN 1 ELSE 0 END), 0) AS drafts, \
         COALESCE(SUM(CASE WHEN status = 'awaiting_citizen' THEN 1 ELSE 0 END), 0) AS asked \
         FROM applications WHERE owner_id = $1 AND status IN ('draft', 'awaiting_citizen')",
    )
    .bind(owner_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok((row.try_get("drafts")?, row.try_get("asked")?))
}

/// An immutable version of what was submitted.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert_version(
    conn: &mut AnyConnection,
    application_id: &str,
    version: i64,
    canonical: &str,
    digest: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO application_versions (application_id, version, canonical, digest, \
         created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(application_id)
    .bind(version)
    .bind(canonical)
    .bind(digest)
    .bind(micros(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRow {
    pub version: i64,
    pub canonical: String,
    pub digest: String,
    pub created_at: Timestamp,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn versions(
    conn: &mut AnyConnection,
    application_id: &str,
) -> Result<Vec<VersionRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT version, canonical, digest, created_at FROM application_versions \
         WHERE application_id = $1 ORDER BY version",
    )
    .bind(application_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(VersionRow {
                version: r.try_get("version")?,
                canonical: r.try_get("canonical")?,
                digest: r.try_get("digest")?,
                created_at: from_micros(r.try_get("created_at")?),
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent<'a> {
    pub application_id: &'a str,
    pub kind: &'a str,
    /// The status after it.
    pub status: &'a str,
    /// `citizen` or `agency`.
    pub party: &'a str,
    pub actor_id: Option<&'a str>,
    pub agency_code: Option<&'a str>,
    pub comment: Option<&'a str>,
    pub internal_note: Option<&'a str>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert_event(
    conn: &mut AnyConnection,
    e: &NewEvent<'_>,
    now: Timestamp,
) -> Result<String, StoreError> {
    let id = crate::new_id();
    sqlx::query(
        "INSERT INTO application_events (id, application_id, at, kind, status, party, actor_id, \
         agency_code, comment, internal_note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&id)
    .bind(e.application_id)
    .bind(micros(now))
    .bind(e.kind)
    .bind(e.status)
    .bind(e.party)
    .bind(e.actor_id)
    .bind(e.agency_code)
    .bind(e.comment)
    .bind(e.internal_note)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// A line of the journal as the citizen sees it: no internal note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicEvent {
    pub at: Timestamp,
    pub kind: String,
    pub status: String,
    pub party: String,
    pub agency_code: Option<String>,
    pub comment: Option<String>,
}

/// The journal of the owner's application, oldest first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn public_events(
    conn: &mut AnyConnection,
    owner_id: &str,
    application_id: &str,
) -> Result<Vec<PublicEvent>, StoreError> {
    let rows = sqlx::query(
        "SELECT e.at, e.kind, e.status, e.party, e.agency_code, e.comment \
         FROM application_events e JOIN applications a ON a.id = e.application_id \
         WHERE e.application_id = $1 AND a.owner_id = $2 ORDER BY e.at, e.id",
    )
    .bind(application_id)
    .bind(owner_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(PublicEvent {
                at: from_micros(r.try_get("at")?),
                kind: r.try_get("kind")?,
                status: r.try_get("status")?,
                party: r.try_get("party")?,
                agency_code: r.try_get("agency_code")?,
                comment: r.try_get("comment")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// A document file an application refers to, with the SHA-256 its version's digest covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachedFile {
    pub field: String,
    pub file_id: String,
    pub document_id: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert_files(
    conn: &mut AnyConnection,
    application_id: &str,
    version: i64,
    files: &[AttachedFile],
) -> Result<(), StoreError> {
    for f in files {
        sqlx::query(
            "INSERT INTO application_files (application_id, version, field, file_id, \
             document_id, name, content_type, size, sha256) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(application_id)
        .bind(version)
        .bind(&f.field)
        .bind(&f.file_id)
        .bind(&f.document_id)
        .bind(&f.name)
        .bind(&f.content_type)
        .bind(f.size)
        .bind(&f.sha256)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The files of an application's version.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn files(
    conn: &mut AnyConnection,
    application_id: &str,
    version: i64,
) -> Result<Vec<AttachedFile>, StoreError> {
    let rows = sqlx::query(
        "SELECT field, file_id, document_id, name, content_type, size, sha256 \
         FROM application_files WHERE application_id = $1 AND version = $2 \
         ORDER BY field, name, file_id",
    )
    .bind(application_id)
    .bind(version)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(attached_of).collect::<Result<_, _>>()
}

fn attached_of(r: &AnyRow) -> Result<AttachedFile, StoreError> {
    Ok(AttachedFile {
        field: r.try_get("field")?,
        file_id: r.try_get("file_id")?,
        document_id: r.try_get("document_id")?,
        name: r.try_get("name")?,
        content_type: r.try_get("content_type")?,
        size: r.try_get("size")?,
        sha256: r.try_get("sha256")?,
    })
}

/// A current file of one of the owner's active documents, as a form offers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choosable {
    pub file_id: String,
    pub document_id: String,
    pub document_title: String,
    pub kind_code: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
}

/// The current files of the owner's active documents, by document (newest first).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn choosable_files(
    conn: &mut AnyConnection,
    owner_id: &str,
) -> Result<Vec<Choosable>, StoreError> {
    let rows = sqlx::query(
        "SELECT f.id AS file_id, d.id AS document_id, d.title, d.kind_code, f.name, \
         f.content_type, f.size, f.sha256 FROM document_files f \
         JOIN documents d ON d.id = f.document_id \
         WHERE d.owner_id = $1 AND f.owner_id = $1 AND d.state = 'active' AND f.current = 1 \
         ORDER BY d.created_at DESC, d.id, f.name, f.id LIMIT 500",
    )
    .bind(owner_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Choosable {
                file_id: r.try_get("file_id")?,
                document_id: r.try_get("document_id")?,
                document_title: r.try_get("title")?,
                kind_code: r.try_get("kind_code")?,
                name: r.try_get("name")?,
                content_type: r.try_get("content_type")?,
                size: r.try_get("size")?,
                sha256: r.try_get("sha256")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

// --- The agency's side ------------------------------------------------------------------------
// Every query names the agencies the officer works for; an application of another agency is
// not found.

/// The agencies an officer works for.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn member_agencies(
    conn: &mut AnyConnection,
    user_id: &str,
) -> Result<Vec<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT agency_code FROM agency_members WHERE user_id = $1 ORDER BY agency_code",
    )
    .bind(user_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// Makes an officer a member of an agency; false when they were one already.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn add_member(
    conn: &mut AnyConnection,
    user_id: &str,
    agency_code: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "INSERT INTO agency_members (user_id, agency_code, added_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id, agency_code) DO NOTHING",
    )
    .bind(user_id)
    .bind(agency_code)
    .bind(micros(now))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn remove_member(
    conn: &mut AnyConnection,
    user_id: &str,
    agency_code: &str,
) -> Result<bool, StoreError> {
    let n = sqlx::query("DELETE FROM agency_members WHERE user_id = $1 AND agency_code = $2")
        .bind(user_id)
        .bind(agency_code)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    Ok(n == 1)
}

/// An agency's member as the operator's list shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub user_id: String,
    pub agency_code: String,
    pub surname: String,
    pub given_name: String,
    pub email: Option<String>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn members(db: &Db) -> Result<Vec<Member>, StoreError> {
    let rows = sqlx::query(
        "SELECT m.user_id, m.agency_code, u.surname, u.given_name, u.email \
         FROM agency_members m JOIN users u ON u.id = m.user_id \
         ORDER BY m.agency_code, u.surname, u.given_name, m.user_id",
    )
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Member {
                user_id: r.try_get("user_id")?,
                agency_code: r.try_get("agency_code")?,
                surname: r.try_get("surname")?,
                given_name: r.try_get("given_name")?,
                email: r.try_get("email")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// Which of an agency's applications the queue shows.
#[derive(Debug, Clone)]
pub struct QueueFilter {
    pub agency_code: String,
    pub status: String,
    pub service_code: Option<String>,
    /// Only those taken by this officer.
    pub assignee_id: Option<String>,
    /// Only those nobody took.
    pub unassigned: bool,
    /// The page after this (due_on, id).
    pub after: Option<(String, String)>,
}

/// Where the next page of the queue starts: after this row (its due date and id).
pub fn queue_cursor(row: &ApplicationRow) -> String {
    format!("{}~{}", row.due_on.as_deref().unwrap_or_default(), row.id)
}

/// A queue cursor read back; `None` when it is not one.
pub fn parse_queue_cursor(text: &str) -> Option<(String, String)> {
    let (due, id) = text.split_once('~')?;
    (!id.is_empty()).then(|| (due.to_owned(), id.to_owned()))
}

/// A page of the queue, the earliest due first (overdue ones lead), by keyset (without the
/// answers).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn queue(
    db: &Db,
    f: &QueueFilter,
    limit: i64,
) -> Result<Vec<ApplicationRow>, StoreError> {
    let (after_due, after_id) = f
        .after
        .clone()
        .map_or((None, None), |(d, i)| (Some(d), Some(i)));
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {SUMMARY_COLUMNS} FROM applications WHERE agency_code = $1 AND status = $2 \
         AND ($3 IS NULL OR service_code = $3) AND ($4 IS NULL OR assignee_id = $4) \
         AND ($5 = 0 OR assignee_id IS NULL) \
         AND ($6 IS NULL OR due_on > $6 OR (due_on = $6 AND id > $7)) \
         ORDER BY due_on, id LIMIT $8"
    )))
    .bind(&f.agency_code)
    .bind(&f.status)
    .bind(&f.service_code)
    .bind(&f.assignee_id)
    .bind(i64::from(f.unassigned))
    .bind(after_due)
    .bind(after_id)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().map(application_of).collect::<Result<_, _>>()?)
}

/// How many applications of an agency are in each open status, each counted up to `cap`.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn queue_counts(
    db: &Db,
    agency_code: &str,
    cap: i64,
) -> Result<Vec<(String, i64)>, StoreError> {
    // Each count stops at `cap`: a busy agency's tabs would otherwise count every open row of
    // the agency on every page (80 000 index entries at 100 000 applications, ~14 ms on SQLite).
    let count = |status: &str| {
        format!(
            "(SELECT COUNT(*) FROM (SELECT 1 FROM applications WHERE agency_code = $1 \
             AND status = '{status}' LIMIT $2) AS capped) AS {status}"
        )
    };
    let open = ["accepted", "in_review", "awaiting_citizen"];
    let sql = format!(
        "SELECT {}",
        open.iter().map(|s| count(s)).collect::<Vec<_>>().join(", ")
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(agency_code)
        .bind(cap)
        .fetch_one(db.pool())
        .await?;
    open.iter()
        .map(|s| Ok(((*s).to_owned(), row.try_get(*s)?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// A submitted application of one of these agencies (a draft is the citizen's alone).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn get_for_agencies(
    conn: &mut AnyConnection,
    agencies: &[String],
    id: &str,
) -> Result<Option<ApplicationRow>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM applications WHERE id = $1 AND status <> 'draft'"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let row = row.as_ref().map(application_of).transpose()?;
    Ok(row.filter(|r| agencies.contains(&r.agency_code)))
}

/// The officer takes an accepted application nobody took: one of two officers wins.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn take(
    conn: &mut AnyConnection,
    id: &str,
    version: i64,
    officer_id: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE applications SET status = 'in_review', assignee_id = $3, version = version + 1, \
         updated_at = $4 WHERE id = $1 AND version = $2 AND status = 'accepted' \
         AND assignee_id IS NULL",
    )
    .bind(id)
    .bind(version)
    .bind(officer_id)
    .bind(micros(now))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// The agency's move of an application its officer holds, with the result document when done.
#[tracing::instrument(level = "debug", skip_all)]
#[allow(clippy::too_many_arguments)]
pub async fn agency_move(
    conn: &mut AnyConnection,
    id: &str,
    version: i64,
    officer_id: &str,
    from: &str,
    to: &str,
    outcome_note: Option<&str>,
    result_document_id: Option<&str>,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE applications SET status = $5, outcome_note = COALESCE($6, outcome_note), \
         result_document_id = COALESCE($7, result_document_id), version = version + 1, \
         updated_at = $8 WHERE id = $1 AND version = $2 AND assignee_id = $3 AND status = $4",
    )
    .bind(id)
    .bind(version)
    .bind(officer_id)
    .bind(from)
    .bind(to)
    .bind(outcome_note)
    .bind(result_document_id)
    .bind(micros(now))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// A line of the journal as the agency sees it, the internal note included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgencyEvent {
    pub at: Timestamp,
    pub kind: String,
    pub status: String,
    pub party: String,
    pub actor_id: Option<String>,
    pub comment: Option<String>,
    pub internal_note: Option<String>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn agency_events(
    conn: &mut AnyConnection,
    application_id: &str,
) -> Result<Vec<AgencyEvent>, StoreError> {
    let rows = sqlx::query(
        "SELECT at, kind, status, party, actor_id, comment, internal_note \
         FROM application_events WHERE application_id = $1 ORDER BY at, id",
    )
    .bind(application_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(AgencyEvent {
                at: from_micros(r.try_get("at")?),
                kind: r.try_get("kind")?,
                status: r.try_get("status")?,
                party: r.try_get("party")?,
                actor_id: r.try_get("actor_id")?,
                comment: r.try_get("comment")?,
                internal_note: r.try_get("internal_note")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// Whether the officer already viewed the application today (a view is told once a day).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn viewed_since(
    conn: &mut AnyConnection,
    application_id: &str,
    officer_id: &str,
    since: Timestamp,
) -> Result<bool, StoreError> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM application_events WHERE application_id = $1 AND kind = 'viewed' \
         AND actor_id = $2 AND at >= $3",
    )
    .bind(application_id)
    .bind(officer_id)
    .bind(micros(since))
    .fetch_one(&mut *conn)
    .await?;
    Ok(n > 0)
}

/// A message of the dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRow {
    pub id: String,
    pub at: Timestamp,
    pub party: String,
    pub author_id: Option<String>,
    pub body: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert_message(
    conn: &mut AnyConnection,
    application_id: &str,
    party: &str,
    author_id: &str,
    body: &str,
    now: Timestamp,
) -> Result<String, StoreError> {
    let id = crate::new_id();
    sqlx::query(
        "INSERT INTO application_messages (id, application_id, at, party, author_id, body) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id)
    .bind(application_id)
    .bind(micros(now))
    .bind(party)
    .bind(author_id)
    .bind(body)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// The dialog of an application, oldest first (the caller has checked who may read it).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn messages(
    conn: &mut AnyConnection,
    application_id: &str,
) -> Result<Vec<MessageRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, at, party, author_id, body FROM application_messages \
         WHERE application_id = $1 ORDER BY at, id",
    )
    .bind(application_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(MessageRow {
                id: r.try_get("id")?,
                at: from_micros(r.try_get("at")?),
                party: r.try_get("party")?,
                author_id: r.try_get("author_id")?,
                body: r.try_get("body")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// Every file an application refers to, in any version or message.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn all_files(
    conn: &mut AnyConnection,
    application_id: &str,
) -> Result<Vec<AttachedFile>, StoreError> {
    let rows = sqlx::query(
        "SELECT DISTINCT field, file_id, document_id, name, content_type, size, sha256 \
         FROM application_files WHERE application_id = $1 ORDER BY field, name, file_id",
    )
    .bind(application_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(attached_of).collect::<Result<_, _>>()
}

// --- Drafts' expiry -------------------------------------------------------------------------

/// A draft the sweep looks at: whose, of which service, until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiringDraft {
    pub id: String,
    pub owner_id: String,
    pub service_code: String,
    pub expires_at: Timestamp,
}

fn expiring_of(r: &AnyRow) -> Result<ExpiringDraft, sqlx::Error> {
    Ok(ExpiringDraft {
        id: r.try_get("id")?,
        owner_id: r.try_get("owner_id")?,
        service_code: r.try_get("service_code")?,
        expires_at: from_micros(r.try_get("expires_at")?),
    })
}

/// Drafts that expire before `before` (expired ones when `before` is now); with `unwarned`,
/// only those whose owner was not warned yet.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn drafts_expiring(
    db: &Db,
    before: Timestamp,
    unwarned: bool,
    limit: i64,
) -> Result<Vec<ExpiringDraft>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, owner_id, service_code, expires_at FROM applications \
         WHERE status = 'draft' AND expires_at < $1 AND ($2 = 0 OR expiry_warned = 0) \
         ORDER BY expires_at, id LIMIT $3",
    )
    .bind(micros(before))
    .bind(i64::from(unwarned))
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().map(expiring_of).collect::<Result<_, _>>()?)
}

/// Marks a draft's owner as warned, if the draft still expires then (not saved meanwhile).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn mark_expiry_warned(
    conn: &mut AnyConnection,
    id: &str,
    expires_at: Timestamp,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE applications SET expiry_warned = 1 WHERE id = $1 AND status = 'draft' \
         AND expires_at = $2 AND expiry_warned = 0",
    )
    .bind(id)
    .bind(micros(expires_at))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Removes a draft that has expired (and was not saved meanwhile).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn delete_expired_draft(
    conn: &mut AnyConnection,
    id: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "DELETE FROM applications WHERE id = $1 AND status = 'draft' AND expires_at < $2",
    )
    .bind(id)
    .bind(micros(now))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// A citizen's named template: a service's answers kept to fill a new draft from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateRow {
    pub id: String,
    pub service_code: String,
    pub name: String,
    pub answers: String,
    pub form_version: i64,
    pub created_at: Timestamp,
}

fn template_of(r: &AnyRow) -> Result<TemplateRow, sqlx::Error> {
    Ok(TemplateRow {
        id: r.try_get("id")?,
        service_code: r.try_get("service_code")?,
        name: r.try_get("name")?,
        answers: r.try_get("answers")?,
        form_version: r.try_get("form_version")?,
        created_at: from_micros(r.try_get("created_at")?),
    })
}

/// A new template of the owner.
pub struct NewTemplate<'a> {
    pub id: &'a str,
    pub owner_id: &'a str,
    pub service_code: &'a str,
    pub name: &'a str,
    pub answers: &'a str,
    pub form_version: i64,
}

/// Keeps a template; a name the owner already uses gives [`StoreError::UniqueViolation`].
#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert_template(
    conn: &mut AnyConnection,
    t: &NewTemplate<'_>,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO application_templates (id, owner_id, service_code, name, answers, \
         form_version, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(t.id)
    .bind(t.owner_id)
    .bind(t.service_code)
    .bind(t.name)
    .bind(t.answers)
    .bind(t.form_version)
    .bind(micros(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The owner's templates, newest first; of one service when it is named.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn templates(
    db: &Db,
    owner_id: &str,
    service_code: Option<&str>,
) -> Result<Vec<TemplateRow>, StoreError> {
    let mut conn = db.connection().await?;
    let rows = sqlx::query(
        "SELECT id, service_code, name, answers, form_version, created_at \
         FROM application_templates WHERE owner_id = $1 AND ($2 IS NULL OR service_code = $2) \
         ORDER BY created_at DESC, id LIMIT 200",
    )
    .bind(owner_id)
    .bind(service_code)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(template_of)
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// The owner's template.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn template(
    conn: &mut AnyConnection,
    owner_id: &str,
    id: &str,
) -> Result<Option<TemplateRow>, StoreError> {
    let row = sqlx::query(
        "SELECT id, service_code, name, answers, form_version, created_at \
         FROM application_templates WHERE id = $1 AND owner_id = $2",
    )
    .bind(id)
    .bind(owner_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.as_ref().map(template_of).transpose()?)
}

/// Removes the owner's template; false when there is none.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn delete_template(
    conn: &mut AnyConnection,
    owner_id: &str,
    id: &str,
) -> Result<bool, StoreError> {
    let n = sqlx::query("DELETE FROM application_templates WHERE id = $1 AND owner_id = $2")
        .bind(id)
        .bind(owner_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    Ok(n == 1)
}

/// A list's cursor as an address carries it: `{updated_at in µs}~{id}`.
pub fn list_cursor(row: &ApplicationRow) -> String {
    format!("{}~{}", micros(row.updated_at), row.id)
}

/// A cursor read back; `None` when it is not one.
pub fn parse_list_cursor(text: &str) -> Option<(Timestamp, String)> {
    let (at, id) = text.split_once('~')?;
    let at: i64 = at.parse().ok()?;
    (!id.is_empty()).then(|| (from_micros(at), id.to_owned()))
}
