//! The master key: it wraps the data keys of stored files and derives the service's other keys
//! (CSRF tokens, signed links), so that one secret is all an operator must keep safe and share
//! between nodes.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::config::Config;

#[derive(Clone)]
pub struct MasterKey([u8; 32]);

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(***)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read the master key file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write a new master key to {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the master key in {0} is not 32 bytes of base64")]
    Malformed(String),
}

impl MasterKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    fn from_base64(text: &str, origin: &str) -> Result<Self, KeyError> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|_| KeyError::Malformed(origin.to_owned()))?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| KeyError::Malformed(origin.to_owned()))?;
        Ok(Self(bytes))
    }

    /// The configured key, or the one in the data folder, generated there (mode 0600) on first
    /// start. Returns whether it was generated just now.
    pub fn load_or_create(config: &Config) -> Result<(Self, bool), KeyError> {
        if let Some(key) = &config.master_key {
            return Ok((Self::from_base64(key.expose(), "master_key")?, false));
        }
        let path = match &config.master_key_file {
            Some(path) => return Ok((Self::read(path)?, false)),
            None => config.data_dir.join("master.key"),
        };
        if path.exists() {
            return Ok((Self::read(&path)?, false));
        }
        match Self::create(&path) {
            Ok(key) => Ok((key, true)),
            // Another node sharing the folder made it first: use theirs.
            Err(KeyError::Write { source, .. })
                if source.kind() == std::io::ErrorKind::AlreadyExists =>
            {
                Ok((Self::read(&path)?, false))
            }
            Err(e) => Err(e),
        }
    }

    fn read(path: &Path) -> Result<Self, KeyError> {
        let text = std::fs::read_to_string(path).map_err(|source| KeyError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::from_base64(&text, &path.display().to_string())
    }

    fn create(path: &Path) -> Result<Self, KeyError> {
        let mut bytes = [0_u8; 32];
        rand::fill(&mut bytes);
        let key = Self(bytes);
        key.save(path)?;
        Ok(key)
    }

    /// Writes the key into the new file `path` (mode 0600), as base64 — the form every node and
    /// `master_key_file` read. An existing file is never overwritten.
    pub fn save(&self, path: &Path) -> Result<(), KeyError> {
        let encoded = base64::engine::general_purpose::STANDARD.encode(self.0);
        let write_err = |source| KeyError::Write {
            path: path.to_owned(),
            source,
        };
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(path).map_err(write_err)?;
        file.write_all(encoded.as_bytes()).map_err(write_err)?;
        file.write_all(b"\n").map_err(write_err)?;
        file.sync_all().map_err(write_err)?;
        Ok(())
    }

    /// The key in a file written by [`MasterKey::save`].
    pub fn from_file(path: &Path) -> Result<Self, KeyError> {
        Self::read(path)
    }

    /// The configured key, without generating one: what a tool that must not invent a key
    /// (a restore) finds.
    pub fn configured(config: &Config) -> Result<Option<Self>, KeyError> {
        if let Some(key) = &config.master_key {
            return Ok(Some(Self::from_base64(key.expose(), "master_key")?));
        }
        let path = config
            .master_key_file
            .clone()
            .unwrap_or_else(|| config.data_dir.join("master.key"));
        if path.exists() {
            return Self::read(&path).map(Some);
        }
        Ok(None)
    }

    /// A key for one purpose, derived so that no two uses share a key.
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0)
            .expect("HMAC accepts keys of any length");
        mac.update(b"kabinet/");
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }
}

/// HMAC-SHA256 of `message` under `key`, base64url without padding.
pub fn sign(key: &[u8; 32], message: &[u8]) -> String {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(message);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// Constant-time check of a signature made by [`sign`].
pub fn verify(key: &[u8; 32], message: &[u8], signature: &str) -> bool {
    let Ok(given) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(signature) else {
        return false;
    };
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(message);
    mac.verify_slice(&given).is_ok()
}

/// Compares secrets without revealing, by timing, how much of them matched.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0_u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Seals a small secret that must be read back (an authenticator's seed, a webhook's signing
/// secret): AES-256-GCM under `key` with a random nonce, base64 of nonce ‖ ciphertext.
pub fn seal(key: &[u8; 32], secret: &[u8]) -> String {
    use aes_gcm::aead::{Aead, Nonce};
    let cipher = aes_gcm::Aes256Gcm::new(&aes_gcm::Key::<aes_gcm::Aes256Gcm>::from(*key));
    let mut nonce = [0_u8; 12];
    rand::fill(&mut nonce);
    let sealed = cipher
        .encrypt(&Nonce::<aes_gcm::Aes256Gcm>::from(nonce), secret)
        .unwrap_or_default();
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    base64::engine::general_purpose::STANDARD_NO_PAD.encode(out)
}

/// The secret [`seal`] sealed, or `None` when it was sealed under another key or altered.
pub fn unseal(key: &[u8; 32], sealed: &str) -> Option<Vec<u8>> {
    use aes_gcm::aead::{Aead, Nonce};
    let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(sealed)
        .ok()?;
    let (nonce, body) = bytes.split_at_checked(12)?;
    let nonce: [u8; 12] = nonce.try_into().ok()?;
    let cipher = aes_gcm::Aes256Gcm::new(&aes_gcm::Key::<aes_gcm::Aes256Gcm>::from(*key));
    cipher
        .decrypt(&Nonce::<aes_gcm::Aes256Gcm>::from(nonce), body)
        .ok()
}

/// A random token for cookies and links: 32 bytes, base64url.
pub fn random_token() -> String {
    let mut bytes = [0_u8; 32];
    rand::fill(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 hex of a token, as stored in place of the token itself.
pub fn token_hash(token: &str) -> String {
    use sha2::Digest;
    store::hex(&Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_keys_differ_by_purpose() {
        let key = MasterKey::from_bytes([7; 32]);
        assert_ne!(key.derive("csrf"), key.derive("links"));
        assert_eq!(key.derive("csrf"), key.derive("csrf"));
    }

    #[test]
    fn signatures_verify_and_reject_tampering() {
        let key = [1_u8; 32];
        let sig = sign(&key, b"session-1");
        assert!(verify(&key, b"session-1", &sig));
        assert!(!verify(&key, b"session-2", &sig));
        assert!(!verify(&[2; 32], b"session-1", &sig));
        assert!(!verify(&key, b"session-1", "not base64!"));
    }

    #[test]
    fn generated_key_file_is_private_and_reused() {
        let dir = std::env::temp_dir().join(format!("kabinet-key-{}", store::new_id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let config = Config {
            data_dir: dir.clone(),
            ..Config::default()
        };
        let (first, created) = MasterKey::load_or_create(&config).expect("created");
        assert!(created);
        let (second, created_again) = MasterKey::load_or_create(&config).expect("read back");
        assert!(!created_again);
        assert_eq!(first.0, second.0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("master.key"))
                .expect("key file")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let _ = std::fs::remove_dir_all(dir);
    }
}
