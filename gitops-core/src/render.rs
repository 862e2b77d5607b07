//! Rendering a Kustomization's `path` as Flux's kustomize-controller does, with
//! kustomize-lite.
//!
//! A directory with a `kustomization.yaml` (or `.yml`, or `Kustomization`) is built exactly as
//! `kustomize build` builds it; a directory without one gets the kustomization Flux generates:
//! `resources` lists, in walk order, every `.yaml`/`.yml` file below it (each must parse as
//! Kubernetes objects) and every sub-directory holding a kustomization (not descended into).
//! The Flux `Kustomization`'s own `targetNamespace`, `patches`, `images` and `components`
//! are then written into that kustomization (`namespace` replaced, patches and components
//! appended, an image of the same name replaced, others appended) before the build. Files
//! load from anywhere in the source root (never outside it), as Flux builds with
//! load restrictions off over a root-confined file system. Flux's default source excludes
//! (`.git/`, CI files, ...) are left out of generated kustomizations.

use std::io;
use std::path::Path;

use kustomize_lite::fs::{self as kfs, FileSystem};
use kustomize_lite::kustomization::FILE_NAMES;
use kustomize_lite::{DiskFs, LoadRestrictions, Options};
use serde_json::{Map, Value};

use crate::object::set_namespace;
use crate::source::IgnoreRules;

/// Why a directory could not be rendered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// kustomize-lite refused the build (the cause is kept, boxed: it is large).
    #[error(transparent)]
    Kustomize(Box<kustomize_lite::Error>),
    /// The path or kustomization is not usable: it leaves the source, is missing, is not a
    /// mapping, or the renderer cannot apply an override. The message names the file.
    #[error("{0}")]
    Invalid(String),
}

impl From<kustomize_lite::Error> for RenderError {
    fn from(e: kustomize_lite::Error) -> Self {
        RenderError::Kustomize(Box::new(e))
    }
}

impl From<String> for RenderError {
    fn from(message: String) -> Self {
        RenderError::Invalid(message)
    }
}

/// Most files a generated kustomization lists.
pub const MAX_GENERATED_RESOURCES: usize = 100_000;

/// What a Flux `Kustomization` adds to the kustomization it builds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BuildOverrides {
    /// `spec.targetNamespace`: replaces the kustomization's `namespace`.
    pub target_namespace: Option<String>,
    /// `spec.patches` (`{patch, target}`), appended to `patches`.
    pub patches: Vec<Value>,
    /// `spec.images` (`{name, newName, newTag, digest}`), replacing same-named entries.
    pub images: Vec<Value>,
    /// `spec.components`, appended to `components`.
    pub components: Vec<String>,
}

impl BuildOverrides {
    /// Whether nothing is overridden.
    pub fn is_empty(&self) -> bool {
        self.target_namespace.is_none()
            && self.patches.is_empty()
            && self.images.is_empty()
            && self.components.is_empty()
    }
}

/// Renders a directory of a source into objects.
pub trait Renderer {
    /// The objects of `dir` (a kustomization, or plain manifests).
    fn render(&self, dir: &Path) -> Result<Vec<Value>, RenderError>;

    /// The objects of `path` (relative to the source `root`) with a Flux Kustomization's
    /// overrides. The default renders `root/path` with [`Renderer::render`], sets the
    /// target namespace on namespaced objects and refuses patches, images and components.
    fn render_source(
        &self,
        root: &Path,
        path: &str,
        overrides: &BuildOverrides,
    ) -> Result<Vec<Value>, RenderError> {
        if !overrides.patches.is_empty()
            || !overrides.images.is_empty()
            || !overrides.components.is_empty()
        {
            return Err(RenderError::Invalid(
                "this renderer does not apply patches, images or components".into(),
            ));
        }
        let rel = kfs::normalize(path).ok_or_else(|| format!("path {path:?} leaves the source"))?;
        let dir = if rel.is_empty() {
            root.to_path_buf()
        } else {
            root.join(rel)
        };
        let mut objs = self.render(&dir)?;
        if let Some(ns) = &overrides.target_namespace {
            objs.iter_mut().for_each(|o| set_namespace(o, ns));
        }
        Ok(objs)
    }
}

/// The built-in renderer: kustomize-lite over the source directory, with Flux's generated
/// kustomization for plain directories (see the module docs).
#[derive(Debug, Clone, Copy, Default)]
pub struct DirRenderer;

impl Renderer for DirRenderer {
    fn render(&self, dir: &Path) -> Result<Vec<Value>, RenderError> {
        self.render_source(dir, "", &BuildOverrides::default())
    }

