//! The `triggers.tekton.dev` kinds (v1beta1, and v1alpha1 as written), parsed from YAML
//! unchanged: `EventListener`, `Trigger`, `TriggerBinding`, `ClusterTriggerBinding`,
//! `TriggerTemplate`.

use crate::error::Error;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// Object metadata (kube-object's, shared by every crate).
pub use kube_object::ObjectMeta;

fn null_default<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(
    d: D,
) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

fn scalar_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => s,
        Value::Null => String::new(),
        other => other.to_string(),
    })
}

fn opt_scalar_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => Some(s),
        Value::Null => None,
        other => Some(other.to_string()),
    })
}

/// A binding param: a name and a value with `$(...)` expressions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Param {
    /// Param name.
    pub name: String,
    /// Value, e.g. `$(body.head_commit.id)`.
    #[serde(deserialize_with = "scalar_string", default)]
    pub value: String,
}

/// A TriggerTemplate param: a name and an optional default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ParamSpec {
    /// Param name.
    pub name: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Default value, used when no binding provides the param (or its binding fails).
    #[serde(
        default,
        deserialize_with = "opt_scalar_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub default: Option<String>,
}

/// `TriggerBinding.spec` / `ClusterTriggerBinding.spec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TriggerBindingSpec {
    /// The params.
    #[serde(deserialize_with = "null_default")]
    pub params: Vec<Param>,
}

/// A `TriggerBinding` or `ClusterTriggerBinding`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TriggerBinding {
    /// `triggers.tekton.dev/v1beta1` or `v1alpha1`.
    pub api_version: String,
    /// `TriggerBinding` or `ClusterTriggerBinding`.
    pub kind: String,
    /// Metadata.
    pub metadata: ObjectMeta,
    /// Spec.
    pub spec: TriggerBindingSpec,
}

/// `TriggerTemplate.spec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TriggerTemplateSpec {
    /// Declared params.
    #[serde(deserialize_with = "null_default")]
    pub params: Vec<ParamSpec>,
    /// Resources to create, with `$(tt.params.x)` and `$(uid)` inside.
    #[serde(deserialize_with = "null_default")]
    pub resourcetemplates: Vec<Value>,
}

/// A `TriggerTemplate`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TriggerTemplate {
    /// apiVersion.
    pub api_version: String,
    /// `TriggerTemplate`.
    pub kind: String,
    /// Metadata (the `triggers.tekton.dev/old-escape-quotes` annotation is honoured).
    pub metadata: ObjectMeta,
    /// Spec.
    pub spec: TriggerTemplateSpec,
}

/// A binding of a trigger: a reference (`ref`, v1alpha1 `name` alone), an inline
/// `name`/`value` param, or an inline `spec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TriggerSpecBinding {
    /// Name of the referenced binding.
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    pub r#ref: Option<String>,
    /// `TriggerBinding` (default) or `ClusterTriggerBinding`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Inline param name (with `value`), or a reference by name (v1alpha1, without `value`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Inline param value.
    #[serde(
        deserialize_with = "opt_scalar_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub value: Option<String>,
    /// Inline binding spec.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spec: Option<TriggerBindingSpec>,
    /// apiVersion of the reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
}

/// The template of a trigger: a reference or an inline spec.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TriggerSpecTemplate {
    /// Name of the referenced TriggerTemplate.
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    pub r#ref: Option<String>,
    /// v1alpha1: name of the referenced TriggerTemplate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Inline spec.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spec: Option<TriggerTemplateSpec>,
    /// apiVersion of the reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
}

/// `ref` of an interceptor.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct InterceptorRef {
    /// `github`, `gitlab`, `bitbucket` or `cel`.
    pub name: String,
    /// `ClusterInterceptor` or `Interceptor`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// apiVersion.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
}

