//! The value type templates run over, and Go's `fmt` printing of it.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// A map as Go templates see `map[string]interface{}`: keys in sorted order.
pub type Map = BTreeMap<String, Value>;

/// A shared map, as Go's maps are references: a clone is the same map, so `set` through
/// `.Values.x` changes what every holder sees, and copying a value costs a reference count.
#[derive(Clone, Default)]
pub struct MapRef(Arc<RwLock<Map>>);

impl MapRef {
    /// Wraps a map.
    pub fn new(m: Map) -> Self {
        MapRef(Arc::new(RwLock::new(m)))
    }

    /// Reads the map.
    pub fn read(&self) -> RwLockReadGuard<'_, Map> {
        self.0.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Changes the map in place (every holder sees the change).
    pub fn write(&self) -> RwLockWriteGuard<'_, Map> {
        self.0.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// The value under `key`, a shallow copy (maps inside stay shared).
    pub fn get(&self, key: &str) -> Option<Value> {
        self.read().get(key).cloned()
    }

    /// Whether both are the same map.
    pub fn ptr_eq(&self, other: &MapRef) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// A shallow copy of the entries (maps inside stay shared).
    pub fn to_map(&self) -> Map {
        self.read().clone()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.read().len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.read().is_empty()
    }

    /// Whether `needle` is this map or is reachable from it (a `set` that would make a cycle).
    pub(crate) fn reaches(&self, needle: &MapRef) -> bool {
        if self.ptr_eq(needle) {
            return true;
        }
        self.read().values().any(|v| v.reaches(needle))
    }
}

impl From<Map> for MapRef {
    fn from(m: Map) -> Self {
        MapRef::new(m)
    }
}

/// A value with methods, as Helm's `.Files` and `.Capabilities.APIVersions`.
pub trait Object: Send + Sync {
    /// The Go type name shown in errors (`chart.Files`).
    fn type_name(&self) -> &str;
    /// A field (or method without arguments) by name.
    fn field(&self, name: &str) -> Option<Value>;
    /// A method call by name, `None` when there is no such method.
    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>>;
    /// How `fmt` prints it.
    fn display(&self) -> String;
    /// Key/value pairs when `range` iterates over it (a map type), in key order.
    fn entries(&self) -> Option<Vec<(String, Value)>> {
        None
    }
    /// The bytes of a Go string that is not valid UTF-8 (a binary file's `.Files.Get`),
    /// which `b64enc` and the checksum functions take as they are.
    fn bytes(&self) -> Option<&[u8]> {
        None
    }
}

/// A Go string holding bytes that are not UTF-8: printed with replacement characters,
/// encoded and hashed as the bytes themselves (`.Files.Get "crds.bz2" | b64enc`).
pub(crate) struct RawBytes(pub(crate) Vec<u8>);

impl Object for RawBytes {
    fn type_name(&self) -> &str {
        "string"
    }
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }
    fn call(&self, _name: &str, _args: &[Value]) -> Option<Result<Value, String>> {
        None
    }
    fn display(&self) -> String {
        String::from_utf8_lossy(&self.0).into_owned()
    }
    fn bytes(&self) -> Option<&[u8]> {
        Some(&self.0)
    }
}

impl Value {
    /// A Go string of these bytes: a `Str` when they are UTF-8, else raw bytes.
    pub(crate) fn from_bytes(b: &[u8]) -> Value {
        match std::str::from_utf8(b) {
            Ok(s) => Value::Str(s.to_string()),
            Err(_) => Value::Object(Arc::new(RawBytes(b.to_vec()))),
        }
    }
}

/// A template value: what YAML values, template literals and functions produce.
#[derive(Clone, Default)]
pub enum Value {
    /// `nil`.
    #[default]
    Nil,
    /// A boolean.
    Bool(bool),
    /// A Go `int` (template literals, `len`, Sprig's integer results).
    Int(i64),
    /// A Go `float64` (numbers read from YAML or JSON, as Helm reads them).
    Float(f64),
    /// A string.
    Str(String),
    /// A `[]interface{}`.
    List(Vec<Value>),
    /// A `map[string]interface{}`, shared as Go shares maps.
    Map(MapRef),
    /// A value with methods.
    Object(Arc<dyn Object>),
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Nil => f.write_str("Nil"),
            Value::Bool(b) => write!(f, "Bool({b})"),
            Value::Int(i) => write!(f, "Int({i})"),
            Value::Float(x) => write!(f, "Float({x})"),
            Value::Str(s) => write!(f, "Str({s:?})"),
            Value::List(l) => f.debug_list().entries(l).finish(),
            Value::Map(m) => f.debug_map().entries(m.read().iter()).finish(),
            Value::Object(o) => write!(f, "Object({})", o.type_name()),
        }
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Value::Nil, Value::Nil) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a == b,
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::List(a), Value::List(b)) => a == b,
            (Value::Map(a), Value::Map(b)) => a.ptr_eq(b) || *a.read() == *b.read(),
            (Value::Object(a), Value::Object(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.to_string())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(s)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}
impl From<Map> for Value {
    fn from(m: Map) -> Self {
        Value::Map(MapRef::new(m))
    }
}
impl From<Vec<Value>> for Value {
    fn from(l: Vec<Value>) -> Self {
        Value::List(l)
    }
}

