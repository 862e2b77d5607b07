//! [`LocalExecutor`]: runs each step's `script` with `sh` (or its `#!` interpreter) in a work
//! directory on this machine. `$(results.r.path)` and `$(workspaces.w.path)` point at real
//! directories; declared results are read back from files like Tekton does.
//!
//! The executor creates and opens files only inside its work directory and the workspace
//! directories bound to it: a `subPath` or `workingDir` that is absolute elsewhere or holds
//! `..`, a workspace name that is not a plain name, and a symbolic link met on the way are
//! refused (the task fails with a message saying which). Task-level substitution is bounded
//! by [`LocalExecutor::max_task_bytes`].

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::confine::{create_dir_within, is_plain_name, regular_file, write_new};
use super::{ExecOutcome, LogSink, TaskExecution, TaskExecutor, TaskJob};
use crate::limits::DEFAULT_MAX_TASK_BYTES;
use crate::model::{ParamType, ParamValue};
use crate::substitute::{
    Budget, MapLookup, Overflow, resolve_value_within, substitute_list_within, substitute_within,
};

/// Largest result file read back, in bytes.
pub const MAX_RESULT_BYTES: u64 = 1024 * 1024;

/// Runs steps as local processes. Images are recorded but not pulled.
#[derive(Debug, Clone)]
pub struct LocalExecutor {
    root: PathBuf,
    workspaces: BTreeMap<String, PathBuf>,
    poll: Duration,
    max_task_bytes: usize,
}

impl LocalExecutor {
    /// An executor working under `root`: task directories go to `root/tasks/…`, pipeline
    /// workspaces default to `root/workspaces/NAME`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        LocalExecutor {
            root: root.into(),
            workspaces: BTreeMap::new(),
            poll: Duration::from_millis(10),
            max_task_bytes: DEFAULT_MAX_TASK_BYTES,
        }
    }

    /// Binds pipeline workspace `name` to a directory (created if missing); the task's
    /// `subPath` is taken inside it.
    pub fn workspace(mut self, name: &str, path: impl Into<PathBuf>) -> Self {
        self.workspaces.insert(name.to_string(), path.into());
        self
    }

    /// Most bytes the task-level substitution of one task may produce: its parameters and
    /// every step's script, command, args, env and working directory together (default
    /// [`DEFAULT_MAX_TASK_BYTES`], 1.5 MiB). Over it the task fails, naming the step field,
    /// the reference and the limit.
    pub fn max_task_bytes(mut self, n: usize) -> Self {
        self.max_task_bytes = n;
        self
    }
}

fn failed(message: String) -> TaskExecution {
    TaskExecution {
        outcome: ExecOutcome::Failed(message),
        results: BTreeMap::new(),
    }
}

fn absolute(p: &Path) -> Result<PathBuf, String> {
    std::path::absolute(p).map_err(|e| format!("{}: {e}", p.display()))
}

/// The base directory for workspace `target` and the path inside it for `sub_path`.
fn workspace_dir(
    exec: &LocalExecutor,
    root: &Path,
    target: &str,
    sub_path: &str,
) -> Result<(PathBuf, PathBuf), String> {
    match exec.workspaces.get(target) {
        Some(bound) => {
            let bound = absolute(bound)?;
            std::fs::create_dir_all(&bound)
                .map_err(|e| format!("creating workspace {}: {e}", bound.display()))?;
            Ok((bound, PathBuf::from(sub_path)))
        }
        None if is_plain_name(target) => {
            let rel = Path::new("workspaces").join(target);
            // An absolute subPath would replace the whole path in `join`: keep it visible so
            // that it is refused as such.
            let rel = if Path::new(sub_path).is_absolute() {
                PathBuf::from(sub_path)
            } else {
                rel.join(sub_path)
            };
            Ok((root.to_path_buf(), rel))
        }
        None => Err(format!(
            "workspace name {target:?} is not a plain name; a directory for it would be outside {}",
            root.display()
        )),
    }
}

fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

fn io_fail(context: &str, e: &std::io::Error) -> TaskExecution {
    TaskExecution {
        outcome: ExecOutcome::Failed(format!("{context}: {e}")),
        results: BTreeMap::new(),
    }
}

enum StepEnd {
    Exited(Option<i32>),
    TimedOut,
    Cancelled,
}

