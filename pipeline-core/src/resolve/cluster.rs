//! The `cluster` resolver over a host catalogue.

use std::collections::BTreeMap;

use super::{
    RefKind, RefSource, ResolutionRequest, ResolvedResource, Resolver, annotation, sha256_hex,
};
use crate::error::Error;
use crate::model::{Object, Resources};

/// Tekton's `cluster` resolver over objects the host holds in memory, as a namespace of a
/// cluster would: params `kind` (`task`, `pipeline` or `stepaction`; the request's kind by
/// default), `name` (required) and `namespace` (the run's by default).
#[derive(Debug, Clone, Default)]
pub struct MemoryResolver {
    /// (kind, namespace, name) → (object bytes, uid).
    objects: BTreeMap<(RefKind, String, String), (Vec<u8>, String)>,
}

impl MemoryResolver {
    /// An empty catalogue.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an object's bytes (YAML or JSON) under (kind, namespace, name), with its uid.
    pub fn insert(&mut self, kind: RefKind, namespace: &str, name: &str, data: Vec<u8>, uid: &str) {
        self.objects.insert(
            (kind, namespace.to_string(), name.to_string()),
            (data, uid.to_string()),
        );
    }

    /// Every Task, Pipeline and StepAction of `resources`, each in its own
    /// `metadata.namespace` or else in `namespace`.
    pub fn from_resources(resources: &Resources, namespace: &str) -> Self {
        let mut out = Self::new();
        fn add<S: serde::Serialize>(
            out: &mut MemoryResolver,
            kind: RefKind,
            o: &Object<S>,
            namespace: &str,
        ) {
            let ns = if o.metadata.namespace.is_empty() {
                namespace
            } else {
                &o.metadata.namespace
            };
            let data = serde_json::to_vec(o).unwrap_or_default();
            let uid = o.metadata.uid.clone();
            out.insert(kind, ns, &o.metadata.name, data, &uid);
        }
        for t in &resources.tasks {
            add(&mut out, RefKind::Task, t, namespace);
        }
        for p in &resources.pipelines {
            add(&mut out, RefKind::Pipeline, p, namespace);
        }
        for s in &resources.step_actions {
            add(&mut out, RefKind::StepAction, s, namespace);
        }
        out
    }
}

impl Resolver for MemoryResolver {
    fn resolve(&self, request: &ResolutionRequest) -> Result<ResolvedResource, Error> {
        let kind = match request.non_empty("kind").unwrap_or(request.kind.as_str()) {
            "task" => RefKind::Task,
            "pipeline" => RefKind::Pipeline,
            "stepaction" => RefKind::StepAction,
            other => {
                return Err(
                    request.error(format!("unknown or unsupported resource kind '{other}'"))
                );
            }
        };
        let name = request
            .non_empty("name")
            .ok_or_else(|| request.error("missing required cluster resolver params: name"))?;
        let namespace = request
            .non_empty("namespace")
            .unwrap_or(&request.namespace)
            .to_string();
        let (data, uid) = self
            .objects
            .get(&(kind, namespace.clone(), name.to_string()))
            .ok_or_else(|| {
                request.error(format!(
                    "{}s.tekton.dev {name:?} not found in namespace {namespace:?}",
                    kind.as_str()
                ))
            })?;
        let mut annotations = BTreeMap::new();
        annotations.insert(annotation("name"), name.to_string());
        annotations.insert(annotation("namespace"), namespace.clone());
        let mut digest = BTreeMap::new();
        digest.insert("sha256".to_string(), sha256_hex(data));
        Ok(ResolvedResource {
            data: data.clone(),
            annotations,
            ref_source: Some(RefSource {
                uri: format!(
                    "/apis/tekton.dev/v1/namespaces/{namespace}/{}/{name}@{uid}",
                    kind.as_str()
                ),
                digest,
                entry_point: String::new(),
            }),
        })
    }
}
