#![no_main]
//! Fuzz target `pipeline_substitution` (pipeline-core): reference scanning, parsing and
//! substitution on arbitrary strings. Nothing may panic; substitution with nothing known is
//! the identity, and every reference found lies inside the string.
use libfuzzer_sys::fuzz_target;
use pipeline_core::ParamValue;
use pipeline_core::substitute::{
    MapLookup, isolated, parse, references, resolve_value, substitute,
};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let empty = MapLookup::default();
    assert_eq!(substitute(text, &empty), text);
    for r in references(text) {
        assert!(r.start < r.end && r.end <= text.len());
        assert_eq!(
            text.get(r.start..r.end),
            Some(format!("$({})", r.expr).as_str())
        );
        let _ = parse(r.expr);
    }
    if let Some(r) = isolated(text) {
        assert_eq!((r.start, r.end), (0, text.len()));
    }
    let mut lookup = MapLookup::default();
    lookup
        .params
        .insert("s".into(), ParamValue::String("value".into()));
    lookup
        .params
        .insert("a".into(), ParamValue::Array(vec!["x".into(), "y".into()]));
    lookup.params.insert(
        "o".into(),
        ParamValue::Object([("k".to_string(), "v".to_string())].into()),
    );
    lookup.results.insert(
        "t".into(),
        [("r".to_string(), ParamValue::String("res".into()))].into(),
    );
    lookup
        .other
        .insert("context.pipelineRun.name".into(), "run".into());
    let out = substitute(text, &lookup);
    // Replacement values hold no `$`, so nothing the lookup knows survives a pass... except
    // references hidden inside a longer one; either way a second pass must not panic.
    let _ = substitute(&out, &lookup);
    let _ = resolve_value(&ParamValue::String(text.to_string()), &lookup);
    let _ = resolve_value(
        &ParamValue::Array(text.split(' ').map(str::to_string).collect()),
        &lookup,
    );
});
