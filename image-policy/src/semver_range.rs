//! Masterminds-style semantic version constraints (the ranges Flux's `ImagePolicy` and
//! `GitRepository` accept) and the lenient version parsers that go with them.
//!
//! Versions are [`semver::Version`]s; precedence ignores build metadata, as Flux does.
//!
//! ```
//! use image_policy::semver_range::{parse_version, Constraint};
//!
//! let c = Constraint::parse(">=1.2.0 <2.0.0 || ~3.1")?;
//! assert!(c.matches(&parse_version("v1.4.0")?));
//! assert!(c.matches(&parse_version("3.1.7")?));
//! assert!(!c.matches(&parse_version("3.2.0")?));
//! assert!(!c.matches(&parse_version("1.5.0-rc.1")?)); // no prerelease in the range
//! # Ok::<(), image_policy::Error>(())
//! ```
//!
//! Supported: `=`, `!=`, `>`, `<`, `>=`, `=>`, `<=`, `=<`, `~`, `~>`, `^`, bare versions,
//! wildcards (`1.x`, `1.2.*`, `*`), hyphen ranges (`1.2 - 1.4.5`), AND by space or comma,
//! OR by `||`. A prerelease in any comparator of an AND group admits prereleases for that
//! whole group; otherwise prereleases never match.

use std::cmp::Ordering;
use std::fmt;
use std::sync::LazyLock;

use regex::Regex;
use semver::{BuildMetadata, Prerelease, Version};

use crate::Error;

/// The longest version string the parsers accept.
pub const MAX_VERSION_LEN: usize = 256;
/// The longest constraint string [`Constraint::parse`] accepts.
pub const MAX_CONSTRAINT_LEN: usize = 1024;

/// Parses a version the lenient way: an optional `v`, one to three numeric parts (missing
/// ones are 0, leading zeros allowed), then optional `-prerelease` and `+build`.
///
/// ```
/// use image_policy::semver_range::parse_version;
/// assert_eq!(parse_version("v1.2")?.to_string(), "1.2.0");
/// assert_eq!(parse_version("2025.07.03")?.to_string(), "2025.7.3");
/// assert!(parse_version("1.2.3.4").is_err());
/// # Ok::<(), image_policy::Error>(())
/// ```
pub fn parse_version(input: &str) -> Result<Version, Error> {
    parse_version_opt(input).ok_or_else(|| Error::InvalidVersion {
        version: input.chars().take(300).collect(),
    })
}

/// Parses a tag as Flux's image and git semver policies do: like [`parse_version`], but the
/// tag must have three dot-separated parts (`v1.2.3` and `1.2.3-rc.1` parse, `1.2` and
/// `v1` do not).
pub fn parse_tag_version(tag: &str) -> Result<Version, Error> {
    parse_tag_version_opt(tag).ok_or_else(|| Error::InvalidVersion {
        version: tag.chars().take(300).collect(),
    })
}

/// [`parse_tag_version`] without the error allocation (the hot path of a selection).
pub(crate) fn parse_tag_version_opt(tag: &str) -> Option<Version> {
    if tag.bytes().filter(|&b| b == b'.').take(2).count() < 2 {
        return None;
    }
    parse_version_opt(tag)
}

fn parse_version_opt(input: &str) -> Option<Version> {
    if input.is_empty() || input.len() > MAX_VERSION_LEN {
        return None;
    }
    let mut s = input.strip_prefix('v').unwrap_or(input);
    let mut build = BuildMetadata::EMPTY;
    if let Some((rest, meta)) = s.split_once('+') {
        if !valid_identifiers(meta) {
            return None;
        }
        build = BuildMetadata::new(meta).ok()?;
        s = rest;
    }
    let mut pre = Prerelease::EMPTY;
    if let Some((rest, p)) = s.split_once('-') {
        if !valid_identifiers(p) {
            return None;
        }
        // Rejects numeric identifiers with leading zeros, as Masterminds does.
        pre = Prerelease::new(p).ok()?;
        s = rest;
    }
    let mut parts = [0u64; 3];
    for (n, seg) in s.split('.').enumerate() {
        if seg.is_empty() || !seg.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let slot = parts.get_mut(n)?;
        *slot = seg.parse().ok()?;
    }
    let [major, minor, patch] = parts;
    Some(Version {
        major,
        minor,
        patch,
        pre,
        build,
    })
}

