//! kustomize's content-hash name suffix for ConfigMaps and Secrets.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::fmt::Write as _;

/// Encodes a value as Go's `encoding/json` does for generic maps: keys sorted, `<`, `>`,
/// `&`, U+2028 and U+2029 escaped.
pub fn go_json(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => go_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_json(item, out);
            }
            out.push(']');
        }
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_string(k, out);
                out.push(':');
                if let Some(v) = m.get(k.as_str()) {
                    go_json(v, out);
                }
            }
            out.push('}');
        }
    }
}

fn go_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn field(obj: &Value, key: &str) -> Value {
    match obj.get(key) {
        None | Some(Value::Null) => Value::String(String::new()),
        Some(v) => v.clone(),
    }
}

/// The hash suffix (10 characters) of a ConfigMap, Secret or other object.
pub fn name_hash(obj: &Value) -> String {
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    // kustomize hashes generated objects under an empty name, so that prefixes and
    // suffixes do not change the hash.
    let name = Value::String(String::new());
    let mut m = Map::new();
    let mut encoded = String::new();
    match kind {
        "ConfigMap" => {
            m.insert("kind".into(), field(obj, "kind"));
            m.insert("name".into(), name);
            m.insert("data".into(), field(obj, "data"));
            if let Some(b @ Value::Object(_)) = obj.get("binaryData") {
                m.insert("binaryData".into(), b.clone());
            }
            go_json(&Value::Object(m), &mut encoded);
        }
        "Secret" => {
            m.insert("kind".into(), field(obj, "kind"));
            m.insert("name".into(), name);
            m.insert("type".into(), field(obj, "type"));
            m.insert("data".into(), field(obj, "data"));
            if let Some(b @ Value::Object(_)) = obj.get("stringData") {
                m.insert("stringData".into(), b.clone());
            }
            go_json(&Value::Object(m), &mut encoded);
        }
        _ => go_json(obj, &mut encoded),
    }
    let digest = Sha256::digest(encoded.as_bytes());
    let mut hex = String::with_capacity(64);
    for b in digest.iter() {
        let _ = write!(hex, "{b:02x}");
    }
    hex.chars()
        .take(10)
        .map(|c| match c {
            '0' => 'g',
            '1' => 'h',
            '3' => 'k',
            'a' => 'm',
            'e' => 't',
            c => c,
        })
        .collect()
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
    use serde_json::json;

    #[test]
    fn go_json_escapes_like_go() {
        let mut s = String::new();
        go_json(&json!({"b": "<&>", "a": [1, "x\n"]}), &mut s);
        assert_eq!(s, r#"{"a":[1,"x\n"],"b":"\u003c\u0026\u003e"}"#);
    }
}
