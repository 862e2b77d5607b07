//! Reconciling Flux `Kustomization`s (and Argo CD `Application`s) into a [`ClusterStore`].
//!
//! One pass per Kustomization, in `dependsOn` order: check dependencies, render the path,
//! substitute post-build variables, set `targetNamespace`, plan against the store, apply,
//! prune, run health checks, and report Flux conditions.
//!
//! The parts have a file each: `health` (object health and the Kustomization's health
//! checks), `depends_on` (ordering and readiness of dependencies) and `argo` (Argo CD
//! Application sync over the same apply).
//!
//! Reliability: objects are applied one at a time; when a step fails the inventory is
//! written as the previous inventory plus what was applied so far (minus what was pruned),
//! so it always names every object this Kustomization put in the store, and prune never
//! touches an object outside it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::PathBuf;

use serde_json::Value;

use crate::Error;
use crate::model::Kustomization;
use crate::object::{ResId, set_meta_entry};
use crate::plan::{Action, Plan, PlanOptions, plan};
use crate::store::ClusterStore;
use crate::substitute::{SubstituteOptions, Vars, layer_vars, substitute_all};

/// A fetched source: its files on disk and its revision (`main@sha1:<hex>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// Root directory of the artifact.
    pub root: PathBuf,
    /// Artifact revision.
    pub revision: String,
}

pub use crate::render::{BuildOverrides, DirRenderer, RenderError, Renderer};

mod argo;
mod depends_on;
mod health;

pub use argo::{ApplicationResult, application_as_kustomization, sync_application};
pub use depends_on::{dependency_order, reconcile_all};
pub use health::{Health, HealthChecker, StatusHealth};

/// A Flux status condition (`Ready`, `Reconciling`, `Stalled`) is kube-object's
/// [`Condition`]: `metav1.Condition`, with Flux's reasons (`ReconciliationSucceeded`,
/// `DependencyNotReady`, `BuildFailed`, ...).
pub use kube_object::{Condition, ConditionStatus};

/// The outcome of reconciling one Kustomization.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct KustomizationResult {
    /// `namespace/name`.
    pub key: String,
    /// The plan (empty when reconciling stopped before planning).
    pub plan: Plan,
    /// Entries actually carried out (a prefix of the plan when a step failed).
    pub applied: usize,
    /// Conditions, `Ready` first.
    pub conditions: Vec<Condition>,
}

impl KustomizationResult {
    /// Whether `Ready` is `True`.
    pub fn ready(&self) -> bool {
        self.conditions.first().is_some_and(|c| c.is_true("Ready"))
    }

    /// The `Ready` condition.
    pub fn ready_condition(&self) -> Option<&Condition> {
        self.conditions.iter().find(|c| c.type_ == "Ready")
    }

    pub(crate) fn stopped(key: String, reason: &str, message: String, stalled: bool) -> Self {
        let mut conditions = vec![Condition::new(
            "Ready",
            ConditionStatus::False,
            reason,
            message.clone(),
        )];
        conditions.push(if stalled {
            Condition::new("Stalled", ConditionStatus::True, reason, message)
        } else {
            Condition::new(
                "Reconciling",
                ConditionStatus::True,
                "ProgressingWithRetry",
                message,
            )
        });
        KustomizationResult {
            key,
            plan: Plan::default(),
            applied: 0,
            conditions,
        }
    }
}

impl fmt::Display for KustomizationResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for e in self.plan.entries.iter().take(self.applied) {
            writeln!(f, "{e}")?;
        }
        match self.ready_condition() {
            Some(c) => write!(f, "Kustomization/{} {c}", self.key),
            None => write!(f, "Kustomization/{}", self.key),
        }
    }
}

/// Options of a reconcile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReconcileOptions {
    /// Strict post-build substitution (Flux's default since v1.9).
    pub strict_substitution: bool,
}

impl Default for ReconcileOptions {
    fn default() -> Self {
        ReconcileOptions {
            strict_substitution: true,
        }
    }
}

impl ReconcileOptions {
    /// Strict post-build substitution (default `true`).
    pub fn strict_substitution(mut self, strict: bool) -> Self {
        self.strict_substitution = strict;
        self
    }
}

