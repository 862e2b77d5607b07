//! An Application's sources rendered as Argo CD's repo-server renders them.
//!
//! - The source type is the one set explicitly (`helm`, `kustomize`, `directory`), else
//!   what the path holds: a `kustomization.yaml` (or `.yml`, `Kustomization`) is kustomize,
//!   a `Chart.yaml` is Helm, anything else a plain directory.
//! - **Directory**: `.yaml`, `.yml` and `.json` files of the path in walk order (lexical),
//!   sub-directories only with `recurse`; `include`/`exclude` globs (`*`, `?`, `[...]`,
//!   `{a,b}`; `*` crosses `/`) match the path relative to the source path. `kind: List`
//!   documents are unwrapped. A `.jsonnet` file or `directory.jsonnet` is refused.
//! - **Kustomize**: the options are written into the kustomization as `kustomize edit`
//!   writes them (`namePrefix`, `nameSuffix`, `images`, `commonLabels`, `commonAnnotations`,
//!   `namespace`, `replicas`; `patches` and `components` appended), then kustomize-lite
//!   builds it with kustomize's default load restrictor.
//! - **Helm**: helm-lite renders the chart as `helm template PATH --name-template RELEASE
//!   --namespace NS --include-crds`: values files in order (relative to the chart, or
//!   `$ref/...` into a `ref` source), then `valuesObject` (or `values`), then `parameters`
//!   as `--set`/`--set-string`. Declared dependencies must be vendored under `charts/`.
//! - **Plugins** and Helm-repository charts (`chart:`) are refused with a clear message.
//!
//! Files are read through kustomize-lite's [`FileSystem`], so a source renders from disk,
//! memory or a git tree alike.

use std::collections::BTreeMap;
use std::io;
use std::sync::Arc;

use kustomize_lite::fs::{self as kfs, FileSystem};
use kustomize_lite::kustomization::FILE_NAMES;
use serde_json::{Map, Value};

use crate::Error;
use crate::model::{
    Application, ApplicationSource, ApplicationSourceHelm, ApplicationSourceKustomize,
};

/// Most files a directory source or a chart may hold.
pub const MAX_SOURCE_FILES: usize = 20_000;
/// Most objects one Application renders to.
pub const MAX_OBJECTS: usize = 100_000;
const MAX_GLOB_LEN: usize = 1024;
const MAX_GLOB_ALTERNATIVES: usize = 256;

/// A shared, thread-safe file tree.
pub type SharedFs = Arc<dyn FileSystem + Send + Sync>;

/// The repositories an Application's sources come from, by `repoURL`.
#[derive(Clone, Default)]
pub struct Repos {
    default: Option<SharedFs>,
    by_url: BTreeMap<String, SharedFs>,
}

impl std::fmt::Debug for Repos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repos")
            .field("default", &self.default.is_some())
            .field("by_url", &self.by_url.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// `https://github.com/a/b.git/` and `https://github.com/a/b` name the same repository.
fn normalize_url(url: &str) -> String {
    let u = url.trim().trim_end_matches('/');
    u.strip_suffix(".git").unwrap_or(u).to_ascii_lowercase()
}

impl Repos {
    /// No repositories.
    pub fn new() -> Self {
        Repos::default()
    }

    /// Every `repoURL` not registered with [`Repos::with`] reads from `fs`.
    pub fn with_default(mut self, fs: SharedFs) -> Self {
        self.default = Some(fs);
        self
    }

    /// `repo_url` reads from `fs`.
    pub fn with(mut self, repo_url: &str, fs: SharedFs) -> Self {
        self.by_url.insert(normalize_url(repo_url), fs);
        self
    }

    /// Every `repoURL` reads from the directory `root` (through [`kustomize_lite::DiskFs`]).
    pub fn disk(root: &std::path::Path) -> Result<Self, Error> {
        let fs = kustomize_lite::DiskFs::new(root).map_err(|e| Error::io(root.display(), e))?;
        Ok(Repos::new().with_default(Arc::new(fs)))
    }

    /// The tree of `repo_url`.
    pub fn get(&self, repo_url: &str) -> Option<&SharedFs> {
        self.by_url
            .get(&normalize_url(repo_url))
            .or(self.default.as_ref())
    }
}

/// How a source is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SourceType {
    /// Plain manifests.
    Directory,
    /// `kustomize build`.
    Kustomize,
    /// `helm template`.
    Helm,
}

impl std::fmt::Display for SourceType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SourceType::Directory => "Directory",
            SourceType::Kustomize => "Kustomize",
            SourceType::Helm => "Helm",
        })
    }
}

