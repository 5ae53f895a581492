//! Files at rest: an object store (a local folder by default, any S3-compatible service at scale)
//! holding each file encrypted with its own data key.
//!
//! Format of an object: a 9-byte header (`KBNE`, format version 1, plaintext chunk size as u32
//! big-endian) followed by frames, each a chunk of plaintext sealed with AES-256-GCM. A frame's
//! nonce is its index (u64 big-endian) followed by a flag that is 1 on the last frame, so frames
//! cannot be reordered, dropped or the object cut short without decryption failing (the STREAM
//! construction of Hoang, Reyhanitabar, Rogaway and Vizár). Every frame but the last holds exactly
//! one chunk; the last holds the rest, possibly nothing. Only one chunk is in memory at a time.
//!
//! The data key is random per file and stored only wrapped: sealed by the key-wrapping key (derived
//! from the master key) with the object's key as associated data, so a wrapped key cannot be moved
//! to another object.

use std::pin::Pin;
use std::sync::Arc;

use aes_gcm::aead::{Aead, KeyInit, Nonce, Payload};
use aes_gcm::{Aes256Gcm, Key};
use base64::Engine;
use bytes::{Bytes, BytesMut};
use futures_util::{Stream, StreamExt};
use object_store::multipart::MultipartStore;
use object_store::path::Path as ObjectPath;
use object_store::{MultipartUpload, ObjectStore, ObjectStoreExt, WriteMultipart};
use sha2::{Digest, Sha256};

use crate::hex;

const MAGIC: &[u8; 4] = b"KBNE";
const FORMAT: u8 = 1;
const HEADER_LEN: usize = 9;
/// Plaintext per frame. Small enough to keep memory flat, large enough that the 16-byte tags
/// cost 0.02%.
pub const CHUNK: usize = 64 * 1024;
const TAG: usize = 16;

#[derive(Debug, thiserror::Error)]
pub enum ObjectError {
    #[error("object store: {0}")]
    Store(#[from] object_store::Error),
    #[error("the stored object is damaged or was altered")]
    Corrupt,
    #[error("the file's checksum does not match the one recorded at upload")]
    Checksum,
    #[error("configuration: {0}")]
    Config(String),
    #[error("the object {0} is not in the store")]
    Missing(String),
    #[error("{path}: {source}")]
    File {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

/// Where objects live.
#[derive(Debug, Clone)]
pub enum Backend {
    Local {
        root: std::path::PathBuf,
    },
    S3 {
        bucket: String,
        region: String,
        endpoint: Option<String>,
        access_key_id: Option<String>,
        secret_access_key: Option<String>,
        allow_http: bool,
    },
}

/// The encrypted object store.
#[derive(Clone)]
pub struct Vault {
    store: Arc<dyn ObjectStore>,
    wrapping_key: [u8; 32],
    /// Multipart part size: S3 wants at least 5 MiB per part; a local folder is happy with less,
    /// which keeps memory low during uploads.
    part_size: usize,
    description: String,
    /// The folder of a local store: its temporary parts are removed by [`Vault::remove_stale_parts`].
    local_root: Option<std::path::PathBuf>,
    /// The bucket, for multipart uploads whose id is noted (see [`UPLOADS`]).
    s3: Option<Arc<object_store::aws::AmazonS3>>,
}

/// Where a bucket notes its uploads in progress: `.uploads/<object key>` holds the multipart
/// upload's id from its start to its end, so that one cut off by a crash (whose parts the
/// bucket keeps, invisible in its listing) is found and aborted once it is stale.
const UPLOADS: &str = ".uploads/";

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.description)
    }
}

/// What was stored: recorded beside the document so the file can be read back and checked.
#[derive(Debug, Clone)]
pub struct Stored {
    pub object_key: String,
    pub wrapped_key: String,
    pub sha256: String,
    pub size: u64,
}

fn nonce(index: u64, last: bool) -> Nonce<Aes256Gcm> {
    let mut n = [0u8; 12];
    n[..8].copy_from_slice(&index.to_be_bytes());
    n[11] = u8::from(last);
    Nonce::<Aes256Gcm>::from(n)
}

