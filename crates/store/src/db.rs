//! The database handle: which engine, the pool, transactions and migrations.

use std::borrow::Cow;
use std::fs::File;
use std::path::PathBuf;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyPool, ConnectOptions, Connection, Executor};

use crate::error::StoreError;

/// A transaction on either engine. Every change and its audit record go through one.
pub type Tx = sqlx::Transaction<'static, sqlx::Any>;
/// A connection of the pool, for reads and single statements outside a transaction.
pub type Conn = sqlx::pool::PoolConnection<sqlx::Any>;

/// The SQL engine behind a [`Db`]. Dialect differences are answered here and only here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// The engine named by a database URL's scheme.
    pub fn from_url(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Dialect::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Dialect::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl(redact_url(url)))
        }
    }

    /// Locks the selected rows until the transaction ends. SQLite needs nothing: a write
    /// transaction (`BEGIN IMMEDIATE`) already holds the database's only write lock.
    pub fn for_update(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE",
        }
    }

    /// Like [`Dialect::for_update`], but rows another transaction holds are passed over: the job
    /// queue's claim, so that many workers never wait on each other.
    pub fn for_update_skip_locked(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
        }
    }
}

/// Pool settings from configuration.
#[derive(Debug, Clone)]
pub struct DbOptions {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(10),
        }
    }
}

/// The database: a connection pool and the engine it speaks to. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    dialect: Dialect,
    sqlite_file: Option<PathBuf>,
}

impl Db {
    /// Opens the pool. SQLite gets WAL, foreign keys, a busy timeout and `synchronous=NORMAL`;
    /// the database file is created when missing.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn connect(url: &str, options: &DbOptions) -> Result<Db, StoreError> {
        sqlx::any::install_default_drivers();
        let dialect = Dialect::from_url(url)?;
        let unreachable = |source| StoreError::Unreachable {
            url: redact_url(url),
            source,
        };
        let connect_options: AnyConnectOptions = url.parse().map_err(unreachable)?;
        let connect_options = connect_options.disable_statement_logging();

        let sqlite_file = match dialect {
            Dialect::Sqlite => {
                // WAL is a property of the file: set it once, before the pool opens.
                set_wal(&connect_options).await.map_err(unreachable)?;
                Some(sqlite_path(url))
            }
            Dialect::Postgres => None,
        };

