//! Plain-scalar resolution and number formatting, as the Go YAML libraries behind
//! `kustomize build` do them.
//!
//! kustomize reads YAML with a YAML 1.2-style resolver (`true`/`false` only, `0777` still an
//! octal integer, timestamps recognised) and prints through a YAML 1.1-style writer (which also
//! treats `yes`, `on`, `y`, `12:30` ... as non-strings and therefore quotes such strings).
//! [`Schema::Read`] and [`Schema::Write`] name those two rule sets.

use std::borrow::Cow;

/// Which rule set resolves a plain scalar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Schema {
    /// The reader's rules: booleans are `true`/`false` (any case form), no `yes`/`on`.
    Read,
    /// The writer's rules, used to decide whether a string needs quotes: YAML 1.1 booleans
    /// (`y`, `yes`, `on`, `off` ...) count as non-strings too.
    Write,
}

/// What a plain scalar means.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Resolved {
    /// `null`, `~`, empty.
    Null,
    /// A boolean.
    Bool(bool),
    /// A signed integer.
    Int(i64),
    /// An unsigned integer above `i64::MAX`.
    Uint(u64),
    /// A finite float.
    Float(f64),
    /// `.inf`, `-.inf`, `.nan` and their case forms.
    NonFinite,
    /// A timestamp (date, or date and time).
    Timestamp(Timestamp),
    /// The merge key `<<`.
    Merge,
    /// A string.
    Str,
}

impl Resolved {
    /// Whether the text stays a string when written plain.
    pub(crate) fn is_str(&self) -> bool {
        matches!(self, Resolved::Str)
    }
}

/// First-byte hint, as in the Go resolver: `S` sign, `D` digit, `M` possible keyword,
/// `.` possible float, 0 certainly a string.
fn hint(b: u8) -> u8 {
    match b {
        b'+' | b'-' => b'S',
        b'0'..=b'9' => b'D',
        b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~' => b'M',
        b'.' => b'.',
        _ => 0,
    }
}

fn keyword(s: &str, schema: Schema) -> Option<Resolved> {
    let r = match s {
        "true" | "True" | "TRUE" => Resolved::Bool(true),
        "false" | "False" | "FALSE" => Resolved::Bool(false),
        "" | "~" | "null" | "Null" | "NULL" => Resolved::Null,
        ".nan" | ".NaN" | ".NAN" | ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF"
        | "-.inf" | "-.Inf" | "-.INF" => Resolved::NonFinite,
        "<<" => Resolved::Merge,
        _ if schema == Schema::Write => match s {
            "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Resolved::Bool(true),
            "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Resolved::Bool(false),
            _ => return None,
        },
        _ => return None,
    };
    Some(r)
}

/// Resolves the text of an untagged plain scalar.
pub(crate) fn resolve(s: &str, schema: Schema) -> Resolved {
    let h = s.as_bytes().first().map_or(b'N', |&b| hint(b));
    if h == 0 {
        return Resolved::Str;
    }
    if let Some(r) = keyword(s, schema) {
        return r;
    }
    match h {
        b'.' => parse_float(s).map_or(Resolved::Str, Resolved::Float),
        b'D' | b'S' => {
            if let Some(t) = parse_timestamp(s) {
                return Resolved::Timestamp(t);
            }
            let plain: Cow<'_, str> = if s.contains('_') {
                Cow::Owned(s.replace('_', ""))
            } else {
                Cow::Borrowed(s)
            };
            if let Some(i) = parse_int(&plain) {
                return Resolved::Int(i);
            }
            if let Some(u) = parse_uint(&plain) {
                return Resolved::Uint(u);
            }
            if yaml_style_float(&plain)
                && let Some(f) = parse_float(&plain)
            {
                return Resolved::Float(f);
            }
            Resolved::Str
        }
        _ => Resolved::Str,
    }
}

/// Whether the writer must quote this string: it would read back as something else when
/// plain, or it looks like a YAML 1.1 sexagesimal number (`12:30`, `1:20:00.5`).
pub(crate) fn needs_quotes_for_type(s: &str) -> bool {
    !resolve(s, Schema::Write).is_str() || is_base60_float(s)
}

