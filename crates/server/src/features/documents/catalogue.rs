//! The catalogue of document kinds as the service uses it: the operator-editable settings from
//! the database joined with each kind's schema from the domain.

use domain::documents::{FieldSpec, KindSettings, Schema, ValidityRule, kinds};
use jiff::Timestamp;
use store::Db;
use store::documents::KindRow;

use crate::web::i18n::Lang;

#[derive(Debug, Clone, PartialEq)]
pub struct Kind {
    pub code: String,
    pub schema: Schema,
    pub name_ru: String,
    pub name_en: String,
    pub rule: ValidityRule,
    pub lead_days: i16,
    pub max_file_bytes: i64,
    pub renewal_ru: String,
    pub renewal_en: String,
    pub active: bool,
}

impl Kind {
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ru => &self.name_ru,
            Lang::En => &self.name_en,
        }
    }

    pub fn renewal(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ru => &self.renewal_ru,
            Lang::En => &self.renewal_en,
        }
    }

    pub fn fields(&self) -> Vec<FieldSpec> {
        self.schema.fields()
    }

    /// Whether the user types the expiry (always possible for kinds without a computed term).
    pub fn takes_typed_expiry(&self) -> bool {
        match &self.rule {
            ValidityRule::Typed | ValidityRule::Indefinite => true,
            ValidityRule::FixedTerm {
                typed_overrides, ..
            } => *typed_overrides,
            ValidityRule::AgeBased { .. } => false,
        }
    }

    /// Whether the rule needs the issue date.
    pub fn needs_issue_date(&self) -> bool {
        matches!(
            self.rule,
            ValidityRule::FixedTerm { .. } | ValidityRule::AgeBased { .. }
        )
    }

    pub fn max_file_mb(&self) -> i64 {
        self.max_file_bytes / (1024 * 1024)
    }

    fn from_row(row: KindRow) -> Option<Self> {
        let schema = Schema::parse(&row.schema)?;
        let rule = serde_json::from_str(&row.rule).ok()?;
        Some(Self {
            code: row.code,
            schema,
            name_ru: row.name_ru,
            name_en: row.name_en,
            rule,
            lead_days: i16::try_from(row.lead_days).unwrap_or(90),
            max_file_bytes: row.max_file_bytes,
            renewal_ru: row.renewal_ru,
            renewal_en: row.renewal_en,
            active: row.active,
        })
    }
}

/// Every kind, in the operator's order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalogue {
    pub kinds: Vec<Kind>,
}

impl Catalogue {
    pub async fn load(db: &Db) -> Result<Self, store::StoreError> {
        let rows = store::documents::kinds(db).await?;
        let kinds = rows
            .into_iter()
            .filter_map(|row| {
                let code = row.code.clone();
                let kind = Kind::from_row(row);
                if kind.is_none() {
                    tracing::error!(kind = %code, "document kind with an unreadable rule or schema is skipped");
                }
                kind
            })
            .collect();
        Ok(Self { kinds })
    }

    pub fn get(&self, code: &str) -> Option<&Kind> {
        self.kinds.iter().find(|k| k.code == code)
    }

    pub fn active(&self) -> impl Iterator<Item = &Kind> {
        self.kinds.iter().filter(|k| k.active)
    }
}

fn row_of(k: &KindSettings) -> KindRow {
    KindRow {
        code: k.code.clone(),
        schema: k.schema.code().to_owned(),
        name_ru: k.name_ru.clone(),
        name_en: k.name_en.clone(),
        rule: serde_json::to_string(&k.rule).unwrap_or_default(),
        lead_days: i64::from(k.lead_days),
        max_file_bytes: k.max_file_bytes,
        renewal_ru: k.renewal_ru.clone(),
        renewal_en: k.renewal_en.clone(),
        position: i64::from(k.position),
        active: true,
    }
}

/// Adds the built-in kinds that the database does not have yet (first start, or a release that
/// brings a new kind); kinds an operator edited stay as edited.
pub async fn seed(db: &Db, now: Timestamp) -> Result<u64, store::StoreError> {
    let rows: Vec<KindRow> = kinds::defaults().iter().map(row_of).collect();
    let mut tx = db.begin().await?;
    let added = store::documents::seed_kinds(&mut tx, &rows, now).await?;
    tx.commit().await?;
    Ok(added)
}