fn app_err(app: &Application, message: impl Into<String>) -> Error {
    Error::Application {
        app: app.metadata.key(),
        message: message.into(),
    }
}

/// The source type Argo CD picks for `src` over `fs` (see the module docs).
pub fn source_type(src: &ApplicationSource, fs: &dyn FileSystem, dir: &str) -> SourceType {
    if src.helm.is_some() {
        return SourceType::Helm;
    }
    if src.kustomize.is_some() {
        return SourceType::Kustomize;
    }
    if src.directory.is_some() {
        return SourceType::Directory;
    }
    let has = |f: &str| kfs::join(dir, f).is_some_and(|p| fs.is_file(&p));
    if FILE_NAMES.iter().any(|f| has(f)) {
        SourceType::Kustomize
    } else if has("Chart.yaml") {
        SourceType::Helm
    } else {
        SourceType::Directory
    }
}

/// Renders every source of `app` (in order; `ref`-only sources render nothing) into the
/// manifests the repo-server would return, hooks included.
pub fn render_sources(app: &Application, repos: &Repos) -> Result<Vec<Value>, Error> {
    let sources = app.sources();
    let mut out = Vec::new();
    for (i, src) in sources.iter().enumerate() {
        let label = if app.spec.sources.is_empty() {
            "spec.source".to_string()
        } else {
            format!("spec.sources[{i}]")
        };
        if src.plugin.is_some() {
            return Err(app_err(
                app,
                format!(
                    "{label}: config management plugins are not run by this toolkit; render the manifests in CI and commit them, or use a helm, kustomize or directory source"
                ),
            ));
        }
        if !src.chart.is_empty() {
            return Err(app_err(
                app,
                format!(
                    "{label}: chart {:?} from Helm repository {:?} is not fetched; vendor the chart into a git source and point `path` at it",
                    src.chart, src.repo_url
                ),
            ));
        }
        if !src.ref_name.is_empty() && src.path.is_empty() {
            continue;
        }
        let fs = repos.get(&src.repo_url).ok_or_else(|| {
            app_err(
                app,
                format!("{label}: repository {:?} is not available", src.repo_url),
            )
        })?;
        let dir = kfs::normalize(&src.path).ok_or_else(|| {
            app_err(
                app,
                format!("{label}: path {:?} leaves the repository", src.path),
            )
        })?;
        if !fs.is_dir(&dir) {
            return Err(app_err(
                app,
                format!("{label}: app path does not exist: {}", kfs::display(&dir)),
            ));
        }
        let objs = match source_type(src, &**fs, &dir) {
            SourceType::Directory => render_directory(src, &**fs, &dir),
            SourceType::Kustomize => render_kustomize(src, &**fs, &dir),
            SourceType::Helm => render_helm(app, src, &sources, repos, &**fs, &dir),
        }
        .map_err(|m| app_err(app, format!("{label}: {m}")))?;
        for o in objs {
            unwrap_list(o, &mut out);
            if out.len() > MAX_OBJECTS {
                return Err(app_err(app, format!("over {MAX_OBJECTS} objects")));
            }
        }
    }
    Ok(out)
}

fn unwrap_list(o: Value, out: &mut Vec<Value>) {
    let is_list = o
        .get("kind")
        .and_then(Value::as_str)
        .is_some_and(|k| k == "List" || (k.ends_with("List") && o.get("items").is_some()));
    if is_list && let Some(Value::Array(items)) = o.get("items") {
        out.extend(items.iter().filter(|i| i.is_object()).cloned());
        return;
    }
    if o.is_object() {
        out.push(o);
    }
}

// ---------------------------------------------------------------- directory

