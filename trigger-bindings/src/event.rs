//! An incoming webhook: headers (case-insensitive, multi-valued) and the raw body bytes.

use crate::header_name::{canonical_header_key, same_canonical};
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

    /// Every value of the headers whose Go canonical name equals that of `name`, in order
    /// (the list Tekton's `http.Header` holds under that name).
    pub(crate) fn canonical_values<'s, 'n>(
        &'s self,
        name: &'n str,
    ) -> impl Iterator<Item = &'s str> + use<'s, 'n> {
        self.entries
            .iter()
            .filter(move |(n, _)| same_canonical(n, name))
            .map(|(_, v)| v.as_str())
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

/// A UUID-shaped id (version 4 layout) from a 128-bit hash of `parts`. The ids only have to
/// be stable and distinct, not secret, so a fast multiply-and-mix hash is used rather than a
/// cryptographic one: an event without a host id costs well under a microsecond more.
pub(crate) fn uuid_like(parts: &[&[u8]]) -> String {
    let mut lanes = [0x243f_6a88_85a3_08d3u64, 0x1319_8a2e_0370_7344u64];
    const MUL: [u64; 2] = [0x9e37_79b9_7f4a_7c15, 0xc2b2_ae3d_27d4_eb4f];
    let mut absorb = |w: u64| {
        for (lane, mul) in lanes.iter_mut().zip(MUL) {
            *lane = (*lane ^ w).wrapping_mul(mul).rotate_left(31);
        }
    };
    for p in parts {
        absorb(p.len() as u64);
        let mut chunks = p.chunks_exact(8);
        for c in chunks.by_ref() {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            absorb(u64::from_le_bytes(w));
        }
        let mut w = [0u8; 8];
        for (d, s) in w.iter_mut().zip(chunks.remainder()) {
            *d = *s;
        }
        absorb(u64::from_le_bytes(w));
    }
    // Finish each lane with the splitmix64 avalanche, mixing in the other lane.
    let mix = |mut z: u64| {
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let hi = mix(lanes[0] ^ lanes[1].rotate_left(17));
    let lo = mix(lanes[1] ^ hi);
    let bytes = hi.to_be_bytes().into_iter().chain(lo.to_be_bytes());
    let mut out = String::with_capacity(36);
    for (i, byte) in bytes.enumerate() {
        // Version 4, RFC 4122 variant.
        let byte = match i {
            6 => (byte & 0x0f) | 0x40,
            8 => (byte & 0x3f) | 0x80,
            _ => byte,
        };
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        for nibble in [byte >> 4, byte & 0x0f] {
            out.push(char::from_digit(u32::from(nibble), 16).unwrap_or('0'));
        }
    }
    out
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
    fn canonical_name_equality() {
        let rows: &[(&str, &str, bool)] = &[
            ("X-GitHub-Event", "x-github-event", true),
            ("X-GitHub-Event", "X-Github-Event", true),
            ("X-GitHub-Event", "X-GitHub-Events", false),
            ("Bad Name", "Bad Name", true),
            ("Bad Name", "bad name", false),
            ("", "", true),
            ("a", "", false),
        ];
        for (a, b, same) in rows {
            assert_eq!(same_canonical(a, b), *same, "{a:?} {b:?}");
            // The rule is Go's: equal canonical keys.
            let keys_equal = canonical_header_key(a) == canonical_header_key(b);
            assert_eq!(keys_equal, *same, "{a:?} {b:?}");
        }
    }

    #[test]
    fn ids_are_deterministic() {
        let e = Event::new(Headers::new(), "{}");
        assert_eq!(e.effective_id(), e.effective_id());
        assert_eq!(e.effective_id().len(), 36);
        assert_eq!(e.clone().with_id("x").effective_id(), "x");
        // Distinct inputs, distinct ids, all in the version 4 layout.
        let mut seen = std::collections::BTreeSet::new();
        for body in ["", "{}", "{ }", "{\"a\":1}", "{\"a\":2}", &"x".repeat(4096)] {
            let id = Event::new(Headers::new(), body).effective_id();
            let shape: Vec<usize> = id.split('-').map(str::len).collect();
            assert_eq!(shape, [8, 4, 4, 4, 12], "{id}");
            assert_eq!(id.as_bytes()[14], b'4', "{id}");
            assert!(
                matches!(id.as_bytes()[19], b'8' | b'9' | b'a' | b'b'),
                "{id}"
            );
            assert!(seen.insert(id));
        }
        assert_ne!(uuid_like(&[b"ab", b"c"]), uuid_like(&[b"a", b"bc"]));
    }
}
