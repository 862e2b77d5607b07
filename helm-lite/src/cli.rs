//! `helm template` as a library call: its arguments parsed as Helm parses them, user
//! values composed in Helm's order (`-f` files in order, then `--set-json`, `--set`,
//! `--set-string`, `--set-file`), the chart rendered. Reading files is the caller's:
//! it passes a reader and a chart loader, so the core stays free of I/O.
//!
//! ```
//! use helm_lite::cli::{TemplateArgs, merge_values};
//!
//! let args: Vec<String> = ["rel", "./chart", "--set", "a.b=1,c={x,y}", "-n", "prod"]
//!     .iter().map(|s| s.to_string()).collect();
//! let a = TemplateArgs::parse(&args).unwrap();
//! assert_eq!((a.name.as_str(), a.namespace.as_str()), ("rel", "prod"));
//! let vals = merge_values(&a, &|_| Err("no files here".into())).unwrap();
//! assert_eq!(helm_lite::yaml::to_json(&helm_lite::Value::map(vals)), r#"{"a":{"b":1},"c":["x","y"]}"#);
//! ```

use crate::strvals::{self, Kind};
use crate::value::{Map, Value};
use crate::{Chart, Error, Release};

/// The arguments of `helm template [NAME] CHART [flags]` this crate understands.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TemplateArgs {
    /// Release name (`release-name` when only the chart is given, as Helm names it).
    pub name: String,
    /// The chart path, as given.
    pub chart: String,
    /// `--namespace`/`-n` (`default`).
    pub namespace: String,
    /// `--values`/`-f`, in order (a comma splits one flag into several files, as Helm's).
    pub values_files: Vec<String>,
    /// `--set-json`, in order.
    pub set_json: Vec<String>,
    /// `--set`, in order.
    pub set: Vec<String>,
    /// `--set-string`, in order.
    pub set_string: Vec<String>,
    /// `--set-file`, in order.
    pub set_file: Vec<String>,
}

impl TemplateArgs {
    /// Parses the arguments after `template`.
    pub fn parse(args: &[String]) -> Result<TemplateArgs, Error> {
        let mut a = TemplateArgs {
            namespace: "default".into(),
            ..TemplateArgs::default()
        };
        let mut positional = Vec::new();
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
                _ => (arg.as_str(), None),
            };
            let mut value = |f: &str| -> Result<String, Error> {
                match &inline {
                    Some(v) => Ok(v.clone()),
                    None => it
                        .next()
                        .cloned()
                        .ok_or_else(|| Error::Chart(format!("flag needs an argument: {f}"))),
                }
            };
            match flag {
                "-f" | "--values" => {
                    let v = value(flag)?;
                    a.values_files
                        .extend(v.split(',').filter(|s| !s.is_empty()).map(String::from));
                }
                "--set" => a.set.push(value(flag)?),
                "--set-string" => a.set_string.push(value(flag)?),
                "--set-json" => a.set_json.push(value(flag)?),
                "--set-file" => a.set_file.push(value(flag)?),
                "-n" | "--namespace" => a.namespace = value(flag)?,
                f if f.starts_with('-') && f.len() > 1 => {
                    return Err(Error::Chart(format!("unknown flag: {f}")));
                }
                _ => positional.push(arg.clone()),
            }
        }
        match positional.as_slice() {
            [chart] => {
                a.name = "release-name".into();
                a.chart = chart.clone();
            }
            [name, chart] => {
                a.name = name.clone();
                a.chart = chart.clone();
            }
            [] => {
                return Err(Error::Chart(
                    "\"helm template\" requires at least 1 argument".into(),
                ));
            }
            more => {
                return Err(Error::Chart(format!(
                    "\"helm template\" accepts at most 2 arguments, received {}",
                    more.len()
                )));
            }
        }
        Ok(a)
    }
}

/// Helm's `MergeMaps`: `b` over `a`, maps merged key by key.
pub fn merge_maps(a: &Map, b: &Map) -> Map {
    let mut out = a.clone();
    for (k, v) in b {
        if let Value::Map(bm) = v
            && let Some(Value::Map(am)) = out.get(k)
        {
            let merged = merge_maps(&am.read(), &bm.read());
            out.insert(k.clone(), Value::map(merged));
            continue;
        }
        out.insert(k.clone(), v.clone());
    }
    out
}

/// The user values `helm template` composes from the flags; `read` reads a named file.
pub fn merge_values(
    a: &TemplateArgs,
    read: &dyn Fn(&str) -> Result<Vec<u8>, String>,
) -> Result<Map, Error> {
    let mut base = Map::new();
    for f in &a.values_files {
        let raw = read(f).map_err(Error::Chart)?;
        let text = String::from_utf8_lossy(&raw);
        let cur = match crate::yaml::from_yaml(&text)
            .map_err(|e| Error::Chart(format!("failed to parse {f}: {e}")))?
        {
            Value::Map(m) => m.to_map(),
            _ => Map::new(),
        };
        base = merge_maps(&base, &cur);
    }
    for v in &a.set_json {
        let t = v.trim();
        if t.starts_with('{') {
            match crate::yaml::from_json(t) {
                Ok(Value::Map(m)) => base = merge_maps(&base, &m.read()),
                _ => {
                    return Err(Error::Chart(format!(
                        "failed parsing --set-json data JSON: {v}"
                    )));
                }
            }
        } else if strvals::parse_into(v, &mut base, Kind::Json).is_err() {
            return Err(Error::Chart(format!("failed parsing --set-json data {v}")));
        }
    }
    for v in &a.set {
        strvals::parse_into(v, &mut base, Kind::Typed)
            .map_err(|e| Error::Chart(format!("failed parsing --set data: {e}")))?;
    }
    for v in &a.set_string {
        strvals::parse_into(v, &mut base, Kind::String)
            .map_err(|e| Error::Chart(format!("failed parsing --set-string data: {e}")))?;
    }
    for v in &a.set_file {
        let reader = |path: &str| -> Result<Value, String> {
            let b = read(path)?;
            Ok(Value::Str(String::from_utf8_lossy(&b).into_owned()))
        };
        strvals::parse_file_into(v, &mut base, &reader)
            .map_err(|e| Error::Chart(format!("failed parsing --set-file data: {e}")))?;
    }
    Ok(base)
}

/// `helm template ARGS...`: what it prints. `read` reads values files and `--set-file`
/// files; `load` loads the chart the arguments name.
pub fn template(
    args: &[String],
    read: &dyn Fn(&str) -> Result<Vec<u8>, String>,
    load: &dyn Fn(&str) -> Result<Chart, Error>,
) -> Result<String, Error> {
    let a = TemplateArgs::parse(args)?;
    let vals = merge_values(&a, read)?;
    let chart = load(&a.chart)?;
    let rel = Release {
        name: a.name,
        namespace: a.namespace,
    };
    crate::helm_template(&chart, &rel, &vals)
}
