//! The Tekton object model (`tekton.dev/v1` and `v1beta1`), as serde types that accept
//! upstream YAML unchanged, plus multi-document loading.
//!
//! Only the fields this crate acts on are typed; other fields are accepted and ignored.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::Error;

/// Largest YAML stream [`load`] accepts, in bytes.
pub const MAX_INPUT_BYTES: usize = 8 * 1024 * 1024;
/// Deepest JSON/YAML nesting [`load`] accepts.
pub const MAX_DEPTH: usize = 64;

/// A parameter value: Tekton's `string`, `array` or `object`.
///
/// YAML scalars of any kind (numbers, booleans) become strings, as Tekton does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamValue {
    /// A string value.
    String(String),
    /// An array of strings.
    Array(Vec<String>),
    /// An object whose values are strings (keys sorted).
    Object(BTreeMap<String, String>),
}

impl ParamValue {
    /// The value's Tekton type.
    pub fn param_type(&self) -> ParamType {
        match self {
            ParamValue::String(_) => ParamType::String,
            ParamValue::Array(_) => ParamType::Array,
            ParamValue::Object(_) => ParamType::Object,
        }
    }

    /// The string, if this is a string value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            ParamValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// Every string inside the value (the string, the elements, or the object's values).
    pub fn strings(&self) -> Vec<&str> {
        match self {
            ParamValue::String(s) => vec![s.as_str()],
            ParamValue::Array(a) => a.iter().map(String::as_str).collect(),
            ParamValue::Object(o) => o.values().map(String::as_str).collect(),
        }
    }

    /// The value as JSON (`"s"`, `["a"]` or `{"k": "v"}`).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            ParamValue::String(s) => serde_json::Value::String(s.clone()),
            ParamValue::Array(a) => {
                serde_json::Value::Array(a.iter().cloned().map(serde_json::Value::String).collect())
            }
            ParamValue::Object(o) => serde_json::Value::Object(
                o.iter()
                    .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                    .collect(),
            ),
        }
    }

    /// Converts a JSON value the way Tekton reads YAML parameter values.
    pub fn from_json(value: &serde_json::Value) -> Result<Self, NestedParamValue> {
        use serde_json::Value as J;
        fn scalar(v: &J) -> Result<String, NestedParamValue> {
            match v {
                J::String(s) => Ok(s.clone()),
                J::Number(n) => Ok(n.to_string()),
                J::Bool(b) => Ok(b.to_string()),
                J::Null => Ok(String::new()),
                J::Array(_) | J::Object(_) => Err(NestedParamValue),
            }
        }
        match value {
            J::Array(items) => items
                .iter()
                .map(scalar)
                .collect::<Result<_, _>>()
                .map(ParamValue::Array),
            J::Object(map) => map
                .iter()
                .map(|(k, v)| scalar(v).map(|v| (k.clone(), v)))
                .collect::<Result<_, _>>()
                .map(ParamValue::Object),
            other => scalar(other).map(ParamValue::String),
        }
    }
}

/// A parameter value with an array or object inside an array or object, which Tekton's
/// parameter types cannot hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("nested arrays and objects are not allowed in parameter values")]
#[non_exhaustive]
pub struct NestedParamValue;

/// For hosts that report errors as text.
impl Default for ParamValue {
    fn default() -> Self {
        ParamValue::String(String::new())
    }
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::String(s) => f.write_str(s),
            other => f.write_str(&other.to_json().to_string()),
        }
    }
}

impl<'de> Deserialize<'de> for ParamValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        ParamValue::from_json(&v).map_err(D::Error::custom)
    }
}

impl Serialize for ParamValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(s)
    }
}

/// A parameter type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ParamType {
    /// `string` (the default).
    #[default]
    String,
    /// `array`.
    Array,
    /// `object`.
    Object,
}

impl fmt::Display for ParamType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ParamType::String => "string",
            ParamType::Array => "array",
            ParamType::Object => "object",
        })
    }
}

