//! Applying setters to a directory tree on disk, with atomic writes and a report in the shape
//! of Flux's commit templates.

use std::collections::BTreeMap;
#[cfg(test)]
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use rooted_fs::{EntryKind, Root, WriteOptions};
use serde::Serialize;

use crate::setters::{Change, ObjectIdentifier, UnknownSetter, rewrite_setters_detailed};
use crate::{Error, ImageRef};

/// The deepest directory nesting [`update_tree`] walks.
pub const MAX_DEPTH: usize = 64;

/// Options of [`update_tree_with`].
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct TreeOptions {
    /// Only files under this path (relative to the tree, like Flux's
    /// `ImageUpdateAutomation.spec.update.path`, e.g. `./clusters/prod`) are updated.
    pub update_path: Option<PathBuf>,
    /// Compute the report without writing any file.
    pub dry_run: bool,
}

impl TreeOptions {
    /// Only files under `path` (relative to the tree) are updated (default: all).
    pub fn update_path(mut self, path: Option<PathBuf>) -> Self {
        self.update_path = path;
        self
    }

    /// Compute the report without writing any file (default `false`).
    pub fn dry_run(mut self, dry_run: bool) -> Self {
        self.dry_run = dry_run;
        self
    }
}

/// The changes made to one object, with the object's identity flattened in (`Kind`, `Name`,
/// `Namespace`, `APIVersion`, `Changes`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ObjectChanges {
    /// The object.
    #[serde(flatten)]
    pub object: ObjectIdentifier,
    /// Its changes, in document order.
    #[serde(rename = "Changes")]
    pub changes: Vec<Change>,
}

/// What [`update_tree`] did. Serialises as the `Changed` value of Flux's commit templates:
/// `Changes` (every change), `FileChanges` (file -> objects -> changes), `Objects` (object
/// -> changes), plus `Unknown` markers and `FilesWritten`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Report {
    /// Every change, files in path order, then document order.
    pub changes: Vec<Change>,
    /// Per file (relative path, `/`-separated), the changed objects.
    pub file_changes: BTreeMap<String, Vec<ObjectChanges>>,
    /// Per object, its changes across files.
    pub objects: Vec<ObjectChanges>,
    /// Markers that name no known policy (left alone).
    pub unknown: Vec<UnknownSetter>,
    /// Files rewritten (relative paths).
    pub files_written: Vec<String>,
}

