#![no_main]
//! Fuzz target `image_policy_select` (image-policy): any policy (semver range, alphabetical,
//! numerical, `filterTags` pattern and extract template) over any tags either selects or
//! fails with an error, never panics, hangs or grows without bound, and a selected tag is
//! one of the tags.
use image_policy::{Order, Policy};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut lines = text.split('\n');
    let head = lines.next().unwrap_or("");
    let pattern = lines.next().unwrap_or("");
    let extract = lines.next().unwrap_or("");
    let tags: Vec<&str> = lines.collect();
    let mut chars = head.chars();
    let kind = chars.next().unwrap_or(' ');
    let rest = chars.as_str();
    let policy = match kind {
        's' => Policy::semver(rest),
        'a' => Ok(Policy::alphabetical(Order::Asc)),
        'A' => Ok(Policy::alphabetical(Order::Desc)),
        'n' => Ok(Policy::numerical(Order::Asc)),
        _ => Ok(Policy::numerical(Order::Desc)),
    };
    let Ok(policy) = policy else { return };
    let policy = if pattern.is_empty() {
        policy
    } else {
        match policy.with_filter(pattern, extract) {
            Ok(p) => p,
            Err(_) => return,
        }
    };
    if let Ok(Some(tag)) = policy.select(&tags) {
        assert!(tags.contains(&tag.as_str()), "selected {tag:?}, not one of the tags");
    }
});
