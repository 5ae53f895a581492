//! The shapes the API returns (and the pages reuse): a document with its computed status, its
//! files, its history, the registry.

use std::collections::BTreeMap;

use serde::Serialize;
use store::documents::FileRow;
use utoipa::ToSchema;

use super::catalogue::Kind;
use super::service::{Assessed, status_label};
use crate::web::i18n::Lang;

#[derive(Debug, Serialize, ToSchema)]
pub struct FileView {
    pub id: String,
    /// Files with the same lineage are versions of one file; the highest version is current.
    pub lineage: String,
    pub version: i64,
    pub current: bool,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    /// SHA-256 of the content, checked again on every download.
    pub sha256: String,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub uploaded_at: String,
}

impl From<&FileRow> for FileView {
    fn from(f: &FileRow) -> Self {
        Self {
            id: f.id.clone(),
            lineage: f.lineage.clone(),
            version: f.version,
            current: f.current,
            name: f.name.clone(),
            content_type: f.content_type.clone(),
            size: f.size,
            sha256: f.sha256.clone(),
            width: f.width,
            height: f.height,
            uploaded_at: f.created_at.to_string(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentView {
    pub id: String,
    pub kind: String,
    pub kind_name: String,
    pub title: String,
    pub number: Option<String>,
    pub issuer: Option<String>,
    pub issued_on: Option<String>,
    /// The expiry the user typed (kinds without a computed term).
    pub expires_on: Option<String>,
    /// The last day of validity by the kind's rule; null when the document has no term.
    pub valid_until: Option<String>,
    /// The age at which it must be replaced has this birthday (internal passport).
    pub replace_from: Option<String>,
    /// A legal extension of the term (driving licences of 2022–2025), inside Russia only.
    pub extended_until: Option<String>,
    pub domestic_only_now: bool,
    /// `valid`, `expiring`, `expired`, `needs_replacement`, `indefinite`
    pub status: String,
    pub status_text: String,
    /// `age_reached` or `personal_data_changed` when the status is `needs_replacement`.
    pub status_reason: Option<String>,
    pub deadline: Option<String>,
    pub days_left: Option<i32>,
    pub description: Option<String>,
    pub tags: Vec<String>,
    pub fields: BTreeMap<String, String>,
    /// `active`, `archived` or `trashed`
    pub state: String,
    pub archive_reason: Option<String>,
    /// Send it back in PATCH as `revision` to refuse overwriting a change made meanwhile.
    pub revision: i64,
    pub created_at: String,
    pub updated_at: String,
    pub files: Vec<FileView>,
}

pub fn document_view(a: &Assessed, files: &[FileRow], lang: Lang) -> DocumentView {
    let d = &a.doc;
    let fields = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&d.data.fields)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_owned())))
        .collect();
    let date = |x: Option<jiff::civil::Date>| x.map(|d| d.to_string());
    DocumentView {
        id: d.id.clone(),
        kind: d.data.kind_code.clone(),
        kind_name: a
            .kind
            .as_ref()
            .map(|k: &Kind| k.name(lang).to_owned())
            .unwrap_or_default(),
        title: d.data.title.clone(),
        number: d.data.number.clone(),
        issuer: d.data.issuer.clone(),
        issued_on: d.data.issued_on.clone(),
        expires_on: d.data.typed_expiry.clone(),
        valid_until: date(a.validity.as_ref().and_then(|v| v.valid_until)),
        replace_from: date(a.validity.as_ref().and_then(|v| v.replace_from)),
        extended_until: date(a.validity.as_ref().and_then(|v| v.extended_until)),
        domestic_only_now: a.assessment.domestic_only_now,
        status: a.assessment.status.as_str().to_owned(),
        status_text: status_label(a.assessment.status, lang).to_owned(),
        status_reason: a.assessment.reason.map(|r| match r {
            domain::documents::ReplacementReason::AgeReached => "age_reached".to_owned(),
            domain::documents::ReplacementReason::PersonalDataChanged => {
                "personal_data_changed".to_owned()
            }
        }),
        deadline: date(a.assessment.deadline),
        days_left: a.assessment.days_left,
        description: d.data.description.clone(),
        tags: d.data.tags.clone(),
        fields,
        state: d.state.clone(),
        archive_reason: d.archive_reason.clone(),
        revision: d.revision,
        created_at: d.created_at.to_string(),
        updated_at: d.updated_at.to_string(),
        files: files.iter().map(FileView::from).collect(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntry {
    pub at: String,
    /// `document.created`, `document.changed`, `document.file_added`, `document.file_replaced`,
    /// `document.downloaded`, `document.deleted`, `document.restored`, `document.archived`
    pub action: String,
    /// `citizen`, `officer`, `operator`, `system` …
    pub actor: String,
    pub ip: Option<String>,
    pub details: serde_json::Value,
}

impl From<&store::audit::Record> for HistoryEntry {
    fn from(r: &store::audit::Record) -> Self {
        Self {
            at: r.at.to_string(),
            action: r.action.clone(),
            actor: r.actor_kind.clone(),
            ip: r.ip.clone(),
            details: serde_json::from_str(&r.details).unwrap_or(serde_json::Value::Null),
        }
    }
}