// ---------------------------------------------------------------------------------------
// Integers (Go's `strconv.ParseInt(s, 0, 64)` / `ParseUint(s, 0, 64)` on text without `_`).

/// Splits a base prefix the way Go's base-0 parsing does.
fn base_and_digits(s: &str) -> (u32, &str) {
    let b = s.as_bytes();
    if b.first() == Some(&b'0') {
        if b.len() >= 3 {
            match b.get(1).map(u8::to_ascii_lowercase) {
                Some(b'b') => return (2, s.get(2..).unwrap_or("")),
                Some(b'o') => return (8, s.get(2..).unwrap_or("")),
                Some(b'x') => return (16, s.get(2..).unwrap_or("")),
                _ => {}
            }
        }
        return (8, s.get(1..).unwrap_or(""));
    }
    (10, s)
}

/// Magnitude of an unsigned base-0 integer literal, `None` on syntax error or overflow.
fn parse_magnitude(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let (base, digits) = base_and_digits(s);
    let mut n: u64 = 0;
    for c in digits.chars() {
        let d = c.to_digit(base)?;
        n = n.checked_mul(u64::from(base))?.checked_add(u64::from(d))?;
    }
    Some(n)
}

/// Go `ParseInt(s, 0, 64)`: optional sign, base prefix, range of i64.
pub(crate) fn parse_int(s: &str) -> Option<i64> {
    let (neg, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, s.get(1..)?),
        Some(b'+') => (false, s.get(1..)?),
        _ => (false, s),
    };
    let m = parse_magnitude(rest)?;
    if neg {
        if m <= i64::MAX as u64 {
            Some(-(m as i64))
        } else if m == i64::MAX as u64 + 1 {
            Some(i64::MIN)
        } else {
            None
        }
    } else {
        i64::try_from(m).ok()
    }
}

/// Go `ParseUint(s, 0, 64)`: no sign allowed.
fn parse_uint(s: &str) -> Option<u64> {
    parse_magnitude(s)
}

// ---------------------------------------------------------------------------------------
// Floats.

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'-' | b'+')) {
        i = 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Go `ParseFloat(s, 64)` for decimal text (the only kind that reaches it here): digits with
/// `_` between digits, optional fraction and exponent. `None` on syntax error or overflow.
fn parse_float(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'-' | b'+')) {
        i = 1;
    }
    // Validate: mantissa digits (with underscores), optional '.', optional exponent.
    let mut mantissa_digits = 0;
    let mut saw_dot = false;
    let mut underscores = false;
    while let Some(&c) = b.get(i) {
        match c {
            b'0'..=b'9' => mantissa_digits += 1,
            b'_' => underscores = true,
            b'.' if !saw_dot => saw_dot = true,
            _ => break,
        }
        i += 1;
    }
    if mantissa_digits == 0 {
        return None;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        let mut exp_digits = 0;
        while let Some(&c) = b.get(i) {
            match c {
                b'0'..=b'9' => exp_digits += 1,
                b'_' => underscores = true,
                _ => break,
            }
            i += 1;
        }
        if exp_digits == 0 {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    let text: Cow<'_, str> = if underscores {
        if !underscores_ok(s) {
            return None;
        }
        Cow::Owned(s.replace('_', ""))
    } else {
        Cow::Borrowed(s)
    };
    let f: f64 = text.parse().ok()?;
    f.is_finite().then_some(f)
}

