//! Resource health as gitops-engine assesses it (`pkg/health`): the built-in rules for
//! Deployment, StatefulSet, DaemonSet, ReplicaSet, PersistentVolumeClaim, Service, Ingress,
//! Job, Pod, APIService and HorizontalPodAutoscaler, with gitops-engine's messages.
//!
//! Kinds without a rule have no health ([`resource_health`] returns `None`), as in Argo CD
//! without a Lua customization. An object being deleted (without the hook finalizer) is
//! `Progressing` "Pending deletion". An Application's health is the worst of its resources'
//! (hooks left out), in the order Healthy < Suspended < Progressing < Missing < Degraded <
//! Unknown.

use std::fmt;

use serde_json::Value;

use super::sync::{HOOK_FINALIZER, is_hook};

/// A health status code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HealthStatusCode {
    /// Fully healthy.
    Healthy,
    /// Paused or suspended.
    Suspended,
    /// Not healthy yet, may still get there.
    Progressing,
    /// Not in the cluster.
    Missing,
    /// Failed.
    Degraded,
    /// Could not be assessed.
    Unknown,
}

impl HealthStatusCode {
    /// Argo's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            HealthStatusCode::Healthy => "Healthy",
            HealthStatusCode::Suspended => "Suspended",
            HealthStatusCode::Progressing => "Progressing",
            HealthStatusCode::Missing => "Missing",
            HealthStatusCode::Degraded => "Degraded",
            HealthStatusCode::Unknown => "Unknown",
        }
    }
}

impl fmt::Display for HealthStatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A status and its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthStatus {
    /// Status.
    pub status: HealthStatusCode,
    /// Message (may be empty).
    pub message: String,
}

impl HealthStatus {
    fn new(status: HealthStatusCode, message: impl Into<String>) -> Self {
        HealthStatus {
            status,
            message: message.into(),
        }
    }
}

use HealthStatusCode::{Degraded, Healthy, Progressing, Suspended, Unknown};

fn s<'a>(o: &'a Value, p: &str) -> &'a str {
    o.pointer(p).and_then(Value::as_str).unwrap_or("")
}

fn i(o: &Value, p: &str) -> i64 {
    o.pointer(p).and_then(Value::as_i64).unwrap_or(0)
}

fn opt_i(o: &Value, p: &str) -> Option<i64> {
    o.pointer(p).and_then(Value::as_i64)
}

fn conditions(o: &Value) -> impl Iterator<Item = &Value> {
    o.pointer("/status/conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

fn condition<'a>(o: &'a Value, t: &str) -> Option<&'a Value> {
    conditions(o).find(|c| s(c, "/type") == t)
}

/// The health of `obj` by gitops-engine's built-in rules; `None` for kinds without one.
pub fn resource_health(obj: &Value) -> Option<HealthStatus> {
    let deleting = obj
        .pointer("/metadata/deletionTimestamp")
        .is_some_and(|v| !v.is_null());
    let hook_finalizer = obj
        .pointer("/metadata/finalizers")
        .and_then(Value::as_array)
        .is_some_and(|f| f.iter().any(|x| x.as_str() == Some(HOOK_FINALIZER)));
    if deleting && !hook_finalizer {
        return Some(HealthStatus::new(Progressing, "Pending deletion"));
    }
    let api = s(obj, "/apiVersion");
    let (group, version) = api.split_once('/').unwrap_or(("", api));
    let kind = s(obj, "/kind");
    let h = match (group, kind) {
        ("apps", "Deployment") => versioned(version, &["v1"], kind, deployment(obj)),
        ("apps", "StatefulSet") => versioned(version, &["v1"], kind, statefulset(obj)),
        ("apps", "ReplicaSet") => versioned(version, &["v1"], kind, replicaset(obj)),
        ("apps", "DaemonSet") => versioned(version, &["v1"], kind, daemonset(obj)),
        ("extensions" | "networking.k8s.io", "Ingress") => ingress(obj),
        ("apiregistration.k8s.io", "APIService") => {
            versioned(version, &["v1", "v1beta1"], kind, apiservice(obj))
        }
        ("", "Service") => versioned(version, &["v1"], kind, service(obj)),
        ("", "PersistentVolumeClaim") => versioned(version, &["v1"], kind, pvc(obj)),
        ("", "Pod") => versioned(version, &["v1"], kind, pod(obj)),
        ("batch", "Job") => versioned(version, &["v1"], kind, job(obj)),
        ("autoscaling", "HorizontalPodAutoscaler") => hpa(obj, version),
        _ => return None,
    };
    Some(h)
}

