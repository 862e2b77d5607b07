//! Webhook secrets: the [`SecretStore`] trait the host implements (Kubernetes secrets, a
//! vault, ...) and an in-memory store. Secret values never appear in errors or `Debug`.

use std::collections::BTreeMap;
use std::fmt;

/// A secret value. `Debug` prints `Secret(<redacted>)`; there is no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl Secret {
    /// Wraps secret bytes.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Secret {
        Secret(bytes.into())
    }

    /// The secret bytes.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Where interceptors find webhook secrets: a Kubernetes-style secret `name` in
/// `namespace`, and a `key` inside it.
pub trait SecretStore: Send + Sync {
    /// The value, `Ok(None)` when there is no such secret or key, an error when the store
    /// could not answer ([`crate::Error::SecretStore`]).
    fn get(&self, namespace: &str, name: &str, key: &str) -> Result<Option<Secret>, crate::Error>;
}

impl<T: SecretStore + ?Sized> SecretStore for &T {
    fn get(&self, namespace: &str, name: &str, key: &str) -> Result<Option<Secret>, crate::Error> {
        (**self).get(namespace, name, key)
    }
}

impl<T: SecretStore + ?Sized> SecretStore for Box<T> {
    fn get(&self, namespace: &str, name: &str, key: &str) -> Result<Option<Secret>, crate::Error> {
        (**self).get(namespace, name, key)
    }
}

impl<T: SecretStore + ?Sized> SecretStore for std::sync::Arc<T> {
    fn get(&self, namespace: &str, name: &str, key: &str) -> Result<Option<Secret>, crate::Error> {
        (**self).get(namespace, name, key)
    }
}

/// Secrets held in memory, keyed by (namespace, name, key). An empty namespace matches any.
#[derive(Clone, Default)]
pub struct MemorySecretStore {
    secrets: BTreeMap<(String, String, String), Secret>,
}

impl MemorySecretStore {
    /// An empty store.
    pub fn new() -> MemorySecretStore {
        MemorySecretStore::default()
    }

    /// Adds `name`/`key` = `value` visible from every namespace.
    pub fn insert(&mut self, name: &str, key: &str, value: impl Into<Vec<u8>>) {
        self.insert_in("", name, key, value);
    }

    /// Adds `name`/`key` = `value` in `namespace`.
    pub fn insert_in(&mut self, namespace: &str, name: &str, key: &str, value: impl Into<Vec<u8>>) {
        self.secrets.insert(
            (namespace.to_string(), name.to_string(), key.to_string()),
            Secret::new(value),
        );
    }

    /// Builder form of [`MemorySecretStore::insert`].
    pub fn with(mut self, name: &str, key: &str, value: impl Into<Vec<u8>>) -> MemorySecretStore {
        self.insert(name, key, value);
        self
    }
}

impl fmt::Debug for MemorySecretStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(
                self.secrets
                    .keys()
                    .map(|(ns, n, k)| format!("{ns}/{n}/{k}")),
            )
            .finish()
    }
}

impl SecretStore for MemorySecretStore {
    fn get(&self, namespace: &str, name: &str, key: &str) -> Result<Option<Secret>, crate::Error> {
        Ok(self.lookup(namespace, name, key))
    }
}

impl MemorySecretStore {
    fn lookup(&self, namespace: &str, name: &str, key: &str) -> Option<Secret> {
        self.secrets
            .get(&(namespace.to_string(), name.to_string(), key.to_string()))
            .or_else(|| {
                self.secrets
                    .get(&(String::new(), name.to_string(), key.to_string()))
            })
            .cloned()
    }
}

/// Constant-time equality of two byte strings (the length is not hidden).
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut diff = 0u8;
    for (x, y) in a.iter().zip(b) {
        diff |= x ^ y;
    }
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )]
    use super::*;

    #[test]
    fn secrets_never_print() {
        let store = MemorySecretStore::new().with("mysecret", "token", "hunter2");
        let s = store.get("ns", "mysecret", "token").unwrap().unwrap();
        assert_eq!(s.expose(), b"hunter2");
        assert!(!format!("{s:?} {store:?}").contains("hunter2"));
        assert!(store.get("ns", "mysecret", "other").unwrap().is_none());
    }

    #[test]
    fn constant_time_compare() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}

/// Why an `ALGO=HEX` HMAC signature header did not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SignatureError {
    /// Not of the form `ALGO=HEX`.
    Form,
    /// The part after `=` is not hexadecimal.
    NotHex,
    /// Not `sha1`, `sha256` or `sha512`.
    Algorithm(String),
    /// Well formed, but not the HMAC of the body under the key.
    Mismatch,
}

/// Verifies a `sha1=`/`sha256=`/`sha512=` + hex HMAC of `body` under `key`, in constant
/// time (GitHub's, Bitbucket's and Flux receivers' signature headers).
pub(crate) fn verify_hmac_header(
    header: &str,
    body: &[u8],
    key: &[u8],
) -> Result<(), SignatureError> {
    let (algo, hex_sig) = header.split_once('=').ok_or(SignatureError::Form)?;
    let sig = hex::decode(hex_sig).map_err(|_| SignatureError::NotHex)?;
    let algorithm = match algo {
        "sha256" => ring::hmac::HMAC_SHA256,
        "sha512" => ring::hmac::HMAC_SHA512,
        "sha1" => ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
        other => return Err(SignatureError::Algorithm(other.to_string())),
    };
    ring::hmac::verify(&ring::hmac::Key::new(algorithm, key), body, &sig)
        .map_err(|_| SignatureError::Mismatch)
}

/// Hex HMAC of `body` under `key`.
pub(crate) fn hmac_hex(algorithm: ring::hmac::Algorithm, key: &[u8], body: &[u8]) -> String {
    hex::encode(ring::hmac::sign(
        &ring::hmac::Key::new(algorithm, key),
        body,
    ))
}