/// Go's rule: an underscore must sit between digits.
fn underscores_ok(s: &str) -> bool {
    let mut saw = b'^';
    let b = s.as_bytes();
    let start = usize::from(matches!(b.first(), Some(b'-' | b'+')));
    for &c in b.iter().skip(start) {
        if c.is_ascii_digit() {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
    }
    saw != b'_'
}

/// `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$` (YAML 1.1 base-60 numbers).
fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(&first) = b.first() else {
        return false;
    };
    if !(first == b'+' || first == b'-' || first.is_ascii_digit()) || !s.contains(':') {
        return false;
    }
    let mut i = usize::from(first == b'+' || first == b'-');
    if !b.get(i).is_some_and(u8::is_ascii_digit) {
        return false;
    }
    while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while b.get(i) == Some(&b':') {
        i += 1;
        // [0-5]?[0-9]
        let d1 = b.get(i).copied();
        let d2 = b.get(i + 1).copied();
        match (d1, d2) {
            (Some(x), Some(y)) if (b'0'..=b'5').contains(&x) && y.is_ascii_digit() => i += 2,
            (Some(x), _) if x.is_ascii_digit() => i += 1,
            _ => return false,
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

// ---------------------------------------------------------------------------------------
// Timestamps: `2006-1-2T15:4:5.999999999Z07:00`, the same with a lower-case `t`,
// `2006-1-2 15:4:5.999999999` (UTC) and `2006-1-2` (UTC).

/// A parsed timestamp.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Timestamp {
    year: u32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    nanos: u32,
    /// Offset from UTC in minutes (0 prints as `Z`).
    offset_minutes: i32,
}

impl Timestamp {
    /// RFC 3339 with nanoseconds, trailing zeros of the fraction dropped (Go's
    /// `time.RFC3339Nano`), which is how a timestamp leaves `kustomize build`.
    pub(crate) fn to_rfc3339(self) -> String {
        let mut s = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        );
        if self.nanos > 0 {
            let frac = format!("{:09}", self.nanos);
            s.push('.');
            s.push_str(frac.trim_end_matches('0'));
        }
        if self.offset_minutes == 0 {
            s.push('Z');
        } else {
            let sign = if self.offset_minutes < 0 { '-' } else { '+' };
            let m = self.offset_minutes.unsigned_abs();
            s.push_str(&format!("{sign}{:02}:{:02}", m / 60, m % 60));
        }
        s
    }
}

/// Reads one or two digits (Go's non-fixed `getnum`).
fn num12(b: &[u8], i: &mut usize) -> Option<u32> {
    let d0 = b.get(*i).filter(|c| c.is_ascii_digit())?;
    let mut n = u32::from(d0 - b'0');
    *i += 1;
    if let Some(d1) = b.get(*i).filter(|c| c.is_ascii_digit()) {
        n = n * 10 + u32::from(d1 - b'0');
        *i += 1;
    }
    Some(n)
}

fn expect(b: &[u8], i: &mut usize, c: u8) -> Option<()> {
    (b.get(*i) == Some(&c)).then(|| *i += 1)
}

fn days_in(month: u32, year: u32) -> u32 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Parses a timestamp, `None` when the text is not one.
pub(crate) fn parse_timestamp(s: &str) -> Option<Timestamp> {
    let b = s.as_bytes();
    // Quick check: exactly four digits, then '-'.
    let lead = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if lead != 4 || b.get(4) != Some(&b'-') {
        return None;
    }
    let mut i = 0;
    let year = s.get(0..4)?.parse::<u32>().ok()?;
    i += 4;
    expect(b, &mut i, b'-')?;
    let month = num12(b, &mut i)?;
    if !(1..=12).contains(&month) {
        return None;
    }
    expect(b, &mut i, b'-')?;
    let day = num12(b, &mut i)?;
    if day < 1 || day > days_in(month, year) {
        return None;
    }
    let mut t = Timestamp {
        year,
        month,
        day,
        hour: 0,
        minute: 0,
        second: 0,
        nanos: 0,
        offset_minutes: 0,
    };
    if i == b.len() {
        return Some(t);
    }
    let with_zone = match b.get(i) {
        Some(b'T' | b't') => true,
        Some(b' ') => false,
        _ => return None,
    };
    i += 1;
    t.hour = num12(b, &mut i)?;
    expect(b, &mut i, b':')?;
    t.minute = num12(b, &mut i)?;
    expect(b, &mut i, b':')?;
    t.second = num12(b, &mut i)?;
    if t.hour >= 24 || t.minute >= 60 || t.second >= 60 {
        return None;
    }
    if matches!(b.get(i), Some(b'.' | b',')) && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
        i += 1;
        let mut nanos: u64 = 0;
        let mut n = 0;
        while let Some(&c) = b.get(i).filter(|c| c.is_ascii_digit()) {
            if n < 9 {
                nanos = nanos * 10 + u64::from(c - b'0');
                n += 1;
            }
            i += 1;
        }
        while n < 9 {
            nanos *= 10;
            n += 1;
        }
        t.nanos = u32::try_from(nanos).ok()?;
    }
    if with_zone {
        match b.get(i) {
            Some(b'Z') => i += 1,
            Some(&sign @ (b'+' | b'-')) => {
                let two = |at: usize| -> Option<u32> {
                    let x = b.get(at).filter(|c| c.is_ascii_digit())?;
                    let y = b.get(at + 1).filter(|c| c.is_ascii_digit())?;
                    Some(u32::from(x - b'0') * 10 + u32::from(y - b'0'))
                };
                let hh = two(i + 1)?;
                if b.get(i + 3) != Some(&b':') {
                    return None;
                }
                let mm = two(i + 4)?;
                if hh > 24 || mm > 60 {
                    return None;
                }
                let off = i32::try_from(hh * 60 + mm).ok()?;
                t.offset_minutes = if sign == b'-' { -off } else { off };
                i += 6;
            }
            _ => return None,
        }
    }
    (i == b.len()).then_some(t)
}

