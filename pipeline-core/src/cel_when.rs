//! CEL `when` expressions (`when: [{cel: "'$(params.branch)' == 'main'"}]`), behind Tekton's
//! `enable-cel-in-whenexpression` feature flag ([`crate::Limits::enable_cel_in_when`]).
//!
//! As Tekton's reconciler does, the expression is evaluated after `$(...)` substitution in an
//! empty environment (the CEL standard library, no variables) and must give a bool. Before
//! compiling, the text is bounded (length and bracket nesting); before evaluating, the work
//! the expression may do is bounded from its syntax (comprehensions multiply by their range's
//! size), so no expression runs away.

use cel::common::ast::{EntryExpr, Expr, IdedExpr, LiteralValue};

/// Longest CEL `when` expression, in bytes, after substitution.
pub const MAX_CEL_BYTES: usize = 4096;
/// Deepest bracket nesting accepted.
pub const MAX_CEL_NESTING: usize = 32;
/// Most evaluation steps (estimated from the syntax) an expression may take.
pub const MAX_CEL_COST: u128 = 1_000_000;

/// Compiles `source` as Tekton's webhook does (variables not substituted, so they must be
/// quoted): Err is the message after "invalid cel expression: ...".
pub fn check(source: &str) -> Result<(), CelError> {
    compile(source)
        .map(|_| ())
        .map_err(|message| CelError::new(source, message))
}

/// A CEL `when` expression that does not compile or evaluate: the expression and Tekton's
/// message (shown alone).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
#[non_exhaustive]
pub struct CelError {
    /// The expression (after substitution, for [`evaluate`]).
    pub expression: String,
    /// What went wrong.
    pub message: String,
}

impl CelError {
    fn new(expression: &str, message: String) -> CelError {
        CelError {
            expression: expression.to_string(),
            message,
        }
    }
}

