//! Where kustomization trees are read from: the [`FileSystem`] trait, a root-restricted
//! [`DiskFs`] and an in-memory [`MemoryFs`].
//!
//! Paths are `/`-separated and relative to the file system's root; `""` is the root itself.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

/// Largest file the build reads (16 MiB).
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// A read-only tree of files that a build reads from.
pub trait FileSystem {
    /// The bytes of the file at `path`.
    fn read_file(&self, path: &str) -> io::Result<Vec<u8>>;
    /// The names (not paths) of the entries of the directory at `path`, sorted.
    fn list_dir(&self, path: &str) -> io::Result<Vec<String>>;
    /// Whether `path` is a directory.
    fn is_dir(&self, path: &str) -> bool;
    /// Whether `path` is a regular file.
    fn is_file(&self, path: &str) -> bool;
    /// What is at `path`: `Ok(None)` when nothing is, an error when the path cannot be
    /// looked at (it leads out of the file system's root, say). The default asks
    /// [`FileSystem::is_dir`] and [`FileSystem::is_file`].
    fn kind(&self, path: &str) -> io::Result<Option<FileKind>> {
        Ok(if self.is_dir(path) {
            Some(FileKind::Dir)
        } else if self.is_file(path) {
            Some(FileKind::File)
        } else {
            None
        })
    }
    /// The real path of `path` once symbolic links are followed, relative to the root and
    /// normalised; load restrictions are checked on it, as kustomize checks them after
    /// `EvalSymlinks`. The default (a file system without links) normalises lexically.
    fn real_path(&self, path: &str) -> io::Result<String> {
        normalize(path).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!("path {path:?} leaves the root"),
            )
        })
    }
    /// A directory of this file system holding the tree a remote resource URL names, if the
    /// host fetched it. The default refuses every remote resource.
    fn resolve_remote(&self, url: &str) -> Option<String> {
        let _ = url;
        None
    }
}

/// What an entry of a [`FileSystem`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// Something a build cannot read: a FIFO, socket or device (the word says which).
    Special(&'static str),
}

/// Normalises a relative path lexically: drops `.` and empty parts, resolves `..`.
/// Returns `None` when the path climbs above the root or is absolute.
pub fn normalize(path: &str) -> Option<String> {
    if path.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// Joins `rel` onto directory `dir` and normalises; `None` when it leaves the root.
pub fn join(dir: &str, rel: &str) -> Option<String> {
    if rel.starts_with('/') {
        return None;
    }
    if dir.is_empty() {
        normalize(rel)
    } else {
        normalize(&format!("{dir}/{rel}"))
    }
}

/// The directory holding `path` (`""` for a top-level entry).
pub fn parent(path: &str) -> &str {
    path.rfind('/').map_or("", |i| path.get(..i).unwrap_or(""))
}

/// The last component of `path`.
pub fn base_name(path: &str) -> &str {
    path.rfind('/')
        .map_or(path, |i| path.get(i + 1..).unwrap_or(""))
}

/// Whether `path` is `dir` itself or lies below it.
pub fn is_within(path: &str, dir: &str) -> bool {
    dir.is_empty()
        || path == dir
        || path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// Shows a path for messages (`.` for the root).
pub fn display(path: &str) -> &str {
    if path.is_empty() { "." } else { path }
}

/// Files on disk below one root directory; nothing outside the root is reachable, not even
/// through symbolic links.
#[derive(Debug, Clone)]
pub struct DiskFs {
    root: PathBuf,
}

impl DiskFs {
    /// A file system rooted at `root` (canonicalised).
    pub fn new(root: impl AsRef<Path>) -> io::Result<Self> {
        Ok(Self {
            root: root.as_ref().canonicalize()?,
        })
    }

    /// The canonical root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn resolve(&self, path: &str) -> io::Result<PathBuf> {
        let rel = normalize(path).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!("path {path:?} leaves the root"),
            )
        })?;
        let full = if rel.is_empty() {
            self.root.clone()
        } else {
            self.root.join(&rel)
        };
        let canon = full.canonicalize()?;
        if !canon.starts_with(&self.root) {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!("path {path:?} resolves outside the root"),
            ));
        }
        Ok(canon)
    }
}

