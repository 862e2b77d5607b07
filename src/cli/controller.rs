//! `gitops-toolkit controller --kubeconfig FILE [--once]`: Flux's source- and
//! kustomize-controllers in one process, over a real cluster (features `kube` and `git`).
//!
//! Each pass lists the cluster's `GitRepository` (`source.toolkit.fluxcd.io`) and
//! `Kustomization` (`kustomize.toolkit.fluxcd.io`) objects, fetches each repository through
//! gix, reconciles the Kustomizations in `dependsOn` order into the cluster (server-side
//! apply, prune, health) with gitops-core, and writes their `status` as Flux does:
//! `conditions` (`Ready` with reason and message, each with `observedGeneration` and
//! `lastTransitionTime`), `observedGeneration`, `artifact.revision` (sources) and
//! `lastAppliedRevision` / `lastAttemptedRevision` (Kustomizations).
//!
//! `--once` makes one pass and exits (0 when every object is Ready, 1 otherwise). Without
//! it, the controller then waits on watches of those kinds and of every inventory's
//! objects (drift wakes it without polling, as Flux's selfHeal) and passes again, also
//! every `--resync` seconds.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use clap::Args as ClapArgs;
use serde_json::{Value, json};

use super::{Fail, Out, Outcome};
use crate::gitops::bootstrap::{GitSources, SourceResolver};
use crate::gitops::model::{Kustomization, Object};
use crate::gitops::object::ResId;
use crate::gitops::reconcile::{
    DirRenderer, KustomizationResult, ReconcileOptions, Source, StatusHealth, dependency_order,
    owner_key, reconcile_kustomization,
};
use crate::gitops::store::{KubeStore, KubeStoreOptions};

const SOURCE_GROUP: &str = "source.toolkit.fluxcd.io";
const KUSTOMIZE_GROUP: &str = "kustomize.toolkit.fluxcd.io";

/// Arguments of `controller`.
#[derive(Debug, ClapArgs)]
pub(crate) struct Args {
    /// The cluster's kubeconfig (its current context).
    #[arg(long, value_name = "FILE")]
    kubeconfig: PathBuf,
    /// One pass over every object, then exit (0 when all are Ready).
    #[arg(long)]
    once: bool,
    /// Only objects of this namespace (default: all namespaces).
    #[arg(long, short = 'n', value_name = "NS")]
    namespace: Option<String>,
    /// Where repositories are fetched to (default: a directory under the temp dir).
    #[arg(long, value_name = "DIR")]
    cache: Option<PathBuf>,
    /// Seconds between passes when no watch event comes.
    #[arg(long, default_value_t = 600, value_name = "SECONDS")]
    resync: u64,
}

/// One reported object: kind, `namespace/name`, its Ready condition.
struct Line {
    kind: &'static str,
    key: String,
    ready: bool,
    reason: String,
    message: String,
}

/// Runs the controller.
pub(crate) fn run(args: Args, out: &mut Out) -> Outcome {
    let mut store = KubeStore::from_kubeconfig(&args.kubeconfig, KubeStoreOptions::default())
        .map_err(|e| e.to_string())?;
    let ns = args.namespace.clone().unwrap_or_default();
    let cache = args.cache.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("gitops-controller-{}", std::process::id()))
    });
    loop {
        let (lines, owners) = pass(&mut store, &ns, &cache)?;
        report(&lines, out)?;
        if args.once {
            let all_ready = lines.iter().all(|l| l.ready);
            return Ok(if all_ready {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            });
        }
        let owners: Vec<&str> = owners.iter().map(String::as_str).collect();
        let watch = store
            .watch(
                &[
                    (SOURCE_GROUP, "GitRepository"),
                    (KUSTOMIZE_GROUP, "Kustomization"),
                ],
                &ns,
                &owners,
            )
            .map_err(|e| e.to_string())?;
        eprintln!(
            "controller: watching {} scopes (kinds and inventories)",
            watch.scopes().len()
        );
        match watch.recv_timeout(Duration::from_secs(args.resync.max(1))) {
            Some(Ok(change)) => eprintln!("controller: {change}"),
            Some(Err(e)) => eprintln!("controller: watch: {e}"),
            None => {}
        }
        // Let a burst of changes (our own status writes among them) settle into one pass.
        while watch.recv_timeout(Duration::from_millis(200)).is_some() {}
    }
}

