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
//! The fields are those of Tekton's `v1`, `v1beta1` and `v1alpha1` Go types (generated from
//! their swagger); Kubernetes types inside them (a container's `env`, volumes, resources)
//! are not descended into.
//!
//! ```
//! use pipeline_core::strict::unknown_fields;
//! let doc = serde_json::json!({
//!     "apiVersion": "tekton.dev/v1", "kind": "Pipeline", "metadata": {"name": "p"},
//!     "spec": {"tasks": [{"name": "b", "taskRef": {"name": "t"}, "runafter": ["a"]}]}
//! });
//! assert_eq!(unknown_fields("tekton.dev/v1", "Pipeline", &doc), vec!["spec.tasks[0].runafter"]);
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

/// Checks `doc` against Tekton's type for `kind` in `api_version`.
pub fn check(api_version: &str, kind: &str, doc: &Value) -> FieldCheck {
    let mut out = FieldCheck::default();
    if let Some(root) = fields::root(api_version, kind) {
        walk(root, doc, "", Layer::ApiServer, &mut out);
    }
    out
}

/// Which admission layer checks a subtree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layer {
    /// The CRD's structural schema: exact names.
    ApiServer,
    /// Below an open point of the CRD: Go's case-insensitive match.
    Webhook,
}

/// The fields the CRDs leave open (`x-kubernetes-preserve-unknown-fields`) that hold Tekton
/// types: everything below them is the webhook's.
const OPEN_FIELDS: [&str; 2] = ["taskSpec", "pipelineSpec"];

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn walk(ty: usize, value: &Value, path: &str, layer: Layer, out: &mut FieldCheck) {
    let (Some(ty), Value::Object(map)) = (fields::TYPES.get(ty), value) else {
        return;
    };
    for (key, v) in map {
        let exact = ty.fields.iter().find(|(name, _)| name == key);
        let found = match (exact, layer) {
            (Some(f), _) => Some(f),
            (None, Layer::ApiServer) => None,
            (None, Layer::Webhook) => ty
                .fields
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(key)),
        };
        let Some((name, f)) = found else {
            out.unknown.push(join(path, key));
            continue;
        };
        let at = join(path, key);
        if exact.is_none() {
            out.folded.push((at.clone(), (*name).to_string()));
        }
        let layer = if OPEN_FIELDS.contains(name) {
            Layer::Webhook
        } else {
            layer
        };
        match (*f, v) {
            (F::Any, _) => {}
            (F::One(t), v) => walk(t, v, &at, layer, out),
            (F::List(t), Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    walk(t, item, &format!("{at}[{i}]"), layer, out);
                }
            }
            (F::Map(t), Value::Object(entries)) => {
                for (k, item) in entries {
                    walk(t, item, &format!("{at}.{k}"), layer, out);
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
