//! Changes to documents — add, edit, attach, trash, restore, archive, open a file — each in one
//! transaction with its audit record and its reminders re-planned.

use super::*;

pub async fn load_profile(state: &AppState, user_id: &str) -> Result<Profile, DocumentError> {
    store::users::profile(&state.db, user_id)
        .await?
        .ok_or(DocumentError::NotFound)
}

/// Records a new document with its already stored files. The files' objects are removed if the
/// input is refused or the transaction fails, so nothing is left behind.
pub async fn create(
    state: &AppState,
    user: &UserSummary,
    input: &DocumentInput,
    files: Vec<Incoming>,
    meta: &RequestMeta,
) -> Result<String, DocumentError> {
    let result = create_rows(state, user, input, &files, meta).await;
    if result.is_err() {
        discard(state, &files).await;
    }
    result
}

async fn create_rows(
    state: &AppState,
    user: &UserSummary,
    input: &DocumentInput,
    files: &[Incoming],
    meta: &RequestMeta,
) -> Result<String, DocumentError> {
    let catalogue = Catalogue::load(&state.db).await?;
    let Some(kind) = catalogue.get(&input.kind).filter(|k| k.active) else {
        return Err(DocumentError::Invalid(vec![Problem::new(
            "kind",
            "unknown",
            Text::new(
                "Выберите вид документа из списка",
                "Choose a kind of document from the list",
            ),
        )]));
    };
    let profile = load_profile(state, &user.id).await?;
    let checked = check(kind, input, &profile, today(state, &profile.time_zone))
        .map_err(DocumentError::Invalid)?;
    let now = state.now();
    let id = store::new_id();
    let mut tx = state.db.begin().await?;
    repo::insert(
        &mut tx,
        state.db.dialect(),
        &id,
        &user.id,
        &checked.data,
        now,
    )
    .await?;
    for f in files {
        repo::insert_file(&mut tx, &user.id, &file_row(&id, f, None, now)).await?;
    }
    let e = entry(user, Action::DocumentCreated, &id, meta)
        .details(serde_json::json!({ "kind": kind.code, "files": files.len() }));
    audit::append(&mut tx, &e, now).await?;
    reminders::replan(&mut tx, state, &profile, &id).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn get(state: &AppState, owner_id: &str, id: &str) -> Result<DocumentRow, DocumentError> {
    let mut conn = state.db.connection().await?;
    repo::get(&mut conn, owner_id, id)
        .await?
        .ok_or(DocumentError::NotFound)
}

/// The document's content as its edit form shows it.
pub fn input_of(doc: &DocumentRow) -> DocumentInput {
    let fields: BTreeMap<String, String> =
        serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&doc.data.fields)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_owned())))
            .collect();
    DocumentInput {
        kind: doc.data.kind_code.clone(),
        title: doc.data.title.clone(),
        number: doc.data.number.clone().unwrap_or_default(),
        issuer: doc.data.issuer.clone().unwrap_or_default(),
        issued_on: doc.data.issued_on.clone().unwrap_or_default(),
        expires_on: doc.data.typed_expiry.clone().unwrap_or_default(),
        description: doc.data.description.clone().unwrap_or_default(),
        tags: vec![doc.data.tags.join(", ")],
        fields,
    }
}

/// Saves new content (the kind stays). `revision` guards against overwriting someone else's
/// change made meanwhile (another tab, another device).
pub async fn update(
    state: &AppState,
    user: &UserSummary,
    id: &str,
    input: &DocumentInput,
    revision: Option<i64>,
    meta: &RequestMeta,
) -> Result<(), DocumentError> {
    let doc = get(state, &user.id, id).await?;
    if doc.state == "trashed" {
        return Err(DocumentError::NotFound);
    }
    let catalogue = Catalogue::load(&state.db).await?;
    let kind = catalogue
        .get(&doc.data.kind_code)
        .ok_or(DocumentError::NotFound)?;
    let profile = load_profile(state, &user.id).await?;
    let checked = check(kind, input, &profile, today(state, &profile.time_zone))
        .map_err(DocumentError::Invalid)?;
    let changed = changed_fields(&doc.data, &checked.data);
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if !repo::update(
        &mut tx,
        state.db.dialect(),
        &user.id,
        id,
        revision,
        &checked.data,
        now,
    )
    .await?
    {
        return Err(DocumentError::Conflict);
    }
    let e = entry(user, Action::DocumentChanged, id, meta)
        .details(serde_json::json!({ "fields": changed }));
    audit::append(&mut tx, &e, now).await?;
    reminders::replan(&mut tx, state, &profile, id).await?;
    tx.commit().await?;
    Ok(())
}

