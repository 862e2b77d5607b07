//! [`KubeStore`]: a [`ClusterStore`] over the Kubernetes API (feature `kube`, kube-rs with
//! rustls).
//!
//! - **Discovery** maps a group and kind to its resource (plural) and scope, asking the API
//!   server one group at a time and caching the answer; a kind missing from the cache is
//!   looked up again once, and applying a `CustomResourceDefinition` forgets its group, so
//!   custom resources are found right after their CRD.
//! - **Apply** is server-side apply (`application/apply-patch+yaml`) with the field manager
//!   `gitops-toolkit`; [`KubeStoreOptions::force`] takes fields over from other managers
//!   (Flux does). A `CustomResourceDefinition` is applied and then waited for until it is
//!   `Established`. The reconcile plan already orders CRDs and Namespaces first.
//! - **Delete** uses background propagation, as Flux's prune does.
//! - **Inventory** and synced revision live in a ConfigMap of ours per owner, in
//!   [`KubeStoreOptions::inventory_namespace`] (created when first needed), labelled
//!   `app.kubernetes.io/managed-by: gitops-toolkit`.
//! - **Errors** are [`Error::Kube`] naming the operation and the object, with a
//!   [`KubeReason`] (conflict, forbidden, unknown kind, ...).
//!
//! # Runtime
//! kube-rs is async; [`ClusterStore`] is not. A `KubeStore` owns a [`RuntimeThread`] (the
//! workspace's `runtime-thread` crate, shared with pipeline-core's pod executor): a
//! current-thread tokio runtime on a dedicated thread (`gitops-kube`) that each request is
//! handed to, the calling thread blocking on a channel until the answer comes. It never calls `block_on` on the
//! caller's thread, so it does not panic inside a tokio runtime; from async code call it
//! through `tokio::task::spawn_blocking` so that the blocked thread is not a runtime worker.
//! The runtime thread stops when the store is dropped.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kube::api::{
    Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, WatchEvent, WatchParams,
};
use kube::discovery::{ApiCapabilities, ApiResource, Scope};
use kube::{Client, Config};
use runtime_thread::RuntimeThread;
use serde_json::{Value, json};

use super::ClusterStore;
use super::watch::{Change, ObjectChange, OwnerIndex, WatchScope};
use crate::error::{Error, KubeReason};
use crate::object::ResId;

/// The field manager of every server-side apply.
pub const FIELD_MANAGER: &str = "gitops-toolkit";
/// The label on our inventory ConfigMaps.
pub const INVENTORY_LABEL: &str = "gitops-toolkit.io/inventory";
const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
const CRD_GROUP: &str = "apiextensions.k8s.io";
/// Concurrent requests of one batched read.
const CONCURRENCY: usize = 16;

/// How a [`KubeStore`] applies and where it keeps inventories.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KubeStoreOptions {
    /// Server-side apply with `force=true`: take over fields owned by other managers
    /// (default `true`, as Flux's kustomize-controller). With `false`, such a field is an
    /// [`KubeReason::Conflict`] error.
    pub force: bool,
    /// Field manager name (default [`FIELD_MANAGER`]).
    pub field_manager: String,
    /// Namespace of the inventory ConfigMaps (default `gitops-toolkit-system`).
    pub inventory_namespace: String,
    /// Namespace for namespaced objects that name none (default `default`).
    pub default_namespace: String,
    /// How long to wait for an applied CRD to become `Established` (default 30 s).
    pub crd_timeout: Duration,
}

impl Default for KubeStoreOptions {
    fn default() -> Self {
        KubeStoreOptions {
            force: true,
            field_manager: FIELD_MANAGER.to_string(),
            inventory_namespace: "gitops-toolkit-system".to_string(),
            default_namespace: "default".to_string(),
            crd_timeout: Duration::from_secs(30),
        }
    }
}

impl KubeStoreOptions {
    /// Sets [`KubeStoreOptions::force`].
    pub fn force(mut self, force: bool) -> Self {
        self.force = force;
        self
    }

    /// Sets [`KubeStoreOptions::inventory_namespace`].
    pub fn inventory_namespace(mut self, ns: &str) -> Self {
        self.inventory_namespace = ns.to_string();
        self
    }

    /// Sets [`KubeStoreOptions::field_manager`].
    pub fn field_manager(mut self, name: &str) -> Self {
        self.field_manager = name.to_string();
        self
    }
}

/// The store's runtime thread, its failures as [`Error::Kube`] (`Unavailable`).
struct Bridge(RuntimeThread);

