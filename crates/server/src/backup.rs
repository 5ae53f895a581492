//! Backups and their restore: `kabinet backup DIR`, `kabinet backup --verify DIR`,
//! `kabinet restore DIR`, and the daily backup the worker makes when `backup.dir` is set.
//!
//! A backup is a folder: the database (`kabinet.db`, a consistent copy made with `VACUUM INTO`
//! while the service runs; on PostgreSQL `kabinet.dump` from `pg_dump`), `files/<object key>` —
//! the stored objects as they are, still encrypted, so that making a backup needs no key — the
//! master key only when asked, and `manifest.json` with the size and SHA-256 of each, written
//! last: a folder without a manifest is not a backup. The database is copied first and then
//! exactly the objects its rows name, so a backup never has a row without its file.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use store::objects::ObjectError;
use store::{Db, Dialect, StoreError};

use crate::config::Config;
use crate::keys::{KeyError, MasterKey};
use crate::state::AppState;

pub const MANIFEST: &str = "manifest.json";
const FORMAT: u32 = 1;
const SQLITE_FILE: &str = "kabinet.db";
const DUMP_FILE: &str = "kabinet.dump";
const KEY_FILE: &str = "master.key";
const FILES: &str = "files";
/// The daily backup job (the worker runs it when `backup.dir` is set).
pub const DAILY_JOB: &str = "backup.daily";

/// What a backup holds, with the size and SHA-256 of every file in it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// The version of kabinet that made it.
    pub kabinet: String,
    pub created_at: String,
    /// `sqlite` or `postgres`.
    pub engine: String,
    pub schema_version: i64,
    pub database: Entry,
    pub files: Vec<Entry>,
    pub master_key: Option<Entry>,
}

/// One file of a backup, by its path inside the backup folder.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

impl Manifest {
    pub fn bytes(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum::<u64>() + self.database.size
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The request cannot be carried out as asked (a folder not empty, a key missing): the
    /// message says what to do instead.
    #[error("{0}")]
    Refused(String),
    #[error("the backup is damaged: {0}")]
    Damaged(String),
    #[error("{path}: {source}")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Tool(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Objects(#[from] ObjectError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Startup(#[from] Box<crate::app::StartupError>),
}

fn file_err(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::File {
        path: path.to_owned(),
        source,
    }
}

/// Size and SHA-256 of a file, read in pieces.
fn digest(path: &Path) -> Result<(u64, String), BackupError> {
    let mut file = std::fs::File::open(path).map_err(file_err(path))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0_u8; 256 * 1024];
    let mut size = 0_u64;
    loop {
        let n = file.read(&mut buffer).map_err(file_err(path))?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(&buffer[..n]);
    }
    Ok((size, store::hex(&hasher.finalize())))
}

fn entry(dir: &Path, path: &str) -> Result<Entry, BackupError> {
    let (size, sha256) = digest(&dir.join(path))?;
    Ok(Entry {
        path: path.to_owned(),
        size,
        sha256,
    })
}

/// A folder that does not exist yet, or is empty: a backup never mixes with other files.
fn empty_folder(dir: &Path) -> Result<(), BackupError> {
    std::fs::create_dir_all(dir).map_err(file_err(dir))?;
    let mut entries = std::fs::read_dir(dir).map_err(file_err(dir))?;
    if entries.next().is_some() {
        return Err(BackupError::Refused(format!(
            "{} is not empty: a backup goes into a new or empty folder",
            dir.display()
        )));
    }
    Ok(())
}