/// A declared parameter (`spec.params[]` of a Pipeline or Task).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ParamSpec {
    /// Name.
    pub name: String,
    /// Declared type; `None` means string, or the default's type.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub param_type: Option<ParamType>,
    /// Description.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Object keys (for `object` parameters).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub properties: BTreeMap<String, serde_json::Value>,
    /// Default value; a parameter without one is required.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<ParamValue>,
    /// Allowed values.
    #[serde(rename = "enum", skip_serializing_if = "Vec::is_empty")]
    pub allowed: Vec<String>,
}

impl ParamSpec {
    /// The effective type: declared, else the default's, else string.
    pub fn effective_type(&self) -> ParamType {
        self.param_type
            .or_else(|| self.default.as_ref().map(ParamValue::param_type))
            .or_else(|| (!self.properties.is_empty()).then_some(ParamType::Object))
            .unwrap_or_default()
    }
}

/// A parameter binding (`name` + `value`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Param {
    /// Name.
    pub name: String,
    /// Value.
    pub value: ParamValue,
}

/// `metadata` of an object (kube-object's, shared by every crate).
pub use kube_object::ObjectMeta;

/// An environment variable of a step.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EnvVar {
    /// Name.
    pub name: String,
    /// Literal value (`valueFrom` is not supported by the local executor).
    pub value: String,
}

/// A step of a Task.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Step {
    /// Name.
    pub name: String,
    /// Container image (recorded, not pulled by the local executor).
    pub image: String,
    /// Script body (run with `sh` unless it starts with `#!`).
    pub script: String,
    /// Entrypoint.
    pub command: Vec<String>,
    /// Arguments.
    pub args: Vec<String>,
    /// Working directory.
    pub working_dir: String,
    /// Environment.
    pub env: Vec<EnvVar>,
    /// `continue` lets the Task go on after this step fails.
    pub on_error: String,
    /// Display name.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub display_name: String,
    /// A StepAction to run instead of `image`/`script` (`ref: {name: ...}` or a resolver).
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    pub step_ref: Option<StepRef>,
    /// Parameters passed to the referenced StepAction.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Param>,
    /// Step results.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub results: Vec<TaskResult>,
    /// Timeout of the step (a Go duration).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    /// Step `when` expressions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub when: Vec<WhenExpression>,
    /// Compute resources (requests, limits), kept as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compute_resources: Option<serde_json::Value>,
    /// Volume mounts, kept as written.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volume_mounts: Vec<serde_json::Value>,
}

/// A step's `ref`: a StepAction by name or through a resolver.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StepRef {
    /// Name of the StepAction.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Remote resolver name (`git`, `bundles`, `hub`, `cluster`, `http`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub resolver: String,
    /// Resolver parameters.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Param>,
}

/// `stepTemplate` of a Task: container fields every step starts from.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StepTemplate {
    /// Image of steps that name none.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub image: String,
    /// Entrypoint.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    /// Arguments.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    /// Working directory.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub working_dir: String,
    /// Environment added to every step.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<EnvVar>,
    /// Compute resources, kept as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compute_resources: Option<serde_json::Value>,
}

