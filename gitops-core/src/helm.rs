//! Flux `HelmRelease`s rendered with helm-lite and applied as helm-controller installs them.
//!
//! A release whose chart comes from a `GitRepository` or `Bucket` (`spec.chart.spec.chart`
//! is a path in that source) is rendered from the source's files with the release's values:
//! `valuesFrom` ConfigMaps and Secrets first (key `values.yaml` unless `valuesKey` says
//! otherwise, at `targetPath` when given), then `spec.values` on top. The release is named
//! `spec.releaseName`, else `[targetNamespace-]name`, in `targetNamespace` or the
//! HelmRelease's namespace. The manifest's objects get that namespace when they are
//! namespaced and have none, and the labels `helm.toolkit.fluxcd.io/name` and
//! `/namespace`; hooks (`helm.sh/hook`) are not part of the release's manifest and are not
//! applied. The objects are applied and pruned under the release's own inventory.
//!
//! Charts from a `HelmRepository`, `chartRef`s (OCIRepository, HelmChart), and charts with
//! packaged `.tgz` dependencies are reported on the release (`Ready=False`), not guessed.

use crate::object::{ResId, is_cluster_scoped, set_meta_entry};
use crate::plan::Plan;
use crate::reconcile::{Condition, ConditionStatus, Source, apply_objects};
use crate::store::ClusterStore;
use serde_json::{Map, Value};
use std::fmt;

/// Largest chart file read.
const MAX_CHART_FILE_BYTES: u64 = 4 * 1024 * 1024;
/// Most files a chart may have.
const MAX_CHART_FILES: usize = 10_000;

/// What reconciling one HelmRelease did.
#[derive(Debug, Clone, PartialEq)]
pub struct HelmReleaseResult {
    /// `namespace/name`.
    pub key: String,
    /// The plan applied.
    pub plan: Plan,
    /// How many plan entries were carried out.
    pub applied: usize,
    /// Conditions, `Ready` first.
    pub conditions: Vec<Condition>,
}

impl HelmReleaseResult {
    /// Whether `Ready` is `True`.
    pub fn ready(&self) -> bool {
        self.conditions.first().is_some_and(|c| c.is_true("Ready"))
    }

    /// A release that was not rendered, with its reason.
    pub fn failed(key: String, reason: &str, message: String) -> HelmReleaseResult {
        HelmReleaseResult {
            key,
            plan: Plan::default(),
            applied: 0,
            conditions: vec![Condition::new(
                "Ready",
                ConditionStatus::False,
                reason,
                message,
            )],
        }
    }
}

impl fmt::Display for HelmReleaseResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for e in self.plan.entries.iter().take(self.applied) {
            writeln!(f, "{e}")?;
        }
        match self.conditions.first() {
            Some(c) => write!(f, "HelmRelease/{} {c}", self.key),
            None => write!(f, "HelmRelease/{}", self.key),
        }
    }
}

/// Where a release's chart is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChartSource {
    /// A path in a GitRepository or Bucket: `(kind, namespace, name, path)`.
    InSource(String, String, String, String),
    /// What cannot be rendered here, and why.
    Unsupported(String),
}

fn s<'v>(v: &'v Value, pointer: &str) -> &'v str {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// The release's `namespace/name`.
pub fn key(hr: &Value) -> String {
    format!(
        "{}/{}",
        s(hr, "/metadata/namespace"),
        s(hr, "/metadata/name")
    )
}

/// Where the chart of `hr` comes from.
pub fn chart_source(hr: &Value) -> ChartSource {
    let ns = s(hr, "/metadata/namespace");
    if hr.pointer("/spec/chartRef").is_some() {
        return ChartSource::Unsupported(format!(
            "spec.chartRef ({} '{}') is not fetched by this reconcile",
            s(hr, "/spec/chartRef/kind"),
            s(hr, "/spec/chartRef/name")
        ));
    }
    let kind = s(hr, "/spec/chart/spec/sourceRef/kind");
    let name = s(hr, "/spec/chart/spec/sourceRef/name");
    let src_ns = match s(hr, "/spec/chart/spec/sourceRef/namespace") {
        "" => ns,
        other => other,
    };
    let chart = s(hr, "/spec/chart/spec/chart");
    match kind {
        "GitRepository" | "Bucket" => ChartSource::InSource(
            kind.to_string(),
            src_ns.to_string(),
            name.to_string(),
            chart.to_string(),
        ),
        "HelmRepository" => ChartSource::Unsupported(format!(
            "chart '{chart}' from HelmRepository '{src_ns}/{name}' is not fetched by this reconcile"
        )),
        "" => ChartSource::Unsupported("spec.chart.spec.sourceRef is missing".into()),
        other => ChartSource::Unsupported(format!("unknown chart source kind {other:?}")),
    }
}

