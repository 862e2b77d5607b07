//! Go's number formatting: `strconv.FormatFloat(f, 'g', -1, 64)` (what `fmt`'s `%v` and the
//! YAML writers print) and `encoding/json`'s float64 form.
//!
//! ```
//! use kube_object::number::{go_format_g, go_json_float};
//!
//! assert_eq!(go_format_g(1e21), "1e+21");
//! assert_eq!(go_format_g(0.00001), "1e-05");
//! assert_eq!(go_format_g(1234567.5), "1.2345675e+06");
//! assert_eq!(go_json_float(1e21), "1e+21");
//! assert_eq!(go_json_float(0.0000001), "1e-7");
//! assert_eq!(go_json_float(100.0), "100");
//! ```

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)`: the shortest text that reads back as `f`,
/// in exponent form when the decimal exponent is below -4 or at least 6; `NaN`, `+Inf`
/// and `-Inf` as Go prints them.
pub fn go_format_g(f: f64) -> String {
    let mut out = String::new();
    if f.is_finite() {
        go_format_g_into(f, &mut out);
    } else {
        out.push_str(non_finite(f));
    }
    out
}

fn non_finite(f: f64) -> &'static str {
    if f.is_nan() {
        "NaN"
    } else if f > 0.0 {
        "+Inf"
    } else {
        "-Inf"
    }
}

/// The text Go's `encoding/json` writes for a float64: `strconv`'s `'f'` form between 1e-6
/// and 1e21, otherwise the `'e'` form with a one-digit exponent kept short (`1e-7`, `1e+21`).
/// JSON has no form for NaN and the infinities (Go's encoder fails); they come out `null`.
pub fn go_json_float(f: f64) -> String {
    let mut out = String::new();
    go_json_float_into(f, &mut out);
    out
}

/// [`go_json_float`], appending to `out`.
pub fn go_json_float_into(f: f64, out: &mut String) {
    use std::fmt::Write as _;
    if !f.is_finite() {
        out.push_str("null");
        return;
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let s = format!("{f:e}");
        // Rust writes 1e21 and 1.5e-7; Go's encoder writes 1e+21 and 1.5e-7.
        match s.split_once('e') {
            Some((mant, exp)) if !exp.starts_with('-') => {
                out.push_str(mant);
                out.push_str("e+");
                out.push_str(exp);
            }
            _ => out.push_str(&s),
        }
    } else {
        let _ = write!(out, "{f}");
    }
}

/// Shortest round-trip decimal digits of `|f|` and the decimal exponent of the first digit.
pub(crate) fn shortest_digits(f: f64) -> (String, i32) {
    if f == 0.0 {
        return ("0".to_string(), 0);
    }
    let sci = format!("{:e}", f.abs());
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    (
        mant.chars().filter(char::is_ascii_digit).collect(),
        exp.parse().unwrap_or(0),
    )
}

/// Appends Go's `strconv.FormatFloat(f, 'g', -1, 64)` of a finite `f` to `out`.
pub fn go_format_g_into(f: f64, out: &mut String) {
    if f == 0.0 {
        out.push_str(if f.is_sign_negative() { "-0" } else { "0" });
        return;
    }
    let (digits, exp) = shortest_digits(f);
    let nd = i32::try_from(digits.len()).unwrap_or(i32::MAX);
    if f < 0.0 {
        out.push('-');
    }
    if !(-4..6).contains(&exp) {
        let mut chars = digits.chars();
        if let Some(first) = chars.next() {
            out.push(first);
        }
        let rest: String = chars.collect();
        if !rest.is_empty() {
            out.push('.');
            out.push_str(&rest);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let e = exp.unsigned_abs();
        if e < 10 {
            out.push('0');
        }
        out.push_str(&e.to_string());
        return;
    }
    // Fixed notation: decimal point after `exp + 1` digits.
    let dp = exp + 1;
    if dp <= 0 {
        out.push_str("0.");
        for _ in 0..(-dp) {
            out.push('0');
        }
        out.push_str(&digits);
    } else if dp >= nd {
        out.push_str(&digits);
        for _ in 0..(dp - nd) {
            out.push('0');
        }
    } else {
        let split = usize::try_from(dp).unwrap_or(0);
        out.push_str(digits.get(..split).unwrap_or(""));
        out.push('.');
        out.push_str(digits.get(split..).unwrap_or(""));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_g_as_go() {
        // Outputs of Go's strconv.FormatFloat(f, 'g', -1, 64).
        let cases: &[(f64, &str)] = &[
            (0.0, "0"),
            (-0.0, "-0"),
            (1.0, "1"),
            (0.5, "0.5"),
            (100000.0, "100000"),
            (1000000.0, "1e+06"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (123456789.0, "1.23456789e+08"),
            (-2.5e-10, "-2.5e-10"),
            (1e100, "1e+100"),
            (f64::INFINITY, "+Inf"),
            (f64::NAN, "NaN"),
        ];
        for (f, want) in cases {
            assert_eq!(go_format_g(*f), *want, "{f}");
        }
    }

    #[test]
    fn json_float_as_go() {
        // Outputs of Go's json.Marshal(float64).
        let cases: &[(f64, &str)] = &[
            (0.0, "0"),
            (1.0, "1"),
            (1.5, "1.5"),
            (1e20, "100000000000000000000"),
            (1e21, "1e+21"),
            (0.000001, "0.000001"),
            (0.0000001, "1e-7"),
            (-1.25e-8, "-1.25e-8"),
            (f64::NAN, "null"),
        ];
        for (f, want) in cases {
            assert_eq!(go_json_float(*f), *want, "{f}");
        }
    }
}
