//! The state every handler and job shares. Cheap to clone; nothing global.

use std::sync::Arc;

use domain::Clock;
use store::Db;
use tokio::sync::Notify;

use crate::channels::Channels;
use crate::config::Config;
use crate::keys::MasterKey;
use crate::metrics::Metrics;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub keys: Arc<Keys>,
    pub metrics: Arc<Metrics>,
    /// Wakes this node's worker when a request enqueued a job, so it need not wait for the poll.
    pub jobs_enqueued: Arc<Notify>,
    pub channels: Arc<Channels>,
    /// Document files, encrypted at rest.
    pub vault: store::objects::Vault,
    /// Where sign-ins come from (empty without a configured database).
    pub geoip: Arc<crate::geoip::GeoIp>,
    /// Per-node rate limits on sign-in, registration and recovery.
    pub limiter: Arc<crate::web::limits::Limiter>,
    /// Per-node caches of the documents pages (see `features::documents::cache`).
    pub caches: Arc<crate::features::documents::cache::Caches>,
    /// This node's copy of the catalogue of services (see `applications::catalogue::Kept`).
    pub services: Arc<crate::features::applications::catalogue::Kept>,
    /// The registry's side of the reminder-days choice (see `notifications::reminder_days`).
    pub deadlines: Arc<dyn crate::features::notifications::reminder_days::Deadlines>,
    /// The WebAuthn relying party; None when the public address is not a domain name.
    pub webauthn: Option<Arc<webauthn_rs::Webauthn>>,
}

/// Keys derived from the master key, one per purpose.
pub struct Keys {
    pub master: MasterKey,
    pub csrf: [u8; 32],
    /// One-time codes are stored as an HMAC under this key.
    pub codes: [u8; 32],
    /// Wraps the per-file data keys of stored documents.
    pub files: [u8; 32],
    /// Seals small secrets kept for a person (the authenticator-app key).
    pub secrets: [u8; 32],
}

impl Keys {
    pub fn new(master: MasterKey) -> Self {
        Self {
            csrf: master.derive("csrf"),
            codes: master.derive("codes"),
            files: master.derive("files"),
            secrets: master.derive("secrets"),
            master,
        }
    }
}

impl AppState {
    pub fn now(&self) -> jiff::Timestamp {
        self.clock.now()
    }

    /// Tells this node's worker that a committed change queued a job.
    pub fn wake_worker(&self) {
        self.jobs_enqueued.notify_waiters();
    }

    /// Commits a change that queued jobs (a letter, an SMS, a bulletin) and wakes this node's
    /// worker, so that they go out now rather than at the next poll. Never wake before the
    /// commit: the worker would find nothing and sleep.
    pub async fn commit_and_wake(&self, tx: store::Tx) -> Result<(), store::StoreError> {
        tx.commit().await?;
        self.wake_worker();
        Ok(())
    }
}
