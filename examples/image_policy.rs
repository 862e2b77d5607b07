//! Flux-style image policies and setters from the command line.
//!
//! ```text
//! image_policy select (--semver RANGE | --alphabetical asc|desc | --numerical asc|desc)
//!                     [--pattern REGEX] [--extract TEMPLATE] [FILE]
//! image_policy set DIR --policy NS:NAME=IMAGE_REF ... [--update-path PATH] [--dry-run]
//! ```
//!
//! `select` reads tags, one per line, from FILE or stdin and prints the chosen tag (exit 0),
//! or `no tag matched` on stderr (exit 1); an invalid policy exits 2.
//!
//! `set` rewrites the values marked `# {"$imagepolicy": "NS:NAME[:tag|:name|:digest]"}` in
//! every YAML file under DIR, printing `PATH:LINE: OLD -> NEW` per change.
//!
//! Try it: `printf '1.0.0\n1.2.0\n2.0.0\n' | cargo run -q --example image_policy -- select --semver '^1'`

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use gitops_toolkit::image::{ImageRef, Order, Policy, TreeOptions, update_tree_with};

const USAGE: &str = "usage:
  image_policy select (--semver RANGE | --alphabetical asc|desc | --numerical asc|desc) [--pattern REGEX] [--extract TEMPLATE] [FILE]
  image_policy set DIR --policy NS:NAME=IMAGE_REF ... [--update-path PATH] [--dry-run]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("select") => select(args.get(1..).unwrap_or_default()),
        Some("set") => set(args.get(1..).unwrap_or_default()),
        _ => usage("expected a command: select or set"),
    }
}

fn usage(message: &str) -> ExitCode {
    eprintln!("image_policy: {message}\n{USAGE}");
    ExitCode::from(2)
}

fn parse_order(value: &str) -> Option<Order> {
    match value {
        "asc" | "desc" | "ASC" | "DESC" => Order::parse(value),
        _ => None,
    }
}

fn select(args: &[String]) -> ExitCode {
    let mut policy: Option<Result<Policy, String>> = None;
    let mut pattern: Option<String> = None;
    let mut extract = String::new();
    let mut file: Option<String> = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |flag: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        let chosen = match arg.as_str() {
            "--semver" => value(arg).map(|range| Policy::semver(&range).map_err(|e| e.to_string())),
            "--alphabetical" | "--numerical" => value(arg).map(|o| match parse_order(&o) {
                Some(order) if arg == "--alphabetical" => Ok(Policy::alphabetical(order)),
                Some(order) => Ok(Policy::numerical(order)),
                None => Err(format!("{arg}: order must be asc or desc, not {o:?}")),
            }),
            "--pattern" => match value(arg) {
                Ok(p) => {
                    pattern = Some(p);
                    continue;
                }
                Err(e) => return usage(&e),
            },
            "--extract" => match value(arg) {
                Ok(x) => {
                    extract = x;
                    continue;
                }
                Err(e) => return usage(&e),
            },
            flag if flag.starts_with("--") => return usage(&format!("unknown option {flag}")),
            path => {
                if file.replace(path.to_string()).is_some() {
                    return usage("more than one FILE");
                }
                continue;
            }
        };
        match chosen {
            Ok(p) if policy.is_none() => policy = Some(p),
            Ok(_) => return usage("give exactly one of --semver, --alphabetical, --numerical"),
            Err(e) => return usage(&e),
        }
    }
    let policy = match policy {
        None => return usage("give one of --semver, --alphabetical, --numerical"),
        Some(Err(e)) => {
            eprintln!("image_policy: invalid policy: {e}");
            return ExitCode::from(2);
        }
        Some(Ok(p)) => p,
    };
    let policy = match pattern {
        Some(p) => match policy.with_filter(&p, &extract) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("image_policy: invalid policy: {e}");
                return ExitCode::from(2);
            }
        },
        None if !extract.is_empty() => return usage("--extract needs --pattern"),
        None => policy,
    };
    let mut text = String::new();
    let read = match &file {
        Some(path) => std::fs::read_to_string(path).map(|t| text = t),
        None => std::io::stdin().read_to_string(&mut text).map(|_| ()),
    };
    if let Err(e) = read {
        eprintln!("image_policy: {}: {e}", file.as_deref().unwrap_or("stdin"));
        return ExitCode::from(2);
    }
    let tags: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    match policy.select(&tags) {
        Ok(Some(tag)) => {
            println!("{tag}");
            ExitCode::SUCCESS
        }
        Ok(None) => {
            eprintln!("no tag matched");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("no tag matched: {e}");
            ExitCode::from(1)
        }
    }
}

fn set(args: &[String]) -> ExitCode {
    let mut dir: Option<PathBuf> = None;
    let mut policies = BTreeMap::new();
    let mut options = TreeOptions::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--policy" => {
                let Some(spec) = it.next() else {
                    return usage("--policy needs NS:NAME=IMAGE_REF");
                };
                let Some((name, image)) = spec.split_once('=') else {
                    return usage(&format!("--policy {spec:?}: expected NS:NAME=IMAGE_REF"));
                };
                if name.split(':').count() != 2 {
                    return usage(&format!("--policy {spec:?}: the policy must be NS:NAME"));
                }
                match ImageRef::parse(image) {
                    Ok(r) => policies.insert(name.to_string(), r),
                    Err(e) => return usage(&format!("--policy {spec:?}: {e}")),
                };
            }
            "--update-path" => match it.next() {
                Some(p) => options.update_path = Some(PathBuf::from(p)),
                None => return usage("--update-path needs a value"),
            },
            "--dry-run" => options.dry_run = true,
            flag if flag.starts_with("--") => return usage(&format!("unknown option {flag}")),
            path => {
                if dir.replace(PathBuf::from(path)).is_some() {
                    return usage("more than one DIR");
                }
            }
        }
    }
    let Some(dir) = dir else {
        return usage("set needs a DIR");
    };
    if policies.is_empty() {
        return usage("set needs at least one --policy");
    }
    match update_tree_with(&dir, &policies, &options) {
        Ok(report) => {
            for c in &report.changes {
                println!(
                    "{}:{}: {} -> {}",
                    display(&dir, &c.file),
                    c.line,
                    c.old_value,
                    c.new_value
                );
            }
            for u in &report.unknown {
                eprintln!(
                    "{}:{}: unknown policy {:?}, left alone",
                    display(&dir, &u.file),
                    u.line,
                    u.setter
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("image_policy: {e}");
            ExitCode::from(2)
        }
    }
}

fn display(dir: &Path, rel: &str) -> String {
    dir.join(rel).display().to_string()
}
