//! `gitops-toolkit gitops substitute|reconcile`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::{Fail, Out, Outcome};
use crate::gitops::bootstrap::{BootstrapOptions, Cluster, reconcile_cluster_with};
use crate::gitops::model::Object;
use crate::gitops::reconcile::{
    DirRenderer, KustomizationResult, ReconcileOptions, Source, StatusHealth, reconcile_all,
};
use crate::gitops::source::scan_dir;
use crate::gitops::store::DirStore;
use crate::gitops::substitute::{SubstituteOptions, Vars, substitute_all};
use clap::Subcommand;
use serde_json::{Value, json};

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Print FILE's objects with Flux post-build variables substituted (defaults apply); in
    /// strict mode a missing variable is an error (exit 1).
    Substitute {
        /// Fail on a variable without a value or default.
        #[arg(long)]
        strict: bool,
        /// A variable.
        #[arg(long = "var", value_name = "K=V")]
        vars: Vec<String>,
        /// A YAML stream.
        file: String,
    },
    /// Render every Flux Kustomization found in REPO into a directory store and print one
    /// line per object (`created`, `configured`, `unchanged`, `pruned`) and each
    /// Kustomization's Ready condition. With `--cluster`, start from that cluster path's
    /// `flux-system` Kustomization and reconcile what the store then holds, as a Flux
    /// cluster does.
    Reconcile {
        /// The repository's working tree.
        repo: PathBuf,
        /// A cluster path in REPO (`clusters/production`).
        #[arg(long)]
        cluster: Option<String>,
        /// Fetch the other GitRepositories the cluster uses into this cache (needs --cluster).
        #[arg(long, value_name = "CACHE_DIR", requires = "cluster")]
        fetch: Option<PathBuf>,
        /// The directory store standing in for the cluster.
        #[arg(long, value_name = "STORE_DIR")]
        store: PathBuf,
    },
}

pub(crate) fn run(cmd: Command, out: &mut Out) -> Outcome {
    match cmd {
        Command::Substitute { strict, vars, file } => {
            let mut v = Vars::new();
            for kv in &vars {
                let (k, val) = super::key_value("--var", kv)?;
                v.insert(k, val);
            }
            let text = std::fs::read_to_string(&file).map_err(|e| format!("{file}: {e}"))?;
            let objs = kube_object::yaml::parse_stream(&text, &file).map_err(|e| e.to_string())?;
            let result = substitute_all(
                &objs,
                &v,
                SubstituteOptions::default().strict(strict).always(true),
            )
            .map_err(|e| format!("{file}: {e}"))?;
            out.objects(&result)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Reconcile {
            repo,
            cluster,
            fetch,
            store,
        } => {
            let report = match cluster {
                Some(c) => reconcile_cluster(&repo, &c, &store, fetch.as_deref())?,
                None => reconcile(&repo, &store)?,
            };
            if out.structured() {
                out.value(&report.to_json())?;
            } else {
                out.text(&report.to_text())?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// What a reconcile did, for printing.
#[derive(Default)]
struct Report {
    root_note: Option<String>,
    results: Vec<KustomizationResult>,
    helm: Vec<String>,
    notes: Vec<String>,
}

impl Report {
    fn to_text(&self) -> String {
        let mut out = String::new();
        if let Some(n) = &self.root_note {
            out.push_str(&format!("note: {n}\n"));
        }
        for r in &self.results {
            out.push_str(&r.to_string());
            out.push('\n');
        }
        for h in &self.helm {
            out.push_str(h);
            out.push('\n');
        }
        for n in &self.notes {
            out.push_str(&format!("note: {n}\n"));
        }
        out
    }

    fn to_json(&self) -> Value {
        let results: Vec<Value> = self
            .results
            .iter()
            .map(|r| {
                let conditions: Vec<Value> = r
                    .conditions
                    .iter()
                    .map(|c| {
                        json!({"type": c.type_, "status": c.status, "reason": c.reason,
                               "message": c.message})
                    })
                    .collect();
                let plan: Vec<String> = r.plan.entries.iter().map(ToString::to_string).collect();
                json!({"kustomization": r.key, "applied": r.applied, "plan": plan,
                       "conditions": conditions})
            })
            .collect();
        let mut notes = self.notes.clone();
        notes.extend(self.root_note.clone());
        json!({"kustomizations": results, "helmReleases": self.helm, "notes": notes})
    }
}

fn reconcile(repo: &Path, store_dir: &Path) -> Result<Report, Fail> {
    // Symbolic links and hidden folders are passed by: nothing outside REPO is read.
    let ks: Vec<_> = scan_dir(repo)
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter_map(|(_, o)| match o {
            Object::Kustomization(k) => Some(k),
            _ => None,
        })
        .collect();
    if ks.is_empty() {
        return Err(Fail::Message(format!(
            "{}: no Flux Kustomization found",
            repo.display()
        )));
    }
    let source = Source {
        root: repo.to_path_buf(),
        revision: revision(repo),
    };
    let mut store = DirStore::open(store_dir).map_err(|e| e.to_string())?;
    let results = reconcile_all(
        &ks,
        &source,
        &DirRenderer,
        &mut store,
        &StatusHealth,
        ReconcileOptions::default(),
    );
    Ok(Report {
        results,
        ..Report::default()
    })
}

#[cfg(feature = "git")]
fn revision(dir: &Path) -> String {
    crate::gitops::source::GixBackend::head_revision(dir)
        .map_or_else(|_| "directory".to_string(), |r| r.revision())
}

#[cfg(not(feature = "git"))]
fn revision(_dir: &Path) -> String {
    "directory".to_string()
}

#[cfg(feature = "git")]
fn resolver(fetch: Option<&Path>) -> Box<dyn crate::gitops::bootstrap::SourceResolver> {
    match fetch {
        Some(dir) => Box::new(crate::gitops::bootstrap::GitSources::new(
            &crate::gitops::source::GixBackend,
            dir,
        )),
        None => Box::new(crate::gitops::bootstrap::NoFetch),
    }
}

#[cfg(not(feature = "git"))]
fn resolver(_fetch: Option<&Path>) -> Box<dyn crate::gitops::bootstrap::SourceResolver> {
    Box::new(crate::gitops::bootstrap::NoFetch)
}

fn reconcile_cluster(
    repo: &Path,
    cluster: &str,
    store_dir: &Path,
    fetch: Option<&Path>,
) -> Result<Report, Fail> {
    let cluster_dir = repo.join(cluster.trim_start_matches("./"));
    if !cluster_dir.is_dir() {
        return Err(Fail::Message(format!(
            "{}: no such cluster path",
            cluster_dir.display()
        )));
    }
    let tree: Vec<Object> = scan_dir(&cluster_dir)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|(_, o)| o)
        .collect();
    let source = Source {
        root: repo.to_path_buf(),
        revision: revision(repo),
    };
    let mut store = DirStore::open(store_dir).map_err(|e| e.to_string())?;
    let c = Cluster {
        tree: &tree,
        cluster_path: cluster,
        source: &source,
    };
    let result = reconcile_cluster_with(
        &c,
        resolver(fetch).as_mut(),
        &DirRenderer,
        &mut store,
        &StatusHealth,
        BootstrapOptions::default(),
    )
    .map_err(|e| e.to_string())?;
    Ok(Report {
        root_note: (!result.root_found).then(|| {
            format!("no flux-system Kustomization under {cluster}: using the one Flux generates")
        }),
        results: result.results,
        helm: result
            .helm_releases
            .iter()
            .map(ToString::to_string)
            .collect(),
        notes: result.notes,
    })
}
