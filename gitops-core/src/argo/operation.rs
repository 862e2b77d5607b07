//! Running a planned sync, step by step, as gitops-engine's `syncContext.Sync` runs it, and
//! the operation state Argo CD writes.
//!
//! Each [`SyncRun::step`] is one pass of the controller: it refreshes running hooks (through
//! the host's [`HookRunner`]) and, in multi-step syncs, the health of resources applied in
//! the previous wave; waits while any runs; on a failure runs the `SyncFail` hooks and fails
//! the operation; otherwise applies the next phase/wave (deleting a hook's previous instance
//! first under `BeforeHookCreation`, pruning, `Replace=true`, `ServerSideApply=true`) and,
//! when nothing remains, succeeds, deleting `HookSucceeded` hooks (`HookFailed` ones on
//! failure). Time enters as `now` (Unix seconds).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use super::health::{HealthStatusCode, resource_health};
use super::hooks::{HookContext, HookRunner, HookState};
use super::sync::{
    HOOK_FINALIZER, HookDeletePolicy, ResultCode, SyncOperation, SyncPhase, SyncTask,
    has_sync_option,
};
use crate::object::{ResId, set_meta_entry};
use crate::store::ClusterStore;

/// An operation's phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationPhase {
    /// Still running.
    Running,
    /// Failed.
    Failed,
    /// Could not run (store errors).
    Error,
    /// Done.
    Succeeded,
}

impl OperationPhase {
    /// Argo's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            OperationPhase::Running => "Running",
            OperationPhase::Failed => "Failed",
            OperationPhase::Error => "Error",
            OperationPhase::Succeeded => "Succeeded",
        }
    }

    /// Whether the operation is over.
    pub fn completed(self) -> bool {
        self != OperationPhase::Running
    }
}

/// The tracking label Argo CD sets on what it applies.
pub const INSTANCE_LABEL: &str = "app.kubernetes.io/instance";

/// A sync in progress.
#[derive(Debug, Clone)]
pub struct SyncRun {
    /// `namespace/name` of the Application.
    pub app: String,
    /// The Application's name (its tracking label value).
    pub app_name: String,
    /// The operation.
    pub op: SyncOperation,
    /// Tasks in sync order, with their results.
    pub tasks: Vec<SyncTask>,
    /// Phase.
    pub phase: OperationPhase,
    /// Message.
    pub message: String,
    /// When it finished (Unix seconds).
    pub finished_at: Option<i64>,
}

fn hook_phase(t: &SyncTask) -> Option<&str> {
    t.hook_phase.as_deref()
}

fn running(t: &SyncTask) -> bool {
    hook_phase(t) == Some("Running")
}

fn pending(t: &SyncTask) -> bool {
    t.hook_phase.is_none()
}

fn completed(t: &SyncTask) -> bool {
    matches!(hook_phase(t), Some("Succeeded" | "Failed" | "Error"))
}

fn successful(t: &SyncTask) -> bool {
    hook_phase(t) == Some("Succeeded")
}

/// kubectl's `resource/name` (`deployment.apps/web`, `service/web`).
fn kubectl_ref(t: &SyncTask) -> String {
    let kind = t.kind().to_lowercase();
    match t.group() {
        "" => format!("{kind}/{}", t.name()),
        g => format!("{kind}.{g}/{}", t.name()),
    }
}

fn without_hook_finalizer(obj: &Value) -> Value {
    let mut o = obj.clone();
    if let Some(m) = o.get_mut("metadata").and_then(Value::as_object_mut) {
        let empty = match m.get_mut("finalizers") {
            Some(Value::Array(a)) => {
                a.retain(|f| f.as_str() != Some(HOOK_FINALIZER));
                a.is_empty()
            }
            _ => false,
        };
        if empty {
            m.remove("finalizers");
        }
    }
    o
}

