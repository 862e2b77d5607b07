//! Argo CD health: our cases under `tests/data/argo/health.yaml` (one per rule of
//! gitops-engine's `pkg/health`), and, when `GITOPS_ENGINE_DIR` names a checkout of
//! argoproj/gitops-engine, its own fixtures with the statuses its `health_test.go` expects.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;

use gitops_core::argo::health::{application_health, resource_health};
use serde_json::Value;

#[test]
fn health_cases() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/argo/health.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    let cases = kustomize_lite::yaml::parse_stream(&text, "health.yaml").unwrap();
    assert!(cases.len() >= 35);
    for c in &cases {
        let name = c["case"].as_str().unwrap();
        let h = resource_health(&c["object"]).unwrap_or_else(|| panic!("{name}: no health"));
        assert_eq!(
            h.status.as_str(),
            c["expect"].as_str().unwrap(),
            "{name}: {h:?}"
        );
        if let Some(m) = c.get("message").and_then(Value::as_str) {
            assert_eq!(h.message, m, "{name}");
        }
    }
    // An Application is as healthy as its worst resource; a hook does not count.
    let objs: Vec<&Value> = cases.iter().map(|c| &c["object"]).collect();
    assert_eq!(
        application_health(objs.iter().copied().take(1))
            .status
            .as_str(),
        "Healthy"
    );
    assert_eq!(
        application_health(objs.iter().copied().take(6))
            .status
            .as_str(),
        "Degraded"
    );
}

/// health_test.go's table: fixture -> expected status (`None`: no built-in health).
const UPSTREAM: &[(&str, Option<&str>)] = &[
    ("deployment-progressing.yaml", Some("Progressing")),
    ("deployment-suspended.yaml", Some("Suspended")),
    ("deployment-degraded.yaml", Some("Degraded")),
    ("statefulset.yaml", Some("Healthy")),
    ("statefulset-ondelete.yaml", Some("Healthy")),
    ("daemonset-ondelete.yaml", Some("Healthy")),
    ("pvc-bound.yaml", Some("Healthy")),
    ("pvc-pending.yaml", Some("Progressing")),
    ("svc-clusterip.yaml", Some("Healthy")),
    ("svc-loadbalancer.yaml", Some("Healthy")),
    ("svc-loadbalancer-unassigned.yaml", Some("Progressing")),
    ("svc-loadbalancer-nonemptylist.yaml", Some("Healthy")),
    ("ingress.yaml", Some("Healthy")),
    ("ingress-unassigned.yaml", Some("Progressing")),
    ("ingress-nonemptylist.yaml", Some("Healthy")),
    ("knative-service.yaml", None),
    ("job-running.yaml", Some("Progressing")),
    ("job-failed.yaml", Some("Degraded")),
    ("job-succeeded.yaml", Some("Healthy")),
    ("job-suspended.yaml", Some("Suspended")),
    ("hpa-v2-healthy.yaml", Some("Healthy")),
    ("hpa-v2-degraded.yaml", Some("Degraded")),
    ("hpa-v2-progressing.yaml", Some("Progressing")),
    ("hpa-v2beta2-healthy.yaml", Some("Healthy")),
    ("hpa-v2beta1-healthy-disabled.yaml", Some("Healthy")),
    ("hpa-v2beta1-healthy.yaml", Some("Healthy")),
    ("hpa-v1-degraded.yaml", Some("Degraded")),
    ("hpa-v1-healthy.yaml", Some("Healthy")),
    ("hpa-v1-healthy-toofew.yaml", Some("Healthy")),
    ("hpa-v1-progressing.yaml", Some("Progressing")),
    (
        "hpa-v1-progressing-with-no-annotations.yaml",
        Some("Progressing"),
    ),
    ("pod-pending.yaml", Some("Progressing")),
    ("pod-running-not-ready.yaml", Some("Progressing")),
    ("pod-crashloop.yaml", Some("Degraded")),
    ("pod-imagepullbackoff.yaml", Some("Degraded")),
    ("pod-error.yaml", Some("Degraded")),
    ("pod-running-restart-always.yaml", Some("Healthy")),
    ("pod-running-restart-never.yaml", Some("Progressing")),
    ("pod-running-restart-onfailure.yaml", Some("Progressing")),
    ("pod-failed.yaml", Some("Degraded")),
    ("pod-succeeded.yaml", Some("Healthy")),
    ("pod-deletion.yaml", Some("Progressing")),
    ("application-healthy.yaml", None),
    ("application-degraded.yaml", None),
    ("apiservice-v1-true.yaml", Some("Healthy")),
    ("apiservice-v1-false.yaml", Some("Progressing")),
    ("apiservice-v1beta1-true.yaml", Some("Healthy")),
    ("apiservice-v1beta1-false.yaml", Some("Progressing")),
];

#[test]
fn gitops_engine_health_fixtures() {
    let Some(dir) = std::env::var_os("GITOPS_ENGINE_DIR") else {
        eprintln!(
            "notice: GITOPS_ENGINE_DIR is not set (a checkout of argoproj/gitops-engine); skipping its fixtures"
        );
        return;
    };
    let dir = Path::new(&dir).join("pkg/health/testdata");
    for (file, want) in UPSTREAM {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        // sigs.k8s.io/yaml keeps the last of duplicate keys (statefulset-ondelete.yaml has one).
        let opts = serde_saphyr::options! { duplicate_keys: serde_saphyr::options::DuplicateKeyPolicy::LastWins };
        let obj: Value = serde_saphyr::from_str_with_options(&text, opts).unwrap();
        let got = resource_health(&obj).map(|h| h.status.as_str());
        assert_eq!(got, *want, "{file}");
    }
}
