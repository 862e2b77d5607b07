#![no_main]
//! Fuzz target `json_body` (trigger-bindings): the request-body scanner and its index
//! against serde_json. Both must accept and reject the same bytes, and an accepted body
//! must decode through the index to serde_json's value (numbers as float64). Two known,
//! deliberate differences are allowed: lone UTF-16 surrogates in `\u` escapes (Go accepts
//! them, serde_json does not) and serde_json's own nesting limit.
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use trigger_bindings::fuzzing::decode_body;

/// Equal values, numbers compared as float64 within an ulp or two (serde_json's default
/// float parser is not always correctly rounded), objects in the same key order.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (
                x.as_f64().unwrap_or(f64::NAN),
                y.as_f64().unwrap_or(f64::NAN),
            );
            x == y || (x - y).abs() <= 4.0 * f64::EPSILON * x.abs().max(y.abs())
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((ka, va), (kb, vb))| ka == kb && same(va, vb))
        }
        _ => a == b,
    }
}

fuzz_target!(|data: &[u8]| {
    let ours = decode_body(data, 512);
    let theirs = serde_json::from_slice::<Value>(data);
    match (ours, theirs) {
        (Ok(a), Ok(b)) => assert!(
            same(&a, &b),
            "{a} != {b} for {:?}",
            String::from_utf8_lossy(data)
        ),
        (Err(_), Err(_)) => {}
        (Ok(_), Err(e)) => {
            let m = e.to_string();
            assert!(
                m.contains("surrogate") || m.contains("escape") || m.contains("recursion limit"),
                "accepted what serde_json rejects ({m}): {:?}",
                String::from_utf8_lossy(data)
            );
        }
        (Err(e), Ok(_)) => panic!(
            "rejected ({e}) what serde_json accepts: {:?}",
            String::from_utf8_lossy(data)
        ),
    }
});