impl StepTemplate {
    /// The step as Tekton runs it (`MergeStepsWithStepTemplate`): the step's own image,
    /// command, args and working directory win over the template's; environment variables
    /// merge by name (the step's value wins, the template's come first).
    ///
    /// ```
    /// use pipeline_core::model::{Step, StepTemplate};
    /// let template: StepTemplate = serde_json::from_str(
    ///     r#"{"image": "alpine", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}"#,
    /// ).unwrap();
    /// let step: Step = serde_json::from_str(
    ///     r#"{"name": "s", "script": "echo", "env": [{"name": "B", "value": "3"}, {"name": "C", "value": "4"}]}"#,
    /// ).unwrap();
    /// let merged = template.apply(&step);
    /// assert_eq!(merged.image, "alpine");
    /// let env: Vec<(&str, &str)> = merged.env.iter().map(|e| (e.name.as_str(), e.value.as_str())).collect();
    /// assert_eq!(env, [("A", "1"), ("B", "3"), ("C", "4")]);
    /// ```
    pub fn apply(&self, step: &Step) -> Step {
        let mut out = step.clone();
        if out.image.is_empty() {
            out.image = self.image.clone();
        }
        if out.command.is_empty() {
            out.command = self.command.clone();
        }
        if out.args.is_empty() {
            out.args = self.args.clone();
        }
        if out.working_dir.is_empty() {
            out.working_dir = self.working_dir.clone();
        }
        if out.compute_resources.is_none() {
            out.compute_resources = self.compute_resources.clone();
        }
        let mut env: Vec<EnvVar> = self
            .env
            .iter()
            .map(|t| {
                step.env
                    .iter()
                    .find(|e| e.name == t.name)
                    .unwrap_or(t)
                    .clone()
            })
            .collect();
        env.extend(
            step.env
                .iter()
                .filter(|e| !self.env.iter().any(|t| t.name == e.name))
                .cloned(),
        );
        out.env = env;
        out
    }
}

/// A sidecar container of a Task.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Sidecar {
    /// Name.
    pub name: String,
    /// Container image.
    pub image: String,
    /// Script body.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub script: String,
    /// Entrypoint.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    /// Arguments.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    /// Working directory.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub working_dir: String,
    /// Environment.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<EnvVar>,
}

/// A declared Task result.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TaskResult {
    /// Name.
    pub name: String,
    /// `string` (default), `array` or `object`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub result_type: Option<ParamType>,
    /// Description.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Keys of an `object` result.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub properties: BTreeMap<String, serde_json::Value>,
}

impl TaskResult {
    /// The effective type: declared, else `object` when it has properties, else string.
    pub fn effective_type(&self) -> ParamType {
        self.result_type
            .or_else(|| (!self.properties.is_empty()).then_some(ParamType::Object))
            .unwrap_or_default()
    }
}

/// A workspace a Task declares.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WorkspaceDeclaration {
    /// Name.
    pub name: String,
    /// Mount path (informational for the local executor).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub mount_path: String,
    /// Optional workspace.
    pub optional: bool,
    /// Read only.
    pub read_only: bool,
}

/// A Task spec (also the body of an embedded `taskSpec`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TaskSpec {
    /// `apiVersion` (only for embedded custom tasks).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    /// `kind` (only for embedded custom tasks).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// Description.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Parameters.
    pub params: Vec<ParamSpec>,
    /// Results.
    pub results: Vec<TaskResult>,
    /// Steps.
    pub steps: Vec<Step>,
    /// Workspaces.
    pub workspaces: Vec<WorkspaceDeclaration>,
    /// Display name.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub display_name: String,
    /// Container fields every step starts from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step_template: Option<StepTemplate>,
    /// Sidecar containers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sidecars: Vec<Sidecar>,
    /// Pod volumes, kept as written.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<serde_json::Value>,
    /// The spec of an embedded custom task (with `apiVersion` and `kind`), kept as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spec: Option<serde_json::Value>,
}

/// A `taskRef`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TaskRef {
    /// Name of the Task in the catalogue.
    pub name: String,
    /// `Task` (default) or a custom kind.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// `apiVersion` (custom tasks).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    /// Remote resolver name (`git`, `bundles`, ...), resolved by the host's catalogue.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub resolver: String,
    /// Resolver parameters.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Param>,
    /// OCI bundle holding the Task (`v1beta1`, deprecated).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub bundle: String,
}

/// A `when` expression.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WhenExpression {
    /// Input.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub input: String,
    /// `in` or `notin`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub operator: String,
    /// Values.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// CEL expression (Tekton's `enable-cel-in-whenexpression` flag:
    /// [`Limits::enable_cel_in_when`](crate::Limits::enable_cel_in_when)).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cel: String,
}

