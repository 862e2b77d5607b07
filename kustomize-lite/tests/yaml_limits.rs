//! Hostile input gives a located error, never a hang, a crash or unbounded memory.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use kustomize_lite::yaml::{YamlErrorKind, YamlLimits, parse_stream, parse_stream_with_limits};
use proptest::prelude::*;

/// The classic "billion laughs": ten levels, each alias list ten times the one before.
fn billion_laughs() -> String {
    let mut s = String::from(
        "a0: &a0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n",
    );
    for i in 1..10 {
        let p = i - 1;
        s.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    s
}

#[test]
fn alias_bomb_is_refused() {
    let e = parse_stream(&billion_laughs(), "bomb.yaml").unwrap_err();
    assert_eq!(e.kind, YamlErrorKind::Limit, "{e}");
    assert_eq!(e.origin, "bomb.yaml");
    assert_eq!(e.document, 1);
    assert!(e.line > 1, "{e}");
    assert!(e.message.contains("alias"), "{e}");
}

#[test]
fn a_few_aliases_are_fine_and_the_budget_is_adjustable() {
    let text = "base: &b {x: 1, y: [1, 2, 3]}\nc1: *b\nc2: *b\n";
    let docs = parse_stream(text, "ok.yaml").unwrap();
    assert_eq!(docs[0]["c2"]["y"][2], 3);
    let tight = YamlLimits::default().with_max_alias_expansion(6);
    let e = parse_stream_with_limits(text, "ok.yaml", &tight).unwrap_err();
    assert_eq!((e.kind, e.line), (YamlErrorKind::Limit, 3));
}

#[test]
fn deep_nesting_is_refused() {
    for (name, text) in [
        (
            "flow sequences",
            format!("a: {}{}", "[".repeat(10_000), "]".repeat(10_000)),
        ),
        (
            "flow mappings",
            format!("{}1{}", "{a: ".repeat(10_000), "}".repeat(10_000)),
        ),
        (
            "block mappings",
            (0..1_000)
                .map(|i| format!("{}k:\n", " ".repeat(i)))
                .collect::<String>(),
        ),
        (
            "block sequences",
            (0..1_000)
                .map(|i| format!("{}- \n", "  ".repeat(i)))
                .collect(),
        ),
    ] {
        let e = parse_stream(&text, "deep.yaml").unwrap_err();
        assert_eq!(e.kind, YamlErrorKind::Limit, "{name}: {e}");
        assert!(e.message.contains("128"), "{name}: {e}");
    }
}

#[test]
fn aliases_cannot_smuggle_depth() {
    // Each anchor is 100 deep; nesting its alias 100 deep again would pass 128.
    let deep = format!("{}1{}", "[".repeat(100), "]".repeat(100));
    let text = format!(
        "a: &d {deep}\nb: {}*d{}\n",
        "[".repeat(100),
        "]".repeat(100)
    );
    let e = parse_stream(&text, "smuggle.yaml").unwrap_err();
    assert_eq!((e.kind, e.line), (YamlErrorKind::Limit, 2), "{e}");
}

#[test]
fn input_and_node_bounds() {
    let text = "a: 1\n".repeat(1000);
    let small = YamlLimits::default().with_max_input_bytes(100);
    let e = parse_stream_with_limits(&text, "big.yaml", &small).unwrap_err();
    assert_eq!(e.kind, YamlErrorKind::Limit);
    assert!(e.message.contains("100 bytes"), "{e}");

    let list = format!("[{}]", vec!["1"; 5000].join(","));
    let few = YamlLimits::default().with_max_nodes(1000);
    let e = parse_stream_with_limits(&list, "many.yaml", &few).unwrap_err();
    assert_eq!(e.kind, YamlErrorKind::Limit);
}

#[test]
fn malformed_yaml_is_located() {
    let cases: &[(&str, usize)] = &[
        ("a: 1\nb: [1, 2\n", 2),
        ("a: 'open\n", 2),
        ("a:\n  - 1\n - 2\n", 3),
        ("a: *missing\n", 1),
        ("{a: 1}: 2\n", 1),
        ("? [1]\n: 2\n", 1),
        ("a: !!int abc\n", 1),
        ("x: 1\n<<: 5\n", 2),
    ];
    for (text, line) in cases {
        let e = parse_stream(text, "bad.yaml").unwrap_err();
        assert_eq!(e.line, *line, "{text:?}: {e}");
        assert!(e.column >= 1 && e.document == 1, "{text:?}: {e}");
        assert!(
            e.to_string().starts_with(&format!("bad.yaml:{line}:")),
            "{e}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Arbitrary text never panics the reader.
    #[test]
    fn arbitrary_text_never_panics(text in "[ -~\n\t\u{85}\u{feff}é😀]{0,200}") {
        let _ = parse_stream(&text, "fuzz.yaml");
    }

    /// Text assembled from YAML syntax pieces never panics the reader either.
    #[test]
    fn yaml_like_text_never_panics(pieces in prop::collection::vec(prop::sample::select(vec![
        "a", ":", ": ", "- ", "\n", "  ", "[", "]", "{", "}", ",", "&x ", "*x", "<<: ", "!!str ",
        "!!int ", "'", "\"", "|\n", ">-\n", "---\n", "...\n", "? ", "#c", "~", "1.5", "0x", "%YAML 1.2\n",
    ]), 0..60)) {
        let _ = parse_stream(&pieces.concat(), "fuzz.yaml");
    }
}
