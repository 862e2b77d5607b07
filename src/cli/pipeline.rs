//! `gitops-toolkit pipeline validate|simulate|run|describe`.
//!
//! FILE is a YAML stream of Tekton objects (`tekton.dev/v1` or `v1beta1`): Pipelines, Tasks,
//! PipelineRuns, TaskRuns, StepActions, CustomRuns; documents of other kinds (a PVC, a
//! Secret ...) are skipped with a note on stderr.

use std::collections::BTreeMap;
use std::process::ExitCode;

use super::{Fail, Out, Outcome};
use crate::pipeline::runner::{RunInfo, StdoutLogs, parse_duration};
use crate::pipeline::simulate::{
    SimOutcome, placeholder_results, referenced_placeholder_results, simulate,
};
use crate::pipeline::validate::{resource_errors_with_limits, unresolved_references};
use crate::pipeline::{
    Error, Limits, LocalExecutor, Param, ParamType, ParamValue, PipelineRunState, PipelineSpec,
    Resources, RunContext, Runner, TaskState, describe_pipeline_run, load, outcome_objects,
};
use clap::Subcommand;
use serde_json::{Map, Value, json};
use std::io::Write as _;

/// `println!` that reports a failed write (a closed pipe) instead of panicking.
macro_rules! out {
    ($($t:tt)*) => {
        if let Err(e) = writeln!(std::io::stdout().lock(), $($t)*) {
            return Err(Fail::Output(e));
        }
    };
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Check every Tekton document of every FILE by its kind; print `valid` or one error per
    /// line (exit 1). References the files do not resolve (a Task in the cluster, a resolver)
    /// are notes, not errors; unknown fields are errors.
    Validate {
        /// YAML streams of Tekton objects, read as one.
        #[arg(required = true)]
        files: Vec<String>,
        /// Tekton's `enable-cel-in-whenexpression`: CEL `when` expressions.
        #[arg(long)]
        enable_cel_in_when: bool,
        /// Tekton's `enable-api-fields` (`alpha`: pipelines in pipelines).
        #[arg(long, value_enum, default_value_t = ApiFields::Beta)]
        enable_api_fields: ApiFields,
        /// Refuse names in another letter case inside embedded specs (Tekton accepts and
        /// ignores them).
        #[arg(long)]
        case_sensitive: bool,
    },
    /// Drive the run state machine with a simulated executor and print one JSON object:
    /// every task succeeds unless `--fail` names it, emitting a placeholder for each result
    /// it declares unless `--no-results`.
    Simulate {
        /// YAML streams of Tekton objects, read as one.
        #[arg(required = true)]
        files: Vec<String>,
        /// Tekton's `enable-cel-in-whenexpression`: CEL `when` expressions.
        #[arg(long)]
        enable_cel_in_when: bool,
        /// Tekton's `enable-api-fields` (`alpha`: pipelines in pipelines).
        #[arg(long, value_enum, default_value_t = ApiFields::Beta)]
        enable_api_fields: ApiFields,
        /// A run parameter.
        #[arg(long = "param", value_name = "K=V")]
        params: Vec<String>,
        /// A pipeline task that fails.
        #[arg(long, value_name = "TASK")]
        fail: Vec<String>,
        /// A result a task emits, read as its declared type.
        #[arg(long = "result", value_name = "TASK.NAME=VALUE")]
        results: Vec<String>,
        /// Emit no placeholder results.
        #[arg(long)]
        no_results: bool,
    },
    /// Print what `tkn pipelinerun describe` prints for a PipelineRun of the FILEs (objects or
    /// `kubectl get -o yaml` Lists), with the TaskRuns its `status.childReferences` name.
    Describe {
        /// YAML streams of PipelineRun and TaskRun objects, read as one.
        #[arg(required = true)]
        files: Vec<String>,
        /// The PipelineRun to describe (needed when the files hold several).
        #[arg(long)]
        name: Option<String>,
        /// The time ages are counted from, RFC 3339 (default: now).
        #[arg(long, value_name = "RFC3339")]
        now: Option<String>,
    },
    /// Execute each step's script with `sh` in a work directory, streaming `[task : step]`
    /// logs, and print the run as `tkn pipelinerun describe` does.
    Run {
        /// YAML streams of Tekton objects, read as one.
        #[arg(required = true)]
        files: Vec<String>,
        /// Tekton's `enable-cel-in-whenexpression`: CEL `when` expressions.
        #[arg(long)]
        enable_cel_in_when: bool,
        /// Tekton's `enable-api-fields` (`alpha`: pipelines in pipelines).
        #[arg(long, value_enum, default_value_t = ApiFields::Beta)]
        enable_api_fields: ApiFields,
        /// A run parameter.
        #[arg(long = "param", value_name = "K=V")]
        params: Vec<String>,
        /// Work directory (default: a new one under the temporary directory).
        #[arg(long)]
        workdir: Option<String>,
        /// Tasks run at once.
        #[arg(long, default_value_t = 4)]
        parallel: usize,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ApiFields {
    /// Alpha fields too.
    Alpha,
    /// Beta and stable fields (Tekton's default).
    Beta,
    /// Stable fields.
    Stable,
}

fn limits(cel: bool, api: ApiFields) -> Limits {
    Limits::default()
        .enable_cel_in_when(cel)
        .enable_alpha_api(api == ApiFields::Alpha)
}

#[derive(Default)]
struct Options {
    params: Vec<(String, String)>,
    fail: Vec<String>,
    results: BTreeMap<String, BTreeMap<String, String>>,
    no_results: bool,
    case_sensitive: bool,
    workdir: Option<String>,
    parallel: usize,
    limits: Limits,
}

fn params(raw: &[String]) -> Result<Vec<(String, String)>, Fail> {
    raw.iter().map(|p| super::key_value("--param", p)).collect()
}

pub(crate) fn run(cmd: Command, out: &mut Out) -> Outcome {
    let (files, options, which) = match cmd {
        Command::Describe { files, name, now } => return describe_cmd(&files, name, now, out),
        Command::Validate {
            files,
            case_sensitive,
            enable_cel_in_when,
            enable_api_fields,
        } => (
            files,
            Options {
                case_sensitive,
                limits: limits(enable_cel_in_when, enable_api_fields),
                ..Options::default()
            },
            0,
        ),
        Command::Simulate {
            files,
            params: p,
            fail,
            results: raw,
            no_results,
            enable_cel_in_when,
            enable_api_fields,
        } => {
            let mut results: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
            for v in &raw {
                let bad = || Fail::Usage(format!("--result {v}: want TASK.NAME=VALUE"));
                let (key, val) = v.split_once('=').ok_or_else(bad)?;
                let (task, name) = key.split_once('.').ok_or_else(bad)?;
                results
                    .entry(task.to_string())
                    .or_default()
                    .insert(name.to_string(), val.to_string());
            }
            let o = Options {
                params: params(&p)?,
                fail,
                results,
                no_results,
                limits: limits(enable_cel_in_when, enable_api_fields),
                ..Options::default()
            };
            (files, o, 1)
        }
        Command::Run {
            files,
            params: p,
            workdir,
            parallel,
            enable_cel_in_when,
            enable_api_fields,
        } => {
            let o = Options {
                params: params(&p)?,
                workdir,
                parallel,
                limits: limits(enable_cel_in_when, enable_api_fields),
                ..Options::default()
            };
            (files, o, 2)
        }
    };
    let files: Vec<&String> = files.iter().collect();
    let resources = load_files(&files, out)?;
    match which {
        0 => validate_cmd(&resources, &options, out),
        1 => simulate_cmd(&resources, &options, out),
        _ => run_cmd(&resources, &options, out),
    }
}

/// The Pipeline to run: the PipelineRun's (by reference or inline), else the first Pipeline.
fn select(
    resources: &Resources,
    options: &Options,
) -> Result<(String, PipelineSpec, RunContext), String> {
    let (name, spec, mut ctx) = match resources.pipeline_runs.first() {
        Some(pr) => {
            let (name, spec) = match (&pr.spec.pipeline_spec, &pr.spec.pipeline_ref) {
                (Some(spec), _) => (pr.metadata.name.clone(), spec.clone()),
                (None, Some(r)) if !r.resolver.is_empty() => {
                    let params: Vec<String> = r
                        .params
                        .iter()
                        .map(|p| format!("{}={}", p.name, p.value))
                        .collect();
                    return Err(format!(
                        "pipelinerun {:?}: pipelineRef resolves through the {} resolver ({}), which this tool does not fetch: give the Pipeline as a FILE",
                        pr.metadata.name,
                        r.resolver,
                        params.join(", ")
                    ));
                }
                (None, Some(r)) => {
                    let p = resources.pipeline(&r.name).ok_or_else(|| {
                        format!(
                            "pipelinerun {:?}: pipeline {:?} not found in the given files",
                            pr.metadata.name, r.name
                        )
                    })?;
                    (r.name.clone(), p.spec.clone())
                }
                (None, None) => {
                    return Err(format!(
                        "pipelinerun {:?} has no pipelineRef or pipelineSpec",
                        pr.metadata.name
                    ));
                }
            };
            let ctx = RunContext::from_pipeline_run(pr, &name);
            (name, spec, ctx)
        }
        None => {
            let p = resources
                .pipelines
                .first()
                .ok_or("no Pipeline or PipelineRun in the file")?;
            let name = p.metadata.name.clone();
            (
                name.clone(),
                p.spec.clone(),
                RunContext::named(&format!("{name}-run"), &name),
            )
        }
    };
    if ctx.namespace.is_empty() {
        ctx.namespace = "default".into();
    }
    for (k, v) in &options.params {
        let declared = spec
            .params
            .iter()
            .find(|p| &p.name == k)
            .map(|p| p.effective_type());
        let value = match declared {
            Some(ParamType::Array) | Some(ParamType::Object)
                if v.starts_with('[') || v.starts_with('{') =>
            {
                let json: Value =
                    serde_json::from_str(v).map_err(|e| format!("--param {k}: {e}"))?;
                ParamValue::from_json(&json).map_err(|e| format!("--param {k}: {e}"))?
            }
            Some(ParamType::Array) => ParamValue::Array(v.split(',').map(str::to_string).collect()),
            _ => ParamValue::String(v.clone()),
        };
        ctx.params.retain(|p| &p.name != k);
        ctx.params.push(Param {
            name: k.clone(),
            value,
        });
    }
    Ok((name, spec, ctx))
}

/// Problems (stdout) and notes (stderr) of `validate`: every Tekton document is checked by
/// its kind; skipped documents and references the files do not resolve are notes.
fn validate(resources: &Resources, limits: &Limits) -> (Vec<String>, Vec<String>) {
    let errors: Vec<String> = resource_errors_with_limits(resources, limits)
        .iter()
        .map(ToString::to_string)
        .collect();
    let mut notes: Vec<String> = resources.skipped.iter().map(ToString::to_string).collect();
    notes.extend(resources.folded_fields.iter().map(ToString::to_string));
    notes.extend(
        unresolved_references(resources)
            .iter()
            .map(ToString::to_string),
    );
    (errors, notes)
}

fn rejected(e: &Error) -> Value {
    let (reason, message) = match e {
        Error::Invalid(errs) => ("PipelineValidationFailed".to_string(), errs.to_string()),
        Error::RunRejected {
            reason, message, ..
        } => (reason.clone(), message.clone()),
        other => ("Failed".to_string(), other.to_string()),
    };
    json!({"status": "False", "reason": reason, "message": message, "tasks": {}, "batches": []})
}

/// A `--param` or `--result` value read as the declared type: JSON (`[...]`, `{...}`) or a
/// comma-separated list for arrays.
fn typed_value(declared: ParamType, v: &str) -> Result<ParamValue, String> {
    match declared {
        ParamType::Array | ParamType::Object if v.starts_with('[') || v.starts_with('{') => {
            let json: Value = serde_json::from_str(v).map_err(|e| e.to_string())?;
            let value = ParamValue::from_json(&json).map_err(|e| e.to_string())?;
            if value.param_type() == declared {
                Ok(value)
            } else {
                Err(format!("want {declared}, got {}", value.param_type()))
            }
        }
        ParamType::Array => Ok(ParamValue::Array(
            v.split(',').map(str::to_string).collect(),
        )),
        ParamType::Object => Err("want a JSON object".into()),
        ParamType::String => Ok(ParamValue::String(v.to_string())),
    }
}

fn simulate_cmd(resources: &Resources, options: &Options, output: &mut Out) -> Outcome {
    let (_, spec, ctx) = select(resources, options)?;
    let state = match PipelineRunState::with_limits(spec.clone(), ctx, options.limits) {
        Ok(s) => s,
        Err(e) => {
            output.value(&rejected(&e))?;
            return Ok(ExitCode::from(1));
        }
    };
    let mut bad_result = None;
    let sim = simulate(state, None, |inst| {
        if options.fail.contains(&inst.pipeline_task) {
            return Some(SimOutcome::Failed);
        }
        let task = inst.task_spec.as_deref().or_else(|| {
            inst.task_ref
                .as_ref()
                .and_then(|r| resources.task(&r.name))
                .map(|t| &t.spec)
        });
        let mut results = match task {
            _ if options.no_results => BTreeMap::new(),
            Some(task) => placeholder_results(&inst.pipeline_task, task),
            None => referenced_placeholder_results(&spec, &inst.pipeline_task),
        };
        for (name, raw) in options
            .results
            .get(&inst.pipeline_task)
            .into_iter()
            .flatten()
        {
            let declared = task
                .and_then(|t| t.results.iter().find(|r| &r.name == name))
                .map(|r| r.effective_type())
                .unwrap_or(ParamType::String);
            match typed_value(declared, raw) {
                Ok(v) => {
                    results.insert(name.clone(), v);
                }
                Err(e) => {
                    bad_result
                        .get_or_insert(format!("--result {}.{name}: {e}", inst.pipeline_task));
                }
            }
        }
        Some(SimOutcome::Succeeded(results))
    });
    if let Some(e) = bad_result {
        return Err(Fail::Message(e));
    }
    let cond = sim.state.condition();
    let matrixed: std::collections::HashSet<&str> = spec
        .tasks
        .iter()
        .chain(&spec.finally)
        .filter(|p| p.is_matrixed())
        .map(|p| p.name.as_str())
        .collect();
    let mut tasks = Map::new();
    for s in sim.state.task_statuses() {
        let mut t = Map::new();
        t.insert("status".into(), json!(s.state.as_str()));
        if s.state == TaskState::Skipped || (s.state == TaskState::NotRun && !s.reason.is_empty()) {
            t.insert("reason".into(), json!(s.reason));
        }
        if matrixed.contains(s.name.as_str()) {
            t.insert("count".into(), json!(s.instances));
        }
        tasks.insert(s.name, Value::Object(t));
    }
    let out = json!({
        "status": cond.status.as_str(),
        "reason": cond.reason,
        "tasks": tasks,
        "batches": sim.batches,
    });
    output.value(&out)?;
    Ok(ExitCode::SUCCESS)
}

fn run_cmd(resources: &Resources, options: &Options, output: &mut Out) -> Outcome {
    let (pipeline, spec, ctx) = select(resources, options)?;
    let info = RunInfo {
        name: ctx.name.clone(),
        namespace: ctx.namespace.clone(),
        uid: ctx.uid.clone(),
        pipeline,
    };
    let duration = |t: &Option<String>| {
        t.as_deref()
            .and_then(|t| parse_duration(t).ok())
            .filter(|d| !d.is_zero())
    };
    let timeout = duration(&ctx.timeouts.pipeline);
    let (tasks_timeout, finally_timeout) = (
        duration(&ctx.timeouts.tasks),
        duration(&ctx.timeouts.finally),
    );
    let run_object = pipeline_run_object(resources, &info.pipeline, &ctx);
    let state =
        PipelineRunState::with_limits(spec, ctx, options.limits).map_err(|e| e.to_string())?;
    let tmp;
    let root = match &options.workdir {
        Some(dir) => std::path::PathBuf::from(dir),
        None => {
            tmp = std::env::temp_dir().join(format!("pipeline-run-{}", std::process::id()));
            tmp
        }
    };
    let executor = LocalExecutor::new(&root);
    let logs = StdoutLogs;
    let started = unix_nanos_now();
    let outcome = Runner::new(&executor, resources)
        .parallelism(options.parallel)
        .logs(&logs)
        .pipeline_timeout(timeout)
        .tasks_timeout(tasks_timeout)
        .finally_timeout(finally_timeout)
        .run(state, info)
        .map_err(|e| e.to_string())?;
    if output.structured() {
        let tasks: Vec<Value> = outcome
            .tasks
            .iter()
            .map(|t| {
                json!({
                    "name": t.name, "finally": t.finally, "status": t.state.as_str(),
                    "reason": t.reason,
                    "durationSeconds": t.duration.map(|d| d.as_secs_f64()),
                    "messages": t.messages,
                    "results": t.results.iter().map(|(k, v)| (k.clone(), v.to_json())).collect::<Map<String, Value>>(),
                })
            })
            .collect();
        output.value(&json!({
            "name": outcome.name,
            "pipeline": outcome.pipeline,
            "status": outcome.condition.status.as_str(),
            "reason": outcome.condition.reason,
            "message": outcome.condition.message,
            "durationSeconds": outcome.duration.as_secs_f64(),
            "workdir": root.display().to_string(),
            "tasks": tasks,
            "results": outcome.results.iter().map(|(k, v)| (k.clone(), v.to_json())).collect::<Map<String, Value>>(),
        }))?;
        return Ok(if outcome.condition.status.as_str() == "True" {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    // The run as a cluster would hold it, printed as `tkn pipelinerun describe` prints it;
    // where the run happened and what the executor said go to stderr.
    let (pr, task_runs) = outcome_objects(&outcome, &run_object, started);
    let text =
        describe_pipeline_run(&pr, &task_runs, unix_nanos_now()).map_err(|e| e.to_string())?;
    output.text(&text)?;
    eprintln!("Workdir: {}", root.display());
    for t in &outcome.tasks {
        for m in &t.messages {
            eprintln!("{}: {m}", t.name);
        }
        for (k, v) in &t.results {
            eprintln!("{}: result {k} = {v}", t.name);
        }
    }
    Ok(if outcome.condition.status.as_str() == "True" {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The system clock as Unix nanoseconds (the command line is the adapter that reads it).
fn unix_nanos_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

/// The PipelineRun object of a local run: the one in the files (with the command line's
/// params), else one referring to the Pipeline by name.
fn pipeline_run_object(resources: &Resources, pipeline: &str, ctx: &RunContext) -> Value {
    let mut pr = match resources.pipeline_runs.first() {
        Some(pr) => serde_json::to_value(pr).unwrap_or_else(|_| json!({})),
        None => json!({
            "apiVersion": "tekton.dev/v1",
            "kind": "PipelineRun",
            "spec": {"pipelineRef": {"name": pipeline}},
        }),
    };
    if let Some(m) = pr.as_object_mut() {
        let meta = m.entry("metadata").or_insert_with(|| json!({}));
        if let Some(meta) = meta.as_object_mut() {
            meta.insert("name".into(), Value::String(ctx.name.clone()));
            meta.insert("namespace".into(), Value::String(ctx.namespace.clone()));
        }
        let spec = m.entry("spec").or_insert_with(|| json!({}));
        if let Some(spec) = spec.as_object_mut()
            && !ctx.params.is_empty()
        {
            spec.insert(
                "params".into(),
                serde_json::to_value(&ctx.params).unwrap_or(Value::Null),
            );
        }
    }
    pr
}

/// `pipeline describe`: PipelineRuns and TaskRuns from files (objects or Lists).
fn describe_cmd(
    files: &[String],
    name: Option<String>,
    now: Option<String>,
    output: &mut Out,
) -> Outcome {
    let now = match now {
        None => unix_nanos_now(),
        Some(t) => kube_object::time::parse_rfc3339(&t)
            .ok_or_else(|| Fail::Usage(format!("--now {t:?}: want an RFC 3339 time")))?,
    };
    let mut objects = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
        let docs = kube_object::yaml::parse_stream(&text, file).map_err(|e| e.to_string())?;
        for doc in docs {
            match doc.get("items").and_then(Value::as_array) {
                Some(items) if doc.get("kind").and_then(Value::as_str) == Some("List") => {
                    objects.extend(items.iter().cloned());
                }
                _ => objects.push(doc),
            }
        }
    }
    let kind = |v: &Value, k: &str| v.get("kind").and_then(Value::as_str) == Some(k);
    let name_of = |v: &Value| {
        v.pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let runs: Vec<&Value> = objects.iter().filter(|v| kind(v, "PipelineRun")).collect();
    let task_runs: Vec<Value> = objects
        .iter()
        .filter(|v| kind(v, "TaskRun"))
        .cloned()
        .collect();
    let pr = match (&name, runs.as_slice()) {
        (Some(n), _) => runs
            .iter()
            .find(|r| &name_of(r) == n)
            .ok_or_else(|| format!("failed to find pipelinerun {n:?}"))?,
        (None, []) => return Err("no PipelineRuns found".into()),
        (None, [one]) => one,
        (None, several) => {
            let names: Vec<String> = several.iter().map(|r| name_of(r)).collect();
            return Err(Fail::Usage(format!(
                "the files hold {} PipelineRuns ({}): name one with --name",
                names.len(),
                names.join(", ")
            )));
        }
    };
    if output.structured() {
        output.value(pr)?;
        return Ok(ExitCode::SUCCESS);
    }
    let text = describe_pipeline_run(pr, &task_runs, now).map_err(|e| e.to_string())?;
    output.text(&text)?;
    Ok(ExitCode::SUCCESS)
}

fn validate_cmd(resources: &Resources, options: &Options, output: &mut Out) -> Outcome {
    let (mut errors, notes) = validate(resources, &options.limits);
    if options.case_sensitive {
        // Inside embedded specs Tekton's webhook matches names case-insensitively (Go's
        // decoder) and its controller then ignores them: refuse them outright on request.
        errors.extend(
            resources
                .folded_fields
                .iter()
                .map(|f| format!("{f}: not Tekton's spelling (--case-sensitive)")),
        );
    }
    if output.structured() {
        output.value(&json!({"valid": errors.is_empty(), "errors": errors, "notes": notes}))?;
        return Ok(if errors.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    for n in notes {
        eprintln!("note: {n}");
    }
    if errors.is_empty() {
        out!("valid");
        Ok(ExitCode::SUCCESS)
    } else {
        for e in errors {
            out!("{e}");
        }
        Ok(ExitCode::from(1))
    }
}

/// Reads and loads every file into one set of resources.
fn load_files(files: &[&String], output: &mut Out) -> Result<Resources, Fail> {
    let mut all = Resources::default();
    for file in files {
        let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
        match load(file, &text) {
            Ok(r) => all.extend(r),
            Err(e) if output.structured() => {
                output.value(&json!({"valid": false, "errors": [e.to_string()], "notes": []}))?;
                return Err(Fail::Code(1));
            }
            Err(e) => {
                out!("{e}");
                return Err(Fail::Code(1));
            }
        }
    }
    Ok(all)
}
