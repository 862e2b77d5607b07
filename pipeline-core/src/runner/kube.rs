//! [`KubePodExecutor`]: runs each task instance as a Pod through the Kubernetes API
//! (feature `kube`, kube-rs with rustls), built the way Tekton builds a TaskRun's Pod.
//!
//! - One container per step, in order, named `step-NAME` (`step-unnamed-K` for unnamed
//!   steps), with the Task's `stepTemplate` merged in and task-level references
//!   (`$(params.x)`, `$(results.r.path)`, `$(workspaces.w.path)`, `$(context.*)`) already
//!   substituted.
//! - Workspaces are volumes mounted at `/workspace/NAME` (with the binding's `subPath`):
//!   a PersistentVolumeClaim or an `emptyDir`, as bound with
//!   [`KubePodExecutor::workspace`] (unbound pipeline workspaces get an `emptyDir`).
//!   Results are files in `/tekton/results`, an `emptyDir`.
//! - Labels as Tekton's: `tekton.dev/pipelineRun`, `tekton.dev/pipelineTask`,
//!   `tekton.dev/taskRun`, `tekton.dev/pipeline`, `tekton.dev/memberOf`,
//!   `app.kubernetes.io/managed-by: tekton-pipelines`.
//! - Tekton orders steps with its `entrypoint` binary; we have no image of it, so each step
//!   runs under a small `sh` prelude doing the same: wait for the previous step's
//!   `/tekton/run/K/out` (or give up on `out.err`), run, write the declared results as
//!   Tekton's termination message (`[{"key":..,"value":..,"type":1}]`) and mark itself done.
//!   Step images therefore need `/bin/sh`.
//! - Results are read back from the containers' termination messages; a step that exits
//!   non-zero fails the task (unless `onError: continue`); cancellation and the task's
//!   timeout delete the Pod (background propagation).
//! - Logs of each step are fetched from the API when its container terminates and passed
//!   to the [`LogSink`] (printed as `[task : step] line` by [`super::StdoutLogs`]).
//!
//! # Runtime
//! kube-rs is async; [`TaskExecutor::execute`] is called on the runner's worker threads.
//! The executor owns a [`RuntimeThread`] (the workspace's `runtime-thread` crate, shared
//! with gitops-core's `KubeStore`): a current-thread tokio runtime on a dedicated thread
//! (`pipeline-kube`), waited on through a channel for each request: it never calls `block_on`
//! on the caller's thread, so it does not panic inside a tokio runtime (from async code,
//! call it through `spawn_blocking`).

use std::collections::BTreeMap;
use std::future::Future;
use std::path::Path;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams, LogParams, PostParams};
use kube::{Client, Config};
use runtime_thread::RuntimeThread;
use serde_json::{Value, json};

use super::{ExecOutcome, LogSink, TaskExecution, TaskExecutor, TaskJob};
use crate::error::Error;
use crate::limits::DEFAULT_MAX_TASK_BYTES;
use crate::model::{ParamType, ParamValue, Step};
use crate::substitute::{
    Budget, MapLookup, resolve_value_within, substitute_list_within, substitute_within,
};

/// Where results are written inside the Pod.
pub const RESULTS_DIR: &str = "/tekton/results";
/// Where steps leave their "done" markers.
const RUN_DIR: &str = "/tekton/run";
/// Largest termination message the kubelet keeps (4096 bytes per container).
const MAX_MESSAGE: usize = 4096;

/// How a pipeline workspace becomes a Pod volume.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WorkspaceVolume {
    /// An `emptyDir` (lives as long as the Pod).
    EmptyDir,
    /// An existing PersistentVolumeClaim.
    Pvc {
        /// The claim's name.
        claim: String,
    },
}

/// The executor's runtime thread (see the module docs).
struct Bridge(RuntimeThread);

impl Bridge {
    fn new() -> Result<Self, Error> {
        RuntimeThread::new("pipeline-kube")
            .map(Bridge)
            .map_err(|e| Error::Io {
                context: "starting the kube executor's runtime thread".into(),
                source: e,
            })
    }

    fn run<F>(&self, fut: F) -> Result<F::Output, runtime_thread::Stopped>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.0.run(fut)
    }
}

