//! A Flux repository reconciled from its bootstrap root, as a Flux cluster does it.
//!
//! [`reconcile_cluster`] starts from the `flux-system` Kustomization of one cluster path
//! (the one `flux bootstrap` writes into `CLUSTER/flux-system/gotk-sync.yaml`, or the one
//! Flux would generate when there is none: `flux-system/flux-system`, `path: CLUSTER`,
//! `prune: true`, source `GitRepository/flux-system`). That root is applied to the store;
//! then, as the cluster is the source of truth for Flux objects, the Kustomizations the store
//! now holds are read back and reconciled in `dependsOn` order, and again for those they
//! apply, until a round adds none (at most [`BootstrapOptions::max_rounds`]).
//!
//! Each Kustomization is built from its own `sourceRef`. A `GitRepository` that is the
//! root's (the same object, or the same URL and ref) is the local tree. Any other source
//! goes to a [`SourceResolver`]: [`GitSources`] fetches other `GitRepository` objects
//! through a `GitBackend`; what no resolver gives is reported on that Kustomization
//! (`Ready=False`, reason `ArtifactFailed`) with what it names, never silently read from
//! the local tree.

use crate::error::Error;
use crate::model::{Kustomization, Object, ObjectMeta, ObjectRef};
use crate::object::ResId;
use crate::reconcile::{
    HealthChecker, KustomizationResult, ReconcileOptions, Renderer, Source, reconcile_kustomization,
};
use crate::store::ClusterStore;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Bounds of a bootstrap reconcile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct BootstrapOptions {
    /// Rounds of "read the Kustomizations back, reconcile the new ones" (default 16).
    pub max_rounds: usize,
    /// Options of each Kustomization's reconcile.
    pub reconcile: ReconcileOptions,
}

impl Default for BootstrapOptions {
    fn default() -> BootstrapOptions {
        BootstrapOptions {
            max_rounds: 16,
            reconcile: ReconcileOptions::default(),
        }
    }
}

impl BootstrapOptions {
    /// Rounds of reading the Kustomizations back (default 16).
    pub fn max_rounds(mut self, rounds: usize) -> Self {
        self.max_rounds = rounds;
        self
    }

    /// Options of each Kustomization's reconcile.
    pub fn reconcile(mut self, reconcile: ReconcileOptions) -> Self {
        self.reconcile = reconcile;
        self
    }
}

/// What a bootstrap reconcile did.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterResult {
    /// Whether the root came from the tree (`false`: generated as Flux does).
    pub root_found: bool,
    /// Every Kustomization's result, root first, in the order reconciled.
    pub results: Vec<KustomizationResult>,
    /// Every HelmRelease's result, after the Kustomizations, in `dependsOn` order.
    pub helm_releases: Vec<crate::helm::HelmReleaseResult>,
    /// Notes: Kustomizations read back that did not parse, rounds cut at the bound.
    pub notes: Vec<String>,
}

/// The Kustomization Flux generates for a cluster path without one.
pub fn generated_root(cluster_path: &str) -> Kustomization {
    let mut k = Kustomization {
        metadata: ObjectMeta {
            name: "flux-system".into(),
            namespace: "flux-system".into(),
            ..ObjectMeta::default()
        },
        spec: Default::default(),
    };
    k.spec.path = format!("./{}", cluster_path.trim_start_matches("./"));
    k.spec.prune = true;
    k.spec.source_ref = ObjectRef {
        kind: "GitRepository".into(),
        name: "flux-system".into(),
        ..ObjectRef::default()
    };
    k
}

fn same_path(a: &str, b: &str) -> bool {
    let norm = |p: &str| {
        p.trim_start_matches("./")
            .trim_end_matches('/')
            .trim_start_matches('/')
            .to_string()
    };
    norm(a) == norm(b)
}

/// The root among `objects` found under the cluster path: the Kustomization
/// `flux-system/flux-system`, else any whose `path` is the cluster path.
pub fn find_root(objects: &[Object], cluster_path: &str) -> Option<Kustomization> {
    let ks: Vec<&Kustomization> = objects
        .iter()
        .filter_map(|o| match o {
            Object::Kustomization(k) => Some(k),
            _ => None,
        })
        .collect();
    ks.iter()
        .find(|k| k.metadata.name == "flux-system" && k.metadata.namespace == "flux-system")
        .or_else(|| ks.iter().find(|k| same_path(&k.spec.path, cluster_path)))
        .map(|k| (*k).clone())
}

