//! `replacements`: copy a field of one object into fields of others.

use crate::kustomization::{Selector, scalar_text};
use crate::patch::selector::Compiled;
use crate::resource::{Resource, as_map};
use serde_json::{Map, Value};

fn selector(v: &Value) -> Selector {
    let g = |k: &str| v.get(k).and_then(scalar_text).unwrap_or_default();
    Selector {
        group: g("group"),
        version: g("version"),
        kind: g("kind"),
        name: g("name"),
        namespace: g("namespace"),
        label_selector: g("labelSelector"),
        annotation_selector: g("annotationSelector"),
    }
}

fn regex_escape_selector(s: Selector) -> Selector {
    let e = |x: String| if x.is_empty() { x } else { regex::escape(&x) };
    Selector {
        group: e(s.group),
        version: e(s.version),
        kind: e(s.kind),
        name: e(s.name),
        namespace: e(s.namespace),
        ..s
    }
}

/// Splits `a.b[name=x].0` into parts; `[cert-manager.io/inject-ca-from]` is one key.
fn split_field_path(p: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_bracket = false;
    for c in p.chars() {
        match c {
            '[' if !in_bracket => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                in_bracket = true;
                cur.push('[');
            }
            ']' if in_bracket => {
                in_bracket = false;
                let part = std::mem::take(&mut cur);
                // As kyaml's SmarterPathSplitter: `[a.b/c]` without `=` is the map key
                // `a.b/c`; `[name=x]` selects a list item.
                if !part.contains('=') && part.contains('.') {
                    out.push(part.get(1..).unwrap_or("").to_string());
                } else {
                    out.push(part + "]");
                }
            }
            '.' if !in_bracket => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn lookup<'a>(node: &'a mut Value, parts: &[String], create: bool) -> Option<&'a mut Value> {
    let Some((first, rest)) = parts.split_first() else {
        return Some(node);
    };
    if let Some(sel) = first.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
        let (k, v) = sel.split_once('=')?;
        let items = node.as_array_mut()?;
        let pos = items
            .iter()
            .position(|i| i.get(k).and_then(scalar_text).as_deref() == Some(v))?;
        return lookup(items.get_mut(pos)?, rest, create);
    }
    if let Value::Array(items) = node {
        let i: usize = first.parse().ok()?;
        return lookup(items.get_mut(i)?, rest, create);
    }
    if node.is_null() && create {
        *node = Value::Object(Map::new());
    }
    let m = node.as_object_mut()?;
    if !m.contains_key(first.as_str()) {
        if !create {
            return None;
        }
        m.insert(first.clone(), Value::Null);
    }
    lookup(m.get_mut(first.as_str())?, rest, create)
}

fn opt_str(v: &Value, k: &str) -> String {
    v.get("options")
        .and_then(|o| o.get(k))
        .and_then(scalar_text)
        .unwrap_or_default()
}

fn opt_index(v: &Value) -> i64 {
    v.get("options")
        .and_then(|o| o.get("index"))
        .and_then(Value::as_i64)
        .unwrap_or(0)
}

/// Runs every replacement in order.
pub fn apply(resources: &mut [Resource], replacements: &[Value]) -> Result<(), String> {
    for (n, rep) in replacements.iter().enumerate() {
        let src = rep
            .get("source")
            .ok_or_else(|| format!("replacements[{n}]: missing 'source'"))?;
        let sel = Compiled::new(&regex_escape_selector(selector(src)))?;
        let found: Vec<usize> = (0..resources.len())
            .filter(|&i| resources.get(i).is_some_and(|r| sel.matches_any_id(r)))
            .collect();
        let idx = match found.as_slice() {
            [one] => *one,
            [] => return Err(format!("replacements[{n}]: nothing selected by source")),
            _ => {
                return Err(format!(
                    "replacements[{n}]: multiple matches for source selector"
                ));
            }
        };
        let field = src
            .get("fieldPath")
            .and_then(Value::as_str)
            .unwrap_or("metadata.name");
        let mut value = {
            let r = resources.get_mut(idx).ok_or("source vanished")?;
            lookup(&mut r.obj, &split_field_path(field), false)
                .cloned()
                .ok_or_else(|| {
                    format!(
                        "replacements[{n}]: fieldPath `{field}` is missing for replacement source"
                    )
                })?
        };
        let delim = opt_str(src, "delimiter");
        if !delim.is_empty() {
            let s = scalar_text(&value).unwrap_or_default();
            let parts: Vec<&str> = s.split(delim.as_str()).collect();
            let i = usize::try_from(opt_index(src))
                .ok()
                .and_then(|i| parts.get(i))
                .ok_or("delimiter index out of range")?;
            value = Value::String(i.to_string());
        }
        let targets = rep
            .get("targets")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for t in &targets {
            let select = Compiled::new(&regex_escape_selector(selector(
                t.get("select").unwrap_or(&Value::Null),
            )))?;
            let rejects: Vec<Compiled> = t
                .get("reject")
                .and_then(Value::as_array)
                .map(|l| {
                    l.iter()
                        .map(|r| Compiled::new(&regex_escape_selector(selector(r))))
                        .collect::<Result<_, _>>()
                })
                .transpose()?
                .unwrap_or_default();
            let create = t
                .get("options")
                .and_then(|o| o.get("create"))
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let tdelim = opt_str(t, "delimiter");
            for r in resources.iter_mut() {
                if !select.matches_any_id(r) || rejects.iter().any(|x| x.matches_any_id(r)) {
                    continue;
                }
                // kustomize: a target without fieldPaths gets metadata.name.
                let default_path = [Value::String("metadata.name".into())];
                let paths: &[Value] = match t.get("fieldPaths").and_then(Value::as_array) {
                    Some(list) if !list.is_empty() => list,
                    _ => &default_path,
                };
                for fp in paths {
                    let Some(fp) = fp.as_str() else { continue };
                    let Some(node) = lookup(&mut r.obj, &split_field_path(fp), create) else {
                        return Err(format!(
                            "replacements[{n}]: unable to find field `{fp}` in replacement target"
                        ));
                    };
                    if tdelim.is_empty() {
                        *node = value.clone();
                    } else {
                        let cur = scalar_text(node).unwrap_or_default();
                        let mut parts: Vec<String> =
                            cur.split(tdelim.as_str()).map(str::to_string).collect();
                        let i = usize::try_from(opt_index(t)).unwrap_or(0);
                        let v = scalar_text(&value).unwrap_or_default();
                        match parts.get_mut(i) {
                            Some(p) => *p = v,
                            None => parts.push(v),
                        }
                        *node = Value::String(parts.join(&tdelim));
                    }
                }
            }
        }
        let _ = as_map;
    }
    Ok(())
}
