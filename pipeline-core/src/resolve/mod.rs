//! Remote resolution: `taskRef.resolver` / `pipelineRef.resolver` (and the deprecated
//! `bundle:` field) through a [`Resolver`] adapter, with the request and response shapes of
//! Tekton's resolution API.
//!
//! A [`ResolutionRequest`] carries the resolver's name (Tekton's `resolution.tekton.dev/type`
//! label), the params as written in the reference, and the namespace of the run. A resolver
//! answers with a [`ResolvedResource`]: the object's bytes, its annotations and its
//! [`RefSource`] (where it came from, with a digest). [`Resolvers`] holds the resolvers of a
//! host by name, parses and validates what they return, and caches it by reference, so a
//! Pipeline that names the same bundle 200 times resolves it once.
//!
//! Shipped resolvers: [`MemoryResolver`] (Tekton's `cluster` resolver over a host catalogue),
//! [`OciLayoutBundles`] (`bundles`, over OCI image layout directories), [`GitResolver`]
//! (`git`, over a host's [`GitFetch`]), [`HttpResolver`] (`http`, over a host's
//! [`HttpFetch`]) and [`HubResolver`] (`hub`, over a host's [`HubFetch`]).
//!
//! ```
//! use pipeline_core::resolve::{MemoryResolver, ResolutionRequest, RefKind, Resolvers};
//! use pipeline_core::{load, Param, ParamValue};
//!
//! let catalogue = load("tasks.yaml", r#"
//! apiVersion: tekton.dev/v1
//! kind: Task
//! metadata: {name: git-clone, namespace: ci}
//! spec:
//!   steps: [{name: clone, image: alpine/git, script: git clone "$URL"}]
//! "#).unwrap();
//! let resolvers = Resolvers::new().with("cluster", MemoryResolver::from_resources(&catalogue, "ci"));
//! let request = ResolutionRequest {
//!     resolver: "cluster".into(),
//!     kind: RefKind::Task,
//!     namespace: "ci".into(),
//!     params: vec![
//!         Param { name: "kind".into(), value: ParamValue::String("task".into()) },
//!         Param { name: "name".into(), value: ParamValue::String("git-clone".into()) },
//!         Param { name: "namespace".into(), value: ParamValue::String("ci".into()) },
//!     ],
//! };
//! let task = resolvers.task(&request).unwrap();
//! assert_eq!(task.name, "git-clone");
//! assert_eq!(task.spec.steps[0].name, "clone");
//! assert_eq!(resolvers.calls(), 1);
//! ```

mod bundles;
mod cluster;
mod git;
mod remote;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

pub use bundles::{Decompress, OciLayoutBundles};
pub use cluster::MemoryResolver;
pub use git::{GitFetch, GitFile, GitRequest, GitResolver};
pub use remote::{HttpFetch, HttpRequest, HttpResolver, HubFetch, HubRequest, HubResolver};

use crate::error::Error;
use crate::model::{Param, ParamValue, PipelineRef, PipelineSpec, TaskRef, TaskSpec};

/// Largest resolved object accepted (bytes): Tekton stores it in one etcd object.
pub const MAX_RESOLVED_BYTES: usize = 1536 * 1024;

/// The group of Tekton's resolution annotations (`resolution.tekton.dev/...`).
pub const ANNOTATION_GROUP: &str = "resolution.tekton.dev";

/// What a reference asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum RefKind {
    /// A `taskRef`.
    #[default]
    Task,
    /// A `pipelineRef`.
    Pipeline,
    /// A step's `ref` (StepAction).
    StepAction,
}

impl RefKind {
    /// The resolvers' spelling of the kind: `task`, `pipeline`, `stepaction`.
    pub fn as_str(self) -> &'static str {
        match self {
            RefKind::Task => "task",
            RefKind::Pipeline => "pipeline",
            RefKind::StepAction => "stepaction",
        }
    }
}

