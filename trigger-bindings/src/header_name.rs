//! Header names as Go's `net/textproto` treats them: the canonical form and the token test.
//! Shared by [`crate::event`] (headers) and [`crate::path`] (`$(header.X)`), so neither
//! depends on the other for it.

use std::borrow::Cow;

/// Go's `textproto.CanonicalMIMEHeaderKey`: `x-github-event` -> `X-Github-Event`; names
/// holding a byte that is not a token character are returned unchanged.
pub fn canonical_header_key(name: &str) -> Cow<'_, str> {
    let bytes = name.as_bytes();
    if !is_token(name) {
        return Cow::Borrowed(name);
    }
    // Upper case at the start and after each `-`, lower case elsewhere.
    let canonical = |i: usize, b: u8| {
        if i == 0 || bytes.get(i - 1) == Some(&b'-') {
            b.to_ascii_uppercase()
        } else {
            b.to_ascii_lowercase()
        }
    };
    if bytes.iter().enumerate().all(|(i, &b)| canonical(i, b) == b) {
        return Cow::Borrowed(name);
    }
    let out: String = bytes
        .iter()
        .enumerate()
        .map(|(i, &b)| char::from(canonical(i, b)))
        .collect();
    Cow::Owned(out)
}

/// Whether two header names have the same Go canonical form, without building it: names
/// made of token characters compare case-insensitively, other names exactly.
pub(crate) fn same_canonical(a: &str, b: &str) -> bool {
    // Names that differ only in case are both tokens or both not.
    a.len() == b.len() && a.eq_ignore_ascii_case(b) && (a == b || is_token(a))
}

/// Whether `name` is a non-empty HTTP token (the names Go canonicalises).
pub(crate) fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'!' | b'#'
                        | b'$'
                        | b'%'
                        | b'&'
                        | b'\''
                        | b'*'
                        | b'+'
                        | b'-'
                        | b'.'
                        | b'^'
                        | b'_'
                        | b'`'
                        | b'|'
                        | b'~'
                )
        })
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
    fn canonical_keys() {
        for (i, o) in [
            ("x-github-event", "X-Github-Event"),
            ("CONTENT-type", "Content-Type"),
            ("a b", "a b"),
        ] {
            assert_eq!(canonical_header_key(i), o);
        }
    }
}
