//! The registry: every active document assessed against its kind's rule and the holder's
//! profile (status, deadline, what to do), kept per person until something changes.

use super::*;

/// One document with its computed status.
#[derive(Clone)]
pub struct Assessed {
    pub doc: DocumentRow,
    pub kind: Option<Kind>,
    pub validity: Option<Validity>,
    pub assessment: Assessment,
}

/// The date the profile's key data last changed, in the user's zone.
pub fn key_change_date(profile: &Profile) -> Option<Date> {
    let zone = crate::local_time::zone(&profile.time_zone);
    profile
        .key_data_changed_at
        .map(|t| t.to_zoned_datetime(zone.clone()).date())
}

impl Assessed {
    /// The title to show in `lang`: a title left empty was stored as the kind's Russian name, so
    /// on English pages that default reads as the kind's English name.
    pub fn shown_title(&self, lang: Lang) -> String {
        let title = &self.doc.data.title;
        match &self.kind {
            Some(kind) if lang == Lang::En && *title == kind.name_ru => kind.name_en.clone(),
            _ => title.clone(),
        }
    }
}

/// Computes a document's status from its kind's current rule (an operator may have changed it).
/// `key_changed_on` is when the holder's name or date of birth last changed ([`key_change_date`]).
pub fn assess_one(
    doc: DocumentRow,
    catalogue: &Catalogue,
    key_changed_on: Option<Date>,
    today: Date,
) -> Assessed {
    let kind = catalogue.get(&doc.data.kind_code).cloned();
    let fields: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&doc.data.fields).unwrap_or_default();
    let date = |v: &Option<String>| v.as_deref().and_then(|s| s.parse::<Date>().ok());
    let issued_on = date(&doc.data.issued_on);
    let validity = kind.as_ref().and_then(|kind| {
        let mut facts = Facts {
            issued_on,
            typed_expiry: date(&doc.data.typed_expiry),
            ..Facts::default()
        };
        for spec in kind.fields() {
            let value = fields.get(spec.key).and_then(|v| v.as_str());
            match spec.role {
                FieldRole::HolderBirthDate => {
                    facts.holder_born_on = value.and_then(|s| s.parse().ok())
                }
                FieldRole::Variant => facts.variant = value.map(str::to_owned),
                FieldRole::Plain => {}
            }
        }
        kind.rule.apply(&facts).ok()
    });
    let changed_after_issue = kind.as_ref().is_some_and(|k| k.schema.is_identity())
        && matches!((key_changed_on, issued_on), (Some(changed), Some(issued)) if changed > issued);
    let lead = kind.as_ref().map_or(90, |k| k.lead_days);
    let fallback = Validity {
        valid_until: None,
        replace_from: None,
        extended_until: None,
        domestic_only: false,
    };
    let assessment = assess(
        validity.as_ref().unwrap_or(&fallback),
        today,
        lead,
        changed_after_issue,
    );
    Assessed {
        doc,
        kind,
        validity,
        assessment,
    }
}

/// What computing statuses needs: the holder's profile, their today and the catalogue.
pub struct Assessor {
    pub profile: Profile,
    pub today: Date,
    pub catalogue: Arc<Catalogue>,
    /// Worked out once: finding a time zone is not free, and a registry assesses hundreds.
    pub key_changed_on: Option<Date>,
}

impl Assessor {
    pub async fn load(state: &AppState, user_id: &str) -> Result<Self, DocumentError> {
        let profile = load_profile(state, user_id).await?;
        Ok(Self {
            today: today(state, &profile.time_zone),
            catalogue: state.caches.catalogue(&state.db).await?.1,
            key_changed_on: key_change_date(&profile),
            profile,
        })
    }

    pub fn assess(&self, doc: DocumentRow) -> Assessed {
        assess_one(doc, &self.catalogue, self.key_changed_on, self.today)
    }
}

/// The user's documents that match `filter`, each with its status, and the date it is for.
pub async fn assessed(
    state: &AppState,
    user_id: &str,
    filter: &repo::Filter,
) -> Result<(Vec<Assessed>, Date), DocumentError> {
    let assessor = Assessor::load(state, user_id).await?;
    let docs = repo::list(&state.db, user_id, filter).await?;
    Ok((
        docs.into_iter().map(|d| assessor.assess(d)).collect(),
        assessor.today,
    ))
}

/// Most urgent first: by status, then the nearest deadline (none last), then the title.
pub fn by_urgency(a: &Assessed, b: &Assessed) -> std::cmp::Ordering {
    let key = |x: &Assessed| {
        (
            x.assessment.status,
            x.assessment.deadline.is_none(),
            x.assessment.deadline,
            x.doc.data.title.clone(),
        )
    };
    key(a).cmp(&key(b))
}

/// Every active document of the person with its status, most urgent first, and each one's first
/// file — from this node's cache while nothing it depends on changed (see [`super::cache`]).
pub async fn registry(
    state: &AppState,
    user: &UserSummary,
) -> Result<Arc<super::super::cache::Registry>, DocumentError> {
    let tz = crate::local_time::zone(&user.time_zone);
    let today = state.now().to_zoned_datetime(tz.clone()).date();
    let key_changed_on = user
        .key_data_changed_at
        .map(|t| t.to_zoned_datetime(tz.clone()).date());
    let (generation, catalogue) = state.caches.catalogue(&state.db).await?;
    let key = super::super::cache::RegistryKey {
        documents_version: user.documents_version,
        today,
        key_changed_on,
        catalogue: generation,
    };
    if let Some(kept) = state.caches.registry(&user.id, &key) {
        return Ok(kept);
    }
    let filter = repo::Filter {
        state: "active".into(),
        ..Default::default()
    };
    let mut assessed: Vec<Assessed> = repo::list(&state.db, &user.id, &filter)
        .await?
        .into_iter()
        .map(|d| assess_one(d, &catalogue, key_changed_on, today))
        .collect();
    assessed.sort_by(by_urgency);
    let mut first_files = HashMap::new();
    for (doc, file, name) in repo::first_files(&state.db, &user.id).await? {
        first_files.entry(doc).or_insert((file, name));
    }
    let tags = repo::tags(&state.db, &user.id)
        .await?
        .into_iter()
        .map(|(tag, _)| tag)
        .collect();
    let registry = Arc::new(super::super::cache::Registry {
        key,
        assessed,
        today,
        first_files,
        tags,
    });
    state.caches.keep_registry(&user.id, key, registry.clone());
    Ok(registry)
}

/// The text of a status in the user's language.
pub fn status_label(status: domain::documents::Status, lang: Lang) -> &'static str {
    use domain::documents::Status as S;
    match (status, lang) {
        (S::Valid, Lang::Ru) => "Действует",
        (S::Valid, Lang::En) => "Valid",
        (S::Expiring, Lang::Ru) => "Истекает",
        (S::Expiring, Lang::En) => "Expiring",
        (S::Expired, Lang::Ru) => "Истёк",
        (S::Expired, Lang::En) => "Expired",
        (S::NeedsReplacement, Lang::Ru) => "Требует замены",
        (S::NeedsReplacement, Lang::En) => "Needs replacement",
        (S::Indefinite, Lang::Ru) => "Бессрочный",
        (S::Indefinite, Lang::En) => "No expiry",
    }
}