/// Makes a backup of the running installation into `dir` (new or empty).
pub async fn create(
    state: &AppState,
    dir: &Path,
    with_master_key: bool,
) -> Result<Manifest, BackupError> {
    empty_folder(dir)?;
    let (_, schema_version) = state.db.schema_versions().await?;
    let (database, keys) = match state.db.dialect() {
        Dialect::Sqlite => {
            let copy = dir.join(SQLITE_FILE);
            state.db.copy_sqlite_into(&copy).await?;
            // The objects the copy's rows name — not the live database's, which moved on.
            let db = Db::open_read_only(&copy).await?;
            let keys = store::documents::all_object_keys(&db).await;
            db.close().await;
            (entry(dir, SQLITE_FILE)?, keys?)
        }
        Dialect::Postgres => {
            pg_dump(state.config.database_url().expose(), &dir.join(DUMP_FILE))?;
            // Rows added during the dump are in it; their objects are listed after it.
            let keys = store::documents::all_object_keys(&state.db).await?;
            (entry(dir, DUMP_FILE)?, keys)
        }
    };
    let mut files = Vec::with_capacity(keys.len());
    for key in keys {
        let path = format!("{FILES}/{key}");
        match state.vault.export_raw(&key, &dir.join(&path)).await {
            Ok((size, sha256)) => files.push(Entry { path, size, sha256 }),
            Err(ObjectError::Missing(_)) if state.db.dialect() == Dialect::Postgres => {
                // Deleted for good (a purge) between the dump and now.
                tracing::warn!(object = %key, "object deleted while the backup ran; not in it");
            }
            Err(ObjectError::Missing(_)) => {
                return Err(BackupError::Refused(format!(
                    "the file {key} was deleted while the backup ran: run it again"
                )));
            }
            Err(e) => return Err(e.into()),
        }
    }
    let master_key = if with_master_key {
        let key = MasterKey::load_or_create(&state.config)?.0;
        key.save(&dir.join(KEY_FILE))?;
        Some(entry(dir, KEY_FILE)?)
    } else {
        None
    };
    let manifest = Manifest {
        format: FORMAT,
        kabinet: env!("CARGO_PKG_VERSION").to_owned(),
        created_at: state.now().to_string(),
        engine: state.db.dialect().name().to_owned(),
        schema_version: schema_version.unwrap_or(0),
        database,
        files,
        master_key,
    };
    write_manifest(dir, &manifest)?;
    Ok(manifest)
}

fn write_manifest(dir: &Path, manifest: &Manifest) -> Result<(), BackupError> {
    let text = serde_json::to_vec_pretty(manifest)
        .map_err(|e| BackupError::Tool(format!("manifest: {e}")))?;
    let partial = dir.join(format!("{MANIFEST}.partial"));
    std::fs::write(&partial, text).map_err(file_err(&partial))?;
    std::fs::File::open(&partial)
        .and_then(|f| f.sync_all())
        .map_err(file_err(&partial))?;
    let done = dir.join(MANIFEST);
    std::fs::rename(&partial, &done).map_err(file_err(&done))
}

fn read_manifest(dir: &Path) -> Result<Manifest, BackupError> {
    let path = dir.join(MANIFEST);
    let text = match std::fs::read(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(BackupError::Damaged(format!(
                "{} has no {MANIFEST}: it is not a backup, or one that did not finish",
                dir.display()
            )));
        }
        Err(e) => return Err(file_err(&path)(e)),
    };
    let manifest: Manifest = serde_json::from_slice(&text)
        .map_err(|e| BackupError::Damaged(format!("{MANIFEST} does not read: {e}")))?;
    if manifest.format != FORMAT {
        return Err(BackupError::Refused(format!(
            "the backup's format {} is not known to this kabinet (it knows {FORMAT})",
            manifest.format
        )));
    }
    Ok(manifest)
}

/// What a verified backup holds.
#[derive(Debug)]
pub struct Verified {
    pub manifest: Manifest,
    /// Records of the audit log whose chains verified (SQLite backups).
    pub audit_records: Option<u64>,
}

/// Checks a backup without restoring it: every file's size and SHA-256, and for SQLite the
/// copy's own integrity, that every file its rows name is in the backup, and its audit chains.
pub async fn verify(dir: &Path) -> Result<Verified, BackupError> {
    let manifest = read_manifest(dir)?;
    let listed = std::iter::once(&manifest.database)
        .chain(&manifest.files)
        .chain(&manifest.master_key);
    for expected in listed {
        let path = dir.join(&expected.path);
        if !path.is_file() {
            return Err(BackupError::Damaged(format!(
                "{} is missing",
                expected.path
            )));
        }
        let (size, sha256) = digest(&path)?;
        if size != expected.size || sha256 != expected.sha256 {
            return Err(BackupError::Damaged(format!(
                "{} differs from the manifest (size {size}, expected {})",
                expected.path, expected.size
            )));
        }
    }
    let audit_records = match manifest.engine.as_str() {
        "sqlite" => Some(verify_sqlite_copy(dir, &manifest).await?),
        _ => None,
    };
    Ok(Verified {
        manifest,
        audit_records,
    })
}