/// Runs task instances as Pods (see the module docs).
pub struct KubePodExecutor {
    bridge: Bridge,
    client: Client,
    namespace: String,
    workspaces: BTreeMap<String, WorkspaceVolume>,
    poll: Duration,
    service_account: Option<String>,
}

impl std::fmt::Debug for KubePodExecutor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KubePodExecutor")
            .field("namespace", &self.namespace)
            .field("workspaces", &self.workspaces)
            .field("poll", &self.poll)
            .finish_non_exhaustive()
    }
}

fn kube_error(context: impl Into<String>, e: impl std::fmt::Display) -> Error {
    Error::Kube {
        context: context.into(),
        message: e.to_string(),
    }
}

/// Lowercase DNS-label form of a name part (Tekton's TaskRun and Pod names).
fn dns(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    out.truncate(63);
    out.trim_matches('-').to_string()
}

/// The TaskRun name Tekton gives an instance: `PIPELINERUN-TASK` (`-N` for matrix
/// instance N).
pub fn taskrun_name(job: &TaskJob) -> String {
    let inst = &job.instance;
    let base = format!("{}-{}", job.run.name, inst.pipeline_task);
    match inst.matrix {
        Some((i, _)) => dns(&format!("{base}-{i}")),
        None => dns(&base),
    }
}

/// The Pod name: `TASKRUN-pod`, `-retryN` for retry N (as Tekton).
pub fn pod_name(job: &TaskJob) -> String {
    let mut n = taskrun_name(job);
    n.truncate(50);
    let n = n.trim_end_matches('-');
    match job.instance.attempt {
        0 => format!("{n}-pod"),
        a => format!("{n}-pod-retry{a}"),
    }
}

/// Sets `key` of a JSON object (nothing on other values).
fn set(obj: &mut Value, key: &str, value: Value) {
    if let Some(m) = obj.as_object_mut() {
        m.insert(key.to_string(), value);
    }
}

fn step_name(step: &Step, k: usize) -> String {
    if step.name.is_empty() {
        format!("unnamed-{k}")
    } else {
        step.name.clone()
    }
}

/// The `sh` prelude of step `k` (see the module docs). `$0` is the step's name; the
/// step's command is `"$@"`, or the script in `$TEKTON_SCRIPT` when there is one.
fn prelude(k: usize, results: &[String], on_error_continue: bool) -> String {
    let mut s = String::new();
    if let Some(prev) = k.checked_sub(1) {
        s.push_str(&format!(
            "while [ ! -e {RUN_DIR}/{prev}/out ]; do if [ -e {RUN_DIR}/{prev}/out.err ]; then \
             mkdir -p {RUN_DIR}/{k}; touch {RUN_DIR}/{k}/out.err; echo 'skipped: a previous step failed' >&2; exit 1; fi; sleep 0.1; done\n"
        ));
    }
    s.push_str(&format!("mkdir -p {RUN_DIR}/{k} {RESULTS_DIR}\n"));
    s.push_str(
        "if [ -n \"${TEKTON_SCRIPT:-}\" ]; then f=/tekton/run/script-$$; printf '%s\\n' \"$TEKTON_SCRIPT\" > \"$f\"; chmod +x \"$f\"; \
         case \"$TEKTON_SCRIPT\" in '#!'*) \"$f\" ;; *) sh -e \"$f\" ;; esac; else \"$@\"; fi\ncode=$?\n",
    );
    // The termination message: Tekton's JSON array of results (type 1).
    s.push_str("m='['; sep=''\n");
    for r in results {
        s.push_str(&format!(
            "if [ -f {RESULTS_DIR}/{r} ]; then v=$(sed -e 's/\\\\/\\\\\\\\/g' -e 's/\"/\\\\\"/g' {RESULTS_DIR}/{r} | awk 'NR>1{{printf \"\\\\n\"}}{{printf \"%s\", $0}}'); \
             m=\"$m$sep{{\\\"key\\\":\\\"{r}\\\",\\\"value\\\":\\\"$v\\\",\\\"type\\\":1}}\"; sep=','; fi\n"
        ));
    }
    s.push_str("printf '%s]' \"$m\" > /dev/termination-log\n");
    if on_error_continue {
        s.push_str(&format!("touch {RUN_DIR}/{k}/out\nexit 0\n"));
    } else {
        s.push_str(&format!(
            "if [ $code -eq 0 ]; then touch {RUN_DIR}/{k}/out; else touch {RUN_DIR}/{k}/out.err; fi\nexit $code\n"
        ));
    }
    s
}

