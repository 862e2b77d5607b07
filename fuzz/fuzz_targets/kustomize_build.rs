#![no_main]
//! Fuzz target `kustomize_build` (kustomize-lite): a small in-memory tree whose files come
//! from the input (split on NUL bytes: overlay kustomization, base kustomization, two
//! resource files, a patch) must build or fail with an error, never panic.
use kustomize_lite::MemoryFs;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.split(|b| *b == 0);
    let names = [
        "overlay/kustomization.yaml",
        "base/kustomization.yaml",
        "base/a.yaml",
        "base/b.yaml",
        "overlay/patch.yaml",
    ];
    let mut fs = MemoryFs::new();
    for name in names {
        match parts.next() {
            Some(p) => fs.insert(name, p.to_vec()),
            None => break,
        }
    }
    if let Ok(objs) = kustomize_lite::build(&fs, "overlay") {
        let _ = kustomize_lite::yaml::emit_stream(&objs);
    }
});
