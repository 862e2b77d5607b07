//! File access confined to one directory tree.
//!
//! A [`Root`] is an open directory. Every path given to it is relative to that directory and
//! is walked one component at a time from the directory's handle (`openat` with
//! `O_NOFOLLOW`), so nothing the tree holds can lead a read or a write outside it:
//!
//! - a symbolic link is followed only while its target stays inside the tree; a link that
//!   points out (absolutely, or by `..` past the root) is an error naming the link and its
//!   target, in a middle component as in the last;
//! - `..` never climbs above the root;
//! - reads and writes accept regular files only: a FIFO, socket or device is an error saying
//!   what it is (opened non-blocking, so a FIFO cannot hang the reader);
//! - writes are atomic: a temporary file with an unpredictable name is created with
//!   create-new semantics (`O_CREAT | O_EXCL | O_NOFOLLOW`) in the target's real directory,
//!   written, then renamed over the target, so a planted file or symlink under any name the
//!   writer might use is never written through, and readers see the old bytes or the new,
//!   never a part. On Linux the directory's real path is checked again after it is opened
//!   (`/proc/self/fd`), so a directory moved out of the tree meanwhile is refused too.
//!
//! What it does not do: it does not protect against a process that can already write
//! outside the tree, and it does not fsync (durability is left to whoever commits the tree).
//! On other than Unix systems the same rules are applied by path, without handles, and
//! every symbolic link is refused.
//!
//! ```
//! # fn main() -> std::io::Result<()> {
//! let dir = tempfile::tempdir()?;
//! let root = rooted_fs::Root::open(dir.path())?;
//! let create = rooted_fs::WriteOptions::default().create_parents(true);
//! root.write_atomic("apps/web.yaml", b"kind: Deployment\n", &create)?;
//! assert_eq!(root.read("apps/web.yaml", 1 << 20)?, b"kind: Deployment\n");
//! assert!(root.read("../etc/passwd", 1 << 20).is_err());
//! # Ok(()) }
//! ```

use std::ffi::OsString;
use std::io;
use std::path::{Component, Path, PathBuf};

#[cfg(unix)]
mod unix;
#[cfg(unix)]
use unix as imp;

#[cfg(not(unix))]
mod portable;
#[cfg(not(unix))]
use portable as imp;

/// The most symbolic links one path may go through (as Linux's `MAXSYMLINKS`).
pub const MAX_SYMLINKS: usize = 40;

/// What an entry of the tree is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EntryKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link (only reported by [`Root::list_dir`], which does not follow links).
    Symlink,
    /// A named pipe.
    Fifo,
    /// A Unix socket.
    Socket,
    /// A block or character device.
    Device,
    /// Anything else.
    Other,
}

impl EntryKind {
    /// A word for messages: "regular file", "directory", "FIFO" ...
    pub fn describe(self) -> &'static str {
        match self {
            EntryKind::File => "regular file",
            EntryKind::Dir => "directory",
            EntryKind::Symlink => "symbolic link",
            EntryKind::Fifo => "FIFO",
            EntryKind::Socket => "socket",
            EntryKind::Device => "device",
            EntryKind::Other => "special file",
        }
    }
}

/// Options of [`Root::write_atomic`].
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct WriteOptions {
    /// Permission bits of the new file; `None` keeps those of the file replaced, or gives a
    /// new file `0o666` less the umask.
    pub mode: Option<u32>,
    /// Create missing parent directories (inside the tree).
    pub create_parents: bool,
}

impl WriteOptions {
    /// Sets [`WriteOptions::mode`].
    pub fn mode(mut self, mode: u32) -> Self {
        self.mode = Some(mode);
        self
    }

    /// Sets [`WriteOptions::create_parents`].
    pub fn create_parents(mut self, yes: bool) -> Self {
        self.create_parents = yes;
        self
    }
}

/// An open directory; every operation stays inside it (see the crate documentation).
#[derive(Debug)]
pub struct Root {
    inner: imp::Root,
    path: PathBuf,
}

