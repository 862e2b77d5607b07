//! An object being built, with the bookkeeping kustomize keeps beside it: where it came
//! from, its earlier ids, prefixes and suffixes applied, and generator settings.

use crate::kustomization::Behavior;
use crate::resid::{Gvk, ResId};
use serde_json::{Map, Value};

/// One object of the build.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    /// The object itself.
    pub obj: Value,
    /// Where it came from (a file, or a generator in a kustomization file).
    pub origin: String,
    /// Its earlier ids, oldest first.
    pub prev: Vec<ResId>,
    /// Whether a content-hash suffix is added to its name at the end of the build.
    pub needs_hash: bool,
    /// How a generated object combines with an existing one.
    pub behavior: Behavior,
    /// Name prefixes applied, innermost first.
    pub prefixes: Vec<String>,
    /// Name suffixes applied, innermost first.
    pub suffixes: Vec<String>,
    /// The `vars` whose value is read from this object.
    pub ref_vars: Vec<String>,
    /// For a generated object: what made it (for `buildMetadata: [originAnnotations]`).
    pub configured: Option<Configured>,
    /// Fields its file left empty (`labels:`), reached through maps only: a strategic merge
    /// patch drops them, as kustomize's does.
    pub empty_fields: Vec<Vec<String>>,
    /// The built-in transformers that ran over it (for `buildMetadata:
    /// [transformerAnnotations]`), oldest first.
    pub transformations: Vec<Configured>,
}

/// Where a generated object was configured, as kustomize's origin annotation says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Configured {
    /// The kustomization (or generator config) file.
    pub file: String,
    /// `ConfigMapGenerator` or `SecretGenerator`.
    pub kind: &'static str,
    /// The generator config's `metadata.name`, for a `generators` entry.
    pub name: Option<String>,
}

impl Resource {
    /// A resource read from `origin`.
    pub fn new(obj: Value, origin: impl Into<String>) -> Resource {
        Resource {
            obj,
            origin: origin.into(),
            prev: Vec::new(),
            needs_hash: false,
            behavior: Behavior::Create,
            prefixes: Vec::new(),
            suffixes: Vec::new(),
            ref_vars: Vec::new(),
            configured: None,
            empty_fields: Vec::new(),
            transformations: Vec::new(),
        }
    }

    /// The current id.
    pub fn id(&self) -> ResId {
        ResId::of(&self.obj)
    }

    /// The gvk.
    pub fn gvk(&self) -> Gvk {
        Gvk::of(&self.obj)
    }

    /// The id it was first loaded with.
    pub fn org_id(&self) -> ResId {
        self.prev.first().cloned().unwrap_or_else(|| self.id())
    }

    /// Remembers the current id as a previous one (before a rename).
    pub fn store_previous_id(&mut self) {
        let id = self.id();
        self.prev.push(id);
    }

    /// Whether any earlier or the current id satisfies `f`.
    pub fn any_id(&self, f: impl Fn(&ResId) -> bool) -> bool {
        f(&self.id()) || self.prev.iter().any(f)
    }

    fn meta_str(&self, key: &str) -> &str {
        self.obj
            .get("metadata")
            .and_then(|m| m.get(key))
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// `metadata.name`.
    pub fn name(&self) -> &str {
        self.meta_str("name")
    }

    /// `metadata.namespace`.
    pub fn namespace(&self) -> &str {
        self.meta_str("namespace")
    }

    /// The `metadata` map, created when missing.
    pub fn metadata_mut(&mut self) -> &mut Map<String, Value> {
        meta_mut(&mut self.obj)
    }

    /// Sets `metadata.name`.
    pub fn set_name(&mut self, name: &str) {
        self.metadata_mut()
            .insert("name".into(), Value::String(name.into()));
    }

    /// Sets `metadata.namespace` (removes it when empty).
    pub fn set_namespace(&mut self, ns: &str) {
        let m = self.metadata_mut();
        if ns.is_empty() {
            m.remove("namespace");
        } else {
            m.insert("namespace".into(), Value::String(ns.into()));
        }
    }

    /// Sets `kind`.
    pub fn set_kind(&mut self, kind: &str) {
        if let Some(m) = self.obj.as_object_mut() {
            m.insert("kind".into(), Value::String(kind.into()));
        }
    }

    /// A string map under `metadata` (`labels`, `annotations`).
    pub fn meta_map(&self, key: &str) -> Vec<(String, String)> {
        self.obj
            .get("metadata")
            .and_then(|m| m.get(key))
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        (
                            k.clone(),
                            crate::kustomization::scalar_text(v).unwrap_or_default(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Whether the prefixes and suffixes applied equal those of `other`.
    pub fn prefixes_suffixes_equal(&self, other: &Resource) -> bool {
        self.prefixes == other.prefixes && self.suffixes == other.suffixes
    }
}

/// A value as a map, replacing it with an empty map when it is not one.
pub fn as_map(v: &mut Value) -> &mut Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => {
            *other = Value::Object(Map::new());
            as_map(other)
        }
    }
}

/// `metadata` of an object, created when missing or not a map.
pub fn meta_mut(obj: &mut Value) -> &mut Map<String, Value> {
    as_map(as_map(obj).entry("metadata").or_insert(Value::Null))
}

/// `metadata.annotations` as kustomize writes them: dropped when null or empty, and every
/// value a string (`port: 8080` becomes `"8080"`, `happy: true` becomes `"true"`).
pub fn normalize_annotations(obj: &mut Value) {
    let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    match meta.get_mut("annotations") {
        None => {}
        Some(Value::Object(m)) if !m.is_empty() => {
            for v in m.values_mut() {
                let text = match v {
                    Value::String(_) => continue,
                    Value::Null => String::new(),
                    Value::Bool(b) => b.to_string(),
                    Value::Number(n) => n.to_string(),
                    Value::Array(_) | Value::Object(_) => String::new(),
                };
                *v = Value::String(text);
            }
        }
        Some(Value::Null | Value::Object(_)) => {
            meta.remove("annotations");
        }
        Some(_) => {}
    }
}