/// An interceptor param: any JSON value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InterceptorParam {
    /// Name, e.g. `secretRef`, `eventTypes`, `filter`, `overlays`.
    pub name: String,
    /// Value.
    #[serde(default)]
    pub value: Value,
}

/// One interceptor of a trigger.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TriggerInterceptor {
    /// Optional name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The interceptor (v1beta1).
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    pub r#ref: Option<InterceptorRef>,
    /// Its params.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_default"
    )]
    pub params: Vec<InterceptorParam>,
    /// v1alpha1 `github:` form.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub github: Option<Value>,
    /// v1alpha1 `gitlab:` form.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gitlab: Option<Value>,
    /// v1alpha1 `bitbucket:` form.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bitbucket: Option<Value>,
    /// v1alpha1 `cel:` form.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cel: Option<Value>,
    /// A webhook interceptor (needs an HTTP client: reported, not run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook: Option<Value>,
}

impl TriggerInterceptor {
    /// An interceptor by name with params, e.g. `("cel", [("filter", "...")])`.
    pub fn new(
        name: &str,
        params: impl IntoIterator<Item = (String, Value)>,
    ) -> TriggerInterceptor {
        TriggerInterceptor {
            r#ref: Some(InterceptorRef {
                name: name.to_string(),
                ..Default::default()
            }),
            params: params
                .into_iter()
                .map(|(name, value)| InterceptorParam { name, value })
                .collect(),
            ..Default::default()
        }
    }

    pub(crate) fn legacy(&self) -> Option<(&'static str, &Value)> {
        [
            ("github", &self.github),
            ("gitlab", &self.gitlab),
            ("bitbucket", &self.bitbucket),
            ("cel", &self.cel),
        ]
        .into_iter()
        .find_map(|(k, v)| v.as_ref().map(|v| (k, v)))
    }
}

/// `Trigger.spec`, also the inline form inside an EventListener.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TriggerSpec {
    /// Name (inside an EventListener).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Bindings.
    #[serde(deserialize_with = "null_default")]
    pub bindings: Vec<TriggerSpecBinding>,
    /// Template.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<TriggerSpecTemplate>,
    /// Interceptors, in order.
    #[serde(deserialize_with = "null_default")]
    pub interceptors: Vec<TriggerInterceptor>,
    /// A `Trigger` object by name (EventListener triggers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger_ref: Option<String>,
}

/// A `Trigger`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Trigger {
    /// apiVersion.
    pub api_version: String,
    /// `Trigger`.
    pub kind: String,
    /// Metadata.
    pub metadata: ObjectMeta,
    /// Spec.
    pub spec: TriggerSpec,
}

/// A Kubernetes label selector.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LabelSelector {
    /// Labels a selected Trigger must carry.
    #[serde(deserialize_with = "null_default")]
    pub match_labels: BTreeMap<String, String>,
    /// Requirements a selected Trigger's labels must meet, all of them.
    #[serde(deserialize_with = "null_default")]
    pub match_expressions: Vec<LabelSelectorRequirement>,
}

/// One `matchExpressions` entry: `key`, `operator` (`In`, `NotIn`, `Exists`,
/// `DoesNotExist`) and `values`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LabelSelectorRequirement {
    /// The label key.
    pub key: String,
    /// `In`, `NotIn`, `Exists` or `DoesNotExist`.
    pub operator: String,
    /// Values for `In` and `NotIn`.
    #[serde(deserialize_with = "null_default")]
    pub values: Vec<String>,
}

impl LabelSelector {
    /// Whether `labels` are selected, or why the selector is invalid (as Kubernetes'
    /// `LabelSelectorAsSelector` refuses it).
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> Result<bool, Error> {
        self.matches_text(labels).map_err(|message| Error::Invalid {
            what: "label selector",
            message,
        })
    }

