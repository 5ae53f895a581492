//! Form errors: which field, what is wrong, in the visitor's language. Pages show them twice, as
//! GOV-style accessibility asks: in an error summary at the top that links to each field, and
//! next to the field itself.

use std::borrow::Cow;

use super::i18n::{Lang, Msg};

/// One problem with one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldIssue {
    /// The field's `name` (and `id` on the page).
    pub field: &'static str,
    /// A stable code for API clients: `required`, `format`, `too_short`, `check_digit` …
    pub code: &'static str,
    pub message: Msg,
}

impl FieldIssue {
    pub const fn new(field: &'static str, code: &'static str, message: Msg) -> Self {
        Self {
            field,
            code,
            message,
        }
    }
}

/// The problems of a submitted form, ready for a template. Field names are mostly fixed; a form
/// whose fields are made from data (one per document kind) names them at run time.
#[derive(Debug, Clone, Default)]
pub struct FormErrors {
    items: Vec<(Cow<'static, str>, String)>,
}

impl FormErrors {
    pub fn from_issues(issues: &[FieldIssue], lang: Lang) -> Self {
        let mut errors = Self::default();
        for issue in issues {
            // Every rule a field breaks is said (a password may break several), in one message.
            errors.push(issue.field, issue.message.get(lang));
        }
        errors
    }

    pub fn one(field: &'static str, message: Msg, lang: Lang) -> Self {
        Self {
            items: vec![(Cow::Borrowed(field), message.get(lang).to_owned())],
        }
    }

    /// Adds a message for a field (joined to the one it may already have).
    pub fn push(&mut self, field: impl Into<Cow<'static, str>>, message: &str) {
        let field = field.into();
        match self.items.iter_mut().find(|(f, _)| *f == field) {
            Some((_, text)) => {
                text.push_str(". ");
                text.push_str(message);
            }
            None => self.items.push((field, message.to_owned())),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.items
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    pub fn items(&self) -> &[(Cow<'static, str>, String)] {
        &self.items
    }
}
