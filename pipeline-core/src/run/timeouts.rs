//! Timeouts: the run-level `timeouts.pipeline` / `tasks` / `finally`, per-task `timeout`s,
//! deadlines the host waits for, and the events that report them.

use crate::error::Error;
use std::time::Duration;

use crate::model::{PipelineTask, TimeoutFields};

use super::{InstPhase, InstanceId, Phase, PipelineRunState, SkipReason};

/// Which run-level timeout the host observed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunTimeout {
    /// `timeouts.pipeline`: the whole run.
    Pipeline,
    /// `timeouts.tasks`: the DAG tasks.
    Tasks,
    /// `timeouts.finally`: the finally tasks.
    Finally,
}

/// The run-level timeouts of a PipelineRun (`spec.timeouts`, or `v1beta1`'s
/// `spec.timeout` for the whole run). `None` (or a zero duration, Tekton's "no timeout") is
/// no deadline.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunTimeouts {
    /// `timeouts.pipeline`, from the run's start.
    pub pipeline: Option<Duration>,
    /// `timeouts.tasks`, from the run's start: the DAG tasks.
    pub tasks: Option<Duration>,
    /// `timeouts.finally`, from the start of the first finally task.
    pub finally: Option<Duration>,
}

impl RunTimeouts {
    /// The timeouts a PipelineRun spec sets, or the located message of a bad duration.
    pub fn from_spec(spec: &crate::model::PipelineRunSpec) -> Result<Self, Error> {
        let mut t = spec.timeouts.clone().unwrap_or_default();
        if t.pipeline.is_none() {
            t.pipeline = spec.timeout.clone();
        }
        Self::from_fields(&t)
    }

    /// The timeouts of `spec.timeouts` as written (what [`RunContext::timeouts`](super::RunContext::timeouts) holds).
    pub fn from_fields(t: &TimeoutFields) -> Result<Self, Error> {
        let parse = |field: &'static str, v: &Option<String>| -> Result<Option<Duration>, Error> {
            match v {
                None => Ok(None),
                Some(v) => crate::runner::parse_duration(v)
                    .map(|d| Some(d).filter(|d| !d.is_zero()))
                    .map_err(|source| Error::InvalidTimeout {
                        field,
                        value: v.clone(),
                        source,
                    }),
            }
        };
        Ok(RunTimeouts {
            pipeline: parse("timeouts.pipeline", &t.pipeline)?,
            tasks: parse("timeouts.tasks", &t.tasks)?,
            finally: parse("timeouts.finally", &t.finally)?,
        })
    }
}

impl PipelineRunState {
    /// A pipeline task's timeout as written: its `taskRunSpecs` entry's, else its own.
    pub(super) fn task_timeout<'s>(&'s self, pt: &'s PipelineTask) -> Option<&'s str> {
        self.ctx
            .task_run_specs
            .iter()
            .rev()
            .find(|t| t.pipeline_task_name == pt.name)
            .and_then(|t| t.timeout.as_deref())
            .or(pt.timeout.as_deref())
    }

    /// Sets the run-level timeouts (see [`RunTimeouts::from_spec`]).
    pub fn set_timeouts(&mut self, timeouts: RunTimeouts) {
        self.timeouts = timeouts;
    }

    /// The run-level timeouts.
    pub fn timeouts(&self) -> RunTimeouts {
        self.timeouts
    }

    /// The next deadline, as time since the run started: the earliest of `timeouts.pipeline`,
    /// `timeouts.tasks`, `timeouts.finally` (once a finally task started) and the `timeout`
    /// of each started instance. A host sleeps until then (or until an instance ends) and
    /// calls [`elapse`](Self::elapse). None: nothing will time out.
    pub fn next_deadline(&self) -> Option<Duration> {
        let run_level = [
            (RunTimeout::Pipeline, self.timeouts.pipeline),
            (RunTimeout::Tasks, self.timeouts.tasks),
            (
                RunTimeout::Finally,
                self.timeouts
                    .finally
                    .zip(self.finally_started)
                    .map(|(f, s)| s.saturating_add(f)),
            ),
        ]
        .into_iter()
        .filter(|(w, _)| !self.fired.contains(w))
        .filter_map(|(_, d)| d);
        let own = self
            .inst_deadlines
            .iter()
            .filter(|(id, _)| self.inst_running(**id))
            .map(|(_, d)| *d);
        run_level.chain(own).min()
    }

