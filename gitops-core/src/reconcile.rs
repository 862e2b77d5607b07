//! Reconciling Flux `Kustomization`s (and Argo CD `Application`s) into a [`ClusterStore`].
//!
//! One pass per Kustomization, in `dependsOn` order: check dependencies, render the path,
//! substitute post-build variables, set `targetNamespace`, plan against the store, apply,
//! prune, run health checks, and report Flux conditions.
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
use crate::model::{Application, Kustomization, KustomizationSpec, ObjectMeta, ObjectRef};
use crate::object::{ResId, is_cluster_scoped, set_meta_entry, set_namespace, str_at};
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

pub use crate::render::{BuildOverrides, DirRenderer, Renderer};

/// An object's health.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    /// Ready.
    Current,
    /// Not ready yet (why).
    InProgress(String),
    /// Failed (why).
    Failed(String),
}

/// Decides the health of live objects (the host's cluster knows best).
pub trait HealthChecker {
    /// Health of one live object.
    fn health(&self, obj: &Value) -> Health;
}

/// Readiness computed from `status` (kstatus-like rules for Deployments, StatefulSets,
/// DaemonSets, Jobs and objects with a `Ready` condition). An object without `status` is
/// `Current`: the store did not report one.
#[derive(Debug, Clone, Copy, Default)]
pub struct StatusHealth;

impl HealthChecker for StatusHealth {
    fn health(&self, obj: &Value) -> Health {
        let Some(status) = obj.get("status") else {
            return Health::Current;
        };
        let int = |v: &Value, p: &str| v.pointer(p).and_then(Value::as_i64);
        if let (Some(generation), Some(observed)) = (
            int(obj, "/metadata/generation"),
            int(status, "/observedGeneration"),
        ) && observed < generation
        {
            return Health::InProgress(format!("observed generation {observed} < {generation}"));
        }
        let kind = str_at(obj, "/kind").unwrap_or("");
        match kind {
            "Deployment" | "StatefulSet" => {
                let want = int(obj, "/spec/replicas").unwrap_or(1);
                let ready = int(status, "/readyReplicas").unwrap_or(0);
                let updated = int(status, "/updatedReplicas").unwrap_or(0);
                if ready < want || updated < want {
                    return Health::InProgress(format!(
                        "{ready}/{want} replicas ready, {updated} updated"
                    ));
                }
            }
            "DaemonSet" => {
                let want = int(status, "/desiredNumberScheduled").unwrap_or(0);
                let ready = int(status, "/numberReady").unwrap_or(0);
                if ready < want {
                    return Health::InProgress(format!("{ready}/{want} pods ready"));
                }
            }
            _ => {}
        }
        let conditions = status.get("conditions").and_then(Value::as_array);
        for c in conditions.into_iter().flatten() {
            let (t, s) = (
                str_at(c, "/type").unwrap_or(""),
                str_at(c, "/status").unwrap_or(""),
            );
            let msg = str_at(c, "/message").unwrap_or("").to_string();
            match (t, s) {
                ("Ready", "False") | ("Failed", "True") | ("Stalled", "True") => {
                    return Health::Failed(msg);
                }
                ("Complete", "True") => return Health::Current,
                _ => {}
            }
        }
        Health::Current
    }
}

/// A Flux status condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// `Ready`, `Reconciling`, `Stalled`.
    pub kind: String,
    /// `True`, `False`, `Unknown`.
    pub status: String,
    /// Flux's reason (`ReconciliationSucceeded`, `DependencyNotReady`, `BuildFailed`, ...).
    pub reason: String,
    /// Human-readable message.
    pub message: String,
}

impl Condition {
    pub(crate) fn new(kind: &str, status: &str, reason: &str, message: impl Into<String>) -> Self {
        Condition {
            kind: kind.into(),
            status: status.into(),
            reason: reason.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}={} {}: {}",
            self.kind, self.status, self.reason, self.message
        )
    }
}

