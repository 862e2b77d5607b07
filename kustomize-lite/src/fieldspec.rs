//! Field specs: which fields of which kinds a transformer touches, and which fields refer
//! to objects of another kind by name. The built-in table lives in `fieldspecs.txt`.

use crate::resid::Gvk;
use serde_json::Value;
use std::sync::OnceLock;

/// A field of the objects a gvk selects (empty parts select anything).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSpec {
    /// Which objects carry the field.
    pub gvk: Gvk,
    /// The path, one map key per element (`\/` unescaped; a `[]` suffix marks a list,
    /// which is walked but never created).
    pub path: Vec<String>,
    /// Whether a missing field is created.
    pub create: bool,
}

impl FieldSpec {
    /// A spec from a kustomize-style path (`spec/template/metadata/labels`).
    pub fn new(gvk: Gvk, path: &str, create: bool) -> FieldSpec {
        FieldSpec {
            gvk,
            path: split_path(path),
            create,
        }
    }

    /// The path as kustomize writes it.
    pub fn path_string(&self) -> String {
        self.path
            .iter()
            .map(|p| p.replace('/', "\\/"))
            .collect::<Vec<_>>()
            .join("/")
    }
}

/// A field of referrer objects holding the name of a referred object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameRef {
    /// The kind of object named.
    pub referred: Gvk,
    /// The field.
    pub field: FieldSpec,
}

/// The built-in field specs of every transformer.
#[derive(Debug, Default)]
pub struct Builtin {
    /// `namespace`.
    pub namespace: Vec<FieldSpec>,
    /// `commonLabels` (and `labels` with `includeSelectors`).
    pub common_labels: Vec<FieldSpec>,
    /// `labels` with `includeTemplates`.
    pub template_labels: Vec<FieldSpec>,
    /// `commonAnnotations`.
    pub common_annotations: Vec<FieldSpec>,
    /// `images`.
    pub images: Vec<FieldSpec>,
    /// `replicas`.
    pub replicas: Vec<FieldSpec>,
    /// Name references.
    pub name_refs: Vec<NameRef>,
}

fn parse_gvk(s: &str) -> Gvk {
    let mut it = s.split(',').map(|p| {
        if p == "-" {
            String::new()
        } else {
            p.to_string()
        }
    });
    Gvk {
        group: it.next().unwrap_or_default(),
        version: it.next().unwrap_or_default(),
        kind: it.next().unwrap_or_default(),
    }
}

/// The built-in table, parsed once.
pub fn builtin() -> &'static Builtin {
    static TABLE: OnceLock<Builtin> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut b = Builtin::default();
        for line in include_str!("fieldspecs.txt").lines() {
            let parts: Vec<&str> = line.split(' ').collect();
            match parts.as_slice() {
                ["ref", referred, referrer, path] => b.name_refs.push(NameRef {
                    referred: parse_gvk(referred),
                    field: FieldSpec::new(parse_gvk(referrer), path, false),
                }),
                [section, gvk, path, create] => {
                    let spec = FieldSpec::new(parse_gvk(gvk), path, *create == "1");
                    match *section {
                        "namespace" => b.namespace.push(spec),
                        "commonLabels" => b.common_labels.push(spec),
                        "templateLabels" => b.template_labels.push(spec),
                        "commonAnnotations" => b.common_annotations.push(spec),
                        "images" => b.images.push(spec),
                        "replicas" => b.replicas.push(spec),
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        b
    })
}

/// Splits a kustomize field path on `/` (not `\/`).
pub fn split_path(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'/') => {
                cur.push('/');
                chars.next();
            }
            '/' => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out.into_iter().filter(|s| !s.is_empty()).collect()
}

/// Calls `set` on every node the path reaches in `node`, walking through sequences and
/// creating missing map fields when `create` (a created leaf starts as `null`).
pub fn walk<E>(
    node: &mut Value,
    path: &[String],
    create: bool,
    set: &mut dyn FnMut(&mut Value) -> Result<(), E>,
) -> Result<(), E> {
    let Some((first, rest)) = path.split_first() else {
        return set(node);
    };
    match node {
        Value::Array(items) => {
            for item in items {
                walk(item, path, create, set)?;
            }
            Ok(())
        }
        Value::Object(map) => {
            let (key, is_list) = match first.strip_suffix("[]") {
                Some(k) => (k, true),
                None => (first.as_str(), false),
            };
            if !map.contains_key(key) {
                if !create || is_list {
                    return Ok(());
                }
                let fresh = if rest.is_empty() {
                    Value::Null
                } else {
                    Value::Object(Default::default())
                };
                map.insert(key.to_string(), fresh);
            }
            match map.get_mut(key) {
                Some(child) => {
                    if child.is_null() && !rest.is_empty() {
                        if !create {
                            return Ok(());
                        }
                        *child = Value::Object(Default::default());
                    }
                    walk(child, rest, create, set)
                }
                None => Ok(()),
            }
        }
        _ => Ok(()),
    }
}

/// Applies `set` at `spec` in `obj` when `spec` selects `gvk`.
pub fn apply<E>(
    obj: &mut Value,
    gvk: &Gvk,
    spec: &FieldSpec,
    set: &mut dyn FnMut(&mut Value) -> Result<(), E>,
) -> Result<(), E> {
    if !gvk.is_selected_by(&spec.gvk) {
        return Ok(());
    }
    walk(obj, &spec.path, spec.create, set)
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
    use serde_json::json;

    #[test]
    fn table_loads() {
        let b = builtin();
        assert!(b.namespace.len() >= 3);
        assert!(
            b.common_labels
                .iter()
                .any(|s| s.path == ["spec", "selector", "matchLabels"])
        );
        assert!(b.name_refs.iter().any(|r| r.referred.kind == "ConfigMap"));
        assert_eq!(
            split_path("metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret"),
            vec![
                "metadata",
                "annotations",
                "nginx.ingress.kubernetes.io/auth-secret"
            ]
        );
    }

    #[test]
    fn walk_creates_and_iterates() {
        let mut v = json!({"spec": {"containers": [{"image": "a"}, {"image": "b"}]}});
        let mut seen = Vec::new();
        walk::<()>(
            &mut v,
            &split_path("spec/containers[]/image"),
            false,
            &mut |n| {
                seen.push(n.as_str().unwrap().to_string());
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(seen, ["a", "b"]);
        walk::<()>(&mut v, &split_path("metadata/labels"), true, &mut |n| {
            *n = json!({"x": "y"});
            Ok(())
        })
        .unwrap();
        assert_eq!(v["metadata"]["labels"]["x"], "y");
        walk::<()>(
            &mut v,
            &split_path("spec/volumeClaimTemplates[]/metadata/labels"),
            true,
            &mut |_| Ok(()),
        )
        .unwrap();
        assert!(v["spec"].get("volumeClaimTemplates").is_none());
    }
}
