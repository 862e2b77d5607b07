//! Flux's `ImagePolicy` (`image.toolkit.fluxcd.io/v1` and `v1beta2`), accepted as written.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Error;

/// The API group of Flux's image automation kinds.
pub const API_GROUP: &str = "image.toolkit.fluxcd.io";
/// The largest manifest [`ImagePolicy::from_yaml`] reads.
pub const MAX_MANIFEST_LEN: usize = 1 << 20;

/// An `ImagePolicy` object.
///
/// ```
/// use image_policy::{ImagePolicy, Policy};
///
/// let p = ImagePolicy::from_yaml(r#"
/// apiVersion: image.toolkit.fluxcd.io/v1beta2
/// kind: ImagePolicy
/// metadata:
///   name: app
///   namespace: flux-system
/// spec:
///   imageRepositoryRef:
///     name: app
///   filterTags:
///     pattern: '^main-[a-f0-9]+-(?P<ts>[0-9]+)'
///     extract: '$ts'
///   policy:
///     numerical:
///       order: asc
/// "#)?;
/// let policy = Policy::from_image_policy(&p)?;
/// let tags = ["main-abc-100", "main-def-200", "latest"].map(String::from);
/// assert_eq!(policy.select(&tags)?.as_deref(), Some("main-def-200"));
/// # Ok::<(), image_policy::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImagePolicy {
    /// `image.toolkit.fluxcd.io/v1` or `image.toolkit.fluxcd.io/v1beta2`.
    pub api_version: String,
    /// `ImagePolicy`.
    pub kind: String,
    /// Name, namespace, labels, annotations.
    pub metadata: ObjectMeta,
    /// The policy.
    pub spec: ImagePolicySpec,
    /// Status as reported by a controller (kept as is).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<serde_json::Value>,
}

/// Object metadata (kube-object's, shared by every crate).
pub use kube_object::ObjectMeta;

/// `spec` of an `ImagePolicy`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImagePolicySpec {
    /// The `ImageRepository` whose tags are ranked.
    #[serde(default)]
    pub image_repository_ref: NamespacedObjectReference,
    /// Which policy ranks the tags.
    #[serde(default)]
    pub policy: PolicyChoice,
    /// Optional tag filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter_tags: Option<FilterTags>,
    /// `v1`: `Never` (default), `IfNotPresent` or `Always`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest_reflection_policy: Option<String>,
    /// `v1`: reconcile interval (with `digestReflectionPolicy: Always`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
    /// Any other spec field.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

/// A reference to an object by name and optional namespace.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamespacedObjectReference {
    /// Object name.
    #[serde(default)]
    pub name: String,
    /// Object namespace (the referrer's when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// `spec.policy`: exactly one of the three should be set.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyChoice {
    /// `semver: {range: ...}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub semver: Option<SemVerPolicy>,
    /// `alphabetical: {order: asc|desc}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alphabetical: Option<OrderPolicy>,
    /// `numerical: {order: asc|desc}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numerical: Option<OrderPolicy>,
}

/// `spec.policy.semver`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SemVerPolicy {
    /// The range, e.g. `>=1.0.0 <2.0.0`.
    #[serde(default)]
    pub range: String,
}

/// `spec.policy.alphabetical` / `spec.policy.numerical`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderPolicy {
    /// `asc` (default) or `desc`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
}

/// `spec.filterTags`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterTags {
    /// Regular expression a tag must match.
    #[serde(default)]
    pub pattern: String,
    /// Template of the ranked value (`$1`, `$name`, `${name}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extract: Option<String>,
}

impl ImagePolicy {
    /// Parses one `ImagePolicy` document, checking `apiVersion` and `kind`.
    pub fn from_yaml(text: &str) -> Result<ImagePolicy, Error> {
        Self::from_yaml_file("<input>", text)
    }

    /// Like [`ImagePolicy::from_yaml`], naming `file` in errors.
    pub fn from_yaml_file(file: &str, text: &str) -> Result<ImagePolicy, Error> {
        if text.len() > MAX_MANIFEST_LEN {
            return Err(Error::TooLarge {
                what: file.to_string(),
                size: text.len(),
                limit: MAX_MANIFEST_LEN,
            });
        }
        let p: ImagePolicy =
            kube_object::from_yaml(text, file).map_err(|e| yaml_error(file, &e))?;
        let group_ok = matches!(
            p.api_version.as_str(),
            "image.toolkit.fluxcd.io/v1"
                | "image.toolkit.fluxcd.io/v1beta2"
                | "image.toolkit.fluxcd.io/v1beta1"
        );
        if !group_ok || p.kind != "ImagePolicy" {
            return Err(Error::Yaml {
                file: file.to_string(),
                line: 1,
                column: 1,
                message: format!(
                    "expected kind ImagePolicy of {API_GROUP}/v1 or v1beta2, found {} {}",
                    p.api_version, p.kind
                ),
            });
        }
        Ok(p)
    }
}

pub(crate) fn yaml_error(file: &str, e: &kube_object::DocumentError) -> Error {
    let (line, column, message) = match e {
        kube_object::DocumentError::Yaml(y) => (y.line, y.column, y.message.clone()),
        other => (0, 0, other.to_string()),
    };
    Error::Yaml {
        file: file.to_string(),
        line,
        column,
        message,
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
mod tests {
    use super::*;

    #[test]
    fn v1_policy_with_digest_reflection() {
        let p = ImagePolicy::from_yaml(
            "apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImagePolicy\nmetadata:\n  name: podinfo\n  namespace: flux-system\n  uid: abc\nspec:\n  imageRepositoryRef:\n    name: podinfo\n    namespace: other\n  digestReflectionPolicy: Always\n  interval: 10m\n  policy:\n    semver:\n      range: 5.0.x\nstatus:\n  latestRef:\n    name: ghcr.io/stefanprodan/podinfo\n    tag: 5.0.3\n",
        )
        .unwrap();
        assert_eq!(p.spec.policy.semver.as_ref().unwrap().range, "5.0.x");
        assert_eq!(p.spec.digest_reflection_policy.as_deref(), Some("Always"));
        assert_eq!(
            p.spec.image_repository_ref.namespace.as_deref(),
            Some("other")
        );
        assert_eq!(p.metadata.uid(), Some("abc"));
        assert!(p.status.is_some());
    }

    #[test]
    fn wrong_kind_and_bad_yaml_are_errors() {
        let e = ImagePolicy::from_yaml(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\nspec: {}\n",
        )
        .unwrap_err();
        assert!(e.to_string().contains("expected kind ImagePolicy"), "{e}");
        let e = ImagePolicy::from_yaml("apiVersion: [\n").unwrap_err();
        assert!(matches!(e, Error::Yaml { .. }), "{e}");
    }
}
