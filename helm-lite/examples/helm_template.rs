//! `helm_template [NAME] CHART_DIR|CHART.tgz [-f VALUES]... [--set K=V]... [--set-string K=V]...
//! [--set-json K=JSON]... [--set-file K=PATH]... [--namespace NS]`: prints what
//! `helm template` prints for the same arguments (through `helm_lite::cli::template`).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::BTreeMap;
use std::path::Path;

fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) -> std::io::Result<()> {
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        if p.is_dir() {
            walk(root, &p, out)?;
        } else {
            let rel = p
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.insert(rel, std::fs::read(&p)?);
        }
    }
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let read = |p: &str| std::fs::read(p).map_err(|e| format!("open {p}: {e}"));
    let load = |dir: &str| {
        let root = Path::new(dir);
        if root.is_file() {
            let b =
                std::fs::read(root).map_err(|e| helm_lite::Error::Chart(format!("{dir}: {e}")))?;
            return helm_lite::Chart::from_tgz(&b);
        }
        let mut files = BTreeMap::new();
        walk(root, root, &mut files).map_err(|e| helm_lite::Error::Chart(format!("{dir}: {e}")))?;
        helm_lite::Chart::from_files(&files)
    };
    match helm_lite::cli::template(&args, &read, &load) {
        Ok(s) => print!("{s}"),
        Err(e) => {
            eprintln!("Error: {e}");
            std::process::exit(1);
        }
    }
}
