//! `toToml`: a value written as Helm writes it, with the encoder of `BurntSushi/toml`
//! (keys sorted, plain values before tables, nested tables indented two spaces per level,
//! YAML numbers as floats: `port = 80.0`).

use crate::value::{Map, Value};

/// The TOML text of `v`, or the encoder's error text (Helm's `toToml` returns it as the
/// result, as Sprig-style functions do).
pub fn to_toml(v: &Value) -> String {
    let mut e = Encoder::default();
    let Value::Map(m) = v else {
        // A value that is not a table is written alone, as the encoder's element.
        return match e.element(v) {
            Ok(()) => e.out,
            Err(msg) => msg,
        };
    };
    match e.map(&[], &m.read()) {
        Ok(()) => e.out,
        Err(msg) => msg,
    }
}

#[derive(Default)]
struct Encoder {
    out: String,
}

/// Whether BurntSushi writes the value as a table (`[key]` or `[[key]]`).
fn is_table(v: &Value) -> bool {
    match v {
        Value::Map(_) => true,
        Value::List(l) => !l.is_empty() && l.iter().all(|x| matches!(x, Value::Map(_))),
        _ => false,
    }
}

/// A map's entries in BurntSushi's order: plain values first, then tables, each sorted.
fn ordered(m: &Map) -> Vec<(&String, &Value)> {
    let mut out: Vec<(&String, &Value)> = m.iter().filter(|(_, v)| !is_table(v)).collect();
    out.extend(m.iter().filter(|(_, v)| is_table(v)));
    out
}

fn bare(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn quoted(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\u{8}' => o.push_str("\\b"),
            '\t' => o.push_str("\\t"),
            '\n' => o.push_str("\\n"),
            '\u{c}' => o.push_str("\\f"),
            '\r' => o.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => o.push_str(&format!("\\u{:04x}", c as u32)),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

fn key_part(k: &str) -> String {
    if bare(k) { k.to_string() } else { quoted(k) }
}

fn key_path(key: &[&str]) -> String {
    key.iter()
        .map(|k| key_part(k))
        .collect::<Vec<_>>()
        .join(".")
}

fn float(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    // strconv.FormatFloat(f, 'g', -1, 64): the exponent form from 1e6 up and below 1e-4.
    let sci = format!("{f:e}");
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let s = if f != 0.0 && !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mant}e{sign}{:02}", exp.abs())
    } else {
        format!("{f}")
    };
    if s.contains(['.', 'e']) {
        s
    } else {
        format!("{s}.0")
    }
}

impl Encoder {
    fn newline(&mut self) {
        if !self.out.is_empty() {
            self.out.push('\n');
        }
    }

    fn indent(&mut self, key: &[&str]) {
        for _ in 1..key.len() {
            self.out.push_str("  ");
        }
    }

    fn map(&mut self, key: &[&str], m: &Map) -> Result<(), String> {
        for (k, v) in ordered(m) {
            if matches!(v, Value::Nil) {
                continue;
            }
            let mut path = key.to_vec();
            path.push(k);
            self.encode(&path, v)?;
        }
        Ok(())
    }

    fn encode(&mut self, key: &[&str], v: &Value) -> Result<(), String> {
        match v {
            Value::Map(m) => {
                if key.len() == 1 {
                    self.newline();
                }
                self.indent(key);
                self.out.push_str(&format!("[{}]", key_path(key)));
                self.newline();
                self.map(key, &m.read())
            }
            Value::List(l) if is_table(v) => {
                for item in l {
                    if let Value::Map(m) = item {
                        self.newline();
                        self.indent(key);
                        self.out.push_str(&format!("[[{}]]", key_path(key)));
                        self.newline();
                        self.map(key, &m.read())?;
                    }
                }
                Ok(())
            }
            _ => {
                self.indent(key);
                let last = key.last().copied().unwrap_or("");
                self.out.push_str(&key_part(last));
                self.out.push_str(" = ");
                self.element(v)?;
                self.newline();
                Ok(())
            }
        }
    }

    fn element(&mut self, v: &Value) -> Result<(), String> {
        match v {
            Value::Nil => return Err("toml: cannot encode a nil value".into()),
            Value::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => self.out.push_str(&i.to_string()),
            Value::Float(f) => self.out.push_str(&float(*f)),
            Value::Str(s) => self.out.push_str(&quoted(s)),
            Value::Object(o) => self.out.push_str(&quoted(&o.display())),
            Value::List(l) => {
                self.out.push('[');
                for (i, x) in l.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.element(x)?;
                }
                self.out.push(']');
            }
            Value::Map(m) => {
                let m = m.read();
                let all: Vec<(&String, &Value)> = ordered(&m)
                    .into_iter()
                    .filter(|(_, v)| !matches!(v, Value::Nil))
                    .collect();
                self.out.push('{');
                for (i, (k, x)) in all.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.out.push_str(&key_part(k));
                    self.out.push_str(" = ");
                    self.element(x)?;
                }
                self.out.push('}');
            }
        }
        Ok(())
    }
}
