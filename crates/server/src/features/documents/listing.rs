//! Filters, sorting and pages of the document list, shared by the page and the API.

use std::collections::HashSet;

use domain::documents::{Status, parse_date};
use store::documents::Filter;

use serde::Deserialize;
use utoipa::IntoParams;

use super::service::{self, Assessed, DocumentError};
use crate::state::AppState;
use store::users::UserSummary;

/// The list as a query string asks for it (the page's filters and the API's parameters).
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `active` (default), `archived` or `trashed`
    pub state: Option<String>,
    pub kind: Option<String>,
    /// `expired`, `needs_replacement`, `expiring`, `valid` or `indefinite`
    pub status: Option<String>,
    pub tag: Option<String>,
    /// Words to find in title, number, issuer, description and tags (any word form).
    pub q: Option<String>,
    /// Issued on or after, `YYYY-MM-DD`
    pub issued_from: Option<String>,
    pub issued_to: Option<String>,
    /// `urgency` (default), `title`, `issued`, `added`
    pub sort: Option<String>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

pub const PER_PAGE: u32 = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Urgency,
    Title,
    Issued,
    Added,
}

#[derive(Debug, Clone)]
pub struct Listing {
    pub filter: Filter,
    /// Statuses are computed, so this filter applies after the query.
    pub status: Option<Status>,
    pub sort: Sort,
    pub page: u32,
    pub per_page: u32,
}

fn blank(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

impl Listing {
    /// The filter's conditions other than state and text, as the database query applies them.
    fn matches(&self, a: &Assessed) -> bool {
        let d = &a.doc.data;
        let f = &self.filter;
        let issued = d.issued_on.as_deref();
        f.kind.as_deref().is_none_or(|k| d.kind_code == k)
            && f.tag
                .as_deref()
                .is_none_or(|t| d.tags.iter().any(|x| x == t))
            && f.issued_from
                .as_deref()
                .is_none_or(|from| issued.is_some_and(|i| i >= from))
            && f.issued_to
                .as_deref()
                .is_none_or(|to| issued.is_some_and(|i| i <= to))
    }

    /// Reads a query; an invalid value names its parameter.
    pub fn from_query(q: &ListQuery) -> Result<Self, &'static str> {
        let state = blank(&q.state).unwrap_or_else(|| "active".into());
        if !matches!(state.as_str(), "active" | "archived" | "trashed") {
            return Err("state");
        }
        let date =
            |v: &Option<String>, name: &'static str| -> Result<Option<String>, &'static str> {
                blank(v)
                    .map(|s| parse_date(&s).map(|d| d.to_string()).map_err(|_| name))
                    .transpose()
            };
        let sort = match blank(&q.sort).as_deref() {
            None | Some("urgency") => Sort::Urgency,
            Some("title") => Sort::Title,
            Some("issued") => Sort::Issued,
            Some("added") => Sort::Added,
            Some(_) => return Err("sort"),
        };
        let status = blank(&q.status)
            .map(|s| Status::parse(&s).ok_or("status"))
            .transpose()?;
        let query = blank(&q.q);
        if query.as_ref().is_some_and(|s| s.chars().count() > 200) {
            return Err("q");
        }
        Ok(Self {
            filter: Filter {
                state,
                kind: blank(&q.kind),
                tag: blank(&q.tag).map(|t| t.to_lowercase()),
                issued_from: date(&q.issued_from, "issued_from")?,
                issued_to: date(&q.issued_to, "issued_to")?,
                query,
            },
            status,
            sort,
            page: q.page.unwrap_or(1).clamp(1, 10_000),
            per_page: q.per_page.unwrap_or(PER_PAGE).clamp(1, 100),
        })
    }

    /// The page of documents and how many match in all. Active documents come from the person's
    /// cached registry (see `cache`), filtered here as the query would; a text search asks the
    /// database's index only for the ids it finds. Archived and trashed ones are read and assessed.
    pub async fn run(
        &self,
        state: &AppState,
        user: &UserSummary,
    ) -> Result<(Vec<Assessed>, usize), DocumentError> {
        let cached;
        let loaded;
        let mut all: Vec<&Assessed> = if self.filter.state == "active" {
            let found: Option<HashSet<String>> = match &self.filter.query {
                Some(q) => Some(
                    store::documents::search_ids(&state.db, &user.id, q)
                        .await?
                        .into_iter()
                        .collect(),
                ),
                None => None,
            };
            cached = service::registry(state, user).await?;
            cached
                .assessed
                .iter()
                .filter(|a| self.matches(a))
                .filter(|a| found.as_ref().is_none_or(|ids| ids.contains(&a.doc.id)))
                .collect()
        } else {
            loaded = service::assessed(state, &user.id, &self.filter).await?.0;
            loaded.iter().collect()
        };
        if let Some(status) = self.status {
            all.retain(|a| a.assessment.status == status);
        }
        match self.sort {
            Sort::Urgency => all.sort_by(|a, b| service::by_urgency(a, b)),
            Sort::Title => all.sort_by_cached_key(|a| a.doc.data.title.to_lowercase()),
            Sort::Issued => all.sort_by(|a, b| b.doc.data.issued_on.cmp(&a.doc.data.issued_on)),
            Sort::Added => all.sort_by_key(|a| std::cmp::Reverse(a.doc.created_at)),
        }
        let total = all.len();
        let start = ((self.page - 1) * self.per_page) as usize;
        // Only the page is copied out of the shared registry.
        let page: Vec<Assessed> = all
            .into_iter()
            .skip(start)
            .take(self.per_page as usize)
            .cloned()
            .collect();
        Ok((page, total))
    }
}
