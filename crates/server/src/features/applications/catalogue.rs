//! The catalogue as the service uses it: the rows of the store read into the domain's types,
//! each service with the form new drafts are filled against, and a search by Russian word forms
//! («паспорта», «паспортом» find «паспорт»; a word being typed finds the words it begins).

use domain::applications::catalogue::{Agency, Category, Seed, Service};
use jiff::Timestamp;
use store::catalogue::{self as repo, AgencyRow, CategoryRow, ServiceRow};
use store::{Db, StoreError};

use crate::web::i18n::Lang;

/// One service of the catalogue with what the pages need beside it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub service: Service,
    pub popular: bool,
    pub form_version: i64,
    /// Stems of the name, the keywords and the summary, with their weights in a search.
    stems: Vec<(String, u8)>,
}

#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    pub agencies: Vec<Agency>,
    pub categories: Vec<Category>,
    /// Active services, in the operator's order.
    pub services: Vec<Entry>,
}

fn words(ru: &str, en: &str) -> domain::applications::form::Words {
    domain::applications::form::Words {
        ru: ru.to_owned(),
        en: en.to_owned(),
    }
}

/// How long a node trusts its copy of the catalogue: the catalogue changes only when an operator
/// edits it, and a search must not read the database (the service pages are the busiest).
pub const CATALOGUE_FOR: std::time::Duration = std::time::Duration::from_secs(10);

/// A node's copy of the catalogue and until when it is trusted.
#[derive(Default)]
pub struct Kept(std::sync::Mutex<Option<(std::time::Instant, std::sync::Arc<Catalogue>)>>);

impl Kept {
    /// Drops the copy (after an edit on this node), so the next request reads the store.
    pub fn forget(&self) {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }
}

impl Catalogue {
    /// The catalogue as this node keeps it, read again after [`CATALOGUE_FOR`].
    pub async fn current(
        state: &crate::state::AppState,
    ) -> Result<std::sync::Arc<Self>, StoreError> {
        let now = std::time::Instant::now();
        {
            let kept = state
                .services
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some((until, catalogue)) = kept.as_ref()
                && now < *until
            {
                return Ok(catalogue.clone());
            }
        }
        let fresh = std::sync::Arc::new(Self::load(&state.db).await?);
        *state
            .services
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some((now + CATALOGUE_FOR, fresh.clone()));
        Ok(fresh)
    }

    pub async fn load(db: &Db) -> Result<Self, StoreError> {
        let agencies = repo::agencies(db)
            .await?
            .into_iter()
            .map(|a| Agency {
                code: a.code,
                name: words(&a.name_ru, &a.name_en),
                short: words(&a.short_ru, &a.short_en),
            })
            .collect();
        let categories = repo::categories(db)
            .await?
            .into_iter()
            .map(|c| Category {
                code: c.code,
                name: words(&c.name_ru, &c.name_en),
            })
            .collect();
        let forms: std::collections::HashMap<String, String> =
            repo::current_forms(db).await?.into_iter().collect();
        let mut services = Vec::new();
        for row in repo::services(db).await? {
            if !row.active {
                continue;
            }
            let Some(form) = forms.get(&row.code) else {
                tracing::error!(service = %row.code, "service without its form version; left out");
                continue;
            };
            match entry_of(&row, form) {
                Some(entry) => services.push(entry),
                None => {
                    tracing::error!(service = %row.code, "service details do not read; left out")
                }
            }
        }
        Ok(Self {
            agencies,
            categories,
            services,
        })
    }

    pub fn get(&self, code: &str) -> Option<&Entry> {
        self.services.iter().find(|e| e.service.code == code)
    }

    pub fn agency(&self, code: &str) -> Option<&Agency> {
        self.agencies.iter().find(|a| a.code == code)
    }

    pub fn category(&self, code: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.code == code)
    }

    pub fn in_category<'a>(&'a self, code: &'a str) -> impl Iterator<Item = &'a Entry> + 'a {
        self.services
            .iter()
            .filter(move |e| e.service.category == code)
    }

    pub fn popular(&self) -> impl Iterator<Item = &Entry> {
        self.services.iter().filter(|e| e.popular)
    }

    /// The services every word of `query` is found in (as a word form or the beginning of a
    /// word), the best first: a word in the name counts more than one in the keywords, which
    /// counts more than one in the summary.
    pub fn search(&self, query: &str) -> Vec<&Entry> {
        let wanted = store::search::stems(query);
        if wanted.is_empty() {
            return Vec::new();
        }
        let mut found: Vec<(u32, usize, &Entry)> = self
            .services
            .iter()
            .enumerate()
            .filter_map(|(position, entry)| {
                let mut score = 0u32;
                for word in &wanted {
                    let best = entry
                        .stems
                        .iter()
                        .filter(|(stem, _)| same_word(stem, word))
                        .map(|(_, weight)| u32::from(*weight))
                        .max()?;
                    score += best;
                }
                Some((score, position, entry))
            })
            .collect();
        found.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        found.into_iter().map(|(_, _, e)| e).collect()
    }
}

/// Whether a word of the query and a word of a service are the same word: one stem begins the
/// other. Both ways, because the word being typed is a beginning («загран»), and because the
/// stemmer cuts some forms shorter than others («замена» → «зам», «замену» → «замен»); a stem of
/// fewer than three letters only matches itself or as the beginning of a typed word.
fn same_word(stem: &str, typed: &str) -> bool {
    stem.starts_with(typed) || (stem.chars().count() >= 3 && typed.starts_with(stem))
}

