//! «Мои документы»: the list with its filters, search and sorting.

use super::*;

/// The list's query as the filter form shows it back.
#[derive(Default)]
struct Filters {
    state: String,
    q: String,
    kind: String,
    status: String,
    tag: String,
    issued_from: String,
    issued_to: String,
    sort: String,
}

impl Filters {
    fn of(q: &ListQuery) -> Self {
        let v = |x: &Option<String>| x.as_deref().unwrap_or("").trim().to_owned();
        Self {
            state: v(&q.state),
            q: v(&q.q),
            kind: v(&q.kind),
            status: v(&q.status),
            tag: v(&q.tag),
            issued_from: v(&q.issued_from),
            issued_to: v(&q.issued_to),
            sort: v(&q.sort),
        }
    }

    fn pairs(&self) -> [(&'static str, &str); 8] {
        [
            ("state", &self.state),
            ("q", &self.q),
            ("kind", &self.kind),
            ("status", &self.status),
            ("tag", &self.tag),
            ("issued_from", &self.issued_from),
            ("issued_to", &self.issued_to),
            ("sort", &self.sort),
        ]
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "features/documents/list.html")]
struct ListPage {
    page: PageCtx,
    t: &'static Texts,
    f: Filters,
    state: String,
    items: Vec<Item>,
    total: usize,
    page_no: u32,
    pages: u32,
    kinds: Vec<(String, String)>,
    statuses: Vec<(&'static str, &'static str)>,
    tags: Vec<String>,
    errors: FormErrors,
    deleted: Option<String>,
}

impl ListPage {
    /// The link to another page of the same list.
    fn page_link(&self, n: u32) -> String {
        let mut url = form_urlencoded::Serializer::new(String::new());
        for (name, v) in self.f.pairs() {
            if !v.is_empty() {
                url.append_pair(name, v);
            }
        }
        url.append_pair("page", &n.to_string());
        format!("/documents?{}", url.finish())
    }

    /// The two date filters: name, label, value.
    fn date_filters(&self) -> Vec<(&'static str, &'static str, String)> {
        vec![
            (
                "issued_from",
                self.t.issued_from,
                self.f.issued_from.clone(),
            ),
            ("issued_to", self.t.issued_to, self.f.issued_to.clone()),
        ]
    }

    fn sorts(&self) -> Vec<(&'static str, &'static str)> {
        vec![
            ("urgency", self.t.sort_urgency),
            ("title", self.t.sort_title),
            ("issued", self.t.sort_issued),
            ("added", self.t.sort_added),
        ]
    }

    fn filtered(&self) -> bool {
        self.f
            .pairs()
            .iter()
            .any(|(name, v)| !matches!(*name, "state" | "sort") && !v.is_empty())
    }
}

#[derive(Deserialize)]
pub(super) struct ListNotes {
    deleted: Option<String>,
}

fn statuses(lang: Lang) -> Vec<(&'static str, &'static str)> {
    Status::ALL
        .into_iter()
        .map(|s| (s.as_str(), service::status_label(s, lang)))
        .collect()
}

pub(super) async fn list(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
    Query(q): Query<ListQuery>,
    Query(notes): Query<ListNotes>,
) -> Result<Response, PageError> {
    let t = texts(page.lang);
    let lang = page.lang;
    let (_, catalogue) = state.caches.catalogue(&state.db).await?;
    let kinds = catalogue
        .kinds
        .iter()
        .map(|k| (k.code.clone(), k.name(lang).to_owned()))
        .collect();
    let tags = service::registry(&state, user.user()).await?.tags.clone();
    let (listing, errors) = match Listing::from_query(&q) {
        Ok(l) => (Some(l), FormErrors::default()),
        Err(field) => {
            let mut errors = FormErrors::default();
            errors.push(field, bad_filter(field, lang));
            (None, errors)
        }
    };
    let (items, total, page_no, per_page, state_name) = match &listing {
        Some(l) => {
            let (found, total) = l.run(&state, user.user()).await?;
            let items = found.iter().map(|a| item(a, lang)).collect();
            (items, total, l.page, l.per_page, l.filter.state.clone())
        }
        None => (Vec::new(), 0, 1, 20, "active".to_owned()),
    };
    let deleted = notes.deleted.filter(|id| plain_id(id));
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let body = ListPage {
        t,
        f: Filters::of(&q),
        state: state_name,
        items,
        total,
        page_no,
        pages: (total as u32).div_ceil(per_page).max(1),
        kinds,
        statuses: statuses(lang),
        tags,
        errors,
        deleted,
        page,
    };
    Ok((status, body).into_response())
}

fn bad_filter(field: &str, lang: Lang) -> &'static str {
    match (field, lang) {
        ("issued_from" | "issued_to", Lang::Ru) => "Введите дату в виде ДД.ММ.ГГГГ",
        ("issued_from" | "issued_to", Lang::En) => "Enter a date as DD.MM.YYYY",
        ("q", Lang::Ru) => "Запрос длиннее 200 символов",
        ("q", Lang::En) => "The search is longer than 200 characters",
        (_, Lang::Ru) => "Выберите значение из списка",
        (_, Lang::En) => "Choose a value from the list",
    }
}
