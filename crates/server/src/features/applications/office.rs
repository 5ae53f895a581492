//! The agency's side of an application: an officer of the agency that handles the service opens
//! it (the citizen's journal says the agency viewed it), takes it (one officer at a time), asks
//! the citizen for something, completes it — with a document for «Мои документы» that archives
//! the one it replaces — or refuses it with the reason; internal notes stay with the agency.
//! The citizen's answer returns it to review. Every move is one conditional update with its
//! journal line, audit record and notice, in one transaction; every query is scoped by the
//! officer's agencies.

use domain::Role;
use domain::applications::catalogue::Outcome;
use domain::applications::status::{self, Event, Party, Status};
use domain::notifications::Category;
use jiff::{SignedDuration, Timestamp};
use sqlx::AnyConnection;
use store::StoreError;
use store::applications::{self as repo, AttachedFile};
use store::audit::{self, Action, Actor, Entry};
use store::users::{Profile, UserSummary};

use super::service::{ApplicationError, Loaded, loaded_row};
use crate::features::documents::service::{DocumentError, DocumentInput, issue};
use crate::features::notifications::service::{Message, notify};
use crate::state::AppState;
use crate::web::context::RequestMeta;

/// Who works an application for an agency: an officer (a person, with the agencies they work
/// for) or an agency's own system (an API key, with its one agency).
pub struct Officer {
    /// The officer's user id, or the agency key's id: who holds an application, who wrote a line.
    pub id: String,
    pub actor: Actor,
    pub agencies: Vec<String>,
    pub time_zone: String,
}

/// The signed-in officer, or [`ApplicationError::Forbidden`] for anyone else (an officer of no
/// agency included).
pub async fn officer(state: &AppState, user: &UserSummary) -> Result<Officer, ApplicationError> {
    if user.role != Role::Officer {
        return Err(ApplicationError::Forbidden);
    }
    let mut conn = state.db.connection().await?;
    let agencies = repo::member_agencies(&mut conn, &user.id).await?;
    if agencies.is_empty() {
        return Err(ApplicationError::Forbidden);
    }
    Ok(Officer {
        id: user.id.clone(),
        actor: Actor::of(user),
        agencies,
        time_zone: user.time_zone.clone(),
    })
}

/// The agency's system calling with this key: it sees its agency's applications only.
pub fn system(key: &store::agency_systems::AgencyKey) -> Officer {
    Officer {
        id: key.id.clone(),
        actor: Actor::AgencySystem {
            key_id: key.id.clone(),
        },
        agencies: vec![key.agency_code.clone()],
        time_zone: crate::local_time::DEFAULT_ZONE.to_owned(),
    }
}

fn entry(officer: &Officer, action: Action, app: &Loaded, meta: &RequestMeta) -> Entry {
    Entry::new(officer.actor.clone(), action)
        .object("application", &app.row.id)
        .subject(&app.row.owner_id)
        .from_request(meta.ip.clone(), None)
        .details(serde_json::json!({ "agency": app.row.agency_code }))
}

fn with(mut e: Entry, extra: serde_json::Value) -> Entry {
    if let (Some(base), Some(more)) = (e.details.as_object_mut(), extra.as_object()) {
        for (k, v) in more {
            base.insert(k.clone(), v.clone());
        }
    }
    e
}

