//! Tekton pipelines without a cluster: validate, simulate or run a Pipeline.
//!
//! ```text
//! pipeline validate FILE... [--case-sensitive] [FLAGS]
//! pipeline simulate FILE... [--param K=V]... [--fail TASK]... [--result TASK.NAME=VALUE]... [--no-results] [FLAGS]
//! pipeline run FILE... [--param K=V]... [--workdir DIR] [--parallel N] [FLAGS]
//! FLAGS: [--enable-cel-in-when] [--enable-api-fields alpha|beta]
//! ```
//!
//! `--enable-cel-in-when` and `--enable-api-fields alpha` mirror Tekton's feature flags
//! `enable-cel-in-whenexpression` and `enable-api-fields` (CEL `when`; pipelines in
//! pipelines, which `run` executes as child runs); both are off by default, as in Tekton.
//!
//! FILE is a YAML stream of Tekton objects (`tekton.dev/v1` or `v1beta1`): Pipelines, Tasks,
//! PipelineRuns, TaskRuns, StepActions, CustomRuns; documents of other kinds (a PVC, a
//! Secret ...) are skipped with a note on stderr. `validate` checks every Tekton document of
//! every FILE by its kind and prints `valid` or one error per line (exit 1); references the
//! files do not resolve (a Task in the cluster, a resolver) are notes, not errors. Unknown
//! fields are errors; inside a `taskSpec` or `pipelineSpec`, a name in another letter case
//! (`mountpath`) is accepted and ignored as in Tekton, with a note; `--case-sensitive` makes
//! it an error.
//! `simulate` drives the run state machine with a simulated executor (every task succeeds
//! unless `--fail` names it, emitting a placeholder for each result its Task declares, or
//! that the Pipeline uses when the Task is not in the files, unless `--no-results`; `--result` sets one, read as its declared type) and prints one JSON object. `run` executes each step's script
//! with `sh` in a work directory, streaming `[task : step]` logs, and prints a summary.

use std::collections::BTreeMap;
use std::process::ExitCode;

use gitops_toolkit::pipeline::runner::{RunInfo, StdoutLogs, parse_duration};
use gitops_toolkit::pipeline::simulate::{
    SimOutcome, placeholder_results, referenced_placeholder_results, simulate,
};
use gitops_toolkit::pipeline::validate::{resource_errors_with_limits, unresolved_references};
use gitops_toolkit::pipeline::{
    Error, Limits, LocalExecutor, Param, ParamType, ParamValue, PipelineRunState, PipelineSpec,
    Resources, RunContext, Runner, TaskState, load,
};
use serde_json::{Map, Value, json};
use std::io::Write as _;

/// Why a command stopped early.
enum Failure {
    /// A message for stderr (exit 1).
    Message(String),
    /// Writing to stdout failed; a closed pipe (`| head`) ends the tool quietly.
    Output(std::io::Error),
    /// The problem is already printed (exit 1).
    Invalid,
}

impl From<String> for Failure {
    fn from(m: String) -> Self {
        Failure::Message(m)
    }
}

impl From<&str> for Failure {
    fn from(m: &str) -> Self {
        Failure::Message(m.to_string())
    }
}

/// `println!` that reports a failed write (a closed pipe) instead of panicking.
macro_rules! out {
    ($($t:tt)*) => {
        if let Err(e) = writeln!(std::io::stdout().lock(), $($t)*) {
            return Err(Failure::Output(e));
        }
    };
}

const USAGE: &str = "usage: pipeline validate FILE... [--case-sensitive] [FLAGS]
       pipeline simulate FILE... [--param K=V]... [--fail TASK]... [--result TASK.NAME=VALUE]... [--no-results] [FLAGS]
       pipeline run FILE... [--param K=V]... [--workdir DIR] [--parallel N] [FLAGS]
FLAGS: [--enable-cel-in-when] [--enable-api-fields alpha|beta]";

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

fn parse_options(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        parallel: 4,
        ..Options::default()
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--param" => {
                let v = value()?;
                let (k, val) = v
                    .split_once('=')
                    .ok_or_else(|| format!("--param {v}: want K=V"))?;
                o.params.push((k.to_string(), val.to_string()));
            }
            "--fail" => o.fail.push(value()?),
            "--result" => {
                let v = value()?;
                let (key, val) = v
                    .split_once('=')
                    .ok_or_else(|| format!("--result {v}: want TASK.NAME=VALUE"))?;
                let (task, name) = key
                    .split_once('.')
                    .ok_or_else(|| format!("--result {v}: want TASK.NAME=VALUE"))?;
                o.results
                    .entry(task.to_string())
                    .or_default()
                    .insert(name.to_string(), val.to_string());
            }
            "--no-results" => o.no_results = true,
            "--case-sensitive" => o.case_sensitive = true,
            "--workdir" => o.workdir = Some(value()?),
            "--enable-cel-in-when" => o.limits.enable_cel_in_when = true,
            "--enable-api-fields" => match value()?.as_str() {
                "alpha" => o.limits.enable_alpha_api = true,
                "beta" | "stable" => o.limits.enable_alpha_api = false,
                other => {
                    return Err(format!(
                        "--enable-api-fields {other:?}: want alpha, beta or stable"
                    ));
                }
            },
            "--parallel" => {
                o.parallel = value()?.parse().map_err(|e| format!("--parallel: {e}"))?
            }
            other => return Err(format!("unknown option {other:?}\n{USAGE}")),
        }
    }
    Ok(o)
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
            let value = ParamValue::from_json(&json)?;
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

