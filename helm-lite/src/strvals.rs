//! `--set`, `--set-string`, `--set-json` and `--set-file` strings, parsed as Helm's `strvals`
//! parses them (`a.b=1,list[0].x=y,tags={a,b}`, backslash escapes, typed scalars).

use crate::value::{Map, MapRef, Value};

/// Deepest `a.b.c` nesting of one key (Helm's `MaxNestedNameLevel`).
pub const MAX_NESTED_NAME_LEVEL: usize = 30;
/// Largest list index (Helm's `MaxIndex`).
pub const MAX_INDEX: usize = 65536;

/// How the value after `=` is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `--set`: `true`/`false`/`null`, integers without leading zeros, else strings.
    Typed,
    /// `--set-string`: always strings.
    String,
    /// `--set-json`: a JSON value.
    Json,
}

#[derive(Debug)]
enum Stop {
    Eof,
    Err(String),
}

type R<T> = Result<T, Stop>;

/// What `--set-file` calls to read the file a value names.
pub type FileReader<'a> = dyn Fn(&str) -> Result<Value, String> + 'a;

struct Parser<'a> {
    s: Vec<char>,
    pos: usize,
    kind: Kind,
    /// `--set-file`: reads the file named by the value (the caller's I/O).
    reader: Option<&'a FileReader<'a>>,
}

/// Parses `s` into `dest` as `helm --set` (or the flag `kind` names) does.
pub fn parse_into(s: &str, dest: &mut Map, kind: Kind) -> Result<(), String> {
    run(s, dest, kind, None)
}

/// `--set-file key=path`: each value is a path handed to `read` (which reads the file).
pub fn parse_file_into(s: &str, dest: &mut Map, read: &FileReader) -> Result<(), String> {
    run(s, dest, Kind::String, Some(read))
}

fn run(s: &str, dest: &mut Map, kind: Kind, reader: Option<&FileReader>) -> Result<(), String> {
    let mut p = Parser {
        s: s.chars().collect(),
        pos: 0,
        kind,
        reader,
    };
    loop {
        match p.key(dest, 0) {
            Ok(()) => {}
            Err(Stop::Eof) => return Ok(()),
            Err(Stop::Err(e)) => return Err(e),
        }
    }
}

fn err<T>(s: impl Into<String>) -> R<T> {
    Err(Stop::Err(s.into()))
}

fn go_q(s: &[char]) -> String {
    crate::fmt::go_quote(&s.iter().collect::<String>())
}

/// Go's `%q` of a `[]rune`: `['a' 'b']`.
fn go_runes(s: &[char]) -> String {
    let parts: Vec<String> = s
        .iter()
        .map(|c| match c {
            '\'' => "'\\''".to_string(),
            '\\' => "'\\\\'".to_string(),
            c if c.is_control() => format!("'{}'", c.escape_default()),
            c => format!("'{c}'"),
        })
        .collect();
    format!("[{}]", parts.join(" "))
}

fn set(data: &mut Map, key: &str, v: Value) {
    if !key.is_empty() {
        data.insert(key.to_string(), v);
    }
}

fn set_index(
    mut list: Vec<Value>,
    index: i64,
    v: Value,
) -> Result<Vec<Value>, (Vec<Value>, String)> {
    if index < 0 {
        return Err((list, format!("negative {index} index not allowed")));
    }
    let i = index as usize;
    if i > MAX_INDEX {
        return Err((
            list,
            format!("index of {index} is greater than maximum supported index of {MAX_INDEX}"),
        ));
    }
    if list.len() <= i {
        list.resize(i + 1, Value::Nil);
    }
    if let Some(slot) = list.get_mut(i) {
        *slot = v;
    }
    Ok(list)
}

fn type_name(v: &Value) -> String {
    match v {
        Value::Nil => "<nil>".into(),
        Value::Int(_) => "int64".into(),
        other => other.type_name(),
    }
}