fn render_directory(
    src: &ApplicationSource,
    fs: &dyn FileSystem,
    dir: &str,
) -> Result<Vec<Value>, String> {
    let opts = src.directory.clone().unwrap_or_default();
    if opts.jsonnet.as_ref().is_some_and(|j| match j {
        Value::Object(m) => m.values().any(|v| match v {
            Value::Array(a) => !a.is_empty(),
            Value::String(s) => !s.is_empty(),
            Value::Null => false,
            _ => true,
        }),
        Value::Null => false,
        _ => true,
    }) {
        return Err("directory.jsonnet: jsonnet is not supported by this toolkit".into());
    }
    let include = (!opts.include.is_empty())
        .then(|| Glob::compile(&opts.include))
        .transpose()?;
    let exclude = (!opts.exclude.is_empty())
        .then(|| Glob::compile(&opts.exclude))
        .transpose()?;
    let mut files = Vec::new();
    walk(fs, dir, "", opts.recurse, &mut files)?;
    let mut out = Vec::new();
    for rel in files {
        let is_manifest = [".yaml", ".yml", ".json", ".jsonnet"]
            .iter()
            .any(|e| rel.ends_with(e));
        if !is_manifest {
            continue;
        }
        if exclude.as_ref().is_some_and(|g| g.matches(&rel)) {
            continue;
        }
        if include.as_ref().is_some_and(|g| !g.matches(&rel)) {
            continue;
        }
        if rel.ends_with(".jsonnet") {
            return Err(format!(
                "{rel}: jsonnet is not supported by this toolkit (render it in CI, or exclude it with directory.exclude)"
            ));
        }
        let path = kfs::join(dir, &rel).unwrap_or_default();
        let bytes = fs.read_file(&path).map_err(|e| format!("{rel}: {e}"))?;
        let text = String::from_utf8(bytes).map_err(|e| format!("{rel}: {e}"))?;
        let docs = kustomize_lite::yaml::parse_stream(&text, &rel).map_err(|e| e.to_string())?;
        for (i, d) in docs.into_iter().enumerate() {
            if d.is_null() {
                continue;
            }
            let ok = d.get("apiVersion").is_some_and(Value::is_string)
                && d.get("kind").is_some_and(Value::is_string);
            if !ok {
                return Err(format!(
                    "{rel}: document {i} is not a Kubernetes object (apiVersion and kind are required)"
                ));
            }
            out.push(d);
        }
    }
    Ok(out)
}

fn walk(
    fs: &dyn FileSystem,
    base: &str,
    rel: &str,
    recurse: bool,
    out: &mut Vec<String>,
) -> Result<(), String> {
    let here = if rel.is_empty() {
        base.to_string()
    } else {
        kfs::join(base, rel).unwrap_or_default()
    };
    let names = fs
        .list_dir(&here)
        .map_err(|e| format!("{}: {e}", kfs::display(&here)))?;
    for name in names {
        let child = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        let full = kfs::join(base, &child).unwrap_or_default();
        if fs.is_dir(&full) {
            if recurse && name != ".git" {
                walk(fs, base, &child, recurse, out)?;
            }
        } else if fs.is_file(&full) {
            out.push(child);
            if out.len() > MAX_SOURCE_FILES {
                return Err(format!("over {MAX_SOURCE_FILES} files"));
            }
        }
    }
    Ok(())
}

/// A glob [`Glob::new`] refuses: the pattern and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
#[non_exhaustive]
pub struct GlobError {
    /// The pattern.
    pub pattern: String,
    /// What is wrong (`unclosed {`, `glob over 4096 bytes` ...).
    pub message: String,
}

/// A glob as Argo CD's `directory.include`/`exclude` takes it (gobwas/glob without
/// separators: `*` matches any run of characters, `/` included).
#[derive(Debug, Clone)]
pub struct Glob {
    alternatives: Vec<Vec<Tok>>,
}

#[derive(Debug, Clone)]
enum Tok {
    Char(char),
    Any,
    Star,
    Class(bool, Vec<(char, char)>),
}

impl Glob {
    /// Compiles `pattern`; braces expand into alternatives.
    pub fn new(pattern: &str) -> Result<Glob, GlobError> {
        Glob::compile(pattern).map_err(|message| GlobError {
            pattern: pattern.to_string(),
            message,
        })
    }

    fn compile(pattern: &str) -> Result<Glob, String> {
        if pattern.len() > MAX_GLOB_LEN {
            return Err(format!("glob over {MAX_GLOB_LEN} bytes"));
        }
        let mut alternatives = Vec::new();
        for alt in expand_braces(pattern)? {
            alternatives.push(tokens(&alt)?);
        }
        Ok(Glob { alternatives })
    }

    /// Whether `text` matches.
    pub fn matches(&self, text: &str) -> bool {
        let t: Vec<char> = text.chars().collect();
        self.alternatives.iter().any(|p| match_tokens(p, &t))
    }
}

fn expand_braces(p: &str) -> Result<Vec<String>, String> {
    let chars: Vec<char> = p.chars().collect();
    let Some(open) = chars.iter().position(|&c| c == '{') else {
        return Ok(vec![p.to_string()]);
    };
    let mut depth = 0;
    let mut close = None;
    let mut commas = Vec::new();
    for (i, &c) in chars.iter().enumerate().skip(open) {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    close = Some(i);
                    break;
                }
            }
            ',' if depth == 1 => commas.push(i),
            _ => {}
        }
    }
    let close = close.ok_or_else(|| format!("glob {p:?}: unclosed '{{'"))?;
    let head: String = chars.iter().take(open).collect();
    let tail: String = chars.iter().skip(close + 1).collect();
    let mut bounds = vec![open];
    bounds.extend(&commas);
    bounds.push(close);
    let mut out = Vec::new();
    for w in bounds.windows(2) {
        let (a, b) = match w {
            [a, b] => (*a, *b),
            _ => continue,
        };
        let mid: String = chars.iter().skip(a + 1).take(b - a - 1).collect();
        for rest in expand_braces(&format!("{head}{mid}{tail}"))? {
            out.push(rest);
            if out.len() > MAX_GLOB_ALTERNATIVES {
                return Err(format!(
                    "glob {p:?}: over {MAX_GLOB_ALTERNATIVES} alternatives"
                ));
            }
        }
    }
    Ok(out)
}

