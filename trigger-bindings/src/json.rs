//! A small JSON toolkit for request bodies: one validating pass with a depth bound that
//! also indexes every value, lookups on that index (only the parts a binding or CEL
//! expression asks for are decoded), and
//! the Go `encoding/json` rendering Tekton's bindings produce (sorted keys, HTML-safe
//! escapes, float64 numbers).

use serde_json::Value;
use std::borrow::Cow;
use std::fmt::Write as _;

/// Why a body is not acceptable JSON: a message and the byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JsonError {
    pub offset: usize,
    pub message: &'static str,
}

type Res<T> = Result<T, JsonError>;

fn err<T>(offset: usize, message: &'static str) -> Res<T> {
    Err(JsonError { offset, message })
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// Whether some byte of `w` equals `b` (exact as an existence test).
#[inline]
fn has_byte(w: u64, b: u8) -> bool {
    let x = w ^ (LO * u64::from(b));
    (x.wrapping_sub(LO) & !x & HI) != 0
}

/// The index of the first `"` or `\\` (and, with `controls`, byte below 0x20) in `s`,
/// eight bytes at a time.
#[inline]
fn find_string_end(s: &[u8], controls: bool) -> Option<usize> {
    let special = |c: u8| c == b'"' || c == b'\\' || (controls && c < 0x20);
    let mut chunks = s.chunks_exact(8);
    let mut base = 0;
    for chunk in chunks.by_ref() {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        let ctrl = controls && (w.wrapping_sub(LO * 0x20) & !w & HI) != 0;
        if (ctrl || has_byte(w, b'"') || has_byte(w, b'\\'))
            && let Some(i) = chunk.iter().position(|&c| special(c))
        {
            return Some(base + i);
        }
        base += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&c| special(c))
        .map(|i| base + i)
}

/// One value of a parsed document: where its bytes are, where its key is (for an object
/// member) and the index just past its subtree (its next sibling, if any).
#[derive(Debug, Clone, Copy)]
struct Entry {
    start: u32,
    end: u32,
    next: u32,
    key_start: u32,
    key_end: u32,
}

/// A validated JSON document with an index of every value: lookups walk the index and
/// never scan the bytes again, and only the strings asked for are decoded.
#[derive(Debug)]
pub(crate) struct Doc<'a> {
    bytes: &'a [u8],
    nodes: Vec<Entry>,
}

/// The index of one value in a [`Doc`].
pub(crate) type NodeId = usize;

