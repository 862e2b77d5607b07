//! The two things a host (or the `argo` command) does with an Application: render it in
//! sync order, and sync it into a [`ClusterStore`].

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::health::{HealthStatus, application_health};
use super::hooks::HookRunner;
use super::operation::{AutoSync, OperationPhase, SyncRun, auto_sync_decision, sync_status};
use super::source::{Repos, render_sources};
use super::sync::{SyncOperation, SyncPhase, plan_sync};
use crate::Error;
use crate::model::Application;
use crate::object::ResId;
use crate::store::ClusterStore;

/// One object as Argo CD would apply it, with where in the sync it goes.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderedObject {
    /// Phase.
    pub phase: SyncPhase,
    /// Wave.
    pub wave: i64,
    /// Whether it is a hook.
    pub hook: bool,
    /// The object (namespace set, hooks named, tracking label not yet set).
    pub object: Value,
}

/// The inventory key of an Application in a store.
pub fn owner_key(app: &Application) -> String {
    format!("Application/{}", app.metadata.key())
}

/// Renders `app` from `repos` and orders it as a first sync at `revision` would run it
/// (phase, wave, kind, name), hooks included; `started_at` (Unix seconds) names
/// `generateName` hooks.
pub fn render_application(
    app: &Application,
    repos: &Repos,
    revision: &str,
    started_at: i64,
) -> Result<Vec<RenderedObject>, Error> {
    let desired = render_sources(app, repos)?;
    let op = SyncOperation::for_application(app, revision, started_at);
    let tasks = plan_sync(&desired, &Default::default(), &op);
    Ok(tasks
        .into_iter()
        .filter_map(|t| {
            let (phase, wave, hook) = (t.phase, t.wave(), t.is_hook());
            t.target.map(|object| RenderedObject {
                phase,
                wave,
                hook,
                object,
            })
        })
        .collect())
}

/// Output format of [`format_rendered`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// A YAML stream, each document preceded by a `# phase: P, wave: W` comment.
    Yaml,
    /// A JSON array of `{phase, wave, hook, object}`.
    Json,
}

/// Prints rendered objects for the `argo render` command.
pub fn format_rendered(objs: &[RenderedObject], format: OutputFormat) -> String {
    match format {
        OutputFormat::Yaml => {
            let mut out = String::new();
            for o in objs {
                out.push_str("---\n");
                out.push_str(&format!(
                    "# phase: {}, wave: {}{}\n",
                    o.phase,
                    o.wave,
                    if o.hook { ", hook" } else { "" }
                ));
                out.push_str(&kustomize_lite::yaml::emit_document(&o.object));
            }
            out
        }
        OutputFormat::Json => {
            let list: Vec<Value> = objs
                .iter()
                .map(|o| json!({"phase": o.phase.as_str(), "wave": o.wave, "hook": o.hook, "object": o.object}))
                .collect();
            let mut s = serde_json::to_string_pretty(&Value::Array(list)).unwrap_or_default();
            s.push('\n');
            s
        }
    }
}

/// What a sync did.
#[derive(Debug, Clone)]
pub struct ApplicationSync {
    /// The decision (automated policy, or forced).
    pub decision: AutoSync,
    /// The run (`None` when no sync was started).
    pub run: Option<SyncRun>,
    /// `Synced` or `OutOfSync` after it.
    pub sync_status: &'static str,
    /// Health of the live resources after it.
    pub health: HealthStatus,
}

