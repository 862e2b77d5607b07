//! The `kustomization.yaml` model, read from its YAML text.

use crate::error::{Error, Result};
use crate::fieldspec::FieldSpec;
use crate::resid::Gvk;
use serde_json::{Map, Value};

/// The file names a kustomization directory may use, in the order they are looked for.
pub const FILE_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// `Kustomization` or `Component`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kind {
    /// A kustomization (the default when `kind` is absent).
    #[default]
    Kustomization,
    /// A component (`kind: Component`), only usable under `components`.
    Component,
}

/// A `labels` entry.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabelSet {
    /// The labels.
    pub pairs: Vec<(String, String)>,
    /// Also set them in selectors.
    pub include_selectors: bool,
    /// Also set them in pod templates.
    pub include_templates: bool,
    /// Extra fields.
    pub fields: Vec<FieldSpec>,
}

/// An `images` entry.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Image {
    /// The image name to match.
    pub name: String,
    /// Replacement name.
    pub new_name: String,
    /// Replacement tag.
    pub new_tag: String,
    /// Replacement digest.
    pub digest: String,
}

/// A `replicas` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Replica {
    /// The object's name.
    pub name: String,
    /// The count.
    pub count: i64,
}

/// A patch target selector.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selector {
    /// Group (regex).
    pub group: String,
    /// Version (regex).
    pub version: String,
    /// Kind (regex).
    pub kind: String,
    /// Name (regex).
    pub name: String,
    /// Namespace (regex).
    pub namespace: String,
    /// Label selector.
    pub label_selector: String,
    /// Annotation selector.
    pub annotation_selector: String,
}

/// One patch: inline text or a file, with an optional target.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Patch {
    /// The patch file, relative to the kustomization.
    pub path: Option<String>,
    /// The inline patch text.
    pub patch: Option<String>,
    /// The objects it applies to; `None` means the object the patch names.
    pub target: Option<Selector>,
    /// `options.allowNameChange`.
    pub allow_name_change: bool,
    /// `options.allowKindChange`.
    pub allow_kind_change: bool,
}

/// `generatorOptions` (global or per generator).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GeneratorOptions {
    /// Labels added to generated objects.
    pub labels: Vec<(String, String)>,
    /// Annotations added to generated objects.
    pub annotations: Vec<(String, String)>,
    /// No content-hash suffix.
    pub disable_name_suffix_hash: bool,
    /// `immutable: true` on the generated objects.
    pub immutable: bool,
}

/// `create`, `merge` or `replace`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Behavior {
    /// A new object.
    #[default]
    Create,
    /// Merged into an object of the same id from a base.
    Merge,
    /// Replaces an object of the same id from a base.
    Replace,
}

/// A `configMapGenerator` or `secretGenerator` entry.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Generator {
    /// Name of the object.
    pub name: String,
    /// Namespace of the object.
    pub namespace: String,
    /// How it combines with an existing object.
    pub behavior: Behavior,
    /// `KEY=value` literals.
    pub literals: Vec<String>,
    /// `[key=]path` files.
    pub files: Vec<String>,
    /// `.env` files.
    pub envs: Vec<String>,
    /// Secret type (default `Opaque`).
    pub secret_type: String,
    /// Per-generator options.
    pub options: Option<GeneratorOptions>,
}

/// `sortOptions`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SortOptions {
    /// `legacy` (true) or `fifo` (false).
    pub legacy: bool,
    /// `legacySortOptions.orderFirst`, when given.
    pub order_first: Option<Vec<String>>,
    /// `legacySortOptions.orderLast`, when given.
    pub order_last: Option<Vec<String>>,
}