/// A GitRepository's URL and ref, as read from the store.
fn git_repository(store: &dyn ClusterStore, ns: &str, name: &str) -> Option<(String, Value)> {
    let id = ResId {
        group: "source.toolkit.fluxcd.io".into(),
        kind: "GitRepository".into(),
        namespace: ns.into(),
        name: name.into(),
    };
    let obj = store.get(&id).ok().flatten()?;
    let url = obj.pointer("/spec/url")?.as_str()?.to_string();
    let reference = obj.pointer("/spec/ref").cloned().unwrap_or(Value::Null);
    Some((url, reference))
}

/// Where a Kustomization's source is.
enum Where {
    /// The local tree (the root's repository).
    Local,
    /// Another source object, as the store holds it.
    Foreign {
        kind: String,
        namespace: String,
        name: String,
        object: Value,
    },
    /// Nothing to build from, and why.
    Missing(String),
}

const SOURCE_GROUP: &str = "source.toolkit.fluxcd.io";

fn classify(k: &Kustomization, root_source: &(String, String), store: &dyn ClusterStore) -> Where {
    let r = &k.spec.source_ref;
    let ns = if r.namespace.is_empty() {
        k.metadata.namespace.clone()
    } else {
        r.namespace.clone()
    };
    classify_ref(&r.kind, &ns, &r.name, root_source, store)
}

/// Where the source `kind` `ns/name` is.
fn classify_ref(
    kind: &str,
    ns: &str,
    name: &str,
    root_source: &(String, String),
    store: &dyn ClusterStore,
) -> Where {
    if kind == "GitRepository" && (ns, name) == (root_source.0.as_str(), root_source.1.as_str()) {
        return Where::Local;
    }
    let id = ResId {
        group: SOURCE_GROUP.into(),
        kind: kind.into(),
        namespace: ns.into(),
        name: name.into(),
    };
    let Some(object) = store.get(&id).ok().flatten() else {
        return Where::Missing(format!("Source '{kind}/{ns}/{name}' not found"));
    };
    if kind == "GitRepository" {
        let url = object
            .pointer("/spec/url")
            .and_then(Value::as_str)
            .map(str::to_string);
        let reference = object.pointer("/spec/ref").cloned().unwrap_or(Value::Null);
        if let (Some(url), Some((root_url, root_ref))) =
            (url, git_repository(store, &root_source.0, &root_source.1))
            && root_url == url
            && root_ref == reference
        {
            return Where::Local;
        }
    }
    Where::Foreign {
        kind: kind.into(),
        namespace: ns.into(),
        name: name.into(),
        object,
    }
}

/// Gives the artifact of a source other than the root's repository.
pub trait SourceResolver {
    /// The artifact of source `kind` `namespace/name` (`object` as the store holds it),
    /// or why there is none.
    fn resolve(
        &mut self,
        kind: &str,
        namespace: &str,
        name: &str,
        object: &Value,
    ) -> Result<Source, Error>;
}

/// Resolves nothing: every other source is reported as not fetched.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoFetch;

impl SourceResolver for NoFetch {
    fn resolve(
        &mut self,
        kind: &str,
        namespace: &str,
        name: &str,
        object: &Value,
    ) -> Result<Source, Error> {
        let url = object
            .pointer("/spec/url")
            .and_then(Value::as_str)
            .unwrap_or_default();
        Err(Error::SourceFetch {
            object: format!("{kind}/{namespace}/{name}"),
            message: format!(
                "source '{kind}/{namespace}/{name}' ({url}) is not the repository reconciled here, and no source resolver fetches it"
            ),
        })
    }
}

