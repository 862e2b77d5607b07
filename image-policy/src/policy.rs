//! Tag selection: Flux's `semver`, `alphabetical` and `numerical` policies with `filterTags`.

use std::borrow::Cow;
use std::cmp::Ordering;

use regex::{CaptureLocations, Regex, RegexBuilder};
use semver::Version;

use crate::model::{FilterTags, ImagePolicy, PolicyChoice};
use crate::semver_range::{self, Constraint};
use crate::{Error, ImageRef};

/// The longest `filterTags.pattern` accepted.
pub const MAX_PATTERN_LEN: usize = 4096;
/// The most capture groups (besides the whole match) a `filterTags.pattern` may have. Every
/// group is tracked for every tag the pattern matches, so this bounds the cost of extracting
/// from long tags; Flux policies use a handful.
pub const MAX_CAPTURE_GROUPS: usize = 100;
/// The longest `filterTags.extract` template accepted.
pub const MAX_EXTRACT_LEN: usize = 1024;
/// The longest value an `extract` template may expand to for one tag.
pub const MAX_EXTRACTED_LEN: usize = 4096;
/// The most bytes `extract` may expand to over all the tags of one selection.
pub const MAX_EXTRACTED_TOTAL: usize = 64 << 20;
/// Compiled size limit of a `filterTags.pattern` (the regex crate's `size_limit`).
const REGEX_SIZE_LIMIT: usize = 1 << 22;
/// Cache of the lazy DFA matching a pattern (the regex crate's `dfa_size_limit`, its default
/// made explicit): past it the search falls back to a slower but still linear engine.
const REGEX_DFA_SIZE_LIMIT: usize = 2 << 20;
/// How much of a tag an error message quotes.
const QUOTED_TAG_LEN: usize = 64;
const INLINE: &str = "<inline>";

/// Sort direction of the alphabetical and numerical policies. `Asc` (the default) picks the
/// greatest tag, `Desc` the smallest, as Flux does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Order {
    /// Pick the greatest.
    #[default]
    Asc,
    /// Pick the smallest.
    Desc,
}

impl Order {
    /// Parses `asc` / `desc` in any case; empty means the default (`asc`).
    pub fn parse(order: &str) -> Option<Order> {
        match order.to_ascii_uppercase().as_str() {
            "" | "ASC" => Some(Order::Asc),
            "DESC" => Some(Order::Desc),
            _ => None,
        }
    }
}

/// What a policy ranks tags by.
#[derive(Clone, Debug)]
pub enum PolicyKind {
    /// Highest version satisfying the range (tags that are not versions are skipped).
    SemVer(Constraint),
    /// Lexicographic order of the (extracted) tag.
    Alphabetical(Order),
    /// Numeric order of the (extracted) tag; a tag that is not a number is an error.
    Numerical(Order),
}

/// `filterTags`: a regular expression tags must match, and an optional `extract` template
/// (`$1`, `$name`, `${name}`) that gives the value the policy ranks.
#[derive(Clone, Debug)]
pub struct TagFilter {
    policy: String,
    regex: Regex,
    pattern: String,
    extract: Vec<Piece>,
    template: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Lit(String),
    Group(usize),
    Missing,
}

impl TagFilter {
    /// Compiles a filter. `extract` may be empty (rank the tag itself).
    ///
    /// Bounds: the pattern is at most [`MAX_PATTERN_LEN`] bytes, compiles within the regex
    /// crate's size limit and has at most [`MAX_CAPTURE_GROUPS`] groups; the template is at
    /// most [`MAX_EXTRACT_LEN`] bytes. Each is an [`Error::InvalidPolicy`] naming the field.
    pub fn new(pattern: &str, extract: &str) -> Result<TagFilter, Error> {
        Self::named(INLINE, pattern, extract)
    }

