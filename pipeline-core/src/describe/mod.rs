//! `tkn pipelinerun describe`: the text tektoncd/cli prints for a PipelineRun and its
//! TaskRuns (colour off, as with `--no-color` or a pipe), byte for byte, from the objects as
//! a cluster stores them (`tekton.dev/v1` or `v1beta1`, read as tkn converts them to v1).
//!
//! [`outcome_objects`] turns a finished [`PipelineRunOutcome`] of the [`Runner`](crate::Runner)
//! into the PipelineRun and TaskRun objects a cluster would hold, so a local run prints the
//! same summary.
//!
//! Pure: the caller passes "now"; ages (`5 minutes ago`) are computed from it.

mod tabwriter;

use std::fmt::Write as _;

use kube_object::time::{format_rfc3339_millis, go_duration, parse_rfc3339};
use serde_json::{Map, Value, json};

use crate::run::TaskState;
use crate::runner::{PipelineRunOutcome, TaskOutcome};

/// Why a PipelineRun could not be described.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DescribeError {
    /// The object is not a PipelineRun.
    #[error("not a PipelineRun: kind {kind:?}")]
    NotAPipelineRun {
        /// The object's kind.
        kind: String,
    },
    /// A TaskRun named in `status.childReferences` is not among the objects given (tkn's
    /// words when its lookup fails).
    #[error("failed to find get taskruns of the pipelineruns: taskrun {name:?} not found")]
    MissingTaskRun {
        /// The TaskRun's name.
        name: String,
    },
}

fn text<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

fn items<'a>(v: &'a Value, pointer: &str) -> &'a [Value] {
    v.pointer(pointer)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// A stamp (`metav1.Time`) as Unix nanoseconds; absent or unreadable is Go's zero time.
fn stamp(v: &Value, pointer: &str) -> Option<i64> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .and_then(parse_rfc3339)
}

/// hako/durafmt's `ParseShort(d).String()`: the largest non-zero unit only (`5 minutes`,
/// `1 hour`, `0 seconds`).
fn short_duration(nanos: i64) -> String {
    const UNITS: [(&str, i64); 8] = [
        ("year", 365 * 24 * 3600 * 1_000_000),
        ("week", 7 * 24 * 3600 * 1_000_000),
        ("day", 24 * 3600 * 1_000_000),
        ("hour", 3600 * 1_000_000),
        ("minute", 60 * 1_000_000),
        ("second", 1_000_000),
        ("millisecond", 1_000),
        ("microsecond", 1),
    ];
    let sign = if nanos < 0 { "-" } else { "" };
    let mut micros = i64::try_from(nanos.unsigned_abs() / 1_000).unwrap_or(i64::MAX);
    if nanos == 0 {
        // Only the `s` unit matches the input `0s`.
        return "0 seconds".into();
    }
    for (unit, size) in UNITS {
        let v = micros / size;
        micros -= v * size;
        match v {
            0 => {}
            1 => return format!("{sign}1 {unit}"),
            _ => return format!("{sign}{v} {unit}s"),
        }
    }
    // Under a microsecond durafmt prints nothing at all.
    sign.to_string()
}

/// tkn's `formatted.Age`: `---` without a stamp.
fn age(start: Option<i64>, now: i64) -> String {
    match start {
        None => "---".into(),
        Some(t) => format!("{} ago", short_duration(now.saturating_sub(t))),
    }
}

/// tkn's `formatted.Duration`: Go's `Duration.String` of the span, `---` without both ends.
fn span(start: Option<i64>, end: Option<i64>) -> String {
    match (start, end) {
        (Some(a), Some(b)) => go_duration(b.saturating_sub(a)),
        _ => "---".into(),
    }
}

