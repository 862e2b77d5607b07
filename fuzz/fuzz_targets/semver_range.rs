#![no_main]
//! Fuzz target `semver_range` (image-policy): the constraint and version parsers, and
//! matching, never panic.
use image_policy::semver_range::{Constraint, parse_tag_version, parse_version};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (range, version) = text.split_once('\n').unwrap_or((text, "1.2.3"));
    let _ = parse_tag_version(version);
    if let (Ok(c), Ok(v)) = (Constraint::parse(range), parse_version(version)) {
        let _ = c.matches(&v);
        let _ = Constraint::parse(&c.to_string());
    }
});
