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

/// The high bit of each byte of `w` that is `"`, `\` or below 0x20. Bits above the lowest
/// one may be spurious (borrows), but the lowest set bit is always a real match.
#[inline(always)]
fn special_bytes(w: u64) -> u64 {
    let q = w ^ (LO * u64::from(b'"'));
    let s = w ^ (LO * u64::from(b'\\'));
    ((q.wrapping_sub(LO) & !q) | (s.wrapping_sub(LO) & !s) | (w.wrapping_sub(LO * 0x20) & !w)) & HI
}

/// The index of the first `"`, `\` or byte below 0x20 in `s`, eight bytes at a time.
#[inline(always)]
fn find_special(s: &[u8]) -> Option<usize> {
    let mut i = 0;
    while let Some(chunk) = s.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let m = special_bytes(u64::from_le_bytes(word));
        if m != 0 {
            return Some(i + (m.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    s.get(i..)?
        .iter()
        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
        .map(|n| i + n)
}

/// The index of the closing quote of the string whose contents start at `i`, checking
/// escapes and refusing control bytes.
#[inline(always)]
fn string_end(b: &[u8], mut i: usize) -> Res<usize> {
    loop {
        match b.get(i..).and_then(find_special) {
            Some(n) => i += n,
            None => return err(b.len(), "unterminated string"),
        }
        match b.get(i) {
            Some(b'"') => return Ok(i),
            Some(b'\\') => {
                i += 1;
                match b.get(i) {
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 1,
                    Some(b'u') => {
                        let hex = b.get(i + 1..i + 5).unwrap_or_default();
                        if hex.len() != 4 || !hex.iter().all(u8::is_ascii_hexdigit) {
                            return err(i + 1, "invalid \\u escape");
                        }
                        i += 5;
                    }
                    _ => return err(i, "invalid escape in string"),
                }
            }
            _ => return err(i, "control character in string"),
        }
    }
}

/// The index of the first byte at or after `i` that is not JSON whitespace. Inside a run
/// of whitespace, spaces (indentation) are skipped eight at a time.
#[inline(always)]
fn skip_ws(b: &[u8], mut i: usize) -> usize {
    loop {
        match b.get(i) {
            Some(b' ' | b'\n' | b'\r' | b'\t') => i += 1,
            _ => return i,
        }
        if let Some(chunk) = b.get(i..i + 8) {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            // Zero bytes where there are spaces; the high bit marks every other byte.
            let x = u64::from_le_bytes(word) ^ (LO * u64::from(b' '));
            let other = (((x & !HI) + !HI) | x) & HI;
            i += (other.trailing_zeros() / 8) as usize;
        }
    }
}

/// The index just past the digits starting at `i`.
#[inline]
fn skip_digits(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b'0'..=b'9')) {
        i += 1;
    }
    i
}

/// The index just past the number starting at `i`. Like Go's decoder (and serde_json), a
/// number too large for a float64 is an error.
fn number_end(b: &[u8], start: usize) -> Res<usize> {
    let end = number_syntax_end(b, start)?;
    let text = b.get(start..end).unwrap_or_default();
    // Fifteen significant characters without an exponent always fit.
    if text.len() > 15 || text.iter().any(|c| matches!(c, b'e' | b'E')) {
        let value = std::str::from_utf8(text)
            .ok()
            .and_then(|t| t.parse::<f64>().ok());
        if !value.is_some_and(f64::is_finite) {
            return err(start, "number out of range");
        }
    }
    Ok(end)
}

/// The index just past the JSON number syntax starting at `i`.
fn number_syntax_end(b: &[u8], mut i: usize) -> Res<usize> {
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i = skip_digits(b, i + 1),
        _ => return err(i, "invalid number"),
    }
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        i = skip_digits(b, start);
        if i == start {
            return err(i, "invalid number");
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let start = i;
        i = skip_digits(b, start);
        if i == start {
            return err(i, "invalid number");
        }
    }
    Ok(i)
}

/// A member key at `i` (its opening quote) and the `:` after it: the key's content range
/// and the index of the member's value.
#[inline(always)]
fn member_key(b: &[u8], i: usize) -> Res<(u32, u32, usize)> {
    if b.get(i) != Some(&b'"') {
        return err(i, "expected a string");
    }
    let end = string_end(b, i + 1)?;
    let colon = skip_ws(b, end + 1);
    if b.get(colon) != Some(&b':') {
        return err(colon, "expected ':'");
    }
    Ok(((i + 1) as u32, end as u32, skip_ws(b, colon + 1)))
}