impl Root {
    /// Opens `path` (which may itself be reached through symbolic links: the tree is what it
    /// names now) as the root of a tree.
    pub fn open(path: impl AsRef<Path>) -> io::Result<Root> {
        let path = path
            .as_ref()
            .canonicalize()
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.as_ref().display())))?;
        let inner = imp::Root::open(&path)?;
        Ok(Root { inner, path })
    }

    /// The root's real path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The real path, relative to the root, of the entry `rel` names once every symbolic
    /// link on the way is followed (`""` for the root). The entry itself need not exist, but
    /// its parent must.
    pub fn real_path(&self, rel: impl AsRef<Path>) -> io::Result<PathBuf> {
        self.inner.real_path(&self.path, rel.as_ref())
    }

    /// What `rel` is, following symbolic links inside the tree; `None` when nothing is there.
    pub fn kind(&self, rel: impl AsRef<Path>) -> io::Result<Option<EntryKind>> {
        self.inner.kind(&self.path, rel.as_ref())
    }

    /// The entries of the directory `rel`, sorted by name, each with its own kind (symbolic
    /// links are reported as [`EntryKind::Symlink`], not followed).
    pub fn list_dir(&self, rel: impl AsRef<Path>) -> io::Result<Vec<(OsString, EntryKind)>> {
        let mut entries = self.inner.list_dir(&self.path, rel.as_ref())?;
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(entries)
    }

    /// The bytes of the regular file `rel`, at most `max_bytes` of them (more is an error).
    pub fn read(&self, rel: impl AsRef<Path>, max_bytes: u64) -> io::Result<Vec<u8>> {
        self.inner
            .read(&self.path, rel.as_ref(), max_bytes)
            .map(|(bytes, _)| bytes)
    }

    /// [`Root::read`], with the file's permission bits.
    pub fn read_with_mode(
        &self,
        rel: impl AsRef<Path>,
        max_bytes: u64,
    ) -> io::Result<(Vec<u8>, u32)> {
        self.inner.read(&self.path, rel.as_ref(), max_bytes)
    }

    /// Replaces (or creates) the regular file `rel` with `bytes`, atomically. A symbolic link
    /// at `rel` that stays inside the tree is written through to its target; one leading out
    /// is an error.
    pub fn write_atomic(
        &self,
        rel: impl AsRef<Path>,
        bytes: &[u8],
        options: &WriteOptions,
    ) -> io::Result<()> {
        self.inner
            .write_atomic(&self.path, rel.as_ref(), bytes, options)
    }

    /// Creates the directory `rel` and its missing parents.
    pub fn create_dir_all(&self, rel: impl AsRef<Path>) -> io::Result<()> {
        self.inner.create_dir_all(&self.path, rel.as_ref())
    }

    /// Removes the file `rel` (a symbolic link is removed itself, not its target); `false`
    /// when there was none.
    pub fn remove_file(&self, rel: impl AsRef<Path>) -> io::Result<bool> {
        self.inner.remove_file(&self.path, rel.as_ref())
    }
}

/// The components of a relative path: `Normal` names and `..` (as `None`); `.` dropped.
/// Absolute paths are refused.
fn components(rel: &Path) -> io::Result<Vec<Option<OsString>>> {
    let mut out = Vec::new();
    for c in rel.components() {
        match c {
            Component::Normal(n) => out.push(Some(n.to_os_string())),
            Component::ParentDir => out.push(None),
            Component::CurDir => {}
            Component::RootDir | Component::Prefix(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::PermissionDenied,
                    format!(
                        "path {:?} is absolute; only paths inside the tree are allowed",
                        rel.display().to_string()
                    ),
                ));
            }
        }
    }
    Ok(out)
}

fn leaves_tree(rel: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::PermissionDenied,
        format!("path {:?} leaves the tree", rel.display().to_string()),
    )
}

fn link_escapes(link: &Path, target: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::PermissionDenied,
        format!(
            "symbolic link {:?} points outside the tree (to {:?})",
            shown(link),
            target.display().to_string()
        ),
    )
}

fn too_many_links(rel: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "path {:?} goes through more than {MAX_SYMLINKS} symbolic links (a loop?)",
            rel.display().to_string()
        ),
    )
}

fn not_a_dir(at: &Path, kind: EntryKind) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotADirectory,
        format!("{:?} is a {}, not a directory", shown(at), kind.describe()),
    )
}

fn not_a_file(at: &Path, kind: EntryKind) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "{:?} is a {}, not a regular file",
            shown(at),
            kind.describe()
        ),
    )
}

fn not_found(at: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!("{:?}: no such file or directory", shown(at)),
    )
}

fn too_large(at: &Path, max: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("{:?} is larger than {max} bytes", shown(at)),
    )
}

fn shown(p: &Path) -> String {
    if p.as_os_str().is_empty() {
        ".".to_string()
    } else {
        p.display().to_string()
    }
}

/// A temporary file name next to `name`: hidden, unpredictable, and short enough for any
/// file system (`NAME_MAX` 255).
fn temp_name(name: &std::ffi::OsStr, attempt: u32) -> OsString {
    use std::hash::BuildHasher as _;
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    // RandomState carries per-process random keys: the name cannot be guessed in advance.
    let r = std::collections::hash_map::RandomState::new().hash_one((
        n,
        attempt,
        nanos,
        std::process::id(),
    ));
    let base: String = name.to_string_lossy().chars().take(100).collect();
    OsString::from(format!(".{base}.{r:016x}.tmp"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn components_table() {
        let c = |s: &str| components(Path::new(s)).map_err(|e| e.to_string());
        assert_eq!(
            c("a/./b").unwrap(),
            vec![Some("a".into()), Some("b".into())]
        );
        assert_eq!(
            c("a/../b").unwrap(),
            vec![Some("a".into()), None, Some("b".into())]
        );
        assert!(c("/etc").unwrap_err().contains("absolute"));
        assert_eq!(c("").unwrap(), Vec::<Option<OsString>>::new());
    }

    #[test]
    fn temp_names_differ_and_stay_short() {
        let long = OsString::from("x".repeat(250));
        let a = temp_name(&long, 0);
        let b = temp_name(&long, 0);
        assert_ne!(a, b);
        assert!(a.len() < 130, "{}", a.len());
        assert!(a.to_string_lossy().starts_with(".x"));
    }
}