fn entry_of(row: &ServiceRow, form: &str) -> Option<Entry> {
    let mut details: serde_json::Value = serde_json::from_str(&row.details).ok()?;
    details["form"] = serde_json::from_str(form).ok()?;
    let service: Service = serde_json::from_value(details).ok()?;
    let mut stems = Vec::new();
    for (text, weight) in [
        (format!("{} {}", service.name.ru, service.name.en), 3u8),
        (service.keywords.join(" "), 2),
        (format!("{} {}", service.summary.ru, service.summary.en), 1),
    ] {
        stems.extend(store::search::stems(&text).into_iter().map(|s| (s, weight)));
    }
    Some(Entry {
        service,
        popular: row.popular,
        form_version: row.form_version,
        stems,
    })
}

/// Adds the built-in catalogue's missing agencies, categories and services (an operator's edits
/// are kept). Returns how many services were added.
pub async fn seed(db: &Db, now: Timestamp) -> Result<u64, StoreError> {
    let seed = Seed::builtin().map_err(|e| StoreError::Corrupt(format!("catalogue.json: {e}")))?;
    let agencies: Vec<AgencyRow> = seed
        .agencies
        .iter()
        .map(|a| AgencyRow {
            code: a.code.clone(),
            name_ru: a.name.ru.clone(),
            name_en: a.name.en.clone(),
            short_ru: a.short.ru.clone(),
            short_en: a.short.en.clone(),
        })
        .collect();
    let categories: Vec<CategoryRow> = seed
        .categories
        .iter()
        .zip(0..)
        .map(|(c, position)| CategoryRow {
            code: c.code.clone(),
            name_ru: c.name.ru.clone(),
            name_en: c.name.en.clone(),
            position,
        })
        .collect();
    let mut services = Vec::new();
    for (s, position) in seed.services.iter().zip(0..) {
        let mut details =
            serde_json::to_value(s).map_err(|e| StoreError::Corrupt(format!("catalogue: {e}")))?;
        let form = details
            .as_object_mut()
            .and_then(|o| o.remove("form"))
            .unwrap_or_default();
        services.push((
            ServiceRow {
                code: s.code.clone(),
                category_code: s.category.clone(),
                agency_code: s.agency.clone(),
                details: details.to_string(),
                popular: s.popular,
                active: true,
                position,
                form_version: 1,
            },
            form.to_string(),
        ));
    }
    let mut tx = db.begin().await?;
    let added = repo::seed(&mut tx, &agencies, &categories, &services, now).await?;
    tx.commit().await?;
    Ok(added)
}

/// «1 500 ₽», «1 500,50 ₽», «бесплатно».
pub fn fee(kopecks: i64, lang: Lang) -> String {
    if kopecks == 0 {
        return lang.pick("бесплатно", "free").to_owned();
    }
    let roubles = kopecks / 100;
    let digits = roubles.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('\u{a0}');
        }
        grouped.push(c);
    }
    match kopecks % 100 {
        0 => format!("{grouped}\u{a0}₽"),
        k => format!("{grouped},{k:02}\u{a0}₽"),
    }
}

/// «10 рабочих дней», «30 календарных дней», «1 рабочий день».
pub fn term(term: domain::applications::catalogue::Term, lang: Lang) -> String {
    use domain::applications::catalogue::Days;
    let n = i64::from(term.days);
    match lang {
        Lang::Ru => {
            let (one, few, many) = match term.counted {
                Days::Working => ("рабочий день", "рабочих дня", "рабочих дней"),
                Days::Calendar => ("календарный день", "календарных дня", "календарных дней"),
            };
            format!("{n} {}", crate::attention::plural(n, one, few, many))
        }
        Lang::En => {
            let kind = match term.counted {
                Days::Working => "working",
                Days::Calendar => "calendar",
            };
            format!("{n} {kind} day{}", if n == 1 { "" } else { "s" })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::applications::catalogue::{Days, Term};

    #[test]
    fn a_word_matches_its_other_forms_and_its_beginning() {
        let stem = |w: &str| store::search::stems(w).remove(0);
        assert!(
            same_word(&stem("Замена"), &stem("замену")),
            "the stemmer cuts these differently"
        );
        assert!(same_word(&stem("загранпаспорт"), &stem("загран")));
        assert!(same_word(&stem("паспорта"), &stem("паспортом")));
        assert!(!same_word(&stem("паспорт"), &stem("пенсия")));
        assert!(
            !same_word("рф", "рфия"),
            "a two-letter stem does not begin longer words"
        );
    }

    #[test]
    fn fees_and_terms_read_as_people_say_them() {
        assert_eq!(fee(150_000, Lang::Ru), "1\u{a0}500\u{a0}₽");
        assert_eq!(fee(35_050, Lang::Ru), "350,50\u{a0}₽");
        assert_eq!(fee(1_500_000, Lang::Ru), "15\u{a0}000\u{a0}₽");
        assert_eq!(fee(0, Lang::Ru), "бесплатно");
        let t = |days, counted| Term { days, counted };
        assert_eq!(term(t(10, Days::Working), Lang::Ru), "10 рабочих дней");
        assert_eq!(term(t(1, Days::Working), Lang::Ru), "1 рабочий день");
        assert_eq!(term(t(3, Days::Calendar), Lang::Ru), "3 календарных дня");
        assert_eq!(term(t(30, Days::Calendar), Lang::En), "30 calendar days");
    }
}
