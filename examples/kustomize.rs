//! `kustomize build` as a small tool on top of kustomize-lite.
//!
//! ```sh
//! cargo run --release --example kustomize -- build examples/data/overlay
//! ```
//!
//! Prints the rendered YAML stream to stdout and exits 0; on error prints one located
//! message to stderr and exits 1.

use gitops_toolkit::kustomize::{DiskFs, build_to_string};
use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

fn usage() -> ExitCode {
    eprintln!("usage: kustomize build DIR");
    ExitCode::FAILURE
}

fn run(dir: &str) -> Result<String, String> {
    let path = Path::new(dir);
    if !path.is_dir() {
        return Err(format!("{dir}: not a directory"));
    }
    // The file system is rooted at the current directory when DIR lies below it, so that
    // bases in sibling directories (`../base`) stay reachable; otherwise at DIR itself.
    let cwd = std::env::current_dir().map_err(|e| format!("current directory: {e}"))?;
    let full = path.canonicalize().map_err(|e| format!("{dir}: {e}"))?;
    let (root, rel) = match full.strip_prefix(&cwd) {
        Ok(rel) => (cwd.clone(), rel.to_string_lossy().replace('\\', "/")),
        Err(_) => (full.clone(), String::new()),
    };
    let fs = DiskFs::new(&root).map_err(|e| format!("{}: {e}", root.display()))?;
    build_to_string(&fs, &rel).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = match args.as_slice() {
        [cmd, dir] if cmd == "build" => dir,
        _ => return usage(),
    };
    match run(dir) {
        Ok(text) => {
            let mut out = std::io::stdout().lock();
            if out
                .write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .is_err()
            {
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
