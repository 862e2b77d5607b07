//! Argo CD `Application` (`argoproj.io/v1alpha1`), parsed strictly: a field Argo CD does not
//! know is an error naming its path (`spec.source.helm.valueFile`), as `kubectl apply` of the
//! CRD would refuse it.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::ObjectMeta;

/// `argoproj.io/v1alpha1` `Application`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Application {
    /// `argoproj.io/v1alpha1`.
    pub api_version: String,
    /// `Application`.
    pub kind: String,
    /// Metadata.
    pub metadata: ObjectMeta,
    /// Spec.
    pub spec: ApplicationSpec,
    /// Status as last written (kept, not read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Value>,
    /// A requested operation (kept, not read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<Value>,
}

/// `Application.spec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ApplicationSpec {
    /// Project (accepted, not enforced).
    pub project: String,
    /// Where the manifests come from (single source).
    pub source: ApplicationSource,
    /// Several sources (`spec.sources`); when non-empty, `source` is ignored, as Argo does.
    pub sources: Vec<ApplicationSource>,
    /// Where they go.
    pub destination: ApplicationDestination,
    /// Automation and sync options.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync_policy: Option<SyncPolicy>,
    /// `ignoreDifferences` (kept, not applied).
    pub ignore_differences: Vec<Value>,
    /// `info` (kept).
    pub info: Vec<Value>,
    /// `revisionHistoryLimit` (kept).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision_history_limit: Option<i64>,
}

/// One source: `spec.source` or an entry of `spec.sources`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ApplicationSource {
    /// Repository URL.
    #[serde(rename = "repoURL")]
    pub repo_url: String,
    /// Branch, tag, commit or `HEAD`.
    pub target_revision: String,
    /// Directory in the repository.
    pub path: String,
    /// Helm chart name in a Helm repository (not fetched here: refused clearly).
    pub chart: String,
    /// The name other sources use to reference this one's files (`$ref/...`).
    #[serde(rename = "ref")]
    pub ref_name: String,
    /// Source name (display only).
    pub name: String,
    /// Plain-directory options.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub directory: Option<ApplicationSourceDirectory>,
    /// Kustomize options, applied on top of the kustomization as `kustomize edit` would.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kustomize: Option<ApplicationSourceKustomize>,
    /// Helm options.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub helm: Option<ApplicationSourceHelm>,
    /// Config management plugin (refused: plugins are not run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plugin: Option<Value>,
}

/// `source.directory`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ApplicationSourceDirectory {
    /// Descend into sub-directories.
    pub recurse: bool,
    /// Glob of files (relative to the path) to leave out.
    pub exclude: String,
    /// Glob of files to keep (all when empty).
    pub include: String,
    /// Jsonnet options (jsonnet is refused).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jsonnet: Option<Value>,
}

/// `source.kustomize`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ApplicationSourceKustomize {
    /// `namePrefix`.
    pub name_prefix: String,
    /// `nameSuffix`.
    pub name_suffix: String,
    /// Images as `kustomize edit set image` takes them (`name=new:tag`, `name:tag`, ...).
    pub images: Vec<String>,
    /// Labels added (`kustomize edit add label --force`).
    pub common_labels: std::collections::BTreeMap<String, String>,
    /// Annotations added.
    pub common_annotations: std::collections::BTreeMap<String, String>,
    /// Whether commonAnnotations values are expanded with the build environment.
    pub common_annotations_envsubst: bool,
    /// Overwrite existing labels (accepted; labels are always forced, as Argo passes `--force`).
    pub force_common_labels: bool,
    /// Overwrite existing annotations (accepted).
    pub force_common_annotations: bool,
    /// `namespace`.
    pub namespace: String,
    /// Replica overrides `{name, count}`.
    pub replicas: Vec<KustomizeReplica>,
    /// Patches appended to `patches`.
    pub patches: Vec<Value>,
    /// Components appended to `components`.
    pub components: Vec<String>,
    /// Skip components that do not exist.
    pub ignore_missing_components: bool,
    /// Labels without selectors (accepted).
    pub label_without_selector: bool,
    /// Labels in templates too (accepted).
    pub label_include_templates: bool,
    /// kustomize version (accepted; one built-in kustomize).
    pub version: String,
    /// Kubernetes version for capabilities (accepted).
    pub kube_version: String,
    /// API versions for capabilities (accepted).
    pub api_versions: Vec<String>,
}

