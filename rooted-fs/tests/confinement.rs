//! Real directories with hostile layouts: symlinks out of the tree in every position, planted
//! temporary names, FIFOs, loops.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;

use rooted_fs::{EntryKind, Root, WriteOptions};

const MAX: u64 = 1 << 20;

/// A tree `root/` beside an `outside/` directory holding `secret.yaml`.
fn layout() -> (tempfile::TempDir, Root) {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("root/sub")).unwrap();
    fs::create_dir_all(dir.path().join("outside/sub")).unwrap();
    fs::write(dir.path().join("outside/secret.yaml"), "secret\n").unwrap();
    fs::write(dir.path().join("outside/sub/a.yaml"), "outside\n").unwrap();
    fs::write(dir.path().join("root/sub/a.yaml"), "inside\n").unwrap();
    let root = Root::open(dir.path().join("root")).unwrap();
    (dir, root)
}

fn unchanged_outside(dir: &Path) {
    assert_eq!(
        fs::read_to_string(dir.join("outside/secret.yaml")).unwrap(),
        "secret\n"
    );
    assert_eq!(
        fs::read_to_string(dir.join("outside/sub/a.yaml")).unwrap(),
        "outside\n"
    );
    let names: Vec<_> = fs::read_dir(dir.join("outside/sub")).unwrap().collect();
    assert_eq!(names.len(), 1, "nothing new outside the tree");
}

#[test]
fn a_symlinked_middle_directory_out_of_the_tree_is_refused() {
    let (dir, root) = layout();
    symlink(dir.path().join("outside"), dir.path().join("root/linkdir")).unwrap();
    let e = root
        .read("linkdir/sub/a.yaml", MAX)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("symbolic link \"linkdir\" points outside the tree"),
        "{e}"
    );
    let e = root
        .write_atomic("linkdir/sub/a.yaml", b"pwned\n", &WriteOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("outside the tree"), "{e}");
    assert!(root.list_dir("linkdir").is_err());
    unchanged_outside(dir.path());
}