    fn named(policy: &str, pattern: &str, extract: &str) -> Result<TagFilter, Error> {
        let invalid = |message: String| Error::InvalidPolicy {
            policy: policy.to_string(),
            field: "spec.filterTags.pattern".to_string(),
            message,
        };
        if pattern.len() > MAX_PATTERN_LEN {
            return Err(invalid(format!(
                "pattern longer than {MAX_PATTERN_LEN} bytes"
            )));
        }
        if extract.len() > MAX_EXTRACT_LEN {
            return Err(Error::InvalidPolicy {
                policy: policy.to_string(),
                field: "spec.filterTags.extract".to_string(),
                message: format!(
                    "template of {} bytes is longer than the limit of {MAX_EXTRACT_LEN} bytes",
                    extract.len()
                ),
            });
        }
        let regex = RegexBuilder::new(pattern)
            .size_limit(REGEX_SIZE_LIMIT)
            .dfa_size_limit(REGEX_DFA_SIZE_LIMIT)
            .nest_limit(100)
            .build()
            .map_err(|e| {
                invalid(format!(
                    "invalid regular expression pattern '{pattern}': {e}"
                ))
            })?;
        let groups = regex.captures_len().saturating_sub(1);
        if groups > MAX_CAPTURE_GROUPS {
            return Err(invalid(format!(
                "{groups} capture groups, more than the limit of {MAX_CAPTURE_GROUPS}"
            )));
        }
        let pieces = parse_template(&regex, extract);
        Ok(TagFilter {
            policy: policy.to_string(),
            regex,
            pattern: pattern.to_string(),
            extract: pieces,
            template: extract.to_string(),
        })
    }

    /// The pattern as given.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// The extract template as given (may be empty).
    pub fn extract(&self) -> &str {
        &self.template
    }

    /// The value a tag is ranked by, or `Ok(None)` when the tag does not match the pattern.
    /// A template that would expand to more than [`MAX_EXTRACTED_LEN`] bytes for this tag is
    /// an [`Error::Selection`] naming `spec.filterTags.extract` and the limit.
    pub fn apply<'a>(&self, tag: &'a str) -> Result<Option<Cow<'a, str>>, Error> {
        let mut locs = self.regex.capture_locations();
        let mut budget = MAX_EXTRACTED_TOTAL;
        self.apply_with(&mut locs, &mut budget, tag)
            .map_err(|e| e.into_error(&self.policy))
    }

    /// Expands the template for `tag`, counting the output against `budget` (what is left of
    /// [`MAX_EXTRACTED_TOTAL`] for the current selection). The length is summed before any
    /// byte is copied, so a refused expansion costs no allocation.
    fn apply_with<'a>(
        &self,
        locs: &mut CaptureLocations,
        budget: &mut usize,
        tag: &'a str,
    ) -> Result<Option<Cow<'a, str>>, ExtractError> {
        if self.regex.captures_read(locs, tag).is_none() {
            return Ok(None);
        }
        if self.template.is_empty() {
            return Ok(Some(Cow::Borrowed(tag)));
        }
        let group = |i: usize| locs.get(i).and_then(|(a, b)| tag.get(a..b));
        let mut len: usize = 0;
        for piece in &self.extract {
            len = len.saturating_add(match piece {
                Piece::Lit(s) => s.len(),
                Piece::Group(i) => group(*i).map_or(0, str::len),
                Piece::Missing => 0,
            });
            if len > MAX_EXTRACTED_LEN {
                return Err(ExtractError::TagTooLong(quote_tag(tag)));
            }
        }
        *budget = budget.checked_sub(len).ok_or(ExtractError::TotalTooLong)?;
        let mut out = String::with_capacity(len);
        for piece in &self.extract {
            match piece {
                Piece::Lit(s) => out.push_str(s),
                Piece::Group(i) => out.push_str(group(*i).unwrap_or_default()),
                Piece::Missing => {}
            }
        }
        Ok(Some(Cow::Owned(out)))
    }

    /// The distinct values the filter extracts from `tags`, sorted. Fails as
    /// [`TagFilter::apply`] does, or when the values together pass [`MAX_EXTRACTED_TOTAL`].
    pub fn extracted_keys<S: AsRef<str>>(&self, tags: &[S]) -> Result<Vec<String>, Error> {
        let mut locs = self.regex.capture_locations();
        let mut budget = MAX_EXTRACTED_TOTAL;
        let mut keys = Vec::new();
        for tag in tags {
            if let Some(key) = self
                .apply_with(&mut locs, &mut budget, tag.as_ref())
                .map_err(|e| e.into_error(&self.policy))?
            {
                keys.push(key.into_owned());
            }
        }
        keys.sort();
        keys.dedup();
        Ok(keys)
    }
}

/// Why an `extract` expansion was refused.
enum ExtractError {
    /// One tag's value would pass [`MAX_EXTRACTED_LEN`]; the tag, quoted for the message.
    TagTooLong(String),
    /// The values of one selection would together pass [`MAX_EXTRACTED_TOTAL`].
    TotalTooLong,
}

