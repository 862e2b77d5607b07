//! The whole CI/CD flow in one command, on the toolkit's embedded defaults:
//! push -> webhook -> pipeline -> image -> policy -> git commit -> overlays -> cluster.
//!
//! ```text
//! cargo run --release --example ci_cd_flow [-- --keep DIR] [--registry URL]
//! ```
//!
//! In a temporary directory (printed first) it creates two git repositories, `app-source`
//! and `gitops-config`, pushes a commit to the first, runs the signed GitHub webhook
//! through the EventListener, runs the resulting PipelineRun (clone, test, build-and-push
//! into an OCI layout registry), lets the ImagePolicy pick the new image and the image
//! automation commit it to gitops-config, reconciles both overlays into an in-memory
//! cluster, and replays three acceptance checks (drift repair, scaling, pruning).
//!
//! - `--keep DIR`: work in DIR (created; must not hold the repositories yet) and keep it.
//! - `--registry URL`: push to and scan a real registry (`http://127.0.0.1:5000`) through
//!   the `oci` feature (`--features oci`); `REGISTRY_USERNAME`/`REGISTRY_PASSWORD` give
//!   basic auth.
//!
//! The flow itself is in `flow.rs`; `tests/ci_cd_flow.rs` runs the same code and checks
//! every step.

// The end-to-end test reads the parts of the report this binary does not print.
#[allow(dead_code)]
mod flow;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: ci_cd_flow [--keep DIR] [--registry URL]";

struct Args {
    keep: Option<PathBuf>,
    registry: Option<String>,
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut out = Args {
        keep: None,
        registry: None,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--keep" => {
                out.keep = Some(PathBuf::from(it.next().ok_or("--keep needs a directory")?));
            }
            "--registry" => {
                out.registry = Some(it.next().ok_or("--registry needs a URL")?.clone());
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(out)
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let args = match parse_args(&argv) {
        Ok(a) => a,
        Err(e) if e.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("{e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if cfg!(not(feature = "oci")) && args.registry.is_some() {
        eprintln!(
            "--registry needs the `oci` feature: cargo run --release --example ci_cd_flow --features oci -- --registry URL"
        );
        return ExitCode::from(2);
    }

    // Without --keep, a temporary directory removed at the end.
    let (dir, temp) = match &args.keep {
        Some(d) => (d.clone(), None),
        None => match tempfile::Builder::new().prefix("ci-cd-flow-").tempdir() {
            Ok(t) => (t.path().to_path_buf(), Some(t)),
            Err(e) => {
                eprintln!("cannot create a temporary directory: {e}");
                return ExitCode::FAILURE;
            }
        },
    };
    let options = flow::FlowOptions {
        dir,
        registry: args.registry,
    };
    let result = flow::run(&options, &|line: &str| println!("{line}"));
    match result {
        Ok(report) => {
            println!();
            for line in flow::summary(&report) {
                println!("{line}");
            }
            println!();
            match temp {
                Some(t) => {
                    let path = t.path().display().to_string();
                    match t.close() {
                        Ok(()) => println!(
                            "removed {path} (run with --keep DIR to inspect the repositories)"
                        ),
                        Err(e) => println!("could not remove {path}: {e}"),
                    }
                }
                None => println!(
                    "kept {}: try `git -C {0}/gitops-config log --stat`",
                    report.dir.display()
                ),
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("\nerror: {e}");
            if let Some(t) = temp {
                eprintln!("work directory kept for inspection: {}", t.keep().display());
            }
            ExitCode::FAILURE
        }
    }
}
