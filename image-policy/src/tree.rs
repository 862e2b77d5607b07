//! Applying setters to a directory tree on disk, with atomic writes and a report in the shape
//! of Flux's commit templates.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write as _;
use std::path::{Component, Path, PathBuf};

use serde::Serialize;

use crate::setters::{Change, ObjectIdentifier, UnknownSetter, rewrite_setters_detailed};
use crate::{Error, ImageRef};

/// The deepest directory nesting [`update_tree`] walks.
pub const MAX_DEPTH: usize = 64;

/// Options of [`update_tree_with`].
#[derive(Clone, Debug, Default)]
pub struct TreeOptions {
    /// Only files under this path (relative to the tree, like Flux's
    /// `ImageUpdateAutomation.spec.update.path`, e.g. `./clusters/prod`) are updated.
    pub update_path: Option<PathBuf>,
    /// Compute the report without writing any file.
    pub dry_run: bool,
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

/// Rewrites the marked fields of every manifest under `dir` (see [`is_manifest_file`];
/// `.git` directories and symbolic links are skipped) and reports the changes. Nothing is
/// written unless every file parses; each changed file is replaced atomically.
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
    let mut start = dir.to_path_buf();
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
    let meta = fs::symlink_metadata(&start).map_err(|e| Error::io(&start, e))?;
    if meta.is_dir() {
        collect(&start, dir, 0, &mut files)?;
    } else if meta.is_file() {
        let rel = relative(dir, &start);
        files.push((start.clone(), rel));
    }
    let mut rewrites = Vec::new();
    let mut changes = Vec::new();
    let mut unknown = Vec::new();
    for (path, rel) in files {
        let text = read_text(&path)?;
        if !text.contains(crate::setters::MARKER) {
            continue;
        }
        let r = rewrite_setters_detailed(&text, &rel, policies)?;
        unknown.extend(r.unknown);
        if !r.changes.is_empty() && r.text != text {
            changes.extend(r.changes);
            rewrites.push((path, r.text));
        }
    }
    if !options.dry_run {
        for (path, text) in &rewrites {
            write_atomic(path, text.as_bytes())?;
        }
    }
    Ok(Report::from_changes(changes, unknown))
}

fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .filter_map(|c| match c {
            Component::Normal(p) => Some(p.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn collect(
    dir: &Path,
    root: &Path,
    depth: usize,
    out: &mut Vec<(PathBuf, String)>,
) -> Result<(), Error> {
    if depth > MAX_DEPTH {
        return Err(Error::io(
            dir,
            std::io::Error::other(format!("directory nesting deeper than {MAX_DEPTH}")),
        ));
    }
    let mut entries: Vec<(String, PathBuf, fs::FileType)> = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let ft = entry.file_type().map_err(|e| Error::io(entry.path(), e))?;
        entries.push((
            entry.file_name().to_string_lossy().into_owned(),
            entry.path(),
            ft,
        ));
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, path, ft) in entries {
        if ft.is_dir() {
            if name != ".git" {
                collect(&path, root, depth + 1, out)?;
            }
        } else if ft.is_file() && is_manifest_file(&name) {
            let rel = relative(root, &path);
            out.push((path, rel));
        }
    }
    Ok(())
}

fn read_text(path: &Path) -> Result<String, Error> {
    let bytes = fs::read(path).map_err(|e| Error::io(path, e))?;
    String::from_utf8(bytes).map_err(|e| {
        Error::io(
            path,
            std::io::Error::new(std::io::ErrorKind::InvalidData, e),
        )
    })
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename, so
/// readers see the old or the new content, never a part. Permissions are kept. The file is
/// not fsynced: durability is left to whoever commits the tree (e.g. git).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        if let Ok(meta) = fs::metadata(path) {
            fs::set_permissions(&tmp, meta.permissions())?;
        }
        fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    Ok(())
}