/// `GitRepository` sources fetched through a [`GitBackend`](crate::source::GitBackend):
/// a bare mirror per URL and an artifact directory per commit under `cache`, each fetched
/// once per resolver; Flux's default ignore rules and `spec.ignore` apply; the files are
/// written through `rooted-fs`, so a hostile tree cannot write outside its artifact.
pub struct GitSources<'b> {
    backend: &'b dyn crate::source::GitBackend,
    cache: std::path::PathBuf,
    done: BTreeMap<(String, String), Source>,
    /// How many fetches were made.
    pub fetches: usize,
}

impl std::fmt::Debug for GitSources<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitSources")
            .field("cache", &self.cache)
            .field("fetches", &self.fetches)
            .finish()
    }
}

impl<'b> GitSources<'b> {
    /// Fetches into `cache` (created when missing).
    pub fn new(
        backend: &'b dyn crate::source::GitBackend,
        cache: impl Into<std::path::PathBuf>,
    ) -> GitSources<'b> {
        GitSources {
            backend,
            cache: cache.into(),
            done: BTreeMap::new(),
            fetches: 0,
        }
    }

    fn fetch(
        &mut self,
        spec: &crate::model::GitRepositorySpec,
        at: &str,
    ) -> Result<Source, String> {
        let key = (
            spec.url.clone(),
            serde_json::to_string(&spec.reference).unwrap_or_default(),
        );
        if let Some(s) = self.done.get(&key) {
            return Ok(s.clone());
        }
        let digest = short_hash(&spec.url);
        let mirror = self.cache.join("mirrors").join(&digest);
        std::fs::create_dir_all(self.cache.join("mirrors")).map_err(|e| format!("{at}: {e}"))?;
        self.fetches += 1;
        let refs = self
            .backend
            .fetch(&spec.url, &mirror)
            .map_err(|e| e.to_string())?;
        let resolved = crate::source::resolve_ref(spec.reference.as_ref(), &refs, &spec.url)
            .map_err(|e| e.to_string())?;
        let dir = self
            .cache
            .join("artifacts")
            .join(&digest)
            .join(&resolved.commit);
        if !dir.is_dir() {
            let files = self
                .backend
                .read_tree(&mirror, &resolved.commit)
                .map_err(|e| e.to_string())?;
            let mut rules = crate::source::IgnoreRules::flux_defaults();
            if let Some(extra) = &spec.ignore {
                rules
                    .add(extra, "")
                    .map_err(|e| format!("{at}: spec.ignore: {e}"))?;
            }
            let staging = self
                .cache
                .join("artifacts")
                .join(&digest)
                .join(format!(".{}.partial", resolved.commit));
            let _ = std::fs::remove_dir_all(&staging);
            std::fs::create_dir_all(&staging).map_err(|e| format!("{at}: {e}"))?;
            let root = rooted_fs::Root::open(&staging).map_err(|e| format!("{at}: {e}"))?;
            for f in files {
                if rules.is_ignored(&f.path) {
                    continue;
                }
                root.write_atomic(
                    &f.path,
                    &f.data,
                    &rooted_fs::WriteOptions::default().create_parents(true),
                )
                .map_err(|e| format!("{at}: {}: {e}", f.path))?;
            }
            std::fs::rename(&staging, &dir).map_err(|e| format!("{at}: {e}"))?;
        }
        let source = Source {
            root: dir,
            revision: resolved.revision(),
        };
        self.done.insert(key, source.clone());
        Ok(source)
    }
}

/// A short stable directory name for a URL (FNV-1a, hex).
fn short_hash(s: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

impl SourceResolver for GitSources<'_> {
    fn resolve(
        &mut self,
        kind: &str,
        namespace: &str,
        name: &str,
        object: &Value,
    ) -> Result<Source, Error> {
        if kind != "GitRepository" {
            return NoFetch.resolve(kind, namespace, name, object);
        }
        let at = format!("GitRepository/{namespace}/{name}");
        let failed = |message: String| Error::SourceFetch {
            object: at.clone(),
            message,
        };
        let spec: crate::model::GitRepositorySpec =
            serde_json::from_value(object.get("spec").cloned().unwrap_or(Value::Null))
                .map_err(|e| failed(format!("{at}: {e}")))?;
        self.fetch(&spec, &at)
            .map_err(|e| failed(format!("failed to fetch {at} ({}): {e}", spec.url)))
    }
}

