//! Sync planning as gitops-engine plans it (`pkg/sync`): a pure function from desired and
//! live objects to ordered [`SyncTask`]s.
//!
//! - **Phases** `PreSync` < `Sync` < `PostSync` < `SyncFail`. A resource is a hook when it
//!   carries `argocd.argoproj.io/hook` (not only `Skip`) or a Helm `helm.sh/hook` other
//!   than `crd-install`; Helm's `pre-install`/`pre-upgrade` map to `PreSync`,
//!   `post-install`/`post-upgrade` to `PostSync`; an Argo hook annotation hides the Helm one.
//!   A hook runs once per phase it names; `Skip` alone leaves a resource out.
//! - **Waves**: `argocd.argoproj.io/sync-wave`, else `helm.sh/hook-weight`, else 0.
//! - **Order**: phase, wave, kind (gitops-engine's kind table; unknown kinds after every
//!   known one), name. A `Namespace` moves before the first task in it (taking its phase and
//!   wave); a `CustomResourceDefinition` before the first resource of its group/kind.
//! - **Prune** tasks (live, not desired; hooks are never pruned) run in reversed waves
//!   (waves swapped symmetrically); with `PruneLast` they move after the last `Sync` wave.
//! - **Hooks** without a name are named `generateName + lower(rev[0:7] + "-" + phase + "-" +
//!   startedAt unix seconds)`, and get the `argocd.argoproj.io/hook-finalizer`.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::Value;

use crate::object::{ResId, is_cluster_scoped};

/// `argocd.argoproj.io/hook`.
pub const ANNOTATION_HOOK: &str = "argocd.argoproj.io/hook";
/// `argocd.argoproj.io/hook-delete-policy`.
pub const ANNOTATION_HOOK_DELETE_POLICY: &str = "argocd.argoproj.io/hook-delete-policy";
/// `argocd.argoproj.io/sync-wave`.
pub const ANNOTATION_SYNC_WAVE: &str = "argocd.argoproj.io/sync-wave";
/// `argocd.argoproj.io/sync-options`.
pub const ANNOTATION_SYNC_OPTIONS: &str = "argocd.argoproj.io/sync-options";
/// The finalizer hooks carry while their phase runs.
pub const HOOK_FINALIZER: &str = "argocd.argoproj.io/hook-finalizer";

/// A sync phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SyncPhase {
    /// Before the resources.
    PreSync,
    /// With the resources.
    Sync,
    /// After every resource is synced and healthy.
    PostSync,
    /// Only when the sync failed.
    SyncFail,
}

impl SyncPhase {
    /// Argo's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SyncPhase::PreSync => "PreSync",
            SyncPhase::Sync => "Sync",
            SyncPhase::PostSync => "PostSync",
            SyncPhase::SyncFail => "SyncFail",
        }
    }
}

impl fmt::Display for SyncPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A hook type (`argocd.argoproj.io/hook` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum HookType {
    /// `PreSync`.
    PreSync,
    /// `Sync`.
    Sync,
    /// `PostSync`.
    PostSync,
    /// `SyncFail`.
    SyncFail,
    /// `Skip`: not applied at all.
    Skip,
}

/// A hook delete policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum HookDeletePolicy {
    /// Delete the hook once it succeeded.
    HookSucceeded,
    /// Delete the hook once it failed.
    HookFailed,
    /// Delete the previous hook before creating it again (the default).
    BeforeHookCreation,
}

fn annotation<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    obj.get("metadata")
        .and_then(|m| m.get("annotations"))
        .and_then(|a| a.get(key))
        .and_then(Value::as_str)
}

