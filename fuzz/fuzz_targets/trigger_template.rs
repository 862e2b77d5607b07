#![no_main]
//! Fuzz target `trigger_template` (trigger-bindings): arbitrary resource-template text and
//! an arbitrary param value (split at the first NUL byte), with and without Tekton's old
//! quote escaping; and the text parsed as a YAML stream of Triggers objects. Must never
//! panic, and `Template::render` must give exactly what the textual reference
//! (`render_textual`: substitute into the whole text, then parse) gives: the same values
//! in the same key order, or the same error; also under an output budget the render may
//! cross.
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeMap;
use trigger_bindings::{Resources, Template};

fuzz_target!(|data: &[u8]| {
    let (text, value) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b"va\"l$(x)"[..]),
    };
    let (Ok(text), Ok(value)) = (std::str::from_utf8(text), std::str::from_utf8(value)) else {
        return;
    };
    let mut params = BTreeMap::new();
    params.insert("p".to_string(), value.to_string());
    params.insert("q".to_string(), String::new());
    // A name that a reference left open at the end of one string reaches by running
    // into the next one.
    params.insert("p\":\"".to_string(), value.to_string());
    for old in [false, true] {
        let t = Template::from_raw("tt", Vec::new(), old, vec![text.to_string()]);
        for uid in ["uid", value] {
            // `Value`'s `Display` is its compact JSON, key order included (`==` on
            // objects ignores the order).
            let fast = t
                .render(&params, uid)
                .map(|values| values.iter().map(ToString::to_string).collect::<Vec<_>>());
            let reference = t
                .render_textual(&params, uid)
                .map(|values| values.iter().map(ToString::to_string).collect::<Vec<_>>());
            assert_eq!(
                fast, reference,
                "text {text:?}, value {value:?}, uid {uid:?}"
            );
            // A budget the render may cross: both refuse at the same resource template.
            let budget = text.len() + value.len() / 2;
            let fast = t
                .render_within(&params, uid, budget)
                .map(|values| values.iter().map(ToString::to_string).collect::<Vec<_>>());
            let reference = t
                .render_textual_within(&params, uid, budget)
                .map(|values| values.iter().map(ToString::to_string).collect::<Vec<_>>());
            assert_eq!(
                fast, reference,
                "text {text:?}, value {value:?}, uid {uid:?}, budget {budget}"
            );
        }
    }
    let _ = Resources::from_yaml("fuzz.yaml", text);
});