impl SyncRun {
    /// A run of `tasks` (from [`super::sync::plan_sync`]).
    pub fn new(app: &crate::model::Application, op: SyncOperation, tasks: Vec<SyncTask>) -> Self {
        SyncRun {
            app: app.metadata.key(),
            app_name: app.metadata.name.clone(),
            op,
            tasks,
            phase: OperationPhase::Running,
            message: String::new(),
            finished_at: None,
        }
    }

    fn ctx(&self, t: &SyncTask) -> HookContext {
        HookContext {
            app: self.app.clone(),
            revision: self.op.revision.clone(),
            phase: t.phase,
        }
    }

    fn set_phase(&mut self, phase: OperationPhase, message: impl Into<String>, now: i64) {
        self.phase = phase;
        self.message = message.into();
        if phase.completed() {
            self.finished_at = Some(now);
        }
    }

    fn multi_step(&self) -> bool {
        let steps: BTreeSet<(SyncPhase, i64)> = self
            .tasks
            .iter()
            .filter(|t| t.phase != SyncPhase::SyncFail)
            .map(|t| (t.phase, t.wave()))
            .collect();
        steps.len() > 1
    }

    fn running_message(&self, idx: &[usize], deletion: bool) -> String {
        let Some(first) = idx.first().and_then(|&i| self.tasks.get(i)) else {
            return String::new();
        };
        let (waiting, more) = if deletion {
            ("deletion of", "resources")
        } else if first.is_hook() {
            ("completion of hook", "hooks")
        } else {
            ("healthy state of", "resources")
        };
        let mut m = format!(
            "waiting for {waiting} {}/{}/{}",
            first.group(),
            first.kind(),
            first.name()
        );
        if idx.len() > 1 {
            m.push_str(&format!(" and {} more {more}", idx.len() - 1));
        }
        m
    }

    /// One controller pass. Returns the phase after it.
    pub fn step(
        &mut self,
        store: &mut dyn ClusterStore,
        hooks: &dyn HookRunner,
        now: i64,
    ) -> OperationPhase {
        if self.phase.completed() {
            return self.phase;
        }
        // 1. refresh running tasks
        let multi = self.multi_step();
        for i in 0..self.tasks.len() {
            let Some(t) = self.tasks.get(i) else { continue };
            if !running(t) || t.is_prune() {
                continue;
            }
            let id = t.id();
            let live = match store.get(&id) {
                Ok(l) => l,
                Err(e) => {
                    self.set_phase(OperationPhase::Error, e.to_string(), now);
                    return self.phase;
                }
            };
            let Some(live) = live else { continue };
            let ctx = self.ctx(t);
            let is_hook = t.is_hook();
            let update = if is_hook {
                match hooks.poll(&live, &ctx) {
                    Ok(HookState::Running(m)) => Some(("Running", m)),
                    Ok(HookState::Succeeded(m)) => Some(("Succeeded", m)),
                    Ok(HookState::Failed(m)) => Some(("Failed", m)),
                    Err(e) => Some(("Error", format!("failed to get hook state: {e}"))),
                }
            } else {
                match resource_health(&live) {
                    None => Some(("Succeeded", String::new())),
                    Some(h) if h.status == HealthStatusCode::Healthy => {
                        Some(("Succeeded", h.message))
                    }
                    Some(h) if h.status == HealthStatusCode::Degraded => {
                        Some(("Failed", h.message))
                    }
                    Some(_) => None,
                }
            };
            if let (Some((phase, msg)), Some(t)) = (update, self.tasks.get_mut(i)) {
                t.hook_phase = Some(phase.to_string());
                if !msg.is_empty() {
                    t.message = msg;
                }
                t.live = Some(live);
            }
        }
        let waiting: Vec<usize> = (0..self.tasks.len())
            .filter(|&i| {
                self.tasks
                    .get(i)
                    .is_some_and(|t| (multi || t.is_hook()) && running(t))
            })
            .collect();
        if !waiting.is_empty() {
            let m = self.running_message(&waiting, false);
            self.set_phase(OperationPhase::Running, m, now);
            return self.phase;
        }
        // 2. completed hooks lose their finalizer
        for t in self.tasks.iter().filter(|t| t.is_hook() && completed(t)) {
            if let Ok(Some(live)) = store.get(&t.id()) {
                let cleaned = without_hook_finalizer(&live);
                if cleaned != live {
                    let _ = store.apply(&cleaned);
                }
            }
        }
        // 3. failures
        let failed_any = self
            .tasks
            .iter()
            .any(|t| t.phase != SyncPhase::SyncFail && completed(t) && !successful(t));
        if failed_any {
            self.delete_hooks(store, HookDeletePolicy::HookFailed);
            self.fail(
                store,
                hooks,
                "one or more synchronization tasks completed unsuccessfully",
                now,
            );
            return self.phase;
        }
        // 4. next wave
        let next: Vec<usize> = (0..self.tasks.len())
            .filter(|&i| {
                self.tasks
                    .get(i)
                    .is_some_and(|t| t.phase != SyncPhase::SyncFail && pending(t))
            })
            .collect();
        let Some(first) = next.first().and_then(|&i| self.tasks.get(i)) else {
            self.delete_hooks(store, HookDeletePolicy::HookSucceeded);
            self.set_phase(
                OperationPhase::Succeeded,
                "successfully synced (no more tasks)",
                now,
            );
            return self.phase;
        };
        let (phase, wave) = (first.phase, first.wave());
        let (this, rest): (Vec<usize>, Vec<usize>) = next.into_iter().partition(|&i| {
            self.tasks
                .get(i)
                .is_some_and(|t| t.phase == phase && t.wave() == wave)
        });
        let mut remaining: Vec<usize> = rest;
        remaining.extend(
            this.iter()
                .copied()
                .filter(|&i| self.tasks.get(i).is_some_and(SyncTask::is_hook)),
        );
        remaining.sort_unstable();
        self.set_phase(
            OperationPhase::Running,
            "one or more tasks are running",
            now,
        );
        let failed = self.run_tasks(&this, store, hooks);
        if failed {
            self.delete_hooks(store, HookDeletePolicy::HookFailed);
            self.fail(store, hooks, "one or more objects failed to apply", now);
        } else if remaining.is_empty() {
            self.delete_hooks(store, HookDeletePolicy::HookSucceeded);
            self.set_phase(
                OperationPhase::Succeeded,
                "successfully synced (all tasks run)",
                now,
            );
        } else {
            let m = self.running_message(&remaining, false);
            self.set_phase(OperationPhase::Running, m, now);
        }
        self.phase
    }

