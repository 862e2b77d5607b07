//! Argo Rollouts canaries: the replica arithmetic of Rollouts' `utils/replicaset/canary.go`
//! and a pure state machine for `strategy.canary.steps`.
//!
//! [`Canary::reconcile`] is one controller pass: given the ReplicaSets as they are and the
//! time `now` (Unix seconds), it moves at most one step (`setWeight`, `pause` with or without
//! a duration, `setCanaryScale`, `analysis` through the host's [`AnalysisRunner`]), sends
//! weight changes to the host's [`TrafficRouter`], and returns the replica counts the canary
//! and stable ReplicaSets should have. [`Canary::promote`], [`Canary::promote_full`],
//! [`Canary::abort`] and [`Canary::retry`] are `kubectl argo rollouts promote [--full]`,
//! `abort` and `retry`. [`Canary::status`] writes the status fields as Rollouts does
//! (`currentStepIndex`, `stableRS`, `currentPodHash`, `canary.weights`, `pauseConditions`,
//! `phase`, `message`, `abort`).

use std::sync::Arc;

use serde_json::{Value, json};

use crate::Error;

/// `maxSurge`/`maxUnavailable`: a count or a percentage of `spec.replicas`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntOrPercent {
    /// A count.
    Int(i64),
    /// A percentage (`"25%"`).
    Percent(i64),
}

impl IntOrPercent {
    fn parse(v: Option<&Value>, default: IntOrPercent) -> Result<IntOrPercent, String> {
        match v {
            None | Some(Value::Null) => Ok(default),
            Some(Value::Number(n)) => n
                .as_i64()
                .map(IntOrPercent::Int)
                .ok_or_else(|| format!("{n} is not an integer")),
            Some(Value::String(s)) => s
                .strip_suffix('%')
                .and_then(|p| p.parse().ok())
                .map(IntOrPercent::Percent)
                .or_else(|| s.parse().ok().map(IntOrPercent::Int))
                .ok_or_else(|| format!("{s:?} is not a count or a percentage")),
            Some(other) => Err(format!("{other} is not a count or a percentage")),
        }
    }

    /// Kubernetes' `GetValueFromIntOrPercent`.
    pub fn value(&self, total: i64, round_up: bool) -> i64 {
        match self {
            IntOrPercent::Int(n) => *n,
            IntOrPercent::Percent(p) => {
                let x = p * total;
                if round_up {
                    (x + 99).div_euclid(100)
                } else {
                    x.div_euclid(100)
                }
            }
        }
    }
}

/// `setCanaryScale`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SetCanaryScale {
    /// Explicit canary replicas.
    pub replicas: Option<i64>,
    /// Canary replicas as a weight of `spec.replicas`.
    pub weight: Option<i64>,
    /// Follow the traffic weight again.
    pub match_traffic_weight: bool,
}

/// One canary step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CanaryStep {
    /// `setWeight`.
    SetWeight(i64),
    /// `pause` (seconds; `None`: until promoted).
    Pause(Option<u64>),
    /// `setCanaryScale`.
    SetCanaryScale(SetCanaryScale),
    /// `analysis` (template names).
    Analysis(Vec<String>),
}

/// The parts of a Rollout's spec the canary uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanarySpec {
    /// `spec.replicas` (1 when unset).
    pub replicas: i64,
    /// `maxSurge` (25% by default).
    pub max_surge: IntOrPercent,
    /// `maxUnavailable` (25% by default).
    pub max_unavailable: IntOrPercent,
    /// Steps.
    pub steps: Vec<CanaryStep>,
    /// Whether traffic is routed (weights go to a [`TrafficRouter`]).
    pub traffic_routing: bool,
    /// `dynamicStableScale`.
    pub dynamic_stable_scale: bool,
    /// `minPodsPerReplicaSet`.
    pub min_pods_per_replica_set: Option<i64>,
    /// `abortScaleDownDelaySeconds`.
    pub abort_scale_down_delay_seconds: Option<i64>,
}

impl Default for CanarySpec {
    fn default() -> Self {
        CanarySpec {
            replicas: 1,
            max_surge: IntOrPercent::Percent(25),
            max_unavailable: IntOrPercent::Percent(25),
            steps: Vec::new(),
            traffic_routing: false,
            dynamic_stable_scale: false,
            min_pods_per_replica_set: None,
            abort_scale_down_delay_seconds: None,
        }
    }
}