/// The distinct non-empty comma-separated values of an annotation, sorted.
fn csv(obj: &Value, key: &str) -> BTreeSet<String> {
    annotation(obj, key)
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Whether an object's `argocd.argoproj.io/sync-options` holds `option` (`Prune=false`).
pub fn has_sync_option(obj: &Value, option: &str) -> bool {
    csv(obj, ANNOTATION_SYNC_OPTIONS).contains(option)
}

/// The hook types of `obj` (Argo's annotation, else Helm's).
pub fn hook_types(obj: &Value) -> Vec<HookType> {
    let mut out: Vec<HookType> = csv(obj, ANNOTATION_HOOK)
        .iter()
        .filter_map(|t| match t.as_str() {
            "PreSync" => Some(HookType::PreSync),
            "Sync" => Some(HookType::Sync),
            "PostSync" => Some(HookType::PostSync),
            "SyncFail" => Some(HookType::SyncFail),
            "Skip" => Some(HookType::Skip),
            _ => None,
        })
        .collect();
    if out.is_empty() {
        out = csv(obj, "helm.sh/hook")
            .iter()
            .filter_map(|t| match t.as_str() {
                "pre-install" | "pre-upgrade" => Some(HookType::PreSync),
                "post-install" | "post-upgrade" => Some(HookType::PostSync),
                _ => None,
            })
            .collect();
        out.sort();
        out.dedup();
    }
    out
}

/// Whether `obj` is `Skip` only.
pub fn is_skipped(obj: &Value) -> bool {
    let t = hook_types(obj);
    t.contains(&HookType::Skip) && t.len() == 1
}

/// Whether `obj` is a hook.
pub fn is_hook(obj: &Value) -> bool {
    if annotation(obj, ANNOTATION_HOOK).is_some() {
        return !is_skipped(obj);
    }
    annotation(obj, "helm.sh/hook").is_some_and(|v| v != "crd-install")
}

/// The phases `obj` syncs in (in phase order; none for `Skip`).
pub fn sync_phases(obj: &Value) -> Vec<SyncPhase> {
    if is_skipped(obj) {
        return Vec::new();
    }
    if !is_hook(obj) {
        return vec![SyncPhase::Sync];
    }
    let mut out: Vec<SyncPhase> = hook_types(obj)
        .into_iter()
        .filter_map(|t| match t {
            HookType::PreSync => Some(SyncPhase::PreSync),
            HookType::Sync => Some(SyncPhase::Sync),
            HookType::PostSync => Some(SyncPhase::PostSync),
            HookType::SyncFail => Some(SyncPhase::SyncFail),
            HookType::Skip => None,
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Go's `strconv.Atoi` on an annotation (no surrounding spaces, optional sign).
fn atoi(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// The sync wave of `obj`.
pub fn wave(obj: &Value) -> i64 {
    annotation(obj, ANNOTATION_SYNC_WAVE)
        .and_then(atoi)
        .or_else(|| annotation(obj, "helm.sh/hook-weight").and_then(atoi))
        .unwrap_or(0)
}

/// The delete policies of a hook (`BeforeHookCreation` when none is given).
pub fn delete_policies(obj: &Value) -> Vec<HookDeletePolicy> {
    let mut out: Vec<HookDeletePolicy> = csv(obj, ANNOTATION_HOOK_DELETE_POLICY)
        .iter()
        .filter_map(|p| match p.as_str() {
            "HookSucceeded" => Some(HookDeletePolicy::HookSucceeded),
            "HookFailed" => Some(HookDeletePolicy::HookFailed),
            "BeforeHookCreation" => Some(HookDeletePolicy::BeforeHookCreation),
            _ => None,
        })
        .collect();
    out.extend(
        csv(obj, "helm.sh/hook-delete-policy")
            .iter()
            .filter_map(|p| match p.as_str() {
                "hook-succeeded" => Some(HookDeletePolicy::HookSucceeded),
                "hook-failed" => Some(HookDeletePolicy::HookFailed),
                "before-hook-creation" => Some(HookDeletePolicy::BeforeHookCreation),
                _ => None,
            }),
    );
    if out.is_empty() {
        out.push(HookDeletePolicy::BeforeHookCreation);
    }
    out.sort();
    out.dedup();
    out
}

const KIND_ORDER: &[&str] = &[
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
];

/// gitops-engine's kind rank: negative for known kinds (in table order), 0 for the rest.
pub fn kind_order(kind: &str) -> i64 {
    let n = KIND_ORDER.len() as i64;
    KIND_ORDER
        .iter()
        .position(|k| *k == kind)
        .map_or(0, |i| i as i64 - n)
}

/// What happened to a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultCode {
    /// Applied.
    Synced,
    /// Apply or hook failed.
    SyncFailed,
    /// Deleted.
    Pruned,
    /// Left in place (`Prune=false`, or pruning off).
    PruneSkipped,
}

impl ResultCode {
    /// Argo's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ResultCode::Synced => "Synced",
            ResultCode::SyncFailed => "SyncFailed",
            ResultCode::Pruned => "Pruned",
            ResultCode::PruneSkipped => "PruneSkipped",
        }
    }
}

/// One step of a sync: apply `target` (over `live`), or prune `live`.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncTask {
    /// Phase.
    pub phase: SyncPhase,
    /// The object to apply (`None`: a prune).
    pub target: Option<Value>,
    /// The live object, if any.
    pub live: Option<Value>,
    /// Wave set by planning (namespaces, CRDs, prunes), over the object's own.
    pub wave_override: Option<i64>,
    /// Result once run.
    pub result: Option<ResultCode>,
    /// Message once run.
    pub message: String,
    /// Hook phase once run (`Running`, `Succeeded`, `Failed`, `Error`).
    pub hook_phase: Option<String>,
    /// The destination namespace `CreateNamespace=true` adds (not one of the
    /// Application's resources).
    pub managed_namespace: bool,
}

impl SyncTask {
    fn new(phase: SyncPhase, target: Option<Value>, live: Option<Value>) -> Self {
        SyncTask {
            phase,
            target,
            live,
            wave_override: None,
            result: None,
            message: String::new(),
            hook_phase: None,
            managed_namespace: false,
        }
    }

    /// The target object, else the live one.
    pub fn obj(&self) -> &Value {
        self.target
            .as_ref()
            .or(self.live.as_ref())
            .unwrap_or(&Value::Null)
    }

    /// Whether this deletes a live object.
    pub fn is_prune(&self) -> bool {
        self.target.is_none()
    }

    /// Whether this is a hook.
    pub fn is_hook(&self) -> bool {
        is_hook(self.obj())
    }

    /// The effective wave.
    pub fn wave(&self) -> i64 {
        self.wave_override.unwrap_or_else(|| wave(self.obj()))
    }

    fn s(&self, p: &str) -> &str {
        self.obj().pointer(p).and_then(Value::as_str).unwrap_or("")
    }

    /// Kind.
    pub fn kind(&self) -> &str {
        self.s("/kind")
    }

    /// Name.
    pub fn name(&self) -> &str {
        self.s("/metadata/name")
    }

    /// Namespace.
    pub fn namespace(&self) -> &str {
        self.s("/metadata/namespace")
    }

    /// API group.
    pub fn group(&self) -> &str {
        self.s("/apiVersion").split_once('/').map_or("", |(g, _)| g)
    }

    /// API version (without the group).
    pub fn version(&self) -> &str {
        let api = self.s("/apiVersion");
        api.split_once('/').map_or(api, |(_, v)| v)
    }

    /// Identity of the object.
    pub fn id(&self) -> ResId {
        ResId::new(self.group(), self.kind(), self.namespace(), self.name())
    }

    /// Delete policies (hooks only).
    pub fn delete_policies(&self) -> Vec<HookDeletePolicy> {
        if self.is_hook() {
            delete_policies(self.obj())
        } else {
            Vec::new()
        }
    }
}

impl fmt::Display for SyncTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{} {} {}/{}:{}/{}",
            self.phase,
            self.wave(),
            if self.is_hook() { "hook" } else { "resource" },
            self.group(),
            self.kind(),
            self.namespace(),
            self.name()
        )
    }
}

