//! Background work: purging the trash, archiving what expired (with a notice), removing stored
//! objects no row names.

use super::*;

pub const PURGE_JOB: &str = "documents.purge";
pub const ARCHIVE_JOB: &str = "documents.archive";
pub const ORPHANS_JOB: &str = "documents.orphans";

/// How long an object without a row is left alone: an upload is stored before its row commits.
pub const ORPHAN_GRACE: SignedDuration = SignedDuration::from_hours(24);

/// How old an unfinished upload's temporary part must be before it is removed: no upload takes
/// an hour (the request timeout is far shorter).
pub const STALE_PART_AGE: std::time::Duration = std::time::Duration::from_secs(3600);

/// Removes stored objects that no file row refers to and that are older than `grace`: left by a
/// crash between storing a file and committing its row, or by a purge whose deletion failed.
/// Ages are compared on the wall clock, the clock the store dates objects by.
pub async fn sweep_orphans(
    state: &AppState,
    grace: SignedDuration,
) -> Result<usize, DocumentError> {
    let recorded: std::collections::HashSet<String> = repo::all_object_keys(&state.db)
        .await?
        .into_iter()
        .collect();
    #[expect(
        clippy::disallowed_methods,
        reason = "object dates come from the store's wall clock, not the app's"
    )]
    let wall_now = Timestamp::now();
    let cutoff = wall_now.checked_sub(grace).unwrap_or(Timestamp::UNIX_EPOCH);
    let mut removed = state.vault.remove_stale_parts(STALE_PART_AGE).await?;
    for (key, written) in state.vault.list_dated().await? {
        if written <= cutoff && !recorded.contains(&key) {
            state.vault.delete(&key).await?;
            removed += 1;
        }
    }
    if removed > 0 {
        let now = state.now();
        let mut tx = state.db.begin().await?;
        let e = Entry::new(Actor::System, Action::StorageOrphansRemoved)
            .details(serde_json::json!({ "objects": removed }));
        audit::append(&mut tx, &e, now).await?;
        tx.commit().await?;
    }
    Ok(removed)
}

/// Deletes for good the documents that stayed in the trash longer than [`TRASH_DAYS`]: rows and
/// audit record in one transaction, then the objects.
pub async fn purge_expired_trash(state: &AppState) -> Result<usize, StoreError> {
    let now = state.now();
    let before = now
        .checked_sub(SignedDuration::from_hours(24 * TRASH_DAYS))
        .unwrap_or(now);
    let due = repo::trashed_before(&state.db, before, 200).await?;
    let mut purged = 0;
    for doc in due {
        let mut tx = state.db.begin().await?;
        if !repo::purge(&mut tx, state.db.dialect(), &doc.owner_id, &doc.id).await? {
            continue; // restored meanwhile
        }
        let e = Entry::new(Actor::System, Action::DocumentPurged)
            .object("document", &doc.id)
            .subject(&doc.owner_id)
            .details(serde_json::json!({ "files": doc.object_keys.len() }));
        audit::append(&mut tx, &e, now).await?;
        tx.commit().await?;
        purged += 1;
        for key in &doc.object_keys {
            if let Err(e) = state.vault.delete(key).await {
                tracing::warn!(error = %e, object = %key, "purged document's object not removed; it is an orphan now");
            }
        }
    }
    Ok(purged)
}

/// Moves to the archive the expired documents that are due there (see
/// `store::documents::due_for_archive`: replaced by a newer one of the same kind, or — when the
/// operator set `documents.archive_expired_after_days` — expired that long ago), re-checking
/// each against the current rule first. Each move is recorded and announced in «Сообщения»
/// with its reason, in its transaction.
pub async fn archive_expired(state: &AppState) -> Result<usize, StoreError> {
    let now = state.now();
    // The earliest "today" on Earth: nothing is archived before its last day ended everywhere.
    let today = now
        .to_zoned_datetime(jiff::tz::TimeZone::fixed(jiff::tz::offset(-12)))
        .date();
    let expired_before = state
        .config
        .documents
        .archive_expired_after_days
        .and_then(|days| {
            today
                .checked_sub(jiff::Span::new().days(i64::from(days)))
                .ok()
        })
        .map(|d| d.to_string());
    let due = repo::due_for_archive(
        &state.db,
        &today.to_string(),
        expired_before.as_deref(),
        500,
    )
    .await?;
    let catalogue = Catalogue::load(&state.db).await?;
    let mut archived = 0;
    for (id, owner_id, reason, replaced_by) in due {
        let Some(profile) = store::users::profile(&state.db, &owner_id).await? else {
            continue;
        };
        let mut conn = state.db.connection().await?;
        let Some(doc) = repo::get(&mut conn, &owner_id, &id).await? else {
            continue;
        };
        let newer = match &replaced_by {
            Some(newer_id) => repo::get(&mut conn, &owner_id, newer_id).await?,
            None => None,
        };
        drop(conn);
        let title = doc.data.title.clone();
        let assessed = assess_one(doc, &catalogue, key_change_date(&profile), today);
        if assessed.assessment.status != domain::documents::Status::Expired {
            continue;
        }
        let mut tx = state.db.begin().await?;
        if repo::set_state(
            &mut tx,
            &owner_id,
            &id,
            &["active"],
            "archived",
            Some(reason),
            now,
        )
        .await?
        {
            let e = Entry::new(Actor::System, Action::DocumentArchived)
                .object("document", &id)
                .subject(&owner_id)
                .details(serde_json::json!({ "reason": reason, "replaced_by": replaced_by }));
            audit::append(&mut tx, &e, now).await?;
            store::notifications::replan(&mut tx, &owner_id, &id, None, &[], &[]).await?;
            let message = archived_message(
                &title,
                &id,
                newer.as_ref().map(|n| n.data.title.as_str()),
                state.config.documents.archive_expired_after_days,
            );
            notify(
                &mut tx,
                state,
                &profile,
                &message,
                &format!("archived:{id}"),
                now,
            )
            .await?;
            archived += 1;
        }
        tx.commit().await?;
    }
    Ok(archived)
}

/// The notice that a document went to the archive by itself, and why.
fn archived_message(
    title: &str,
    id: &str,
    replaced_by: Option<&str>,
    after_days: Option<u32>,
) -> Message {
    let (body_ru, body_en) = match (replaced_by, after_days) {
        (Some(newer), _) => (
            format!(
                "Срок действия истёк, и его заменил более новый документ того же вида — «{newer}».                  Документ остаётся в архиве: его можно открыть, скачать или вернуть."
            ),
            format!(
                "It has expired and a newer document of the same kind replaced it: “{newer}”.                  It stays in the archive, where you can open, download or restore it."
            ),
        ),
        (None, days) => {
            let days = days.unwrap_or_default();
            (
                format!(
                    "Срок действия истёк больше {days} дн. назад. Документ остаётся в архиве:                      его можно открыть, скачать или вернуть."
                ),
                format!(
                    "It expired more than {days} days ago. It stays in the archive, where you                      can open, download or restore it."
                ),
            )
        }
    };
    Message {
        category: domain::notifications::Category::PersonalData,
        title_ru: format!("Документ перемещён в архив: {title}"),
        title_en: format!("Document moved to the archive: {title}"),
        body_ru,
        body_en,
        link: Some(format!("/documents/{id}")),
        list: None,
    }
}
