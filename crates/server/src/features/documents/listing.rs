//! Filters, sorting and pages of the document list, shared by the page and the API.

use domain::documents::{Status, parse_date};
use store::documents::Filter;

use super::api::ListQuery;
use super::service::{self, Assessed, DocumentError};
use crate::state::AppState;

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

    /// The page of documents and how many match in all.
    pub async fn run(
        &self,
        state: &AppState,
        user_id: &str,
    ) -> Result<(Vec<Assessed>, usize), DocumentError> {
        let (mut all, _) = service::assessed(state, user_id, &self.filter).await?;
        if let Some(status) = self.status {
            all.retain(|a| a.assessment.status == status);
        }
        match self.sort {
            Sort::Urgency => all.sort_by(service::by_urgency),
            Sort::Title => all.sort_by_key(|a| a.doc.data.title.to_lowercase()),
            Sort::Issued => all.sort_by(|a, b| b.doc.data.issued_on.cmp(&a.doc.data.issued_on)),
            Sort::Added => all.sort_by_key(|a| std::cmp::Reverse(a.doc.created_at)),
        }
        let total = all.len();
        let start = ((self.page - 1) * self.per_page) as usize;
        let page: Vec<Assessed> = all
            .into_iter()
            .skip(start)
            .take(self.per_page as usize)
            .collect();
        Ok((page, total))
    }
}