fn tokens(p: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let mut it = p.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '*' => {
                while it.peek() == Some(&'*') {
                    it.next();
                }
                out.push(Tok::Star);
            }
            '?' => out.push(Tok::Any),
            '\\' => out.push(Tok::Char(it.next().unwrap_or('\\'))),
            '[' => {
                let neg = matches!(it.peek(), Some('!') | Some('^'));
                if neg {
                    it.next();
                }
                let mut ranges = Vec::new();
                let mut closed = false;
                while let Some(c) = it.next() {
                    if c == ']' {
                        closed = true;
                        break;
                    }
                    if it.peek() == Some(&'-') {
                        it.next();
                        match it.next() {
                            Some(']') | None => {
                                ranges.push((c, c));
                                ranges.push(('-', '-'));
                                closed = true;
                                break;
                            }
                            Some(hi) => ranges.push((c, hi)),
                        }
                    } else {
                        ranges.push((c, c));
                    }
                }
                if !closed {
                    return Err(format!("glob {p:?}: unclosed '['"));
                }
                out.push(Tok::Class(neg, ranges));
            }
            c => out.push(Tok::Char(c)),
        }
    }
    Ok(out)
}

fn tok_matches(t: &Tok, c: char) -> bool {
    match t {
        Tok::Char(x) => *x == c,
        Tok::Any => true,
        Tok::Star => false,
        Tok::Class(neg, ranges) => ranges.iter().any(|(a, b)| *a <= c && c <= *b) != *neg,
    }
}

/// Star matching with one backtrack point: O(pattern x text).
fn match_tokens(p: &[Tok], t: &[char]) -> bool {
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match (p.get(pi), t.get(ti)) {
            (Some(Tok::Star), _) => {
                star = Some((pi, ti));
                pi += 1;
            }
            (Some(tok), Some(&c)) if tok_matches(tok, c) => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p.iter().skip(pi).all(|t| matches!(t, Tok::Star))
}

// ---------------------------------------------------------------- kustomize

/// A file system with one file replaced (the edited kustomization).
struct Overlay<'a> {
    inner: &'a dyn FileSystem,
    file: String,
    text: Vec<u8>,
}

impl FileSystem for Overlay<'_> {
    fn read_file(&self, path: &str) -> io::Result<Vec<u8>> {
        if kfs::normalize(path).as_deref() == Some(self.file.as_str()) {
            return Ok(self.text.clone());
        }
        self.inner.read_file(path)
    }
    fn list_dir(&self, path: &str) -> io::Result<Vec<String>> {
        self.inner.list_dir(path)
    }
    fn is_dir(&self, path: &str) -> bool {
        self.inner.is_dir(path)
    }
    fn is_file(&self, path: &str) -> bool {
        kfs::normalize(path).as_deref() == Some(self.file.as_str()) || self.inner.is_file(path)
    }
    fn real_path(&self, path: &str) -> io::Result<String> {
        self.inner.real_path(path)
    }
}

fn render_kustomize(
    src: &ApplicationSource,
    fs: &dyn FileSystem,
    dir: &str,
) -> Result<Vec<Value>, String> {
    let opts = src.kustomize.clone().unwrap_or_default();
    let file = FILE_NAMES
        .iter()
        .filter_map(|f| kfs::join(dir, f))
        .find(|p| fs.is_file(p))
        .ok_or_else(|| {
            format!(
                "no kustomization.yaml in {} (kustomize options need one)",
                kfs::display(dir)
            )
        })?;
    let build = |fs: &dyn FileSystem| {
        kustomize_lite::build_with(fs, dir, kustomize_lite::Options::default())
            .map_err(|e| e.to_string())
    };
    if opts == ApplicationSourceKustomize::default() {
        return build(fs);
    }
    let bytes = fs.read_file(&file).map_err(|e| format!("{file}: {e}"))?;
    let text = String::from_utf8(bytes).map_err(|e| format!("{file}: {e}"))?;
    let mut doc = kustomize_lite::yaml::parse_stream(&text, &file)
        .map_err(|e| e.to_string())?
        .into_iter()
        .next()
        .unwrap_or(Value::Null);
    if doc.is_null() {
        doc = Value::Object(Map::new());
    }
    let Value::Object(map) = &mut doc else {
        return Err(format!("{file}: not a mapping"));
    };
    edit_kustomization(map, &opts, fs, dir)?;
    let overlay = Overlay {
        inner: fs,
        file,
        text: kustomize_lite::yaml::emit_document(&doc).into_bytes(),
    };
    build(&overlay)
}

