//! Strict fields: Tekton's admission webhook decodes each object with unknown fields
//! disallowed, so a misspelled `runAftr` is refused instead of silently dropped. This module
//! knows every field Tekton's `v1`, `v1beta1` and `v1alpha1` types define (generated from their swagger) and
//! lists the ones a document has beyond them. Like Go's decoder, it matches names
//! case-insensitively when no exact match exists (`runafter` is `runAfter`).
//!
//! ```
//! use pipeline_core::strict::unknown_fields;
//! let doc = serde_json::json!({
//!     "apiVersion": "tekton.dev/v1", "kind": "Pipeline", "metadata": {"name": "p"},
//!     "spec": {"tasks": [{"name": "b", "taskRef": {"name": "t"}, "runAftr": ["a"]}]}
//! });
//! assert_eq!(unknown_fields("tekton.dev/v1", "Pipeline", &doc), vec!["spec.tasks[0].runAftr"]);
//! ```

mod fields;

use serde_json::Value;

/// How a field's value is checked.
#[derive(Debug, Clone, Copy)]
enum F {
    /// Not descended into (scalars, Kubernetes types, parameter values).
    Any,
    /// An object of the type at this index.
    One(usize),
    /// A list of objects of the type at this index.
    List(usize),
    /// A map whose values are objects of the type at this index.
    Map(usize),
}

/// A Tekton type: its JSON field names.
#[derive(Debug)]
struct Ty {
    fields: &'static [(&'static str, F)],
}

/// What [`check`] found in a document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldCheck {
    /// Paths (such as `spec.tasks[0].runAftr`) of fields the type does not define.
    pub unknown: Vec<String>,
    /// Fields written in another letter case (`runafter`, `subpath`), as `(path as written,
    /// Tekton's spelling)`. Go's JSON decoder, which Tekton's webhook uses, matches field
    /// names case-insensitively, so Tekton accepts and honours them; [`check`] renames them
    /// in place so that they are not dropped either.
    pub folded: Vec<(String, String)>,
}

/// The paths (such as `spec.tasks[0].runAftr`) of the fields of `doc` that Tekton's type for
/// `kind` in `api_version` does not define, in document order. Empty for kinds Tekton does
/// not serve. Names differing only in letter case are not unknown (see [`FieldCheck`]).
pub fn unknown_fields(api_version: &str, kind: &str, doc: &Value) -> Vec<String> {
    let mut doc = doc.clone();
    check(api_version, kind, &mut doc).unknown
}

/// Checks `doc` against Tekton's type for `kind` in `api_version` and renames fields
/// written in another letter case to Tekton's spelling.
pub fn check(api_version: &str, kind: &str, doc: &mut Value) -> FieldCheck {
    let mut out = FieldCheck::default();
    if let Some(root) = fields::root(api_version, kind) {
        walk(root, doc, "", &mut out);
    }
    out
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn walk(ty: usize, value: &mut Value, path: &str, out: &mut FieldCheck) {
    let (Some(ty), Value::Object(map)) = (fields::TYPES.get(ty), value) else {
        return;
    };
    let keys: Vec<String> = map.keys().cloned().collect();
    for written in keys {
        let exact = ty.fields.iter().find(|(name, _)| *name == written);
        let found = exact.or_else(|| {
            ty.fields
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(&written))
        });
        let Some((name, f)) = found else {
            out.unknown.push(join(path, &written));
            continue;
        };
        let key = if exact.is_none() && !map.contains_key(*name) {
            out.folded.push((join(path, &written), (*name).to_string()));
            if let Some(v) = map.remove(&written) {
                map.insert((*name).to_string(), v);
            }
            (*name).to_string()
        } else {
            written
        };
        let Some(v) = map.get_mut(&key) else { continue };
        match (*f, v) {
            (F::Any, _) => {}
            (F::One(t), v) => walk(t, v, &join(path, &key), out),
            (F::List(t), Value::Array(items)) => {
                let at = join(path, &key);
                for (i, item) in items.iter_mut().enumerate() {
                    walk(t, item, &format!("{at}[{i}]"), out);
                }
            }
            (F::Map(t), Value::Object(entries)) => {
                let at = join(path, &key);
                for (k, item) in entries.iter_mut() {
                    walk(t, item, &format!("{at}.{k}"), out);
                }
            }
            _ => {}
        }
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
    fn case_folded_names_are_renamed_and_reported() {
        let mut doc = serde_json::json!({"spec": {"tasks": [
            {"name": "b", "runafter": ["a"], "taskRef": {"name": "t"}},
            {"name": "c", "runAftr": ["a"], "taskRef": {"Name": "t"}}
        ]}});
        let got = check("tekton.dev/v1", "Pipeline", &mut doc);
        assert_eq!(got.unknown, vec!["spec.tasks[1].runAftr"]);
        assert_eq!(
            got.folded,
            vec![
                ("spec.tasks[0].runafter".to_string(), "runAfter".to_string()),
                ("spec.tasks[1].taskRef.Name".to_string(), "name".to_string()),
            ]
        );
        assert_eq!(
            doc["spec"]["tasks"][0]["runAfter"],
            serde_json::json!(["a"])
        );
        assert_eq!(doc["spec"]["tasks"][1]["taskRef"]["name"], "t");
        assert!(check("v1", "ConfigMap", &mut doc).unknown.is_empty());
    }

    #[test]
    fn every_reference_is_in_range_and_names_are_unique() {
        for (i, ty) in fields::TYPES.iter().enumerate() {
            for (j, (name, f)) in ty.fields.iter().enumerate() {
                if let F::One(t) | F::List(t) | F::Map(t) = f {
                    assert!(*t < fields::TYPES.len(), "type {i} field {name}");
                }
                assert!(
                    !ty.fields[..j].iter().any(|(n, _)| n == name),
                    "type {i} repeats {name}"
                );
            }
        }
    }
}