async fn verify_sqlite_copy(dir: &Path, manifest: &Manifest) -> Result<u64, BackupError> {
    let db = Db::open_read_only(&dir.join(&manifest.database.path)).await?;
    let outcome = async {
        if let Some(damage) = db.sqlite_damage().await? {
            return Err(BackupError::Damaged(format!("the database copy: {damage}")));
        }
        let present: std::collections::HashSet<&str> =
            manifest.files.iter().map(|f| f.path.as_str()).collect();
        for key in store::documents::all_object_keys(&db).await? {
            if !present.contains(format!("{FILES}/{key}").as_str()) {
                return Err(BackupError::Damaged(format!(
                    "the file {key} that the database names is not in the backup"
                )));
            }
        }
        let (checked, broken) = store::audit::verify(&db).await?;
        if let Some(b) = broken {
            return Err(BackupError::Damaged(format!(
                "audit log: shard {} record {}: {}",
                b.shard, b.seq, b.reason
            )));
        }
        Ok(checked)
    }
    .await;
    db.close().await;
    outcome
}

/// What a restore put in place.
#[derive(Debug)]
pub struct Restored {
    pub manifest: Manifest,
    pub files_checked: usize,
    pub audit_records: u64,
    pub master_key_written: Option<PathBuf>,
}

/// Restores a verified backup into the configured installation, which must be empty: on SQLite
/// the database file, then the files into the configured store; every file is read back with the
/// master key and checked against its SHA-256, and the audit chains are walked. On PostgreSQL the
/// database is restored with `pg_restore` first (the command says how), then this restores the
/// files.
pub async fn restore(config: Config, dir: &Path) -> Result<Restored, BackupError> {
    let verified = verify(dir).await?;
    let manifest = verified.manifest;
    // Decided before anything is written, so that a refusal leaves the target as it was.
    let key_to_write = master_key_to_write(&config, dir, &manifest)?;
    let is_sqlite_target = config.database_url().expose().starts_with("sqlite:");
    match (manifest.engine.as_str(), is_sqlite_target) {
        ("sqlite", true) => place_sqlite_copy(&config, dir, &manifest)?,
        ("postgres", false) => require_restored_dump(&config, dir).await?,
        (engine, _) => {
            return Err(BackupError::Refused(format!(
                "this backup is of a {engine} database and the configuration names another engine: \
                 restore it into the engine it came from"
            )));
        }
    }
    let master_key_written = match key_to_write {
        Some((key, target)) => {
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).map_err(file_err(parent))?;
            }
            key.save(&target)?;
            Some(target)
        }
        None => None,
    };
    let state = crate::app::open(config, std::sync::Arc::new(domain::SystemClock))
        .await
        .map_err(Box::new)?;
    for file in &manifest.files {
        let key = file
            .path
            .strip_prefix(&format!("{FILES}/"))
            .unwrap_or(&file.path);
        state.vault.import_raw(key, &dir.join(&file.path)).await?;
    }
    let files_checked = check_files(&state).await?;
    let (audit_records, broken) = store::audit::verify(&state.db).await?;
    if let Some(b) = broken {
        return Err(BackupError::Damaged(format!(
            "audit log after the restore: shard {} record {}: {}",
            b.shard, b.seq, b.reason
        )));
    }
    state.db.close().await;
    Ok(Restored {
        manifest,
        files_checked,
        audit_records,
        master_key_written,
    })
}

fn place_sqlite_copy(config: &Config, dir: &Path, manifest: &Manifest) -> Result<(), BackupError> {
    let target = store::db::sqlite_path(config.database_url().expose());
    if target.exists() {
        return Err(BackupError::Refused(format!(
            "{} exists: restore into an empty data folder (or move that database away first)",
            target.display()
        )));
    }
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).map_err(file_err(parent))?;
    }
    for stale in ["-wal", "-shm"] {
        let mut path = target.as_os_str().to_owned();
        path.push(stale);
        let _ = std::fs::remove_file(PathBuf::from(path));
    }
    let source = dir.join(&manifest.database.path);
    std::fs::copy(&source, &target).map_err(file_err(&target))?;
    Ok(())
}