fn compile(source: &str) -> Result<cel::Program, String> {
    if source.len() > MAX_CEL_BYTES {
        return Err(format!("longer than {MAX_CEL_BYTES} bytes"));
    }
    let (mut depth, mut max) = (0usize, 0usize);
    for c in source.chars() {
        match c {
            '(' | '[' | '{' => {
                depth += 1;
                max = max.max(depth);
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    if max > MAX_CEL_NESTING {
        return Err(format!("nested more than {MAX_CEL_NESTING} levels"));
    }
    cel::Program::compile(source).map_err(|e| e.to_string())
}

/// Evaluates a substituted CEL `when` expression: Ok(true) lets the task run. Err is
/// Tekton's message for a failed evaluation (compile error, runtime error, not a bool, or
/// over the cost bound).
pub fn evaluate(source: &str) -> Result<bool, CelError> {
    evaluate_inner(source).map_err(|message| CelError::new(source, message))
}

fn evaluate_inner(source: &str) -> Result<bool, String> {
    let program = compile(source)?;
    let limit = source.len() as u128 + 1;
    let cost = estimate(program.expression(), limit, 0).0;
    if cost > MAX_CEL_COST {
        return Err(format!(
            "the CEL expression {source} exceeds the cost limit: estimated {cost} steps, limit {MAX_CEL_COST}"
        ));
    }
    match program.execute(&cel::Context::default()) {
        Ok(cel::Value::Bool(b)) => Ok(b),
        Ok(_) => Err(format!(
            "The CEL expression {source} is not evaluated to a boolean"
        )),
        Err(e) => Err(e.to_string()),
    }
}

/// (cost, size bound) of `e`: size is an element count for lists and maps, a length for
/// strings, and `unknown` where the syntax does not tell.
fn estimate(e: &IdedExpr, unknown: u128, depth: usize) -> (u128, u128) {
    if depth > 4 * MAX_CEL_NESTING + 64 {
        return (u128::MAX, unknown);
    }
    let sub = |x: &IdedExpr| estimate(x, unknown, depth + 1);
    let sum = |xs: &mut dyn Iterator<Item = &IdedExpr>| {
        xs.map(&sub).fold((1u128, 0u128), |(c, s), (c2, s2)| {
            (c.saturating_add(c2), s.saturating_add(s2))
        })
    };
    match &e.expr {
        Expr::Unspecified | Expr::Ident(_) => (1, unknown),
        Expr::Literal(LiteralValue::String(s)) => (1, s.len() as u128),
        Expr::Literal(LiteralValue::Bytes(b)) => (1, b.len() as u128),
        Expr::Literal(_) => (1, 1),
        Expr::Select(s) => (sub(&s.operand).0.saturating_add(1), unknown),
        Expr::List(l) => {
            let (c, _) = sum(&mut l.elements.iter());
            (c, l.elements.len() as u128)
        }
        Expr::Map(m) => {
            let mut c = 1u128;
            for entry in &m.entries {
                if let EntryExpr::MapEntry(me) = &entry.expr {
                    c = c
                        .saturating_add(sub(&me.key).0)
                        .saturating_add(sub(&me.value).0);
                }
            }
            (c, m.entries.len() as u128)
        }
        Expr::Struct(s) => {
            let mut c = 1u128;
            for entry in &s.entries {
                if let EntryExpr::StructField(f) = &entry.expr {
                    c = c.saturating_add(sub(&f.value).0);
                }
            }
            (c, unknown)
        }
        Expr::Call(call) => {
            let mut it = call.target.iter().map(|t| &**t).chain(call.args.iter());
            let (c, s) = sum(&mut it);
            // Operations are linear in their operands (string concatenation, `in`, ...).
            let size = if call.func_name == "_+_" {
                s
            } else {
                unknown.max(s)
            };
            (c.saturating_add(s), size)
        }
        Expr::Comprehension(c) => {
            let (rc, rs) = sub(&c.iter_range);
            let body = sub(&c.loop_cond)
                .0
                .saturating_add(sub(&c.loop_step).0)
                .saturating_add(unknown);
            let cost = rc
                .saturating_add(sub(&c.accu_init).0)
                .saturating_add(rs.saturating_mul(body))
                .saturating_add(sub(&c.result).0);
            (cost, rs)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn tekton_examples_evaluate() {
        // tektoncd/pipeline examples/v1/pipelineruns/alpha/pipelinerun-with-cel-when-expressions.yaml
        assert_eq!(evaluate("'README.md' == 'README.md'"), Ok(true));
        assert_eq!(evaluate("'yes'=='missing'"), Ok(false));
        assert_eq!(evaluate("'README.md'.endsWith('.md')"), Ok(true));
        assert_eq!(evaluate("'a' in ['a', 'b']"), Ok(true));
        assert_eq!(
            evaluate("'a' + 'b'").map_err(|e| e.to_string()),
            Err("The CEL expression 'a' + 'b' is not evaluated to a boolean".into())
        );
        assert!(check("$(params.x) == 'a'").is_err());
        assert!(check("'$(params.x)' == 'a'").is_ok());
    }

    #[test]
    fn runaway_expressions_are_refused() {
        let nested = "[1,2,3,4,5,6,7,8,9,10].all(a, [1,2,3,4,5,6,7,8,9,10].all(b, [1,2,3,4,5,6,7,8,9,10].all(c, [1,2,3,4,5,6,7,8,9,10].all(d, [1,2,3,4,5,6,7,8,9,10].all(e, [1,2,3,4,5,6,7,8,9,10].all(f, true))))))";
        assert!(
            evaluate(nested)
                .unwrap_err()
                .message
                .contains("exceeds the cost limit")
        );
        assert!(
            evaluate(&"(".repeat(100))
                .unwrap_err()
                .message
                .contains("nested more than")
        );
        assert!(
            evaluate(&"'a' == 'a' && ".repeat(500))
                .unwrap_err()
                .message
                .contains("longer than")
        );
    }
}
