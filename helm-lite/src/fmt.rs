//! Go's `fmt`: `Sprint`, `Sprintln`, `Sprintf` over [`Value`]s, and `strconv.Quote`.

use std::fmt::Write as _;

use crate::value::{Value, format_float_v, write_value};

/// Go's `strconv.Quote`.
pub fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\x0b' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn is_stringish(v: &Value) -> bool {
    matches!(v, Value::Str(_))
}

/// `fmt.Sprint`: spaces between operands when neither side is a string.
pub fn sprint(args: &[Value]) -> String {
    let mut out = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0
            && let Some(prev) = args.get(i - 1)
            && !is_stringish(a)
            && !is_stringish(prev)
        {
            out.push(' ');
        }
        write_value(&mut out, a, false);
    }
    out
}

/// `fmt.Sprintln`: always spaces, then a newline.
pub fn sprintln(args: &[Value]) -> String {
    let mut out = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        write_value(&mut out, a, false);
    }
    out.push('\n');
    out
}

struct Spec {
    minus: bool,
    plus: bool,
    zero: bool,
    space: bool,
    sharp: bool,
    width: Option<usize>,
    prec: Option<usize>,
}

fn pad(s: String, sp: &Spec) -> String {
    let Some(w) = sp.width else {
        return s;
    };
    let n = s.chars().count();
    if n >= w {
        return s;
    }
    let fill = w - n;
    if sp.minus {
        format!("{s}{}", " ".repeat(fill))
    } else if sp.zero {
        let (sign, rest) = if s.starts_with(['-', '+']) {
            s.split_at(1)
        } else {
            ("", s.as_str())
        };
        format!("{sign}{}{rest}", "0".repeat(fill))
    } else {
        format!("{}{s}", " ".repeat(fill))
    }
}

fn bad(verb: char, v: &Value) -> String {
    let mut s = String::new();
    write_value(&mut s, v, false);
    format!("%!{verb}({}={s})", v.type_name())
}

fn fmt_int(i: i64, verb: char, sp: &Spec) -> String {
    let mut s = match verb {
        'd' | 'v' => i.abs().to_string(),
        'x' => format!("{:x}", i.unsigned_abs()),
        'X' => format!("{:X}", i.unsigned_abs()),
        'o' => format!("{:o}", i.unsigned_abs()),
        'b' => format!("{:b}", i.unsigned_abs()),
        'c' => {
            return char::from_u32(i as u32)
                .map(String::from)
                .unwrap_or_default();
        }
        'q' => return format!("'{}'", char::from_u32(i as u32).unwrap_or('\u{fffd}')),
        _ => return bad(verb, &Value::Int(i)),
    };
    if let Some(p) = sp.prec {
        while s.len() < p {
            s.insert(0, '0');
        }
    }
    if sp.sharp {
        match verb {
            'x' => s.insert_str(0, "0x"),
            'X' => s.insert_str(0, "0X"),
            'o' => s.insert(0, '0'),
            _ => {}
        }
    }
    if i < 0 {
        s.insert(0, '-');
    } else if sp.plus {
        s.insert(0, '+');
    } else if sp.space {
        s.insert(0, ' ');
    }
    s
}

fn fmt_float(f: f64, verb: char, sp: &Spec) -> String {
    let mut s = match verb {
        'v' | 'g' if sp.prec.is_none() => format_float_v(f),
        'f' | 'F' => format!("{:.*}", sp.prec.unwrap_or(6), f),
        'e' => go_exp(format!("{:.*e}", sp.prec.unwrap_or(6), f)),
        'E' => go_exp(format!("{:.*e}", sp.prec.unwrap_or(6), f)).to_uppercase(),
        'g' => {
            let p = sp.prec.unwrap_or(6).max(1);
            let e = format!("{:.*e}", p - 1, f);
            let exp: i32 = e
                .split_once('e')
                .and_then(|(_, x)| x.parse().ok())
                .unwrap_or(0);
            if exp < -4 || exp >= p as i32 {
                let (m, _) = e.split_once('e').unwrap_or((&e, ""));
                let m = if m.contains('.') {
                    m.trim_end_matches('0').trim_end_matches('.')
                } else {
                    m
                };
                go_exp(format!("{m}e{exp}"))
            } else {
                let s = format!("{:.*}", (p as i32 - 1 - exp).max(0) as usize, f);
                if s.contains('.') {
                    s.trim_end_matches('0').trim_end_matches('.').to_string()
                } else {
                    s
                }
            }
        }
        _ => return bad(verb, &Value::Float(f)),
    };
    if sp.plus && !s.starts_with('-') {
        s.insert(0, '+');
    } else if sp.space && !s.starts_with('-') {
        s.insert(0, ' ');
    }
    s
}

