//! `replicas`: sets `spec.replicas` of the named workloads.

use crate::fieldspec::{self, FieldSpec};
use crate::kustomization::Replica;
use crate::resource::Resource;
use serde_json::Value;

/// Sets the counts; an error names a replica entry that matches no object.
pub fn apply(
    resources: &mut [Resource],
    replicas: &[Replica],
    specs: &[FieldSpec],
) -> Result<(), String> {
    for rep in replicas {
        let mut found = false;
        for spec in specs {
            for r in resources.iter_mut() {
                let gvk = r.gvk();
                if !gvk.is_selected_by(&spec.gvk) || !r.any_id(|id| id.name == rep.name) {
                    continue;
                }
                found = true;
                fieldspec::walk::<()>(&mut r.obj, &spec.path, spec.create, &mut |node| {
                    *node = Value::from(rep.count);
                    Ok(())
                })
                .ok();
            }
        }
        if !found {
            let gvks: Vec<String> = specs.iter().map(|s| s.gvk.to_string()).collect();
            return Err(format!(
                "resource with name {} does not match a config with the following GVK {:?}",
                rep.name, gvks
            ));
        }
    }
    Ok(())
}