impl Vault {
    pub fn open(backend: &Backend, wrapping_key: [u8; 32]) -> Result<Self, ObjectError> {
        match backend {
            Backend::Local { root } => {
                std::fs::create_dir_all(root)
                    .map_err(|e| ObjectError::Config(format!("{}: {e}", root.display())))?;
                let store = object_store::local::LocalFileSystem::new_with_prefix(root)?
                    .with_automatic_cleanup(true);
                Ok(Self {
                    store: Arc::new(store),
                    wrapping_key,
                    part_size: 256 * 1024,
                    description: format!("local folder {}", root.display()),
                    local_root: Some(root.clone()),
                    s3: None,
                })
            }
            Backend::S3 {
                bucket,
                region,
                endpoint,
                access_key_id,
                secret_access_key,
                allow_http,
            } => {
                let mut builder = object_store::aws::AmazonS3Builder::from_env()
                    .with_bucket_name(bucket)
                    .with_region(region)
                    .with_allow_http(*allow_http);
                if let Some(endpoint) = endpoint {
                    builder = builder
                        .with_endpoint(endpoint)
                        .with_virtual_hosted_style_request(false);
                }
                if let Some(id) = access_key_id {
                    builder = builder.with_access_key_id(id);
                }
                if let Some(secret) = secret_access_key {
                    builder = builder.with_secret_access_key(secret);
                }
                let bucket_store = Arc::new(builder.build()?);
                Ok(Self {
                    store: bucket_store.clone(),
                    s3: Some(bucket_store),
                    wrapping_key,
                    part_size: 5 * 1024 * 1024,
                    description: format!(
                        "S3 bucket {bucket} at {}",
                        endpoint.as_deref().unwrap_or("AWS")
                    ),
                    local_root: None,
                })
            }
        }
    }

    fn wrap(&self, data_key: &[u8; 32], object_key: &str) -> String {
        let cipher = Aes256Gcm::new(&Key::<Aes256Gcm>::from(self.wrapping_key));
        let mut n = [0u8; 12];
        rand::fill(&mut n);
        let sealed = cipher
            .encrypt(
                &Nonce::<Aes256Gcm>::from(n),
                Payload {
                    msg: data_key,
                    aad: object_key.as_bytes(),
                },
            )
            .unwrap_or_default();
        let mut out = n.to_vec();
        out.extend_from_slice(&sealed);
        base64::engine::general_purpose::STANDARD.encode(out)
    }

    fn unwrap_key(&self, wrapped: &str, object_key: &str) -> Result<[u8; 32], ObjectError> {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(wrapped)
            .map_err(|_| ObjectError::Corrupt)?;
        if raw.len() < 12 {
            return Err(ObjectError::Corrupt);
        }
        let (n, sealed) = raw.split_at(12);
        let n: [u8; 12] = n.try_into().map_err(|_| ObjectError::Corrupt)?;
        let cipher = Aes256Gcm::new(&Key::<Aes256Gcm>::from(self.wrapping_key));
        let key = cipher
            .decrypt(
                &Nonce::<Aes256Gcm>::from(n),
                Payload {
                    msg: sealed,
                    aad: object_key.as_bytes(),
                },
            )
            .map_err(|_| ObjectError::Corrupt)?;
        key.try_into().map_err(|_| ObjectError::Corrupt)
    }