/// The chart's files under `dir` of `source`, through rooted-fs (links inside only).
fn chart_files(
    source: &Source,
    dir: &str,
) -> Result<std::collections::BTreeMap<String, Vec<u8>>, String> {
    let root = rooted_fs::Root::open(&source.root).map_err(|e| format!("source: {e}"))?;
    let base = dir.trim_start_matches("./").trim_end_matches('/');
    if base.split('/').any(|p| p == "..") {
        return Err(format!("chart path {dir:?} leaves the source"));
    }
    let mut files = std::collections::BTreeMap::new();
    let mut stack = vec![String::new()];
    while let Some(rel) = stack.pop() {
        let here = if rel.is_empty() {
            base.to_string()
        } else {
            format!("{base}/{rel}")
        };
        let entries = root
            .list_dir(if here.is_empty() { "." } else { here.as_str() })
            .map_err(|e| format!("chart {dir:?}: {here}: {e}"))?;
        for (name, kind) in entries {
            let name = name.to_string_lossy().into_owned();
            let child = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            match kind {
                rooted_fs::EntryKind::Dir => stack.push(child),
                rooted_fs::EntryKind::File => {
                    if child.ends_with(".tgz") {
                        return Err(format!(
                            "chart {dir:?}: packaged dependency {child} (.tgz) is not supported yet"
                        ));
                    }
                    let path = if base.is_empty() {
                        child.clone()
                    } else {
                        format!("{base}/{child}")
                    };
                    let data = root
                        .read(&path, MAX_CHART_FILE_BYTES)
                        .map_err(|e| format!("chart {dir:?}: {child}: {e}"))?;
                    files.insert(child, data);
                    if files.len() > MAX_CHART_FILES {
                        return Err(format!("chart {dir:?}: over {MAX_CHART_FILES} files"));
                    }
                }
                _ => {}
            }
        }
    }
    Ok(files)
}

