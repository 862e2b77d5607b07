//! Where tags come from: the [`TagLister`] trait, an in-memory lister, and the OCI image
//! layout directory (reader and a small writer).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::tree::write_atomic;
use crate::{Error, ImageRef};

/// The annotation naming a manifest in an OCI layout's `index.json`.
pub const REF_NAME_ANNOTATION: &str = "org.opencontainers.image.ref.name";
/// OCI image manifest media type.
pub const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
/// OCI image config media type.
pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.oci.image.config.v1+json";
/// OCI layer media type (uncompressed tar).
pub const LAYER_MEDIA_TYPE: &str = "application/vnd.oci.image.layer.v1.tar";
const MAX_INDEX_LEN: usize = 64 << 20;

/// Lists the tags of a repository (`registry/path`, as in an `ImageRepository`'s `image`).
pub trait TagLister {
    /// The repository's tags, in the order the source gives them.
    fn list_tags(&self, repository: &str) -> Result<Vec<String>, Error>;

    /// The manifest digest of `repository:tag`, when the source knows it.
    fn digest(&self, repository: &str, tag: &str) -> Result<Option<String>, Error> {
        let _ = (repository, tag);
        Ok(None)
    }
}

/// Tags held in memory, keyed by repository (for tests and embedding).
#[derive(Clone, Debug, Default)]
pub struct StaticTags {
    /// Repository -> tags.
    pub tags: BTreeMap<String, Vec<String>>,
}

impl TagLister for StaticTags {
    fn list_tags(&self, repository: &str) -> Result<Vec<String>, Error> {
        Ok(self.tags.get(repository).cloned().unwrap_or_default())
    }
}

/// `sha256:<hex>` of some bytes.
pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// An OCI image layout directory (`oci-layout`, `index.json`, `blobs/sha256/...`).
///
/// Each manifest in `index.json` is named by the `org.opencontainers.image.ref.name`
/// annotation: either a bare tag (`1.2.3`, belonging to any repository asked for) or a full
/// reference (`ghcr.io/org/app:1.2.3`, belonging to that repository only).
///
/// ```
/// use image_policy::{OciLayout, OciLayoutLister, TagLister};
///
/// let dir = tempfile::tempdir()?;
/// let layout = OciLayout::create(dir.path())?;
/// layout.push("ghcr.io/org/app:1.0.0", b"{}", b"layer one")?;
/// let digest = layout.push("ghcr.io/org/app:1.1.0", b"{}", b"layer two")?;
/// layout.push("ghcr.io/org/other:9.9.9", b"{}", b"x")?;
///
/// let lister = OciLayoutLister::new(dir.path());
/// assert_eq!(lister.list_tags("ghcr.io/org/app")?, ["1.0.0", "1.1.0"]);
/// assert_eq!(lister.digest("ghcr.io/org/app", "1.1.0")?, Some(digest));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct OciLayout {
    root: PathBuf,
}

impl OciLayout {
    /// Creates the layout (or opens it when it already exists).
    pub fn create(root: &Path) -> Result<OciLayout, Error> {
        let blobs = root.join("blobs").join("sha256");
        fs::create_dir_all(&blobs).map_err(|e| Error::io(&blobs, e))?;
        let marker = root.join("oci-layout");
        if !marker.exists() {
            write_atomic(&marker, br#"{"imageLayoutVersion":"1.0.0"}"#)?;
        }
        let index = root.join("index.json");
        if !index.exists() {
            write_atomic(&index, br#"{"schemaVersion":2,"manifests":[]}"#)?;
        }
        Ok(OciLayout {
            root: root.to_path_buf(),
        })
    }

    /// Opens an existing layout.
    pub fn open(root: &Path) -> Result<OciLayout, Error> {
        if !root.join("index.json").is_file() {
            return Err(Error::OciLayout {
                path: root.to_path_buf(),
                message: "no index.json".to_string(),
            });
        }
        Ok(OciLayout {
            root: root.to_path_buf(),
        })
    }

    /// The layout directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn write_blob(&self, bytes: &[u8]) -> Result<String, Error> {
        let digest = sha256_digest(bytes);
        let hex = digest.trim_start_matches("sha256:");
        let path = self.root.join("blobs").join("sha256").join(hex);
        if !path.exists() {
            write_atomic(&path, bytes)?;
        }
        Ok(digest)
    }

    /// Stores an image (one config blob, one layer) under `reference` (a tag or a full
    /// `name:tag`) and returns its manifest digest. An existing entry of the same name is
    /// replaced.
    pub fn push(&self, reference: &str, config: &[u8], layer: &[u8]) -> Result<String, Error> {
        validate_ref_name(reference).map_err(|message| Error::OciLayout {
            path: self.root.clone(),
            message,
        })?;
        let config_digest = self.write_blob(config)?;
        let layer_digest = self.write_blob(layer)?;
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": MANIFEST_MEDIA_TYPE,
            "config": {"mediaType": CONFIG_MEDIA_TYPE, "digest": config_digest, "size": config.len()},
            "layers": [{"mediaType": LAYER_MEDIA_TYPE, "digest": layer_digest, "size": layer.len()}],
        });
        let manifest_bytes = serde_json::to_vec(&manifest).map_err(|e| Error::OciLayout {
            path: self.root.clone(),
            message: e.to_string(),
        })?;
        let digest = self.write_blob(&manifest_bytes)?;
        let mut index = read_index(&self.root)?;
        let entry = json!({
            "mediaType": MANIFEST_MEDIA_TYPE,
            "digest": digest,
            "size": manifest_bytes.len(),
            "annotations": {REF_NAME_ANNOTATION: reference},
        });
        let manifests = index
            .get_mut("manifests")
            .and_then(Value::as_array_mut)
            .ok_or_else(|| Error::OciLayout {
                path: self.root.clone(),
                message: "index.json has no manifests list".into(),
            })?;
        manifests.retain(|m| ref_name(m) != Some(reference));
        manifests.push(entry);
        let bytes = serde_json::to_vec_pretty(&index).map_err(|e| Error::OciLayout {
            path: self.root.clone(),
            message: e.to_string(),
        })?;
        write_atomic(&self.root.join("index.json"), &bytes)?;
        Ok(digest)
    }
}