/// The Kustomizations the store holds, parsed; those that do not parse become notes.
fn stored_kustomizations(
    store: &dyn ClusterStore,
    notes: &mut Vec<String>,
) -> Result<Vec<Kustomization>, Error> {
    let mut out = Vec::new();
    for id in store.list()? {
        if id.group != "kustomize.toolkit.fluxcd.io" || id.kind != "Kustomization" {
            continue;
        }
        let Some(v) = store.get(&id)? else { continue };
        match Object::from_value(v, &format!("store {}/{}", id.namespace, id.name)) {
            Ok(Object::Kustomization(k)) => out.push(k),
            Ok(_) => {}
            Err(e) => notes.push(format!("Kustomization/{}/{}: {e}", id.namespace, id.name)),
        }
    }
    Ok(out)
}

/// Reconciles the repository at `source` from the bootstrap root of `cluster_path`, other
/// sources reported as not fetched ([`NoFetch`]). `tree` holds the objects found under the
/// cluster path (to find the root).
pub fn reconcile_cluster(
    tree: &[Object],
    cluster_path: &str,
    source: &Source,
    renderer: &dyn Renderer,
    store: &mut dyn ClusterStore,
    health: &dyn HealthChecker,
    opts: BootstrapOptions,
) -> Result<ClusterResult, Error> {
    let cluster = Cluster {
        tree,
        cluster_path,
        source,
    };
    reconcile_cluster_with(&cluster, &mut NoFetch, renderer, store, health, opts)
}

/// The repository a cluster is reconciled from.
#[derive(Debug, Clone, Copy)]
pub struct Cluster<'a> {
    /// The objects found under the cluster path (to find the root).
    pub tree: &'a [Object],
    /// The cluster path (`clusters/production`).
    pub cluster_path: &'a str,
    /// The root's repository, checked out.
    pub source: &'a Source,
}

/// As [`reconcile_cluster`], other sources through `resolver`.
pub fn reconcile_cluster_with(
    cluster: &Cluster<'_>,
    resolver: &mut dyn SourceResolver,
    renderer: &dyn Renderer,
    store: &mut dyn ClusterStore,
    health: &dyn HealthChecker,
    opts: BootstrapOptions,
) -> Result<ClusterResult, Error> {
    let (tree, cluster_path, source) = (cluster.tree, cluster.cluster_path, cluster.source);
    let found = find_root(tree, cluster_path);
    let root_found = found.is_some();
    let root = found.unwrap_or_else(|| generated_root(cluster_path));
    let root_ref = {
        let r = &root.spec.source_ref;
        let ns = if r.namespace.is_empty() {
            root.metadata.namespace.clone()
        } else {
            r.namespace.clone()
        };
        (ns, r.name.clone())
    };
    let mut ready: BTreeMap<String, bool> = BTreeMap::new();
    let mut done: BTreeSet<String> = BTreeSet::new();
    let mut results = Vec::new();
    let mut notes = Vec::new();
    let r = reconcile_kustomization(
        &root,
        source,
        renderer,
        store,
        health,
        &ready,
        opts.reconcile,
    );
    ready.insert(r.key.clone(), r.ready());
    done.insert(r.key.clone());
    results.push(r);
    for round in 0.. {
        let fresh: Vec<Kustomization> = stored_kustomizations(store, &mut notes)?
            .into_iter()
            .filter(|k| !done.contains(&k.metadata.key()))
            .collect();
        if fresh.is_empty() {
            break;
        }
        if round >= opts.max_rounds {
            notes.push(format!(
                "stopped after {} rounds with {} Kustomizations not reconciled",
                opts.max_rounds,
                fresh.len()
            ));
            break;
        }
        for k in crate::reconcile::dependency_order(&fresh) {
            let key = k.metadata.key();
            let r = match classify(k, &root_ref, store) {
                Where::Local => reconcile_kustomization(
                    k,
                    source,
                    renderer,
                    store,
                    health,
                    &ready,
                    opts.reconcile,
                ),
                Where::Missing(why) => {
                    KustomizationResult::stopped(key.clone(), "ArtifactFailed", why, false)
                }
                Where::Foreign {
                    kind,
                    namespace,
                    name,
                    object,
                } => match resolver.resolve(&kind, &namespace, &name, &object) {
                    Ok(s) => reconcile_kustomization(
                        k,
                        &s,
                        renderer,
                        store,
                        health,
                        &ready,
                        opts.reconcile,
                    ),
                    Err(why) => KustomizationResult::stopped(
                        key.clone(),
                        "ArtifactFailed",
                        why.to_string(),
                        false,
                    ),
                },
            };
            ready.insert(r.key.clone(), r.ready());
            done.insert(key);
            results.push(r);
        }
    }
    let helm_releases = reconcile_helm_releases(source, &root_ref, resolver, store)?;
    Ok(ClusterResult {
        root_found,
        results,
        helm_releases,
        notes,
    })
}