fn list_field<'a>(
    map: &'a mut Map<String, Value>,
    key: &str,
) -> Result<&'a mut Vec<Value>, String> {
    let e = map
        .entry(key.to_string())
        .or_insert_with(|| Value::Array(Vec::new()));
    if e.is_null() {
        *e = Value::Array(Vec::new());
    }
    e.as_array_mut()
        .ok_or_else(|| format!("kustomization field {key} is not a list"))
}

fn map_field<'a>(
    map: &'a mut Map<String, Value>,
    key: &str,
) -> Result<&'a mut Map<String, Value>, String> {
    let e = map
        .entry(key.to_string())
        .or_insert_with(|| Value::Object(Map::new()));
    if e.is_null() {
        *e = Value::Object(Map::new());
    }
    e.as_object_mut()
        .ok_or_else(|| format!("kustomization field {key} is not a mapping"))
}

/// `kustomize edit set image` argument -> an `images` entry.
pub fn parse_kustomize_image(arg: &str) -> Map<String, Value> {
    let (name, rest, renamed) = match arg.split_once('=') {
        Some((n, r)) => (n.to_string(), r.to_string(), true),
        None => (String::new(), arg.to_string(), false),
    };
    let (repo, digest) = match rest.split_once('@') {
        Some((r, d)) => (r.to_string(), Some(d.to_string())),
        None => (rest.clone(), None),
    };
    let slash = repo.rfind('/').map_or(0, |i| i + 1);
    let (repo, tag) = match repo.get(slash..).and_then(|t| t.rfind(':')) {
        Some(c) => {
            let at = slash + c;
            (
                repo.get(..at).unwrap_or_default().to_string(),
                repo.get(at + 1..).map(str::to_string),
            )
        }
        None => (repo.clone(), None),
    };
    let mut m = Map::new();
    if renamed {
        m.insert("name".into(), Value::String(name));
        if !repo.is_empty() {
            m.insert("newName".into(), Value::String(repo));
        }
    } else {
        m.insert("name".into(), Value::String(repo));
    }
    if let Some(t) = tag {
        m.insert("newTag".into(), Value::String(t));
    }
    if let Some(d) = digest {
        m.insert("digest".into(), Value::String(d));
    }
    m
}

fn edit_kustomization(
    map: &mut Map<String, Value>,
    o: &ApplicationSourceKustomize,
    fs: &dyn FileSystem,
    dir: &str,
) -> Result<(), String> {
    if !o.name_prefix.is_empty() {
        map.insert("namePrefix".into(), Value::String(o.name_prefix.clone()));
    }
    if !o.name_suffix.is_empty() {
        map.insert("nameSuffix".into(), Value::String(o.name_suffix.clone()));
    }
    if !o.images.is_empty() {
        let list = list_field(map, "images")?;
        for arg in &o.images {
            let entry = parse_kustomize_image(arg);
            let name = entry.get("name").cloned();
            match list.iter_mut().find(|e| e.get("name") == name.as_ref()) {
                Some(e) => *e = Value::Object(entry),
                None => list.push(Value::Object(entry)),
            }
        }
    }
    if !o.replicas.is_empty() {
        let list = list_field(map, "replicas")?;
        for r in &o.replicas {
            let count = match &r.count {
                Value::Number(n) => n.as_i64(),
                Value::String(s) => s.trim().parse::<i64>().ok(),
                _ => None,
            }
            .ok_or_else(|| format!("replicas {:?}: count {} is not an integer", r.name, r.count))?;
            let entry = serde_json::json!({"name": r.name, "count": count});
            match list
                .iter_mut()
                .find(|e| e.get("name").and_then(Value::as_str) == Some(&r.name))
            {
                Some(e) => *e = entry,
                None => list.push(entry),
            }
        }
    }
    if !o.common_labels.is_empty() {
        let m = map_field(map, "commonLabels")?;
        for (k, v) in &o.common_labels {
            m.insert(k.clone(), Value::String(v.clone()));
        }
    }
    if !o.common_annotations.is_empty() {
        let m = map_field(map, "commonAnnotations")?;
        for (k, v) in &o.common_annotations {
            m.insert(k.clone(), Value::String(v.clone()));
        }
    }
    if !o.namespace.is_empty() {
        map.insert("namespace".into(), Value::String(o.namespace.clone()));
    }
    if !o.patches.is_empty() {
        list_field(map, "patches")?.extend(o.patches.iter().cloned());
    }
    if !o.components.is_empty() {
        let mut keep = Vec::new();
        for c in &o.components {
            let exists = kfs::join(dir, c).is_some_and(|p| fs.is_dir(&p) || fs.is_file(&p));
            if !exists && !c.contains("://") {
                if o.ignore_missing_components {
                    continue;
                }
                return Err(format!("component {c:?} does not exist"));
            }
            keep.push(Value::String(c.clone()));
        }
        list_field(map, "components")?.extend(keep);
    }
    Ok(())
}