fn validate_ref_name(reference: &str) -> Result<(), String> {
    if reference.contains(['/', ':']) {
        let r = ImageRef::parse(reference).map_err(|e| e.to_string())?;
        if r.tag().is_none() {
            return Err(format!("reference {reference:?} has no tag"));
        }
        Ok(())
    } else {
        ImageRef::parse(&format!("x:{reference}"))
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

fn read_index(root: &Path) -> Result<Value, Error> {
    let path = root.join("index.json");
    let bytes = fs::read(&path).map_err(|e| Error::io(&path, e))?;
    if bytes.len() > MAX_INDEX_LEN {
        return Err(Error::TooLarge {
            what: path.display().to_string(),
            size: bytes.len(),
            limit: MAX_INDEX_LEN,
        });
    }
    let v: Value = serde_json::from_slice(&bytes).map_err(|e| Error::OciLayout {
        path: root.to_path_buf(),
        message: format!("index.json: {e}"),
    })?;
    if !v.get("manifests").is_some_and(Value::is_array) {
        return Err(Error::OciLayout {
            path: root.to_path_buf(),
            message: "index.json has no manifests list".into(),
        });
    }
    Ok(v)
}

fn ref_name(manifest: &Value) -> Option<&str> {
    manifest
        .get("annotations")?
        .get(REF_NAME_ANNOTATION)?
        .as_str()
}

/// Lists tags from an OCI image layout directory (see [`OciLayout`]).
#[derive(Clone, Debug)]
pub struct OciLayoutLister {
    root: PathBuf,
}

impl OciLayoutLister {
    /// A lister over the layout at `root`.
    pub fn new(root: &Path) -> OciLayoutLister {
        OciLayoutLister {
            root: root.to_path_buf(),
        }
    }

    fn entries(&self, repository: &str) -> Result<Vec<(String, String)>, Error> {
        let index = read_index(&self.root)?;
        let wanted = ImageRef::parse(repository).ok().map(|r| r.canonical_name());
        let mut out = Vec::new();
        let manifests = index
            .get("manifests")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for m in manifests {
            let (Some(name), Some(digest)) = (ref_name(m), m.get("digest").and_then(Value::as_str))
            else {
                continue;
            };
            let tag = if name.contains(['/', ':']) {
                match ImageRef::parse(name) {
                    Ok(r) if Some(r.canonical_name()) == wanted => r.tag().map(str::to_string),
                    _ => None,
                }
            } else {
                Some(name.to_string())
            };
            if let Some(tag) = tag {
                out.push((tag, digest.to_string()));
            }
        }
        Ok(out)
    }
}

impl TagLister for OciLayoutLister {
    fn list_tags(&self, repository: &str) -> Result<Vec<String>, Error> {
        Ok(self
            .entries(repository)?
            .into_iter()
            .map(|(t, _)| t)
            .collect())
    }

    fn digest(&self, repository: &str, tag: &str) -> Result<Option<String>, Error> {
        Ok(self
            .entries(repository)?
            .into_iter()
            .find(|(t, _)| t == tag)
            .map(|(_, d)| d))
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
mod tests {
    use super::*;

    #[test]
    fn layout_round_trip_and_replacement() {
        let dir = tempfile::tempdir().unwrap();
        let layout = OciLayout::create(dir.path()).unwrap();
        let d1 = layout.push("1.0.0", b"{}", b"a").unwrap();
        let d2 = layout.push("1.0.0", b"{}", b"b").unwrap();
        assert_ne!(d1, d2);
        layout.push("nginx:2.0.0", b"{}", b"c").unwrap();
        let lister = OciLayoutLister::new(dir.path());
        assert_eq!(
            lister.list_tags("docker.io/library/nginx").unwrap(),
            ["1.0.0", "2.0.0"]
        );
        assert_eq!(lister.list_tags("ghcr.io/x/y").unwrap(), ["1.0.0"]);
        assert_eq!(lister.digest("nginx", "1.0.0").unwrap(), Some(d2.clone()));
        let blob = dir
            .path()
            .join("blobs/sha256")
            .join(d2.trim_start_matches("sha256:"));
        assert_eq!(sha256_digest(&fs::read(blob).unwrap()), d2);
        assert!(layout.push("bad tag", b"", b"").is_err());
        assert!(OciLayout::open(&dir.path().join("missing")).is_err());
    }

    #[test]
    fn malformed_index_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("index.json"), "{").unwrap();
        let e = OciLayoutLister::new(dir.path()).list_tags("x").unwrap_err();
        assert!(e.to_string().contains("index.json"), "{e}");
    }
}
