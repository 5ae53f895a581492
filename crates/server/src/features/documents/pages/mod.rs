//! The pages of My documents and of the registry. They work without JavaScript: forms post,
//! uploads are ordinary multipart forms, the timeline is drawn on the server.

use std::collections::HashMap;

use std::sync::Arc;

use askama::Template;

use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form};
use domain::documents::profile_link::Subject;
use domain::documents::{FieldType, ReplacementReason, Status};
use futures_util::StreamExt;
use jiff::civil::Date;
use serde::Deserialize;
use store::documents::{DocumentRow, FileRow};

use super::cache::Registry;
use super::catalogue::{Catalogue, Kind};
use super::file_response::stream_file;
use super::listing::ListQuery;
use super::listing::Listing;
use super::service::{self, Assessed, DocumentError, DocumentInput, Incoming, Problem};
use super::texts::{EN, RU, Texts};
use super::timeline::{self, Timeline};
use crate::local_time;
use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::context::RequestInfo;
use crate::web::context::RequestMeta;
use crate::web::errors::PageError;
use crate::web::forms::FormErrors;
use crate::web::i18n::Lang;
use crate::web::page::PageCtx;
use crate::web::routes::Routes;

mod document;
mod form;
mod list;
mod registry;
mod trash;

pub fn pages() -> Routes {
    Routes::new()
        .route("/documents", get(list::list))
        .upload("/documents/new", get(form::new_form).post(form::create))
        .route("/documents/trash", get(trash::trash_page))
        .route("/documents/{id}", get(document::view))
        .route(
            "/documents/{id}/edit",
            get(form::edit_form).post(form::edit_submit),
        )
        .route("/documents/{id}/delete", post(document::delete))
        .route("/documents/{id}/restore", post(document::restore))
        .route("/documents/{id}/archive", post(document::archive))
        .route("/documents/{id}/renew", get(trash::renew))
        .upload("/documents/{id}/files", post(document::add_files))
        .upload(
            "/documents/{id}/files/{file_id}",
            get(document::download).post(document::new_version),
        )
        .route(
            "/documents/{id}/files/{file_id}/preview",
            get(document::preview),
        )
        .route("/registry", get(registry::registry))
        .open(
            "/calendar/{token}/deadlines.ics",
            get(super::calendar::feed),
        )
}

fn texts(lang: Lang) -> &'static Texts {
    lang.pick(&RU, &EN)
}

impl From<DocumentError> for PageError {
    fn from(e: DocumentError) -> Self {
        match e {
            DocumentError::NotFound | DocumentError::Invalid(_) | DocumentError::Conflict => {
                PageError::NotFound
            }
            DocumentError::Store(e) => e.into(),
            DocumentError::Objects(e) => PageError::internal(e),
        }
    }
}

/// `25.11.2026`, as Russian documents print dates.
pub fn show_date(d: Date) -> String {
    d.strftime("%d.%m.%Y").to_string()
}

fn show_iso(iso: Option<&str>) -> String {
    iso.and_then(|s| s.parse::<Date>().ok())
        .map(show_date)
        .unwrap_or_default()
}

fn show_size(bytes: i64, lang: Lang) -> String {
    let (kb, mb) = lang.pick(&("КБ", "МБ"), &("KB", "MB"));
    if bytes >= 1024 * 1024 {
        format!("{:.1} {mb}", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} {kb}", ((bytes + 1023) / 1024).max(1))
    }
}

/// An id as the service makes them; anything else is not followed in a redirect.
fn plain_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

// ---------------------------------------------------------------------------------------------
// Status as pages show it: a word, an icon that is not only a colour, and the tag's style.

pub struct StatusView {
    pub code: &'static str,
    pub text: &'static str,
    /// A symbol beside the word, so that colour is not the only signal.
    pub icon: &'static str,
    pub class: &'static str,
    pub reason: Option<&'static str>,
    pub deadline: String,
    pub days: String,
    pub overdue: bool,
    pub renewable: bool,
}

fn status_view(a: &Assessed, lang: Lang) -> StatusView {
    let t = texts(lang);
    let s = a.assessment.status;
    let (icon, class) = match s {
        Status::Expired => ("✕", "bad"),
        Status::NeedsReplacement => ("!", "bad"),
        Status::Expiring => ("◔", "warn"),
        Status::Valid => ("✓", "ok"),
        Status::Indefinite => ("∞", "neutral"),
    };
    let days = a.assessment.days_left;
    StatusView {
        code: s.as_str(),
        text: service::status_label(s, lang),
        icon,
        class,
        reason: a.assessment.reason.map(|r| match r {
            ReplacementReason::AgeReached => t.reason_age,
            ReplacementReason::PersonalDataChanged => t.reason_data,
        }),
        deadline: a.assessment.deadline.map(show_date).unwrap_or_default(),
        days: days.map(|d| d.abs().to_string()).unwrap_or_default(),
        overdue: days.is_some_and(|d| d < 0),
        renewable: matches!(
            s,
            Status::Expired | Status::NeedsReplacement | Status::Expiring
        ),
    }
}

/// One row of a list of documents.
pub struct Item {
    pub id: String,
    pub title: String,
    pub kind_name: String,
    pub number: String,
    pub issued_on: String,
    pub tags: Vec<String>,
    pub status: StatusView,
    /// The first current file, for a direct "download" link: (file id, name).
    pub file: Option<(String, String)>,
}

fn item(a: &Assessed, lang: Lang) -> Item {
    let d = &a.doc.data;
    Item {
        id: a.doc.id.clone(),
        title: a.shown_title(lang),
        kind_name: a
            .kind
            .as_ref()
            .map(|k| k.name(lang).to_owned())
            .unwrap_or_default(),
        number: d.number.clone().unwrap_or_default(),
        issued_on: show_iso(d.issued_on.as_deref()),
        tags: d.tags.clone(),
        status: status_view(a, lang),
        file: None,
    }
}