    /// Starts writing a new object under `object_key`.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn create(&self, object_key: &str) -> Result<Upload, ObjectError> {
        let path = ObjectPath::from(object_key);
        let (multipart, note): (Box<dyn MultipartUpload>, _) = match &self.s3 {
            Some(bucket) => {
                let id = bucket.create_multipart(&path).await?;
                let note = ObjectPath::from(format!("{UPLOADS}{object_key}"));
                if let Err(e) = self.store.put(&note, id.clone().into()).await {
                    let _ = bucket.abort_multipart(&path, &id).await;
                    return Err(e.into());
                }
                let upload = TrackedUpload {
                    bucket: bucket.clone(),
                    path: path.clone(),
                    id,
                    next: 0,
                    parts: Arc::default(),
                };
                (Box::new(upload), Some(note))
            }
            None => (self.store.put_multipart(&path).await?, None),
        };
        let mut writer = WriteMultipart::new_with_chunk_size(multipart, self.part_size);
        let mut header = Vec::with_capacity(HEADER_LEN);
        header.extend_from_slice(MAGIC);
        header.push(FORMAT);
        header.extend_from_slice(&(CHUNK as u32).to_be_bytes());
        writer.write(&header);
        let mut data_key = [0u8; 32];
        rand::fill(&mut data_key);
        Ok(Upload {
            writer,
            note: note.map(|n| (self.store.clone(), n)),
            cipher: Aes256Gcm::new(&Key::<Aes256Gcm>::from(data_key)),
            wrapped_key: self.wrap(&data_key, object_key),
            object_key: object_key.to_owned(),
            pending: BytesMut::with_capacity(CHUNK * 2),
            index: 0,
            hasher: Sha256::new(),
            size: 0,
        })
    }

    /// Reads an object back as a stream of plaintext chunks. The stream ends with an error if the
    /// object was altered or its content does not hash to `sha256`.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn read(
        &self,
        object_key: &str,
        wrapped_key: &str,
        sha256: &str,
    ) -> Result<PlainStream, ObjectError> {
        let data_key = self.unwrap_key(wrapped_key, object_key)?;
        let result = self.store.get(&ObjectPath::from(object_key)).await?;
        let reader = Reader {
            inner: result.into_stream().boxed(),
            cipher: Aes256Gcm::new(&Key::<Aes256Gcm>::from(data_key)),
            buffer: BytesMut::new(),
            header_seen: false,
            index: 0,
            hasher: Sha256::new(),
            expected: sha256.to_owned(),
            done: false,
        };
        Ok(futures_util::stream::unfold(reader, |mut r| async move {
            r.next_chunk().await.map(|item| (item, r))
        })
        .boxed())
    }

    /// Removes an object; one that is already gone counts as removed.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn delete(&self, object_key: &str) -> Result<(), ObjectError> {
        match self.store.delete(&ObjectPath::from(object_key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Whether an object exists (for tests and the consistency check).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn exists(&self, object_key: &str) -> Result<bool, ObjectError> {
        match self.store.head(&ObjectPath::from(object_key)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Removes the temporary parts of uploads that never finished (the process was killed
    /// mid-upload) once they are older than `age`: a local store writes an upload to
    /// `<key>#<n>` and renames it when it completes, and its listing never shows such names, so
    /// the orphan sweep alone would never see them. On S3 the same for multipart uploads, found
    /// by their notes (see [`UPLOADS`]); the bucket's lifecycle rule catches any without one.
    /// Returns how many were removed.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn remove_stale_parts(&self, age: std::time::Duration) -> Result<usize, ObjectError> {
        if let Some(bucket) = &self.s3 {
            return self.abort_stale_uploads(bucket, age).await;
        }
        let Some(root) = self.local_root.clone() else {
            return Ok(0);
        };
        tokio::task::spawn_blocking(move || remove_parts_older_than(&root, age))
            .await
            .map_err(|e| ObjectError::Config(format!("stale parts: {e}")))
    }

    /// Aborts the bucket's multipart uploads whose notes are older than `age` (by the store's
    /// clock): their parts go, and so do the notes.
    async fn abort_stale_uploads(
        &self,
        bucket: &object_store::aws::AmazonS3,
        age: std::time::Duration,
    ) -> Result<usize, ObjectError> {
        let cutoff = wall_clock_cutoff(age);
        let prefix = ObjectPath::from(UPLOADS.trim_end_matches('/'));
        let mut stale = Vec::new();
        let mut listing = self.store.list(Some(&prefix));
        while let Some(meta) = listing.next().await {
            let meta = meta?;
            if meta.last_modified.timestamp() <= cutoff {
                stale.push(meta.location);
            }
        }
        let mut aborted = 0;
        for note in stale {
            let id = match self.store.get(&note).await {
                Ok(found) => String::from_utf8_lossy(&found.bytes().await?).into_owned(),
                Err(object_store::Error::NotFound { .. }) => continue,
                Err(e) => return Err(e.into()),
            };
            let key = note.as_ref().strip_prefix(UPLOADS).unwrap_or(note.as_ref());
            match bucket.abort_multipart(&ObjectPath::from(key), &id).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
            self.store.delete(&note).await?;
            aborted += 1;
        }
        Ok(aborted)
    }

    /// Whether the store answers within `timeout` (for `/readyz`): a local folder exists, a
    /// bucket answers a request for a key (that the key is missing is an answer).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn reachable(&self, timeout: std::time::Duration) -> bool {
        if let Some(root) = &self.local_root
            && !root.is_dir()
        {
            return false;
        }
        let key = ObjectPath::from(".kabinet-readiness");
        let probe = self.store.head(&key);
        matches!(
            tokio::time::timeout(timeout, probe).await,
            Ok(Ok(_) | Err(object_store::Error::NotFound { .. }))
        )
    }

    /// Copies an object as it is stored (ciphertext) into the file `dest`, for a backup; returns
    /// its size and SHA-256. Nothing is decrypted: a backup needs no key to be made.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn export_raw(
        &self,
        object_key: &str,
        dest: &std::path::Path,
    ) -> Result<(u64, String), ObjectError> {
        use std::io::Write;
        let file_err = |source| ObjectError::File {
            path: dest.to_owned(),
            source,
        };
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(file_err)?;
        }
        let mut file = std::io::BufWriter::new(std::fs::File::create(dest).map_err(file_err)?);
        let mut stream = match self.store.get(&ObjectPath::from(object_key)).await {
            Ok(found) => found.into_stream(),
            Err(object_store::Error::NotFound { .. }) => {
                return Err(ObjectError::Missing(object_key.to_owned()));
            }
            Err(e) => return Err(e.into()),
        };
        let (mut size, mut hasher) = (0_u64, Sha256::new());
        while let Some(bytes) = stream.next().await {
            let bytes = bytes?;
            hasher.update(&bytes);
            size += bytes.len() as u64;
            file.write_all(&bytes).map_err(file_err)?;
        }
        file.into_inner()
            .map_err(|e| file_err(e.into_error()))?
            .sync_all()
            .map_err(file_err)?;
        Ok((size, hex(&hasher.finalize())))
    }

    /// Stores the bytes of the file `src` under `object_key` as they are: the restore of a copy
    /// made by [`Vault::export_raw`].
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn import_raw(
        &self,
        object_key: &str,
        src: &std::path::Path,
    ) -> Result<(), ObjectError> {
        use std::io::Read;
        let file_err = |source| ObjectError::File {
            path: src.to_owned(),
            source,
        };
        let mut file = std::fs::File::open(src).map_err(file_err)?;
        let multipart = self
            .store
            .put_multipart(&ObjectPath::from(object_key))
            .await?;
        let mut writer = WriteMultipart::new_with_chunk_size(multipart, self.part_size);
        let mut buffer = vec![0_u8; CHUNK];
        loop {
            let read = match file.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) => {
                    let _ = writer.abort().await;
                    return Err(file_err(e));
                }
            };
            writer.write(&buffer[..read]);
            if let Err(e) = writer.wait_for_capacity(2).await {
                let _ = writer.abort().await;
                return Err(e.into());
            }
        }
        writer.finish().await?;
        Ok(())
    }

    /// Lists every object key (operations: finding objects without a row).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn list(&self) -> Result<Vec<String>, ObjectError> {
        Ok(self
            .list_dated()
            .await?
            .into_iter()
            .map(|(k, _)| k)
            .collect())
    }

    /// Every object key with the time the store last wrote it (by the store's own clock).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn list_dated(&self) -> Result<Vec<(String, jiff::Timestamp)>, ObjectError> {
        let mut out = Vec::new();
        let mut listing = self.store.list(None);
        while let Some(meta) = listing.next().await {
            let meta = meta?;
            if meta.location.as_ref().starts_with(UPLOADS) {
                continue;
            }
            let written = jiff::Timestamp::from_second(meta.last_modified.timestamp())
                .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
            out.push((meta.location.to_string(), written));
        }
        Ok(out)
    }
}

