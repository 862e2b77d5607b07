//! `Template::render` against its definition, `Template::render_textual` (substitute into
//! the whole text, then parse): the same values, in the same key order, and the same errors.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use std::collections::BTreeMap;
use trigger_bindings::Template;

type Rendered = Result<String, (usize, String)>;

fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Values as text, so that key order takes part in the comparison.
fn as_text(r: Result<Vec<serde_json::Value>, (usize, String)>) -> Rendered {
    r.map(|values| serde_json::to_string(&values).unwrap())
}

/// Renders both ways, asserts they agree, and returns the common result.
fn render_both(
    texts: &[&str],
    old_escape: bool,
    params: &BTreeMap<String, String>,
    uid: &str,
) -> Rendered {
    let t = Template::from_raw(
        "tt",
        Vec::new(),
        old_escape,
        texts.iter().map(|s| s.to_string()).collect(),
    );
    let fast = as_text(t.render(params, uid));
    let reference = as_text(t.render_textual(params, uid));
    assert_eq!(fast, reference, "texts {texts:?}, params {params:?}");
    fast
}

/// What a case should give: the rendered JSON array, or the failing index and a part of
/// the message.
enum Want<'a> {
    Json(&'a str),
    Error(usize, &'a str),
}

#[test]
fn tricky_cases() {
    use Want::{Error, Json};
    type Row<'a> = (
        &'a str,
        &'a [&'a str],
        bool,
        &'a [(&'a str, &'a str)],
        Want<'a>,
    );
    let rows: &[Row<'_>] = &[
        (
            "plain values",
            &[r#"{"a":"$(tt.params.x)-$(tt.params.y)","b":[1,"$(uid)"]}"#],
            false,
            &[("x", "1"), ("y", "two")],
            Json(r#"[{"a":"1-two","b":[1,"U"]}]"#),
        ),
        (
            "escaped newline in a value is decoded",
            &[r#"{"m":"$(tt.params.m)"}"#],
            false,
            &[("m", r"line\nnext \u00e9 \ud83d\ude00 \/")],
            Json("[{\"m\":\"line\\nnext é 😀 /\"}]"),
        ),
        (
            "a value ending in a backslash escapes the closing quote",
            &[r#"{"a":"$(tt.params.x)"}"#],
            false,
            &[("x", "oops\\")],
            Error(0, "couldn't unmarshal json from the TriggerTemplate: EOF"),
        ),
        (
            "a value ending in a backslash, followed by more JSON that still parses",
            &[r#"{"a":"$(tt.params.x)","b":"c"}"#],
            false,
            &[("x", "\\")],
            Error(0, "couldn't unmarshal json"),
        ),
        (
            "an unescaped quote that breaks the document",
            &[r#"{"a":"$(tt.params.x)"}"#],
            false,
            &[("x", r#"{"k":"v"}"#)],
            Error(0, "couldn't unmarshal json"),
        ),
        (
            "an unescaped quote that makes another valid document",
            &[r#"{"a":"$(tt.params.x)"}"#],
            false,
            &[("x", r#"1","b":"2"#)],
            Json(r#"[{"a":"1","b":"2"}]"#),
        ),
        (
            "old escape turns that quote into an escaped one",
            &[r#"{"a":"$(tt.params.x)"}"#],
            true,
            &[("x", r#"1","b":"2"#)],
            Json(r#"[{"a":"1\",\"b\":\"2"}]"#),
        ),
        (
            "old escape and an already escaped quote",
            &[r#"{"a":"$(tt.params.x)"}"#],
            true,
            &[("x", r#"say \"hi\""#)],
            Error(0, "couldn't unmarshal json"),
        ),
        (
            "a control character in a value",
            &[r#"{"a":"$(tt.params.x)"}"#],
            false,
            &[("x", "a\nb")],
            Error(0, "control character"),
        ),
        (
            "a lone surrogate escape in a value",
            &[r#"{"a":"$(tt.params.x)"}"#],
            false,
            &[("x", r"\ud800")],
            Error(0, "unexpected end of hex escape"),
        ),
        (
            "an invalid escape in a value",
            &[r#"{"a":"$(tt.params.x)"}"#],
            false,
            &[("x", r"\x")],
            Error(0, "invalid escape"),
        ),
        (
            "a key substituted to an earlier key: first place, last value",
            &[r#"{"a":1,"b":2,"$(tt.params.k)":3}"#],
            false,
            &[("k", "a")],
            Json(r#"[{"a":3,"b":2}]"#),
        ),
        (
            "a key substituted to a later key: the later value wins",
            &[r#"{"$(tt.params.k)":{"x":"$(uid)"},"b":2,"a":1}"#],
            false,
            &[("k", "a")],
            Json(r#"[{"a":1,"b":2}]"#),
        ),
        (
            "two keys substituted to the same key",
            &[r#"{"$(tt.params.k)":1,"z":0,"$(tt.params.j)":2}"#],
            false,
            &[("k", "a"), ("j", "a")],
            Json(r#"[{"a":2,"z":0}]"#),
        ),
        (
            "an escaped key equal to a substituted one",
            &[r#"{"\u0061":1,"$(tt.params.k)":2}"#],
            false,
            &[("k", "a")],
            Json(r#"[{"a":2}]"#),
        ),
        (
            "a missing param is left as is",
            &[r#"{"a":"$(tt.params.missing)","$(tt.params.nokey)":"$(x)"}"#],
            false,
            &[],
            Json(r#"[{"a":"$(tt.params.missing)","$(tt.params.nokey)":"$(x)"}]"#),
        ),
        (
            "$( in a value is doubled, and the value is not scanned again",
            &[r#"{"a":"$(tt.params.x)"}"#],
            false,
            &[("x", "$(tt.params.y)"), ("y", "no")],
            Json(r#"[{"a":"$$(tt.params.y)"}]"#),
        ),
        (
            "uid is inserted as is",
            &[r#"{"a":"$(uid)","$(uid)":true}"#],
            false,
            &[],
            Json(r#"[{"a":"U","U":true}]"#),
        ),
        (
            "a name is read up to the first )",
            &[r#"{"a":"$(tt.params.x)y)"}"#],
            false,
            &[("x", "1"), ("x)y", "2")],
            Json(r#"[{"a":"1y)"}]"#),
        ),
        (
            "a missing name lets the scan go on inside it",
            &[r#"{"a":"$(tt.params.x$(uid))","b":"$(tt.params.x$(uid)"}"#],
            false,
            &[],
            Json(r#"[{"a":"$(tt.params.xU)","b":"$(tt.params.xU"}]"#),
        ),
        (
            "a name holding $( that is given",
            &[r#"{"a":"$(tt.params.x$(uid))"}"#],
            false,
            &[("x$(uid", "v")],
            Json(r#"[{"a":"v)"}]"#),
        ),
        (
            "one missing name among given ones",
            &[r#"{"a":"$(tt.params.x)$(tt.params.nope)$(tt.params.y)$(uid)"}"#],
            false,
            &[("x", "1"), ("y", "2")],
            Json(r#"[{"a":"1$(tt.params.nope)2U"}]"#),
        ),
        (
            "a name with escapes is matched on the raw text",
            &[r#"{"a":"$(tt.params.q\"n)"}"#],
            false,
            &[(r#"q\"n"#, "v")],
            Json(r#"[{"a":"v"}]"#),
        ),
        (
            "an unclosed reference whose name runs past its string onto a param",
            &[r#"{"a":"$(tt.params.z","b":")"}"#],
            false,
            &[(r#"z","b":""#, "w")],
            Json(r#"[{"a":"w"}]"#),
        ),
        (
            "an unclosed reference whose name runs past its string onto nothing",
            &[r#"{"a":"$(tt.params.z","b":")"}"#],
            false,
            &[("z", "w")],
            Json(r#"[{"a":"$(tt.params.z","b":")"}]"#),
        ),
        (
            "a reference outside strings (invalid before substitution)",
            &[r#"{"a":$(tt.params.x),"b":"$(tt.params.y)"}"#],
            false,
            &[("x", r#"{"k":[1,2]}"#), ("y", "s")],
            Json(r#"[{"a":{"k":[1,2]},"b":"s"}]"#),
        ),
        (
            "a text that is never valid",
            &[r#"{"a":"$(tt.params.x)"#],
            false,
            &[("x", "1")],
            Error(0, "EOF while parsing"),
        ),
        (
            "a text made valid only by substitution across two strings",
            &[r#"{"a":"$(tt.params.x)","b":"c"}"#],
            false,
            &[("x", r#"1"}"#)],
            Error(0, "trailing characters"),
        ),
        (
            "the failing resource template is named by index",
            &[
                r#"{"ok":"$(tt.params.x)"}"#,
                r#"{"ok":true}"#,
                r#"{"bad":"$(tt.params.y)"}"#,
            ],
            false,
            &[("x", "1"), ("y", "\"")],
            Error(2, "couldn't unmarshal json"),
        ),
        (
            "whitespace, numbers and nesting around references",
            &[" { \"n\" : [ 1.5e3 , -0 , null , { \"s\" : \"<$(tt.params.x)>\" } ] } \n"],
            false,
            &[("x", "é")],
            Json(r#"[{"n":[1500.0,-0.0,null,{"s":"<é>"}]}]"#),
        ),
        (
            "a whole document that is one string",
            &[r#""$(tt.params.x)""#],
            false,
            &[("x", "v")],
            Json(r#"["v"]"#),
        ),
    ];
    for (what, texts, old, ps, want) in rows {
        let got = render_both(texts, *old, &params(ps), "U");
        match (want, &got) {
            (Json(j), Ok(g)) => assert_eq!(g, j, "{what}"),
            (Error(i, m), Err((gi, gm))) => {
                assert_eq!(gi, i, "{what}: {gm}");
                assert!(gm.contains(m), "{what}: {gm}");
            }
            _ => panic!("{what}: got {got:?}"),
        }
    }
}

#[test]
fn templates_from_specs_render_the_same() {
    let spec: trigger_bindings::TriggerTemplateSpec = serde_json::from_value(serde_json::json!({
        "params": [{"name": "rev"}],
        "resourcetemplates": [
            {"kind": "PipelineRun", "metadata": {"generateName": "run-$(uid)-"},
             "spec": {"params": [{"name": "rev", "value": "$(tt.params.rev)"}]}},
            {"kind": "ConfigMap", "data": {"k": "v"}},
        ],
    }))
    .unwrap();
    let t = Template::from_spec("tt", &spec);
    let p = params(&[("rev", "abc\\\"")]);
    let got = t.render(&p, "u1").unwrap();
    assert_eq!(got, t.render_textual(&p, "u1").unwrap());
    assert_eq!(got[0]["spec"]["params"][0]["value"], "abc\"");
    assert_eq!(got[0]["metadata"]["generateName"], "run-u1-");
    assert_eq!(
        got[1],
        serde_json::json!({"kind": "ConfigMap", "data": {"k": "v"}})
    );
}

/// Pieces of the raw (escaped) text of a JSON string in a template. A reference left
/// open (`$(tt.params.z`) is rare: it sends the whole text down the textual path.
fn piece() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        40 => prop::sample::select(vec![
            "a",
            "Zz",
            " ",
            "é",
            "😀",
            r"\n",
            r#"\""#,
            r"\\",
            r"\/",
            r"\u00e9",
            r"\ud83d\ude00",
            "$(tt.params.p)",
            "$(tt.params.q)",
            "$(tt.params.k)",
            "$(tt.params.missing)",
            "$(uid)",
            "$(",
            "$",
            ")",
            "(",
        ]),
        1 => Just("$(tt.params.z"),
    ]
}

fn string_literal() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 0..5).prop_map(|ps| format!("\"{}\"", ps.concat()))
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("\"a\"".to_string()),
        Just("\"b\"".to_string()),
        Just("\"$(tt.params.k)\"".to_string()),
        // With a value opening with `)`, makes the name `z":"`.
        Just("\"$(tt.params.z\"".to_string()),
        string_literal(),
    ]
}

/// Template texts: JSON with references in strings and keys; one in ten also has
/// references in place of values, which makes it invalid before substitution.
fn template_text() -> impl Strategy<Value = String> {
    prop_oneof![9 => json_text(false), 1 => json_text(true)]
}

fn json_text(bare_references: bool) -> impl Strategy<Value = String> {
    let bare = if bare_references { 2 } else { 0 };
    let leaf = prop_oneof![
        8 => string_literal(),
        1 => Just("\")v\"".to_string()),
        2 => "-?[0-9]{1,3}(\\.[0-9]{1,2})?",
        2 => prop::sample::select(vec!["true", "false", "null", "[]", "{}"]).prop_map(String::from),
        bare => Just("$(tt.params.p)".to_string()),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec((key(), inner), 0..4).prop_map(|members| {
                let members: Vec<String> = members
                    .into_iter()
                    .map(|(k, v)| format!("{k}:{v}"))
                    .collect();
                format!("{{{}}}", members.join(", "))
            }),
        ]
    })
}

/// Param values, most of them hostile to the JSON around them.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "",
            "plain",
            "\"",
            "\\",
            r#"\""#,
            r"\\",
            r"\u00e9",
            r"\ud83d",
            r"\ud83d\ude00",
            r"\udc00",
            r"\u12",
            r"\x",
            r"\n",
            "\n",
            "\u{1}",
            "\u{7f}",
            "$(",
            ")",
            "$(tt.params.q)",
            r#"{"k":1}"#,
            r#"1","b":"2"#,
            r#"x"}"#,
            "a",
            "b",
        ])
        .prop_map(String::from),
        "[a-z\"\\\\$(){}:,\n\u{1}é]{0,8}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    /// The fast render and the textual reference agree on everything.
    #[test]
    fn render_matches_textual_reference(
        text in template_text(),
        second in template_text(),
        p in value(),
        q in value(),
        k in value(),
        uid in prop::sample::select(vec!["u-1", "", "u\"1", "u\\", "$(tt.params.p)"]),
        old_escape in any::<bool>(),
    ) {
        let mut ps = BTreeMap::new();
        ps.insert("p".to_string(), p);
        ps.insert("q".to_string(), q);
        ps.insert("k".to_string(), k);
        // A name that a reference left open in one string reaches by running into the next.
        ps.insert("z\":\"".to_string(), "Z".to_string());
        let t = Template::from_raw("tt", Vec::new(), old_escape, vec![text, second]);
        let fast = as_text(t.render(&ps, uid));
        let reference = as_text(t.render_textual(&ps, uid));
        prop_assert_eq!(fast, reference);
    }
}