/// The inventory owner key of a Kustomization.
pub fn owner_key(k: &Kustomization) -> String {
    format!("Kustomization/{}/{}", k.metadata.namespace, k.metadata.name)
}

fn load_vars(k: &Kustomization, store: &dyn ClusterStore) -> Result<Vars, String> {
    let Some(pb) = &k.spec.post_build else {
        return Ok(Vars::new());
    };
    let mut sources = Vec::new();
    for r in &pb.substitute_from {
        let id = ResId::new("", &r.kind, &k.metadata.namespace, &r.name);
        let obj = store.get(&id).map_err(|e| e.to_string())?;
        let Some(obj) = obj else {
            if r.optional {
                continue;
            }
            return Err(format!(
                "substitute from '{}/{}' error: not found",
                r.kind, r.name
            ));
        };
        let mut data = BTreeMap::new();
        for (key, v) in obj
            .get("data")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let text = v.as_str().unwrap_or_default();
            let value = if r.kind == "Secret" {
                use base64::Engine as _;
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .map_err(|e| format!("Secret/{} key {key}: {e}", r.name))?;
                String::from_utf8_lossy(&bytes).into_owned()
            } else {
                text.to_string()
            };
            data.insert(key.clone(), value);
        }
        for (key, v) in obj
            .get("stringData")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            data.insert(key.clone(), v.as_str().unwrap_or_default().to_string());
        }
        sources.push(data);
    }
    Ok(layer_vars(sources.iter(), Some(&pb.substitute)))
}

/// Renders a Kustomization into the objects it would apply.
pub fn render(
    k: &Kustomization,
    source: &Source,
    renderer: &dyn Renderer,
    store: &dyn ClusterStore,
    opts: ReconcileOptions,
) -> Result<Vec<Value>, Error> {
    let key = k.metadata.key();
    let build_err = |source: RenderError| Error::Build {
        kustomization: key.clone(),
        path: k.spec.path.clone(),
        source,
    };
    let rel = k.spec.path.trim_start_matches('/');
    if rel.split('/').any(|s| s == "..") {
        return Err(build_err(RenderError::Invalid(
            "path leaves the source".into(),
        )));
    }
    let overrides = BuildOverrides {
        target_namespace: k.spec.target_namespace.clone().filter(|ns| !ns.is_empty()),
        patches: k.spec.patches.clone(),
        images: k.spec.images.clone(),
        components: k.spec.components.clone(),
    };
    let objs = renderer
        .render_source(&source.root, rel, &overrides)
        .map_err(build_err)?;
    let vars = load_vars(k, store).map_err(|m| build_err(m.into()))?;
    let mut objs = if k.spec.post_build.is_some() {
        substitute_all(
            &objs,
            &vars,
            SubstituteOptions {
                strict: opts.strict_substitution,
                always: false,
            },
        )?
    } else {
        objs
    };
    if let Some(common) = &k.spec.common_metadata {
        for o in &mut objs {
            for (key, value) in &common.labels {
                set_meta_entry(o, "labels", key, value);
            }
            for (key, value) in &common.annotations {
                set_meta_entry(o, "annotations", key, value);
            }
        }
    }
    for o in &mut objs {
        set_meta_entry(
            o,
            "labels",
            "kustomize.toolkit.fluxcd.io/name",
            &k.metadata.name,
        );
        set_meta_entry(
            o,
            "labels",
            "kustomize.toolkit.fluxcd.io/namespace",
            &k.metadata.namespace,
        );
    }
    Ok(objs)
}