/// The Unix second before which a note is stale: `age` before now by the wall clock (object
/// dates are the store's wall-clock times).
fn wall_clock_cutoff(age: std::time::Duration) -> i64 {
    #[expect(
        clippy::disallowed_methods,
        reason = "object dates come from the store's wall clock, not the app's"
    )]
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(now.saturating_sub(age).as_secs()).unwrap_or(0)
}

/// Whether a file name is a local store's temporary part: `<name>#<digits>`.
fn is_temporary_part(name: &str) -> bool {
    name.rsplit_once('#').is_some_and(|(base, n)| {
        !base.is_empty() && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
    })
}

fn remove_parts_older_than(dir: &std::path::Path, age: std::time::Duration) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(meta) = entry.metadata() else { continue };
        if meta.is_dir() {
            removed += remove_parts_older_than(&path, age);
            continue;
        }
        let old_enough = meta
            .modified()
            .ok()
            .and_then(|m| m.elapsed().ok())
            .is_some_and(|elapsed| elapsed >= age);
        let temporary = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(is_temporary_part);
        if temporary && old_enough && std::fs::remove_file(&path).is_ok() {
            removed += 1;
        }
    }
    removed
}

pub type PlainStream = Pin<Box<dyn Stream<Item = Result<Bytes, ObjectError>> + Send>>;

