//! Typed models of the toolkit's own kinds, accepting upstream YAML unchanged.
//!
//! Flux `GitRepository`, `Kustomization`, `ImageRepository`, `ImagePolicy`,
//! `ImageUpdateAutomation` and Argo CD `Application`. Fields this crate does not act on are
//! accepted and ignored (they never change behaviour here); [`Object`] keeps the raw value
//! next to the model.
//!
//! ```
//! use gitops_core::model::{parse_objects, Object};
//! let text = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./apps\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n";
//! let objs = parse_objects(text, "apps.yaml").unwrap();
//! let Object::Kustomization(k) = &objs[0] else { panic!() };
//! assert_eq!(k.spec.path, "./apps");
//! assert!(k.spec.prune);
//! ```

mod argo;
mod flux;
mod image;

pub use argo::*;
pub use flux::*;
pub use image::*;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Error;

/// Object metadata (kube-object's, shared by every crate).
pub use kube_object::ObjectMeta;

/// A parsed document: one of the toolkit's kinds, or any other Kubernetes object.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum Object {
    /// `source.toolkit.fluxcd.io` `GitRepository`.
    GitRepository(GitRepository),
    /// `kustomize.toolkit.fluxcd.io` `Kustomization`.
    Kustomization(Kustomization),
    /// `image.toolkit.fluxcd.io` `ImageRepository`.
    ImageRepository(ImageRepository),
    /// `image.toolkit.fluxcd.io` `ImagePolicy`.
    ImagePolicy(ImagePolicy),
    /// `image.toolkit.fluxcd.io` `ImageUpdateAutomation`.
    ImageUpdateAutomation(ImageUpdateAutomation),
    /// `argoproj.io` `Application`.
    Application(Application),
    /// Anything else, kept as is.
    Other(Value),
}

fn group(api_version: &str) -> &str {
    api_version.split_once('/').map_or("", |(g, _)| g)
}

impl Object {
    /// Classifies one object by `apiVersion` group and `kind`, parsing the toolkit's kinds.
    pub fn from_value(value: Value, origin: &str) -> Result<Object, Error> {
        let api = value
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let kind = value
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let kind = kind.as_str();
        Ok(match (group(&api), kind) {
            ("source.toolkit.fluxcd.io", "GitRepository") => {
                Object::GitRepository(typed(value, origin, kind)?)
            }
            ("kustomize.toolkit.fluxcd.io", "Kustomization") => {
                Object::Kustomization(typed(value, origin, kind)?)
            }
            ("image.toolkit.fluxcd.io", "ImageRepository") => {
                Object::ImageRepository(typed(value, origin, kind)?)
            }
            ("image.toolkit.fluxcd.io", "ImagePolicy") => {
                Object::ImagePolicy(typed(value, origin, kind)?)
            }
            ("image.toolkit.fluxcd.io", "ImageUpdateAutomation") => {
                Object::ImageUpdateAutomation(typed(value, origin, kind)?)
            }
            ("argoproj.io", "Application") => {
                if let Some(field) = application_unknown_field(&value) {
                    let name = value.pointer("/metadata/name").and_then(Value::as_str);
                    return Err(Error::Model {
                        origin: format!("{origin}: {kind}/{}", name.unwrap_or("")),
                        message: format!("unknown field {field:?}"),
                    });
                }
                Object::Application(typed(value, origin, kind)?)
            }
            _ => Object::Other(value),
        })
    }
}

fn typed<T: serde::de::DeserializeOwned>(
    value: Value,
    origin: &str,
    kind: &str,
) -> Result<T, Error> {
    let name = value
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    serde_json::from_value(value).map_err(|e| Error::Model {
        origin: format!("{origin}: {kind}/{name}"),
        message: e.to_string(),
    })
}

/// Parses a YAML stream and classifies every document.
pub fn parse_objects(text: &str, origin: &str) -> Result<Vec<Object>, Error> {
    let docs = kube_object::yaml::parse_stream(text, origin).map_err(|e| Error::Yaml {
        origin: origin.to_string(),
        message: e.to_string(),
    })?;
    docs.into_iter()
        .map(|d| Object::from_value(d, origin))
        .collect()
}

/// A namespaced reference (`name`, optional `namespace`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NamespacedRef {
    /// Name.
    pub name: String,
    /// Namespace; empty means the referring object's namespace.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub namespace: String,
}

impl NamespacedRef {
    /// `namespace/name`, the namespace defaulting to `default_ns`.
    pub fn key(&self, default_ns: &str) -> String {
        let ns = if self.namespace.is_empty() {
            default_ns
        } else {
            &self.namespace
        };
        format!("{ns}/{}", self.name)
    }
}

/// A reference to another object by kind (`sourceRef`, `healthChecks` entries).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ObjectRef {
    /// `apiVersion` (optional in source references).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    /// Kind.
    pub kind: String,
    /// Name.
    pub name: String,
    /// Namespace; empty means the referring object's namespace.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub namespace: String,
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
mod tests;
