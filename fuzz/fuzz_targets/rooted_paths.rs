#![no_main]
//! Fuzz target `rooted_paths` (rooted-fs): whatever relative path is asked for, in a tree
//! full of symbolic links (into the tree, out of it, absolute, looping, through `..`), no
//! read returns the bytes of a file outside the tree and no write lands outside it.
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rooted_fs::{Root, WriteOptions};

const SECRET: &[u8] = b"OUTSIDE-SECRET";

struct Fixture {
    _dir: PathBuf,
    outside: PathBuf,
    root: Root,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("rooted-fuzz-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let root = dir.join("root");
        let outside = dir.join("outside");
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::create_dir_all(outside.join("d")).unwrap();
        std::fs::write(outside.join("s"), SECRET).unwrap();
        std::fs::write(outside.join("d/s"), SECRET).unwrap();
        std::fs::write(root.join("a/f"), b"inside").unwrap();
        symlink(&outside, root.join("out")).unwrap();
        symlink("../../outside", root.join("a/up")).unwrap();
        symlink("../..", root.join("a/b/top")).unwrap();
        symlink("b", root.join("a/l")).unwrap();
        symlink("/", root.join("slash")).unwrap();
        symlink("loop", root.join("loop")).unwrap();
        symlink(root.join("a"), root.join("abs")).unwrap();
        symlink("../outside/s", root.join("a/../file-out")).unwrap();
        let root_handle = Root::open(&root).unwrap();
        Fixture { _dir: dir, outside, root: root_handle }
    })
}

fn outside_untouched(outside: &Path) {
    assert_eq!(std::fs::read(outside.join("s")).unwrap(), SECRET);
    assert_eq!(std::fs::read(outside.join("d/s")).unwrap(), SECRET);
    assert_eq!(std::fs::read_dir(outside).unwrap().count(), 2);
    assert_eq!(std::fs::read_dir(outside.join("d")).unwrap().count(), 1);
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if text.len() > 512 || text.contains('\0') {
        return;
    }
    let f = fixture();
    let mut chars = text.chars();
    let op = chars.next().unwrap_or(' ');
    let path = chars.as_str();
    if let Ok(bytes) = f.root.read(path, 1 << 16) {
        assert_ne!(bytes, SECRET, "read {path:?} returned a file from outside the tree");
    }
    let _ = f.root.kind(path);
    let _ = f.root.list_dir(path);
    let _ = f.root.real_path(path);
    match op {
        'w' => {
            let _ = f.root.write_atomic(path, b"x", &WriteOptions::default().create_parents(true));
        }
        'd' => {
            let _ = f.root.create_dir_all(path);
        }
        'r' => {
            let _ = f.root.remove_file(path);
        }
        _ => {}
    }
    outside_untouched(&f.outside);
});
