//! Charts: loading from a file map, values, and `helm template` output.

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine as _;

use crate::exec::{MissingKey, Template};
use crate::value::{Map, MapRef, Object, Value};
use crate::{Error, sprig, yaml};

/// A chart loaded from its files (paths relative to the chart directory, `/`-separated).
#[derive(Debug, Clone)]
pub struct Chart {
    /// `Chart.yaml` as Helm's `.Chart` shows it (Go field names).
    pub metadata: Map,
    /// `values.yaml`.
    pub values: Map,
    /// `templates/...` files by path relative to the chart (`templates/x.yaml`).
    pub templates: BTreeMap<String, String>,
    /// Every other file, for `.Files` (shared: rendering copies no file).
    pub files: Arc<BTreeMap<String, Vec<u8>>>,
    /// Subcharts found under `charts/NAME/`.
    pub dependencies: Vec<Chart>,
    /// `values.schema.json`, checked against the values before rendering (not in `.Files`,
    /// as Helm keeps it apart).
    pub schema: Option<Vec<u8>>,
}

const FIELDS: &[(&str, &str)] = &[
    ("name", "Name"),
    ("home", "Home"),
    ("sources", "Sources"),
    ("version", "Version"),
    ("description", "Description"),
    ("keywords", "Keywords"),
    ("maintainers", "Maintainers"),
    ("icon", "Icon"),
    ("apiVersion", "APIVersion"),
    ("condition", "Condition"),
    ("tags", "Tags"),
    ("appVersion", "AppVersion"),
    ("deprecated", "Deprecated"),
    ("annotations", "Annotations"),
    ("kubeVersion", "KubeVersion"),
    ("dependencies", "Dependencies"),
    ("type", "Type"),
];

fn scalar_string(v: &Value) -> Value {
    match v {
        Value::Float(_) | Value::Int(_) | Value::Bool(_) => Value::Str(v.to_go_string()),
        other => other.clone(),
    }
}

impl Chart {
    /// Loads a chart from its files.
    ///
    /// These are a chart directory's files: `.helmignore` (and Helm's default rule) leave
    /// some out, as `helm template DIR` loads them.
    pub fn from_files(files: &BTreeMap<String, Vec<u8>>) -> Result<Chart, Error> {
        Chart::from_loaded(&crate::ignore::filter_ref(files)?)
    }

    fn from_loaded(files: &BTreeMap<&str, &[u8]>) -> Result<Chart, Error> {
        let text = |p: &str| files.get(p).map(|b| String::from_utf8_lossy(b));
        let chart_yaml =
            text("Chart.yaml").ok_or_else(|| Error::Chart("Chart.yaml file is missing".into()))?;
        let raw =
            yaml::from_yaml(&chart_yaml).map_err(|e| Error::Chart(format!("Chart.yaml: {e}")))?;
        let raw = raw.as_map().map(MapRef::to_map).unwrap_or_default();
        let mut metadata = Map::new();
        for (k, go) in FIELDS {
            let v = raw.get(*k).cloned().unwrap_or(Value::Nil);
            let v = match (*go, v) {
                ("Sources" | "Keywords" | "Maintainers" | "Dependencies", Value::Nil) => {
                    Value::List(Vec::new())
                }
                ("Deprecated", Value::Nil) => Value::Bool(false),
                ("Annotations", v) => v,
                (_, Value::Nil) => Value::Str(String::new()),
                (_, v) => scalar_string(&v),
            };
            metadata.insert(go.to_string(), v);
        }
        let values = match text("values.yaml") {
            Some(t) => {
                match yaml::from_yaml(&t).map_err(|e| Error::Chart(format!("values.yaml: {e}")))? {
                    Value::Map(m) => m.to_map(),
                    _ => Map::new(),
                }
            }
            None => Map::new(),
        };
        let mut templates = BTreeMap::new();
        let mut own = BTreeMap::new();
        let mut sub: BTreeMap<&str, BTreeMap<&str, &[u8]>> = BTreeMap::new();
        let mut archives: Vec<(&str, &[u8])> = Vec::new();
        for (&p, &b) in files {
            if let Some(rest) = p.strip_prefix("charts/") {
                if rest.ends_with(".prov") {
                    own.insert(p.to_string(), b.to_vec());
                    continue;
                }
                if rest.starts_with(['_', '.']) {
                    continue;
                }
                if !rest.contains('/') && rest.ends_with(".tgz") {
                    archives.push((rest, b));
                    continue;
                }
                if let Some((name, inner)) = rest.split_once('/') {
                    sub.entry(name).or_default().insert(inner, b);
                }
                continue;
            }
            if p.starts_with("templates/") {
                templates.insert(p.to_string(), String::from_utf8_lossy(b).into_owned());
            } else if p != "Chart.yaml" && p != "values.yaml" && p != "values.schema.json" {
                own.insert(p.to_string(), b.to_vec());
            }
        }
        let mut dependencies = Vec::new();
        for (n, b) in archives {
            let d = Chart::from_tgz(b).map_err(|e| {
                Error::Chart(format!(
                    "error unpacking subchart {n} in {}: {e}",
                    metadata
                        .get("Name")
                        .map(Value::to_go_string)
                        .unwrap_or_default()
                ))
            })?;
            dependencies.push(d);
        }
        for (_, f) in sub {
            if f.contains_key("Chart.yaml") {
                dependencies.push(Chart::from_loaded(&f)?);
            }
        }
        Ok(Chart {
            metadata,
            values,
            templates,
            files: Arc::new(own),
            dependencies,
            schema: files.get("values.schema.json").map(|b| b.to_vec()),
        })
    }