/// A validating scanner over UTF-8 JSON bytes that builds a [`Doc`] index as it goes. It
/// loops with an explicit stack, so nesting costs heap, not call stack.
struct Scanner<'a> {
    b: &'a [u8],
    pos: usize,
    max_depth: usize,
    nodes: Vec<Entry>,
    /// Open containers: their entry and whether they are objects.
    stack: Vec<(usize, bool)>,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn ws(&mut self) {
        // Indentation runs eight spaces at a time.
        while let Some(chunk) = self.b.get(self.pos..self.pos + 8) {
            if chunk != b"        " {
                break;
            }
            self.pos += 8;
        }
        while let Some(c) = self.peek() {
            if matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    fn expect(&mut self, c: u8, message: &'static str) -> Res<()> {
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            err(self.pos, message)
        }
    }

    /// Scans a string starting at `"`; returns the offsets of the bytes between the quotes.
    fn string(&mut self) -> Res<(u32, u32)> {
        self.expect(b'"', "expected a string")?;
        let start = self.pos;
        loop {
            // Jump to the next quote, backslash or control byte, eight bytes at a time.
            let rest = self.b.get(self.pos..).unwrap_or_default();
            match find_string_end(rest, true) {
                Some(n) => self.pos += n,
                None => return err(self.b.len(), "unterminated string"),
            }
            match self.peek() {
                Some(b'"') => {
                    let end = self.pos;
                    self.pos += 1;
                    return Ok((start as u32, end as u32));
                }
                Some(b'\\') => {
                    self.pos += 1;
                    match self.peek() {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                            self.pos += 1;
                        }
                        Some(b'u') => {
                            self.pos += 1;
                            for _ in 0..4 {
                                match self.peek() {
                                    Some(h) if h.is_ascii_hexdigit() => self.pos += 1,
                                    _ => return err(self.pos, "invalid \\u escape"),
                                }
                            }
                        }
                        _ => return err(self.pos, "invalid escape in string"),
                    }
                }
                Some(_) => return err(self.pos, "control character in string"),
                None => return err(self.pos, "unterminated string"),
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Res<()> {
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return err(self.pos, "invalid number"),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return err(self.pos, "invalid number");
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return err(self.pos, "invalid number");
            }
        }
        Ok(())
    }

    fn literal(&mut self, word: &'static [u8]) -> Res<()> {
        if self.b.get(self.pos..self.pos + word.len()) == Some(word) {
            self.pos += word.len();
            Ok(())
        } else {
            err(self.pos, "invalid literal")
        }
    }

    /// Records the end of entry `idx`: its bytes end here, its subtree ends at the index.
    fn close(&mut self, idx: usize) {
        let (end, next) = (self.pos as u32, self.nodes.len() as u32);
        if let Some(e) = self.nodes.get_mut(idx) {
            e.end = end;
            e.next = next;
        }
    }

    /// A member key and its `:`, leaving the position at the member's value.
    fn key(&mut self) -> Res<(u32, u32)> {
        let key = self.string()?;
        self.ws();
        self.expect(b':', "expected ':'")?;
        self.ws();
        Ok(key)
    }

    /// Scans one whole value (no leading whitespace), however deep.
    fn document(&mut self) -> Res<()> {
        let mut key = (0u32, 0u32);
        'value: loop {
            let idx = self.nodes.len();
            self.nodes.push(Entry {
                start: self.pos as u32,
                end: self.pos as u32,
                next: 0,
                key_start: key.0,
                key_end: key.1,
            });
            match self.peek() {
                Some(open @ (b'{' | b'[')) => {
                    if self.stack.len() >= self.max_depth {
                        return err(self.pos, "nesting deeper than the limit");
                    }
                    let object = open == b'{';
                    self.pos += 1;
                    self.ws();
                    if self.peek() == Some(if object { b'}' } else { b']' }) {
                        self.pos += 1;
                        self.close(idx);
                    } else {
                        self.stack.push((idx, object));
                        key = if object { self.key()? } else { (0, 0) };
                        continue 'value;
                    }
                }
                Some(b'"') => {
                    self.string()?;
                    self.close(idx);
                }
                Some(b't') => {
                    self.literal(b"true")?;
                    self.close(idx);
                }
                Some(b'f') => {
                    self.literal(b"false")?;
                    self.close(idx);
                }
                Some(b'n') => {
                    self.literal(b"null")?;
                    self.close(idx);
                }
                Some(b'-' | b'0'..=b'9') => {
                    self.number()?;
                    self.close(idx);
                }
                Some(_) => return err(self.pos, "unexpected character"),
                None => return err(self.pos, "unexpected end of input"),
            }
            // After a complete value: a separator, or the end of enclosing containers.
            while let Some(&(container, object)) = self.stack.last() {
                self.ws();
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        self.ws();
                        key = if object { self.key()? } else { (0, 0) };
                        continue 'value;
                    }
                    Some(b'}') if object => {
                        self.pos += 1;
                        self.close(container);
                        self.stack.pop();
                    }
                    Some(b']') if !object => {
                        self.pos += 1;
                        self.close(container);
                        self.stack.pop();
                    }
                    _ if object => return err(self.pos, "expected ',' or '}'"),
                    _ => return err(self.pos, "expected ',' or ']'"),
                }
            }
            return Ok(());
        }
    }
}

