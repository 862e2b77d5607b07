//! Differential test against `kubectl kustomize` (kustomize v5): generated objects full of
//! awkward strings, keys and numbers go through kustomize unchanged (no transformers), so
//! its output must equal `emit_stream(parse_stream(input))` byte for byte. Skipped, with a
//! notice, where `kubectl` is not on PATH.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::fmt::Write as _;
use std::process::Command;

use kustomize_lite::yaml::{compare_keys, emit_stream, parse_stream};

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const PIECES: &[&str] = &[
    "a",
    "b",
    "Z",
    "x1",
    " ",
    "  ",
    ":",
    ": ",
    "#",
    " #",
    "-",
    "- ",
    "'",
    "\"",
    "\\",
    "\n",
    "\n\n",
    "\t",
    "é",
    "ü",
    "\u{a0}",
    "😀",
    "\u{85}",
    "\u{2028}",
    "\u{feff}",
    "\r",
    "\u{1}",
    "yes",
    "on",
    "n",
    "1",
    "0",
    "07",
    ".",
    "e3",
    "*",
    "&",
    "!",
    "|",
    ">",
    "%",
    "@",
    "`",
    ",",
    "[",
    "]",
    "{",
    "}",
    "?",
    "~",
    "null",
    "true",
    "2020-01-01",
    "1:20",
    "0x1F",
    "1.0",
    "---",
    "...",
    "<<",
    "lorem",
    "ipsum",
    "dolor",
    "consectetur",
    "supercalifragilisticexpialidocious",
    "_",
    "/",
];

/// A string; a key never holds NEL (U+0085), which kustomize's own JSON-to-YAML step
/// cannot read back inside a key.
fn random_string(rng: &mut Rng) -> String {
    random_text(rng, false)
}

fn random_key(rng: &mut Rng) -> String {
    random_text(rng, true)
}

fn random_text(rng: &mut Rng, key: bool) -> String {
    let n = match rng.below(10) {
        0 => 0,
        1..=6 => 1 + rng.below(4),
        7 | 8 => 3 + rng.below(10),
        _ => 20 + rng.below(40),
    };
    let mut s = String::new();
    for _ in 0..n {
        let piece = rng.pick(PIECES);
        if !(key && piece == "\u{85}") {
            s.push_str(piece);
        }
    }
    s
}

const FLOATS: &[f64] = &[
    0.5,
    1.0,
    1e20,
    1e21,
    1234567.5,
    1e-7,
    -0.0,
    3.25,
    100000.5,
    2.5e-5,
    0.0001,
    1e100,
    -2.75,
    9_223_372_036_854_775_808.0,
    123456789.0,
];

/// JSON text of a value, escaping every non-ASCII character so the input side reads the
/// same characters whatever its line-break rules.
fn write_json(v: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match v {
        Value::String(s) => {
            out.push('"');
            for c in s.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    ' '..='~' => out.push(c),
                    c if (c as u32) <= 0xFFFF => {
                        let _ = write!(out, "\\u{:04X}", c as u32);
                    }
                    c => {
                        let _ = write!(out, "\\U{:08X}", c as u32);
                    }
                }
            }
            out.push('"');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(&Value::String(k.clone()), out);
                out.push(':');
                write_json(item, out);
            }
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}

fn random_value(rng: &mut Rng, depth: usize) -> serde_json::Value {
    use serde_json::{Map, Value};
    let choice = if depth >= 3 {
        rng.below(6)
    } else {
        rng.below(9)
    };
    match choice {
        0..=2 => Value::String(random_string(rng)),
        3 => Value::from(rng.next() as i64 >> rng.below(64)),
        4 => serde_json::Number::from_f64(FLOATS[rng.below(FLOATS.len())])
            .map_or(Value::Null, Value::Number),
        5 => match rng.below(3) {
            0 => Value::Null,
            1 => Value::Bool(true),
            _ => Value::Bool(false),
        },
        6 | 7 => {
            let mut m = Map::new();
            for _ in 0..rng.below(5) {
                m.insert(random_key(rng), random_value(rng, depth + 1));
            }
            Value::Object(m)
        }
        _ => Value::Array(
            (0..rng.below(4))
                .map(|_| random_value(rng, depth + 1))
                .collect(),
        ),
    }
}