    /// Steps until the operation completes or `max_steps` passes ran.
    pub fn run(
        &mut self,
        store: &mut dyn ClusterStore,
        hooks: &dyn HookRunner,
        now: i64,
        max_steps: usize,
    ) -> OperationPhase {
        for _ in 0..max_steps {
            if self.step(store, hooks, now).completed() {
                break;
            }
        }
        self.phase
    }

    /// Applies or prunes the tasks `idx`; whether any failed.
    fn run_tasks(
        &mut self,
        idx: &[usize],
        store: &mut dyn ClusterStore,
        hooks: &dyn HookRunner,
    ) -> bool {
        let mut failed = false;
        for &i in idx {
            let Some(t) = self.tasks.get(i).cloned() else {
                continue;
            };
            let (code, phase, msg) = if t.is_prune() {
                let live = t.live.clone().unwrap_or(Value::Null);
                if !self.op.prune {
                    (
                        ResultCode::PruneSkipped,
                        "Succeeded",
                        "ignored (requires pruning)".to_string(),
                    )
                } else if has_sync_option(&live, "Prune=false") {
                    (
                        ResultCode::PruneSkipped,
                        "Succeeded",
                        "ignored (no prune)".to_string(),
                    )
                } else {
                    match store.delete(&t.id()) {
                        Ok(_) => (ResultCode::Pruned, "Succeeded", "pruned".to_string()),
                        Err(e) => (ResultCode::SyncFailed, "Failed", e.to_string()),
                    }
                }
            } else {
                self.apply_task(&t, store, hooks)
            };
            if code == ResultCode::SyncFailed || phase == "Failed" || phase == "Error" {
                failed = true;
            }
            if let Some(t) = self.tasks.get_mut(i) {
                t.result = Some(code);
                t.hook_phase = Some(phase.to_string());
                t.message = msg;
            }
        }
        failed
    }

