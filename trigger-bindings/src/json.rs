//! A small JSON toolkit for request bodies: one validating pass with a depth bound, lookups
//! on the raw bytes (only the parts a binding or CEL expression asks for are decoded), and
//! the Go `encoding/json` rendering Tekton's bindings produce (sorted keys, HTML-safe
//! escapes, float64 numbers).

use serde_json::Value;
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

/// A validating scanner over UTF-8 JSON bytes.
struct Scanner<'a> {
    b: &'a [u8],
    pos: usize,
    max_depth: usize,
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

    /// Scans a string starting at `"`; returns the raw bytes between the quotes and whether
    /// they hold an escape.
    fn string(&mut self) -> Res<(&'a [u8], bool)> {
        self.expect(b'"', "expected a string")?;
        let start = self.pos;
        let mut escaped = false;
        loop {
            // Jump to the next quote, backslash or control byte.
            let rest = self.b.get(self.pos..).unwrap_or_default();
            match rest
                .iter()
                .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
            {
                Some(n) => self.pos += n,
                None => return err(self.b.len(), "unterminated string"),
            }
            let Some(c) = self.peek() else {
                return err(self.pos, "unterminated string");
            };
            match c {
                b'"' => {
                    let raw = self.b.get(start..self.pos).unwrap_or_default();
                    self.pos += 1;
                    return Ok((raw, escaped));
                }
                b'\\' => {
                    escaped = true;
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
                0..=0x1f => return err(self.pos, "control character in string"),
                _ => self.pos += 1,
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

    /// Scans one value (no leading whitespace) at nesting `depth`.
    fn value(&mut self, depth: usize) -> Res<()> {
        match self.peek() {
            Some(b'{') => {
                if depth >= self.max_depth {
                    return err(self.pos, "nesting deeper than the limit");
                }
                self.pos += 1;
                self.ws();
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                    return Ok(());
                }
                loop {
                    self.ws();
                    self.string()?;
                    self.ws();
                    self.expect(b':', "expected ':'")?;
                    self.ws();
                    self.value(depth + 1)?;
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b'}') => {
                            self.pos += 1;
                            return Ok(());
                        }
                        _ => return err(self.pos, "expected ',' or '}'"),
                    }
                }
            }
            Some(b'[') => {
                if depth >= self.max_depth {
                    return err(self.pos, "nesting deeper than the limit");
                }
                self.pos += 1;
                self.ws();
                if self.peek() == Some(b']') {
                    self.pos += 1;
                    return Ok(());
                }
                loop {
                    self.ws();
                    self.value(depth + 1)?;
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(());
                        }
                        _ => return err(self.pos, "expected ',' or ']'"),
                    }
                }
            }
            Some(b'"') => self.string().map(|_| ()),
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            Some(b'n') => self.literal(b"null"),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => err(self.pos, "unexpected character"),
            None => err(self.pos, "unexpected end of input"),
        }
    }
}

/// A top-level object member: its key (decoded) and raw value.
pub(crate) type Member<'a> = (std::borrow::Cow<'a, str>, &'a [u8]);

/// Validates `bytes` as one JSON document nested at most `max_depth` deep. Returns the raw
/// top-level value (whitespace trimmed) and, when it is an object, its members in order.
pub(crate) fn validate(bytes: &[u8], max_depth: usize) -> Res<(&[u8], Option<Vec<Member<'_>>>)> {
    if let Err(e) = std::str::from_utf8(bytes) {
        return err(e.valid_up_to(), "invalid UTF-8");
    }
    let mut s = Scanner {
        b: bytes,
        pos: 0,
        max_depth,
    };
    s.ws();
    let start = s.pos;
    let members = if s.peek() == Some(b'{') && max_depth > 0 {
        // Scan the top-level object here to record its members on the way.
        let mut members = Vec::new();
        s.pos += 1;
        s.ws();
        if s.peek() == Some(b'}') {
            s.pos += 1;
        } else {
            loop {
                s.ws();
                let (raw_key, escaped) = s.string()?;
                let key = decode_key(raw_key, escaped);
                s.ws();
                s.expect(b':', "expected ':'")?;
                s.ws();
                let vstart = s.pos;
                s.value(1)?;
                members.push((key, bytes.get(vstart..s.pos).unwrap_or_default()));
                s.ws();
                match s.peek() {
                    Some(b',') => s.pos += 1,
                    Some(b'}') => {
                        s.pos += 1;
                        break;
                    }
                    _ => return err(s.pos, "expected ',' or '}'"),
                }
            }
        }
        Some(members)
    } else {
        s.value(0)?;
        None
    };
    let end = s.pos;
    s.ws();
    if s.pos != bytes.len() {
        return err(s.pos, "trailing characters after the JSON value");
    }
    Ok((bytes.get(start..end).unwrap_or_default(), members))
}