// ---------------------------------------------------------------- helm

fn chart_files(fs: &dyn FileSystem, dir: &str) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let mut rels = Vec::new();
    walk(fs, dir, "", true, &mut rels)?;
    let mut files = BTreeMap::new();
    for rel in rels {
        let path = kfs::join(dir, &rel).unwrap_or_default();
        let data = fs.read_file(&path).map_err(|e| format!("{rel}: {e}"))?;
        files.insert(rel, data);
    }
    Ok(files)
}

/// Helm's check before rendering: every dependency of `Chart.yaml` is under `charts/`.
fn check_dependencies(files: &BTreeMap<String, Vec<u8>>) -> Result<(), String> {
    let Some(chart_yaml) = files.get("Chart.yaml") else {
        return Err("Chart.yaml is missing".into());
    };
    let text = String::from_utf8_lossy(chart_yaml);
    let meta: Value = kustomize_lite::yaml::parse_stream(&text, "Chart.yaml")
        .map_err(|e| e.to_string())?
        .into_iter()
        .next()
        .unwrap_or(Value::Null);
    let deps = meta.get("dependencies").and_then(Value::as_array);
    let mut missing = Vec::new();
    for d in deps.into_iter().flatten() {
        let name = d.get("name").and_then(Value::as_str).unwrap_or_default();
        let vendored = files.keys().any(|k| {
            k.strip_prefix("charts/").is_some_and(|rest| {
                rest.starts_with(&format!("{name}/"))
                    || (rest.starts_with(&format!("{name}-")) && rest.ends_with(".tgz"))
            })
        });
        if !vendored {
            missing.push(name.to_string());
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "found in Chart.yaml, but missing in charts/ directory: {} (run `helm dependency build` and commit charts/)",
            missing.join(", ")
        ))
    }
}

fn json_to_helm(v: &Value) -> Result<helm_lite::Map, String> {
    match helm_lite::yaml::from_json(&v.to_string())? {
        helm_lite::Value::Map(m) => Ok(m.to_map()),
        helm_lite::Value::Nil => Ok(helm_lite::Map::new()),
        _ => Err("values must be a mapping".into()),
    }
}

/// Merges `over` into `base` as Helm merges `--values` files (maps recurse, anything else
/// replaces).
fn merge_values(base: &mut Map<String, Value>, over: &Map<String, Value>) {
    for (k, v) in over {
        match (base.get_mut(k), v) {
            (Some(Value::Object(b)), Value::Object(o)) => merge_values(b, o),
            _ => {
                base.insert(k.clone(), v.clone());
            }
        }
    }
}

fn parse_values(text: &str, origin: &str) -> Result<Map<String, Value>, String> {
    let v = kustomize_lite::yaml::parse_stream(text, origin)
        .map_err(|e| e.to_string())?
        .into_iter()
        .next()
        .unwrap_or(Value::Null);
    match v {
        Value::Object(m) => Ok(m),
        Value::Null => Ok(Map::new()),
        _ => Err(format!("{origin}: values must be a mapping")),
    }
}

/// `--set` typing (Helm's strvals): `true`/`false`, `null`, integers without a leading
/// zero; anything else a string.
fn typed_set_value(v: &str) -> Value {
    match v {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        "null" => Value::Null,
        "0" => Value::from(0),
        _ => {
            let digits = v.strip_prefix('-').unwrap_or(v);
            if !digits.is_empty()
                && !digits.starts_with('0')
                && digits.bytes().all(|b| b.is_ascii_digit())
                && let Ok(n) = v.parse::<i64>()
            {
                return Value::from(n);
            }
            Value::String(v.to_string())
        }
    }
}