/// An object being written. Dropping it without [`Upload::finish`] leaves no object behind once
/// [`Upload::abort`] runs; callers abort on every error path.
pub struct Upload {
    writer: WriteMultipart,
    /// The bucket's note of this upload in progress, removed when it ends either way.
    note: Option<(Arc<dyn ObjectStore>, ObjectPath)>,
    cipher: Aes256Gcm,
    wrapped_key: String,
    object_key: String,
    pending: BytesMut,
    index: u64,
    hasher: Sha256,
    size: u64,
}

impl Upload {
    pub fn size(&self) -> u64 {
        self.size
    }

    fn seal(&mut self, plain: &[u8], last: bool) {
        let frame = self
            .cipher
            .encrypt(&nonce(self.index, last), plain)
            .unwrap_or_default();
        self.index += 1;
        self.writer.write(&frame);
    }

    /// Adds plaintext; full chunks are sealed and handed to the store as they fill.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn write(&mut self, data: &[u8]) -> Result<(), ObjectError> {
        self.hasher.update(data);
        self.size += data.len() as u64;
        self.pending.extend_from_slice(data);
        // Keep at least one byte back so that the last frame is sealed as last by `finish`.
        while self.pending.len() > CHUNK {
            let chunk = self.pending.split_to(CHUNK);
            self.seal(&chunk, false);
        }
        self.writer.wait_for_capacity(2).await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn finish(mut self) -> Result<Stored, ObjectError> {
        let rest = std::mem::take(&mut self.pending);
        self.seal(&rest, true);
        let sha256 = hex(&self.hasher.finalize_reset());
        self.writer.finish().await?;
        remove_note(self.note.take()).await;
        Ok(Stored {
            object_key: self.object_key,
            wrapped_key: self.wrapped_key,
            sha256,
            size: self.size,
        })
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn abort(mut self) {
        let note = self.note.take();
        if let Err(e) = self.writer.abort().await {
            tracing::warn!(error = %e, object = %self.object_key, "could not abort an upload");
            // The note stays: the stale-upload sweep aborts it later.
            return;
        }
        remove_note(note).await;
    }
}

async fn remove_note(note: Option<(Arc<dyn ObjectStore>, ObjectPath)>) {
    if let Some((store, path)) = note
        && let Err(e) = store.delete(&path).await
    {
        tracing::warn!(error = %e, note = %path, "could not remove an upload's note");
    }
}

/// A multipart upload to a bucket whose id is known (object_store's own keeps it private), so
/// that an upload cut off by a crash can be aborted later from its note.
#[derive(Debug)]
struct TrackedUpload {
    bucket: Arc<object_store::aws::AmazonS3>,
    path: ObjectPath,
    id: object_store::MultipartId,
    next: usize,
    parts: Arc<std::sync::Mutex<Vec<Option<object_store::multipart::PartId>>>>,
}

#[async_trait::async_trait]
impl MultipartUpload for TrackedUpload {
    fn put_part(&mut self, data: object_store::PutPayload) -> object_store::UploadPart {
        let index = self.next;
        self.next += 1;
        let (bucket, path, id, parts) = (
            self.bucket.clone(),
            self.path.clone(),
            self.id.clone(),
            self.parts.clone(),
        );
        Box::pin(async move {
            let part = bucket.put_part(&path, &id, index, data).await?;
            let mut parts = parts
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if parts.len() <= index {
                parts.resize(index + 1, None);
            }
            parts[index] = Some(part);
            Ok(())
        })
    }

