//! The fallback for systems without `openat`: the same rules, applied by path. Every
//! component is checked with `symlink_metadata`, and any symbolic link is refused.

use std::ffi::OsString;
use std::io::{self, Read as _, Write as _};
use std::path::{Path, PathBuf};

use crate::{
    EntryKind, WriteOptions, components, leaves_tree, link_escapes, not_a_dir, not_a_file,
    not_found, temp_name, too_large,
};

#[derive(Debug)]
pub(crate) struct Root;

fn kind_of(ft: std::fs::FileType) -> EntryKind {
    if ft.is_symlink() {
        EntryKind::Symlink
    } else if ft.is_dir() {
        EntryKind::Dir
    } else if ft.is_file() {
        EntryKind::File
    } else {
        EntryKind::Other
    }
}

impl Root {
    pub(crate) fn open(_path: &Path) -> io::Result<Root> {
        Ok(Root)
    }

    /// The real relative path and what is there, refusing links and `..` above the root.
    fn walk(
        &self,
        root: &Path,
        rel: &Path,
        create: bool,
    ) -> io::Result<(PathBuf, Option<EntryKind>)> {
        let parts = components(rel)?;
        let mut real = PathBuf::new();
        let count = parts.len();
        let mut kind = Some(EntryKind::Dir);
        for (i, p) in parts.into_iter().enumerate() {
            let Some(name) = p else {
                if !real.pop() {
                    return Err(leaves_tree(rel));
                }
                kind = Some(EntryKind::Dir);
                continue;
            };
            real.push(&name);
            let last = i + 1 == count;
            match std::fs::symlink_metadata(root.join(&real)) {
                Ok(m) => {
                    let k = kind_of(m.file_type());
                    if k == EntryKind::Symlink {
                        let target = std::fs::read_link(root.join(&real)).unwrap_or_default();
                        return Err(link_escapes(&real, &target));
                    }
                    if !last && k != EntryKind::Dir {
                        return Err(not_a_dir(&real, k));
                    }
                    kind = Some(k);
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    if last {
                        return Ok((real, None));
                    }
                    if !create {
                        return Err(not_found(&real));
                    }
                    std::fs::create_dir(root.join(&real))?;
                }
                Err(e) => return Err(e),
            }
        }
        Ok((real, kind))
    }

    pub(crate) fn real_path(&self, root: &Path, rel: &Path) -> io::Result<PathBuf> {
        Ok(self.walk(root, rel, false)?.0)
    }

    pub(crate) fn kind(&self, root: &Path, rel: &Path) -> io::Result<Option<EntryKind>> {
        match self.walk(root, rel, false) {
            Ok((_, k)) => Ok(k),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub(crate) fn list_dir(
        &self,
        root: &Path,
        rel: &Path,
    ) -> io::Result<Vec<(OsString, EntryKind)>> {
        let (real, kind) = self.walk(root, rel, false)?;
        match kind {
            Some(EntryKind::Dir) => {}
            Some(k) => return Err(not_a_dir(&real, k)),
            None => return Err(not_found(&real)),
        }
        let mut out = Vec::new();
        for e in std::fs::read_dir(root.join(&real))? {
            let e = e?;
            out.push((e.file_name(), kind_of(e.file_type()?)));
        }
        Ok(out)
    }

    pub(crate) fn read(
        &self,
        root: &Path,
        rel: &Path,
        max_bytes: u64,
    ) -> io::Result<(Vec<u8>, u32)> {
        let (real, kind) = self.walk(root, rel, false)?;
        match kind {
            Some(EntryKind::File) => {}
            Some(k) => return Err(not_a_file(&real, k)),
            None => return Err(not_found(&real)),
        }
        let mut bytes = Vec::new();
        std::fs::File::open(root.join(&real))?
            .take(max_bytes.saturating_add(1))
            .read_to_end(&mut bytes)?;
        if bytes.len() as u64 > max_bytes {
            return Err(too_large(&real, max_bytes));
        }
        Ok((bytes, 0o644))
    }

    pub(crate) fn write_atomic(
        &self,
        root: &Path,
        rel: &Path,
        bytes: &[u8],
        options: &WriteOptions,
    ) -> io::Result<()> {
        let (real, kind) = self.walk(root, rel, options.create_parents)?;
        match kind {
            None | Some(EntryKind::File) => {}
            Some(k) => return Err(not_a_file(&real, k)),
        }
        let name = real
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_default();
        let dir = root.join(real.parent().unwrap_or(Path::new("")));
        let mut attempt = 0;
        let (tmp, mut file) = loop {
            let tmp = dir.join(temp_name(&name, attempt));
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)
            {
                Ok(f) => break (tmp, f),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 16 => attempt += 1,
                Err(e) => return Err(e),
            }
        };
        let result = file
            .write_all(bytes)
            .and_then(|()| std::fs::rename(&tmp, root.join(&real)));
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }

    pub(crate) fn create_dir_all(&self, root: &Path, rel: &Path) -> io::Result<()> {
        let (real, kind) = self.walk(root, rel, true)?;
        match kind {
            Some(EntryKind::Dir) => Ok(()),
            None => std::fs::create_dir(root.join(&real)),
            Some(k) => Err(not_a_dir(&real, k)),
        }
    }

    pub(crate) fn remove_file(&self, root: &Path, rel: &Path) -> io::Result<bool> {
        let (real, kind) = match self.walk(root, rel, false) {
            Ok(r) => r,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e),
        };
        match kind {
            None => Ok(false),
            Some(EntryKind::Dir) => Err(not_a_file(&real, EntryKind::Dir)),
            Some(_) => std::fs::remove_file(root.join(&real)).map(|()| true),
        }
    }
}