impl fmt::Display for RefKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A resolution request, as Tekton's `ResolutionRequest`: the resolver type and the params.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ResolutionRequest {
    /// The resolver (`git`, `bundles`, `cluster`, `http`, `hub` or a host's own).
    pub resolver: String,
    /// What the reference wants (resolvers default their `kind` param to it).
    pub kind: RefKind,
    /// The reference's params, as written (pipeline params already substituted).
    pub params: Vec<Param>,
    /// The namespace of the run.
    pub namespace: String,
}

impl ResolutionRequest {
    /// The request of a `taskRef` that needs a resolver (`resolver:` set, or the deprecated
    /// `bundle:` of `v1beta1`, which Tekton turns into a `bundles` request); None for a plain
    /// reference by name.
    pub fn from_task_ref(r: &TaskRef, namespace: &str) -> Option<Self> {
        Self::from_parts(
            RefKind::Task,
            &r.resolver,
            &r.params,
            &r.bundle,
            &r.name,
            namespace,
        )
    }

    /// The request of a `pipelineRef` that needs a resolver; None for a reference by name.
    pub fn from_pipeline_ref(r: &PipelineRef, namespace: &str) -> Option<Self> {
        Self::from_parts(
            RefKind::Pipeline,
            &r.resolver,
            &r.params,
            &r.bundle,
            &r.name,
            namespace,
        )
    }

    fn from_parts(
        kind: RefKind,
        resolver: &str,
        params: &[Param],
        bundle: &str,
        name: &str,
        namespace: &str,
    ) -> Option<Self> {
        let s = |n: &str, v: &str| Param {
            name: n.to_string(),
            value: ParamValue::String(v.to_string()),
        };
        if !resolver.is_empty() {
            Some(ResolutionRequest {
                resolver: resolver.to_string(),
                kind,
                params: params.to_vec(),
                namespace: namespace.to_string(),
            })
        } else if !bundle.is_empty() {
            Some(ResolutionRequest {
                resolver: "bundles".to_string(),
                kind,
                params: vec![
                    s("bundle", bundle),
                    s("name", name),
                    s("kind", kind.as_str()),
                ],
                namespace: namespace.to_string(),
            })
        } else {
            None
        }
    }

    /// The string value of param `name`, if given (an array or object param is not a string).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.value.as_str())
    }

    /// The string value of param `name` when given and not empty.
    pub fn non_empty(&self, name: &str) -> Option<&str> {
        self.param(name).filter(|v| !v.is_empty())
    }

    /// The params as `k=v, ...` for messages.
    pub fn describe_params(&self) -> String {
        self.params
            .iter()
            .map(|p| format!("{}={}", p.name, p.value))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// An error of this request's resolver.
    pub fn error(&self, message: impl Into<String>) -> Error {
        Error::Resolution {
            resolver: self.resolver.clone(),
            params: self.describe_params(),
            message: message.into(),
        }
    }

    /// The cache key: the whole request.
    fn key(&self) -> String {
        let params = serde_json::to_string(&self.params).unwrap_or_default();
        format!(
            "{}\u{0}{}\u{0}{}\u{0}{params}",
            self.kind, self.resolver, self.namespace
        )
    }
}

/// Where a resolved object came from (Tekton's `refSource`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RefSource {
    /// The source, such as `git+https://github.com/org/repo` or an image repository.
    pub uri: String,
    /// Digests by algorithm (`sha1` commit, `sha256` of a manifest or of the content).
    pub digest: BTreeMap<String, String>,
    /// The entry point: a path in the repository, or the object's name in a bundle.
    pub entry_point: String,
}

/// What a resolver returns (Tekton's `ResolvedResource`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResolvedResource {
    /// The object, YAML or JSON.
    pub data: Vec<u8>,
    /// Annotations (`resolution.tekton.dev/...`).
    pub annotations: BTreeMap<String, String>,
    /// Where it came from.
    pub ref_source: Option<RefSource>,
}

