//! `--set`, `--set-string` and `--set-json` strings against Helm v4.3.2's own `strvals`:
//! the inputs are those of Helm's `parser_test.go` (plus a few edge cases of ours), the
//! expected maps and error texts in `tests/data/strvals.json` are what Helm's
//! `strvals.Parse`, `ParseString` and `ParseJSON` returned for them, run here.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use helm_lite::strvals::{Kind, parse_into};
use helm_lite::{Map, Value};

fn to_json(m: Map) -> serde_json::Value {
    serde_json::from_str(&helm_lite::yaml::to_json(&Value::map(m))).unwrap()
}

#[test]
fn set_strings_parse_as_helm_parses_them() {
    let cases: Vec<serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/strvals.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert!(cases.len() > 60);
    let mut checked = 0;
    for c in &cases {
        let input = c["in"].as_str().unwrap();
        for (field, kind) in [
            ("set", Kind::Typed),
            ("setString", Kind::String),
            ("setJson", Kind::Json),
        ] {
            let want = &c[field];
            let mut m = Map::new();
            let got = parse_into(input, &mut m, kind);
            match (want.get("err").and_then(|e| e.as_str()), got) {
                (Some(e), Err(g)) => {
                    // Go's encoding/json words its syntax errors its own way.
                    let decoder = kind == Kind::Json
                        && (e.starts_with("invalid character")
                            || e.starts_with("unexpected EOF")
                            || e.starts_with("json:"));
                    if !decoder {
                        assert_eq!(g, e, "{field} {input:?}");
                    }
                }
                (Some(e), Ok(())) => panic!("{field} {input:?}: want error {e:?}, got {m:?}"),
                (None, Err(g)) => panic!("{field} {input:?}: unexpected error {g}"),
                (None, Ok(())) => {
                    let ok = want.get("ok").cloned().unwrap_or(serde_json::json!({}));
                    assert_eq!(to_json(m), ok, "{field} {input:?}");
                }
            }
            checked += 1;
        }
    }
    assert_eq!(checked, cases.len() * 3);
}

#[test]
fn set_merges_into_earlier_values() {
    // Helm's TestParseInto: later strings land in the map earlier ones built.
    let mut m = Map::new();
    parse_into("outer.inner1=value1,outer.inner3[0]=x", &mut m, Kind::Typed).unwrap();
    parse_into("outer.inner2=value2,outer.inner3[1]=y", &mut m, Kind::Typed).unwrap();
    assert_eq!(
        to_json(m),
        serde_json::json!({"outer": {"inner1": "value1", "inner2": "value2", "inner3": ["x", "y"]}})
    );
}
