//! The build: load a kustomization tree, accumulate its objects, run generators and
//! transformers level by level, then add hash suffixes, fix name references and order.

use crate::error::{Error, Result};
use crate::fieldspec::{self, Builtin, FieldSpec, NameRef};
use crate::fs::{self, FileKind, FileSystem};
use crate::generator::{self, GenKind};
use crate::kustomization::{Behavior, FILE_NAMES, Kind, Kustomization, Patch, Var};
use crate::order::Legacy;
use crate::patch::{self, PatchBody, selector::Compiled};
use crate::resid::KustomizeId as _;
use crate::resid::ResId;
use crate::resource::Resource;
use crate::transform;
use serde_json::Value;
use std::collections::HashMap;

mod plugins;

/// Most kustomizations nested inside each other.
pub const MAX_NESTING: usize = 64;
/// Most objects in one build.
pub const MAX_RESOURCES: usize = 200_000;

/// The order of the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reorder {
    /// `kustomize build`'s default: kind-ordered.
    #[default]
    Legacy,
    /// The order objects were read in. A top-level `sortOptions` still decides when set.
    None,
}

/// Which files a kustomization may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LoadRestrictions {
    /// Files must be in or below the kustomization's directory (bases named under
    /// `resources` and `components` may be elsewhere), as kustomize's default.
    #[default]
    RootOnly,
    /// Any file of the file system.
    None,
}

/// Build settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Options {
    /// Output order.
    pub reorder: Reorder,
    /// File load restrictions.
    pub load_restrictions: LoadRestrictions,
}

fn key(id: &ResId) -> (String, String, String, String, String) {
    (
        id.gvk.group.clone(),
        id.gvk.version.clone(),
        id.gvk.kind.clone(),
        id.effective_namespace().to_string(),
        id.name.clone(),
    )
}

/// Appends objects, refusing one whose id is already present.
fn append_all(ra: &mut Vec<Resource>, more: Vec<Resource>) -> Result<()> {
    let mut seen: HashMap<_, usize> = ra
        .iter()
        .enumerate()
        .map(|(i, r)| (key(&r.id()), i))
        .collect();
    for r in more {
        let id = r.id();
        if let Some(&i) = seen.get(&key(&id)) {
            return Err(Error::DuplicateId {
                id: id.to_string(),
                first: ra.get(i).map(|x| x.origin.clone()).unwrap_or_default(),
                second: r.origin,
            });
        }
        if ra.len() >= MAX_RESOURCES {
            return Err(Error::Limit {
                what: "objects in one build".into(),
                limit: MAX_RESOURCES,
            });
        }
        seen.insert(key(&id), ra.len());
        ra.push(r);
    }
    Ok(())
}

fn is_remote(entry: &str) -> bool {
    entry.contains("://") || entry.starts_with("git@") || entry.starts_with("github.com/")
}

/// Reads objects from a YAML stream, flattening `List` kinds.
pub fn read_objects(text: &str, origin: &str) -> Result<Vec<Resource>> {
    let (docs, empties) = crate::yaml::parse_stream_noting_empty_values(
        text,
        origin,
        &crate::yaml::ParseOptions::default(),
    )?;
    let mut empties = empties.into_iter().peekable();
    let mut out = Vec::new();
    for (i, doc) in docs.into_iter().enumerate() {
        let bad = |message: &str| Error::Resource {
            file: origin.to_string(),
            doc: i,
            message: message.to_string(),
        };
        match doc {
            Value::Null => {}
            Value::Object(ref m) => {
                let kind = m.get("kind").and_then(Value::as_str).unwrap_or("");
                if kind.is_empty() {
                    return Err(bad("missing 'kind'"));
                }
                if kind.ends_with("List")
                    && let Some(Value::Array(items)) = m.get("items")
                {
                    for item in items {
                        if !item.is_object()
                            || item
                                .get("kind")
                                .and_then(Value::as_str)
                                .unwrap_or("")
                                .is_empty()
                        {
                            return Err(bad("a List item is not an object with a kind"));
                        }
                        out.push(Resource::new(item.clone(), origin));
                    }
                    continue;
                }
                let mut r = Resource::new(doc, origin);
                while let Some(e) = empties.next_if(|e| e.document <= i) {
                    if e.document == i {
                        r.empty_fields.push(e.path);
                    }
                }
                out.push(r);
            }
            _ => return Err(bad("a document is not a map")),
        }
    }
    Ok(out)
}

struct Builder<'a> {
    fs: &'a dyn FileSystem,
    opts: Options,
    stack: Vec<String>,
    crd_refs: Vec<NameRef>,
    /// A kustomization gave `openapi.path` (kustomize's schema is global, so are we).
    custom_schema: bool,
    /// The built kustomization asks for `buildMetadata: [transformerAnnotations]`.
    track_transformations: bool,
}