/// tkn's `formatted.Condition` (colour off) of an object's first condition.
fn condition(obj: &Value) -> String {
    let Some(c) = items(obj, "/status/conditions").first() else {
        return "---".into();
    };
    let status = match text(c, "/status") {
        "False" => "Failed",
        "True" => "Succeeded",
        "Unknown" => "Running",
        _ => "",
    };
    let reason = text(c, "/reason");
    if reason == "Completed" && status == "Succeeded" {
        return status.into();
    }
    if reason.is_empty() || reason == status {
        return status.into();
    }
    match reason {
        "Cancelled" => "Cancelled".into(),
        "PipelineRunCancelled" | "TaskRunCancelled" => format!("Cancelled({reason})"),
        "PipelineRunStopping" | "TaskRunStopping" => format!("Failed({reason})"),
        "CreateContainerConfigError" | "ExceededNodeResources" | "ExceededResourceQuota" => {
            format!("Pending({reason})")
        }
        "PipelineRunPending" => "Pending".into(),
        _ => format!("{status}({reason})"),
    }
}

/// Go's `fmt` `%v` of a string, a `[]string` or a `map[string]string`.
fn go_value(v: &Value) -> String {
    fn scalar(v: &Value) -> String {
        match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }
    match v {
        Value::Array(a) => format!("[{}]", a.iter().map(scalar).collect::<Vec<_>>().join(" ")),
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .iter()
                .map(|k| format!("{k}:{}", m.get(*k).map(scalar).unwrap_or_default()))
                .collect();
            format!("map[{}]", parts.join(" "))
        }
        other => scalar(other),
    }
}

/// tkn's `formatted.Workspace` of a binding.
fn workspace_binding(ws: &Value) -> String {
    let items_of = |p: &str| {
        items(ws, p)
            .iter()
            .map(|kp| format!(",item={}={}", text(kp, "/key"), text(kp, "/path")))
            .collect::<String>()
    };
    if ws.get("volumeClaimTemplate").is_some() {
        "VolumeClaimTemplate".into()
    } else if ws.get("persistentVolumeClaim").is_some() {
        format!(
            "PersistentVolumeClaim (claimName={})",
            text(ws, "/persistentVolumeClaim/claimName")
        )
    } else if ws.get("emptyDir").is_some() {
        let medium = match text(ws, "/emptyDir/medium") {
            m @ ("Memory" | "HugePages") => m,
            _ => "",
        };
        format!("EmptyDir (emptyDir={medium})")
    } else if ws.get("configMap").is_some() {
        format!(
            "ConfigMap (config={}{})",
            text(ws, "/configMap/name"),
            items_of("/configMap/items")
        )
    } else if ws.get("secret").is_some() {
        format!(
            "Secret (secret={}{})",
            text(ws, "/secret/secretName"),
            items_of("/secret/items")
        )
    } else if ws.get("csi").is_some() {
        format!("CSI (Driver={})", text(ws, "/csi/driver"))
    } else {
        String::new()
    }
}

/// A TaskRun of the PipelineRun, as tkn lists it.
struct ChildRun<'a> {
    name: &'a str,
    pipeline_task: &'a str,
    run: &'a Value,
}

/// A duration field (`5m`) as Go prints the parsed value (`5m0s`); as written when it does
/// not parse.
fn timeout_text(v: &Value) -> String {
    let raw = v.as_str().unwrap_or("");
    match crate::runner::parse_duration(raw) {
        Ok(d) => go_duration(i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)),
        Err(_) => raw.to_string(),
    }
}