impl Value {
    /// The Go type name as `text/template` errors and Sprig's `typeOf` show it.
    pub fn type_name(&self) -> String {
        match self {
            Value::Nil => "<nil>".into(),
            Value::Bool(_) => "bool".into(),
            Value::Int(_) => "int".into(),
            Value::Float(_) => "float64".into(),
            Value::Str(_) => "string".into(),
            Value::List(_) => "[]interface {}".into(),
            Value::Map(_) => "map[string]interface {}".into(),
            Value::Object(o) => o.type_name().into(),
        }
    }

    /// The reflect kind name, as Sprig's `kindOf` gives it.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Nil => "invalid",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float64",
            Value::Str(_) => "string",
            Value::List(_) => "slice",
            Value::Map(_) => "map",
            Value::Object(_) => "ptr",
        }
    }

    /// Truth as `if` sees it: not the zero value of its type.
    pub fn truthy(&self) -> bool {
        match self {
            Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::List(l) => !l.is_empty(),
            Value::Map(m) => !m.is_empty(),
            Value::Object(_) => true,
        }
    }

    /// The string inside, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The map inside, if this is a map.
    pub fn as_map(&self) -> Option<&MapRef> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// A map value.
    pub fn map(m: Map) -> Value {
        Value::Map(MapRef::new(m))
    }

    /// A copy sharing nothing with `self` (Sprig's `deepCopy`, and values handed to a render).
    pub fn deep_copy(&self) -> Value {
        match self {
            Value::Map(m) => Value::map(
                m.read()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.deep_copy()))
                    .collect(),
            ),
            Value::List(l) => Value::List(l.iter().map(Value::deep_copy).collect()),
            other => other.clone(),
        }
    }

    fn reaches(&self, needle: &MapRef) -> bool {
        match self {
            Value::Map(m) => m.reaches(needle),
            Value::List(l) => l.iter().any(|v| v.reaches(needle)),
            _ => false,
        }
    }

    /// `fmt.Sprint(v)`.
    pub fn to_go_string(&self) -> String {
        let mut s = String::new();
        write_value(&mut s, self, false);
        s
    }
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)`, also `fmt`'s `%v` of a float64:
/// `%e` form when the exponent is below -4 or at least 6.
pub fn format_float_v(f: f64) -> String {
    float_with(f, -4, 6)
}

/// Go's `encoding/json` output of a float64 (`%e` below 1e-6 or from 1e21).
pub fn format_float_json(f: f64) -> String {
    let s = float_with(f, -6, 21);
    // encoding/json cleans e-07 to e-7.
    if let Some(i) = s.find("e-0") {
        let mut t = s.clone();
        t.remove(i + 2);
        return t;
    }
    s
}

fn float_with(f: f64, low: i32, high: i32) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let (neg, digits, exp) = shortest_digits(f);
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if exp < low || exp >= high {
        push_exp(&mut out, &digits, exp);
    } else {
        push_fixed(&mut out, &digits, exp);
    }
    out
}

fn shortest_digits(f: f64) -> (bool, String, i32) {
    let s = format!("{:e}", f.abs());
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    let exp: i32 = exp.parse().unwrap_or(0);
    (f.is_sign_negative(), digits, exp)
}

fn push_exp(out: &mut String, digits: &str, exp: i32) {
    let mut chars = digits.chars();
    if let Some(c) = chars.next() {
        out.push(c);
    }
    let rest: String = chars.collect();
    if !rest.is_empty() {
        out.push('.');
        out.push_str(&rest);
    }
    out.push('e');
    out.push(if exp < 0 { '-' } else { '+' });
    let _ = write!(out, "{:02}", exp.abs());
}

fn push_fixed(out: &mut String, digits: &str, exp: i32) {
    if exp < 0 {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.push_str(digits);
    } else {
        let int_len = (exp + 1) as usize;
        if digits.len() <= int_len {
            out.push_str(digits);
            for _ in digits.len()..int_len {
                out.push('0');
            }
        } else {
            let (a, b) = digits.split_at(int_len);
            out.push_str(a);
            out.push('.');
            out.push_str(b);
        }
    }
}

pub(crate) fn write_value(out: &mut String, v: &Value, nested: bool) {
    match v {
        Value::Nil => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => out.push_str(&format_float_v(*f)),
        Value::Str(s) => out.push_str(s),
        Value::List(l) => {
            out.push('[');
            for (i, e) in l.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_value(out, e, true);
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push_str("map[");
            for (i, (k, e)) in m.read().iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(k);
                out.push(':');
                write_value(out, e, true);
            }
            out.push(']');
        }
        Value::Object(o) => {
            let _ = nested;
            out.push_str(&o.display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_as_go() {
        for (f, s) in [
            (1.0, "1"),
            (1000000.0, "1e+06"),
            (123456.0, "123456"),
            (0.5, "0.5"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e300, "1.5e+300"),
            (-2.25, "-2.25"),
            (8080.0, "8080"),
        ] {
            assert_eq!(format_float_v(f), s, "{f}");
        }
    }
}
