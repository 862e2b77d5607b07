//! `gitops-toolkit helm template`.

use super::{Fail, Out, Outcome};
use crate::helm::{Chart, Release, Value, chart::coalesce, helm_template, yaml};
use clap::Subcommand;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

/// Largest chart directory read, in bytes (all files together).
const MAX_CHART_BYTES: u64 = 256 << 20;

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Print the manifests a chart renders, as `helm template NAME CHART` does.
    Template {
        /// Release name.
        name: String,
        /// Chart directory.
        chart: String,
        /// Values files, merged in order (later files win).
        #[arg(short = 'f', long = "values", value_name = "VALUES.yaml")]
        values: Vec<String>,
        /// Release namespace.
        #[arg(short = 'n', long, default_value = "default")]
        namespace: String,
    },
}

pub(crate) fn run(cmd: Command, out: &mut Out) -> Outcome {
    let Command::Template {
        name,
        chart,
        values,
        namespace,
    } = cmd;
    let root = Path::new(&chart);
    if !root.is_dir() {
        return Err(Fail::Message(format!("{chart}: not a chart directory")));
    }
    let mut files = BTreeMap::new();
    let mut total = 0;
    walk(root, root, &mut files, &mut total)?;
    let chart = Chart::from_files(&files).map_err(|e| format!("{chart}: {e}"))?;
    let mut user = crate::helm::Map::new();
    for f in &values {
        let text = std::fs::read_to_string(f).map_err(|e| format!("{f}: {e}"))?;
        match yaml::from_yaml(&text).map_err(|e| format!("{f}: {e}"))? {
            Value::Map(m) => user = coalesce(&user, &m),
            Value::Nil => {}
            _ => return Err(Fail::Message(format!("{f}: values must be a mapping"))),
        }
    }
    let release = Release { name, namespace };
    let text = helm_template(&chart, &release, &user).map_err(|e| e.to_string())?;
    if out.structured() {
        let docs =
            kube_object::yaml::parse_stream(&text, "helm template").map_err(|e| e.to_string())?;
        out.objects(&docs)?;
    } else {
        out.text(&text)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads every regular file under `dir` (symbolic links are not followed).
fn walk(
    root: &Path,
    dir: &Path,
    out: &mut BTreeMap<String, Vec<u8>>,
    total: &mut u64,
) -> Result<(), Fail> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for e in entries {
        let e = e.map_err(|e| format!("{}: {e}", dir.display()))?;
        let p = e.path();
        let kind = e.file_type().map_err(|e| format!("{}: {e}", p.display()))?;
        if kind.is_dir() {
            walk(root, &p, out, total)?;
        } else if kind.is_file() {
            let meta = e.metadata().map_err(|e| format!("{}: {e}", p.display()))?;
            *total += meta.len();
            if *total > MAX_CHART_BYTES {
                return Err(Fail::Message(format!(
                    "{}: chart larger than {MAX_CHART_BYTES} bytes",
                    root.display()
                )));
            }
            let rel = p
                .strip_prefix(root)
                .map_err(|e| e.to_string())?
                .to_string_lossy()
                .replace('\\', "/");
            out.insert(
                rel,
                std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))?,
            );
        }
    }
    Ok(())
}
