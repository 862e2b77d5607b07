//! `vars` (deprecated by kustomize in favour of `replacements`, still common): `$(NAME)` in
//! the fields of the `varReference` field specs is replaced by a field of a named object,
//! once the whole tree is built and name references are fixed.
//!
//! As kustomize: each kustomization marks the object its vars name (matched by any of its
//! ids, at the level declaring the var); at the end the value is read from that object as it
//! came out of every transformer. `$(NAME)` alone in a string takes the value's type
//! (`$(PORT)` becomes the number `8080`); inside a longer string it is printed; `$$` stands
//! for `$`; an unknown name is left as written.

use crate::fieldspec::{self, FieldSpec};
use crate::kustomization::Var;
use crate::resid::ResId;
use crate::resid::{KustomizeId as _, KustomizeScope as _};
use crate::resource::Resource;
use serde_json::Value;
use std::collections::BTreeMap;

/// A var as kustomize prints it in messages: `{NAME Kind.version.group {fieldPath}}`.
fn describe(v: &Var) -> String {
    let or = |s: &str, d: &'static str| {
        if s.is_empty() {
            d.to_string()
        } else {
            s.to_string()
        }
    };
    format!(
        "{{{} {}.{}.{} {{{}}}}}",
        v.name,
        or(&v.gvk.kind, "[noKind]"),
        or(&v.gvk.version, "[noVer]"),
        or(&v.gvk.group, "[noGrp]"),
        v.field_path
    )
}

/// Marks the object each var of `vars` names, and adds the vars to `all`, refusing a name
/// already there (kustomize's `var 'X' already encountered`).
pub fn merge(ra: &mut [Resource], vars: &[Var], all: &mut Vec<Var>) -> Result<(), String> {
    for v in vars {
        let target = ResId {
            gvk: v.gvk.clone(),
            namespace: v.namespace.clone(),
            name: v.obj_name.clone(),
        };
        let exact = !v.namespace.is_empty() || v.gvk.kustomize_cluster_scoped();
        let matches = |id: &ResId| {
            id.name == target.name && id.gvk == target.gvk && (!exact || id.ns_equals(&target))
        };
        let found: Vec<usize> = (0..ra.len())
            .filter(|&i| ra.get(i).is_some_and(|r| r.any_id(matches)))
            .collect();
        match found.as_slice() {
            [] => {}
            [i] => {
                if let Some(r) = ra.get_mut(*i) {
                    r.ref_vars.push(v.name.clone());
                }
            }
            _ => {
                return Err(format!(
                    "found {} resId matches for var {} (unable to disambiguate)",
                    found.len(),
                    describe(v)
                ));
            }
        }
    }
    merge_names(all, vars)
}

/// Adds `vars` to `all`, refusing a name already there.
pub fn merge_names(all: &mut Vec<Var>, vars: &[Var]) -> Result<(), String> {
    for v in vars {
        if all.iter().any(|x| x.name == v.name) {
            return Err(format!("var '{}' already encountered", v.name));
        }
        all.push(v.clone());
    }
    Ok(())
}

/// The value at a dotted field path (`spec.ports[0].port`, `spec.containers.0.image`,
/// `spec.containers.[name=web].image`), as kustomize's `GetFieldValue` reads it.
fn field_value<'v>(obj: &'v Value, path: &str) -> Option<&'v Value> {
    let mut node = obj;
    for part in path.split('.') {
        // `name[3]` is `name` then `3`, as kyaml's convertSliceIndex.
        let mut steps: Vec<&str> = Vec::new();
        match part
            .strip_suffix(']')
            .and_then(|p| p.rsplit_once('['))
            .filter(|(_, i)| !i.is_empty() && i.bytes().all(|b| b.is_ascii_digit()))
        {
            Some((head, index)) => {
                if !head.is_empty() {
                    steps.push(head);
                }
                steps.push(index);
            }
            None => steps.push(part),
        }
        for step in steps {
            node = match node {
                Value::Object(m) => m.get(step)?,
                Value::Array(items) => {
                    if let Some((k, want)) = step
                        .strip_prefix('[')
                        .and_then(|s| s.strip_suffix(']'))
                        .and_then(|s| s.split_once('='))
                    {
                        items.iter().find(|item| {
                            item.get(k)
                                .and_then(crate::kustomization::scalar_text)
                                .as_deref()
                                == Some(want)
                        })?
                    } else {
                        items.get(step.parse::<usize>().ok()?)?
                    }
                }
                _ => return None,
            };
        }
    }
    Some(node)
}

/// A value as Go's `%v` prints it inside a string.
fn print(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "<nil>".into(),
        other => crate::kustomization::scalar_text(other).unwrap_or_else(|| other.to_string()),
    }
}