#[test]
fn generated_objects_match_kubectl_kustomize() {
    if Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .output()
        .is_err()
    {
        println!("kubectl not found on PATH; skipping the differential test");
        return;
    }
    let seeds: Vec<u64> = match std::env::var("YAML_KUBECTL_SEEDS") {
        Ok(list) => list
            .split(',')
            .filter_map(|s| s.trim().parse().ok())
            .collect(),
        Err(_) => vec![0x9E37_79B9_7F4A_7C15, 42],
    };
    for seed in seeds {
        compare_with_kubectl(seed);
    }
}

fn compare_with_kubectl(seed: u64) {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(seed);
    let mut input = String::new();
    for i in 0..400 {
        let mut obj = serde_json::Map::new();
        obj.insert("apiVersion".into(), "example.com/v1".into());
        obj.insert("kind".into(), "Thing".into());
        obj.insert(
            "metadata".into(),
            serde_json::json!({ "name": format!("t{i:04}") }),
        );
        for _ in 0..rng.below(6) {
            obj.insert(random_key(&mut rng), random_value(&mut rng, 0));
        }
        if i > 0 {
            input.push_str("---\n");
        }
        write_json(&serde_json::Value::Object(obj), &mut input);
        input.push('\n');
    }
    std::fs::write(dir.path().join("things.yaml"), &input).unwrap();
    std::fs::write(
        dir.path().join("kustomization.yaml"),
        "resources:\n- things.yaml\nsortOptions:\n  order: fifo\n",
    )
    .unwrap();
    let out = Command::new("kubectl")
        .arg("kustomize")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "kubectl kustomize failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected = String::from_utf8(out.stdout).unwrap();
    let docs = parse_stream(&input, "things.yaml").unwrap();
    let actual = emit_stream(&docs);
    if expected != actual {
        let e: Vec<&str> = expected.split("\n---\n").collect();
        let a: Vec<&str> = actual.split("\n---\n").collect();
        let first = e.iter().zip(&a).position(|(x, y)| x != y).unwrap_or(0);
        panic!(
            "seed {seed}: documents differ (first at {first}):\n--- kubectl\n{}\n--- ours\n{}\n",
            e.get(first).unwrap_or(&""),
            a.get(first).unwrap_or(&"")
        );
    }
}

/// Plain scalars in every spelling the resolver distinguishes.
const PLAIN_TOKENS: &[&str] = &[
    "0777",
    "0o17",
    "0O17",
    "0x1F",
    "0X1f",
    "0b101",
    "0B1",
    "-0b101",
    "1_000",
    "1__0",
    "0x_1F",
    "1_000.5",
    "+12",
    "-0",
    "00",
    "0",
    "08",
    "09.5",
    "1e3",
    "1E3",
    "1.0",
    ".5",
    "-.5",
    "+.5",
    "._5",
    "1.",
    "0.",
    "1e999",
    "-1e999",
    "1e-999",
    "12345678901234567890",
    "123456789012345678901234567890",
    "9223372036854775807",
    "-9223372036854775808",
    "-9223372036854775809",
    "18446744073709551615",
    "18446744073709551616",
    "1e-7",
    "6.02e23",
    "0.1",
    "2e",
    "1.2.3",
    "yes",
    "no",
    "on",
    "off",
    "y",
    "n",
    "True",
    "TRUE",
    "tRUE",
    "Null",
    "NULL",
    "~",
    "2020-01-01",
    "2020-1-2",
    "2001-12-14t21:59:43.10-05:00",
    "2001-12-14 21:59:43.10",
    "2001-12-14T21:59:43Z",
    "2001-12-14T21:59:43.123456789123Z",
    "2001-12-14T21:59:43+01:30",
    "2020-02-30",
    "2020-02-29",
    "2019-02-29",
    "1:20",
    "12:30:00",
    "-1:20",
    "1:2:3.5",
    "+",
    ".",
    "..",
    "e",
    "0x",
    "0b",
    "0o",
    "1e+3",
    "1e-3",
    "+1e3",
    "-1.5e-3",
    "0.0000001",
    "123456.789e3",
    "100000000000000000000",
    "1000000000000000000000",
    "1000000.5",
    "-0.0",
    "3.0e0",
    "0001",
    "-01",
    "+0x10",
    "-0x10",
    "0xFFFFFFFFFFFFFFFF",
    "0x10000000000000000",
    "0777777777777777777777",
    "=",
    "<<x",
    "a b",
    "key: value",
];