fn runtime_gone(e: impl std::fmt::Display) -> Error {
    Error::Kube {
        op: "connect",
        object: "runtime".into(),
        reason: KubeReason::Unavailable,
        message: e.to_string(),
    }
}

impl Bridge {
    fn new() -> Result<Self, Error> {
        RuntimeThread::new("gitops-kube")
            .map(Bridge)
            .map_err(runtime_gone)
    }

    fn run<F>(&self, fut: F) -> Result<F::Output, Error>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.0.run(fut).map_err(runtime_gone)
    }
}

/// Resource and scope of one kind.
#[derive(Debug, Clone)]
struct Resource {
    ar: ApiResource,
    namespaced: bool,
}

/// A [`ClusterStore`] backed by a Kubernetes API server (see the module docs).
pub struct KubeStore {
    bridge: Arc<Bridge>,
    client: Client,
    opts: KubeStoreOptions,
    /// Discovered groups: kind -> resource at the group's preferred version.
    groups: Mutex<BTreeMap<String, BTreeMap<String, Resource>>>,
    inventory_ns_ready: AtomicBool,
    requests: Arc<AtomicU64>,
}

impl std::fmt::Debug for KubeStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KubeStore")
            .field("opts", &self.opts)
            .field("requests", &self.requests())
            .finish_non_exhaustive()
    }
}

/// Maps a kube-rs error to ours, naming the operation and the object.
fn kube_err(op: &'static str, object: impl std::fmt::Display, e: kube::Error) -> Error {
    let (reason, message) = match e {
        kube::Error::Api(s) => {
            let reason = match s.code {
                409 => KubeReason::Conflict,
                403 => KubeReason::Forbidden,
                422 => KubeReason::Invalid,
                c => KubeReason::Status(c),
            };
            (reason, s.message.clone())
        }
        other => (KubeReason::Unavailable, other.to_string()),
    };
    Error::Kube {
        op,
        object: object.to_string(),
        reason,
        message,
    }
}

fn is_not_found(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(s) if s.code == 404)
}

/// Drops what the server adds for its own bookkeeping (managed fields).
fn clean(mut obj: Value) -> Value {
    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
    }
    obj
}

/// 64-bit FNV-1a, for short stable names.
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The ConfigMap name holding `owner`'s inventory: a readable prefix plus a hash.
pub fn inventory_name(owner: &str) -> String {
    let mut readable: String = owner
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    readable.truncate(40);
    let readable = readable.trim_matches('-');
    format!("inventory-{readable}-{:016x}", fnv(owner))
}

/// Flux's inventory entry id, `namespace_name_group_kind`.
fn entry_id(id: &ResId) -> String {
    format!("{}_{}_{}_{}", id.namespace, id.name, id.group, id.kind)
}

fn parse_entry(s: &str) -> Option<ResId> {
    let mut it = s.splitn(4, '_');
    let (ns, name, group, kind) = (it.next()?, it.next()?, it.next()?, it.next()?);
    (!name.is_empty() && !kind.is_empty()).then(|| ResId::new(group, kind, ns, name))
}

impl KubeStore {
    /// A store for the cluster and credentials of a kubeconfig file (its current context).
    pub fn from_kubeconfig(path: &Path, opts: KubeStoreOptions) -> Result<Self, Error> {
        let bridge = Bridge::new()?;
        let p = path.to_path_buf();
        let display = path.display().to_string();
        let config = bridge.run(async move {
            let kc = kube::config::Kubeconfig::read_from(&p)?;
            Config::from_custom_kubeconfig(kc, &kube::config::KubeConfigOptions::default()).await
        })?;
        let config = config.map_err(|e| Error::Kube {
            op: "connect",
            object: display,
            reason: KubeReason::Unavailable,
            message: e.to_string(),
        })?;
        Self::with_bridge(bridge, config, opts)
    }

    /// A store configured like `kubectl`: `KUBECONFIG` or `~/.kube/config`, else the
    /// in-cluster service account.
    pub fn infer(opts: KubeStoreOptions) -> Result<Self, Error> {
        let bridge = Bridge::new()?;
        let config = bridge.run(Config::infer())?.map_err(|e| Error::Kube {
            op: "connect",
            object: "kubeconfig".into(),
            reason: KubeReason::Unavailable,
            message: e.to_string(),
        })?;
        Self::with_bridge(bridge, config, opts)
    }

    /// A store for an explicit kube-rs [`Config`].
    pub fn from_config(config: Config, opts: KubeStoreOptions) -> Result<Self, Error> {
        Self::with_bridge(Bridge::new()?, config, opts)
    }