/// A named explicit combination of a matrix.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IncludeParams {
    /// Name.
    pub name: String,
    /// String parameters of the combination.
    pub params: Vec<Param>,
}

/// A `matrix`: fan a task out over combinations of array parameters.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Matrix {
    /// Array parameters whose product is fanned out.
    pub params: Vec<Param>,
    /// Explicit combinations.
    pub include: Vec<IncludeParams>,
}

/// A workspace binding of a pipeline task.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WorkspacePipelineTaskBinding {
    /// The Task's workspace name.
    pub name: String,
    /// The Pipeline's workspace name (defaults to `name`).
    pub workspace: String,
    /// Sub path.
    pub sub_path: String,
}

/// A task of a Pipeline (`spec.tasks[]` or `spec.finally[]`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PipelineTask {
    /// Name (a DNS label, unique in the Pipeline).
    pub name: String,
    /// Display name.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub display_name: String,
    /// Reference to a Task.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_ref: Option<TaskRef>,
    /// Embedded Task.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_spec: Option<TaskSpec>,
    /// Reference to a child Pipeline (pipelines in pipelines, alpha in Tekton: accepted and run
    /// as a child run with [`Limits::enable_alpha_api`](crate::Limits::enable_alpha_api)).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pipeline_ref: Option<PipelineRef>,
    /// Embedded child Pipeline (pipelines in pipelines; see `pipeline_ref`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pipeline_spec: Option<Box<PipelineSpec>>,
    /// Ordering dependencies.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub run_after: Vec<String>,
    /// Parameters passed to the Task.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Param>,
    /// Guards.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub when: Vec<WhenExpression>,
    /// Fan-out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matrix: Option<Matrix>,
    /// Retries after a failure.
    pub retries: u32,
    /// Timeout (a Go duration such as `1h30m`), enforced by the host.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    /// Workspace bindings.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub workspaces: Vec<WorkspacePipelineTaskBinding>,
    /// `continue` or `stopAndFail`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub on_error: String,
}

impl PipelineTask {
    /// True when the task has a matrix with parameters or includes.
    pub fn is_matrixed(&self) -> bool {
        self.matrix
            .as_ref()
            .is_some_and(|m| !m.params.is_empty() || !m.include.is_empty())
    }

    /// True when `onError: continue`.
    pub fn continues_on_error(&self) -> bool {
        self.on_error == "continue"
    }
}

/// A workspace a Pipeline declares.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PipelineWorkspaceDeclaration {
    /// Name.
    pub name: String,
    /// Description.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Optional.
    pub optional: bool,
}

/// A Pipeline result.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PipelineResult {
    /// Name.
    pub name: String,
    /// Type.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub result_type: Option<ParamType>,
    /// Description.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Value (task result references).
    pub value: ParamValue,
}

/// A Pipeline spec.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PipelineSpec {
    /// Description.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Parameters.
    pub params: Vec<ParamSpec>,
    /// Workspaces.
    pub workspaces: Vec<PipelineWorkspaceDeclaration>,
    /// DAG tasks.
    pub tasks: Vec<PipelineTask>,
    /// Tasks run after the DAG ends.
    pub finally: Vec<PipelineTask>,
    /// Results.
    pub results: Vec<PipelineResult>,
}

/// A `pipelineRef`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PipelineRef {
    /// Name of the Pipeline.
    pub name: String,
    /// Remote resolver name (`git`, `bundles`, ...).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub resolver: String,
    /// Resolver parameters.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Param>,
    /// OCI bundle holding the Pipeline (`v1beta1`, deprecated).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub bundle: String,
}

/// A workspace binding of a PipelineRun.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WorkspaceBinding {
    /// Name.
    pub name: String,
    /// Sub path.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub sub_path: String,
}

/// `spec.timeouts` of a PipelineRun (Go durations).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TimeoutFields {
    /// Whole run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pipeline: Option<String>,
    /// DAG tasks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tasks: Option<String>,
    /// Finally tasks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finally: Option<String>,
}

