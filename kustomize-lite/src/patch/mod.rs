//! Patches: strategic merge and JSON 6902, and the target selectors that pick the objects
//! they apply to.

pub mod selector;
pub mod smp;

use crate::resid::Gvk;
use crate::resource::Resource;
use serde_json::Value;

/// A patch's content.
#[derive(Debug, Clone, PartialEq)]
pub enum PatchBody {
    /// JSON 6902 operations.
    Json(json_patch::Patch),
    /// Strategic merge patches (one per YAML document).
    Smp(Vec<Value>),
}

/// Reads a patch: a single YAML/JSON list is JSON 6902, maps are strategic merge patches.
pub fn parse(text: &str, origin: &str) -> Result<PatchBody, String> {
    let docs = crate::yaml::parse_stream(text, origin).map_err(|e| e.to_string())?;
    let docs: Vec<Value> = docs.into_iter().filter(|d| !d.is_null()).collect();
    if let [Value::Array(_)] = docs.as_slice() {
        let ops = docs.into_iter().next().unwrap_or(Value::Null);
        let patch: json_patch::Patch =
            serde_json::from_value(ops).map_err(|e| format!("invalid JSON 6902 patch: {e}"))?;
        return Ok(PatchBody::Json(patch));
    }
    if let Some(bad) = docs.iter().position(|d| !d.is_object()) {
        return Err(format!(
            "document {bad} is neither a map (strategic merge) nor a list (JSON 6902)"
        ));
    }
    Ok(PatchBody::Smp(docs))
}

/// Applies JSON 6902 operations to an object, as kustomize's json-patch (evanphx v4) does:
/// `replace` of a missing key of an existing map sets it, `test` of `null` passes on a
/// missing key, and `metadata.annotations` exists
/// for every object (kustomize keeps its own annotations there while building).
pub fn apply_json(r: &mut Resource, patch: &json_patch::Patch) -> Result<(), String> {
    use json_patch::{AddOperation, PatchOperation};
    r.store_previous_id();
    for (i, op) in patch.iter().enumerate() {
        let path = op.path();
        if path.as_str().starts_with("/metadata/annotations/")
            && let Some(meta) = r.obj.get_mut("metadata").and_then(Value::as_object_mut)
            && !meta.get("annotations").is_some_and(Value::is_object)
        {
            meta.insert("annotations".into(), Value::Object(Default::default()));
        }
        // evanphx v4: `test` of `null` passes on a key the map lacks.
        if let PatchOperation::Test(t) = op
            && t.value.is_null()
            && t.path.split_back().is_some_and(|(parent, key)| {
                r.obj
                    .pointer(parent.as_str())
                    .and_then(Value::as_object)
                    .is_some_and(|m| !m.contains_key(key.decoded().as_ref()))
            })
        {
            continue;
        }
        let op = match op {
            PatchOperation::Replace(rep) => {
                let missing_key = rep.path.split_back().is_some_and(|(parent, key)| {
                    r.obj
                        .pointer(parent.as_str())
                        .and_then(Value::as_object)
                        .is_some_and(|m| !m.contains_key(key.decoded().as_ref()))
                });
                if missing_key {
                    PatchOperation::Add(AddOperation {
                        path: rep.path.clone(),
                        value: rep.value.clone(),
                    })
                } else {
                    op.clone()
                }
            }
            _ => op.clone(),
        };
        json_patch::patch(&mut r.obj, std::slice::from_ref(&op)).map_err(|e| {
            format!(
                "operation '/{i}' failed at path '{}': {}",
                path.as_str(),
                e.kind
            )
        })?;
    }
    Ok(())
}

/// Removes the field at `path` when it is still `null`.
fn remove_if_null(obj: &mut Value, path: &[String]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut node = obj;
    for key in parents {
        match node.get_mut(key.as_str()) {
            Some(next) => node = next,
            None => return,
        }
    }
    if let Some(m) = node.as_object_mut()
        && m.get(last.as_str()).is_some_and(Value::is_null)
    {
        m.shift_remove(last.as_str());
    }
}

/// Applies a strategic merge patch; returns `false` when the patch deleted the object.
/// Name, namespace and kind stay unless the options allow a change. With `custom_schema` (a
/// kustomization gave `openapi.path`), the lists of custom kinds merge by a key their
/// elements share instead of being replaced.
pub fn apply_smp_with(
    r: &mut Resource,
    patch: &Value,
    allow_name: bool,
    allow_kind: bool,
    custom_schema: bool,
) -> bool {
    let (name, ns, kind) = (
        r.name().to_string(),
        r.namespace().to_string(),
        r.gvk().kind,
    );
    let api_version = r.obj.get("apiVersion").cloned();
    if allow_name || allow_kind {
        r.store_previous_id();
    }
    let Some(pm) = patch.as_object() else {
        return true;
    };
    let gvk: Gvk = r.gvk();
    let schema = match smp::Schema::for_kind(&gvk.group, &gvk.version, &gvk.kind) {
        smp::Schema::Opaque if custom_schema => smp::Schema::Inferred,
        other => other,
    };
    let obj = crate::resource::as_map(&mut r.obj);
    if smp::merge_map(obj, pm, schema) == smp::Outcome::Delete {
        return false;
    }
    if schema == smp::Schema::Builtin {
        smp::dedup_lists(&mut r.obj, schema);
    }
    // kustomize's strategic merge leaves out the fields the object's file wrote empty.
    for path in std::mem::take(&mut r.empty_fields) {
        remove_if_null(&mut r.obj, &path);
    }
    if !allow_kind {
        r.set_kind(&kind);
        if let (Some(v), Some(m)) = (api_version, r.obj.as_object_mut()) {
            m.insert("apiVersion".into(), v);
        }
    }
    if !allow_name {
        r.set_name(&name);
    }
    r.set_namespace(&ns);
    true
}