/// Resolves one request. Implementations talk to git, a registry, a cluster, a hub ...;
/// failures are [`Error::Resolution`] (see [`ResolutionRequest::error`]).
pub trait Resolver: Send + Sync {
    /// Fetches what `request` names.
    fn resolve(&self, request: &ResolutionRequest) -> Result<ResolvedResource, Error>;
}

impl<T: Resolver + ?Sized> Resolver for &T {
    fn resolve(&self, request: &ResolutionRequest) -> Result<ResolvedResource, Error> {
        (**self).resolve(request)
    }
}

impl<T: Resolver + ?Sized> Resolver for Box<T> {
    fn resolve(&self, request: &ResolutionRequest) -> Result<ResolvedResource, Error> {
        (**self).resolve(request)
    }
}

impl<T: Resolver + ?Sized> Resolver for Arc<T> {
    fn resolve(&self, request: &ResolutionRequest) -> Result<ResolvedResource, Error> {
        (**self).resolve(request)
    }
}

/// A resolved and validated object.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved<S> {
    /// `metadata.name` of the resolved object.
    pub name: String,
    /// Its spec.
    pub spec: S,
    /// Annotations the resolver returned.
    pub annotations: BTreeMap<String, String>,
    /// Where it came from.
    pub ref_source: Option<RefSource>,
}

type Cached = Result<Arc<dyn std::any::Any + Send + Sync>, String>;

/// A host's resolvers by name, with a cache by reference.
#[derive(Default)]
pub struct Resolvers {
    by_name: BTreeMap<String, Arc<dyn Resolver>>,
    cache: Mutex<HashMap<String, Cached>>,
    calls: AtomicUsize,
}

impl fmt::Debug for Resolvers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resolvers")
            .field("resolvers", &self.by_name.keys().collect::<Vec<_>>())
            .field("calls", &self.calls())
            .finish()
    }
}

impl Resolvers {
    /// No resolvers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) the resolver called `name`.
    pub fn with(mut self, name: &str, resolver: impl Resolver + 'static) -> Self {
        self.insert(name, resolver);
        self
    }

    /// Adds (or replaces) the resolver called `name`.
    pub fn insert(&mut self, name: &str, resolver: impl Resolver + 'static) {
        self.by_name.insert(name.to_string(), Arc::new(resolver));
    }