/// Reconciles one Kustomization. `ready` holds the readiness of the other Kustomizations
/// (`namespace/name`), for `dependsOn`.
pub fn reconcile_kustomization(
    k: &Kustomization,
    source: &Source,
    renderer: &dyn Renderer,
    store: &mut dyn ClusterStore,
    health: &dyn HealthChecker,
    ready: &BTreeMap<String, bool>,
    opts: ReconcileOptions,
) -> KustomizationResult {
    let key = k.metadata.key();
    if k.spec.decryption.is_some() {
        return KustomizationResult::stopped(
            key,
            "DecryptionFailed",
            "SOPS decryption (spec.decryption) is not supported here: nothing was applied, \
             rather than encrypted data"
                .into(),
            true,
        );
    }
    if k.spec.kube_config.is_some() {
        return KustomizationResult::stopped(
            key,
            "ReconciliationFailed",
            "spec.kubeConfig names a remote cluster; this reconcile applies to its own store \
             only"
                .into(),
            true,
        );
    }
    if k.spec.suspend {
        let c = Condition::new(
            "Ready",
            ConditionStatus::Unknown,
            "Suspended",
            "reconciliation is suspended",
        );
        return KustomizationResult {
            key,
            plan: Plan::default(),
            applied: 0,
            conditions: vec![c],
        };
    }
    if let Some(dep_key) = depends_on::first_unready(k, ready) {
        return KustomizationResult::stopped(
            key,
            "DependencyNotReady",
            format!("dependency '{dep_key}' is not ready"),
            false,
        );
    }
    let desired = match render(k, source, renderer, &*store, opts) {
        Ok(d) => d,
        Err(e) => return KustomizationResult::stopped(key, "BuildFailed", e.to_string(), true),
    };
    let owner = owner_key(k);
    let outcome = apply_objects(&owner, &desired, k.spec.prune, store);
    let (plan, applied) = match outcome {
        Ok(p) => p,
        Err((plan, applied, e)) => {
            let mut r =
                KustomizationResult::stopped(key, "ReconciliationFailed", e.to_string(), false);
            r.plan = plan;
            r.applied = applied;
            return r;
        }
    };
    let unhealthy = health::unhealthy(k, &plan, &*store, health);
    let conditions = if unhealthy.is_empty() {
        vec![Condition::new(
            "Ready",
            ConditionStatus::True,
            "ReconciliationSucceeded",
            format!("Applied revision: {}", source.revision),
        )]
    } else {
        let msg = format!(
            "health check failed after applying revision {}: {}",
            source.revision,
            unhealthy.join("; ")
        );
        vec![
            Condition::new(
                "Ready",
                ConditionStatus::False,
                "HealthCheckFailed",
                msg.clone(),
            ),
            Condition::new(
                "Reconciling",
                ConditionStatus::True,
                "ProgressingWithRetry",
                msg,
            ),
        ]
    };
    KustomizationResult {
        key,
        plan,
        applied,
        conditions,
    }
}

pub(crate) type ApplyFailure = (Plan, usize, Error);

/// Plans and applies `desired` for `owner`, keeping the inventory truthful on failure.
pub fn apply_objects(
    owner: &str,
    desired: &[Value],
    prune: bool,
    store: &mut dyn ClusterStore,
) -> Result<(Plan, usize), ApplyFailure> {
    let fail = |e: Error| (Plan::default(), 0, e);
    let previous = store.inventory(owner).map_err(fail)?.unwrap_or_default();
    let mut ids: BTreeSet<ResId> = previous.clone();
    for o in desired {
        ids.insert(ResId::of(o).map_err(fail)?);
    }
    let live = store.get_many(&mut ids.iter()).map_err(fail)?;
    let p = plan(
        desired,
        &live,
        &previous,
        PlanOptions::default().prune(prune),
    )
    .map_err(fail)?;
    let mut inventory = previous;
    let mut done = 0usize;
    let mut result = Ok(());
    for entry in &p.entries {
        let step = match (&entry.action, &entry.desired) {
            (Action::Create | Action::Update(_), Some(obj)) => store.apply(obj).map(|()| {
                inventory.insert(entry.id.clone());
            }),
            (Action::Unchanged, _) => {
                inventory.insert(entry.id.clone());
                Ok(())
            }
            (Action::Prune, _) => store.delete(&entry.id).map(|_| {
                inventory.remove(&entry.id);
            }),
            (Action::Orphan, _) => {
                inventory.remove(&entry.id);
                Ok(())
            }
            (_, None) => Ok(()),
        };
        if let Err(e) = step {
            result = Err(e);
            break;
        }
        done += 1;
    }
    match result {
        Ok(()) => match store.set_inventory(owner, &inventory) {
            Ok(()) => Ok((p, done)),
            Err(e) => Err((p, done, e)),
        },
        Err(e) => {
            // Best effort: the inventory names every object of this owner now in the store.
            let _ = store.set_inventory(owner, &inventory);
            Err((p, done, e))
        }
    }
}