fn go_exp(s: String) -> String {
    // Rust: 1.5e2 / 1.5e-2; Go: 1.5e+02 / 1.5e-02
    let Some((m, e)) = s.split_once('e') else {
        return s;
    };
    let (sign, digits) = match e.strip_prefix('-') {
        Some(d) => ('-', d),
        None => ('+', e),
    };
    format!("{m}e{sign}{digits:0>2}")
}

fn fmt_one(out: &mut String, verb: char, sp: &Spec, v: &Value) {
    let s = match (verb, v) {
        ('v', _) | ('s', Value::Str(_)) => {
            let mut s = String::new();
            match v {
                Value::Float(f) => s = fmt_float(*f, 'v', sp),
                Value::Int(i) => s = fmt_int(*i, 'd', sp),
                _ => write_value(&mut s, v, false),
            }
            if let (Some(p), Value::Str(_)) = (sp.prec, v) {
                s = s.chars().take(p).collect();
            }
            s
        }
        ('s', Value::Nil) => "%!s(<nil>)".into(),
        ('s', Value::List(_) | Value::Map(_) | Value::Bool(_)) => {
            let mut s = String::new();
            write_value(&mut s, v, false);
            if let Value::Bool(_) = v {
                s = bad('s', v);
            }
            s
        }
        ('s', Value::Int(i)) => format!("%!s(int={i})"),
        ('s', Value::Float(f)) => format!("%!s(float64={})", format_float_v(*f)),
        ('q', Value::Str(s))
            if sp.sharp && !s.contains('`') && !s.chars().any(|c| c.is_control()) =>
        {
            format!("`{s}`")
        }
        ('q', Value::Str(s)) => go_quote(s),
        ('q', Value::Int(i)) => fmt_int(*i, 'q', sp),
        ('x' | 'X', Value::Str(s)) => {
            let h = hex::encode(s.as_bytes());
            if verb == 'X' { h.to_uppercase() } else { h }
        }
        ('t', Value::Bool(b)) => b.to_string(),
        ('d' | 'x' | 'X' | 'o' | 'b' | 'c', Value::Int(i)) => fmt_int(*i, verb, sp),
        ('e' | 'E' | 'f' | 'F' | 'g' | 'G', Value::Float(f)) => fmt_float(*f, verb, sp),
        ('e' | 'E' | 'f' | 'F' | 'g' | 'G', Value::Int(i)) => bad(verb, &Value::Int(*i)),
        (_, Value::Nil) => format!("%!{verb}(<nil>)"),
        _ => bad(verb, v),
    };
    out.push_str(&pad(s, sp));
}

/// `fmt.Sprintf` for the verbs templates use: `%v %s %d %q %f %g %e %x %t %c %%`.
pub fn sprintf(format: &str, args: &[Value]) -> String {
    let mut out = String::new();
    let mut argi = 0;
    let mut it = format.chars().peekable();
    while let Some(c) = it.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut sp = Spec {
            minus: false,
            plus: false,
            zero: false,
            space: false,
            sharp: false,
            width: None,
            prec: None,
        };
        while let Some(&f) = it.peek() {
            match f {
                '-' => sp.minus = true,
                '+' => sp.plus = true,
                '0' => sp.zero = true,
                ' ' => sp.space = true,
                '#' => sp.sharp = true,
                _ => break,
            }
            it.next();
        }
        let num = |it: &mut std::iter::Peekable<std::str::Chars<'_>>,
                   argi: &mut usize|
         -> Option<usize> {
            if it.peek() == Some(&'*') {
                it.next();
                let v = args.get(*argi);
                *argi += 1;
                return match v {
                    Some(Value::Int(i)) => Some((*i).max(0) as usize),
                    _ => None,
                };
            }
            let mut n: Option<usize> = None;
            while let Some(&d) = it.peek() {
                if let Some(x) = d.to_digit(10) {
                    n = Some(
                        n.unwrap_or(0)
                            .saturating_mul(10)
                            .saturating_add(x as usize)
                            .min(1 << 20),
                    );
                    it.next();
                } else {
                    break;
                }
            }
            n
        };
        sp.width = num(&mut it, &mut argi);
        if it.peek() == Some(&'.') {
            it.next();
            sp.prec = Some(num(&mut it, &mut argi).unwrap_or(0));
        }
        let Some(verb) = it.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        match args.get(argi) {
            Some(v) => fmt_one(&mut out, verb, &sp, v),
            None => {
                let _ = write!(out, "%!{verb}(MISSING)");
            }
        }
        argi += 1;
    }
    if argi < args.len() {
        out.push_str("%!(EXTRA ");
        for (i, a) in args.iter().skip(argi).enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            let mut s = String::new();
            write_value(&mut s, a, false);
            let _ = write!(out, "{}={s}", a.type_name());
        }
        out.push(')');
    }
    out
}
