//! Post-build variable substitution, as Flux's kustomize-controller does it.
//!
//! Two levels:
//! - [`envsubst`]: evaluates the `${...}` grammar over a string: `${var}`, `${var:=default}`
//!   (and `=`, `:-`, `:?`, `:+`, all of which fall back to the word when the value is empty),
//!   `$${escaped}` and `$$`, `${#var}`, `${var^}`/`${var^^}`/`${var,}`/`${var,,}`,
//!   `${var:offset[:length]}`, `${var/old/new}` (`//`, `/#`, `/%`), `${var#glob}` (`##`, `%`,
//!   `%%`). A bare `$var` is left alone. In strict mode a variable that is not set (and not
//!   behind a default operator) is an error.
//! - [`substitute_object`]: one rendered object. Skipped when it carries the label or
//!   annotation `kustomize.toolkit.fluxcd.io/substitute: disabled`, or when there are no
//!   variables and `always` is off. Otherwise the object is written as YAML, the text is
//!   substituted, and the result parsed back; so a value `"true"` (with its quotes) yields the
//!   string `true` while `true` yields a boolean, exactly as under Flux.
//!
//! ```
//! use gitops_core::substitute::{envsubst, Vars};
//! let vars = Vars::from([("env".to_string(), "prod".to_string())]);
//! assert_eq!(envsubst("${env}-${region:=eu}-$${kept}", &vars, true).unwrap(), "prod-eu-${kept}");
//! assert!(envsubst("${missing}", &vars, true).is_err());
//! ```

mod funcs;
mod parse;

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;

use crate::Error;
use crate::object::describe;

/// Effective substitution variables, name to value.
pub type Vars = BTreeMap<String, String>;

/// Label or annotation that switches substitution off for one object.
pub const SUBSTITUTE_KEY: &str = "kustomize.toolkit.fluxcd.io/substitute";

/// Largest template text accepted (bytes).
pub const MAX_INPUT: usize = 4 * 1024 * 1024;

/// Why a `${...}` expression could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SubstReason {
    /// Malformed expression.
    BadSubstitution {
        /// Byte offset (in the text after escapes collapsed).
        offset: usize,
    },
    /// `${name` not followed by an operator or `}`.
    MissingClosingBrace {
        /// Byte offset.
        offset: usize,
    },
    /// `${` not followed by a variable name.
    VariableName {
        /// Byte offset.
        offset: usize,
    },
    /// An operator argument could not be read.
    FuncSubstitution {
        /// Byte offset.
        offset: usize,
    },
    /// A default operator could not be read.
    DefaultFunction {
        /// Byte offset.
        offset: usize,
    },
    /// Strict mode: the variable is not set.
    VarNotSet {
        /// The variable.
        name: String,
    },
    /// A negative substring length.
    SubstringLength {
        /// The length given.
        length: i64,
    },
    /// Expressions nested too deeply.
    TooDeep {
        /// Byte offset.
        offset: usize,
        /// The limit.
        max: usize,
    },
    /// Input or result too large.
    TooLarge {
        /// The limit in bytes.
        max: usize,
    },
}

impl fmt::Display for SubstReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubstReason::BadSubstitution { offset } => {
                write!(f, "bad substitution at byte {offset}")
            }
            SubstReason::MissingClosingBrace { offset } => {
                write!(f, "missing closing brace at byte {offset}")
            }
            SubstReason::VariableName { offset } => {
                write!(f, "unable to parse variable name at byte {offset}")
            }
            SubstReason::FuncSubstitution { offset } => {
                write!(
                    f,
                    "unable to parse substitution within function at byte {offset}"
                )
            }
            SubstReason::DefaultFunction { offset } => {
                write!(f, "unable to parse default function at byte {offset}")
            }
            SubstReason::VarNotSet { name } => {
                write!(f, "variable not set (strict mode): {name:?}")
            }
            SubstReason::SubstringLength { length } => {
                write!(f, "substring length {length} is negative")
            }
            SubstReason::TooDeep { offset, max } => {
                write!(f, "expressions nested deeper than {max} at byte {offset}")
            }
            SubstReason::TooLarge { max } => write!(f, "text larger than {max} bytes"),
        }
    }
}