/// Prints what `tkn pipelinerun describe` prints for `pipeline_run` (colour off), given the
/// TaskRuns its `status.childReferences` name and the time `now_unix_nanos`.
///
/// ```
/// use serde_json::json;
/// let pr = json!({
///     "apiVersion": "tekton.dev/v1", "kind": "PipelineRun",
///     "metadata": {"name": "build-1", "namespace": "ci"},
///     "spec": {"pipelineRef": {"name": "build"}},
///     "status": {
///         "startTime": "2026-12-03T14:00:00Z", "completionTime": "2026-12-03T14:02:30Z",
///         "conditions": [{"type": "Succeeded", "status": "True", "reason": "Succeeded"}],
///     },
/// });
/// let now = 1_796_306_700 * 1_000_000_000; // 2026-12-03T14:05:00Z
/// let text = pipeline_core::describe_pipeline_run(&pr, &[], now).unwrap();
/// assert!(text.contains("STARTED         DURATION   STATUS\n5 minutes ago   2m30s      Succeeded\n"));
/// ```
pub fn describe_pipeline_run(
    pipeline_run: &Value,
    task_runs: &[Value],
    now_unix_nanos: i64,
) -> Result<String, DescribeError> {
    let pr = pipeline_run;
    let kind = text(pr, "/kind");
    if !kind.is_empty() && kind != "PipelineRun" {
        return Err(DescribeError::NotAPipelineRun { kind: kind.into() });
    }
    let mut children = Vec::new();
    for child in items(pr, "/status/childReferences") {
        if text(child, "/kind") != "TaskRun" {
            continue;
        }
        let name = text(child, "/name");
        let run = task_runs
            .iter()
            .find(|t| text(t, "/metadata/name") == name)
            .ok_or_else(|| DescribeError::MissingTaskRun { name: name.into() })?;
        children.push(ChildRun {
            name,
            pipeline_task: text(child, "/pipelineTaskName"),
            run,
        });
    }
    // tkn's order: TaskRuns without a start first, then the latest start first (a stable
    // insertion sort over its `Less`).
    children.sort_by(|a, b| {
        let (sa, sb) = (
            stamp(a.run, "/status/startTime"),
            stamp(b.run, "/status/startTime"),
        );
        match (sa, sb) {
            (None, None) => std::cmp::Ordering::Equal,
            (None, Some(_)) => std::cmp::Ordering::Less,
            (Some(_), None) => std::cmp::Ordering::Greater,
            (Some(x), Some(y)) => y.cmp(&x),
        }
    });

    let mut o = String::new();
    let _ = writeln!(o, "Name:\t{}", text(pr, "/metadata/name"));
    let _ = write!(o, "Namespace:\t{}", text(pr, "/metadata/namespace"));
    if let Some(r) = pr.pointer("/spec/pipelineRef") {
        let name = text(r, "/name");
        if !name.is_empty() {
            let _ = write!(o, "\nPipeline Ref:\t{name}");
        }
    }
    let sa = match text(pr, "/spec/taskRunTemplate/serviceAccountName") {
        "" => text(pr, "/spec/serviceAccountName"),
        v1 => v1,
    };
    if !sa.is_empty() {
        let _ = write!(o, "\nService Account:\t{sa}");
    }
    let sorted = |p: &str| -> Vec<(String, String)> {
        let mut kv: Vec<(String, String)> = pr
            .pointer(p)
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                    .collect()
            })
            .unwrap_or_default();
        kv.sort();
        kv
    };
    let labels = sorted("/metadata/labels");
    if !labels.is_empty() {
        o.push_str("\nLabels:");
        for (k, v) in &labels {
            let _ = write!(o, "\n {k}={v}");
        }
    }
    let annotations: Vec<(String, String)> = sorted("/metadata/annotations")
        .into_iter()
        .filter(|(k, _)| k != "kubectl.kubernetes.io/last-applied-configuration")
        .collect();
    if !annotations.is_empty() {
        o.push_str("\nAnnotations:");
        for (k, v) in &annotations {
            let _ = write!(o, "\n {k}={v}");
        }
    }

    let start = stamp(pr, "/status/startTime");
    let _ = write!(
        o,
        "\n\nStatus\n\nSTARTED\tDURATION\tSTATUS\n{}\t{}\t{}",
        age(start, now_unix_nanos),
        span(start, stamp(pr, "/status/completionTime")),
        condition(pr)
    );
    if let Some(msg) = failure_message(pr, &children) {
        let _ = write!(o, "\n\nMessage\n\n{msg}");
    }

    // v1beta1's `timeout` becomes the v1 `timeouts.pipeline` (and replaces `timeouts`).
    let timeouts: Option<Vec<(&str, &Value)>> = match pr.pointer("/spec/timeout") {
        Some(t) if !t.is_null() => Some(vec![("Pipeline", t)]),
        _ => pr
            .pointer("/spec/timeouts")
            .filter(|t| !t.is_null())
            .map(|t| {
                [
                    ("Pipeline", "pipeline"),
                    ("Tasks", "tasks"),
                    ("Finally", "finally"),
                ]
                .into_iter()
                .filter_map(|(label, key)| t.get(key).filter(|v| !v.is_null()).map(|v| (label, v)))
                .collect()
            }),
    };
    if let Some(timeouts) = timeouts {
        o.push_str("\n\nTimeouts");
        for (label, v) in timeouts {
            let _ = write!(o, "\n {label}:\t{}", timeout_text(v));
        }
    }

    let params = items(pr, "/spec/params");
    if !params.is_empty() {
        o.push_str("\n\nParams\n\n NAME\tVALUE");
        for p in params {
            let value = p.get("value").unwrap_or(&Value::Null);
            let _ = write!(o, "\n {}\t{}", text(p, "/name"), go_value(value));
        }
    }

    let results = match items(pr, "/status/results") {
        [] => items(pr, "/status/pipelineResults"),
        r => r,
    };
    if !results.is_empty() {
        o.push_str("\n\nResults\n\n NAME\tVALUE");
        for r in results {
            // tkn prints the string value, else the array value (`[]` for an object).
            let value = match r.get("value") {
                Some(Value::String(s)) => s.clone(),
                Some(a @ Value::Array(_)) => go_value(a),
                _ => "[]".into(),
            };
            let _ = write!(o, "\n {}\t{value}", text(r, "/name"));
        }
    }

    let workspaces = items(pr, "/spec/workspaces");
    if !workspaces.is_empty() {
        o.push_str("\n\nWorkspaces\n\n NAME\tSUB PATH\tWORKSPACE BINDING");
        for w in workspaces {
            let sub = match text(w, "/subPath") {
                "" => "---",
                s => s,
            };
            let _ = write!(
                o,
                "\n {}\t{sub}\t{}",
                text(w, "/name"),
                workspace_binding(w)
            );
        }
    }

    if !children.is_empty() {
        o.push_str("\n\nTaskruns\n\n NAME\tTASK NAME\tSTARTED\tDURATION\tSTATUS");
        for c in &children {
            let start = stamp(c.run, "/status/startTime");
            let _ = write!(
                o,
                "\n {}\t{}\t{}\t{}\t{}",
                c.name,
                c.pipeline_task,
                age(start, now_unix_nanos),
                span(start, stamp(c.run, "/status/completionTime")),
                condition(c.run)
            );
        }
    }

    let skipped = items(pr, "/status/skippedTasks");
    if !skipped.is_empty() {
        o.push_str("\n\nSkipped Tasks\n\n NAME");
        for s in skipped {
            let _ = write!(o, "\n {}", text(s, "/name"));
        }
    }
    o.push('\n');
    Ok(tabwriter::align(&o, tabwriter::TKN))
}