    pub(crate) fn matches_text(&self, labels: &BTreeMap<String, String>) -> Result<bool, String> {
        let mut all = self
            .match_labels
            .iter()
            .all(|(k, v)| labels.get(k) == Some(v));
        for r in &self.match_expressions {
            let value = labels.get(&r.key);
            let ok = match r.operator.as_str() {
                "In" | "NotIn" if r.values.is_empty() => {
                    return Err(format!(
                        "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty (key {:?})",
                        r.key
                    ));
                }
                "Exists" | "DoesNotExist" if !r.values.is_empty() => {
                    return Err(format!(
                        "values: Invalid value: {:?}: values set must be empty for exists and does not exist (key {:?})",
                        r.values, r.key
                    ));
                }
                "In" => value.is_some_and(|v| r.values.contains(v)),
                "NotIn" => value.is_none_or(|v| !r.values.contains(v)),
                "Exists" => value.is_some(),
                "DoesNotExist" => value.is_none(),
                other => return Err(format!("{other:?} is not a valid label selector operator")),
            };
            all &= ok;
        }
        Ok(all)
    }
}

/// `namespaceSelector`: namespaces whose Triggers are selected (`["*"]`: all).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NamespaceSelector {
    /// Namespace names, or the single name `*` for every namespace.
    #[serde(deserialize_with = "null_default")]
    pub match_names: Vec<String>,
}

/// A trigger group's `triggerSelector`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TriggerSelector {
    /// Namespaces to select Triggers from.
    pub namespace_selector: NamespaceSelector,
    /// Labels the selected Triggers carry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label_selector: Option<LabelSelector>,
}

/// `EventListener.spec.triggerGroups[]`: interceptors run once for the group, then the
/// selected Triggers, each starting from the group's extensions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TriggerGroup {
    /// The group's name.
    pub name: String,
    /// Interceptors run once for the group.
    #[serde(deserialize_with = "null_default")]
    pub interceptors: Vec<TriggerInterceptor>,
    /// Which Triggers the group runs.
    pub trigger_selector: TriggerSelector,
}

/// `EventListener.spec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EventListenerSpec {
    /// Triggers, inline or by `triggerRef`.
    #[serde(deserialize_with = "null_default")]
    pub triggers: Vec<TriggerSpec>,
    /// Selects `Trigger` objects by label (in addition to `triggers`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label_selector: Option<LabelSelector>,
    /// Selects `Trigger` objects by namespace (in addition to `triggers`).
    pub namespace_selector: NamespaceSelector,
    /// Trigger groups.
    #[serde(deserialize_with = "null_default")]
    pub trigger_groups: Vec<TriggerGroup>,
    /// Service account (kept for the host).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_account_name: Option<String>,
}

/// An `EventListener`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EventListener {
    /// apiVersion.
    pub api_version: String,
    /// `EventListener`.
    pub kind: String,
    /// Metadata.
    pub metadata: ObjectMeta,
    /// Spec.
    pub spec: EventListenerSpec,
}

/// The triggers.tekton.dev objects of a YAML stream.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Resources {
    /// EventListeners, in stream order.
    pub event_listeners: Vec<EventListener>,
    /// Triggers.
    pub triggers: Vec<Trigger>,
    /// TriggerBindings.
    pub trigger_bindings: Vec<TriggerBinding>,
    /// ClusterTriggerBindings.
    pub cluster_trigger_bindings: Vec<TriggerBinding>,
    /// TriggerTemplates.
    pub trigger_templates: Vec<TriggerTemplate>,
}

/// Largest YAML stream accepted, in bytes.
pub const MAX_YAML_BYTES: usize = 16 * 1024 * 1024;