    fn apply_task(
        &mut self,
        t: &SyncTask,
        store: &mut dyn ClusterStore,
        hooks: &dyn HookRunner,
    ) -> (ResultCode, &'static str, String) {
        let Some(mut target) = t.target.clone() else {
            return (ResultCode::SyncFailed, "Failed", "no target".into());
        };
        set_meta_entry(&mut target, "labels", INSTANCE_LABEL, &self.app_name);
        let id = t.id();
        let live = match store.get(&id) {
            Ok(l) => l,
            Err(e) => return (ResultCode::SyncFailed, "Failed", e.to_string()),
        };
        if t.is_hook()
            && live.is_some()
            && t.delete_policies()
                .contains(&HookDeletePolicy::BeforeHookCreation)
            && let Err(e) = store.delete(&id)
        {
            return (ResultCode::SyncFailed, "Failed", e.to_string());
        }
        let live = if t.is_hook() { None } else { live };
        let replace = self.op.replace || has_sync_option(&target, "Replace=true");
        let ssa = (self.op.server_side_apply || has_sync_option(&target, "ServerSideApply=true"))
            && !has_sync_option(&target, "ServerSideApply=false");
        let what = match &live {
            None => "created",
            Some(_) if replace => "replaced",
            Some(_) if ssa => "serverside-applied",
            Some(l) if super::sync::is_in_sync(&target, l) => "unchanged",
            Some(_) => "configured",
        };
        let obj = match (&live, replace) {
            // `kubectl apply` keeps what the live object has and the target does not set.
            (Some(l), false) => merge_apply(l, &target),
            _ => target.clone(),
        };
        if let Err(e) = store.apply(&obj) {
            return (ResultCode::SyncFailed, "Failed", e.to_string());
        }
        let msg = format!("{} {what}", kubectl_ref(t));
        if t.is_hook() {
            let live = store.get(&id).ok().flatten().unwrap_or(obj);
            return match hooks.poll(&live, &self.ctx(t)) {
                Ok(HookState::Running(m)) => (
                    ResultCode::Synced,
                    "Running",
                    if m.is_empty() { msg } else { m },
                ),
                Ok(HookState::Succeeded(m)) => (
                    ResultCode::Synced,
                    "Succeeded",
                    if m.is_empty() { msg } else { m },
                ),
                Ok(HookState::Failed(m)) => (ResultCode::Synced, "Failed", m),
                Err(e) => (ResultCode::Synced, "Error", e.to_string()),
            };
        }
        (ResultCode::Synced, "Running", msg)
    }

    fn delete_hooks(&mut self, store: &mut dyn ClusterStore, policy: HookDeletePolicy) {
        for t in &self.tasks {
            if t.is_hook() && completed(t) && t.delete_policies().contains(&policy) {
                let _ = store.delete(&t.id());
            }
        }
    }

