//! Go's RE2 syntax (`regexp.Compile`, what Sprig's `regex*` functions take) rewritten for
//! the `regex` crate, where the two read the same text differently:
//!
//! - `\d`, `\w`, `\s`, `\b` are ASCII in Go, Unicode in `regex`;
//! - inside a class Go takes `[` (other than `[:name:]`), `&`, `~` and a `-` next to a
//!   class escape (`[\w-.]`) literally, where `regex` reads nested classes, set operators or
//!   refuses the range;
//! - `\<` and `\>` are the literal `<` and `>` in Go, word boundaries in `regex`;
//! - a `{` that does not start a repetition (`a{`, `x{,3}`) is a literal in Go.

/// The `regex` crate's spelling of the Go regular expression `p`.
pub(crate) fn go_to_rust(p: &str) -> String {
    let chars: Vec<char> = p.chars().collect();
    let mut out = String::with_capacity(p.len() + 8);
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        match c {
            '\\' => {
                i = escape(&chars, i, &mut out, false);
            }
            '[' => {
                i = class(&chars, i, &mut out);
            }
            '{' => {
                if repetition_at(&chars, i) {
                    out.push('{');
                } else {
                    out.push_str("\\{");
                }
                i += 1;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// Whether `chars[i]` (a `{`) starts `{n}`, `{n,}` or `{n,m}`.
fn repetition_at(chars: &[char], i: usize) -> bool {
    let mut j = i + 1;
    let mut digits = 0;
    while chars.get(j).is_some_and(char::is_ascii_digit) {
        j += 1;
        digits += 1;
    }
    if digits == 0 {
        return false;
    }
    if chars.get(j) == Some(&'}') {
        return true;
    }
    if chars.get(j) != Some(&',') {
        return false;
    }
    j += 1;
    while chars.get(j).is_some_and(char::is_ascii_digit) {
        j += 1;
    }
    chars.get(j) == Some(&'}')
}

/// Writes the escape at `chars[i]` (a `\`) and returns the index after it.
fn escape(chars: &[char], i: usize, out: &mut String, in_class: bool) -> usize {
    let Some(&n) = chars.get(i + 1) else {
        out.push('\\');
        return i + 1;
    };
    let class = match n {
        'd' => Some("[0-9]"),
        'D' => Some("[^0-9]"),
        'w' => Some("[0-9A-Za-z_]"),
        'W' => Some("[^0-9A-Za-z_]"),
        's' => Some("[\\t\\n\\f\\r ]"),
        'S' => Some("[^\\t\\n\\f\\r ]"),
        _ => None,
    };
    if let Some(cl) = class {
        out.push_str(cl);
        return i + 2;
    }
    match n {
        'b' if !in_class => out.push_str("(?-u:\\b)"),
        'B' if !in_class => out.push_str("(?-u:\\B)"),
        '<' | '>' => out.push(n),
        'p' | 'P' | 'x' => {
            // `\pL`, `\p{Greek}`, `\x41`, `\x{263a}`: the same in both.
            out.push('\\');
            out.push(n);
            let mut j = i + 2;
            if chars.get(j) == Some(&'{') {
                while let Some(&c) = chars.get(j) {
                    out.push(c);
                    j += 1;
                    if c == '}' {
                        break;
                    }
                }
            } else {
                let take = if n == 'x' { 2 } else { 1 };
                for _ in 0..take {
                    if let Some(&c) = chars.get(j) {
                        out.push(c);
                        j += 1;
                    }
                }
            }
            return j;
        }
        _ => {
            out.push('\\');
            out.push(n);
        }
    }
    i + 2
}

/// Whether the item at `chars[i]` inside a class is a class of its own (`\w`, `[:alpha:]`).
fn class_item_at(chars: &[char], i: usize) -> bool {
    match chars.get(i) {
        Some('\\') => matches!(
            chars.get(i + 1),
            Some('d' | 'D' | 'w' | 'W' | 's' | 'S' | 'p' | 'P')
        ),
        Some('[') => chars.get(i + 1) == Some(&':'),
        _ => false,
    }
}

/// Writes the class starting at `chars[i]` (a `[`) and returns the index after it.
fn class(chars: &[char], start: usize, out: &mut String) -> usize {
    let mut i = start + 1;
    out.push('[');
    if chars.get(i) == Some(&'^') {
        out.push('^');
        i += 1;
    }
    // A `]` first in the class is a literal in both.
    let mut first = true;
    // Whether the previous item was one character (a range may follow).
    let mut prev_char = false;
    while let Some(&c) = chars.get(i) {
        if c == ']' && !first {
            out.push(']');
            return i + 1;
        }
        first = false;
        match c {
            '\\' => {
                prev_char = !class_item_at(chars, i);
                i = escape(chars, i, out, true);
            }
            '[' if chars.get(i + 1) == Some(&':') => {
                // `[:alpha:]` is spelled the same; copy through the closing `:]`.
                let mut j = i;
                while let Some(&c) = chars.get(j) {
                    out.push(c);
                    j += 1;
                    if c == ']' && j > i + 2 {
                        break;
                    }
                }
                prev_char = false;
                i = j;
            }
            '-' => {
                let next_is_end = chars.get(i + 1) == Some(&']');
                if prev_char && !next_is_end && !class_item_at(chars, i + 1) {
                    out.push('-');
                    // The range's upper end is one character: no range can follow it.
                    prev_char = false;
                    i += 1;
                    if let Some(&h) = chars.get(i) {
                        if h == '\\' {
                            i = escape(chars, i, out, true);
                        } else {
                            push_class_literal(out, h);
                            i += 1;
                        }
                    }
                    continue;
                }
                out.push_str("\\-");
                prev_char = true;
                i += 1;
            }
            _ => {
                push_class_literal(out, c);
                prev_char = true;
                i += 1;
            }
        }
    }
    // Unclosed: leave it for the regex crate to refuse.
    chars.len()
}

fn push_class_literal(out: &mut String, c: char) {
    if matches!(c, '[' | '&' | '~' | '-') {
        out.push('\\');
    }
    out.push(c);
}

#[cfg(test)]
mod tests {
    use super::go_to_rust;

    #[test]
    fn go_spellings() {
        let cases = [
            (r"^[\w-\.]+$", "^[[0-9A-Za-z_]\\-\\.]+$"),
            (r"^[a-z0-9-]+$", "^[a-z0-9\\-]+$"),
            (r"[a-z]", "[a-z]"),
            (r"\d+", "[0-9]+"),
            (r"a{", "a\\{"),
            (r"a{2,3}", "a{2,3}"),
            (r"[[:alpha:]-]", "[[:alpha:]\\-]"),
            (r"[&~[]", "[\\&\\~\\[]"),
            (r"\<x\>", "<x>"),
            (r"[]a]", "[]a]"),
        ];
        for (go, want) in cases {
            assert_eq!(go_to_rust(go), want, "{go}");
            assert!(regex::Regex::new(&go_to_rust(go)).is_ok(), "{go}");
        }
    }

    #[test]
    fn ascii_classes_as_go() {
        let re = regex::Regex::new(&go_to_rust(r"^\w+$")).unwrap();
        assert!(re.is_match("abc_1"));
        assert!(!re.is_match("é"));
        let re = regex::Regex::new(&go_to_rust(r"\bfoo\b")).unwrap();
        assert!(re.is_match("a foo b"));
    }
}
