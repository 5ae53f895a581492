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
//!   the node that made it ([`Caches::forget_catalogue`]) and within that time on the others; its
//!   generation moves only when what was read differs, so the registries kept stay valid.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
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
/// Rendered registry pages kept per node, in bytes; beyond it the least recently used go.
const FRAGMENT_BUDGET: usize = 64 * 1024 * 1024;

/// A person's registry, ready for a page or the API.
pub struct Registry {
    /// What it was computed from.
    pub key: RegistryKey,
    /// Active documents, most urgent first.
    pub assessed: Vec<Assessed>,
    pub today: Date,
    /// The first current file of each document: (document id, file id, name).
    pub first_files: HashMap<String, (String, String)>,
    /// The tags on the person's active and archived documents (the list's tag filter).
    pub tags: Vec<String>,
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

/// Rendered registries by person and rendering (the page's main part per language, the API's
/// JSON per language), and the bytes they hold.
#[derive(Default)]
struct Fragments {
    kept: HashMap<(String, &'static str), Fragment>,
    bytes: usize,
}

/// A rendered registry (the page's main part, without anything of one request).
struct Fragment {
    key: RegistryKey,
    used: Instant,
    html: Arc<str>,
    /// The same, compressed once for browsers (see `web::gzip_parts`), when asked for.
    gzip: Option<Arc<crate::web::gzip_parts::Part>>,
}

#[derive(Default)]
pub struct Caches {
    /// (trusted until, generation, catalogue)
    catalogue: Mutex<Option<(Instant, u64, Arc<Catalogue>)>>,
    generation: AtomicU64,
    registries: Mutex<HashMap<String, Kept>>,
    fragments: Mutex<Fragments>,
}

impl Caches {
    /// The catalogue and its generation, which changes only when a reading finds it changed:
    /// reading it again every [`CATALOGUE_FOR`] must not make every registry kept stale.
    pub async fn catalogue(&self, db: &Db) -> Result<(u64, Arc<Catalogue>), store::StoreError> {
        let known = self
            .catalogue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some((until, generation, catalogue)) = &known
            && Instant::now() < *until
        {
            return Ok((*generation, catalogue.clone()));
        }
        let read = Catalogue::load(db).await?;
        let (generation, catalogue) = match known {
            Some((_, generation, same)) if *same == read => (generation, same),
            _ => (
                self.generation.fetch_add(1, Ordering::Relaxed) + 1,
                Arc::new(read),
            ),
        };
        *self
            .catalogue
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some((
            Instant::now() + CATALOGUE_FOR,
            generation,
            catalogue.clone(),
        ));
        Ok((generation, catalogue))
    }

    /// After an operator changed a kind on this node: read it again on next use.
    pub fn forget_catalogue(&self) {
        if let Some((until, _, _)) = self
            .catalogue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_mut()
        {
            *until = Instant::now();
        }
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

    /// The person's registry in this rendering, if kept for this key.
    pub fn fragment(
        &self,
        user_id: &str,
        rendering: &'static str,
        key: &RegistryKey,
    ) -> Option<Arc<str>> {
        let mut kept = self
            .fragments
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let entry = kept
            .kept
            .get_mut(&(user_id.to_owned(), rendering))
            .filter(|f| f.key == *key)?;
        entry.used = Instant::now();
        Some(entry.html.clone())
    }

    pub fn keep_fragment(
        &self,
        user_id: &str,
        rendering: &'static str,
        key: RegistryKey,
        html: Arc<str>,
    ) {
        if html.len() > FRAGMENT_BUDGET / 8 {
            return; // one huge page is not worth many small ones
        }
        let mut guard = self
            .fragments
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let Fragments { kept, bytes } = &mut *guard;
        if let Some(old) = kept.remove(&(user_id.to_owned(), rendering)) {
            *bytes -= old.html.len() + old.gzip.as_ref().map_or(0, |g| g.size());
        }
        while *bytes + html.len() > FRAGMENT_BUDGET {
            let Some(oldest) = kept
                .iter()
                .min_by_key(|(_, f)| f.used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some(gone) = kept.remove(&oldest) {
                *bytes -= gone.html.len() + gone.gzip.as_ref().map_or(0, |g| g.size());
            }
        }
        *bytes += html.len();
        kept.insert(
            (user_id.to_owned(), rendering),
            Fragment {
                key,
                used: Instant::now(),
                html,
                gzip: None,
            },
        );
    }

    /// The kept rendering compressed for browsers, if it was compressed already.
    pub fn fragment_gzip(
        &self,
        user_id: &str,
        rendering: &'static str,
        key: &RegistryKey,
    ) -> Option<Arc<crate::web::gzip_parts::Part>> {
        let kept = self
            .fragments
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        kept.kept
            .get(&(user_id.to_owned(), rendering))
            .filter(|f| f.key == *key)
            .and_then(|f| f.gzip.clone())
    }

    /// Keeps the compressed form beside the kept rendering of the same key (if it is still kept).
    pub fn keep_fragment_gzip(
        &self,
        user_id: &str,
        rendering: &'static str,
        key: &RegistryKey,
        part: Arc<crate::web::gzip_parts::Part>,
    ) {
        let mut guard = self
            .fragments
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let Fragments { kept, bytes } = &mut *guard;
        if let Some(f) = kept
            .get_mut(&(user_id.to_owned(), rendering))
            .filter(|f| f.key == *key && f.gzip.is_none())
        {
            *bytes += part.size();
            f.gzip = Some(part);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(version: i64) -> RegistryKey {
        RegistryKey {
            documents_version: version,
            today: jiff::civil::date(2026, 11, 30),
            key_changed_on: None,
            catalogue: 1,
        }
    }

    #[test]
    fn a_kept_page_is_given_only_for_its_key_and_the_least_used_go_over_budget() {
        let caches = Caches::default();
        caches.keep_fragment("anna", "ru", key(1), Arc::from("<h1>Сроки</h1>"));
        assert!(caches.fragment("anna", "ru", &key(1)).is_some());
        assert!(
            caches.fragment("anna", "ru", &key(2)).is_none(),
            "a newer version"
        );
        assert!(
            caches.fragment("anna", "en", &key(1)).is_none(),
            "another language"
        );
        assert!(
            caches.fragment("boris", "ru", &key(1)).is_none(),
            "another person"
        );

        let big: Arc<str> = Arc::from("x".repeat(FRAGMENT_BUDGET / 8 - 1));
        for n in 0..9 {
            caches.keep_fragment(&format!("user{n}"), "ru", key(1), big.clone());
        }
        let kept = caches.fragments.lock().expect("lock");
        assert!(kept.bytes <= FRAGMENT_BUDGET);
        assert!(
            !kept.kept.contains_key(&("anna".to_owned(), "ru")),
            "the oldest went first"
        );
        assert!(kept.kept.contains_key(&("user8".to_owned(), "ru")));
        drop(kept);
        caches.keep_fragment("huge", "ru", key(1), Arc::from("x".repeat(FRAGMENT_BUDGET)));
        assert!(
            caches.fragment("huge", "ru", &key(1)).is_none(),
            "too big to keep"
        );
    }
}