fn versioned(version: &str, known: &[&str], kind: &str, h: HealthStatus) -> HealthStatus {
    if known.contains(&version) {
        h
    } else {
        HealthStatus::new(Unknown, format!("unsupported {kind} GVK: {version}"))
    }
}

fn deployment(d: &Value) -> HealthStatus {
    if d.pointer("/spec/paused").and_then(Value::as_bool) == Some(true) {
        return HealthStatus::new(Suspended, "Deployment is paused");
    }
    let name = s(d, "/metadata/name");
    if i(d, "/metadata/generation") <= i(d, "/status/observedGeneration") {
        let cond = condition(d, "Progressing");
        let replicas = opt_i(d, "/spec/replicas");
        let updated = i(d, "/status/updatedReplicas");
        let total = i(d, "/status/replicas");
        let available = i(d, "/status/availableReplicas");
        if cond.is_some_and(|c| s(c, "/reason") == "ProgressDeadlineExceeded") {
            return HealthStatus::new(
                Degraded,
                format!("Deployment {name:?} exceeded its progress deadline"),
            );
        }
        if let Some(r) = replicas
            && updated < r
        {
            return HealthStatus::new(
                Progressing,
                format!(
                    "Waiting for rollout to finish: {updated} out of {r} new replicas have been updated..."
                ),
            );
        }
        if total > updated {
            return HealthStatus::new(
                Progressing,
                format!(
                    "Waiting for rollout to finish: {} old replicas are pending termination...",
                    total - updated
                ),
            );
        }
        if available < updated {
            return HealthStatus::new(
                Progressing,
                format!(
                    "Waiting for rollout to finish: {available} of {updated} updated replicas are available..."
                ),
            );
        }
    } else {
        return HealthStatus::new(
            Progressing,
            "Waiting for rollout to finish: observed deployment generation less than desired generation",
        );
    }
    HealthStatus::new(Healthy, "")
}

fn statefulset(o: &Value) -> HealthStatus {
    let observed = i(o, "/status/observedGeneration");
    if observed == 0 || i(o, "/metadata/generation") > observed {
        return HealthStatus::new(
            Progressing,
            "Waiting for statefulset spec update to be observed...",
        );
    }
    let replicas = opt_i(o, "/spec/replicas");
    let ready = i(o, "/status/readyReplicas");
    if let Some(r) = replicas
        && ready < r
    {
        return HealthStatus::new(
            Progressing,
            format!("Waiting for {} pods to be ready...", r - ready),
        );
    }
    let strategy = s(o, "/spec/updateStrategy/type");
    let updated = i(o, "/status/updatedReplicas");
    if strategy == "RollingUpdate"
        && o.pointer("/spec/updateStrategy/rollingUpdate")
            .is_some_and(|v| !v.is_null())
        && let (Some(r), Some(p)) = (
            replicas,
            opt_i(o, "/spec/updateStrategy/rollingUpdate/partition"),
        )
    {
        {
            if updated < r - p {
                return HealthStatus::new(
                    Progressing,
                    format!(
                        "Waiting for partitioned roll out to finish: {updated} out of {} new pods have been updated...",
                        r - p
                    ),
                );
            }
            return HealthStatus::new(
                Healthy,
                format!("partitioned roll out complete: {updated} new pods have been updated..."),
            );
        }
    }
    if strategy == "OnDelete" {
        return HealthStatus::new(Healthy, format!("statefulset has {ready} ready pods"));
    }
    let update_rev = s(o, "/status/updateRevision");
    let current_rev = s(o, "/status/currentRevision");
    if update_rev != current_rev {
        return HealthStatus::new(
            Progressing,
            format!(
                "waiting for statefulset rolling update to complete {updated} pods at revision {update_rev}..."
            ),
        );
    }
    HealthStatus::new(
        Healthy,
        format!(
            "statefulset rolling update complete {} pods at revision {current_rev}...",
            i(o, "/status/currentReplicas")
        ),
    )
}

