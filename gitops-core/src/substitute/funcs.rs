//! Evaluation of a parsed template: the parameter-expansion operators and the glob matcher
//! behind `#`, `##`, `%` and `%%`.

use super::SubstReason;
use super::parse::{Node, decode};

/// Largest result accepted (operators such as `//` with an empty pattern multiply lengths).
pub(crate) const MAX_OUTPUT: usize = 16 * 1024 * 1024;

/// Evaluates `node`, looking variables up with `lookup` (`None`: not set).
pub(crate) fn eval(
    node: &Node,
    lookup: &dyn Fn(&str) -> Option<String>,
    out: &mut Vec<u8>,
) -> Result<(), SubstReason> {
    match node {
        Node::Text(t) => out.extend_from_slice(t),
        Node::List(nodes) => {
            for n in nodes {
                eval(n, lookup, out)?;
            }
        }
        Node::Func { param, op, args } => {
            let mut values = Vec::with_capacity(args.len());
            for a in args {
                let mut buf = Vec::new();
                eval(a, lookup, &mut buf)?;
                values.push(buf);
            }
            let name = String::from_utf8_lossy(param);
            let value = match lookup(&name) {
                Some(v) => v.into_bytes(),
                None if is_default_op(op) => Vec::new(),
                None => {
                    return Err(SubstReason::VarNotSet {
                        name: name.into_owned(),
                    });
                }
            };
            let result = apply(op, value, &values)?;
            out.extend_from_slice(&result);
        }
    }
    if out.len() > MAX_OUTPUT {
        return Err(SubstReason::TooLarge { max: MAX_OUTPUT });
    }
    Ok(())
}

/// Operators that supply their own value when the variable is unset; strict mode lets them
/// through.
fn is_default_op(op: &[u8]) -> bool {
    matches!(
        op,
        b"-" | b"+" | b"=" | b"?" | b":-" | b":+" | b":=" | b":?"
    )
}

fn apply(op: &[u8], s: Vec<u8>, args: &[Vec<u8>]) -> Result<Vec<u8>, SubstReason> {
    let first = args.first().map(Vec::as_slice);
    let second = args.get(1).map(Vec::as_slice);
    Ok(match op {
        b"," => map_first(&s, lower),
        b",," => map_all(&s, lower),
        b"^" => map_first(&s, upper),
        b"^^" => map_all(&s, upper),
        b"#" if args.is_empty() => s.len().to_string().into_bytes(),
        b"#" => trim_prefix(s, first, false),
        b"##" => trim_prefix(s, first, true),
        b"%" => trim_suffix(s, first, false),
        b"%%" => trim_suffix(s, first, true),
        b":" => substring(s, first, second)?,
        b"/#" => match (first, second, args.len()) {
            (Some(old), Some(new), 2) if s.starts_with(old) => replace(&s, old, new, Some(1)),
            _ => s,
        },
        b"/%" => match (first, second, args.len()) {
            (Some(old), Some(new), 2) if s.ends_with(old) => {
                let mut r = s.get(..s.len() - old.len()).unwrap_or_default().to_vec();
                r.extend_from_slice(new);
                r
            }
            _ => s,
        },
        b"/" => match first {
            None => s,
            Some(old) => replace(&s, old, second.unwrap_or_default(), Some(1)),
        },
        b"//" => match first {
            None => s,
            Some(old) => replace(&s, old, second.unwrap_or_default(), None),
        },
        // Every default-style operator (and an unknown one) behaves as "value, or else the
        // arguments joined".
        _ => {
            if s.is_empty() && !args.is_empty() {
                args.concat()
            } else {
                s
            }
        }
    })
}

