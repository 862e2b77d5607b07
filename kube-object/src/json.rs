//! Go's `encoding/json` output for generic values.
//!
//! Go marshals a `map[string]interface{}` with its keys sorted and a struct in field order;
//! both escape `<`, `>`, `&`, U+2028 and U+2029 (HTML-safe), write `\n`, `\r`, `\t`, `\b`
//! and `\f` short and other control characters as `\u00XX`, and print float64 numbers in
//! their own form ([`crate::number::go_json_float`]).
//!
//! ```
//! use kube_object::json::{KeyOrder, go_json};
//! use serde_json::json;
//!
//! let v = json!({"b": "<&>", "a": [1, 2.0, "x\n"]});
//! assert_eq!(go_json(&v, KeyOrder::Sorted), r#"{"a":[1,2,"x\n"],"b":"\u003c\u0026\u003e"}"#);
//! assert_eq!(go_json(&v, KeyOrder::AsHeld), r#"{"b":"\u003c\u0026\u003e","a":[1,2,"x\n"]}"#);
//! ```

use serde_json::Value;
use std::fmt::Write as _;

/// How object keys are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyOrder {
    /// Sorted by bytes, as Go marshals a map.
    Sorted,
    /// In the order held, as Go marshals a struct whose fields were read in that order.
    AsHeld,
}

/// `v` as Go's `json.Marshal` writes it.
pub fn go_json(v: &Value, order: KeyOrder) -> String {
    let mut out = String::new();
    go_json_into(v, order, &mut out);
    out
}

/// [`go_json`], appending to `out`.
pub fn go_json_into(v: &Value, order: KeyOrder, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if n.is_f64() {
                crate::number::go_json_float_into(n.as_f64().unwrap_or(0.0), out);
            } else {
                let _ = write!(out, "{n}");
            }
        }
        Value::String(s) => go_json_string_into(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_json_into(item, order, out);
            }
            out.push(']');
        }
        Value::Object(m) => {
            let mut entries: Vec<(&String, &Value)> = m.iter().collect();
            if order == KeyOrder::Sorted {
                entries.sort_by(|a, b| a.0.cmp(b.0));
            }
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_json_string_into(k, out);
                out.push(':');
                go_json_into(v, order, out);
            }
            out.push('}');
        }
    }
}

/// Appends `s` as a Go JSON string, quotes included.
pub fn go_json_string_into(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn escapes_as_go() {
        // json.Marshal("a\"\\\x01\x08\x0c\u2028é") in Go 1.22+.
        assert_eq!(
            go_json(&json!("a\"\\\u{1}\u{8}\u{c}\u{2028}é"), KeyOrder::Sorted),
            r#""a\"\\\u0001\b\f\u2028é""#
        );
    }

    #[test]
    fn floats_and_sorted_keys() {
        let v: Value = serde_json::from_str(r#"{"z": 1e21, "a": 1.0, "m": -7}"#).unwrap();
        assert_eq!(go_json(&v, KeyOrder::Sorted), r#"{"a":1,"m":-7,"z":1e+21}"#);
    }
}