    fn render_source(
        &self,
        root: &Path,
        path: &str,
        overrides: &BuildOverrides,
    ) -> Result<Vec<Value>, RenderError> {
        let fs = DiskFs::new(root).map_err(|e| format!("{}: {e}", root.display()))?;
        flux_build(&fs, path, overrides)
    }
}

/// Builds `path` of `fs` as Flux's kustomize-controller does (see the module docs).
pub fn flux_build(
    fs: &dyn FileSystem,
    path: &str,
    overrides: &BuildOverrides,
) -> Result<Vec<Value>, RenderError> {
    let dir = kfs::normalize(path).ok_or_else(|| format!("path {path:?} leaves the source"))?;
    if !fs.is_dir(&dir) {
        return Err(RenderError::Invalid(format!(
            "kustomization path not found: {}",
            kfs::display(&dir)
        )));
    }
    let existing = FILE_NAMES
        .iter()
        .map(|f| kfs::join(&dir, f).unwrap_or_default())
        .find(|p| fs.is_file(p));
    let (file, mut doc) = match existing {
        Some(file) => {
            let bytes = fs.read_file(&file).map_err(|e| format!("{file}: {e}"))?;
            let text = String::from_utf8(bytes).map_err(|e| format!("{file}: {e}"))?;
            let doc = kustomize_lite::yaml::parse_stream(&text, &file)
                .map_err(|e| e.to_string())?
                .into_iter()
                .next()
                .unwrap_or(Value::Null);
            (file, doc)
        }
        None => {
            let file = kfs::join(&dir, "kustomization.yaml").unwrap_or_default();
            (file, generate(fs, &dir)?)
        }
    };
    if overrides.is_empty() && fs.is_file(&file) {
        // Nothing to write: build the tree as it is.
        return build(fs, &dir);
    }
    if doc.is_null() {
        doc = Value::Object(Map::new());
    }
    let Value::Object(map) = &mut doc else {
        return Err(RenderError::Invalid(format!("{file}: not a mapping")));
    };
    apply_overrides(map, overrides).map_err(|e| format!("{file}: {e}"))?;
    let text = kustomize_lite::yaml::emit_document(&doc);
    let overlay = Overlay {
        inner: fs,
        file,
        text: text.into_bytes(),
    };
    build(&overlay, &dir)
}

fn build(fs: &dyn FileSystem, dir: &str) -> Result<Vec<Value>, RenderError> {
    let opts = Options {
        load_restrictions: LoadRestrictions::None,
        ..Options::default()
    };
    Ok(kustomize_lite::build_with(fs, dir, opts)?)
}

/// Writes the overrides into a kustomization mapping, as Flux's generator does.
fn apply_overrides(map: &mut Map<String, Value>, o: &BuildOverrides) -> Result<(), String> {
    if let Some(ns) = &o.target_namespace {
        map.insert("namespace".into(), Value::String(ns.clone()));
    }
    if !o.patches.is_empty() {
        let list = list_field(map, "patches")?;
        for p in &o.patches {
            let mut entry = Map::new();
            for key in ["patch", "target"] {
                if let Some(v) = p.get(key).filter(|v| !v.is_null()) {
                    entry.insert(key.into(), v.clone());
                }
            }
            list.push(Value::Object(entry));
        }
    }
    if !o.components.is_empty() {
        let list = list_field(map, "components")?;
        for c in &o.components {
            if c.starts_with('/') || c.contains("://") {
                return Err(format!("component {c:?} must be a local relative path"));
            }
            list.push(Value::String(c.clone()));
        }
    }
    if !o.images.is_empty() {
        let list = list_field(map, "images")?;
        for image in &o.images {
            let mut entry = Map::new();
            for key in ["name", "newName", "newTag", "digest"] {
                if let Some(v) = image
                    .get(key)
                    .filter(|v| v.as_str().is_some_and(|s| !s.is_empty()))
                {
                    entry.insert(key.into(), v.clone());
                }
            }
            let name = image.get("name").cloned().unwrap_or(Value::Null);
            match list.iter_mut().find(|i| i.get("name") == Some(&name)) {
                Some(slot) => *slot = Value::Object(entry),
                None => list.push(Value::Object(entry)),
            }
        }
    }
    Ok(())
}

fn list_field<'a>(
    map: &'a mut Map<String, Value>,
    key: &str,
) -> Result<&'a mut Vec<Value>, String> {
    let slot = map
        .entry(key.to_string())
        .or_insert_with(|| Value::Array(Vec::new()));
    if slot.is_null() {
        *slot = Value::Array(Vec::new());
    }
    slot.as_array_mut()
        .ok_or_else(|| format!("field {key:?} is not a list"))
}

