//! The drafts' sweep, hourly: a draft is removed 60 days after its last change, and its owner is
//! told a week before («Черновик … будет удалён»), once per expiry — saving the draft moves it
//! and the warning is due again.

use jiff::SignedDuration;
use store::StoreError;
use store::applications as repo;
use store::audit::{self, Action, Actor, Entry};
use store::jobs::ClaimedJob;

use super::catalogue::Catalogue;
use crate::features::notifications::service::{Message, notify};
use crate::state::AppState;
use crate::worker::JobError;

pub const DRAFTS_JOB: &str = "applications.drafts";

/// How long before a draft's removal its owner is told.
pub const WARN_BEFORE: SignedDuration = SignedDuration::from_hours(7 * 24);

pub async fn drafts_job(state: AppState, _job: ClaimedJob) -> Result<(), JobError> {
    let (warned, removed) = sweep(&state)
        .await
        .map_err(|e| JobError::Retry(e.to_string()))?;
    tracing::info!(warned, removed, "application drafts swept");
    Ok(())
}

/// Warns the owners of drafts that expire within a week and removes the expired ones.
pub async fn sweep(state: &AppState) -> Result<(usize, usize), StoreError> {
    let now = state.now();
    let catalogue = Catalogue::current(state).await?;
    let mut warned = 0;
    for d in repo::drafts_expiring(&state.db, now + WARN_BEFORE, true, 500).await? {
        if d.expires_at <= now {
            continue; // removed below
        }
        let Some(profile) = store::users::profile(&state.db, &d.owner_id).await? else {
            continue;
        };
        let (ru, en) = catalogue
            .get(&d.service_code)
            .map(|e| (e.service.name.ru.clone(), e.service.name.en.clone()))
            .unwrap_or_else(|| (d.service_code.clone(), d.service_code.clone()));
        let day = crate::local_time::day_shown(d.expires_at, &profile.time_zone);
        let mut tx = state.db.begin().await?;
        if !repo::mark_expiry_warned(&mut tx, &d.id, d.expires_at).await? {
            continue;
        }
        let message = Message {
            category: domain::notifications::Category::Applications,
            title_ru: format!("Черновик заявления будет удалён {day}"),
            title_en: format!("An application draft will be deleted on {day}"),
            body_ru: format!(
                "«{ru}»: черновик не отправлен. Продолжите заполнение, чтобы сохранить его ещё на 60 дней."
            ),
            body_en: format!(
                "“{en}”: the draft is not sent. Continue filling it in to keep it for 60 more days."
            ),
            link: Some(format!("/applications/{}/resume", d.id)),
            list: None,
        };
        notify(
            &mut tx,
            state,
            &profile,
            &message,
            &format!("application:{}:expiry:{}", d.id, d.expires_at.as_second()),
            now,
        )
        .await?;
        state.commit_and_wake(tx).await?;
        warned += 1;
    }
    let mut removed = 0;
    for d in repo::drafts_expiring(&state.db, now, false, 500).await? {
        let mut tx = state.db.begin().await?;
        if !repo::delete_expired_draft(&mut tx, &d.id, now).await? {
            continue;
        }
        let e = Entry::new(Actor::System, Action::ApplicationDraftDeleted)
            .object("application", &d.id)
            .subject(&d.owner_id)
            .details(serde_json::json!({ "service": d.service_code, "reason": "expired" }));
        audit::append(&mut tx, &e, now).await?;
        tx.commit().await?;
        removed += 1;
    }
    Ok((warned, removed))
}
