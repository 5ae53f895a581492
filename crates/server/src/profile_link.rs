//! The profile and the documents its passport, SNILS and INN come from. Both the profile and My
//! documents show how the two stand (the same, the profile empty, different — and what to do), so
//! the reading lives here, once, and neither feature reaches into the other. The rules are in
//! `domain::documents::profile_link`.

use domain::documents::Schema;
use domain::documents::profile_link::{self as rules, Agreement, ProfileField, Subject, Values};
use store::documents::{DocumentData, DocumentRow};
use store::users::Profile;

use crate::web::i18n::Lang;

/// The schemas whose documents fill the profile, as stored.
pub fn schema_codes() -> Vec<&'static str> {
    Subject::ALL.iter().map(|s| s.schema().code()).collect()
}

/// The profile's current values of a subject.
pub fn profile_values(p: &Profile, subject: Subject) -> Values {
    let passport = |key: &str| {
        p.passport
            .as_ref()
            .and_then(|v| v.get(key))
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    subject
        .fields()
        .iter()
        .map(|f| {
            let value = match f {
                ProfileField::PassportSeries => passport("series"),
                ProfileField::PassportNumber => passport("number"),
                ProfileField::PassportIssuedOn => passport("issued_on"),
                ProfileField::PassportIssuer => passport("issuer"),
                ProfileField::PassportDivisionCode => passport("division_code"),
                ProfileField::Snils => p.snils.clone().unwrap_or_default(),
                ProfileField::Inn => p.inn.clone().unwrap_or_default(),
            };
            (*f, value)
        })
        .collect()
}

/// What the profile would take from this document.
pub fn document_values(d: &DocumentData, subject: Subject) -> Values {
    let fields: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&d.fields).unwrap_or_default();
    rules::values_of(
        subject,
        d.number.as_deref().unwrap_or_default(),
        d.issued_on.as_deref(),
        d.issuer.as_deref(),
        fields.get("division_code").and_then(|v| v.as_str()),
    )
}

/// How the profile stands to one active document that fills it.
#[derive(Debug, Clone)]
pub struct Link {
    pub subject: Subject,
    pub document_id: String,
    /// The document's number as stored (`45 20 123456`).
    pub number: String,
    pub agreement: Agreement,
}

/// How the profile stands to a document of this subject.
pub fn link(profile: &Profile, doc: &DocumentRow, subject: Subject) -> Link {
    Link {
        subject,
        document_id: doc.id.clone(),
        number: doc.data.number.clone().unwrap_or_default(),
        agreement: rules::compare(
            &profile_values(profile, subject),
            &document_values(&doc.data, subject),
        ),
    }
}

impl Link {
    /// `same`, `profile_empty` or `differs` (the API's word, and the template's switch).
    pub fn state(&self) -> &'static str {
        match self.agreement {
            Agreement::Same => "same",
            Agreement::ProfileEmpty => "profile_empty",
            Agreement::Differs(_) => "differs",
        }
    }

    /// The keys of the profile's fields that differ.
    pub fn differing_keys(&self) -> Vec<&'static str> {
        match &self.agreement {
            Agreement::Differs(fields) => fields.iter().map(|f| f.key()).collect(),
            _ => Vec::new(),
        }
    }

    /// «серия, номер» — what differs, in words.
    pub fn differing(&self, lang: Lang) -> String {
        match &self.agreement {
            Agreement::Differs(fields) => fields
                .iter()
                .map(|f| {
                    let (ru, en) = f.label();
                    lang.pick(ru, en)
                })
                .collect::<Vec<_>>()
                .join(", "),
            _ => String::new(),
        }
    }

    /// Where the person confirms filling the profile from the document.
    pub fn fill_href(&self) -> String {
        format!("/profile/from-document/{}", self.document_id)
    }

    pub fn document_href(&self) -> String {
        format!("/documents/{}", self.document_id)
    }
}

/// The name of what a subject is in the profile: «паспорт», «СНИЛС», «ИНН».
pub fn subject_name(subject: Subject, lang: Lang) -> &'static str {
    match subject {
        Subject::Passport => lang.pick("паспорт", "passport"),
        Subject::Snils => "СНИЛС",
        Subject::Inn => lang.pick("ИНН", "INN"),
    }
}

/// The document's name as the profile names its source.
pub fn document_name(subject: Subject, lang: Lang) -> &'static str {
    match subject {
        Subject::Passport => lang.pick("Паспорт гражданина РФ", "Russian internal passport"),
        Subject::Snils => lang.pick("СНИЛС", "SNILS"),
        Subject::Inn => lang.pick("ИНН", "INN"),
    }
}

/// The person's newest active document of each subject: the profile's sources.
pub async fn newest_sources(
    db: &store::Db,
    owner_id: &str,
) -> Result<Vec<(Subject, DocumentRow)>, store::StoreError> {
    let rows = store::documents::active_of_schemas(db, owner_id, &schema_codes()).await?;
    let mut out: Vec<(Subject, DocumentRow)> = Vec::new();
    for (schema, doc) in rows {
        // Newest first: the first of each subject is its source.
        if let Some(subject) = Schema::parse(&schema).and_then(Subject::of)
            && !out.iter().any(|(s, _)| *s == subject)
        {
            out.push((subject, doc));
        }
    }
    Ok(out)
}

/// The newest active document of each subject, with how the profile stands to it.
pub async fn links(db: &store::Db, profile: &Profile) -> Result<Vec<Link>, store::StoreError> {
    Ok(newest_sources(db, &profile.id)
        .await?
        .iter()
        .map(|(subject, doc)| link(profile, doc, *subject))
        .collect())
}

/// One side's view of a subject, ready for a template.
#[derive(Debug, Clone, Default)]
pub struct View {
    /// `same`, `profile_empty`, `differs`; on the profile also `missing` (no document) and
    /// `none` (neither the profile nor a document has it).
    pub state: &'static str,
    /// «Паспорт гражданина РФ, 45 20 123456».
    pub document_label: String,
    pub differing: String,
    pub document_href: String,
    pub edit_document_href: String,
    pub fill_href: String,
    /// Where to add a document of this subject.
    pub add_href: String,
}

impl View {
    pub fn of(subject: Subject, link: Option<&Link>, profile_has_it: bool, lang: Lang) -> Self {
        let add_href = format!("/documents/new?kind={}", subject.schema().code());
        let Some(link) = link else {
            return Self {
                state: if profile_has_it { "missing" } else { "none" },
                add_href,
                ..Self::default()
            };
        };
        let name = document_name(subject, lang);
        Self {
            state: link.state(),
            document_label: if link.number.is_empty() {
                name.to_owned()
            } else {
                format!("{name}, {}", link.number)
            },
            differing: link.differing(lang),
            document_href: link.document_href(),
            edit_document_href: format!("{}/edit", link.document_href()),
            fill_href: link.fill_href(),
            add_href,
        }
    }
}