    /// Loads a packaged chart (`.tgz`, as `helm package` writes it and chart repositories
    /// serve it), with Helm's archive rules: the top directory is stripped, no paths outside
    /// it, at most 100 MiB unpacked; `charts/*.tgz` inside load as subcharts.
    pub fn from_tgz(bytes: &[u8]) -> Result<Chart, Error> {
        let files = archive_files(bytes)?;
        let view: BTreeMap<&str, &[u8]> = files
            .iter()
            .map(|(p, b)| (p.as_str(), b.as_slice()))
            .collect();
        Chart::from_loaded(&view)
    }

    /// The chart's name.
    pub fn name(&self) -> String {
        self.metadata
            .get("Name")
            .map(Value::to_go_string)
            .unwrap_or_default()
    }
}

/// Helm's `MaxDecompressedChartSize`.
pub const MAX_CHART_BYTES: u64 = 100 << 20;

/// Helm's `LoadArchiveFiles`: the files of a `.tgz`, top directory stripped.
pub fn archive_files(bytes: &[u8]) -> Result<BTreeMap<String, Vec<u8>>, Error> {
    use std::io::Read as _;
    let e = |m: String| Error::Chart(m);
    let gz = flate2::read::GzDecoder::new(bytes);
    let mut tar = tar::Archive::new(gz);
    let mut out = BTreeMap::new();
    let mut remaining = MAX_CHART_BYTES;
    let too_big = || {
        e(format!(
            "decompressed chart is larger than the maximum size {MAX_CHART_BYTES}"
        ))
    };
    for entry in tar.entries().map_err(|x| e(x.to_string()))? {
        let mut entry = entry.map_err(|x| e(x.to_string()))?;
        let kind = entry.header().entry_type();
        if kind.is_dir() || kind.is_pax_global_extensions() || kind.is_pax_local_extensions() {
            continue;
        }
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let delim = if raw.contains('\\') { '\\' } else { '/' };
        let parts: Vec<&str> = raw.split(delim).collect();
        let n = parts.get(1..).unwrap_or(&[]).join("/");
        if n.starts_with('/') {
            return Err(e("chart illegally contains absolute paths".into()));
        }
        let n = clean_path(&n);
        if n == "." {
            return Err(e(format!(
                "chart illegally contains content outside the base directory: {}",
                crate::fmt::go_quote(&raw)
            )));
        }
        if n.starts_with("..") {
            return Err(e("chart illegally references parent directory".into()));
        }
        if n.len() >= 2
            && n.as_bytes().get(1) == Some(&b':')
            && n.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
        {
            return Err(e("chart contains illegally named files".into()));
        }
        if parts.first() == Some(&"Chart.yaml") {
            return Err(e("chart yaml not in base directory".into()));
        }
        let size = entry.header().size().unwrap_or(0);
        if size > remaining {
            return Err(too_big());
        }
        let mut data = Vec::new();
        (&mut entry)
            .take(remaining)
            .read_to_end(&mut data)
            .map_err(|x| e(x.to_string()))?;
        remaining = remaining.saturating_sub(data.len() as u64);
        if (data.len() as u64) < size || remaining == 0 {
            return Err(too_big());
        }
        let data = data
            .strip_prefix(&[0xEF, 0xBB, 0xBF])
            .map(<[u8]>::to_vec)
            .unwrap_or(data);
        out.insert(n, data);
    }
    if out.is_empty() {
        return Err(e("no files in chart archive".into()));
    }
    Ok(out)
}

