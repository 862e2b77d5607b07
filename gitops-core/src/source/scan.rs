//! Finding the Flux objects of a checked-out tree on disk.

use std::path::{Path, PathBuf};

use rooted_fs::{EntryKind, Root};

use crate::Error;
use crate::model::{Object, parse_objects};

/// The deepest directory nesting [`scan_dir`] walks.
pub const MAX_SCAN_DEPTH: usize = 64;

/// The largest file [`scan_dir`] reads (16 MiB, as kustomize's loader).
pub const MAX_SCAN_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Every object of every `*.yaml` / `*.yml` file under `root`, files in path order, each
/// with its path relative to `root` (`/`-separated). Hidden entries (`.git`, `.github` ...)
/// are skipped; symbolic links are passed by, never followed, so nothing outside the tree
/// is read; files that are not Kubernetes manifests (Helm values, configs) are skipped.
pub fn scan_dir(root: &Path) -> Result<Vec<(String, Object)>, Error> {
    let tree = Root::open(root).map_err(|e| Error::io(root.display(), e))?;
    let mut files = Vec::new();
    walk(&tree, root, Path::new(""), 0, &mut files)?;
    let mut out = Vec::new();
    for rel in files {
        let shown = root.join(&rel);
        let bytes = tree
            .read(&rel, MAX_SCAN_FILE_BYTES)
            .map_err(|e| Error::io(shown.display(), e))?;
        let Ok(text) = String::from_utf8(bytes) else {
            continue;
        };
        let name = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        // Files that are not manifests (values, configs) hold no Flux objects.
        let Ok(objs) = parse_objects(&text, &shown.display().to_string()) else {
            continue;
        };
        out.extend(objs.into_iter().map(|o| (name.clone(), o)));
    }
    Ok(out)
}

fn walk(
    tree: &Root,
    root: &Path,
    rel: &Path,
    depth: usize,
    out: &mut Vec<PathBuf>,
) -> Result<(), Error> {
    if depth > MAX_SCAN_DEPTH {
        return Err(Error::io(
            root.join(rel).display(),
            format!("directories nested deeper than {MAX_SCAN_DEPTH}"),
        ));
    }
    let entries = tree
        .list_dir(rel)
        .map_err(|e| Error::io(root.join(rel).display(), e))?;
    for (name, kind) in entries {
        let text = name.to_string_lossy();
        if text.starts_with('.') {
            continue;
        }
        let path = rel.join(&name);
        match kind {
            EntryKind::Dir => walk(tree, root, &path, depth + 1, out)?,
            EntryKind::File if text.ends_with(".yaml") || text.ends_with(".yml") => out.push(path),
            // Symbolic links, FIFOs, sockets, devices: not part of the tree's manifests.
            _ => {}
        }
    }
    Ok(())
}

#[cfg(all(test, unix))]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    const KS: &str = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: NAME\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./apps\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n";

    #[test]
    fn symlinked_directories_and_files_out_of_the_tree_are_not_read() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = tmp.path().join("repo");
        let outside = tmp.path().join("outside");
        std::fs::create_dir_all(repo.join("clusters/prod")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(
            repo.join("clusters/prod/apps.yaml"),
            KS.replace("NAME", "apps"),
        )
        .unwrap();
        std::fs::write(outside.join("evil.yaml"), KS.replace("NAME", "evil")).unwrap();
        std::os::unix::fs::symlink(&outside, repo.join("clusters/linked")).unwrap();
        std::os::unix::fs::symlink(outside.join("evil.yaml"), repo.join("clusters/evil.yaml"))
            .unwrap();
        std::fs::create_dir_all(repo.join(".github")).unwrap();
        std::fs::write(repo.join(".github/ks.yaml"), KS.replace("NAME", "hidden")).unwrap();
        std::fs::write(repo.join("clusters/values.yaml"), "replicaCount: 2\n").unwrap();
        let found = scan_dir(&repo).unwrap();
        let names: Vec<_> = found
            .iter()
            .filter_map(|(file, o)| match o {
                Object::Kustomization(k) => Some(format!("{file} {}", k.metadata.name)),
                _ => None,
            })
            .collect();
        assert_eq!(names, vec!["clusters/prod/apps.yaml apps".to_string()]);
    }
}