    fn with_bridge(bridge: Bridge, config: Config, opts: KubeStoreOptions) -> Result<Self, Error> {
        let url = config.cluster_url.to_string();
        // The client spawns its connection machinery, so it is built on the runtime.
        let client = bridge
            .run(async move { Client::try_from(config) })?
            .map_err(|e| kube_err("connect", &url, e))?;
        Ok(KubeStore {
            bridge: Arc::new(bridge),
            client,
            opts,
            groups: Mutex::new(BTreeMap::new()),
            inventory_ns_ready: AtomicBool::new(false),
            requests: Arc::new(AtomicU64::new(0)),
        })
    }

    /// The options in force.
    pub fn options(&self) -> &KubeStoreOptions {
        &self.opts
    }

    /// API requests made so far (discovery included), for measurements.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    fn count(&self, n: u64) {
        self.requests.fetch_add(n, Ordering::Relaxed);
    }

    fn lock_groups(
        &self,
    ) -> std::sync::MutexGuard<'_, BTreeMap<String, BTreeMap<String, Resource>>> {
        self.groups
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Asks the server for `group`'s kinds (an absent group has none).
    fn discover(&self, group: &str) -> Result<BTreeMap<String, Resource>, Error> {
        let client = self.client.clone();
        let g = group.to_string();
        self.count(2);
        let found = self
            .bridge
            .run(async move { kube::discovery::group(&client, &g).await })?;
        let mut kinds = BTreeMap::new();
        match found {
            Ok(api_group) => {
                for (ar, caps) in api_group.recommended_resources() {
                    let caps: ApiCapabilities = caps;
                    // Subresources (`deployments/scale`) share the kind; keep the main one.
                    if ar.plural.contains('/') {
                        continue;
                    }
                    let namespaced = matches!(caps.scope, Scope::Namespaced);
                    kinds
                        .entry(ar.kind.clone())
                        .or_insert(Resource { ar, namespaced });
                }
            }
            Err(e)
                if is_not_found(&e)
                    || matches!(
                        e,
                        kube::Error::Discovery(kube::error::DiscoveryError::MissingApiGroup(_))
                    ) => {}
            Err(e) => {
                let what = if group.is_empty() { "core" } else { group };
                return Err(kube_err("discover", format!("API group {what}"), e));
            }
        }
        self.lock_groups().insert(group.to_string(), kinds.clone());
        Ok(kinds)
    }

    /// The resource of `group`/`kind` at `version` (the preferred version when `None`);
    /// `None` when the server does not serve that kind.
    fn resource(
        &self,
        group: &str,
        kind: &str,
        version: Option<&str>,
    ) -> Result<Option<Resource>, Error> {
        let cached = self
            .lock_groups()
            .get(group)
            .map(|kinds| kinds.get(kind).cloned());
        let found = match cached {
            Some(Some(r)) => Some(r),
            // Unknown group, or a kind the cache lacks (a CRD applied by someone else).
            _ => self.discover(group)?.get(kind).cloned(),
        };
        Ok(found.map(|mut r| {
            if let Some(v) = version
                && v != r.ar.version
            {
                r.ar.version = v.to_string();
                r.ar.api_version = if group.is_empty() {
                    v.to_string()
                } else {
                    format!("{group}/{v}")
                };
            }
            r
        }))
    }

    fn api(&self, r: &Resource, namespace: &str) -> Api<DynamicObject> {
        if r.namespaced {
            let ns = if namespace.is_empty() {
                &self.opts.default_namespace
            } else {
                namespace
            };
            Api::namespaced_with(self.client.clone(), ns, &r.ar)
        } else {
            Api::all_with(self.client.clone(), &r.ar)
        }
    }

    fn params(&self, manager: &str, dry_run: bool) -> PatchParams {
        let mut p = PatchParams::apply(manager);
        p.force = self.opts.force;
        p.dry_run = dry_run;
        p
    }

    /// Server-side apply of `obj`, returning the object the server holds afterwards.
    fn ssa(&self, obj: &Value, dry_run: bool) -> Result<Value, Error> {
        let id = ResId::of(obj)?;
        let api_version = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        let version = api_version.rsplit('/').next().unwrap_or(api_version);
        let r = self
            .resource(&id.group, &id.kind, Some(version))?
            .ok_or_else(|| Error::Kube {
                op: "apply",
                object: id.to_string(),
                reason: KubeReason::UnknownKind,
                message: format!("the server serves no kind {} in {api_version}", id.kind),
            })?;
        let api = self.api(&r, &id.namespace);
        let params = self.params(&self.opts.field_manager, dry_run);
        let mut body = obj.clone();
        if !r.namespaced
            && let Some(meta) = body.get_mut("metadata").and_then(Value::as_object_mut)
        {
            meta.remove("namespace");
        }
        let name = id.name.clone();
        self.count(1);
        let out = self
            .bridge
            .run(async move { api.patch(&name, &params, &Patch::Apply(&body)).await })?
            .map_err(|e| kube_err("apply", &id, e))?;
        let out = serde_json::to_value(out).map_err(|e| Error::Kube {
            op: "apply",
            object: id.to_string(),
            reason: KubeReason::Unavailable,
            message: e.to_string(),
        })?;
        Ok(clean(out))
    }

    /// What `obj` would look like after a server-side apply (a dry run: nothing changes).
    pub fn dry_run(&self, obj: &Value) -> Result<Value, Error> {
        self.ssa(obj, true)
    }

    /// The fields a server-side apply of `obj` would change in the live object, found with a
    /// server-side dry run: defaults the server fills in and managed fields are not drift.
    /// An object that does not exist yet is one change at the root.
    pub fn drift(&self, obj: &Value) -> Result<Vec<crate::plan::FieldChange>, Error> {
        let id = ResId::of(obj)?;
        let Some(live) = self.get(&id)? else {
            return Ok(vec![crate::plan::FieldChange {
                path: String::new(),
                live: None,
                desired: obj.clone(),
            }]);
        };
        let mut after = self.dry_run(obj)?;
        let mut before = live;
        for v in [&mut after, &mut before] {
            if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
                for k in ["resourceVersion", "generation"] {
                    meta.remove(k);
                }
            }
        }
        Ok(crate::plan::diff(&after, &before))
    }

    /// Waits until the CRD `name` reports `Established=True`, then forgets the discovery
    /// cache of its group.
    fn wait_established(&self, obj: &Value, name: &str) -> Result<(), Error> {
        let Some(r) = self.resource(CRD_GROUP, "CustomResourceDefinition", None)? else {
            return Ok(());
        };
        let api = self.api(&r, "");
        let deadline = Instant::now() + self.opts.crd_timeout;
        let object = format!("CustomResourceDefinition/{name}");
        loop {
            let api = api.clone();
            let n = name.to_string();
            self.count(1);
            let got = self
                .bridge
                .run(async move { api.get_opt(&n).await })?
                .map_err(|e| kube_err("apply", &object, e))?;
            let established = got
                .and_then(|o| serde_json::to_value(o).ok())
                .and_then(|v| v.pointer("/status/conditions").cloned())
                .and_then(|c| c.as_array().cloned())
                .is_some_and(|cs| {
                    cs.iter().any(|c| {
                        c.get("type").and_then(Value::as_str) == Some("Established")
                            && c.get("status").and_then(Value::as_str) == Some("True")
                    })
                });
            if established {
                break;
            }
            if Instant::now() >= deadline {
                return Err(Error::Kube {
                    op: "apply",
                    object,
                    reason: KubeReason::NotEstablished,
                    message: format!("not Established after {:?}", self.opts.crd_timeout),
                });
            }
            self.bridge
                .0
                .sleep(Duration::from_millis(50))
                .map_err(runtime_gone)?;
        }
        if let Some(group) = obj.pointer("/spec/group").and_then(Value::as_str) {
            self.lock_groups().remove(group);
        }
        Ok(())
    }

    fn inventory_map(&self, owner: &str) -> Result<Option<Value>, Error> {
        let api: Api<DynamicObject> = Api::namespaced_with(
            self.client.clone(),
            &self.opts.inventory_namespace,
            &cm_ar(),
        );
        let name = inventory_name(owner);
        self.count(1);
        let got = self
            .bridge
            .run(async move { api.get_opt(&name).await })?
            .map_err(|e| kube_err("inventory", owner, e))?;
        Ok(got.and_then(|o| serde_json::to_value(o).ok()))
    }

    /// Applies one key of `owner`'s inventory ConfigMap, as its own field manager so that
    /// the other key is left alone.
    fn set_inventory_key(&self, owner: &str, key: &str, value: String) -> Result<(), Error> {
        if !self.inventory_ns_ready.load(Ordering::Relaxed) {
            let ns = json!({"apiVersion": "v1", "kind": "Namespace",
                "metadata": {"name": self.opts.inventory_namespace,
                    "labels": {MANAGED_BY: FIELD_MANAGER}}});
            self.ssa(&ns, false)?;
            self.inventory_ns_ready.store(true, Ordering::Relaxed);
        }
        let name = inventory_name(owner);
        let cm = json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": self.opts.inventory_namespace,
                "labels": {MANAGED_BY: FIELD_MANAGER, INVENTORY_LABEL: "true"},
                "annotations": {"gitops-toolkit.io/owner": owner}},
            "data": {key: value},
        });
        let api: Api<DynamicObject> = Api::namespaced_with(
            self.client.clone(),
            &self.opts.inventory_namespace,
            &cm_ar(),
        );
        let mut params = PatchParams::apply(&format!("{}-{key}", self.opts.field_manager));
        params.force = true;
        self.count(1);
        self.bridge
            .run(async move { api.patch(&name, &params, &Patch::Apply(&cm)).await })?
            .map_err(|e| kube_err("inventory", owner, e))?;
        Ok(())
    }
}

