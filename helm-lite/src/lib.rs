//! Go's `text/template` in Rust, the base of a Helm chart renderer byte-identical to
//! `helm template`.
//!
//! The crate is a pure core: templates are parsed from strings and executed over
//! [`Value`]s; nothing here reads files or talks to a cluster.
//!
//! ```
//! use helm_lite::{Template, Value};
//!
//! let mut t = Template::new();
//! t.parse("t", r#"{{ range $k, $v := . }}{{ $k }}={{ $v }} {{ end }}"#).unwrap();
//! let mut data = helm_lite::Map::new();
//! data.insert("b".into(), Value::Int(2));
//! data.insert("a".into(), Value::Int(1));
//! assert_eq!(t.execute("t", &Value::map(data)).unwrap(), "a=1 b=2 ");
//! ```
//!
//! A chart, loaded from a map of its files, renders as `helm template NAME CHART` prints it:
//!
//! ```
//! use std::collections::BTreeMap;
//! use helm_lite::{Chart, Map, Release};
//!
//! let mut files = BTreeMap::new();
//! files.insert("Chart.yaml".to_string(), b"apiVersion: v2\nname: demo\nversion: 0.1.0\n".to_vec());
//! files.insert("values.yaml".to_string(), b"replicas: 2\n".to_vec());
//! files.insert(
//!     "templates/cm.yaml".to_string(),
//!     b"kind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  n: {{ .Values.replicas | quote }}\n".to_vec(),
//! );
//! let chart = Chart::from_files(&files).unwrap();
//! let rel = Release { name: "rel".into(), namespace: "default".into() };
//! let out = helm_lite::helm_template(&chart, &rel, &Map::new()).unwrap();
//! assert_eq!(out, "---\n# Source: demo/templates/cm.yaml\nkind: ConfigMap\nmetadata:\n  name: rel\ndata:\n  n: \"2\"\n");
//! ```
//!
//! What is here: Go's `text/template` (Go's own exec/parse tables are the conformance
//! vectors), Sprig's and Helm's most used functions, values coalescing, subcharts with
//! `condition`/`tags`/`alias` and `global`, `.Files`, `.Capabilities` (Kubernetes v1.37.0 as
//! Helm v4.3 defaults), install-order output with hooks last, and Helm's error wording.
//!
//! Maps are shared as Go shares them ([`MapRef`]): `set .Values.x "k" v` changes what every
//! later template of the chart sees, and copying a value costs a reference count.
//!
//! [`cli::template`] is `helm template` with its `-f`, `--set` family and `--namespace` flags.
//!
//! Chart directories load as Helm loads them, `.helmignore` applied ([`ignore`]).
//!
//! Packaged charts load with [`Chart::from_tgz`] (Helm's archive rules, `charts/*.tgz` subcharts).
//!
//! `values.schema.json` is checked before rendering as Helm checks it (each chart against its
//! coalesced values, failures worded as Helm prints them); `toToml`, `sha1sum`, `sha256sum`,
//! `adler32sum`, `b32enc`/`b32dec` give what Helm gives. `NOTES.txt` is rendered (a `fail` in
//! it stops the render) and left out of the output.
//!
//! Not yet:
//! dates (`now`, `date`, `dateInZone`, `toDate`, `duration` ...: the core has no clock, so
//! `now` would come through the caller), `genCA`/`genSignedCert`/`genPrivateKey`/
//! `genSelfSignedCert`, `htpasswd`, `bcrypt`, `encryptAES`/`decryptAES`, `derivePassword`
//! (they need randomness or key generation; they parse but fail when called, so bitnami's
//! nginx with its default `tls.enabled` fails here), `lookup` through an adapter (it gives
//! an empty map, as `helm template` does). Sprig's `rand*` functions are deterministic here,
//! where Helm's differ from run to run.

mod builtins;
pub mod chart;
pub mod cli;
mod exec;
pub mod fmt;
pub mod ignore;
mod lex;
mod parse;
mod regexp;
mod schema;
pub mod sprig;
pub mod strvals;
pub mod toml;
mod value;
pub mod yaml;

pub use chart::{Chart, Release, template as helm_template};
pub use exec::{Func, Limits, MissingKey, Template};
pub use value::{Map, MapRef, Object, Value, format_float_json, format_float_v};

/// What can go wrong parsing or running a template.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A parse error, worded as Go words it (`template: NAME:LINE: ...`).
    #[error("{0}")]
    Parse(String),
    /// An execution error, worded as Go words it (`template: NAME:LINE:COL: executing ...`).
    #[error("{0}")]
    Exec(String),
    /// A chart could not be loaded or its output split.
    #[error("{0}")]
    Chart(String),
    /// The values do not meet a chart's `values.schema.json`, worded as Helm words it
    /// (`values don't meet the specifications of the schema(s) in the following chart(s):`
    /// then each failing chart's name and its failures).
    #[error(
        "values don't meet the specifications of the schema(s) in the following chart(s):\n{0}"
    )]
    Schema(String),
    /// A bound (output size, depth) was exceeded.
    #[error("{0}")]
    Limit(String),
}
