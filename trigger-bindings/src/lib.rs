//! # trigger-bindings
//!
//! Tekton Triggers' EventListener as a library: an event (headers + raw body bytes) goes
//! through every trigger of a listener; each trigger runs its interceptors in order
//! (GitHub, GitLab, Bitbucket signature and event checks, CEL filters and overlays), binds
//! params from the body, headers and extensions (`$(body.head_commit.id)`,
//! `$(header.X-GitHub-Event)`, `$(extensions.short_sha)`), and renders its TriggerTemplate
//! (`$(tt.params.x)`) into resources to create, usually a `PipelineRun`.
//!
//! It does no I/O: the host's HTTP server hands in the request, a [`SecretStore`] hands in
//! webhook secrets, and the host creates the returned resources. Every failure is a
//! per-trigger rejection with a reason; nothing panics on any input. Bodies are bounded in
//! size (10 MiB) and nesting (128), CEL in estimated cost ([`Limits`]). Secrets never
//! appear in errors or `Debug` output.
//!
//! YAML from Tekton's documentation (`triggers.tekton.dev/v1beta1`, and `v1alpha1` as
//! written) parses unchanged.
//!
//! Semantics follow Tekton Triggers: bound strings are JSON-escaped without their quotes
//! (so they stay valid inside a template's JSON strings), objects and numbers render as Go's
//! `encoding/json` would (sorted keys, float64 numbers), a failing binding falls back to the
//! template param's default, `$(tt.params.x)` is replaced textually and the result must
//! parse as JSON. Event ids and `$(uid)` are derived deterministically unless the host sets
//! [`Event::id`] (a fast 128-bit hash of the body, not a cryptographic one: ids are
//! identifiers, not secrets).
//!
//! Numbers too large for a float64 make a body invalid, as in Go's decoder; lone UTF-16
//! surrogates in `\u` escapes are accepted and read as U+FFFD, as Go reads them. One
//! deliberate difference: a body that is not valid UTF-8 is rejected, where Go would
//! replace the bad bytes with U+FFFD.
//!
//! Speed: a body is validated in one pass that also indexes every value; bindings and CEL
//! read through that index and decode only what they ask for. CEL filters of the common
//! shape (string comparisons of body, header and extension fields with `&&`, `||`, `!`,
//! `in`, `startsWith`, `header.match`, ...) are decided without building CEL values, and
//! step aside to the full evaluator whenever the answer is not certain, so the two always
//! agree. Templates are compiled when the listener is built and rendered without parsing
//! JSON again. The HMAC-SHA256 of the body is usually the largest single cost.
//!
//! Not done here: webhook (HTTP) interceptors, trigger groups, namespace selectors, the
//! labels Tekton adds when it creates resources, and creating them: the host does these.
//!
//! ```
//! use trigger_bindings::{Event, Headers, Listener, MemorySecretStore, github_signature};
//!
//! let yaml = r#"
//! apiVersion: triggers.tekton.dev/v1beta1
//! kind: EventListener
//! metadata: {name: ci}
//! spec:
//!   triggers:
//!     - name: push
//!       interceptors:
//!         - ref: {name: github}
//!           params:
//!             - {name: secretRef, value: {secretName: webhook, secretKey: token}}
//!             - {name: eventTypes, value: [push]}
//!         - ref: {name: cel}
//!           params:
//!             - {name: filter, value: "body.ref.startsWith('refs/heads/')"}
//!             - name: overlays
//!               value: [{key: short, expression: "body.after.truncate(7)"}]
//!       bindings:
//!         - {name: revision, value: $(body.after)}
//!         - {name: short, value: $(extensions.short)}
//!       template:
//!         spec:
//!           params: [{name: revision}, {name: short}]
//!           resourcetemplates:
//!             - apiVersion: tekton.dev/v1
//!               kind: PipelineRun
//!               metadata: {generateName: build-$(tt.params.short)-}
//!               spec:
//!                 pipelineRef: {name: build}
//!                 params: [{name: revision, value: $(tt.params.revision)}]
//! "#;
//! let body = br#"{"ref":"refs/heads/main","after":"0123456789abcdef"}"#;
//! let headers = Headers::new()
//!     .with("X-GitHub-Event", "push")
//!     .with("X-Hub-Signature-256", github_signature(b"s3cret", body));
//!
//! let listener = Listener::from_yaml("ci.yaml", yaml, MemorySecretStore::new().with("webhook", "token", "s3cret"))?;
//! let response = listener.process(&Event::new(headers, body.to_vec()));
//! let run = response.resources().next().expect("the push trigger fired");
//! assert_eq!(run["metadata"]["generateName"], "build-0123456-");
//! assert_eq!(run["spec"]["params"][0]["value"], "0123456789abcdef");
//! # Ok::<(), trigger_bindings::Error>(())
//! ```

pub mod custom;
mod error;
mod event;
mod form;
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing;
pub mod github;
mod header_name;
mod interceptors;
mod json;
mod listener;
mod model;
pub mod notify;
mod path;
pub mod receiver;
mod secrets;
#[cfg(feature = "server")]
pub mod server;
mod template;

pub use error::Error;
pub use event::{Event, Headers};
pub use header_name::canonical_header_key;
pub use interceptors::github_signature;
pub use listener::{
    Limits, Listener, Outcome, RejectionKind, Response, TriggerPlan, TriggerResult,
};
pub use model::{
    EventListener, EventListenerSpec, InterceptorParam, InterceptorRef, LabelSelector,
    LabelSelectorRequirement, NamespaceSelector, ObjectMeta, Param, ParamSpec, Resources, Trigger,
    TriggerBinding, TriggerBindingSpec, TriggerGroup, TriggerInterceptor, TriggerSelector,
    TriggerSpec, TriggerSpecBinding, TriggerSpecTemplate, TriggerTemplate, TriggerTemplateSpec,
};
pub use path::{BindingExpr, Path};
pub use secrets::{MemorySecretStore, Secret, SecretStore};
pub use template::{DEFAULT_MAX_RENDER_BYTES, OLD_ESCAPE_ANNOTATION, Template};
