//! `commonLabels`, `labels` and `commonAnnotations`: string maps set at field specs.

use crate::fieldspec::{self, FieldSpec};
use crate::resource::Resource;
use serde_json::{Map, Value};

/// Sets every pair into the map at each field spec (creating maps where the spec says so).
pub fn apply(resources: &mut [Resource], pairs: &[(String, String)], specs: &[FieldSpec]) {
    if pairs.is_empty() {
        return;
    }
    for r in resources.iter_mut() {
        let gvk = r.gvk();
        for spec in specs {
            let _ = fieldspec::apply::<()>(&mut r.obj, &gvk, spec, &mut |node| {
                if node.is_null() {
                    *node = Value::Object(Map::new());
                }
                if let Value::Object(m) = node {
                    for (k, v) in pairs {
                        m.insert(k.clone(), Value::String(v.clone()));
                    }
                }
                Ok(())
            });
        }
    }
}

/// Adds the specs of `extra` that `list` does not hold yet.
pub fn merge_specs(list: &mut Vec<FieldSpec>, extra: &[FieldSpec]) {
    for s in extra {
        if !list.iter().any(|x| x.gvk == s.gvk && x.path == s.path) {
            list.push(s.clone());
        }
    }
}