    fn fail(
        &mut self,
        store: &mut dyn ClusterStore,
        hooks: &dyn HookRunner,
        message: &str,
        now: i64,
    ) {
        let reasons: Vec<String> = self
            .tasks
            .iter()
            .filter(|t| t.phase != SyncPhase::SyncFail && t.result == Some(ResultCode::SyncFailed))
            .map(|t| t.message.clone())
            .collect();
        let error = if reasons.is_empty() {
            message.to_string()
        } else {
            format!("{message}, reason: {}", reasons.join(","))
        };
        let fail_tasks: Vec<usize> = (0..self.tasks.len())
            .filter(|&i| {
                self.tasks
                    .get(i)
                    .is_some_and(|t| t.phase == SyncPhase::SyncFail)
            })
            .collect();
        if fail_tasks.is_empty()
            || fail_tasks
                .iter()
                .all(|&i| self.tasks.get(i).is_some_and(completed))
        {
            let failed_hooks: Vec<String> = fail_tasks
                .iter()
                .filter_map(|&i| self.tasks.get(i))
                .filter(|t| completed(t) && !successful(t))
                .map(|t| t.message.clone())
                .collect();
            let m = if failed_hooks.is_empty() {
                error
            } else {
                format!(
                    "{error}\none or more SyncFail hooks failed, reason: {}",
                    failed_hooks.join(",")
                )
            };
            self.set_phase(OperationPhase::Failed, m, now);
            return;
        }
        let pending_fail: Vec<usize> = fail_tasks
            .into_iter()
            .filter(|&i| self.tasks.get(i).is_some_and(pending))
            .collect();
        if self.run_tasks(&pending_fail, store, hooks) {
            let msgs: Vec<String> = pending_fail
                .iter()
                .filter_map(|&i| self.tasks.get(i))
                .filter(|t| {
                    t.result == Some(ResultCode::SyncFailed) || hook_phase(t) == Some("Failed")
                })
                .map(|t| t.message.clone())
                .collect();
            self.set_phase(
                OperationPhase::Failed,
                format!(
                    "{error}\none or more SyncFail hooks failed, reason: {}",
                    msgs.join(",")
                ),
                now,
            );
        } else {
            // The SyncFail hooks run; the next step waits for them, then fails.
            self.message = error;
        }
    }

    /// `status.operationState` as Argo CD writes it (`startedAt`/`finishedAt` in RFC 3339).
    pub fn operation_state(&self) -> Value {
        let resources: Vec<Value> = self
            .tasks
            .iter()
            .filter(|t| t.hook_phase.is_some() || t.result.is_some())
            .map(|t| {
                let mut m = Map::new();
                m.insert("group".into(), json!(t.group()));
                m.insert("version".into(), json!(t.version()));
                m.insert("kind".into(), json!(t.kind()));
                m.insert("namespace".into(), json!(t.namespace()));
                m.insert("name".into(), json!(t.name()));
                if let Some(r) = t.result {
                    m.insert("status".into(), json!(r.as_str()));
                }
                m.insert("message".into(), json!(t.message));
                if t.is_hook() {
                    m.insert("hookType".into(), json!(t.phase.as_str()));
                }
                if let Some(p) = &t.hook_phase {
                    m.insert("hookPhase".into(), json!(p));
                }
                m.insert("syncPhase".into(), json!(t.phase.as_str()));
                Value::Object(m)
            })
            .collect();
        let mut state = json!({
            "operation": {"sync": {"revision": self.op.revision, "prune": self.op.prune}},
            "phase": self.phase.as_str(),
            "message": self.message,
            "startedAt": rfc3339(self.op.started_at),
            "syncResult": {"resources": resources, "revision": self.op.revision},
        });
        if let (Some(f), Some(m)) = (self.finished_at, state.as_object_mut()) {
            m.insert("finishedAt".into(), json!(rfc3339(f)));
        }
        state
    }

    /// The identities of the non-hook resources this sync applied (the next inventory).
    pub fn inventory(&self) -> BTreeSet<ResId> {
        self.tasks
            .iter()
            .filter(|t| !t.is_prune() && !t.is_hook() && !t.managed_namespace)
            .map(SyncTask::id)
            .collect()
    }
}

/// `kubectl apply` over `live`: fields the target sets replace the live ones (maps merge,
/// lists replace); fields only the live object has stay.
fn merge_apply(live: &Value, target: &Value) -> Value {
    match (live, target) {
        (Value::Object(l), Value::Object(t)) => {
            let mut out = l.clone();
            for (k, v) in t {
                let merged = match l.get(k) {
                    Some(lv) => merge_apply(lv, v),
                    None => v.clone(),
                };
                out.insert(k.clone(), merged);
            }
            Value::Object(out)
        }
        _ => target.clone(),
    }
}

/// Unix seconds as RFC 3339 UTC (`2026-12-03T14:05:00Z`).
pub fn rfc3339(unix: i64) -> String {
    kube_object::time::format_rfc3339(unix)
}