/// The deepest nesting any body may have, whatever the configured limit.
pub(crate) const MAX_DEPTH: usize = 1000;

/// Validates `bytes` as one JSON value (UTF-8, nesting at most `max_depth`, and never more
/// than [`MAX_DEPTH`]) and indexes it.
/// One loop with an explicit stack, so nesting costs heap, not call stack.
pub(crate) fn parse(bytes: &[u8], max_depth: usize) -> Res<Doc<'_>> {
    // Decoding walks values recursively (CEL values, Go marshalling): keep it off deep stacks.
    let max_depth = max_depth.min(MAX_DEPTH);
    if u32::try_from(bytes.len()).is_err() {
        return err(0, "document larger than 4 GiB");
    }
    if let Err(e) = std::str::from_utf8(bytes) {
        return err(e.valid_up_to(), "invalid UTF-8");
    }
    let b = bytes;
    // About one value per 16 bytes in typical webhook payloads.
    let mut nodes: Vec<Entry> = Vec::with_capacity(b.len() / 16 + 1);
    // Open containers: their entry and whether they are objects.
    let mut stack: Vec<(usize, bool)> = Vec::new();
    let mut i = skip_ws(b, 0);
    let mut key = (0u32, 0u32);
    'value: loop {
        let idx = nodes.len();
        nodes.push(Entry {
            start: i as u32,
            end: i as u32,
            next: 0,
            key_start: key.0,
            key_end: key.1,
        });
        i = match b.get(i) {
            Some(b'"') => string_end(b, i + 1)? + 1,
            Some(&open @ (b'{' | b'[')) => {
                if stack.len() >= max_depth {
                    return err(i, "nesting deeper than the limit");
                }
                let object = open == b'{';
                let inner = skip_ws(b, i + 1);
                if b.get(inner) == Some(if object { &b'}' } else { &b']' }) {
                    inner + 1
                } else {
                    stack.push((idx, object));
                    if object {
                        let (ks, ke, value) = member_key(b, inner)?;
                        key = (ks, ke);
                        i = value;
                    } else {
                        key = (0, 0);
                        i = inner;
                    }
                    continue 'value;
                }
            }
            Some(b't') if b.get(i..i + 4) == Some(b"true") => i + 4,
            Some(b'f') if b.get(i..i + 5) == Some(b"false") => i + 5,
            Some(b'n') if b.get(i..i + 4) == Some(b"null") => i + 4,
            Some(b't' | b'f' | b'n') => return err(i, "invalid literal"),
            Some(b'-' | b'0'..=b'9') => number_end(b, i)?,
            Some(_) => return err(i, "unexpected character"),
            None => return err(i, "unexpected end of input"),
        };
        let next = nodes.len() as u32;
        if let Some(e) = nodes.last_mut() {
            e.end = i as u32;
            e.next = next;
        }
        // After a complete value: a separator, or the end of enclosing containers.
        while let Some(&(container, object)) = stack.last() {
            i = skip_ws(b, i);
            match b.get(i) {
                Some(b',') => {
                    i = skip_ws(b, i + 1);
                    if object {
                        let (ks, ke, value) = member_key(b, i)?;
                        key = (ks, ke);
                        i = value;
                    }
                    continue 'value;
                }
                Some(b'}') if object => {}
                Some(b']') if !object => {}
                _ if object => return err(i, "expected ',' or '}'"),
                _ => return err(i, "expected ',' or ']'"),
            }
            i += 1;
            let next = nodes.len() as u32;
            if let Some(e) = nodes.get_mut(container) {
                e.end = i as u32;
                e.next = next;
            }
            stack.pop();
        }
        break;
    }
    if skip_ws(b, i) != b.len() {
        return err(skip_ws(b, i), "trailing characters after the JSON value");
    }
    Ok(Doc { bytes, nodes })
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

    /// How many values the document holds.
    pub(crate) fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The length of member `id`'s raw key, at least that of the decoded key.
    pub(crate) fn key_len(&self, id: NodeId) -> usize {
        self.key_raw(id).len()
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
        let end = self.entry(id).map_or(id, |e| e.next as usize);
        let (mut cur, mut found) = (id + 1, None);
        while cur < end {
            let Some(e) = self.entry(cur) else { break };
            // An escape always makes the raw key longer than the decoded one.
            let raw_len = (e.key_end - e.key_start) as usize;
            if raw_len >= name.len() {
                let raw = self
                    .bytes
                    .get(e.key_start as usize..e.key_end as usize)
                    .unwrap_or_default();
                let hit = if raw_len == name.len() {
                    raw == name.as_bytes() && !raw.contains(&b'\\')
                } else {
                    raw.contains(&b'\\') && decode_str(raw, true) == name
                };
                if hit {
                    found = Some(cur);
                }
            }
            cur = e.next as usize;
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
    #[cfg(any(test, fuzzing))]
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

/// The decoded text of validated string contents. Escapes decode as Go decodes them: a
/// surrogate pair is one character, and a lone surrogate becomes U+FFFD.
fn decode_str(raw: &[u8], escaped: bool) -> Cow<'_, str> {
    let Ok(text) = std::str::from_utf8(raw) else {
        return Cow::Borrowed("");
    };
    if !escaped {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = text;
    while let Some(at) = rest.find('\\') {
        out.push_str(rest.get(..at).unwrap_or_default());
        let esc = rest.get(at + 1..).unwrap_or_default();
        let (c, used) = match esc.as_bytes().first() {
            Some(b'b') => ('\u{8}', 1),
            Some(b'f') => ('\u{c}', 1),
            Some(b'n') => ('\n', 1),
            Some(b'r') => ('\r', 1),
            Some(b't') => ('\t', 1),
            Some(b'u') => {
                let unit = |s: &str| s.get(1..5).and_then(|h| u32::from_str_radix(h, 16).ok());
                match unit(esc) {
                    Some(hi @ 0xD800..=0xDBFF) => {
                        match esc
                            .get(5..7)
                            .filter(|p| *p == "\\u")
                            .and_then(|_| unit(esc.get(6..)?))
                        {
                            Some(lo @ 0xDC00..=0xDFFF) => {
                                let cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                                (char::from_u32(cp).unwrap_or('\u{FFFD}'), 11)
                            }
                            _ => ('\u{FFFD}', 5),
                        }
                    }
                    Some(cp) => (char::from_u32(cp).unwrap_or('\u{FFFD}'), 5),
                    None => ('\u{FFFD}', 1),
                }
            }
            // `"`, `\` and `/` stand for themselves.
            Some(&b) => (char::from(b), 1),
            None => break,
        };
        out.push(c);
        rest = esc.get(used..).unwrap_or_default();
    }
    out.push_str(rest);
    Cow::Owned(out)
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
    kube_object::number::go_json_float_into(f, out);
}

fn raw_number_text(raw: &[u8]) -> f64 {
    std::str::from_utf8(raw)
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(0.0)
}

/// Bytes that may need an escape in Go's JSON output (0xE2 starts U+2028 and U+2029).
#[allow(
    clippy::indexing_slicing,
    reason = "evaluated at compile time: an index out of range fails the build"
)]
static NEEDS_ESCAPE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = b < 0x20 || matches!(b as u8, b'"' | b'\\' | b'<' | b'>' | b'&' | 0xE2);
        b += 1;
    }
    t
};