fn cm_ar() -> ApiResource {
    ApiResource {
        group: String::new(),
        version: "v1".into(),
        api_version: "v1".into(),
        kind: "ConfigMap".into(),
        plural: "configmaps".into(),
    }
}

fn parse_inventory(text: &str) -> BTreeSet<ResId> {
    text.lines().filter_map(parse_entry).collect()
}

impl ClusterStore for KubeStore {
    fn get(&self, id: &ResId) -> Result<Option<Value>, Error> {
        let Some(r) = self.resource(&id.group, &id.kind, None)? else {
            return Ok(None);
        };
        let api = self.api(&r, &id.namespace);
        let name = id.name.clone();
        self.count(1);
        let got = self
            .bridge
            .run(async move { api.get_opt(&name).await })?
            .map_err(|e| kube_err("get", id, e))?;
        got.map(|o| {
            serde_json::to_value(o).map(clean).map_err(|e| Error::Kube {
                op: "get",
                object: id.to_string(),
                reason: KubeReason::Unavailable,
                message: e.to_string(),
            })
        })
        .transpose()
    }

    /// Our inventories' objects (every identity recorded by some owner): a real cluster is
    /// not listed whole.
    fn list(&self) -> Result<Vec<ResId>, Error> {
        let api: Api<DynamicObject> = Api::namespaced_with(
            self.client.clone(),
            &self.opts.inventory_namespace,
            &cm_ar(),
        );
        let lp = ListParams::default().labels(&format!("{INVENTORY_LABEL}=true"));
        self.count(1);
        let list = self
            .bridge
            .run(async move { api.list(&lp).await })?
            .map_err(|e| kube_err("list", "inventories", e))?;
        let mut ids = BTreeSet::new();
        for cm in list.items {
            if let Some(text) = cm.data.pointer("/data/inventory").and_then(Value::as_str) {
                ids.extend(parse_inventory(text));
            }
        }
        Ok(ids.into_iter().collect())
    }

