//! The EventListener: one event through every trigger, a result per trigger.

use crate::error::Error;
use crate::event::{Event, uuid_like};
use crate::github::GitHubApi;
use crate::interceptors::{Decision, EventView, Hosts, Interceptor, cel};
use crate::json::Doc;
use crate::model::{
    EventListener, LabelSelector, NamespaceSelector, Param, Resources, Trigger, TriggerInterceptor,
    TriggerSpec,
};
use crate::path::{BindingExpr, Node, Root};
use crate::secrets::{MemorySecretStore, SecretStore};
use crate::template::{DEFAULT_MAX_RENDER_BYTES, RenderBudget, Template};
use serde_json::{Map, Value};
use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Bounds on what one event may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest body accepted, in bytes (default 10 MiB).
    pub max_body_bytes: usize,
    /// Deepest JSON nesting accepted in a body (default 128; at most 1,000 whatever is set
    /// here, so that decoding never runs deep on the call stack).
    pub max_json_depth: usize,
    /// Most work one CEL evaluation may do, in steps (default 10,000,000). The bound is
    /// computed from the expression and the sizes of its inputs before it runs (list
    /// literals, comprehensions nested in each other, the sizes strings and lists grow
    /// to), so an expression that could do more is refused without being run.
    pub max_cel_cost: u64,
    /// Most memory one CEL evaluation may allocate, in bytes, its inputs' CEL values
    /// included (default 64 MiB); bounded and refused the same way as `max_cel_cost`.
    pub max_cel_memory_bytes: u64,
    /// Most bytes of substituted template text the triggers of one event may render
    /// together (default 16 MiB, [`DEFAULT_MAX_RENDER_BYTES`]). Counted from the values'
    /// lengths before anything is built; the trigger that would cross it is rejected.
    /// Kubernetes objects are limited to about 1.5 MiB each by etcd, so this leaves room
    /// for several large resources.
    pub max_render_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body_bytes: 10 * 1024 * 1024,
            max_json_depth: 128,
            max_cel_cost: 10_000_000,
            max_cel_memory_bytes: 64 * 1024 * 1024,
            max_render_bytes: DEFAULT_MAX_RENDER_BYTES,
        }
    }
}

impl Limits {
    /// Largest body accepted, in bytes.
    pub fn max_body_bytes(mut self, n: usize) -> Self {
        self.max_body_bytes = n;
        self
    }

    /// Deepest JSON nesting accepted in a body (at most 1,000 whatever is set).
    pub fn max_json_depth(mut self, n: usize) -> Self {
        self.max_json_depth = n;
        self
    }

    /// Most work one CEL evaluation may do, in steps.
    pub fn max_cel_cost(mut self, n: u64) -> Self {
        self.max_cel_cost = n;
        self
    }

    /// Most memory one CEL evaluation may allocate, in bytes.
    pub fn max_cel_memory_bytes(mut self, n: u64) -> Self {
        self.max_cel_memory_bytes = n;
        self
    }

    /// Most bytes of substituted template text the triggers of one event may render.
    pub fn max_render_bytes(mut self, n: usize) -> Self {
        self.max_render_bytes = n;
        self
    }
}

/// One trigger, resolved: interceptors, binding params, template.
#[derive(Debug)]
pub struct TriggerPlan {
    name: String,
    interceptors: Vec<(String, Interceptor)>,
    bindings: Vec<(Param, BindingExpr)>,
    template: Option<Template>,
    /// Set when the trigger cannot run (missing reference, duplicate param): every event
    /// is rejected with this reason.
    broken: Option<String>,
}

impl TriggerPlan {
    /// A trigger from its parts.
    pub fn new(
        name: &str,
        interceptors: &[TriggerInterceptor],
        bindings: Vec<Param>,
        template: Option<Template>,
    ) -> TriggerPlan {
        let mut broken = None;
        let mut seen = std::collections::BTreeSet::new();
        for p in &bindings {
            if !seen.insert(p.name.as_str()) {
                broken = Some(format!("duplicate param name: {}", p.name));
                break;
            }
        }
        TriggerPlan {
            name: name.to_string(),
            interceptors: interceptors.iter().map(Interceptor::from_model).collect(),
            bindings: bindings
                .into_iter()
                .map(|p| {
                    let e = BindingExpr::parse(&p.value);
                    (p, e)
                })
                .collect(),
            template,
            broken,
        }
    }

