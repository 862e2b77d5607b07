//! Form-encoded bodies, as Tekton's sink hands them to interceptors: a body sent with
//! `Content-Type: application/x-www-form-urlencoded` that parses to more than one key is
//! replaced by its JSON form, `{"key": ["value", ...]}` with keys sorted (Go's
//! `url.ParseQuery` then `json.Marshal`). Slack slash commands arrive this way.

use serde_json::Value;
use std::collections::BTreeMap;

/// Go's `url.QueryUnescape`: `+` is a space, `%XX` a byte; a bad escape is an error.
fn unescape(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match c {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = b.get(i + 1..i + 3)?;
                let text = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(text, 16).ok()?);
                i += 2;
            }
            other => out.push(other),
        }
        i += 1;
    }
    Some(out)
}

/// Go's `url.ParseQuery`, keeping what parses (pairs with a `;` or a bad escape are
/// skipped, as Go skips them while reporting an error the sink ignores).
pub(crate) fn parse_query(body: &str) -> BTreeMap<String, Vec<String>> {
    let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for pair in body.split('&') {
        if pair.is_empty() || pair.contains(';') {
            continue;
        }
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (Some(k), Some(v)) = (unescape(k), unescape(v)) else {
            continue;
        };
        m.entry(String::from_utf8_lossy(&k).into_owned())
            .or_default()
            .push(String::from_utf8_lossy(&v).into_owned());
    }
    m
}

/// The JSON body the interceptors see instead of a form body, when the sink converts it.
pub(crate) fn converted_body(content_type: Option<&str>, body: &[u8]) -> Option<Vec<u8>> {
    if content_type != Some("application/x-www-form-urlencoded") {
        return None;
    }
    let text = String::from_utf8_lossy(body);
    let parsed = parse_query(&text);
    if parsed.len() <= 1 {
        return None;
    }
    let object: serde_json::Map<String, Value> = parsed
        .into_iter()
        .map(|(k, v)| (k, Value::Array(v.into_iter().map(Value::String).collect())))
        .collect();
    serde_json::to_vec(&Value::Object(object)).ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn go_parse_query_rules() {
        let m = parse_query("a=1&&b=x+y%21&a=2&c&bad=%zz&semi=1;2&=e");
        assert_eq!(m["a"], ["1", "2"]);
        assert_eq!(m["b"], ["x y!"]);
        assert_eq!(m["c"], [""]);
        assert_eq!(m[""], ["e"]);
        assert!(!m.contains_key("bad") && !m.contains_key("semi"));
    }

    #[test]
    fn only_forms_of_two_keys_or_more_are_converted() {
        let form = Some("application/x-www-form-urlencoded");
        let body = converted_body(form, b"text=main+2222&command=%2Fbuild").unwrap();
        assert_eq!(
            String::from_utf8(body).unwrap(),
            r#"{"command":["/build"],"text":["main 2222"]}"#
        );
        assert_eq!(converted_body(form, br#"{"a":1}"#), None);
        assert_eq!(converted_body(Some("application/json"), b"a=1&b=2"), None);
    }
}
