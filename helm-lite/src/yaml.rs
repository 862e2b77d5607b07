//! YAML in and out as Helm does it: values read through `sigs.k8s.io/yaml` (numbers become
//! float64), `toYaml` written as `sigs.k8s.io/yaml` + `yaml.v2` write it.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::value::{Map, Value, format_float_json};

struct HelmValue(Value);

impl<'de> Deserialize<'de> for HelmValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(V).map(HelmValue)
    }
}

struct V;

impl<'de> Visitor<'de> for V {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML value")
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E: de::Error>(self, i: i64) -> Result<Value, E> {
        Ok(Value::Float(i as f64))
    }
    fn visit_u64<E: de::Error>(self, i: u64) -> Result<Value, E> {
        Ok(Value::Float(i as f64))
    }
    fn visit_f64<E: de::Error>(self, f: f64) -> Result<Value, E> {
        Ok(Value::Float(f))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
        Ok(Value::Str(s.to_string()))
    }
    fn visit_string<E: de::Error>(self, s: String) -> Result<Value, E> {
        Ok(Value::Str(s))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Nil)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Nil)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(V)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut l = Vec::new();
        while let Some(HelmValue(v)) = seq.next_element()? {
            l.push(v);
        }
        Ok(Value::List(l))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some((HelmValue(k), HelmValue(v))) = m.next_entry()? {
            let key = match k {
                Value::Str(s) => s,
                Value::Nil => "null".into(),
                other => other.to_go_string(),
            };
            out.insert(key, v);
        }
        Ok(Value::map(out))
    }
}

/// Reads a YAML document as Helm reads values (`chartutil.ReadValues`): numbers are float64,
/// an empty document is an empty map.
pub fn from_yaml(text: &str) -> Result<Value, String> {
    if text.trim().is_empty() {
        return Ok(Value::map(Map::new()));
    }
    // yaml.v2 (non-strict) keeps the last of duplicate keys.
    let opts = || {
        let mut o = serde_saphyr::Options::default();
        o.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::LastWins;
        o
    };
    let v: HelmValue = match serde_saphyr::from_str_with_options(text, opts()) {
        Ok(v) => v,
        // sigs.k8s.io/yaml reads the first document of a stream.
        Err(e) => match serde_saphyr::from_multiple_with_options::<HelmValue>(text, opts()) {
            Ok(mut docs) if !docs.is_empty() => docs.remove(0),
            _ => return Err(e.to_string()),
        },
    };
    Ok(match v.0 {
        Value::Nil => Value::map(Map::new()),
        v => v,
    })
}

#[derive(serde::Deserialize)]
struct Head {
    kind: Option<HelmValue>,
    metadata: Option<HelmValue>,
}

/// A manifest's `kind` and `metadata` (Helm's `SimpleHead`), without building the rest
/// of the document; `None` when the document is not a map of that shape.
pub(crate) fn head(text: &str) -> Option<(Value, Value)> {
    let mut o = serde_saphyr::Options::default();
    o.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::LastWins;
    let h: Head = serde_saphyr::from_str_with_options(text, o).ok()?;
    Some((
        h.kind.map(|k| k.0).unwrap_or_default(),
        h.metadata.map(|m| m.0).unwrap_or_default(),
    ))
}

/// Reads JSON as Go's `encoding/json` into `interface{}` (numbers are float64).
pub fn from_json(text: &str) -> Result<Value, String> {
    let j: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    Ok(json_to_value(&j))
}

fn json_to_value(j: &serde_json::Value) -> Value {
    match j {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Float(n.as_f64().unwrap_or_default()),
        serde_json::Value::String(s) => Value::Str(s.clone()),
        serde_json::Value::Array(a) => Value::List(a.iter().map(json_to_value).collect()),
        serde_json::Value::Object(o) => Value::map(
            o.iter()
                .map(|(k, v)| (k.clone(), json_to_value(v)))
                .collect(),
        ),
    }
}

/// `toJson`: Go's `encoding/json` (keys sorted, HTML characters escaped).
pub fn to_json(v: &Value) -> String {
    let mut s = String::new();
    write_json(&mut s, v);
    s
}

