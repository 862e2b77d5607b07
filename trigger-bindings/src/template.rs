//! TriggerTemplate rendering: `$(tt.params.x)` and `$(uid)` replaced textually in each
//! resource template's compact JSON, as Tekton does, then the result parsed back.
//!
//! Escaping follows Tekton: a param value is inserted as is (string values from bindings
//! are already JSON-escaped, so quotes and newlines stay valid inside JSON strings), `$(`
//! in a value becomes `$$(` so it cannot be read as a variable later, and the
//! `triggers.tekton.dev/old-escape-quotes` annotation restores the old `"` -> `\"` rule.

use crate::model::{ParamSpec, TriggerTemplate, TriggerTemplateSpec};
use serde_json::Value;
use std::collections::BTreeMap;

/// The annotation that keeps Tekton's old quote escaping.
pub const OLD_ESCAPE_ANNOTATION: &str = "triggers.tekton.dev/old-escape-quotes";

/// A TriggerTemplate ready to render.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    name: String,
    params: Vec<ParamSpec>,
    old_escape: bool,
    texts: Vec<String>,
}

impl Template {
    /// From a `TriggerTemplate` object (its annotations are honoured).
    pub fn from_object(t: &TriggerTemplate) -> Template {
        let mut tpl = Template::from_spec(&t.metadata.name, &t.spec);
        tpl.old_escape = t.metadata.annotations.contains_key(OLD_ESCAPE_ANNOTATION);
        tpl
    }

    /// From an inline spec.
    pub fn from_spec(name: &str, spec: &TriggerTemplateSpec) -> Template {
        Template {
            name: name.to_string(),
            params: spec.params.clone(),
            old_escape: false,
            texts: spec
                .resourcetemplates
                .iter()
                .map(|v| v.to_string())
                .collect(),
        }
    }

    /// From raw JSON texts (the bytes a Kubernetes API server would hold), which may be
    /// invalid JSON until params are substituted.
    pub fn from_raw(
        name: &str,
        params: Vec<ParamSpec>,
        old_escape: bool,
        texts: Vec<String>,
    ) -> Template {
        Template {
            name: name.to_string(),
            params,
            old_escape,
            texts,
        }
    }

    /// The template's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Declared params.
    pub fn params(&self) -> &[ParamSpec] {
        &self.params
    }

    /// Renders every resource template with `params` and `uid`. On failure returns the
    /// index of the resource template and the message.
    pub fn render(
        &self,
        params: &BTreeMap<String, String>,
        uid: &str,
    ) -> Result<Vec<Value>, (usize, String)> {
        let mut out = Vec::with_capacity(self.texts.len());
        let mut buf = String::new();
        for (i, text) in self.texts.iter().enumerate() {
            buf.clear();
            self.substitute(text, params, uid, &mut buf);
            match serde_json::from_str::<Value>(&buf) {
                Ok(v) => out.push(v),
                Err(e) => {
                    return Err((
                        i,
                        format!("couldn't unmarshal json from the TriggerTemplate: {e}"),
                    ));
                }
            }
        }
        Ok(out)
    }

    /// Substitutes params and uid into one text (single pass: inserted values are never
    /// scanned again).
    pub fn substitute(
        &self,
        text: &str,
        params: &BTreeMap<String, String>,
        uid: &str,
        out: &mut String,
    ) {
        let mut rest = text;
        while let Some(at) = rest.find("$(") {
            out.push_str(rest.get(..at).unwrap_or_default());
            let after = rest.get(at + 2..).unwrap_or_default();
            if let Some(tail) = after.strip_prefix("tt.params.") {
                if let Some(end) = tail.find(')') {
                    let name = tail.get(..end).unwrap_or_default();
                    if let Some(value) = params.get(name) {
                        self.push_value(value, out);
                        rest = tail.get(end + 1..).unwrap_or_default();
                        continue;
                    }
                }
            } else if let Some(tail) = after.strip_prefix("uid)") {
                out.push_str(uid);
                rest = tail;
                continue;
            }
            out.push_str("$(");
            rest = after;
        }
        out.push_str(rest);
    }

    fn push_value(&self, value: &str, out: &mut String) {
        if !self.old_escape && !value.contains("$(") {
            out.push_str(value);
            return;
        }
        let v = if self.old_escape {
            value.replace('"', "\\\"")
        } else {
            value.to_string()
        };
        out.push_str(&v.replace("$(", "$$("));
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )]
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn substitution_table() {
        type Row<'a> = (&'a str, &'a [(&'a str, &'a str)], bool, &'a str);
        let rows: &[Row<'_>] = &[
            (
                "{\"a\":\"$(tt.params.x)-$(tt.params.y)\"}",
                &[("x", "1"), ("y", "2")],
                false,
                "{\"a\":\"1-2\"}",
            ),
            (
                "{\"a\":\"$(tt.params.missing)\"}",
                &[],
                false,
                "{\"a\":\"$(tt.params.missing)\"}",
            ),
            ("{\"a\":\"$(uid)\"}", &[], false, "{\"a\":\"U\"}"),
            (
                "{\"a\":\"$(tt.params.x)\"}",
                &[("x", "$(tt.params.y)")],
                false,
                "{\"a\":\"$$(tt.params.y)\"}",
            ),
            (
                "{\"a\":\"$(tt.params.x)\"}",
                &[("x", "{\"k\":1}")],
                true,
                "{\"a\":\"{\\\"k\\\":1}\"}",
            ),
            (
                "{\"a\":$(tt.params.x)}",
                &[("x", "{\"k\":1}")],
                false,
                "{\"a\":{\"k\":1}}",
            ),
            ("$(", &[], false, "$("),
        ];
        for (text, ps, old, want) in rows {
            let t = Template::from_raw("t", vec![], *old, vec![]);
            let mut out = String::new();
            t.substitute(text, &params(ps), "U", &mut out);
            assert_eq!(&out, want, "{text}");
        }
    }

    #[test]
    fn invalid_output_is_an_error() {
        let t = Template::from_raw(
            "t",
            vec![],
            false,
            vec!["{\"foo\": \"$(tt.params.p)\"}".into()],
        );
        let e = t
            .render(&params(&[("p", "{\"a\":\"b\"}")]), "u")
            .unwrap_err();
        assert_eq!(e.0, 0);
        assert!(e.1.contains("couldn't unmarshal json from the TriggerTemplate"));
    }
}