/// Kills a step and, on Unix, its process group (the step leads one, see its spawn).
fn stop(child: &mut Child) {
    #[cfg(unix)]
    {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", child.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn wait(
    child: &mut Child,
    job: &TaskJob,
    deadline: Option<Instant>,
    poll: Duration,
) -> std::io::Result<StepEnd> {
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(StepEnd::Exited(status.code()));
        }
        if job.is_cancelled() {
            stop(child);
            return Ok(StepEnd::Cancelled);
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            stop(child);
            return Ok(StepEnd::TimedOut);
        }
        std::thread::sleep(poll);
    }
}

fn stream(reader: impl Read, logs: &dyn LogSink, task: &str, step: &str) {
    let mut r = BufReader::new(reader);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match r.read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                let line = String::from_utf8_lossy(&buf);
                logs.line(task, step, line.trim_end_matches(['\n', '\r']));
            }
        }
    }
}

/// The declared results the steps wrote (each at most [`MAX_RESULT_BYTES`]; symbolic links
/// and other non-regular files are not read).
fn read_results(dir: &Path, job: &TaskJob) -> BTreeMap<String, ParamValue> {
    let mut out = BTreeMap::new();
    for result in &job.task.results {
        let name = &result.name;
        let Some(path) = regular_file(dir, name) else {
            continue;
        };
        let Ok(file) = std::fs::File::open(path) else {
            continue;
        };
        let mut text = String::new();
        if file
            .take(MAX_RESULT_BYTES)
            .read_to_string(&mut text)
            .is_err()
        {
            continue;
        }
        let value = match result.result_type {
            Some(ParamType::Array | ParamType::Object) => {
                serde_json::from_str::<serde_json::Value>(&text)
                    .ok()
                    .and_then(|v| ParamValue::from_json(&v).ok())
                    .unwrap_or(ParamValue::String(text))
            }
            _ => ParamValue::String(text),
        };
        out.insert(name.clone(), value);
    }
    out
}

impl TaskExecutor for LocalExecutor {
    fn execute(&self, job: &TaskJob, logs: &dyn LogSink) -> TaskExecution {
        match self.prepare(job) {
            Ok(prepared) => self.run_steps(job, logs, prepared),
            Err(message) => failed(message),
        }
    }
}

/// A task's directories and its task-level lookup, ready for the steps.
struct Prepared {
    root: PathBuf,
    dir: PathBuf,
    results_dir: PathBuf,
    default_dir: PathBuf,
    lookup: MapLookup,
    budget: Budget,
}

impl LocalExecutor {
    fn over(&self, display: &str, field: &str, o: &Overflow) -> String {
        format!("task {display:?}: {field}: {o} per task")
    }

