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
//! assert_eq!(t.execute("t", &Value::Map(data)).unwrap(), "a=1 b=2 ");
//! ```
//!
//! [`chart::template`] renders a [`Chart`] loaded from a file map as `helm template` prints it.

mod builtins;
pub mod chart;
mod exec;
pub mod fmt;
mod lex;
mod parse;
pub mod sprig;
mod value;
pub mod yaml;

pub use chart::{Chart, Release, template as helm_template};
pub use exec::{Func, Limits, MissingKey, Template};
pub use value::{Map, Object, Value, format_float_json, format_float_v};

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
    /// A bound (output size, depth) was exceeded.
    #[error("{0}")]
    Limit(String),
}