/// A parsed kustomization (or component).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Kustomization {
    /// The file it was read from.
    pub file: String,
    /// Kustomization or Component.
    pub kind: Kind,
    /// `resources` (and the legacy `bases`).
    pub resources: Vec<String>,
    /// `components`.
    pub components: Vec<String>,
    /// `crds`.
    pub crds: Vec<String>,
    /// `namespace`.
    pub namespace: Option<String>,
    /// `namePrefix`.
    pub name_prefix: String,
    /// `nameSuffix`.
    pub name_suffix: String,
    /// `commonLabels`.
    pub common_labels: Vec<(String, String)>,
    /// `labels`.
    pub labels: Vec<LabelSet>,
    /// `commonAnnotations`.
    pub common_annotations: Vec<(String, String)>,
    /// `images`.
    pub images: Vec<Image>,
    /// `replicas`.
    pub replicas: Vec<Replica>,
    /// `patches`.
    pub patches: Vec<Patch>,
    /// `patchesStrategicMerge` (each a path or inline YAML).
    pub patches_strategic_merge: Vec<String>,
    /// `patchesJson6902`.
    pub patches_json6902: Vec<Patch>,
    /// `configMapGenerator`.
    pub config_map_generator: Vec<Generator>,
    /// `secretGenerator`.
    pub secret_generator: Vec<Generator>,
    /// `generatorOptions`.
    pub generator_options: Option<GeneratorOptions>,
    /// `sortOptions`.
    pub sort_options: Option<SortOptions>,
    /// `replacements` (kept as written).
    pub replacements: Vec<Value>,
    /// `configurations`: transformer configuration files (custom field specs).
    pub configurations: Vec<String>,
    /// `vars`.
    pub vars: Vec<Var>,
    /// `generators`: built-in generator plugin configs (files, directories or inline YAML).
    pub generators: Vec<String>,
    /// `transformers`: built-in transformer plugin configs (files, directories or inline YAML).
    pub transformers: Vec<String>,
    /// `buildMetadata: [originAnnotations]`: each object is annotated with where it came from.
    pub origin_annotations: bool,
    /// `buildMetadata: [transformerAnnotations]`: each object is annotated with the
    /// built-in transformers that ran over it.
    pub transformer_annotations: bool,
    /// `openapi.path`: a schema file for custom kinds (read and checked; merge keys of custom
    /// kinds are inferred from the elements, which agrees with the usual schemas).
    pub openapi_path: Option<String>,
}

/// One of `vars`: `$(NAME)` stands for a field of a named object.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Var {
    /// The name used as `$(NAME)`.
    pub name: String,
    /// The object's gvk (`objref.apiVersion`/`group`/`version` and `kind`).
    pub gvk: Gvk,
    /// The object's name before prefixes and suffixes.
    pub obj_name: String,
    /// The object's namespace (empty: any).
    pub namespace: String,
    /// The field, dotted (`metadata.name` when not given).
    pub field_path: String,
}

/// Every field of a kustomization file this crate reads (besides [`UNSUPPORTED`]).
const KNOWN: &[&str] = &[
    "apiVersion",
    "metadata",
    "kind",
    "resources",
    "bases",
    "components",
    "crds",
    "namespace",
    "namePrefix",
    "nameSuffix",
    "commonLabels",
    "commonAnnotations",
    "labels",
    "images",
    "imageTags",
    "replicas",
    "patches",
    "patchesJson6902",
    "patchesStrategicMerge",
    "configMapGenerator",
    "secretGenerator",
    "generatorOptions",
    "sortOptions",
    "replacements",
    "configurations",
    "vars",
    "generators",
    "transformers",
    "validators",
    "helmCharts",
    "helmGlobals",
    "helmChartInflationGenerator",
    "openapi",
    "buildMetadata",
    "inventory",
    "helmChartRepository",
];

/// Fields that are valid but not supported here: an error when not empty.
const UNSUPPORTED: &[&str] = &[
    "validators",
    "helmCharts",
    "helmGlobals",
    "helmChartInflationGenerator",
    "inventory",
    "helmChartRepository",
];

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::String(s) => s.is_empty(),
        _ => false,
    }
}

/// The text of a scalar (strings as is; numbers and booleans as written).
pub fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