    fn prepare(&self, job: &TaskJob) -> Result<Prepared, String> {
        let inst = &job.instance;
        let display = inst.display_name();
        let root = absolute(&self.root)?;
        std::fs::create_dir_all(&root).map_err(|e| format!("creating {}: {e}", root.display()))?;
        let task_dir = Path::new("tasks")
            .join(sanitize(&job.run.name))
            .join(format!("{}-{}", sanitize(&display), inst.attempt));
        let dir = create_dir_within("task directory", &root, &task_dir)?;
        for d in ["results", "work", "steps", "home"] {
            create_dir_within("task directory", &dir, Path::new(d))?;
        }
        let results_dir = dir.join("results");
        let work = dir.join("work");
        // Task-level references, within the task's budget.
        let mut budget = Budget::new(self.max_task_bytes);
        let mut lookup = MapLookup::default();
        for p in &job.task.params {
            if let Some(d) = &p.default {
                lookup.params.insert(p.name.clone(), d.clone());
            }
        }
        for p in &inst.params {
            lookup.params.insert(p.name.clone(), p.value.clone());
        }
        let mut resolved = Vec::new();
        for (name, v) in &lookup.params {
            if v.strings().iter().any(|s| s.contains("$(")) {
                let r = resolve_value_within(v, &lookup, &mut budget)
                    .map_err(|o| self.over(&display, &format!("params[{name}]"), &o))?;
                resolved.push((name.clone(), r));
            }
        }
        lookup.params.extend(resolved);
        for r in &job.task.results {
            lookup.other.insert(
                format!("results.{}.path", r.name),
                results_dir.join(&r.name).display().to_string(),
            );
        }
        let mut default_dir = work.clone();
        for w in &job.task.workspaces {
            let binding = inst.workspaces.iter().find(|b| b.name == w.name);
            let bound = binding.is_some();
            let path = match binding {
                Some(b) => {
                    let target = if b.workspace.is_empty() {
                        &b.name
                    } else {
                        &b.workspace
                    };
                    let (base, rel) = workspace_dir(self, &root, target, &b.sub_path)
                        .map_err(|e| format!("task {display:?}: {e}"))?;
                    let what = format!("workspace {:?} subPath", w.name);
                    let p = create_dir_within(&what, &base, &rel)
                        .map_err(|e| format!("task {display:?}: {e}"))?;
                    p.display().to_string()
                }
                None if w.optional => String::new(),
                None => {
                    return Err(format!(
                        "task {:?}: workspace {:?} is not bound",
                        inst.pipeline_task, w.name
                    ));
                }
            };
            if bound && default_dir == work {
                default_dir = PathBuf::from(&path);
            }
            lookup
                .other
                .insert(format!("workspaces.{}.path", w.name), path);
            lookup
                .other
                .insert(format!("workspaces.{}.bound", w.name), bound.to_string());
        }
        let taskrun = format!("{}-{}", job.run.name, sanitize(&display));
        for (k, v) in [
            ("context.taskRun.name", taskrun.clone()),
            ("context.taskRun.namespace", job.run.namespace.clone()),
            ("context.taskRun.uid", job.run.uid.clone()),
            (
                "context.task.name",
                inst.task_ref
                    .as_ref()
                    .map(|r| r.name.clone())
                    .unwrap_or_else(|| taskrun.clone()),
            ),
            ("context.task.retry-count", inst.attempt.to_string()),
            ("context.pipelineRun.name", job.run.name.clone()),
            ("context.pipelineRun.namespace", job.run.namespace.clone()),
            ("context.pipelineRun.uid", job.run.uid.clone()),
            ("context.pipeline.name", job.run.pipeline.clone()),
        ] {
            lookup.other.insert(k.to_string(), v);
        }
        Ok(Prepared {
            root,
            dir,
            results_dir,
            default_dir,
            lookup,
            budget,
        })
    }

    /// The directory a step runs in: its `workingDir` (relative to the task's directory, or
    /// absolute inside the work directory or a bound workspace), created if missing.
    fn step_dir(&self, p: &Prepared, step: &str, wd: &str) -> Result<PathBuf, String> {
        let what = format!("step {step:?} workingDir");
        if wd.is_empty() {
            return Ok(p.default_dir.clone());
        }
        let wdp = Path::new(wd);
        if !wdp.is_absolute() {
            return create_dir_within(&what, &p.dir, wdp);
        }
        let mut bases = vec![p.root.clone()];
        for b in self.workspaces.values() {
            bases.push(absolute(b)?);
        }
        for base in &bases {
            if let Ok(rel) = wdp.strip_prefix(base) {
                return create_dir_within(&what, base, rel);
            }
        }
        Err(format!(
            "{what} {wd:?} is outside the work directory {} and the bound workspaces",
            p.root.display()
        ))
    }

