//! Hostile input: `filterTags` patterns and `extract` templates built to hang or exhaust
//! memory, over tags far longer than any registry allows. Each case runs isolated (a child
//! process under a memory cap and a hang guard) and asserts the clear error, not only that
//! nothing crashed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../../support/hostile.rs"]
mod hostile;

use image_policy::{Error, ImagePolicy, Order, Policy};

/// `n` distinct tags of exactly `len` bytes: `0000aaaa...`, `0001aaaa...`.
fn long_tags(n: usize, len: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("{i:06}{}", "a".repeat(len - 6)))
        .collect()
}

/// Runs `policy` over `tags` when it was (wrongly) built, so that a policy the fix should
/// refuse shows what it would have cost instead of passing quietly.
fn refused(built: Result<Policy, Error>, tags: &[String]) -> Result<String, String> {
    match built {
        Err(e) => Ok(e.to_string()),
        Ok(p) => {
            let picked = p.select(tags).map(|t| t.map(|t| t.len()));
            Err(format!("the policy was built; selecting gave {picked:?}"))
        }
    }
}

fn expect_all(message: &str, parts: &[&str]) -> Result<(), String> {
    match parts.iter().find(|p| !message.contains(*p)) {
        Some(missing) => Err(format!("error {message:?} does not mention {missing:?}")),
        None => Ok(()),
    }
}

/// The issue's case: an `ImagePolicy` (Flux's YAML form) whose `extract` template is half a
/// megabyte of `$1$2...` over a pattern with many groups, then 1,000-byte tags. Expanded,
/// each tag would give some hundred megabytes.
#[test]
fn long_extract_template_over_long_tags() {
    hostile::isolated("long_extract_template_over_long_tags", || {
        let groups = 40;
        let pattern = format!("^{}$", "([0-9a]*)".repeat(groups));
        let refs: String = (1..=groups).map(|i| format!("$1${i}")).collect();
        let template = refs.repeat(500_000 / refs.len());
        let yaml = format!(
            "apiVersion: image.toolkit.fluxcd.io/v1beta2\nkind: ImagePolicy\nmetadata:\n  \
             name: app\n  namespace: flux-system\nspec:\n  imageRepositoryRef:\n    name: app\n  \
             filterTags:\n    pattern: '{pattern}'\n    extract: '{template}'\n  policy:\n    \
             alphabetical:\n      order: asc\n"
        );
        let p = ImagePolicy::from_yaml(&yaml).map_err(|e| e.to_string())?;
        let tags = long_tags(100, 1000);
        let e = refused(Policy::from_image_policy(&p), &tags)?;
        expect_all(
            &e,
            &[
                "flux-system/app",
                "spec.filterTags.extract",
                &format!("template of {} bytes", template.len()),
                "limit of 1024 bytes",
            ],
        )
    });
}

/// A template within the length limit that still expands past the per-tag bound: 500
/// copies of the whole 1,000-byte tag.
#[test]
fn extract_expansion_is_bounded_per_tag() {
    hostile::isolated("extract_expansion_is_bounded_per_tag", || {
        let p = Policy::alphabetical(Order::Asc)
            .named("flux-system/app")
            .with_filter("^(.*)$", &"$1".repeat(500))
            .map_err(|e| e.to_string())?;
        let tags = long_tags(1000, 1000);
        let e = match p.select(&tags) {
            Err(e) => e.to_string(),
            Ok(t) => return Err(format!("selected a {:?}-byte tag", t.map(|t| t.len()))),
        };
        expect_all(
            &e,
            &[
                "flux-system/app",
                "spec.filterTags.extract",
                "tag \"000000aaaa",
                "(1000 bytes)",
                "limit of 4096 bytes",
            ],
        )?;
        // Within the bound the expansion is exact.
        let small = Policy::alphabetical(Order::Asc)
            .with_filter("^0*([0-9]+)a*$", "v$1.$1")
            .map_err(|e| e.to_string())?;
        match small.select(&tags).map_err(|e| e.to_string())? {
            Some(t) if t == tags[999] => Ok(()),
            other => Err(format!("expected the last tag, got {other:?}")),
        }
    });
}

/// Many tags, each just under the per-tag bound: the expansion over the whole list is
/// bounded too (20,000 tags x 4,000 bytes is past 64 MiB).
#[test]
fn many_tags_times_large_expansion() {
    hostile::isolated("many_tags_times_large_expansion", || {
        let p = Policy::alphabetical(Order::Asc)
            .with_filter("^(.*)$", "$1$1$1$1")
            .map_err(|e| e.to_string())?;
        let tags = long_tags(20_000, 1000);
        let e = match p.select(&tags) {
            Err(e) => e.to_string(),
            Ok(t) => return Err(format!("selected a {:?}-byte tag", t.map(|t| t.len()))),
        };
        expect_all(
            &e,
            &[
                "policy <inline>",
                "spec.filterTags.extract",
                "together",
                "limit of 67108864 bytes",
            ],
        )?;
        // A tenth of the list stays within the bound and selects.
        match p.select(&tags[..2000]).map_err(|e| e.to_string())? {
            Some(t) if t == tags[1999] => Ok(()),
            other => Err(format!("expected the last tag, got {other:?}")),
        }
    });
}

