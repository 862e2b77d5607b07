//! Kubernetes and Go time text: RFC 3339 stamps (`metav1.Time`) and Go's
//! `time.Duration.String` (`1h0m0s`, `1.5s`, `500ms`).
//!
//! Pure arithmetic: no clock is read here; callers pass instants as Unix nanoseconds.

/// One second in nanoseconds.
pub const SECOND: i64 = 1_000_000_000;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days-from-civil).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01 (Hinnant's civil-from-days).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn digits(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parses an RFC 3339 stamp (`2006-01-02T15:04:05Z`, `2006-01-02T15:04:05.123+01:00`; `t`
/// and `z` accepted as Go does) into Unix nanoseconds. `None` when it is not one, or lies
/// outside the years 1678-2261 that fit in 64-bit nanoseconds.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let (date, rest) = s.split_once(['T', 't'])?;
    let mut d = date.splitn(3, '-');
    let (y, mo, da) = (d.next()?, d.next()?, d.next()?);
    if y.len() != 4 || mo.len() != 2 || da.len() != 2 {
        return None;
    }
    let (y, mo, da) = (digits(y)?, digits(mo)?, digits(da)?);
    let month_days = [
        31,
        28 + i64::from(is_leap(y)),
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let max_day = *month_days.get(usize::try_from(mo.checked_sub(1)?).ok()?)?;
    if !(1..=max_day).contains(&da) || !(1678..=2261).contains(&y) {
        return None;
    }
    // Clock, fraction, zone.
    let zone_at = rest.find(['Z', 'z', '+', '-'])?;
    let (clock, zone) = rest.split_at(zone_at);
    let (hms, frac) = match clock.split_once('.') {
        Some((hms, frac)) => (hms, Some(frac)),
        None => (clock, None),
    };
    let mut c = hms.splitn(3, ':');
    let (h, mi, se) = (c.next()?, c.next()?, c.next()?);
    if h.len() != 2 || mi.len() != 2 || se.len() != 2 {
        return None;
    }
    let (h, mi, se) = (digits(h)?, digits(mi)?, digits(se)?);
    if h > 23 || mi > 59 || se > 59 {
        return None;
    }
    let nanos = match frac {
        None => 0,
        Some(f) if (1..=9).contains(&f.len()) => {
            digits(f)? * 10i64.pow(9 - u32::try_from(f.len()).ok()?)
        }
        Some(_) => return None,
    };
    let offset = match zone {
        "Z" | "z" => 0,
        _ => {
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            let hm = zone.get(1..)?;
            let (oh, om) = hm.split_once(':')?;
            if oh.len() != 2 || om.len() != 2 {
                return None;
            }
            let (oh, om) = (digits(oh)?, digits(om)?);
            if oh > 23 || om > 59 {
                return None;
            }
            sign * (oh * 3600 + om * 60)
        }
    };
    let secs = days_from_civil(y, mo, da) * 86_400 + h * 3600 + mi * 60 + se - offset;
    secs.checked_mul(SECOND)?.checked_add(nanos)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// Unix seconds as RFC 3339 UTC, as `metav1.Time` serializes (`2026-12-03T14:05:00Z`).
pub fn format_rfc3339(unix_secs: i64) -> String {
    let (y, m, d) = civil_from_days(unix_secs.div_euclid(86_400));
    let s = unix_secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

/// Unix nanoseconds as RFC 3339 UTC with milliseconds (`2026-12-03T14:05:00.250Z`), as
/// `metav1.MicroTime`-style stamps carry sub-second time.
pub fn format_rfc3339_millis(unix_nanos: i64) -> String {
    let secs = unix_nanos.div_euclid(SECOND);
    let millis = unix_nanos.rem_euclid(SECOND) / 1_000_000;
    let whole = format_rfc3339(secs);
    let date_time = whole.strip_suffix('Z').unwrap_or(&whole);
    format!("{date_time}.{millis:03}Z")
}

/// `v / 10^prec` printed with its fraction, trailing zeros and a bare point dropped (Go's
/// `fmtFrac` followed by `fmtInt`).
fn with_fraction(v: u64, prec: u32) -> String {
    let unit = 10u64.pow(prec);
    let (whole, rest) = (v / unit, v % unit);
    if rest == 0 {
        return whole.to_string();
    }
    let width = prec as usize;
    let frac = format!("{rest:0width$}");
    format!("{whole}.{}", frac.trim_end_matches('0'))
}

/// A duration in nanoseconds as Go's `time.Duration.String` writes it: `0s`, `750ns`,
/// `1.5µs`, `12.345ms`, `1.5s`, `1m30s`, `1h0m0s`, `-5s`.
pub fn go_duration(nanos: i64) -> String {
    let neg = nanos < 0;
    let u = nanos.unsigned_abs();
    let body = if u == 0 {
        "0s".to_string()
    } else if u < 1_000 {
        format!("{u}ns")
    } else if u < 1_000_000 {
        format!("{}\u{b5}s", with_fraction(u, 3))
    } else if u < 1_000_000_000 {
        format!("{}ms", with_fraction(u, 6))
    } else {
        let secs = with_fraction(u % 60_000_000_000, 9);
        let minutes = u / 60_000_000_000;
        let (h, m) = (minutes / 60, minutes % 60);
        if h > 0 {
            format!("{h}h{m}m{secs}s")
        } else if m > 0 {
            format!("{m}m{secs}s")
        } else {
            format!("{secs}s")
        }
    };
    if neg { format!("-{body}") } else { body }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trips() {
        // `date -u -d 2026-12-03T14:05:00Z +%s` prints 1796306700.
        assert_eq!(
            parse_rfc3339("2026-12-03T14:05:00Z"),
            Some(1_796_306_700 * SECOND)
        );
        assert_eq!(format_rfc3339(1_796_306_700), "2026-12-03T14:05:00Z");
        // `date -u -d @951782400` is 2000-02-29 00:00:00 (a leap day).
        assert_eq!(format_rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(
            parse_rfc3339("2000-02-29T00:00:00Z"),
            Some(951_782_400 * SECOND)
        );
        assert_eq!(format_rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_rfc3339(-1), "1969-12-31T23:59:59Z");
        assert_eq!(
            parse_rfc3339("2026-12-03T15:05:00.25+01:00"),
            Some(1_796_306_700 * SECOND + 250_000_000)
        );
        assert_eq!(
            format_rfc3339_millis(1_796_306_700 * SECOND + 250_000_000),
            "2026-12-03T14:05:00.250Z"
        );
    }

    #[test]
    fn rfc3339_refuses_what_go_refuses() {
        for bad in [
            "",
            "2026-12-03",
            "2026-12-03T14:05Z",
            "2026-13-03T14:05:00Z",
            "2026-02-30T14:05:00Z",
            "2026-12-03T24:00:00Z",
            "2026-12-03T14:05:00",
            "2026-12-03T14:05:00.Z",
            "2026-12-03T14:05:00+0100",
            "99999-12-03T14:05:00Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn durations_as_go_prints_them() {
        // Expected strings from Go's time package tests (`durationTests` in time_test.go).
        for (nanos, want) in [
            (0, "0s"),
            (1, "1ns"),
            (1_100, "1.1\u{b5}s"),
            (2_200_000, "2.2ms"),
            (3_300_000_000, "3.3s"),
            (4 * 60 * SECOND + 5 * SECOND, "4m5s"),
            (4 * 60 * SECOND + 5_001_000_000, "4m5.001s"),
            (
                5 * 3600 * SECOND + 6 * 60 * SECOND + 7_001_000_000,
                "5h6m7.001s",
            ),
            (8 * 60 * SECOND + 1, "8m0.000000001s"),
            (i64::MAX, "2562047h47m16.854775807s"),
            (i64::MIN, "-2562047h47m16.854775808s"),
            (-SECOND, "-1s"),
            (3600 * SECOND, "1h0m0s"),
        ] {
            assert_eq!(go_duration(nanos), want, "{nanos}");
        }
    }
}
