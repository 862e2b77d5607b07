//! `kustomize build` as a small tool on top of kustomize-lite.
//!
//! ```sh
//! cargo run --release --example kustomize -- build examples/data/overlay
//! cargo run --release --example kustomize -- build --load-restrictor LoadRestrictionsNone .
//! ```
//!
//! As `kustomize build`, DIR may name bases anywhere on disk (`resources: [../../base]`
//! works from any directory); files a kustomization names (patches, generator files) must lie
//! in or below its own directory unless `--load-restrictor LoadRestrictionsNone` is given.
//!
//! Prints the rendered YAML stream to stdout and exits 0; on error prints one located
//! message to stderr and exits 1.

use gitops_toolkit::kustomize::{DiskFs, LoadRestrictions, Options, build_with, yaml};
use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

const USAGE: &str = "usage: kustomize build [--load-restrictor LoadRestrictionsRootOnly|LoadRestrictionsNone] [DIR]";

fn usage() -> ExitCode {
    eprintln!("{USAGE}");
    ExitCode::FAILURE
}

/// The parsed command line of `build`.
struct Args {
    dir: String,
    opts: Options,
}

fn parse(args: &[String]) -> Result<Args, String> {
    let mut it = args.iter();
    if it.next().map(String::as_str) != Some("build") {
        return Err(USAGE.into());
    }
    let mut dir = None;
    let mut opts = Options::default();
    while let Some(arg) = it.next() {
        let restrictor = if arg == "--load-restrictor" || arg == "--load_restrictor" {
            Some(it.next().ok_or("--load-restrictor needs a value")?.as_str())
        } else {
            arg.strip_prefix("--load-restrictor=")
                .or_else(|| arg.strip_prefix("--load_restrictor="))
        };
        match restrictor {
            Some("LoadRestrictionsRootOnly") => opts.load_restrictions = LoadRestrictions::RootOnly,
            Some("LoadRestrictionsNone") => opts.load_restrictions = LoadRestrictions::None,
            Some(other) => return Err(format!("illegal flag value --load-restrictor {other}")),
            None if arg.starts_with("--") => return Err(format!("unknown flag: {arg}")),
            None if dir.is_none() => dir = Some(arg.clone()),
            None => {
                return Err(format!(
                    "specify one path to a kustomization directory\n{USAGE}"
                ));
            }
        }
    }
    Ok(Args {
        dir: dir.unwrap_or_else(|| ".".into()),
        opts,
    })
}

fn run(args: &Args) -> Result<String, String> {
    let dir = &args.dir;
    let path = Path::new(dir);
    if !path.is_dir() {
        return Err(format!("{dir}: not a directory"));
    }
    // As kustomize, the file system is the whole disk: a kustomization may name bases
    // anywhere, and the load restrictor (checked by the library on real paths) keeps the
    // files each kustomization reads in or below its own directory.
    let full = path.canonicalize().map_err(|e| format!("{dir}: {e}"))?;
    let top = full
        .ancestors()
        .last()
        .ok_or_else(|| format!("{dir}: no file system root"))?;
    let rel = full
        .strip_prefix(top)
        .map_err(|e| format!("{dir}: {e}"))?
        .to_string_lossy()
        .replace('\\', "/");
    let fs = DiskFs::new(top).map_err(|e| format!("{}: {e}", top.display()))?;
    let objects =
        build_with(&fs, &rel, args.opts).map_err(|e| absolute_paths(&e.to_string(), &rel))?;
    Ok(yaml::emit_stream(&objects))
}

/// The library names files relative to the file system's root (here the disk's); shown
/// absolute, as kustomize shows them: every path that starts with the built directory's
/// first component gets its leading `/` back.
fn absolute_paths(message: &str, rel: &str) -> String {
    let Some(first) = rel.split('/').next().filter(|f| !f.is_empty()) else {
        return message.to_string();
    };
    let lead = format!("{first}/");
    let is_path_char = |c: char| c.is_alphanumeric() || "._-+@~/".contains(c);
    let mut out = String::with_capacity(message.len() + 16);
    let mut prev: Option<char> = None;
    for (i, c) in message.char_indices() {
        if prev.is_none_or(|p| !is_path_char(p))
            && message
                .get(i..)
                .is_some_and(|rest| rest.starts_with(&lead) || rest == first)
        {
            out.push('/');
        }
        out.push(c);
        prev = Some(c);
    }
    out
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args = match parse(&args) {
        Ok(a) => a,
        Err(e) if e == USAGE => return usage(),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    match run(&args) {
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