/// Results in a termination message (Tekton's `[{"key","value","type"}]`; entries of type
/// 1, or without a type, are task results).
pub fn parse_termination_message(
    message: &str,
    declared: &[crate::model::TaskResult],
) -> BTreeMap<String, ParamValue> {
    let mut out = BTreeMap::new();
    let Ok(Value::Array(entries)) = serde_json::from_str::<Value>(message) else {
        return out;
    };
    for e in entries {
        let t = e.get("type").and_then(Value::as_u64).unwrap_or(1);
        let (Some(key), Some(value)) = (
            e.get("key").and_then(Value::as_str),
            e.get("value").and_then(Value::as_str),
        ) else {
            continue;
        };
        if t != 1 {
            continue;
        }
        let Some(decl) = declared.iter().find(|r| r.name == key) else {
            continue;
        };
        let v = match decl.result_type {
            Some(ParamType::Array | ParamType::Object) => serde_json::from_str::<Value>(value)
                .ok()
                .and_then(|j| ParamValue::from_json(&j).ok())
                .unwrap_or_else(|| ParamValue::String(value.to_string())),
            _ => ParamValue::String(value.to_string()),
        };
        out.insert(key.to_string(), v);
    }
    out
}

impl KubePodExecutor {
    /// An executor creating Pods in `namespace` of the cluster of a kubeconfig file.
    pub fn from_kubeconfig(path: &Path, namespace: &str) -> Result<Self, Error> {
        let bridge = Bridge::new()?;
        let p = path.to_path_buf();
        let context = format!("kubeconfig {}", path.display());
        let config = bridge
            .run(async move {
                let kc = kube::config::Kubeconfig::read_from(&p).map_err(|e| e.to_string())?;
                Config::from_custom_kubeconfig(kc, &kube::config::KubeConfigOptions::default())
                    .await
                    .map_err(|e| e.to_string())
            })
            .map_err(|e| kube_error(&context, e))?
            .map_err(|e| kube_error(&context, e))?;
        Self::with(bridge, config, namespace)
    }

    /// An executor configured like `kubectl` (`KUBECONFIG`, `~/.kube/config`, or the
    /// in-cluster service account).
    pub fn infer(namespace: &str) -> Result<Self, Error> {
        let bridge = Bridge::new()?;
        let config = bridge
            .run(async { Config::infer().await.map_err(|e| e.to_string()) })
            .map_err(|e| kube_error("kubeconfig", e))?
            .map_err(|e| kube_error("kubeconfig", e))?;
        Self::with(bridge, config, namespace)
    }

    fn with(bridge: Bridge, config: Config, namespace: &str) -> Result<Self, Error> {
        let client = bridge
            .run(async move { Client::try_from(config).map_err(|e| e.to_string()) })
            .map_err(|e| kube_error("client", e))?
            .map_err(|e| kube_error("client", e))?;
        Ok(KubePodExecutor {
            bridge,
            client,
            namespace: namespace.to_string(),
            workspaces: BTreeMap::new(),
            poll: Duration::from_millis(500),
            service_account: None,
        })
    }

    /// Binds pipeline workspace `name` to a volume.
    pub fn workspace(mut self, name: &str, volume: WorkspaceVolume) -> Self {
        self.workspaces.insert(name.to_string(), volume);
        self
    }

    /// How often the Pod is looked at (default 500 ms).
    pub fn poll_interval(mut self, d: Duration) -> Self {
        self.poll = d;
        self
    }

    /// The Pods' `serviceAccountName` (default: the namespace's default).
    pub fn service_account(mut self, name: &str) -> Self {
        self.service_account = Some(name.to_string());
        self
    }

