//! `generators` and `transformers`: kustomize's built-in plugins configured by objects of
//! `apiVersion: builtin` (`LabelTransformer`, `PrefixSuffixTransformer`,
//! `ConfigMapGenerator` ...), named as files, kustomization directories or inline YAML.
//!
//! As kustomize, a kustomization's `generators` run after its `configMapGenerator` and
//! `secretGenerator`, its `transformers` after every transformer its own fields ask for.
//! Exec and KRM function plugins (any other apiVersion) are refused, as kustomize refuses
//! them without `--enable-alpha-plugins`.

use super::{Acc, Builder, Level};
use crate::error::{Error, Result};
use crate::fieldspec::FieldSpec;
use crate::kustomization::Kustomization;
use crate::resource::Resource;
use crate::transform;
use serde_json::{Map, Value, json};

/// Which list a plugin config came from.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Stage {
    Generators,
    Transformers,
}

impl Stage {
    fn field(self) -> &'static str {
        match self {
            Stage::Generators => "generators",
            Stage::Transformers => "transformers",
        }
    }
}

fn field_specs(cfg: &Value, file: &str) -> Result<Vec<FieldSpec>> {
    let null = Value::Null;
    crate::fieldspec::config_specs(cfg.get("fieldSpecs").unwrap_or(&null), "fieldSpecs").map_err(
        |message| Error::Kustomization {
            file: file.to_string(),
            message,
        },
    )
}

fn string_map(cfg: &Value, key: &str) -> Vec<(String, String)> {
    cfg.get(key)
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let text = crate::kustomization::scalar_text(v).unwrap_or_default();
                    (k.clone(), text)
                })
                .collect()
        })
        .unwrap_or_default()
}

fn text<'v>(cfg: &'v Value, key: &str) -> &'v str {
    cfg.get(key).and_then(Value::as_str).unwrap_or("")
}