struct Reader<'a> {
    file: &'a str,
}

impl Reader<'_> {
    fn err(&self, message: String) -> Error {
        Error::Kustomization {
            file: self.file.to_string(),
            message,
        }
    }

    fn string(&self, v: &Value, field: &str) -> Result<String> {
        match v {
            Value::Null => Ok(String::new()),
            v => {
                scalar_text(v).ok_or_else(|| self.err(format!("field '{field}' must be a string")))
            }
        }
    }

    fn strings(&self, v: &Value, field: &str) -> Result<Vec<String>> {
        match v {
            Value::Null => Ok(Vec::new()),
            Value::Array(items) => items.iter().map(|i| self.string(i, field)).collect(),
            Value::String(s) => Ok(vec![s.clone()]),
            _ => Err(self.err(format!("field '{field}' must be a list of strings"))),
        }
    }

    fn string_map(&self, v: &Value, field: &str) -> Result<Vec<(String, String)>> {
        match v {
            Value::Null => Ok(Vec::new()),
            Value::Object(m) => m
                .iter()
                .map(|(k, v)| {
                    let val = if v.is_null() {
                        String::new()
                    } else {
                        self.string(v, &format!("{field}.{k}"))?
                    };
                    Ok((k.clone(), val))
                })
                .collect(),
            _ => Err(self.err(format!("field '{field}' must be a map of strings"))),
        }
    }

    fn bool(&self, v: &Value, field: &str) -> Result<bool> {
        match v {
            Value::Null => Ok(false),
            Value::Bool(b) => Ok(*b),
            _ => Err(self.err(format!("field '{field}' must be true or false"))),
        }
    }

    fn object<'v>(
        &self,
        v: &'v Value,
        field: &str,
        known: &[&str],
    ) -> Result<&'v Map<String, Value>> {
        let m = v
            .as_object()
            .ok_or_else(|| self.err(format!("field '{field}' must be a map")))?;
        if let Some(k) = m.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(self.err(format!("unknown field '{field}.{k}'")));
        }
        Ok(m)
    }

    fn list<'v>(&self, v: &'v Value, field: &str) -> Result<&'v [Value]> {
        match v {
            Value::Null => Ok(&[]),
            Value::Array(a) => Ok(a),
            _ => Err(self.err(format!("field '{field}' must be a list"))),
        }
    }

    fn selector(&self, v: &Value, field: &str) -> Result<Selector> {
        let known = [
            "group",
            "version",
            "kind",
            "name",
            "namespace",
            "labelSelector",
            "annotationSelector",
        ];
        let m = self.object(v, field, &known)?;
        let g = |k: &str| {
            m.get(k).map_or(Ok(String::new()), |v| {
                self.string(v, &format!("{field}.{k}"))
            })
        };
        Ok(Selector {
            group: g("group")?,
            version: g("version")?,
            kind: g("kind")?,
            name: g("name")?,
            namespace: g("namespace")?,
            label_selector: g("labelSelector")?,
            annotation_selector: g("annotationSelector")?,
        })
    }

    fn patch(&self, v: &Value, field: &str) -> Result<Patch> {
        let m = self.object(v, field, &["path", "patch", "target", "options"])?;
        let mut p = Patch::default();
        if let Some(v) = m.get("path").filter(|v| !v.is_null()) {
            p.path = Some(self.string(v, &format!("{field}.path"))?);
        }
        if let Some(v) = m.get("patch").filter(|v| !v.is_null()) {
            p.patch = Some(self.string(v, &format!("{field}.patch"))?);
        }
        if let Some(v) = m.get("target").filter(|v| !v.is_null()) {
            p.target = Some(self.selector(v, &format!("{field}.target"))?);
        }
        if let Some(v) = m.get("options").filter(|v| !v.is_null()) {
            let o = self.object(
                v,
                &format!("{field}.options"),
                &["allowNameChange", "allowKindChange"],
            )?;
            p.allow_name_change = self.bool(
                o.get("allowNameChange").unwrap_or(&Value::Null),
                "allowNameChange",
            )?;
            p.allow_kind_change = self.bool(
                o.get("allowKindChange").unwrap_or(&Value::Null),
                "allowKindChange",
            )?;
        }
        if p.path.is_some() == p.patch.is_some() {
            return Err(self.err(format!(
                "{field}: exactly one of 'path' and 'patch' must be set"
            )));
        }
        Ok(p)
    }

    fn options(&self, v: &Value, field: &str) -> Result<GeneratorOptions> {
        let m = self.object(
            v,
            field,
            &[
                "labels",
                "annotations",
                "disableNameSuffixHash",
                "immutable",
            ],
        )?;
        let null = Value::Null;
        Ok(GeneratorOptions {
            labels: self
                .string_map(m.get("labels").unwrap_or(&null), &format!("{field}.labels"))?,
            annotations: self.string_map(
                m.get("annotations").unwrap_or(&null),
                &format!("{field}.annotations"),
            )?,
            disable_name_suffix_hash: self.bool(
                m.get("disableNameSuffixHash").unwrap_or(&null),
                "disableNameSuffixHash",
            )?,
            immutable: self.bool(m.get("immutable").unwrap_or(&null), "immutable")?,
        })
    }

    fn generator(&self, v: &Value, field: &str) -> Result<Generator> {
        let known = [
            "name",
            "namespace",
            "behavior",
            "literals",
            "files",
            "envs",
            "env",
            "type",
            "options",
            "kvSources",
        ];
        let m = self.object(v, field, &known)?;
        let null = Value::Null;
        let get = |k: &str| m.get(k).unwrap_or(&null);
        let name = self.string(get("name"), &format!("{field}.name"))?;
        let behavior = match self.string(get("behavior"), "behavior")?.as_str() {
            "" | "create" => Behavior::Create,
            "merge" => Behavior::Merge,
            "replace" => Behavior::Replace,
            // kustomize reads an unknown behavior as unspecified, which creates.
            _ => Behavior::Create,
        };
        if !is_empty(get("kvSources")) {
            return Err(self.err(format!(
                "{field} {name:?}: 'kvSources' (plugins) is not supported"
            )));
        }
        let mut envs = self.strings(get("envs"), "envs")?;
        let env = self.string(get("env"), "env")?;
        if !env.is_empty() {
            envs.push(env);
        }
        let options = match get("options") {
            Value::Null => None,
            v => Some(self.options(v, &format!("{field}.options"))?),
        };
        Ok(Generator {
            name,
            namespace: self.string(get("namespace"), "namespace")?,
            behavior,
            literals: self.strings(get("literals"), "literals")?,
            files: self.strings(get("files"), "files")?,
            envs,
            secret_type: self.string(get("type"), "type")?,
            options,
        })
    }
}

