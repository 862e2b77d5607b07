//! An incoming webhook: headers (case-insensitive, multi-valued) and the raw body bytes.

use crate::path::canonical_header_key;
use serde_json::Value;

/// Request headers: case-insensitive names, several values per name, insertion order kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers {
    entries: Vec<(String, String)>,
}

impl Headers {
    /// No headers.
    pub fn new() -> Headers {
        Headers::default()
    }

    /// Adds one value (a repeated name adds another value).
    pub fn append(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.entries.push((name.into(), value.into()));
    }

    /// Builder form of [`Headers::append`].
    pub fn with(mut self, name: impl Into<String>, value: impl Into<String>) -> Headers {
        self.append(name, value);
        self
    }

    /// The first value of `name` (case-insensitive), as Go's `http.Header.Get`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name` (case-insensitive), in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.entries
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// All `(name, value)` pairs as given.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// How many `(name, value)` pairs there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there is no header.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Names in Go's canonical form with their values, names sorted (what Tekton's
    /// `http.Header` holds).
    pub(crate) fn canonical(&self) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        for (n, v) in &self.entries {
            let key = canonical_header_key(n).into_owned();
            match out.iter_mut().find(|(k, _)| *k == key) {
                Some((_, vals)) => vals.push(v.clone()),
                None => out.push((key, vec![v.clone()])),
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// The `header` object bindings see: canonical names, values joined with `,`.
    pub(crate) fn binding_view(&self) -> Value {
        let mut map = serde_json::Map::new();
        for (n, v) in &self.entries {
            let key = canonical_header_key(n);
            match map.get_mut(key.as_ref()) {
                Some(Value::String(joined)) => {
                    joined.push(',');
                    joined.push_str(v);
                }
                _ => {
                    map.insert(key.into_owned(), Value::String(v.clone()));
                }
            }
        }
        map.sort_keys();
        Value::Object(map)
    }
}

impl<N: Into<String>, V: Into<String>> FromIterator<(N, V)> for Headers {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Headers {
        let mut h = Headers::new();
        for (n, v) in iter {
            h.append(n, v);
        }
        h
    }
}

/// One webhook delivery: headers, the exact body bytes, an id for `$(context.eventID)`,
/// and the request URL CEL sees as `requestURL`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Event {
    /// Request headers.
    pub headers: Headers,
    /// The raw request body; signatures are checked over these bytes.
    pub body: Vec<u8>,
    /// The event id (`$(context.eventID)`); the host sets it, e.g. to a UUID. When empty,
    /// a deterministic id derived from the body is used.
    pub id: String,
    /// The request URL (`requestURL` in CEL).
    pub url: String,
}

impl Event {
    /// An event from headers and body bytes.
    pub fn new(headers: Headers, body: impl Into<Vec<u8>>) -> Event {
        Event {
            headers,
            body: body.into(),
            id: String::new(),
            url: String::new(),
        }
    }

    /// Sets the event id.
    pub fn with_id(mut self, id: impl Into<String>) -> Event {
        self.id = id.into();
        self
    }

    /// Sets the request URL.
    pub fn with_url(mut self, url: impl Into<String>) -> Event {
        self.url = url.into();
        self
    }

    /// Adds a header.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Event {
        self.headers.append(name, value);
        self
    }

    /// The id to use: the host's, or one derived from the body (deterministic output).
    pub(crate) fn effective_id(&self) -> String {
        if !self.id.is_empty() {
            return self.id.clone();
        }
        uuid_like(&[b"event", self.body.as_slice()])
    }
}

/// A UUID-shaped id (version 4 layout) from a SHA-256 of `parts`.
pub(crate) fn uuid_like(parts: &[&[u8]]) -> String {
    let mut h = ring::digest::Context::new(&ring::digest::SHA256);
    for p in parts {
        h.update(&(p.len() as u64).to_be_bytes());
        h.update(p);
    }
    let d = h.finish();
    let mut b = [0u8; 16];
    for (dst, src) in b.iter_mut().zip(d.as_ref()) {
        *dst = *src;
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        hex.get(0..8).unwrap_or_default(),
        hex.get(8..12).unwrap_or_default(),
        hex.get(12..16).unwrap_or_default(),
        hex.get(16..20).unwrap_or_default(),
        hex.get(20..32).unwrap_or_default()
    )
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )]
    use super::*;

    #[test]
    fn headers_are_case_insensitive_and_multi_valued() {
        let h = Headers::new()
            .with("header-one", "val1")
            .with("Header-One", "val2")
            .with("X-A", "b");
        assert_eq!(h.get("HEADER-ONE"), Some("val1"));
        assert_eq!(
            h.get_all("header-one").collect::<Vec<_>>(),
            ["val1", "val2"]
        );
        assert_eq!(
            h.binding_view(),
            serde_json::json!({"Header-One": "val1,val2", "X-A": "b"})
        );
    }

    #[test]
    fn ids_are_deterministic() {
        let e = Event::new(Headers::new(), "{}");
        assert_eq!(e.effective_id(), e.effective_id());
        assert_eq!(e.effective_id().len(), 36);
        assert_eq!(e.clone().with_id("x").effective_id(), "x");
    }
}