/// A single-character case mapping (a mapping to several characters leaves it unchanged).
fn upper(c: char) -> char {
    let mut it = c.to_uppercase();
    match (it.next(), it.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

fn lower(c: char) -> char {
    let mut it = c.to_lowercase();
    match (it.next(), it.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

fn push_char(out: &mut Vec<u8>, c: char) {
    let mut b = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
}

fn map_first(s: &[u8], f: fn(char) -> char) -> Vec<u8> {
    match decode(s) {
        None => Vec::new(),
        Some((c, w)) => {
            let mut out = Vec::with_capacity(s.len());
            push_char(&mut out, f(c));
            out.extend_from_slice(s.get(w..).unwrap_or_default());
            out
        }
    }
}

fn map_all(s: &[u8], f: fn(char) -> char) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut rest = s;
    while let Some((c, w)) = decode(rest) {
        push_char(&mut out, f(c));
        rest = rest.get(w..).unwrap_or_default();
    }
    out
}

/// Go's `strings.Replace` on bytes: at most `n` replacements (all when `None`); an empty
/// `old` matches at every character boundary.
fn replace(s: &[u8], old: &[u8], new: &[u8], n: Option<usize>) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut count = 0usize;
    let mut i = 0usize;
    let limit = n.unwrap_or(usize::MAX);
    if old.is_empty() {
        loop {
            if count < limit {
                out.extend_from_slice(new);
                count += 1;
            }
            match decode(s.get(i..).unwrap_or_default()) {
                None => break,
                Some((_, w)) => {
                    out.extend_from_slice(s.get(i..i + w).unwrap_or_default());
                    i += w;
                }
            }
            if out.len() > MAX_OUTPUT {
                break;
            }
        }
        return out;
    }
    while i < s.len() {
        let rest = s.get(i..).unwrap_or_default();
        if count < limit && rest.starts_with(old) {
            out.extend_from_slice(new);
            i += old.len();
            count += 1;
        } else {
            out.extend_from_slice(rest.get(..1).unwrap_or_default());
            i += 1;
        }
        if out.len() > MAX_OUTPUT {
            break;
        }
    }
    out
}

/// Go's `strconv.Atoi`: optional sign, decimal digits, no overflow.
fn atoi(s: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(s).ok()?;
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<i64>().ok()
}

fn substring(s: Vec<u8>, pos: Option<&[u8]>, len: Option<&[u8]>) -> Result<Vec<u8>, SubstReason> {
    let Some(pos) = pos else { return Ok(s) };
    let Some(mut pos) = atoi(pos) else {
        return Ok(s);
    };
    let n = i64::try_from(s.len()).unwrap_or(i64::MAX);
    if pos < 0 {
        pos = (n + pos).max(0);
    }
    let tail = |p: i64| -> Vec<u8> {
        usize::try_from(p)
            .ok()
            .and_then(|p| s.get(p..))
            .unwrap_or_default()
            .to_vec()
    };
    let Some(len) = len else {
        return Ok(if pos < n { tail(pos) } else { Vec::new() });
    };
    let Some(len) = atoi(len) else { return Ok(s) };
    let end = pos.saturating_add(len);
    if end >= n {
        return Ok(if pos < n { tail(pos) } else { Vec::new() });
    }
    if len < 0 {
        return Err(SubstReason::SubstringLength { length: len });
    }
    let (Ok(p), Ok(e)) = (usize::try_from(pos), usize::try_from(end)) else {
        return Ok(Vec::new());
    };
    Ok(s.get(p..e).unwrap_or_default().to_vec())
}

/// Reverses by character, invalid bytes becoming U+FFFD (as a Go `[]rune` conversion does).
fn reverse(s: &[u8]) -> Vec<u8> {
    let mut chars = Vec::new();
    let mut rest = s;
    while let Some((c, w)) = decode(rest) {
        chars.push(c);
        rest = rest.get(w..).unwrap_or_default();
    }
    let mut out = Vec::with_capacity(s.len());
    for c in chars.into_iter().rev() {
        push_char(&mut out, c);
    }
    out
}

fn trim_prefix(s: Vec<u8>, pattern: Option<&[u8]>, longest: bool) -> Vec<u8> {
    let Some(pattern) = pattern else { return s };
    let mut cut = 0usize;
    for i in 0..s.len() {
        let end = s.len() - i;
        let candidate = s.get(..end).unwrap_or_default();
        match glob_match(pattern, candidate) {
            Err(()) => return s,
            Ok(true) => {
                cut = end;
                if longest {
                    break;
                }
            }
            Ok(false) => {}
        }
    }
    s.get(cut..).unwrap_or_default().to_vec()
}

fn trim_suffix(s: Vec<u8>, pattern: Option<&[u8]>, longest: bool) -> Vec<u8> {
    let Some(pattern) = pattern else { return s };
    reverse(&trim_prefix(reverse(&s), Some(&reverse(pattern)), longest))
}

/// Shell-style glob: `*`, `?`, `[...]` classes, `\` escapes; `*` also matches `/`, and a
/// trailing `*` matches the rest. `Err` on a malformed pattern.
pub(crate) fn glob_match(mut pattern: &[u8], mut name: &[u8]) -> Result<bool, ()> {
    'pattern: while !pattern.is_empty() {
        let (star, chunk, rest) = scan_chunk(pattern);
        pattern = rest;
        if star && chunk.is_empty() {
            return Ok(true);
        }
        let (t, ok, err) = match_chunk(chunk, name);
        if ok && (t.is_empty() || !pattern.is_empty()) {
            name = t;
            continue;
        }
        if err {
            return Err(());
        }
        if star {
            for i in 0..name.len() {
                let (t, ok, err) = match_chunk(chunk, name.get(i + 1..).unwrap_or_default());
                if ok {
                    if pattern.is_empty() && !t.is_empty() {
                        continue;
                    }
                    name = t;
                    continue 'pattern;
                }
                if err {
                    return Err(());
                }
            }
        }
        return Ok(false);
    }
    Ok(name.is_empty())
}

fn scan_chunk(mut pattern: &[u8]) -> (bool, &[u8], &[u8]) {
    let mut star = false;
    while let Some((b'*', rest)) = pattern.split_first() {
        pattern = rest;
        star = true;
    }
    let mut in_range = false;
    let mut i = 0;
    while i < pattern.len() {
        match pattern.get(i) {
            Some(b'\\') if i + 1 < pattern.len() => i += 1,
            Some(b'[') => in_range = true,
            Some(b']') => in_range = false,
            Some(b'*') if !in_range => break,
            _ => {}
        }
        i += 1;
    }
    let (chunk, rest) = pattern.split_at(i.min(pattern.len()));
    (star, chunk, rest)
}

/// Matches `chunk` (no stars) at the start of `s`: (rest of `s`, matched, malformed).
fn match_chunk<'a>(mut chunk: &[u8], mut s: &'a [u8]) -> (&'a [u8], bool, bool) {
    const FAIL: (&[u8], bool, bool) = (&[], false, false);
    const BAD: (&[u8], bool, bool) = (&[], false, true);
    while let Some(&c) = chunk.first() {
        let Some((r, n)) = decode(s) else { return FAIL };
        match c {
            b'[' => {
                s = s.get(n..).unwrap_or_default();
                chunk = chunk.get(1..).unwrap_or_default();
                let mut negated = false;
                if chunk.first() == Some(&b'^') {
                    negated = true;
                    chunk = chunk.get(1..).unwrap_or_default();
                }
                let mut matched = false;
                let mut ranges = 0;
                loop {
                    if chunk.first() == Some(&b']') && ranges > 0 {
                        chunk = chunk.get(1..).unwrap_or_default();
                        break;
                    }
                    let Some((lo, rest)) = class_char(chunk) else {
                        return BAD;
                    };
                    chunk = rest;
                    let mut hi = lo;
                    if chunk.first() == Some(&b'-') {
                        let Some((h, rest)) = class_char(chunk.get(1..).unwrap_or_default()) else {
                            return BAD;
                        };
                        hi = h;
                        chunk = rest;
                    }
                    if lo <= r && r <= hi {
                        matched = true;
                    }
                    ranges += 1;
                }
                if matched == negated {
                    return FAIL;
                }
            }
            b'?' => {
                s = s.get(n..).unwrap_or_default();
                chunk = chunk.get(1..).unwrap_or_default();
            }
            _ => {
                let mut lit = c;
                if c == b'\\' {
                    chunk = chunk.get(1..).unwrap_or_default();
                    match chunk.first() {
                        Some(&l) => lit = l,
                        None => return BAD,
                    }
                }
                if s.first() != Some(&lit) {
                    return FAIL;
                }
                s = s.get(1..).unwrap_or_default();
                chunk = chunk.get(1..).unwrap_or_default();
            }
        }
    }
    (s, true, false)
}