impl Kustomization {
    /// Reads a kustomization from its parsed YAML document; `file` names it in errors.
    pub fn from_value(doc: &Value, file: &str) -> Result<Kustomization> {
        let r = Reader { file };
        let Some(map) = doc.as_object() else {
            if doc.is_null() {
                return Err(r.err("kustomization.yaml is empty".into()));
            }
            return Err(r.err("a kustomization must be a map".into()));
        };
        // As kustomize's CheckEmpty: nothing but apiVersion and kind (or fields left at their
        // zero value) is an error.
        let zero = |v: &Value| v.is_null() || v.as_str() == Some("") || v == &Value::Bool(false);
        if map
            .iter()
            .all(|(key, v)| key == "apiVersion" || key == "kind" || zero(v))
        {
            return Err(r.err("kustomization.yaml is empty".into()));
        }
        let mut k = Kustomization {
            file: file.to_string(),
            ..Default::default()
        };
        for (key, v) in map {
            // Go's encoding/json, which kustomize reads with, matches field names
            // case-insensitively when no exact match exists (`nameprefix`, `patchesJSON6902`).
            let field = KNOWN
                .iter()
                .find(|f| **f == key.as_str())
                .or_else(|| KNOWN.iter().find(|f| f.eq_ignore_ascii_case(key)))
                .copied()
                .unwrap_or(key.as_str());
            match field {
                "apiVersion" | "metadata" => {}
                "kind" => {
                    k.kind = match r.string(v, "kind")?.as_str() {
                        "" | "Kustomization" => Kind::Kustomization,
                        "Component" => Kind::Component,
                        other => {
                            return Err(r.err(format!(
                                "kind {other:?} is neither Kustomization nor Component"
                            )));
                        }
                    }
                }
                "resources" | "bases" => k.resources.extend(r.strings(v, field)?),
                "components" => k.components = r.strings(v, field)?,
                "crds" => k.crds = r.strings(v, field)?,
                "namespace" => k.namespace = Some(r.string(v, field)?).filter(|s| !s.is_empty()),
                "namePrefix" => k.name_prefix = r.string(v, field)?,
                "nameSuffix" => k.name_suffix = r.string(v, field)?,
                "commonLabels" => k.common_labels = r.string_map(v, field)?,
                "commonAnnotations" => k.common_annotations = r.string_map(v, field)?,
                "labels" => {
                    for (i, item) in r.list(v, field)?.iter().enumerate() {
                        let f = format!("labels[{i}]");
                        let m = r.object(
                            item,
                            &f,
                            &["pairs", "includeSelectors", "includeTemplates", "fields"],
                        )?;
                        let null = Value::Null;
                        let mut fields = Vec::new();
                        for (j, fs) in r
                            .list(m.get("fields").unwrap_or(&null), &f)?
                            .iter()
                            .enumerate()
                        {
                            fields.push(field_spec(&r, fs, &format!("{f}.fields[{j}]"))?);
                        }
                        k.labels.push(LabelSet {
                            pairs: r.string_map(
                                m.get("pairs").unwrap_or(&null),
                                &format!("{f}.pairs"),
                            )?,
                            include_selectors: r.bool(
                                m.get("includeSelectors").unwrap_or(&null),
                                "includeSelectors",
                            )?,
                            include_templates: r.bool(
                                m.get("includeTemplates").unwrap_or(&null),
                                "includeTemplates",
                            )?,
                            fields,
                        });
                    }
                }
                "images" | "imageTags" => {
                    for (i, item) in r.list(v, field)?.iter().enumerate() {
                        let f = format!("{field}[{i}]");
                        let m = r.object(
                            item,
                            &f,
                            &["name", "newName", "newTag", "digest", "tagSuffix"],
                        )?;
                        let g = |key: &str| {
                            m.get(key)
                                .map_or(Ok(String::new()), |v| r.string(v, &format!("{f}.{key}")))
                        };
                        k.images.push(Image {
                            name: g("name")?,
                            new_name: g("newName")?,
                            new_tag: g("newTag")?,
                            digest: g("digest")?,
                        });
                    }
                }
                "replicas" => {
                    for (i, item) in r.list(v, field)?.iter().enumerate() {
                        let f = format!("replicas[{i}]");
                        let m = r.object(item, &f, &["name", "count"])?;
                        let count = m
                            .get("count")
                            .and_then(Value::as_i64)
                            .ok_or_else(|| r.err(format!("{f}.count must be an integer")))?;
                        let name = r.string(m.get("name").unwrap_or(&Value::Null), "name")?;
                        k.replicas.push(Replica { name, count });
                    }
                }
                "patches" => {
                    for (i, item) in r.list(v, field)?.iter().enumerate() {
                        k.patches.push(r.patch(item, &format!("patches[{i}]"))?);
                    }
                }
                "patchesJson6902" => {
                    for (i, item) in r.list(v, field)?.iter().enumerate() {
                        let p = r.patch(item, &format!("patchesJson6902[{i}]"))?;
                        if p.target.is_none() {
                            return Err(r.err(format!("patchesJson6902[{i}] must have a target")));
                        }
                        k.patches_json6902.push(p);
                    }
                }
                "patchesStrategicMerge" => k.patches_strategic_merge = r.strings(v, field)?,
                "configMapGenerator" => {
                    for (i, item) in r.list(v, field)?.iter().enumerate() {
                        k.config_map_generator
                            .push(r.generator(item, &format!("configMapGenerator[{i}]"))?);
                    }
                }
                "secretGenerator" => {
                    for (i, item) in r.list(v, field)?.iter().enumerate() {
                        k.secret_generator
                            .push(r.generator(item, &format!("secretGenerator[{i}]"))?);
                    }
                }
                "generatorOptions" => {
                    if !v.is_null() {
                        k.generator_options = Some(r.options(v, field)?);
                    }
                }
                "sortOptions" => {
                    if !v.is_null() {
                        k.sort_options = Some(sort_options(&r, v)?);
                    }
                }
                "replacements" => k.replacements = r.list(v, field)?.to_vec(),
                "configurations" => k.configurations = r.strings(v, field)?,
                "generators" => k.generators = r.strings(v, field)?,
                "openapi" => {
                    let m = r.object(v, field, &["path", "version"])?;
                    let null = Value::Null;
                    let version = r.string(m.get("version").unwrap_or(&null), "openapi.version")?;
                    // kustomize v5.5 carries one built-in schema.
                    if !version.is_empty() && version != "v1.21.2" {
                        return Err(r.err("the specified OpenAPI version is not built in".into()));
                    }
                    let path = r.string(m.get("path").unwrap_or(&null), "openapi.path")?;
                    k.openapi_path = Some(path).filter(|p| !p.is_empty());
                }
                "buildMetadata" => {
                    for item in r.strings(v, field)? {
                        match item.as_str() {
                            "originAnnotations" => k.origin_annotations = true,
                            "transformerAnnotations" => k.transformer_annotations = true,
                            other => {
                                return Err(r.err(format!(
                                    "buildMetadata {other:?} is not supported by kustomize-lite \
                                     (only originAnnotations and transformerAnnotations)"
                                )));
                            }
                        }
                    }
                }
                "transformers" => k.transformers = r.strings(v, field)?,
                "vars" => {
                    for (i, item) in r.list(v, field)?.iter().enumerate() {
                        k.vars.push(var(&r, item, &format!("vars[{i}]"))?);
                    }
                }
                f if UNSUPPORTED.contains(&f) => {
                    if !is_empty(v) {
                        return Err(
                            r.err(format!("field '{f}' is not supported by kustomize-lite"))
                        );
                    }
                }
                other => {
                    return Err(Error::UnknownField {
                        file: file.to_string(),
                        field: other.to_string(),
                    });
                }
            }
        }
        Ok(k)
    }
}