impl FileSystem for DiskFs {
    fn read_file(&self, path: &str) -> io::Result<Vec<u8>> {
        let full = self.resolve(path)?;
        let meta = std::fs::metadata(&full)?;
        if !meta.is_file() {
            let what = if meta.is_dir() {
                "a directory".to_string()
            } else {
                format!("a {}", special_kind(&meta.file_type()))
            };
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{what}, not a regular file"),
            ));
        }
        if meta.len() > MAX_FILE_BYTES {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("file is larger than {MAX_FILE_BYTES} bytes"),
            ));
        }
        std::fs::read(full)
    }

    fn list_dir(&self, path: &str) -> io::Result<Vec<String>> {
        let full = self.resolve(path)?;
        let mut names = Vec::new();
        for entry in std::fs::read_dir(full)? {
            names.push(entry?.file_name().to_string_lossy().into_owned());
        }
        names.sort();
        Ok(names)
    }

    fn is_dir(&self, path: &str) -> bool {
        self.resolve(path).is_ok_and(|p| p.is_dir())
    }

    fn is_file(&self, path: &str) -> bool {
        self.resolve(path).is_ok_and(|p| p.is_file())
    }

    fn kind(&self, path: &str) -> io::Result<Option<FileKind>> {
        let full = match self.resolve(path) {
            Ok(p) => p,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let ft = std::fs::metadata(full)?.file_type();
        Ok(Some(if ft.is_dir() {
            FileKind::Dir
        } else if ft.is_file() {
            FileKind::File
        } else {
            FileKind::Special(special_kind(&ft))
        }))
    }

    fn real_path(&self, path: &str) -> io::Result<String> {
        let full = self.resolve(path)?;
        let rel = full.strip_prefix(&self.root).map_err(|_| {
            io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!("path {path:?} resolves outside the root"),
            )
        })?;
        Ok(rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"))
    }
}

#[cfg(unix)]
fn special_kind(ft: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    if ft.is_fifo() {
        "FIFO"
    } else if ft.is_socket() {
        "socket"
    } else if ft.is_block_device() || ft.is_char_device() {
        "device"
    } else {
        "special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_ft: &std::fs::FileType) -> &'static str {
    "special file"
}

/// Files held in memory, built from `(path, contents)` pairs; directories are implied by
/// the paths of the files they hold.
#[derive(Debug, Clone, Default)]
pub struct MemoryFs {
    files: BTreeMap<String, Vec<u8>>,
}

impl MemoryFs {
    /// An empty file system.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a file; the path is normalised, and one leaving the root is ignored.
    pub fn insert(&mut self, path: &str, contents: impl Into<Vec<u8>>) {
        if let Some(p) = normalize(path).filter(|p| !p.is_empty()) {
            self.files.insert(p, contents.into());
        }
    }
}

impl<P: AsRef<str>, C: Into<Vec<u8>>> FromIterator<(P, C)> for MemoryFs {
    fn from_iter<I: IntoIterator<Item = (P, C)>>(iter: I) -> Self {
        let mut fs = MemoryFs::new();
        for (p, c) in iter {
            fs.insert(p.as_ref(), c);
        }
        fs
    }
}

impl FileSystem for MemoryFs {
    fn read_file(&self, path: &str) -> io::Result<Vec<u8>> {
        let p = normalize(path).ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))?;
        self.files
            .get(&p)
            .cloned()
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))
    }

    fn list_dir(&self, path: &str) -> io::Result<Vec<String>> {
        let p = normalize(path).ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))?;
        if !self.is_dir(&p) {
            return Err(io::Error::from(io::ErrorKind::NotFound));
        }
        let prefix = if p.is_empty() {
            String::new()
        } else {
            format!("{p}/")
        };
        let mut names: Vec<String> = self
            .files
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter_map(|(k, _)| k.get(prefix.len()..)?.split('/').next().map(str::to_string))
            .collect();
        names.dedup();
        Ok(names)
    }

    fn is_dir(&self, path: &str) -> bool {
        let Some(p) = normalize(path) else {
            return false;
        };
        if p.is_empty() {
            return true;
        }
        let prefix = format!("{p}/");
        self.files
            .range(prefix.clone()..)
            .next()
            .is_some_and(|(k, _)| k.starts_with(&prefix))
    }

    fn is_file(&self, path: &str) -> bool {
        normalize(path).is_some_and(|p| self.files.contains_key(&p))
    }
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
    fn normalize_table() {
        for (input, want) in [
            ("a/b", Some("a/b")),
            ("./a//b/", Some("a/b")),
            ("a/../b", Some("b")),
            ("..", None),
            ("a/../../b", None),
            ("/etc/passwd", None),
            (".", Some("")),
        ] {
            assert_eq!(normalize(input).as_deref(), want, "{input}");
        }
    }

    #[test]
    fn memory_fs_dirs() {
        let fs: MemoryFs = [("a/b/c.yaml", "x"), ("a/d.yaml", "y")]
            .into_iter()
            .collect();
        assert!(fs.is_dir("a") && fs.is_dir("a/b") && fs.is_dir(""));
        assert!(!fs.is_dir("a/d.yaml") && fs.is_file("a/d.yaml"));
        assert_eq!(fs.list_dir("a").unwrap(), vec!["b", "d.yaml"]);
        assert!(fs.read_file("../a/d.yaml").is_err());
    }

    #[test]
    fn disk_fs_refuses_escape() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("root")).unwrap();
        std::fs::write(dir.path().join("secret"), "s").unwrap();
        std::fs::write(dir.path().join("root/ok"), "o").unwrap();
        let fs = DiskFs::new(dir.path().join("root")).unwrap();
        assert_eq!(fs.read_file("ok").unwrap(), b"o");
        assert!(fs.read_file("../secret").is_err());
        assert!(!fs.is_file("../secret"));
    }
}