fn valid_identifiers(s: &str) -> bool {
    s.split('.').all(|part| {
        !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    })
}

/// Semver precedence: major, minor, patch, then prerelease (a release ranks above its
/// prereleases); build metadata is ignored.
pub fn compare(a: &Version, b: &Version) -> Ordering {
    a.cmp_precedence(b)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    TildeOrEqual,
    NotEqual,
    Greater,
    Less,
    GreaterEqual,
    LessEqual,
    Tilde,
    Caret,
}

impl Op {
    fn from_str(op: &str) -> Option<Op> {
        Some(match op {
            "" | "=" => Op::TildeOrEqual,
            "!=" => Op::NotEqual,
            ">" => Op::Greater,
            "<" => Op::Less,
            ">=" | "=>" => Op::GreaterEqual,
            "<=" | "=<" => Op::LessEqual,
            "~" | "~>" => Op::Tilde,
            "^" => Op::Caret,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Comparator {
    op: Op,
    op_text: String,
    orig: String,
    con: Version,
    dirty: bool,
    minor_dirty: bool,
    patch_dirty: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Group {
    comparators: Vec<Comparator>,
    has_pre: bool,
}

/// A parsed constraint: OR of AND groups of comparators.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Constraint {
    groups: Vec<Group>,
}

const WS: &str = r"[\t\n\f\r ]";
const OPS: &str = r"=||!=|>|<|>=|=>|<=|=<|~|~>|\^";
const PART: &str = r"(?:[0-9]+|[xX*])";
const IDENTS: &str = r"[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*";

fn cv(prefix: &str) -> String {
    format!(
        r"(?P<{prefix}cv>v?(?P<{prefix}major>{PART})(?P<{prefix}minor>\.{PART})?(?P<{prefix}patch>\.{PART})?(?P<{prefix}pre>-{IDENTS})?(?:\+{IDENTS})?)"
    )
}

fn cv_plain() -> String {
    format!(r"v?{PART}(?:\.{PART})?(?:\.{PART})?(?:-{IDENTS})?(?:\+{IDENTS})?")
}

struct Regexes {
    range: Regex,
    valid: Regex,
    find: Regex,
    single: Regex,
}

static REGEXES: LazyLock<Option<Regexes>> = LazyLock::new(|| {
    let c = cv_plain();
    Some(Regexes {
        range: Regex::new(&format!(r"{WS}*{}{WS}+-{WS}+{}{WS}*", cv("a"), cv("b"))).ok()?,
        valid: Regex::new(&format!(
            r"^(?:{WS}*(?:{OPS}){WS}*{c}{WS}*)(?:(?:{WS}+|,{WS}*)(?:{OPS}){WS}*{c}{WS}*)*$"
        ))
        .ok()?,
        find: Regex::new(&format!(r"(?:{OPS}){WS}*{c}")).ok()?,
        single: Regex::new(&format!(r"^{WS}*(?P<op>{OPS}){WS}*{}{WS}*$", cv(""))).ok()?,
    })
});

fn is_x(s: &str) -> bool {
    matches!(s, "x" | "X" | "*")
}

impl Constraint {
    /// Parses a range. An empty or malformed range is an error (`improper constraint: ...`).
    pub fn parse(range: &str) -> Result<Constraint, Error> {
        let improper = |c: &str| Error::ImproperConstraint {
            constraint: c.chars().take(300).collect(),
        };
        if range.len() > MAX_CONSTRAINT_LEN {
            return Err(improper(range));
        }
        let re = REGEXES.as_ref().ok_or_else(|| improper(range))?;
        let rewritten = rewrite_hyphen_ranges(&re.range, range);
        let mut groups = Vec::new();
        for segment in rewritten.split("||") {
            if !re.valid.is_match(segment) {
                return Err(improper(segment));
            }
            let mut comparators = Vec::new();
            let mut has_pre = false;
            for m in re.find.find_iter(segment) {
                let c =
                    parse_comparator(&re.single, m.as_str()).ok_or_else(|| improper(m.as_str()))?;
                has_pre |= !c.con.pre.is_empty();
                comparators.push(c);
            }
            if comparators.is_empty() {
                return Err(improper(segment));
            }
            groups.push(Group {
                comparators,
                has_pre,
            });
        }
        Ok(Constraint { groups })
    }

    /// Whether `v` satisfies the constraint.
    pub fn matches(&self, v: &Version) -> bool {
        self.groups
            .iter()
            .any(|g| g.comparators.iter().all(|c| c.check(v, g.has_pre)))
    }
}

impl std::str::FromStr for Constraint {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Constraint::parse(s)
    }
}

impl fmt::Display for Constraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, g) in self.groups.iter().enumerate() {
            if i > 0 {
                f.write_str(" || ")?;
            }
            for (j, c) in g.comparators.iter().enumerate() {
                if j > 0 {
                    f.write_str(" ")?;
                }
                write!(f, "{}{}", c.op_text, c.orig)?;
            }
        }
        Ok(())
    }
}