impl ExtractError {
    fn into_error(self, policy: &str) -> Error {
        let message = match self {
            ExtractError::TagTooLong(tag) => format!(
                "spec.filterTags.extract: the value extracted from tag {tag} is longer than \
                 the limit of {MAX_EXTRACTED_LEN} bytes"
            ),
            ExtractError::TotalTooLong => format!(
                "spec.filterTags.extract: the values extracted from the tags are together \
                 longer than the limit of {MAX_EXTRACTED_TOTAL} bytes"
            ),
        };
        Error::Selection {
            policy: policy.to_string(),
            message,
        }
    }
}

/// `tag` quoted for an error message: its first [`QUOTED_TAG_LEN`] characters and its length.
fn quote_tag(tag: &str) -> String {
    match tag.char_indices().nth(QUOTED_TAG_LEN) {
        Some((end, _)) => format!(
            "{:?}... ({} bytes)",
            tag.get(..end).unwrap_or_default(),
            tag.len()
        ),
        None => format!("{tag:?}"),
    }
}

/// Parses an extract template the way Go's `Regexp.Expand` reads it: `$$` is a dollar,
/// `$name`/`${name}` a group by number or name (the longest run of letters, digits and `_`),
/// an unknown group expands to nothing, a malformed `$` stays as text.
fn parse_template(regex: &Regex, template: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut lit = String::new();
    let mut rest = template;
    while let Some((before, after)) = rest.split_once('$') {
        lit.push_str(before);
        rest = after;
        if let Some(after_dollar) = rest.strip_prefix('$') {
            lit.push('$');
            rest = after_dollar;
            continue;
        }
        let (braced, body) = match rest.strip_prefix('{') {
            Some(b) => (true, b),
            None => (false, rest),
        };
        let name_len: usize = body
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .map(char::len_utf8)
            .sum();
        let name = body.get(..name_len).unwrap_or_default();
        let after_name = body.get(name_len..).unwrap_or_default();
        let tail = if braced {
            after_name.strip_prefix('}')
        } else {
            Some(after_name)
        };
        let Some(tail) = tail.filter(|_| !name.is_empty()) else {
            lit.push('$');
            continue;
        };
        rest = tail;
        if !lit.is_empty() {
            pieces.push(Piece::Lit(std::mem::take(&mut lit)));
        }
        let number = if name.bytes().all(|b| b.is_ascii_digit())
            && !(name.starts_with('0') && name.len() > 1)
        {
            name.parse::<usize>().ok().filter(|n| *n < 100_000_000)
        } else {
            None
        };
        let index = match number {
            Some(n) => Some(n).filter(|n| *n < regex.captures_len()),
            None => regex.capture_names().position(|n| n == Some(name)),
        };
        pieces.push(index.map_or(Piece::Missing, Piece::Group));
    }
    lit.push_str(rest);
    if !lit.is_empty() {
        pieces.push(Piece::Lit(lit));
    }
    pieces
}

/// A compiled image policy: what to rank by, an optional tag filter, and the policy's name
/// for error messages.
///
/// ```
/// use image_policy::Policy;
///
/// let tags: Vec<String> = ["1.0.0", "1.2.0", "2.0.0", "latest", "1.3.0-rc.1"]
///     .iter().map(|s| s.to_string()).collect();
/// let p = Policy::semver("^1.0")?;
/// assert_eq!(p.select(&tags)?.as_deref(), Some("1.2.0"));
///
/// let ts: Vec<String> = ["main-abc-1700000000", "main-def-1700000500", "dev-x-1800000000"]
///     .iter().map(|s| s.to_string()).collect();
/// let p = Policy::numerical(image_policy::Order::Asc)
///     .with_filter(r"^main-[a-f0-9]+-(?P<ts>[0-9]+)$", "$ts")?;
/// assert_eq!(p.select(&ts)?.as_deref(), Some("main-def-1700000500"));
/// # Ok::<(), image_policy::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Policy {
    name: String,
    kind: PolicyKind,
    filter: Option<TagFilter>,
}

enum Rank {
    Version(Version),
    Text,
    Number(f64),
}

impl Policy {
    /// A semver policy; an invalid range is an error naming `spec.policy.semver.range`.
    pub fn semver(range: &str) -> Result<Policy, Error> {
        Self::semver_named(INLINE, range)
    }

