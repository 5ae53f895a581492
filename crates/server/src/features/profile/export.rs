//! "Download my data" (152-FZ): everything Kabinet holds about the person — profile, consents,
//! documents with every file version (decrypted), notifications, sign-ins and the activity log —
//! as one ZIP of JSON and files, streamed so that large scans never sit in memory.

use axum::Extension;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use futures_util::StreamExt;
use store::audit::Action;
use store::audit::{self, Actor, Entry};
use tokio::sync::mpsc;

use crate::features::documents::service::Assessor;
use crate::features::documents::views::document_view;
use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::context::RequestInfo;
use crate::web::download::{content_disposition, streamed};
use crate::web::errors::PageError;
use crate::web::routes::Routes;
use crate::zip::ZipWriter;

pub fn pages() -> Routes {
    Routes::new().route("/profile/export.zip", get(export))
}

/// One file of the archive: JSON made now, or a stored object to decrypt on the way.
enum Part {
    Json(String, serde_json::Value),
    Stored {
        name: String,
        key: String,
        wrapped: String,
        sha256: String,
    },
}

fn safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if matches!(c, '/' | '\\') || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect()
}

async fn parts(state: &AppState, user_id: &str) -> Result<Vec<Part>, PageError> {
    let profile = store::users::profile(&state.db, user_id)
        .await?
        .ok_or(PageError::NotFound)?;
    let mut out = vec![
        Part::Json(
            "profile.json".into(),
            serde_json::to_value(&profile).unwrap_or_default(),
        ),
        Part::Json(
            "consents.json".into(),
            serde_json::to_value(store::consents::for_user(&state.db, user_id).await?)
                .unwrap_or_default(),
        ),
    ];
    let assessor = Assessor::load(state, user_id).await?;
    let mut documents = Vec::new();
    for kept in ["active", "archived", "trashed"] {
        let filter = store::documents::Filter {
            state: kept.into(),
            ..Default::default()
        };
        for doc in store::documents::list(&state.db, user_id, &filter).await? {
            let files = {
                let mut conn = state.db.connection().await?;
                store::documents::files(&mut conn, user_id, &doc.id).await?
            };
            for f in &files {
                out.push(Part::Stored {
                    name: format!("files/{}/v{}-{}", doc.id, f.version, safe(&f.name)),
                    key: f.object_key.clone(),
                    wrapped: f.wrapped_key.clone(),
                    sha256: f.sha256.clone(),
                });
            }
            let lang = crate::web::i18n::Lang::from_code(&profile.locale).unwrap_or_default();
            documents.push(document_view(&assessor.assess(doc), &files, lang));
        }
    }
    out.push(Part::Json(
        "documents.json".into(),
        serde_json::to_value(&documents).unwrap_or_default(),
    ));
    let (inbox, _) = store::notifications::list(&state.db, user_id, false, 10_000, 0).await?;
    let (archived, _) = store::notifications::list(&state.db, user_id, true, 10_000, 0).await?;
    out.push(Part::Json(
        "notifications.json".into(),
        serde_json::json!({ "inbox": inbox, "archive": archived }),
    ));
    out.push(Part::Json(
        "subscriptions.json".into(),
        serde_json::to_value(store::subscriptions::for_user(&state.db, user_id).await?)
            .unwrap_or_default(),
    ));
    out.push(Part::Json(
        "sign-ins.json".into(),
        serde_json::to_value(store::logins::for_user(&state.db, user_id, 10_000).await?)
            .unwrap_or_default(),
    ));
    let (records, _) =
        store::audit::journal(&state.db, user_id, None, None, None, 100_000, 0).await?;
    let journal: Vec<serde_json::Value> = records
        .iter()
        .map(|r| {
            serde_json::json!({
                "at": r.at.to_string(), "action": r.action, "by": r.actor_kind,
                "object": r.object_kind, "object_id": r.object_id, "ip": r.ip,
            })
        })
        .collect();
    out.push(Part::Json(
        "activity-log.json".into(),
        serde_json::Value::from(journal),
    ));
    Ok(out)
}

/// Writes the archive into the channel; a failure ends the stream with an error, so the
/// download fails visibly instead of ending in a truncated file.
async fn write(state: AppState, parts: Vec<Part>, tx: mpsc::Sender<Result<Bytes, std::io::Error>>) {
    let result: Result<(), std::io::Error> = async {
        let mut zip = ZipWriter::default();
        let send = |b: Bytes| {
            let tx = tx.clone();
            async move {
                tx.send(Ok(b))
                    .await
                    .map_err(|_| std::io::Error::other("the download was cancelled"))
            }
        };
        for part in parts {
            match part {
                Part::Json(name, value) => {
                    send(zip.start(&name).map_err(std::io::Error::other)?).await?;
                    let body = serde_json::to_vec_pretty(&value).map_err(std::io::Error::other)?;
                    send(zip.data(Bytes::from(body)).map_err(std::io::Error::other)?).await?;
                }
                Part::Stored {
                    name,
                    key,
                    wrapped,
                    sha256,
                } => {
                    send(zip.start(&name).map_err(std::io::Error::other)?).await?;
                    let mut stream = state
                        .vault
                        .read(&key, &wrapped, &sha256)
                        .await
                        .map_err(std::io::Error::other)?;
                    while let Some(chunk) = stream.next().await {
                        let chunk = chunk.map_err(std::io::Error::other)?;
                        send(zip.data(chunk).map_err(std::io::Error::other)?).await?;
                    }
                }
            }
            send(zip.finish_entry().map_err(std::io::Error::other)?).await?;
        }
        send(zip.finish().map_err(std::io::Error::other)?).await
    }
    .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "personal data export stopped");
        let _ = tx.send(Err(e)).await;
    }
}

async fn export(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: SignedIn,
) -> Result<Response, PageError> {
    let user_id = user.user().id.clone();
    let parts = parts(&state, &user_id).await?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let e = Entry::new(
        Actor::User {
            id: user_id.clone(),
            role: user.user().role.as_str().to_owned(),
        },
        Action::PersonalDataExported,
    )
    .subject(&user_id)
    .from_request(info.ip.clone(), Some(user.0.id.clone()));
    audit::append(&mut tx, &e, now).await?;
    tx.commit().await.map_err(store::StoreError::from)?;

    let (sender, receiver) = mpsc::channel(8);
    tokio::spawn(write(state.clone(), parts, sender));
    let stream = futures_util::stream::unfold(receiver, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                content_disposition("attachment", "мои-данные-кабинет.zip"),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        streamed(stream),
    )
        .into_response())
}
