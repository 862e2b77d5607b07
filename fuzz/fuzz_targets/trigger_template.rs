#![no_main]
//! Fuzz target `trigger_template` (trigger-bindings): arbitrary resource-template text and
//! an arbitrary param value (split at the first NUL byte), with and without Tekton's old
//! quote escaping; and the text parsed as a YAML stream of Triggers objects. Must never
//! panic.
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
    for old in [false, true] {
        let t = Template::from_raw("tt", Vec::new(), old, vec![text.to_string()]);
        let _ = t.render(&params, "uid");
    }
    let _ = Resources::from_yaml("fuzz.yaml", text);
});
