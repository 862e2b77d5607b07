//! The Unix implementation: every component is opened from its parent's handle with
//! `O_NOFOLLOW`, symbolic links are read and resolved by hand, inside the tree only.

use std::ffi::{OsStr, OsString};
use std::io::{self, Read as _, Write as _};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt as _;
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, FileType, Mode, OFlags};
use rustix::io::Errno;

use crate::{
    EntryKind, MAX_SYMLINKS, WriteOptions, components, leaves_tree, link_escapes, not_a_dir,
    not_a_file, not_found, temp_name, too_large, too_many_links,
};

#[derive(Debug)]
pub(crate) struct Root {
    fd: OwnedFd,
}

fn kind_of(ft: FileType) -> EntryKind {
    match ft {
        FileType::RegularFile => EntryKind::File,
        FileType::Directory => EntryKind::Dir,
        FileType::Symlink => EntryKind::Symlink,
        FileType::Fifo => EntryKind::Fifo,
        FileType::Socket => EntryKind::Socket,
        FileType::CharacterDevice | FileType::BlockDevice => EntryKind::Device,
        _ => EntryKind::Other,
    }
}

fn err(e: Errno, at: &Path) -> io::Error {
    let e = io::Error::from(e);
    io::Error::new(e.kind(), format!("{:?}: {e}", crate::shown(at)))
}

const DIR_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC);

/// Where a walk ended: the directory handles from the root down (the last one holds the
/// entry), the real relative path, and the last name with what it is.
struct Walk<'r> {
    root: BorrowedFd<'r>,
    dirs: Vec<OwnedFd>,
    /// Real path (relative to the root) of the directory holding `name`.
    real_dir: PathBuf,
    /// The entry's name in that directory; `None` when the walk ended on a directory itself
    /// (the root, or a path ending in `..`).
    name: Option<OsString>,
    /// What the entry is (`None`: nothing there).
    kind: Option<EntryKind>,
}

impl Walk<'_> {
    fn dir(&self) -> BorrowedFd<'_> {
        self.dirs.last().map_or(self.root, |d| d.as_fd())
    }

    fn real(&self) -> PathBuf {
        match &self.name {
            Some(n) => self.real_dir.join(n),
            None => self.real_dir.clone(),
        }
    }
}

impl Root {
    pub(crate) fn open(path: &Path) -> io::Result<Root> {
        let fd = rustix::fs::open(path, DIR_FLAGS, Mode::empty()).map_err(|e| err(e, path))?;
        Ok(Root { fd })
    }