/// The largest traffic weight (Rollouts' default `maxTrafficWeight`).
pub const MAX_WEIGHT: i64 = 100;

impl CanarySpec {
    /// Parses `spec` of an `argoproj.io/v1alpha1` `Rollout` with a canary strategy.
    pub fn from_rollout(rollout: &Value) -> Result<CanarySpec, Error> {
        let name = rollout
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        let err = |m: String| Error::Model {
            origin: format!("Rollout/{name}"),
            message: m,
        };
        let c = rollout
            .pointer("/spec/strategy/canary")
            .ok_or_else(|| err("spec.strategy.canary is missing".into()))?;
        let mut spec = CanarySpec {
            replicas: rollout
                .pointer("/spec/replicas")
                .and_then(Value::as_i64)
                .unwrap_or(1),
            ..CanarySpec::default()
        };
        spec.max_surge = IntOrPercent::parse(c.get("maxSurge"), IntOrPercent::Percent(25))
            .map_err(|m| err(format!("maxSurge: {m}")))?;
        spec.max_unavailable =
            IntOrPercent::parse(c.get("maxUnavailable"), IntOrPercent::Percent(25))
                .map_err(|m| err(format!("maxUnavailable: {m}")))?;
        spec.traffic_routing = c.get("trafficRouting").is_some_and(|v| !v.is_null());
        spec.dynamic_stable_scale = c
            .get("dynamicStableScale")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        spec.min_pods_per_replica_set = c.get("minPodsPerReplicaSet").and_then(Value::as_i64);
        spec.abort_scale_down_delay_seconds =
            c.get("abortScaleDownDelaySeconds").and_then(Value::as_i64);
        for (i, s) in c
            .get("steps")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let step = if let Some(w) = s.get("setWeight") {
                CanaryStep::SetWeight(
                    w.as_i64()
                        .ok_or_else(|| err(format!("steps[{i}].setWeight is not an integer")))?,
                )
            } else if let Some(p) = s.get("pause") {
                let d = match p.get("duration") {
                    None | Some(Value::Null) => None,
                    Some(Value::Number(n)) => n.as_u64(),
                    Some(Value::String(t)) => {
                        Some(super::operation::parse_duration(t).ok_or_else(|| {
                            err(format!("steps[{i}].pause.duration {t:?} is not a duration"))
                        })?)
                    }
                    Some(other) => {
                        return Err(err(format!(
                            "steps[{i}].pause.duration {other} is not a duration"
                        )));
                    }
                };
                CanaryStep::Pause(d)
            } else if let Some(scs) = s.get("setCanaryScale") {
                CanaryStep::SetCanaryScale(SetCanaryScale {
                    replicas: scs.get("replicas").and_then(Value::as_i64),
                    weight: scs.get("weight").and_then(Value::as_i64),
                    match_traffic_weight: scs
                        .get("matchTrafficWeight")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                })
            } else if let Some(a) = s.get("analysis") {
                let names = a
                    .get("templates")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|t| t.get("templateName").and_then(Value::as_str))
                    .map(str::to_string)
                    .collect();
                CanaryStep::Analysis(names)
            } else {
                return Err(err(format!(
                    "steps[{i}]: unsupported step (setWeight, pause, setCanaryScale, analysis)"
                )));
            };
            spec.steps.push(step);
        }
        Ok(spec)
    }

    /// `resolveFenceposts`: (maxSurge, maxUnavailable) in replicas.
    pub fn fenceposts(&self) -> (i64, i64) {
        let surge = self.max_surge.value(self.replicas, true);
        let mut unavailable = self.max_unavailable.value(self.replicas, false);
        if surge == 0 && unavailable == 0 {
            unavailable = 1;
        }
        (surge, unavailable)
    }

    fn max_unavailable(&self) -> i64 {
        if self.replicas == 0 {
            return 0;
        }
        self.fenceposts().1.min(self.replicas)
    }
}

/// A ReplicaSet as the arithmetic sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rs {
    /// Name (the pod template hash).
    pub name: String,
    /// `spec.replicas`.
    pub replicas: i64,
    /// `status.availableReplicas`.
    pub available: i64,
}