fn report(lines: &[Line], out: &mut Out) -> Result<(), Fail> {
    if out.structured() {
        let v: Vec<Value> = lines
            .iter()
            .map(|l| {
                json!({"kind": l.kind, "name": l.key, "ready": l.ready,
                       "reason": l.reason, "message": l.message})
            })
            .collect();
        return out.value(&Value::Array(v));
    }
    for l in lines {
        let status = if l.ready { "True" } else { "False" };
        out.line(&format!(
            "{}/{} Ready={status} {}: {}",
            l.kind, l.key, l.reason, l.message
        ))?;
    }
    Ok(())
}

/// One pass: sources, then Kustomizations. Returns the report lines and the owners whose
/// inventories the watch should cover.
fn pass(store: &mut KubeStore, ns: &str, cache: &Path) -> Result<(Vec<Line>, Vec<String>), Fail> {
    let mut lines = Vec::new();
    let mut sources: BTreeMap<String, Result<Source, String>> = BTreeMap::new();
    let backend = crate::gitops::source::GixBackend;
    let mut resolver = GitSources::new(&backend, cache);
    let repos = store
        .list_kind(SOURCE_GROUP, "GitRepository", ns)
        .map_err(|e| e.to_string())?;
    for repo in repos {
        let (rns, name) = (meta(&repo, "namespace"), meta(&repo, "name"));
        let key = format!("{rns}/{name}");
        if repo.pointer("/spec/suspend") == Some(&Value::Bool(true)) {
            continue;
        }
        let got = resolver.resolve("GitRepository", &rns, &name, &repo);
        let (cond, extra) = match &got {
            Ok(src) => (
                condition(
                    &repo,
                    "True",
                    "Succeeded",
                    &format!("stored artifact for revision '{}'", src.revision),
                ),
                json!({"artifact": {"revision": src.revision}}),
            ),
            Err(m) => (
                condition(&repo, "False", "GitOperationFailed", &m.to_string()),
                json!({}),
            ),
        };
        write_status(store, &repo, vec![cond.clone()], extra)?;
        lines.push(line("GitRepository", key.clone(), &cond));
        sources.insert(key, got.map_err(|e| e.to_string()));
    }

    let raw = store
        .list_kind(KUSTOMIZE_GROUP, "Kustomization", ns)
        .map_err(|e| e.to_string())?;
    let mut parsed: Vec<Kustomization> = Vec::new();
    let mut objects: BTreeMap<String, Value> = BTreeMap::new();
    for v in raw {
        let key = format!("{}/{}", meta(&v, "namespace"), meta(&v, "name"));
        match Object::from_value(v.clone(), &format!("Kustomization/{key}")) {
            Ok(Object::Kustomization(k)) => {
                parsed.push(k);
                objects.insert(key, v);
            }
            Ok(_) => {}
            Err(e) => {
                let cond = condition(&v, "False", "InvalidSpec", &e.to_string());
                write_status(store, &v, vec![cond.clone()], json!({}))?;
                lines.push(line("Kustomization", key, &cond));
            }
        }
    }
    let mut ready: BTreeMap<String, bool> = BTreeMap::new();
    let mut owners = Vec::new();
    for k in dependency_order(&parsed) {
        let key = k.metadata.key();
        let Some(obj) = objects.get(&key) else {
            continue;
        };
        owners.push(owner_key(k));
        let src_ref = &k.spec.source_ref;
        let src_ns = if src_ref.namespace.is_empty() {
            &k.metadata.namespace
        } else {
            &src_ref.namespace
        };
        let src_key = format!("{src_ns}/{}", src_ref.name);
        let source = match sources.get(&src_key) {
            _ if src_ref.kind != "GitRepository" => Err(format!(
                "source '{}/{src_key}' is not supported by this controller",
                src_ref.kind
            )),
            Some(Ok(s)) => Ok(s.clone()),
            Some(Err(_)) => Err(format!(
                "Source artifact not found, retrying: GitRepository '{src_key}' is not ready"
            )),
            None => Err(format!("Source 'GitRepository/{src_key}' not found")),
        };
        let (conds, extra) = match source {
            Ok(source) => {
                let r = reconcile_kustomization(
                    k,
                    &source,
                    &DirRenderer,
                    store,
                    &StatusHealth,
                    &ready,
                    ReconcileOptions::default(),
                );
                ready.insert(key.clone(), r.ready());
                kustomization_status(obj, &r, &source.revision)
            }
            Err(m) => {
                ready.insert(key.clone(), false);
                (
                    vec![condition(obj, "False", "ArtifactFailed", &m)],
                    json!({}),
                )
            }
        };
        write_status(store, obj, conds.clone(), extra)?;
        if let Some(c) = conds.first() {
            lines.push(line("Kustomization", key, c));
        }
    }
    Ok((lines, owners))
}