impl Resources {
    /// Parses a multi-document YAML stream. `file` labels errors. Documents of other kinds
    /// are skipped; a document of a known kind that does not match its schema is an error
    /// naming its index, kind and name.
    pub fn from_yaml(file: &str, text: &str) -> Result<Resources, Error> {
        if text.len() > MAX_YAML_BYTES {
            return Err(Error::Yaml {
                file: file.to_string(),
                message: format!("{} bytes, over the {MAX_YAML_BYTES}-byte limit", text.len()),
            });
        }
        let docs: Vec<Value> =
            kube_object::yaml::parse_stream(text, file).map_err(|e| Error::Yaml {
                file: file.to_string(),
                message: e.to_string(),
            })?;
        let mut out = Resources::default();
        for (i, doc) in docs.into_iter().enumerate() {
            out.add(file, i + 1, doc)?;
        }
        Ok(out)
    }

    /// Adds one object (a parsed YAML or JSON document).
    pub fn add(&mut self, file: &str, document: usize, doc: Value) -> Result<(), Error> {
        if doc.is_null() {
            return Ok(());
        }
        let kind = doc
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let name = doc
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let schema = |e: serde_json::Error| Error::Schema {
            file: file.to_string(),
            document,
            kind: kind.clone(),
            name: name.clone(),
            message: e.to_string(),
        };
        match kind.as_str() {
            "EventListener" => self
                .event_listeners
                .push(serde_json::from_value(doc).map_err(schema)?),
            "Trigger" => self
                .triggers
                .push(serde_json::from_value(doc).map_err(schema)?),
            "TriggerBinding" => self
                .trigger_bindings
                .push(serde_json::from_value(doc).map_err(schema)?),
            "ClusterTriggerBinding" => self
                .cluster_trigger_bindings
                .push(serde_json::from_value(doc).map_err(schema)?),
            "TriggerTemplate" => self
                .trigger_templates
                .push(serde_json::from_value(doc).map_err(schema)?),
            _ => {}
        }
        Ok(())
    }
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
    fn parses_v1beta1_and_v1alpha1() {
        let text = r#"
apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata:
  name: listener
spec:
  serviceAccountName: tekton-triggers-example-sa
  triggers:
    - name: push
      interceptors:
        - ref:
            name: github
          params:
            - name: secretRef
              value:
                secretName: github-secret
                secretKey: secretToken
            - name: eventTypes
              value: ["push"]
      bindings:
        - ref: push-binding
        - name: extra
          value: $(body.after)
      template:
        ref: push-template
---
apiVersion: triggers.tekton.dev/v1alpha1
kind: EventListener
metadata:
  name: old
spec:
  triggers:
    - name: t
      interceptors:
        - cel:
            filter: "body.x == 'y'"
      bindings:
        - ref: b
      template:
        name: tt
---
apiVersion: triggers.tekton.dev/v1beta1
kind: TriggerTemplate
metadata:
  name: push-template
spec:
  params:
    - name: rev
      default: main
    - name: count
      default: 3
  resourcetemplates:
    - apiVersion: tekton.dev/v1
      kind: PipelineRun
      metadata:
        generateName: build-
---
kind: ConfigMap
metadata: {name: other}
"#;
        let r = Resources::from_yaml("test.yaml", text).unwrap();
        assert_eq!(r.event_listeners.len(), 2);
        let t = &r.event_listeners[0].spec.triggers[0];
        assert_eq!(t.bindings[1].value.as_deref(), Some("$(body.after)"));
        assert_eq!(
            t.interceptors[0].params[1].value,
            serde_json::json!(["push"])
        );
        assert!(
            r.event_listeners[1].spec.triggers[0].interceptors[0]
                .cel
                .is_some()
        );
        assert_eq!(
            r.trigger_templates[0].spec.params[1].default.as_deref(),
            Some("3")
        );
    }

    #[test]
    fn schema_errors_are_located() {
        let text = "kind: TriggerBinding\nmetadata: {name: b}\nspec: {params: 3}\n";
        let e = Resources::from_yaml("f.yaml", text)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("f.yaml: document 1 (TriggerBinding \"b\")"),
            "{e}"
        );
        let e = Resources::from_yaml("f.yaml", "a: [")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("f.yaml: "), "{e}");
    }
}