impl Parser<'_> {
    fn next(&mut self) -> Option<char> {
        let c = self.s.get(self.pos).copied();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    /// Reads up to one of `stop` (backslash escapes the next character): the text, and the
    /// stop character or `None` at the end.
    fn until(&mut self, stop: &[char]) -> (Vec<char>, Option<char>) {
        let mut v = Vec::new();
        loop {
            match self.next() {
                None => return (v, None),
                Some(c) if stop.contains(&c) => return (v, Some(c)),
                Some('\\') => match self.next() {
                    None => return (v, None),
                    Some(n) => v.push(n),
                },
                Some(c) => v.push(c),
            }
        }
    }

    fn read(&self, rs: &[char]) -> Result<Value, String> {
        let s: String = rs.iter().collect();
        if let Some(r) = self.reader {
            return r(&s);
        }
        Ok(typed(&s, self.kind == Kind::String))
    }

    fn key(&mut self, data: &mut Map, mut level: usize) -> R<()> {
        let (k, last) = self.until(&['=', '[', ',', '.']);
        let key: String = k.iter().collect();
        match last {
            None => {
                if k.is_empty() {
                    Err(Stop::Eof)
                } else {
                    err(format!("key {} has no value", go_q(&k)))
                }
            }
            Some('[') => {
                let i = self
                    .key_index()
                    .map_err(|e| Stop::Err(format!("error parsing index: {e}")))?;
                let list = match data.get(&key) {
                    None => Vec::new(),
                    Some(Value::List(l)) => l.clone(),
                    Some(other) => {
                        return err(format!(
                            "unable to parse key: interface conversion: interface {{}} is {}, not []interface {{}}",
                            type_name(other)
                        ));
                    }
                };
                let (list, r) = self.list_item(list, i, level);
                set(data, &key, Value::List(list));
                r
            }
            Some('=') => {
                if self.kind == Kind::Json {
                    let v = self.json_value()?;
                    set(data, &key, v);
                    return self.after_json();
                }
                match self.val_list() {
                    Ok(vl) => {
                        set(data, &key, Value::List(vl));
                        Ok(())
                    }
                    Err(ListErr::Eof) => {
                        set(data, &key, Value::Str(String::new()));
                        Err(Stop::Eof)
                    }
                    Err(ListErr::NotList) => {
                        let (rs, _) = self.until(&[',']);
                        let v = self.read(&rs).map_err(Stop::Err)?;
                        set(data, &key, v);
                        Ok(())
                    }
                    Err(ListErr::Err(e)) => err(e),
                }
            }
            Some(',') => {
                set(data, &key, Value::Str(String::new()));
                err(format!("key {} has no value (cannot end with ,)", go_q(&k)))
            }
            Some(_) => {
                level += 1;
                if level > MAX_NESTED_NAME_LEVEL {
                    return err(format!(
                        "value name nested level is greater than maximum supported nested level of {MAX_NESTED_NAME_LEVEL}"
                    ));
                }
                let mut inner = match data.get(&key) {
                    None => Map::new(),
                    Some(Value::Map(m)) => m.to_map(),
                    Some(other) => {
                        return err(format!(
                            "unable to parse key: interface conversion: interface {{}} is {}, not map[string]interface {{}}",
                            type_name(other)
                        ));
                    }
                };
                let e = self.key(&mut inner, level);
                if e.is_ok() && inner.is_empty() {
                    return err(format!("key map {} has no value", go_q(&k)));
                }
                if !inner.is_empty() {
                    set(data, &key, Value::map(inner));
                }
                e
            }
        }
    }

    fn key_index(&mut self) -> Result<i64, String> {
        let (v, last) = self.until(&[']']);
        if last.is_none() {
            return Err("EOF".into());
        }
        let s: String = v.iter().collect();
        s.parse::<i64>().map_err(|_| {
            format!(
                "strconv.Atoi: parsing {}: {}",
                crate::fmt::go_quote(&s),
                if s.trim_start_matches(['-', '+'])
                    .chars()
                    .all(|c| c.is_ascii_digit())
                    && !s.trim_start_matches(['-', '+']).is_empty()
                {
                    "value out of range"
                } else {
                    "invalid syntax"
                }
            )
        })
    }

    fn list_item(&mut self, list: Vec<Value>, i: i64, level: usize) -> (Vec<Value>, R<()>) {
        if i < 0 {
            return (list, err(format!("negative {i} index not allowed")));
        }
        let (k, last) = self.until(&['[', '.', '=']);
        if !k.is_empty() {
            return (
                list,
                err(format!(
                    "unexpected data at end of array index: {}",
                    go_runes(&k)
                )),
            );
        }
        let done = |r: Result<Vec<Value>, (Vec<Value>, String)>| match r {
            Ok(l) => (l, Ok(())),
            Err((l, e)) => (l, err(e)),
        };
        match last {
            None => (list, Err(Stop::Eof)),
            Some('=') => {
                if self.kind == Kind::Json {
                    let v = match self.json_value() {
                        Ok(v) => v,
                        Err(e) => return (list, Err(e)),
                    };
                    let (l, r) = done(set_index(list, i, v));
                    if r.is_err() {
                        return (l, r);
                    }
                    return (l, self.after_json());
                }
                match self.val_list() {
                    Ok(vl) => done(set_index(list, i, Value::List(vl))),
                    Err(ListErr::Eof) => done(set_index(list, i, Value::Str(String::new()))),
                    Err(ListErr::NotList) => {
                        let (rs, _) = self.until(&[',']);
                        match self.read(&rs) {
                            Ok(v) => done(set_index(list, i, v)),
                            Err(e) => (list, err(e)),
                        }
                    }
                    Err(ListErr::Err(e)) => (list, err(e)),
                }
            }
            Some('[') => {
                let next = match self.key_index() {
                    Ok(n) => n,
                    Err(e) => return (list, err(format!("error parsing index: {e}"))),
                };
                let cur = match list.get(i as usize) {
                    None | Some(Value::Nil) => Vec::new(),
                    Some(Value::List(l)) => l.clone(),
                    Some(other) => {
                        let e = format!(
                            "unable to parse key: interface conversion: interface {{}} is {}, not []interface {{}}",
                            type_name(other)
                        );
                        return (list, err(e));
                    }
                };
                let (l2, r) = self.list_item(cur, next, level);
                if r.is_err() {
                    return (list, r);
                }
                done(set_index(list, i, Value::List(l2)))
            }
            Some(_) => {
                let mut inner = match list.get(i as usize) {
                    Some(Value::Map(m)) => m.to_map(),
                    _ => Map::new(),
                };
                if let Err(e) = self.key(&mut inner, level) {
                    return (list, Err(e));
                }
                done(set_index(list, i, Value::Map(MapRef::new(inner))))
            }
        }
    }

    /// After `=` of `--set-json`: nothing (up to a comma) is null, else one JSON value.
    fn json_value(&mut self) -> R<Value> {
        let save = self.pos;
        if self.empty_val() {
            return Ok(Value::Nil);
        }
        self.pos = save;
        // Go's stream decoder ends a value where its grammar ends (`00009` is `0`, then
        // the key `0009`): find that end, then read the value.
        let rest = self.s.get(self.pos..).unwrap_or(&[]);
        let end = json_extent(rest);
        let text: String = rest.get(..end).unwrap_or(rest).iter().collect();
        let j: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| Stop::Err(e.to_string()))?;
        self.pos += end;
        crate::yaml::from_json(&j.to_string()).map_err(Stop::Err)
    }

    fn after_json(&mut self) -> R<()> {
        let save = self.pos;
        if !self.empty_val() {
            self.pos = save;
            // Not at a comma: the next key starts here, as Helm's decoder leaves it.
            let _ = self.skip_space_to_non_space();
        }
        Ok(())
    }

    fn skip_space_to_non_space(&mut self) -> Option<char> {
        while let Some(c) = self.s.get(self.pos).copied() {
            if !c.is_whitespace() {
                return Some(c);
            }
            self.pos += 1;
        }
        None
    }

    /// Helm's `emptyVal`: only spaces up to a comma or the end.
    fn empty_val(&mut self) -> bool {
        loop {
            match self.next() {
                None | Some(',') => return true,
                Some(c) if c.is_whitespace() => {}
                Some(_) => {
                    self.pos -= 1;
                    return false;
                }
            }
        }
    }

    fn val_list(&mut self) -> Result<Vec<Value>, ListErr> {
        match self.next() {
            None => return Err(ListErr::Eof),
            Some('{') => {}
            Some(_) => {
                self.pos -= 1;
                return Err(ListErr::NotList);
            }
        }
        let mut list = Vec::new();
        loop {
            let (rs, last) = self.until(&[',', '}']);
            match last {
                None => return Err(ListErr::Err("list must terminate with '}'".into())),
                Some('}') => {
                    if let Some(c) = self.next()
                        && c != ','
                    {
                        self.pos -= 1;
                    }
                    list.push(self.read(&rs).map_err(ListErr::Err)?);
                    return Ok(list);
                }
                Some(_) => list.push(self.read(&rs).map_err(ListErr::Err)?),
            }
        }
    }
}

