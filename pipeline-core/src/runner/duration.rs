//! Go-style durations (`1h30m`, `90s`, `250ms`), as Tekton writes timeouts.

use std::time::Duration;

pub use crate::error::InvalidDuration;

/// Parses a Go duration (`time.ParseDuration`: decimal numbers with units `ns`, `us`, `µs`,
/// `μs`, `ms`, `s`, `m`, `h`, an optional leading `+`). `0` means zero (Tekton: no timeout).
/// Negative durations are refused (no timeout can be negative).
pub fn parse_duration(s: &str) -> Result<Duration, InvalidDuration> {
    parse(s).map_err(|unit| InvalidDuration {
        value: s.trim().trim_start_matches('+').to_string(),
        unit,
    })
}

/// `Err(Some(unit))` for an unknown unit, `Err(None)` for anything else wrong.
fn parse(s: &str) -> Result<Duration, Option<String>> {
    let s = s.trim();
    let s = s.strip_prefix('+').unwrap_or(s);
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    if s.is_empty() || s.len() > 64 {
        return Err(None);
    }
    let mut total = 0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (num, tail) = rest.split_at(num_end);
        let value: f64 = num.parse().map_err(|_| None)?;
        let unit_end = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_end);
        let scale = match unit {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1e-6,
            "ns" => 1e-9,
            _ => return Err(Some(unit.to_string())),
        };
        total += value * scale;
        rest = tail;
    }
    if !total.is_finite() || total > 1e12 {
        return Err(None);
    }
    Ok(Duration::from_secs_f64(total))
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

    #[test]
    fn go_durations() {
        let cases = [
            ("1h30m", 5400.0),
            ("90s", 90.0),
            ("250ms", 0.25),
            ("0", 0.0),
            ("1.5h", 5400.0),
            ("+5m", 300.0),
            (".5s", 0.5),
            ("1h0m0.5s", 3600.5),
            ("3\u{3bc}s", 3e-6),
        ];
        for (s, secs) in cases {
            assert_eq!(
                parse_duration(s).unwrap(),
                Duration::from_secs_f64(secs),
                "{s}"
            );
        }
        for bad in ["", "1x", "h", "--", "-5m", ".s", "1.5.5s", "5", "1 h"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