        let pool = AnyPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            // A connection to a local SQLite file does not go stale, and the ping before each
            // use is one more round trip to the connection's thread: it cost a third of a
            // signed-in page (measured with perf on the home page). PostgreSQL connections can
            // die with the server or a failover, so they are still tested.
            .test_before_acquire(dialect == Dialect::Postgres)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if dialect == Dialect::Sqlite {
                        // Safe with WAL (no corruption on power loss, at most the last commits).
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(connect_options)
            .await
            .map_err(unreachable)?;

        Ok(Db {
            pool,
            dialect,
            sqlite_file,
        })
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A connection for reads, or for one statement that needs no transaction.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn connection(&self) -> Result<Conn, StoreError> {
        Ok(self.pool.acquire().await?)
    }

    /// A transaction that will write. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so that it waits for the busy timeout instead of failing when it
    /// upgrades from reading to writing while another connection writes.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        let tx = match self.dialect {
            Dialect::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Dialect::Postgres => self.pool.begin().await?,
        };
        Ok(tx)
    }

    /// Is the database answering? For `/readyz`.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn ping(&self, timeout: Duration) -> bool {
        let probe = sqlx::query("SELECT 1").execute(&self.pool);
        matches!(tokio::time::timeout(timeout, probe).await, Ok(Ok(_)))
    }

    /// Applies pending migrations. Safe when several nodes start at once: PostgreSQL takes an
    /// advisory lock; SQLite takes a file lock beside the database.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let migrator = migrator(self.dialect);
        let _guard = match &self.sqlite_file {
            Some(db_file) => Some(lock_file_beside(db_file).await?),
            None => None,
        };
        migrator.run(&self.pool).await?;
        Ok(())
    }

    /// The newest migration version this binary knows and the one the database has.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn schema_versions(&self) -> Result<(i64, Option<i64>), StoreError> {
        let known = MIGRATIONS.last().map(|m| m.0).unwrap_or(0);
        let applied: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_one(&self.pool)
                .await
                .ok()
                .flatten();
        Ok((known, applied))
    }

    /// Opens a SQLite file that must not change — a backup's copy — read-only, as it is (no WAL
    /// switch, no locks).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn open_read_only(path: &std::path::Path) -> Result<Db, StoreError> {
        sqlx::any::install_default_drivers();
        let url = format!("sqlite://{}?mode=ro&immutable=1", path.display());
        let unreachable = |source| StoreError::Unreachable {
            url: url.clone(),
            source,
        };
        let options: AnyConnectOptions = url.parse().map_err(unreachable)?;
        let pool = AnyPoolOptions::new()
            .max_connections(1)
            .connect_with(options.disable_statement_logging())
            .await
            .map_err(unreachable)?;
        Ok(Db {
            pool,
            dialect: Dialect::Sqlite,
            sqlite_file: None,
        })
    }

    /// Writes a consistent copy of a SQLite database into the new file `dest` while it is in
    /// use (`VACUUM INTO`: one read transaction, so writers go on). PostgreSQL has its own tools.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn copy_sqlite_into(&self, dest: &std::path::Path) -> Result<(), StoreError> {
        if self.dialect != Dialect::Sqlite {
            return Err(StoreError::Unsupported(
                "a file copy of a PostgreSQL database",
            ));
        }
        let target = dest.to_string_lossy().replace('\'', "''");
        sqlx::query(sqlx::AssertSqlSafe(format!("VACUUM INTO '{target}'")))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// SQLite's own check of every page and index: `None` when intact, else what it found.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn sqlite_damage(&self) -> Result<Option<String>, StoreError> {
        let found: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(&self.pool)
            .await?;
        Ok((found != ["ok"]).then(|| found.join("; ")))
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Puts the SQLite file in WAL mode. Changing the journal mode needs a lock that the busy timeout
/// does not wait for, so when several nodes open a new file at once the loser retries briefly.
async fn set_wal(options: &AnyConnectOptions) -> Result<(), sqlx::Error> {
    let mut attempt = 0;
    loop {
        let outcome = async {
            let mut conn = sqlx::AnyConnection::connect_with(options).await?;
            let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
                .fetch_one(&mut conn)
                .await?;
            if !mode.eq_ignore_ascii_case("wal") {
                conn.execute("PRAGMA journal_mode = WAL").await?;
            }
            conn.close().await
        }
        .await;
        match outcome {
            Err(sqlx::Error::Database(e)) if attempt < 50 && e.message().contains("locked") => {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            other => return other,
        }
    }
}

/// Paired migration files: the same version and name for each engine (a test checks the pairs).
const MIGRATIONS: &[(i64, &str, &str, &str)] = &[
    (
        1,
        "foundation",
        include_str!("../migrations/sqlite/0001_foundation.sql"),
        include_str!("../migrations/postgres/0001_foundation.sql"),
    ),
    (
        2,
        "accounts",
        include_str!("../migrations/sqlite/0002_accounts.sql"),
        include_str!("../migrations/postgres/0002_accounts.sql"),
    ),
    (
        3,
        "documents",
        include_str!("../migrations/sqlite/0003_documents.sql"),
        include_str!("../migrations/postgres/0003_documents.sql"),
    ),
    (
        4,
        "notifications",
        include_str!("../migrations/sqlite/0004_notifications.sql"),
        include_str!("../migrations/postgres/0004_notifications.sql"),
    ),
    (
        5,
        "security",
        include_str!("../migrations/sqlite/0005_security.sql"),
        include_str!("../migrations/postgres/0005_security.sql"),
    ),
    (
        6,
        "second_factor",
        include_str!("../migrations/sqlite/0006_second_factor.sql"),
        include_str!("../migrations/postgres/0006_second_factor.sql"),
    ),
    (
        7,
        "account_deletion",
        include_str!("../migrations/sqlite/0007_account_deletion.sql"),
        include_str!("../migrations/postgres/0007_account_deletion.sql"),
    ),
    (
        8,
        "passkeys",
        include_str!("../migrations/sqlite/0008_passkeys.sql"),
        include_str!("../migrations/postgres/0008_passkeys.sql"),
    ),
    (
        9,
        "subscriptions",
        include_str!("../migrations/sqlite/0009_subscriptions.sql"),
        include_str!("../migrations/postgres/0009_subscriptions.sql"),
    ),
    (
        10,
        "reminder_days",
        include_str!("../migrations/sqlite/0010_reminder_days.sql"),
        include_str!("../migrations/postgres/0010_reminder_days.sql"),
    ),
    (
        11,
        "push",
        include_str!("../migrations/sqlite/0011_push.sql"),
        include_str!("../migrations/postgres/0011_push.sql"),
    ),
    (
        12,
        "documents_version",
        include_str!("../migrations/sqlite/0012_documents_version.sql"),
        include_str!("../migrations/postgres/0012_documents_version.sql"),
    ),
    (
        13,
        "reminder_claims",
        include_str!("../migrations/sqlite/0013_reminder_claims.sql"),
        include_str!("../migrations/postgres/0013_reminder_claims.sql"),
    ),
    (
        14,
        "reminder_queue",
        include_str!("../migrations/sqlite/0014_reminder_queue.sql"),
        include_str!("../migrations/postgres/0014_reminder_queue.sql"),
    ),
    (
        15,
        "unread_index",
        include_str!("../migrations/sqlite/0015_unread_index.sql"),
        include_str!("../migrations/postgres/0015_unread_index.sql"),
    ),
    (
        16,
        "owner_scoped_search",
        include_str!("../migrations/sqlite/0016_owner_scoped_search.sql"),
        include_str!("../migrations/postgres/0016_owner_scoped_search.sql"),
    ),
    (
        17,
        "catalogue",
        include_str!("../migrations/sqlite/0017_catalogue.sql"),
        include_str!("../migrations/postgres/0017_catalogue.sql"),
    ),
    (
        18,
        "applications",
        include_str!("../migrations/sqlite/0018_applications.sql"),
        include_str!("../migrations/postgres/0018_applications.sql"),
    ),
    (
        19,
        "agency_work",
        include_str!("../migrations/sqlite/0019_agency_work.sql"),
        include_str!("../migrations/postgres/0019_agency_work.sql"),
    ),
    (
        20,
        "agency_systems",
        include_str!("../migrations/sqlite/0020_agency_systems.sql"),
        include_str!("../migrations/postgres/0020_agency_systems.sql"),
    ),
    (
        21,
        "corrections_templates",
        include_str!("../migrations/sqlite/0021_corrections_templates.sql"),
        include_str!("../migrations/postgres/0021_corrections_templates.sql"),
    ),
];

fn migrator(dialect: Dialect) -> Migrator {
    let migrations: Vec<Migration> = MIGRATIONS
        .iter()
        .map(|&(version, name, sqlite, postgres)| {
            let sql = match dialect {
                Dialect::Sqlite => sqlite,
                Dialect::Postgres => postgres,
            };
            Migration::new(
                version,
                Cow::Borrowed(name),
                MigrationType::Simple,
                sqlx::SqlStr::from_static(sql),
                false,
            )
        })
        .collect();
    Migrator {
        migrations: Cow::Owned(migrations),
        ..Migrator::DEFAULT
    }
}

/// The file path inside a `sqlite:` URL (without the scheme and query).
/// The file of a `sqlite:` URL.
pub fn sqlite_path(url: &str) -> PathBuf {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let path = rest.split('?').next().unwrap_or(rest);
    PathBuf::from(path)
}

async fn lock_file_beside(db_file: &std::path::Path) -> Result<File, StoreError> {
    let mut lock_path = db_file.as_os_str().to_owned();
    lock_path.push(".migrate-lock");
    let lock_path = PathBuf::from(lock_path);
    tokio::task::spawn_blocking(move || {
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)?;
        file.lock()?;
        Ok::<File, std::io::Error>(file)
    })
    .await
    .map_err(|e| StoreError::Corrupt(format!("migration lock task failed: {e}")))?
    .map_err(|e| StoreError::Corrupt(format!("cannot lock the database for migration: {e}")))
}