impl Report {
    /// Builds the grouped views from a list of changes.
    pub fn from_changes(changes: Vec<Change>, unknown: Vec<UnknownSetter>) -> Report {
        let mut file_changes: BTreeMap<String, Vec<ObjectChanges>> = BTreeMap::new();
        let mut objects: BTreeMap<ObjectIdentifier, Vec<Change>> = BTreeMap::new();
        let mut files_written = Vec::new();
        for c in &changes {
            let per_file = file_changes.entry(c.file.clone()).or_default();
            match per_file.iter_mut().find(|o| o.object == c.object) {
                Some(o) => o.changes.push(c.clone()),
                None => per_file.push(ObjectChanges {
                    object: c.object.clone(),
                    changes: vec![c.clone()],
                }),
            }
            objects.entry(c.object.clone()).or_default().push(c.clone());
            if files_written.last() != Some(&c.file) {
                files_written.push(c.file.clone());
            }
        }
        let objects = objects
            .into_iter()
            .map(|(object, changes)| ObjectChanges { object, changes })
            .collect();
        Report {
            changes,
            file_changes,
            objects,
            unknown,
            files_written,
        }
    }

    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

/// Whether a file is one the updater looks at: `*.yaml`, `*.yml`, or named `Kustomization`.
pub fn is_manifest_file(name: &str) -> bool {
    name.ends_with(".yaml") || name.ends_with(".yml") || name == "Kustomization"
}

/// The largest manifest [`update_tree`] reads (16 MiB, as kustomize's loader).
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Rewrites the marked fields of every manifest under `dir` (see [`is_manifest_file`];
/// `.git` directories and symbolic links met while walking are skipped) and reports the
/// changes. Nothing is written unless every file parses; each changed file (and only those)
/// is replaced atomically, several at a time on a few scoped threads.
///
/// The tree is confined ([`rooted_fs::Root`]): a symbolic link in the update path that
/// leads out of `dir` (in any component), `..`, a FIFO or a device is an error naming it,
/// and the temporary files are created new under unpredictable names, so nothing outside
/// `dir` is ever read or written.
///
/// ```
/// use std::collections::BTreeMap;
/// use image_policy::{update_tree, ImageRef};
///
/// let dir = tempfile::tempdir()?;
/// std::fs::write(dir.path().join("app.yaml"), "image: app:1 # {\"$imagepolicy\": \"ns:app\"}\n")?;
/// let policies = BTreeMap::from([("ns:app".to_string(), ImageRef::parse("app:2")?)]);
/// let report = update_tree(dir.path(), &policies)?;
/// assert_eq!(report.changes[0].new_value, "app:2");
/// assert_eq!(std::fs::read_to_string(dir.path().join("app.yaml"))?, "image: app:2 # {\"$imagepolicy\": \"ns:app\"}\n");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn update_tree(dir: &Path, policies: &BTreeMap<String, ImageRef>) -> Result<Report, Error> {
    update_tree_with(dir, policies, &TreeOptions::default())
}

/// [`update_tree`] with options (update path, dry run).
pub fn update_tree_with(
    dir: &Path,
    policies: &BTreeMap<String, ImageRef>,
    options: &TreeOptions,
) -> Result<Report, Error> {
    let root = Root::open(dir).map_err(|e| Error::io(dir, e))?;
    let mut start = PathBuf::new();
    if let Some(sub) = &options.update_path {
        for c in sub.components() {
            match c {
                Component::CurDir => {}
                Component::Normal(part) => start.push(part),
                _ => {
                    return Err(Error::io(
                        sub.clone(),
                        std::io::Error::new(
                            std::io::ErrorKind::InvalidInput,
                            "update path must stay inside the tree",
                        ),
                    ));
                }
            }
        }
    }
    let mut files = Vec::new();
    match root
        .kind(&start)
        .map_err(|e| Error::io(dir.join(&start), e))?
    {
        Some(EntryKind::Dir) => collect(&root, dir, &start, 0, &mut files)?,
        Some(EntryKind::File) => files.push(start.clone()),
        Some(other) => {
            return Err(Error::io(
                dir.join(&start),
                std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("the update path is a {}", other.describe()),
                ),
            ));
        }
        None => {
            return Err(Error::io(
                dir.join(&start),
                std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "the update path does not exist",
                ),
            ));
        }
    }
    let mut rewrites = Vec::new();
    let mut changes = Vec::new();
    let mut unknown = Vec::new();
    for rel in files {
        let (bytes, mode) = root
            .read_with_mode(&rel, MAX_FILE_BYTES)
            .map_err(|e| Error::io(dir.join(&rel), e))?;
        let text = std::str::from_utf8(&bytes).map_err(|e| {
            Error::io(
                dir.join(&rel),
                std::io::Error::new(std::io::ErrorKind::InvalidData, e),
            )
        })?;
        // Most files hold no marker and are only searched.
        if !text.contains(crate::setters::MARKER) {
            continue;
        }
        let shown = relative(&rel);
        let r = rewrite_setters_detailed(text, &shown, policies)?;
        unknown.extend(r.unknown);
        if !r.changes.is_empty() && r.text != text {
            changes.extend(r.changes);
            rewrites.push((rel, r.text, mode));
        }
    }
    if !options.dry_run {
        write_all(&root, dir, &rewrites)?;
    }
    Ok(Report::from_changes(changes, unknown))
}

/// The most files [`update_tree`] writes at the same time.
const WRITE_THREADS: usize = 8;

/// A file to replace: its path relative to the tree, its new text and its permission bits.
type Rewrite = (PathBuf, String, u32);

/// Writes every rewritten file, each atomically. Replacing a file frees the old one's
/// blocks, which some file systems do synchronously (e.g. ext4 without a journal and with
/// `discard`), so the writes run on up to [`WRITE_THREADS`] threads. No new write starts
/// once one has failed; the error of the first failing file in path order is returned.
fn write_all(root: &Root, dir: &Path, rewrites: &[Rewrite]) -> Result<(), Error> {
    let write = |(rel, text, mode): &Rewrite| {
        root.write_atomic(rel, text.as_bytes(), &WriteOptions::default().mode(*mode))
            .map_err(|e| Error::io(dir.join(rel), e))
    };
    let threads = WRITE_THREADS.min(rewrites.len());
    if threads <= 1 {
        for r in rewrites {
            write(r)?;
        }
        return Ok(());
    }
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let errors: Vec<(usize, Error)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut errors = Vec::new();
                    while !failed.load(Ordering::Relaxed) {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(r) = rewrites.get(i) else {
                            break;
                        };
                        if let Err(e) = write(r) {
                            failed.store(true, Ordering::Relaxed);
                            errors.push((i, e));
                        }
                    }
                    errors
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| {
                w.join().unwrap_or_else(|_| {
                    vec![(
                        usize::MAX,
                        Error::io(".", std::io::Error::other("a file writer panicked")),
                    )]
                })
            })
            .collect()
    });
    match errors.into_iter().min_by_key(|(i, _)| *i) {
        Some((_, e)) => Err(e),
        None => Ok(()),
    }
}

