//! KubePodExecutor against a real kube-apiserver (see `support/kube_api.rs`). There is no
//! kubelet: the tests play it, patching the Pods' status through the API, and assert the
//! Pods the executor created.
#![cfg(feature = "kube")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../../support/kube_api.rs"]
mod kube_api;

use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, Patch, PatchParams};
use pipeline_core::model::{ParamValue, PipelineSpec, Resources};
use pipeline_core::run::{PipelineRunState, RunContext, TaskState};
use pipeline_core::runner::{
    KubePodExecutor, NoLogs, PipelineRunOutcome, RunInfo, Runner, WorkspaceVolume,
};
use serde_json::{Value, json};

const TASKS: &str = r#"
apiVersion: tekton.dev/v1
kind: Task
metadata: {name: produce}
spec:
  params: [{name: word}]
  results: [{name: out}]
  workspaces: [{name: src}]
  steps:
  - name: write
    image: alpine:3.20
    script: |
      printf '%s' "$(params.word)-done" > $(results.out.path)
  - name: check
    image: busybox
    command: [ls]
    args: ["$(workspaces.src.path)"]
---
apiVersion: tekton.dev/v1
kind: Task
metadata: {name: consume}
spec:
  params: [{name: input}]
  steps:
  - name: read
    image: alpine:3.20
    args: ["echo", "got $(params.input)"]
"#;

struct Kubelet {
    rt: tokio::runtime::Runtime,
    pods: Api<Pod>,
}

impl Kubelet {
    fn new(api: &kube_api::KubeApi, ns: &str) -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let kc = api.kubeconfig.clone();
        let n = ns.to_string();
        let pods = rt.block_on(async move {
            let client = kube_api::client(&kc).await.unwrap();
            let nss: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(client.clone());
            let body = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}});
            nss.patch(
                &n,
                &PatchParams::apply("test").force(),
                &Patch::Apply(&body),
            )
            .await
            .unwrap();
            Api::<Pod>::namespaced(client, &n)
        });
        Kubelet { rt, pods }
    }

    /// The Pod once the executor has created it (as JSON).
    fn wait_pod(&self, name: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let got = self.rt.block_on(self.pods.get_opt(name)).unwrap();
            if let Some(p) = got {
                return serde_json::to_value(p).unwrap();
            }
            assert!(Instant::now() < deadline, "pod {name} never appeared");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn gone(&self, name: &str) -> bool {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match self.rt.block_on(self.pods.get_opt(name)).unwrap() {
                None => return true,
                // Background deletion without a kubelet leaves a deletionTimestamp.
                Some(p) if p.metadata.deletion_timestamp.is_some() => return true,
                Some(_) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Some(_) => return false,
            }
        }
    }

    /// Terminates every step container (exit codes and termination messages given) and
    /// sets the phase, as a kubelet would report it.
    fn finish(&self, name: &str, steps: &[(&str, i32, &str)], phase: &str) {
        let statuses: Vec<Value> = steps
            .iter()
            .map(|(c, code, msg)| {
                json!({"name": c, "image": "x", "imageID": "", "ready": false, "restartCount": 0,
                  "state": {"terminated": {"exitCode": code, "message": msg,
                    "reason": if *code == 0 { "Completed" } else { "Error" }}}})
            })
            .collect();
        let patch = json!({"status": {"phase": phase, "containerStatuses": statuses}});
        self.rt
            .block_on(
                self.pods
                    .patch_status(name, &PatchParams::default(), &Patch::Merge(&patch)),
            )
            .unwrap();
    }
}

fn run(
    exec: &KubePodExecutor,
    resources: &Resources,
    spec: &PipelineSpec,
    name: &str,
) -> PipelineRunOutcome {
    let state = PipelineRunState::new(spec, RunContext::named(name, "p")).unwrap();
    let info = RunInfo {
        name: name.into(),
        pipeline: "p".into(),
        namespace: "ci".into(),
        ..RunInfo::default()
    };
    Runner::new(exec, resources)
        .logs(&NoLogs)
        .parallelism(1)
        .run(state, info)
        .unwrap()
}