/// One possibly escaped character of a class; `None` when malformed (or nothing follows).
fn class_char(chunk: &[u8]) -> Option<(char, &[u8])> {
    let mut chunk = match chunk.first() {
        None | Some(b'-' | b']') => return None,
        Some(_) => chunk,
    };
    if chunk.first() == Some(&b'\\') {
        chunk = chunk.get(1..).filter(|c| !c.is_empty())?;
    }
    let (r, n) = decode(chunk)?;
    if r == '\u{FFFD}' && n == 1 {
        return None;
    }
    let rest = chunk.get(n..).unwrap_or_default();
    if rest.is_empty() {
        return None;
    }
    Some((r, rest))
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

    #[test]
    fn glob_table() {
        let cases: &[(&str, &str, Result<bool, ()>)] = &[
            ("*.", "bash.", Ok(true)),
            ("*/", "path/", Ok(true)),
            ("a?c", "abc", Ok(true)),
            ("[a-c]x", "bx", Ok(true)),
            ("[^a-c]x", "bx", Ok(false)),
            ("*", "a/b", Ok(true)),
            ("a*b", "a/x/b", Ok(true)),
            ("[", "a", Err(())),
            ("\\", "a", Err(())),
            ("ab", "abc", Ok(false)),
        ];
        for (p, n, want) in cases {
            assert_eq!(glob_match(p.as_bytes(), n.as_bytes()), *want, "{p} vs {n}");
        }
    }

    #[test]
    fn substring_table() {
        let s = || b"abcdef".to_vec();
        let cases: &[(&str, Option<&str>, Result<&str, ()>)] = &[
            ("2", None, Ok("cdef")),
            ("-2", None, Ok("ef")),
            ("-20", None, Ok("abcdef")),
            ("9", None, Ok("")),
            ("1", Some("2"), Ok("bc")),
            ("1", Some("99"), Ok("bcdef")),
            ("x", None, Ok("abcdef")),
            ("1", Some("-1"), Err(())),
        ];
        for (p, l, want) in cases {
            let got = substring(s(), Some(p.as_bytes()), l.map(str::as_bytes))
                .map(|v| String::from_utf8(v).unwrap())
                .map_err(|_| ());
            assert_eq!(got, want.map(str::to_string), "{p} {l:?}");
        }
    }

    #[test]
    fn replace_matches_go() {
        assert_eq!(replace(b"abc", b"", b"-", None), b"-a-b-c-");
        assert_eq!(replace(b"abc", b"", b"-", Some(1)), b"-abc");
        assert_eq!(replace(b"abab", b"ab", b"x", Some(1)), b"xab");
    }
}