    /// Resolves an EventListener trigger against the objects of a stream.
    pub fn resolve(spec: &TriggerSpec, index: usize, resources: &Resources) -> TriggerPlan {
        let mut spec = spec.clone();
        let mut name = spec.name.clone().unwrap_or_default();
        if let Some(r) = &spec.trigger_ref {
            if name.is_empty() {
                name = r.clone();
            }
            match resources.triggers.iter().find(|t| &t.metadata.name == r) {
                Some(t) => spec = t.spec.clone(),
                None => {
                    return TriggerPlan::broken(
                        &name,
                        format!("error getting Trigger {r}: not found"),
                    );
                }
            }
        }
        if name.is_empty() {
            name = format!("trigger-{index}");
        }
        let mut params = Vec::new();
        for b in &spec.bindings {
            if let Some(s) = &b.spec {
                params.extend(s.params.iter().cloned());
            } else if let (Some(n), Some(v)) = (&b.name, &b.value) {
                params.push(Param {
                    name: n.clone(),
                    value: v.clone(),
                });
            } else if let Some(r) = b.r#ref.as_ref().or(b.name.as_ref()) {
                let cluster = b.kind.as_deref() == Some("ClusterTriggerBinding");
                let (list, kind) = if cluster {
                    (&resources.cluster_trigger_bindings, "ClusterTriggerBinding")
                } else {
                    (&resources.trigger_bindings, "TriggerBinding")
                };
                match list.iter().find(|tb| &tb.metadata.name == r) {
                    Some(tb) => params.extend(tb.spec.params.iter().cloned()),
                    None => {
                        return TriggerPlan::broken(
                            &name,
                            format!("error getting {kind} {r}: not found"),
                        );
                    }
                }
            }
        }
        let template = match &spec.template {
            None => None,
            Some(t) => {
                if let Some(s) = &t.spec {
                    Some(Template::from_spec(&name, s))
                } else if let Some(r) = t.r#ref.as_ref().or(t.name.as_ref()) {
                    match resources
                        .trigger_templates
                        .iter()
                        .find(|tt| &tt.metadata.name == r)
                    {
                        Some(tt) => Some(Template::from_object(tt)),
                        None => {
                            return TriggerPlan::broken(
                                &name,
                                format!("error getting TriggerTemplate {r}: not found"),
                            );
                        }
                    }
                } else {
                    None
                }
            }
        };
        TriggerPlan::new(&name, &spec.interceptors, params, template)
    }

    fn broken(name: &str, reason: String) -> TriggerPlan {
        TriggerPlan {
            name: name.to_string(),
            interceptors: Vec::new(),
            bindings: Vec::new(),
            template: None,
            broken: Some(reason),
        }
    }

    /// The trigger's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Why the trigger cannot run, if it cannot (a missing reference, a duplicate param,
    /// an interceptor that does not compile).
    pub fn problem(&self) -> Option<String> {
        if let Some(b) = &self.broken {
            return Some(b.clone());
        }
        self.interceptors.iter().find_map(|(kind, i)| match i {
            Interceptor::Invalid(r) => Some(format!("{kind} interceptor: {r}")),
            _ => None,
        })
    }
}

/// What happened to one trigger. Serialises with `"outcome": "accepted"` or `"rejected"`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "outcome", rename_all = "lowercase")]
pub enum Outcome {
    /// Every interceptor continued; params were bound and the template rendered.
    Accepted {
        /// Resolved params (bindings, then template defaults), by name.
        params: BTreeMap<String, String>,
        /// Rendered resources (e.g. a PipelineRun with `generateName`), to create.
        resources: Vec<Value>,
        /// Extensions the interceptors added.
        extensions: Map<String, Value>,
    },
    /// An interceptor stopped the chain, or binding/rendering failed.
    Rejected {
        /// Why.
        reason: String,
    },
}

