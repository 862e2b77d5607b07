//! Status: each pipeline task's state and the PipelineRun's `Succeeded` condition, with
//! Tekton's reasons and messages, and the Pipeline's results.

use std::collections::BTreeMap;

use crate::model::{ParamType, ParamValue, PipelineTask};
use crate::substitute::{Budget, references, resolve_value_within};

use super::{
    Condition, ConditionStatus, InstPhase, Phase, PipelineRunState, SkipReason, SpecStatus, TaskRt,
};

/// The state of one pipeline task as reported by [`PipelineRunState::task_statuses`]
/// (serialized as [`TaskState::as_str`] writes it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum TaskState {
    /// Never started (and not skipped).
    NotRun,
    /// Started, not finished.
    Running,
    /// Every instance succeeded.
    Succeeded,
    /// Finished with a failure (including timeouts).
    Failed,
    /// Finished, cancelled.
    Cancelled,
    /// Skipped (see the skip reason).
    Skipped,
}

impl TaskState {
    /// `NotRun`, `Running`, `Succeeded`, `Failed`, `Cancelled` or `Skipped`.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::NotRun => "NotRun",
            TaskState::Running => "Running",
            TaskState::Succeeded => "Succeeded",
            TaskState::Failed => "Failed",
            TaskState::Cancelled => "Cancelled",
            TaskState::Skipped => "Skipped",
        }
    }
}

/// One pipeline task's status.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskStatus {
    /// Pipeline task name.
    pub name: String,
    /// True for a `finally` task.
    pub finally: bool,
    /// State.
    pub state: TaskState,
    /// Tekton's TaskRun reason (`Succeeded`, `Failed`, `TaskRunTimeout`, `TaskRunCancelled`),
    /// the skip reason, or the validation message.
    pub reason: String,
    /// Skip reason, when skipped.
    pub skip_reason: Option<SkipReason>,
    /// Results (for a matrixed task: arrays over its instances).
    pub results: BTreeMap<String, ParamValue>,
    /// Number of instances started (matrix combinations).
    pub instances: usize,
    /// Attempts made over all instances (retries included).
    pub attempts: u32,
}

/// The type of the condition a PipelineRun reports.
const SUCCEEDED: &str = "Succeeded";

