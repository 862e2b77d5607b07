//! Keeping the local executor's files inside its directories: every path it creates or opens
//! is a base it was given (its work directory, a bound workspace) plus a relative path with
//! no `..`, walked one component at a time with `symlink_metadata`, so that a symbolic link
//! planted by a step is never followed out.
//!
//! A step runs as the same OS user and can write anywhere that user can; what this prevents
//! is the executor itself being steered (by a `subPath`, a `workingDir`, a workspace name or
//! a planted link) into creating or reading files elsewhere.

use std::ffi::OsStr;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

/// The normal components of `rel`, or why `rel` would lead outside its base.
fn components<'a>(what: &str, base: &Path, rel: &'a Path) -> Result<Vec<&'a OsStr>, String> {
    let mut out = Vec::new();
    for c in rel.components() {
        match c {
            Component::Normal(name) => out.push(name),
            Component::CurDir => {}
            Component::ParentDir => {
                return Err(format!(
                    "{what} {:?} leads outside {}: '..' is not allowed",
                    rel.display().to_string(),
                    base.display()
                ));
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(format!(
                    "{what} {:?} is outside {}: an absolute path is not allowed",
                    rel.display().to_string(),
                    base.display()
                ));
            }
        }
    }
    Ok(out)
}

/// True when `name` is one plain path component (no separator, not `.` or `..`).
pub(crate) fn is_plain_name(name: &str) -> bool {
    let mut c = Path::new(name).components();
    matches!((c.next(), c.next()), (Some(Component::Normal(n)), None) if n == OsStr::new(name))
}

fn refuse_link(what: &str, p: &Path) -> String {
    format!(
        "{what}: {} is a symbolic link; refusing to follow it",
        p.display()
    )
}

/// Creates directory `base/rel` and the directories between, refusing an absolute `rel`, a
/// `..`, and any existing component that is a symbolic link or not a directory. `base` must
/// exist. `what` names the path in messages (e.g. `workspace "src" subPath`).
pub(crate) fn create_dir_within(what: &str, base: &Path, rel: &Path) -> Result<PathBuf, String> {
    let mut p = base.to_path_buf();
    for name in components(what, base, rel)? {
        p.push(name);
        let meta = match std::fs::symlink_metadata(&p) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => match std::fs::create_dir(&p) {
                Ok(()) => continue,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => std::fs::symlink_metadata(&p)
                    .map_err(|e| format!("{what}: {}: {e}", p.display()))?,
                Err(e) => return Err(format!("{what}: creating {}: {e}", p.display())),
            },
            Err(e) => return Err(format!("{what}: {}: {e}", p.display())),
        };
        if meta.file_type().is_symlink() {
            return Err(refuse_link(what, &p));
        }
        if !meta.is_dir() {
            return Err(format!("{what}: {} is not a directory", p.display()));
        }
    }
    Ok(p)
}

/// The existing regular file `dir/name` (`name` one plain component), or `None` when it is
/// missing, a symbolic link or not a regular file.
pub(crate) fn regular_file(dir: &Path, name: &str) -> Option<PathBuf> {
    if !is_plain_name(name) {
        return None;
    }
    let p = dir.join(name);
    let meta = std::fs::symlink_metadata(&p).ok()?;
    meta.file_type().is_file().then_some(p)
}

/// Writes a new file `dir/name` (`name` one plain component). Whatever is already at that
/// path is removed first (a symbolic link is removed, not followed), and the file is created
/// with `create_new`, so nothing that appears in between is written through.
pub(crate) fn write_new(dir: &Path, name: &str, contents: &[u8]) -> Result<PathBuf, String> {
    if !is_plain_name(name) {
        return Err(format!(
            "{name:?} is not a plain file name under {}",
            dir.display()
        ));
    }
    let p = dir.join(name);
    match std::fs::remove_file(&p) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("replacing {}: {e}", p.display())),
    }
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&p)
        .and_then(|mut f| f.write_all(contents))
        .map_err(|e| format!("writing {}: {e}", p.display()))?;
    Ok(p)
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
mod tests {
    use super::*;

    #[test]
    fn plain_names() {
        for (name, ok) in [
            ("a", true),
            ("a.b", true),
            ("", false),
            (".", false),
            ("..", false),
            ("a/b", false),
            ("/a", false),
            ("a/", false),
        ] {
            assert_eq!(is_plain_name(name), ok, "{name:?}");
        }
    }

    #[test]
    fn creates_inside_and_refuses_the_rest() {
        let tmp = tempfile::tempdir().unwrap();
        let base = tmp.path().join("base");
        std::fs::create_dir(&base).unwrap();
        let made = create_dir_within("x", &base, Path::new("a/./b")).unwrap();
        assert_eq!(made, base.join("a/b"));
        assert!(made.is_dir());
        for rel in ["../out", "a/../../out", "/abs"] {
            let err = create_dir_within("x", &base, Path::new(rel)).unwrap_err();
            assert!(err.contains("outside"), "{rel}: {err}");
        }
        std::fs::create_dir(tmp.path().join("out")).unwrap();
        std::os::unix::fs::symlink(tmp.path().join("out"), base.join("link")).unwrap();
        let err = create_dir_within("x", &base, Path::new("link/in")).unwrap_err();
        assert!(err.contains("symbolic link"), "{err}");
        assert!(!tmp.path().join("out/in").exists());
        // A planted link where a file is about to be written is replaced, not followed.
        std::fs::write(tmp.path().join("out/target"), "keep").unwrap();
        std::os::unix::fs::symlink(tmp.path().join("out/target"), base.join("f")).unwrap();
        write_new(&base, "f", b"new").unwrap();
        assert_eq!(
            std::fs::read_to_string(tmp.path().join("out/target")).unwrap(),
            "keep"
        );
        assert_eq!(std::fs::read_to_string(base.join("f")).unwrap(), "new");
        assert!(regular_file(&base, "f").is_some());
        assert!(regular_file(&base, "link").is_none());
        assert!(regular_file(&base, "../base/f").is_none());
    }
}