/// What kind of refusal stopped a trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum RejectionKind {
    /// The trigger cannot run as configured (a missing binding, template or Trigger, a
    /// duplicate param).
    Trigger,
    /// The body is too large, not JSON, or not in the encoding an interceptor needs.
    Body,
    /// A signature or token header is missing or does not match.
    Signature,
    /// The event type is not in `eventTypes`.
    EventType,
    /// `githubOwners`: the sender may not run the pipeline.
    Owner,
    /// A CEL `filter` did not return true.
    Filter,
    /// A secret an interceptor names is missing.
    Secret,
    /// An interceptor is unknown, misconfigured, or failed (a CEL error, an API error).
    Interceptor,
    /// A binding could not be resolved against the event.
    Binding,
    /// The template could not be rendered.
    Template,
}

impl RejectionKind {
    /// The lower-case name (`signature`, `event-type`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            RejectionKind::Trigger => "trigger",
            RejectionKind::Body => "body",
            RejectionKind::Signature => "signature",
            RejectionKind::EventType => "event-type",
            RejectionKind::Owner => "owner",
            RejectionKind::Filter => "filter",
            RejectionKind::Secret => "secret",
            RejectionKind::Interceptor => "interceptor",
            RejectionKind::Binding => "binding",
            RejectionKind::Template => "template",
        }
    }
}

/// One trigger's result.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TriggerResult {
    /// The trigger's name.
    pub name: String,
    /// Accepted or rejected.
    #[serde(flatten)]
    pub outcome: Outcome,
    /// The kind of refusal, when rejected.
    pub rejection: Option<RejectionKind>,
}

impl TriggerResult {
    /// Whether the trigger fired.
    pub fn accepted(&self) -> bool {
        matches!(self.outcome, Outcome::Accepted { .. })
    }

    fn of(name: &str, result: Result<Outcome, (RejectionKind, String)>) -> TriggerResult {
        match result {
            Ok(outcome) => TriggerResult {
                name: name.to_string(),
                outcome,
                rejection: None,
            },
            Err((kind, reason)) => TriggerResult {
                name: name.to_string(),
                outcome: Outcome::Rejected {
                    reason: escape_controls(reason),
                },
                rejection: Some(kind),
            },
        }
    }
}

/// The results of one event, in trigger order.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Response {
    /// The event id used (`$(context.eventID)`).
    pub event_id: String,
    /// One result per trigger.
    pub triggers: Vec<TriggerResult>,
}

impl Response {
    /// Every rendered resource of every accepted trigger, in order.
    pub fn resources(&self) -> impl Iterator<Item = &Value> {
        self.triggers.iter().flat_map(|t| match &t.outcome {
            Outcome::Accepted { resources, .. } => resources.as_slice(),
            Outcome::Rejected { .. } => &[],
        })
    }

    /// The result of the trigger called `name`.
    pub fn trigger(&self, name: &str) -> Option<&TriggerResult> {
        self.triggers.iter().find(|t| t.name == name)
    }

    /// `{"triggers": [{"name", "accepted": true, "params", "resources"} | {"name",
    /// "accepted": false, "reason"}]}`.
    pub fn to_json(&self) -> Value {
        let triggers: Vec<Value> = self
            .triggers
            .iter()
            .map(|t| match &t.outcome {
                Outcome::Accepted {
                    params, resources, ..
                } => serde_json::json!({
                    "name": t.name,
                    "accepted": true,
                    "params": params,
                    "resources": resources,
                }),
                Outcome::Rejected { reason } => serde_json::json!({
                    "name": t.name,
                    "accepted": false,
                    "kind": t.rejection.map(RejectionKind::as_str),
                    "reason": reason,
                }),
            })
            .collect();
        serde_json::json!({ "triggers": triggers })
    }

    /// The HTTP status Tekton's sink answers: 202 Accepted once the event is read, whatever
    /// the triggers then decide (they run after the answer upstream).
    pub fn http_status(&self) -> u16 {
        202
    }

    /// The body Tekton's sink answers with: `{"eventListener", "namespace",
    /// "eventListenerUID", "eventID"}` (`namespace` left out when empty), as Go's JSON
    /// encoder writes it, with its trailing newline.
    pub fn sink_body(&self, listener: &Listener) -> String {
        let mut m = Map::new();
        m.insert("eventListener".into(), Value::String(listener.name.clone()));
        if !listener.namespace.is_empty() {
            m.insert(
                "namespace".into(),
                Value::String(listener.namespace.clone()),
            );
        }
        m.insert(
            "eventListenerUID".into(),
            Value::String(listener.uid.clone()),
        );
        m.insert("eventID".into(), Value::String(self.event_id.clone()));
        let mut out = Value::Object(m).to_string();
        out.push('\n');
        out
    }
}