// ---------------------------------------------------------------------------------------
// Numbers on output.

/// Writes a number as `kustomize build` prints it: integers in decimal; a float goes out as
/// Go's JSON encoding would write it and is read back, so an integral float below 1e21
/// becomes an integer (`1.0` -> `1`, `1e3` -> `1000`), and any other float is printed in Go's
/// shortest `%g` form (`0.5`, `1e-05`, `1.2345675e+06`, `1e+21`).
pub(crate) fn number_text(n: &serde_json::Number, out: &mut String) {
    use std::fmt::Write as _;
    if let Some(i) = n.as_i64() {
        let _ = write!(out, "{i}");
        return;
    }
    if let Some(u) = n.as_u64() {
        let _ = write!(out, "{u}");
        return;
    }
    let f = n.as_f64().unwrap_or(0.0);
    if f.fract() == 0.0 && f.abs() < 1e21 {
        // Go's JSON text is the shortest digits padded with zeros (2^63 is
        // "9223372036854776000"); it reads back as an integer when it fits 64 bits.
        let (digits, exp) = crate::number::shortest_digits(f);
        let mut text = String::with_capacity(24);
        if f < 0.0 {
            text.push('-');
        }
        text.push_str(&digits);
        let zeros = usize::try_from(exp + 1)
            .unwrap_or(0)
            .saturating_sub(digits.len());
        text.extend(std::iter::repeat_n('0', zeros));
        if let Ok(i) = text.parse::<i64>() {
            let _ = write!(out, "{i}");
            return;
        }
        if let Ok(u) = text.parse::<u64>() {
            let _ = write!(out, "{u}");
            return;
        }
    }
    crate::number::go_format_g_into(f, out);
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
    fn read_schema_table() {
        let cases: &[(&str, Resolved)] = &[
            ("yes", Resolved::Str),
            ("on", Resolved::Str),
            ("True", Resolved::Bool(true)),
            ("FALSE", Resolved::Bool(false)),
            ("~", Resolved::Null),
            ("", Resolved::Null),
            ("NULL", Resolved::Null),
            ("0777", Resolved::Int(511)),
            ("0o17", Resolved::Int(15)),
            ("0x1F", Resolved::Int(31)),
            ("0b101", Resolved::Int(5)),
            ("-0b101", Resolved::Int(-5)),
            ("1_000", Resolved::Int(1000)),
            ("+12", Resolved::Int(12)),
            ("-0", Resolved::Int(0)),
            ("08", Resolved::Float(8.0)),
            ("1e3", Resolved::Float(1000.0)),
            ("1.0", Resolved::Float(1.0)),
            (".5", Resolved::Float(0.5)),
            ("1.", Resolved::Float(1.0)),
            (
                "9223372036854775808",
                Resolved::Uint(9_223_372_036_854_775_808),
            ),
            (
                "123456789012345678901234567890",
                Resolved::Float(1.234_567_890_123_456_8e29),
            ),
            ("1e999", Resolved::Str),
            (".inf", Resolved::NonFinite),
            ("-.Inf", Resolved::NonFinite),
            (".NaN", Resolved::NonFinite),
            ("<<", Resolved::Str),
            ("1e", Resolved::Str),
            ("e3", Resolved::Str),
            ("0xZ", Resolved::Str),
            ("12:30:00", Resolved::Str),
            ("-", Resolved::Str),
            ("1.2.3", Resolved::Str),
        ];
        for (text, want) in cases {
            assert_eq!(&resolve(text, Schema::Read), want, "{text:?}");
        }
    }

    #[test]
    fn write_schema_quotes_yaml11_values() {
        for s in [
            "yes",
            "on",
            "y",
            "n",
            "Off",
            "True",
            "NULL",
            "",
            "~",
            "1.0",
            "0777",
            "1e3",
            ".inf",
            "2020-01-01",
            "0x1F",
            "1_000",
            "+1",
            ".5",
            "0o17",
            "0b101",
            "12:30:00",
            "1:20",
            "1.",
            "0.",
            "-0",
            "08",
            "09.5",
            "1.5e+3",
            "2001-12-14 21:59:43.10",
        ] {
            assert!(needs_quotes_for_type(s), "{s:?} should be quoted");
        }
        for s in [
            "<<",
            "1e",
            "e3",
            "0xZ",
            "x",
            "yes please",
            "-",
            "1.2.3",
            "2020-01-01x",
            "1e999",
        ] {
            assert!(!needs_quotes_for_type(s), "{s:?} should not be quoted");
        }
    }

    #[test]
    fn timestamps() {
        let t = |s: &str| parse_timestamp(s).map(Timestamp::to_rfc3339);
        assert_eq!(t("2020-01-01").as_deref(), Some("2020-01-01T00:00:00Z"));
        assert_eq!(t("2020-1-2").as_deref(), Some("2020-01-02T00:00:00Z"));
        assert_eq!(
            t("2001-12-14t21:59:43.10-05:00").as_deref(),
            Some("2001-12-14T21:59:43.1-05:00")
        );
        assert_eq!(
            t("2001-12-14 21:59:43.10").as_deref(),
            Some("2001-12-14T21:59:43.1Z")
        );
        assert_eq!(
            t("2001-12-14T21:59:43Z").as_deref(),
            Some("2001-12-14T21:59:43Z")
        );
        assert_eq!(
            t("2001-12-14T21:59:43+00:00").as_deref(),
            Some("2001-12-14T21:59:43Z")
        );
        assert_eq!(t("2020-02-30"), None);
        assert_eq!(t("2020-13-01"), None);
        assert_eq!(t("2001-12-14T21:59:43"), None);
        assert_eq!(t("2020"), None);
        assert_eq!(t("20201-01-01"), None);
    }

    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    const TWO_64: f64 = 18_446_744_073_709_551_616.0;

    #[test]
    fn number_formatting() {
        let f = |x: f64| {
            let mut s = String::new();
            number_text(&serde_json::Number::from_f64(x).unwrap(), &mut s);
            s
        };
        assert_eq!(f(1.0), "1");
        assert_eq!(f(1000.0), "1000");
        assert_eq!(f(-0.0), "0");
        assert_eq!(f(0.5), "0.5");
        assert_eq!(f(1.5), "1.5");
        assert_eq!(f(0.00001), "1e-05");
        assert_eq!(f(0.0001), "0.0001");
        assert_eq!(f(100000.5), "100000.5");
        assert_eq!(f(1234567.5), "1.2345675e+06");
        assert_eq!(f(1e20), "1e+20");
        assert_eq!(f(1e21), "1e+21");
        assert_eq!(f(TWO_63), "9223372036854776000");
        assert_eq!(f(TWO_64), "1.8446744073709552e+19");
        assert_eq!(f(1.234_567_890_123_456_8e29), "1.2345678901234568e+29");
        assert_eq!(f(-2.5e-7), "-2.5e-07");
        assert_eq!(f(1e100), "1e+100");
    }
}
