//! Directory store: one YAML file per object, atomic writes.
//!
//! Layout under the root: `objects/<group or core>/<Kind>/<namespace or _cluster>/<name>.yaml`
//! (kustomize-formatted YAML) and `inventories/<owner>.json`. Every write goes to a temporary
//! file in the same directory and is renamed over the target, so a reader never sees half a
//! file.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rooted_fs::{EntryKind, Root, WriteOptions};
use serde_json::Value;

use super::ClusterStore;
use crate::Error;
use crate::object::ResId;

/// A cluster kept in a directory.
///
/// Every file is reached through a [`rooted_fs::Root`] on the store's directory: a
/// symbolic link planted in the store never leads a read or a write outside it, and writes
/// create their temporary files new under unpredictable names.
#[derive(Debug, Clone)]
pub struct DirStore {
    root: PathBuf,
    tree: Arc<Root>,
}

/// The largest object file the store reads back (16 MiB).
const MAX_OBJECT_BYTES: u64 = 16 * 1024 * 1024;

fn segment(s: &str, what: &str, id: &dyn std::fmt::Display) -> Result<String, Error> {
    if s.is_empty() || s == "." || s == ".." || s.contains(['/', '\\', '\0']) {
        return Err(Error::Store {
            op: "path",
            object: id.to_string(),
            message: format!("{what} {s:?} cannot name a file"),
        });
    }
    Ok(s.to_string())
}

impl DirStore {
    /// A store rooted at `root` (created when absent).
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, Error> {
        let root = root.into();
        fs::create_dir_all(&root).map_err(|e| Error::io(root.display(), e))?;
        let tree = Root::open(&root).map_err(|e| Error::io(root.display(), e))?;
        tree.create_dir_all("objects")
            .map_err(|e| Error::io(root.display(), e))?;
        Ok(DirStore {
            root,
            tree: Arc::new(tree),
        })
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file an object is kept in.
    pub fn path_of(&self, id: &ResId) -> Result<PathBuf, Error> {
        Ok(self.root.join(Self::rel_path_of(id)?))
    }

    /// The file an object is kept in, relative to the root.
    fn rel_path_of(id: &ResId) -> Result<PathBuf, Error> {
        let group = if id.group.is_empty() {
            "core".to_string()
        } else {
            segment(&id.group, "group", id)?
        };
        let ns = if id.namespace.is_empty() {
            "_cluster".to_string()
        } else {
            segment(&id.namespace, "namespace", id)?
        };
        Ok(Path::new("objects")
            .join(group)
            .join(segment(&id.kind, "kind", id)?)
            .join(ns)
            .join(format!("{}.yaml", segment(&id.name, "name", id)?)))
    }

    fn inventory_path(owner: &str) -> PathBuf {
        let safe: String = owner
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        Path::new("inventories").join(format!("{safe}.json"))
    }

    /// The text of a file of the store, `None` when there is none.
    fn read_text(&self, rel: &Path) -> Result<Option<String>, Error> {
        let shown = self.root.join(rel);
        match self.tree.read(rel, MAX_OBJECT_BYTES) {
            Ok(bytes) => String::from_utf8(bytes)
                .map(Some)
                .map_err(|e| Error::io(shown.display(), e)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(shown.display(), e)),
        }
    }

    fn write(&self, rel: &Path, bytes: &[u8]) -> Result<(), Error> {
        self.tree
            .write_atomic(rel, bytes, &WriteOptions::default().create_parents(true))
            .map_err(|e| Error::io(self.root.join(rel).display(), e))
    }

    fn read_object(&self, rel: &Path) -> Result<Option<Value>, Error> {
        let Some(text) = self.read_text(rel)? else {
            return Ok(None);
        };
        let origin = self.root.join(rel).display().to_string();
        let mut docs =
            kustomize_lite::yaml::parse_stream(&text, &origin).map_err(|e| Error::Yaml {
                origin: origin.clone(),
                message: e.to_string(),
            })?;
        match (docs.pop(), docs.is_empty()) {
            (Some(v), true) => Ok(Some(v)),
            _ => Err(Error::Yaml {
                origin,
                message: "expected one object".into(),
            }),
        }
    }

    /// Every `.yaml` file under `rel`; symbolic links and special files are passed by.
    fn walk(&self, rel: &Path, depth: usize, out: &mut Vec<PathBuf>) -> Result<(), Error> {
        let shown = self.root.join(rel);
        if depth > 8 {
            return Err(Error::io(
                shown.display(),
                "directories nested deeper than the store's layout",
            ));
        }
        let entries = match self.tree.list_dir(rel) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(Error::io(shown.display(), e)),
        };
        for (name, kind) in entries {
            let path = rel.join(&name);
            match kind {
                EntryKind::Dir => self.walk(&path, depth + 1, out)?,
                EntryKind::File if path.extension().is_some_and(|e| e == "yaml") => out.push(path),
                _ => {}
            }
        }
        Ok(())
    }
}

impl ClusterStore for DirStore {
    fn get(&self, id: &ResId) -> Result<Option<Value>, Error> {
        self.read_object(&Self::rel_path_of(id)?)
    }