/// A PipelineRun spec.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PipelineRunSpec {
    /// Reference to a Pipeline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pipeline_ref: Option<PipelineRef>,
    /// Embedded Pipeline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pipeline_spec: Option<PipelineSpec>,
    /// Parameters.
    pub params: Vec<Param>,
    /// Workspace bindings.
    pub workspaces: Vec<WorkspaceBinding>,
    /// Timeouts (v1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeouts: Option<TimeoutFields>,
    /// Timeout (v1beta1, deprecated): the whole run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    /// Per pipeline task TaskRun settings (`taskRunSpecs`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub task_run_specs: Vec<PipelineTaskRunSpec>,
    /// TaskRun settings for every pipeline task (`taskRunTemplate`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_run_template: Option<PipelineTaskRunTemplate>,
    /// `Cancelled`, `CancelledRunFinally`, `StoppedRunFinally` or `PipelineRunPending`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub status: String,
}

/// One entry of a PipelineRun's `taskRunSpecs`: TaskRun settings of one pipeline task.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PipelineTaskRunSpec {
    /// The pipeline task (DAG or finally) these settings are for.
    pub pipeline_task_name: String,
    /// Service account of its TaskRuns.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub service_account_name: String,
    /// Timeout of its TaskRuns (a Go duration): overrides the pipeline task's `timeout`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    /// Pod template, kept as written (for a host's executor).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_template: Option<serde_json::Value>,
    /// Per step overrides (`name`, `computeResources`), kept as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step_specs: Option<serde_json::Value>,
    /// Per sidecar overrides, kept as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sidecar_specs: Option<serde_json::Value>,
    /// Labels and annotations of its TaskRuns, kept as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Value>,
    /// Compute resources of its TaskRuns, kept as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compute_resources: Option<serde_json::Value>,
}

/// A PipelineRun's `taskRunTemplate`: TaskRun settings of every pipeline task.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PipelineTaskRunTemplate {
    /// Service account of every TaskRun (unless a `taskRunSpecs` entry sets one).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub service_account_name: String,
    /// Pod template, kept as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_template: Option<serde_json::Value>,
}

/// A TaskRun spec.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TaskRunSpec {
    /// Reference to a Task.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_ref: Option<TaskRef>,
    /// Embedded Task.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_spec: Option<TaskSpec>,
    /// Parameters.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Param>,
    /// Workspace bindings.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub workspaces: Vec<WorkspaceBinding>,
    /// Timeout (a Go duration).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    /// Retries after a failure.
    pub retries: u32,
    /// Service account.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub service_account_name: String,
    /// `TaskRunCancelled`, when set.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub status: String,
}

/// A StepAction spec: one reusable step (`tekton.dev/v1beta1` or `v1alpha1`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StepActionSpec {
    /// Description.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Container image.
    pub image: String,
    /// Entrypoint.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    /// Arguments.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    /// Script body.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub script: String,
    /// Environment.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<EnvVar>,
    /// Working directory.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub working_dir: String,
    /// Parameters.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<ParamSpec>,
    /// Results.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub results: Vec<TaskResult>,
}

/// A CustomRun spec (`tekton.dev/v1beta1`): a run of a custom task a controller other than
/// Tekton's executes.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CustomRunSpec {
    /// Reference to the custom task (`apiVersion`, `kind`, `name`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_ref: Option<TaskRef>,
    /// Embedded custom task spec, kept as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_spec: Option<serde_json::Value>,
    /// Parameters.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Param>,
    /// Timeout (a Go duration).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    /// Retries after a failure.
    pub retries: u32,
    /// `RunCancelled`, when set.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub status: String,
}

/// A typed Kubernetes object (`apiVersion`, `kind`, `metadata`, `spec`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Object<S> {
    /// `tekton.dev/v1` or `tekton.dev/v1beta1`.
    pub api_version: String,
    /// Kind.
    pub kind: String,
    /// Metadata.
    pub metadata: ObjectMeta,
    /// Spec.
    pub spec: S,
}

