//! `configMapGenerator` and `secretGenerator`.

use crate::error::{Error, Result};
use crate::kustomization::{Generator, GeneratorOptions};
use crate::resource::Resource;
use base64::Engine as _;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Which generator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GenKind {
    /// `configMapGenerator`.
    ConfigMap,
    /// `secretGenerator`.
    Secret,
}

impl GenKind {
    fn field(self) -> &'static str {
        match self {
            GenKind::ConfigMap => "configMapGenerator",
            GenKind::Secret => "secretGenerator",
        }
    }
}

/// Base64 broken into lines of 70 characters when longer, as kustomize writes Secret data.
pub fn encode_base64(bytes: &[u8]) -> String {
    const LINE: usize = 70;
    let enc = base64::engine::general_purpose::STANDARD.encode(bytes);
    let lines = enc.len() / LINE + 1;
    if lines <= 1 {
        return enc;
    }
    let mut out = String::with_capacity(enc.len() + lines);
    let mut rest = enc.as_str();
    while !rest.is_empty() {
        let (head, tail) = rest.split_at(rest.len().min(LINE));
        out.push_str(head);
        out.push('\n');
        rest = tail;
    }
    out
}

fn is_env_var_name(key: &str) -> bool {
    let mut chars = key.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == '-' || c == '.')
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
}

fn is_config_map_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 253
        && key != "."
        && key != ".."
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
}

/// Reads `KEY=value` lines of an env file (blank lines and `#` comments skipped).
pub fn parse_env(text: &str) -> std::result::Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let line = if i == 0 {
            line.trim_start_matches('\u{feff}')
        } else {
            line
        };
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = line.split_once('=').unwrap_or((line, ""));
        if !is_env_var_name(key) {
            return Err(format!("line {}: {key:?} is not a valid key name", i + 1));
        }
        out.push((key.to_string(), value.to_string()));
    }
    Ok(out)
}

fn parse_literal(src: &str) -> std::result::Result<(String, String), String> {
    let (k, v) = src
        .split_once('=')
        .ok_or_else(|| format!("invalid literal source {src}, expected key=value"))?;
    let b = v.as_bytes();
    let v = if b.len() >= 2 && matches!(b.first(), Some(b'"' | b'\'')) && b.first() == b.last() {
        v.get(1..v.len() - 1).unwrap_or(v)
    } else {
        v
    };
    Ok((k.to_string(), v.to_string()))
}

/// Merges global options into a generator's own: global labels and annotations win, and a
/// global `disableNameSuffixHash`/`immutable` turns them on.
pub fn merge_options(
    local: Option<&GeneratorOptions>,
    global: Option<&GeneratorOptions>,
) -> GeneratorOptions {
    let mut o = local.cloned().unwrap_or_default();
    if let Some(g) = global {
        for (k, v) in &g.labels {
            set_pair(&mut o.labels, k, v);
        }
        for (k, v) in &g.annotations {
            set_pair(&mut o.annotations, k, v);
        }
        o.disable_name_suffix_hash |= g.disable_name_suffix_hash;
        o.immutable |= g.immutable;
    }
    o
}

fn set_pair(list: &mut Vec<(String, String)>, k: &str, v: &str) {
    match list.iter_mut().find(|(key, _)| key == k) {
        Some(pair) => pair.1 = v.to_string(),
        None => list.push((k.to_string(), v.to_string())),
    }
}