fn daemonset(o: &Value) -> HealthStatus {
    let name = s(o, "/metadata/name");
    if i(o, "/metadata/generation") > i(o, "/status/observedGeneration") {
        return HealthStatus::new(
            Progressing,
            "Waiting for rollout to finish: observed daemon set generation less than desired generation",
        );
    }
    let updated = i(o, "/status/updatedNumberScheduled");
    let desired = i(o, "/status/desiredNumberScheduled");
    let available = i(o, "/status/numberAvailable");
    if s(o, "/spec/updateStrategy/type") == "OnDelete" {
        return HealthStatus::new(
            Healthy,
            format!("daemon set {updated} out of {desired} new pods have been updated"),
        );
    }
    if updated < desired {
        return HealthStatus::new(
            Progressing,
            format!(
                "Waiting for daemon set {name:?} rollout to finish: {updated} out of {desired} new pods have been updated..."
            ),
        );
    }
    if available < desired {
        return HealthStatus::new(
            Progressing,
            format!(
                "Waiting for daemon set {name:?} rollout to finish: {available} of {desired} updated pods are available..."
            ),
        );
    }
    HealthStatus::new(Healthy, "")
}

fn replicaset(o: &Value) -> HealthStatus {
    if i(o, "/metadata/generation") <= i(o, "/status/observedGeneration") {
        if let Some(c) = condition(o, "ReplicaFailure")
            && s(c, "/status") == "True"
        {
            return HealthStatus::new(Degraded, s(c, "/message"));
        }
        let available = i(o, "/status/availableReplicas");
        if let Some(r) = opt_i(o, "/spec/replicas")
            && available < r
        {
            return HealthStatus::new(
                Progressing,
                format!(
                    "Waiting for rollout to finish: {available} out of {r} new replicas are available..."
                ),
            );
        }
    } else {
        return HealthStatus::new(
            Progressing,
            "Waiting for rollout to finish: observed replica set generation less than desired generation",
        );
    }
    HealthStatus::new(Healthy, "")
}

fn pvc(o: &Value) -> HealthStatus {
    let status = match s(o, "/status/phase") {
        "Lost" => Degraded,
        "Pending" => Progressing,
        "Bound" => Healthy,
        _ => Unknown,
    };
    HealthStatus::new(status, "")
}

fn has_lb_ingress(o: &Value) -> bool {
    o.pointer("/status/loadBalancer/ingress")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty())
}

fn service(o: &Value) -> HealthStatus {
    if s(o, "/spec/type") == "LoadBalancer" && !has_lb_ingress(o) {
        return HealthStatus::new(Progressing, "");
    }
    HealthStatus::new(Healthy, "")
}

fn ingress(o: &Value) -> HealthStatus {
    HealthStatus::new(
        if has_lb_ingress(o) {
            Healthy
        } else {
            Progressing
        },
        "",
    )
}

fn job(o: &Value) -> HealthStatus {
    let (mut failed, mut complete, mut suspended) = (false, false, false);
    let (mut fail_msg, mut message) = (String::new(), String::new());
    for c in conditions(o) {
        match s(c, "/type") {
            "Failed" => {
                failed = true;
                complete = true;
                fail_msg = s(c, "/message").to_string();
            }
            "Complete" => {
                complete = true;
                message = s(c, "/message").to_string();
            }
            "Suspended" => {
                complete = true;
                message = s(c, "/message").to_string();
                if s(c, "/status") == "True" {
                    suspended = true;
                }
            }
            _ => {}
        }
    }
    if !complete {
        HealthStatus::new(Progressing, message)
    } else if failed {
        HealthStatus::new(Degraded, fail_msg)
    } else if suspended {
        HealthStatus::new(Suspended, fail_msg)
    } else {
        HealthStatus::new(Healthy, message)
    }
}