/// Replaces the `$(NAME)` of `input` (kustomize's `DoReplacements`).
fn replace(input: &str, values: &BTreeMap<String, Value>, used: &mut Vec<String>) -> Value {
    let bytes = input.as_bytes();
    let mut out = String::new();
    let mut checkpoint = 0;
    let mut cursor = 0;
    while cursor < bytes.len() {
        if bytes.get(cursor) == Some(&b'$') && cursor + 1 < bytes.len() {
            out.push_str(input.get(checkpoint..cursor).unwrap_or(""));
            let rest = input.get(cursor + 1..).unwrap_or("");
            let advance = match rest.as_bytes().first() {
                Some(b'$') => {
                    out.push('$');
                    1
                }
                Some(b'(') => match rest.find(')') {
                    Some(close) => {
                        let name = rest.get(1..close).unwrap_or("");
                        match values.get(name) {
                            Some(v) => {
                                used.push(name.to_string());
                                if input.len() == name.len() + 3 {
                                    return v.clone();
                                }
                                out.push_str(&print(v));
                            }
                            None => {
                                out.push_str("$(");
                                out.push_str(name);
                                out.push(')');
                            }
                        }
                        close + 1
                    }
                    None => {
                        out.push_str("$(");
                        1
                    }
                },
                Some(_) => {
                    // `$` and the next character, copied as they are.
                    let c = rest.chars().next().map_or(1, char::len_utf8);
                    out.push('$');
                    out.push_str(rest.get(..c).unwrap_or(""));
                    c
                }
                None => 0,
            };
            cursor += advance;
            checkpoint = cursor + 1;
        }
        cursor += 1;
    }
    out.push_str(input.get(checkpoint.min(input.len())..).unwrap_or(""));
    Value::String(out)
}

/// Resolves every var against the marked objects and replaces `$(NAME)` at `specs`.
pub fn resolve(ra: &mut [Resource], vars: &[Var], specs: &[FieldSpec]) -> Result<(), String> {
    let mut values = BTreeMap::new();
    let mut sorted: Vec<&Var> = vars.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    for v in sorted {
        let Some(r) = ra.iter().find(|r| r.ref_vars.contains(&v.name)) else {
            return Err(format!(
                "var '{}' cannot be mapped to a field in the set of known resources",
                describe(v)
            ));
        };
        let value = field_value(&r.obj, &v.field_path).ok_or_else(|| {
            format!(
                "field specified in var '{}' not found in corresponding resource",
                describe(v)
            )
        })?;
        values.insert(v.name.clone(), value.clone());
    }
    if values.is_empty() {
        return Ok(());
    }
    let mut used = Vec::new();
    for r in ra.iter_mut() {
        let gvk = r.gvk();
        for spec in specs {
            fieldspec::apply::<String>(&mut r.obj, &gvk, spec, &mut |node| {
                match node {
                    Value::String(s) => *node = replace(s, &values, &mut used),
                    Value::Object(m) => {
                        for v in m.values_mut() {
                            if let Value::String(s) = v {
                                *v = replace(s, &values, &mut used);
                            }
                        }
                    }
                    Value::Array(items) => {
                        for item in items {
                            let Value::String(s) = item else {
                                return Err("invalid value type expect a string".into());
                            };
                            *item = replace(s, &values, &mut used);
                        }
                    }
                    _ => {}
                }
                Ok(())
            })?;
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn replacements_as_kustomize_does_them() {
        let values: BTreeMap<String, Value> = [
            ("A".to_string(), json!("x")),
            ("PORT".to_string(), json!(8080)),
        ]
        .into_iter()
        .collect();
        let mut used = Vec::new();
        for (input, want) in [
            ("$(A)", json!("x")),
            ("$(PORT)", json!(8080)),
            ("p=$(PORT)", json!("p=8080")),
            ("$$(A)", json!("$(A)")),
            ("$(B) $(A)", json!("$(B) x")),
            ("$(A", json!("$(A")),
            ("a$b$", json!("a$b$")),
            ("€$(A)€", json!("€x€")),
        ] {
            assert_eq!(replace(input, &values, &mut used), want, "{input}");
        }
    }

    #[test]
    fn field_paths() {
        let obj = json!({"spec": {"ports": [{"name": "a", "port": 1}, {"name": "b", "port": 2}]}});
        assert_eq!(field_value(&obj, "spec.ports[1].port"), Some(&json!(2)));
        assert_eq!(field_value(&obj, "spec.ports.0.port"), Some(&json!(1)));
        assert_eq!(
            field_value(&obj, "spec.ports.[name=b].port"),
            Some(&json!(2))
        );
        assert_eq!(field_value(&obj, "spec.missing"), None);
    }
}