impl Rs {
    /// A ReplicaSet.
    pub fn new(name: &str, replicas: i64, available: i64) -> Rs {
        Rs {
            name: name.to_string(),
            replicas,
            available,
        }
    }
}

/// The status fields the arithmetic reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CanaryStatus {
    /// `currentStepIndex`.
    pub current_step_index: Option<usize>,
    /// `stableRS` (a pod template hash).
    pub stable_rs: String,
    /// `currentPodHash`.
    pub current_pod_hash: String,
    /// `abort`.
    pub abort: bool,
    /// `promoteFull`.
    pub promote_full: bool,
    /// Start of the current pause (Unix seconds), when paused.
    pub pause_start: Option<i64>,
    /// The reason of the pause condition (`CanaryPauseStep`, `InconclusiveAnalysisRun`).
    pub pause_reason: Option<String>,
    /// `canary.weights.canary.weight` last sent to the traffic router.
    pub canary_weight: i64,
    /// Why the rollout was aborted.
    pub abort_message: Option<String>,
    /// When it was aborted.
    pub aborted_at: Option<i64>,
    /// The revision number (`rollout.argoproj.io/revision`) of the current pod hash.
    pub revision: i64,
}

fn current_step<'a>(
    spec: &'a CanarySpec,
    st: &CanaryStatus,
) -> (Option<&'a CanaryStep>, Option<usize>) {
    if spec.steps.is_empty() {
        return (None, None);
    }
    let i = st.current_step_index.unwrap_or(0);
    (spec.steps.get(i), Some(i))
}

fn current_set_weight(spec: &CanarySpec, st: &CanaryStatus) -> i64 {
    if st.abort {
        return 0;
    }
    let (step, idx) = current_step(spec, st);
    let (Some(_), Some(i)) = (step, idx) else {
        return MAX_WEIGHT;
    };
    spec.steps
        .iter()
        .take(i + 1)
        .rev()
        .find_map(|s| match s {
            CanaryStep::SetWeight(w) => Some(*w),
            _ => None,
        })
        .unwrap_or(0)
}

fn use_set_canary_scale<'a>(spec: &'a CanarySpec, st: &CanaryStatus) -> Option<&'a SetCanaryScale> {
    if !spec.traffic_routing {
        return None;
    }
    if st.abort && abort_scale_down_delay(spec).0.is_some() {
        return None;
    }
    let (Some(_), Some(i)) = current_step(spec, st) else {
        return None;
    };
    for s in spec.steps.iter().take(i + 1).rev() {
        if let CanaryStep::SetCanaryScale(scs) = s {
            if scs.match_traffic_weight {
                return None;
            }
            return Some(scs);
        }
    }
    None
}

/// `GetAbortScaleDownDelaySecondsOrDefault`: (delay, whether set explicitly). With traffic
/// routing the default is 30s and an explicit 0 means no delay (`None`); a basic canary has
/// a zero delay.
pub fn abort_scale_down_delay(spec: &CanarySpec) -> (Option<i64>, bool) {
    if !spec.traffic_routing {
        return (Some(0), false);
    }
    match spec.abort_scale_down_delay_seconds {
        None => (Some(30), false),
        Some(0) => (None, true),
        Some(n) => (Some(n), true),
    }
}

fn traffic_weight_to_replicas(replicas: i64, weight: i64) -> i64 {
    (weight * replicas + MAX_WEIGHT - 1).div_euclid(MAX_WEIGHT)
}

fn desired_canary_weight(
    spec: &CanarySpec,
    st: &CanaryStatus,
    new_rs: Option<&Rs>,
    stable_rs: Option<&Rs>,
) -> i64 {
    if st.abort
        && spec.dynamic_stable_scale
        && let (Some(n), Some(s)) = (new_rs, stable_rs)
    {
        let expected = spec.replicas - s.available;
        let (delay, was_set) = abort_scale_down_delay(spec);
        let canary = if was_set && delay.is_some() {
            expected
        } else {
            expected.max(n.available)
        };
        for step in spec.steps.iter().rev() {
            if let CanaryStep::SetWeight(w) = step
                && traffic_weight_to_replicas(spec.replicas, *w) < canary
            {
                return *w;
            }
        }
        return 0;
    }
    current_set_weight(spec, st)
}