    /// Walks `rel` from the root. Every directory on the way is entered through its
    /// parent's handle with `O_NOFOLLOW`; symbolic links (the last component's too) are read
    /// and their targets walked in turn, as long as they stay in the tree. With `create`,
    /// missing directories on the way are made.
    fn walk(&self, root_path: &Path, rel: &Path, create: bool) -> io::Result<Walk<'_>> {
        let mut pending: std::collections::VecDeque<Option<OsString>> = components(rel)?.into();
        let mut w = Walk {
            root: self.fd.as_fd(),
            dirs: Vec::new(),
            real_dir: PathBuf::new(),
            name: None,
            kind: Some(EntryKind::Dir),
        };
        let mut links = 0usize;
        while let Some(c) = pending.pop_front() {
            let Some(name) = c else {
                // `..`: back to the parent handle we came from, never above the root.
                if w.dirs.pop().is_none() {
                    return Err(leaves_tree(rel));
                }
                w.real_dir.pop();
                continue;
            };
            let last = pending.is_empty();
            let at = w.real_dir.join(&name);
            let st = match rustix::fs::statat(w.dir(), name.as_os_str(), AtFlags::SYMLINK_NOFOLLOW)
            {
                Ok(st) => Some(st),
                Err(Errno::NOENT) => None,
                Err(e) => return Err(err(e, &at)),
            };
            let Some(st) = st else {
                if last {
                    w.name = Some(name);
                    w.kind = None;
                    return Ok(w);
                }
                if !create {
                    return Err(not_found(&at));
                }
                match rustix::fs::mkdirat(w.dir(), name.as_os_str(), Mode::from_raw_mode(0o777)) {
                    Ok(()) | Err(Errno::EXIST) => {}
                    Err(e) => return Err(err(e, &at)),
                }
                let fd = rustix::fs::openat(w.dir(), name.as_os_str(), DIR_FLAGS, Mode::empty())
                    .map_err(|e| err(e, &at))?;
                w.dirs.push(fd);
                w.real_dir.push(&name);
                continue;
            };
            let kind = kind_of(FileType::from_raw_mode(st.st_mode));
            match kind {
                EntryKind::Symlink => {
                    links += 1;
                    if links > MAX_SYMLINKS {
                        return Err(too_many_links(rel));
                    }
                    let target = rustix::fs::readlinkat(w.dir(), name.as_os_str(), Vec::new())
                        .map_err(|e| err(e, &at))?;
                    let target = PathBuf::from(OsStr::from_bytes(target.as_bytes()));
                    let relative_target = if target.is_absolute() {
                        // An absolute link is allowed only when it names a place in the tree.
                        match target.strip_prefix(root_path) {
                            Ok(inside) => {
                                w.dirs.clear();
                                w.real_dir = PathBuf::new();
                                inside.to_path_buf()
                            }
                            Err(_) => return Err(link_escapes(&at, &target)),
                        }
                    } else {
                        target.clone()
                    };
                    let parts = components(&relative_target)?;
                    // Check now that the link alone does not climb out, so the message
                    // names the link rather than the path.
                    let mut depth = w.dirs.len() as isize;
                    for p in &parts {
                        depth += if p.is_some() { 1 } else { -1 };
                        if depth < 0 {
                            return Err(link_escapes(&at, &target));
                        }
                    }
                    for p in parts.into_iter().rev() {
                        pending.push_front(p);
                    }
                }
                EntryKind::Dir if !last => {
                    let fd =
                        rustix::fs::openat(w.dir(), name.as_os_str(), DIR_FLAGS, Mode::empty())
                            .map_err(|e| err(e, &at))?;
                    w.dirs.push(fd);
                    w.real_dir.push(&name);
                }
                k if !last => return Err(not_a_dir(&at, k)),
                k => {
                    w.name = Some(name);
                    w.kind = Some(k);
                    return Ok(w);
                }
            }
        }
        Ok(w)
    }

    /// Opens the directory a walk ended on.
    fn open_dir(&self, w: &Walk<'_>) -> io::Result<OwnedFd> {
        let real = w.real();
        match (&w.name, w.kind) {
            (None, _) => rustix::fs::openat(w.dir(), ".", DIR_FLAGS, Mode::empty())
                .map_err(|e| err(e, &real)),
            (Some(n), Some(EntryKind::Dir)) => {
                rustix::fs::openat(w.dir(), n.as_os_str(), DIR_FLAGS, Mode::empty())
                    .map_err(|e| err(e, &real))
            }
            (Some(_), Some(k)) => Err(not_a_dir(&real, k)),
            (Some(_), None) => Err(not_found(&real)),
        }
    }

    pub(crate) fn real_path(&self, root_path: &Path, rel: &Path) -> io::Result<PathBuf> {
        Ok(self.walk(root_path, rel, false)?.real())
    }

    pub(crate) fn kind(&self, root_path: &Path, rel: &Path) -> io::Result<Option<EntryKind>> {
        match self.walk(root_path, rel, false) {
            Ok(w) => Ok(w.kind),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub(crate) fn list_dir(
        &self,
        root_path: &Path,
        rel: &Path,
    ) -> io::Result<Vec<(OsString, EntryKind)>> {
        let w = self.walk(root_path, rel, false)?;
        let real = w.real();
        let fd = self.open_dir(&w)?;
        let dir = rustix::fs::Dir::read_from(&fd).map_err(|e| err(e, &real))?;
        let mut out = Vec::new();
        for entry in dir {
            let entry = entry.map_err(|e| err(e, &real))?;
            let name = entry.file_name().to_bytes();
            if name == b"." || name == b".." {
                continue;
            }
            let name = OsStr::from_bytes(name).to_os_string();
            let kind = match entry.file_type() {
                FileType::Unknown => {
                    let st = rustix::fs::statat(&fd, name.as_os_str(), AtFlags::SYMLINK_NOFOLLOW)
                        .map_err(|e| err(e, &real.join(&name)))?;
                    kind_of(FileType::from_raw_mode(st.st_mode))
                }
                ft => kind_of(ft),
            };
            out.push((name, kind));
        }
        Ok(out)
    }

    pub(crate) fn read(
        &self,
        root_path: &Path,
        rel: &Path,
        max_bytes: u64,
    ) -> io::Result<(Vec<u8>, u32)> {
        let w = self.walk(root_path, rel, false)?;
        let real = w.real();
        let name = match (&w.name, w.kind) {
            (Some(n), Some(EntryKind::File)) => n,
            (_, None) => return Err(not_found(&real)),
            (_, Some(k)) => return Err(not_a_file(&real, k)),
        };
        // Non-blocking, so a FIFO swapped in after the check cannot hang the open.
        let fd = rustix::fs::openat(
            w.dir(),
            name.as_os_str(),
            OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| err(e, &real))?;
        let st = rustix::fs::fstat(&fd).map_err(|e| err(e, &real))?;
        let kind = kind_of(FileType::from_raw_mode(st.st_mode));
        if kind != EntryKind::File {
            return Err(not_a_file(&real, kind));
        }
        check_inside(&fd, root_path, &real)?;
        let mut bytes = Vec::new();
        let mut file = std::fs::File::from(fd);
        (&mut file)
            .take(max_bytes.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| io::Error::new(e.kind(), format!("{:?}: {e}", crate::shown(&real))))?;
        if bytes.len() as u64 > max_bytes {
            return Err(too_large(&real, max_bytes));
        }
        Ok((bytes, st.st_mode & 0o7777))
    }

    pub(crate) fn write_atomic(
        &self,
        root_path: &Path,
        rel: &Path,
        bytes: &[u8],
        options: &WriteOptions,
    ) -> io::Result<()> {
        let w = self.walk(root_path, rel, options.create_parents)?;
        let real = w.real();
        let name = match (&w.name, w.kind) {
            (Some(n), None | Some(EntryKind::File)) => n,
            (None, _) => return Err(not_a_file(&real, EntryKind::Dir)),
            (Some(_), Some(k)) => return Err(not_a_file(&real, k)),
        };
        let dir = w.dir();
        check_inside(&dir, root_path, &w.real_dir)?;
        let mode = match options.mode {
            Some(m) => Some(m),
            None if w.kind.is_some() => {
                rustix::fs::statat(dir, name.as_os_str(), AtFlags::SYMLINK_NOFOLLOW)
                    .ok()
                    .map(|st| st.st_mode & 0o7777)
            }
            None => None,
        };
        let mut attempt = 0;
        let (tmp, fd) = loop {
            let tmp = temp_name(name, attempt);
            match rustix::fs::openat(
                dir,
                tmp.as_os_str(),
                OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::from_raw_mode(0o666),
            ) {
                Ok(fd) => break (tmp, fd),
                Err(Errno::EXIST) if attempt < 16 => attempt += 1,
                Err(e) => return Err(err(e, &w.real_dir.join(&tmp))),
            }
        };
        let result = (|| -> io::Result<()> {
            if let Some(m) = mode {
                rustix::fs::fchmod(&fd, Mode::from_raw_mode(m))?;
            }
            let mut file = std::fs::File::from(fd);
            file.write_all(bytes)?;
            drop(file);
            rustix::fs::renameat(dir, tmp.as_os_str(), dir, name.as_os_str())?;
            Ok(())
        })();
        if let Err(e) = result {
            let _ = rustix::fs::unlinkat(dir, tmp.as_os_str(), AtFlags::empty());
            return Err(io::Error::new(
                e.kind(),
                format!("{:?}: {e}", crate::shown(&real)),
            ));
        }
        Ok(())
    }

    pub(crate) fn create_dir_all(&self, root_path: &Path, rel: &Path) -> io::Result<()> {
        let w = self.walk(root_path, rel, true)?;
        let real = w.real();
        match (&w.name, w.kind) {
            (None, _) | (Some(_), Some(EntryKind::Dir)) => Ok(()),
            (Some(n), None) => {
                match rustix::fs::mkdirat(w.dir(), n.as_os_str(), Mode::from_raw_mode(0o777)) {
                    Ok(()) | Err(Errno::EXIST) => Ok(()),
                    Err(e) => Err(err(e, &real)),
                }
            }
            (Some(_), Some(k)) => Err(not_a_dir(&real, k)),
        }
    }

    pub(crate) fn remove_file(&self, root_path: &Path, rel: &Path) -> io::Result<bool> {
        // The last component is removed itself, never followed: walk its parent only.
        let parent = rel.parent().unwrap_or(Path::new(""));
        let Some(name) = rel.file_name() else {
            return Err(not_a_file(rel, EntryKind::Dir));
        };
        let w = match self.walk(root_path, parent, false) {
            Ok(w) => w,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e),
        };
        let fd = match self.open_dir(&w) {
            Ok(fd) => fd,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e),
        };
        let at = w.real().join(name);
        match rustix::fs::unlinkat(&fd, name, AtFlags::empty()) {
            Ok(()) => Ok(true),
            Err(Errno::NOENT) => Ok(false),
            Err(e) => Err(err(e, &at)),
        }
    }
}

/// On Linux, checks through `/proc/self/fd` that an open handle still lies inside the tree
/// (a directory moved out after it was opened is caught here). Elsewhere, or without
/// `/proc`, the handle-based walk is the guarantee.
fn check_inside(fd: &impl AsFd, root_path: &Path, shown: &Path) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd as _;
        let link = format!("/proc/self/fd/{}", fd.as_fd().as_raw_fd());
        if let Ok(real) = std::fs::read_link(link)
            && real.is_absolute()
            && !real.starts_with(root_path)
        {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!(
                    "{:?} now lies outside the tree (at {:?})",
                    crate::shown(shown),
                    real.display().to_string()
                ),
            ));
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (fd, root_path, shown);
    Ok(())
}