    fn semver_named(name: &str, range: &str) -> Result<Policy, Error> {
        let c = Constraint::parse(range).map_err(|e| Error::InvalidPolicy {
            policy: name.to_string(),
            field: "spec.policy.semver.range".to_string(),
            message: e.to_string(),
        })?;
        Ok(Policy {
            name: name.to_string(),
            kind: PolicyKind::SemVer(c),
            filter: None,
        })
    }

    /// An alphabetical policy.
    pub fn alphabetical(order: Order) -> Policy {
        Policy {
            name: INLINE.to_string(),
            kind: PolicyKind::Alphabetical(order),
            filter: None,
        }
    }

    /// A numerical policy.
    pub fn numerical(order: Order) -> Policy {
        Policy {
            name: INLINE.to_string(),
            kind: PolicyKind::Numerical(order),
            filter: None,
        }
    }

    /// Builds a policy from the `spec.policy` choice and optional `spec.filterTags` of an
    /// `ImagePolicy`. `name` (usually `namespace/name`) appears in errors.
    pub fn from_choice(
        name: &str,
        choice: &PolicyChoice,
        filter: Option<&FilterTags>,
    ) -> Result<Policy, Error> {
        let invalid = |field: &str, message: String| Error::InvalidPolicy {
            policy: name.to_string(),
            field: field.to_string(),
            message,
        };
        let order = |field: &str, o: &Option<String>| {
            let text = o.as_deref().unwrap_or("");
            Order::parse(text).ok_or_else(|| {
                invalid(
                    field,
                    format!(
                        "invalid order argument provided: '{}', must be one of: ASC, DESC",
                        text.to_ascii_uppercase()
                    ),
                )
            })
        };
        let mut policy = if let Some(s) = &choice.semver {
            Self::semver_named(name, &s.range)?
        } else if let Some(a) = &choice.alphabetical {
            let o = order("spec.policy.alphabetical.order", &a.order)?;
            Policy {
                name: name.to_string(),
                kind: PolicyKind::Alphabetical(o),
                filter: None,
            }
        } else if let Some(n) = &choice.numerical {
            let o = order("spec.policy.numerical.order", &n.order)?;
            Policy {
                name: name.to_string(),
                kind: PolicyKind::Numerical(o),
                filter: None,
            }
        } else {
            return Err(invalid(
                "spec.policy",
                "given ImagePolicyChoice object is invalid".to_string(),
            ));
        };
        if let Some(f) = filter {
            policy.filter = Some(TagFilter::named(
                name,
                &f.pattern,
                f.extract.as_deref().unwrap_or(""),
            )?);
        }
        Ok(policy)
    }

    /// Builds the policy of a whole `ImagePolicy` object (named `namespace/name`).
    pub fn from_image_policy(p: &ImagePolicy) -> Result<Policy, Error> {
        let name = format!("{}/{}", p.metadata.namespace_or("default"), p.metadata.name);
        Self::from_choice(&name, &p.spec.policy, p.spec.filter_tags.as_ref())
    }

    /// Adds a `filterTags` pattern and extract template.
    pub fn with_filter(mut self, pattern: &str, extract: &str) -> Result<Policy, Error> {
        self.filter = Some(TagFilter::named(&self.name, pattern, extract)?);
        Ok(self)
    }

    /// Sets the name used in error messages (e.g. `flux-system/app`).
    pub fn named(mut self, name: &str) -> Policy {
        self.name = name.to_string();
        if let Some(f) = &mut self.filter {
            f.policy = name.to_string();
        }
        self
    }

    /// The name used in error messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What the policy ranks by.
    pub fn kind(&self) -> &PolicyKind {
        &self.kind
    }

    /// The tag filter, if any.
    pub fn filter(&self) -> Option<&TagFilter> {
        self.filter.as_ref()
    }

    /// Chooses the latest tag in one pass over `tags` (no sort): `Ok(None)` when no tag
    /// qualifies. The original tag is returned even when an `extract` template ranked a part
    /// of it. Among equal versions the first tag wins; a numerical policy that meets a
    /// (filtered) tag that is not a number fails, as Flux's does. An `extract` template that
    /// expands past [`MAX_EXTRACTED_LEN`] for one tag, or past [`MAX_EXTRACTED_TOTAL`] over
    /// all of them, fails too.
    pub fn select<S: AsRef<str>>(&self, tags: &[S]) -> Result<Option<String>, Error> {
        Ok(self.select_ref(tags)?.map(str::to_string))
    }