/// What a kustomization passes up to the one that includes it besides its objects, as
/// kustomize's accumulator: its transformer configuration (built-in field specs merged with
/// every `configurations` file below it) and its vars.
struct Acc {
    cfg: Builtin,
    vars: Vec<Var>,
}

impl Acc {
    fn new() -> Acc {
        Acc {
            cfg: fieldspec::builtin().clone(),
            vars: Vec::new(),
        }
    }

    /// Takes in what a base passed up.
    fn absorb(&mut self, sub: Acc, file: &str) -> Result<()> {
        self.cfg.merge(&sub.cfg);
        crate::vars::merge_names(&mut self.vars, &sub.vars).map_err(|message| Error::Transform {
            file: file.to_string(),
            transformer: "vars",
            message,
        })
    }
}

/// One kustomization directory during the build.
struct Level<'k> {
    dir: String,
    k: &'k Kustomization,
}

impl Level<'_> {
    fn file(&self) -> &str {
        &self.k.file
    }
}

impl Builder<'_> {
    fn read_text(&self, path: &str) -> Result<String> {
        let bytes = self.fs.read_file(path).map_err(|e| Error::Io {
            path: path.to_string(),
            message: e.to_string(),
        })?;
        String::from_utf8(bytes).map_err(|_| Error::Io {
            path: path.to_string(),
            message: "not UTF-8 text".into(),
        })
    }

    /// Reads a file named by a kustomization, honouring load restrictions.
    fn load(&self, lvl: &Level<'_>, rel: &str) -> Result<Vec<u8>> {
        let path = self.resolve_file(lvl, rel)?;
        self.fs.read_file(&path).map_err(|e| Error::Io {
            path,
            message: e.to_string(),
        })
    }

    fn resolve_file(&self, lvl: &Level<'_>, rel: &str) -> Result<String> {
        let path = fs::join(&lvl.dir, rel).ok_or_else(|| Error::Restricted {
            path: rel.to_string(),
            root: fs::display(&lvl.dir).to_string(),
        })?;
        if self.opts.load_restrictions == LoadRestrictions::RootOnly {
            // As kustomize: the check is made on real paths, after symbolic links, so a link
            // inside the kustomization's folder cannot reach a file outside it.
            let real_root = self.fs.real_path(&lvl.dir).map_err(|e| Error::Io {
                path: fs::display(&lvl.dir).to_string(),
                message: e.to_string(),
            })?;
            let real = match self.fs.real_path(&path) {
                Ok(real) => real,
                // A missing file is reported by whoever reads it.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => path.clone(),
                Err(e) => {
                    return Err(Error::Io {
                        path,
                        message: e.to_string(),
                    });
                }
            };
            if !fs::is_within(&path, &lvl.dir) || !fs::is_within(&real, &real_root) {
                // Named as kustomize names it: the path as written, the folder's real path.
                return Err(Error::Restricted {
                    path,
                    root: fs::display(&real_root).to_string(),
                });
            }
        }
        Ok(path)
    }

    fn load_kustomization(&self, dir: &str) -> Result<Kustomization> {
        for name in FILE_NAMES {
            let path = fs::join(dir, name).unwrap_or_default();
            if self.fs.is_file(&path) {
                let text = self.read_text(&path)?;
                // As kustomize, a key given twice in a kustomization file keeps its last value.
                let opts = crate::yaml::ParseOptions::default()
                    .with_duplicate_keys(crate::yaml::DuplicateKeys::KeepLast);
                let docs = crate::yaml::parse_stream_with(&text, &path, &opts)?;
                let doc = match docs.len() {
                    0 => Value::Null,
                    1 => docs.into_iter().next().unwrap_or(Value::Null),
                    _ => {
                        return Err(Error::Kustomization {
                            file: path,
                            message: "a kustomization file must hold one YAML document".into(),
                        });
                    }
                };
                return Kustomization::from_value(&doc, &path);
            }
        }
        Err(Error::MissingKustomization {
            dir: fs::display(dir).to_string(),
        })
    }

    fn enter(&mut self, dir: &str) -> Result<()> {
        // Compared on real paths, as kustomize does: a symbolic link back to a folder being
        // built is a cycle, not a deeper and deeper path.
        let real = self.fs.real_path(dir).unwrap_or_else(|_| dir.to_string());
        if let Some(v) = self.stack.iter().find(|v| fs::is_within(v, &real)) {
            return Err(Error::Cycle {
                dir: fs::display(dir).to_string(),
                visited: fs::display(v).to_string(),
            });
        }
        if self.stack.len() >= MAX_NESTING {
            return Err(Error::Limit {
                what: format!("nested kustomizations at {}", fs::display(dir)),
                limit: MAX_NESTING,
            });
        }
        self.stack.push(real);
        Ok(())
    }

    /// Builds a kustomization directory into a fresh list (a base).
    fn build_dir(&mut self, dir: &str, want: Kind) -> Result<(Vec<Resource>, Acc)> {
        self.enter(dir)?;
        let result = (|| {
            let k = self.load_kustomization(dir)?;
            check_kind(&k, dir, want)?;
            let mut ra = Vec::new();
            let mut acc = Acc::new();
            self.accumulate(
                &Level {
                    dir: dir.to_string(),
                    k: &k,
                },
                &mut ra,
                &mut acc,
            )?;
            Ok((ra, acc))
        })();
        self.stack.pop();
        result
    }

    fn accumulate(&mut self, lvl: &Level<'_>, ra: &mut Vec<Resource>, acc: &mut Acc) -> Result<()> {
        for entry in &lvl.k.resources {
            self.accumulate_resource(lvl, entry, ra, acc)
                .map_err(|e| Error::Accumulate {
                    file: lvl.file().to_string(),
                    entry: entry.clone(),
                    source: Box::new(e),
                })?;
        }
        if let Some(path) = &lvl.k.openapi_path {
            let full = self.resolve_file(lvl, path)?;
            let text = self.read_text(&full)?;
            crate::yaml::parse_stream(&text, &full)?;
            self.custom_schema = true;
        }
        let (mut user_prefix, mut user_suffix) = (Vec::new(), Vec::new());
        for path in &lvl.k.configurations {
            let full = self.resolve_file(lvl, path)?;
            let text = self.read_text(&full)?;
            for doc in crate::yaml::parse_stream(&text, &full)? {
                let mut cfg = Builtin::from_config(&doc).map_err(|message| Error::Transform {
                    file: full.clone(),
                    transformer: "configurations",
                    message,
                })?;
                fieldspec::merge_fs_slice(&mut user_prefix, &std::mem::take(&mut cfg.name_prefix));
                fieldspec::merge_fs_slice(&mut user_suffix, &std::mem::take(&mut cfg.name_suffix));
                acc.cfg.merge(&cfg);
            }
        }
        fieldspec::fold_name_specs(&mut acc.cfg.name_prefix, &user_prefix);
        fieldspec::fold_name_specs(&mut acc.cfg.name_suffix, &user_suffix);
        for crd in &lvl.k.crds {
            let path = self.resolve_file(lvl, crd)?;
            let text = self.read_text(&path)?;
            for doc in crate::yaml::parse_stream(&text, &path)? {
                self.crd_refs.extend(crate::crds::name_refs(&doc));
            }
        }
        self.generate(lvl, ra)?;
        self.run_plugins(lvl, ra, plugins::Stage::Generators)?;
        // As kustomize: components come after this kustomization's generators and before
        // its transformers (a component's commonAnnotations reach the generated objects).
        for entry in &lvl.k.components {
            self.accumulate_component(lvl, entry, ra, acc)
                .map_err(|e| Error::Accumulate {
                    file: lvl.file().to_string(),
                    entry: entry.clone(),
                    source: Box::new(e),
                })?;
        }
        self.transform(lvl, ra, &acc.cfg)?;
        self.run_plugins(lvl, ra, plugins::Stage::Transformers)?;
        crate::vars::merge(ra, &lvl.k.vars, &mut acc.vars).map_err(|message| Error::Transform {
            file: lvl.file().to_string(),
            transformer: "vars",
            message,
        })
    }

    fn accumulate_resource(
        &mut self,
        lvl: &Level<'_>,
        entry: &str,
        ra: &mut Vec<Resource>,
        acc: &mut Acc,
    ) -> Result<()> {
        if is_remote(entry) {
            return match self.fs.resolve_remote(entry) {
                Some(dir) => {
                    let (sub, sub_acc) = self.build_dir(&dir, Kind::Kustomization)?;
                    append_all(ra, sub)?;
                    acc.absorb(sub_acc, lvl.file())
                }
                None => Err(Error::Remote {
                    file: lvl.file().to_string(),
                    url: entry.to_string(),
                }),
            };
        }
        let path = fs::join(&lvl.dir, entry).ok_or_else(|| Error::Io {
            path: entry.to_string(),
            message: "path leaves the root of the file system".into(),
        })?;
        let kind = self.fs.kind(&path).map_err(|e| Error::Io {
            path: path.clone(),
            message: e.to_string(),
        })?;
        if kind == Some(FileKind::File) {
            let path = self.resolve_file(lvl, entry)?;
            let text = self.read_text(&path)?;
            let objs = read_objects(&text, &path)?;
            for o in &objs {
                // Only kustomize's own kinds; a Flux `Kustomization`
                // (kustomize.toolkit.fluxcd.io) is an ordinary resource.
                if o.gvk().group == "kustomize.config.k8s.io"
                    && (o.gvk().kind == "Kustomization" || o.gvk().kind == "Component")
                {
                    return Err(Error::Resource {
                        file: path.clone(),
                        doc: 0,
                        message:
                            "a kustomization is listed as a resource; list its directory instead"
                                .into(),
                    });
                }
            }
            append_all(ra, objs)
        } else if kind == Some(FileKind::Dir) {
            let (sub, sub_acc) = self.build_dir(&path, Kind::Kustomization)?;
            append_all(ra, sub)?;
            acc.absorb(sub_acc, lvl.file())
        } else if let Some(FileKind::Special(what)) = kind {
            Err(Error::Io {
                path,
                message: format!("a {what}, neither a file nor a directory"),
            })
        } else {
            Err(Error::Io {
                path,
                message: "no such file or directory".into(),
            })
        }
    }

    fn accumulate_component(
        &mut self,
        lvl: &Level<'_>,
        entry: &str,
        ra: &mut Vec<Resource>,
        acc: &mut Acc,
    ) -> Result<()> {
        if is_remote(entry) {
            return Err(Error::Remote {
                file: lvl.file().to_string(),
                url: entry.to_string(),
            });
        }
        let dir = fs::join(&lvl.dir, entry).ok_or_else(|| Error::Io {
            path: entry.to_string(),
            message: "path leaves the root of the file system".into(),
        })?;
        if !self.fs.is_dir(&dir) {
            return Err(Error::Io {
                path: dir,
                message: "a component must be a directory".into(),
            });
        }
        self.enter(&dir)?;
        let result = (|| {
            let k = self.load_kustomization(&dir)?;
            check_kind(&k, &dir, Kind::Component)?;
            self.accumulate(
                &Level {
                    dir: dir.clone(),
                    k: &k,
                },
                ra,
                acc,
            )
        })();
        self.stack.pop();
        result
    }

    fn generate(&self, lvl: &Level<'_>, ra: &mut Vec<Resource>) -> Result<()> {
        let load = |p: &str| self.load(lvl, p);
        let gens = lvl
            .k
            .config_map_generator
            .iter()
            .map(|g| (GenKind::ConfigMap, g))
            .chain(lvl.k.secret_generator.iter().map(|g| (GenKind::Secret, g)));
        for (kind, g) in gens {
            let mut res =
                generator::generate(kind, g, lvl.k.generator_options.as_ref(), lvl.file(), &load)?;
            res.configured = Some(crate::resource::Configured {
                file: lvl.file().to_string(),
                kind: match kind {
                    GenKind::ConfigMap => "ConfigMapGenerator",
                    GenKind::Secret => "SecretGenerator",
                },
                name: None,
            });
            absorb(ra, res, lvl.file())?;
        }
        Ok(())
    }

    fn patch_text(&self, lvl: &Level<'_>, p: &Patch, i: usize) -> Result<(String, String)> {
        match (&p.path, &p.patch) {
            (Some(path), _) => {
                let full = self.resolve_file(lvl, path)?;
                Ok((self.read_text(&full)?, full))
            }
            (None, Some(text)) => Ok((text.clone(), format!("inline #{i}"))),
            (None, None) => Ok((String::new(), format!("inline #{i}"))),
        }
    }

    /// The kustomization's replacements, those given by `path:` read from their file (one
    /// replacement or a list of them), as kustomize's ReplacementTransformer.
    fn replacements(&self, lvl: &Level<'_>) -> Result<Vec<Value>, String> {
        let mut out = Vec::new();
        for (i, r) in lvl.k.replacements.iter().enumerate() {
            let Some(path) = r
                .get("path")
                .and_then(Value::as_str)
                .filter(|p| !p.is_empty())
            else {
                out.push(r.clone());
                continue;
            };
            if r.get("source").is_some() || r.get("targets").is_some() {
                return Err("cannot specify both path and inline replacement".into());
            }
            let full = self.resolve_file(lvl, path).map_err(|e| e.to_string())?;
            let text = self.read_text(&full).map_err(|e| e.to_string())?;
            let docs = crate::yaml::parse_stream(&text, &full).map_err(|e| e.to_string())?;
            match docs.into_iter().next() {
                Some(Value::Array(items)) => out.extend(items),
                Some(m @ Value::Object(_)) => out.push(m),
                _ => {
                    return Err(format!(
                        "replacements[{i}]: unsupported replacement type encountered within replacement path {path}"
                    ));
                }
            }
        }
        Ok(out)
    }

    /// With `buildMetadata: [transformerAnnotations]` on the built kustomization, records on
    /// every object present that a built-in transformer of `file` ran `times` times, as
    /// kustomize's multi-transformer does after each one, changed or not.
    fn note(&self, ra: &mut [Resource], file: &str, kind: &'static str, times: usize) {
        if !self.track_transformations {
            return;
        }
        for r in ra.iter_mut() {
            for _ in 0..times {
                r.transformations.push(crate::resource::Configured {
                    file: file.to_string(),
                    kind,
                    name: None,
                });
            }
        }
    }

    fn transform(&self, lvl: &Level<'_>, ra: &mut Vec<Resource>, b: &Builtin) -> Result<()> {
        let k = lvl.k;
        let file = lvl.file();
        let perr = |patch: &str, message: String| Error::Patch {
            file: file.to_string(),
            patch: patch.to_string(),
            message,
        };
        // patchesStrategicMerge
        for (i, entry) in k.patches_strategic_merge.iter().enumerate() {
            let as_path =
                fs::join(&lvl.dir, entry).filter(|p| !entry.contains('\n') && self.fs.is_file(p));
            let (text, name) = match as_path {
                Some(_) => {
                    let full = self.resolve_file(lvl, entry)?;
                    (self.read_text(&full)?, full)
                }
                None if entry.contains('\n') || entry.contains(": ") => {
                    (entry.clone(), format!("inline #{i}"))
                }
                None => {
                    let full = self.resolve_file(lvl, entry)?;
                    return Err(Error::Io {
                        path: full,
                        message: "no such file or directory".into(),
                    });
                }
            };
            let docs = match patch::parse(&text, &name).map_err(|m| perr(&name, m))? {
                PatchBody::Smp(docs) => docs,
                PatchBody::Json(_) => {
                    return Err(perr(
                        &name,
                        "patchesStrategicMerge holds a JSON 6902 patch".into(),
                    ));
                }
            };
            if docs.is_empty() {
                return Err(perr(&name, "patch appears to be empty".into()));
            }
            for doc in &docs {
                apply_untargeted(ra, doc, false, false, self.custom_schema)
                    .map_err(|m| perr(&name, m))?;
            }
        }
        if !k.patches_strategic_merge.is_empty() {
            self.note(ra, file, "PatchStrategicMergeTransformer", 1);
        }
        // patches
        for (i, p) in k.patches.iter().enumerate() {
            let (text, name) = self.patch_text(lvl, p, i)?;
            let body = patch::parse(&text, &name).map_err(|m| perr(&name, m))?;
            if matches!(&body, PatchBody::Smp(d) if d.is_empty()) {
                return Err(perr(&name, "patch appears to be empty".into()));
            }
            match (&p.target, body) {
                (None, PatchBody::Json(_)) => {
                    return Err(perr(
                        &name,
                        "a JSON 6902 patch must specify a target".into(),
                    ));
                }
                (None, PatchBody::Smp(docs)) => {
                    for doc in &docs {
                        apply_untargeted(
                            ra,
                            doc,
                            p.allow_name_change,
                            p.allow_kind_change,
                            self.custom_schema,
                        )
                        .map_err(|m| perr(&name, m))?;
                    }
                }
                (Some(t), body) => {
                    let sel = Compiled::new(t).map_err(|m| perr(&name, m))?;
                    apply_targeted(ra, &sel, &body, p, self.custom_schema)
                        .map_err(|m| perr(&name, m))?;
                }
            }
            self.note(ra, file, "PatchTransformer", 1);
        }
        if let Some(ns) = &k.namespace {
            transform::namespace::apply(ra, ns, &b.namespace);
            if !ns.is_empty() {
                self.note(ra, file, "NamespaceTransformer", 1);
            }
        }
        if !k.name_prefix.is_empty() {
            transform::name::affix(ra, &k.name_prefix, true, &b.name_prefix);
        }
        if !k.name_prefix.is_empty() {
            self.note(ra, file, "PrefixTransformer", 1);
        }
        if !k.name_suffix.is_empty() {
            transform::name::affix(ra, &k.name_suffix, false, &b.name_suffix);
        }
        if !k.name_suffix.is_empty() {
            self.note(ra, file, "SuffixTransformer", 1);
        }
        transform::labels::apply(ra, &k.common_labels, &b.common_labels);
        for set in &k.labels {
            let mut specs: Vec<FieldSpec> = Vec::new();
            if set.include_selectors {
                transform::labels::merge_specs(&mut specs, &b.common_labels);
            } else {
                if set.include_templates {
                    transform::labels::merge_specs(&mut specs, &b.template_labels);
                }
                let meta = FieldSpec::new(Default::default(), "metadata/labels", true);
                transform::labels::merge_specs(&mut specs, std::slice::from_ref(&meta));
            }
            transform::labels::merge_specs(&mut specs, &set.fields);
            transform::labels::apply(ra, &set.pairs, &specs);
        }
        if !k.labels.is_empty() || !k.common_labels.is_empty() {
            // One LabelTransformer per `labels` entry, and one for commonLabels.
            self.note(ra, file, "LabelTransformer", k.labels.len() + 1);
        }
        transform::labels::apply(ra, &k.common_annotations, &b.common_annotations);
        if !k.common_annotations.is_empty() {
            self.note(ra, file, "AnnotationsTransformer", 1);
        }
        for (i, p) in k.patches_json6902.iter().enumerate() {
            let (text, name) = self.patch_text(lvl, p, i)?;
            let body = patch::parse(&text, &name).map_err(|m| perr(&name, m))?;
            let Some(t) = &p.target else { continue };
            let sel = Compiled::new(t).map_err(|m| perr(&name, m))?;
            apply_targeted(ra, &sel, &body, p, self.custom_schema).map_err(|m| perr(&name, m))?;
            self.note(ra, file, "PatchJson6902Transformer", 1);
        }
        let terr = |transformer: &'static str, message: String| Error::Transform {
            file: file.to_string(),
            transformer,
            message,
        };
        transform::replicas::apply(ra, &k.replicas, &b.replicas)
            .map_err(|m| terr("replicas", m))?;
        self.note(ra, file, "ReplicaCountTransformer", k.replicas.len());
        transform::images::apply(ra, &k.images, &b.images).map_err(|m| terr("images", m))?;
        self.note(ra, file, "ImageTagTransformer", k.images.len());
        let replacements = self
            .replacements(lvl)
            .map_err(|m| terr("replacements", m))?;
        crate::replacements::apply(ra, &replacements).map_err(|m| terr("replacements", m))?;
        if !lvl.k.replacements.is_empty() {
            self.note(ra, file, "ReplacementTransformer", 1);
        }
        Ok(())
    }
}