fn decode_key(raw: &[u8], escaped: bool) -> std::borrow::Cow<'_, str> {
    if !escaped {
        return std::borrow::Cow::Borrowed(std::str::from_utf8(raw).unwrap_or_default());
    }
    let mut quoted = Vec::with_capacity(raw.len() + 2);
    quoted.push(b'"');
    quoted.extend_from_slice(raw);
    quoted.push(b'"');
    std::borrow::Cow::Owned(serde_json::from_slice::<String>(&quoted).unwrap_or_default())
}

/// The kind of a raw (already validated) JSON value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RawKind {
    Object,
    Array,
    String,
    Number,
    Bool,
    Null,
}

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

/// End of the string starting at `i` (a quote) in validated bytes: the index after its
/// closing quote.
fn skip_string(b: &[u8], mut i: usize) -> usize {
    i += 1;
    loop {
        let rest = b.get(i..).unwrap_or_default();
        match find_string_end(rest, false) {
            Some(n) => i += n,
            None => return b.len(),
        }
        match b.get(i) {
            Some(b'"') => return i + 1,
            Some(_) => i += 2,
            None => return b.len(),
        }
    }
}

/// End of the value starting at `i` in validated bytes (no checks: the bytes were
/// validated when the event was read).
fn skip_value(b: &[u8], mut i: usize) -> usize {
    match b.get(i) {
        Some(b'"') => skip_string(b, i),
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            while let Some(&c) = b.get(i) {
                match c {
                    b'"' => {
                        i = skip_string(b, i);
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            return i + 1;
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            b.len()
        }
        Some(_) => {
            while let Some(&c) = b.get(i) {
                if matches!(c, b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r') {
                    break;
                }
                i += 1;
            }
            i
        }
        None => b.len(),
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// Calls `f(raw key, key has escapes, raw value)` for each member of a validated object.
fn each_member<'a>(raw: &'a [u8], mut f: impl FnMut(&'a [u8], bool, &'a [u8])) {
    if raw_kind(raw) != RawKind::Object {
        return;
    }
    let mut i = skip_ws(raw, 1);
    while raw.get(i) == Some(&b'"') {
        let kend = skip_string(raw, i);
        let key = raw.get(i + 1..kend.saturating_sub(1)).unwrap_or_default();
        i = skip_ws(raw, kend);
        i = skip_ws(raw, i + 1); // the ':'
        let vend = skip_value(raw, i);
        f(
            key,
            key.contains(&b'\\'),
            raw.get(i..vend).unwrap_or_default(),
        );
        i = skip_ws(raw, vend);
        if raw.get(i) != Some(&b',') {
            return;
        }
        i = skip_ws(raw, i + 1);
    }
}

/// The members of a raw object (empty for anything else).
pub(crate) fn raw_members(raw: &[u8]) -> Vec<Member<'_>> {
    let mut out = Vec::new();
    each_member(raw, |k, escaped, v| out.push((decode_key(k, escaped), v)));
    out
}

/// The member `key` of a raw object (the last one, as decoders keep), if any.
pub(crate) fn raw_get<'a>(raw: &'a [u8], key: &str) -> Option<&'a [u8]> {
    let mut found = None;
    each_member(raw, |k, escaped, v| {
        let hit = if escaped {
            decode_key(k, true) == key
        } else {
            k == key.as_bytes()
        };
        if hit {
            found = Some(v);
        }
    });
    found
}