impl PipelineRunState {
    /// `Succeeded`, `Failed` or `None`: the value of `$(tasks.NAME.status)`.
    pub(super) fn execution_status(&self, i: usize) -> &'static str {
        match self.tasks.get(i) {
            Some(t) if t.successful() => "Succeeded",
            Some(t) if t.any_failed() => "Failed",
            _ => "None",
        }
    }

    /// The value of `$(tasks.status)`: `Succeeded`, `Failed`, `Completed` or `None`.
    pub fn aggregate_status(&self) -> &'static str {
        if !self.dag_done() {
            return "None";
        }
        let mut agg = "Succeeded";
        for t in self.tasks.iter().take(self.n_dag) {
            if t.any_failed() {
                return "Failed";
            }
            if t.skip().is_some() {
                agg = "Completed";
            }
        }
        agg
    }

    /// True when no instance is running and nothing more can start.
    pub fn is_done(&self) -> bool {
        let running = self.tasks.iter().any(TaskRt::running);
        if self.spec_status == Some(SpecStatus::Cancelled)
            || self.pipeline_timed_out
            || self.failed_run.is_some()
        {
            return !running;
        }
        self.tasks.iter().all(TaskRt::done)
    }

    /// Fails the whole run with Tekton's condition `reason` and `message` (as the reconciler's
    /// `MarkFailed` does): nothing more starts, instances already running may still report
    /// their end, and [`condition`](Self::condition) is this one. The first failure stays.
    /// A host that resolves `taskRef`s calls it, for example, with `InvalidParamValue` when
    /// [`param_enum_violation`](crate::validate::param_enum_violation) finds a value outside
    /// the Task's `enum`.
    pub fn fail_run(&mut self, reason: &str, message: &str) {
        if self.failed_run.is_none() {
            self.failed_run = Some(Condition::new(
                SUCCEEDED,
                ConditionStatus::False,
                reason,
                message,
            ));
        }
    }

    /// True when an instance is started and not finished.
    pub fn has_running(&self) -> bool {
        self.tasks.iter().any(TaskRt::running)
    }

    /// The status of one pipeline task by name.
    pub fn task_status(&self, name: &str) -> Option<TaskStatus> {
        self.index_of(name).and_then(|i| self.status_of(i))
    }

    pub(super) fn status_of(&self, i: usize) -> Option<TaskStatus> {
        let t = self.tasks.get(i)?;
        let pt = self.pipeline_task(i)?;
        let state = if t.successful() {
            TaskState::Succeeded
        } else if t.cancelled() {
            TaskState::Cancelled
        } else if t.failure() {
            TaskState::Failed
        } else if t.skip().is_some() {
            TaskState::Skipped
        } else if t.running() {
            TaskState::Running
        } else {
            TaskState::NotRun
        };
        let reason = match &t.phase {
            Phase::Skipped(r) => r.as_str().to_string(),
            Phase::ValidationFailed(m) => m.clone(),
            _ => t.reason(),
        };
        Some(TaskStatus {
            name: pt.name.clone(),
            finally: i >= self.n_dag,
            state,
            reason,
            skip_reason: t.skip(),
            results: t.results.clone(),
            instances: t.insts.len(),
            attempts: t
                .insts
                .iter()
                .map(|x| x.attempt + u32::from(x.done() || x.phase == InstPhase::Running))
                .sum(),
        })
    }

    /// Every pipeline task's status: DAG tasks in spec order, then finally tasks.
    pub fn task_statuses(&self) -> Vec<TaskStatus> {
        (0..self.tasks.len())
            .filter_map(|i| self.status_of(i))
            .collect()
    }

    /// The PipelineRun's `Succeeded` condition, as Tekton computes it.
    pub fn condition(&self) -> Condition {
        if let Some(c) = &self.failed_run {
            return c.clone();
        }
        let name = &self.ctx.name;
        if self.pipeline_timed_out {
            let t = self
                .ctx
                .timeouts
                .pipeline
                .clone()
                .unwrap_or_else(|| "1h0m0s".into());
            return Condition::new(
                SUCCEEDED,
                ConditionStatus::False,
                "PipelineRunTimeout",
                format!("PipelineRun {name:?} failed to finish within {t:?}"),
            );
        }
        if self.spec_status == Some(SpecStatus::Cancelled) {
            return Condition::new(
                SUCCEEDED,
                ConditionStatus::False,
                "Cancelled",
                format!("PipelineRun {name:?} was cancelled"),
            );
        }
        let has_finally = self.tasks.len() > self.n_dag;
        if self.tasks_timed_out && (!has_finally || self.finally_done()) {
            let t = self.ctx.timeouts.tasks.clone().unwrap_or_default();
            return Condition::new(
                SUCCEEDED,
                ConditionStatus::False,
                "PipelineRunTimeout",
                format!("PipelineRun {name:?} failed due to tasks failed to finish within {t:?}"),
            );
        }
        let (mut succeeded, mut failed, mut ignored, mut cancelled, mut skipped) = (0, 0, 0, 0, 0);
        let (mut incomplete, mut skipped_timeout, mut validation) = (0, 0, Vec::new());
        for (i, t) in self.tasks.iter().enumerate() {
            let continues = self
                .pipeline_task(i)
                .is_some_and(PipelineTask::continues_on_error);
            if t.successful() {
                succeeded += 1;
            } else if t.cancelled_for_timeout() {
                failed += 1;
            } else if t.cancelled() {
                cancelled += 1;
            } else if t.failure() {
                if continues { ignored += 1 } else { failed += 1 }
            } else if let Phase::ValidationFailed(m) = &t.phase {
                validation.push(m.clone());
            } else if let Some(r) = t.skip() {
                skipped += 1;
                if r.is_timeout() {
                    skipped_timeout += 1;
                }
            } else {
                incomplete += 1;
            }
        }
        let completed = succeeded + failed + cancelled + ignored;
        let total_failed = failed + ignored;
        if incomplete == 0 {
            let mut status = ConditionStatus::True;
            let mut reason = if skipped > 0 {
                "Completed"
            } else {
                "Succeeded"
            };
            let mut message = if ignored > 0 {
                format!(
                    "Tasks Completed: {completed} (Failed: {total_failed} (Ignored: {ignored}), Cancelled {cancelled}), Skipped: {skipped}"
                )
            } else {
                format!(
                    "Tasks Completed: {completed} (Failed: {total_failed}, Cancelled {cancelled}), Skipped: {skipped}"
                )
            };
            if !validation.is_empty() {
                message.push_str(&format!(
                    ", Failed Validation: {} ({})",
                    validation.len(),
                    validation.join("; ")
                ));
            }
            if !validation.is_empty() {
                reason = "PipelineValidationFailed";
                status = ConditionStatus::False;
            } else if failed > 0 || skipped_timeout > 0 {
                reason = "Failed";
                status = ConditionStatus::False;
            } else if matches!(
                self.spec_status,
                Some(SpecStatus::CancelledRunFinally | SpecStatus::StoppedRunFinally)
            ) {
                reason = "Cancelled";
                status = ConditionStatus::False;
                message = format!("PipelineRun {name:?} was cancelled");
            } else if cancelled > 0 {
                reason = "Cancelled";
                status = ConditionStatus::False;
            }
            return Condition::new(SUCCEEDED, status, reason, message);
        }
        let reason = if self.tasks_timed_out && has_finally && !self.finally_done() {
            "PipelineRunTimeoutRunningFinally"
        } else if self.spec_status == Some(SpecStatus::CancelledRunFinally) {
            "CancelledRunningFinally"
        } else if self.spec_status == Some(SpecStatus::StoppedRunFinally) {
            "StoppedRunningFinally"
        } else if cancelled > 0 || (failed > 0 && self.finally_done()) {
            "PipelineRunStopping"
        } else {
            "Running"
        };
        Condition::new(
            SUCCEEDED,
            ConditionStatus::Unknown,
            reason,
            format!(
                "Tasks Completed: {completed} (Failed: {failed}, Cancelled {cancelled}), Incomplete: {incomplete}, Skipped: {skipped}"
            ),
        )
    }

    /// The Pipeline's `results`, resolved from task results (unresolvable ones are left out,
    /// and so are those past `limits.max_task_bytes` in all).
    pub fn pipeline_results(&self) -> BTreeMap<String, ParamValue> {
        let lookup = self.lookup(None, true);
        let mut out = BTreeMap::new();
        // The results go into the PipelineRun's status: one object's worth at most.
        let mut budget = Budget::new(self.limits.max_task_bytes);
        for r in &self.spec.results {
            if let ParamValue::String(s) = &r.value
                && !references(s).all(|x| crate::substitute::resolves(x.expr, &lookup))
            {
                continue;
            }
            let Ok(v) = resolve_value_within(&r.value, &lookup, &mut budget) else {
                continue;
            };
            let v = match (r.result_type, v) {
                (Some(ParamType::Array), ParamValue::String(s)) => ParamValue::Array(vec![s]),
                (_, v) => v,
            };
            out.insert(r.name.clone(), v);
        }
        out
    }
}