enum ListErr {
    Eof,
    NotList,
    Err(String),
}

/// Where the first JSON value of `s` ends, as Go's scanner sees it (leading spaces
/// included); the whole input when it does not end cleanly (the parse then says why).
fn json_extent(s: &[char]) -> usize {
    let mut i = 0;
    while s.get(i).is_some_and(|c| c.is_whitespace()) {
        i += 1;
    }
    let at = |i: usize| s.get(i).copied();
    match at(i) {
        Some('{' | '[') => {
            let mut depth = 0usize;
            let mut in_str = false;
            while let Some(c) = at(i) {
                i += 1;
                if in_str {
                    match c {
                        '\\' => i += 1,
                        '"' => in_str = false,
                        _ => {}
                    }
                    continue;
                }
                match c {
                    '"' => in_str = true,
                    '{' | '[' => depth += 1,
                    '}' | ']' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            return i;
                        }
                    }
                    _ => {}
                }
            }
            s.len()
        }
        Some('"') => {
            i += 1;
            while let Some(c) = at(i) {
                i += 1;
                match c {
                    '\\' => i += 1,
                    '"' => return i,
                    _ => {}
                }
            }
            s.len()
        }
        Some('-' | '0'..='9') => {
            if at(i) == Some('-') {
                i += 1;
            }
            if at(i) == Some('0') {
                i += 1;
            } else {
                while at(i).is_some_and(|c| c.is_ascii_digit()) {
                    i += 1;
                }
            }
            if at(i) == Some('.') && at(i + 1).is_some_and(|c| c.is_ascii_digit()) {
                i += 1;
                while at(i).is_some_and(|c| c.is_ascii_digit()) {
                    i += 1;
                }
            }
            if matches!(at(i), Some('e' | 'E')) {
                let mut j = i + 1;
                if matches!(at(j), Some('+' | '-')) {
                    j += 1;
                }
                if at(j).is_some_and(|c| c.is_ascii_digit()) {
                    i = j;
                    while at(i).is_some_and(|c| c.is_ascii_digit()) {
                        i += 1;
                    }
                }
            }
            i
        }
        Some('t') if s.get(i..i + 4) == Some(&['t', 'r', 'u', 'e']) => i + 4,
        Some('f') if s.get(i..i + 5) == Some(&['f', 'a', 'l', 's', 'e']) => i + 5,
        Some('n') if s.get(i..i + 4) == Some(&['n', 'u', 'l', 'l']) => i + 4,
        _ => s.len(),
    }
}

/// Helm's `typedVal`.
fn typed(s: &str, as_string: bool) -> Value {
    if as_string {
        return Value::Str(s.to_string());
    }
    if s.eq_ignore_ascii_case("true") {
        return Value::Bool(true);
    }
    if s.eq_ignore_ascii_case("false") {
        return Value::Bool(false);
    }
    if s.eq_ignore_ascii_case("null") {
        return Value::Nil;
    }
    if s == "0" {
        return Value::Int(0);
    }
    if !s.is_empty()
        && !s.starts_with('0')
        && let Ok(i) = go_parse_int(s)
    {
        return Value::Int(i);
    }
    Value::Str(s.to_string())
}

/// `strconv.ParseInt(s, 10, 64)`: optional sign, ASCII digits (and `_` is not allowed in
/// base 10 given explicitly).
fn go_parse_int(s: &str) -> Result<i64, ()> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(());
    }
    s.parse::<i64>().map_err(|_| ())
}