/// Go's `path.Clean`.
fn clean_path(p: &str) -> String {
    let rooted = p.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if matches!(out.last(), Some(l) if *l != "..") {
                    out.pop();
                } else if !rooted {
                    out.push("..");
                }
            }
            x => out.push(x),
        }
    }
    let s = out.join("/");
    match (rooted, s.is_empty()) {
        (true, _) => format!("/{s}"),
        (false, true) => ".".into(),
        (false, false) => s,
    }
}

/// What `helm template NAME CHART --namespace NS` is given.
#[derive(Debug, Clone)]
pub struct Release {
    /// Release name.
    pub name: String,
    /// Namespace (`default` unless given).
    pub namespace: String,
}

/// Helm's values coalescing: `src` (user values) over `dst` (chart defaults); null deletes.
pub fn coalesce(defaults: &Map, user: &Map) -> Map {
    let mut out = coalesce_keep_nulls(defaults, user);
    strip_nulls(&mut out);
    out
}

/// Like [`coalesce`], but a null given over a default stays as null, so that a
/// subchart's own default under that key is deleted too.
fn coalesce_keep_nulls(defaults: &Map, user: &Map) -> Map {
    let mut out = defaults.clone();
    for (k, v) in user {
        match (out.get_mut(k), v) {
            (Some(Value::Map(d)), Value::Map(s)) => {
                let merged = coalesce_keep_nulls(&d.read(), &s.read());
                *d = MapRef::new(merged);
            }
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    out
}

fn strip_nulls(m: &mut Map) {
    m.retain(|_, v| !matches!(v, Value::Nil));
    for v in m.values_mut() {
        if let Value::Map(mm) = v {
            // Copied, not changed in place: the chart's own defaults may share this map.
            let mut inner = mm.to_map();
            strip_nulls(&mut inner);
            *mm = MapRef::new(inner);
        }
    }
}

fn map_under(m: &Map, key: &str) -> Map {
    m.get(key)
        .and_then(Value::as_map)
        .map(MapRef::to_map)
        .unwrap_or_default()
}

/// The values a chart's templates see, with subchart values scoped under their names
/// and `global` passed down.
fn chart_values(chart: &Chart, given: &Map) -> Map {
    let mut vals = chart_values_keep(chart, given);
    strip_nulls(&mut vals);
    vals
}

fn chart_values_keep(chart: &Chart, given: &Map) -> Map {
    let mut vals = coalesce_keep_nulls(&chart.values, given);
    let global = vals.get("global").cloned();
    for dep in &chart.dependencies {
        let name = dep.name();
        let mut sub_given = map_under(&vals, &name);
        if let Some(Value::Map(g)) = &global {
            let mut sg = map_under(&dep.values, "global");
            let sub_g = map_under(&sub_given, "global");
            sg = coalesce(&sg, &sub_g);
            sg = coalesce(&sg, &g.read());
            sub_given.insert("global".into(), Value::map(sg));
        }
        let sv = chart_values_keep(dep, &sub_given);
        vals.insert(name, Value::map(sv));
    }
    if !vals.contains_key("global") && !chart.dependencies.is_empty() {
        vals.insert("global".into(), Value::map(Map::new()));
    }
    vals
}

struct Files(Arc<BTreeMap<String, Vec<u8>>>);

fn glob_match(pat: &str, name: &str) -> bool {
    // gobwas/glob with '/' separators: '*' does not cross '/', '**' does.
    fn m(p: &[u8], n: &[u8]) -> bool {
        match p.first() {
            None => n.is_empty(),
            Some(b'*') => {
                if p.get(1) == Some(&b'*') {
                    let rest = p.get(2..).unwrap_or(&[]);
                    (0..=n.len()).any(|i| m(rest, n.get(i..).unwrap_or(&[])))
                } else {
                    let rest = p.get(1..).unwrap_or(&[]);
                    for i in 0..=n.len() {
                        if m(rest, n.get(i..).unwrap_or(&[])) {
                            return true;
                        }
                        if n.get(i) == Some(&b'/') {
                            break;
                        }
                    }
                    false
                }
            }
            Some(b'?') => {
                n.first().is_some_and(|c| *c != b'/')
                    && m(p.get(1..).unwrap_or(&[]), n.get(1..).unwrap_or(&[]))
            }
            Some(c) => {
                n.first() == Some(c) && m(p.get(1..).unwrap_or(&[]), n.get(1..).unwrap_or(&[]))
            }
        }
    }
    m(pat.as_bytes(), name.as_bytes())
}

fn base_name(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

impl Object for Files {
    fn type_name(&self) -> &str {
        "files"
    }
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }
    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        let arg = args.first().map(Value::to_go_string).unwrap_or_default();
        let get = |p: &str| {
            self.0
                .get(p)
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default()
        };
        Some(Ok(match name {
            "Get" | "GetBytes" => match self.0.get(&arg) {
                Some(b) => Value::from_bytes(b),
                None => Value::Str(String::new()),
            },
            "Lines" => {
                let s = get(&arg);
                if s.is_empty() {
                    Value::List(Vec::new())
                } else {
                    Value::List(s.split('\n').map(Value::from).collect())
                }
            }
            "Glob" => {
                let m: BTreeMap<String, Vec<u8>> = self
                    .0
                    .iter()
                    .filter(|(k, _)| glob_match(&arg, k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                Value::Object(Arc::new(Files(Arc::new(m))))
            }
            "AsConfig" => {
                let m: Map = self
                    .0
                    .iter()
                    .map(|(k, v)| {
                        (
                            base_name(k).to_string(),
                            Value::Str(String::from_utf8_lossy(v).into_owned()),
                        )
                    })
                    .collect();
                if m.is_empty() {
                    Value::Str(String::new())
                } else {
                    Value::Str(
                        yaml::to_yaml(&Value::map(m))
                            .trim_end_matches('\n')
                            .to_string(),
                    )
                }
            }
            "AsSecrets" => {
                let m: Map = self
                    .0
                    .iter()
                    .map(|(k, v)| {
                        (
                            base_name(k).to_string(),
                            Value::Str(base64::engine::general_purpose::STANDARD.encode(v)),
                        )
                    })
                    .collect();
                if m.is_empty() {
                    Value::Str(String::new())
                } else {
                    Value::Str(
                        yaml::to_yaml(&Value::map(m))
                            .trim_end_matches('\n')
                            .to_string(),
                    )
                }
            }
            _ => return None,
        }))
    }
    fn entries(&self) -> Option<Vec<(String, Value)>> {
        Some(
            self.0
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        Value::Str(String::from_utf8_lossy(v).into_owned()),
                    )
                })
                .collect(),
        )
    }
    fn display(&self) -> String {
        let m: Map = self
            .0
            .keys()
            .map(|k| (k.clone(), Value::Str("...".into())))
            .collect();
        Value::map(m).to_go_string()
    }
}