    /// [`Policy::select`] returning a borrow of the chosen tag.
    pub fn select_ref<'a, S: AsRef<str>>(&self, tags: &'a [S]) -> Result<Option<&'a str>, Error> {
        let mut locs = self.filter.as_ref().map(|f| f.regex.capture_locations());
        let mut budget = MAX_EXTRACTED_TOTAL;
        let mut best: Option<(Rank, Cow<'a, str>, &'a str)> = None;
        for tag in tags {
            let tag = tag.as_ref();
            let key: Cow<'a, str> = match (&self.filter, locs.as_mut()) {
                (Some(f), Some(l)) => match f
                    .apply_with(l, &mut budget, tag)
                    .map_err(|e| e.into_error(&self.name))?
                {
                    Some(k) => k,
                    None => continue,
                },
                _ => Cow::Borrowed(tag),
            };
            let rank = match &self.kind {
                PolicyKind::SemVer(c) => match semver_range::parse_tag_version_opt(&key) {
                    Some(v) if c.matches(&v) => Rank::Version(v),
                    _ => continue,
                },
                PolicyKind::Alphabetical(_) => Rank::Text,
                PolicyKind::Numerical(_) => match parse_go_float(&key) {
                    Some(n) => Rank::Number(n),
                    None => {
                        return Err(Error::Selection {
                            policy: self.name.clone(),
                            message: format!("failed to parse invalid numeric value '{key}'"),
                        });
                    }
                },
            };
            let replace = match &best {
                None => true,
                Some((best_rank, best_key, _)) => match (&self.kind, &rank, best_rank) {
                    (PolicyKind::SemVer(_), Rank::Version(v), Rank::Version(b)) => {
                        match semver_range::compare(v, b) {
                            Ordering::Greater => true,
                            // The same extracted value: the later tag stands for it.
                            Ordering::Equal => key == *best_key,
                            Ordering::Less => false,
                        }
                    }
                    (PolicyKind::Alphabetical(o), _, _) => {
                        match (o, key.as_ref().cmp(best_key.as_ref())) {
                            (_, Ordering::Equal) => true,
                            (Order::Asc, ord) => ord.is_gt(),
                            (Order::Desc, ord) => ord.is_lt(),
                        }
                    }
                    (PolicyKind::Numerical(o), Rank::Number(n), Rank::Number(b)) => match o {
                        // As Flux: replace unless strictly worse (NaN compares as neither).
                        Order::Asc => n.partial_cmp(b) != Some(Ordering::Less),
                        Order::Desc => n.partial_cmp(b) != Some(Ordering::Greater),
                    },
                    _ => false,
                },
            };
            if replace {
                best = Some((rank, key, tag));
            }
        }
        Ok(best.map(|(_, _, tag)| tag))
    }

    /// Flux's `Latest`: like [`Policy::select`] but an empty (filtered) list and "nothing
    /// matched" are errors with Flux's messages (`version list argument cannot be empty`,
    /// `unable to determine latest version from provided list`).
    pub fn latest<S: AsRef<str>>(&self, tags: &[S]) -> Result<String, Error> {
        let selection_error = |message: &str| Error::Selection {
            policy: self.name.clone(),
            message: message.to_string(),
        };
        let any = match &self.filter {
            Some(f) => tags.iter().any(|t| f.regex.is_match(t.as_ref())),
            None => !tags.is_empty(),
        };
        if !any {
            return Err(selection_error("version list argument cannot be empty"));
        }
        self.select(tags)?
            .ok_or_else(|| selection_error("unable to determine latest version from provided list"))
    }

    /// Selects among `tags` of `repository` and returns the chosen image (`name:tag`).
    pub fn select_image<S: AsRef<str>>(
        &self,
        repository: &ImageRef,
        tags: &[S],
    ) -> Result<Option<ImageRef>, Error> {
        match self.select_ref(tags)? {
            Some(tag) => Ok(Some(repository.with_tag(tag)?)),
            None => Ok(None),
        }
    }
}

