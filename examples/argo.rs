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

use std::process::ExitCode;

use gitops_toolkit::gitops::argo::hooks::StatusHookRunner;
use gitops_toolkit::gitops::argo::operation::OperationPhase;
use gitops_toolkit::gitops::argo::source::Repos;
use gitops_toolkit::gitops::argo::{
    OutputFormat, format_rendered, format_sync, load_application, render_application,
    sync_application,
};
use gitops_toolkit::gitops::store::DirStore;

const USAGE: &str = "usage: argo render APPLICATION_FILE --repo DIR [--revision REV] [--now UNIX] [-o yaml|json]\n       argo sync APPLICATION_FILE --repo DIR --store DIR [--revision REV] [--now UNIX] [--force]";

#[derive(Default)]
struct Args {
    file: Option<String>,
    repo: Option<String>,
    store: Option<String>,
    revision: Option<String>,
    now: Option<i64>,
    output: Option<String>,
    force: bool,
}

fn parse(args: &[String]) -> Result<Args, String> {
    let mut a = Args::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or(format!("{name} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--repo" => a.repo = Some(value("--repo")?),
            "--store" => a.store = Some(value("--store")?),
            "--revision" => a.revision = Some(value("--revision")?),
            "--now" => {
                let v = value("--now")?;
                a.now = Some(
                    v.parse()
                        .map_err(|_| format!("--now {v:?}: not Unix seconds"))?,
                );
            }
            "-o" | "--output" => a.output = Some(value("-o")?),
            "--force" => a.force = true,
            f if a.file.is_none() && !f.starts_with('-') => a.file = Some(f.to_string()),
            other => return Err(format!("unexpected argument {other:?}\n{USAGE}")),
        }
    }
    Ok(a)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.split_first() {
        Some((cmd, rest)) if cmd == "render" || cmd == "sync" => {
            parse(rest).and_then(|a| run(cmd, a))
        }
        _ => Err(USAGE.to_string()),
    };
    match result {
        Ok((out, ok)) => {
            print!("{out}");
            if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}

fn run(cmd: &str, a: Args) -> Result<(String, bool), String> {
    let file = a.file.ok_or(USAGE)?;
    let text = std::fs::read_to_string(&file).map_err(|e| format!("{file}: {e}"))?;
    let app = load_application(&text, &file).map_err(|e| e.to_string())?;
    let repo = a.repo.ok_or(format!("--repo is required\n{USAGE}"))?;
    let repos = Repos::disk(std::path::Path::new(&repo)).map_err(|e| e.to_string())?;
    let revision = a.revision.unwrap_or_else(|| "HEAD".to_string());
    let now = a.now.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64)
    });
    if cmd == "render" {
        let format = match a.output.as_deref() {
            None | Some("yaml") => OutputFormat::Yaml,
            Some("json") => OutputFormat::Json,
            Some(o) => return Err(format!("-o {o:?}: expected yaml or json")),
        };
        let objs = render_application(&app, &repos, &revision, now).map_err(|e| e.to_string())?;
        return Ok((format_rendered(&objs, format), true));
    }
    let store = a.store.ok_or(format!("--store is required\n{USAGE}"))?;
    let mut store = DirStore::open(&store).map_err(|e| e.to_string())?;
    let s = sync_application(
        &app,
        &repos,
        &revision,
        &mut store,
        &StatusHookRunner,
        now,
        a.force,
        20,
    )
    .map_err(|e| e.to_string())?;
    let ok = s
        .run
        .as_ref()
        .is_none_or(|r| r.phase == OperationPhase::Succeeded);
    Ok((format_sync(&s), ok))
}
