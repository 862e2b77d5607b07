//! The crate's error type.

use std::fmt;

/// The kind of Tekton object a validation problem belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ObjectKind {
    /// A `Pipeline` (or the inline `pipelineSpec` of a PipelineRun).
    #[default]
    Pipeline,
    /// A `Task` or `ClusterTask`.
    Task,
    /// A `PipelineRun`.
    PipelineRun,
    /// A `TaskRun`.
    TaskRun,
    /// A `StepAction`.
    StepAction,
    /// A `CustomRun`.
    CustomRun,
}

impl ObjectKind {
    /// The lowercase name used in messages (`pipeline`, `taskrun`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Pipeline => "pipeline",
            ObjectKind::Task => "task",
            ObjectKind::PipelineRun => "pipelinerun",
            ObjectKind::TaskRun => "taskrun",
            ObjectKind::StepAction => "stepaction",
            ObjectKind::CustomRun => "customrun",
        }
    }
}

impl fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a validation problem is: the object (a pipeline unless `kind` says otherwise), the
/// pipeline task (if any) and the field path (Tekton's own paths, such as
/// `tasks[1].runAfter`, relative to the object's `spec`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Kind of the object the problem belongs to.
    pub kind: ObjectKind,
    /// Object name: the pipeline's, task's, run's ... (empty for an unnamed inline spec).
    pub pipeline: String,
    /// Pipeline task name, when the problem belongs to one.
    pub task: Option<String>,
    /// Field path inside the spec, e.g. `tasks[0].params[p].value`.
    pub path: String,
    /// What is wrong, in Tekton's words.
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pipeline.is_empty() {
            write!(f, "{} spec", self.kind)?;
        } else {
            write!(f, "{} {:?}", self.kind, self.pipeline)?;
        }
        if let Some(task) = &self.task {
            write!(f, ": task {task:?}")?;
        }
        if self.path.is_empty() {
            write!(f, ": {}", self.message)
        } else {
            write!(f, ": {}: {}", self.message, self.path)
        }
    }
}

/// A list of validation problems, one per line when displayed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FieldErrors(pub Vec<FieldError>);

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// A duration [`parse_duration`](crate::runner::parse_duration) refuses: `invalid duration "1x": unknown unit "x"`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct InvalidDuration {
    /// The text, trimmed.
    pub value: String,
    /// The unit that is not one, when that is what is wrong.
    pub unit: Option<String>,
}

impl std::fmt::Display for InvalidDuration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid duration {:?}", self.value)?;
        match &self.unit {
            Some(unit) => write!(f, ": unknown unit {unit:?}"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for InvalidDuration {}

/// Every error of this crate. Each variant says where.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The YAML stream is not valid YAML.
    #[error("{file}: invalid YAML: {message}")]
    Yaml {
        /// Input name.
        file: String,
        /// Parser message (with line and column).
        message: String,
    },
    /// The input is larger than the limit.
    #[error("{file}: input larger than {limit} bytes")]
    TooLarge {
        /// Input name.
        file: String,
        /// The limit in bytes.
        limit: usize,
    },
    /// A document nests deeper than the limit.
    #[error("{file}: document {document}: nesting deeper than {limit}")]
    TooDeep {
        /// Input name.
        file: String,
        /// Document index (0-based).
        document: usize,
        /// The limit.
        limit: usize,
    },
    /// A document is not a Tekton object this crate reads, or has wrongly typed fields.
    #[error("{file}: document {document} ({kind} {name:?}): {message}")]
    Document {
        /// Input name.
        file: String,
        /// Document index (0-based).
        document: usize,
        /// The document's `kind`.
        kind: String,
        /// The document's `metadata.name`.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// A document has fields its Tekton type does not define (a misspelled `runAftr`): Tekton's
    /// webhook refuses such objects instead of dropping the field.
    #[error("{file}: document {document} ({kind} {name:?}): unknown field(s): {}", paths.join(", "))]
    UnknownFields {
        /// Input name.
        file: String,
        /// Document index (0-based).
        document: usize,
        /// The document's `kind`.
        kind: String,
        /// The document's `metadata.name`.
        name: String,
        /// Paths of the unknown fields, such as `spec.tasks[0].runAftr`.
        paths: Vec<String>,
    },
    /// The Pipeline failed validation.
    #[error("{0}")]
    Invalid(FieldErrors),
    /// A PipelineRun cannot start (reason is Tekton's condition reason, such as
    /// `ParameterMissing` or `ParameterTypeMismatch`).
    #[error("pipelinerun {run:?}: {reason}: {message}")]
    RunRejected {
        /// PipelineRun name.
        run: String,
        /// Tekton's condition reason.
        reason: String,
        /// Details.
        message: String,
    },
    /// A `taskRef` or `pipelineRef` names nothing in the catalogue.
    #[error("pipeline {pipeline:?}: task {task:?}: {kind} {name:?} not found")]
    NotFound {
        /// Pipeline name.
        pipeline: String,
        /// Pipeline task name.
        task: String,
        /// `Task` or `Pipeline`.
        kind: &'static str,
        /// The referenced name.
        name: String,
    },
    /// A resolver could not give the object a reference names (Tekton reports it with the
    /// reason `CouldntGetTask` or `CouldntGetPipeline`).
    #[error("resolver {resolver:?} ({params}): {message}")]
    Resolution {
        /// The resolver (`git`, `bundles`, `cluster`, `http`, `hub` ...).
        resolver: String,
        /// The reference's params, `k=v, ...`.
        params: String,
        /// What went wrong.
        message: String,
    },
    /// An event named an instance the run does not know.
    #[error("pipelinerun {run:?}: no task instance {instance}")]
    UnknownInstance {
        /// PipelineRun name.
        run: String,
        /// The instance.
        instance: String,
    },
    /// The list of done tasks given to a scheduling question is impossible.
    #[error(
        "invalid list of done tasks; some tasks were indicated completed without ancestors being done: {0:?}"
    )]
    InvalidDoneTasks(Vec<String>),
    /// The Kubernetes API could not be configured or reached (the `kube` executor).
    #[error("kube: {context}: {message}")]
    Kube {
        /// What was being done (`kubeconfig PATH`, `client`).
        context: String,
        /// The client's message.
        message: String,
    },
    /// A run-level timeout that is not a duration (`spec.timeouts.tasks: 1x`).
    #[error("invalid value: {value}: spec.{field}: {source}")]
    InvalidTimeout {
        /// The field, `timeouts.pipeline`, `timeouts.tasks` or `timeouts.finally`.
        field: &'static str,
        /// The value as written.
        value: String,
        /// Why it is not a duration.
        #[source]
        source: InvalidDuration,
    },
    /// An I/O error of the local executor or runner.
    #[error("{context}: {source}")]
    Io {
        /// What was being done, with the path.
        context: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl Error {
    /// The validation problems, if this is a validation error.
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            Error::Invalid(errs) => &errs.0,
            _ => &[],
        }
    }
}