fn json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write_json(out: &mut String, v: &Value) {
    match v {
        Value::Nil => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(f) => out.push_str(&format_float_json(*f)),
        Value::Str(s) => json_str(out, s),
        Value::List(l) => {
            out.push('[');
            for (i, e) in l.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(out, e);
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push('{');
            for (i, (k, e)) in m.read().iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_str(out, k);
                out.push(':');
                write_json(out, e);
            }
            out.push('}');
        }
        Value::Object(o) => json_str(out, &o.display()),
    }
}

/// `toPrettyJson`: `json.MarshalIndent(v, "", "  ")`.
pub fn to_pretty_json(v: &Value) -> String {
    let mut out = String::new();
    pretty(&mut out, v, 0);
    out
}

fn pretty(out: &mut String, v: &Value, ind: usize) {
    match v {
        Value::List(l) if !l.is_empty() => {
            out.push_str("[\n");
            for (i, e) in l.iter().enumerate() {
                indent(out, ind + 2);
                pretty(out, e, ind + 2);
                if i + 1 < l.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            indent(out, ind);
            out.push(']');
        }
        Value::Map(m) if !m.is_empty() => {
            out.push_str("{\n");
            let m = m.read();
            for (i, (k, e)) in m.iter().enumerate() {
                indent(out, ind + 2);
                json_str(out, k);
                out.push_str(": ");
                pretty(out, e, ind + 2);
                if i + 1 < m.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            indent(out, ind);
            out.push('}');
        }
        other => write_json(out, other),
    }
}

/// `toYaml`: `sigs.k8s.io/yaml.Marshal` (JSON, then `yaml.v2`), with a trailing newline.
pub fn to_yaml(v: &Value) -> String {
    let mut out = String::new();
    match v {
        Value::Map(m) if !m.is_empty() => write_map(&mut out, &m.read(), 0),
        Value::List(l) if !l.is_empty() => write_list(&mut out, l, 0),
        other => {
            // yaml.v2 indents a root block scalar (and a folded root plain scalar) by 2.
            write_scalar(&mut out, other, 2);
            out.push('\n');
        }
    }
    out
}

fn indent(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push(' ');
    }
}

fn is_scalar(v: &Value) -> bool {
    match v {
        Value::Map(m) => m.is_empty(),
        Value::List(l) => l.is_empty(),
        _ => true,
    }
}

fn write_map(out: &mut String, m: &Map, ind: usize) {
    let mut first = true;
    for (k, v) in m {
        if !first {
            indent(out, ind);
        }
        first = false;
        write_str_scalar(out, k, ind, true);
        out.push(':');
        match v {
            v if is_scalar(v) => {
                out.push(' ');
                write_scalar(out, v, ind + 2);
                out.push('\n');
            }
            Value::Map(mm) => {
                out.push('\n');
                indent(out, ind + 2);
                write_map(out, &mm.read(), ind + 2);
            }
            Value::List(l) => {
                out.push('\n');
                indent(out, ind);
                write_list(out, l, ind);
            }
            _ => {}
        }
    }
}

fn write_list(out: &mut String, l: &[Value], ind: usize) {
    let mut first = true;
    for v in l {
        if !first {
            indent(out, ind);
        }
        first = false;
        out.push('-');
        match v {
            v if is_scalar(v) => {
                out.push(' ');
                write_scalar(out, v, ind + 2);
                out.push('\n');
            }
            Value::Map(mm) => {
                out.push(' ');
                write_map(out, &mm.read(), ind + 2);
            }
            Value::List(ll) => {
                out.push(' ');
                write_list(out, ll, ind + 2);
            }
            _ => {}
        }
    }
}

fn write_scalar(out: &mut String, v: &Value, ind: usize) {
    match v {
        Value::Nil => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(f) => out.push_str(&format_float_json(*f)),
        Value::Str(s) => write_str_scalar(out, s, ind, false),
        Value::List(_) => out.push_str("[]"),
        Value::Map(_) => out.push_str("{}"),
        Value::Object(o) => write_str_scalar(out, &o.display(), ind, false),
    }
}

/// Whether yaml.v2 resolves a plain scalar to something other than a string.
fn resolves_non_string(s: &str) -> bool {
    const WORDS: &[&str] = &[
        "", "~", "null", "Null", "NULL", "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
        "true", "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
        ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan",
        ".NaN", ".NAN", "<<",
    ];
    if WORDS.contains(&s) {
        return true;
    }
    let t = s.replace('_', "");
    let body = t.strip_prefix(['-', '+']).unwrap_or(&t);
    if body.is_empty() {
        return false;
    }
    if let Some(h) = body.strip_prefix("0x") {
        return !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit());
    }
    if let Some(b) = body.strip_prefix("0b") {
        return !b.is_empty() && b.chars().all(|c| c == '0' || c == '1');
    }
    if body.chars().all(|c| c.is_ascii_digit()) {
        return true;
    }
    // float: digits with . and/or exponent
    let first = body.chars().next().unwrap_or(' ');
    if (first.is_ascii_digit() || first == '.') && body.parse::<f64>().is_ok() {
        return true;
    }
    // base 60 (1:20)
    if body.contains(':')
        && body
            .split(':')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
    {
        return true;
    }
    // timestamps 2001-12-14
    let b = s.as_bytes();
    if b.len() >= 10
        && b.get(4) == Some(&b'-')
        && b.get(7) == Some(&b'-')
        && b.iter().take(4).all(u8::is_ascii_digit)
    {
        return true;
    }
    false
}

