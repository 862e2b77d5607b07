//! Go's builtin template functions that need more than a line: `index`, `slice`,
//! the comparisons, and the `html`/`js`/`urlquery` escapers.

use std::cmp::Ordering;

use crate::value::Value;

fn int_arg(v: &Value) -> Result<i64, String> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Nil => Err("cannot index slice/array with nil".into()),
        other => Err(format!(
            "cannot index slice/array with type {}",
            other.type_name()
        )),
    }
}

/// `index x 1 2`.
pub(crate) fn index(args: &[Value]) -> Result<Value, String> {
    let Some((first, idx)) = args.split_first() else {
        return Err("wrong number of args for index: want at least 1 got 0".into());
    };
    let mut cur = first.clone();
    for i in idx {
        cur = match &cur {
            Value::List(l) => {
                let n = int_arg(i)?;
                if n < 0 || n as usize >= l.len() {
                    return Err(format!("index out of range: {n}"));
                }
                l.get(n as usize).cloned().unwrap_or_default()
            }
            Value::Str(s) => {
                let n = int_arg(i)?;
                if n < 0 || n as usize >= s.len() {
                    return Err(format!("index out of range: {n}"));
                }
                Value::Int(s.as_bytes().get(n as usize).copied().unwrap_or(0) as i64)
            }
            Value::Map(m) => match i {
                Value::Str(k) => m.get(k).unwrap_or_default(),
                Value::Nil => return Err("value is nil; should be string".into()),
                other => {
                    return Err(format!(
                        "value has type {}; should be string",
                        other.type_name()
                    ));
                }
            },
            Value::Nil => return Err("index of untyped nil".into()),
            other => return Err(format!("can't index item of type {}", other.type_name())),
        };
    }
    Ok(cur)
}

/// `slice x 1 2`.
pub(crate) fn slice(args: &[Value]) -> Result<Value, String> {
    let Some((first, idx)) = args.split_first() else {
        return Err("wrong number of args for slice: want at least 1 got 0".into());
    };
    if idx.len() > 3 {
        return Err(format!("too many slice indexes: {}", idx.len()));
    }
    let len = match first {
        Value::List(l) => l.len(),
        Value::Str(s) => {
            if idx.len() == 3 {
                return Err("cannot 3-index slice a string".into());
            }
            s.len()
        }
        Value::Nil => return Err("slice of untyped nil".into()),
        other => return Err(format!("can't slice item of type {}", other.type_name())),
    };
    let mut ix = [0usize, len, len];
    for (k, v) in idx.iter().enumerate() {
        let n = int_arg(v)?;
        if n < 0 || n as usize > len {
            return Err(format!("index out of range: {n}"));
        }
        if let Some(slot) = ix.get_mut(k) {
            *slot = n as usize;
        }
    }
    if idx.len() < 2 {
        ix[1] = len;
    }
    if ix[0] > ix[1] {
        return Err(format!("invalid slice index: {} > {}", ix[0], ix[1]));
    }
    if idx.len() == 3 && ix[1] > ix[2] {
        return Err(format!("invalid slice index: {} > {}", ix[1], ix[2]));
    }
    match first {
        Value::List(l) => Ok(Value::List(l.get(ix[0]..ix[1]).unwrap_or(&[]).to_vec())),
        Value::Str(s) => Ok(Value::Str(
            String::from_utf8_lossy(s.as_bytes().get(ix[0]..ix[1]).unwrap_or(&[])).into_owned(),
        )),
        _ => Ok(Value::Nil),
    }
}

fn basic(v: &Value) -> Option<u8> {
    match v {
        Value::Bool(_) => Some(0),
        Value::Int(_) => Some(1),
        Value::Float(_) => Some(2),
        Value::Str(_) => Some(3),
        _ => None,
    }
}