async fn require_restored_dump(config: &Config, dir: &Path) -> Result<(), BackupError> {
    let url = config.database_url();
    let db = Db::connect(url.expose(), &store::db::DbOptions::default()).await?;
    let (_, applied) = db.schema_versions().await?;
    db.close().await;
    if applied.is_none() {
        let (conn, schema) = pg_tool_target(url.expose());
        let schema = schema.map(|s| format!(" --schema={s}")).unwrap_or_default();
        return Err(BackupError::Refused(format!(
            "restore the database first, then run this again for the files:\n  pg_restore --no-owner --dbname='{}'{schema} {}",
            store::db::redact_url(&conn),
            dir.join(DUMP_FILE).display()
        )));
    }
    Ok(())
}

/// The backup's master key and where the installation will look for it, unless a key is
/// configured; refuses when there is neither, rather than let a new key be generated that
/// could read none of the files.
fn master_key_to_write(
    config: &Config,
    dir: &Path,
    manifest: &Manifest,
) -> Result<Option<(MasterKey, PathBuf)>, BackupError> {
    if MasterKey::configured(config)?.is_some() {
        return Ok(None);
    }
    let Some(entry) = &manifest.master_key else {
        return Err(BackupError::Refused(format!(
            "this backup holds no master key and none is configured: put the installation's key \
             into {} (or set master_key / master_key_file) and run the restore again",
            config.data_dir.join(KEY_FILE).display()
        )));
    };
    let key = MasterKey::from_file(&dir.join(&entry.path))?;
    let target = config
        .master_key_file
        .clone()
        .unwrap_or_else(|| config.data_dir.join(KEY_FILE));
    Ok(Some((key, target)))
}

/// Reads every stored file back through the master key and its recorded SHA-256.
async fn check_files(state: &AppState) -> Result<usize, BackupError> {
    use futures_util::StreamExt;
    let stored = store::documents::all_stored(&state.db).await?;
    for (key, wrapped, sha256) in &stored {
        let mut stream = state
            .vault
            .read(key, wrapped, sha256)
            .await
            .map_err(|e| unreadable(key, &e))?;
        while let Some(chunk) = stream.next().await {
            chunk.map_err(|e| unreadable(key, &e))?;
        }
    }
    Ok(stored.len())
}

fn unreadable(key: &str, err: &ObjectError) -> BackupError {
    BackupError::Damaged(format!(
        "the file {key} does not read back ({err}): is the master key the installation's?"
    ))
}

/// The connection string and schema for `pg_dump` / `pg_restore`: sqlx's `options[...]`
/// parameters are not libpq's, so a `search_path` among them becomes `--schema`.
fn pg_tool_target(url: &str) -> (String, Option<String>) {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_owned(), None);
    };
    let mut schema = None;
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| {
            if let Some(value) = pair.strip_prefix("options[search_path]=") {
                schema = Some(value.to_owned());
                false
            } else {
                !pair.starts_with("options[")
            }
        })
        .collect();
    let conn = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    (conn, schema)
}

/// `postgres://user:secret@host/db` → (`postgres://user@host/db`, the decoded secret).
fn without_password(url: &str) -> (String, Option<String>) {
    let Some((scheme, rest)) = url.split_once("://") else {
        return (url.to_owned(), None);
    };
    let Some((credentials, place)) = rest.split_once('@') else {
        return (url.to_owned(), None);
    };
    let Some((user, secret)) = credentials.split_once(':') else {
        return (url.to_owned(), None);
    };
    (
        format!("{scheme}://{user}@{place}"),
        Some(percent_decoded(secret)),
    )
}

fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn pg_dump(url: &str, dest: &Path) -> Result<(), BackupError> {
    let (conn, schema) = pg_tool_target(url);
    let mut command = std::process::Command::new("pg_dump");
    command
        .arg("--format=custom")
        .arg("--no-owner")
        .arg(format!("--file={}", dest.display()));
    if let Some(schema) = &schema {
        command.arg(format!("--schema={schema}"));
    }
    // The password goes to pg_dump's environment, not its arguments that `ps` shows.
    let (conn, password) = without_password(&conn);
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    command.arg(format!("--dbname={conn}"));
    let output = command.output().map_err(|e| {
        BackupError::Tool(format!(
            "pg_dump is needed for a backup of PostgreSQL and could not run ({e}). Install the \
             PostgreSQL client (apt-get install postgresql-client), or back up with \
             `pg_dump -Fc` and the bucket yourself (docs/operations.md)"
        ))
    })?;
    if !output.status.success() {
        return Err(BackupError::Tool(format!(
            "pg_dump failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(())
}

/// The daily backup: a new folder `kabinet-<time>` under `backup.dir` (built as `.partial` and
/// renamed when complete), then only the newest `backup.keep` are kept.
pub async fn scheduled(state: &AppState) -> Result<Option<PathBuf>, BackupError> {
    let Some(root) = state.config.backup.dir.clone() else {
        return Ok(None);
    };
    std::fs::create_dir_all(&root).map_err(file_err(&root))?;
    let stamp = state.now().strftime("%Y%m%dT%H%M%SZ").to_string();
    let name = format!("kabinet-{stamp}");
    let done = root.join(&name);
    if done.join(MANIFEST).is_file() {
        return Ok(Some(done)); // made already, by a run of the same second
    }
    let partial = root.join(format!("{name}.partial"));
    if partial.exists() {
        std::fs::remove_dir_all(&partial).map_err(file_err(&partial))?;
    }
    create(state, &partial, false).await?;
    std::fs::rename(&partial, &done).map_err(file_err(&done))?;
    prune(&root, state.config.backup.keep as usize)?;
    Ok(Some(done))
}

/// The daily backup job; without `backup.dir` it does nothing.
pub async fn daily_job(
    state: AppState,
    _job: store::jobs::ClaimedJob,
) -> Result<(), crate::worker::JobError> {
    match scheduled(&state).await {
        Ok(Some(dir)) => {
            tracing::info!(backup = %dir.display(), "daily backup written");
            Ok(())
        }
        Ok(None) => Ok(()),
        Err(e) => Err(crate::worker::JobError::Retry(e.to_string())),
    }
}

/// Removes all but the newest `keep` complete backups, and unfinished ones left by a crash.
fn prune(root: &Path, keep: usize) -> Result<(), BackupError> {
    let mut complete = Vec::new();
    for entry in std::fs::read_dir(root).map_err(file_err(root))?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with("kabinet-") {
            continue;
        }
        if name.ends_with(".partial") {
            let _ = std::fs::remove_dir_all(entry.path());
        } else if entry.path().join(MANIFEST).is_file() {
            complete.push(name);
        }
    }
    complete.sort();
    let excess = complete.len().saturating_sub(keep);
    for name in &complete[..excess] {
        let path = root.join(name);
        std::fs::remove_dir_all(&path).map_err(file_err(&path))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlx_options_become_a_schema_for_the_postgres_tools() {
        assert_eq!(
            pg_tool_target("postgres://u:p@h/db?options[search_path]=t_1&sslmode=require"),
            (
                "postgres://u:p@h/db?sslmode=require".to_owned(),
                Some("t_1".to_owned())
            )
        );
        assert_eq!(
            pg_tool_target("postgres://u:p@h/db"),
            ("postgres://u:p@h/db".to_owned(), None)
        );
    }

    #[test]
    fn the_password_leaves_the_url_for_the_environment() {
        assert_eq!(
            without_password("postgres://kabinet:p%40ss%3Aw@db:5432/k"),
            (
                "postgres://kabinet@db:5432/k".to_owned(),
                Some("p@ss:w".to_owned())
            )
        );
        assert_eq!(
            without_password("postgres://kabinet@db/k"),
            ("postgres://kabinet@db/k".to_owned(), None)
        );
    }

    #[test]
    fn only_the_newest_complete_backups_are_kept() {
        let root = std::env::temp_dir().join(format!("kabinet-prune-{}", store::new_id()));
        for name in [
            "kabinet-1",
            "kabinet-2",
            "kabinet-3",
            "kabinet-4.partial",
            "other",
        ] {
            std::fs::create_dir_all(root.join(name)).expect("dir");
            if !name.ends_with("partial") {
                std::fs::write(root.join(name).join(MANIFEST), "{}").expect("manifest");
            }
        }
        std::fs::create_dir_all(root.join("kabinet-0")).expect("no manifest");
        prune(&root, 2).expect("pruned");
        let mut left: Vec<String> = std::fs::read_dir(&root)
            .expect("dir")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["kabinet-0", "kabinet-2", "kabinet-3", "other"]);
        let _ = std::fs::remove_dir_all(&root);
    }
}