/// Sets `value` at the dotted `path` of `map` (helm's `--set` paths, without indexes).
fn set_path(map: &mut Map<String, Value>, path: &str, value: Value) {
    let mut parts = path.split('.').peekable();
    let mut m = map;
    while let Some(p) = parts.next() {
        if parts.peek().is_none() {
            m.insert(p.to_string(), value);
            return;
        }
        let e = m
            .entry(p.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        if !e.is_object() {
            *e = Value::Object(Map::new());
        }
        let Value::Object(next) = e else { return };
        m = next;
    }
}

/// Merges `over` into `base` (maps recursively, anything else replaced), as Helm merges
/// values files.
fn merge(base: &mut Map<String, Value>, over: &Map<String, Value>) {
    for (k, v) in over {
        match (base.get_mut(k), v) {
            (Some(Value::Object(b)), Value::Object(o)) => merge(b, o),
            _ => {
                base.insert(k.clone(), v.clone());
            }
        }
    }
}

/// The release's values: `valuesFrom` in order, then `spec.values`.
fn values(hr: &Value, store: &dyn ClusterStore) -> Result<Map<String, Value>, String> {
    let ns = s(hr, "/metadata/namespace");
    let mut out = Map::new();
    if let Some(Value::Array(refs)) = hr.pointer("/spec/valuesFrom") {
        for r in refs {
            let kind = s(r, "/kind");
            let name = s(r, "/name");
            let key = match s(r, "/valuesKey") {
                "" => "values.yaml",
                k => k,
            };
            let optional = r.get("optional").and_then(Value::as_bool).unwrap_or(false);
            let obj = store
                .get(&ResId::new("", kind, ns, name))
                .map_err(|e| e.to_string())?;
            let text = obj.as_ref().and_then(|o| match kind {
                "Secret" => o
                    .pointer(&format!("/data/{}", key.replace('/', "~1")))
                    .and_then(Value::as_str)
                    .and_then(|b| {
                        use base64::Engine;
                        base64::engine::general_purpose::STANDARD.decode(b).ok()
                    })
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .or_else(|| {
                        o.pointer(&format!("/stringData/{}", key.replace('/', "~1")))
                            .and_then(Value::as_str)
                            .map(str::to_string)
                    }),
                _ => o
                    .pointer(&format!("/data/{}", key.replace('/', "~1")))
                    .and_then(Value::as_str)
                    .map(str::to_string),
            });
            let Some(text) = text else {
                if optional {
                    continue;
                }
                return Err(format!(
                    "could not resolve {kind} chart values reference '{ns}/{name}' with key '{key}'"
                ));
            };
            match s(r, "/targetPath") {
                "" => {
                    let v: Value = serde_saphyr::from_str(&text)
                        .map_err(|e| format!("{kind} '{ns}/{name}' key '{key}': {e}"))?;
                    if let Value::Object(m) = v {
                        merge(&mut out, &m);
                    }
                }
                path => set_path(&mut out, path, Value::String(text)),
            }
        }
    }
    if let Some(Value::Object(v)) = hr.pointer("/spec/values") {
        merge(&mut out, v);
    }
    Ok(out)
}

/// Renders and applies `hr` from `source` (the artifact its chart source names).
pub fn reconcile_helm_release(
    hr: &Value,
    source: &Source,
    chart_path: &str,
    store: &mut dyn ClusterStore,
) -> HelmReleaseResult {
    let key = key(hr);
    if hr.pointer("/spec/suspend").and_then(Value::as_bool) == Some(true) {
        return HelmReleaseResult::failed(key, "Suspended", "reconciliation is suspended".into());
    }
    let name = s(hr, "/metadata/name");
    let target = s(hr, "/spec/targetNamespace");
    let release_name = match s(hr, "/spec/releaseName") {
        "" if target.is_empty() => name.to_string(),
        "" => format!("{target}-{name}"),
        r => r.to_string(),
    };
    let namespace = if target.is_empty() {
        s(hr, "/metadata/namespace").to_string()
    } else {
        target.to_string()
    };
    let files = match chart_files(source, chart_path) {
        Ok(f) => f,
        Err(e) => return HelmReleaseResult::failed(key, "ArtifactFailed", e),
    };
    let chart = match helm_lite::Chart::from_files(&files) {
        Ok(c) => c,
        Err(e) => return HelmReleaseResult::failed(key, "ArtifactFailed", e.to_string()),
    };
    let user = match values(hr, &*store) {
        Ok(v) => v,
        Err(e) => return HelmReleaseResult::failed(key, "InitFailed", e),
    };
    let user = match helm_lite::yaml::from_json(&Value::Object(user).to_string()) {
        Ok(helm_lite::Value::Map(m)) => m.to_map(),
        Ok(_) => helm_lite::Map::new(),
        Err(e) => return HelmReleaseResult::failed(key, "InitFailed", e),
    };
    let release = helm_lite::Release {
        name: release_name.clone(),
        namespace: namespace.clone(),
    };
    let manifest = match helm_lite::helm_template(&chart, &release, &user) {
        Ok(m) => m,
        Err(e) => return HelmReleaseResult::failed(key, "InstallFailed", e.to_string()),
    };
    let objects = match kustomize_lite::yaml::parse_stream(&manifest, &format!("HelmRelease {key}"))
    {
        Ok(o) => o,
        Err(e) => return HelmReleaseResult::failed(key, "InstallFailed", e.to_string()),
    };
    let hr_name = name.to_string();
    let hr_ns = s(hr, "/metadata/namespace").to_string();
    let desired: Vec<Value> = objects
        .into_iter()
        .filter(|o| o.is_object())
        .filter(|o| o.pointer("/metadata/annotations/helm.sh~1hook").is_none())
        .map(|mut o| {
            let kind = o
                .get("kind")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if !is_cluster_scoped(&kind)
                && s(&o, "/metadata/namespace").is_empty()
                && let Some(meta) = o.get_mut("metadata").and_then(Value::as_object_mut)
            {
                meta.insert("namespace".into(), Value::String(namespace.clone()));
            }
            set_meta_entry(&mut o, "labels", "helm.toolkit.fluxcd.io/name", &hr_name);
            set_meta_entry(&mut o, "labels", "helm.toolkit.fluxcd.io/namespace", &hr_ns);
            o
        })
        .collect();
    let owner = format!("HelmRelease/{key}");
    match apply_objects(&owner, &desired, true, store) {
        Ok((plan, applied)) => HelmReleaseResult {
            key,
            plan,
            applied,
            conditions: vec![Condition::new(
                "Ready",
                ConditionStatus::True,
                "InstallSucceeded",
                format!(
                    "Helm install succeeded for release {namespace}/{release_name} with chart {} from {}",
                    chart.name(),
                    source.revision
                ),
            )],
        },
        Err((plan, applied, e)) => HelmReleaseResult {
            key,
            plan,
            applied,
            conditions: vec![Condition::new(
                "Ready",
                ConditionStatus::False,
                "InstallFailed",
                e.to_string(),
            )],
        },
    }
}