/// gitops-engine's `syncTasks.Less`.
pub fn compare_tasks(a: &SyncTask, b: &SyncTask) -> Ordering {
    a.phase
        .cmp(&b.phase)
        .then(a.wave().cmp(&b.wave()))
        .then(kind_order(a.kind()).cmp(&kind_order(b.kind())))
        .then(a.name().cmp(b.name()))
}

/// Sorts tasks as gitops-engine's `syncTasks.Sort`: by [`compare_tasks`], then namespaces
/// before the first task in them and CRDs before the first resource of their kind.
pub fn sort_tasks(tasks: &mut [SyncTask]) {
    tasks.sort_by(compare_tasks);
    adjust_deps(
        tasks,
        |o| {
            (str_of(o, "/kind") == "Namespace" && group_of(o).is_empty())
                .then(|| str_of(o, "/metadata/name").to_string())
        },
        |o| {
            let ns = str_of(o, "/metadata/namespace");
            (!ns.is_empty()).then(|| ns.to_string())
        },
    );
    adjust_deps(
        tasks,
        |o| {
            if str_of(o, "/kind") != "CustomResourceDefinition"
                || group_of(o) != "apiextensions.k8s.io"
            {
                return None;
            }
            let g = o.pointer("/spec/group").and_then(Value::as_str)?;
            let k = o.pointer("/spec/names/kind").and_then(Value::as_str)?;
            Some(format!("{g}/{k}"))
        },
        |o| Some(format!("{}/{}", group_of(o), str_of(o, "/kind"))),
    );
}