struct ApiVersions(Vec<String>);

impl Object for ApiVersions {
    fn type_name(&self) -> &str {
        "common.VersionSet"
    }
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }
    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        if name != "Has" {
            return None;
        }
        let a = args.first().map(Value::to_go_string).unwrap_or_default();
        Some(Ok(Value::Bool(self.0.contains(&a))))
    }
    fn display(&self) -> String {
        format!("[{}]", self.0.join(" "))
    }
}

const API_VERSIONS: &[&str] = &[
    "v1",
    "admissionregistration.k8s.io/v1",
    "apiextensions.k8s.io/v1",
    "apps/v1",
    "authentication.k8s.io/v1",
    "authorization.k8s.io/v1",
    "autoscaling/v2",
    "autoscaling/v1",
    "batch/v1",
    "certificates.k8s.io/v1",
    "coordination.k8s.io/v1",
    "discovery.k8s.io/v1",
    "events.k8s.io/v1",
    "networking.k8s.io/v1",
    "node.k8s.io/v1",
    "policy/v1",
    "rbac.authorization.k8s.io/v1",
    "scheduling.k8s.io/v1",
    "storage.k8s.io/v1",
];

fn capabilities() -> Value {
    let mut kv = Map::new();
    kv.insert("Version".into(), "v1.37.0".into());
    kv.insert("GitVersion".into(), "v1.37.0".into());
    kv.insert("Major".into(), "1".into());
    kv.insert("Minor".into(), "37".into());
    let mut c = Map::new();
    c.insert("KubeVersion".into(), Value::map(kv));
    c.insert(
        "APIVersions".into(),
        Value::Object(Arc::new(ApiVersions(
            API_VERSIONS.iter().map(|s| s.to_string()).collect(),
        ))),
    );
    Value::map(c)
}