/// Validates `bytes` as one JSON value (UTF-8, nesting at most `max_depth`) and indexes it.
pub(crate) fn parse(bytes: &[u8], max_depth: usize) -> Res<Doc<'_>> {
    if u32::try_from(bytes.len()).is_err() {
        return err(0, "document larger than 4 GiB");
    }
    if let Err(e) = std::str::from_utf8(bytes) {
        return err(e.valid_up_to(), "invalid UTF-8");
    }
    let mut s = Scanner {
        b: bytes,
        pos: 0,
        max_depth,
        // About one value per 16 bytes in typical webhook payloads.
        nodes: Vec::with_capacity(bytes.len() / 16 + 1),
        stack: Vec::new(),
    };
    s.ws();
    s.document()?;
    s.ws();
    if s.pos != bytes.len() {
        return err(s.pos, "trailing characters after the JSON value");
    }
    Ok(Doc {
        bytes,
        nodes: s.nodes,
    })
}

impl<'a> Doc<'a> {
    /// The top-level value.
    pub(crate) const ROOT: NodeId = 0;

    fn entry(&self, id: NodeId) -> Option<&Entry> {
        self.nodes.get(id)
    }

    /// The raw bytes of value `id`.
    pub(crate) fn raw(&self, id: NodeId) -> &'a [u8] {
        let bytes = self.bytes;
        self.entry(id)
            .and_then(|e| bytes.get(e.start as usize..e.end as usize))
            .unwrap_or_default()
    }

    /// The kind of value `id`.
    pub(crate) fn kind(&self, id: NodeId) -> RawKind {
        raw_kind(self.raw(id))
    }

    /// The members of an object or the elements of an array, in order.
    pub(crate) fn children(&self, id: NodeId) -> Children<'_, 'a> {
        let end = match self.entry(id) {
            Some(e) if matches!(self.kind(id), RawKind::Object | RawKind::Array) => e.next as usize,
            _ => id + 1,
        };
        Children {
            doc: self,
            cur: id + 1,
            end,
        }
    }

    /// The raw (still escaped) key bytes of member `id`.
    fn key_raw(&self, id: NodeId) -> &'a [u8] {
        let bytes = self.bytes;
        self.entry(id)
            .and_then(|e| bytes.get(e.key_start as usize..e.key_end as usize))
            .unwrap_or_default()
    }

    /// The decoded key of member `id`.
    pub(crate) fn key(&self, id: NodeId) -> Cow<'a, str> {
        let raw = self.key_raw(id);
        decode_str(raw, raw.contains(&b'\\'))
    }

    /// The member `name` of object `id` (the last one when a key repeats, as decoders keep).
    pub(crate) fn field(&self, id: NodeId, name: &str) -> Option<NodeId> {
        if self.kind(id) != RawKind::Object {
            return None;
        }
        let mut found = None;
        for child in self.children(id) {
            let raw = self.key_raw(child);
            let hit = if raw.contains(&b'\\') {
                decode_str(raw, true) == name
            } else {
                raw == name.as_bytes()
            };
            if hit {
                found = Some(child);
            }
        }
        found
    }

    /// The decoded string of value `id`, if it is a string.
    pub(crate) fn str(&self, id: NodeId) -> Option<Cow<'a, str>> {
        raw_str(self.raw(id))
    }

    /// The value of number `id` as a float64 (what Go decodes JSON numbers to).
    pub(crate) fn number(&self, id: NodeId) -> f64 {
        raw_number_text(self.raw(id))
    }

    /// Decodes value `id` into a [`Value`] (numbers as float64, as Go sees them).
    #[cfg(test)]
    pub(crate) fn to_value(&self, id: NodeId) -> Value {
        match self.kind(id) {
            RawKind::Object => Value::Object(
                self.children(id)
                    .map(|c| (self.key(c).into_owned(), self.to_value(c)))
                    .collect(),
            ),
            RawKind::Array => Value::Array(self.children(id).map(|c| self.to_value(c)).collect()),
            RawKind::String => Value::String(self.str(id).unwrap_or_default().into_owned()),
            RawKind::Number => serde_json::Number::from_f64(self.number(id))
                .map(Value::Number)
                .unwrap_or(Value::Null),
            RawKind::Bool => Value::Bool(self.raw(id).first() == Some(&b't')),
            RawKind::Null => Value::Null,
        }
    }
}

