//! Laws that hold for every input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;

use image_policy::{ImageRef, Order, Policy, rewrite_setters};
use proptest::prelude::*;

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9]{0,6}(:[0-9]\\.[0-9]{1,2})?",
        "[0-9]{1,3}\\.[0-9]{1,2}",
        "(yes|no|on|~|null|true)",
        Just("registry.io/team/app:v1".to_string()),
    ]
}

fn quote(v: &str, style: u8) -> String {
    match style % 3 {
        0 => v.to_string(),
        1 => format!("\"{v}\""),
        _ => format!("'{v}'"),
    }
}

/// A multi-document YAML text with mapping values and sequence items, some marked.
fn document() -> impl Strategy<Value = String> {
    let line = (
        any::<bool>(),
        value(),
        any::<u8>(),
        0usize..5,
        0usize..4,
        any::<bool>(),
    );
    prop::collection::vec(line, 1..12).prop_map(|lines| {
        let mut out = String::from("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n");
        for (i, (in_seq, v, style, policy, suffix, doc_break)) in lines.into_iter().enumerate() {
            let setter = format!("ns:p{policy}{}", ["", ":tag", ":name", ":digest"][suffix]);
            let marker = if policy < 4 {
                format!(" # {{\"$imagepolicy\": \"{setter}\"}}")
            } else {
                " # plain comment".to_string()
            };
            if in_seq {
                out.push_str(&format!("  list{i}:\n  - {}{marker}\n", quote(&v, style)));
            } else {
                out.push_str(&format!("  key{i}: {}{marker}\n", quote(&v, style)));
            }
            if doc_break {
                out.push_str("---\nkind: Next\nspec:\n");
            }
        }
        out
    })
}

fn policies() -> BTreeMap<String, ImageRef> {
    let d = "sha256:6745aaad46d795c9836632e1fb62f24b7e7f4c843144da8e47a5465c411a14be";
    [
        ("ns:p0", "ghcr.io/org/app:1.10".to_string()),
        ("ns:p1", format!("app:v2@{d}")),
        ("ns:p2", "localhost:5000/x/y:yes".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), ImageRef::parse(&v).unwrap()))
    .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Rewriting twice changes nothing the second time.
    #[test]
    fn rewriting_is_idempotent(doc in document()) {
        let p = policies();
        let (once, _) = rewrite_setters(&doc, "f.yaml", &p).unwrap();
        let (twice, changes) = rewrite_setters(&once, "f.yaml", &p).unwrap();
        prop_assert_eq!(&twice, &once);
        prop_assert!(changes.is_empty(), "second pass changed {:?}", changes);
    }

    /// Only lines carrying a marker of a known policy can change; every other byte stays.
    #[test]
    fn unmarked_lines_are_untouched(doc in document()) {
        let p = policies();
        let (out, changes) = rewrite_setters(&doc, "f.yaml", &p).unwrap();
        let before: Vec<&str> = doc.lines().collect();
        let after: Vec<&str> = out.lines().collect();
        prop_assert_eq!(before.len(), after.len());
        let changed_lines: Vec<usize> = changes.iter().map(|c| c.line).collect();
        for (i, (b, a)) in before.iter().zip(&after).enumerate() {
            if b != a {
                prop_assert!(changed_lines.contains(&(i + 1)), "line {} changed without a change record", i + 1);
                let (b_comment, a_comment) = (b.rsplit_once(" # "), a.rsplit_once(" # "));
                prop_assert_eq!(b_comment.map(|c| c.1), a_comment.map(|c| c.1));
            }
        }
    }

    /// Selection is one pass, but agrees with sorting: the chosen tag is the maximum.
    #[test]
    fn alphabetical_select_is_the_maximum(tags in prop::collection::vec("[a-z0-9.]{1,8}", 1..50)) {
        let got = Policy::alphabetical(Order::Asc).select(&tags).unwrap();
        prop_assert_eq!(got.as_ref(), tags.iter().max());
    }

    /// Parsers never panic.
    #[test]
    fn parsers_do_not_panic(s in "\\PC{0,40}") {
        let _ = ImageRef::parse(&s);
        let _ = image_policy::semver_range::Constraint::parse(&s);
        let _ = image_policy::semver_range::parse_version(&s);
        let _ = rewrite_setters(&format!("a: b # {{\"$imagepolicy\": \"ns:p0\"}}\n{s}"), "f", &policies());
    }
}
