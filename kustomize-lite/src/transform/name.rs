//! `namePrefix` and `nameSuffix`.

use crate::fieldspec::FieldSpec;
use crate::resource::Resource;
use serde_json::Value;

/// Whether kustomize leaves the names of `r`'s kind alone (CRDs, Namespaces, APIServices).
pub fn skipped(r: &Resource) -> bool {
    let gvk = r.gvk();
    gvk.kind == "CustomResourceDefinition"
        || gvk.kind == "Namespace"
        || (gvk.group == "apiregistration.k8s.io" && gvk.kind == "APIService")
}

/// Adds `prefix` to every name (CRDs, Namespaces and APIServices keep theirs).
pub fn prefix(resources: &mut [Resource], prefix: &str) {
    if prefix.is_empty() {
        return;
    }
    for r in resources.iter_mut().filter(|r| !skipped(r)) {
        r.store_previous_id();
        r.prefixes.push(prefix.to_string());
        let name = format!("{prefix}{}", r.name());
        r.set_name(&name);
    }
}

/// Adds `suffix` to every name (CRDs, Namespaces and APIServices keep theirs).
pub fn suffix(resources: &mut [Resource], suffix: &str) {
    if suffix.is_empty() {
        return;
    }
    for r in resources.iter_mut().filter(|r| !skipped(r)) {
        r.store_previous_id();
        r.suffixes.push(suffix.to_string());
        let name = format!("{}{suffix}", r.name());
        r.set_name(&name);
    }
}

/// Adds `affix` (a prefix, or a suffix when `is_prefix` is false) on the fields `specs`
/// select, as kustomize's PrefixTransformer and SuffixTransformer: `metadata/name` renames
/// (name references follow), any other field gets the text added.
pub fn affix(resources: &mut [Resource], affix: &str, is_prefix: bool, specs: &[FieldSpec]) {
    for r in resources.iter_mut() {
        let g = r.gvk();
        for spec in specs.iter().filter(|s| g.is_selected_by(&s.gvk)) {
            if spec.path == ["metadata", "name"] {
                let one = std::slice::from_mut(&mut *r);
                if is_prefix {
                    prefix(one, affix);
                } else {
                    suffix(one, affix);
                }
                continue;
            }
            if affix.is_empty() || skipped(r) {
                continue;
            }
            let _ = crate::fieldspec::apply::<()>(&mut r.obj, &g, spec, &mut |n| {
                let cur = match n {
                    Value::String(v) => v.as_str(),
                    Value::Null => "",
                    _ => return Ok(()),
                };
                *n = Value::String(if is_prefix {
                    format!("{affix}{cur}")
                } else {
                    format!("{cur}{affix}")
                });
                Ok(())
            });
        }
    }
}