/// `kustomize.replicas[]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct KustomizeReplica {
    /// Workload name.
    pub name: String,
    /// Count (an integer, or a string holding one).
    pub count: Value,
}

/// `source.helm`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ApplicationSourceHelm {
    /// Values files, relative to the chart, or `$ref/path` into a `ref` source.
    pub value_files: Vec<String>,
    /// Values as a YAML string.
    pub values: String,
    /// Values as an object (wins over `values`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values_object: Option<Value>,
    /// `--set` parameters.
    pub parameters: Vec<HelmParameter>,
    /// `--set-file` parameters (refused when non-empty).
    pub file_parameters: Vec<Value>,
    /// Release name (the Application's name when empty).
    pub release_name: String,
    /// Release namespace (the destination namespace when empty).
    pub namespace: String,
    /// Missing value files are skipped instead of failing.
    pub ignore_missing_value_files: bool,
    /// Leave out `crds/`.
    pub skip_crds: bool,
    /// Leave out test hooks.
    pub skip_tests: bool,
    /// Skip `values.schema.json` (accepted).
    pub skip_schema_validation: bool,
    /// Pass credentials (accepted).
    pub pass_credentials: bool,
    /// Helm version (accepted).
    pub version: String,
    /// Kubernetes version (accepted).
    pub kube_version: String,
    /// API versions (accepted).
    pub api_versions: Vec<String>,
}

/// `helm.parameters[]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HelmParameter {
    /// Dotted path (`image.tag`, `list[0].name`).
    pub name: String,
    /// Value, typed as `--set` types it unless `forceString`.
    pub value: String,
    /// Always a string (`--set-string`).
    pub force_string: bool,
}

/// `spec.destination`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ApplicationDestination {
    /// API server URL (accepted; the host's store is the cluster).
    pub server: String,
    /// Cluster name (alternative to `server`).
    pub name: String,
    /// Namespace for namespaced objects without one.
    pub namespace: String,
}

/// `spec.syncPolicy`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SyncPolicy {
    /// Automated sync.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub automated: Option<AutomatedSync>,
    /// `CreateNamespace=true` and others.
    pub sync_options: Vec<String>,
    /// Retry of failed syncs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry: Option<RetryStrategy>,
    /// Labels and annotations of a created namespace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub managed_namespace_metadata: Option<Value>,
}

/// `spec.syncPolicy.automated`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AutomatedSync {
    /// Delete objects that left git.
    pub prune: bool,
    /// Restore live objects that drifted.
    pub self_heal: bool,
    /// Allow a sync to an empty set of objects.
    pub allow_empty: bool,
    /// `enabled` (default true).
    pub enabled: bool,
}

impl Default for AutomatedSync {
    fn default() -> Self {
        AutomatedSync {
            prune: false,
            self_heal: false,
            allow_empty: false,
            enabled: true,
        }
    }
}

/// `syncPolicy.retry`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RetryStrategy {
    /// Attempts (negative: unlimited; Argo's default when unset is 5... in the CLI; 0 here
    /// means no retry).
    pub limit: i64,
    /// Backoff.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backoff: Option<Backoff>,
}

/// `retry.backoff`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Backoff {
    /// First delay (`5s`).
    pub duration: String,
    /// Multiplier (2 by default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub factor: Option<i64>,
    /// Longest delay (`3m`).
    pub max_duration: String,
}

impl Application {
    /// Whether `syncOptions` holds `opt` (`CreateNamespace=true`, `PruneLast=true`, ...).
    pub fn sync_option(&self, opt: &str) -> bool {
        self.spec
            .sync_policy
            .as_ref()
            .is_some_and(|p| p.sync_options.iter().any(|o| o.trim() == opt))
    }

    /// Whether `syncOptions` holds `CreateNamespace=true`.
    pub fn create_namespace(&self) -> bool {
        self.sync_option("CreateNamespace=true")
    }

    /// The sources: `spec.sources` when set, else `spec.source`.
    pub fn sources(&self) -> Vec<&ApplicationSource> {
        if self.spec.sources.is_empty() {
            vec![&self.spec.source]
        } else {
            self.spec.sources.iter().collect()
        }
    }

    /// The enabled automated policy, if any.
    pub fn automated(&self) -> Option<&AutomatedSync> {
        self.spec
            .sync_policy
            .as_ref()
            .and_then(|p| p.automated.as_ref())
            .filter(|a| a.enabled)
    }
}