    fn apply(&mut self, obj: &Value) -> Result<(), Error> {
        self.ssa(obj, false)?;
        let id = ResId::of(obj)?;
        if id.group == CRD_GROUP && id.kind == "CustomResourceDefinition" {
            self.wait_established(obj, &id.name)?;
        }
        Ok(())
    }

    fn delete(&mut self, id: &ResId) -> Result<bool, Error> {
        let Some(r) = self.resource(&id.group, &id.kind, None)? else {
            return Ok(false);
        };
        let api = self.api(&r, &id.namespace);
        let name = id.name.clone();
        self.count(1);
        let res = self
            .bridge
            .run(async move { api.delete(&name, &DeleteParams::background()).await })?;
        match res {
            Ok(_) => Ok(true),
            Err(e) if is_not_found(&e) => Ok(false),
            Err(e) => Err(kube_err("delete", id, e)),
        }
    }

    fn inventory(&self, owner: &str) -> Result<Option<BTreeSet<ResId>>, Error> {
        Ok(self.inventory_map(owner)?.and_then(|cm| {
            cm.pointer("/data/inventory")
                .and_then(Value::as_str)
                .map(parse_inventory)
        }))
    }

    fn set_inventory(&mut self, owner: &str, ids: &BTreeSet<ResId>) -> Result<(), Error> {
        let text: Vec<String> = ids.iter().map(entry_id).collect();
        self.set_inventory_key(owner, "inventory", text.join("\n"))
    }

    fn synced_revision(&self, owner: &str) -> Result<Option<String>, Error> {
        Ok(self.inventory_map(owner)?.and_then(|cm| {
            cm.pointer("/data/revision")
                .and_then(Value::as_str)
                .map(str::to_string)
        }))
    }

    fn set_synced_revision(&mut self, owner: &str, revision: &str) -> Result<(), Error> {
        self.set_inventory_key(owner, "revision", revision.to_string())
    }