/// A `Pipeline`.
pub type Pipeline = Object<PipelineSpec>;
/// A `Task`.
pub type Task = Object<TaskSpec>;
/// A `PipelineRun`.
pub type PipelineRun = Object<PipelineRunSpec>;
/// A `TaskRun`.
pub type TaskRun = Object<TaskRunSpec>;
/// A `StepAction`.
pub type StepAction = Object<StepActionSpec>;
/// A `CustomRun`.
pub type CustomRun = Object<CustomRunSpec>;

/// A document of the stream that [`load`] did not read: another API's object (a
/// `PersistentVolumeClaim`, a `Secret`, a Triggers object ...) or a Tekton kind this crate does
/// not model. Reported, never fatal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SkippedDocument {
    /// Document index in the stream (0-based).
    pub document: usize,
    /// The document's `apiVersion`.
    pub api_version: String,
    /// The document's `kind`.
    pub kind: String,
    /// The document's `metadata.name`.
    pub name: String,
}

impl fmt::Display for SkippedDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "document {} ({} {} {:?}): skipped, not a Tekton Pipelines object this crate reads",
            self.document, self.api_version, self.kind, self.name
        )
    }
}

/// The Tekton objects of a multi-document YAML stream, each kind in document order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Resources {
    /// Pipelines.
    pub pipelines: Vec<Pipeline>,
    /// Tasks (and ClusterTasks).
    pub tasks: Vec<Task>,
    /// PipelineRuns.
    pub pipeline_runs: Vec<PipelineRun>,
    /// TaskRuns.
    pub task_runs: Vec<TaskRun>,
    /// StepActions.
    pub step_actions: Vec<StepAction>,
    /// CustomRuns.
    pub custom_runs: Vec<CustomRun>,
    /// Documents of other kinds, reported and skipped.
    pub skipped: Vec<SkippedDocument>,
    /// Fields under an open point of the CRD written in another letter case than Tekton's:
    /// accepted and ignored, as in Tekton (see [`crate::strict`]).
    pub folded_fields: Vec<FoldedField>,
}

/// A field written in another letter case than Tekton's (`mountpath` for `mountPath`) inside
/// a `taskSpec` or `pipelineSpec`: Tekton's webhook accepts it (Go's decoder matches names
/// case-insensitively) and its controller ignores it, as [`load`] does. Reported so that the
/// author can fix the spelling.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FoldedField {
    /// Document index in the stream (0-based).
    pub document: usize,
    /// The document's `kind`.
    pub kind: String,
    /// The document's `metadata.name`.
    pub name: String,
    /// Path of the field as written, such as `spec.tasks[0].runafter`.
    pub path: String,
    /// Tekton's spelling of the field, such as `runAfter`.
    pub field: String,
}

impl fmt::Display for FoldedField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "document {} ({} {:?}): {} is not {:?}: Tekton's webhook accepts it (Go matches names case-insensitively), its controller ignores it",
            self.document, self.kind, self.name, self.path, self.field
        )
    }
}

impl Resources {
    /// Adds every object of `other` after this one's (to read several files as one catalogue).
    pub fn extend(&mut self, other: Resources) {
        self.pipelines.extend(other.pipelines);
        self.tasks.extend(other.tasks);
        self.pipeline_runs.extend(other.pipeline_runs);
        self.task_runs.extend(other.task_runs);
        self.step_actions.extend(other.step_actions);
        self.custom_runs.extend(other.custom_runs);
        self.skipped.extend(other.skipped);
        self.folded_fields.extend(other.folded_fields);
    }

    /// The StepAction named `name`.
    pub fn step_action(&self, name: &str) -> Option<&StepAction> {
        self.step_actions.iter().find(|s| s.metadata.name == name)
    }
}

