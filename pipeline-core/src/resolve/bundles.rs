//! The `bundles` resolver over OCI image layout directories.
//!
//! A Tekton bundle is an image whose layers each hold one Tekton object, annotated
//! `dev.tekton.image.kind` (lowercase, singular), `dev.tekton.image.name` and
//! `dev.tekton.image.apiVersion`; a layer is a tarball of one file, or the raw object.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use super::{RefSource, ResolutionRequest, ResolvedResource, Resolver, annotation};
use crate::error::Error;

/// Most layers (objects) a bundle may have, as Tekton.
pub const MAX_BUNDLE_OBJECTS: usize = 20;
/// Largest manifest or index read (bytes).
const MAX_JSON_BYTES: u64 = 4 * 1024 * 1024;
/// Largest layer read (bytes).
const MAX_LAYER_BYTES: u64 = 16 * 1024 * 1024;

/// Decompresses a layer of the given media type (a host plugs in gzip or zstd here; the
/// crate itself reads uncompressed layers only).
pub type Decompress = Arc<dyn Fn(&str, &[u8]) -> Result<Vec<u8>, String> + Send + Sync>;

/// Tekton's `bundles` resolver over OCI image layouts on disk: params `bundle` (an image
/// reference, required), `name` (required) and `kind` (the request's kind by default).
///
/// Each root given is an OCI image layout (`oci-layout`, `index.json`, `blobs/`); a bundle
/// reference matches an `index.json` manifest whose `org.opencontainers.image.ref.name`
/// annotation is the whole reference or its tag, or whose digest is the reference's
/// `@sha256:` digest.
#[derive(Clone, Default)]
pub struct OciLayoutBundles {
    roots: Vec<PathBuf>,
    decompress: Option<Decompress>,
}

impl std::fmt::Debug for OciLayoutBundles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OciLayoutBundles")
            .field("roots", &self.roots)
            .field("decompress", &self.decompress.is_some())
            .finish()
    }
}

#[derive(Deserialize)]
struct Index {
    #[serde(default)]
    manifests: Vec<Descriptor>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor {
    #[serde(default)]
    media_type: String,
    digest: String,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct Manifest {
    #[serde(default)]
    layers: Vec<Descriptor>,
}

impl OciLayoutBundles {
    /// Bundles in the OCI layout at `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        OciLayoutBundles {
            roots: vec![root.into()],
            decompress: None,
        }
    }

    /// Also looks in the layout at `root`.
    pub fn with_layout(mut self, root: impl Into<PathBuf>) -> Self {
        self.roots.push(root.into());
        self
    }

    /// Decompresses compressed layers (`+gzip`, `.tar.gzip` media types) with `f`.
    pub fn with_decompress(mut self, f: Decompress) -> Self {
        self.decompress = Some(f);
        self
    }

    fn read_blob(
        root: &Path,
        digest: &str,
        limit: u64,
        request: &ResolutionRequest,
    ) -> Result<Vec<u8>, Error> {
        let (algo, hex) = digest
            .split_once(':')
            .filter(|(a, h)| {
                !a.is_empty()
                    && a.bytes().all(|b| b.is_ascii_alphanumeric())
                    && !h.is_empty()
                    && h.bytes().all(|b| b.is_ascii_hexdigit())
            })
            .ok_or_else(|| request.error(format!("invalid digest {digest:?}")))?;
        let path = root.join("blobs").join(algo).join(hex);
        read_bounded(&path, limit).map_err(|m| request.error(m))
    }

    fn find_manifest(
        root: &Path,
        bundle: &str,
        request: &ResolutionRequest,
    ) -> Result<Option<Descriptor>, Error> {
        let index_path = root.join("index.json");
        let bytes = read_bounded(&index_path, MAX_JSON_BYTES).map_err(|m| request.error(m))?;
        let index: Index = serde_json::from_slice(&bytes)
            .map_err(|e| request.error(format!("{}: {e}", index_path.display())))?;
        let (repo, tag, digest) = split_reference(bundle);
        Ok(index.manifests.into_iter().find(|m| {
            if let Some(d) = digest {
                return m.digest == d;
            }
            let name = m
                .annotations
                .get("org.opencontainers.image.ref.name")
                .map(String::as_str)
                .unwrap_or("");
            name == bundle || name == tag || (!repo.is_empty() && name == format!("{repo}:{tag}"))
        }))
    }
}

/// (repository, tag, digest) of an image reference; the tag is `latest` when absent.
fn split_reference(r: &str) -> (&str, &str, Option<&str>) {
    if let Some((repo, digest)) = r.split_once('@') {
        let repo = repo
            .rsplit_once(':')
            .filter(|(_, t)| !t.contains('/'))
            .map_or(repo, |(r, _)| r);
        return (repo, "", Some(digest));
    }
    match r.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => (repo, tag, None),
        _ => (r, "latest", None),
    }
}

fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    use std::io::Read as _;
    let f = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = Vec::new();
    f.take(limit + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if out.len() as u64 > limit {
        return Err(format!("{}: larger than {limit} bytes", path.display()));
    }
    Ok(out)
}

/// The first file of a tarball, if `data` is one (a valid ustar/GNU header checksum).
fn first_tar_entry(data: &[u8]) -> Option<&[u8]> {
    let header = data.get(..512)?;
    let field = |from: usize, len: usize| header.get(from..from + len);
    let octal = |bytes: &[u8]| -> Option<u64> {
        let s = std::str::from_utf8(bytes).ok()?;
        let s = s.trim_matches(|c: char| c == '\0' || c == ' ');
        u64::from_str_radix(s, 8).ok()
    };
    let want = octal(field(148, 8)?)?;
    let sum: u64 = header
        .iter()
        .enumerate()
        .map(|(i, b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u64::from(*b)
            }
        })
        .sum();
    if sum != want {
        return None;
    }
    let size = usize::try_from(octal(field(124, 12)?)?).ok()?;
    data.get(512..512usize.checked_add(size)?)
}