fn plain_allowed(s: &str, key: bool) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if s.starts_with(' ') || s.ends_with(' ') || s.starts_with('\t') {
        return false;
    }
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) {
        let second = s.chars().nth(1);
        if matches!(first, '-' | '?' | ':') && second.is_some_and(|c| c != ' ') {
            // "-foo" is plain in yaml.v2
        } else {
            return false;
        }
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return false;
    }
    if key
        && (s.contains(',')
            || s.contains('[')
            || s.contains(']')
            || s.contains('{')
            || s.contains('}'))
    {
        return false;
    }
    if s.contains(['\t']) || s.chars().any(|c| (c as u32) < 0x20 || c == '\u{feff}') {
        return false;
    }
    true
}

fn write_str_scalar(out: &mut String, s: &str, ind: usize, key: bool) {
    if s.contains('\n') && !key {
        write_literal(out, s, ind);
        return;
    }
    if resolves_non_string(s) {
        out.push('"');
        out.push_str(&s.replace('\\', "\\\\").replace('"', "\\\""));
        out.push('"');
        return;
    }
    if plain_allowed(s, key) {
        write_folded(out, s, ind);
        return;
    }
    if s.chars().any(|c| (c as u32) < 0x20 && c != '\t') {
        out.push_str(&crate::fmt::go_quote(s));
        return;
    }
    out.push('\'');
    out.push_str(&s.replace('\'', "''"));
    out.push('\'');
}

fn column(out: &str) -> usize {
    out.len() - out.rfind('\n').map(|i| i + 1).unwrap_or(0)
}

/// yaml.v2 breaks plain scalars at a space once the column passes 80.
fn write_folded(out: &mut String, s: &str, ind: usize) {
    let bytes: Vec<char> = s.chars().collect();
    let mut prev_space = false;
    for (i, c) in bytes.iter().enumerate() {
        if *c == ' ' {
            let next_space = bytes.get(i + 1) == Some(&' ');
            if !prev_space && column(out) > 80 && !next_space {
                out.push('\n');
                indent(out, ind);
            } else {
                out.push(' ');
            }
            prev_space = true;
        } else {
            out.push(*c);
            prev_space = false;
        }
    }
}

fn write_literal(out: &mut String, s: &str, ind: usize) {
    out.push('|');
    if s.starts_with(' ') {
        out.push('2');
    }
    let trailing = s.len() - s.trim_end_matches('\n').len();
    match trailing {
        0 => out.push('-'),
        1 => {}
        _ => out.push('+'),
    }
    let body = if trailing == 1 {
        s.strip_suffix('\n').unwrap_or(s)
    } else {
        s
    };
    let body = if trailing > 1 {
        body.strip_suffix('\n').unwrap_or(body)
    } else {
        body
    };
    for line in body.split('\n') {
        out.push('\n');
        if !line.is_empty() {
            indent(out, ind);
            out.push_str(line);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn to_yaml_layout() {
        let v = from_yaml("b:\n  - 1\n  - x: \"y\"\n    z: \"true\"\na: {}\nc: ''\nd: 1.5\ne: |\n  line1\n  line2\n").unwrap();
        assert_eq!(
            to_yaml(&v),
            "a: {}\nb:\n- 1\n- x: \"y\"\n  z: \"true\"\nc: \"\"\nd: 1.5\ne: |\n  line1\n  line2\n"
        );
    }
}