/// An EventListener ready to process events. `Send + Sync`: share it across threads.
pub struct Listener {
    name: String,
    namespace: String,
    uid: String,
    triggers: Vec<TriggerPlan>,
    groups: Vec<GroupPlan>,
    /// Selections that found nothing or could not be made, as (where, what).
    notes: Vec<(String, String)>,
    secrets: Arc<dyn SecretStore>,
    limits: Limits,
    github: Option<Arc<dyn GitHubApi>>,
    custom: CustomInterceptors,
    webhook: Option<Arc<dyn crate::custom::WebhookClient>>,
}

/// A body and headers a webhook interceptor put in place of the event's.
type Replaced = Option<(crate::event::Headers, Vec<u8>)>;

/// Host interceptors by (kind, name).
pub(crate) type CustomInterceptors =
    BTreeMap<(String, String), Arc<dyn crate::custom::InterceptorService>>;

/// A trigger group: its interceptors, then its selected triggers.
#[derive(Debug)]
struct GroupPlan {
    name: String,
    interceptors: Vec<(String, Interceptor)>,
    triggers: Vec<TriggerPlan>,
}

/// The plans of the Triggers a `namespaceSelector` and `labelSelector` select, as
/// Tekton's sink selects them: `["*"]` any namespace, named namespaces, or with only a
/// label selector the listener's namespace; neither selects nothing. A selection that
/// finds nothing, or a selector Kubernetes would refuse, is noted under `at`.
fn select_plans(
    resources: &Resources,
    namespaces: &NamespaceSelector,
    labels: Option<&LabelSelector>,
    listener_namespace: &str,
    at: &str,
    notes: &mut Vec<(String, String)>,
) -> Vec<TriggerPlan> {
    let names = &namespaces.match_names;
    let any_namespace = names.len() == 1 && names.first().is_some_and(|n| n == "*");
    if names.is_empty() && labels.is_none() {
        if at != "EventListener" {
            notes.push((
                at.to_string(),
                "selects no Trigger: its triggerSelector has neither namespaceSelector nor labelSelector"
                    .into(),
            ));
        }
        return Vec::new();
    }
    let mut plans = Vec::new();
    let in_namespace = |t: &Trigger, ns: &str| t.metadata.namespace_or(listener_namespace) == ns;
    let mut candidates: Vec<&Trigger> = Vec::new();
    if any_namespace {
        candidates.extend(resources.triggers.iter());
    } else if names.is_empty() {
        candidates.extend(
            resources
                .triggers
                .iter()
                .filter(|t| in_namespace(t, listener_namespace)),
        );
    } else {
        for ns in names {
            candidates.extend(resources.triggers.iter().filter(|t| in_namespace(t, ns)));
        }
    }
    for t in candidates {
        let selected = match labels {
            None => true,
            Some(sel) => match sel.matches_text(&t.metadata.labels) {
                Ok(m) => m,
                Err(e) => {
                    notes.push((
                        at.to_string(),
                        format!("failed to create label selector: {e}"),
                    ));
                    return Vec::new();
                }
            },
        };
        if selected {
            let mut spec = t.spec.clone();
            spec.name = Some(t.metadata.name.clone());
            plans.push(TriggerPlan::resolve(&spec, plans.len(), resources));
        }
    }
    if plans.is_empty() {
        let what = match (names.is_empty(), labels) {
            (false, Some(_)) => format!("namespaceSelector {names:?} with labelSelector"),
            (false, None) => format!("namespaceSelector {names:?}"),
            _ => format!("labelSelector in namespace {listener_namespace:?}"),
        };
        notes.push((
            at.to_string(),
            format!(
                "{what} selects no Trigger among the {} given",
                resources.triggers.len()
            ),
        ));
    }
    plans
}

impl std::fmt::Debug for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listener")
            .field("name", &self.name)
            .field("namespace", &self.namespace)
            .field(
                "triggers",
                &self
                    .triggers
                    .iter()
                    .map(TriggerPlan::name)
                    .collect::<Vec<_>>(),
            )
            .field("limits", &self.limits)
            .finish()
    }
}