fn rewrite_hyphen_ranges(re: &Regex, input: &str) -> String {
    let mut out = input.to_string();
    for caps in re.captures_iter(input) {
        let (Some(whole), Some(a), Some(b)) = (caps.get(0), caps.name("acv"), caps.name("bcv"))
        else {
            continue;
        };
        let replacement = format!(">= {}, <= {} ", a.as_str(), b.as_str());
        out = out.replacen(whole.as_str(), &replacement, 1);
    }
    out
}

fn parse_comparator(re: &Regex, text: &str) -> Option<Comparator> {
    let caps = re.captures(text)?;
    let op_text = caps.name("op").map_or("", |m| m.as_str());
    let op = Op::from_str(op_text)?;
    let orig = caps.name("cv")?.as_str();
    let major = caps.name("major").map_or("", |m| m.as_str());
    let minor = caps.name("minor").map_or("", |m| m.as_str());
    let patch = caps.name("patch").map_or("", |m| m.as_str());
    let pre = caps.name("pre").map_or("", |m| m.as_str());
    let (mut dirty, mut minor_dirty, mut patch_dirty) = (false, false, false);
    let ver = if is_x(major) {
        dirty = true;
        format!("0.0.0{pre}")
    } else if minor.is_empty() || is_x(minor.trim_start_matches('.')) {
        dirty = true;
        minor_dirty = true;
        format!("{major}.0.0{pre}")
    } else if patch.is_empty() || is_x(patch.trim_start_matches('.')) {
        dirty = true;
        patch_dirty = true;
        format!("{major}{minor}.0{pre}")
    } else {
        orig.to_string()
    };
    let con = parse_version_opt(&ver)?;
    Some(Comparator {
        op,
        op_text: op_text.to_string(),
        orig: orig.to_string(),
        con,
        dirty,
        minor_dirty,
        patch_dirty,
    })
}

