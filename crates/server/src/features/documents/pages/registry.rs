//! The registry: every document with its status and deadline, the frame cached per node and
//! the content per person.

use super::*;

#[derive(Template, WebTemplate)]
#[template(path = "features/documents/registry.html")]
struct RegistryPage {
    page: PageCtx,
    t: &'static Texts,
    /// The rendered registry (kept per person, version and language).
    content: Arc<str>,
}

/// The registry's main part: nothing of one request (no CSRF token), so it can be kept.
#[derive(Template)]
#[template(
    path = "features/documents/registry_content.html",
    whitespace = "minimize"
)]
struct RegistryContent {
    t: &'static Texts,
    today: String,
    summary: Vec<(StatusView, usize)>,
    items: Vec<Item>,
    timeline: Timeline,
}

fn registry_content(registry: &Registry, lang: Lang) -> RegistryContent {
    let assessed = &registry.assessed;
    let summary = Status::ALL
        .into_iter()
        .filter_map(|s| {
            let n = assessed.iter().filter(|a| a.assessment.status == s).count();
            let sample = assessed.iter().find(|a| a.assessment.status == s)?;
            Some((status_view(sample, lang), n))
        })
        .collect();
    let mut items: Vec<Item> = assessed.iter().map(|a| item(a, lang)).collect();
    for i in &mut items {
        i.file = registry.first_files.get(&i.id).cloned();
    }
    let marks: Vec<(String, Status, Option<Date>, String)> = assessed
        .iter()
        .map(|a| {
            (
                a.shown_title(lang),
                a.assessment.status,
                a.assessment.deadline,
                a.assessment
                    .deadline
                    .map(|d| format!("{}, {}", show_date(d), status_view(a, lang).text))
                    .unwrap_or_default(),
            )
        })
        .collect();
    RegistryContent {
        t: texts(lang),
        today: show_date(registry.today),
        summary,
        items,
        timeline: timeline::build(registry.today, lang, &marks),
    }
}

pub(super) async fn registry(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
    headers: axum::http::HeaderMap,
) -> Result<Response, PageError> {
    let lang = page.lang;
    let me = user.user();
    let registry = service::registry(&state, me).await?;
    let content = match state.caches.fragment(&me.id, lang.code(), &registry.key) {
        Some(html) => html,
        None => {
            let html: Arc<str> = registry_content(&registry, lang)
                .render()
                .map_err(PageError::internal)?
                .into();
            state
                .caches
                .keep_fragment(&me.id, lang.code(), registry.key, html.clone());
            html
        }
    };
    if !crate::web::gzip_parts::accepts_gzip(&headers) {
        return Ok(RegistryPage {
            t: texts(lang),
            content,
            page,
        }
        .into_response());
    }
    // Browsers always ask for gzip: the kept main part is compressed once, only the frame per
    // request (it carries this request's CSRF token and unread count).
    const MARK: &str = "<!--kabinet:registry-->";
    let frame = RegistryPage {
        t: texts(lang),
        content: Arc::from(MARK),
        page,
    }
    .render()
    .map_err(PageError::internal)?;
    let Some((head, tail)) = frame.split_once(MARK) else {
        return Err(PageError::Internal(
            "the registry frame lost its mark".into(),
        ));
    };
    let kept = match state
        .caches
        .fragment_gzip(&me.id, lang.code(), &registry.key)
    {
        Some(part) => part,
        None => {
            let part = Arc::new(crate::web::gzip_parts::Part::new(content.as_bytes()));
            state
                .caches
                .keep_fragment_gzip(&me.id, lang.code(), &registry.key, part.clone());
            part
        }
    };
    let body = crate::web::gzip_parts::stitch(&[
        &crate::web::gzip_parts::Part::new(head.as_bytes()),
        &kept,
        &crate::web::gzip_parts::Part::new(tail.as_bytes()),
    ]);
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (axum::http::header::CONTENT_ENCODING, "gzip"),
            (axum::http::header::VARY, "accept-encoding"),
        ],
        body,
    )
        .into_response())
}