/// The children of one value of a [`Doc`].
#[derive(Debug, Clone)]
pub(crate) struct Children<'d, 'a> {
    doc: &'d Doc<'a>,
    cur: usize,
    end: usize,
}

impl Iterator for Children<'_, '_> {
    type Item = NodeId;

    fn next(&mut self) -> Option<NodeId> {
        if self.cur >= self.end {
            return None;
        }
        let id = self.cur;
        self.cur = self.doc.entry(id).map_or(self.end, |e| e.next as usize);
        Some(id)
    }
}

fn decode_str(raw: &[u8], escaped: bool) -> Cow<'_, str> {
    if !escaped {
        return Cow::Borrowed(std::str::from_utf8(raw).unwrap_or_default());
    }
    let mut quoted = Vec::with_capacity(raw.len() + 2);
    quoted.push(b'"');
    quoted.extend_from_slice(raw);
    quoted.push(b'"');
    Cow::Owned(serde_json::from_slice::<String>(&quoted).unwrap_or_default())
}

/// The kind of a JSON value, from its first byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RawKind {
    Object,
    Array,
    String,
    Number,
    Bool,
    Null,
}

/// The kind of a validated raw value.
pub(crate) fn raw_kind(raw: &[u8]) -> RawKind {
    match raw.first() {
        Some(b'{') => RawKind::Object,
        Some(b'[') => RawKind::Array,
        Some(b'"') => RawKind::String,
        Some(b't' | b'f') => RawKind::Bool,
        Some(b'n') | None => RawKind::Null,
        Some(_) => RawKind::Number,
    }
}

/// The decoded string of a validated raw string value.
pub(crate) fn raw_str(raw: &[u8]) -> Option<Cow<'_, str>> {
    let inner = raw.get(1..raw.len().checked_sub(1)?)?;
    if raw.first() != Some(&b'"') {
        return None;
    }
    Some(decode_str(inner, inner.contains(&b'\\')))
}

/// Writes `n` the way Go's `encoding/json` writes a float64 (JSON numbers decode to float64
/// in Go, so large integers lose precision exactly as they do upstream).
pub(crate) fn go_number(out: &mut String, f: f64) {
    if !f.is_finite() {
        out.push_str("null");
        return;
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let s = format!("{f:e}");
        // Rust: 1e21, 1.5e-7; Go: 1e+21, 1.5e-7.
        match s.split_once('e') {
            Some((mant, exp)) if !exp.starts_with('-') => {
                out.push_str(mant);
                out.push_str("e+");
                out.push_str(exp);
            }
            _ => out.push_str(&s),
        }
    } else {
        let _ = write!(out, "{f}");
    }
}

fn raw_number_text(raw: &[u8]) -> f64 {
    std::str::from_utf8(raw)
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(0.0)
}

/// Writes `s` as Go's `json.Marshal` would, without the surrounding quotes.
pub(crate) fn go_escape_into(out: &mut String, s: &str) {
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let rep: Option<&str> = match c {
            '"' => Some("\\\""),
            '\\' => Some("\\\\"),
            '\n' => Some("\\n"),
            '\r' => Some("\\r"),
            '\t' => Some("\\t"),
            '\u{8}' => Some("\\b"),
            '\u{c}' => Some("\\f"),
            '<' => Some("\\u003c"),
            '>' => Some("\\u003e"),
            '&' => Some("\\u0026"),
            '\u{2028}' => Some("\\u2028"),
            '\u{2029}' => Some("\\u2029"),
            c if (c as u32) < 0x20 => None,
            _ => continue,
        };
        out.push_str(s.get(start..i).unwrap_or_default());
        match rep {
            Some(r) => out.push_str(r),
            None => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
        }
        start = i + c.len_utf8();
    }
    if start < bytes.len() {
        out.push_str(s.get(start..).unwrap_or_default());
    }
}

