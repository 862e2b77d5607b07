//! Strict fields, as a Tekton cluster admits objects. Two layers check them:
//!
//! - the API server, against the CRD's structural schema (`kubectl`'s default
//!   `--validate=strict`): a field the schema does not define is refused, names compared
//!   exactly, so `runafter` is as unknown as `runAftr`;
//! - below the points the CRDs leave open (`x-kubernetes-preserve-unknown-fields`: a
//!   pipeline task's `taskSpec` and `pipelineSpec`, a PipelineRun's `pipelineSpec`, a
//!   TaskRun's `taskSpec`), only Tekton's webhook, which decodes with Go's `encoding/json`
//!   and unknown fields disallowed: a misspelled field is refused, but a name in another
//!   letter case matches (`mountpath` for `mountPath`). Tekton's controller then reads
//!   the stored object case-sensitively and ignores it, so such a field is accepted,
//!   reported ([`FieldCheck::folded`]) and, as in Tekton, has no effect.
//!
//! The API server's layer is generated from Tekton's CRDs (Kubernetes types such as a
//! container's `env` or `computeResources` included); the webhook's from Tekton's `v1`,
//! `v1beta1` and `v1alpha1` Go types (their swagger), where Kubernetes types are not
//! descended into. Both tables are regenerated from a tektoncd/pipeline checkout by
//! `tools/strict_fields.py`.
//!
//! ```
//! use pipeline_core::strict::unknown_fields;
//! let doc = serde_json::json!({
//!     "apiVersion": "tekton.dev/v1", "kind": "Pipeline", "metadata": {"name": "p"},
//!     "spec": {"tasks": [{"name": "b", "taskRef": {"name": "t"}, "runafter": ["a"]}]}
//! });
//! assert_eq!(unknown_fields("tekton.dev/v1", "Pipeline", &doc), vec!["spec.tasks[0].runafter"]);
//! ```

mod crd;
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

/// How a field of a CRD schema node is checked.
#[derive(Debug, Clone, Copy)]
enum C {
    /// Not descended into (scalars, open fields without a Tekton type).
    Any,
    /// An object of the node at this index.
    One(usize),
    /// A list of objects of the node at this index.
    List(usize),
    /// A map whose values are objects of the node at this index.
    Map(usize),
    /// Left open by the CRD; the webhook checks it as the Tekton type at this index of
    /// `fields::TYPES`.
    Open(usize),
}

/// A node of a CRD's structural schema: its properties.
#[derive(Debug)]
struct Node {
    fields: &'static [(&'static str, C)],
}

/// What [`check`] found in a document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldCheck {
    /// Paths (such as `spec.tasks[0].runAftr`) of fields Tekton refuses.
    pub unknown: Vec<String>,
    /// Fields under an open point of the CRD written in another letter case than Tekton's
    /// (`mountpath`), as `(path as written, Tekton's spelling)`: accepted by the webhook,
    /// ignored by the controller (see the [module](self) page).
    pub folded: Vec<(String, String)>,
}

/// The paths (such as `spec.tasks[0].runAftr`) of the fields of `doc` that Tekton refuses
/// for `kind` in `api_version`, in document order. Empty for kinds Tekton does not serve.
pub fn unknown_fields(api_version: &str, kind: &str, doc: &Value) -> Vec<String> {
    check(api_version, kind, doc).unknown
}

/// Checks `doc` as a cluster admits a `kind` in `api_version`: the CRD's schema, then the
/// webhook below the fields the CRD leaves open.
pub fn check(api_version: &str, kind: &str, doc: &Value) -> FieldCheck {
    let mut out = FieldCheck::default();
    if let Some(root) = crd::root(api_version, kind) {
        walk_crd(root, doc, "", &mut out);
    } else if let Some(root) = fields::root(api_version, kind) {
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

/// The API server's layer: exact names.
fn walk_crd(node: usize, value: &Value, path: &str, out: &mut FieldCheck) {
    let (Some(node), Value::Object(map)) = (crd::NODES.get(node), value) else {
        return;
    };
    for (key, v) in map {
        let Some((_, c)) = node.fields.iter().find(|(name, _)| name == key) else {
            out.unknown.push(join(path, key));
            continue;
        };
        let at = join(path, key);
        match (*c, v) {
            (C::Any, _) => {}
            (C::One(n), v) => walk_crd(n, v, &at, out),
            (C::List(n), Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    walk_crd(n, item, &format!("{at}[{i}]"), out);
                }
            }
            (C::Map(n), Value::Object(entries)) => {
                for (k, item) in entries {
                    walk_crd(n, item, &format!("{at}.{k}"), out);
                }
            }
            (C::Open(t), v) => walk(t, v, &at, out),
            _ => {}
        }
    }
}

/// The webhook's layer: Go's decoder, exact names first, then any letter case.
fn walk(ty: usize, value: &Value, path: &str, out: &mut FieldCheck) {
    let (Some(ty), Value::Object(map)) = (fields::TYPES.get(ty), value) else {
        return;
    };
    for (key, v) in map {
        let exact = ty.fields.iter().find(|(name, _)| name == key);
        let found = exact.or_else(|| {
            ty.fields
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(key))
        });
        let Some((name, f)) = found else {
            out.unknown.push(join(path, key));
            continue;
        };
        let at = join(path, key);
        if exact.is_none() {
            out.folded.push((at.clone(), (*name).to_string()));
        }
        match (*f, v) {
            (F::Any, _) => {}
            (F::One(t), v) => walk(t, v, &at, out),
            (F::List(t), Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    walk(t, item, &format!("{at}[{i}]"), out);
                }
            }
            (F::Map(t), Value::Object(entries)) => {
                for (k, item) in entries {
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
    fn letter_case_counts_where_the_api_server_checks() {
        let doc = serde_json::json!({"spec": {"tasks": [
            {"name": "b", "runafter": ["a"], "taskRef": {"Name": "t"}},
            {"name": "c", "taskSpec": {"Steps": [{"name": "s", "workingdir": "/w", "imag": "x"}]}}
        ]}});
        let got = check("tekton.dev/v1", "Pipeline", &doc);
        assert_eq!(
            got.unknown,
            vec![
                "spec.tasks[0].runafter",
                "spec.tasks[0].taskRef.Name",
                "spec.tasks[1].taskSpec.Steps[0].imag",
            ]
        );
        assert_eq!(
            got.folded,
            vec![
                (
                    "spec.tasks[1].taskSpec.Steps".to_string(),
                    "steps".to_string()
                ),
                (
                    "spec.tasks[1].taskSpec.Steps[0].workingdir".to_string(),
                    "workingDir".to_string()
                ),
            ]
        );
        assert!(check("v1", "ConfigMap", &doc).unknown.is_empty());
    }

    #[test]
    fn every_crd_reference_is_in_range_and_names_are_unique() {
        for (i, node) in crd::NODES.iter().enumerate() {
            for (j, (name, c)) in node.fields.iter().enumerate() {
                match c {
                    C::One(n) | C::List(n) | C::Map(n) => {
                        assert!(*n < crd::NODES.len(), "node {i} field {name}")
                    }
                    C::Open(t) => assert!(*t < fields::TYPES.len(), "node {i} field {name}"),
                    C::Any => {}
                }
                assert!(
                    !node.fields[..j].iter().any(|(n, _)| n == name),
                    "node {i} repeats {name}"
                );
            }
        }
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