/// A relative path as the report shows it: `/`-separated.
fn relative(rel: &Path) -> String {
    rel.components()
        .filter_map(|c| match c {
            Component::Normal(p) => Some(p.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn collect(
    root: &Root,
    dir: &Path,
    rel: &Path,
    depth: usize,
    out: &mut Vec<PathBuf>,
) -> Result<(), Error> {
    if depth > MAX_DEPTH {
        return Err(Error::io(
            dir.join(rel),
            std::io::Error::other(format!("directory nesting deeper than {MAX_DEPTH}")),
        ));
    }
    let mut entries = root
        .list_dir(rel)
        .map_err(|e| Error::io(dir.join(rel), e))?;
    entries.sort_by(|a, b| a.0.to_string_lossy().cmp(&b.0.to_string_lossy()));
    for (name, kind) in entries {
        match kind {
            EntryKind::Dir if name != ".git" => {
                collect(root, dir, &rel.join(&name), depth + 1, out)?
            }
            EntryKind::File if is_manifest_file(&name.to_string_lossy()) => {
                out.push(rel.join(&name))
            }
            // Symbolic links, FIFOs, sockets and devices are not manifests of the tree.
            _ => {}
        }
    }
    Ok(())
}

/// Writes `bytes` to `path` through a new temporary file (create-new, unpredictable name)
/// in the same directory and a rename, so readers see the old or the new content, never a
/// part, and a file or symbolic link planted under a temporary name is never written
/// through. `path`'s own last component may not be a symbolic link leading elsewhere.
/// Permissions are kept. The file is not fsynced: durability is left to whoever commits the
/// tree (e.g. git).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name().ok_or_else(|| {
        Error::io(
            path,
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "no file name"),
        )
    })?;
    let root = Root::open(dir).map_err(|e| Error::io(dir, e))?;
    root.write_atomic(name, bytes, &WriteOptions::default())
        .map_err(|e| Error::io(path, e))
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

    fn policies(tag: &str) -> BTreeMap<String, ImageRef> {
        let image = ImageRef::parse(&format!("app:{tag}")).unwrap();
        BTreeMap::from([("ns:app".to_string(), image)])
    }

    const MARKED: &str = "image: app:1 # {\"$imagepolicy\": \"ns:app\"}\n";

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn writes_only_changed_files_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("a/b")).unwrap();
        fs::create_dir_all(root.join(".git")).unwrap();
        fs::write(root.join("a/b/x.yaml"), MARKED).unwrap();
        fs::write(root.join("a/y.yml"), MARKED.replace("app:1", "app:2")).unwrap();
        fs::write(root.join("a/plain.yaml"), "kind: A\n").unwrap();
        fs::write(root.join(".git/z.yaml"), MARKED).unwrap();
        fs::write(root.join("a/notes.txt"), MARKED).unwrap();
        let before = fs::metadata(root.join("a/y.yml"))
            .unwrap()
            .modified()
            .unwrap();

        let report = update_tree(root, &policies("2")).unwrap();
        assert_eq!(report.files_written, vec!["a/b/x.yaml".to_string()]);
        assert_eq!(report.changes.len(), 1);
        assert_eq!(report.changes[0].line, 1);
        assert_eq!(
            fs::read_to_string(root.join("a/b/x.yaml")).unwrap(),
            MARKED.replace("app:1", "app:2")
        );
        // Untouched: already up to date, outside the manifests, inside `.git`.
        assert_eq!(
            fs::metadata(root.join("a/y.yml"))
                .unwrap()
                .modified()
                .unwrap(),
            before
        );
        assert_eq!(
            fs::read_to_string(root.join(".git/z.yaml")).unwrap(),
            MARKED
        );
        assert_eq!(
            fs::read_to_string(root.join("a/notes.txt")).unwrap(),
            MARKED
        );
        assert_eq!(names(&root.join("a/b")), vec!["x.yaml"]);
        assert_eq!(
            names(&root.join("a")),
            vec!["b", "notes.txt", "plain.yaml", "y.yml"]
        );

        // A second run has nothing to do.
        let again = update_tree(root, &policies("2")).unwrap();
        assert!(again.is_empty());
        assert!(again.files_written.is_empty());
    }

    #[test]
    fn dry_run_and_update_path() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("prod")).unwrap();
        fs::create_dir_all(root.join("dev")).unwrap();
        fs::write(root.join("prod/a.yaml"), MARKED).unwrap();
        fs::write(root.join("dev/a.yaml"), MARKED).unwrap();
        let dry = TreeOptions {
            update_path: Some(PathBuf::from("./prod")),
            dry_run: true,
        };
        let report = update_tree_with(root, &policies("3"), &dry).unwrap();
        assert_eq!(report.files_written, vec!["prod/a.yaml".to_string()]);
        assert_eq!(
            fs::read_to_string(root.join("prod/a.yaml")).unwrap(),
            MARKED
        );
        let wet = TreeOptions {
            dry_run: false,
            ..dry
        };
        update_tree_with(root, &policies("3"), &wet).unwrap();
        assert!(
            fs::read_to_string(root.join("prod/a.yaml"))
                .unwrap()
                .contains("app:3")
        );
        assert_eq!(fs::read_to_string(root.join("dev/a.yaml")).unwrap(), MARKED);
        let outside = TreeOptions {
            update_path: Some(PathBuf::from("../x")),
            dry_run: false,
        };
        assert!(update_tree_with(root, &policies("3"), &outside).is_err());
    }

    #[test]
    fn nothing_is_written_when_a_file_is_not_utf8() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::write(root.join("a.yaml"), MARKED).unwrap();
        fs::write(root.join("b.yaml"), b"kind: \xff\n").unwrap();
        let err = update_tree(root, &policies("2")).unwrap_err().to_string();
        assert!(err.contains("b.yaml"), "{err}");
        assert_eq!(fs::read_to_string(root.join("a.yaml")).unwrap(), MARKED);
    }

    #[cfg(unix)]
    #[test]
    fn permissions_are_kept() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.yaml");
        fs::write(&path, MARKED).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        update_tree(dir.path(), &policies("2")).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode, 0o640);
        write_atomic(&path, b"x: 1\n").unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode, 0o640);
        assert_eq!(names(dir.path()), vec!["a.yaml"]);
    }

    /// A tree beside an `outside/` directory that holds a marked manifest.
    #[cfg(unix)]
    fn tree_beside_outside() -> (tempfile::TempDir, PathBuf, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        let outside = dir.path().join("outside");
        fs::create_dir_all(root.join("clusters")).unwrap();
        fs::create_dir_all(outside.join("sub")).unwrap();
        fs::write(outside.join("sub/app.yaml"), MARKED).unwrap();
        fs::write(root.join("clusters/app.yaml"), MARKED).unwrap();
        (dir, root, outside)
    }

    #[cfg(unix)]
    #[test]
    fn an_update_path_through_a_symlink_out_of_the_tree_is_refused() {
        let (_dir, root, outside) = tree_beside_outside();
        std::os::unix::fs::symlink(&outside, root.join("linkdir")).unwrap();
        let opts = TreeOptions {
            update_path: Some(PathBuf::from("linkdir/sub")),
            dry_run: false,
        };
        let err = update_tree_with(&root, &policies("2"), &opts)
            .unwrap_err()
            .to_string();
        assert!(err.contains("points outside the tree"), "{err}");
        assert_eq!(
            fs::read_to_string(outside.join("sub/app.yaml")).unwrap(),
            MARKED
        );
        // The same link is skipped, not followed, by a walk of the whole tree.
        let report = update_tree(&root, &policies("2")).unwrap();
        assert_eq!(report.files_written, vec!["clusters/app.yaml".to_string()]);
        assert_eq!(
            fs::read_to_string(outside.join("sub/app.yaml")).unwrap(),
            MARKED
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_planted_temporary_file_name_does_not_redirect_the_write() {
        let (_dir, root, outside) = tree_beside_outside();
        let planted = root.join(format!("clusters/.app.yaml.tmp-{}", std::process::id()));
        std::os::unix::fs::symlink(outside.join("sub/app.yaml"), &planted).unwrap();
        update_tree(&root, &policies("2")).unwrap();
        assert_eq!(
            fs::read_to_string(outside.join("sub/app.yaml")).unwrap(),
            MARKED
        );
        assert!(
            fs::read_to_string(root.join("clusters/app.yaml"))
                .unwrap()
                .contains("app:2")
        );
        write_atomic(&root.join("clusters/app.yaml"), b"x: 1\n").unwrap();
        assert_eq!(
            fs::read_to_string(outside.join("sub/app.yaml")).unwrap(),
            MARKED
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_in_the_update_path_is_named_not_read() {
        let (_dir, root, _outside) = tree_beside_outside();
        let fifo = root.join("clusters/pipe.yaml");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let opts = TreeOptions {
            update_path: Some(PathBuf::from("clusters/pipe.yaml")),
            dry_run: false,
        };
        let err = update_tree_with(&root, &policies("2"), &opts)
            .unwrap_err()
            .to_string();
        assert!(err.contains("FIFO"), "{err}");
        // A walk of the directory passes the FIFO by.
        assert_eq!(update_tree(&root, &policies("2")).unwrap().changes.len(), 1);
    }
}
