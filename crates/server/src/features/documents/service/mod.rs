//! My documents: validating a document against its kind (`checks`), receiving its files
//! (`files`), storing a change with its files in one transaction with its audit record
//! (`changes`), the registry's computed view (`registry`) and the sweeps (`sweeps`). The input
//! types and the feature's error live here.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use store::audit::Action;

use bytes::Bytes;
use domain::documents::{
    Assessment, Autofill, Facts, FieldError, FieldRole, Schema, Validity, ValidityError, assess,
    parse_date,
};
use futures_util::{Stream, StreamExt};
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use store::StoreError;
use store::audit::{self, Actor, Entry};
use store::documents::{self as repo, DocumentData, DocumentRow, FileRow};
use store::objects::{ObjectError, Stored};
use store::users::{Profile, UserSummary};
use utoipa::ToSchema;

use super::catalogue::{Catalogue, Kind};
use super::inspect::{self, Inspection, Inspector};
use super::reminders;
use crate::features::notifications::service::{Message, notify};
use crate::state::AppState;
use crate::web::context::RequestMeta;
use crate::web::i18n::{Lang, Text};

mod changes;
mod checks;
mod files;
mod registry;
mod sweeps;

pub use changes::*;
pub use checks::*;
pub use files::*;
pub use registry::*;
pub use sweeps::*;

/// Days a deleted document can be restored.
pub const TRASH_DAYS: i64 = 30;
pub const MAX_TAGS: usize = 10;

/// A document as a form or a JSON body carries it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct DocumentInput {
    /// Code of the document kind (see `/api/v1/document-kinds`); only when creating.
    pub kind: String,
    /// Defaults to the kind's name.
    pub title: String,
    /// The document's series and number in the kind's format.
    pub number: String,
    pub issuer: String,
    /// `YYYY-MM-DD` or `ДД.ММ.ГГГГ`
    pub issued_on: String,
    /// For kinds without a computed term (and OSAGO short contracts).
    pub expires_on: String,
    pub description: String,
    pub tags: Vec<String>,
    /// The kind's own fields by key (see the kind's `fields`).
    pub fields: BTreeMap<String, String>,
}

/// One problem with one field of the input.
#[derive(Debug, Clone)]
pub struct Problem {
    /// The form field's name (kind fields by their key, `files` for uploads).
    pub field: &'static str,
    /// Whether the field is one of the kind's own (the API names those `fields.<key>`).
    pub kind_field: bool,
    pub code: &'static str,
    pub text: Text,
}

impl Problem {
    fn new(field: &'static str, code: &'static str, text: Text) -> Self {
        Self {
            field,
            kind_field: false,
            code,
            text,
        }
    }

    pub fn api_field(&self) -> String {
        if self.kind_field {
            format!("fields.{}", self.field)
        } else {
            self.field.to_owned()
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("invalid input")]
    Invalid(Vec<Problem>),
    #[error("not found")]
    NotFound,
    /// Someone changed the document since the form was opened.
    #[error("changed meanwhile")]
    Conflict,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Objects(#[from] ObjectError),
}

impl From<sqlx::Error> for DocumentError {
    fn from(e: sqlx::Error) -> Self {
        DocumentError::Store(e.into())
    }
}