fn string_map(pairs: &[(String, String)]) -> Value {
    Value::Object(
        pairs
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

/// Builds one generated object. `load` reads a file relative to the kustomization (with
/// its load restrictions).
pub fn generate(
    kind: GenKind,
    g: &Generator,
    global: Option<&GeneratorOptions>,
    file: &str,
    load: &dyn Fn(&str) -> Result<Vec<u8>>,
) -> Result<Resource> {
    let err = |message: String| Error::Generator {
        file: file.to_string(),
        generator: kind.field(),
        name: g.name.clone(),
        message,
    };
    if g.name.is_empty() {
        return Err(err("a generator needs a name".into()));
    }
    let mut pairs: Vec<(String, Vec<u8>)> = Vec::new();
    for env in &g.envs {
        let bytes = load(env)?;
        let text =
            String::from_utf8(bytes).map_err(|_| err(format!("env file {env:?} is not UTF-8")))?;
        for (k, v) in parse_env(&text).map_err(|e| err(format!("env file {env:?}: {e}")))? {
            pairs.push((k, v.into_bytes()));
        }
    }
    for lit in &g.literals {
        let (k, v) = parse_literal(lit).map_err(err)?;
        pairs.push((k, v.into_bytes()));
    }
    for f in &g.files {
        let (key, path) = match f.split_once('=') {
            Some((k, p)) => {
                if k.is_empty() {
                    return Err(err(format!("file source {f:?}: missing key name")));
                }
                (k.to_string(), p.to_string())
            }
            None => (crate::fs::base_name(f).to_string(), f.clone()),
        };
        pairs.push((key, load(&path)?));
    }
    let mut data: BTreeMap<String, Value> = BTreeMap::new();
    let mut binary: BTreeMap<String, Value> = BTreeMap::new();
    for (k, v) in pairs {
        if !is_config_map_key(&k) {
            return Err(err(format!("{k:?} is not a valid key name")));
        }
        if data.contains_key(&k) || binary.contains_key(&k) {
            return Err(err(format!("illegally repeats the key `{k}`")));
        }
        match kind {
            GenKind::ConfigMap => match String::from_utf8(v) {
                Ok(s) => {
                    data.insert(k, Value::String(s));
                }
                Err(e) => {
                    binary.insert(k, Value::String(encode_base64(e.as_bytes())));
                }
            },
            GenKind::Secret => {
                data.insert(k, Value::String(encode_base64(&v)));
            }
        }
    }
    let opts = merge_options(g.options.as_ref(), global);
    let mut meta = Map::new();
    meta.insert("name".into(), Value::String(g.name.clone()));
    if !g.namespace.is_empty() {
        meta.insert("namespace".into(), Value::String(g.namespace.clone()));
    }
    if !opts.labels.is_empty() {
        meta.insert("labels".into(), string_map(&opts.labels));
    }
    if !opts.annotations.is_empty() {
        meta.insert("annotations".into(), string_map(&opts.annotations));
    }
    let mut obj = Map::new();
    obj.insert("apiVersion".into(), Value::String("v1".into()));
    obj.insert(
        "kind".into(),
        Value::String(match kind {
            GenKind::ConfigMap => "ConfigMap".into(),
            GenKind::Secret => "Secret".into(),
        }),
    );
    obj.insert("metadata".into(), Value::Object(meta));
    // kustomize writes an empty Secret's `data: {}`, and leaves it out of an empty ConfigMap.
    if !data.is_empty() || kind == GenKind::Secret {
        obj.insert("data".into(), Value::Object(data.into_iter().collect()));
    }
    if !binary.is_empty() {
        obj.insert(
            "binaryData".into(),
            Value::Object(binary.into_iter().collect()),
        );
    }
    if kind == GenKind::Secret {
        let t = if g.secret_type.is_empty() {
            "Opaque"
        } else {
            &g.secret_type
        };
        obj.insert("type".into(), Value::String(t.into()));
    }
    if opts.immutable {
        obj.insert("immutable".into(), Value::Bool(true));
    }
    let mut r = Resource::new(
        Value::Object(obj),
        format!("{file} ({} {:?})", kind.field(), g.name),
    );
    r.needs_hash = !opts.disable_name_suffix_hash;
    r.behavior = g.behavior;
    Ok(r)
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
    fn literals_and_env() {
        assert_eq!(
            parse_literal("A='x y'").unwrap(),
            ("A".into(), "x y".into())
        );
        assert_eq!(parse_literal("A=\"1").unwrap(), ("A".into(), "\"1".into()));
        assert!(parse_literal("nokey").is_err());
        let env = parse_env("\n# c\nA=1\n  B=two=2\n").unwrap();
        assert_eq!(
            env,
            [
                ("A".to_string(), "1".to_string()),
                ("B".to_string(), "two=2".to_string())
            ]
        );
        assert!(parse_env("1A=x").is_err());
    }

    #[test]
    fn base64_lines() {
        assert_eq!(encode_base64(b"apple"), "YXBwbGU=");
        let long = encode_base64(&[b'x'; 60]);
        assert!(long.ends_with('\n') && long.lines().all(|l| l.len() <= 70));
    }
}