/// The shape of an object: which fields it may carry.
enum Shape {
    Any,
    Obj(&'static [(&'static str, Shape)]),
    List(&'static Shape),
}

use Shape::{Any, List, Obj};

const SOURCE: Shape = Obj(&[
    ("repoURL", Any),
    ("targetRevision", Any),
    ("path", Any),
    ("chart", Any),
    ("ref", Any),
    ("name", Any),
    (
        "directory",
        Obj(&[
            ("recurse", Any),
            ("exclude", Any),
            ("include", Any),
            ("jsonnet", Any),
        ]),
    ),
    (
        "kustomize",
        Obj(&[
            ("namePrefix", Any),
            ("nameSuffix", Any),
            ("images", Any),
            ("commonLabels", Any),
            ("commonAnnotations", Any),
            ("commonAnnotationsEnvsubst", Any),
            ("forceCommonLabels", Any),
            ("forceCommonAnnotations", Any),
            ("namespace", Any),
            ("replicas", List(&Obj(&[("name", Any), ("count", Any)]))),
            ("patches", Any),
            ("components", Any),
            ("ignoreMissingComponents", Any),
            ("labelWithoutSelector", Any),
            ("labelIncludeTemplates", Any),
            ("version", Any),
            ("kubeVersion", Any),
            ("apiVersions", Any),
        ]),
    ),
    (
        "helm",
        Obj(&[
            ("valueFiles", Any),
            ("values", Any),
            ("valuesObject", Any),
            (
                "parameters",
                List(&Obj(&[("name", Any), ("value", Any), ("forceString", Any)])),
            ),
            ("fileParameters", Any),
            ("releaseName", Any),
            ("namespace", Any),
            ("ignoreMissingValueFiles", Any),
            ("skipCrds", Any),
            ("skipTests", Any),
            ("skipSchemaValidation", Any),
            ("passCredentials", Any),
            ("version", Any),
            ("kubeVersion", Any),
            ("apiVersions", Any),
        ]),
    ),
    ("plugin", Any),
]);

const APPLICATION: Shape = Obj(&[
    ("apiVersion", Any),
    ("kind", Any),
    ("metadata", Any),
    ("status", Any),
    ("operation", Any),
    (
        "spec",
        Obj(&[
            ("project", Any),
            ("source", SOURCE),
            ("sources", List(&SOURCE)),
            (
                "destination",
                Obj(&[("server", Any), ("name", Any), ("namespace", Any)]),
            ),
            (
                "syncPolicy",
                Obj(&[
                    (
                        "automated",
                        Obj(&[
                            ("prune", Any),
                            ("selfHeal", Any),
                            ("allowEmpty", Any),
                            ("enabled", Any),
                        ]),
                    ),
                    ("syncOptions", Any),
                    (
                        "retry",
                        Obj(&[
                            ("limit", Any),
                            (
                                "backoff",
                                Obj(&[("duration", Any), ("factor", Any), ("maxDuration", Any)]),
                            ),
                        ]),
                    ),
                    ("managedNamespaceMetadata", Any),
                ]),
            ),
            ("ignoreDifferences", Any),
            ("info", Any),
            ("revisionHistoryLimit", Any),
            ("sourceHydrator", Any),
        ]),
    ),
]);

fn unknown_field(v: &Value, shape: &Shape, path: &str) -> Option<String> {
    match (shape, v) {
        (Any, _) => None,
        (Obj(fields), Value::Object(m)) => first_unknown(m, fields, path),
        (List(item), Value::Array(items)) => items
            .iter()
            .enumerate()
            .find_map(|(i, x)| unknown_field(x, item, &format!("{path}[{i}]"))),
        _ => None,
    }
}

fn first_unknown(
    m: &Map<String, Value>,
    fields: &[(&'static str, Shape)],
    path: &str,
) -> Option<String> {
    for (k, v) in m {
        let child = if path.is_empty() {
            k.clone()
        } else {
            format!("{path}.{k}")
        };
        match fields.iter().find(|(name, _)| name == k) {
            None => return Some(child),
            Some((_, shape)) => {
                if let Some(p) = unknown_field(v, shape, &child) {
                    return Some(p);
                }
            }
        }
    }
    None
}

/// The path of the first field of `value` that Argo CD's `Application` does not define.
pub fn application_unknown_field(value: &Value) -> Option<String> {
    unknown_field(value, &APPLICATION, "")
}