    async fn complete(&mut self) -> object_store::Result<object_store::PutResult> {
        let parts = std::mem::take(
            &mut *self
                .parts
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        let parts: Option<Vec<_>> = parts.into_iter().collect();
        let Some(parts) = parts else {
            return Err(object_store::Error::Generic {
                store: "S3",
                source: "a part of the upload did not arrive".into(),
            });
        };
        self.bucket
            .complete_multipart(&self.path, &self.id, parts)
            .await
    }

    async fn abort(&mut self) -> object_store::Result<()> {
        self.bucket.abort_multipart(&self.path, &self.id).await
    }
}

struct Reader {
    inner: Pin<Box<dyn Stream<Item = object_store::Result<Bytes>> + Send>>,
    cipher: Aes256Gcm,
    buffer: BytesMut,
    header_seen: bool,
    index: u64,
    hasher: Sha256,
    expected: String,
    done: bool,
}

impl Reader {
    fn open(&mut self, frame: &[u8], last: bool) -> Result<Bytes, ObjectError> {
        let plain = self
            .cipher
            .decrypt(&nonce(self.index, last), frame)
            .map_err(|_| ObjectError::Corrupt)?;
        self.index += 1;
        self.hasher.update(&plain);
        Ok(Bytes::from(plain))
    }

    async fn next_chunk(&mut self) -> Option<Result<Bytes, ObjectError>> {
        if self.done {
            return None;
        }
        let result = self.step().await;
        if result.is_err() {
            self.done = true;
        }
        match result {
            Ok(Some(bytes)) => Some(Ok(bytes)),
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        }
    }