    fn run_steps(&self, job: &TaskJob, logs: &dyn LogSink, prepared: Prepared) -> TaskExecution {
        let inst = &job.instance;
        let display = inst.display_name();
        let mut budget = prepared.budget.clone();
        let lookup = &prepared.lookup;
        let dir = &prepared.dir;
        let results_dir = &prepared.results_dir;
        let deadline = job.timeout.map(|t| Instant::now() + t);
        for (k, written) in job.task.steps.iter().enumerate() {
            // Tekton runs each step merged with the Task's stepTemplate.
            let merged;
            let step = match &job.task.step_template {
                Some(t) => {
                    merged = t.apply(written);
                    &merged
                }
                None => written,
            };
            let step_name = if step.name.is_empty() {
                format!("unnamed-{k}")
            } else {
                step.name.clone()
            };
            if job.is_cancelled() {
                return TaskExecution {
                    outcome: ExecOutcome::Cancelled,
                    results: read_results(results_dir, job),
                };
            }
            let field = |f: &str| format!("steps[{k}].{f}");
            let args = match substitute_list_within(&step.args, lookup, &mut budget) {
                Ok(a) => a,
                Err(o) => return failed(self.over(&display, &field("args"), &o)),
            };
            let mut cmd = if !step.script.is_empty() {
                let script = match substitute_within(&step.script, lookup, &mut budget) {
                    Ok(s) => s,
                    Err(o) => return failed(self.over(&display, &field("script"), &o)),
                };
                let name = format!("{k}-{}", sanitize(&step_name));
                let file = match write_new(&dir.join("steps"), &name, script.as_bytes()) {
                    Ok(f) => f,
                    Err(e) => return failed(format!("task {display:?}: {e}")),
                };
                let mut c = match script.strip_prefix("#!").and_then(|s| s.lines().next()) {
                    Some(line) => {
                        let mut parts = line.split_whitespace();
                        let mut c = Command::new(parts.next().unwrap_or("sh"));
                        c.args(parts);
                        c
                    }
                    None => {
                        let mut c = Command::new("sh");
                        c.arg("-e");
                        c
                    }
                };
                c.arg(&file);
                c
            } else if let Some((prog, rest)) =
                match substitute_list_within(&step.command, lookup, &mut budget) {
                    Ok(c) => c,
                    Err(o) => return failed(self.over(&display, &field("command"), &o)),
                }
                .split_first()
            {
                let mut c = Command::new(prog);
                c.args(rest);
                c
            } else {
                let why = match &step.step_ref {
                    Some(r) if !r.resolver.is_empty() => format!(
                        "step {step_name:?} refers to a StepAction through the {} resolver, which the local executor does not resolve",
                        r.resolver
                    ),
                    Some(r) => format!(
                        "step {step_name:?} refers to StepAction {:?}, which the local executor does not resolve",
                        r.name
                    ),
                    None => format!(
                        "step {step_name:?} has neither script nor command: it runs the entrypoint of image {:?}, which the local executor cannot",
                        step.image
                    ),
                };
                return TaskExecution {
                    outcome: ExecOutcome::Failed(why),
                    results: read_results(results_dir, job),
                };
            };
            cmd.args(&args);
            let wd = match substitute_within(&step.working_dir, lookup, &mut budget) {
                Ok(w) => w,
                Err(o) => return failed(self.over(&display, &field("workingDir"), &o)),
            };
            let cwd = match self.step_dir(&prepared, &step_name, &wd) {
                Ok(c) => c,
                Err(e) => return failed(format!("task {display:?}: {e}")),
            };
            cmd.current_dir(&cwd)
                .env("HOME", dir.join("home"))
                .stdin(Stdio::null());
            for e in &step.env {
                match substitute_within(&e.value, lookup, &mut budget) {
                    Ok(v) => cmd.env(&e.name, v),
                    Err(o) => {
                        return failed(self.over(
                            &display,
                            &field(&format!("env[{}]", e.name)),
                            &o,
                        ));
                    }
                };
            }
            cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
            // Its own process group, so that stopping the step stops what it started too
            // (a `sleep` holding the output pipes open would otherwise outlive it).
            #[cfg(unix)]
            std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
            let mut child = match cmd.spawn() {
                Ok(c) => c,
                Err(e) => {
                    return io_fail(
                        &format!("step {step_name:?}: starting {:?}", cmd.get_program()),
                        &e,
                    );
                }
            };
            let out = child.stdout.take();
            let err = child.stderr.take();
            let end = std::thread::scope(|s| {
                if let Some(o) = out {
                    let n = &step_name;
                    let d = &display;
                    s.spawn(move || stream(o, logs, d, n));
                }
                if let Some(e) = err {
                    let n = &step_name;
                    let d = &display;
                    s.spawn(move || stream(e, logs, d, n));
                }
                wait(&mut child, job, deadline, self.poll)
            });
            match end {
                Err(e) => return io_fail(&format!("step {step_name:?}: waiting"), &e),
                Ok(StepEnd::Cancelled) => {
                    return TaskExecution {
                        outcome: ExecOutcome::Cancelled,
                        results: read_results(results_dir, job),
                    };
                }
                Ok(StepEnd::TimedOut) => {
                    return TaskExecution {
                        outcome: ExecOutcome::TimedOut,
                        results: read_results(results_dir, job),
                    };
                }
                Ok(StepEnd::Exited(Some(0))) => {}
                Ok(StepEnd::Exited(code)) => {
                    if step.on_error == "continue" {
                        continue;
                    }
                    let code = code.map_or("a signal".to_string(), |c| format!("code {c}"));
                    return TaskExecution {
                        outcome: ExecOutcome::Failed(format!(
                            "task {display:?}: step {step_name:?} exited with {code}"
                        )),
                        results: read_results(results_dir, job),
                    };
                }
            }
        }
        TaskExecution {
            outcome: ExecOutcome::Succeeded,
            results: read_results(results_dir, job),
        }
    }
}

