//! gitops-core as a command-line tool.
//!
//! ```text
//! gitops substitute [--strict] [--var K=V]... FILE
//! gitops reconcile REPO_DIR [--cluster CLUSTER_PATH [--fetch CACHE_DIR]] --store STORE_DIR
//! ```
//!
//! `substitute` prints FILE's objects with Flux post-build variables substituted (defaults
//! apply); in strict mode a missing variable is an error (exit 1). `reconcile` renders every
//! Flux `Kustomization` found in REPO_DIR into a directory store and prints one line per
//! object (`created`, `configured`, `unchanged`, `pruned`) and each Kustomization's Ready
//! condition; a second run prints only `unchanged`. With `--cluster`, it starts from that
//! cluster path's bootstrap root (`flux-system`, generated as Flux does when absent) and
//! reconciles the Kustomizations the store then holds, as a Flux cluster does
//! (`gitops_toolkit::gitops::bootstrap`); `--fetch` fetches the other GitRepositories they
//! use into CACHE_DIR (with the `git` feature).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use gitops_toolkit::gitops::bootstrap::{BootstrapOptions, Cluster, reconcile_cluster_with};
use gitops_toolkit::gitops::model::Object;
use gitops_toolkit::gitops::reconcile::{
    DirRenderer, ReconcileOptions, Source, StatusHealth, reconcile_all,
};
use gitops_toolkit::gitops::source::scan_dir;
use gitops_toolkit::gitops::store::DirStore;
use gitops_toolkit::gitops::substitute::{SubstituteOptions, Vars, substitute_all};

const USAGE: &str = "usage: gitops substitute [--strict] [--var K=V]... FILE\n       gitops reconcile REPO_DIR [--cluster CLUSTER_PATH [--fetch CACHE_DIR]] --store STORE_DIR";

fn substitute(args: &[String]) -> Result<String, String> {
    let mut strict = false;
    let mut vars = Vars::new();
    let mut file = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--strict" => strict = true,
            "--var" => {
                let kv = it.next().ok_or("--var needs K=V")?;
                let (k, v) = kv
                    .split_once('=')
                    .ok_or_else(|| format!("--var {kv:?}: expected K=V"))?;
                vars.insert(k.to_string(), v.to_string());
            }
            f if file.is_none() && !f.starts_with("--") => file = Some(f.to_string()),
            other => return Err(format!("unexpected argument {other:?}\n{USAGE}")),
        }
    }
    let file = file.ok_or(USAGE)?;
    let text = std::fs::read_to_string(&file).map_err(|e| format!("{file}: {e}"))?;
    let objs = kustomize_yaml_parse(&text, &file)?;
    let out = substitute_all(
        &objs,
        &vars,
        SubstituteOptions {
            strict,
            always: true,
        },
    )
    .map_err(|e| format!("{file}: {e}"))?;
    Ok(gitops_toolkit::kustomize::yaml::emit_stream(&out))
}

fn kustomize_yaml_parse(text: &str, origin: &str) -> Result<Vec<serde_json::Value>, String> {
    gitops_toolkit::kustomize::yaml::parse_stream(text, origin).map_err(|e| e.to_string())
}

#[cfg(feature = "git")]
fn revision(dir: &Path) -> String {
    gitops_toolkit::gitops::source::GixBackend::head_revision(dir)
        .map_or_else(|_| "directory".to_string(), |r| r.revision())
}

#[cfg(not(feature = "git"))]
fn revision(_dir: &Path) -> String {
    "directory".to_string()
}

fn reconcile(args: &[String]) -> Result<String, String> {
    // `--fetch CACHE_DIR` (with --cluster): other GitRepositories are fetched into it.
    let mut args = args.to_vec();
    let mut fetch = None;
    if let Some(i) = args.iter().position(|a| a == "--fetch") {
        let dir = args
            .get(i + 1)
            .cloned()
            .ok_or("--fetch needs a cache directory")?;
        args.drain(i..i + 2);
        fetch = Some(PathBuf::from(dir));
    }
    let args = args.as_slice();
    let (repo, store_dir, cluster) = match args {
        [repo, flag, store] if flag == "--store" => {
            (PathBuf::from(repo), PathBuf::from(store), None)
        }
        [repo, c, cluster, flag, store] if flag == "--store" && c == "--cluster" => (
            PathBuf::from(repo),
            PathBuf::from(store),
            Some(cluster.clone()),
        ),
        _ => return Err(USAGE.to_string()),
    };
    if let Some(cluster) = cluster {
        return reconcile_cluster(&repo, &cluster, &store_dir, fetch.as_deref());
    }
    if fetch.is_some() {
        return Err(format!("--fetch goes with --cluster\n{USAGE}"));
    }
    // Symbolic links and hidden folders are passed by: nothing outside REPO_DIR is read.
    let ks: Vec<_> = scan_dir(&repo)
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter_map(|(_, o)| match o {
            Object::Kustomization(k) => Some(k),
            _ => None,
        })
        .collect();
    if ks.is_empty() {
        return Err(format!("{}: no Flux Kustomization found", repo.display()));
    }
    let source = Source {
        root: repo.clone(),
        revision: revision(&repo),
    };
    let mut store = DirStore::open(&store_dir).map_err(|e| e.to_string())?;
    let results = reconcile_all(
        &ks,
        &source,
        &DirRenderer,
        &mut store,
        &StatusHealth,
        ReconcileOptions::default(),
    );
    let mut out = String::new();
    for r in &results {
        out.push_str(&r.to_string());
        out.push('\n');
    }
    Ok(out)
}

#[cfg(feature = "git")]
fn resolver(fetch: Option<&Path>) -> Box<dyn gitops_toolkit::gitops::bootstrap::SourceResolver> {
    match fetch {
        Some(dir) => Box::new(gitops_toolkit::gitops::bootstrap::GitSources::new(
            &gitops_toolkit::gitops::source::GixBackend,
            dir,
        )),
        None => Box::new(gitops_toolkit::gitops::bootstrap::NoFetch),
    }
}

#[cfg(not(feature = "git"))]
fn resolver(_fetch: Option<&Path>) -> Box<dyn gitops_toolkit::gitops::bootstrap::SourceResolver> {
    Box::new(gitops_toolkit::gitops::bootstrap::NoFetch)
}

fn reconcile_cluster(
    repo: &Path,
    cluster: &str,
    store_dir: &Path,
    fetch: Option<&Path>,
) -> Result<String, String> {
    let cluster_dir = repo.join(cluster.trim_start_matches("./"));
    if !cluster_dir.is_dir() {
        return Err(format!("{}: no such cluster path", cluster_dir.display()));
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
    let mut out = String::new();
    if !result.root_found {
        out.push_str(&format!(
            "note: no flux-system Kustomization under {cluster}: using the one Flux generates\n"
        ));
    }
    for r in &result.results {
        out.push_str(&r.to_string());
        out.push('\n');
    }
    for r in &result.helm_releases {
        out.push_str(&r.to_string());
        out.push('\n');
    }
    for n in &result.notes {
        out.push_str(&format!("note: {n}\n"));
    }
    Ok(out)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.split_first() {
        Some((cmd, rest)) if cmd == "substitute" => substitute(rest),
        Some((cmd, rest)) if cmd == "reconcile" => reconcile(rest),
        _ => Err(USAGE.to_string()),
    };
    match result {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(msg) => {
            eprintln!("error: {msg}");
            ExitCode::FAILURE
        }
    }
}
