//! Running hooks: the [`HookRunner`] adapter the host implements.
//!
//! After a hook object is applied, the sync asks the runner for the hook's state, and asks
//! again on every later step while it is `Running`. The default, [`StatusHookRunner`],
//! judges a hook by its live object's health as gitops-engine does (a hook without a health
//! rule succeeds once created; Degraded or Unknown fails it; Progressing or Suspended keeps
//! it running). A host that runs hooks itself (a Job that starts a Tekton PipelineRun, say)
//! implements [`HookRunner`] and reports the outcome.

use std::sync::Arc;

use serde_json::Value;

use super::health::{HealthStatusCode, resource_health};
use super::sync::SyncPhase;
use crate::Error;

/// What a hook runner is told about the sync a hook belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookContext {
    /// `namespace/name` of the Application.
    pub app: String,
    /// The revision being synced.
    pub revision: String,
    /// The phase the hook runs in.
    pub phase: SyncPhase,
}

/// A hook's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookState {
    /// Still running (why).
    Running(String),
    /// Done, successfully.
    Succeeded(String),
    /// Done, failed (why).
    Failed(String),
}

/// Runs (or observes) hooks. `hook` is the live hook object (as applied, with Argo's name).
pub trait HookRunner: Send + Sync {
    /// The state of `hook` now; called once after it is applied, then on every step while
    /// it runs.
    fn poll(&self, hook: &Value, ctx: &HookContext) -> Result<HookState, Error>;
}

impl<T: HookRunner + ?Sized> HookRunner for &T {
    fn poll(&self, hook: &Value, ctx: &HookContext) -> Result<HookState, Error> {
        (**self).poll(hook, ctx)
    }
}

impl<T: HookRunner + ?Sized> HookRunner for Box<T> {
    fn poll(&self, hook: &Value, ctx: &HookContext) -> Result<HookState, Error> {
        (**self).poll(hook, ctx)
    }
}

impl<T: HookRunner + ?Sized> HookRunner for Arc<T> {
    fn poll(&self, hook: &Value, ctx: &HookContext) -> Result<HookState, Error> {
        (**self).poll(hook, ctx)
    }
}

/// Judges hooks by their live object's health (gitops-engine's `getOperationPhase`).
#[derive(Debug, Clone, Copy, Default)]
pub struct StatusHookRunner;

impl HookRunner for StatusHookRunner {
    fn poll(&self, hook: &Value, _ctx: &HookContext) -> Result<HookState, Error> {
        Ok(hook_state_from_health(hook))
    }
}

/// gitops-engine's `getOperationPhase` on a live hook object.
pub fn hook_state_from_health(hook: &Value) -> HookState {
    let name = hook
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    match resource_health(hook) {
        None => HookState::Succeeded(format!("{name} created")),
        Some(h) => match h.status {
            HealthStatusCode::Healthy => HookState::Succeeded(h.message),
            HealthStatusCode::Unknown | HealthStatusCode::Degraded => HookState::Failed(h.message),
            _ => HookState::Running(h.message),
        },
    }
}