impl Comparator {
    fn check(&self, v: &Version, include_pre: bool) -> bool {
        if !v.pre.is_empty() && !include_pre {
            return false;
        }
        let c = &self.con;
        match self.op {
            Op::TildeOrEqual => {
                if self.dirty {
                    self.tilde(v)
                } else {
                    compare(v, c).is_eq()
                }
            }
            Op::NotEqual => {
                if self.dirty {
                    if c.major != v.major {
                        return true;
                    }
                    if c.minor != v.minor && !self.minor_dirty {
                        return true;
                    } else if self.minor_dirty {
                        return false;
                    } else if c.patch != v.patch && !self.patch_dirty {
                        return true;
                    } else if self.patch_dirty {
                        if !v.pre.is_empty() || !c.pre.is_empty() {
                            return compare_pre(&v.pre, &c.pre).is_ne();
                        }
                        return false;
                    }
                }
                compare(v, c).is_ne()
            }
            Op::Greater => {
                if !self.dirty {
                    return compare(v, c).is_gt();
                }
                if v.major > c.major {
                    true
                } else if v.major < c.major || self.minor_dirty {
                    false
                } else if self.patch_dirty {
                    v.minor > c.minor
                } else {
                    compare(v, c).is_gt()
                }
            }
            Op::Less => compare(v, c).is_lt(),
            Op::GreaterEqual => compare(v, c).is_ge(),
            Op::LessEqual => {
                if !self.dirty {
                    return compare(v, c).is_le();
                }
                if v.major > c.major {
                    false
                } else {
                    !(v.major == c.major && v.minor > c.minor && !self.minor_dirty)
                }
            }
            Op::Tilde => self.tilde(v),
            Op::Caret => self.caret(v),
        }
    }

    fn tilde(&self, v: &Version) -> bool {
        let c = &self.con;
        if compare(v, c).is_lt() {
            return false;
        }
        if c.major == 0 && c.minor == 0 && c.patch == 0 && !self.minor_dirty && !self.patch_dirty {
            return true;
        }
        if v.major != c.major {
            return false;
        }
        v.minor == c.minor || self.minor_dirty
    }

    fn caret(&self, v: &Version) -> bool {
        let c = &self.con;
        if compare(v, c).is_lt() {
            return false;
        }
        if c.major > 0 || self.minor_dirty {
            return v.major == c.major;
        }
        if v.major > 0 {
            return false;
        }
        if c.minor > 0 || self.patch_dirty {
            return v.minor == c.minor;
        }
        if v.minor > 0 {
            return false;
        }
        c.patch == v.patch
    }
}