/// `GetCanaryReplicasOrWeight`: explicit canary replicas, or the weight to scale to.
pub fn canary_replicas_or_weight(
    spec: &CanarySpec,
    st: &CanaryStatus,
    new_rs: Option<&Rs>,
    stable_rs: Option<&Rs>,
) -> (Option<i64>, i64) {
    if st.promote_full || st.stable_rs.is_empty() || st.current_pod_hash == st.stable_rs {
        return (None, MAX_WEIGHT);
    }
    if let Some(scs) = use_set_canary_scale(spec, st) {
        if let Some(r) = scs.replicas {
            return (Some(r), 0);
        }
        if let Some(w) = scs.weight {
            return (None, w);
        }
    }
    (None, desired_canary_weight(spec, st, new_rs, stable_rs))
}

fn floor_ceiling_tied(weight: i64, max_weight: i64, total: i64) -> bool {
    let x = total as f64 * (weight as f64 / max_weight as f64);
    x.fract() == 0.5
}

fn weight_delta(weight: i64, max_weight: i64, canary: i64, total: i64) -> f64 {
    ((canary * max_weight) as f64 / total as f64 - weight as f64).abs()
}

/// `approximateWeightedCanaryStableReplicaCounts`: (canary, stable) closest to `weight`.
pub fn approximate_weighted_counts(
    spec_replicas: i64,
    weight: i64,
    max_weight: i64,
    max_surge: i64,
) -> (i64, i64) {
    if spec_replicas == 0 || max_weight == 0 {
        return (0, 0);
    }
    let exact = (spec_replicas * weight) as f64 / max_weight as f64;
    let (ceil, floor) = (exact.ceil() as i64, exact.floor() as i64);
    let tied = floor_ceiling_tied(weight, max_weight, spec_replicas);
    let zero_allowed =
        weight == max_weight || weight == 0 || (spec_replicas == 1 && max_surge == 0);
    let mut options = Vec::new();
    if ceil < spec_replicas || zero_allowed {
        options.push((ceil, spec_replicas));
    }
    if !tied && (floor != 0 || zero_allowed) {
        options.push((floor, spec_replicas));
    }
    if max_surge > 0 {
        options.push((ceil, spec_replicas + 1));
        let surge_tied = floor_ceiling_tied(weight, max_weight, spec_replicas + 1);
        if !surge_tied && (floor != 0 || zero_allowed) {
            options.push((floor, spec_replicas + 1));
        }
    }
    let Some(&first) = options.first() else {
        return (0, spec_replicas);
    };
    let mut best = first;
    let mut best_delta = weight_delta(weight, max_weight, best.0, best.1);
    for &o in options.iter().skip(1) {
        let d = weight_delta(weight, max_weight, o.0, o.1);
        if d < best_delta {
            best = o;
            best_delta = d;
        }
    }
    (best.0, best.1 - best.0)
}

fn scale_down_count(drain: Option<&Rs>, desired: i64, scale_down: i64, current: i64) -> i64 {
    match drain {
        Some(rs) if rs.replicas > desired => desired.max(rs.replicas - scale_down),
        _ => current,
    }
}

fn adjust_within_limits(
    drain: Option<&Rs>,
    adjust: Option<&Rs>,
    mut drain_count: i64,
    mut adjust_count: i64,
    max_allowed: i64,
    min_available: i64,
) -> (i64, i64) {
    let mut total_available = 0;
    let mut over = 0.max(adjust_count + drain_count - max_allowed);
    if let Some(d) = drain {
        total_available += d.available.min(drain_count);
    }
    if let Some(a) = adjust {
        adjust_count -= over;
        total_available += a.available.min(adjust_count);
        let extra = 0.max(a.available - adjust_count);
        let need = 0.max(min_available - total_available);
        adjust_count += extra.min(need);
        over = 0.max(adjust_count + drain_count - max_allowed);
        drain_count -= over;
    }
    (drain_count, adjust_count)
}

fn replicas_for_scale_down(rs: Option<&Rs>, ignore_availability: bool) -> i64 {
    match rs {
        None => 0,
        Some(r) if r.replicas < r.available => r.replicas,
        Some(r) if ignore_availability => r.replicas,
        Some(r) => r.available,
    }
}

