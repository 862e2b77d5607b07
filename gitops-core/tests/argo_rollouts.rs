//! Argo Rollouts canaries: Rollouts' replica arithmetic table tests (transcribed under
//! `tests/data/argo/rollouts-canary-counts.json`), and a canary driven through its steps,
//! paused, promoted, aborted and retried.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;
use std::sync::Mutex;

use gitops_core::argo::rollouts::{
    AnalysisPhase, AnalysisRunner, Canary, CanarySpec, CanaryStatus, CanaryStep, IntOrPercent, Rs,
    SetCanaryScale, TrafficRouter, approximate_weighted_counts, basic_canary_counts,
    traffic_routed_canary_counts,
};
use serde_json::Value;

fn vectors() -> Value {
    let p =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/argo/rollouts-canary-counts.json");
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn int_or_percent(v: Option<&Value>) -> IntOrPercent {
    match v {
        None => IntOrPercent::Int(0),
        Some(Value::String(s)) => IntOrPercent::Percent(s.trim_end_matches('%').parse().unwrap()),
        Some(n) => IntOrPercent::Int(n.as_i64().unwrap()),
    }
}

#[test]
fn rollouts_replica_count_table() {
    let v = vectors();
    let cases = v["counts"].as_array().unwrap();
    assert_eq!(cases.len(), 38);
    for c in cases {
        let name = c["name"].as_str().unwrap();
        let i = |k: &str| c.get(k).and_then(Value::as_i64).unwrap_or(0);
        let b = |k: &str| c.get(k).and_then(Value::as_bool).unwrap_or(false);
        // The upstream test's single step carries setWeight and setCanaryScale together;
        // here they are two steps, the current one the last.
        let mut steps = vec![CanaryStep::SetWeight(i("setWeight"))];
        if let Some(s) = c.get("setCanaryScale") {
            steps.push(CanaryStep::SetCanaryScale(SetCanaryScale {
                replicas: s.get("replicas").and_then(Value::as_i64),
                weight: s.get("weight").and_then(Value::as_i64),
                match_traffic_weight: s.get("matchTrafficWeight").is_some(),
            }));
        }
        let status = CanaryStatus {
            current_step_index: Some(steps.len() - 1),
            stable_rs: "stable".into(),
            current_pod_hash: "canary".into(),
            abort: b("statusAbort"),
            promote_full: b("promoteFull"),
            ..CanaryStatus::default()
        };
        let spec = CanarySpec {
            replicas: i("rolloutSpecReplicas"),
            max_surge: int_or_percent(c.get("maxSurge")),
            max_unavailable: int_or_percent(c.get("maxUnavailable")),
            steps,
            traffic_routing: c.get("trafficRouting").is_some(),
            dynamic_stable_scale: false,
            min_pods_per_replica_set: c.get("minPodsPerReplicaSet").and_then(Value::as_i64),
            abort_scale_down_delay_seconds: c
                .get("abortScaleDownDelaySeconds")
                .and_then(Value::as_i64),
        };
        let stable = Rs::new(
            "stable",
            i("stableSpecReplica"),
            i("stableAvailableReplica"),
        );
        let canary = Rs::new(
            "canary",
            i("canarySpecReplica"),
            i("canaryAvailableReplica"),
        );
        let older: Vec<Rs> = c
            .get("olderRS")
            .map(|o| {
                vec![Rs::new(
                    "older",
                    o[0].as_i64().unwrap(),
                    o[1].as_i64().unwrap(),
                )]
            })
            .unwrap_or_default();
        let got = if spec.traffic_routing {
            traffic_routed_canary_counts(&spec, &status, None, None, None)
        } else {
            basic_canary_counts(&spec, &status, Some(&canary), Some(&stable), &older)
        };
        let want = (
            i("expectedCanaryReplicaCount"),
            i("expectedStableReplicaCount"),
        );
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn rollouts_approximate_weighted_counts_table() {
    let v = vectors();
    let rows = v["approximate"].as_array().unwrap();
    assert_eq!(rows.len(), 57);
    for r in rows {
        let n: Vec<i64> = r
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_i64().unwrap())
            .collect();
        assert_eq!(
            approximate_weighted_counts(n[0], n[1], n[2], n[3]),
            (n[4], n[5]),
            "{n:?}"
        );
    }
}

#[derive(Default)]
struct Mesh(Mutex<Vec<i64>>);

impl TrafficRouter for Mesh {
    fn set_weight(&self, canary: i64) -> Result<(), gitops_core::Error> {
        self.0.lock().unwrap().push(canary);
        Ok(())
    }
}

struct Analysis(Mutex<Vec<AnalysisPhase>>);

impl AnalysisRunner for Analysis {
    fn analyze(
        &self,
        templates: &[String],
        _step: usize,
        pod_hash: &str,
    ) -> Result<AnalysisPhase, gitops_core::Error> {
        assert_eq!(
            (templates, pod_hash),
            (&["success-rate".to_string()][..], "v2")
        );
        let mut q = self.0.lock().unwrap();
        Ok(if q.is_empty() {
            AnalysisPhase::Successful
        } else {
            q.remove(0)
        })
    }
}

const ROLLOUT: &str = "apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: web
spec:
  replicas: 10
  strategy:
    canary:
      trafficRouting:
        nginx: {stableIngress: web}
      steps:
      - setWeight: 20
      - pause: {}
      - setWeight: 50
      - pause: {duration: 30s}
      - analysis:
          templates:
          - templateName: success-rate
      - setWeight: 80
";

/// Plays the ReplicaSet controller: each ReplicaSet gets what was asked, all available.
fn rs(name: &str, n: i64) -> Rs {
    Rs::new(name, n, n)
}

#[test]
fn a_canary_goes_through_its_steps_pauses_and_is_promoted() {
    let obj: Value = serde_json::to_value(
        kustomize_lite::yaml::parse_stream(ROLLOUT, "r")
            .unwrap()
            .remove(0),
    )
    .unwrap();
    let mut c = Canary::new(CanarySpec::from_rollout(&obj).unwrap(), "v1");
    let mesh = Mesh::default();
    let analysis = Analysis(Mutex::new(vec![AnalysisPhase::Running]));
    c.update("v2");
    let mut scale = c
        .reconcile(None, Some(&rs("v1", 10)), 0, &analysis, &mesh)
        .unwrap();
    // setWeight 20 over 10 replicas: 2 canary pods, the stable stays at 10 (no dynamic scale).
    assert_eq!((scale.canary, scale.stable), (2, 10));
    let mut t = 0;
    let step = |c: &mut Canary, t: i64, scale: &mut gitops_core::argo::rollouts::ScaleTo| {
        *scale = c
            .reconcile(
                Some(&rs("v2", scale.canary)),
                Some(&rs("v1", scale.stable)),
                t,
                &analysis,
                &mesh,
            )
            .unwrap();
        c.status.current_step_index
    };
    assert_eq!(step(&mut c, t, &mut scale), Some(1));
    assert_eq!(
        step(&mut c, t, &mut scale),
        Some(1),
        "paused until promoted"
    );
    let st = c.status(2, 2);
    assert_eq!(
        (st["phase"].as_str(), st["message"].as_str()),
        (Some("Paused"), Some("CanaryPauseStep"))
    );
    assert_eq!(st["pauseConditions"][0]["reason"], "CanaryPauseStep");
    assert_eq!(st["currentStepIndex"], 1);
    c.promote();
    assert_eq!(step(&mut c, t, &mut scale), Some(2));
    assert_eq!((scale.canary, scale.stable), (5, 10));
    assert_eq!(step(&mut c, t, &mut scale), Some(3));
    // pause 30s: still paused at +29s, moves on at +30s.
    assert_eq!(step(&mut c, t, &mut scale), Some(3));
    t += 29;
    assert_eq!(step(&mut c, t, &mut scale), Some(3));
    t += 1;
    assert_eq!(step(&mut c, t, &mut scale), Some(4));
    // The analysis runs, then succeeds.
    assert_eq!(step(&mut c, t, &mut scale), Some(4));
    assert_eq!(step(&mut c, t, &mut scale), Some(5));
    assert_eq!((scale.canary, scale.stable), (8, 10));
    assert_eq!(step(&mut c, t, &mut scale), Some(6));
    // After the last step: full promotion.
    step(&mut c, t, &mut scale);
    assert_eq!((scale.canary, scale.stable), (10, 10));
    step(&mut c, t, &mut scale);
    let st = c.status(10, 10);
    assert_eq!(st["stableRS"], "v2");
    assert_eq!(st["phase"], "Healthy");
    assert_eq!(st["currentStepIndex"], 6);
    assert_eq!(st["canary"]["weights"]["canary"]["weight"], 0);
    assert_eq!(st["canary"]["weights"]["stable"]["weight"], 100);
    assert_eq!(*mesh.0.lock().unwrap(), [20, 50, 80, 100, 0]);
}

#[test]
fn a_failed_analysis_aborts_and_retry_starts_again() {
    let obj: Value = serde_json::to_value(
        kustomize_lite::yaml::parse_stream(ROLLOUT, "r")
            .unwrap()
            .remove(0),
    )
    .unwrap();
    let mut c = Canary::new(CanarySpec::from_rollout(&obj).unwrap(), "v1");
    let mesh = Mesh::default();
    let analysis = Analysis(Mutex::new(vec![AnalysisPhase::Failed(
        "Metric \"success-rate\" assessed Failed".into(),
    )]));
    c.update("v2");
    c.status.current_step_index = Some(4);
    c.status.canary_weight = 50;
    c.reconcile(
        Some(&rs("v2", 5)),
        Some(&rs("v1", 10)),
        100,
        &analysis,
        &mesh,
    )
    .unwrap();
    let scale = c
        .reconcile(
            Some(&rs("v2", 5)),
            Some(&rs("v1", 10)),
            101,
            &analysis,
            &mesh,
        )
        .unwrap();
    let st = c.status(5, 5);
    assert_eq!(st["phase"], "Degraded");
    assert_eq!(
        st["message"],
        "RolloutAborted: Rollout aborted update to revision 2: Metric \"success-rate\" assessed Failed"
    );
    assert_eq!(st["abort"], true);
    assert_eq!(scale.canary, 0, "an aborted canary scales to zero");
    assert_eq!(*mesh.0.lock().unwrap(), [0]);
    c.retry();
    assert_eq!(c.status.current_step_index, Some(0));
    let scale = c
        .reconcile(
            Some(&rs("v2", 0)),
            Some(&rs("v1", 10)),
            200,
            &analysis,
            &mesh,
        )
        .unwrap();
    assert_eq!(scale.canary, 2);
    // Manual abort, then promote --full.
    c.abort(300, None);
    assert_eq!(
        c.status(2, 2)["message"],
        "RolloutAborted: Rollout aborted update to revision 2"
    );
    c.retry();
    c.promote_full();
    let scale = c
        .reconcile(
            Some(&rs("v2", 2)),
            Some(&rs("v1", 10)),
            400,
            &analysis,
            &mesh,
        )
        .unwrap();
    assert_eq!(scale.canary, 10);
    c.reconcile(
        Some(&rs("v2", 10)),
        Some(&rs("v1", 10)),
        401,
        &analysis,
        &mesh,
    )
    .unwrap();
    assert_eq!(c.status(10, 10)["stableRS"], "v2");
}