/// Opens an application of the officer's agencies: the view is audited every time and told
/// in the citizen's journal once a day per officer.
pub async fn open(
    state: &AppState,
    officer: &Officer,
    id: &str,
    meta: &RequestMeta,
) -> Result<Loaded, ApplicationError> {
    let row = {
        let mut conn = state.db.connection().await?;
        repo::get_for_agencies(&mut conn, &officer.agencies, id)
            .await?
            .ok_or(ApplicationError::NotFound)?
    };
    let app = loaded_row(state, row).await?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    audit::append(
        &mut tx,
        &entry(officer, Action::ApplicationViewed, &app, meta),
        now,
    )
    .await?;
    let day_ago = now - SignedDuration::from_hours(24);
    if !repo::viewed_since(&mut tx, id, &officer.id, day_ago).await? {
        repo::insert_event(
            &mut tx,
            &repo::NewEvent {
                application_id: id,
                kind: "viewed",
                status: app.status.code(),
                party: "agency",
                actor_id: Some(&officer.id),
                agency_code: Some(&app.row.agency_code),
                comment: None,
                internal_note: None,
            },
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(app)
}

/// The application of the officer's agencies, read without recording a view (after a move).
pub async fn peek(
    state: &AppState,
    officer: &Officer,
    id: &str,
) -> Result<Loaded, ApplicationError> {
    let row = {
        let mut conn = state.db.connection().await?;
        repo::get_for_agencies(&mut conn, &officer.agencies, id)
            .await?
            .ok_or(ApplicationError::NotFound)?
    };
    loaded_row(state, row).await
}

/// What the agency does, with its words for the citizen.
pub enum Move<'a> {
    Take,
    Ask {
        what: &'a str,
    },
    Complete {
        comment: &'a str,
        result: Option<&'a DocumentInput>,
    },
    Reject {
        reason: &'a str,
    },
}

impl Move<'_> {
    fn event(&self) -> Event {
        match self {
            Move::Take => Event::Take,
            Move::Ask { .. } => Event::AskCitizen,
            Move::Complete { .. } => Event::Complete,
            Move::Reject { .. } => Event::Reject,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Move::Take => "taken",
            Move::Ask { .. } => "asked",
            Move::Complete { .. } => "completed",
            Move::Reject { .. } => "rejected",
        }
    }

    fn action(&self) -> Action {
        match self {
            Move::Take => Action::ApplicationTaken,
            Move::Ask { .. } => Action::ApplicationAsked,
            Move::Complete { .. } => Action::ApplicationCompleted,
            Move::Reject { .. } => Action::ApplicationRejected,
        }
    }

    fn comment(&self) -> Option<&str> {
        match self {
            Move::Take => None,
            Move::Ask { what } => Some(what),
            Move::Complete { comment, .. } => Some(*comment).filter(|c| !c.trim().is_empty()),
            Move::Reject { reason } => Some(reason),
        }
    }
}

/// The longest message, comment or note, in characters.
pub const MAX_WORDS: usize = 5000;

/// Why a move's words are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// What the citizen is asked for, or the reason of a refusal.
    Words,
    /// The service gives a document and none was described.
    Result,
}

