//! The state every handler and job shares. Cheap to clone; nothing global.

use std::sync::Arc;

use domain::Clock;
use store::Db;
use tokio::sync::Notify;

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
}

/// Keys derived from the master key, one per purpose.
pub struct Keys {
    pub master: MasterKey,
    pub csrf: [u8; 32],
}

impl Keys {
    pub fn new(master: MasterKey) -> Self {
        Self {
            csrf: master.derive("csrf"),
            master,
        }
    }
}

impl AppState {
    pub fn now(&self) -> jiff::Timestamp {
        self.clock.now()
    }
}