/// The elements of a raw array (empty for anything else).
pub(crate) fn raw_elements(raw: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    if raw_kind(raw) != RawKind::Array {
        return out;
    }
    let mut i = skip_ws(raw, 1);
    if raw.get(i) == Some(&b']') {
        return out;
    }
    while i < raw.len() {
        let end = skip_value(raw, i);
        out.push(raw.get(i..end).unwrap_or_default());
        i = skip_ws(raw, end);
        if raw.get(i) != Some(&b',') {
            break;
        }
        i = skip_ws(raw, i + 1);
    }
    out
}

/// Decodes a raw string value (with its quotes) into text.
pub(crate) fn raw_str(raw: &[u8]) -> Option<std::borrow::Cow<'_, str>> {
    let inner = raw.get(1..raw.len().checked_sub(1)?)?;
    if raw.first() != Some(&b'"') {
        return None;
    }
    Some(decode_key(inner, inner.contains(&b'\\')))
}

/// Decodes a raw (validated) value into a [`Value`].
#[cfg(test)]
pub(crate) fn raw_to_value(raw: &[u8]) -> Value {
    match raw_kind(raw) {
        RawKind::String => raw_str(raw)
            .map(|s| Value::String(s.into_owned()))
            .unwrap_or(Value::Null),
        RawKind::Bool => Value::Bool(raw.first() == Some(&b't')),
        RawKind::Null => Value::Null,
        _ => serde_json::from_slice(raw).unwrap_or(Value::Null),
    }
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

/// Writes a raw (validated) value as Go's `json.Marshal` of its decoded form.
pub(crate) fn go_marshal_raw(out: &mut String, raw: &[u8]) {
    match raw_kind(raw) {
        RawKind::Null => out.push_str("null"),
        RawKind::Bool => out.push_str(if raw.first() == Some(&b't') {
            "true"
        } else {
            "false"
        }),
        RawKind::Number => go_number(out, raw_number_text(raw)),
        RawKind::String => {
            out.push('"');
            if let Some(s) = raw_str(raw) {
                go_escape_into(out, &s);
            }
            out.push('"');
        }
        RawKind::Array => {
            out.push('[');
            for (i, item) in raw_elements(raw).into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_marshal_raw(out, item);
            }
            out.push(']');
        }
        RawKind::Object => {
            let mut members = raw_members(raw);
            // Decoders keep the last duplicate; a stable sort keeps input order among equals.
            members.sort_by(|a, b| a.0.cmp(&b.0));
            let mut dedup: Vec<Member<'_>> = Vec::with_capacity(members.len());
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
                go_marshal_raw(out, v);
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
            assert_eq!(validate(input.as_bytes(), 128).is_ok(), *ok, "{input}");
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
        assert!(validate(deep.as_bytes(), 10).is_ok());
        assert!(validate(deep.as_bytes(), 9).is_err());
        let obj = "{\"a\":".repeat(5) + "1" + &"}".repeat(5);
        assert!(validate(obj.as_bytes(), 5).is_ok());
        assert!(validate(obj.as_bytes(), 4).is_err());
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
            go_marshal_raw(&mut out, input.as_bytes());
            assert_eq!(&out, want, "{input}");
            let mut out2 = String::new();
            go_marshal_value(&mut out2, &serde_json::from_str(input).unwrap());
            assert_eq!(&out2, want, "value form of {input}");
        }
    }

    #[test]
    fn raw_lookups() {
        let raw = br#"{"a":{"b":[1,{"c":"d"}]},"e\u0066":2}"#;
        let (top, members) = validate(raw, 128).unwrap();
        assert_eq!(members.unwrap().len(), 2);
        let a = raw_get(top, "a").unwrap();
        let b = raw_get(a, "b").unwrap();
        let els = raw_elements(b);
        assert_eq!(els.len(), 2);
        assert_eq!(raw_get(els[1], "c"), Some(&b"\"d\""[..]));
        assert_eq!(raw_get(top, "ef"), Some(&b"2"[..]));
        assert_eq!(raw_to_value(els[1]), serde_json::json!({"c": "d"}));
    }
}