fn str_of<'a>(o: &'a Value, p: &str) -> &'a str {
    o.pointer(p).and_then(Value::as_str).unwrap_or("")
}

fn group_of(o: &Value) -> &str {
    str_of(o, "/apiVersion")
        .split_once('/')
        .map_or("", |(g, _)| g)
}

fn adjust_deps(
    tasks: &mut [SyncTask],
    is_dep: impl Fn(&Value) -> Option<String>,
    refs_dep: impl Fn(&Value) -> Option<String>,
) {
    let mut first: BTreeMap<String, usize> = BTreeMap::new();
    for i in 0..tasks.len() {
        let Some(target) = tasks.get(i).and_then(|t| t.target.clone()) else {
            continue;
        };
        if let Some(key) = is_dep(&target) {
            if let Some(&index) = first.get(&key) {
                let (wave, phase) = match tasks.get(index) {
                    Some(t) => (t.wave(), t.phase),
                    None => continue,
                };
                if let Some(t) = tasks.get_mut(i) {
                    t.wave_override = Some(wave);
                    t.phase = phase;
                }
                if let Some(slice) = tasks.get_mut(index..=i) {
                    slice.rotate_right(1);
                }
                for v in first.values_mut() {
                    if *v >= index {
                        *v += 1;
                    }
                }
            }
        } else if let Some(key) = refs_dep(&target) {
            first.entry(key).or_insert(i);
        }
    }
}

/// What a sync operation was asked to do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncOperation {
    /// The revision synced (hook names take its first 7 characters).
    pub revision: String,
    /// When the operation started, in Unix seconds (hook names carry it).
    pub started_at: i64,
    /// Destination namespace (set on namespaced objects without one).
    pub namespace: String,
    /// Delete live objects that left the desired set.
    pub prune: bool,
    /// `PruneLast=true`.
    pub prune_last: bool,
    /// `ApplyOutOfSyncOnly=true`.
    pub apply_out_of_sync_only: bool,
    /// `CreateNamespace=true`.
    pub create_namespace: bool,
    /// `Replace=true` for every resource.
    pub replace: bool,
    /// `ServerSideApply=true` for every resource.
    pub server_side_apply: bool,
    /// `Validate=false`.
    pub skip_validation: bool,
    /// Leave hooks out.
    pub skip_hooks: bool,
}