/// What [`load`] does with a document of `apiVersion` `api` and `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DocKind {
    Pipeline,
    Task,
    PipelineRun,
    TaskRun,
    StepAction,
    CustomRun,
    Skip,
}

fn doc_kind(api: &str, kind: &str) -> DocKind {
    let (v1, v1beta1, v1alpha1) = (
        api == "tekton.dev/v1",
        api == "tekton.dev/v1beta1",
        api == "tekton.dev/v1alpha1",
    );
    match kind {
        "Pipeline" if v1 || v1beta1 => DocKind::Pipeline,
        "Task" if v1 || v1beta1 => DocKind::Task,
        "ClusterTask" if v1beta1 => DocKind::Task,
        "PipelineRun" if v1 || v1beta1 => DocKind::PipelineRun,
        "TaskRun" if v1 || v1beta1 => DocKind::TaskRun,
        "StepAction" if v1beta1 || v1alpha1 => DocKind::StepAction,
        "CustomRun" if v1beta1 => DocKind::CustomRun,
        _ => DocKind::Skip,
    }
}

impl Resources {
    /// The Task named `name`.
    pub fn task(&self, name: &str) -> Option<&Task> {
        self.tasks.iter().find(|t| t.metadata.name == name)
    }

    /// The Pipeline named `name`.
    pub fn pipeline(&self, name: &str) -> Option<&Pipeline> {
        self.pipelines.iter().find(|p| p.metadata.name == name)
    }
}