    /// Concurrent GETs (at most 16 in flight) over one connection pool.
    fn get_many(
        &self,
        ids: &mut dyn Iterator<Item = &ResId>,
    ) -> Result<BTreeMap<ResId, Value>, Error> {
        use futures_util::stream::{self, StreamExt as _, TryStreamExt as _};
        let mut jobs = Vec::new();
        for id in ids {
            if let Some(r) = self.resource(&id.group, &id.kind, None)? {
                jobs.push((id.clone(), self.api(&r, &id.namespace)));
            }
        }
        self.count(jobs.len() as u64);
        let got = self.bridge.run(async move {
            stream::iter(jobs)
                .map(|(id, api)| async move {
                    match api.get_opt(&id.name).await {
                        Ok(o) => Ok((id, o)),
                        Err(e) => Err(kube_err("get", &id, e)),
                    }
                })
                .buffer_unordered(CONCURRENCY)
                .try_collect::<Vec<_>>()
                .await
        })??;
        let mut out = BTreeMap::new();
        for (id, o) in got {
            if let Some(o) = o
                && let Ok(v) = serde_json::to_value(o)
            {
                out.insert(id, clean(v));
            }
        }
        Ok(out)
    }
}

/// How long one watch request stays open before it is renewed (the server's limit is
/// larger; the renewal resumes at the last resource version seen).
const WATCH_SECONDS: u32 = 290;
/// Pause before re-opening a watch that failed.
const WATCH_RETRY: Duration = Duration::from_secs(1);

/// Object changes heard from the API server's watches, from
/// [`KubeStore::watch_inventories`] or [`KubeStore::watch_kinds`]. No polling: each scope
/// is one long-lived watch request on the store's runtime thread. Dropping it ends them.
pub struct KubeWatch {
    rx: std::sync::mpsc::Receiver<Result<ObjectChange, Error>>,
    tasks: Vec<tokio::task::AbortHandle>,
    scopes: Vec<WatchScope>,
    _runtime: Arc<Bridge>,
}

impl std::fmt::Debug for KubeWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KubeWatch")
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

impl KubeWatch {
    /// The next change, waiting at most `timeout`; `None` when none came in that time.
    /// A watch that fails is retried (its error is reported here once per failure); a
    /// watch whose resource version expired (HTTP 410) starts again from a fresh list and
    /// reports every indexed object of its scope as [`Change::Modified`], since changes in
    /// between were missed.
    pub fn recv_timeout(&self, timeout: Duration) -> Option<Result<ObjectChange, Error>> {
        self.rx.recv_timeout(timeout).ok()
    }

    /// A change already heard, without waiting.
    pub fn try_recv(&self) -> Option<Result<ObjectChange, Error>> {
        self.rx.try_recv().ok()
    }

    /// What is watched: one kind in one namespace (empty: cluster-wide) each.
    pub fn scopes(&self) -> &[WatchScope] {
        &self.scopes
    }
}

impl Drop for KubeWatch {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// One scope's watch loop (runs on the store's runtime thread).
struct WatchLoop {
    api: Api<DynamicObject>,
    scope: WatchScope,
    index: Option<Arc<OwnerIndex>>,
    tx: std::sync::mpsc::Sender<Result<ObjectChange, Error>>,
    requests: Arc<AtomicU64>,
}

impl WatchLoop {
    fn describe(&self) -> String {
        let s = &self.scope;
        if s.namespace.is_empty() {
            format!("{} (all namespaces)", s.kind)
        } else {
            format!("{} in namespace {}", s.kind, s.namespace)
        }
    }

    /// Sends `change` for `name` in `namespace`; `false` when nobody listens any more.
    fn send(&self, namespace: &str, name: &str, change: Change) -> bool {
        let id = ResId::new(&self.scope.group, &self.scope.kind, namespace, name);
        let event = match &self.index {
            Some(index) => match index.change(id, change) {
                Some(e) => e,
                None => return true,
            },
            None => ObjectChange {
                id,
                change,
                owners: Vec::new(),
            },
        };
        self.tx.send(Ok(event)).is_ok()
    }

    async fn list_version(&self) -> Result<String, kube::Error> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let list = self
            .api
            .list_metadata(&ListParams::default().limit(1))
            .await?;
        Ok(list.metadata.resource_version.unwrap_or_default())
    }

