//! `crds`: name references declared in OpenAPI definitions of custom kinds
//! (`x-kubernetes-object-ref-kind`).

use crate::fieldspec::{FieldSpec, NameRef};
use crate::resid::Gvk;
use serde_json::{Map, Value};

const MAX_DEPTH: usize = 32;

fn walk(
    defs: &Map<String, Value>,
    schema: &Value,
    path: &mut Vec<String>,
    kind: &str,
    out: &mut Vec<NameRef>,
) {
    if path.len() > MAX_DEPTH {
        return;
    }
    let schema = match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => match defs.get(r).and_then(|d| d.get("Schema")) {
            Some(s) => s,
            None => return,
        },
        None => schema,
    };
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return;
    };
    for (name, prop) in props {
        path.push(name.clone());
        if let Some(ref_kind) = prop
            .get("x-kubernetes-object-ref-kind")
            .and_then(Value::as_str)
        {
            let api = prop
                .get("x-kubernetes-object-ref-api-version")
                .and_then(Value::as_str)
                .unwrap_or("");
            let referred = Gvk::from_api_version(api, ref_kind);
            let spec = FieldSpec {
                gvk: Gvk {
                    kind: kind.to_string(),
                    ..Default::default()
                },
                path: path
                    .iter()
                    .cloned()
                    .chain(std::iter::once("name".to_string()))
                    .collect(),
                create: false,
            };
            out.push(NameRef {
                referred,
                field: spec,
            });
        } else if name != "metadata" {
            walk(defs, prop, path, kind, out);
        }
        path.pop();
    }
}

/// The name references an OpenAPI definitions document declares.
pub fn name_refs(doc: &Value) -> Vec<NameRef> {
    let mut out = Vec::new();
    let Some(defs) = doc.as_object() else {
        return out;
    };
    for (key, def) in defs {
        let Some(schema) = def.get("Schema") else {
            continue;
        };
        let props = schema.get("properties");
        if props.and_then(|p| p.get("kind")).is_none()
            || props.and_then(|p| p.get("apiVersion")).is_none()
        {
            continue;
        }
        let kind = key.rsplit('.').next().unwrap_or(key);
        walk(defs, schema, &mut Vec::new(), kind, &mut out);
    }
    out
}