/// Evaluates the `${...}` expressions of `text` with `vars`.
///
/// Not strict: an unset variable reads as empty. Strict: an unset variable is an error unless
/// a default operator (`=`, `:=`, `:-`, ...) supplies the value.
pub fn envsubst(text: &str, vars: &Vars, strict: bool) -> Result<String, Error> {
    eval_str(text, vars, strict).map_err(|reason| Error::Substitute {
        object: "<text>".into(),
        reason,
    })
}

fn eval_str(text: &str, vars: &Vars, strict: bool) -> Result<String, SubstReason> {
    if text.len() > MAX_INPUT {
        return Err(SubstReason::TooLarge { max: MAX_INPUT });
    }
    let tree = parse::parse(text.as_bytes())?;
    let lookup = |name: &str| -> Option<String> {
        match vars.get(name) {
            Some(v) => Some(v.clone()),
            None if strict => None,
            None => Some(String::new()),
        }
    };
    let mut out = Vec::with_capacity(text.len());
    funcs::eval(&tree, &lookup, &mut out)?;
    Ok(match String::from_utf8(out) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// Options of [`substitute_object`] (Flux's `--feature-gates=StrictPostBuildSubstitutions`
/// and the `substitute: always` strategy).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SubstituteOptions {
    /// A variable without a default that is not set is an error.
    pub strict: bool,
    /// Substitute even when there are no variables (so that defaults apply).
    pub always: bool,
}

impl SubstituteOptions {
    /// A variable without a default that is not set is an error (default `false`).
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Substitute even when there are no variables (default `false`).
    pub fn always(mut self, always: bool) -> Self {
        self.always = always;
        self
    }
}

/// Whether `name` is a valid variable name (`^[_[:alpha:]][_[:alpha:][:digit:]]*$`, ASCII).
pub fn is_valid_var_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b) if b == b'_' || b.is_ascii_alphabetic())
        && bytes.all(|b| b == b'_' || b.is_ascii_alphanumeric())
}

/// Whether the object opts out of substitution (label or annotation `substitute: disabled`).
pub fn is_substitution_disabled(obj: &Value) -> bool {
    ["labels", "annotations"].iter().any(|field| {
        obj.pointer(&format!("/metadata/{field}"))
            .and_then(|m| m.get(SUBSTITUTE_KEY))
            .and_then(Value::as_str)
            == Some("disabled")
    })
}

/// Substitutes the variables of one rendered object (see the module docs for the rules).
///
/// Every variable name must be valid (checked before anything is substituted); the error
/// names the object.
pub fn substitute_object(
    obj: &Value,
    vars: &Vars,
    opts: SubstituteOptions,
) -> Result<Value, Error> {
    if is_substitution_disabled(obj) || (vars.is_empty() && !opts.always) {
        return Ok(obj.clone());
    }
    if let Some(bad) = vars.keys().find(|k| !is_valid_var_name(k)) {
        return Err(Error::InvalidVarName { name: bad.clone() });
    }
    let object = describe(obj);
    let text = kustomize_lite::yaml::emit_document(obj);
    let substituted = eval_str(&text, vars, opts.strict).map_err(|reason| Error::Substitute {
        object: object.clone(),
        reason,
    })?;
    let mut docs =
        kustomize_lite::yaml::parse_stream(&substituted, &object).map_err(|e| Error::Yaml {
            origin: format!("{object} after substitution"),
            message: e.to_string(),
        })?;
    match (docs.pop(), docs.is_empty()) {
        (Some(doc @ Value::Object(_)), true) => Ok(doc),
        _ => Err(Error::Yaml {
            origin: format!("{object} after substitution"),
            message: "substituted text is not exactly one object".into(),
        }),
    }
}

/// Substitutes every object; the first error stops.
pub fn substitute_all(
    objs: &[Value],
    vars: &Vars,
    opts: SubstituteOptions,
) -> Result<Vec<Value>, Error> {
    objs.iter()
        .map(|o| substitute_object(o, vars, opts))
        .collect()
}