    async fn run(self, mut version: String) {
        use futures_util::StreamExt as _;
        loop {
            let wp = WatchParams::default().timeout(WATCH_SECONDS);
            self.requests.fetch_add(1, Ordering::Relaxed);
            let stream = match self.api.watch_metadata(&wp, &version).await {
                Ok(s) => s,
                Err(e) => {
                    if self
                        .tx
                        .send(Err(kube_err("watch", self.describe(), e)))
                        .is_err()
                    {
                        return;
                    }
                    tokio::time::sleep(WATCH_RETRY).await;
                    continue;
                }
            };
            let mut stream = std::pin::pin!(stream);
            let mut expired = false;
            while let Some(event) = stream.next().await {
                let (meta, change) = match event {
                    Ok(WatchEvent::Added(m)) => (m.metadata, Change::Added),
                    Ok(WatchEvent::Modified(m)) => (m.metadata, Change::Modified),
                    Ok(WatchEvent::Deleted(m)) => (m.metadata, Change::Deleted),
                    Ok(WatchEvent::Bookmark(b)) => {
                        version = b.metadata.resource_version;
                        continue;
                    }
                    Ok(WatchEvent::Error(s)) if s.code == 410 => {
                        expired = true;
                        break;
                    }
                    Ok(WatchEvent::Error(s)) => {
                        let e = Error::Kube {
                            op: "watch",
                            object: self.describe(),
                            reason: KubeReason::Status(s.code),
                            message: s.message.clone(),
                        };
                        if self.tx.send(Err(e)).is_err() {
                            return;
                        }
                        tokio::time::sleep(WATCH_RETRY).await;
                        break;
                    }
                    // A broken connection: watch again from the last version seen.
                    Err(_) => break,
                };
                if let Some(v) = meta.resource_version {
                    version = v;
                }
                let name = meta.name.unwrap_or_default();
                let ns = meta.namespace.unwrap_or_default();
                if !self.send(&ns, &name, change) {
                    return;
                }
            }
            if expired {
                match self.list_version().await {
                    Ok(v) => version = v,
                    Err(e) => {
                        if self
                            .tx
                            .send(Err(kube_err("watch", self.describe(), e)))
                            .is_err()
                        {
                            return;
                        }
                        tokio::time::sleep(WATCH_RETRY).await;
                        continue;
                    }
                }
                // Changes in the gap were missed: wake every owner of this scope.
                if let Some(index) = self.index.clone() {
                    for id in index.ids_in(&self.scope) {
                        if !self.send(&id.namespace, &id.name, Change::Modified) {
                            return;
                        }
                    }
                }
            }
        }
    }
}

impl KubeStore {
    /// Watches every object of `owners`' inventories: a change to one of them (someone
    /// deletes it, edits it, creates it again) arrives as an [`ObjectChange`] naming the
    /// owners to reconcile again (selfHeal), without polling. One watch per kind and
    /// namespace of the inventories ([`OwnerIndex::scopes`]); the inventories are read once,
    /// so call it again after a reconcile changes them. Changes are reported from the
    /// moment this returns (each watch starts at a resource version listed here).
    pub fn watch_inventories(&self, owners: &[&str]) -> Result<KubeWatch, Error> {
        self.watch(&[], "", owners)
    }

    /// Watches whole kinds (`group`, `kind`) in `namespace` (empty: all namespaces): the
    /// controller's view of Flux and Tekton objects. Events carry no owners.
    pub fn watch_kinds(&self, kinds: &[(&str, &str)], namespace: &str) -> Result<KubeWatch, Error> {
        self.watch(kinds, namespace, &[])
    }

    /// [`KubeStore::watch_kinds`] and [`KubeStore::watch_inventories`] on one channel, as a
    /// controller waits for either.
    pub fn watch(
        &self,
        kinds: &[(&str, &str)],
        namespace: &str,
        owners: &[&str],
    ) -> Result<KubeWatch, Error> {
        let mut scopes: Vec<(WatchScope, Option<Arc<OwnerIndex>>)> = kinds
            .iter()
            .map(|(group, kind)| {
                let scope = WatchScope {
                    group: (*group).to_string(),
                    kind: (*kind).to_string(),
                    namespace: namespace.to_string(),
                };
                (scope, None)
            })
            .collect();
        let mut index = OwnerIndex::new();
        for owner in owners {
            if let Some(ids) = self.inventory(owner)? {
                index.insert(owner, &ids);
            }
        }
        let index = Arc::new(index);
        scopes.extend(index.scopes().into_iter().map(|s| (s, Some(index.clone()))));
        self.start_watches(scopes)
    }