#[test]
fn relative_links_that_climb_out_are_refused_and_those_inside_followed() {
    let (dir, root) = layout();
    symlink("../outside/secret.yaml", dir.path().join("root/up.yaml")).unwrap();
    symlink("../../outside", dir.path().join("root/sub/deep")).unwrap();
    symlink("sub/a.yaml", dir.path().join("root/alias.yaml")).unwrap();
    symlink("../sub", dir.path().join("root/sub/self")).unwrap();
    let e = root.read("up.yaml", MAX).unwrap_err().to_string();
    assert!(e.contains("\"up.yaml\" points outside the tree"), "{e}");
    let e = root
        .read("sub/deep/secret.yaml", MAX)
        .unwrap_err()
        .to_string();
    assert!(e.contains("\"sub/deep\" points outside"), "{e}");
    assert_eq!(root.read("alias.yaml", MAX).unwrap(), b"inside\n");
    assert_eq!(root.read("sub/self/self/a.yaml", MAX).unwrap(), b"inside\n");
    assert_eq!(
        root.real_path("sub/self/a.yaml").unwrap(),
        Path::new("sub/a.yaml")
    );
    // Writing through an in-tree link writes its target, and keeps the link.
    root.write_atomic("alias.yaml", b"new\n", &WriteOptions::default())
        .unwrap();
    assert_eq!(
        fs::read_to_string(dir.path().join("root/sub/a.yaml")).unwrap(),
        "new\n"
    );
    assert!(
        fs::symlink_metadata(dir.path().join("root/alias.yaml"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let e = root
        .write_atomic("up.yaml", b"pwned\n", &WriteOptions::default())
        .unwrap_err();
    assert!(e.to_string().contains("outside the tree"), "{e}");
    unchanged_outside(dir.path());
}

#[test]
fn absolute_links_count_only_when_they_name_the_tree() {
    let (dir, root) = layout();
    let real_root = dir.path().join("root").canonicalize().unwrap();
    symlink(real_root.join("sub"), dir.path().join("root/abs-in")).unwrap();
    symlink("/etc", dir.path().join("root/abs-out")).unwrap();
    assert_eq!(root.read("abs-in/a.yaml", MAX).unwrap(), b"inside\n");
    let e = root.read("abs-out/passwd", MAX).unwrap_err().to_string();
    assert!(
        e.contains("\"abs-out\" points outside the tree (to \"/etc\")"),
        "{e}"
    );
}

#[test]
fn dot_dot_never_climbs_above_the_root() {
    let (dir, root) = layout();
    let e = root
        .read("../outside/secret.yaml", MAX)
        .unwrap_err()
        .to_string();
    assert!(e.contains("leaves the tree"), "{e}");
    let e = root
        .read("sub/../../outside/secret.yaml", MAX)
        .unwrap_err()
        .to_string();
    assert!(e.contains("leaves the tree"), "{e}");
    assert!(
        root.read("/etc/passwd", MAX)
            .unwrap_err()
            .to_string()
            .contains("absolute")
    );
    assert_eq!(root.read("sub/../sub/a.yaml", MAX).unwrap(), b"inside\n");
    let e = root
        .write_atomic(
            "../outside/sub/x.yaml",
            b"x",
            &WriteOptions::default().create_parents(true),
        )
        .unwrap_err();
    assert!(e.to_string().contains("leaves the tree"));
    unchanged_outside(dir.path());
}

#[test]
fn a_planted_temporary_name_is_never_written_through() {
    let (dir, root) = layout();
    // Whatever name the old writer used (`.NAME.tmp-PID`), and any other hidden name: the
    // writer creates a new file and never opens an existing one.
    let pid = std::process::id();
    symlink(
        dir.path().join("outside/secret.yaml"),
        dir.path().join(format!("root/sub/.a.yaml.tmp-{pid}")),
    )
    .unwrap();
    for i in 0..50 {
        symlink(
            dir.path().join("outside/secret.yaml"),
            dir.path().join(format!("root/sub/.a.yaml.{i:016x}.tmp")),
        )
        .unwrap();
    }
    root.write_atomic("sub/a.yaml", b"rewritten\n", &WriteOptions::default())
        .unwrap();
    assert_eq!(
        fs::read_to_string(dir.path().join("root/sub/a.yaml")).unwrap(),
        "rewritten\n"
    );
    unchanged_outside(dir.path());
    // No temporary file is left behind (the 51 planted links are all that is extra).
    assert_eq!(
        fs::read_dir(dir.path().join("root/sub")).unwrap().count(),
        52
    );
}

#[test]
fn fifos_and_directories_are_named_not_opened() {
    let (dir, root) = layout();
    let fifo = dir.path().join("root/pipe.yaml");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    let e = root.read("pipe.yaml", MAX).unwrap_err().to_string();
    assert!(
        e.contains("\"pipe.yaml\" is a FIFO, not a regular file"),
        "{e}"
    );
    let e = root
        .write_atomic("pipe.yaml", b"x", &WriteOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("FIFO"), "{e}");
    let e = root.read("sub", MAX).unwrap_err().to_string();
    assert!(
        e.contains("\"sub\" is a directory, not a regular file"),
        "{e}"
    );
    assert_eq!(root.kind("pipe.yaml").unwrap(), Some(EntryKind::Fifo));
    assert_eq!(root.kind("nothing").unwrap(), None);
    let e = root.read("sub/a.yaml/x", MAX).unwrap_err().to_string();
    assert!(e.contains("not a directory"), "{e}");
}

#[test]
fn symlink_loops_end_with_a_message() {
    let (dir, root) = layout();
    symlink("b", dir.path().join("root/a")).unwrap();
    symlink("a", dir.path().join("root/b")).unwrap();
    let e = root.read("a", MAX).unwrap_err().to_string();
    assert!(e.contains("more than 40 symbolic links"), "{e}");
}

#[test]
fn listing_reports_links_without_following_them() {
    let (dir, root) = layout();
    symlink(dir.path().join("outside"), dir.path().join("root/linkdir")).unwrap();
    let list = root.list_dir("").unwrap();
    let names: Vec<_> = list
        .iter()
        .map(|(n, k)| (n.to_string_lossy().into_owned(), *k))
        .collect();
    assert_eq!(
        names,
        vec![
            ("linkdir".to_string(), EntryKind::Symlink),
            ("sub".to_string(), EntryKind::Dir)
        ]
    );
}

#[test]
fn writes_create_parents_keep_modes_and_respect_size_limits() {
    use std::os::unix::fs::PermissionsExt as _;
    let (dir, root) = layout();
    let p = dir.path().join("root/sub/a.yaml");
    fs::set_permissions(&p, fs::Permissions::from_mode(0o640)).unwrap();
    root.write_atomic("sub/a.yaml", b"v2\n", &WriteOptions::default())
        .unwrap();
    assert_eq!(
        fs::metadata(&p).unwrap().permissions().mode() & 0o7777,
        0o640
    );
    root.write_atomic(
        "x/y/z.yaml",
        b"z\n",
        &WriteOptions::default().create_parents(true).mode(0o600),
    )
    .unwrap();
    assert_eq!(
        fs::metadata(dir.path().join("root/x/y/z.yaml"))
            .unwrap()
            .permissions()
            .mode()
            & 0o7777,
        0o600
    );
    assert!(
        root.write_atomic("q/z.yaml", b"z\n", &WriteOptions::default())
            .is_err()
    );
    let e = root.read("sub/a.yaml", 2).unwrap_err().to_string();
    assert!(e.contains("larger than 2 bytes"), "{e}");
    assert!(root.remove_file("x/y/z.yaml").unwrap());
    assert!(!root.remove_file("x/y/z.yaml").unwrap());
    // Removing a link removes the link, not what it points at.
    symlink(
        dir.path().join("outside/secret.yaml"),
        dir.path().join("root/l"),
    )
    .unwrap();
    assert!(root.remove_file("l").unwrap());
    unchanged_outside(dir.path());
}