/// Makes the agency's move on an application the officer holds (taking it needs nobody to
/// hold it). The result document of a completion is issued in the same transaction.
pub async fn make(
    state: &AppState,
    officer: &Officer,
    app: &Loaded,
    step: Move<'_>,
    internal_note: Option<&str>,
    meta: &RequestMeta,
) -> Result<(), ApplicationError> {
    let to = status::next(app.status, step.event(), Party::Agency)
        .map_err(ApplicationError::NotAllowed)?;
    if let Move::Ask { what: words } | Move::Reject { reason: words } = &step
        && words.trim().is_empty()
    {
        return Err(ApplicationError::Incomplete(Missing::Words));
    }
    let too_long = |t: &str| t.chars().count() > MAX_WORDS;
    if step.comment().is_some_and(too_long) || internal_note.is_some_and(too_long) {
        return Err(ApplicationError::TooLong);
    }
    let gives_document = matches!(app.service.outcome, Outcome::Document { .. });
    if let Move::Complete { result: None, .. } = &step
        && gives_document
    {
        return Err(ApplicationError::Incomplete(Missing::Result));
    }
    let owner = store::users::profile(&state.db, &app.row.owner_id)
        .await?
        .ok_or(ApplicationError::NotFound)?;
    let now = state.now();
    let note = internal_note.map(str::trim).filter(|n| !n.is_empty());
    let mut tx = state.db.begin().await?;
    let mut result_id = None;
    let mut archived = Vec::new();
    if let (
        Move::Complete {
            result: Some(input),
            ..
        },
        Outcome::Document { kind, replaces },
    ) = (&step, &app.service.outcome)
    {
        let mut input = (*input).clone();
        input.kind = kind.clone();
        let (id, old) = issue(
            &mut tx,
            state,
            &owner,
            &input,
            &officer.actor,
            &app.row.id,
            *replaces,
        )
        .await
        .map_err(|e| match e {
            DocumentError::Invalid(problems) => ApplicationError::Result(problems),
            DocumentError::Store(e) => ApplicationError::Store(e),
            other => ApplicationError::Store(StoreError::Corrupt(other.to_string())),
        })?;
        result_id = Some(id);
        archived = old;
    }
    let moved = match step {
        Move::Take => repo::take(&mut tx, &app.row.id, app.row.version, &officer.id, now).await?,
        _ => {
            let outcome_note = match &step {
                Move::Reject { reason } => Some(reason.trim()),
                Move::Complete { comment, .. } => Some(comment.trim()).filter(|c| !c.is_empty()),
                _ => None,
            };
            repo::agency_move(
                &mut tx,
                &app.row.id,
                app.row.version,
                &officer.id,
                app.status.code(),
                to.code(),
                outcome_note,
                result_id.as_deref(),
                now,
            )
            .await?
        }
    };
    if !moved {
        // Another officer took it or moved it meanwhile, or it is not this officer's.
        return Err(ApplicationError::Conflict);
    }
    let comment = step.comment().map(str::trim);
    repo::insert_event(
        &mut tx,
        &repo::NewEvent {
            application_id: &app.row.id,
            kind: step.kind(),
            status: to.code(),
            party: "agency",
            actor_id: Some(&officer.id),
            agency_code: Some(&app.row.agency_code),
            comment,
            internal_note: note,
        },
        now,
    )
    .await?;
    if let Move::Ask { what } = &step {
        repo::insert_message(
            &mut tx,
            &app.row.id,
            "agency",
            &officer.id,
            what.trim(),
            now,
        )
        .await?;
    }
    let e = with(
        entry(officer, step.action(), app, meta),
        serde_json::json!({
            "from": app.status.code(), "to": to.code(),
            "result_document": result_id, "archived": archived,
        }),
    );
    audit::append(&mut tx, &e, now).await?;
    tell_citizen(&mut tx, state, &owner, app, &step, to, now).await?;
    state.commit_and_wake(tx).await?;
    Ok(())
}