/// A database URL safe to print: the password replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dialect_follows_the_url_scheme() {
        assert_eq!(
            Dialect::from_url("sqlite://data/k.db").ok(),
            Some(Dialect::Sqlite)
        );
        assert_eq!(
            Dialect::from_url("postgres://u@h/db").ok(),
            Some(Dialect::Postgres)
        );
        assert_eq!(
            Dialect::from_url("postgresql://u@h/db").ok(),
            Some(Dialect::Postgres)
        );
        let err = Dialect::from_url("mysql://root:hunter2@h/db").expect_err("mysql is refused");
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[test]
    fn urls_print_without_their_password() {
        assert_eq!(
            redact_url("postgres://kabinet:s3cret@db:5432/kabinet"),
            "postgres://kabinet:***@db:5432/kabinet"
        );
        assert_eq!(redact_url("sqlite://data/k.db"), "sqlite://data/k.db");
    }

    #[test]
    fn sqlite_paths_come_out_of_urls() {
        assert_eq!(
            sqlite_path("sqlite://./data/k.db?mode=rwc"),
            PathBuf::from("./data/k.db")
        );
        assert_eq!(
            sqlite_path("sqlite:///abs/k.db"),
            PathBuf::from("/abs/k.db")
        );
    }

    #[test]
    fn every_migration_exists_for_both_engines_in_order() {
        let mut last = 0;
        for (version, name, sqlite, postgres) in MIGRATIONS {
            assert!(*version > last, "versions ascend");
            last = *version;
            assert!(!name.is_empty());
            assert!(!sqlite.trim().is_empty() && !postgres.trim().is_empty());
        }
        let files = |dir: &str| {
            let mut names: Vec<String> = std::fs::read_dir(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("migrations")
                    .join(dir),
            )
            .expect("migrations folder")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
            names.sort();
            names
        };
        assert_eq!(files("sqlite"), files("postgres"), "paired migration files");
        assert_eq!(
            files("sqlite").len(),
            MIGRATIONS.len(),
            "every file is embedded"
        );
    }
}
