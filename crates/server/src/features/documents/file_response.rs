//! The response that streams a stored file — decrypted and checked as it goes — for the page and
//! the API alike.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;

use super::service::{self, DocumentError};
use crate::state::AppState;
use crate::web::context::RequestMeta;
use crate::web::download::{content_disposition, streamed};

/// The file as a download (`inline` shows images in the browser instead).
pub async fn stream_file(
    state: &AppState,
    user: &store::users::UserSummary,
    id: &str,
    file_id: &str,
    meta: &RequestMeta,
    inline: bool,
) -> Result<Response, DocumentError> {
    let (file, stream) = service::open_file(state, user, id, file_id, inline, meta).await?;
    let body = streamed(stream.map(|r| {
        r.map_err(|e| {
            tracing::error!(error = %e, "stored file failed its check while streaming");
            std::io::Error::other(e)
        })
    }));
    let disposition = if inline && file.content_type.starts_with("image/") {
        "inline"
    } else {
        "attachment"
    };
    Ok((
        [
            (header::CONTENT_TYPE, file.content_type.clone()),
            (header::CONTENT_LENGTH, file.size.to_string()),
            (
                header::CONTENT_DISPOSITION,
                content_disposition(disposition, &file.name),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        body,
    )
        .into_response())
}
