//! `gitops-toolkit argo render|sync`.

use super::{Format, Out, Outcome};
use crate::gitops::argo::hooks::StatusHookRunner;
use crate::gitops::argo::operation::OperationPhase;
use crate::gitops::argo::source::Repos;
use crate::gitops::argo::{
    OutputFormat, format_rendered, format_sync, load_application, render_application,
    sync_application,
};
use crate::gitops::store::DirStore;
use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;

/// What both commands read.
#[derive(Debug, clap::Args)]
pub(crate) struct Common {
    /// The Application manifest.
    file: String,
    /// The repository tree every `repoURL` reads from.
    #[arg(long)]
    repo: PathBuf,
    /// The revision reported as synced.
    #[arg(long, default_value = "HEAD")]
    revision: String,
    /// The time, in Unix seconds (default: now).
    #[arg(long)]
    now: Option<i64>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Print the Application's manifests as Argo CD would apply them, hooks included, in
    /// sync order (phase, wave, kind, name), each with its phase and wave.
    Render {
        #[command(flatten)]
        common: Common,
    },
    /// Sync into a directory store as Argo's controller would (automated policy unless
    /// `--force`; hooks judged by their live health) and print each resource's result, the
    /// operation phase and message, the sync status and health.
    Sync {
        #[command(flatten)]
        common: Common,
        /// The directory store standing in for the cluster.
        #[arg(long)]
        store: PathBuf,
        /// Sync even when the automated policy would not.
        #[arg(long)]
        force: bool,
    },
}

pub(crate) fn run(cmd: Command, out: &mut Out) -> Outcome {
    let common = match &cmd {
        Command::Render { common } | Command::Sync { common, .. } => common,
    };
    let file = &common.file;
    let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
    let app = load_application(&text, file).map_err(|e| e.to_string())?;
    let repos = Repos::disk(&common.repo).map_err(|e| e.to_string())?;
    let now = common.now.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
    });
    match &cmd {
        Command::Render { .. } => {
            let format = match out.format {
                Format::Json => OutputFormat::Json,
                Format::Text | Format::Yaml => OutputFormat::Yaml,
            };
            let objs = render_application(&app, &repos, &common.revision, now)
                .map_err(|e| e.to_string())?;
            out.text(&format_rendered(&objs, format))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Sync { store, force, .. } => {
            let mut store = DirStore::open(store).map_err(|e| e.to_string())?;
            let s = sync_application(
                &app,
                &repos,
                &common.revision,
                &mut store,
                &StatusHookRunner,
                now,
                *force,
                20,
            )
            .map_err(|e| e.to_string())?;
            out.text(&format_sync(&s))?;
            let ok = s
                .run
                .as_ref()
                .is_none_or(|r| r.phase == OperationPhase::Succeeded);
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}