/// `CalculateReplicaCountsForBasicCanary`: (canary, stable) replica counts.
pub fn basic_canary_counts(
    spec: &CanarySpec,
    st: &CanaryStatus,
    new_rs: Option<&Rs>,
    stable_rs: Option<&Rs>,
    old_rss: &[Rs],
) -> (i64, i64) {
    let spec_replicas = spec.replicas;
    let (_, weight) = canary_replicas_or_weight(spec, st, new_rs, stable_rs);
    let max_surge = spec.fenceposts().0;
    let (mut desired_new, mut desired_stable) =
        approximate_weighted_counts(spec_replicas, weight, MAX_WEIGHT, max_surge);
    let mut stable_count = 0;
    let mut new_count = new_rs.map_or(0, |r| r.replicas);
    let scale_stable = match (new_rs, stable_rs) {
        (_, None) => false,
        (None, Some(_)) => true,
        (Some(n), Some(s)) => n.name != s.name,
    };
    if scale_stable {
        stable_count = stable_rs.map_or(0, |r| r.replicas);
    } else {
        desired_new = spec_replicas;
        desired_stable = 0;
    }
    let max_allowed = spec_replicas + max_surge;
    let old_total: i64 = old_rss.iter().map(|r| r.replicas).sum();
    let total = old_total
        + new_rs.map_or(0, |r| r.replicas)
        + if scale_stable {
            stable_rs.map_or(0, |r| r.replicas)
        } else {
            0
        };
    let mut scale_up = max_allowed - total;
    if scale_stable
        && let Some(s) = stable_rs
        && s.replicas < desired_stable
        && scale_up > 0
    {
        if s.replicas + scale_up < desired_stable {
            stable_count = s.replicas + scale_up;
            scale_up = 0;
        } else {
            stable_count = desired_stable;
            scale_up -= desired_stable - s.replicas;
        }
    }
    if let Some(n) = new_rs
        && n.replicas < desired_new
        && scale_up > 0
    {
        new_count = if n.replicas + scale_up < desired_new {
            n.replicas + scale_up
        } else {
            desired_new
        };
    }
    if old_total > 0 {
        return (new_count, stable_count);
    }
    let min_available = spec_replicas - spec.max_unavailable();
    let increasing = new_rs.is_none_or(|n| desired_new >= n.replicas);
    let to_scale_down = replicas_for_scale_down(new_rs, !increasing)
        + replicas_for_scale_down(stable_rs, increasing);
    if to_scale_down <= min_available {
        return (new_count, stable_count);
    }
    let scale_down = to_scale_down - min_available;
    if !increasing {
        new_count = scale_down_count(new_rs, desired_new, scale_down, new_count);
        (new_count, stable_count) = adjust_within_limits(
            new_rs,
            stable_rs,
            new_count,
            stable_count,
            max_allowed,
            min_available,
        );
    } else if scale_stable {
        stable_count = scale_down_count(stable_rs, desired_stable, scale_down, stable_count);
        (stable_count, new_count) = adjust_within_limits(
            stable_rs,
            new_rs,
            stable_count,
            new_count,
            max_allowed,
            min_available,
        );
    }
    (new_count, stable_count)
}

fn check_min_pods(spec: &CanarySpec, count: i64) -> i64 {
    if count == 0 || !spec.traffic_routing {
        return count;
    }
    match spec.min_pods_per_replica_set {
        Some(m) => count.max(m.min(spec.replicas)),
        None => count,
    }
}

/// Current traffic weights (`status.canary.weights`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrafficWeights {
    /// Canary weight.
    pub canary: i64,
    /// Stable weight.
    pub stable: i64,
}

/// `CalculateReplicaCountsForTrafficRoutedCanary`: (canary, stable) replica counts.
pub fn traffic_routed_canary_counts(
    spec: &CanarySpec,
    st: &CanaryStatus,
    new_rs: Option<&Rs>,
    stable_rs: Option<&Rs>,
    weights: Option<TrafficWeights>,
) -> (i64, i64) {
    let (scs_replicas, weight) = canary_replicas_or_weight(spec, st, new_rs, stable_rs);
    let mut canary = match scs_replicas {
        Some(r) => r,
        None => check_min_pods(spec, traffic_weight_to_replicas(spec.replicas, weight)),
    };
    if !spec.dynamic_stable_scale {
        return (canary, spec.replicas);
    }
    let mut stable = traffic_weight_to_replicas(spec.replicas, MAX_WEIGHT - weight);
    if let Some(w) = weights {
        stable = stable.max(traffic_weight_to_replicas(spec.replicas, w.stable));
        if st.abort {
            canary = canary.max(traffic_weight_to_replicas(spec.replicas, w.canary));
        }
    }
    (check_min_pods(spec, canary), check_min_pods(spec, stable))
}