    /// True when no resolver is registered.
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    /// How many requests reached a resolver (cache misses).
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::Relaxed)
    }

    /// Sends `request` to its resolver, uncached.
    pub fn resolve(&self, request: &ResolutionRequest) -> Result<ResolvedResource, Error> {
        let resolver = self.by_name.get(&request.resolver).ok_or_else(|| {
            request.error(format!(
                "no resolver {:?} is configured (known: {})",
                request.resolver,
                self.by_name.keys().cloned().collect::<Vec<_>>().join(", ")
            ))
        })?;
        self.calls.fetch_add(1, Ordering::Relaxed);
        let out = resolver.resolve(request)?;
        if out.data.len() > MAX_RESOLVED_BYTES {
            return Err(request.error(format!(
                "resolved data of {} bytes is larger than {MAX_RESOLVED_BYTES}",
                out.data.len()
            )));
        }
        Ok(out)
    }

    /// The Task `request` names: resolved once per distinct request, parsed strictly and
    /// validated as Tekton validates a resolved Task.
    pub fn task(&self, request: &ResolutionRequest) -> Result<Arc<Resolved<TaskSpec>>, Error> {
        self.cached(request, |r| {
            let (name, spec, res) = self.load_kind(r, |resources| {
                let found = resources.tasks.len() + resources.pipelines.len();
                match resources.tasks.as_slice() {
                    [t] if found == 1 => Ok((t.metadata.name.clone(), t.spec.clone())),
                    _ => Err(format!(
                        "resolved data holds {} Task(s) and {} Pipeline(s), want one Task",
                        resources.tasks.len(),
                        resources.pipelines.len()
                    )),
                }
            })?;
            if let Some(e) = crate::validate::task_errors(&name, &spec).first() {
                return Err(r.error(format!("resolved Task {name:?} is invalid: {e}")));
            }
            Ok(Resolved {
                name,
                spec,
                annotations: res.annotations,
                ref_source: res.ref_source,
            })
        })
    }

    /// The Pipeline `request` names (see [`Resolvers::task`]).
    pub fn pipeline(
        &self,
        request: &ResolutionRequest,
    ) -> Result<Arc<Resolved<PipelineSpec>>, Error> {
        self.cached(request, |r| {
            let (name, spec, res) = self.load_kind(r, |resources| {
                let found = resources.tasks.len() + resources.pipelines.len();
                match resources.pipelines.as_slice() {
                    [p] if found == 1 => Ok((p.metadata.name.clone(), p.spec.clone())),
                    _ => Err(format!(
                        "resolved data holds {} Pipeline(s) and {} Task(s), want one Pipeline",
                        resources.pipelines.len(),
                        resources.tasks.len()
                    )),
                }
            })?;
            if let Some(e) = crate::validate::pipeline_errors(&name, &spec).first() {
                return Err(r.error(format!("resolved Pipeline {name:?} is invalid: {e}")));
            }
            Ok(Resolved {
                name,
                spec,
                annotations: res.annotations,
                ref_source: res.ref_source,
            })
        })
    }

    fn load_kind<S>(
        &self,
        request: &ResolutionRequest,
        pick: impl FnOnce(&crate::model::Resources) -> Result<(String, S), String>,
    ) -> Result<(String, S, ResolvedResource), Error> {
        let res = self.resolve(request)?;
        let text = std::str::from_utf8(&res.data)
            .map_err(|e| request.error(format!("resolved data is not UTF-8: {e}")))?;
        let file = format!("{} resolver", request.resolver);
        let resources =
            crate::model::load(&file, text).map_err(|e| request.error(e.to_string()))?;
        let (name, spec) = pick(&resources).map_err(|m| request.error(m))?;
        Ok((name, spec, res))
    }

    fn cached<S: Send + Sync + 'static>(
        &self,
        request: &ResolutionRequest,
        make: impl FnOnce(&ResolutionRequest) -> Result<Resolved<S>, Error>,
    ) -> Result<Arc<Resolved<S>>, Error> {
        let key = request.key();
        let hit = self
            .cache
            .lock()
            .map_err(|_| request.error("resolution cache poisoned"))?
            .get(&key)
            .cloned();
        let entry: Cached = match hit {
            Some(entry) => entry,
            None => {
                let made: Cached = match make(request) {
                    Ok(v) => Ok(Arc::new(v) as Arc<dyn std::any::Any + Send + Sync>),
                    Err(Error::Resolution { message, .. }) => Err(message),
                    Err(e) => Err(e.to_string()),
                };
                self.cache
                    .lock()
                    .map_err(|_| request.error("resolution cache poisoned"))?
                    .insert(key, made.clone());
                made
            }
        };
        match entry {
            Ok(any) => any
                .downcast::<Resolved<S>>()
                .map_err(|_| request.error("cached reference resolved to another kind")),
            Err(message) => Err(request.error(message)),
        }
    }
}

/// `sha256` of `data` as lowercase hex (for digests).
pub(crate) fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(data);
    let mut s = String::with_capacity(64);
    for b in digest {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// `resolution.tekton.dev/<key>`.
pub(crate) fn annotation(key: &str) -> String {
    format!("{ANNOTATION_GROUP}/{key}")
}

/// Tekton's name for a reference in "Couldn't retrieve" messages: the reference's name,
/// else the resolver type and its `name`/`url` params, one per line.
pub fn reference_label(name: &str, request: &ResolutionRequest) -> String {
    if !name.trim().is_empty() {
        return name.to_string();
    }
    let mut s = format!("resolver type {}\n", request.resolver);
    for p in &request.params {
        match p.name.as_str() {
            "name" => s.push_str(&format!("name = {}\n", p.value)),
            "url" => s.push_str(&format!("url = {}\n", p.value)),
            _ => {}
        }
    }
    s
}