    pub(super) fn inst_running(&self, id: InstanceId) -> bool {
        self.tasks
            .get(id.task())
            .and_then(|t| t.insts.get(id.index()))
            .is_some_and(|i| i.phase == InstPhase::Running)
    }

    /// Tells the state machine that `elapsed` has passed since the run started; every
    /// deadline at or before it fires. Returns the running instances the host must stop: for
    /// a run-level timeout they count as stopped from now on (`PipelineRunTimeout` ...); for
    /// an instance's own `timeout` its end, when reported, counts as `TaskRunTimeout`
    /// (retried while retries remain).
    pub fn elapse(&mut self, elapsed: Duration) -> Vec<InstanceId> {
        self.now = self.now.max(elapsed);
        let now = self.now;
        let mut stop = Vec::new();
        let due = |which: RunTimeout, s: &Self| -> bool {
            let deadline = match which {
                RunTimeout::Pipeline => s.timeouts.pipeline,
                RunTimeout::Tasks => s.timeouts.tasks,
                RunTimeout::Finally => s
                    .timeouts
                    .finally
                    .zip(s.finally_started)
                    .map(|(f, st)| st.saturating_add(f)),
            };
            !s.fired.contains(&which) && deadline.is_some_and(|d| d <= now)
        };
        for which in [RunTimeout::Pipeline, RunTimeout::Tasks, RunTimeout::Finally] {
            if !due(which, self) {
                continue;
            }
            self.fired.push(which);
            let relevant = match which {
                RunTimeout::Pipeline => !self.is_done(),
                RunTimeout::Tasks => !self.dag_done(),
                RunTimeout::Finally => (self.n_dag..self.tasks.len())
                    .any(|i| self.tasks.get(i).is_some_and(|t| !t.done())),
            };
            if relevant {
                stop.extend(self.timeout(which));
            }
        }
        let own: Vec<InstanceId> = self
            .inst_deadlines
            .iter()
            .filter(|(_, d)| **d <= now)
            .map(|(id, _)| *id)
            .collect();
        for id in own {
            self.inst_deadlines.remove(&id);
            if self.inst_running(id) {
                self.timing_out.insert(id);
                stop.push(id);
            }
        }
        stop.sort();
        stop.dedup();
        stop
    }

    /// Reports a run-level timeout. Returns the instances the host must stop.
    pub fn timeout(&mut self, which: RunTimeout) -> Vec<InstanceId> {
        match which {
            RunTimeout::Pipeline => {
                self.pipeline_timed_out = true;
                let ids = self.cancel_running(0..self.tasks.len(), InstPhase::CancelledByTimeout);
                for i in 0..self.tasks.len() {
                    let is_dag = i < self.n_dag;
                    let ready = if is_dag {
                        self.parents_done(i)
                    } else {
                        self.dag_done()
                    };
                    if self.tasks.get(i).is_some_and(|t| t.phase == Phase::Pending) && ready {
                        self.set_phase(i, Phase::Skipped(SkipReason::PipelineTimedOut));
                    }
                }
                ids
            }
            RunTimeout::Tasks => {
                self.tasks_timed_out = true;
                self.cancel_running(0..self.n_dag, InstPhase::CancelledByTimeout)
            }
            RunTimeout::Finally => {
                self.finally_timed_out = true;
                self.cancel_running(self.n_dag..self.tasks.len(), InstPhase::CancelledByTimeout)
            }
        }
    }
}