fn depth(v: &serde_json::Value) -> usize {
    match v {
        serde_json::Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        serde_json::Value::Object(o) => 1 + o.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// Parses a multi-document YAML stream of Tekton objects: `Pipeline`, `Task`, `PipelineRun`
/// and `TaskRun` (`tekton.dev/v1` or `v1beta1`), `ClusterTask` and `CustomRun` (`v1beta1`),
/// `StepAction` (`v1beta1` or `v1alpha1`). Documents of any other kind or API are recorded in
/// [`Resources::skipped`] and otherwise ignored, as `kubectl apply` of a mixed file would
/// leave them to their own controllers. A Tekton document with a field Tekton does not define
/// is refused ([`Error::UnknownFields`]), as a cluster refuses it (see [`crate::strict`]).
///
/// `file` names the input in errors.
pub fn load(file: &str, text: &str) -> Result<Resources, Error> {
    if text.len() > MAX_INPUT_BYTES {
        return Err(Error::TooLarge {
            file: file.to_string(),
            limit: MAX_INPUT_BYTES,
        });
    }
    let docs: Vec<serde_json::Value> =
        kube_object::yaml::parse_stream(text, file).map_err(|e| Error::Yaml {
            file: file.to_string(),
            message: e.to_string(),
        })?;
    let mut out = Resources::default();
    for (index, doc) in docs.into_iter().enumerate() {
        if doc.is_null() {
            continue;
        }
        if depth(&doc) > MAX_DEPTH {
            return Err(Error::TooDeep {
                file: file.to_string(),
                document: index,
                limit: MAX_DEPTH,
            });
        }
        let kind = doc
            .get("kind")
            .and_then(|k| k.as_str())
            .unwrap_or("")
            .to_string();
        let api = doc
            .get("apiVersion")
            .and_then(|k| k.as_str())
            .unwrap_or("")
            .to_string();
        let name = doc
            .pointer("/metadata/name")
            .and_then(|k| k.as_str())
            .unwrap_or("")
            .to_string();
        let bad = |message: String| Error::Document {
            file: file.to_string(),
            document: index,
            kind: kind.clone(),
            name: name.clone(),
            message,
        };
        fn parse<T: serde::de::DeserializeOwned>(
            doc: serde_json::Value,
            bad: impl Fn(String) -> Error,
        ) -> Result<T, Error> {
            serde_json::from_value(doc).map_err(|e| bad(e.to_string()))
        }
        let doc_kind = doc_kind(&api, &kind);
        if doc_kind != DocKind::Skip {
            let check = crate::strict::check(&api, &kind, &doc);
            if !check.unknown.is_empty() {
                return Err(Error::UnknownFields {
                    file: file.to_string(),
                    document: index,
                    kind,
                    name,
                    paths: check.unknown,
                });
            }
            out.folded_fields
                .extend(check.folded.into_iter().map(|(path, field)| FoldedField {
                    document: index,
                    kind: kind.clone(),
                    name: name.clone(),
                    path,
                    field,
                }));
        }
        match doc_kind {
            DocKind::Pipeline => out.pipelines.push(parse(doc, bad)?),
            DocKind::Task => out.tasks.push(parse(doc, bad)?),
            DocKind::PipelineRun => out.pipeline_runs.push(parse(doc, bad)?),
            DocKind::TaskRun => out.task_runs.push(parse(doc, bad)?),
            DocKind::StepAction => out.step_actions.push(parse(doc, bad)?),
            DocKind::CustomRun => out.custom_runs.push(parse(doc, bad)?),
            DocKind::Skip => out.skipped.push(SkippedDocument {
                document: index,
                api_version: api,
                kind,
                name,
            }),
        }
    }
    Ok(out)
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
mod tests {
    use super::*;

    #[test]
    fn param_values_read_like_tekton() {
        let cases = [
            ("\"a\"", ParamValue::String("a".into())),
            ("3", ParamValue::String("3".into())),
            ("true", ParamValue::String("true".into())),
            (
                "[\"a\", 1]",
                ParamValue::Array(vec!["a".into(), "1".into()]),
            ),
            (
                "{\"k\": \"v\"}",
                ParamValue::Object([("k".to_string(), "v".to_string())].into()),
            ),
        ];
        for (json, want) in cases {
            let got: ParamValue = serde_json::from_str(json).unwrap();
            assert_eq!(got, want, "{json}");
        }
        assert!(serde_json::from_str::<ParamValue>("[[1]]").is_err());
    }

    #[test]
    fn loads_a_multi_document_stream() {
        let yaml = "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\nspec:\n  steps:\n  - name: s\n    image: alpine\n    script: echo hi\n---\napiVersion: tekton.dev/v1beta1\nkind: Pipeline\nmetadata: {name: p}\nspec:\n  tasks:\n  - name: a\n    taskRef: {name: t}\n---\napiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata: {name: r}\nspec:\n  pipelineRef: {name: p}\n  params:\n  - name: x\n    value: [a, b]\n";
        let r = load("f.yaml", yaml).unwrap();
        assert_eq!(r.tasks[0].spec.steps[0].script, "echo hi");
        assert_eq!(
            r.pipelines[0].spec.tasks[0].task_ref.as_ref().unwrap().name,
            "t"
        );
        assert_eq!(
            r.pipeline_runs[0].spec.params[0].value,
            ParamValue::Array(vec!["a".into(), "b".into()])
        );
    }

    #[test]
    fn other_kinds_are_skipped_and_reported() {
        let yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\napiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata: {name: tr}\nspec:\n  taskRef: {name: t}\n---\napiVersion: tekton.dev/v1alpha1\nkind: StepAction\nmetadata: {name: sa}\nspec: {image: alpine}\n---\napiVersion: tekton.dev/v1\nkind: StepAction\nmetadata: {name: not-in-v1}\n";
        let r = load("f.yaml", yaml).unwrap();
        assert_eq!(r.task_runs.len(), 1);
        assert_eq!(r.step_actions.len(), 1);
        let skipped: Vec<(usize, &str)> = r
            .skipped
            .iter()
            .map(|s| (s.document, s.kind.as_str()))
            .collect();
        assert_eq!(skipped, vec![(0, "ConfigMap"), (3, "StepAction")]);
        let msg = r.skipped[0].to_string();
        assert!(
            msg.contains("document 0") && msg.contains("ConfigMap") && msg.contains("\"c\""),
            "{msg}"
        );
    }
}