/// The kustomization Flux generates for a directory without one.
fn generate(fs: &dyn FileSystem, dir: &str) -> Result<Value, String> {
    let ignore = IgnoreRules::flux_defaults();
    let mut resources = Vec::new();
    walk(fs, dir, "", &ignore, &mut resources)?;
    let mut map = Map::new();
    map.insert(
        "apiVersion".into(),
        Value::String("kustomize.config.k8s.io/v1beta1".into()),
    );
    map.insert("kind".into(), Value::String("Kustomization".into()));
    map.insert(
        "resources".into(),
        Value::Array(resources.into_iter().map(Value::String).collect()),
    );
    Ok(Value::Object(map))
}

/// Walks `dir/rel` in name order; `rel` is relative to the generated kustomization.
fn walk(
    fs: &dyn FileSystem,
    dir: &str,
    rel: &str,
    ignore: &IgnoreRules,
    out: &mut Vec<String>,
) -> Result<(), String> {
    let here = kfs::join(dir, rel).unwrap_or_default();
    let names = fs
        .list_dir(&here)
        .map_err(|e| format!("{}: {e}", kfs::display(&here)))?;
    for name in names {
        let child_rel = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        let Some(child) = kfs::join(dir, &child_rel) else {
            continue;
        };
        if fs.is_dir(&child) {
            if ignore.is_ignored_dir(&child) {
                continue;
            }
            let has_kustomization = FILE_NAMES
                .iter()
                .any(|f| kfs::join(&child, f).is_some_and(|p| fs.is_file(&p)));
            if has_kustomization {
                out.push(format!("./{child_rel}"));
            } else {
                walk(fs, dir, &child_rel, ignore, out)?;
            }
            continue;
        }
        if !(name.ends_with(".yaml") || name.ends_with(".yml")) || ignore.is_ignored(&child) {
            continue;
        }
        let bytes = fs.read_file(&child).map_err(|e| format!("{child}: {e}"))?;
        let text = String::from_utf8(bytes)
            .map_err(|e| format!("failed to decode Kubernetes YAML from {child}: {e}"))?;
        kustomize_lite::read_objects(&text, &child)
            .map_err(|e| format!("failed to decode Kubernetes YAML from {child}: {e}"))?;
        if out.len() >= MAX_GENERATED_RESOURCES {
            return Err(format!(
                "{}: more than {MAX_GENERATED_RESOURCES} files",
                kfs::display(dir)
            ));
        }
        out.push(format!("./{child_rel}"));
    }
    Ok(())
}

/// A file system that shows one file with other contents (the kustomization Flux writes).
struct Overlay<'a> {
    inner: &'a dyn FileSystem,
    file: String,
    text: Vec<u8>,
}