fn check_kind(k: &Kustomization, dir: &str, want: Kind) -> Result<()> {
    match (want, k.kind) {
        (Kind::Kustomization, Kind::Component) => Err(Error::Kustomization {
            file: k.file.clone(),
            message: format!(
                "expected kind != 'Component' for path '{}'",
                fs::display(dir)
            ),
        }),
        (Kind::Component, Kind::Kustomization) => Err(Error::Kustomization {
            file: k.file.clone(),
            message: format!(
                "expected kind 'Component' for path '{}' but got 'Kustomization'",
                fs::display(dir)
            ),
        }),
        _ => Ok(()),
    }
}

/// Adds a generated object, merging into or replacing an existing one per its behavior.
fn absorb(ra: &mut Vec<Resource>, mut res: Resource, file: &str) -> Result<()> {
    let id = res.id();
    let matches: Vec<usize> = (0..ra.len())
        .filter(|&i| ra.get(i).is_some_and(|r| r.any_id(|x| x.equals(&id))))
        .collect();
    let gen_err = |message: String| Error::Generator {
        file: file.to_string(),
        generator: if id.gvk.kind == "Secret" {
            "secretGenerator"
        } else {
            "configMapGenerator"
        },
        name: id.name.clone(),
        message,
    };
    match matches.as_slice() {
        [] => match res.behavior {
            Behavior::Create => append_all(ra, vec![res]),
            _ => Err(gen_err(format!(
                "id {id} does not exist; cannot merge or replace"
            ))),
        },
        [i] => {
            let Some(old) = ra.get_mut(*i) else {
                return Ok(());
            };
            match res.behavior {
                Behavior::Create => {
                    return Err(gen_err(format!(
                        "id {id} exists; behavior must be merge or replace"
                    )));
                }
                Behavior::Replace => {}
                Behavior::Merge => {
                    for field in ["data", "binaryData"] {
                        if let Some(Value::Object(old_data)) = old.obj.get(field) {
                            let mut merged = old_data.clone();
                            if let Some(Value::Object(new_data)) = res.obj.get(field) {
                                for (k, v) in new_data {
                                    merged.insert(k.clone(), v.clone());
                                }
                            }
                            let mut sorted: Vec<_> = merged.into_iter().collect();
                            sorted.sort_by(|a, b| a.0.cmp(&b.0));
                            crate::resource::as_map(&mut res.obj)
                                .insert(field.into(), Value::Object(sorted.into_iter().collect()));
                        }
                    }
                }
            }
            for field in ["labels", "annotations"] {
                let mut merged = old.meta_map(field);
                for (k, v) in res.meta_map(field) {
                    match merged.iter_mut().find(|(key, _)| *key == k) {
                        Some(p) => p.1 = v,
                        None => merged.push((k, v)),
                    }
                }
                if !merged.is_empty() {
                    res.metadata_mut().insert(
                        field.into(),
                        Value::Object(
                            merged
                                .into_iter()
                                .map(|(k, v)| (k, Value::String(v)))
                                .collect(),
                        ),
                    );
                }
            }
            let (name, ns) = (old.name().to_string(), old.namespace().to_string());
            res.set_name(&name);
            res.set_namespace(&ns);
            res.prev = old.prev.clone();
            res.prefixes = old.prefixes.clone();
            res.suffixes = old.suffixes.clone();
            res.ref_vars = old.ref_vars.clone();
            // As kustomize's CopyMergeMetaDataFieldsFrom: the hash suffix stays only when
            // both the object merged into and the generator ask for it (a plain ConfigMap, or
            // a base generator with disableNameSuffixHash, keeps its name).
            res.needs_hash = res.needs_hash && old.needs_hash;
            // A merged object keeps the origin of the one merged into; a replacing one
            // is its own.
            if res.behavior == Behavior::Merge && old.configured.is_some() {
                res.configured = old.configured.clone();
            }
            res.origin = old.origin.clone();
            *old = res;
            Ok(())
        }
        _ => Err(gen_err(format!(
            "found multiple objects that could accept merge of {id}"
        ))),
    }
}

