//! `gitops-toolkit image select|set`.

use super::{Fail, Out, Outcome};
use crate::image::{ImageRef, Order, Policy, TreeOptions, update_tree_with};
use clap::{Subcommand, ValueEnum};
use serde_json::json;
use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Read tags, one per line, from FILE or stdin and print the one the policy chooses
    /// (exit 0), or `no tag matched` on stderr (exit 1); an invalid policy exits 2.
    Select {
        /// A semver range (Masterminds syntax, as Flux's `semver.range`).
        #[arg(long, group = "policy", value_name = "RANGE")]
        semver: Option<String>,
        /// Alphabetical order.
        #[arg(long, group = "policy", value_enum, value_name = "ORDER")]
        alphabetical: Option<Dir>,
        /// Numerical order.
        #[arg(long, group = "policy", value_enum, value_name = "ORDER")]
        numerical: Option<Dir>,
        /// `filterTags.pattern`.
        #[arg(long, value_name = "REGEX")]
        pattern: Option<String>,
        /// `filterTags.extract` (needs `--pattern`).
        #[arg(long, value_name = "TEMPLATE", requires = "pattern")]
        extract: Option<String>,
        /// File of tags (default: stdin).
        file: Option<String>,
    },
    /// Rewrite the values marked `# {"$imagepolicy": "NS:NAME[:tag|:name|:digest]"}` under
    /// DIR with each policy's image and print one `FILE:LINE: OLD -> NEW` line per change.
    Set {
        /// The tree to rewrite (nothing outside it is written, symlinks are not followed).
        dir: PathBuf,
        /// A policy's chosen image.
        #[arg(long = "policy", value_name = "NS:NAME=IMAGE_REF", required = true)]
        policies: Vec<String>,
        /// Only this path under DIR (`update.path`).
        #[arg(long = "update-path")]
        update_path: Option<PathBuf>,
        /// Report the changes without writing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Dir {
    /// Ascending.
    #[value(alias = "ASC")]
    Asc,
    /// Descending.
    #[value(alias = "DESC")]
    Desc,
}

pub(crate) fn run(cmd: Command, out: &mut Out) -> Outcome {
    match cmd {
        Command::Select {
            semver,
            alphabetical,
            numerical,
            pattern,
            extract,
            file,
        } => {
            let order = |d: Dir| match d {
                Dir::Asc => Order::parse("asc"),
                Dir::Desc => Order::parse("desc"),
            };
            let invalid = |e: String| {
                eprintln!("error: invalid policy: {e}");
                Fail::Code(2)
            };
            let policy = match (semver, alphabetical, numerical) {
                (Some(r), None, None) => Policy::semver(&r).map_err(|e| invalid(e.to_string()))?,
                (None, Some(d), None) => Policy::alphabetical(order(d).ok_or(Fail::Code(2))?),
                (None, None, Some(d)) => Policy::numerical(order(d).ok_or(Fail::Code(2))?),
                _ => {
                    return Err(Fail::Usage(
                        "give one of --semver, --alphabetical, --numerical".into(),
                    ));
                }
            };
            let policy = match pattern {
                Some(p) => policy
                    .with_filter(&p, extract.as_deref().unwrap_or(""))
                    .map_err(|e| invalid(e.to_string()))?,
                None => policy,
            };
            let mut text = String::new();
            let read = match &file {
                Some(path) => std::fs::read_to_string(path).map(|t| text = t),
                None => std::io::stdin().read_to_string(&mut text).map(|_| ()),
            };
            if let Err(e) = read {
                return Err(Fail::Usage(format!(
                    "{}: {e}",
                    file.as_deref().unwrap_or("stdin")
                )));
            }
            let tags: Vec<&str> = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            let chosen = policy.select(&tags);
            if out.structured() {
                let tag = chosen.as_ref().ok().and_then(|t| t.as_deref());
                out.value(&json!({"tag": tag}))?;
            }
            match chosen {
                Ok(Some(tag)) => {
                    if !out.structured() {
                        out.line(&tag)?;
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Ok(None) => {
                    eprintln!("no tag matched");
                    Ok(ExitCode::from(1))
                }
                Err(e) => {
                    eprintln!("no tag matched: {e}");
                    Ok(ExitCode::from(1))
                }
            }
        }
        Command::Set {
            dir,
            policies: specs,
            update_path,
            dry_run,
        } => {
            let mut policies = BTreeMap::new();
            for spec in &specs {
                let Some((name, image)) = spec.split_once('=') else {
                    return Err(Fail::Usage(format!(
                        "--policy {spec:?}: expected NS:NAME=IMAGE_REF"
                    )));
                };
                if name.split(':').count() != 2 {
                    return Err(Fail::Usage(format!(
                        "--policy {spec:?}: the policy must be NS:NAME"
                    )));
                }
                let r = ImageRef::parse(image)
                    .map_err(|e| Fail::Usage(format!("--policy {spec:?}: {e}")))?;
                policies.insert(name.to_string(), r);
            }
            let options = TreeOptions::default()
                .update_path(update_path)
                .dry_run(dry_run);
            let report = update_tree_with(&dir, &policies, &options).map_err(|e| {
                eprintln!("error: {e}");
                Fail::Code(2)
            })?;
            for u in &report.unknown {
                eprintln!(
                    "{}:{}: unknown policy {:?}, left alone",
                    display(&dir, &u.file),
                    u.line,
                    u.setter
                );
            }
            if out.structured() {
                let changes: Vec<_> = report
                    .changes
                    .iter()
                    .map(|c| {
                        json!({"file": display(&dir, &c.file), "line": c.line,
                               "old": c.old_value, "new": c.new_value})
                    })
                    .collect();
                out.value(&json!({"changes": changes}))?;
            } else {
                for c in &report.changes {
                    out.line(&format!(
                        "{}:{}: {} -> {}",
                        display(&dir, &c.file),
                        c.line,
                        c.old_value,
                        c.new_value
                    ))?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn display(dir: &Path, rel: &str) -> String {
    dir.join(rel).display().to_string()
}