impl SyncOperation {
    /// The operation an Application's `syncOptions` and automated policy ask for.
    pub fn for_application(
        app: &crate::model::Application,
        revision: &str,
        started_at: i64,
    ) -> Self {
        SyncOperation {
            revision: revision.to_string(),
            started_at,
            namespace: app.spec.destination.namespace.clone(),
            prune: app.automated().is_some_and(|a| a.prune),
            prune_last: app.sync_option("PruneLast=true"),
            apply_out_of_sync_only: app.sync_option("ApplyOutOfSyncOnly=true"),
            create_namespace: app.create_namespace(),
            replace: app.sync_option("Replace=true"),
            server_side_apply: app.sync_option("ServerSideApply=true"),
            skip_validation: app.sync_option("Validate=false"),
            skip_hooks: false,
        }
    }
}

/// The name gitops-engine gives a hook with only `generateName`.
pub fn hook_name(generate_name: &str, revision: &str, phase: SyncPhase, started_at: i64) -> String {
    let rev: String = revision.chars().take(7).collect();
    let rev = if revision.chars().count() >= 8 {
        rev
    } else {
        revision.to_string()
    };
    format!(
        "{generate_name}{}",
        format!("{rev}-{phase}-{started_at}").to_lowercase()
    )
}

fn set_ns(obj: &mut Value, ns: &str) {
    if let Some(m) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        m.insert("namespace".into(), Value::String(ns.to_string()));
    }
}

/// Whether every field `target` sets has the same value in `live` (a live object may carry
/// more: status, defaults, server fields).
pub fn is_in_sync(target: &Value, live: &Value) -> bool {
    match (target, live) {
        (Value::Object(t), Value::Object(l)) => t.iter().all(|(k, v)| {
            if k == "status" {
                return true;
            }
            match l.get(k) {
                Some(lv) => is_in_sync(v, lv),
                None => v.is_null() || v.as_object().is_some_and(|m| m.is_empty()),
            }
        }),
        (Value::Array(t), Value::Array(l)) => {
            t.len() == l.len() && t.iter().zip(l).all(|(a, b)| is_in_sync(a, b))
        }
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (a, b) => a == b,
    }
}