/// Parses a number the way Go's `strconv.ParseFloat(s, 64)` does for decimal input: an
/// optional sign, digits with an optional fraction and exponent, or `inf`/`infinity`/`nan`
/// (any case; no sign on `nan`). Out-of-range values are rejected. Hexadecimal floats and
/// `_` separators are not accepted.
pub fn parse_go_float(s: &str) -> Option<f64> {
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    let signed = unsigned.len() != s.len();
    if unsigned
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic())
    {
        let lower = unsigned.to_ascii_lowercase();
        let negative = s.starts_with('-');
        return match lower.as_str() {
            "inf" | "infinity" => Some(if negative {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            }),
            "nan" if !signed => Some(f64::NAN),
            _ => None,
        };
    }
    if unsigned.is_empty()
        || !unsigned
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        || !unsigned.bytes().any(|b| b.is_ascii_digit())
    {
        return None;
    }
    let v: f64 = s.parse().ok()?;
    v.is_finite().then_some(v)
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

    fn tags(t: &[&str]) -> Vec<String> {
        t.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn go_floats() {
        let ok: &[(&str, f64)] = &[
            ("1", 1.0),
            ("-8", -8.0),
            ("+2.5", 2.5),
            (".5", 0.5),
            ("5.", 5.0),
            ("1e3", 1000.0),
            ("1E-2", 0.01),
        ];
        for (s, want) in ok {
            assert_eq!(parse_go_float(s), Some(*want), "{s}");
        }
        assert_eq!(parse_go_float("Inf"), Some(f64::INFINITY));
        assert_eq!(parse_go_float("-infinity"), Some(f64::NEG_INFINITY));
        assert!(parse_go_float("NaN").unwrap().is_nan());
        for bad in [
            "", "1a", "b", "+nan", "1_000", "1e400", "e5", ".", "infin", " 1", "0x10", "--1",
        ] {
            assert_eq!(parse_go_float(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn extract_templates_follow_go() {
        let f = TagFilter::new(r"^(?P<a>[a-z]+)-(?P<n>[0-9]+)$", "").unwrap();
        assert_eq!(f.apply("abc-12").unwrap().as_deref(), Some("abc-12"));
        assert_eq!(f.apply("abc").unwrap(), None);
        let cases: &[(&str, &str)] = &[
            ("$n", "12"),
            ("${n}", "12"),
            ("$1", "abc"),
            ("${1}x", "abcx"),
            ("$1x", ""),
            ("$$n", "$n"),
            ("$", "$"),
            ("${n", "${n"),
            ("$9", ""),
            ("$nope-$n", "-12"),
            ("v$n.0", "v12.0"),
            ("$n_x", ""),
            ("v${n}.0", "v12.0"),
            ("$01", ""),
        ];
        for (template, want) in cases {
            let f = TagFilter::new(r"^(?P<a>[a-z]+)-(?P<n>[0-9]+)$", template).unwrap();
            assert_eq!(
                f.apply("abc-12").unwrap().as_deref(),
                Some(*want),
                "template {template:?}"
            );
        }
    }

    #[test]
    fn selection_table() {
        let semver = Policy::semver(">=1.0.0").unwrap();
        assert_eq!(
            semver
                .select(&tags(&["1.0.0", "junk", "1.10.0", "1.9.0"]))
                .unwrap()
                .as_deref(),
            Some("1.10.0")
        );
        assert_eq!(semver.select(&tags(&["junk"])).unwrap(), None);
        assert_eq!(semver.select::<String>(&[]).unwrap(), None);
        let alpha = Policy::alphabetical(Order::Desc);
        assert_eq!(
            alpha.select(&tags(&["b", "a", "c"])).unwrap().as_deref(),
            Some("a")
        );
        let num = Policy::numerical(Order::Asc);
        assert_eq!(
            num.select(&tags(&["5", "10", "9"])).unwrap().as_deref(),
            Some("10")
        );
        assert!(num.select(&tags(&["5", "x"])).is_err());
        let filtered = Policy::numerical(Order::Asc)
            .with_filter(r"^build-(\d+)$", "$1")
            .unwrap();
        assert_eq!(
            filtered
                .select(&tags(&["build-9", "x", "build-10", "latest"]))
                .unwrap()
                .as_deref(),
            Some("build-10")
        );
    }

    #[test]
    fn same_extracted_value_keeps_the_last_tag() {
        let p = Policy::semver("*")
            .unwrap()
            .with_filter(r"^(\d+\.\d+\.\d+)-.*$", "$1")
            .unwrap();
        assert_eq!(
            p.select(&tags(&["1.0.0-a", "1.0.0-b"])).unwrap().as_deref(),
            Some("1.0.0-b")
        );
        let p = Policy::alphabetical(Order::Asc)
            .with_filter(r"^(\w)-", "$1")
            .unwrap();
        assert_eq!(
            p.select(&tags(&["z-1", "z-2", "a-3"])).unwrap().as_deref(),
            Some("z-2")
        );
    }

    #[test]
    fn filter_limits_name_the_field_and_the_limit() {
        let groups = |n: usize| "(a?)".repeat(n);
        // (pattern, extract, what the build error says; "" for a filter that builds)
        let cases: Vec<(String, String, &[&str])> = vec![
            ("^(.*)$".into(), "$1".repeat(512), &[]),
            (
                "^(.*)$".into(),
                "$1".repeat(512) + "x",
                &[
                    "spec.filterTags.extract",
                    "1025 bytes",
                    "limit of 1024 bytes",
                ],
            ),
            (groups(100), "$100".into(), &[]),
            (
                groups(101),
                "$1".into(),
                &[
                    "spec.filterTags.pattern",
                    "101 capture groups",
                    "limit of 100",
                ],
            ),
            (
                "a".repeat(MAX_PATTERN_LEN + 1),
                String::new(),
                &["spec.filterTags.pattern", "longer than 4096 bytes"],
            ),
            (
                r"(?:\w{100}){100}".into(),
                String::new(),
                &["spec.filterTags.pattern", "exceeds size limit"],
            ),
        ];
        for (pattern, extract, want) in cases {
            let got = TagFilter::new(&pattern, &extract);
            match (got, want.is_empty()) {
                (Ok(_), true) => {}
                (Err(e), false) => {
                    let e = e.to_string();
                    for part in want {
                        assert!(e.contains(part), "{pattern:.40} {extract:.40}: {e}");
                    }
                }
                (got, _) => panic!("{pattern:.40} {extract:.40}: {got:?}"),
            }
        }
    }

    #[test]
    fn extraction_is_bounded_per_tag_and_per_selection() {
        let tag = "a".repeat(1000);
        let four = TagFilter::new("^(.*)$", "$1$1$1$1").unwrap();
        assert_eq!(four.apply(&tag).unwrap().map(|k| k.len()), Some(4000));
        let five = TagFilter::new("^(.*)$", "$1$1$1$1$1").unwrap();
        // (what is called, what its error says)
        let long = format!("{tag}b");
        let tags: Vec<String> = (0..MAX_EXTRACTED_TOTAL / 4000 + 1)
            .map(|i| format!("{i}{}", "a".repeat(999)))
            .collect();
        let errors: Vec<(Result<(), Error>, &[&str])> = vec![
            (
                five.apply(&tag).map(drop),
                &[
                    "spec.filterTags.extract",
                    "tag \"aaaa",
                    "... (1000 bytes)",
                    "limit of 4096 bytes",
                ],
            ),
            (
                five.extracted_keys(&[long]).map(drop),
                &["(1001 bytes)", "limit of 4096 bytes"],
            ),
            (
                four.extracted_keys(&tags).map(drop),
                &["together", "limit of 67108864 bytes"],
            ),
            (
                Policy::alphabetical(Order::Asc)
                    .with_filter("^(.*)$", "$1$1$1$1")
                    .unwrap()
                    .named("ns/p")
                    .select(&tags)
                    .map(drop),
                &["policy ns/p: spec.filterTags.extract", "together"],
            ),
        ];
        for (got, want) in errors {
            let e = got.unwrap_err().to_string();
            for part in want {
                assert!(e.contains(part), "{e}");
            }
        }
        assert_eq!(quote_tag("short"), "\"short\"");
        assert_eq!(
            quote_tag(&"é".repeat(70)),
            format!("\"{}\"... (140 bytes)", "é".repeat(64))
        );
    }

    #[test]
    fn invalid_policies_name_the_field() {
        let e = Policy::semver("x1").unwrap_err().to_string();
        assert!(
            e.contains("spec.policy.semver.range") && e.contains("improper constraint"),
            "{e}"
        );
        let e = Policy::semver("1")
            .unwrap()
            .with_filter("(", "")
            .unwrap_err()
            .to_string();
        assert!(e.contains("spec.filterTags.pattern"), "{e}");
        let choice = PolicyChoice::default();
        let e = Policy::from_choice("ns/p", &choice, None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("ns/p") && e.contains("given ImagePolicyChoice object is invalid"),
            "{e}"
        );
    }
}
