//! Directory store: one YAML file per object, atomic writes.
//!
//! Layout under the root: `objects/<group or core>/<Kind>/<namespace or _cluster>/<name>.yaml`
//! (kustomize-formatted YAML) and `inventories/<owner>.json`. Every write goes to a temporary
//! file in the same directory and is renamed over the target, so a reader never sees half a
//! file.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::ClusterStore;
use crate::Error;
use crate::object::ResId;

/// A cluster kept in a directory.
#[derive(Debug, Clone)]
pub struct DirStore {
    root: PathBuf,
}

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

/// Writes `bytes` to `path` atomically (temporary file + rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let dir = path
        .parent()
        .ok_or_else(|| Error::io(path.display(), "no parent directory"))?;
    fs::create_dir_all(dir).map_err(|e| Error::io(dir.display(), e))?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    fs::write(&tmp, bytes).map_err(|e| Error::io(tmp.display(), e))?;
    fs::rename(&tmp, path).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        Error::io(path.display(), e)
    })
}

impl DirStore {
    /// A store rooted at `root` (created when absent).
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, Error> {
        let root = root.into();
        fs::create_dir_all(root.join("objects")).map_err(|e| Error::io(root.display(), e))?;
        Ok(DirStore { root })
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file an object is kept in.
    pub fn path_of(&self, id: &ResId) -> Result<PathBuf, Error> {
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
        Ok(self
            .root
            .join("objects")
            .join(group)
            .join(segment(&id.kind, "kind", id)?)
            .join(ns)
            .join(format!("{}.yaml", segment(&id.name, "name", id)?)))
    }

    fn inventory_path(&self, owner: &str) -> PathBuf {
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
        self.root.join("inventories").join(format!("{safe}.json"))
    }

    fn read_object(path: &Path) -> Result<Value, Error> {
        let text = fs::read_to_string(path).map_err(|e| Error::io(path.display(), e))?;
        let mut docs = kustomize_lite::yaml::parse_stream(&text, &path.display().to_string())
            .map_err(|e| Error::Yaml {
                origin: path.display().to_string(),
                message: e.to_string(),
            })?;
        match (docs.pop(), docs.is_empty()) {
            (Some(v), true) => Ok(v),
            _ => Err(Error::Yaml {
                origin: path.display().to_string(),
                message: "expected one object".into(),
            }),
        }
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Error> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(dir.display(), e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir.display(), e))?;
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "yaml") {
            out.push(path);
        }
    }
    Ok(())
}

impl ClusterStore for DirStore {
    fn get(&self, id: &ResId) -> Result<Option<Value>, Error> {
        let path = self.path_of(id)?;
        if !path.is_file() {
            return Ok(None);
        }
        Self::read_object(&path).map(Some)
    }

    fn list(&self) -> Result<Vec<ResId>, Error> {
        let mut files = Vec::new();
        walk(&self.root.join("objects"), &mut files)?;
        let mut ids = files
            .iter()
            .map(|p| ResId::of(&Self::read_object(p)?))
            .collect::<Result<Vec<_>, _>>()?;
        ids.sort();
        Ok(ids)
    }

    fn apply(&mut self, obj: &Value) -> Result<(), Error> {
        let id = ResId::of(obj)?;
        let path = self.path_of(&id)?;
        write_atomic(&path, kustomize_lite::yaml::emit_document(obj).as_bytes())
    }

    fn delete(&mut self, id: &ResId) -> Result<bool, Error> {
        let path = self.path_of(id)?;
        match fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(Error::io(path.display(), e)),
        }
    }

    fn inventory(&self, owner: &str) -> Result<Option<BTreeSet<ResId>>, Error> {
        let path = self.inventory_path(owner);
        match fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| Error::Store {
                    op: "inventory",
                    object: owner.into(),
                    message: e.to_string(),
                }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(path.display(), e)),
        }
    }

    fn set_inventory(&mut self, owner: &str, ids: &BTreeSet<ResId>) -> Result<(), Error> {
        let text = serde_json::to_string_pretty(ids).map_err(|e| Error::Store {
            op: "inventory",
            object: owner.into(),
            message: e.to_string(),
        })?;
        write_atomic(&self.inventory_path(owner), text.as_bytes())
    }

    fn synced_revision(&self, owner: &str) -> Result<Option<String>, Error> {
        let path = self.inventory_path(owner).with_extension("revision");
        match fs::read_to_string(&path) {
            Ok(text) => Ok(Some(text.trim().to_string())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(path.display(), e)),
        }
    }

    fn set_synced_revision(&mut self, owner: &str, revision: &str) -> Result<(), Error> {
        let path = self.inventory_path(owner).with_extension("revision");
        write_atomic(&path, format!("{revision}\n").as_bytes())
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
}