/// An analysis run's phase, as the host's analysis reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnalysisPhase {
    /// Still measuring.
    Running,
    /// Passed.
    Successful,
    /// Failed (why).
    Failed(String),
    /// Neither passed nor failed: the rollout pauses.
    Inconclusive,
}

/// Runs an analysis step (AnalysisTemplates) for the host.
pub trait AnalysisRunner: Send + Sync {
    /// The phase of the analysis for step `step` of revision `pod_hash`.
    fn analyze(
        &self,
        templates: &[String],
        step: usize,
        pod_hash: &str,
    ) -> Result<AnalysisPhase, Error>;
}

/// Sends traffic weights (a service mesh, an ingress controller).
pub trait TrafficRouter: Send + Sync {
    /// Routes `canary` percent of the traffic to the canary.
    fn set_weight(&self, canary: i64) -> Result<(), Error>;
}

macro_rules! forward_impls {
    ($tr:ident { $($m:ident($($a:ident: $t:ty),*) -> $r:ty);* }) => {
        impl<T: $tr + ?Sized> $tr for &T { $(fn $m(&self, $($a: $t),*) -> $r { (**self).$m($($a),*) })* }
        impl<T: $tr + ?Sized> $tr for Box<T> { $(fn $m(&self, $($a: $t),*) -> $r { (**self).$m($($a),*) })* }
        impl<T: $tr + ?Sized> $tr for Arc<T> { $(fn $m(&self, $($a: $t),*) -> $r { (**self).$m($($a),*) })* }
    };
}

forward_impls!(AnalysisRunner { analyze(templates: &[String], step: usize, pod_hash: &str) -> Result<AnalysisPhase, Error> });
forward_impls!(TrafficRouter { set_weight(canary: i64) -> Result<(), Error> });

/// A router that routes nothing (basic canaries: weight follows replica counts).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoTraffic;

impl TrafficRouter for NoTraffic {
    fn set_weight(&self, _canary: i64) -> Result<(), Error> {
        Ok(())
    }
}

/// The phase Rollouts reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RolloutPhase {
    /// Fully promoted and available.
    Healthy,
    /// Moving through steps or scaling.
    Progressing,
    /// At a pause.
    Paused,
    /// Aborted.
    Degraded,
}

impl RolloutPhase {
    /// Rollouts' spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RolloutPhase::Healthy => "Healthy",
            RolloutPhase::Progressing => "Progressing",
            RolloutPhase::Paused => "Paused",
            RolloutPhase::Degraded => "Degraded",
        }
    }
}

/// A canary Rollout: its spec and status, driven by [`Canary::reconcile`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Canary {
    /// Spec.
    pub spec: CanarySpec,
    /// Status.
    pub status: CanaryStatus,
}

/// What one reconcile asks the host to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScaleTo {
    /// Replicas of the canary (new) ReplicaSet.
    pub canary: i64,
    /// Replicas of the stable ReplicaSet.
    pub stable: i64,
}

impl Canary {
    /// A canary already running `stable_hash` as its stable revision (revision 1).
    pub fn new(spec: CanarySpec, stable_hash: &str) -> Canary {
        Canary {
            status: CanaryStatus {
                current_step_index: Some(spec.steps.len()),
                stable_rs: stable_hash.to_string(),
                current_pod_hash: stable_hash.to_string(),
                revision: 1,
                ..CanaryStatus::default()
            },
            spec,
        }
    }

    /// A new pod template (`pod_hash`): the steps start again from 0.
    pub fn update(&mut self, pod_hash: &str) {
        self.status.current_pod_hash = pod_hash.to_string();
        self.status.current_step_index = Some(0);
        self.status.abort = false;
        self.status.abort_message = None;
        self.status.aborted_at = None;
        self.status.promote_full = false;
        self.status.pause_start = None;
        self.status.pause_reason = None;
        self.status.revision += 1;
    }

