//! Per-node caches of what the documents pages compute again and again: the catalogue of kinds
//! (read by every assessment) and each person's registry (their active documents assessed and
//! sorted). Correct across nodes without messages between them:
//!
//! * the registry is kept under the person's `documents_version`, which database triggers move
//!   with every change to their documents or files, and which the session lookup reads anyway;
//!   a request that sees a newer version recomputes. Also under the day (statuses change at
//!   midnight in the person's zone), the date their key data changed, and the catalogue's
//!   generation;
//! * the catalogue is read again after [`CATALOGUE_FOR`] — an operator's edit is seen at once on
//!   the node that made it ([`Caches::forget_catalogue`]) and within that time on the others.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use jiff::civil::Date;
use store::Db;

use super::catalogue::Catalogue;
use super::service::Assessed;

/// How long a node trusts its copy of the catalogue.
pub const CATALOGUE_FOR: Duration = Duration::from_secs(10);
/// Registries kept per node; beyond it the oldest half is dropped.
const MAX_REGISTRIES: usize = 10_000;

/// A person's registry, ready for a page or the API.
pub struct Registry {
    /// Active documents, most urgent first.
    pub assessed: Vec<Assessed>,
    pub today: Date,
    /// The first current file of each document: (document id, file id, name).
    pub first_files: HashMap<String, (String, String)>,
}

/// What a registry was computed from; any difference means computing it again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegistryKey {
    pub documents_version: i64,
    pub today: Date,
    pub key_changed_on: Option<Date>,
    pub catalogue: u64,
}

struct Kept {
    key: RegistryKey,
    used: Instant,
    registry: Arc<Registry>,
}

#[derive(Default)]
pub struct Caches {
    /// (read at, generation, catalogue)
    catalogue: Mutex<Option<(Instant, u64, Arc<Catalogue>)>>,
    generation: Mutex<u64>,
    registries: Mutex<HashMap<String, Kept>>,
}

impl Caches {
    /// The catalogue and its generation (which changes whenever it is read again).
    pub async fn catalogue(&self, db: &Db) -> Result<(u64, Arc<Catalogue>), store::StoreError> {
        if let Some((at, generation, catalogue)) = self
            .catalogue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            && at.elapsed() < CATALOGUE_FOR
        {
            return Ok((*generation, catalogue.clone()));
        }
        let fresh = Arc::new(Catalogue::load(db).await?);
        let generation = {
            let mut g = self
                .generation
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            *g += 1;
            *g
        };
        *self
            .catalogue
            .lock()
            .unwrap_or_else(PoisonError::into_inner) =
            Some((Instant::now(), generation, fresh.clone()));
        Ok((generation, fresh))
    }

    /// After an operator changed a kind on this node.
    pub fn forget_catalogue(&self) {
        *self
            .catalogue
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = None;
    }

    pub fn registry(&self, user_id: &str, key: &RegistryKey) -> Option<Arc<Registry>> {
        let mut kept = self
            .registries
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let entry = kept.get_mut(user_id).filter(|e| e.key == *key)?;
        entry.used = Instant::now();
        Some(entry.registry.clone())
    }

    pub fn keep_registry(&self, user_id: &str, key: RegistryKey, registry: Arc<Registry>) {
        let mut kept = self
            .registries
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if kept.len() >= MAX_REGISTRIES && !kept.contains_key(user_id) {
            let mut ages: Vec<Instant> = kept.values().map(|e| e.used).collect();
            ages.sort_unstable();
            let cutoff = ages[ages.len() / 2];
            kept.retain(|_, e| e.used > cutoff);
        }
        kept.insert(
            user_id.to_owned(),
            Kept {
                key,
                used: Instant::now(),
                registry,
            },
        );
    }
}