/// Layers variable sources the way Flux does: each `substituteFrom` source in order (later
/// keys win), then the inline `substitute` map on top; newlines are removed from values.
pub fn layer_vars<'a>(
    from: impl IntoIterator<Item = &'a BTreeMap<String, String>>,
    inline: Option<&'a BTreeMap<String, String>>,
) -> Vars {
    let mut vars = Vars::new();
    for source in from.into_iter().chain(inline) {
        for (k, v) in source {
            vars.insert(k.clone(), v.replace('\n', ""));
        }
    }
    vars
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

    fn vars(pairs: &[(&str, &str)]) -> Vars {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn grammar_table() {
        let v = vars(&[
            ("var01", "abcdEFGH28ij"),
            ("up", "ABCDEFGH28IJ"),
            ("stringZ", "foo/bar/baz"),
            ("dot", "foo.bar"),
            ("filename", "bash.string.txt"),
            ("default_var", "foo"),
        ]);
        let cases: &[(&str, &str)] = &[
            ("${up,}", "aBCDEFGH28IJ"),
            ("${up,,}", "abcdefgh28ij"),
            ("${var01:2:3}", "cdE"),
            ("${stringZ/\\//-}", "foo-bar/baz"),
            ("${stringZ//\\//-}", "foo-bar-baz"),
            ("${dot/./}", "foobar"),
            ("${filename%.*}", "bash.string"),
            ("${filename%%.*}", "bash"),
            ("${filename##*.}", "txt"),
            ("${var=${var01^^}}", "ABCDEFGH28IJ"),
            ("$", "$"),
            ("a$b", "a$b"),
            ("${unset:-x}${unset:+y}", "xy"),
            ("x\0${var01}", "x"),
        ];
        for (input, want) in cases {
            assert_eq!(envsubst(input, &v, false).unwrap(), *want, "{input}");
        }
    }

    #[test]
    fn errors_table() {
        let v = vars(&[("a", "abc")]);
        let cases: &[(&str, &str)] = &[
            ("${", "unable to parse variable name"),
            ("${a", "missing closing brace"),
            ("${a-b}", "missing closing brace"),
            ("${a:=b", "unable to parse substitution within function"),
            ("${a^x}", "bad substitution"),
            ("${a:1:-1}", "negative"),
        ];
        for (input, want) in cases {
            let err = envsubst(input, &v, false).unwrap_err().to_string();
            assert!(err.contains(want), "{input}: {err}");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = "${a:=".repeat(1000) + &"}".repeat(1000);
        assert!(
            envsubst(&text, &Vars::new(), false)
                .unwrap_err()
                .to_string()
                .contains("nested")
        );
    }

    #[test]
    fn var_names() {
        for (name, ok) in [
            ("a", true),
            ("_a1", true),
            ("1a", false),
            ("my-var", false),
            ("", false),
            ("é", false),
        ] {
            assert_eq!(is_valid_var_name(name), ok, "{name}");
        }
    }

    #[test]
    fn layering_inline_wins_and_newlines_go() {
        let a = vars(&[("x", "1"), ("y", "a\nb")]);
        let inline = vars(&[("x", "2")]);
        let v = layer_vars([&a], Some(&inline));
        assert_eq!(v, vars(&[("x", "2"), ("y", "ab")]));
    }

    #[test]
    fn quoted_values_keep_their_type() {
        let obj: Value = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c"}, "data": {"a": "${q}", "b": "${p}"}});
        let out = substitute_object(
            &obj,
            &vars(&[("q", "\"true\""), ("p", "8080")]),
            SubstituteOptions::default(),
        )
        .unwrap();
        assert_eq!(out["data"]["a"], Value::String("true".into()));
        assert_eq!(out["data"]["b"], serde_json::json!(8080));
    }

    proptest::proptest! {
        #[test]
        fn text_without_dollar_is_identity(s in "[^$\\x00]{0,64}") {
            proptest::prop_assert_eq!(envsubst(&s, &Vars::new(), true).unwrap(), s);
        }

        #[test]
        fn never_panics(s in "\\PC{0,64}") {
            let _ = envsubst(&s, &vars(&[("a", "xyz")]), false);
            let _ = envsubst(&s, &vars(&[("a", "xyz")]), true);
        }
    }
}