/// A pattern of a thousand capture groups: every group is tracked over every matching tag,
/// which costs about a second per 1,000-byte tag. Refused when the policy is built.
#[test]
fn many_capture_groups() {
    hostile::isolated("many_capture_groups", || {
        let pattern = format!("^{}$", "(a*)".repeat(1000));
        let tags = long_tags(100, 1000)
            .into_iter()
            .map(|t| t.replace(|c: char| c.is_ascii_digit(), "a"))
            .collect::<Vec<_>>();
        let built = Policy::alphabetical(Order::Asc).with_filter(&pattern, "$1");
        let e = refused(built, &tags)?;
        expect_all(
            &e,
            &[
                "spec.filterTags.pattern",
                "1000 capture groups",
                "limit of 100",
            ],
        )?;
        // A hundred groups are accepted and extract as Go does.
        let pattern = format!("^{}$", "(a?)".repeat(99) + "(a*)");
        let p = Policy::alphabetical(Order::Asc)
            .with_filter(&pattern, "$100")
            .map_err(|e| e.to_string())?;
        match p.select(&tags).map_err(|e| e.to_string())? {
            Some(t) if t.len() == 1000 => Ok(()),
            other => Err(format!("expected a tag, got {other:?}")),
        }
    });
}

/// Huge patterns: past the length limit, and short but compiling past the size limit
/// (ten thousand Unicode `\w` classes). Both are clear errors, not a long compile.
#[test]
fn huge_pattern() {
    hostile::isolated("huge_pattern", || {
        let tags = long_tags(10, 1000);
        let long = "a".repeat(5000);
        let e = refused(
            Policy::alphabetical(Order::Asc).with_filter(&long, ""),
            &tags,
        )?;
        expect_all(&e, &["spec.filterTags.pattern", "longer than 4096 bytes"])?;
        for pattern in [
            r"(?:\w{100}){100}",
            r"((((\w{10}){10}){10}){10})",
            r"\pL{5000}",
        ] {
            let e = refused(
                Policy::alphabetical(Order::Asc).with_filter(pattern, "$1"),
                &tags,
            )?;
            expect_all(
                &e,
                &[
                    "spec.filterTags.pattern",
                    "invalid regular expression pattern",
                    "exceeds size limit",
                ],
            )?;
        }
        Ok(())
    });
}

/// Nested quantifiers, which backtracking engines take exponential time over: the regex
/// crate is linear, so these finish, and select what Go would.
#[test]
fn nested_quantifiers() {
    hostile::isolated("nested_quantifiers", || {
        let near_miss: Vec<String> = (0..2000)
            .map(|i| format!("{}!{i}", "a".repeat(1000)))
            .collect();
        for pattern in [
            r"^(a+)+$",
            r"^(a|a)*$",
            r"^(a*)*b$",
            r"^(?:(a|aa)+)+$",
            r"^(.*a){20}$",
        ] {
            let p = Policy::alphabetical(Order::Asc)
                .with_filter(pattern, "$1")
                .map_err(|e| e.to_string())?;
            match p.select(&near_miss) {
                Ok(None) => {}
                other => return Err(format!("{pattern}: expected no tag, got {other:?}")),
            }
            let e = match p.latest(&near_miss) {
                Err(e) => e.to_string(),
                Ok(t) => return Err(format!("{pattern}: latest gave {t:?}")),
            };
            expect_all(&e, &["version list argument cannot be empty"])?;
        }
        let matching: Vec<String> = (1..=2000).map(|i| "a".repeat(i % 1000 + 1)).collect();
        let p = Policy::numerical(Order::Asc)
            .with_filter(r"^(a+)+$", "1$1")
            .map_err(|e| e.to_string());
        // `1aaa` is not a number: Flux's numerical policy fails on it, and so do we.
        let e = match p?.select(&matching) {
            Err(e) => e.to_string(),
            Ok(t) => return Err(format!("numerical over letters gave {t:?}")),
        };
        expect_all(&e, &["failed to parse invalid numeric value '1a"])?;
        let p = Policy::alphabetical(Order::Asc)
            .with_filter(r"^((a+)+)$", "$1")
            .map_err(|e| e.to_string())?;
        match p.select(&matching).map_err(|e| e.to_string())? {
            Some(t) if t.len() == 1000 => Ok(()),
            other => Err(format!("expected the 1000-byte tag, got {other:?}")),
        }
    });
}