/// Lets a [`Lookup`] built elsewhere be used by tests of this module.
#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::model::{PipelineSpec, Resources};
    use crate::run::{PipelineRunState, RunContext, TaskState};
    use crate::runner::{RunInfo, Runner};

    #[derive(Default)]
    struct Collect(Mutex<Vec<String>>);
    impl LogSink for Collect {
        fn line(&self, task: &str, step: &str, line: &str) {
            self.0
                .lock()
                .unwrap()
                .push(format!("[{task} : {step}] {line}"));
        }
    }

    #[test]
    fn runs_scripts_passes_results_and_streams_logs() {
        let yaml = r#"
apiVersion: tekton.dev/v1
kind: Task
metadata: {name: produce}
spec:
  params: [{name: word, default: hello}]
  results: [{name: out}]
  workspaces: [{name: src}]
  steps:
  - name: write
    image: alpine
    script: |
      echo "writing $(params.word)"
      printf '%s' "$(params.word)-done" > $(results.out.path)
      echo shared > $(workspaces.src.path)/file
---
apiVersion: tekton.dev/v1
kind: Task
metadata: {name: consume}
spec:
  params: [{name: input}]
  workspaces: [{name: src}]
  steps:
  - name: read
    image: alpine
    script: |
      echo "got $(params.input) and $(cat $(workspaces.src.path)/file)"
      test "$(params.input)" = "hi-done"
---
apiVersion: tekton.dev/v1
kind: Task
metadata: {name: boom}
spec:
  steps:
  - {name: fail, image: alpine, script: "exit 3"}
"#;
        let resources = crate::model::load("t.yaml", yaml).unwrap();
        let spec: PipelineSpec = serde_json::from_str(
            r#"{"workspaces":[{"name":"shared"}],"tasks":[
              {"name":"a","taskRef":{"name":"produce"},"params":[{"name":"word","value":"hi"}],"workspaces":[{"name":"src","workspace":"shared"}]},
              {"name":"b","taskRef":{"name":"consume"},"params":[{"name":"input","value":"$(tasks.a.results.out)"}],"workspaces":[{"name":"src","workspace":"shared"}]}
            ],"finally":[{"name":"c","taskRef":{"name":"boom"}}]}"#,
        )
        .unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let exec = LocalExecutor::new(tmp.path());
        let logs = Collect::default();
        let catalogue: &Resources = &resources;
        let state = PipelineRunState::new(&spec, RunContext::named("r1", "p")).unwrap();
        let info = RunInfo {
            name: "r1".into(),
            pipeline: "p".into(),
            ..RunInfo::default()
        };
        let out = Runner::new(&exec, catalogue)
            .logs(&logs)
            .parallelism(2)
            .run(state, info)
            .unwrap();
        let a = out.task("a").unwrap();
        assert_eq!(a.state, TaskState::Succeeded);
        assert_eq!(
            a.results.get("out"),
            Some(&ParamValue::String("hi-done".into()))
        );
        assert_eq!(
            out.task("b").unwrap().state,
            TaskState::Succeeded,
            "{out:?}"
        );
        assert_eq!(out.task("c").unwrap().state, TaskState::Failed);
        assert_eq!(out.condition.reason, "Failed");
        let lines = logs.0.lock().unwrap().clone();
        assert!(
            lines.contains(&"[a : write] writing hi".to_string()),
            "{lines:?}"
        );
        assert!(
            lines.contains(&"[b : read] got hi-done and shared".to_string()),
            "{lines:?}"
        );
    }
}
