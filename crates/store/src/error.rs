use sqlx::migrate::MigrateError;

/// Errors of the storage layer. The web layer maps them to HTTP once; their text is for logs and
/// operators, never for citizens.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL {0:?}: expected sqlite:<path> or postgres://…")]
    UnsupportedUrl(String),
    #[error("cannot open the database at {url}: {source}")]
    Unreachable {
        url: String,
        #[source]
        source: sqlx::Error,
    },
    #[error(
        "the database has migration {0} that this kabinet does not know: it was written by a newer version; upgrade kabinet or restore a matching backup"
    )]
    SchemaTooNew(i64),
    #[error("database migration failed: {0}")]
    Migrate(#[source] MigrateError),
    #[error("a record with the same unique value already exists")]
    UniqueViolation,
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    #[error("not possible on this database: {0}")]
    Unsupported(&'static str),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        // The error kind, not the constraint name: SQLite does not report constraint names.
        if let Some(db) = err.as_database_error()
            && db.is_unique_violation()
        {
            return StoreError::UniqueViolation;
        }
        StoreError::Database(err)
    }
}

impl From<MigrateError> for StoreError {
    fn from(err: MigrateError) -> Self {
        match err {
            MigrateError::VersionMissing(v) => StoreError::SchemaTooNew(v),
            other => StoreError::Migrate(other),
        }
    }
}