    fn start_watches(
        &self,
        scopes: Vec<(WatchScope, Option<Arc<OwnerIndex>>)>,
    ) -> Result<KubeWatch, Error> {
        let (tx, rx) = std::sync::mpsc::channel();
        let mut tasks = Vec::new();
        let mut watched = Vec::new();
        for (scope, index) in scopes {
            // A kind the server does not serve (yet) has nothing to watch.
            let Some(r) = self.resource(&scope.group, &scope.kind, None)? else {
                continue;
            };
            let api = if r.namespaced && !scope.namespace.is_empty() {
                Api::namespaced_with(self.client.clone(), &scope.namespace, &r.ar)
            } else {
                Api::all_with(self.client.clone(), &r.ar)
            };
            let lp = WatchLoop {
                api,
                scope: scope.clone(),
                index,
                tx: tx.clone(),
                requests: self.requests.clone(),
            };
            let desc = lp.describe();
            let (lp, version) = self.bridge.run(async move {
                let v = lp.list_version().await;
                (lp, v)
            })?;
            let version = version.map_err(|e| kube_err("watch", desc, e))?;
            tasks.push(self.bridge.0.handle().spawn(lp.run(version)).abort_handle());
            watched.push(scope);
        }
        Ok(KubeWatch {
            rx,
            tasks,
            scopes: watched,
            _runtime: self.bridge.clone(),
        })
    }

    /// The objects of one kind (`group`, `kind`) in `namespace` (empty: all namespaces),
    /// without managed fields: what a controller lists to find its work. Empty when the
    /// server does not serve the kind.
    pub fn list_kind(&self, group: &str, kind: &str, namespace: &str) -> Result<Vec<Value>, Error> {
        let Some(r) = self.resource(group, kind, None)? else {
            return Ok(Vec::new());
        };
        let api: Api<DynamicObject> = if r.namespaced && !namespace.is_empty() {
            Api::namespaced_with(self.client.clone(), namespace, &r.ar)
        } else {
            Api::all_with(self.client.clone(), &r.ar)
        };
        self.count(1);
        let list = self
            .bridge
            .run(async move { api.list(&ListParams::default()).await })?
            .map_err(|e| kube_err("list", kind, e))?;
        let mut out = Vec::with_capacity(list.items.len());
        for o in list.items {
            let v = serde_json::to_value(o).map_err(|e| Error::Kube {
                op: "list",
                object: kind.to_string(),
                reason: KubeReason::Unavailable,
                message: e.to_string(),
            })?;
            out.push(clean(v));
        }
        Ok(out)
    }

    /// Writes `status` to the object's `status` subresource by server-side apply (the
    /// field manager's own fields only), as controllers report conditions.
    pub fn apply_status(&self, id: &ResId, api_version: &str, status: &Value) -> Result<(), Error> {
        let version = api_version.rsplit('/').next().unwrap_or(api_version);
        let r = self
            .resource(&id.group, &id.kind, Some(version))?
            .ok_or_else(|| Error::Kube {
                op: "status",
                object: id.to_string(),
                reason: KubeReason::UnknownKind,
                message: format!("the server serves no kind {} in {api_version}", id.kind),
            })?;
        let api = self.api(&r, &id.namespace);
        let mut meta = json!({"name": id.name});
        if r.namespaced {
            set_key(&mut meta, "namespace", json!(id.namespace));
        }
        let body = json!({"apiVersion": api_version, "kind": id.kind,
            "metadata": meta, "status": status});
        let mut params = PatchParams::apply(&self.opts.field_manager);
        params.force = true;
        let name = id.name.clone();
        self.count(1);
        self.bridge
            .run(async move { api.patch_status(&name, &params, &Patch::Apply(&body)).await })?
            .map_err(|e| kube_err("status", id, e))?;
        Ok(())
    }
}

fn set_key(obj: &mut Value, key: &str, v: Value) {
    if let Some(m) = obj.as_object_mut() {
        m.insert(key.to_string(), v);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn inventory_entries_round_trip_in_fluxs_format() {
        let ids = [
            ResId::new("apps", "Deployment", "prod", "web"),
            ResId::new("", "Namespace", "", "prod"),
        ];
        assert_eq!(entry_id(&ids[0]), "prod_web_apps_Deployment");
        assert_eq!(entry_id(&ids[1]), "_prod__Namespace");
        for id in &ids {
            assert_eq!(parse_entry(&entry_id(id)).as_ref(), Some(id));
        }
        assert_eq!(parse_entry("garbage"), None);
    }

    #[test]
    fn inventory_names_are_dns_labels_and_distinct() {
        let a = inventory_name("Kustomization/flux-system/Apps_1");
        let b = inventory_name("Kustomization/flux-system/apps-1");
        assert_ne!(a, b);
        for n in [&a, &b] {
            assert!(n.len() <= 63, "{n}");
            assert!(
                n.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{n}"
            );
        }
    }
}