fn compare_pre(a: &Prerelease, b: &Prerelease) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => a.cmp(b),
    }
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
    fn lenient_versions() {
        let ok: &[(&str, &str)] = &[
            ("1.2.3", "1.2.3"),
            ("v1.2.3", "1.2.3"),
            ("1.2", "1.2.0"),
            ("v1", "1.0.0"),
            ("01.002.3", "1.2.3"),
            ("1.2.3-rc.1+build.5", "1.2.3-rc.1+build.5"),
            ("1.2.3-rc1-with-hyphen", "1.2.3-rc1-with-hyphen"),
            ("1.2-beta.1.2", "1.2.0-beta.1.2"),
            ("1.2.3+001", "1.2.3+001"),
        ];
        for (input, want) in ok {
            assert_eq!(parse_version(input).unwrap().to_string(), *want, "{input}");
        }
        for bad in [
            "",
            "v",
            "1.2.3.4",
            "1..2",
            "a.b.c",
            "1.2.3-",
            "1.2.3-01",
            "1.2.3+",
            "1.2.3-a..b",
            "V1.2.3",
            "vv1.2.3",
            " 1.2.3",
            "99999999999999999999.0.0",
        ] {
            assert!(parse_version(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn tag_versions_need_three_parts() {
        for ok in [
            "v1.2.3",
            "1.2.3",
            "v2025.07.03",
            "v1.2.0-x.Y.0+metadata",
            "v1.2.3-rc1-with-hypen",
            "1.2-beta.1.2",
            "v1.2-beta.5",
        ] {
            assert!(parse_tag_version(ok).is_ok(), "{ok}");
        }
        for bad in [
            "v1.0",
            "v1",
            "v1.2.beta",
            "v1.2-5",
            "v1.2-beta5",
            "\nv1.2",
            "v1.2.3.4",
            "1.2",
        ] {
            assert!(parse_tag_version(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn constraint_table() {
        // range, version, matches
        let table: &[(&str, &str, bool)] = &[
            ("=1.0.0", "1.0.0", true),
            ("1.0.0", "1.0.1", false),
            ("!=1.0.0", "1.0.1", true),
            ("!=1.0.0", "1.0.0", false),
            ("!=1.x", "1.5.0", false),
            ("!=1.x", "2.0.0", true),
            (">=1.0", "1.0.0", true),
            (">1.0.0", "1.0.0", false),
            (">1.0.0", "1.0.1", true),
            (">11", "11.1.0", false),
            (">11", "12.0.0", true),
            (">11.1", "11.1.1", false),
            (">11.1", "11.2.0", true),
            ("<2", "1.9.9", true),
            ("<2", "2.0.0", false),
            ("<=1.2", "1.2.9", true),
            ("<=1.2", "1.3.0", false),
            ("<=1.2.3", "1.2.4", false),
            ("1.x", "1.9.0", true),
            ("1.x", "2.0.0", false),
            ("1.0.x", "1.0.5", true),
            ("1.0.x", "1.2.3", false),
            ("v1.0.x", "1.0.1", true),
            ("*", "0.0.1", true),
            ("*", "1.0.0-alpha", false),
            ("~1.2", "1.2.9", true),
            ("~1.2", "1.3.0", false),
            ("~1.2.3", "1.2.2", false),
            ("~1", "1.9.0", true),
            ("~1", "2.0.0", false),
            ("~>1.2.3", "1.2.5", true),
            ("^1.2.3", "1.9.0", true),
            ("^1.2.3", "2.0.0", false),
            ("^0.2.3", "0.2.9", true),
            ("^0.2.3", "0.3.0", false),
            ("^0.0.3", "0.0.3", true),
            ("^0.0.3", "0.0.4", false),
            ("^0.0", "0.0.9", true),
            ("^0.0", "0.1.0", false),
            ("^0", "0.9.0", true),
            ("^0", "1.0.0", false),
            (">=1.0.0 <2.0.0", "1.5.0", true),
            (">=1.0.0 <2.0.0", "2.0.0", false),
            (">= 1.2.0, < 1.3.0", "1.2.4", true),
            (">=1.0.0,<2.0.0", "1.5.0", true),
            ("1.2 - 1.4.5", "1.4.5", true),
            ("1.2 - 1.4.5", "1.4.6", false),
            ("1.2 - 1.4.5", "1.1.9", false),
            ("1.0.0 - 2.0.0 || 3.x", "3.1.0", true),
            ("<1.0.0 || >=2.0.0", "1.5.0", false),
            ("<1.0.0 || >=2.0.0", "2.5.0", true),
            (">=1.0.0-0 <1.1.0-0", "1.0.0-alpha", true),
            (">=1.0.0", "1.0.1-alpha", false),
            (">=0.0.0-0", "1.2.3-rc1", true),
            ("<v0.2.1", "0.2.0", true),
            (">=0.x", "0.1.1", true),
            ("=>1.0", "1.1.0", true),
            ("=<1.0", "1.0.5", true),
            ("6.7.x", "6.7.1", true),
        ];
        for (range, version, want) in table {
            let c = Constraint::parse(range).unwrap_or_else(|e| panic!("{range}: {e}"));
            let v = parse_version(version).unwrap();
            assert_eq!(c.matches(&v), *want, "{range} vs {version}");
        }
    }

    #[test]
    fn improper_constraints() {
        for bad in [
            "",
            "x1",
            "-1",
            "a",
            "*-*",
            ">=1.0<2.0",
            "1.2.3.4",
            ">>1",
            "1 -2",
            "||",
            "1.0.0 ||",
            "1x",
        ] {
            let err = Constraint::parse(bad).expect_err(bad);
            assert!(
                err.to_string().contains("improper constraint"),
                "{bad}: {err}"
            );
        }
        assert!(Constraint::parse(&"1".repeat(2000)).is_err());
    }

    #[test]
    fn display_is_readable() {
        assert_eq!(
            Constraint::parse(">=1.0, <2 || 3.x").unwrap().to_string(),
            ">=1.0 <2 || 3.x"
        );
    }
}
