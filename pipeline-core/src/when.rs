//! `when` expressions: evaluation after substitution.

use crate::model::{ParamValue, WhenExpression};
use crate::substitute::{Lookup, isolated, resolve, substitute};

/// The operators Tekton accepts.
pub const OPERATORS: [&str; 2] = ["in", "notin"];

/// A `when` expression after substitution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedWhen {
    /// Input.
    pub input: String,
    /// `in` or `notin`.
    pub operator: String,
    /// Values (array references spliced in).
    pub values: Vec<String>,
}

impl ResolvedWhen {
    /// True when the expression allows the task to run (exact, case-sensitive comparison).
    pub fn is_true(&self) -> bool {
        let found = self.values.contains(&self.input);
        if self.operator == "notin" {
            !found
        } else {
            found
        }
    }
}

/// Substitutes a `when` expression.
pub fn resolve_when(w: &WhenExpression, lookup: &dyn Lookup) -> ResolvedWhen {
    let input = match isolated(&w.input).and_then(|r| resolve(r.expr, lookup)) {
        Some(v @ ParamValue::Array(_)) => v.to_json().to_string(),
        _ => substitute(&w.input, lookup),
    };
    let mut values = Vec::with_capacity(w.values.len());
    for v in &w.values {
        if let Some(ParamValue::Array(a)) = isolated(v).and_then(|r| resolve(r.expr, lookup)) {
            values.extend(a);
        } else {
            values.push(substitute(v, lookup));
        }
    }
    ResolvedWhen {
        input,
        operator: w.operator.clone(),
        values,
    }
}

/// True when every expression allows execution (they are ANDed).
pub fn allows_execution(whens: &[WhenExpression], lookup: &dyn Lookup) -> bool {
    whens.iter().all(|w| resolve_when(w, lookup).is_true())
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
    use crate::substitute::MapLookup;

    #[test]
    fn evaluates() {
        let mut l = MapLookup::default();
        l.params
            .insert("b".into(), ParamValue::String("Main".into()));
        l.params.insert(
            "set".into(),
            ParamValue::Array(vec!["main".into(), "dev".into()]),
        );
        let w = |input: &str, op: &str, values: &[&str]| WhenExpression {
            input: input.into(),
            operator: op.into(),
            values: values.iter().map(|s| s.to_string()).collect(),
            cel: String::new(),
        };
        let cases = [
            (w("foo", "in", &["foo", "bar"]), true),
            (w("$(params.b)", "in", &["main"]), false),
            (w("$(params.b)", "notin", &["main"]), true),
            (w("dev", "in", &["$(params.set[*])"]), true),
            (w("prod", "in", &["$(params.set[*])"]), false),
        ];
        for (expr, want) in cases {
            assert_eq!(
                allows_execution(std::slice::from_ref(&expr), &l),
                want,
                "{expr:?}"
            );
        }
    }
}