fn changed_fields(a: &DocumentData, b: &DocumentData) -> Vec<&'static str> {
    let mut out = Vec::new();
    let pairs: [(&'static str, bool); 9] = [
        ("title", a.title != b.title),
        ("number", a.number != b.number),
        ("issuer", a.issuer != b.issuer),
        ("issued_on", a.issued_on != b.issued_on),
        ("expires_on", a.typed_expiry != b.typed_expiry),
        ("description", a.description != b.description),
        ("tags", a.tags != b.tags),
        ("fields", a.fields != b.fields),
        ("valid_until", a.valid_until != b.valid_until),
    ];
    for (name, differs) in pairs {
        if differs {
            out.push(name);
        }
    }
    out
}

/// Adds files to a document, or (with `replaces`) a new version of one of its files.
pub async fn attach(
    state: &AppState,
    user: &UserSummary,
    id: &str,
    files: Vec<Incoming>,
    replaces: Option<&str>,
    meta: &RequestMeta,
) -> Result<Vec<String>, DocumentError> {
    let result = attach_rows(state, user, id, &files, replaces, meta).await;
    if result.is_err() {
        discard(state, &files).await;
    }
    result
}

async fn attach_rows(
    state: &AppState,
    user: &UserSummary,
    id: &str,
    files: &[Incoming],
    replaces: Option<&str>,
    meta: &RequestMeta,
) -> Result<Vec<String>, DocumentError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let doc = repo::get(&mut tx, &user.id, id)
        .await?
        .ok_or(DocumentError::NotFound)?;
    if doc.state == "trashed" {
        return Err(DocumentError::NotFound);
    }
    let existing = repo::files(&mut tx, &user.id, id).await?;
    let lineage = match replaces {
        None => None,
        Some(file_id) => {
            let old = existing
                .iter()
                .find(|f| f.id == file_id)
                .ok_or(DocumentError::NotFound)?;
            let next = existing
                .iter()
                .filter(|f| f.lineage == old.lineage)
                .map(|f| f.version)
                .max()
                .unwrap_or(0)
                + 1;
            Some((old.lineage.clone(), next))
        }
    };
    let mut ids = Vec::new();
    for f in files {
        let row = file_row(id, f, lineage.as_ref().map(|(l, v)| (l.as_str(), *v)), now);
        repo::insert_file(&mut tx, &user.id, &row).await?;
        let action = if replaces.is_some() {
            Action::DocumentFileReplaced
        } else {
            Action::DocumentFileAdded
        };
        let e = entry(user, action, id, meta)
            .details(serde_json::json!({ "file": row.id, "version": row.version }));
        audit::append(&mut tx, &e, now).await?;
        ids.push(row.id);
    }
    tx.commit().await?;
    Ok(ids)
}

/// Moves a document to the trash, from where it can be restored for [`TRASH_DAYS`] days.
pub async fn trash(
    state: &AppState,
    user: &UserSummary,
    id: &str,
    meta: &RequestMeta,
) -> Result<(), DocumentError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if !repo::set_state(
        &mut tx,
        &user.id,
        id,
        &["active", "archived"],
        "trashed",
        None,
        now,
    )
    .await?
    {
        return Err(DocumentError::NotFound);
    }
    audit::append(
        &mut tx,
        &entry(user, Action::DocumentDeleted, id, meta),
        now,
    )
    .await?;
    store::notifications::replan(&mut tx, &user.id, id, None, &[], &[]).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn restore(
    state: &AppState,
    user: &UserSummary,
    id: &str,
    meta: &RequestMeta,
) -> Result<(), DocumentError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if !repo::set_state(&mut tx, &user.id, id, &["trashed"], "active", None, now).await? {
        return Err(DocumentError::NotFound);
    }
    audit::append(
        &mut tx,
        &entry(user, Action::DocumentRestored, id, meta),
        now,
    )
    .await?;
    let profile = load_profile(state, &user.id).await?;
    reminders::replan(&mut tx, state, &profile, id).await?;
    tx.commit().await?;
    Ok(())
}