fn apply_untargeted(
    ra: &mut Vec<Resource>,
    doc: &Value,
    allow_name: bool,
    allow_kind: bool,
    custom_schema: bool,
) -> Result<(), String> {
    let id = ResId::of(doc);
    let matches: Vec<usize> = (0..ra.len())
        .filter(|&i| ra.get(i).is_some_and(|r| r.any_id(|x| x.equals(&id))))
        .collect();
    let i = match matches.as_slice() {
        [one] => *one,
        [] => {
            return Err(format!(
                "no matches for Id {id}; failed to find unique target for patch {id}"
            ));
        }
        _ => {
            return Err(format!(
                "multiple matches for Id {id}; failed to find unique target for patch {id}"
            ));
        }
    };
    let keep = ra
        .get_mut(i)
        .is_some_and(|r| patch::apply_smp_with(r, doc, allow_name, allow_kind, custom_schema));
    if !keep {
        ra.remove(i);
    }
    Ok(())
}

fn apply_targeted(
    ra: &mut Vec<Resource>,
    sel: &Compiled,
    body: &PatchBody,
    p: &Patch,
    custom_schema: bool,
) -> Result<(), String> {
    let mut deleted = Vec::new();
    for (i, r) in ra.iter_mut().enumerate() {
        if !sel.matches(r) {
            continue;
        }
        match body {
            PatchBody::Json(ops) => {
                patch::apply_json(r, ops).map_err(|e| format!("{}: {e}", r.id()))?
            }
            PatchBody::Smp(docs) => {
                for doc in docs {
                    if !patch::apply_smp_with(
                        r,
                        doc,
                        p.allow_name_change,
                        p.allow_kind_change,
                        custom_schema,
                    ) {
                        deleted.push(i);
                        break;
                    }
                }
            }
        }
    }
    for i in deleted.into_iter().rev() {
        ra.remove(i);
    }
    Ok(())
}

