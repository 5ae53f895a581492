//! The trash, and the renewal page a document's «Продлить» leads to.

use super::*;

pub struct Trashed {
    pub id: String,
    pub title: String,
    pub kind_name: String,
    pub deleted_on: String,
    pub days_left: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "features/documents/trash.html")]
pub(super) struct TrashPage {
    page: PageCtx,
    t: &'static Texts,
    items: Vec<Trashed>,
}

pub(super) async fn trash_page(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
) -> Result<TrashPage, PageError> {
    let lang = page.lang;
    let user_id = &user.user().id;
    let filter = store::documents::Filter {
        state: "trashed".into(),
        ..Default::default()
    };
    let catalogue = Catalogue::load(&state.db).await?;
    let profile = service::load_profile(&state, user_id).await?;
    let now = state.now();
    let mut docs = store::documents::list(&state.db, user_id, &filter).await?;
    docs.sort_by_key(|d| std::cmp::Reverse(d.trashed_at));
    let items = docs
        .into_iter()
        .map(|d| {
            let at = d.trashed_at.unwrap_or(d.updated_at);
            let gone = now.duration_since(at).as_hours() / 24;
            Trashed {
                title: d.data.title.clone(),
                kind_name: catalogue
                    .get(&d.data.kind_code)
                    .map(|k| k.name(lang).to_owned())
                    .unwrap_or_default(),
                deleted_on: local_time::shown(at, &profile.time_zone),
                days_left: (service::TRASH_DAYS - gone).max(0),
                id: d.id,
            }
        })
        .collect();
    Ok(TrashPage {
        t: texts(lang),
        items,
        page,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "features/documents/renew.html")]
pub(super) struct RenewPage {
    page: PageCtx,
    t: &'static Texts,
    id: String,
    title: String,
    kind_code: String,
    status: StatusView,
    steps: Vec<String>,
    /// The service that replaces the document online: its code and name.
    service: Option<(String, String)>,
}

pub(super) async fn renew(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
    Path(id): Path<String>,
) -> Result<RenewPage, PageError> {
    let user_id = &user.user().id;
    let doc = service::get(&state, user_id, &id).await?;
    if doc.state == "trashed" {
        return Err(PageError::NotFound);
    }
    let assessor = service::Assessor::load(&state, user_id).await?;
    let a = assessor.assess(doc);
    let kind = a.kind.clone().ok_or(PageError::NotFound)?;
    let lang = page.lang;
    let service = store::catalogue::replacing_service(&state.db, &kind.code)
        .await?
        .map(|(code, ru, en)| (code, if lang == Lang::Ru { ru } else { en }));
    Ok(RenewPage {
        t: texts(lang),
        service,
        id: a.doc.id.clone(),
        title: a.shown_title(lang),
        kind_code: kind.code.clone(),
        status: status_view(&a, lang),
        steps: kind
            .renewal(lang)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        page,
    })
}
