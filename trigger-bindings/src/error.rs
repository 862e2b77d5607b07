//! The crate's error type.

/// Everything that can go wrong loading listeners or processing an event. Messages name
/// where: the file, document, object and trigger. Secret values never appear.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The YAML stream does not parse.
    #[error("{file}: {message}")]
    Yaml {
        /// The file (or a label for the text).
        file: String,
        /// The parser's message, with line and column.
        message: String,
    },
    /// A document does not match its kind's schema.
    #[error("{file}: document {document} ({kind} {name:?}): {message}")]
    Schema {
        /// The file.
        file: String,
        /// The document's index in the stream, from 1.
        document: usize,
        /// The object's kind.
        kind: String,
        /// The object's name.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// The stream holds no EventListener, or a named one is missing.
    #[error("{file}: {message}")]
    NoListener {
        /// The file.
        file: String,
        /// What is missing.
        message: String,
    },
    /// A trigger cannot be resolved (a missing binding, template, trigger or interceptor).
    #[error("EventListener {listener:?}: trigger {trigger:?}: {message}")]
    Resolve {
        /// The listener.
        listener: String,
        /// The trigger.
        trigger: String,
        /// What cannot be resolved.
        message: String,
    },
    /// Resolving params failed (a binding expression, a duplicate name, a bad body).
    #[error("trigger {trigger:?}: {message}")]
    Params {
        /// The trigger.
        trigger: String,
        /// Tekton's message, e.g. `failed to replace JSONPath value for param foo: ...`.
        message: String,
    },
    /// Rendering the TriggerTemplate produced invalid JSON.
    #[error(
        "trigger {trigger:?}: TriggerTemplate {template:?}: resource template {index}: {message}"
    )]
    Render {
        /// The trigger.
        trigger: String,
        /// The template's name.
        template: String,
        /// The resource template's index, from 0.
        index: usize,
        /// What is wrong.
        message: String,
    },
    /// Input that is not what it must be: a GitHub API fixture, an interceptor's answer, a
    /// label selector, a Flux revision or alert filter, a binding path, a Receiver stream.
    /// The message is the whole text (it names the file or field where there is one).
    #[error("{message}")]
    Invalid {
        /// The kind of input (`label selector`, `Flux revision`, ...).
        what: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A host adapter (the GitHub API, a webhook interceptor's HTTP client) failed; the
    /// message is the whole text, as it goes into a rejection reason.
    #[error("{message}")]
    Adapter {
        /// The adapter (`GitHub API`, `webhook client`).
        adapter: &'static str,
        /// What went wrong.
        message: String,
    },
    /// The host's secret store could not answer (an absent secret or key is `Ok(None)`, not
    /// this). The message never holds a secret value.
    #[error("secret store: secret {name:?} key {key:?} in namespace {namespace:?}: {message}")]
    SecretStore {
        /// Namespace asked for.
        namespace: String,
        /// Secret name.
        name: String,
        /// Key.
        key: String,
        /// What went wrong.
        message: String,
    },
}