/// Moves a document to the archive by the user's choice (e.g. after adding its replacement).
pub async fn archive(
    state: &AppState,
    user: &UserSummary,
    id: &str,
    reason: &str,
    meta: &RequestMeta,
) -> Result<(), DocumentError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if !repo::set_state(
        &mut tx,
        &user.id,
        id,
        &["active"],
        "archived",
        Some(reason),
        now,
    )
    .await?
    {
        return Err(DocumentError::NotFound);
    }
    let e = entry(user, Action::DocumentArchived, id, meta)
        .details(serde_json::json!({ "reason": reason }));
    audit::append(&mut tx, &e, now).await?;
    store::notifications::replan(&mut tx, &user.id, id, None, &[], &[]).await?;
    tx.commit().await?;
    Ok(())
}

/// Opens a file (any version) to download or to show on a page, and records that it was.
pub async fn open_file(
    state: &AppState,
    user: &UserSummary,
    id: &str,
    file_id: &str,
    shown: bool,
    meta: &RequestMeta,
) -> Result<(FileRow, store::objects::PlainStream), DocumentError> {
    let doc = get(state, &user.id, id).await?;
    if doc.state == "trashed" {
        return Err(DocumentError::NotFound);
    }
    let file = repo::file(&state.db, &user.id, id, file_id)
        .await?
        .ok_or(DocumentError::NotFound)?;
    let stream = state
        .vault
        .read(&file.object_key, &file.wrapped_key, &file.sha256)
        .await?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let action = if shown {
        Action::DocumentViewed
    } else {
        Action::DocumentDownloaded
    };
    let e = entry(user, action, id, meta)
        .details(serde_json::json!({ "file": file.id, "version": file.version }));
    audit::append(&mut tx, &e, now).await?;
    tx.commit().await?;
    Ok((file, stream))
}

fn entry(user: &UserSummary, action: Action, document_id: &str, meta: &RequestMeta) -> Entry {
    Entry::new(Actor::of(user), action)
        .object("document", document_id)
        .subject(&user.id)
        .from_request(meta.ip.clone(), None)
}

/// A document an agency issues to the person as the result of an application, recorded in the
/// caller's transaction (the application's completion): checked like a document the person
/// adds, with the person's reminders planned. With `replaces`, the person's other active
/// documents of the kind move to the archive («заменён»), as a new passport replaces the old.
/// Returns its id and the ids archived.
pub async fn issue(
    conn: &mut sqlx::AnyConnection,
    state: &AppState,
    owner: &Profile,
    input: &DocumentInput,
    by: &Actor,
    application_id: &str,
    replaces: bool,
) -> Result<(String, Vec<String>), DocumentError> {
    let catalogue = Catalogue::load(&state.db).await?;
    let Some(kind) = catalogue.get(&input.kind).filter(|k| k.active) else {
        return Err(DocumentError::NotFound);
    };
    let checked = check(kind, input, owner, today(state, &owner.time_zone))
        .map_err(DocumentError::Invalid)?;
    let now = state.now();
    let mut archived = Vec::new();
    if replaces {
        let filter = repo::Filter {
            state: "active".to_owned(),
            kind: Some(kind.code.clone()),
            ..repo::Filter::default()
        };
        for old in repo::list(&state.db, &owner.id, &filter).await? {
            if repo::set_state(
                conn,
                &owner.id,
                &old.id,
                &["active"],
                "archived",
                Some("replaced"),
                now,
            )
            .await?
            {
                let e = Entry::new(by.clone(), Action::DocumentArchived)
                    .object("document", &old.id)
                    .subject(&owner.id)
                    .details(serde_json::json!({
                        "reason": "replaced", "application": application_id
                    }));
                audit::append(conn, &e, now).await?;
                store::notifications::replan(conn, &owner.id, &old.id, None, &[], &[]).await?;
                archived.push(old.id);
            }
        }
    }
    let id = store::new_id();
    repo::insert(conn, state.db.dialect(), &id, &owner.id, &checked.data, now).await?;
    let e = Entry::new(by.clone(), Action::DocumentCreated)
        .object("document", &id)
        .subject(&owner.id)
        .details(serde_json::json!({
            "kind": kind.code, "files": 0, "issued_by_application": application_id
        }));
    audit::append(conn, &e, now).await?;
    reminders::replan(conn, state, owner, &id).await?;
    Ok((id, archived))
}