/// tkn's `hasFailed`: the run's message when it failed, with the failed TaskRuns named.
fn failure_message(pr: &Value, children: &[ChildRun<'_>]) -> Option<String> {
    let first = items(pr, "/status/conditions").first()?;
    if text(first, "/status") != "False" {
        return None;
    }
    let mut failed: Vec<&str> = children
        .iter()
        .filter(|c| {
            items(c.run, "/status/conditions")
                .first()
                .is_some_and(|c| text(c, "/status") == "False")
        })
        .map(|c| c.name)
        .collect();
    let mut message = text(first, "/message").to_string();
    if !failed.is_empty() {
        failed.sort_unstable();
        let _ = write!(message, "\nTaskRun(s) cancelled: {}", failed.join(", "));
    }
    (!message.is_empty()).then_some(message)
}

fn stamp_text(unix_nanos: i64) -> Value {
    Value::String(format_rfc3339_millis(unix_nanos))
}

fn nanos(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}

/// The TaskRun condition of a task that ran: `(status, reason)`.
fn task_condition(t: &TaskOutcome) -> (&'static str, String) {
    let (status, default) = match t.state {
        TaskState::Succeeded => ("True", "Succeeded"),
        TaskState::Failed => ("False", "Failed"),
        TaskState::Cancelled => ("False", "TaskRunCancelled"),
        _ => ("Unknown", "Running"),
    };
    let reason = if t.reason.is_empty() {
        default.to_string()
    } else {
        t.reason.clone()
    };
    (status, reason)
}

/// The PipelineRun and TaskRun objects a cluster would hold after `outcome`: `pipeline_run`
/// (its metadata and spec as given) with the run's `status`, and one TaskRun per pipeline task
/// that started, named `RUN-TASK` as Tekton names them.
///
/// Deliberate differences from a cluster: stamps carry milliseconds (Kubernetes keeps whole
/// seconds; local tasks take milliseconds), and a matrix task is one TaskRun for all of its
/// instances (the runner reports them together).
pub fn outcome_objects(
    outcome: &PipelineRunOutcome,
    pipeline_run: &Value,
    started_unix_nanos: i64,
) -> (Value, Vec<Value>) {
    let start = started_unix_nanos;
    let end = start.saturating_add(nanos(outcome.duration));
    let name = match text(pipeline_run, "/metadata/name") {
        "" => outcome.name.as_str(),
        n => n,
    };
    let namespace = text(pipeline_run, "/metadata/namespace");
    let mut task_runs = Vec::new();
    let mut children = Vec::new();
    let mut skipped = Vec::new();
    for t in &outcome.tasks {
        match t.state {
            TaskState::Skipped => {
                skipped.push(json!({"name": t.name, "reason": t.reason}));
                continue;
            }
            TaskState::NotRun => continue,
            _ => {}
        }
        let tr_name = format!("{name}-{}", t.name);
        let (status, reason) = task_condition(t);
        let t_start = start.saturating_add(t.started.map_or(0, nanos));
        let mut st = Map::new();
        st.insert("startTime".into(), stamp_text(t_start));
        if let Some(d) = t.duration.filter(|_| status != "Unknown") {
            st.insert(
                "completionTime".into(),
                stamp_text(t_start.saturating_add(nanos(d))),
            );
        }
        let mut cond = json!({"type": "Succeeded", "status": status, "reason": reason});
        if !t.messages.is_empty()
            && let Some(c) = cond.as_object_mut()
        {
            c.insert("message".into(), Value::String(t.messages.join("\n")));
        }
        st.insert("conditions".into(), Value::Array(vec![cond]));
        let results: Vec<Value> = t
            .results
            .iter()
            .map(|(k, v)| json!({"name": k, "value": v.to_json()}))
            .collect();
        if !results.is_empty() {
            st.insert("results".into(), Value::Array(results));
        }
        task_runs.push(json!({
            "apiVersion": "tekton.dev/v1",
            "kind": "TaskRun",
            "metadata": {
                "name": tr_name,
                "namespace": namespace,
                "labels": {
                    "tekton.dev/pipelineRun": name,
                    "tekton.dev/pipelineTask": t.name,
                },
            },
            "status": Value::Object(st),
        }));
        children.push(json!({
            "apiVersion": "tekton.dev/v1",
            "kind": "TaskRun",
            "name": tr_name,
            "pipelineTaskName": t.name,
        }));
    }
    let c = &outcome.condition;
    let mut status = Map::new();
    status.insert("startTime".into(), stamp_text(start));
    if c.status.as_str() != "Unknown" {
        status.insert("completionTime".into(), stamp_text(end));
    }
    status.insert(
        "conditions".into(),
        json!([{
            "type": "Succeeded",
            "status": c.status.as_str(),
            "reason": c.reason,
            "message": c.message,
        }]),
    );
    if !outcome.results.is_empty() {
        let results: Vec<Value> = outcome
            .results
            .iter()
            .map(|(k, v)| json!({"name": k, "value": v.to_json()}))
            .collect();
        status.insert("results".into(), Value::Array(results));
    }
    if !children.is_empty() {
        status.insert("childReferences".into(), Value::Array(children));
    }
    if !skipped.is_empty() {
        status.insert("skippedTasks".into(), Value::Array(skipped));
    }
    let mut pr = match pipeline_run {
        Value::Object(m) => m.clone(),
        _ => Map::new(),
    };
    pr.insert("status".into(), Value::Object(status));
    (Value::Object(pr), task_runs)
}