/// The HelmReleases the store holds, reconciled in `dependsOn` order, each chart from its
/// own source.
fn reconcile_helm_releases(
    source: &Source,
    root_ref: &(String, String),
    resolver: &mut dyn SourceResolver,
    store: &mut dyn ClusterStore,
) -> Result<Vec<crate::helm::HelmReleaseResult>, Error> {
    use crate::helm::{ChartSource, HelmReleaseResult, chart_source, reconcile_helm_release};
    let mut releases = Vec::new();
    for id in store.list()? {
        if id.group == "helm.toolkit.fluxcd.io"
            && id.kind == "HelmRelease"
            && let Some(v) = store.get(&id)?
        {
            releases.push(v);
        }
    }
    let deps = |hr: &Value| -> Vec<String> {
        let ns = hr
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or_default();
        hr.pointer("/spec/dependsOn")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|d| {
                        let n = d.get("name").and_then(Value::as_str).unwrap_or_default();
                        let dns = d
                            .get("namespace")
                            .and_then(Value::as_str)
                            .filter(|x| !x.is_empty())
                            .unwrap_or(ns);
                        format!("{dns}/{n}")
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let keys: BTreeSet<String> = releases.iter().map(crate::helm::key).collect();
    let mut ready: BTreeMap<String, bool> = BTreeMap::new();
    let mut out = Vec::new();
    let mut pending = releases;
    while !pending.is_empty() {
        let (now, later): (Vec<Value>, Vec<Value>) = pending.into_iter().partition(|hr| {
            deps(hr)
                .iter()
                .all(|d| ready.contains_key(d) || !keys.contains(d))
        });
        // A cycle: the rest in their order, each failing on its dependency.
        let (now, later) = if now.is_empty() {
            (later, Vec::new())
        } else {
            (now, later)
        };
        for hr in now {
            let key = crate::helm::key(&hr);
            let r = if let Some(d) = deps(&hr)
                .into_iter()
                .find(|d| !ready.get(d).copied().unwrap_or(false))
            {
                HelmReleaseResult::failed(
                    key.clone(),
                    "DependencyNotReady",
                    format!("dependency '{d}' is not ready"),
                )
            } else {
                match chart_source(&hr) {
                    ChartSource::Unsupported(why) => {
                        HelmReleaseResult::failed(key.clone(), "ArtifactFailed", why)
                    }
                    ChartSource::InSource(kind, ns, name, path) => {
                        match classify_ref(&kind, &ns, &name, root_ref, store) {
                            Where::Local => reconcile_helm_release(&hr, source, &path, store),
                            Where::Missing(why) => {
                                HelmReleaseResult::failed(key.clone(), "ArtifactFailed", why)
                            }
                            Where::Foreign {
                                kind,
                                namespace,
                                name,
                                object,
                            } => match resolver.resolve(&kind, &namespace, &name, &object) {
                                Ok(src) => reconcile_helm_release(&hr, &src, &path, store),
                                Err(why) => HelmReleaseResult::failed(
                                    key.clone(),
                                    "ArtifactFailed",
                                    why.to_string(),
                                ),
                            },
                        }
                    }
                }
            };
            ready.insert(key, r.ready());
            out.push(r);
        }
        pending = later;
    }
    Ok(out)
}