/// Writes `s` as Go's `json.Marshal` would, without the surrounding quotes.
pub(crate) fn go_escape_into(out: &mut String, s: &str) {
    let bytes = s.as_bytes();
    // Most values need no escape at all: quotes, backslashes, controls, `<>&` and the
    // U+2028/U+2029 separators (whose UTF-8 starts with 0xE2) are the only ones that do.
    if !bytes
        .iter()
        .any(|&b| NEEDS_ESCAPE.get(usize::from(b)).copied().unwrap_or(true))
    {
        out.push_str(s);
        return;
    }
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
            ("1e308", true),
            ("-1.7976931348623157e308", true),
            ("1e-400", true),
            (&"9".repeat(300), true),
            ("1e309", false),
            ("[-2e400]", false),
            (&"9".repeat(310), false),
            ("", false),
        ];
        for (input, ok) in table {
            assert_eq!(parse(input.as_bytes(), 128).is_ok(), *ok, "{input}");
            // serde_json draws the same lines.
            let theirs = serde_json::from_str::<Value>(input).is_ok();
            assert_eq!(theirs, *ok, "serde_json on {input}");
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
                let naive = s.iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20);
                assert_eq!(find_special(&s), naive, "{s:?}");
            }
        }
    }

    /// Validation agrees with serde_json on documents and their one-byte mutations (escapes
    /// `\\u` aside: Go and this scanner accept lone surrogates, serde_json does not).
    #[test]
    fn validation_agrees_with_serde_json() {
        let seeds = [
            r#"{"a": [1, -2.5e+3, true, false, null, "x\ny"], "b": {"c": {}}, "d": []}"#,
            "[0, 1.0, -0.5E-2, \"\", \"\\\\\", [[[]]], {\"k\": \"v\"}]",
            "  {\n  \"ref\": \"refs/heads/main\",\n  \"n\": 12\n}\n",
            "{\n          \"deep\":\t[\r\n                    1 ,\n                    \"x\"\n          ]\n}",
        ];
        let alphabet = b"{}[]\":,0123456789-+.eEtrufalsn \n\t\r\\/x";
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut rand = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let (mut checked, mut valid) = (0, 0);
        for doc in seeds {
            let doc = doc.as_bytes();
            for _ in 0..20_000 {
                let mut m = doc.to_vec();
                for _ in 0..1 + rand() % 2 {
                    let at = (rand() % (m.len() as u64 + 1)) as usize;
                    let byte = alphabet[(rand() % alphabet.len() as u64) as usize];
                    match rand() % 3 {
                        0 if at < m.len() => m[at] = byte,
                        1 if at < m.len() => {
                            m.remove(at);
                        }
                        _ => m.insert(at, byte),
                    }
                }
                if m.windows(2).any(|w| w == b"\\u") {
                    continue;
                }
                let ours = parse(&m, 512).is_ok();
                let theirs = serde_json::from_slice::<Value>(&m).is_ok();
                assert_eq!(ours, theirs, "{:?}", String::from_utf8_lossy(&m));
                checked += 1;
                valid += usize::from(ours);
            }
        }
        assert!(checked > 50_000);
        // Both answers occur often: the comparison is not one-sided.
        assert!(
            valid > 2_000 && checked - valid > 2_000,
            "{valid} of {checked}"
        );
    }

    #[test]
    fn escapes_decode_as_go_decodes_them() {
        let rows: &[(&str, &str)] = &[
            (r#"plain"#, "plain"),
            (r#"a\"b\\c\/d"#, "a\"b\\c/d"),
            (r#"\b\f\n\r\t"#, "\u{8}\u{c}\n\r\t"),
            (r#"caf\u00e9 \u20AC"#, "café €"),
            (r#"\ud83d\ude00!"#, "😀!"),
            // Lone surrogates: U+FFFD, as Go's decoder gives.
            (r#"x\ud800y"#, "x\u{FFFD}y"),
            (r#"\udc00"#, "\u{FFFD}"),
            (r#"\ud800\u0041"#, "\u{FFFD}A"),
            (r#"\ud800\ud800\udc00"#, "\u{FFFD}\u{10000}"),
            (r#"é\n"#, "é\n"),
        ];
        for (raw, want) in rows {
            let quoted = format!("\"{raw}\"");
            assert!(parse(quoted.as_bytes(), 8).is_ok(), "{raw}");
            assert_eq!(
                decode_str(raw.as_bytes(), raw.contains('\\')),
                *want,
                "{raw}"
            );
            // Where serde_json decodes (no lone surrogate), it agrees.
            if let Ok(theirs) = serde_json::from_str::<String>(&quoted) {
                assert_eq!(theirs, *want, "{raw}");
            }
        }
    }

    #[test]
    fn depth_limit() {
        let deep = "[".repeat(10) + &"]".repeat(10);
        assert!(parse(deep.as_bytes(), 10).is_ok());
        assert!(parse(deep.as_bytes(), 9).is_err());
        let huge = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert!(parse(huge.as_bytes(), usize::MAX).is_err());
        assert!(parse(&huge.as_bytes()[1..huge.len() - 1], usize::MAX).is_ok());
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
            ("\"plain text\"", "\"plain text\""),
            (
                "\"\u{20ac} \u{2028} \u{2029} \u{2027}\"",
                "\"\u{20ac} \\u2028 \\u2029 \u{2027}\"",
            ),
            ("\"tab\\there\"", "\"tab\\there\""),
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

    fn doc_raw<'a>(doc: &Doc<'a>, key: &str) -> &'a [u8] {
        doc.raw(doc.field(Doc::ROOT, key).unwrap())
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
        // A raw key that spells the name but holds an escape is a different key.
        let esc = parse(br#"{"a\nb":1,"a\\nb":2}"#, 8).unwrap();
        assert_eq!(doc_raw(&esc, "a\nb"), b"1");
        assert_eq!(doc_raw(&esc, "a\\nb"), b"2");
        assert_eq!(esc.field(Doc::ROOT, "a\\\\nb"), None);
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
