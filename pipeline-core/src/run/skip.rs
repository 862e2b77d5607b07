//! Skip rules: why a task that is ready to start does not run (Tekton's `SkippingReason`s),
//! with one function for DAG and finally tasks, and the result-reference checks made before
//! a task is scheduled.

use std::fmt;

use crate::matrix;
use crate::model::PipelineTask;
use crate::substitute::{Budget, Lookup};
use crate::when;

use super::{PipelineRunState, TaskRt};

/// Why a task was skipped. `as_str` gives Tekton's exact reason string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SkipReason {
    /// `When Expressions evaluated to false`
    WhenExpressions,
    /// `Parent Tasks were skipped`
    ParentTasks,
    /// `PipelineRun was stopping`
    Stopping,
    /// `PipelineRun was gracefully cancelled`
    GracefullyCancelled,
    /// `PipelineRun was gracefully stopped`
    GracefullyStopped,
    /// `Results were missing`
    MissingResults,
    /// `PipelineRun timeout has been reached`
    PipelineTimedOut,
    /// `PipelineRun Tasks timeout has been reached`
    TasksTimedOut,
    /// `PipelineRun Finally timeout has been reached`
    FinallyTimedOut,
    /// `Matrix Parameters have an empty array`
    EmptyArrayInMatrixParams,
}

impl SkipReason {
    /// Tekton's reason string.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::WhenExpressions => "When Expressions evaluated to false",
            SkipReason::ParentTasks => "Parent Tasks were skipped",
            SkipReason::Stopping => "PipelineRun was stopping",
            SkipReason::GracefullyCancelled => "PipelineRun was gracefully cancelled",
            SkipReason::GracefullyStopped => "PipelineRun was gracefully stopped",
            SkipReason::MissingResults => "Results were missing",
            SkipReason::PipelineTimedOut => "PipelineRun timeout has been reached",
            SkipReason::TasksTimedOut => "PipelineRun Tasks timeout has been reached",
            SkipReason::FinallyTimedOut => "PipelineRun Finally timeout has been reached",
            SkipReason::EmptyArrayInMatrixParams => "Matrix Parameters have an empty array",
        }
    }

    pub(super) fn is_timeout(self) -> bool {
        matches!(
            self,
            SkipReason::PipelineTimedOut | SkipReason::TasksTimedOut | SkipReason::FinallyTimedOut
        )
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PipelineRunState {
    /// First result reference of task `i` that does not resolve: (task index, task, result).
    pub(super) fn missing_result(&self, i: usize) -> Option<(usize, String, String)> {
        for (r, result) in self.refs_of(i) {
            let t = self.tasks.get(*r)?;
            if !(t.successful() || t.failure()) || !t.results.contains_key(result) {
                let name = self
                    .pipeline_task(*r)
                    .map(|p| p.name.clone())
                    .unwrap_or_default();
                return Some((*r, name, result.clone()));
            }
        }
        None
    }

    /// Whether pipeline task `i`, ready to start, is skipped instead, and why, in Tekton's
    /// order of checks. One function for both kinds of task; they differ where Tekton's do:
    ///
    /// - a finally task with a result reference that does not resolve is skipped
    ///   (`MissingResults`) before its `when` is evaluated, and its `when` may read
    ///   `$(tasks.NAME.status)`;
    /// - a DAG task (after the stopping and graceful-cancellation checks the caller makes) is
    ///   skipped when a parent was skipped for a reason other than its `when`, and for a
    ///   missing result only when it continues on error or the result's task was skipped by
    ///   its `when`;
    /// - the phase timeout that applies is `timeouts.tasks` for DAG tasks and
    ///   `timeouts.finally` for finally tasks.
    ///
    /// `Err` when the task cannot be evaluated within the limits (it then fails validation).
    pub(super) fn skip_reason(&self, i: usize) -> Result<Option<SkipReason>, String> {
        let Some(pt) = self.pipeline_task(i) else {
            return Ok(None);
        };
        let finally = i >= self.n_dag;
        let missing = self.missing_result(i);
        if finally && missing.is_some() {
            return Ok(Some(SkipReason::MissingResults));
        }
        let lookup = self.lookup(Some(pt), finally);
        if !self.when_allows(i, pt, &lookup)? {
            return Ok(Some(SkipReason::WhenExpressions));
        }
        if !finally {
            let parent_skipped = self.dag.prev(i).iter().any(|&p| {
                self.tasks
                    .get(p)
                    .and_then(TaskRt::skip)
                    .is_some_and(|r| r != SkipReason::WhenExpressions)
            });
            if parent_skipped {
                return Ok(Some(SkipReason::ParentTasks));
            }
            if let Some((r, _, _)) = missing {
                let ref_when_skipped =
                    self.tasks.get(r).and_then(TaskRt::skip) == Some(SkipReason::WhenExpressions);
                if pt.continues_on_error() || ref_when_skipped {
                    return Ok(Some(SkipReason::MissingResults));
                }
            }
        }
        if self.pipeline_timed_out {
            return Ok(Some(SkipReason::PipelineTimedOut));
        }
        if finally && self.finally_timed_out {
            return Ok(Some(SkipReason::FinallyTimedOut));
        }
        if !finally && self.tasks_timed_out {
            return Ok(Some(SkipReason::TasksTimedOut));
        }
        self.empty_matrix(i, pt, &lookup)
    }

    /// The task's `when` expressions, substituted within `limits.max_task_bytes`.
    pub(super) fn when_allows(
        &self,
        i: usize,
        pt: &PipelineTask,
        lookup: &dyn Lookup,
    ) -> Result<bool, String> {
        if pt.when.is_empty() {
            return Ok(true);
        }
        let mut budget = Budget::new(self.limits.max_task_bytes);
        match when::allows_execution_with_cel(&pt.when, lookup, &mut budget) {
            Ok(b) => Ok(b),
            Err(when::WhenError::Overflow(j, o)) => {
                Err(self.over_task_budget(pt, &format!("{}.when[{j}]", self.at(i)), &o))
            }
            Err(when::WhenError::Cel(e)) => {
                // Tekton fails the whole run; nothing more starts.
                let _ = self
                    .cel_failed
                    .set(format!("Error evaluating CEL {}: {e}", self.ctx.name));
                Ok(false)
            }
        }
    }

    pub(super) fn empty_matrix(
        &self,
        i: usize,
        pt: &PipelineTask,
        lookup: &dyn Lookup,
    ) -> Result<Option<SkipReason>, String> {
        if !pt.is_matrixed() {
            return Ok(None);
        }
        Ok(self
            .resolved_matrix(i, pt, lookup)?
            .is_some_and(|m| matrix::has_empty_array(&m))
            .then_some(SkipReason::EmptyArrayInMatrixParams))
    }

    /// Tekton's check before creating TaskRuns: every referenced result exists.
    pub(super) fn result_validation(&self, i: usize, pt: &PipelineTask) -> Result<(), String> {
        let Some((r, task, result)) = self.missing_result(i) else {
            return Ok(());
        };
        match self.tasks.get(r) {
            Some(t) if t.successful() => Err(format!(
                "task {task:?} completed successfully but did not emit the result {result:?}, which is referenced by task {:?}",
                pt.name
            )),
            Some(t) if !t.scheduled() => Err(format!(
                "Result reference error: Internal result ref {task:?} has zero-length TaskRuns"
            )),
            _ => Err(format!(
                "Invalid task result reference: Could not find result with name {result} for pipeline task {task}"
            )),
        }
    }
}