impl Listener {
    /// The first EventListener of a YAML stream, with the bindings, templates and triggers
    /// of the same stream.
    pub fn from_yaml(
        file: &str,
        yaml: &str,
        secrets: impl SecretStore + 'static,
    ) -> Result<Listener, Error> {
        let resources = Resources::from_yaml(file, yaml)?;
        let Some(el) = resources.event_listeners.first() else {
            return Err(Error::NoListener {
                file: file.to_string(),
                message: "no EventListener in the stream".into(),
            });
        };
        Ok(Listener::new(
            el,
            &resources,
            Arc::new(secrets),
            Limits::default(),
        ))
    }

    /// An EventListener resolved against `resources`.
    pub fn new(
        el: &EventListener,
        resources: &Resources,
        secrets: Arc<dyn SecretStore>,
        limits: Limits,
    ) -> Listener {
        let namespace = el.metadata.namespace_or("default").to_string();
        let mut notes = Vec::new();
        // As Tekton's sink: the selected Triggers first, then the listener's own.
        let mut triggers = select_plans(
            resources,
            &el.spec.namespace_selector,
            el.spec.label_selector.as_ref(),
            &namespace,
            "EventListener",
            &mut notes,
        );
        for t in &el.spec.triggers {
            let plan = TriggerPlan::resolve(t, triggers.len(), resources);
            triggers.push(plan);
        }
        let groups = el
            .spec
            .trigger_groups
            .iter()
            .map(|g| GroupPlan {
                name: g.name.clone(),
                interceptors: g.interceptors.iter().map(Interceptor::from_model).collect(),
                triggers: select_plans(
                    resources,
                    &g.trigger_selector.namespace_selector,
                    g.trigger_selector.label_selector.as_ref(),
                    &namespace,
                    &format!("triggerGroup {:?}", g.name),
                    &mut notes,
                ),
            })
            .collect();
        Listener {
            name: el.metadata.name.clone(),
            namespace,
            uid: el.metadata.uid.clone(),
            triggers,
            groups,
            notes,
            secrets,
            limits,
            github: None,
            custom: BTreeMap::new(),
            webhook: None,
        }
    }

    /// A listener from already resolved triggers.
    pub fn from_plans(
        name: &str,
        namespace: &str,
        triggers: Vec<TriggerPlan>,
        secrets: Arc<dyn SecretStore>,
        limits: Limits,
    ) -> Listener {
        Listener {
            name: name.to_string(),
            namespace: namespace.to_string(),
            uid: String::new(),
            triggers,
            groups: Vec::new(),
            notes: Vec::new(),
            secrets,
            limits,
            github: None,
            custom: BTreeMap::new(),
            webhook: None,
        }
    }

    /// A listener without secrets (for tests and listeners without signature checks).
    pub fn without_secrets(name: &str, triggers: Vec<TriggerPlan>) -> Listener {
        Listener::from_plans(
            name,
            "default",
            triggers,
            Arc::new(MemorySecretStore::new()),
            Limits::default(),
        )
    }

    /// The listener with a GitHub API adapter, for the `github` interceptor's
    /// `githubOwners` and pull-request `addChangedFiles` (see [`crate::github`]). Without
    /// one, those checks reject the event.
    pub fn with_github_api(mut self, api: Arc<dyn GitHubApi>) -> Listener {
        self.github = Some(api);
        self
    }

    /// The listener with a host interceptor for references of `kind`
    /// (`ClusterInterceptor`, or `NamespacedInterceptor`/`Interceptor`) and `name`. The
    /// built-in `ClusterInterceptor`s (github, gitlab, bitbucket, cel, slack) keep their
    /// names.
    pub fn with_interceptor(
        mut self,
        kind: &str,
        name: &str,
        service: Arc<dyn crate::custom::InterceptorService>,
    ) -> Listener {
        let kind = crate::custom::normal_kind(kind).to_string();
        self.custom.insert((kind, name.to_string()), service);
        self
    }

    /// The listener with an HTTP client for old-style `webhook` interceptors (see
    /// [`crate::custom::WebhookClient`]); without one they reject the event.
    pub fn with_webhook_client(
        mut self,
        client: Arc<dyn crate::custom::WebhookClient>,
    ) -> Listener {
        self.webhook = Some(client);
        self
    }