/// Sets `value` at a `--set` path (`a.b`, `list[0].name`, `a\.b` for a dotted key).
fn set_param(root: &mut Map<String, Value>, name: &str, value: Value) -> Result<(), String> {
    enum Seg {
        Key(String),
        Index(usize),
    }
    let mut segs = Vec::new();
    let mut cur = String::new();
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => cur.push(chars.next().unwrap_or('\\')),
            '.' => {
                if !cur.is_empty() {
                    segs.push(Seg::Key(std::mem::take(&mut cur)));
                }
            }
            '[' => {
                if !cur.is_empty() {
                    segs.push(Seg::Key(std::mem::take(&mut cur)));
                }
                let mut n = String::new();
                for d in chars.by_ref() {
                    if d == ']' {
                        break;
                    }
                    n.push(d);
                }
                let i: usize = n
                    .parse()
                    .map_err(|_| format!("parameter {name:?}: bad index [{n}]"))?;
                if i > 10_000 {
                    return Err(format!("parameter {name:?}: index {i} too large"));
                }
                segs.push(Seg::Index(i));
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        segs.push(Seg::Key(cur));
    }
    let mut root_val = Value::Object(std::mem::take(root));
    put(&mut root_val, &segs, value);
    if let Value::Object(m) = root_val {
        *root = m;
    }
    return Ok(());

    fn put(target: &mut Value, segs: &[Seg], value: Value) {
        let Some((first, rest)) = segs.split_first() else {
            *target = value;
            return;
        };
        match first {
            Seg::Key(k) => {
                if !target.is_object() {
                    *target = Value::Object(Map::new());
                }
                if let Value::Object(m) = target {
                    put(m.entry(k.clone()).or_insert(Value::Null), rest, value);
                }
            }
            Seg::Index(i) => {
                if !target.is_array() {
                    *target = Value::Array(Vec::new());
                }
                if let Value::Array(a) = target {
                    while a.len() <= *i {
                        a.push(Value::Null);
                    }
                    if let Some(x) = a.get_mut(*i) {
                        put(x, rest, value);
                    }
                }
            }
        }
    }
}

fn render_helm(
    app: &Application,
    src: &ApplicationSource,
    sources: &[&ApplicationSource],
    repos: &Repos,
    fs: &dyn FileSystem,
    dir: &str,
) -> Result<Vec<Value>, String> {
    let h = src.helm.clone().unwrap_or_default();
    if !h.file_parameters.is_empty() {
        return Err("helm.fileParameters are not supported".into());
    }
    let files = chart_files(fs, dir)?;
    check_dependencies(&files)?;
    let chart = helm_lite::Chart::from_files(&files).map_err(|e| e.to_string())?;
    let user = helm_values(&h, sources, repos, fs, dir)?;
    let release = helm_lite::Release {
        name: if h.release_name.is_empty() {
            app.metadata.name.clone()
        } else {
            h.release_name.clone()
        },
        namespace: match (&*h.namespace, &*app.spec.destination.namespace) {
            ("", "") => "default".to_string(),
            ("", ns) => ns.to_string(),
            (ns, _) => ns.to_string(),
        },
    };
    let manifest = helm_lite::helm_template(&chart, &release, &json_to_helm(&Value::Object(user))?)
        .map_err(|e| e.to_string())?;
    let mut objs = kustomize_lite::yaml::parse_stream(&manifest, "helm template")
        .map_err(|e| e.to_string())?;
    objs.retain(|o| o.is_object());
    if h.skip_tests {
        objs.retain(|o| {
            !o.pointer("/metadata/annotations/helm.sh~1hook")
                .and_then(Value::as_str)
                .is_some_and(|v| v.split(',').any(|t| t.trim().starts_with("test")))
        });
    }
    if h.skip_crds {
        // `--skip-crds` leaves out crds/ only; templates' CRDs stay.
        let crd_names: Vec<String> = files
            .keys()
            .filter(|k| k.starts_with("crds/"))
            .cloned()
            .collect();
        if !crd_names.is_empty() {
            let crds = crds_of(&files);
            objs.retain(|o| !crds.contains(o));
        }
    }
    Ok(objs)
}

fn crds_of(files: &BTreeMap<String, Vec<u8>>) -> Vec<Value> {
    let mut out = Vec::new();
    for (k, v) in files {
        if k.starts_with("crds/") && (k.ends_with(".yaml") || k.ends_with(".yml")) {
            let text = String::from_utf8_lossy(v);
            if let Ok(docs) = kustomize_lite::yaml::parse_stream(&text, k) {
                out.extend(docs.into_iter().filter(Value::is_object));
            }
        }
    }
    out
}