    async fn step(&mut self) -> Result<Option<Bytes>, ObjectError> {
        loop {
            if !self.header_seen && self.buffer.len() >= HEADER_LEN {
                let header = self.buffer.split_to(HEADER_LEN);
                if &header[..4] != MAGIC
                    || header[4] != FORMAT
                    || header[5..9] != (CHUNK as u32).to_be_bytes()
                {
                    return Err(ObjectError::Corrupt);
                }
                self.header_seen = true;
            }
            if self.header_seen && self.buffer.len() > CHUNK + TAG {
                let frame = self.buffer.split_to(CHUNK + TAG);
                return self.open(&frame, false).map(Some);
            }
            match self.inner.next().await {
                Some(bytes) => self.buffer.extend_from_slice(&bytes?),
                None => {
                    self.done = true;
                    if !self.header_seen || self.buffer.len() < TAG {
                        return Err(ObjectError::Corrupt);
                    }
                    let frame = std::mem::take(&mut self.buffer);
                    let plain = self.open(&frame, true)?;
                    if hex(&self.hasher.finalize_reset()) != self.expected {
                        return Err(ObjectError::Checksum);
                    }
                    return Ok(Some(plain));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vault(dir: &std::path::Path) -> Vault {
        Vault::open(
            &Backend::Local {
                root: dir.to_path_buf(),
            },
            [7u8; 32],
        )
        .unwrap()
    }

    async fn put(v: &Vault, key: &str, data: &[u8], piece: usize) -> Stored {
        let mut up = v.create(key).await.unwrap();
        for part in data.chunks(piece.max(1)) {
            up.write(part).await.unwrap();
        }
        if data.is_empty() {
            up.write(&[]).await.unwrap();
        }
        up.finish().await.unwrap()
    }

    async fn get(v: &Vault, s: &Stored) -> Result<Vec<u8>, ObjectError> {
        let mut stream = v.read(&s.object_key, &s.wrapped_key, &s.sha256).await?;
        let mut out = Vec::new();
        while let Some(chunk) = stream.next().await {
            out.extend_from_slice(&chunk?);
        }
        Ok(out)
    }

    fn temp() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("kabinet-vault-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[tokio::test]
    async fn round_trips_at_every_size_around_the_chunk_boundaries() {
        let dir = temp();
        let v = vault(&dir);
        for size in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 17] {
            let data: Vec<u8> = (0..size).map(|i| (i * 31 % 251) as u8).collect();
            let stored = put(&v, &format!("t/{size}"), &data, 10_000).await;
            assert_eq!(stored.size, size as u64);
            assert_eq!(get(&v, &stored).await.unwrap(), data, "size {size}");
            // Not stored in the clear.
            let raw = std::fs::read(dir.join("t").join(size.to_string())).unwrap();
            if size > 64 {
                assert!(!raw.windows(64).any(|w| w == &data[..64]));
            }
        }
        std::fs::remove_dir_all(dir).ok();
    }

    #[tokio::test]
    async fn altered_truncated_or_swapped_objects_are_refused() {
        let dir = temp();
        let v = vault(&dir);
        let data = vec![42u8; 2 * CHUNK + 5];
        let stored = put(&v, "a", &data, CHUNK).await;
        let path = dir.join("a");
        let original = std::fs::read(&path).unwrap();

        let mut flipped = original.clone();
        flipped[HEADER_LEN + 100] ^= 1;
        std::fs::write(&path, &flipped).unwrap();
        assert!(matches!(get(&v, &stored).await, Err(ObjectError::Corrupt)));

        // Cut after the first full frame: the remaining frame was not sealed as the last.
        std::fs::write(&path, &original[..HEADER_LEN + CHUNK + TAG]).unwrap();
        assert!(matches!(get(&v, &stored).await, Err(ObjectError::Corrupt)));

        std::fs::write(&path, &original).unwrap();
        assert_eq!(get(&v, &stored).await.unwrap(), data);

        // A wrapped key only opens its own object.
        let other = put(&v, "b", b"other", 5).await;
        assert!(matches!(
            v.read("b", &stored.wrapped_key, &other.sha256).await,
            Err(ObjectError::Corrupt)
        ));
        // A checksum that does not match is reported at the end.
        let mut wrong = stored.clone();
        wrong.sha256 = "0".repeat(64);
        assert!(matches!(get(&v, &wrong).await, Err(ObjectError::Checksum)));
        std::fs::remove_dir_all(dir).ok();
    }

    #[tokio::test]
    async fn an_upload_cut_off_by_a_crash_leaves_a_part_that_is_removed_once_stale() {
        let dir = temp();
        let v = vault(&dir);
        let mut up = v.create("docs/cut").await.unwrap();
        // More than a part: the store has written its temporary part to disk.
        up.write(&vec![1u8; 3 * 256 * 1024]).await.unwrap();
        // The process dies here: nothing finishes or aborts the upload.
        std::mem::forget(up);
        let parts: Vec<std::path::PathBuf> = std::fs::read_dir(dir.join("docs"))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        assert_eq!(parts.len(), 1, "{parts:?}");
        let part = &parts[0];
        assert!(
            is_temporary_part(part.file_name().unwrap().to_str().unwrap()),
            "{part:?}"
        );
        assert!(
            v.list().await.unwrap().is_empty(),
            "the listing never shows it"
        );
        let kept = put(&v, "docs/kept", b"a finished object", 4).await;

        // Young parts may belong to an upload still running: they stay.
        let hour = std::time::Duration::from_secs(3600);
        assert_eq!(v.remove_stale_parts(hour).await.unwrap(), 0);
        assert!(part.exists());
        let written = std::fs::metadata(part).unwrap().modified().unwrap();
        let an_hour_ago = written - hour - std::time::Duration::from_secs(1);
        std::fs::File::options()
            .write(true)
            .open(part)
            .unwrap()
            .set_modified(an_hour_ago)
            .unwrap();
        assert_eq!(v.remove_stale_parts(hour).await.unwrap(), 1);
        assert!(!part.exists());
        assert_eq!(v.list().await.unwrap(), vec!["docs/kept".to_owned()]);
        assert_eq!(get(&v, &kept).await.unwrap(), b"a finished object");
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn temporary_parts_are_told_from_objects() {
        assert!(is_temporary_part("0190c3a2-doc#1"));
        assert!(is_temporary_part("key#12"));
        assert!(!is_temporary_part("key"));
        assert!(!is_temporary_part("key#"));
        assert!(!is_temporary_part("#1"));
        assert!(!is_temporary_part("key#1a"));
    }

    #[tokio::test]
    async fn an_aborted_upload_leaves_nothing() {
        let dir = temp();
        let v = vault(&dir);
        let mut up = v.create("gone").await.unwrap();
        up.write(&vec![1u8; 3 * CHUNK]).await.unwrap();
        up.abort().await;
        assert!(!v.exists("gone").await.unwrap());
        assert!(v.list().await.unwrap().is_empty());
        std::fs::remove_dir_all(dir).ok();
    }
}
