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

/// The field specs of every transformer: the built-in table ([`builtin`]), extended by the
/// `configurations` files of a kustomization and of its bases ([`Builtin::merge`]).
#[derive(Debug, Default, Clone)]
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
    /// `vars`: the fields where `$(NAME)` is replaced.
    pub var_refs: Vec<FieldSpec>,
    /// `namePrefix` specs of `configurations` files (the default, `metadata/name` of every
    /// kind, is folded in per level by [`fold_name_specs`]).
    pub name_prefix: Vec<FieldSpec>,
    /// `nameSuffix` specs, as `name_prefix`.
    pub name_suffix: Vec<FieldSpec>,
}

/// Merges `incoming` into `list` as kustomize's `FsSlice.MergeAll`: a spec is dropped when
/// the list already holds one on the same path whose gvk it selects (so `metadata/name` of
/// every kind is absorbed by an earlier `metadata/name` of one kind), then the list is
/// sorted as kustomize sorts field specs (by kind order, then group, version, kind).
pub fn merge_fs_slice(list: &mut Vec<FieldSpec>, incoming: &[FieldSpec]) {
    for x in incoming {
        if !list
            .iter()
            .any(|e| e.path == x.path && e.gvk.is_selected_by(&x.gvk))
        {
            list.push(x.clone());
        }
    }
    list.sort_by_cached_key(|f| {
        let order = |kind: &str| -> i64 {
            let first = crate::order::ORDER_FIRST;
            if let Some(i) = first.iter().position(|k| *k == kind) {
                return i as i64 - first.len() as i64;
            }
            crate::order::ORDER_LAST
                .iter()
                .position(|k| *k == kind)
                .map_or(0, |i| i as i64 + 1)
        };
        let or = |s: &str, d: &'static str| {
            if s.is_empty() {
                d.to_string()
            } else {
                s.to_string()
            }
        };
        (
            order(&f.gvk.kind),
            format!(
                "{}_{}_{}",
                or(&f.gvk.group, "~G"),
                or(&f.gvk.version, "~V"),
                or(&f.gvk.kind, "~K")
            ),
        )
    });
}

/// One level's name specs as kustomize accumulates them: the default `metadata/name` merged
/// with the level's own `configurations` specs, then merged into what the bases passed up.
pub fn fold_name_specs(acc: &mut Vec<FieldSpec>, user: &[FieldSpec]) {
    let mut level = vec![FieldSpec::new(Gvk::default(), "metadata/name", false)];
    merge_fs_slice(&mut level, user);
    merge_fs_slice(acc, &level);
}

fn merge_specs(list: &mut Vec<FieldSpec>, extra: &[FieldSpec]) {
    for s in extra {
        if !list.iter().any(|x| x.gvk == s.gvk && x.path == s.path) {
            list.push(s.clone());
        }
    }
}

impl Builtin {
    /// Adds the specs of `other` this one does not hold yet, as kustomize merges the
    /// transformer configurations of a kustomization and its bases.
    pub fn merge(&mut self, other: &Builtin) {
        merge_specs(&mut self.namespace, &other.namespace);
        merge_specs(&mut self.common_labels, &other.common_labels);
        merge_specs(&mut self.template_labels, &other.template_labels);
        merge_specs(&mut self.common_annotations, &other.common_annotations);
        merge_specs(&mut self.images, &other.images);
        merge_specs(&mut self.replicas, &other.replicas);
        merge_specs(&mut self.var_refs, &other.var_refs);
        merge_fs_slice(&mut self.name_prefix, &other.name_prefix);
        merge_fs_slice(&mut self.name_suffix, &other.name_suffix);
        for r in &other.name_refs {
            if !self.name_refs.iter().any(|x| {
                x.referred == r.referred
                    && x.field.gvk == r.field.gvk
                    && x.field.path == r.field.path
            }) {
                self.name_refs.push(r.clone());
            }
        }
    }

    /// Reads a transformer configuration file (kustomize's `configurations`): maps from
    /// `namespace`, `commonLabels`, `templateLabels`, `commonAnnotations`, `images`,
    /// `replicas`, `varReference` to field spec lists, and `nameReference` to
    /// `{group, version, kind, fieldSpecs}` items. Unknown keys are refused as kustomize
    /// refuses them.
    pub fn from_config(doc: &Value) -> Result<Builtin, String> {
        let mut b = Builtin::default();
        let map = match doc {
            Value::Null => return Ok(b),
            Value::Object(m) => m,
            _ => return Err("a transformer configuration must be a map".into()),
        };
        for (key, v) in map {
            let list = match key.as_str() {
                "namespace" => &mut b.namespace,
                "commonLabels" => &mut b.common_labels,
                "templateLabels" => &mut b.template_labels,
                "commonAnnotations" => &mut b.common_annotations,
                "images" => &mut b.images,
                "replicas" => &mut b.replicas,
                "varReference" => &mut b.var_refs,
                "namePrefix" => &mut b.name_prefix,
                "nameSuffix" => &mut b.name_suffix,
                // Label specs of `labels` and volume claim templates: read and checked, the
                // transformers here use their built-in fields.
                "labels" | "volumeClaimTemplateLabels" => {
                    config_specs(v, key)?;
                    continue;
                }
                "nameReference" => {
                    for (i, item) in as_list(v, key)?.iter().enumerate() {
                        let m = item
                            .as_object()
                            .ok_or_else(|| format!("nameReference[{i}] must be a map"))?;
                        let referred = gvk_of(m);
                        let null = Value::Null;
                        let specs =
                            config_specs(m.get("fieldSpecs").unwrap_or(&null), "fieldSpecs")?;
                        for field in specs {
                            b.name_refs.push(NameRef {
                                referred: referred.clone(),
                                field,
                            });
                        }
                    }
                    continue;
                }
                other => {
                    return Err(format!(
                        "error unmarshaling JSON: json: unknown field {other:?}"
                    ));
                }
            };
            let specs = config_specs(v, key)?;
            merge_specs(list, &specs);
        }
        Ok(b)
    }
}

fn as_list<'v>(v: &'v Value, key: &str) -> Result<&'v [Value], String> {
    match v {
        Value::Null => Ok(&[]),
        Value::Array(a) => Ok(a),
        _ => Err(format!("{key} must be a list")),
    }
}

fn text(m: &serde_json::Map<String, Value>, key: &str) -> String {
    match m.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

fn gvk_of(m: &serde_json::Map<String, Value>) -> Gvk {
    let mut g = Gvk {
        group: text(m, "group"),
        version: text(m, "version"),
        kind: text(m, "kind"),
    };
    let api = text(m, "apiVersion");
    if !api.is_empty() {
        match api.split_once('/') {
            Some((group, version)) => {
                g.group = group.to_string();
                g.version = version.to_string();
            }
            None => g.version = api,
        }
    }
    g
}

/// Reads a list of field specs (`{group, version, kind, path, create}`), ignoring other keys
/// as kustomize's plugin configs do.
pub(crate) fn config_specs(v: &Value, key: &str) -> Result<Vec<FieldSpec>, String> {
    let mut out = Vec::new();
    for (i, item) in as_list(v, key)?.iter().enumerate() {
        let m = item
            .as_object()
            .ok_or_else(|| format!("{key}[{i}] must be a map"))?;
        let create = matches!(m.get("create"), Some(Value::Bool(true)));
        out.push(FieldSpec::new(gvk_of(m), &text(m, "path"), create));
    }
    Ok(out)
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
                        "varReference" => b.var_refs.push(spec),
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
