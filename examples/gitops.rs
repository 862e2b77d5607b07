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
//!
//! A thin wrapper over `gitops-toolkit gitops` (the `cli` module), kept so the same arguments
//! work here; see `gitops-toolkit gitops --help`.

fn main() -> std::process::ExitCode {
    let args = std::env::args_os().skip(1);
    gitops_toolkit::cli::main_from(
        ["gitops-toolkit".into(), "gitops".into()]
            .into_iter()
            .chain(args),
    )
}