    fn fully_promoted(&self) -> bool {
        self.status.stable_rs == self.status.current_pod_hash
    }

    /// `promote`: leaves a pause (or skips the current step).
    pub fn promote(&mut self) {
        if self.fully_promoted() || self.status.abort {
            return;
        }
        self.status.pause_start = None;
        self.status.pause_reason = None;
        let i = self.status.current_step_index.unwrap_or(0);
        self.status.current_step_index = Some((i + 1).min(self.spec.steps.len()));
    }

    /// `promote --full`: skips the remaining steps.
    pub fn promote_full(&mut self) {
        if !self.fully_promoted() {
            self.status.promote_full = true;
            self.status.pause_start = None;
            self.status.pause_reason = None;
        }
    }

    /// `abort`: traffic and replicas go back to stable.
    pub fn abort(&mut self, now: i64, why: Option<&str>) {
        if self.fully_promoted() {
            return;
        }
        self.status.abort = true;
        self.status.aborted_at = Some(now);
        self.status.pause_start = None;
        self.status.pause_reason = None;
        let base = format!(
            "Rollout aborted update to revision {}",
            self.status.revision
        );
        self.status.abort_message = Some(match why {
            Some(w) => format!("{base}: {w}"),
            None => base,
        });
    }

    /// `retry`: an aborted rollout starts its steps again.
    pub fn retry(&mut self) {
        if self.status.abort {
            self.status.abort = false;
            self.status.abort_message = None;
            self.status.aborted_at = None;
            self.status.current_step_index = Some(0);
        }
    }

    /// The replica counts for the ReplicaSets as they are.
    pub fn desired_counts(
        &self,
        canary: Option<&Rs>,
        stable: Option<&Rs>,
        older: &[Rs],
    ) -> ScaleTo {
        let weights = Some(TrafficWeights {
            canary: self.status.canary_weight,
            stable: MAX_WEIGHT - self.status.canary_weight,
        });
        let (c, s) = if self.spec.traffic_routing {
            traffic_routed_canary_counts(&self.spec, &self.status, canary, stable, weights)
        } else {
            basic_canary_counts(&self.spec, &self.status, canary, stable, older)
        };
        ScaleTo {
            canary: c,
            stable: s,
        }
    }

    fn set_weight(&mut self, w: i64, traffic: &dyn TrafficRouter) -> Result<(), Error> {
        if self.status.canary_weight != w {
            traffic.set_weight(w)?;
            self.status.canary_weight = w;
        }
        Ok(())
    }

    /// One controller pass (see the module docs). `canary`/`stable` are the ReplicaSets as
    /// they are now; the step only advances once they are at the counts the last pass asked
    /// for.
    pub fn reconcile(
        &mut self,
        canary: Option<&Rs>,
        stable: Option<&Rs>,
        now: i64,
        analysis: &dyn AnalysisRunner,
        traffic: &dyn TrafficRouter,
    ) -> Result<ScaleTo, Error> {
        if self.status.abort {
            self.set_weight(0, traffic)?;
            return Ok(self.desired_counts(canary, stable, &[]));
        }
        if self.fully_promoted() {
            self.status.current_step_index = Some(self.spec.steps.len());
            self.set_weight(0, traffic)?;
            return Ok(self.desired_counts(canary, stable, &[]));
        }
        if self.status.promote_full {
            return self.finish(canary, stable, traffic);
        }
        let at_desired = {
            let want = self.desired_counts(canary, stable, &[]);
            let ok = |rs: Option<&Rs>, n: i64| match rs {
                Some(r) => r.replicas == n && r.available >= n,
                None => n == 0,
            };
            ok(canary, want.canary) && (self.spec.traffic_routing || ok(stable, want.stable))
        };
        let i = self.status.current_step_index.unwrap_or(0);
        let Some(step) = self.spec.steps.get(i).cloned() else {
            return self.finish(canary, stable, traffic);
        };
        match step {
            CanaryStep::SetWeight(w) => {
                self.set_weight(w, traffic)?;
                if at_desired {
                    self.status.current_step_index = Some(i + 1);
                }
            }
            CanaryStep::SetCanaryScale(_) => {
                if at_desired {
                    self.status.current_step_index = Some(i + 1);
                }
            }
            CanaryStep::Pause(duration) => {
                let start = *self.status.pause_start.get_or_insert(now);
                self.status.pause_reason = Some("CanaryPauseStep".into());
                if let Some(d) = duration
                    && now >= start.saturating_add(d as i64)
                {
                    self.status.pause_start = None;
                    self.status.pause_reason = None;
                    self.status.current_step_index = Some(i + 1);
                }
            }
            CanaryStep::Analysis(templates) => {
                match analysis.analyze(&templates, i, &self.status.current_pod_hash)? {
                    AnalysisPhase::Running => {}
                    AnalysisPhase::Successful => self.status.current_step_index = Some(i + 1),
                    AnalysisPhase::Failed(why) => {
                        self.abort(now, Some(&why));
                        self.set_weight(0, traffic)?;
                    }
                    AnalysisPhase::Inconclusive => {
                        self.status.pause_start.get_or_insert(now);
                        self.status.pause_reason = Some("InconclusiveAnalysisRun".into());
                    }
                }
            }
        }
        Ok(self.desired_counts(canary, stable, &[]))
    }

