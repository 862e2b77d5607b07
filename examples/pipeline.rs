//! Tekton pipelines without a cluster: validate, simulate or run a Pipeline.
//!
//! ```text
//! pipeline validate FILE
//! pipeline simulate FILE [--param K=V]... [--fail TASK]... [--result TASK.NAME=VALUE]...
//! pipeline run FILE [--param K=V]... [--workdir DIR] [--parallel N]
//! ```
//!
//! FILE is a YAML stream holding a Pipeline, its Tasks and optionally a PipelineRun
//! (`tekton.dev/v1` or `v1beta1`). `validate` prints `valid` or one error per line (exit 1).
//! `simulate` drives the run state machine with a simulated executor (every task succeeds
//! unless `--fail` names it) and prints one JSON object. `run` executes each step's script
//! with `sh` in a work directory, streaming `[task : step]` logs, and prints a summary.

use std::collections::BTreeMap;
use std::process::ExitCode;

use gitops_toolkit::pipeline::runner::{RunInfo, StdoutLogs, parse_duration};
use gitops_toolkit::pipeline::simulate::{SimOutcome, simulate};
use gitops_toolkit::pipeline::validate::{pipeline_errors, task_param_errors};
use gitops_toolkit::pipeline::{
    Error, LocalExecutor, Param, ParamType, ParamValue, PipelineRunState, PipelineSpec, Resources,
    RunContext, Runner, TaskState, load,
};
use serde_json::{Map, Value, json};

const USAGE: &str = "usage: pipeline validate FILE
       pipeline simulate FILE [--param K=V]... [--fail TASK]... [--result TASK.NAME=VALUE]...
       pipeline run FILE [--param K=V]... [--workdir DIR] [--parallel N]";

#[derive(Default)]
struct Options {
    params: Vec<(String, String)>,
    fail: Vec<String>,
    results: BTreeMap<String, BTreeMap<String, ParamValue>>,
    workdir: Option<String>,
    parallel: usize,
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
                    .insert(name.to_string(), ParamValue::String(val.to_string()));
            }
            "--workdir" => o.workdir = Some(value()?),
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
                (None, Some(r)) => {
                    let p = resources.pipeline(&r.name).ok_or_else(|| {
                        format!(
                            "pipelinerun {:?}: pipeline {:?} not found",
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

fn validate(resources: &Resources) -> Vec<String> {
    let mut errors = Vec::new();
    let mut specs: Vec<(String, &PipelineSpec)> = resources
        .pipelines
        .iter()
        .map(|p| (p.metadata.name.clone(), &p.spec))
        .collect();
    for pr in &resources.pipeline_runs {
        if let Some(spec) = &pr.spec.pipeline_spec {
            specs.push((pr.metadata.name.clone(), spec));
        }
        if let Some(r) = &pr.spec.pipeline_ref
            && resources.pipeline(&r.name).is_none()
        {
            errors.push(format!(
                "pipelinerun {:?}: pipeline {:?} not found",
                pr.metadata.name, r.name
            ));
        }
    }
    if specs.is_empty() {
        errors.push("no Pipeline in the file".to_string());
    }
    for (name, spec) in specs {
        errors.extend(pipeline_errors(&name, spec).iter().map(ToString::to_string));
        for pt in spec.tasks.iter().chain(&spec.finally) {
            let task = pt
                .task_ref
                .as_ref()
                .and_then(|r| resources.task(&r.name))
                .map(|t| &t.spec);
            if let Some(task) = task.or(pt.task_spec.as_ref()) {
                errors.extend(
                    task_param_errors(&name, pt, task)
                        .iter()
                        .map(ToString::to_string),
                );
            }
        }
    }
    errors
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

fn simulate_cmd(resources: &Resources, options: &Options) -> Result<ExitCode, String> {
    let (_, spec, ctx) = select(resources, options)?;
    let state = match PipelineRunState::new(&spec, ctx) {
        Ok(s) => s,
        Err(e) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&rejected(&e)).map_err(|e| e.to_string())?
            );
            return Ok(ExitCode::from(1));
        }
    };
    let sim = simulate(state, None, |inst| {
        if options.fail.contains(&inst.pipeline_task) {
            Some(SimOutcome::Failed)
        } else {
            Some(SimOutcome::Succeeded(
                options
                    .results
                    .get(&inst.pipeline_task)
                    .cloned()
                    .unwrap_or_default(),
            ))
        }
    });
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
    println!(
        "{}",
        serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?
    );
    Ok(ExitCode::SUCCESS)
}

fn fmt_duration(d: Option<std::time::Duration>) -> String {
    d.map_or("---".to_string(), |d| format!("{:.2}s", d.as_secs_f64()))
}

fn run_cmd(resources: &Resources, options: &Options) -> Result<ExitCode, String> {
    let (pipeline, spec, ctx) = select(resources, options)?;
    let info = RunInfo {
        name: ctx.name.clone(),
        namespace: ctx.namespace.clone(),
        uid: ctx.uid.clone(),
        pipeline,
    };
    let timeout = ctx
        .timeouts
        .pipeline
        .as_deref()
        .and_then(|t| parse_duration(t).ok())
        .filter(|d| !d.is_zero());
    let state = PipelineRunState::new(&spec, ctx).map_err(|e| e.to_string())?;
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
        .run(state, info)
        .map_err(|e| e.to_string())?;
    println!();
    println!("Name:      {}", outcome.name);
    println!("Pipeline:  {}", outcome.pipeline);
    println!(
        "Status:    {} ({})",
        outcome.condition.reason, outcome.condition.message
    );
    println!("Duration:  {}", fmt_duration(Some(outcome.duration)));
    println!("Workdir:   {}", root.display());
    println!();
    println!("{:<24} {:<10} {:<10} REASON", "TASK", "STATUS", "DURATION");
    for t in &outcome.tasks {
        let name = if t.finally {
            format!("{} (finally)", t.name)
        } else {
            t.name.clone()
        };
        println!(
            "{:<24} {:<10} {:<10} {}",
            name,
            t.state.as_str(),
            fmt_duration(t.duration),
            t.reason
        );
        for m in &t.messages {
            println!("{:<24} {m}", "");
        }
        for (k, v) in &t.results {
            println!("{:<24} result {k} = {v}", "");
        }
    }
    for (k, v) in &outcome.results {
        println!("pipeline result {k} = {v}");
    }
    Ok(if outcome.condition.status.as_str() == "True" {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(cmd), Some(file)) = (args.first(), args.get(1)) else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let options = match parse_options(args.get(2..).unwrap_or(&[])) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{file}: {e}");
            return ExitCode::from(1);
        }
    };
    let resources = match load(file, &text) {
        Ok(r) => r,
        Err(e) => {
            println!("{e}");
            return ExitCode::from(1);
        }
    };
    let result = match cmd.as_str() {
        "validate" => {
            let errors = validate(&resources);
            if errors.is_empty() {
                println!("valid");
                Ok(ExitCode::SUCCESS)
            } else {
                for e in errors {
                    println!("{e}");
                }
                Ok(ExitCode::from(1))
            }
        }
        "simulate" => simulate_cmd(&resources, &options),
        "run" => run_cmd(&resources, &options),
        other => Err(format!("unknown command {other:?}\n{USAGE}")),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(1)
        }
    }
}
