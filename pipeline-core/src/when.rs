//! `when` expressions: evaluation after substitution.

use crate::model::{ParamValue, WhenExpression};
use crate::substitute::{Budget, Lookup, Overflow, resolve_value_within, substitute_list_within};

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

/// Substitutes a `when` expression. The output is not bounded: for input you do not trust
/// use [`resolve_when_within`].
pub fn resolve_when(w: &WhenExpression, lookup: &dyn Lookup) -> ResolvedWhen {
    resolve_when_within(w, lookup, &mut Budget::unlimited()).unwrap_or_else(|_| ResolvedWhen {
        input: w.input.clone(),
        operator: w.operator.clone(),
        values: w.values.clone(),
    })
}

/// Substitutes a `when` expression within a budget (see
/// [`substitute_within`](crate::substitute::substitute_within)).
pub fn resolve_when_within(
    w: &WhenExpression,
    lookup: &dyn Lookup,
    budget: &mut Budget,
) -> Result<ResolvedWhen, Overflow> {
    // An isolated reference to an array is compared as the array's JSON text; to an object,
    // it stays as written (as `substitute` leaves it).
    let input = match resolve_value_within(&ParamValue::String(w.input.clone()), lookup, budget)? {
        ParamValue::String(s) => s,
        v @ ParamValue::Array(_) => v.to_json().to_string(),
        ParamValue::Object(_) => w.input.clone(),
    };
    let values = substitute_list_within(&w.values, lookup, budget)?;
    Ok(ResolvedWhen {
        input,
        operator: w.operator.clone(),
        values,
    })
}

/// True when every expression allows execution (they are ANDed). Not bounded: see
/// [`allows_execution_within`].
pub fn allows_execution(whens: &[WhenExpression], lookup: &dyn Lookup) -> bool {
    whens.iter().all(|w| resolve_when(w, lookup).is_true())
}

/// [`allows_execution`] within a budget shared by the expressions; on overflow, the index of
/// the expression that went over.
pub fn allows_execution_within(
    whens: &[WhenExpression],
    lookup: &dyn Lookup,
    budget: &mut Budget,
) -> Result<bool, (usize, Overflow)> {
    for (i, w) in whens.iter().enumerate() {
        if !resolve_when_within(w, lookup, budget)
            .map_err(|o| (i, o))?
            .is_true()
        {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Why `when` expressions could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WhenError {
    /// Expression `.0` went over the substitution budget.
    Overflow(usize, Overflow),
    /// A CEL expression failed to evaluate (Tekton fails the run `CELEvaluationFailed`).
    Cel(crate::cel_when::CelError),
}

/// [`allows_execution_within`] with CEL expressions (`cel:`) evaluated after substitution
/// ([`crate::cel_when::evaluate`]); every expression must allow execution.
pub fn allows_execution_with_cel(
    whens: &[WhenExpression],
    lookup: &dyn Lookup,
    budget: &mut Budget,
) -> Result<bool, WhenError> {
    for (i, w) in whens.iter().enumerate() {
        let allows = if w.cel.is_empty() {
            resolve_when_within(w, lookup, budget)
                .map_err(|o| WhenError::Overflow(i, o))?
                .is_true()
        } else {
            let source = crate::substitute::substitute_within(&w.cel, lookup, budget)
                .map_err(|o| WhenError::Overflow(i, o))?;
            crate::cel_when::evaluate(&source).map_err(WhenError::Cel)?
        };
        if !allows {
            return Ok(false);
        }
    }
    Ok(true)
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
