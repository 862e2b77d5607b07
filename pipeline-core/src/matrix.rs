//! Matrix fan-out: the combinations of a `matrix` (its `params` and `include`), in Tekton's
//! order (the first parameter varies fastest), and their count.
//!
//! ```
//! use pipeline_core::{Matrix, Param, ParamValue};
//! let m = Matrix {
//!     params: vec![
//!         Param { name: "os".into(), value: ParamValue::Array(vec!["linux".into(), "mac".into()]) },
//!         Param { name: "go".into(), value: ParamValue::Array(vec!["1.21".into(), "1.22".into()]) },
//!     ],
//!     include: vec![],
//! };
//! let c = pipeline_core::matrix::fan_out(&m);
//! assert_eq!(c.len(), 4);
//! assert_eq!(c[1], vec![("go".to_string(), "1.21".to_string()), ("os".to_string(), "mac".to_string())]);
//! ```

use std::collections::BTreeMap;

use crate::model::{Matrix, ParamValue};

/// One combination: parameter name → string value, sorted by name.
pub type Combination = Vec<(String, String)>;

/// Tekton's default limit on the number of combinations of one matrix (see
/// [`Limits::max_matrix_combinations`](crate::Limits::max_matrix_combinations)).
pub const DEFAULT_MAX_COMBINATIONS: usize = crate::limits::DEFAULT_MAX_MATRIX_COMBINATIONS;

fn include_combinations(m: &Matrix) -> Vec<BTreeMap<String, String>> {
    m.include
        .iter()
        .map(|inc| {
            inc.params
                .iter()
                .map(|p| {
                    (
                        p.name.clone(),
                        p.value.as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .collect()
}

fn values(v: &ParamValue) -> Vec<String> {
    match v {
        ParamValue::Array(a) => a.clone(),
        ParamValue::String(s) => vec![s.clone()],
        ParamValue::Object(o) => o.values().cloned().collect(),
    }
}

/// The combinations of a matrix whose parameters are already resolved to arrays. Builds
/// every one: check [`count`] first (or use [`fan_out_capped`]) on input you do not trust.
pub fn fan_out(m: &Matrix) -> Vec<Combination> {
    let includes = include_combinations(m);
    if m.params.is_empty() {
        return includes
            .into_iter()
            .map(|c| c.into_iter().collect())
            .collect();
    }
    let mut combos: Vec<BTreeMap<String, String>> = Vec::new();
    for (i, p) in m.params.iter().enumerate() {
        let vals = values(&p.value);
        if i == 0 {
            combos = vals
                .into_iter()
                .map(|v| BTreeMap::from([(p.name.clone(), v)]))
                .collect();
            continue;
        }
        let mut next = Vec::with_capacity(combos.len() * vals.len());
        for v in &vals {
            for c in &combos {
                let mut c = c.clone();
                c.insert(p.name.clone(), v.clone());
                next.push(c);
            }
        }
        combos = next;
    }
    // Overwrite: an include whose shared keys all match a combination adds its other params.
    for c in combos.iter_mut() {
        for inc in &includes {
            if inc.iter().all(|(k, v)| c.get(k).is_none_or(|cv| cv == v)) {
                for (k, v) in inc {
                    c.insert(k.clone(), v.clone());
                }
            }
        }
    }
    // Add: an include none of whose (key, value) pairs appears in any combination.
    for inc in includes {
        if inc.is_empty() {
            continue;
        }
        let seen = combos
            .iter()
            .any(|c| inc.iter().any(|(k, v)| c.get(k) == Some(v)));
        if !seen {
            combos.push(inc);
        }
    }
    combos
        .into_iter()
        .map(|c| c.into_iter().collect())
        .collect()
}

/// The number of values a matrix parameter fans out over.
fn len_of(v: &ParamValue) -> usize {
    match v {
        ParamValue::Array(a) => a.len(),
        ParamValue::String(_) => 1,
        ParamValue::Object(o) => o.len(),
    }
}

fn contains(v: &ParamValue, s: Option<&str>) -> bool {
    match v {
        ParamValue::Array(a) => a.iter().any(|x| Some(x.as_str()) == s),
        ParamValue::String(x) => Some(x.as_str()) == s,
        ParamValue::Object(o) => o.values().any(|x| Some(x.as_str()) == s),
    }
}

/// The number of combinations, counted as Tekton counts them (`CountCombinations`), without
/// building any: the product of the parameters' lengths (empty arrays left out), plus the
/// `include` entries that add a combination. Checked arithmetic; saturates at `usize::MAX`.
pub fn count(m: &Matrix) -> usize {
    let from_params = if m.params.is_empty() {
        0
    } else {
        m.params
            .iter()
            .try_fold(1usize, |acc, p| match len_of(&p.value) {
                0 => Some(acc),
                n => acc.checked_mul(n),
            })
            .unwrap_or(usize::MAX)
    };
    let from_include = if m.include.is_empty() {
        0
    } else if m.params.is_empty() {
        m.include.len()
    } else {
        let arrays: BTreeMap<&str, &ParamValue> = m
            .params
            .iter()
            .map(|p| (p.name.as_str(), &p.value))
            .collect();
        let mut n = 0usize;
        for inc in &m.include {
            for p in &inc.params {
                if let Some(vals) = arrays.get(p.name.as_str()) {
                    if contains(vals, p.value.as_str()) {
                        break;
                    }
                    n = n.saturating_add(1);
                }
            }
        }
        n
    };
    from_params.saturating_add(from_include)
}

/// [`fan_out`] after checking [`count`] against `max`: `Err(count)` when over, before any
/// combination is built.
pub fn fan_out_capped(m: &Matrix, max: usize) -> Result<Vec<Combination>, usize> {
    match count(m) {
        n if n > max => Err(n),
        _ => Ok(fan_out(m)),
    }
}

/// True when a matrix parameter resolved to an empty array (the task is then skipped).
pub fn has_empty_array(m: &Matrix) -> bool {
    m.params
        .iter()
        .any(|p| matches!(&p.value, ParamValue::Array(a) if a.is_empty()))
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
    use crate::model::{IncludeParams, Param};

    fn arr(name: &str, n: usize) -> Param {
        Param {
            name: name.into(),
            value: ParamValue::Array((0..n).map(|i| i.to_string()).collect()),
        }
    }

    #[test]
    fn counts_without_building_and_saturates() {
        let m = Matrix {
            params: vec![arr("a", 3000), arr("b", 3000)],
            include: vec![IncludeParams {
                name: "new".into(),
                params: vec![Param {
                    name: "a".into(),
                    value: ParamValue::String("not-there".into()),
                }],
            }],
        };
        assert_eq!(count(&m), 9_000_001);
        assert_eq!(fan_out_capped(&m, 256), Err(9_000_001));
        // 2^70 combinations: the product overflows and saturates instead of wrapping.
        let m = Matrix {
            params: (0..70).map(|i| arr(&format!("p{i}"), 2)).collect(),
            include: Vec::new(),
        };
        assert_eq!(count(&m), usize::MAX);
        assert_eq!(fan_out_capped(&m, 256), Err(usize::MAX));
        let small = Matrix {
            params: vec![arr("a", 2), arr("b", 3)],
            include: Vec::new(),
        };
        assert_eq!(fan_out_capped(&small, 6).map(|c| c.len()), Ok(6));
    }
}