#[test]
fn kube_api_pipeline_runs_as_tekton_pods_with_results_from_termination_messages() {
    let Some(api) = kube_api::shared() else {
        return;
    };
    let ns = "kube-api-pods";
    let kubelet = Kubelet::new(api, ns);
    let exec = KubePodExecutor::from_kubeconfig(&api.kubeconfig, ns)
        .unwrap()
        .poll_interval(Duration::from_millis(50))
        .workspace(
            "shared",
            WorkspaceVolume::Pvc {
                claim: "sources".into(),
            },
        );
    let resources = pipeline_core::model::load("tasks.yaml", TASKS).unwrap();
    let spec: PipelineSpec = serde_json::from_value(json!({
    "workspaces": [{"name": "shared"}],
    "tasks": [
      {"name": "a", "taskRef": {"name": "produce"},
       "params": [{"name": "word", "value": "hi"}],
       "workspaces": [{"name": "src", "workspace": "shared", "subPath": "app"}]},
      {"name": "b", "taskRef": {"name": "consume"},
       "params": [{"name": "input", "value": "$(tasks.a.results.out)"}]}
    ]}))
    .unwrap();
    let outcome = std::thread::scope(|s| {
        let h = s.spawn(|| run(&exec, &resources, &spec, "r1"));
        let a = kubelet.wait_pod("r1-a-pod");
        let labels = &a["metadata"]["labels"];
        assert_eq!(labels["tekton.dev/pipelineRun"], "r1");
        assert_eq!(labels["tekton.dev/pipelineTask"], "a");
        assert_eq!(labels["tekton.dev/taskRun"], "r1-a");
        assert_eq!(labels["tekton.dev/task"], "produce");
        assert_eq!(labels["tekton.dev/memberOf"], "tasks");
        let containers = a["spec"]["containers"].as_array().unwrap();
        let names: Vec<&str> = containers
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["step-write", "step-check"], "steps in order");
        assert_eq!(containers[0]["image"], "alpine:3.20");
        let script = containers[0]["env"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == "TEKTON_SCRIPT")
            .unwrap()["value"]
            .as_str()
            .unwrap();
        assert!(
            script.contains(r#"printf '%s' "hi-done" > /tekton/results/out"#),
            "params and result paths substituted: {script}"
        );
        let cmd: Vec<&str> = containers[1]["command"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(&cmd[3..], ["step-check", "ls", "/workspace/src"]);
        assert_eq!(a["spec"]["restartPolicy"], "Never");
        let vols = a["spec"]["volumes"].as_array().unwrap();
        let ws = vols.iter().find(|v| v["name"] == "ws-src").unwrap();
        assert_eq!(ws["persistentVolumeClaim"]["claimName"], "sources");
        let mount = containers[0]["volumeMounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == "ws-src")
            .unwrap()
            .clone();
        assert_eq!(mount["mountPath"], "/workspace/src");
        assert_eq!(mount["subPath"], "app");
        kubelet.finish(
            "r1-a-pod",
            &[
                (
                    "step-write",
                    0,
                    r#"[{"key":"out","value":"hi-done","type":1}]"#,
                ),
                ("step-check", 0, "[]"),
            ],
            "Succeeded",
        );
        let b = kubelet.wait_pod("r1-b-pod");
        let cmd = b["spec"]["containers"][0]["command"]
            .as_array()
            .unwrap()
            .clone();
        assert_eq!(
            cmd[4..],
            [json!("echo"), json!("got hi-done")],
            "result reached b"
        );
        kubelet.finish("r1-b-pod", &[("step-read", 0, "")], "Succeeded");
        h.join().unwrap()
    });
    let a = outcome.task("a").unwrap();
    assert_eq!(a.state, TaskState::Succeeded, "{outcome:?}");
    assert_eq!(
        a.results.get("out"),
        Some(&ParamValue::String("hi-done".into()))
    );
    assert_eq!(outcome.task("b").unwrap().state, TaskState::Succeeded);
    assert_eq!(outcome.condition.reason, "Succeeded");
}

#[test]
fn kube_api_failed_step_fails_the_task_and_timeout_deletes_the_pod() {
    let Some(api) = kube_api::shared() else {
        return;
    };
    let ns = "kube-api-pods-fail";
    let kubelet = Kubelet::new(api, ns);
    let exec = KubePodExecutor::from_kubeconfig(&api.kubeconfig, ns)
        .unwrap()
        .poll_interval(Duration::from_millis(50));
    let resources = pipeline_core::model::load("tasks.yaml", TASKS).unwrap();
    let spec: PipelineSpec = serde_json::from_value(json!({
        "tasks": [{"name": "b", "taskRef": {"name": "consume"},
                   "params": [{"name": "input", "value": "x"}]}],
        "finally": [{"name": "slow", "taskRef": {"name": "consume"}, "timeout": "1s",
                     "params": [{"name": "input", "value": "y"}]}]}))
    .unwrap();
    let outcome = std::thread::scope(|s| {
        let h = s.spawn(|| run(&exec, &resources, &spec, "r2"));
        kubelet.wait_pod("r2-b-pod");
        kubelet.finish("r2-b-pod", &[("step-read", 2, "")], "Failed");
        let fin = kubelet.wait_pod("r2-slow-pod");
        assert_eq!(fin["metadata"]["labels"]["tekton.dev/memberOf"], "finally");
        // Never finished by the "kubelet": the task's timeout deletes the Pod.
        let out = h.join().unwrap();
        assert!(kubelet.gone("r2-slow-pod"), "timed-out pod still there");
        out
    });
    let b = outcome.task("b").unwrap();
    assert_eq!(b.state, TaskState::Failed, "{outcome:?}");
    assert!(
        b.messages
            .iter()
            .any(|m| m.contains("step \"read\" exited with code 2")),
        "{:?}",
        b.messages
    );
    let slow = outcome.task("slow").unwrap();
    assert_eq!(slow.reason, "TaskRunTimeout", "{outcome:?}");
}