fn field_spec(r: &Reader<'_>, v: &Value, field: &str) -> Result<FieldSpec> {
    let m = r.object(v, field, &["path", "group", "version", "kind", "create"])?;
    let g = |k: &str| {
        m.get(k)
            .map_or(Ok(String::new()), |v| r.string(v, &format!("{field}.{k}")))
    };
    let gvk = Gvk {
        group: g("group")?,
        version: g("version")?,
        kind: g("kind")?,
    };
    Ok(FieldSpec::new(
        gvk,
        &g("path")?,
        r.bool(m.get("create").unwrap_or(&Value::Null), "create")?,
    ))
}

/// A value of a map whose keys kustomize reads case-insensitively (Go's `encoding/json`).
fn get_ci<'v>(m: &'v serde_json::Map<String, Value>, key: &str) -> Option<&'v Value> {
    m.get(key).or_else(|| {
        m.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

fn var(r: &Reader<'_>, v: &Value, field: &str) -> Result<Var> {
    let m = v
        .as_object()
        .ok_or_else(|| r.err(format!("{field} must be a map")))?;
    let null = Value::Null;
    let text = |m: &serde_json::Map<String, Value>, key: &str| {
        r.string(get_ci(m, key).unwrap_or(&null), &format!("{field}.{key}"))
    };
    let empty = serde_json::Map::new();
    let objref = match get_ci(m, "objref") {
        Some(Value::Object(o)) => o,
        None | Some(Value::Null) => &empty,
        Some(_) => return Err(r.err(format!("{field}.objref must be a map"))),
    };
    let fieldref = match get_ci(m, "fieldref") {
        Some(Value::Object(o)) => o,
        None | Some(Value::Null) => &empty,
        Some(_) => return Err(r.err(format!("{field}.fieldref must be a map"))),
    };
    let mut gvk = Gvk {
        group: text(objref, "group")?,
        version: text(objref, "version")?,
        kind: text(objref, "kind")?,
    };
    let api = text(objref, "apiVersion")?;
    if !api.is_empty() {
        // As kustomize's `Target.GVK`: `group/version` or a bare version.
        let parts: Vec<&str> = api.split('/').collect();
        match parts.as_slice() {
            [g, v] => {
                gvk.group = (*g).to_string();
                gvk.version = (*v).to_string();
            }
            [v] => gvk.version = (*v).to_string(),
            _ => {}
        }
    }
    let mut field_path = text(fieldref, "fieldPath")?;
    if field_path.is_empty() {
        field_path = "metadata.name".into();
    }
    Ok(Var {
        name: text(m, "name")?,
        gvk,
        obj_name: text(objref, "name")?,
        namespace: text(objref, "namespace")?,
        field_path,
    })
}

fn sort_options(r: &Reader<'_>, v: &Value) -> Result<SortOptions> {
    let m = r.object(v, "sortOptions", &["order", "legacySortOptions"])?;
    let order = r.string(m.get("order").unwrap_or(&Value::Null), "sortOptions.order")?;
    let legacy = match order.as_str() {
        "legacy" => true,
        "fifo" => false,
        _ => {
            return Err(r.err("the field 'sortOptions.order' must be one of [fifo, legacy]".into()));
        }
    };
    let mut s = SortOptions {
        legacy,
        ..Default::default()
    };
    if let Some(l) = m.get("legacySortOptions").filter(|v| !v.is_null()) {
        if !legacy {
            return Err(r.err("the field 'sortOptions.legacySortOptions' is set but 'sortOptions.order' is not 'legacy'".into()));
        }
        let lm = r.object(
            l,
            "sortOptions.legacySortOptions",
            &["orderFirst", "orderLast"],
        )?;
        if let Some(v) = lm.get("orderFirst") {
            s.order_first = Some(r.strings(v, "orderFirst")?);
        }
        if let Some(v) = lm.get("orderLast") {
            s.order_last = Some(r.strings(v, "orderLast")?);
        }
    }
    Ok(s)
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
    use serde_json::json;

    #[test]
    fn reads_fields_and_rejects_unknown() {
        let k = Kustomization::from_value(
            &json!({"resources": ["a.yaml"], "bases": ["../b"], "namePrefix": "p-", "commonLabels": {"v": 1}}),
            "k.yaml",
        )
        .unwrap();
        assert_eq!(k.resources, ["a.yaml", "../b"]);
        assert_eq!(k.common_labels, [("v".to_string(), "1".to_string())]);
        let e = Kustomization::from_value(&json!({"resourcez": []}), "dir/kustomization.yaml")
            .unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("resourcez") && msg.contains("dir/kustomization.yaml"),
            "{msg}"
        );
        let e = Kustomization::from_value(&json!({"sortOptions": {"legacySortOptions": {}}}), "k")
            .unwrap_err();
        assert!(e.to_string().contains("must be one of [fifo, legacy]"));
    }
}