/// The entries of a generator plugin's config as a kustomization's generator entry.
fn generator_entry(cfg: &Value) -> Value {
    let mut entry = Map::new();
    let meta = cfg.get("metadata");
    // The config's own `name` and `namespace` (kustomize's GeneratorArgs) win over its
    // metadata's.
    for key in ["name", "namespace"] {
        if let Some(v) = cfg
            .get(key)
            .filter(|v| !v.is_null())
            .or_else(|| meta.and_then(|m| m.get(key)))
        {
            entry.insert(key.into(), v.clone());
        }
    }
    if let Some(m) = cfg.as_object() {
        for (k, v) in m {
            // The fields of kustomize's GeneratorArgs; others are ignored as kustomize does.
            if matches!(
                k.as_str(),
                "behavior"
                    | "literals"
                    | "files"
                    | "envs"
                    | "env"
                    | "options"
                    | "type"
                    | "kvSources"
            ) {
                entry.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Object(entry)
}

impl Builder<'_> {
    /// The plugin config objects a `generators` or `transformers` list names.
    fn plugin_configs(&mut self, lvl: &Level<'_>, stage: Stage) -> Result<Vec<Resource>> {
        let entries = match stage {
            Stage::Generators => &lvl.k.generators,
            Stage::Transformers => &lvl.k.transformers,
        };
        let mut configs = Vec::new();
        for entry in entries {
            // As kustomize: an entry that reads as an object is an inline config, anything
            // else a path (a file of configs, or a kustomization directory that makes them).
            let inline = entry.contains('\n')
                && crate::yaml::parse_stream(entry, lvl.file())
                    .is_ok_and(|docs| docs.iter().all(Value::is_object) && !docs.is_empty());
            if inline {
                configs.extend(super::read_objects(entry, lvl.file())?);
                continue;
            }
            let mut scratch = Acc::new();
            let mut found = Vec::new();
            self.accumulate_resource(lvl, entry, &mut found, &mut scratch)
                .map_err(|e| Error::Accumulate {
                    file: lvl.file().to_string(),
                    entry: entry.clone(),
                    source: Box::new(e),
                })?;
            configs.extend(found);
        }
        Ok(configs)
    }

    /// Runs the `generators` or `transformers` of a kustomization.
    pub(super) fn run_plugins(
        &mut self,
        lvl: &Level<'_>,
        ra: &mut Vec<Resource>,
        stage: Stage,
    ) -> Result<()> {
        for config in self.plugin_configs(lvl, stage)? {
            self.run_plugin(lvl, ra, stage, &config)?;
        }
        Ok(())
    }

    fn run_plugin(
        &mut self,
        lvl: &Level<'_>,
        ra: &mut Vec<Resource>,
        stage: Stage,
        config: &Resource,
    ) -> Result<()> {
        let gvk = config.gvk();
        let kind = gvk.kind.as_str();
        let origin = config.origin.clone();
        let name = config.name().to_string();
        let cfg = &config.obj;
        let refuse = |message: String| Error::Transform {
            file: origin.clone(),
            transformer: stage.field(),
            message,
        };
        if !(gvk.group.is_empty() && gvk.version == "builtin") {
            return Err(refuse(format!(
                "{kind} {name:?} ({}): external plugins are not run (kustomize needs \
                 --enable-alpha-plugins for them); only apiVersion: builtin kinds are",
                config
                    .obj
                    .get("apiVersion")
                    .and_then(Value::as_str)
                    .unwrap_or("")
            )));
        }
        let terr = |m: String| refuse(format!("{kind} {name:?}: {m}"));
        // Plugins a kustomization's own fields express are run through those fields.
        let as_fields =
            |doc: Value| -> Result<Kustomization> { Kustomization::from_value(&doc, &origin) };
        match kind {
            "ConfigMapGenerator" | "SecretGenerator" => {
                let field = if kind == "ConfigMapGenerator" {
                    "configMapGenerator"
                } else {
                    "secretGenerator"
                };
                let k = as_fields(json!({ field: [generator_entry(cfg)] }))?;
                let dir = lvl.dir.clone();
                let before = ra.len();
                self.generate(&Level { dir, k: &k }, ra)?;
                // The origin annotation names the config that made the object.
                for r in ra.iter_mut().skip(before) {
                    if let Some(c) = &mut r.configured {
                        c.name = Some(name.clone());
                    }
                }
                Ok(())
            }
            "LabelTransformer" => {
                let specs = field_specs(cfg, &origin)?;
                transform::labels::apply(ra, &string_map(cfg, "labels"), &specs);
                Ok(())
            }
            "AnnotationsTransformer" => {
                let specs = field_specs(cfg, &origin)?;
                transform::labels::apply(ra, &string_map(cfg, "annotations"), &specs);
                Ok(())
            }
            "NamespaceTransformer" => {
                if cfg.get("unsetOnly").and_then(Value::as_bool) == Some(true) {
                    return Err(terr("unsetOnly is not supported".into()));
                }
                match text(cfg, "setRoleBindingSubjects") {
                    "" | "defaultOnly" => {}
                    other => {
                        return Err(terr(format!(
                            "setRoleBindingSubjects {other:?} is not supported"
                        )));
                    }
                }
                let ns = cfg
                    .get("metadata")
                    .and_then(|m| m.get("namespace"))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let specs = field_specs(cfg, &origin)?;
                transform::namespace::apply(ra, ns, &specs);
                Ok(())
            }
            "PrefixSuffixTransformer" | "PrefixTransformer" | "SuffixTransformer" => {
                let specs = field_specs(cfg, &origin)?;
                // As kustomize's PrefixTransformer then SuffixTransformer: `metadata/name`
                // renames (name references follow), any other field gets the text added.
                for (affix, is_prefix) in
                    [(text(cfg, "prefix"), true), (text(cfg, "suffix"), false)]
                {
                    if (kind == "PrefixTransformer" && !is_prefix)
                        || (kind == "SuffixTransformer" && is_prefix)
                    {
                        continue;
                    }
                    transform::name::affix(ra, affix, is_prefix, &specs);
                }
                Ok(())
            }
            "ImageTagTransformer" => {
                let k = as_fields(
                    json!({ "images": [cfg.get("imageTag").cloned().unwrap_or(Value::Null)] }),
                )?;
                let specs = field_specs(cfg, &origin)?;
                transform::images::apply(ra, &k.images, &specs).map_err(terr)
            }
            "ReplicaCountTransformer" => {
                let k = as_fields(
                    json!({ "replicas": [cfg.get("replica").cloned().unwrap_or(Value::Null)] }),
                )?;
                let specs = field_specs(cfg, &origin)?;
                transform::replicas::apply(ra, &k.replicas, &specs).map_err(terr)
            }
            "PatchTransformer"
            | "PatchStrategicMergeTransformer"
            | "PatchJson6902Transformer"
            | "ReplacementTransformer" => {
                let doc = match kind {
                    "PatchTransformer" => {
                        let mut p = Map::new();
                        for key in ["path", "patch", "target", "options"] {
                            if let Some(v) = cfg.get(key) {
                                p.insert(key.into(), v.clone());
                            }
                        }
                        json!({ "patches": [p] })
                    }
                    "PatchJson6902Transformer" => {
                        let mut p = Map::new();
                        for (key, to) in
                            [("path", "path"), ("jsonOp", "patch"), ("target", "target")]
                        {
                            if let Some(v) = cfg.get(key) {
                                p.insert(to.into(), v.clone());
                            }
                        }
                        json!({ "patches": [p] })
                    }
                    "PatchStrategicMergeTransformer" => {
                        let mut list: Vec<Value> = cfg
                            .get("paths")
                            .and_then(Value::as_array)
                            .cloned()
                            .unwrap_or_default();
                        if let Some(p) = cfg.get("patches").filter(|v| !v.is_null()) {
                            list.push(p.clone());
                        }
                        json!({ "patchesStrategicMerge": list })
                    }
                    _ => {
                        json!({ "replacements": cfg.get("replacements").cloned().unwrap_or(Value::Null) })
                    }
                };
                let k = as_fields(doc)?;
                let dir = lvl.dir.clone();
                let cfg = Acc::new().cfg;
                self.transform(&Level { dir, k: &k }, ra, &cfg)
            }
            "IAMPolicyGenerator" => {
                // kustomize's GKE workload identity ServiceAccount.
                let cloud = text(cfg, "cloud");
                if cloud != "gke" {
                    return Err(terr(format!("cloud provider {cloud} not supported yet")));
                }
                let k8s = cfg.get("kubernetesService").cloned().unwrap_or(Value::Null);
                let sa = cfg.get("serviceAccount").cloned().unwrap_or(Value::Null);
                let mut meta = Map::new();
                meta.insert(
                    "annotations".into(),
                    json!({
                        "iam.gke.io/gcp-service-account": format!(
                            "{}@{}.iam.gserviceaccount.com",
                            text(&sa, "name"),
                            text(&sa, "projectId")
                        )
                    }),
                );
                meta.insert("name".into(), json!(text(&k8s, "name")));
                let ns = text(&k8s, "namespace");
                if !ns.is_empty() {
                    meta.insert("namespace".into(), json!(ns));
                }
                let obj = json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta});
                super::append_all(ra, vec![Resource::new(obj, origin.clone())])
            }
            "HelmChartInflationGenerator" => Err(terr(
                "Helm charts are not rendered by kustomize-lite yet".into(),
            )),
            other => Err(terr(format!("{other} is not a built-in plugin kind"))),
        }
    }
}
