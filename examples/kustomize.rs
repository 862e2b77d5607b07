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
//!
//! A thin wrapper over `gitops-toolkit kustomize` (the `cli` module), kept so the same arguments
//! work here; see `gitops-toolkit kustomize --help`.

fn main() -> std::process::ExitCode {
    let args = std::env::args_os().skip(1);
    gitops_toolkit::cli::main_from(
        ["gitops-toolkit".into(), "kustomize".into()]
            .into_iter()
            .chain(args),
    )
}