impl Resolver for OciLayoutBundles {
    fn resolve(&self, request: &ResolutionRequest) -> Result<ResolvedResource, Error> {
        let bundle = request
            .non_empty("bundle")
            .ok_or_else(|| request.error("parameter \"bundle\" required"))?;
        let name = request
            .non_empty("name")
            .ok_or_else(|| request.error("parameter \"name\" required"))?;
        let kind = request.non_empty("kind").unwrap_or(request.kind.as_str());
        let mut found = None;
        for root in &self.roots {
            if let Some(m) = Self::find_manifest(root, bundle, request)? {
                found = Some((root, m));
                break;
            }
        }
        let (root, desc) = found.ok_or_else(|| {
            request.error(format!(
                "cannot retrieve the oci image: {bundle} is not in the image layout(s)"
            ))
        })?;
        if desc.media_type.contains("image.index") || desc.media_type.contains("manifest.list") {
            return Err(request.error(format!(
                "invalid tekton bundle {bundle}: an image index, not an image manifest"
            )));
        }
        let bytes = Self::read_blob(root, &desc.digest, MAX_JSON_BYTES, request)?;
        let manifest: Manifest = serde_json::from_slice(&bytes)
            .map_err(|e| request.error(format!("could not parse image manifest: {e}")))?;
        check_compliance(&manifest)
            .map_err(|e| request.error(format!("invalid tekton bundle {bundle}, error: {e}")))?;
        let layer = manifest
            .layers
            .iter()
            .find(|l| {
                l.annotations
                    .get("dev.tekton.image.kind")
                    .is_some_and(|k| k.eq_ignore_ascii_case(kind))
                    && l.annotations
                        .get("dev.tekton.image.name")
                        .map(String::as_str)
                        == Some(name)
            })
            .ok_or_else(|| {
                request.error(format!(
                    "could not find object in image with kind: {kind} and name: {name}"
                ))
            })?;
        let mut blob = Self::read_blob(root, &layer.digest, MAX_LAYER_BYTES, request)?;
        let compressed = layer.media_type.ends_with("gzip")
            || layer.media_type.ends_with("zstd")
            || layer.media_type.ends_with(".gz");
        if compressed {
            let f = self.decompress.as_ref().ok_or_else(|| {
                request.error(format!(
                    "layer {} is compressed ({}); the host gave no decompressor",
                    layer.digest, layer.media_type
                ))
            })?;
            blob = f(&layer.media_type, &blob).map_err(|e| request.error(e))?;
        }
        let data = first_tar_entry(&blob).map_or_else(|| blob.clone(), <[u8]>::to_vec);
        let get = |k: &str| layer.annotations.get(k).cloned().unwrap_or_default();
        let mut annotations = BTreeMap::new();
        annotations.insert(
            annotation("dev.tekton.image.kind"),
            get("dev.tekton.image.kind"),
        );
        annotations.insert(
            annotation("dev.tekton.image.name"),
            get("dev.tekton.image.name"),
        );
        annotations.insert(
            annotation("dev.tekton.image.apiVersion"),
            get("dev.tekton.image.apiVersion"),
        );
        let mut digest = BTreeMap::new();
        if let Some((algo, hex)) = desc.digest.split_once(':') {
            digest.insert(algo.to_string(), hex.to_string());
        }
        Ok(ResolvedResource {
            data,
            annotations,
            ref_source: Some(RefSource {
                uri: split_reference(bundle).0.to_string(),
                digest,
                entry_point: name.to_string(),
            }),
        })
    }
}

fn check_compliance(m: &Manifest) -> Result<(), String> {
    if m.layers.len() > MAX_BUNDLE_OBJECTS {
        return Err(format!(
            "contained more than the maximum {MAX_BUNDLE_OBJECTS} allow objects"
        ));
    }
    for (i, l) in m.layers.iter().enumerate() {
        for key in ["dev.tekton.image.apiVersion", "dev.tekton.image.name"] {
            if !l.annotations.contains_key(key) {
                return Err(format!("the layer {i} does not contain a {key} annotation"));
            }
        }
        let kind = l.annotations.get("dev.tekton.image.kind").ok_or_else(|| {
            format!("the layer {i} does not contain a dev.tekton.image.kind annotation")
        })?;
        let lower = kind.to_lowercase();
        if lower.strip_suffix('s').unwrap_or(&lower) != kind.as_str() {
            return Err(format!(
                "the layer {i} the annotation dev.tekton.image.kind must be lowercased and singular, found {kind}"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn references_split_as_docker_does() {
        assert_eq!(
            split_reference("reg:5000/ns/t:v1"),
            ("reg:5000/ns/t", "v1", None)
        );
        assert_eq!(
            split_reference("reg:5000/ns/t"),
            ("reg:5000/ns/t", "latest", None)
        );
        assert_eq!(
            split_reference("reg/t:v1@sha256:ab"),
            ("reg/t", "", Some("sha256:ab"))
        );
    }

    #[test]
    fn a_corrupt_tar_header_is_read_as_raw() {
        assert_eq!(first_tar_entry(b"kind: Task"), None);
        assert_eq!(first_tar_entry(&[0u8; 600]), None);
    }
}