fn pod(o: &Value) -> HealthStatus {
    let restart = match s(o, "/spec/restartPolicy") {
        "" => "Always",
        r => r,
    };
    let msg = s(o, "/status/message").to_string();
    let statuses = |p: &str| -> Vec<Value> {
        o.pointer(p)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let containers = statuses("/status/containerStatuses");
    if restart == "Always" {
        let mut messages = Vec::new();
        for c in &containers {
            if let Some(w) = c.pointer("/state/waiting") {
                let reason = s(w, "/reason");
                if reason.starts_with("Err")
                    || reason.ends_with("Error")
                    || reason.ends_with("BackOff")
                {
                    messages.push(s(w, "/message").to_string());
                }
            }
        }
        if !messages.is_empty() {
            return HealthStatus::new(Degraded, messages.join(", "));
        }
    }
    match s(o, "/status/phase") {
        "Pending" => HealthStatus::new(Progressing, msg),
        "Succeeded" => HealthStatus::new(Healthy, msg),
        "Failed" => {
            if !msg.is_empty() {
                return HealthStatus::new(Degraded, msg);
            }
            let mut all = statuses("/status/initContainerStatuses");
            all.extend(containers);
            for c in &all {
                if let Some(t) = c.pointer("/state/terminated") {
                    let m = s(t, "/message");
                    if !m.is_empty() {
                        return HealthStatus::new(Degraded, m);
                    }
                    if s(t, "/reason") == "OOMKilled" {
                        return HealthStatus::new(Degraded, "OOMKilled");
                    }
                    let code = i(t, "/exitCode");
                    if code != 0 {
                        return HealthStatus::new(
                            Degraded,
                            format!("container {:?} failed with exit code {code}", s(c, "/name")),
                        );
                    }
                }
            }
            HealthStatus::new(Degraded, "")
        }
        "Running" => match restart {
            "Always" => {
                let ready = condition(o, "Ready").is_some_and(|c| s(c, "/status") == "True");
                if ready {
                    return HealthStatus::new(Healthy, msg);
                }
                if containers.iter().any(|c| {
                    c.pointer("/lastState/terminated")
                        .is_some_and(|t| !t.is_null())
                }) {
                    return HealthStatus::new(Degraded, msg);
                }
                HealthStatus::new(Progressing, msg)
            }
            _ => HealthStatus::new(Progressing, msg),
        },
        _ => HealthStatus::new(Unknown, msg),
    }
}

fn apiservice(o: &Value) -> HealthStatus {
    if let Some(c) = condition(o, "Available") {
        let m = format!("{}: {}", s(c, "/reason"), s(c, "/message"));
        return HealthStatus::new(
            if s(c, "/status") == "True" {
                Healthy
            } else {
                Progressing
            },
            m,
        );
    }
    HealthStatus::new(Progressing, "Waiting to be processed")
}

fn hpa(o: &Value, version: &str) -> HealthStatus {
    let waiting = || HealthStatus::new(Progressing, "Waiting to Autoscale");
    let conds: Vec<Value> = match version {
        "v1" => {
            let Some(text) = o
                .pointer("/metadata/annotations/autoscaling.alpha.kubernetes.io~1conditions")
                .and_then(Value::as_str)
            else {
                return waiting();
            };
            match serde_json::from_str::<Vec<Value>>(text) {
                Ok(c) => c,
                Err(e) => {
                    return HealthStatus::new(
                        Unknown,
                        format!("failed to convert conditions annotation to typed: {e}"),
                    );
                }
            }
        }
        "v2" | "v2beta1" | "v2beta2" => conditions(o).cloned().collect(),
        other => {
            return HealthStatus::new(Unknown, format!("unsupported HPA GVK: autoscaling/{other}"));
        }
    };
    for c in &conds {
        let (t, r) = (s(c, "/type"), s(c, "/reason"));
        let degraded = matches!(
            (t, r),
            ("AbleToScale", "FailedGetScale")
                | ("AbleToScale", "FailedUpdateScale")
                | ("ScalingActive", "FailedGetResourceMetric")
                | ("ScalingActive", "InvalidSelector")
        );
        if degraded {
            return HealthStatus::new(Degraded, s(c, "/message"));
        }
        if matches!(t, "AbleToScale" | "ScalingLimited") && s(c, "/status") == "True" {
            return HealthStatus::new(Healthy, s(c, "/message"));
        }
    }
    waiting()
}

/// An Application's health from its live resources: the worst status among them (hooks and
/// kinds without health left out); `Healthy` when none has one.
pub fn application_health<'a>(live: impl IntoIterator<Item = &'a Value>) -> HealthStatus {
    let mut worst = HealthStatus::new(Healthy, "");
    for o in live {
        if is_hook(o) {
            continue;
        }
        if let Some(h) = resource_health(o)
            && h.status > worst.status
        {
            worst = h;
        }
    }
    worst
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn worse_order_is_gitops_engines() {
        let order = [
            Healthy,
            Suspended,
            Progressing,
            HealthStatusCode::Missing,
            Degraded,
            Unknown,
        ];
        assert!(order.windows(2).all(|w| w.first() < w.get(1)));
    }

    #[test]
    fn kinds_without_rules_have_no_health() {
        assert_eq!(
            resource_health(&json!({"apiVersion": "v1", "kind": "ConfigMap"})),
            None
        );
        assert_eq!(
            resource_health(&json!({"apiVersion": "serving.knative.dev/v1", "kind": "Service"})),
            None
        );
    }
}