impl FileSystem for Overlay<'_> {
    fn read_file(&self, path: &str) -> io::Result<Vec<u8>> {
        if kfs::normalize(path).as_deref() == Some(self.file.as_str()) {
            return Ok(self.text.clone());
        }
        self.inner.read_file(path)
    }

    fn list_dir(&self, path: &str) -> io::Result<Vec<String>> {
        let mut names = self.inner.list_dir(path)?;
        if kfs::normalize(path).as_deref() == Some(kfs::parent(&self.file)) {
            let base = kfs::base_name(&self.file).to_string();
            if let Err(i) = names.binary_search(&base) {
                names.insert(i, base);
            }
        }
        Ok(names)
    }

    fn is_dir(&self, path: &str) -> bool {
        self.inner.is_dir(path)
    }

    fn is_file(&self, path: &str) -> bool {
        kfs::normalize(path).as_deref() == Some(self.file.as_str()) || self.inner.is_file(path)
    }

    fn resolve_remote(&self, url: &str) -> Option<String> {
        self.inner.resolve_remote(url)
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
    use kustomize_lite::MemoryFs;
    use serde_json::json;

    const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: NAME\ndata:\n  k: v\n";
    const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.25\n";

    fn cm(name: &str) -> String {
        CM.replace("NAME", name)
    }

    fn ids(objs: &[Value]) -> Vec<String> {
        objs.iter()
            .map(|o| {
                format!(
                    "{}/{}/{}",
                    o["kind"].as_str().unwrap(),
                    o["metadata"]["namespace"].as_str().unwrap_or(""),
                    o["metadata"]["name"].as_str().unwrap()
                )
            })
            .collect()
    }

    fn fs() -> MemoryFs {
        [
            ("plain/a.yaml", cm("a")),
            ("plain/sub/b.yml", cm("b")),
            ("plain/notes.txt", "not yaml".to_string()),
            ("plain/.github/ci.yaml", "on: push\n".to_string()),
            ("plain/kbase/kustomization.yaml", "resources:\n- c.yaml\nnamePrefix: k-\n".to_string()),
            ("plain/kbase/c.yaml", cm("c")),
            ("plain/kbase/ignored.yaml", cm("ignored")),
            ("base/kustomization.yaml", "resources:\n- deploy.yaml\nimages:\n- name: nginx\n  newTag: \"1.26\"\n".to_string()),
            ("base/deploy.yaml", DEPLOY.to_string()),
            ("comp/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n- extra.yaml\n".to_string()),
            ("comp/extra.yaml", cm("extra")),
            ("bad/x.yaml", "data: {}\n".to_string()),
        ]
        .into_iter()
        .collect()
    }

    type Case = (
        &'static str,
        BuildOverrides,
        Result<Vec<&'static str>, &'static str>,
    );

    #[test]
    fn flux_build_table() {
        let fs = fs();
        let patch = json!({"patch": "- op: add\n  path: /metadata/labels\n  value: {patched: \"yes\"}\n",
            "target": {"kind": "Deployment"}});
        let cases: Vec<Case> = vec![
            (
                "./plain",
                BuildOverrides::default(),
                Ok(vec!["ConfigMap//a", "ConfigMap//b", "ConfigMap//k-c"]),
            ),
            (
                "plain",
                BuildOverrides {
                    target_namespace: Some("web".into()),
                    ..Default::default()
                },
                Ok(vec![
                    "ConfigMap/web/a",
                    "ConfigMap/web/b",
                    "ConfigMap/web/k-c",
                ]),
            ),
            (
                "base",
                BuildOverrides {
                    target_namespace: Some("prod".into()),
                    patches: vec![patch],
                    images: vec![
                        json!({"name": "nginx", "newName": "ghcr.io/x/nginx", "newTag": "1.27"}),
                    ],
                    components: vec!["../comp".into()],
                },
                Ok(vec!["ConfigMap/prod/extra", "Deployment/prod/web"]),
            ),
            ("missing", BuildOverrides::default(), Err("path not found")),
            ("../x", BuildOverrides::default(), Err("leaves the source")),
            (
                "bad",
                BuildOverrides::default(),
                Err("failed to decode Kubernetes YAML"),
            ),
            (
                "base",
                BuildOverrides {
                    components: vec!["https://example.invalid/c".into()],
                    ..Default::default()
                },
                Err("local relative path"),
            ),
        ];
        for (path, o, want) in cases {
            let got = flux_build(&fs, path, &o);
            match (want, got) {
                (Ok(w), Ok(g)) => assert_eq!(ids(&g), w, "{path}"),
                (Err(w), Err(g)) => assert!(g.to_string().contains(w), "{path}: {g}"),
                (w, g) => panic!("{path}: want {w:?}, got {g:?}"),
            }
        }
        let objs = flux_build(
            &fs,
            "base",
            &BuildOverrides {
                patches: vec![json!({"patch": "- op: add\n  path: /metadata/labels\n  value: {patched: \"yes\"}\n", "target": {"kind": "Deployment"}})],
                images: vec![json!({"name": "nginx", "newName": "ghcr.io/x/nginx", "newTag": "1.27"})],
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(objs[0]["metadata"]["labels"]["patched"], "yes");
        assert_eq!(
            objs[0]["spec"]["template"]["spec"]["containers"][0]["image"], "ghcr.io/x/nginx:1.27",
            "spec.images replaces the kustomization's entry of the same name"
        );
    }

    #[test]
    fn disk_renderer_matches_memory() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("base")).unwrap();
        std::fs::write(dir.path().join("base/deploy.yaml"), DEPLOY).unwrap();
        std::fs::write(
            dir.path().join("base/kustomization.yaml"),
            "resources:\n- deploy.yaml\n",
        )
        .unwrap();
        let o = BuildOverrides {
            target_namespace: Some("x".into()),
            ..Default::default()
        };
        let got = DirRenderer.render_source(dir.path(), "./base", &o).unwrap();
        assert_eq!(ids(&got), ["Deployment/x/web"]);
        assert!(
            !dir.path().join("base/kustomization.yaml.original").exists(),
            "the source is never written"
        );
        let plain = DirRenderer.render(&dir.path().join("base")).unwrap();
        assert_eq!(ids(&plain), ["Deployment//web"]);
    }
}
