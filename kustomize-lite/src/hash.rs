//! kustomize's content-hash name suffix for ConfigMaps and Secrets.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::fmt::Write as _;

/// Encodes a value as Go's `encoding/json` does for generic maps: keys sorted, `<`, `>`,
/// `&`, U+2028 and U+2029 escaped.
pub fn go_json(v: &Value, out: &mut String) {
    kube_object::json::go_json_into(v, kube_object::json::KeyOrder::Sorted, out);
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