    fn finish(
        &mut self,
        canary: Option<&Rs>,
        stable: Option<&Rs>,
        traffic: &dyn TrafficRouter,
    ) -> Result<ScaleTo, Error> {
        self.set_weight(MAX_WEIGHT, traffic)?;
        let want = self.desired_counts(canary, stable, &[]);
        let ready = canary.is_some_and(|c| c.available >= self.spec.replicas);
        if ready {
            self.status.stable_rs = self.status.current_pod_hash.clone();
            self.status.current_step_index = Some(self.spec.steps.len());
            self.status.promote_full = false;
            self.set_weight(0, traffic)?;
        }
        Ok(want)
    }

    /// (phase, message) as `CalculateRolloutPhase` gives them for a canary (the replica
    /// checks read `updated`/`available` pods of the canary ReplicaSet).
    pub fn phase(&self, updated: i64, available: i64) -> (RolloutPhase, String) {
        if let Some(m) = &self.status.abort_message {
            return (RolloutPhase::Degraded, format!("RolloutAborted: {m}"));
        }
        if let Some(r) = &self.status.pause_reason {
            return (RolloutPhase::Paused, r.clone());
        }
        if updated < self.spec.replicas {
            return (
                RolloutPhase::Progressing,
                "more replicas need to be updated".into(),
            );
        }
        if available < updated {
            return (
                RolloutPhase::Progressing,
                "updated replicas are still becoming available".into(),
            );
        }
        if self.status.stable_rs.is_empty() || !self.fully_promoted() {
            return (
                RolloutPhase::Progressing,
                "waiting for all steps to complete".into(),
            );
        }
        (RolloutPhase::Healthy, String::new())
    }

    /// The status fields Rollouts writes (`updated`/`available`: pods of the current
    /// revision, as for [`Canary::phase`]; times in RFC 3339).
    pub fn status(&self, updated: i64, available: i64) -> Value {
        let (phase, message) = self.phase(updated, available);
        let st = &self.status;
        let mut v = json!({
            "currentPodHash": st.current_pod_hash,
            "stableRS": st.stable_rs,
            "canary": {"weights": {
                "canary": {"weight": st.canary_weight, "podTemplateHash": st.current_pod_hash},
                "stable": {"weight": MAX_WEIGHT - st.canary_weight, "podTemplateHash": st.stable_rs},
            }},
            "phase": phase.as_str(),
            "message": message,
        });
        if let Some(m) = v.as_object_mut() {
            if let Some(i) = st.current_step_index
                && !self.spec.steps.is_empty()
            {
                m.insert("currentStepIndex".into(), json!(i));
            }
            if let (Some(reason), Some(start)) = (&st.pause_reason, st.pause_start) {
                m.insert(
                    "pauseConditions".into(),
                    json!([{"reason": reason, "startTime": super::operation::rfc3339(start)}]),
                );
                m.insert("controllerPause".into(), json!(true));
            }
            if st.abort {
                m.insert("abort".into(), json!(true));
                if let Some(t) = st.aborted_at {
                    m.insert("abortedAt".into(), json!(super::operation::rfc3339(t)));
                }
            }
            if st.promote_full {
                m.insert("promoteFull".into(), json!(true));
            }
        }
        v
    }
}