/// Plans a sync: `desired` is what the sources rendered (hooks included), `live` the
/// Application's live objects (what it manages now, by identity). Pure.
pub fn plan_sync(
    desired: &[Value],
    live: &BTreeMap<ResId, Value>,
    op: &SyncOperation,
) -> Vec<SyncTask> {
    let with_ns = |o: &Value| {
        let mut o = o.clone();
        let kind = str_of(&o, "/kind").to_string();
        if str_of(&o, "/metadata/namespace").is_empty()
            && !op.namespace.is_empty()
            && !is_cluster_scoped(&kind)
        {
            set_ns(&mut o, &op.namespace);
        }
        o
    };
    let mut tasks = Vec::new();
    let mut desired_ids = BTreeSet::new();
    let mut hooks = Vec::new();
    for d in desired {
        if is_hook(d) {
            hooks.push(d);
            continue;
        }
        let target = with_ns(d);
        let id = ResId::of(&target).ok();
        let live_obj = id.as_ref().and_then(|i| live.get(i)).cloned();
        if let Some(i) = id {
            desired_ids.insert(i);
        }
        for phase in sync_phases(&target) {
            tasks.push(SyncTask::new(phase, Some(target.clone()), live_obj.clone()));
        }
    }
    for (id, l) in live {
        if desired_ids.contains(id) || is_hook(l) {
            continue;
        }
        tasks.push(SyncTask::new(SyncPhase::Sync, None, Some(l.clone())));
    }
    if !op.skip_hooks {
        for h in hooks {
            for phase in sync_phases(h) {
                let mut target = with_ns(h);
                if str_of(&target, "/metadata/name").is_empty() {
                    let name = hook_name(
                        str_of(h, "/metadata/generateName"),
                        &op.revision,
                        phase,
                        op.started_at,
                    );
                    if let Some(m) = target.get_mut("metadata").and_then(Value::as_object_mut) {
                        m.insert("name".into(), Value::String(name));
                    }
                }
                if let Some(m) = target.get_mut("metadata").and_then(Value::as_object_mut) {
                    let fin = m
                        .entry("finalizers")
                        .or_insert_with(|| Value::Array(Vec::new()));
                    if let Value::Array(a) = fin
                        && !a.iter().any(|f| f.as_str() == Some(HOOK_FINALIZER))
                    {
                        a.push(Value::String(HOOK_FINALIZER.into()));
                    }
                }
                let live_obj = ResId::of(&target).ok().and_then(|i| live.get(&i)).cloned();
                tasks.push(SyncTask::new(phase, Some(target), live_obj));
            }
        }
    }
    if op.create_namespace && !op.namespace.is_empty() {
        let declared = desired.iter().any(|d| {
            str_of(d, "/kind") == "Namespace" && str_of(d, "/metadata/name") == op.namespace
        });
        if !declared {
            let ns = serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": op.namespace}});
            let live_ns = live
                .get(&ResId::new("", "Namespace", "", &op.namespace))
                .cloned();
            let mut t = SyncTask::new(SyncPhase::PreSync, Some(ns), live_ns);
            t.managed_namespace = true;
            tasks.push(t);
        }
    }
    // Prunes in reversed waves.
    let prune_waves: BTreeSet<i64> = tasks
        .iter()
        .filter(|t| t.is_prune())
        .map(SyncTask::wave)
        .collect();
    let waves: Vec<i64> = prune_waves.into_iter().collect();
    let mirror: BTreeMap<i64, i64> = waves
        .iter()
        .zip(waves.iter().rev())
        .map(|(a, b)| (*a, *b))
        .collect();
    for t in tasks.iter_mut().filter(|t| t.is_prune()) {
        let w = t.wave();
        if let Some(m) = mirror.get(&w) {
            t.wave_override = Some(*m);
        }
    }
    let last_sync_wave = tasks
        .iter()
        .filter(|t| t.phase == SyncPhase::Sync)
        .map(SyncTask::wave)
        .fold(0, i64::max)
        + 1;
    for t in tasks.iter_mut() {
        let prune_last = op.prune_last
            || t.live
                .as_ref()
                .is_some_and(|l| has_sync_option(l, "PruneLast=true"));
        if t.is_prune() && prune_last {
            t.wave_override = Some(last_sync_wave);
        }
    }
    sort_tasks(&mut tasks);
    if op.apply_out_of_sync_only {
        tasks.retain(|t| match (&t.target, &t.live) {
            (Some(target), Some(live)) if !t.is_hook() => !is_in_sync(target, live),
            _ => true,
        });
    }
    tasks
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use serde_json::json;

    fn task(phase: SyncPhase, obj: Value) -> SyncTask {
        SyncTask::new(phase, Some(obj), None)
    }

    // gitops-engine sync_tasks_test.go: TestSortSyncTask (unsortedTasks -> sortedTasks).
    #[test]
    fn sort_sync_task_vector() {
        let s = SyncPhase::Sync;
        let unsorted = vec![
            task(s, json!({"kind": "Pod"})),
            task(s, json!({"kind": "Service"})),
            task(s, json!({"kind": "PersistentVolume"})),
            task(SyncPhase::SyncFail, json!({})),
            task(
                s,
                json!({"metadata": {"annotations": {ANNOTATION_SYNC_WAVE: "1"}}}),
            ),
            task(s, json!({"metadata": {"name": "b"}})),
            task(s, json!({"metadata": {"name": "a"}})),
            task(
                s,
                json!({"metadata": {"annotations": {ANNOTATION_SYNC_WAVE: "-1"}}}),
            ),
            task(s, json!({"GroupVersion": "v1"})),
            task(SyncPhase::PreSync, json!({})),
            task(SyncPhase::PostSync, json!({})),
            task(s, json!({"kind": "ConfigMap"})),
        ];
        let want = [9, 7, 11, 2, 1, 0, 8, 6, 5, 4, 10, 3];
        let mut tasks = unsorted.clone();
        sort_tasks(&mut tasks);
        let expected: Vec<SyncTask> = want.iter().map(|&i| unsorted[i].clone()).collect();
        assert_eq!(tasks, expected);
    }

    // TestSyncNamespaceAgainstCRD: a Namespace before a custom kind.
    #[test]
    fn namespace_sorts_before_unknown_kinds() {
        let mut t = vec![
            task(SyncPhase::Sync, json!({"kind": "Workflow"})),
            task(SyncPhase::Sync, json!({"kind": "Namespace"})),
        ];
        sort_tasks(&mut t);
        assert_eq!(t[0].kind(), "Namespace");
    }

    // TestSyncTasksSort_NamespaceAndObjectInNamespace.
    #[test]
    fn namespaces_move_before_their_hooks() {
        let hook1 = task(
            SyncPhase::PreSync,
            json!({"kind": "Job", "metadata": {"namespace": "myNamespace1", "name": "mySyncHookJob1"}}),
        );
        let hook2 = task(
            SyncPhase::PreSync,
            json!({"kind": "Job", "metadata": {"namespace": "myNamespace2", "name": "mySyncHookJob2"}}),
        );
        let ns1 = task(
            SyncPhase::Sync,
            json!({"kind": "Namespace", "metadata": {"name": "myNamespace1", "annotations": {ANNOTATION_SYNC_WAVE: "1"}}}),
        );
        let ns2 = task(
            SyncPhase::Sync,
            json!({"kind": "Namespace", "metadata": {"name": "myNamespace2", "annotations": {ANNOTATION_SYNC_WAVE: "2"}}}),
        );
        let mut t = vec![hook1.clone(), hook2.clone(), ns1.clone(), ns2.clone()];
        sort_tasks(&mut t);
        let names: Vec<&str> = t.iter().map(SyncTask::name).collect();
        assert_eq!(
            names,
            [
                "myNamespace1",
                "mySyncHookJob1",
                "myNamespace2",
                "mySyncHookJob2"
            ]
        );
        assert_eq!((t[0].wave(), t[0].phase), (0, SyncPhase::PreSync));
        assert_eq!((t[2].wave(), t[2].phase), (0, SyncPhase::PreSync));
    }

    // TestSyncTasksSort_CRDAndCR.
    #[test]
    fn crd_moves_before_its_resources() {
        let cr = task(
            SyncPhase::PreSync,
            json!({"kind": "Workflow", "apiVersion": "argoproj.io/v1"}),
        );
        let crd = task(
            SyncPhase::Sync,
            json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "spec": {"group": "argoproj.io", "names": {"kind": "Workflow"}}}),
        );
        let mut t = vec![cr, crd];
        sort_tasks(&mut t);
        assert_eq!(t[0].kind(), "CustomResourceDefinition");
    }

    // Test_syncTasks_kindOrder: gitops-engine's table, unknown kinds last.
    #[test]
    fn kind_order_table() {
        assert_eq!(kind_order("Namespace"), -35);
        assert_eq!(kind_order("APIService"), -1);
        assert_eq!(kind_order("Workflow"), 0);
        assert!(kind_order("ConfigMap") < kind_order("Deployment"));
    }

    // hook/helm and hook tests: types, Skip, crd-install, delete policies.
    #[test]
    fn hook_detection_vectors() {
        let ann = |k: &str, v: &str| json!({"kind": "Pod", "metadata": {"name": "p", "annotations": {k: v}}});
        assert!(!is_hook(&json!({"kind": "Pod"})));
        assert!(is_hook(&ann("helm.sh/hook", "anything")));
        assert!(!is_hook(&ann("helm.sh/hook", "crd-install")));
        assert!(is_hook(&ann(ANNOTATION_HOOK, "PreSync")));
        assert!(!is_hook(&ann(ANNOTATION_HOOK, "Skip")));
        assert!(is_hook(&ann(ANNOTATION_HOOK, "Skip,PreSync")));
        assert_eq!(sync_phases(&ann(ANNOTATION_HOOK, "Skip")), vec![]);
        assert_eq!(
            sync_phases(&ann("helm.sh/hook", "pre-install,post-upgrade")),
            vec![SyncPhase::PreSync, SyncPhase::PostSync]
        );
        assert_eq!(sync_phases(&ann("helm.sh/hook", "test")), vec![]);
        assert_eq!(sync_phases(&ann(ANNOTATION_HOOK, "garbage")), vec![]);
        assert_eq!(
            delete_policies(&json!({})),
            vec![HookDeletePolicy::BeforeHookCreation]
        );
        assert_eq!(
            delete_policies(&ann("helm.sh/hook-delete-policy", "hook-succeeded")),
            vec![HookDeletePolicy::HookSucceeded]
        );
        assert_eq!(
            delete_policies(&ann(ANNOTATION_HOOK_DELETE_POLICY, "HookFailed")),
            vec![HookDeletePolicy::HookFailed]
        );
        assert_eq!(wave(&ann("helm.sh/hook-weight", "-2")), -2);
        assert_eq!(wave(&ann(ANNOTATION_SYNC_WAVE, "x")), 0);
        assert_eq!(wave(&ann(ANNOTATION_SYNC_WAVE, " 3")), 0);
    }

    // sync_context.go: generateName hooks get `rev[0:7]-phase-unix`, lower-cased.
    #[test]
    fn generate_name_hooks() {
        assert_eq!(
            hook_name(
                "my-job-",
                "aaaaaaaaaaaaaaaa",
                SyncPhase::PostSync,
                1_700_000_000
            ),
            "my-job-aaaaaaa-postsync-1700000000"
        );
        assert_eq!(
            hook_name("x-", "HEAD", SyncPhase::PreSync, 0),
            "x-head-presync-0"
        );
    }

    // TestSyncPruneOrder-style: prunes run in reversed waves; PruneLast after the last wave.
    #[test]
    fn prunes_reverse_waves_and_prune_last_goes_after_sync() {
        let pod = |name: &str, w: &str| json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "ns", "annotations": {ANNOTATION_SYNC_WAVE: w}}});
        let live: BTreeMap<ResId, Value> = [pod("p1", "1"), pod("p2", "2"), pod("p3", "3")]
            .into_iter()
            .map(|o| (ResId::of(&o).unwrap(), o))
            .collect();
        let desired = [pod("keep", "5")];
        let op = SyncOperation {
            namespace: "ns".into(),
            prune: true,
            ..Default::default()
        };
        let t = plan_sync(&desired, &live, &op);
        let got: Vec<(String, i64)> = t.iter().map(|t| (t.name().to_string(), t.wave())).collect();
        assert_eq!(
            got,
            [
                ("p3".into(), 1),
                ("p2".into(), 2),
                ("p1".into(), 3),
                ("keep".into(), 5)
            ]
        );
        let op = SyncOperation {
            prune_last: true,
            ..op
        };
        let t = plan_sync(&desired, &live, &op);
        let got: Vec<(String, i64)> = t.iter().map(|t| (t.name().to_string(), t.wave())).collect();
        assert_eq!(
            got,
            [
                ("keep".into(), 5),
                ("p1".into(), 6),
                ("p2".into(), 6),
                ("p3".into(), 6)
            ]
        );
    }
}