/// Whether the desired non-hook objects are all live and in sync, and nothing is left to
/// prune: Argo's `Synced`; else `OutOfSync`.
pub fn sync_status(
    desired: &[Value],
    live: &BTreeMap<ResId, Value>,
    namespace: &str,
) -> &'static str {
    let op = SyncOperation {
        namespace: namespace.to_string(),
        skip_hooks: true,
        ..SyncOperation::default()
    };
    let tasks = super::sync::plan_sync(desired, live, &op);
    let in_sync = tasks.iter().all(|t| match (&t.target, &t.live) {
        (Some(target), Some(l)) => super::sync::is_in_sync(target, l),
        _ => false,
    });
    if in_sync { "Synced" } else { "OutOfSync" }
}

/// Delay before retry `attempt` (0-based) of a failed sync: `duration * factor^attempt`,
/// capped at `maxDuration` (Argo's defaults: 5s, factor 2, 3m). Seconds.
pub fn retry_backoff(retry: &crate::model::RetryStrategy, attempt: u32) -> Option<u64> {
    if retry.limit >= 0 && i64::from(attempt) >= retry.limit {
        return None;
    }
    let b = retry.backoff.clone().unwrap_or_default();
    let base = parse_duration(&b.duration).unwrap_or(5);
    let factor = b.factor.unwrap_or(2).max(1) as u64;
    let max = parse_duration(&b.max_duration).unwrap_or(180);
    let mut d = base;
    for _ in 0..attempt {
        d = d.saturating_mul(factor);
        if d >= max {
            break;
        }
    }
    Some(d.min(max))
}

/// A Go duration (`5s`, `3m`, `1h30m`) or bare seconds, in whole seconds.
pub fn parse_duration(s: &str) -> Option<u64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(n) = s.parse::<u64>() {
        return Some(n);
    }
    let mut total = 0f64;
    let mut num = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            num.push(c);
            continue;
        }
        let mut unit = c.to_string();
        if c == 'm' && chars.peek() == Some(&'s') {
            unit.push('s');
            chars.next();
        }
        let n: f64 = num.parse().ok()?;
        num.clear();
        total += n * match unit.as_str() {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 0.001,
            _ => return None,
        };
    }
    if !num.is_empty() {
        return None;
    }
    Some(total as u64)
}

/// Why an automated sync is (not) started, as Argo's controller decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AutoSync {
    /// Sync now.
    Sync,
    /// Not automated.
    Manual,
    /// Already synced to this revision, and selfHeal is off (or nothing drifted).
    AlreadySynced,
    /// The sync would delete every resource and `allowEmpty` is off.
    WouldWipeOut,
}

/// The automated-sync decision for `app` at `revision`.
pub fn auto_sync_decision(
    app: &crate::model::Application,
    revision: &str,
    last_synced: Option<&str>,
    status: &str,
    desired_count: usize,
    live_count: usize,
) -> AutoSync {
    let Some(a) = app.automated() else {
        return AutoSync::Manual;
    };
    if desired_count == 0 && live_count > 0 && !a.allow_empty {
        return AutoSync::WouldWipeOut;
    }
    if last_synced == Some(revision) && (!a.self_heal || status == "Synced") {
        return AutoSync::AlreadySynced;
    }
    AutoSync::Sync
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn backoff_doubles_to_the_cap() {
        let r = crate::model::RetryStrategy {
            limit: 5,
            backoff: Some(crate::model::Backoff {
                duration: "5s".into(),
                factor: Some(2),
                max_duration: "3m".into(),
            }),
        };
        let d: Vec<Option<u64>> = (0..7).map(|a| retry_backoff(&r, a)).collect();
        assert_eq!(
            d,
            [Some(5), Some(10), Some(20), Some(40), Some(80), None, None]
        );
        let r = crate::model::RetryStrategy {
            limit: -1,
            backoff: None,
        };
        assert_eq!(retry_backoff(&r, 10), Some(180));
        assert_eq!(parse_duration("1h30m"), Some(5400));
    }
}
