//! Receiving files: streamed through the checks (type by content, size, readable images) into
//! the vault, their rows, and their names as shown.

use super::*;

/// A file that passed the checks and is stored (encrypted), not yet recorded.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub name: String,
    pub stored: Stored,
    pub inspection: Inspection,
}

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("refused: {0:?}")]
    Refused(inspect::Problem, String),
    #[error("the upload was interrupted")]
    Interrupted,
    #[error(transparent)]
    Objects(#[from] ObjectError),
}

impl UploadError {
    pub fn problem(&self) -> Problem {
        match self {
            UploadError::Refused(p, name) => Problem::new("files", p.code(), p.text(name)),
            UploadError::Interrupted => Problem::new(
                "files",
                "interrupted",
                Text::new(
                    "Загрузка файла прервалась. Попробуйте ещё раз",
                    "The upload was interrupted. Try again",
                ),
            ),
            UploadError::Objects(_) => Problem::new(
                "files",
                "storage",
                Text::new(
                    "Файл не удалось сохранить. Попробуйте позже",
                    "The file could not be saved. Try again later",
                ),
            ),
        }
    }
}

/// A file name safe to show and to put in a download header: no path, no control characters.
pub fn clean_name(raw: &str, inspection: &Inspection) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(120)
        .collect();
    let cleaned = cleaned.trim().to_owned();
    if cleaned.is_empty() || cleaned.starts_with('.') {
        format!("file.{}", inspection.file_type.extension())
    } else {
        cleaned
    }
}

/// Streams one file through the checks into the encrypted store. On any refusal or failure the
/// partial object is removed before returning.
pub async fn receive<S, E>(
    state: &AppState,
    kind: &Kind,
    name: &str,
    mut body: S,
) -> Result<Incoming, UploadError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
{
    let key = format!("files/{}", store::new_id());
    let mut upload = state.vault.create(&key).await?;
    let mut inspector = Inspector::new(kind.max_file_bytes);
    let outcome: Result<Inspection, UploadError> = async {
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|_| UploadError::Interrupted)?;
            inspector
                .feed(&chunk)
                .map_err(|p| UploadError::Refused(p, name.to_owned()))?;
            upload.write(&chunk).await?;
        }
        inspector
            .finish()
            .map_err(|p| UploadError::Refused(p, name.to_owned()))
    }
    .await;
    match outcome {
        Ok(inspection) => {
            let stored = upload.finish().await?;
            Ok(Incoming {
                name: clean_name(name, &inspection),
                stored,
                inspection,
            })
        }
        Err(e) => {
            upload.abort().await;
            Err(e)
        }
    }
}

/// Removes stored objects that will not be recorded (a form with errors, a failed transaction).
pub async fn discard(state: &AppState, files: &[Incoming]) {
    for f in files {
        if let Err(e) = state.vault.delete(&f.stored.object_key).await {
            tracing::warn!(error = %e, object = %f.stored.object_key, "could not remove an unrecorded object");
        }
    }
}

pub(super) fn file_row(
    document_id: &str,
    f: &Incoming,
    lineage: Option<(&str, i64)>,
    now: Timestamp,
) -> FileRow {
    let id = store::new_id();
    let (lineage, version) = match lineage {
        Some((l, v)) => (l.to_owned(), v),
        None => (id.clone(), 1),
    };
    FileRow {
        id,
        document_id: document_id.to_owned(),
        lineage,
        version,
        current: true,
        name: f.name.clone(),
        content_type: f.inspection.file_type.mime().to_owned(),
        size: i64::try_from(f.stored.size).unwrap_or(i64::MAX),
        sha256: f.stored.sha256.clone(),
        object_key: f.stored.object_key.clone(),
        wrapped_key: f.stored.wrapped_key.clone(),
        width: f.inspection.width.map(i64::from),
        height: f.inspection.height.map(i64::from),
        pages: None,
        created_at: now,
    }
}
