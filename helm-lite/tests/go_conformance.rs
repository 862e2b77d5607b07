//! Go's own `text/template` tables (exec_test.go `execTests`, parse_test.go `parseTests`),
//! transcribed as data under `tests/data/`. Cases whose Go data needs methods, channels,
//! pointers or typed maps carry a `skip` reason.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::sync::Arc;

use helm_lite::{Template, Value};
use serde::Deserialize;

#[derive(Deserialize)]
struct ExecCase {
    name: String,
    input: String,
    output: String,
    data: String,
    ok: bool,
    #[serde(default)]
    skip: Option<String>,
}

#[derive(Deserialize)]
struct ParseCase {
    name: String,
    input: String,
    ok: bool,
    #[serde(default)]
    skip: Option<String>,
}

fn json_to_value(j: &serde_json::Value) -> Value {
    match j {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) if !n.to_string().contains('.') => Value::Int(i),
            _ => Value::Float(n.as_f64().unwrap_or_default()),
        },
        serde_json::Value::String(s) => Value::Str(s.clone()),
        serde_json::Value::Array(a) => Value::List(a.iter().map(json_to_value).collect()),
        serde_json::Value::Object(o) => Value::map(
            o.iter()
                .map(|(k, v)| (k.clone(), json_to_value(v)))
                .collect(),
        ),
    }
}

fn test_funcs(t: &mut Template) {
    t.add_func("zeroArgs", Arc::new(|_| Ok(Value::Str("zeroArgs".into()))));
    t.add_func(
        "oneArg",
        Arc::new(|a| match a {
            [Value::Str(s)] => Ok(Value::Str(format!("oneArg={s}"))),
            _ => Err("bad args".into()),
        }),
    );
    t.add_func(
        "twoArgs",
        Arc::new(|a| match a {
            [Value::Str(x), Value::Str(y)] => Ok(Value::Str(format!("twoArgs={x}{y}"))),
            _ => Err("bad args".into()),
        }),
    );
    t.add_func(
        "echo",
        Arc::new(|a| Ok(a.first().cloned().unwrap_or_default())),
    );
    t.add_func(
        "makemap",
        Arc::new(|a| {
            let mut m = helm_lite::Map::new();
            for kv in a.chunks(2) {
                if let [Value::Str(k), v] = kv {
                    m.insert(k.clone(), v.clone());
                }
            }
            Ok(Value::map(m))
        }),
    );
    t.add_func("die", Arc::new(|_| Err("die".into())));
    t.add_func("returnInt", Arc::new(|_| Ok(Value::Int(7))));
    t.add_func(
        "add",
        Arc::new(|a| {
            Ok(Value::Int(
                a.iter()
                    .map(|v| if let Value::Int(i) = v { *i } else { 0 })
                    .sum(),
            ))
        }),
    );
    t.add_func(
        "typeOf",
        Arc::new(|a| {
            Ok(Value::Str(
                a.first().map(|v| v.type_name()).unwrap_or_default(),
            ))
        }),
    );
    t.add_func(
        "mapOfThree",
        Arc::new(|_| {
            Ok(Value::map(
                [("three".to_string(), Value::Int(3))].into_iter().collect(),
            ))
        }),
    );
}

#[test]
fn go_exec_tests() {
    let cases: Vec<ExecCase> =
        serde_json::from_str(include_str!("data/go-exec.json")).expect("go-exec.json");
    let tval = json_to_value(&serde_json::from_str(include_str!("data/go-tval.json")).unwrap());
    let (mut pass, mut run, mut fails) = (0, 0, Vec::new());
    for c in &cases {
        if c.skip.is_some() {
            continue;
        }
        run += 1;
        let mut t = Template::new();
        test_funcs(&mut t);
        let data = if c.data == "nil" {
            Value::Nil
        } else {
            tval.clone()
        };
        let got = t
            .parse(&c.name, &c.input)
            .and_then(|_| t.execute(&c.name, &data));
        let good = match (&got, c.ok) {
            (Ok(out), true) => *out == c.output,
            (Err(_), false) => true,
            _ => false,
        };
        if good {
            pass += 1;
        } else {
            fails.push(format!(
                "{}: {:?} -> {:?}, want {:?} ok={}",
                c.name, c.input, got, c.output, c.ok
            ));
        }
    }
    println!(
        "go exec tests: {pass} of {run} run pass ({} transcribed)",
        cases.len()
    );
    assert!(
        fails.is_empty(),
        "{} failing:\n{}",
        fails.len(),
        fails.join("\n")
    );
}

#[test]
fn go_parse_tests() {
    let cases: Vec<ParseCase> =
        serde_json::from_str(include_str!("data/go-parse.json")).expect("go-parse.json");
    let mut fails = Vec::new();
    let mut run = 0;
    for c in &cases {
        if c.skip.is_some() {
            continue;
        }
        run += 1;
        let mut t = Template::new();
        t.add_func("printf", Arc::new(|_| Ok(Value::Nil)));
        t.add_func("contains", Arc::new(|_| Ok(Value::Nil)));
        let got = t.parse(&c.name, &c.input);
        if got.is_ok() != c.ok {
            fails.push(format!(
                "{}: {:?} -> {:?}, want ok={}",
                c.name, c.input, got, c.ok
            ));
        }
    }
    println!(
        "go parse tests: {} of {run} run pass ({} transcribed)",
        run - fails.len(),
        cases.len()
    );
    assert!(
        fails.is_empty(),
        "{} failing:\n{}",
        fails.len(),
        fails.join("\n")
    );
}
