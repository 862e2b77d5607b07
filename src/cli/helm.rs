//! `gitops-toolkit helm template`.

use super::{Fail, Out, Outcome};
use crate::helm::cli::{TemplateArgs, merge_values};
use crate::helm::{Chart, Release, helm_template};
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
        /// Chart directory or packaged chart (`.tgz`).
        chart: String,
        /// Values files, merged in order (later files win; a comma separates several).
        #[arg(short = 'f', long = "values", value_name = "VALUES.yaml")]
        values: Vec<String>,
        /// `K=V` values, typed as Helm's `--set`.
        #[arg(long = "set", value_name = "K=V")]
        set: Vec<String>,
        /// `K=V` values kept as strings.
        #[arg(long = "set-string", value_name = "K=V")]
        set_string: Vec<String>,
        /// `K=PATH`: the value is the file's text.
        #[arg(long = "set-file", value_name = "K=PATH")]
        set_file: Vec<String>,
        /// `K=JSON` values.
        #[arg(long = "set-json", value_name = "K=JSON")]
        set_json: Vec<String>,
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
        set,
        set_string,
        set_file,
        set_json,
        namespace,
    } = cmd;
    let args = TemplateArgs {
        name,
        chart,
        namespace,
        values_files: values
            .iter()
            .flat_map(|v| v.split(','))
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .collect(),
        set_json,
        set,
        set_string,
        set_file,
    };
    let read = |path: &str| std::fs::read(path).map_err(|e| format!("{path}: {e}"));
    let user = merge_values(&args, &read).map_err(|e| e.to_string())?;
    let root = Path::new(&args.chart);
    let chart = if root.is_dir() {
        let mut files = BTreeMap::new();
        let mut total = 0;
        walk(root, root, &mut files, &mut total)?;
        Chart::from_files(&files).map_err(|e| format!("{}: {e}", args.chart))?
    } else if root.is_file() {
        let bytes = std::fs::read(root).map_err(|e| format!("{}: {e}", args.chart))?;
        Chart::from_tgz(&bytes).map_err(|e| format!("{}: {e}", args.chart))?
    } else {
        return Err(Fail::Message(format!("{}: no such chart", args.chart)));
    };
    let release = Release {
        name: args.name,
        namespace: args.namespace,
    };
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
