//! Argo CD Applications from the command line.
//!
//! ```text
//! argo render APPLICATION_FILE --repo DIR [--revision REV] [--now UNIX] [-o yaml|json]
//! argo sync APPLICATION_FILE --repo DIR --store DIR [--revision REV] [--now UNIX] [--force]
//! ```
//!
//! `render` prints the Application's manifests as Argo CD would apply them, hooks included,
//! in sync order (phase, wave, kind, name), each with its phase and wave
//! (`gitops_toolkit::gitops::argo::render_application`). `sync` syncs them into a directory
//! store as Argo's controller would (automated policy unless `--force`; hooks judged by
//! their live health) and prints each resource's result, the operation phase and message,
//! the sync status and health (`gitops_toolkit::gitops::argo::sync_application`). Every
//! `repoURL` reads from `--repo`.
//!
//! A thin wrapper over `gitops-toolkit argo` (the `cli` module); `-o yaml|json` works as
//! before.

fn main() -> std::process::ExitCode {
    let args = std::env::args_os().skip(1);
    gitops_toolkit::cli::main_from(
        ["gitops-toolkit".into(), "argo".into()]
            .into_iter()
            .chain(args),
    )
}
