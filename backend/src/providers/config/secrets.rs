//! Provider secrets at rest: XChaCha20-Poly1305 (the `chacha20poly1305` crate, RustCrypto) under
//! a 256-bit key kept in a local key file (`JCA_PROVIDER_SECRET_KEY_PATH`, default
//! `<data-dir>/provider_secret.key`). The file is created with mode 0600 when missing and refused
//! when group or others can read it. Each secret is sealed with a fresh random 24-byte nonce and
//! the field's `<kind>/<name>` as associated data, so a sealed value cannot be moved to another
//! field; the stored blob is `nonce || ciphertext`.

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};

/// Nonce length of XChaCha20-Poly1305.
const NONCE_LEN: usize = 24;

/// Why the key file cannot be used or a secret cannot be sealed or opened.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("provider secret key file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "provider secret key file {0} is readable by group or others (mode {1:o}); chmod 600 it"
    )]
    Permissions(PathBuf, u32),
    #[error("provider secret key file {0} does not hold a 64-digit hex key")]
    BadKey(PathBuf),
    #[error("a provider secret could not be encrypted")]
    Seal,
    #[error("the stored secret {0} cannot be decrypted with this key file")]
    Open(String),
}

/// Seals and opens provider secrets with the key file's key.
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(…)")
    }
}

impl SecretBox {
    /// Reads the key file, creating it (0600, parent directories too) with a new random key when
    /// it does not exist.
    pub fn open_or_create(path: &Path) -> Result<Self, SecretError> {
        let io = |source| SecretError::Io {
            path: path.to_path_buf(),
            source,
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
        {
            Ok(mut f) => {
                let key = XChaCha20Poly1305::generate_key(&mut OsRng);
                writeln!(f, "{}", hex::encode(key)).map_err(io)?;
                f.sync_all().map_err(io)?;
                return Ok(Self::from_key(&key));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io(e)),
        }
        let mode = std::fs::metadata(path).map_err(io)?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(SecretError::Permissions(path.to_path_buf(), mode));
        }
        let text = std::fs::read_to_string(path).map_err(io)?;
        let bytes = hex::decode(text.trim()).map_err(|_| SecretError::BadKey(path.into()))?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| SecretError::BadKey(path.into()))?;
        Ok(Self::from_key(&Key::from(key)))
    }

    fn from_key(key: &Key) -> Self {
        Self {
            cipher: XChaCha20Poly1305::new(key),
        }
    }

    /// Encrypts `plaintext` for the field `aad` (`<kind>/<name>`): `nonce || ciphertext`.
    pub fn seal(&self, aad: &str, plaintext: &str) -> Result<Vec<u8>, SecretError> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| SecretError::Seal)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Decrypts a blob made by [`SecretBox::seal`] for the same field.
    pub fn open(&self, aad: &str, blob: &[u8]) -> Result<String, SecretError> {
        let fail = || SecretError::Open(aad.to_owned());
        if blob.len() < NONCE_LEN {
            return Err(fail());
        }
        let (nonce, sealed) = blob.split_at(NONCE_LEN);
        let plain = self
            .cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| fail())?;
        String::from_utf8(plain).map_err(|_| fail())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_file_is_created_0600_and_reused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("nested").join("provider_secret.key");
        let first = SecretBox::open_or_create(&path).expect("create");
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let blob = first
            .seal("openai-compatible/api_key", "sk-test-1234")
            .expect("seal");
        assert!(!blob.windows(4).any(|w| w == b"1234"));
        let again = SecretBox::open_or_create(&path).expect("reopen");
        assert_eq!(
            again
                .open("openai-compatible/api_key", &blob)
                .expect("open"),
            "sk-test-1234"
        );
        // Bound to its field, and tamper-evident.
        assert!(again.open("anthropic/api_key", &blob).is_err());
        let mut bad = blob.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert!(again.open("openai-compatible/api_key", &bad).is_err());
    }

    #[test]
    fn loose_permissions_and_bad_keys_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("k");
        SecretBox::open_or_create(&path).expect("create");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        assert!(matches!(
            SecretBox::open_or_create(&path),
            Err(SecretError::Permissions(_, 0o644))
        ));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        std::fs::write(&path, "abcd\n").expect("write");
        assert!(matches!(
            SecretBox::open_or_create(&path),
            Err(SecretError::BadKey(_))
        ));
    }
}