/// The outcome of reconciling one Kustomization.
#[derive(Debug, Clone, PartialEq)]
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
        self.conditions
            .first()
            .is_some_and(|c| c.kind == "Ready" && c.status == "True")
    }

    /// The `Ready` condition.
    pub fn ready_condition(&self) -> Option<&Condition> {
        self.conditions.iter().find(|c| c.kind == "Ready")
    }

    pub(crate) fn stopped(key: String, reason: &str, message: String, stalled: bool) -> Self {
        let mut conditions = vec![Condition::new("Ready", "False", reason, message.clone())];
        conditions.push(if stalled {
            Condition::new("Stalled", "True", reason, message)
        } else {
            Condition::new("Reconciling", "True", "ProgressingWithRetry", message)
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
    let build_err = |message: String| Error::Build {
        kustomization: key.clone(),
        path: k.spec.path.clone(),
        message,
    };
    let rel = k.spec.path.trim_start_matches('/');
    if rel.split('/').any(|s| s == "..") {
        return Err(build_err("path leaves the source".into()));
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
    let vars = load_vars(k, store).map_err(build_err)?;
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
            "Unknown",
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
    for dep in &k.spec.depends_on {
        let dep_key = dep.key(&k.metadata.namespace);
        if !ready.get(&dep_key).copied().unwrap_or(false) {
            return KustomizationResult::stopped(
                key,
                "DependencyNotReady",
                format!("dependency '{dep_key}' is not ready"),
                false,
            );
        }
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
    let checks: Vec<ObjectRef> = if k.spec.wait {
        plan.inventory()
            .into_iter()
            .map(|id| ObjectRef {
                api_version: String::new(),
                kind: id.kind,
                name: id.name,
                namespace: id.namespace,
            })
            .collect()
    } else {
        k.spec.health_checks.clone()
    };
    let mut unhealthy = Vec::new();
    for c in &checks {
        let group = c.api_version.split_once('/').map_or("", |(g, _)| g);
        let ns = if c.namespace.is_empty() && !is_cluster_scoped(&c.kind) {
            &k.metadata.namespace
        } else {
            &c.namespace
        };
        let id = ResId::new(group, &c.kind, ns, &c.name);
        let found = if c.api_version.is_empty() {
            store.list().ok().and_then(|ids| {
                ids.into_iter()
                    .find(|i| i.kind == id.kind && i.namespace == id.namespace && i.name == id.name)
                    .and_then(|i| store.get(&i).ok().flatten())
            })
        } else {
            store.get(&id).ok().flatten()
        };
        match found.map(|o| health.health(&o)) {
            None => unhealthy.push(format!("{id} not found")),
            Some(Health::Current) => {}
            Some(Health::InProgress(m) | Health::Failed(m)) => unhealthy.push(format!("{id}: {m}")),
        }
    }
    let conditions = if unhealthy.is_empty() {
        vec![Condition::new(
            "Ready",
            "True",
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
            Condition::new("Ready", "False", "HealthCheckFailed", msg.clone()),
            Condition::new("Reconciling", "True", "ProgressingWithRetry", msg),
        ]
    };
    KustomizationResult {
        key,
        plan,
        applied,
        conditions,
    }
}

type ApplyFailure = (Plan, usize, Error);

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
    let p = plan(desired, &live, &previous, PlanOptions { prune }).map_err(fail)?;
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

/// Orders Kustomizations so that dependencies come first (stable; cycles keep input order).
pub fn dependency_order(ks: &[Kustomization]) -> Vec<&Kustomization> {
    let keys: BTreeSet<String> = ks.iter().map(|k| k.metadata.key()).collect();
    let mut done: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::with_capacity(ks.len());
    while out.len() < ks.len() {
        let before = out.len();
        for k in ks {
            let key = k.metadata.key();
            if done.contains(&key) {
                continue;
            }
            let deps_done = k.spec.depends_on.iter().all(|d| {
                let dk = d.key(&k.metadata.namespace);
                done.contains(&dk) || !keys.contains(&dk)
            });
            if deps_done {
                done.insert(key);
                out.push(k);
            }
        }
        if out.len() == before {
            out.extend(ks.iter().filter(|k| !done.contains(&k.metadata.key())));
            break;
        }
    }
    out
}

/// Reconciles every Kustomization in `dependsOn` order against one source.
pub fn reconcile_all(
    ks: &[Kustomization],
    source: &Source,
    renderer: &dyn Renderer,
    store: &mut dyn ClusterStore,
    health: &dyn HealthChecker,
    opts: ReconcileOptions,
) -> Vec<KustomizationResult> {
    let mut ready = BTreeMap::new();
    let mut out = Vec::new();
    for k in dependency_order(ks) {
        let r = reconcile_kustomization(k, source, renderer, store, health, &ready, opts);
        ready.insert(r.key.clone(), r.ready());
        out.push(r);
    }
    out
}

/// Argo CD's view of an Application after a sync.
#[derive(Debug, Clone, PartialEq)]
pub struct ApplicationResult {
    /// The underlying reconcile.
    pub result: KustomizationResult,
    /// `Synced` or `OutOfSync`.
    pub sync_status: &'static str,
    /// `Healthy`, `Progressing` or `Degraded`.
    pub health_status: &'static str,
}

/// The Kustomization an Application amounts to.
pub fn application_as_kustomization(app: &Application) -> Kustomization {
    let automated = app
        .spec
        .sync_policy
        .as_ref()
        .and_then(|p| p.automated.clone())
        .unwrap_or_default();
    let ns = &app.spec.destination.namespace;
    Kustomization {
        metadata: ObjectMeta {
            name: app.metadata.name.clone(),
            namespace: app.metadata.namespace.clone(),
            ..Default::default()
        },
        spec: KustomizationSpec {
            path: app.spec.source.path.clone(),
            prune: automated.prune,
            target_namespace: (!ns.is_empty()).then(|| ns.clone()),
            ..Default::default()
        },
    }
}

/// Syncs an Application: renders its path, puts namespace-less objects in the destination
/// namespace (creating it with `CreateNamespace=true`), and applies with the Application's
/// prune setting. Without `automated`, nothing is applied and the plan tells whether the
/// Application is in sync.
pub fn sync_application(
    app: &Application,
    source: &Source,
    renderer: &dyn Renderer,
    store: &mut dyn ClusterStore,
    health: &dyn HealthChecker,
) -> ApplicationResult {
    let k = application_as_kustomization(app);
    let key = k.metadata.key();
    let owner = format!("Application/{key}");
    let rel = app.spec.source.path.trim_start_matches("./");
    let dir = source.root.join(rel);
    let mut desired = match renderer.render(&dir) {
        Ok(d) => d,
        Err(m) => {
            let result = KustomizationResult::stopped(key, "BuildFailed", m, true);
            return ApplicationResult {
                result,
                sync_status: "OutOfSync",
                health_status: "Degraded",
            };
        }
    };
    let ns = &app.spec.destination.namespace;
    for o in &mut desired {
        let kind = str_at(o, "/kind").unwrap_or("").to_string();
        if !ns.is_empty()
            && !is_cluster_scoped(&kind)
            && str_at(o, "/metadata/namespace").is_none_or(str::is_empty)
        {
            set_namespace(o, ns);
        }
        set_meta_entry(
            o,
            "labels",
            "app.kubernetes.io/instance",
            &app.metadata.name,
        );
    }
    if app.create_namespace() && !ns.is_empty() {
        desired.insert(
            0,
            serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
        );
    }
    let automated = app
        .spec
        .sync_policy
        .as_ref()
        .and_then(|p| p.automated.as_ref());
    // Without selfHeal, Argo syncs only when the revision changes: drift at the revision
    // already synced is reported OutOfSync and left alone.
    let synced = store.synced_revision(&owner).ok().flatten();
    let hold =
        automated.is_some_and(|a| !a.self_heal) && synced.as_deref() == Some(&*source.revision);
    let auto = match automated {
        Some(a) if !hold => a,
        _ => {
            let previous = store.inventory(&owner).ok().flatten().unwrap_or_default();
            let mut ids = previous.clone();
            ids.extend(desired.iter().filter_map(|o| ResId::of(o).ok()));
            let live = store.get_many(&mut ids.iter()).unwrap_or_default();
            let p =
                plan(&desired, &live, &previous, PlanOptions { prune: false }).unwrap_or_default();
            let sync_status = if p.is_noop() { "Synced" } else { "OutOfSync" };
            let c = if hold {
                Condition::new(
                    "Ready",
                    "Unknown",
                    "SelfHealDisabled",
                    format!(
                        "revision {} is already synced; drift is not repaired",
                        source.revision
                    ),
                )
            } else {
                Condition::new("Ready", "Unknown", "ManualSync", "automated sync is off")
            };
            let result = KustomizationResult {
                key,
                plan: p,
                applied: 0,
                conditions: vec![c],
            };
            return ApplicationResult {
                result,
                sync_status,
                health_status: "Progressing",
            };
        }
    };
    match apply_objects(&owner, &desired, auto.prune, store) {
        Ok((p, applied)) => {
            if let Err(e) = store.set_synced_revision(&owner, &source.revision) {
                let mut result =
                    KustomizationResult::stopped(key, "ReconciliationFailed", e.to_string(), false);
                result.plan = p;
                result.applied = applied;
                return ApplicationResult {
                    result,
                    sync_status: "OutOfSync",
                    health_status: "Degraded",
                };
            }
            let unhealthy = p
                .inventory()
                .iter()
                .filter_map(|id| store.get(id).ok().flatten())
                .any(|o| health.health(&o) != Health::Current);
            let c = Condition::new(
                "Ready",
                "True",
                "ReconciliationSucceeded",
                format!("Applied revision: {}", source.revision),
            );
            let result = KustomizationResult {
                key,
                plan: p,
                applied,
                conditions: vec![c],
            };
            ApplicationResult {
                result,
                sync_status: "Synced",
                health_status: if unhealthy { "Progressing" } else { "Healthy" },
            }
        }
        Err((p, applied, e)) => {
            let mut result =
                KustomizationResult::stopped(key, "ReconciliationFailed", e.to_string(), false);
            result.plan = p;
            result.applied = applied;
            ApplicationResult {
                result,
                sync_status: "OutOfSync",
                health_status: "Degraded",
            }
        }
    }
}
