//! [`LocalExecutor`]: runs each step's `script` with `sh` (or its `#!` interpreter) in a work
//! directory on this machine. `$(results.r.path)` and `$(workspaces.w.path)` point at real
//! directories; results are read back from files like Tekton does.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{ExecOutcome, LogSink, TaskExecution, TaskExecutor, TaskJob};
use crate::model::{ParamType, ParamValue};
use crate::substitute::{MapLookup, resolve_value, substitute, substitute_list};

/// Largest result file read back, in bytes.
pub const MAX_RESULT_BYTES: u64 = 1024 * 1024;

/// Runs steps as local processes. Images are recorded but not pulled.
#[derive(Debug, Clone)]
pub struct LocalExecutor {
    root: PathBuf,
    workspaces: BTreeMap<String, PathBuf>,
    poll: Duration,
}

impl LocalExecutor {
    /// An executor working under `root`: task directories go to `root/tasks/…`, pipeline
    /// workspaces default to `root/workspaces/NAME`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        LocalExecutor {
            root: root.into(),
            workspaces: BTreeMap::new(),
            poll: Duration::from_millis(10),
        }
    }

    /// Binds pipeline workspace `name` to an existing directory.
    pub fn workspace(mut self, name: &str, path: impl Into<PathBuf>) -> Self {
        self.workspaces.insert(name.to_string(), path.into());
        self
    }

    fn workspace_path(&self, name: &str) -> PathBuf {
        self.workspaces
            .get(name)
            .cloned()
            .unwrap_or_else(|| self.root.join("workspaces").join(name))
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
            let _ = child.kill();
            let _ = child.wait();
            return Ok(StepEnd::Cancelled);
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            let _ = child.kill();
            let _ = child.wait();
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

fn read_results(dir: &Path, job: &TaskJob) -> BTreeMap<String, ParamValue> {
    let mut out = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    names.sort();
    for name in names {
        let Ok(file) = std::fs::File::open(dir.join(&name)) else {
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
        let declared = job
            .task
            .results
            .iter()
            .find(|r| r.name == name)
            .and_then(|r| r.result_type);
        let value = match declared {
            Some(ParamType::Array | ParamType::Object) => {
                serde_json::from_str::<serde_json::Value>(&text)
                    .ok()
                    .and_then(|v| ParamValue::from_json(&v).ok())
                    .unwrap_or(ParamValue::String(text))
            }
            _ => ParamValue::String(text),
        };
        out.insert(name, value);
    }
    out
}

impl TaskExecutor for LocalExecutor {
    fn execute(&self, job: &TaskJob, logs: &dyn LogSink) -> TaskExecution {
        let inst = &job.instance;
        let display = inst.display_name();
        let dir = self
            .root
            .join("tasks")
            .join(sanitize(&job.run.name))
            .join(format!("{}-{}", sanitize(&display), inst.attempt));
        let results_dir = dir.join("results");
        let work = dir.join("work");
        for d in [&results_dir, &work, &dir.join("steps"), &dir.join("home")] {
            if let Err(e) = std::fs::create_dir_all(d) {
                return io_fail(&format!("creating {}", d.display()), &e);
            }
        }
        // Task-level references.
        let mut lookup = MapLookup::default();
        for p in &job.task.params {
            if let Some(d) = &p.default {
                lookup.params.insert(p.name.clone(), d.clone());
            }
        }
        for p in &inst.params {
            lookup.params.insert(p.name.clone(), p.value.clone());
        }
        let snapshot = lookup.clone();
        for v in lookup.params.values_mut() {
            *v = resolve_value(v, &snapshot);
        }
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
                    let mut p = self.workspace_path(target);
                    if !b.sub_path.is_empty() {
                        p = p.join(&b.sub_path);
                    }
                    if let Err(e) = std::fs::create_dir_all(&p) {
                        return io_fail(&format!("creating workspace {}", p.display()), &e);
                    }
                    p.display().to_string()
                }
                None if w.optional => String::new(),
                None => {
                    return TaskExecution {
                        outcome: ExecOutcome::Failed(format!(
                            "task {:?}: workspace {:?} is not bound",
                            inst.pipeline_task, w.name
                        )),
                        results: BTreeMap::new(),
                    };
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
        let deadline = job.timeout.map(|t| Instant::now() + t);
        for (k, step) in job.task.steps.iter().enumerate() {
            let step_name = if step.name.is_empty() {
                format!("unnamed-{k}")
            } else {
                step.name.clone()
            };
            if job.is_cancelled() {
                return TaskExecution {
                    outcome: ExecOutcome::Cancelled,
                    results: read_results(&results_dir, job),
                };
            }
            let args = substitute_list(&step.args, &lookup);
            let mut cmd = if !step.script.is_empty() {
                let script = substitute(&step.script, &lookup);
                let file = dir
                    .join("steps")
                    .join(format!("{k}-{}", sanitize(&step_name)));
                if let Err(e) = std::fs::write(&file, &script) {
                    return io_fail(&format!("writing {}", file.display()), &e);
                }
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
            } else if let Some((prog, rest)) = substitute_list(&step.command, &lookup).split_first()
            {
                let mut c = Command::new(prog);
                c.args(rest);
                c
            } else {
                return TaskExecution {
                    outcome: ExecOutcome::Failed(format!(
                        "step {step_name:?} has neither script nor command"
                    )),
                    results: read_results(&results_dir, job),
                };
            };
            cmd.args(&args);
            let wd = substitute(&step.working_dir, &lookup);
            let cwd = if wd.is_empty() {
                default_dir.clone()
            } else {
                dir.join(wd)
            };
            if let Err(e) = std::fs::create_dir_all(&cwd) {
                return io_fail(&format!("creating {}", cwd.display()), &e);
            }
            cmd.current_dir(&cwd)
                .env("HOME", dir.join("home"))
                .stdin(Stdio::null());
            for e in &step.env {
                cmd.env(&e.name, substitute(&e.value, &lookup));
            }
            cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
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
                        results: read_results(&results_dir, job),
                    };
                }
                Ok(StepEnd::TimedOut) => {
                    return TaskExecution {
                        outcome: ExecOutcome::TimedOut,
                        results: read_results(&results_dir, job),
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
                        results: read_results(&results_dir, job),
                    };
                }
            }
        }
        TaskExecution {
            outcome: ExecOutcome::Succeeded,
            results: read_results(&results_dir, job),
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