    /// The Pod for `job`, as JSON (what [`TaskExecutor::execute`] creates).
    pub fn build_pod(&self, job: &TaskJob) -> Result<Value, String> {
        let inst = &job.instance;
        let display = inst.display_name();
        let mut budget = Budget::new(DEFAULT_MAX_TASK_BYTES);
        let over = |field: &str, o: crate::substitute::Overflow| {
            format!("task {display:?}: {field}: {o} per task")
        };
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
                    .map_err(|o| over(&format!("params[{name}]"), o))?;
                resolved.push((name.clone(), r));
            }
        }
        lookup.params.extend(resolved);
        for r in &job.task.results {
            lookup.other.insert(
                format!("results.{}.path", r.name),
                format!("{RESULTS_DIR}/{}", r.name),
            );
        }
        let mut volumes = vec![
            json!({"name": "tekton-internal-results", "emptyDir": {}}),
            json!({"name": "tekton-internal-run", "emptyDir": {}}),
        ];
        let mut mounts = vec![
            json!({"name": "tekton-internal-results", "mountPath": RESULTS_DIR}),
            json!({"name": "tekton-internal-run", "mountPath": RUN_DIR}),
        ];
        for w in &job.task.workspaces {
            let binding = inst.workspaces.iter().find(|b| b.name == w.name);
            let path = format!("/workspace/{}", w.name);
            match binding {
                Some(b) => {
                    let target = if b.workspace.is_empty() {
                        &b.name
                    } else {
                        &b.workspace
                    };
                    let vol = format!("ws-{}", dns(&w.name));
                    let source = match self.workspaces.get(target) {
                        Some(WorkspaceVolume::Pvc { claim }) => {
                            json!({"name": vol, "persistentVolumeClaim": {"claimName": claim}})
                        }
                        Some(WorkspaceVolume::EmptyDir) | None => {
                            json!({"name": vol, "emptyDir": {}})
                        }
                    };
                    volumes.push(source);
                    let mut m = json!({"name": vol, "mountPath": path});
                    if !b.sub_path.is_empty() {
                        set(&mut m, "subPath", json!(b.sub_path));
                    }
                    mounts.push(m);
                    lookup
                        .other
                        .insert(format!("workspaces.{}.path", w.name), path);
                }
                None if w.optional => {
                    lookup
                        .other
                        .insert(format!("workspaces.{}.path", w.name), String::new());
                }
                None => {
                    return Err(format!(
                        "task {:?}: workspace {:?} is not bound",
                        inst.pipeline_task, w.name
                    ));
                }
            }
            lookup.other.insert(
                format!("workspaces.{}.bound", w.name),
                binding.is_some().to_string(),
            );
        }
        let taskrun = taskrun_name(job);
        for (k, v) in [
            ("context.taskRun.name", taskrun.clone()),
            ("context.taskRun.namespace", self.namespace.clone()),
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
        let results: Vec<String> = job.task.results.iter().map(|r| r.name.clone()).collect();
        let mut containers = Vec::new();
        for (k, written) in job.task.steps.iter().enumerate() {
            let merged;
            let step = match &job.task.step_template {
                Some(t) => {
                    merged = t.apply(written);
                    &merged
                }
                None => written,
            };
            let name = step_name(step, k);
            let field = |f: &str| format!("steps[{name}].{f}");
            let sub = |s: &str, f: &str, b: &mut Budget| {
                substitute_within(s, &lookup, b).map_err(|o| over(&field(f), o))
            };
            let image = sub(&step.image, "image", &mut budget)?;
            let script = sub(&step.script, "script", &mut budget)?;
            let mut argv = substitute_list_within(&step.command, &lookup, &mut budget)
                .map_err(|o| over(&field("command"), o))?;
            argv.extend(
                substitute_list_within(&step.args, &lookup, &mut budget)
                    .map_err(|o| over(&field("args"), o))?,
            );
            let mut env = Vec::new();
            for e in &step.env {
                env.push(json!({"name": e.name, "value": sub(&e.value, "env", &mut budget)?}));
            }
            if !script.is_empty() {
                env.push(json!({"name": "TEKTON_SCRIPT", "value": script}));
            }
            let mut command = vec![
                "/bin/sh".to_string(),
                "-c".to_string(),
                prelude(k, &results, step.on_error == "continue"),
                format!("step-{name}"),
            ];
            if script.is_empty() {
                command.extend(argv);
            }
            let mut c = json!({
                "name": format!("step-{}", dns(&name)),
                "image": image,
                "command": command,
                "env": env,
                "volumeMounts": mounts.iter().cloned().chain(step.volume_mounts.iter().cloned()).collect::<Vec<_>>(),
                "terminationMessagePath": "/dev/termination-log",
                "terminationMessagePolicy": "File",
            });
            if !step.working_dir.is_empty() {
                let wd = sub(&step.working_dir, "workingDir", &mut budget)?;
                set(&mut c, "workingDir", json!(wd));
            }
            if let Some(r) = &step.compute_resources {
                set(&mut c, "resources", r.clone());
            }
            containers.push(c);
        }
        volumes.extend(job.task.volumes.iter().cloned());
        let mut labels = serde_json::Map::new();
        for (k, v) in [
            (
                "app.kubernetes.io/managed-by",
                "tekton-pipelines".to_string(),
            ),
            ("tekton.dev/pipelineRun", job.run.name.clone()),
            ("tekton.dev/pipeline", job.run.pipeline.clone()),
            ("tekton.dev/pipelineTask", inst.pipeline_task.clone()),
            ("tekton.dev/taskRun", taskrun.clone()),
            (
                "tekton.dev/memberOf",
                if inst.finally { "finally" } else { "tasks" }.to_string(),
            ),
        ] {
            if !v.is_empty() {
                labels.insert(k.to_string(), Value::String(v));
            }
        }
        if let Some(r) = &inst.task_ref {
            labels.insert("tekton.dev/task".into(), Value::String(r.name.clone()));
        }
        let mut spec = json!({
            "restartPolicy": "Never",
            "containers": containers,
            "volumes": volumes,
        });
        if let Some(sa) = &self.service_account {
            set(&mut spec, "serviceAccountName", json!(sa));
        }
        Ok(json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": pod_name(job), "namespace": self.namespace, "labels": labels,
                "annotations": {"pipeline.tekton.dev/release": "gitops-toolkit"}},
            "spec": spec,
        }))
    }

    fn pods(&self) -> Api<Pod> {
        Api::namespaced(self.client.clone(), &self.namespace)
    }

    fn delete_pod(&self, name: &str) {
        let api = self.pods();
        let n = name.to_string();
        let _ = self
            .bridge
            .run(async move { api.delete(&n, &DeleteParams::background()).await });
    }

    fn step_logs(&self, pod: &str, container: &str) -> Option<String> {
        let api = self.pods();
        let lp = LogParams {
            container: Some(container.to_string()),
            limit_bytes: Some(1024 * 1024),
            ..LogParams::default()
        };
        let pod = pod.to_string();
        self.bridge
            .run(async move { api.logs(&pod, &lp).await })
            .ok()?
            .ok()
    }

    fn run_pod(&self, job: &TaskJob, logs: &dyn LogSink, pod: Value) -> TaskExecution {
        let failed = |m: String| TaskExecution {
            outcome: ExecOutcome::Failed(m),
            results: BTreeMap::new(),
        };
        let display = job.instance.display_name();
        let name = pod_name(job);
        let typed: Pod = match serde_json::from_value(pod) {
            Ok(p) => p,
            Err(e) => return failed(format!("task {display:?}: pod: {e}")),
        };
        let api = self.pods();
        let created = self
            .bridge
            .run(async move { api.create(&PostParams::default(), &typed).await });
        match created {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return failed(format!("task {display:?}: creating pod {name}: {e}")),
            Err(e) => return failed(format!("task {display:?}: {e}")),
        }
        let steps: Vec<(String, String, bool)> = job
            .task
            .steps
            .iter()
            .enumerate()
            .map(|(k, s)| {
                let n = step_name(s, k);
                (format!("step-{}", dns(&n)), n, s.on_error == "continue")
            })
            .collect();
        let deadline = job.timeout.map(|t| Instant::now() + t);
        let mut results = BTreeMap::new();
        let mut seen: Vec<bool> = vec![false; steps.len()];
        let mut failure: Option<String> = None;
        loop {
            if job.is_cancelled() {
                self.delete_pod(&name);
                return TaskExecution {
                    outcome: ExecOutcome::Cancelled,
                    results,
                };
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                self.delete_pod(&name);
                return TaskExecution {
                    outcome: ExecOutcome::TimedOut,
                    results,
                };
            }
            let api = self.pods();
            let n = name.clone();
            let got = match self.bridge.run(async move { api.get_opt(&n).await }) {
                Ok(Ok(p)) => p,
                Ok(Err(e)) => return failed(format!("task {display:?}: reading pod {name}: {e}")),
                Err(e) => return failed(format!("task {display:?}: {e}")),
            };
            let Some(pod) = got else {
                return TaskExecution {
                    outcome: ExecOutcome::Failed(format!(
                        "task {display:?}: pod {name} was deleted"
                    )),
                    results,
                };
            };
            let status = pod.status.unwrap_or_default();
            let statuses = status.container_statuses.unwrap_or_default();
            for (k, (container, step, cont)) in steps.iter().enumerate() {
                let Some(term) = statuses
                    .iter()
                    .find(|c| &c.name == container)
                    .and_then(|c| c.state.as_ref())
                    .and_then(|s| s.terminated.as_ref())
                else {
                    continue;
                };
                if seen.get(k).copied().unwrap_or(true) {
                    continue;
                }
                if let Some(s) = seen.get_mut(k) {
                    *s = true;
                }
                if let Some(text) = self.step_logs(&name, container) {
                    for line in text.lines() {
                        logs.line(&display, step, line);
                    }
                }
                if let Some(m) = &term.message {
                    let m = if m.len() > MAX_MESSAGE {
                        ""
                    } else {
                        m.as_str()
                    };
                    results.extend(parse_termination_message(m, &job.task.results));
                }
                if term.exit_code != 0 && !cont && failure.is_none() {
                    failure = Some(format!(
                        "task {display:?}: step {step:?} exited with code {}",
                        term.exit_code
                    ));
                }
            }
            let all_done = seen.iter().all(|s| *s);
            match status.phase.as_deref() {
                Some("Succeeded") if failure.is_none() => {
                    return TaskExecution {
                        outcome: ExecOutcome::Succeeded,
                        results,
                    };
                }
                Some("Failed") | Some("Succeeded") => {
                    let m = failure.unwrap_or_else(|| {
                        let why = status.message.unwrap_or_default();
                        format!("task {display:?}: pod {name} failed: {why}")
                    });
                    return TaskExecution {
                        outcome: ExecOutcome::Failed(m),
                        results,
                    };
                }
                _ if all_done => {
                    return TaskExecution {
                        outcome: match failure {
                            Some(m) => ExecOutcome::Failed(m),
                            None => ExecOutcome::Succeeded,
                        },
                        results,
                    };
                }
                _ => {}
            }
            let poll = self.poll;
            let _ = self.bridge.0.sleep(poll);
        }
    }
}

