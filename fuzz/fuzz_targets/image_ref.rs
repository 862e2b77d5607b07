#![no_main]
//! Fuzz target `image_ref` (image-policy): parsing never panics and a parsed reference
//! prints back to the same text and parses again.
use image_policy::ImageRef;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(r) = ImageRef::parse(text) {
        assert_eq!(r.to_string(), text);
        let again = ImageRef::parse(&r.to_string()).ok();
        assert_eq!(again.as_ref(), Some(&r));
        let _ = (r.registry(), r.repository(), r.canonical_name());
    }
});