    /// The bounds it processes events within.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The listener's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The triggers.
    pub fn triggers(&self) -> &[TriggerPlan] {
        &self.triggers
    }

    /// Problems found while resolving (per trigger), which reject every event.
    /// Selections that found no Trigger (or a selector Kubernetes would refuse) are
    /// listed too, under `EventListener` or `triggerGroup "NAME"`.
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .triggers
            .iter()
            .chain(self.groups.iter().flat_map(|g| g.triggers.iter()))
            .filter_map(|t| t.problem().map(|p| (t.name.clone(), p)))
            .collect();
        out.extend(self.groups.iter().flat_map(|g| {
            g.interceptors.iter().filter_map(move |(kind, i)| match i {
                Interceptor::Invalid(r) => Some((
                    format!("triggerGroup {:?}", g.name),
                    format!("{kind} interceptor: {r}"),
                )),
                _ => None,
            })
        }));
        let unregistered =
            |at: &str, chain: &[(String, Interceptor)], out: &mut Vec<(String, String)>| {
                for (_, i) in chain {
                    if matches!(i, Interceptor::Webhook(_)) && self.webhook.is_none() {
                        out.push((
                        at.to_string(),
                        "webhook interceptors need an HTTP client (Listener::with_webhook_client)"
                            .to_string(),
                    ));
                    }
                    if let Interceptor::Custom { kind, name, .. } = i
                        && !self.custom.contains_key(&(kind.clone(), name.clone()))
                    {
                        out.push((
                            at.to_string(),
                            format!(
                                "{} (register it with Listener::with_interceptor)",
                                crate::interceptors::unknown_custom(kind, name)
                            ),
                        ));
                    }
                }
            };
        for t in &self.triggers {
            unregistered(&t.name, &t.interceptors, &mut out);
        }
        for g in &self.groups {
            unregistered(
                &format!("triggerGroup {:?}", g.name),
                &g.interceptors,
                &mut out,
            );
            for t in &g.triggers {
                unregistered(&t.name, &t.interceptors, &mut out);
            }
        }
        out.extend(self.notes.iter().cloned());
        out
    }

    /// Runs `event` through every trigger.
    pub fn process(&self, event: &Event) -> Response {
        self.process_with_extensions(event, &Map::new())
    }

    /// Runs `event` through every trigger, starting from `extensions` (e.g. set by an
    /// earlier stage such as a trigger group's interceptors).
    pub fn process_with_extensions(
        &self,
        event: &Event,
        extensions: &Map<String, Value>,
    ) -> Response {
        let event_id = event.effective_id();
        if event.body.len() > self.limits.max_body_bytes {
            let reason = format!(
                "request body is {} bytes, over the limit of {} bytes",
                event.body.len(),
                self.limits.max_body_bytes
            );
            return Response {
                event_id,
                triggers: self
                    .triggers
                    .iter()
                    .map(|t| TriggerResult::of(&t.name, Err((RejectionKind::Body, reason.clone()))))
                    .collect(),
            };
        }
        // Tekton's sink hands interceptors a form body as JSON.
        let converted = crate::form::converted_body(event.headers.get("Content-Type"), &event.body);
        let shared = Shared {
            view: EventView::new(
                &event.headers,
                converted.as_deref().unwrap_or(&event.body),
                &event.url,
                self.limits.max_json_depth,
            ),
            header_view: OnceCell::new(),
            context: serde_json::json!({ "eventID": event_id }),
            cel_inputs: OnceCell::new(),
        };
        let mut budget = RenderBudget::new(self.limits.max_render_bytes, 0);
        let mut triggers: Vec<TriggerResult> = self
            .triggers
            .iter()
            .map(|t| {
                TriggerResult::of(
                    &t.name,
                    self.run(t, &shared, extensions, &event_id, &mut budget),
                )
            })
            .collect();
        for g in &self.groups {
            // The group's interceptors run once; their extensions start each trigger's.
            let group = self.intercept(
                &g.interceptors,
                &shared,
                extensions.clone(),
                "trigger group",
                (&event_id, &g.name),
                0,
            );
            for t in &g.triggers {
                let result = match &group {
                    Ok((ext, Some((h, b)))) => {
                        self.run(t, &shared.over(h, b), ext, &event_id, &mut budget)
                    }
                    Ok((ext, None)) => self.run(t, &shared, ext, &event_id, &mut budget),
                    Err((kind, reason)) => {
                        Err((*kind, format!("trigger group {:?}: {reason}", g.name)))
                    }
                };
                triggers.push(TriggerResult::of(&t.name, result));
            }
        }
        Response { event_id, triggers }
    }

    /// Runs an interceptor chain from `extensions`: the extensions at its end, or why it
    /// stopped.
    fn intercept(
        &self,
        chain: &[(String, Interceptor)],
        shared: &Shared<'_>,
        mut extensions: Map<String, Value>,
        what: &str,
        ids: (&str, &str),
        offset: usize,
    ) -> Result<(Map<String, Value>, Replaced), (RejectionKind, String)> {
        let (event_id, trigger) = ids;
        let hosts = Hosts {
            secrets: &self.secrets,
            namespace: &self.namespace,
            api: self.github.as_deref(),
            custom: &self.custom,
            webhook: self.webhook.as_deref(),
            event_id,
            trigger,
        };
        for (i, (kind, interceptor)) in chain.iter().enumerate() {
            match interceptor.process(
                &shared.view,
                &shared.cel_inputs,
                &extensions,
                &hosts,
                &self.limits,
            ) {
                Decision::Continue(ext) => extensions.extend(ext),
                Decision::Stop(rejection, reason) => {
                    let i = offset + i;
                    return Err((
                        rejection,
                        format!(
                            "interceptor {i} ({kind}) stopped the {what}: continue=false ({reason})"
                        ),
                    ));
                }
                Decision::Replace { headers, body } => {
                    // The rest of the chain sees the webhook's answer.
                    let next = shared.over(&headers, &body);
                    let rest = chain.get(i + 1..).unwrap_or_default();
                    let (ext, newer) =
                        self.intercept(rest, &next, extensions, what, ids, offset + i + 1)?;
                    drop(next);
                    return Ok((ext, newer.or(Some((headers, body)))));
                }
            }
        }
        Ok((extensions, None))
    }

    fn run(
        &self,
        t: &TriggerPlan,
        shared: &Shared<'_>,
        initial: &Map<String, Value>,
        event_id: &str,
        budget: &mut RenderBudget,
    ) -> Result<Outcome, (RejectionKind, String)> {
        if let Some(b) = &t.broken {
            return Err((RejectionKind::Trigger, b.clone()));
        }
        let (extensions, replaced) = self.intercept(
            &t.interceptors,
            shared,
            initial.clone(),
            "trigger",
            (event_id, &t.name),
            0,
        )?;
        match &replaced {
            Some((h, b)) => {
                self.bind_and_render(t, &shared.over(h, b), extensions, event_id, budget)
            }
            None => self.bind_and_render(t, shared, extensions, event_id, budget),
        }
    }

    /// Binds the params and renders the template of `t` against `shared`.
    fn bind_and_render(
        &self,
        t: &TriggerPlan,
        shared: &Shared<'_>,
        extensions: Map<String, Value>,
        event_id: &str,
        budget: &mut RenderBudget,
    ) -> Result<Outcome, (RejectionKind, String)> {
        let extensions = Value::Object(extensions);
        let params = resolve_params(t, shared, &extensions).map_err(|reason| {
            let kind = if reason.starts_with("failed to unmarshal request body") {
                RejectionKind::Body
            } else {
                RejectionKind::Binding
            };
            (kind, reason)
        })?;
        let extensions = match extensions {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        let resources = match &t.template {
            None => Vec::new(),
            Some(tpl) => {
                let uid = uuid_like(&[b"uid", event_id.as_bytes(), t.name.as_bytes()]);
                match tpl.render_budgeted(&params, &uid, budget, false) {
                    Ok(r) => r,
                    Err((index, message)) => {
                        return Err((
                            RejectionKind::Template,
                            Error::Render {
                                trigger: t.name.clone(),
                                template: tpl.name().to_string(),
                                index,
                                message,
                            }
                            .to_string(),
                        ));
                    }
                }
            }
        };
        Ok(Outcome::Accepted {
            params,
            resources,
            extensions,
        })
    }
}

