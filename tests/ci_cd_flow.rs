//! End to end: the flagship example's flow, run without prints, checked step by step.
//!
//! Real parts throughout: git repositories made with gix, `sh` steps, an OCI layout
//! registry, gix fetches and the `git` CLI push of the image automation.
#![cfg(all(
    feature = "pipeline",
    feature = "triggers",
    feature = "kustomize",
    feature = "image",
    feature = "gitops",
    feature = "git"
))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../examples/ci_cd_flow/flow.rs"]
#[allow(dead_code)]
mod flow;

use std::sync::Mutex;

use gitops_toolkit::pipeline::TaskState;
use serde_json::Value;

fn image_of(deployment: &Value) -> &str {
    deployment
        .pointer("/spec/template/spec/containers/0/image")
        .and_then(Value::as_str)
        .unwrap()
}

fn replicas_of(deployment: &Value) -> i64 {
    deployment
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .unwrap()
}

#[test]
fn push_to_cluster_end_to_end() {
    let tmp = tempfile::tempdir().unwrap();
    let lines = Mutex::new(Vec::<String>::new());
    let options = flow::FlowOptions {
        dir: tmp.path().to_path_buf(),
        registry: None,
    };
    let report = flow::run(&options, &|l: &str| {
        lines.lock().unwrap().push(l.to_string())
    })
    .unwrap_or_else(|e| panic!("the flow failed: {e}\n{}", lines.lock().unwrap().join("\n")));
    let lines = lines.into_inner().unwrap();
    let short = &report.app_commit[..7];

    // 2. The webhook: the forged copy is turned away, the genuine one renders a PipelineRun.
    assert!(
        report.forged_rejection.to_lowercase().contains("signature"),
        "{}",
        report.forged_rejection
    );
    assert_eq!(report.trigger_params["revision"], report.app_commit);
    assert_eq!(report.trigger_params["short-sha"], short);
    assert_eq!(report.trigger_params["branch"], "main");
    let run = &report.pipeline_run;
    assert_eq!(run["kind"], "PipelineRun");
    assert_eq!(run["spec"]["pipelineRef"]["name"], "ci");
    assert!(
        run["metadata"]["name"]
            .as_str()
            .unwrap()
            .starts_with(&format!("ci-{short}-"))
    );

    // 3. The PipelineRun succeeded, every task ran, and the logs came per task and step.
    let p = &report.pipeline;
    assert_eq!(p.condition.status.as_str(), "True", "{:?}", p.condition);
    for task in ["clone", "test", "build-and-push", "report"] {
        assert_eq!(p.task(task).unwrap().state, TaskState::Succeeded, "{task}");
    }
    let clone = p.task("clone").unwrap();
    assert_eq!(clone.results["commit"].to_string(), report.app_commit);
    let has = |prefix: &str, text: &str| {
        report
            .pipeline_logs
            .iter()
            .any(|l| l.starts_with(prefix) && l.contains(text))
    };
    assert!(has("[clone : clone]", "HEAD is now at"));
    assert!(has(
        "[test : unit]",
        "ok 1 - app.sh greets with its version"
    ));
    assert!(has("[build-and-push : build]", "layer sha256:"));
    assert!(has(
        "[build-and-push : push]",
        "pushed registry.local/demo/web:main-"
    ));
    assert!(has("[report : notify]", "Succeeded"));
    assert!(
        report
            .pushed_image
            .starts_with(&format!("registry.local/demo/web:main-{short}-")),
        "{}",
        report.pushed_image
    );
    assert!(p.results["digest"].to_string().starts_with("sha256:"));

    // 4. The policy picks the pushed image out of the seeded one and the short-sha tags;
    //    the automation commits exactly the setter's line with the templated message.
    assert_eq!(report.listed_tags.len(), 4, "{:?}", report.listed_tags);
    assert!(report.listed_tags.contains(&short.to_string()));
    assert_eq!(report.selected_image, report.pushed_image);
    assert_eq!(report.changes.len(), 1, "{:?}", report.changes);
    let change = &report.changes[0];
    assert_eq!(change.file, "base/deployment.yaml");
    assert_eq!(change.setter, "flux-system:web");
    assert_eq!(change.new_value, report.selected_image);
    assert_ne!(change.old_value, change.new_value);
    assert!(
        report
            .commit_message
            .starts_with(&format!("Deploy web image {}\n", report.selected_image)),
        "{}",
        report.commit_message
    );
    assert!(
        report
            .commit_message
            .contains("Automation: flux-system/gitops-config")
    );
    assert!(report.commit_message.contains(&format!(
        "- base/deployment.yaml: {} -> {}",
        change.old_value, change.new_value
    )));
    assert_eq!(report.gitops_log.len(), 2);
    assert_eq!(report.gitops_log[0].0, &report.automation_commit[..7]);
    assert!(report.gitops_log[0].1.starts_with("Deploy web image"));
    // The pushed commit is in gitops-config and changed one line of one file.
    let work = tmp.path().join("gitops-config");
    let deployment = std::fs::read_to_string(work.join("base/deployment.yaml")).unwrap();
    assert!(deployment.contains(&format!(
        "image: {} # {{\"$imagepolicy\": \"flux-system:web\"}}",
        report.selected_image
    )));

    // 1 and 5. Bootstrap created everything; the new revision only re-configured the
    //          Deployments, with the new image in both namespaces.
    let boot = report.sync("bootstrap").unwrap();
    assert!(boot.plan_lines().iter().all(|l| l.ends_with(" created")));
    let keys: Vec<&str> = boot.results.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(keys, ["flux-system/web-dev", "flux-system/web-staging"]);
    let ns = boot.namespaces();
    for env in ["dev", "staging"] {
        let objs = &ns[env];
        assert_eq!(objs.len(), 4, "{objs:?}");
        assert!(objs.contains(&"Deployment/web".to_string()));
        assert!(objs.contains(&"Service/web".to_string()));
        assert!(objs.contains(&"Ingress/web".to_string()));
        assert!(objs.iter().any(|o| o.starts_with("ConfigMap/web-config-")));
    }
    assert_eq!(ns[""], ["Namespace/dev", "Namespace/staging"]);
    let old_image = image_of(boot.deployment("dev").unwrap()).to_string();
    assert_eq!(old_image, change.old_value);

    let new = report.sync("new image").unwrap();
    assert!(new.revision.ends_with(&report.automation_commit));
    let configured: Vec<String> = new
        .plan_lines()
        .into_iter()
        .filter(|l| !l.ends_with(" unchanged"))
        .collect();
    assert_eq!(
        configured,
        [
            "Deployment/dev/web configured",
            "Deployment/staging/web configured"
        ]
    );
    for env in ["dev", "staging"] {
        let d = new.deployment(env).unwrap();
        assert_eq!(image_of(d), report.selected_image);
        assert_eq!(d["metadata"]["namespace"], env);
        // post-build substitution and the overlay's generator reached the object
        let container = &d["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(container["env"][0]["value"], env);
        assert!(
            container["envFrom"][0]["configMapRef"]["name"]
                .as_str()
                .unwrap()
                .starts_with("web-config-")
        );
        let ingress = new
            .objects
            .iter()
            .find(|(id, _)| id.kind == "Ingress" && id.namespace == env)
            .unwrap()
            .1;
        assert_eq!(
            ingress["spec"]["rules"][0]["host"],
            format!("web.{env}.demo.internal")
        );
    }
    assert!(
        new.deployment("staging").unwrap()["spec"]["template"]["spec"]["containers"][0]["resources"]
            ["limits"]["memory"]
            == "128Mi"
    );
    for r in &new.results {
        let c = r.ready_condition().unwrap();
        assert_eq!(
            (c.status.as_str(), c.reason.as_str()),
            ("True", "ReconciliationSucceeded")
        );
        assert!(c.message.contains(&report.automation_commit));
    }

    // 6a. Drift: the deleted staging Deployment is back, nothing else moved.
    let drift = report.sync("drift repaired").unwrap();
    let changed: Vec<String> = drift
        .plan_lines()
        .into_iter()
        .filter(|l| !l.ends_with(" unchanged"))
        .collect();
    assert_eq!(changed, ["Deployment/staging/web created"]);
    assert_eq!(
        drift.deployment("staging").unwrap(),
        new.deployment("staging").unwrap()
    );

    // 6b. replicas 2 -> 3 in git reaches both namespaces.
    let scaled = report.sync("replicas 3").unwrap();
    for env in ["dev", "staging"] {
        assert_eq!(replicas_of(drift.deployment(env).unwrap()), 2);
        assert_eq!(replicas_of(scaled.deployment(env).unwrap()), 3);
        assert_eq!(
            image_of(scaled.deployment(env).unwrap()),
            report.selected_image
        );
    }

    // 6c. The Ingress left git and was pruned from both namespaces, nothing else.
    let pruned = report.sync("ingress removed").unwrap();
    let mut gone: Vec<String> = pruned
        .plan_lines()
        .into_iter()
        .filter(|l| l.ends_with(" pruned"))
        .collect();
    gone.sort();
    assert_eq!(
        gone,
        ["Ingress/dev/web pruned", "Ingress/staging/web pruned"]
    );
    let ns = pruned.namespaces();
    for env in ["dev", "staging"] {
        assert_eq!(ns[env].len(), 3, "{:?}", ns[env]);
        assert!(!ns[env].contains(&"Ingress/web".to_string()));
    }
    assert_eq!(pruned.objects.len(), scaled.objects.len() - 2);

    // The printed story has every phase, one line per event, and the summary adds up.
    for phase in 1..=6 {
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(&format!("== {phase}. "))),
            "phase {phase} missing"
        );
    }
    assert!(
        lines
            .iter()
            .any(|l| l.contains("Deployment/staging/web") && l.contains("created"))
    );
    assert_eq!(report.phases.len(), 6);
    let summary = flow::summary(&report);
    assert!(summary.iter().any(|l| l.trim_start().starts_with("total")));
}