fn simulate_cmd(resources: &Resources, options: &Options) -> Result<ExitCode, Failure> {
    let (_, spec, ctx) = select(resources, options)?;
    let state = match PipelineRunState::with_limits(spec.clone(), ctx, options.limits) {
        Ok(s) => s,
        Err(e) => {
            out!(
                "{}",
                serde_json::to_string_pretty(&rejected(&e)).map_err(|e| e.to_string())?
            );
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
        return Err(Failure::Message(e));
    }
    let cond = sim.state.condition();
    let mut tasks = Map::new();
    for s in sim.state.task_statuses() {
        let mut t = Map::new();
        t.insert("status".into(), json!(s.state.as_str()));
        if s.state == TaskState::Skipped || (s.state == TaskState::NotRun && !s.reason.is_empty()) {
            t.insert("reason".into(), json!(s.reason));
        }
        let pt = spec
            .tasks
            .iter()
            .chain(&spec.finally)
            .find(|p| p.name == s.name);
        if pt.is_some_and(|p| p.is_matrixed()) {
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
    out!(
        "{}",
        serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?
    );
    Ok(ExitCode::SUCCESS)
}

fn fmt_duration(d: Option<std::time::Duration>) -> String {
    d.map_or("---".to_string(), |d| format!("{:.2}s", d.as_secs_f64()))
}

fn run_cmd(resources: &Resources, options: &Options) -> Result<ExitCode, Failure> {
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
    let outcome = Runner::new(&executor, resources)
        .parallelism(options.parallel)
        .logs(&logs)
        .pipeline_timeout(timeout)
        .tasks_timeout(tasks_timeout)
        .finally_timeout(finally_timeout)
        .run(state, info)
        .map_err(|e| e.to_string())?;
    out!("");
    out!("Name:      {}", outcome.name);
    out!("Pipeline:  {}", outcome.pipeline);
    out!(
        "Status:    {} ({})",
        outcome.condition.reason,
        outcome.condition.message
    );
    out!("Duration:  {}", fmt_duration(Some(outcome.duration)));
    out!("Workdir:   {}", root.display());
    out!("");
    out!("{:<24} {:<10} {:<10} REASON", "TASK", "STATUS", "DURATION");
    for t in &outcome.tasks {
        let name = if t.finally {
            format!("{} (finally)", t.name)
        } else {
            t.name.clone()
        };
        out!(
            "{:<24} {:<10} {:<10} {}",
            name,
            t.state.as_str(),
            fmt_duration(t.duration),
            t.reason
        );
        for m in &t.messages {
            out!("{:<24} {m}", "");
        }
        for (k, v) in &t.results {
            out!("{:<24} result {k} = {v}", "");
        }
    }
    for (k, v) in &outcome.results {
        out!("pipeline result {k} = {v}");
    }
    Ok(if outcome.condition.status.as_str() == "True" {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn validate_cmd(resources: &Resources, options: &Options) -> Result<ExitCode, Failure> {
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
fn load_files(files: &[&String]) -> Result<Resources, Failure> {
    let mut all = Resources::default();
    for file in files {
        let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
        match load(file, &text) {
            Ok(r) => all.extend(r),
            Err(e) => {
                out!("{e}");
                return Err(Failure::Invalid);
            }
        }
    }
    Ok(all)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(cmd), Some(_)) = (args.first(), args.get(1)) else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    // Every command takes several files (read as one stream, so references between them
    // resolve), then options.
    let rest = args.get(1..).unwrap_or(&[]);
    let n_files = rest.iter().take_while(|a| !a.starts_with("--")).count();
    let (files, flags) = rest.split_at(n_files);
    let files: Vec<&String> = files.iter().collect();
    let options = match parse_options(flags) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let result = load_files(&files).and_then(|resources| match cmd.as_str() {
        "validate" => validate_cmd(&resources, &options),
        "simulate" => simulate_cmd(&resources, &options),
        "run" => run_cmd(&resources, &options),
        other => Err(Failure::Message(format!(
            "unknown command {other:?}\n{USAGE}"
        ))),
    });
    match result {
        Ok(code) => code,
        Err(Failure::Invalid) => ExitCode::from(1),
        Err(Failure::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Failure::Output(e)) => {
            eprintln!("stdout: {e}");
            ExitCode::from(1)
        }
        Err(Failure::Message(e)) => {
            eprintln!("{e}");
            ExitCode::from(1)
        }
    }
}