/// `path` as seen from directory `dir` (both relative to the file system's root):
/// `../base/deployment.yaml`.
fn relative(dir: &str, path: &str) -> String {
    let d: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    let p: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let common = d.iter().zip(&p).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<&str> = vec![".."; d.len() - common];
    parts.extend(p.iter().skip(common));
    parts.join("/")
}

/// Builds the kustomization in `dir` and returns its objects, in the order `opts` asks.
pub fn build_with(fs: &dyn FileSystem, dir: &str, opts: Options) -> Result<Vec<Value>> {
    let dir = fs::normalize(dir).ok_or_else(|| Error::Io {
        path: dir.to_string(),
        message: "path leaves the root of the file system".into(),
    })?;
    if !fs.is_dir(&dir) {
        return Err(Error::Io {
            path: fs::display(&dir).to_string(),
            message: "not a directory".into(),
        });
    }
    let mut b = Builder {
        fs,
        opts,
        stack: Vec::new(),
        crd_refs: Vec::new(),
        custom_schema: false,
        track_transformations: false,
    };
    b.enter(&dir)?;
    // As kustomize, the kustomization built may be a Component (only a base listed under
    // `resources` must not be one).
    let k = b.load_kustomization(&dir)?;
    b.track_transformations = k.transformer_annotations;
    let mut ra = Vec::new();
    let mut acc = Acc::new();
    b.accumulate(
        &Level {
            dir: dir.clone(),
            k: &k,
        },
        &mut ra,
        &mut acc,
    )?;
    for r in ra.iter_mut().filter(|r| r.needs_hash) {
        r.store_previous_id();
        let name = format!("{}-{}", r.name(), crate::hash::name_hash(&r.obj));
        r.set_name(&name);
    }
    let mut refs = acc.cfg.name_refs.clone();
    refs.extend(b.crd_refs.iter().cloned());
    transform::namereference::apply(&mut ra, &refs)?;
    // With the names final, vars are resolved (kustomize's ResolveVars).
    crate::vars::resolve(&mut ra, &acc.vars, &acc.cfg.var_refs).map_err(|message| {
        Error::Transform {
            file: k.file.clone(),
            transformer: "vars",
            message,
        }
    })?;
    let mut seen: HashMap<_, usize> = HashMap::new();
    for (i, r) in ra.iter().enumerate() {
        if let Some(&j) = seen.get(&key(&r.id())) {
            return Err(Error::DuplicateId {
                id: r.id().to_string(),
                first: ra.get(j).map(|x| x.origin.clone()).unwrap_or_default(),
                second: r.origin.clone(),
            });
        }
        seen.insert(key(&r.id()), i);
    }
    // As kustomize's IgnoreLocal: objects marked local-config are not output.
    ra.retain(|r| {
        r.obj
            .get("metadata")
            .and_then(|m| m.get("annotations"))
            .and_then(|a| a.get("config.kubernetes.io/local-config"))
            .is_none_or(|v| v.as_str() != Some("true") && v.as_bool() != Some(true))
    });
    // The kustomization's own `sortOptions` win over the caller's choice.
    let legacy = match (&k.sort_options, opts.reorder) {
        (Some(s), _) if !s.legacy => None,
        (Some(s), _) => Some(Legacy::new(
            s.order_first.clone().unwrap_or_else(|| {
                crate::order::ORDER_FIRST
                    .iter()
                    .map(|s| s.to_string())
                    .collect()
            }),
            s.order_last.clone().unwrap_or_else(|| {
                crate::order::ORDER_LAST
                    .iter()
                    .map(|s| s.to_string())
                    .collect()
            }),
        )),
        (None, Reorder::Legacy) => Some(Legacy::default()),
        (None, Reorder::None) => None,
    };
    if let Some(l) = legacy {
        let mut keyed: Vec<(ResId, Resource)> = ra.into_iter().map(|r| (r.id(), r)).collect();
        keyed.sort_by(|a, b| l.compare(&a.0, &b.0));
        ra = keyed.into_iter().map(|(_, r)| r).collect();
    }
    if k.origin_annotations {
        for r in &mut ra {
            let text = match &r.configured {
                Some(c) => format!(
                    "configuredIn: {}\nconfiguredBy:\n  apiVersion: builtin\n  kind: {}\n{}",
                    relative(&dir, &c.file),
                    c.kind,
                    c.name
                        .as_ref()
                        .map(|n| format!("  name: {n}\n"))
                        .unwrap_or_default()
                ),
                None => format!("path: {}\n", relative(&dir, &r.origin)),
            };
            let meta = r.metadata_mut();
            let annotations = meta
                .entry("annotations")
                .or_insert_with(|| Value::Object(Default::default()));
            if !annotations.is_object() {
                *annotations = Value::Object(Default::default());
            }
            crate::resource::as_map(annotations)
                .insert("config.kubernetes.io/origin".into(), Value::String(text));
        }
    }
    if k.transformer_annotations {
        for r in &mut ra {
            if r.transformations.is_empty() {
                continue;
            }
            let mut text = String::new();
            for t in &r.transformations {
                text.push_str(&format!(
                    "- configuredIn: {}\n  configuredBy:\n    apiVersion: builtin\n    kind: {}\n",
                    relative(&dir, &t.file),
                    t.kind
                ));
            }
            let meta = r.metadata_mut();
            let annotations = meta
                .entry("annotations")
                .or_insert_with(|| Value::Object(Default::default()));
            if !annotations.is_object() {
                *annotations = Value::Object(Default::default());
            }
            crate::resource::as_map(annotations).insert(
                "alpha.config.kubernetes.io/transformations".into(),
                Value::String(text),
            );
        }
    }
    Ok(ra
        .into_iter()
        .map(|mut r| {
            crate::resource::normalize_annotations(&mut r.obj);
            r.obj
        })
        .collect())
}