impl TaskExecutor for KubePodExecutor {
    fn execute(&self, job: &TaskJob, logs: &dyn LogSink) -> TaskExecution {
        match self.build_pod(job) {
            Ok(pod) => self.run_pod(job, logs, pod),
            Err(m) => TaskExecution {
                outcome: ExecOutcome::Failed(m),
                results: BTreeMap::new(),
            },
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::model::TaskResult;

    fn declared(name: &str, t: Option<ParamType>) -> TaskResult {
        TaskResult {
            name: name.into(),
            result_type: t,
            ..TaskResult::default()
        }
    }

    #[test]
    fn termination_messages_give_declared_task_results() {
        // Tekton's entrypoint writes this shape: task results are type 1; type 3 is
        // internal (StartedAt) and not a result.
        let m = r#"[{"key":"digest","value":"sha256:abc","type":1},
                    {"key":"StartedAt","value":"2024-01-01T00:00:00Z","type":3},
                    {"key":"tags","value":"[\"a\",\"b\"]","type":1},
                    {"key":"undeclared","value":"x","type":1}]"#;
        let got = parse_termination_message(
            m,
            &[
                declared("digest", None),
                declared("tags", Some(ParamType::Array)),
            ],
        );
        assert_eq!(got.len(), 2);
        assert_eq!(got["digest"], ParamValue::String("sha256:abc".into()));
        assert_eq!(got["tags"], ParamValue::Array(vec!["a".into(), "b".into()]));
        assert!(parse_termination_message("not json", &[declared("digest", None)]).is_empty());
    }
}