/// An internal note: the agency's own, never shown to the citizen.
pub async fn note(
    state: &AppState,
    officer: &Officer,
    app: &Loaded,
    text: &str,
    meta: &RequestMeta,
) -> Result<(), ApplicationError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ApplicationError::Incomplete(Missing::Words));
    }
    if text.chars().count() > MAX_WORDS {
        return Err(ApplicationError::TooLong);
    }
    let now = state.now();
    let mut tx = state.db.begin().await?;
    repo::insert_event(
        &mut tx,
        &repo::NewEvent {
            application_id: &app.row.id,
            kind: "note",
            status: app.status.code(),
            party: "agency",
            actor_id: Some(&officer.id),
            agency_code: Some(&app.row.agency_code),
            comment: None,
            internal_note: Some(text),
        },
        now,
    )
    .await?;
    audit::append(
        &mut tx,
        &entry(officer, Action::ApplicationNoted, app, meta),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn tell_citizen(
    conn: &mut AnyConnection,
    state: &AppState,
    owner: &Profile,
    app: &Loaded,
    step: &Move<'_>,
    to: Status,
    now: Timestamp,
) -> Result<(), StoreError> {
    let number = app.shown_number();
    let (ru, en) = (&app.service.name.ru, &app.service.name.en);
    let (title_ru, title_en, body_ru, body_en) = match step {
        Move::Take => (
            format!("Заявление № {number} на рассмотрении"),
            format!("Application No. {number} is in review"),
            format!("«{ru}»: ведомство приступило к рассмотрению."),
            format!("“{en}”: the agency has started on it."),
        ),
        Move::Ask { what } => (
            format!("Заявление № {number}: нужно уточнение"),
            format!("Application No. {number}: the agency asks for more"),
            format!("«{ru}»: ведомство просит: {what}. Ответьте на странице заявления."),
            format!("“{en}”: the agency asks: {what}. Answer on the application's page."),
        ),
        Move::Complete { .. } => (
            format!("Заявление № {number} исполнено"),
            format!("Application No. {number} is done"),
            match app.service.outcome {
                Outcome::Document { .. } => {
                    format!("«{ru}»: готово. Новый документ — в разделе «Мои документы».")
                }
                Outcome::Answer => {
                    format!("«{ru}»: готово. Ответ ведомства — на странице заявления.")
                }
            },
            match app.service.outcome {
                Outcome::Document { .. } => {
                    format!("“{en}”: done. The new document is in My documents.")
                }
                Outcome::Answer => format!("“{en}”: done. The agency's answer is on the page."),
            },
        ),
        Move::Reject { reason } => (
            format!("Заявление № {number}: отказ"),
            format!("Application No. {number} is rejected"),
            format!("«{ru}»: ведомство отказало. Причина: {reason}"),
            format!("“{en}”: the agency refused. The reason: {reason}"),
        ),
    };
    let message = Message {
        category: Category::Applications,
        title_ru,
        title_en,
        body_ru,
        body_en,
        link: Some(format!("/applications/{}", app.row.id)),
        list: None,
    };
    notify(
        conn,
        state,
        owner,
        &message,
        &format!(
            "application:{}:{}:{}",
            app.row.id,
            to.code(),
            app.row.version
        ),
        now,
    )
    .await?;
    Ok(())
}

/// A file of an application as it is downloaded: streamed, its name kept, never cached.
pub fn file_response(
    file: &store::documents::FileRow,
    stream: store::objects::PlainStream,
) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    use futures_util::StreamExt;
    let body = crate::web::download::streamed(stream.map(|r| r.map_err(std::io::Error::other)));
    (
        [
            (header::CONTENT_TYPE, file.content_type.clone()),
            (header::CONTENT_LENGTH, file.size.to_string()),
            (
                header::CONTENT_DISPOSITION,
                crate::web::download::content_disposition("attachment", &file.name),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

/// A file the application refers to, for the officer: only files of this application.
pub async fn file(
    state: &AppState,
    officer: &Officer,
    app: &Loaded,
    file_id: &str,
    meta: &RequestMeta,
) -> Result<(store::documents::FileRow, store::objects::PlainStream), ApplicationError> {
    let attached: AttachedFile = {
        let mut conn = state.db.connection().await?;
        repo::all_files(&mut conn, &app.row.id)
            .await?
            .into_iter()
            .find(|f| f.file_id == file_id)
            .ok_or(ApplicationError::NotFound)?
    };
    let file = store::documents::file(&state.db, &app.row.owner_id, &attached.document_id, file_id)
        .await?
        .ok_or(ApplicationError::NotFound)?;
    let stream = state
        .vault
        .read(&file.object_key, &file.wrapped_key, &file.sha256)
        .await
        .map_err(|e| ApplicationError::Store(StoreError::Corrupt(e.to_string())))?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let e = with(
        entry(officer, Action::ApplicationFileOpened, app, meta),
        serde_json::json!({ "file": file_id, "sha256": file.sha256 }),
    );
    audit::append(&mut tx, &e, now).await?;
    tx.commit().await?;
    Ok((file, stream))
}