/// Syncs `app` at `revision` into `store`: renders, plans against the live objects the
/// Application manages (its inventory plus what it renders), and runs the sync for up to
/// `max_steps` passes (hooks go through `hooks`). Without `force`, the automated policy
/// decides (selfHeal, allowEmpty); `force` is a manual sync with the policy's prune setting.
#[allow(clippy::too_many_arguments)]
pub fn sync_application(
    app: &Application,
    repos: &Repos,
    revision: &str,
    store: &mut dyn ClusterStore,
    hooks: &dyn HookRunner,
    now: i64,
    force: bool,
    max_steps: usize,
) -> Result<ApplicationSync, Error> {
    let desired = render_sources(app, repos)?;
    let owner = owner_key(app);
    let previous = store.inventory(&owner)?.unwrap_or_default();
    let op = SyncOperation::for_application(app, revision, now);
    let live = live_objects(store, &previous, &desired, &op)?;
    let status = sync_status(&desired, &live, &op.namespace);
    let last = store.synced_revision(&owner)?;
    let non_hooks = desired.iter().filter(|d| !super::sync::is_hook(d)).count();
    let decision = if force {
        AutoSync::Sync
    } else {
        auto_sync_decision(
            app,
            revision,
            last.as_deref(),
            status,
            non_hooks,
            live.len(),
        )
    };
    if decision != AutoSync::Sync {
        let health = application_health(live.values());
        return Ok(ApplicationSync {
            decision,
            run: None,
            sync_status: status,
            health,
        });
    }
    let tasks = plan_sync(&desired, &live, &op);
    let mut run = SyncRun::new(app, op.clone(), tasks);
    run.run(store, hooks, now, max_steps);
    let mut inventory = run.inventory();
    // What pruning skipped stays managed.
    inventory.extend(
        run.tasks
            .iter()
            .filter(|t| t.is_prune() && t.result == Some(super::sync::ResultCode::PruneSkipped))
            .map(super::sync::SyncTask::id),
    );
    store.set_inventory(&owner, &inventory)?;
    if run.phase == OperationPhase::Succeeded {
        store.set_synced_revision(&owner, revision)?;
    }
    let live = live_objects(store, &inventory, &desired, &op)?;
    Ok(ApplicationSync {
        decision,
        sync_status: sync_status(&desired, &live, &op.namespace),
        health: application_health(live.values()),
        run: Some(run),
    })
}

fn live_objects(
    store: &dyn ClusterStore,
    inventory: &BTreeSet<ResId>,
    desired: &[Value],
    op: &SyncOperation,
) -> Result<std::collections::BTreeMap<ResId, Value>, Error> {
    let planned = plan_sync(
        desired,
        &Default::default(),
        &SyncOperation {
            skip_hooks: true,
            create_namespace: false,
            ..op.clone()
        },
    );
    let mut ids = inventory.clone();
    ids.extend(planned.iter().map(super::sync::SyncTask::id));
    store.get_many(&mut ids.iter())
}

/// The one `Application` of a YAML file (the `argo` command's APPLICATION_FILE).
pub fn load_application(text: &str, origin: &str) -> Result<Application, Error> {
    let mut apps: Vec<Application> = crate::model::parse_objects(text, origin)?
        .into_iter()
        .filter_map(|o| match o {
            crate::model::Object::Application(a) => Some(a),
            _ => None,
        })
        .collect();
    match apps.len() {
        1 => Ok(apps.remove(0)),
        n => Err(Error::Model {
            origin: origin.to_string(),
            message: format!("expected one argoproj.io Application, found {n}"),
        }),
    }
}

/// A sync as `argocd app sync` prints it: one line per resource result (`GROUP KIND
/// NAMESPACE NAME STATUS HOOK MESSAGE`), then the phase, message, sync status and health.
pub fn format_sync(s: &ApplicationSync) -> String {
    let mut out = String::new();
    match &s.run {
        None => out.push_str(&format!("no sync started: {:?}\n", s.decision)),
        Some(run) => {
            for t in run.tasks.iter().filter(|t| t.hook_phase.is_some()) {
                out.push_str(&format!(
                    "{:<12} {:<22} {:<12} {:<40} {:<12} {:<9} {}\n",
                    t.group(),
                    t.kind(),
                    t.namespace(),
                    t.name(),
                    t.result.map_or("", super::sync::ResultCode::as_str),
                    if t.is_hook() { t.phase.as_str() } else { "" },
                    t.message
                ));
            }
            out.push_str(&format!(
                "Phase:       {}\nMessage:     {}\n",
                run.phase.as_str(),
                run.message
            ));
        }
    }
    out.push_str(&format!(
        "Sync Status: {}\nHealth:      {}\n",
        s.sync_status, s.health.status
    ));
    out
}