/// Writes `v` as Go's `json.Marshal` of the decoded value: compact, map keys sorted.
pub(crate) fn go_marshal_value(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => go_number(out, n.as_f64().unwrap_or(0.0)),
        Value::String(s) => {
            out.push('"');
            go_escape_into(out, s);
            out.push('"');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_marshal_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            keys.dedup();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push('"');
                go_escape_into(out, k);
                out.push_str("\":");
                if let Some(v) = map.get(k.as_str()) {
                    go_marshal_value(out, v);
                }
            }
            out.push('}');
        }
    }
}

/// Writes value `id` of `doc` as Go's `json.Marshal` of its decoded form.
pub(crate) fn go_marshal_node(out: &mut String, doc: &Doc<'_>, id: NodeId) {
    match doc.kind(id) {
        RawKind::Null => out.push_str("null"),
        RawKind::Bool => out.push_str(if doc.raw(id).first() == Some(&b't') {
            "true"
        } else {
            "false"
        }),
        RawKind::Number => go_number(out, doc.number(id)),
        RawKind::String => {
            out.push('"');
            if let Some(s) = doc.str(id) {
                go_escape_into(out, &s);
            }
            out.push('"');
        }
        RawKind::Array => {
            out.push('[');
            for (i, item) in doc.children(id).enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_marshal_node(out, doc, item);
            }
            out.push(']');
        }
        RawKind::Object => {
            let mut members: Vec<(Cow<'_, str>, NodeId)> =
                doc.children(id).map(|c| (doc.key(c), c)).collect();
            // Decoders keep the last duplicate; a stable sort keeps input order among equals.
            members.sort_by(|a, b| a.0.cmp(&b.0));
            let mut dedup: Vec<(Cow<'_, str>, NodeId)> = Vec::with_capacity(members.len());
            for m in members {
                match dedup.last_mut() {
                    Some(last) if last.0 == m.0 => *last = m,
                    _ => dedup.push(m),
                }
            }
            out.push('{');
            for (i, (k, v)) in dedup.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push('"');
                go_escape_into(out, k);
                out.push_str("\":");
                go_marshal_node(out, doc, *v);
            }
            out.push('}');
        }
    }
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
    fn validates_and_rejects() {
        let table: &[(&str, bool)] = &[
            ("{}", true),
            (" {\"a\": [1, 2.5e3, -0, true, null, \"x\\u00e9\"]} ", true),
            ("[]", true),
            ("\"s\"", true),
            ("{blahblah}", false),
            ("{\"a\":1,}", false),
            ("[1 2]", false),
            ("01", false),
            ("1.", false),
            ("{\"a\":1} x", false),
            ("\"\\x\"", false),
            ("", false),
        ];
        for (input, ok) in table {
            assert_eq!(parse(input.as_bytes(), 128).is_ok(), *ok, "{input}");
        }
    }

    #[test]
    fn word_scan_matches_bytewise_scan() {
        let alphabet = [b'a', b'"', b'\\', 0x1f, 0x20, 0x7f, 0x80, 0xff, b' ', 0x00];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for len in 0..40 {
            for _ in 0..200 {
                let s: Vec<u8> = (0..len)
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        alphabet[(seed % alphabet.len() as u64) as usize]
                    })
                    .collect();
                for controls in [false, true] {
                    let naive = s
                        .iter()
                        .position(|&c| c == b'"' || c == b'\\' || (controls && c < 0x20));
                    assert_eq!(find_string_end(&s, controls), naive, "{s:?} {controls}");
                }
            }
        }
    }

    #[test]
    fn depth_limit() {
        let deep = "[".repeat(10) + &"]".repeat(10);
        assert!(parse(deep.as_bytes(), 10).is_ok());
        assert!(parse(deep.as_bytes(), 9).is_err());
        let obj = "{\"a\":".repeat(5) + "1" + &"}".repeat(5);
        assert!(parse(obj.as_bytes(), 5).is_ok());
        assert!(parse(obj.as_bytes(), 4).is_err());
    }

    #[test]
    fn go_marshal_matches_go() {
        let table: &[(&str, &str)] = &[
            (
                "{\"z\":1,\"a\":{\"y\":true,\"b\":null}}",
                "{\"a\":{\"b\":null,\"y\":true},\"z\":1}",
            ),
            ("12345678901234567890", "12345678901234567000"),
            ("1e21", "1e+21"),
            ("0.0000001", "1e-7"),
            ("1.50", "1.5"),
            ("\"a<b>&c\"", "\"a\\u003cb\\u003e\\u0026c\""),
            ("\"\\u0001\\/\"", "\"\\u0001/\""),
            ("{\"a\":1,\"a\":2}", "{\"a\":2}"),
        ];
        for (input, want) in table {
            let mut out = String::new();
            let doc = parse(input.as_bytes(), 128).unwrap();
            go_marshal_node(&mut out, &doc, Doc::ROOT);
            assert_eq!(&out, want, "{input}");
            let mut out2 = String::new();
            go_marshal_value(&mut out2, &serde_json::from_str(input).unwrap());
            assert_eq!(&out2, want, "value form of {input}");
        }
    }

    #[test]
    fn index_lookups() {
        let raw = br#"{"a":{"b":[1,{"c":"d"}]},"e\u0066":2,"a2":[],"x":{},"a":{"b":[]}}"#;
        let doc = parse(raw, 128).unwrap();
        let root = Doc::ROOT;
        assert_eq!(doc.children(root).count(), 5);
        // A repeated key: the last one wins, as decoders keep.
        let a = doc.field(root, "a").unwrap();
        assert_eq!(doc.raw(a), br#"{"b":[]}"#);
        let first_a = doc.children(root).next().unwrap();
        let b = doc.field(first_a, "b").unwrap();
        let els: Vec<_> = doc.children(b).collect();
        assert_eq!(els.len(), 2);
        assert_eq!(doc.raw(doc.field(els[1], "c").unwrap()), b"\"d\"");
        assert_eq!(doc.raw(doc.field(root, "ef").unwrap()), b"2");
        assert_eq!(doc.children(doc.field(root, "a2").unwrap()).count(), 0);
        assert_eq!(doc.children(doc.field(root, "x").unwrap()).count(), 0);
        assert_eq!(doc.field(els[0], "c"), None);
        assert_eq!(doc.to_value(els[1]), serde_json::json!({"c": "d"}));
        assert_eq!(
            doc.to_value(root),
            serde_json::json!({"a": {"b": []}, "ef": 2.0, "a2": [], "x": {}})
        );
    }

    /// `v` with every number as a float64, as Go decodes them.
    fn floats(v: Value) -> Value {
        match v {
            Value::Number(n) => serde_json::json!(n.as_f64().unwrap()),
            Value::Array(a) => Value::Array(a.into_iter().map(floats).collect()),
            Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, floats(v))).collect()),
            other => other,
        }
    }

    #[test]
    fn index_matches_serde_json() {
        // Every value of a document, decoded through the index, equals serde_json's decoding.
        let docs = [
            r#"{"k":[1,[2,[3,{"z":[]}]],{"q":"\u00e9\n"}],"e":{},"n":null,"t":true}"#,
            r#"[[[],[{}]],{"a":{"b":{"c":[-1.5e3,"x"]}}}, "s", 0 ]"#,
            "  \"top\"  ",
            "12",
        ];
        for text in docs {
            let doc = parse(text.as_bytes(), 128).unwrap();
            let want = floats(serde_json::from_str(text).unwrap());
            assert_eq!(doc.to_value(Doc::ROOT), want, "{text}");
        }
    }
}