/// `reason` with CR, LF and other control characters written as escapes (`\r`, `\n`,
/// `\u{1b}`), so that a header value cannot start a new line in a log. Tabs stay.
fn escape_controls(reason: String) -> String {
    if !reason.chars().any(|c| c.is_control() && c != '\t') {
        return reason;
    }
    let mut out = String::with_capacity(reason.len() + 8);
    for c in reason.chars() {
        match c {
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => out.push_str(&c.escape_unicode().to_string()),
            c => out.push(c),
        }
    }
    out
}

struct Shared<'a> {
    view: EventView<'a>,
    header_view: OnceCell<Value>,
    context: Value,
    cel_inputs: OnceCell<cel::Inputs>,
}

impl<'a> Shared<'a> {
    /// The same event with another body and headers (after a webhook interceptor).
    fn over<'b>(&'b self, headers: &'b crate::event::Headers, body: &'b [u8]) -> Shared<'b>
    where
        'a: 'b,
    {
        Shared {
            view: EventView::new(headers, body, self.view.url, self.view.max_depth),
            header_view: OnceCell::new(),
            context: self.context.clone(),
            cel_inputs: OnceCell::new(),
        }
    }
}

fn resolve_params(
    t: &TriggerPlan,
    shared: &Shared<'_>,
    extensions: &Value,
) -> Result<BTreeMap<String, String>, String> {
    let view = &shared.view;
    let body = if view.body_bytes.is_empty() {
        Node::Val(&Value::Null)
    } else {
        match view.parsed_body() {
            Ok(doc) => Node::Doc(doc, Doc::ROOT),
            Err(e) => return Err(format!("failed to unmarshal request body: {e}")),
        }
    };
    let root = Root {
        headers: view.headers,
        header: &shared.header_view,
        body,
        extensions,
        context: &shared.context,
    };
    let mut out = BTreeMap::new();
    let defaults: Option<&[crate::model::ParamSpec]> = t
        .template
        .as_ref()
        .map(Template::params)
        .filter(|p| !p.is_empty());
    if let Some(d) = defaults {
        for p in d {
            if let Some(v) = &p.default {
                out.insert(p.name.clone(), v.clone());
            }
        }
    }
    for (p, expr) in &t.bindings {
        let fallback = if defaults.is_some() {
            out.get(&p.name).cloned()
        } else {
            None
        };
        match expr.eval(&root, fallback.as_deref()) {
            Ok(v) => {
                out.insert(p.name.clone(), v);
            }
            Err((_, msg)) => {
                return Err(format!(
                    "failed to replace JSONPath value for param {}: {}: {msg}",
                    p.name, p.value
                ));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )]
    use super::*;

    #[test]
    fn control_characters_in_reasons_are_escaped() {
        let rows = [
            (
                "event type push is not allowed",
                "event type push is not allowed",
            ),
            ("a\r\nX-Injected: 1", "a\\r\\nX-Injected: 1"),
            ("tab\tstays", "tab\tstays"),
            ("esc\u{1b}[31m", "esc\\u{1b}[31m"),
            ("nel\u{85}", "nel\\u{85}"),
        ];
        for (reason, want) in rows {
            assert_eq!(escape_controls(reason.to_string()), want, "{reason:?}");
        }
    }

    #[test]
    fn responses_serialise_with_outcome_and_rejection_kind() {
        let r = Response {
            event_id: "e".into(),
            triggers: vec![
                TriggerResult::of(
                    "push",
                    Err((
                        RejectionKind::EventType,
                        "event type x is not allowed".into(),
                    )),
                ),
                TriggerResult::of(
                    "pr",
                    Ok(Outcome::Accepted {
                        params: BTreeMap::from([("a".to_string(), "1".to_string())]),
                        resources: vec![],
                        extensions: Map::new(),
                    }),
                ),
            ],
        };
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["eventId"], "e");
        assert_eq!(v["triggers"][0]["outcome"], "rejected");
        assert_eq!(v["triggers"][0]["rejection"], "event-type");
        assert_eq!(v["triggers"][0]["reason"], "event type x is not allowed");
        assert_eq!(v["triggers"][1]["outcome"], "accepted");
        assert_eq!(v["triggers"][1]["params"]["a"], "1");
    }

    #[test]
    fn listener_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Listener>();
    }
}