/// Whether the comparison stays transitive once the last key joins the others (which
/// already are).
fn transitive(keys: &[&str]) -> bool {
    use std::cmp::Ordering::Less;
    let lt = |a: &str, b: &str| compare_keys(a, b) == Less;
    let Some((new, old)) = keys.split_last() else {
        return true;
    };
    old.iter().all(|a| {
        old.iter().all(|b| {
            let ok = |x: &str, y: &str, z: &str| !(lt(x, y) && lt(y, z)) || lt(x, z);
            ok(new, a, b) && ok(a, new, b) && ok(a, b, new)
        })
    })
}

#[test]
fn plain_scalars_read_and_print_like_kubectl_kustomize() {
    if Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .output()
        .is_err()
    {
        println!("kubectl not found on PATH; skipping the differential test");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut input =
        String::from("apiVersion: example.com/v1\nkind: Thing\nmetadata:\n  name: plain\n");
    input.push_str("values:\n");
    for (i, token) in PLAIN_TOKENS.iter().enumerate() {
        if !token.contains(": ") {
            let _ = writeln!(input, "  k{i:03}: {token}");
        }
    }
    // Top-level keys keep their text (kustomize refuses non-string keys in nested
    // mappings, and null-like keys anywhere). kustomize's key comparison is not transitive
    // on every set (`0777 < 0o17 < 1_000 < 0777`), and then its order varies between runs:
    // only keys that keep the comparison transitive are used.
    let mut keys: Vec<&str> = Vec::new();
    for token in PLAIN_TOKENS
        .iter()
        .filter(|t| !t.contains(": ") && !["Null", "NULL", "~"].contains(t) && !t.starts_with('.'))
    {
        keys.push(token);
        if !transitive(&keys) {
            keys.pop();
        }
    }
    for key in &keys {
        let _ = writeln!(input, "{key}: 1");
    }
    input.push_str("list:\n");
    for token in PLAIN_TOKENS.iter().filter(|t| !t.contains(": ")) {
        let _ = writeln!(input, "- {token}");
    }
    std::fs::write(dir.path().join("plain.yaml"), &input).unwrap();
    std::fs::write(
        dir.path().join("kustomization.yaml"),
        "resources:\n- plain.yaml\n",
    )
    .unwrap();
    let out = Command::new("kubectl")
        .arg("kustomize")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "kubectl kustomize failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected = String::from_utf8(out.stdout).unwrap();
    let docs = parse_stream(&input, "plain.yaml").unwrap();
    let actual = emit_stream(&docs);
    if let Ok(dump) = std::env::var("YAML_KUBECTL_DUMP") {
        std::fs::write(format!("{dump}.input"), &input).unwrap();
        std::fs::write(format!("{dump}.kubectl"), &expected).unwrap();
        std::fs::write(format!("{dump}.ours"), &actual).unwrap();
    }
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    let diffs: Vec<String> = e
        .iter()
        .zip(&a)
        .filter(|(x, y)| x != y)
        .map(|(x, y)| format!("kubectl: {x}\nours:    {y}"))
        .collect();
    assert!(
        diffs.is_empty() && e.len() == a.len(),
        "{}",
        diffs.join("\n")
    );
}

/// Hand-written YAML in the forms people write: anchors and merges, block and folded
/// scalars with indicators, flow collections, comments, quoting, multi-line plain text.
const BODIES: &[&str] = &[
    "base: &b {x: 1, y: [1, 2]}\nm:\n  <<: *b\n  y: 3\nm2:\n  z: 0\n  <<: [*b, {w: 9, x: 7}]\n",
    "l: &l [a, b]\nm: *l\nn: [*l, *l]\n",
    "s1: |\n  one\n  two\ns2: |-\n  one\ns3: |+\n  keep\n\ns4: >\n  folded\n  line\n\n  para\ns5: >-\n  x\n   indented\n  y\n",
    "s6: |2\n    indented first\n  second\ns7: |4-\n      deep\n",
    "s8: >2-\n   lead\n  x\n   more\ns9: >\n\n  after blank\n  more\ns10: >-\n  a\n\n  b\n   c\n  d\n",
    "s11: >+\n  keep\n   more\n\ns12: >\n  trailing space \n  next\n",
    "flow: {a: [1, {b: c}], 'd': \"e\", f: }\nempty: {}\nnone: []\n",
    "# comment\nk: v # trailing\nq: 'it''s'\ndq: \"tab\\tnew\\nline \\u00e9 \\U0001F600\"\n",
    "plain: this is\n  a multi-line\n  plain scalar\nurl: http://example.com:8080/path?q=1#frag\n",
    "k8s:\n  cpu: 500m\n  memory: 1Gi\n  mode: 0644\n  port: \"8080\"\n  ratio: 0.75\n  on: off\n",
    "seq:\n- a\n-   b\n- - nested\n  - list\n- key: v\n  other: w\n",
    "? complex key\n: value\n\"quoted key\": 1\n'single key': 2\n",
    "long: Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua\n",
    "nulls: [~, null, Null, ]\nbools: [true, True, FALSE, yes, no]\n",
    "one: &one {x: 1}\ntwo: &two {y: 2, x: 0}\nboth:\n  <<: [*one, *two]\n  z: 3\nflow: {<<: [*two, *one]}\n",
];

#[test]
fn handwritten_yaml_reads_like_kubectl_kustomize() {
    if Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .output()
        .is_err()
    {
        println!("kubectl not found on PATH; skipping the differential test");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut input = String::new();
    for (i, body) in BODIES.iter().enumerate() {
        let _ = write!(
            input,
            "---\napiVersion: example.com/v1\nkind: Thing\nmetadata:\n  name: h{i:02}\n{body}"
        );
    }
    // Windows line endings and a byte-order mark read the same.
    let crlf = "\u{feff}apiVersion: v1\r\nkind: Thing\r\nmetadata:\r\n  name: crlf\r\nb: |\r\n  x\r\n  y\r\n";
    std::fs::write(dir.path().join("hand.yaml"), &input).unwrap();
    std::fs::write(dir.path().join("crlf.yaml"), crlf).unwrap();
    std::fs::write(
        dir.path().join("kustomization.yaml"),
        "resources:\n- hand.yaml\n- crlf.yaml\nsortOptions:\n  order: fifo\n",
    )
    .unwrap();
    let out = Command::new("kubectl")
        .arg("kustomize")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "kubectl kustomize failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected = String::from_utf8(out.stdout).unwrap();
    let mut docs = parse_stream(&input, "hand.yaml").unwrap();
    docs.extend(parse_stream(crlf, "crlf.yaml").unwrap());
    let actual = emit_stream(&docs);
    assert_eq!(expected, actual);
}

/// Bodies with two merge keys in one mapping, which kustomize refuses with `duplicate merge
/// key` whatever the values; `<<: [*a, *b]` (one key, a list) is how several merge, and is
/// in [`BODIES`].
const DUPLICATE_MERGES: &[&str] = &[
    "c:\n  <<: *a\n  <<: *b\n",
    "c: {<<: *a, <<: *b}\n",
    "c:\n  <<: *a\n  z: 3\n  <<: [*b]\n",
    "c:\n  <<: {x: 1}\n  <<: {y: 2}\n",
    "c:\n  !!merge <<: *a\n  <<: *b\n",
    "c: {<<: *a, !!merge x: *b}\n",
    "l:\n- <<: *a\n  <<: *a\n",
];

#[test]
fn duplicate_merge_keys_are_refused_like_kubectl_kustomize() {
    if Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .output()
        .is_err()
    {
        println!("kubectl not found on PATH; skipping the differential test");
        return;
    }
    for body in DUPLICATE_MERGES {
        let dir = tempfile::tempdir().unwrap();
        let input = format!(
            "apiVersion: example.com/v1\nkind: Thing\nmetadata:\n  name: m\na: &a {{x: 1}}\nb: &b {{y: 2}}\n{body}"
        );
        std::fs::write(dir.path().join("merge.yaml"), &input).unwrap();
        std::fs::write(
            dir.path().join("kustomization.yaml"),
            "resources:\n- merge.yaml\n",
        )
        .unwrap();
        let out = Command::new("kubectl")
            .arg("kustomize")
            .arg(dir.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && stderr.contains("duplicate merge key"),
            "{body:?}: kubectl kustomize did not refuse it: {stderr}"
        );
        let e = parse_stream(&input, "merge.yaml").unwrap_err();
        assert!(
            e.message.starts_with("duplicate merge key"),
            "{body:?}: {e}"
        );
    }
}
