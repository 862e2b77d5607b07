//! Laws of the YAML layer: what the writer prints, the reader reads back as the same
//! objects (up to kustomize's own number normalisation: an integral float prints as an
//! integer), and writing is deterministic and idempotent.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use kustomize_lite::yaml::{EmitOptions, KeyOrder, emit_stream, emit_stream_with, parse_stream};
use proptest::prelude::*;
use serde_json::{Map, Number, Value};

/// Characters chosen to hit every quoting rule. Left out: NEL, LS and PS, which the writer
/// prints raw (as kustomize does) but a YAML 1.2 reader does not take as line breaks.
fn text() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "a",
        "Z",
        "x1",
        " ",
        "  ",
        ":",
        ": ",
        "#",
        " #",
        "-",
        "- ",
        "'",
        "\"",
        "\\",
        "\n",
        "\t",
        "\r",
        "é",
        "\u{a0}",
        "😀",
        "\u{feff}",
        "\u{1}",
        "\u{7f}",
        "yes",
        "on",
        "n",
        "1",
        "0",
        "07",
        ".",
        "e3",
        "*",
        "&",
        "!",
        "|",
        ">",
        "%",
        "@",
        "`",
        ",",
        "[",
        "]",
        "{",
        "}",
        "?",
        "~",
        "null",
        "true",
        "2020-01-01",
        "1:20",
        "0x1F",
        "1.0",
        "---",
        "...",
        "lorem ",
        "consectetur adipiscing elit sed do eiusmod tempor ",
    ]);
    prop::collection::vec(pieces, 0..12).prop_map(|v| v.concat())
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| Number::from_f64(f).map_or(Value::Null, Value::Number)),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((text(), inner), 0..5)
                .prop_map(|entries| Value::Object(object(entries))),
        ]
    })
}

/// A mapping; `<<` is the merge key when plain, so it is not used as a key here.
fn object(entries: Vec<(String, Value)>) -> Map<String, Value> {
    entries.into_iter().filter(|(k, _)| k != "<<").collect()
}

fn documents() -> impl Strategy<Value = Vec<Value>> {
    prop::collection::vec(
        prop::collection::vec((text(), value()), 0..6)
            .prop_map(|entries| Value::Object(object(entries))),
        0..4,
    )
}

/// kustomize's number normalisation: an integral float below 1e21 that fits 64 bits is
/// printed (and so read back) as an integer.
fn normalise(v: &Value) -> Value {
    match v {
        Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap();
            let text = emit_stream(&[Value::Number(n.clone())]);
            match text.trim_end().parse::<i64>() {
                Ok(i) if f.fract() == 0.0 => Value::from(i),
                _ => match text.trim_end().parse::<u64>() {
                    Ok(u) if f.fract() == 0.0 => Value::from(u),
                    _ => v.clone(),
                },
            }
        }
        Value::Array(items) => Value::Array(items.iter().map(normalise).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), normalise(v))).collect())
        }
        other => other.clone(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn written_streams_read_back_as_the_same_objects(docs in documents()) {
        let text = emit_stream(&docs);
        let back = parse_stream(&text, "generated.yaml")
            .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        let want: Vec<Value> = docs.iter().map(normalise).collect();
        prop_assert_eq!(back, want, "text:\n{}", text);
    }

    #[test]
    fn writing_is_idempotent(docs in documents()) {
        let once = emit_stream(&docs);
        let twice = emit_stream(&parse_stream(&once, "once.yaml").unwrap());
        prop_assert_eq!(&once, &twice);
    }

    #[test]
    fn key_order_as_held_reads_back_in_the_same_order(docs in documents()) {
        let text = emit_stream_with(&docs, EmitOptions::default().with_key_order(KeyOrder::AsHeld));
        let back = parse_stream(&text, "held.yaml").unwrap();
        let keys = |v: &Vec<Value>| -> Vec<Vec<String>> {
            v.iter().map(|d| d.as_object().unwrap().keys().cloned().collect()).collect()
        };
        prop_assert_eq!(keys(&back), keys(&docs));
    }
}