    fn list(&self) -> Result<Vec<ResId>, Error> {
        let mut files = Vec::new();
        self.walk(Path::new("objects"), 0, &mut files)?;
        let mut ids = Vec::new();
        for p in &files {
            if let Some(obj) = self.read_object(p)? {
                ids.push(ResId::of(&obj)?);
            }
        }
        ids.sort();
        Ok(ids)
    }

    fn apply(&mut self, obj: &Value) -> Result<(), Error> {
        let id = ResId::of(obj)?;
        let rel = Self::rel_path_of(&id)?;
        self.write(&rel, kustomize_lite::yaml::emit_document(obj).as_bytes())
    }

    fn delete(&mut self, id: &ResId) -> Result<bool, Error> {
        let rel = Self::rel_path_of(id)?;
        self.tree
            .remove_file(&rel)
            .map_err(|e| Error::io(self.root.join(&rel).display(), e))
    }

    fn inventory(&self, owner: &str) -> Result<Option<BTreeSet<ResId>>, Error> {
        let Some(text) = self.read_text(&Self::inventory_path(owner))? else {
            return Ok(None);
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| Error::Store {
                op: "inventory",
                object: owner.into(),
                message: e.to_string(),
            })
    }

    fn set_inventory(&mut self, owner: &str, ids: &BTreeSet<ResId>) -> Result<(), Error> {
        let text = serde_json::to_string_pretty(ids).map_err(|e| Error::Store {
            op: "inventory",
            object: owner.into(),
            message: e.to_string(),
        })?;
        self.write(&Self::inventory_path(owner), text.as_bytes())
    }

    fn synced_revision(&self, owner: &str) -> Result<Option<String>, Error> {
        let rel = Self::inventory_path(owner).with_extension("revision");
        Ok(self.read_text(&rel)?.map(|t| t.trim().to_string()))
    }

    fn set_synced_revision(&mut self, owner: &str, revision: &str) -> Result<(), Error> {
        let rel = Self::inventory_path(owner).with_extension("revision");
        self.write(&rel, format!("{revision}\n").as_bytes())
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
    fn round_trip_and_atomic_layout() {
        let tmp = tempfile::tempdir().unwrap();
        let mut s = DirStore::open(tmp.path()).unwrap();
        let obj = serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "prod"}, "spec": {"replicas": 2}});
        s.apply(&obj).unwrap();
        let id = ResId::of(&obj).unwrap();
        assert_eq!(s.get(&id).unwrap().unwrap(), obj);
        assert!(
            tmp.path()
                .join("objects/apps/Deployment/prod/web.yaml")
                .is_file()
        );
        assert_eq!(s.list().unwrap(), vec![id.clone()]);
        let inv: BTreeSet<_> = [id.clone()].into();
        s.set_inventory("Kustomization/flux-system/apps", &inv)
            .unwrap();
        assert_eq!(
            s.inventory("Kustomization/flux-system/apps").unwrap(),
            Some(inv)
        );
        assert!(s.delete(&id).unwrap());
        assert!(!s.delete(&id).unwrap());
        let bad = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "../x"}});
        assert!(s.apply(&bad).is_err());
        let leftovers: Vec<_> = std::fs::read_dir(tmp.path().join("inventories"))
            .unwrap()
            .collect();
        assert_eq!(leftovers.len(), 1, "no temporary files left behind");
    }

    #[cfg(unix)]
    #[test]
    fn planted_symlinks_never_lead_writes_or_reads_out_of_the_store() {
        let tmp = tempfile::tempdir().unwrap();
        let outside = tmp.path().join("outside");
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(outside.join("victim.yaml"), "victim\n").unwrap();
        let root = tmp.path().join("store");
        let mut s = DirStore::open(&root).unwrap();
        let obj = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "web", "namespace": "prod"}, "data": {"a": "1"}});
        let dir = root.join("objects/core/ConfigMap/prod");
        std::fs::create_dir_all(&dir).unwrap();
        // The temporary name the old writer used, planted as a link to a file outside.
        std::os::unix::fs::symlink(
            outside.join("victim.yaml"),
            dir.join(format!(".web.yaml.tmp-{}", std::process::id())),
        )
        .unwrap();
        s.apply(&obj).unwrap();
        assert_eq!(
            std::fs::read_to_string(outside.join("victim.yaml")).unwrap(),
            "victim\n"
        );
        // A namespace directory replaced by a link out of the store.
        std::fs::remove_dir_all(&dir).unwrap();
        std::os::unix::fs::symlink(&outside, &dir).unwrap();
        let err = s.apply(&obj).unwrap_err().to_string();
        assert!(err.contains("points outside the tree"), "{err}");
        let id = ResId::of(&obj).unwrap();
        assert!(s.get(&id).is_err());
        assert_eq!(
            s.list().unwrap(),
            Vec::<ResId>::new(),
            "the link is passed by"
        );
        assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 1);
        assert_eq!(
            std::fs::read_to_string(outside.join("victim.yaml")).unwrap(),
            "victim\n"
        );
    }
}