/// Flux's status of a reconciled Kustomization.
fn kustomization_status(
    obj: &Value,
    r: &KustomizationResult,
    revision: &str,
) -> (Vec<Value>, Value) {
    let conds: Vec<Value> = r
        .conditions
        .iter()
        .map(|c| condition_of(obj, &c.type_, c.status.as_str(), &c.reason, &c.message))
        .collect();
    let applied = if r.ready() {
        Some(json!(revision))
    } else {
        obj.pointer("/status/lastAppliedRevision").cloned()
    };
    let mut extra = serde_json::Map::new();
    extra.insert("lastAttemptedRevision".into(), json!(revision));
    if let Some(a) = applied {
        extra.insert("lastAppliedRevision".into(), a);
    }
    (conds, Value::Object(extra))
}

fn line(kind: &'static str, key: String, cond: &Value) -> Line {
    let s = |k: &str| {
        cond.get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    Line {
        kind,
        key,
        ready: s("status") == "True",
        reason: s("reason"),
        message: s("message"),
    }
}

fn meta(obj: &Value, key: &str) -> String {
    obj.get("metadata")
        .and_then(|m| m.get(key))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

/// A `Ready` condition for `obj`.
fn condition(obj: &Value, status: &str, reason: &str, message: &str) -> Value {
    condition_of(obj, "Ready", status, reason, message)
}

/// A condition as the API conventions have it: `lastTransitionTime` kept from the previous
/// condition of the same type when its status did not change.
fn condition_of(obj: &Value, kind: &str, status: &str, reason: &str, message: &str) -> Value {
    let generation = obj
        .pointer("/metadata/generation")
        .cloned()
        .unwrap_or(json!(0));
    let previous = obj
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .and_then(|cs| {
            cs.iter()
                .find(|c| c.get("type").and_then(Value::as_str) == Some(kind))
        });
    let since = previous
        .filter(|c| c.get("status").and_then(Value::as_str) == Some(status))
        .and_then(|c| c.get("lastTransitionTime"))
        .cloned()
        .unwrap_or_else(|| json!(rfc3339(SystemTime::now())));
    json!({"type": kind, "status": status, "observedGeneration": generation,
           "lastTransitionTime": since, "reason": reason, "message": message})
}

fn write_status(
    store: &KubeStore,
    obj: &Value,
    conditions: Vec<Value>,
    extra: Value,
) -> Result<(), Fail> {
    let id = ResId::of(obj).map_err(|e| e.to_string())?;
    let api_version = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let mut status = json!({
        "observedGeneration": obj.pointer("/metadata/generation").cloned().unwrap_or(json!(0)),
        "conditions": conditions,
    });
    if let (Some(s), Some(e)) = (status.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            s.insert(k.clone(), v.clone());
        }
    }
    store
        .apply_status(&id, api_version, &status)
        .map_err(|e| Fail::Message(e.to_string()))
}

/// `2026-12-06T21:30:00Z` (UTC, seconds), as Kubernetes writes times.
fn rfc3339(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    kube_object::time::format_rfc3339(i64::try_from(secs).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_as_kubernetes_does() {
        // `date -u -d @1796592600 +%Y-%m-%dT%H:%M:%SZ` = 2026-12-06T21:30:00Z
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_592_600);
        assert_eq!(rfc3339(t), "2026-12-06T21:30:00Z");
        let leap = SystemTime::UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(rfc3339(leap), "2000-02-29T00:00:00Z");
    }
}