fn eq_one(a: &Value, b: &Value) -> Result<bool, String> {
    match (basic(a), basic(b)) {
        (Some(x), Some(y)) if x == y => Ok(a == b),
        (Some(_), Some(_)) => Err(format!(
            "incompatible types for comparison: {} and {}",
            a.type_name(),
            b.type_name()
        )),
        (Some(_), None) | (None, Some(_)) => {
            if matches!(a, Value::Nil) || matches!(b, Value::Nil) {
                Ok(false)
            } else {
                Err(format!(
                    "incompatible types for comparison: {} and {}",
                    a.type_name(),
                    b.type_name()
                ))
            }
        }
        (None, None) => match (a, b) {
            (Value::Nil, Value::Nil) => Ok(true),
            (Value::Nil, _) | (_, Value::Nil) => Ok(false),
            _ => Err(format!(
                "non-comparable types {}: {}, {}: {}",
                a.to_go_string(),
                a.type_name(),
                b.type_name(),
                b.to_go_string()
            )),
        },
    }
}

fn lt_one(a: &Value, b: &Value) -> Result<bool, String> {
    let (Some(x), Some(y)) = (basic(a), basic(b)) else {
        return Err("invalid type for comparison".into());
    };
    if x != y {
        return Err(format!(
            "incompatible types for comparison: {} and {}",
            a.type_name(),
            b.type_name()
        ));
    }
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Ok(x < y),
        (Value::Float(x), Value::Float(y)) => Ok(x.partial_cmp(y) == Some(Ordering::Less)),
        (Value::Str(x), Value::Str(y)) => Ok(x < y),
        _ => Err("invalid type for comparison".into()),
    }
}

/// `eq ne lt le gt ge`.
pub(crate) fn compare(name: &str, args: &[Value]) -> Result<Value, String> {
    match name {
        "eq" => {
            let Some((a, rest)) = args.split_first() else {
                return Err("wrong number of args for eq: want at least 1 got 0".into());
            };
            if rest.is_empty() {
                return Err("missing argument for comparison".into());
            }
            for b in rest {
                if eq_one(a, b)? {
                    return Ok(Value::Bool(true));
                }
            }
            Ok(Value::Bool(false))
        }
        _ => {
            let [a, b] = args else {
                return Err(format!(
                    "wrong number of args for {name}: want 2 got {}",
                    args.len()
                ));
            };
            let r = match name {
                "ne" => !eq_one(a, b)?,
                "lt" => lt_one(a, b)?,
                "le" => lt_one(a, b)? || eq_one(a, b)?,
                "gt" => !(lt_one(a, b)? || eq_one(a, b)?),
                _ => !lt_one(a, b)?,
            };
            Ok(Value::Bool(r))
        }
    }
}

/// `html`: Go's `HTMLEscapeString`.
pub(crate) fn html_escape(s: &str) -> String {
    let mut o = String::new();
    for c in s.chars() {
        match c {
            '"' => o.push_str("&#34;"),
            '\'' => o.push_str("&#39;"),
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '\0' => o.push('\u{FFFD}'),
            c => o.push(c),
        }
    }
    o
}

/// `js`: Go's `JSEscapeString`.
pub(crate) fn js_escape(s: &str) -> String {
    let mut o = String::new();
    for c in s.chars() {
        match c {
            '\\' => o.push_str("\\\\"),
            '\'' => o.push_str("\\'"),
            '"' => o.push_str("\\\""),
            '<' => o.push_str("\\u003C"),
            '>' => o.push_str("\\u003E"),
            '&' => o.push_str("\\u0026"),
            '=' => o.push_str("\\u003D"),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\r"),
            '\t' => o.push_str("\\t"),
            c if (c as u32) < 0x20 => o.push_str(&format!("\\u{:04X}", c as u32)),
            c => o.push(c),
        }
    }
    o
}

/// `urlquery`: Go's `url.QueryEscape`.
pub(crate) fn query_escape(s: &str) -> String {
    let mut o = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                o.push(b as char)
            }
            b' ' => o.push('+'),
            b => o.push_str(&format!("%{b:02X}")),
        }
    }
    o
}

/// Go's `evalArgs` for the escapers: nil prints as `<no value>`.
pub(crate) fn eval_args(args: &[Value]) -> String {
    let printable: Vec<Value> = args
        .iter()
        .map(|a| {
            if matches!(a, Value::Nil) {
                Value::Str("<no value>".into())
            } else {
                a.clone()
            }
        })
        .collect();
    crate::fmt::sprint(&printable)
}