/// The user values `helm template` is given (see the module docs).
fn helm_values(
    h: &ApplicationSourceHelm,
    sources: &[&ApplicationSource],
    repos: &Repos,
    fs: &dyn FileSystem,
    dir: &str,
) -> Result<Map<String, Value>, String> {
    let mut values = Map::new();
    for vf in &h.value_files {
        if vf.contains("://") {
            return Err(format!(
                "value file {vf:?}: remote value files are not fetched"
            ));
        }
        let (vfs, path): (&dyn FileSystem, Option<String>) = match vf.strip_prefix('$') {
            Some(rest) => {
                let (name, p) = rest.split_once('/').unwrap_or((rest, ""));
                let r = sources
                    .iter()
                    .find(|s| s.ref_name == name)
                    .ok_or_else(|| format!("value file {vf:?}: no source has ref {name:?}"))?;
                let rfs = repos.get(&r.repo_url).ok_or_else(|| {
                    format!(
                        "value file {vf:?}: repository {:?} is not available",
                        r.repo_url
                    )
                })?;
                (&**rfs, kfs::normalize(p))
            }
            None => (fs, kfs::join(dir, vf)),
        };
        let Some(path) = path else {
            return Err(format!("value file {vf:?} leaves the repository"));
        };
        if !vfs.is_file(&path) {
            if h.ignore_missing_value_files {
                continue;
            }
            return Err(format!("value file {vf:?}: no such file"));
        }
        let bytes = vfs.read_file(&path).map_err(|e| format!("{vf}: {e}"))?;
        let m = parse_values(&String::from_utf8_lossy(&bytes), vf)?;
        merge_values(&mut values, &m);
    }
    let inline = match &h.values_object {
        Some(Value::Object(m)) => Some(m.clone()),
        Some(Value::Null) | None if !h.values.trim().is_empty() => {
            Some(parse_values(&h.values, "helm.values")?)
        }
        Some(Value::Null) | None => None,
        Some(_) => return Err("helm.valuesObject must be a mapping".into()),
    };
    if let Some(m) = inline {
        merge_values(&mut values, &m);
    }
    for p in &h.parameters {
        let v = if p.force_string {
            Value::String(p.value.clone())
        } else {
            typed_set_value(&p.value)
        };
        set_param(&mut values, &p.name, v)?;
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn globs_match_as_gobwas_without_separators() {
        // (pattern, text, matches)
        let cases = [
            ("*.yaml", "a.yaml", true),
            ("*.yaml", "sub/a.yaml", true),
            ("{config.json,deployment.yaml}", "deployment.yaml", true),
            ("{config.json,deployment.yaml}", "service.yaml", false),
            ("config.json", "config.json", true),
            ("*/ignore/*", "a/ignore/x.yaml", true),
            ("*/ignore/*", "a/keep/x.yaml", false),
            ("[abc]?.yml", "bx.yml", true),
            ("[!abc]?.yml", "bx.yml", false),
            ("**.json", "x/y/z.json", true),
        ];
        for (p, t, want) in cases {
            assert_eq!(Glob::new(p).unwrap().matches(t), want, "{p} ~ {t}");
        }
        assert!(Glob::new("{a,b").is_err());
    }

    #[test]
    fn kustomize_edit_set_image_arguments() {
        let j = |a: &str| Value::Object(parse_kustomize_image(a)).to_string();
        assert_eq!(
            j("gcr.io/heptio-images/ks-guestbook-demo:0.2"),
            r#"{"name":"gcr.io/heptio-images/ks-guestbook-demo","newTag":"0.2"}"#
        );
        assert_eq!(
            j("my-app=gcr.io/my-repo/my-app:0.1"),
            r#"{"name":"my-app","newName":"gcr.io/my-repo/my-app","newTag":"0.1"}"#
        );
        assert_eq!(
            j("localhost:5000/app@sha256:abc"),
            r#"{"name":"localhost:5000/app","digest":"sha256:abc"}"#
        );
    }

    #[test]
    fn set_parameters_are_typed_as_helm_types_them() {
        let mut m = Map::new();
        set_param(&mut m, "image.tag", typed_set_value("1.2")).unwrap();
        set_param(&mut m, "replicaCount", typed_set_value("3")).unwrap();
        set_param(&mut m, "flag", typed_set_value("true")).unwrap();
        set_param(&mut m, "zip", typed_set_value("0123")).unwrap();
        set_param(&mut m, "list[1].name", typed_set_value("b")).unwrap();
        set_param(&mut m, r"a\.b", typed_set_value("x")).unwrap();
        assert_eq!(
            Value::Object(m).to_string(),
            r#"{"image":{"tag":"1.2"},"replicaCount":3,"flag":true,"zip":"0123","list":[null,{"name":"b"}],"a.b":"x"}"#
        );
    }
}