const INSTALL_ORDER: &[&str] = &[
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

struct Job {
    name: String,
    dot: Value,
}

/// Adds the chart's render jobs and returns its top-level object (what a parent sees as
/// `.Subcharts.NAME`): `Chart`, `Values`, `Files`, `Release`, `Capabilities`, `Subcharts`,
/// as Helm's `recAllTpls` builds it.
fn collect(
    chart: &Chart,
    prefix: &str,
    vals: &MapRef,
    top: &Map,
    jobs: &mut Vec<Job>,
) -> Result<Value, Error> {
    let name = chart.name();
    let full = if prefix.is_empty() {
        name.clone()
    } else {
        format!("{prefix}/charts/{name}")
    };
    let mut meta = chart.metadata.clone();
    meta.insert("IsRoot".into(), Value::Bool(prefix.is_empty()));
    let mut dot = top.clone();
    dot.insert("Chart".into(), Value::map(meta));
    // One values map per chart, shared by its templates and with the parent's
    // `.Values.NAME` as Helm shares them: a `set` in one template is seen by those after it.
    dot.insert("Values".into(), Value::Map(vals.clone()));
    dot.insert(
        "Files".into(),
        Value::Object(Arc::new(Files(chart.files.clone()))),
    );
    let mut subcharts = Map::new();
    for dep in &chart.dependencies {
        let sv = match vals.get(&dep.name()) {
            Some(Value::Map(m)) => m,
            _ => MapRef::default(),
        };
        let sub = collect(dep, &full, &sv, top, jobs)?;
        subcharts.insert(dep.name(), sub);
    }
    dot.insert("Subcharts".into(), Value::map(subcharts));
    for path in chart.templates.keys() {
        let tname = format!("{full}/{path}");
        let mut d = dot.clone();
        let mut tm = Map::new();
        tm.insert("Name".into(), Value::Str(tname.clone()));
        tm.insert("BasePath".into(), Value::Str(format!("{full}/templates")));
        d.insert("Template".into(), Value::map(tm));
        jobs.push(Job {
            name: tname,
            dot: Value::map(d),
        });
    }
    Ok(Value::map(dot))
}

/// Rewords a template error as Helm's engine does (`execution error at (...)`,
/// `parse error at (...)`, or the indented trace).
fn helm_error(e: Error) -> Error {
    match e {
        Error::Parse(m) => {
            let tokens: Vec<&str> = m.split(": ").collect();
            match (tokens.get(1), tokens.last()) {
                (Some(loc), Some(msg)) if tokens.len() > 1 => {
                    Error::Parse(format!("parse error at ({loc}): {msg}"))
                }
                _ => Error::Parse(m),
            }
        }
        Error::Exec(m) => helm_exec_error(m),
        other => other,
    }
}

/// Helm's `reformatExecErrorMsg`: `required`/`fail` as `execution error at (...)`; else,
/// when every error of the chain (each `include` wraps the next) is a template error, the
/// indented trace of their locations; else Go's message unchanged.
fn helm_exec_error(m: String) -> Error {
    let tokens: Vec<&str> = m.splitn(3, ": ").collect();
    let (Some(loc), Some(rest)) = (tokens.get(1), tokens.get(2)) else {
        return Error::Exec(m);
    };
    for f in ["fail", "required"] {
        if let Some(i) = rest.find(&format!("error calling {f}: ")) {
            let msg = rest
                .get(i + "error calling : ".len() + f.len()..)
                .unwrap_or("");
            return Error::Exec(format!("execution error at ({loc}): {msg}"));
        }
    }
    let mut traces: Vec<(String, String, String)> = Vec::new();
    let mut cur = m.as_str();
    loop {
        let Some(rem) = cur.strip_prefix("template: ") else {
            return Error::Exec(m);
        };
        if rem.starts_with("no template ") {
            traces.push((String::new(), String::new(), cur.to_string()));
            break;
        }
        let (trace, full_msg) = if let Some((name, after)) = rem.split_once(": executing \"")
            && let Some((func, after_func)) = after.split_once('"')
            && let Some(after_at) = after_func.strip_prefix(" at <")
            && let Some((ctx, msg)) = after_at.split_once(">: ")
        {
            let shown = msg
                .find(" template:")
                .map_or(msg, |i| msg.get(..i).unwrap_or(msg));
            (
                (
                    name.to_string(),
                    format!("executing \"{func}\" at <{ctx}>:"),
                    shown.to_string(),
                ),
                msg,
            )
        } else if let Some(i) = rem.rfind(": ") {
            let msg = rem.get(i + 2..).unwrap_or("");
            let shown = msg
                .find(" template:")
                .map_or(msg, |j| msg.get(..j).unwrap_or(msg));
            (
                (
                    rem.get(..i).unwrap_or("").to_string(),
                    String::new(),
                    shown.to_string(),
                ),
                msg,
            )
        } else {
            return Error::Exec(m);
        };
        if traces.last() != Some(&trace) {
            traces.push(trace);
        }
        // A function's error is wrapped (`error calling NAME: ...`): the chain goes on into
        // it, and Helm keeps the trace form only if it is a template error too.
        let Some(wrapped) = full_msg.strip_prefix("error calling ") else {
            break;
        };
        let Some((_, inner)) = wrapped.split_once(": ") else {
            break;
        };
        if !inner.starts_with("template: ") {
            return Error::Exec(m);
        }
        cur = inner;
    }
    let mut out = String::new();
    for (loc, func, msg) in &traces {
        if !loc.is_empty() {
            out.push_str(loc);
            out.push_str("\n  ");
        }
        if !func.is_empty() {
            out.push_str(func);
            out.push_str("\n    ");
        }
        if !msg.is_empty() {
            out.push_str(msg);
            out.push('\n');
        }
    }
    Error::Exec(out.trim().to_string())
}

fn lookup_path(vals: &Map, path: &str) -> Option<Value> {
    let mut parts = path.split('.');
    let mut cur = vals.get(parts.next()?)?.clone();
    for p in parts {
        let next = cur.as_map()?.get(p)?;
        cur = next;
    }
    Some(cur)
}

/// The chart with subcharts whose `condition`/`tags` are false left out and `alias`es
/// applied, as Helm's dependency processing does.
fn enabled(chart: &Chart, user: &Map) -> Chart {
    let vals = chart_values(chart, user);
    let raw_deps = match chart.metadata.get("Dependencies") {
        Some(Value::List(l)) => l.clone(),
        _ => Vec::new(),
    };
    let mut out = chart.clone();
    out.dependencies.clear();
    for dep in &chart.dependencies {
        let name = dep.name();
        let entries: Vec<Map> = raw_deps
            .iter()
            .filter_map(Value::as_map)
            .map(MapRef::to_map)
            .filter(|m| m.get("name").map(Value::to_go_string).as_deref() == Some(name.as_str()))
            .collect();
        let instances: Vec<Option<Map>> = if entries.is_empty() {
            vec![None]
        } else {
            entries.into_iter().map(Some).collect()
        };
        for entry in instances {
            let mut d = dep.clone();
            let mut on = true;
            if let Some(e) = &entry {
                if let Some(Value::Str(alias)) = e.get("alias")
                    && !alias.is_empty()
                {
                    d.metadata.insert("Name".into(), Value::Str(alias.clone()));
                }
                let mut decided = false;
                if let Some(Value::Str(cond)) = e.get("condition") {
                    for c in cond.split(',') {
                        if let Some(Value::Bool(b)) = lookup_path(&vals, c.trim()) {
                            on = b;
                            decided = true;
                            break;
                        }
                    }
                }
                if !decided && let Some(Value::List(tags)) = e.get("tags") {
                    let states: Vec<bool> = tags
                        .iter()
                        .filter_map(|t| {
                            match lookup_path(&vals, &format!("tags.{}", t.to_go_string())) {
                                Some(Value::Bool(b)) => Some(b),
                                _ => None,
                            }
                        })
                        .collect();
                    if !states.is_empty() {
                        on = states.iter().any(|b| *b);
                    }
                }
            }
            if on {
                let sub_user = map_under(&vals, &d.name());
                out.dependencies.push(enabled(&d, &sub_user));
            }
        }
    }
    out
}

/// Helm's `sortTemplates`: deeper paths first, then reverse lexical order.
fn helm_order(a: &str, b: &str) -> std::cmp::Ordering {
    let (ca, cb) = (a.matches('/').count(), b.matches('/').count());
    cb.cmp(&ca).then_with(|| b.cmp(a))
}

/// Renders a chart as `helm template NAME CHART` prints it.
pub fn template(chart: &Chart, release: &Release, user_values: &Map) -> Result<String, Error> {
    let chart = &enabled(chart, user_values);
    // Templates may change the values they are given (`set`), as Go's shared maps allow:
    // they get a copy that shares nothing with the chart.
    let vals = match Value::map(chart_values(chart, user_values)).deep_copy() {
        Value::Map(m) => m,
        _ => MapRef::default(),
    };
    if let Some(failures) = crate::schema::check(chart, &vals.to_map())? {
        return Err(Error::Schema(failures));
    }
    let mut rel = Map::new();
    rel.insert("Name".into(), Value::Str(release.name.clone()));
    rel.insert("Namespace".into(), Value::Str(release.namespace.clone()));
    rel.insert("IsUpgrade".into(), Value::Bool(false));
    rel.insert("IsInstall".into(), Value::Bool(true));
    rel.insert("Revision".into(), Value::Int(1));
    rel.insert("Service".into(), Value::Str("Helm".into()));
    let mut top = Map::new();
    top.insert("Release".into(), Value::map(rel));
    top.insert("Capabilities".into(), capabilities());
    let mut t = Template::new();
    sprig::add_functions(&mut t);
    t.missing_key = MissingKey::Zero;
    let mut jobs = Vec::new();
    collect(chart, "", &vals, &top, &mut jobs)?;
    // Helm parses deeper paths first, then in reverse lexical order: the parent's defines win.
    let mut texts: Vec<(String, String)> = Vec::new();
    fn all(chart: &Chart, prefix: &str, out: &mut Vec<(String, String)>) {
        let full = if prefix.is_empty() {
            chart.name()
        } else {
            format!("{prefix}/charts/{}", chart.name())
        };
        for (p, s) in &chart.templates {
            out.push((format!("{full}/{p}"), s.clone()));
        }
        for d in &chart.dependencies {
            all(d, &full, out);
        }
    }
    all(chart, "", &mut texts);
    texts.sort_by(|a, b| helm_order(&a.0, &b.0));
    for (n, s) in &texts {
        t.parse(n, s).map_err(helm_error)?;
    }
    let mut rendered: BTreeMap<String, String> = BTreeMap::new();
    // Rendered in the order parsed (deeper first, then reverse lexical), which is what a
    // template sees of another's changes to the shared values.
    jobs.sort_by(|a, b| helm_order(&a.name, &b.name));
    for j in &jobs {
        let base = base_name(&j.name);
        if base.starts_with('_') {
            continue;
        }
        // NOTES.txt runs as every template does (its `fail`s stop the render, as Helm's
        // engine renders it), but `helm template` leaves its text out.
        let out = t.execute(&j.name, &j.dot).map_err(helm_error)?;
        if j.name.ends_with("NOTES.txt") {
            continue;
        }
        rendered.insert(j.name.clone(), out.replace("<no value>", ""));
    }
    static SEP: std::sync::LazyLock<Result<regex::Regex, regex::Error>> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"(?m)^---[ \t]*"));
    let sep = SEP.as_ref().map_err(|e| Error::Chart(e.to_string()))?;
    let mut manifests: Vec<(usize, String, String, String)> = Vec::new();
    let mut hooks: Vec<(usize, String, String, String)> = Vec::new();
    for (path, content) in &rendered {
        if content.trim().is_empty() {
            continue;
        }
        let big = content.trim_start();
        for doc in sep.split(big) {
            if doc.trim().is_empty() {
                continue;
            }
            let d = doc.trim_start().to_string();
            let (kind, metadata) = match yaml::head(&d) {
                Some(h) => h,
                None => {
                    let head = yaml::from_yaml(&d)
                        .map_err(|e| Error::Chart(format!("YAML parse error on {path}: {e}")))?;
                    let m = head.as_map();
                    (
                        m.and_then(|m| m.get("kind")).unwrap_or_default(),
                        m.and_then(|m| m.get("metadata")).unwrap_or_default(),
                    )
                }
            };
            let kind = match kind {
                Value::Nil => String::new(),
                k => k.to_go_string(),
            };
            let is_hook = metadata
                .as_map()
                .and_then(|m| m.get("annotations"))
                .is_some_and(|a| {
                    a.as_map()
                        .is_some_and(|a| a.read().contains_key("helm.sh/hook"))
                });
            let order = INSTALL_ORDER
                .iter()
                .position(|k| *k == kind)
                .unwrap_or(usize::MAX);
            if is_hook {
                hooks.push((order, kind, path.clone(), d));
            } else {
                manifests.push((order, kind, path.clone(), d));
            }
        }
    }
    let by_kind = |a: &(usize, String, String, String), b: &(usize, String, String, String)| match (
        a.0 == usize::MAX,
        b.0 == usize::MAX,
    ) {
        (true, true) => a.1.cmp(&b.1),
        _ => a.0.cmp(&b.0),
    };
    manifests.sort_by(by_kind);
    hooks.sort_by(by_kind);
    // `helm template`: the release manifest trimmed plus a newline, then each hook.
    let mut body = String::new();
    for (_, _, path, d) in manifests {
        body.push_str(&format!("---\n# Source: {path}\n{d}\n"));
    }
    let mut out = format!("{}\n", body.trim());
    for (_, _, path, d) in hooks {
        out.push_str(&format!("---\n# Source: {path}\n{d}\n"));
    }
    Ok(out)
}
