//! The Sprig functions Helm charts use most, and Helm's own (`toYaml`, `required`, ...).

use std::sync::Arc;

use base64::Engine as _;
use sha2::Digest as _;

use crate::exec::Template;
use crate::value::{Map, MapRef, Value};
use crate::yaml;

type F = fn(&[Value]) -> Result<Value, String>;

/// Go's `%v`-ish string of a value as Sprig's `strval` gives it.
pub(crate) fn strval(v: &Value) -> String {
    v.to_go_string()
}

fn to_i64(v: &Value) -> i64 {
    match v {
        Value::Int(i) => *i,
        Value::Float(f) => *f as i64,
        Value::Bool(b) => *b as i64,
        Value::Str(s) => s
            .trim()
            .parse::<i64>()
            .ok()
            .or_else(|| s.trim().parse::<f64>().ok().map(|f| f as i64))
            .unwrap_or(0),
        _ => 0,
    }
}

fn to_f64(v: &Value) -> f64 {
    match v {
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        Value::Bool(b) => *b as i64 as f64,
        Value::Str(s) => s.trim().parse().unwrap_or(0.0),
        _ => 0.0,
    }
}

fn arity(name: &str, args: &[Value], n: usize) -> Result<(), String> {
    if args.len() != n {
        return Err(format!(
            "wrong number of args for {name}: want {n} got {}",
            args.len()
        ));
    }
    Ok(())
}

/// Go's `hash/adler32` checksum.
fn adler32(b: &[u8]) -> u32 {
    const MOD: u32 = 65521;
    let (mut a, mut s) = (1u32, 0u32);
    for chunk in b.chunks(5552) {
        for &x in chunk {
            a += u32::from(x);
            s += a;
        }
        a %= MOD;
        s %= MOD;
    }
    (s << 16) | a
}

const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Go's `base32.StdEncoding.EncodeToString` (RFC 4648, padded).
fn base32_encode(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len().div_ceil(5) * 8);
    for chunk in b.chunks(5) {
        let mut buf = [0u8; 5];
        for (d, s) in buf.iter_mut().zip(chunk) {
            *d = *s;
        }
        let n = buf.iter().fold(0u64, |acc, x| (acc << 8) | u64::from(*x));
        let chars = (chunk.len() * 8).div_ceil(5);
        for i in 0..8 {
            if i < chars {
                let idx = ((n >> (35 - i * 5)) & 31) as usize;
                out.push(char::from(B32.get(idx).copied().unwrap_or(b'A')));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Go's `base32.StdEncoding.DecodeString`, its error worded as Go words it.
fn base32_decode(s: &str) -> Result<Vec<u8>, String> {
    let bytes: Vec<u8> = s.bytes().filter(|c| *c != b'\r' && *c != b'\n').collect();
    let corrupt = |i: usize| format!("illegal base32 data at input byte {i}");
    if !bytes.len().is_multiple_of(8) {
        return Err(corrupt(bytes.len() / 8 * 8));
    }
    let mut out = Vec::with_capacity(bytes.len() / 8 * 5);
    for (ci, chunk) in bytes.chunks(8).enumerate() {
        let pad = chunk.iter().rev().take_while(|c| **c == b'=').count();
        let data = chunk.len() - pad;
        if !matches!(data, 2 | 4 | 5 | 7 | 8) || (pad > 0 && ci + 1 != bytes.len() / 8) {
            return Err(corrupt(ci * 8 + data));
        }
        let mut n = 0u64;
        for (i, c) in chunk.iter().enumerate() {
            let v = if i < data {
                B32.iter()
                    .position(|x| x == c)
                    .ok_or_else(|| corrupt(ci * 8 + i))? as u64
            } else {
                0
            };
            n = (n << 5) | v;
        }
        let len = data * 5 / 8;
        for i in 0..len {
            out.push(((n >> (32 - i * 8)) & 0xff) as u8);
        }
    }
    Ok(out)
}

/// The bytes of argument `i` as a Go string holds them (raw for a binary file's content).
fn raw(args: &[Value], i: usize) -> Vec<u8> {
    match args.get(i) {
        Some(Value::Object(o)) if o.bytes().is_some() => o.bytes().unwrap_or_default().to_vec(),
        _ => s(args, i).into_bytes(),
    }
}

fn s(args: &[Value], i: usize) -> String {
    args.get(i).map(strval).unwrap_or_default()
}

fn list_of(v: &Value) -> Result<Vec<Value>, String> {
    match v {
        Value::List(l) => Ok(l.clone()),
        Value::Nil => Ok(Vec::new()),
        other => Err(format!("Cannot find first on type {}", other.type_name())),
    }
}

fn strslice(v: &Value) -> Vec<String> {
    match v {
        Value::List(l) => l
            .iter()
            .filter(|x| !matches!(x, Value::Nil))
            .map(strval)
            .collect(),
        Value::Nil => Vec::new(),
        other => vec![strval(other)],
    }
}

fn go_title(s: &str) -> String {
    let mut out = String::new();
    let mut prev_letter = false;
    for c in s.chars() {
        if !prev_letter && c.is_alphabetic() {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        prev_letter = c.is_alphanumeric() || c == '_' || c == '\'';
    }
    out
}

fn indent_str(n: i64, text: &str) -> String {
    let pad = " ".repeat(n.max(0) as usize);
    format!("{pad}{}", text.replace('\n', &format!("\n{pad}")))
}

fn merge_into(dst: &MapRef, src: &MapRef, overwrite: bool) {
    if dst.ptr_eq(src) {
        return;
    }
    // Entries are read first so that no read of `src` is held while `dst` is written
    // (they may share inner maps).
    let entries: Vec<(String, Value)> = src
        .read()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (k, v) in entries {
        let cur = dst.get(&k);
        match (cur, v) {
            (Some(Value::Map(d)), Value::Map(s)) => merge_into(&d, &s, overwrite),
            (Some(d), v) => {
                if overwrite || matches!(d, Value::Nil) {
                    if let Value::Map(m) = &v
                        && m.reaches(dst)
                    {
                        continue;
                    }
                    dst.write().insert(k, v);
                }
            }
            (None, v) => {
                if let Value::Map(m) = &v
                    && m.reaches(dst)
                {
                    continue;
                }
                dst.write().insert(k, v);
            }
        }
    }
}

fn regex(p: &str) -> Result<regex::Regex, String> {
    regex::RegexBuilder::new(&crate::regexp::go_to_rust(p))
        .size_limit(1 << 20)
        .build()
        .map_err(|e| format!("error parsing regexp: {e}"))
}

/// Masterminds `semverCompare` for the common constraint forms.
pub(crate) fn semver_compare(constraint: &str, version: &str) -> Result<bool, String> {
    let v = parse_version(version).ok_or_else(|| "Invalid Semantic Version".to_string())?;
    // Masterminds allows a space between an operator and its version (">= 1.2").
    static OP_SPACE: std::sync::LazyLock<Result<regex::Regex, String>> =
        std::sync::LazyLock::new(|| regex(r"(>=|<=|!=|=>|=<|~>|[><=~^])\s+"));
    let joined = OP_SPACE
        .as_ref()
        .map_err(Clone::clone)?
        .replace_all(constraint, "$1")
        .into_owned();
    for alt in joined.split("||") {
        let mut all = true;
        for part in alt.split([',', ' ']).filter(|p| !p.trim().is_empty()) {
            if !check_one(part.trim(), &v)? {
                all = false;
                break;
            }
        }
        if all {
            return Ok(true);
        }
    }
    Ok(false)
}

fn parse_version(s: &str) -> Option<semver::Version> {
    let s = s.trim().trim_start_matches(['v', '=']);
    let (core, rest) = match s.find(['-', '+']) {
        Some(i) => s.split_at(i),
        None => (s, ""),
    };
    let mut parts: Vec<&str> = core.split('.').collect();
    while parts.len() < 3 {
        parts.push("0");
    }
    semver::Version::parse(&format!("{}{}", parts.join("."), rest)).ok()
}

fn check_one(c: &str, v: &semver::Version) -> Result<bool, String> {
    let ops = [">=", "<=", "!=", "=>", "=<", ">", "<", "=", "~>", "~", "^"];
    let (op, rest) = ops
        .iter()
        .find_map(|o| c.strip_prefix(o).map(|r| (*o, r)))
        .unwrap_or(("=", c));
    let rest = rest.trim();
    let wildcard = rest.split('.').any(|p| p == "x" || p == "X" || p == "*");
    let base = rest.replace(['x', 'X', '*'], "0");
    let cv = parse_version(&base).ok_or_else(|| format!("improper constraint: {c}"))?;
    let allow_pre = !cv.pre.is_empty();
    // Masterminds: a prerelease version only satisfies constraints carrying a prerelease.
    if !v.pre.is_empty() && !allow_pre {
        return Ok(false);
    }
    let vv = semver::Version::new(v.major, v.minor, v.patch);
    let cmp_v = if allow_pre { v.clone() } else { vv };
    let nparts = rest.split('.').count();
    Ok(match op {
        ">=" | "=>" => cmp_v >= cv,
        "<=" | "=<" => cmp_v <= cv,
        ">" => cmp_v > cv,
        "<" => cmp_v < cv,
        "!=" => cmp_v != cv,
        "~" | "~>" => cmp_v >= cv && v.major == cv.major && (nparts < 2 || v.minor == cv.minor),
        "^" => {
            cmp_v >= cv
                && if cv.major > 0 || nparts < 2 {
                    v.major == cv.major
                } else {
                    v.major == 0 && v.minor == cv.minor
                }
        }
        _ => {
            if wildcard || nparts < 3 {
                v.major == cv.major
                    && (nparts < 2
                        || rest.split('.').nth(1).is_some_and(|p| p == "x" || p == "*")
                        || v.minor == cv.minor)
            } else {
                cmp_v == cv
            }
        }
    })
}

/// Sprig's `rand*` functions are random in Helm; here they are deterministic (same length,
/// same alphabet), so renders stay reproducible.
fn pseudo_random(a: &[Value], alphabet: &str) -> String {
    let n = to_i64(a.first().unwrap_or(&Value::Nil)).clamp(0, 1 << 16) as usize;
    let chars: Vec<char> = alphabet.chars().collect();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            chars
                .get((x % chars.len() as u64) as usize)
                .copied()
                .unwrap_or('x')
        })
        .collect()
}

fn empty(v: &Value) -> bool {
    !v.truthy()
}

const ALL_NAMES: &[&str] = &[
    "abbrev",
    "abbrevboth",
    "add",
    "add1",
    "add1f",
    "addf",
    "adler32sum",
    "ago",
    "all",
    "any",
    "append",
    "atoi",
    "b32dec",
    "b32enc",
    "b64dec",
    "b64enc",
    "base",
    "bcrypt",
    "biggest",
    "buildCustomCert",
    "camelcase",
    "cat",
    "ceil",
    "chunk",
    "clean",
    "coalesce",
    "compact",
    "concat",
    "contains",
    "date",
    "dateInZone",
    "dateModify",
    "date_in_zone",
    "date_modify",
    "decryptAES",
    "deepCopy",
    "deepEqual",
    "default",
    "derivePassword",
    "dict",
    "dig",
    "dir",
    "div",
    "divf",
    "duration",
    "durationDays",
    "durationHours",
    "durationMicroseconds",
    "durationMilliseconds",
    "durationMinutes",
    "durationNanoseconds",
    "durationRound",
    "durationRoundTo",
    "durationSeconds",
    "durationTruncateTo",
    "durationWeeks",
    "empty",
    "encryptAES",
    "env",
    "expandenv",
    "ext",
    "fail",
    "first",
    "float64",
    "floor",
    "fromJson",
    "fromJsonArray",
    "fromToml",
    "fromYaml",
    "fromYamlArray",
    "genCA",
    "genCAWithKey",
    "genPrivateKey",
    "genSelfSignedCert",
    "genSelfSignedCertWithKey",
    "genSignedCert",
    "genSignedCertWithKey",
    "get",
    "getHostByName",
    "has",
    "hasKey",
    "hasPrefix",
    "hasSuffix",
    "hello",
    "htmlDate",
    "htmlDateInZone",
    "htpasswd",
    "indent",
    "initial",
    "initials",
    "int",
    "int64",
    "isAbs",
    "join",
    "kebabcase",
    "keys",
    "kindIs",
    "kindOf",
    "last",
    "list",
    "lookup",
    "lower",
    "max",
    "maxf",
    "merge",
    "mergeOverwrite",
    "min",
    "minf",
    "mod",
    "mul",
    "mulf",
    "mustAppend",
    "mustChunk",
    "mustCompact",
    "mustDateModify",
    "mustDeepCopy",
    "mustFirst",
    "mustFromJson",
    "mustHas",
    "mustInitial",
    "mustLast",
    "mustMerge",
    "mustMergeOverwrite",
    "mustPrepend",
    "mustRegexFind",
    "mustRegexFindAll",
    "mustRegexMatch",
    "mustRegexReplaceAll",
    "mustRegexReplaceAllLiteral",
    "mustRegexSplit",
    "mustRest",
    "mustReverse",
    "mustSlice",
    "mustToDate",
    "mustToDuration",
    "mustToJson",
    "mustToPrettyJson",
    "mustToRawJson",
    "mustToToml",
    "mustToYaml",
    "mustUniq",
    "mustWithout",
    "must_date_modify",
    "nindent",
    "nospace",
    "now",
    "omit",
    "osBase",
    "osClean",
    "osDir",
    "osExt",
    "osIsAbs",
    "pick",
    "pluck",
    "plural",
    "prepend",
    "quote",
    "randAlpha",
    "randAlphaNum",
    "randAscii",
    "randBytes",
    "randInt",
    "randNumeric",
    "regexFind",
    "regexFindAll",
    "regexMatch",
    "regexQuoteMeta",
    "regexReplaceAll",
    "regexReplaceAllLiteral",
    "regexSplit",
    "repeat",
    "replace",
    "required",
    "rest",
    "reverse",
    "round",
    "semver",
    "semverCompare",
    "seq",
    "set",
    "sha1sum",
    "sha256sum",
    "sha512sum",
    "shuffle",
    "snakecase",
    "sortAlpha",
    "split",
    "splitList",
    "splitn",
    "squote",
    "sub",
    "subf",
    "substr",
    "swapcase",
    "ternary",
    "title",
    "toDate",
    "toDecimal",
    "toJson",
    "toPrettyJson",
    "toRawJson",
    "toString",
    "toStrings",
    "toToml",
    "toYaml",
    "toYamlPretty",
    "trim",
    "trimAll",
    "trimPrefix",
    "trimSuffix",
    "trimall",
    "trunc",
    "tuple",
    "typeIs",
    "typeIsLike",
    "typeOf",
    "uniq",
    "unixEpoch",
    "unset",
    "until",
    "untilStep",
    "untitle",
    "upper",
    "urlJoin",
    "urlParse",
    "uuidv4",
    "values",
    "without",
    "wrap",
    "wrapWith",
];

/// Registers Sprig's and Helm's functions on a template set.
pub fn add_functions(t: &mut Template) {
    let fns: &[(&str, F)] = &[
        ("default", |a| {
            let d = a.first().cloned().unwrap_or_default();
            match a.get(1) {
                Some(g) if !empty(g) => Ok(g.clone()),
                _ => Ok(d),
            }
        }),
        ("empty", |a| Ok(Value::Bool(a.first().is_none_or(empty)))),
        ("coalesce", |a| {
            Ok(a.iter().find(|v| !empty(v)).cloned().unwrap_or_default())
        }),
        ("ternary", |a| {
            arity("ternary", a, 3)?;
            Ok(if a.get(2).is_some_and(Value::truthy) {
                a.first()
            } else {
                a.get(1)
            }
            .cloned()
            .unwrap_or_default())
        }),
        ("quote", |a| {
            Ok(Value::Str(
                a.iter()
                    .filter(|v| !matches!(v, Value::Nil))
                    .map(|v| crate::fmt::go_quote(&strval(v)))
                    .collect::<Vec<_>>()
                    .join(" "),
            ))
        }),
        ("squote", |a| {
            Ok(Value::Str(
                a.iter()
                    .filter(|v| !matches!(v, Value::Nil))
                    .map(|v| format!("'{}'", strval(v)))
                    .collect::<Vec<_>>()
                    .join(" "),
            ))
        }),
        ("cat", |a| {
            Ok(Value::Str(
                a.iter()
                    .filter(|v| !matches!(v, Value::Nil))
                    .map(strval)
                    .collect::<Vec<_>>()
                    .join(" "),
            ))
        }),
        ("trim", |a| Ok(Value::Str(s(a, 0).trim().to_string()))),
        ("trimAll", |a| {
            let cut: Vec<char> = s(a, 0).chars().collect();
            Ok(Value::Str(s(a, 1).trim_matches(cut.as_slice()).to_string()))
        }),
        ("trimPrefix", |a| {
            let (p, x) = (s(a, 0), s(a, 1));
            Ok(Value::Str(
                x.strip_prefix(p.as_str()).unwrap_or(&x).to_string(),
            ))
        }),
        ("trimSuffix", |a| {
            let (p, x) = (s(a, 0), s(a, 1));
            Ok(Value::Str(
                x.strip_suffix(p.as_str()).unwrap_or(&x).to_string(),
            ))
        }),
        ("upper", |a| Ok(Value::Str(s(a, 0).to_uppercase()))),
        ("lower", |a| Ok(Value::Str(s(a, 0).to_lowercase()))),
        ("title", |a| Ok(Value::Str(go_title(&s(a, 0))))),
        ("nospace", |a| {
            Ok(Value::Str(
                s(a, 0).chars().filter(|c| !c.is_whitespace()).collect(),
            ))
        }),
        ("replace", |a| {
            arity("replace", a, 3)?;
            Ok(Value::Str(s(a, 2).replace(&s(a, 0), &s(a, 1))))
        }),
        ("contains", |a| Ok(Value::Bool(s(a, 1).contains(&s(a, 0))))),
        ("hasPrefix", |a| {
            Ok(Value::Bool(s(a, 1).starts_with(&s(a, 0))))
        }),
        ("hasSuffix", |a| {
            Ok(Value::Bool(s(a, 1).ends_with(&s(a, 0))))
        }),
        ("repeat", |a| {
            Ok(Value::Str(s(a, 1).repeat(
                to_i64(a.first().unwrap_or(&Value::Nil)).clamp(0, 1 << 16) as usize,
            )))
        }),
        ("indent", |a| {
            arity("indent", a, 2)?;
            Ok(Value::Str(indent_str(
                to_i64(a.first().unwrap_or(&Value::Nil)),
                &s(a, 1),
            )))
        }),
        ("nindent", |a| {
            arity("nindent", a, 2)?;
            Ok(Value::Str(format!(
                "\n{}",
                indent_str(to_i64(a.first().unwrap_or(&Value::Nil)), &s(a, 1))
            )))
        }),
        ("trunc", |a| {
            let n = to_i64(a.first().unwrap_or(&Value::Nil));
            let x = s(a, 1);
            let len = x.len() as i64;
            Ok(Value::Str(if n < 0 && -n < len {
                x.get((len + n) as usize..).unwrap_or("").to_string()
            } else if n >= 0 && n < len {
                x.get(..n as usize).unwrap_or("").to_string()
            } else {
                x
            }))
        }),
        ("substr", |a| {
            let (st, en) = (
                to_i64(a.first().unwrap_or(&Value::Nil)),
                to_i64(a.get(1).unwrap_or(&Value::Nil)),
            );
            let x = s(a, 2);
            let len = x.len() as i64;
            let st = if st < 0 { 0 } else { st.min(len) };
            let en = if en < 0 || en > len { len } else { en };
            Ok(Value::Str(
                x.get(st as usize..en.max(st) as usize)
                    .unwrap_or("")
                    .to_string(),
            ))
        }),
        ("b64enc", |a| {
            Ok(Value::Str(
                base64::engine::general_purpose::STANDARD.encode(raw(a, 0)),
            ))
        }),
        ("b64dec", |a| {
            Ok(Value::Str(
                match base64::engine::general_purpose::STANDARD.decode(s(a, 0)) {
                    Ok(b) => String::from_utf8_lossy(&b).into_owned(),
                    Err(e) => e.to_string(),
                },
            ))
        }),
        ("sha256sum", |a| {
            Ok(Value::Str(hex::encode(sha2::Sha256::digest(raw(a, 0)))))
        }),
        ("splitList", |a| {
            Ok(Value::List(
                s(a, 1).split(&s(a, 0)).map(Value::from).collect(),
            ))
        }),
        ("join", |a| {
            Ok(Value::Str(
                strslice(a.get(1).unwrap_or(&Value::Nil)).join(&s(a, 0)),
            ))
        }),
        ("toString", |a| Ok(Value::Str(s(a, 0)))),
        ("toStrings", |a| {
            Ok(Value::List(
                strslice(a.first().unwrap_or(&Value::Nil))
                    .into_iter()
                    .map(Value::Str)
                    .collect(),
            ))
        }),
        ("int", |a| {
            Ok(Value::Int(to_i64(a.first().unwrap_or(&Value::Nil))))
        }),
        ("int64", |a| {
            Ok(Value::Int(to_i64(a.first().unwrap_or(&Value::Nil))))
        }),
        ("atoi", |a| Ok(Value::Int(s(a, 0).parse().unwrap_or(0)))),
        ("float64", |a| {
            Ok(Value::Float(to_f64(a.first().unwrap_or(&Value::Nil))))
        }),
        ("add", |a| {
            Ok(Value::Int(
                a.iter().map(to_i64).fold(0i64, i64::wrapping_add),
            ))
        }),
        ("add1", |a| {
            Ok(Value::Int(
                to_i64(a.first().unwrap_or(&Value::Nil)).wrapping_add(1),
            ))
        }),
        ("sub", |a| {
            Ok(Value::Int(
                to_i64(a.first().unwrap_or(&Value::Nil))
                    .wrapping_sub(to_i64(a.get(1).unwrap_or(&Value::Nil))),
            ))
        }),
        ("mul", |a| {
            Ok(Value::Int(
                a.iter().map(to_i64).fold(1i64, i64::wrapping_mul),
            ))
        }),
        ("div", |a| {
            let d = to_i64(a.get(1).unwrap_or(&Value::Nil));
            if d == 0 {
                return Err("runtime error: integer divide by zero".into());
            }
            Ok(Value::Int(
                to_i64(a.first().unwrap_or(&Value::Nil)).wrapping_div(d),
            ))
        }),
        ("mod", |a| {
            let d = to_i64(a.get(1).unwrap_or(&Value::Nil));
            if d == 0 {
                return Err("runtime error: integer divide by zero".into());
            }
            Ok(Value::Int(
                to_i64(a.first().unwrap_or(&Value::Nil)).wrapping_rem(d),
            ))
        }),
        ("max", |a| {
            Ok(Value::Int(a.iter().map(to_i64).max().unwrap_or(0)))
        }),
        ("min", |a| {
            Ok(Value::Int(a.iter().map(to_i64).min().unwrap_or(0)))
        }),
        ("list", |a| Ok(Value::List(a.to_vec()))),
        ("dict", |a| {
            let mut m = Map::new();
            for kv in a.chunks(2) {
                m.insert(
                    strval(kv.first().unwrap_or(&Value::Nil)),
                    kv.get(1).cloned().unwrap_or_default(),
                );
            }
            Ok(Value::map(m))
        }),
        ("set", |a| {
            // Go maps are references: the map given is changed and returned.
            let m = a
                .first()
                .and_then(Value::as_map)
                .cloned()
                .unwrap_or_default();
            let v = a.get(2).cloned().unwrap_or_default();
            if let Value::Map(inner) = &v
                && inner.reaches(&m)
            {
                return Err("a map cannot be set inside itself".into());
            }
            m.write().insert(s(a, 1), v);
            Ok(Value::Map(m))
        }),
        ("unset", |a| {
            let m = a
                .first()
                .and_then(Value::as_map)
                .cloned()
                .unwrap_or_default();
            m.write().remove(&s(a, 1));
            Ok(Value::Map(m))
        }),
        ("hasKey", |a| {
            Ok(Value::Bool(
                a.first()
                    .and_then(Value::as_map)
                    .is_some_and(|m| m.read().contains_key(&s(a, 1))),
            ))
        }),
        ("get", |a| {
            Ok(a.first()
                .and_then(Value::as_map)
                .and_then(|m| m.get(&s(a, 1)))
                .unwrap_or(Value::Str(String::new())))
        }),
        ("keys", |a| {
            let mut k: Vec<String> = a
                .iter()
                .filter_map(Value::as_map)
                .flat_map(|m| m.read().keys().cloned().collect::<Vec<_>>())
                .collect();
            k.sort();
            Ok(Value::List(k.into_iter().map(Value::Str).collect()))
        }),
        ("values", |a| {
            Ok(Value::List(
                a.first()
                    .and_then(Value::as_map)
                    .map(|m| m.read().values().cloned().collect())
                    .unwrap_or_default(),
            ))
        }),
        ("pluck", |a| {
            let k = s(a, 0);
            Ok(Value::List(
                a.iter()
                    .skip(1)
                    .filter_map(Value::as_map)
                    .filter_map(|m| m.get(&k))
                    .collect(),
            ))
        }),
        ("merge", |a| {
            let d = a
                .first()
                .and_then(Value::as_map)
                .cloned()
                .unwrap_or_default();
            for src in a.iter().skip(1).filter_map(Value::as_map) {
                merge_into(&d, src, false);
            }
            Ok(Value::Map(d))
        }),
        ("mergeOverwrite", |a| {
            let d = a
                .first()
                .and_then(Value::as_map)
                .cloned()
                .unwrap_or_default();
            for src in a.iter().skip(1).filter_map(Value::as_map) {
                merge_into(&d, src, true);
            }
            Ok(Value::Map(d))
        }),
        ("deepCopy", |a| {
            Ok(a.first().map(Value::deep_copy).unwrap_or_default())
        }),
        ("first", |a| {
            Ok(list_of(a.first().unwrap_or(&Value::Nil))?
                .first()
                .cloned()
                .unwrap_or_default())
        }),
        ("last", |a| {
            Ok(list_of(a.first().unwrap_or(&Value::Nil))?
                .last()
                .cloned()
                .unwrap_or_default())
        }),
        ("rest", |a| {
            Ok(Value::List(
                list_of(a.first().unwrap_or(&Value::Nil))?
                    .into_iter()
                    .skip(1)
                    .collect(),
            ))
        }),
        ("initial", |a| {
            let mut l = list_of(a.first().unwrap_or(&Value::Nil))?;
            l.pop();
            Ok(Value::List(l))
        }),
        ("append", |a| {
            let mut l = list_of(a.first().unwrap_or(&Value::Nil))?;
            l.push(a.get(1).cloned().unwrap_or_default());
            Ok(Value::List(l))
        }),
        ("prepend", |a| {
            let mut l = list_of(a.first().unwrap_or(&Value::Nil))?;
            l.insert(0, a.get(1).cloned().unwrap_or_default());
            Ok(Value::List(l))
        }),
        ("concat", |a| {
            let mut l = Vec::new();
            for x in a {
                l.extend(list_of(x)?);
            }
            Ok(Value::List(l))
        }),
        ("reverse", |a| {
            let mut l = list_of(a.first().unwrap_or(&Value::Nil))?;
            l.reverse();
            Ok(Value::List(l))
        }),
        ("uniq", |a| {
            let mut out: Vec<Value> = Vec::new();
            for x in list_of(a.first().unwrap_or(&Value::Nil))? {
                if !out.contains(&x) {
                    out.push(x);
                }
            }
            Ok(Value::List(out))
        }),
        ("compact", |a| {
            Ok(Value::List(
                list_of(a.first().unwrap_or(&Value::Nil))?
                    .into_iter()
                    .filter(|v| !empty(v))
                    .collect(),
            ))
        }),
        ("has", |a| {
            Ok(Value::Bool(
                list_of(a.get(1).unwrap_or(&Value::Nil))?
                    .contains(a.first().unwrap_or(&Value::Nil)),
            ))
        }),
        ("without", |a| {
            let l = list_of(a.first().unwrap_or(&Value::Nil))?;
            Ok(Value::List(
                l.into_iter()
                    .filter(|x| !a.iter().skip(1).any(|w| w == x))
                    .collect(),
            ))
        }),
        ("sortAlpha", |a| {
            let mut l = strslice(a.first().unwrap_or(&Value::Nil));
            l.sort();
            Ok(Value::List(l.into_iter().map(Value::Str).collect()))
        }),
        ("until", |a| {
            Ok(Value::List(
                (0..to_i64(a.first().unwrap_or(&Value::Nil)).clamp(0, 1 << 20))
                    .map(Value::Int)
                    .collect(),
            ))
        }),
        ("kindIs", |a| {
            Ok(Value::Bool(
                a.get(1).map(Value::kind_name).unwrap_or("invalid") == s(a, 0),
            ))
        }),
        ("kindOf", |a| {
            Ok(Value::Str(
                a.first().map(Value::kind_name).unwrap_or("invalid").into(),
            ))
        }),
        ("typeOf", |a| {
            Ok(Value::Str(
                a.first().map(Value::type_name).unwrap_or_default(),
            ))
        }),
        ("typeIs", |a| {
            Ok(Value::Bool(
                a.get(1).map(Value::type_name).unwrap_or_default() == s(a, 0),
            ))
        }),
        ("semverCompare", |a| {
            semver_compare(&s(a, 0), &s(a, 1)).map(Value::Bool)
        }),
        ("regexMatch", |a| {
            Ok(Value::Bool(regex(&s(a, 0))?.is_match(&s(a, 1))))
        }),
        ("regexReplaceAll", |a| {
            Ok(Value::Str(
                regex(&s(a, 0))?
                    .replace_all(&s(a, 1), s(a, 2).as_str())
                    .into_owned(),
            ))
        }),
        ("regexReplaceAllLiteral", |a| {
            Ok(Value::Str(
                regex(&s(a, 0))?
                    .replace_all(&s(a, 1), regex::NoExpand(&s(a, 2)))
                    .into_owned(),
            ))
        }),
        ("regexFind", |a| {
            Ok(Value::Str(
                regex(&s(a, 0))?
                    .find(&s(a, 1))
                    .map(|m| m.as_str().to_string())
                    .unwrap_or_default(),
            ))
        }),
        ("fail", |a| Err(s(a, 0))),
        ("required", |a| {
            let v = a.get(1).cloned().unwrap_or_default();
            match &v {
                Value::Nil => Err(s(a, 0)),
                Value::Str(x) if x.is_empty() => Err(s(a, 0)),
                _ => Ok(v),
            }
        }),
        ("toYaml", |a| {
            Ok(Value::Str(
                yaml::to_yaml(a.first().unwrap_or(&Value::Nil))
                    .trim_end_matches('\n')
                    .to_string(),
            ))
        }),
        ("fromYaml", |a| {
            Ok(match yaml::from_yaml(&s(a, 0)) {
                Ok(v) => v,
                Err(e) => Value::map([("Error".to_string(), Value::Str(e))].into_iter().collect()),
            })
        }),
        ("toJson", |a| {
            Ok(Value::Str(yaml::to_json(a.first().unwrap_or(&Value::Nil))))
        }),
        ("toToml", |a| {
            Ok(Value::Str(crate::toml::to_toml(
                a.first().unwrap_or(&Value::Nil),
            )))
        }),
        ("toRawJson", |a| {
            Ok(Value::Str(yaml::to_json(a.first().unwrap_or(&Value::Nil))))
        }),
        ("fromJson", |a| {
            Ok(match yaml::from_json(&s(a, 0)) {
                Ok(v) => v,
                Err(e) => Value::map([("Error".to_string(), Value::Str(e))].into_iter().collect()),
            })
        }),
        ("lookup", |_| Ok(Value::map(Map::new()))),
        ("tuple", |a| Ok(Value::List(a.to_vec()))),
        ("shuffle", |a| Ok(Value::Str(s(a, 0)))),
        ("sha512sum", |a| {
            Ok(Value::Str(hex::encode(sha2::Sha512::digest(
                s(a, 0).as_bytes(),
            ))))
        }),
        ("camelcase", |a| {
            Ok(Value::Str(
                s(a, 0)
                    .split(['_', '-', ' '])
                    .map(|w| go_title(&w.to_lowercase()))
                    .collect(),
            ))
        }),
        ("untitle", |a| {
            let x = s(a, 0);
            let mut out = String::new();
            let mut prev = false;
            for c in x.chars() {
                if !prev && c.is_alphabetic() {
                    out.extend(c.to_lowercase());
                } else {
                    out.push(c);
                }
                prev = c.is_alphanumeric();
            }
            Ok(Value::Str(out))
        }),
        ("all", |a| Ok(Value::Bool(a.iter().all(|v| !empty(v))))),
        ("any", |a| Ok(Value::Bool(a.iter().any(|v| !empty(v))))),
        ("base", |a| {
            Ok(Value::Str(
                s(a, 0).rsplit('/').next().unwrap_or("").to_string(),
            ))
        }),
        ("regexFindAll", |a| {
            let n = to_i64(a.get(2).unwrap_or(&Value::Int(-1)));
            let re = regex(&s(a, 0))?;
            let x = s(a, 1);
            let it = re.find_iter(&x).map(|m| Value::from(m.as_str()));
            Ok(Value::List(if n < 0 {
                it.collect()
            } else {
                it.take(n as usize).collect()
            }))
        }),
        ("regexQuoteMeta", |a| {
            Ok(Value::Str(regex::escape(&s(a, 0))))
        }),
        ("b32enc", |a| Ok(Value::Str(base32_encode(&raw(a, 0))))),
        ("b32dec", |a| {
            Ok(Value::Str(match base32_decode(&s(a, 0)) {
                Ok(b) => String::from_utf8_lossy(&b).into_owned(),
                Err(e) => e,
            }))
        }),
        ("sha1sum", |a| {
            use sha1::Digest as _;
            Ok(Value::Str(hex::encode(sha1::Sha1::digest(raw(a, 0)))))
        }),
        ("adler32sum", |a| {
            Ok(Value::Str(adler32(&raw(a, 0)).to_string()))
        }),
        ("toPrettyJson", |a| {
            Ok(Value::Str(yaml::to_pretty_json(
                a.first().unwrap_or(&Value::Nil),
            )))
        }),
        ("regexSplit", |a| {
            let n = to_i64(a.get(2).unwrap_or(&Value::Int(-1)));
            let re = regex(&s(a, 0))?;
            let x = s(a, 1);
            let parts: Vec<Value> = if n < 0 {
                re.split(&x).map(Value::from).collect()
            } else {
                re.splitn(&x, n as usize).map(Value::from).collect()
            };
            Ok(Value::List(parts))
        }),
        ("omit", |a| {
            let mut m = a
                .first()
                .and_then(Value::as_map)
                .map(MapRef::to_map)
                .unwrap_or_default();
            for k in a.iter().skip(1) {
                m.remove(&strval(k));
            }
            Ok(Value::map(m))
        }),
        ("pick", |a| {
            let m = a
                .first()
                .and_then(Value::as_map)
                .map(MapRef::to_map)
                .unwrap_or_default();
            let keys: Vec<String> = a.iter().skip(1).map(strval).collect();
            Ok(Value::map(
                m.into_iter().filter(|(k, _)| keys.contains(k)).collect(),
            ))
        }),
        ("split", |a| {
            let m: Map = s(a, 1)
                .split(&s(a, 0))
                .enumerate()
                .map(|(i, p)| (format!("_{i}"), Value::from(p)))
                .collect();
            Ok(Value::map(m))
        }),
        ("fromYamlArray", |a| {
            Ok(match yaml::from_yaml(&s(a, 0)) {
                Ok(Value::List(l)) => Value::List(l),
                Ok(_) => Value::List(vec![Value::Str("error unmarshaling JSON: json: cannot unmarshal object into Go value of type []interface {}".into())]),
                Err(e) => Value::List(vec![Value::Str(e)]),
            })
        }),
        ("fromJsonArray", |a| {
            Ok(match yaml::from_json(&s(a, 0)) {
                Ok(Value::List(l)) => Value::List(l),
                Ok(_) => Value::List(vec![Value::Str(
                    "json: cannot unmarshal object into Go value of type []interface {}".into(),
                )]),
                Err(e) => Value::List(vec![Value::Str(e)]),
            })
        }),
        ("htpasswd", |_| {
            Err("htpasswd is not supported by helm-lite yet".into())
        }),
        ("dig", |a| {
            let n = a.len();
            if n < 3 {
                return Err(format!(
                    "wrong number of args for dig: want at least 3 got {n}"
                ));
            }
            let mut cur = a.last().cloned().unwrap_or_default();
            for k in a.get(..n - 2).unwrap_or(&[]) {
                match cur.as_map().and_then(|m| m.get(&strval(k))) {
                    Some(v) => cur = v.clone(),
                    None => return Ok(a.get(n - 2).cloned().unwrap_or_default()),
                }
            }
            Ok(cur)
        }),
        ("randAlphaNum", |a| {
            Ok(Value::Str(pseudo_random(
                a,
                "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
            )))
        }),
        ("randAlpha", |a| {
            Ok(Value::Str(pseudo_random(
                a,
                "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
            )))
        }),
        ("randNumeric", |a| {
            Ok(Value::Str(pseudo_random(a, "0123456789")))
        }),
        ("randAscii", |a| {
            Ok(Value::Str(pseudo_random(
                a,
                "abcdefghijklmnopqrstuvwxyz!#%&()*+,-./:;<=>?@[]^_{|}~",
            )))
        }),
    ];
    // Every other Sprig/Helm name parses; calling one not implemented yet is an error.
    for name in ALL_NAMES {
        if !t.has_func(name) {
            let n = name.to_string();
            t.add_func(
                name,
                Arc::new(move |_| Err(format!("{n} is not supported by helm-lite yet"))),
            );
        }
    }
    const MUST: &[&str] = &[
        "uniq",
        "append",
        "prepend",
        "first",
        "last",
        "rest",
        "initial",
        "reverse",
        "compact",
        "has",
        "without",
        "merge",
        "mergeOverwrite",
        "deepCopy",
        "regexMatch",
        "regexReplaceAll",
        "regexReplaceAllLiteral",
        "regexFind",
        "toJson",
        "toRawJson",
        "toYaml",
        "fromJson",
        "fromYaml",
        "dig",
        "toPrettyJson",
    ];
    for (name, f) in fns {
        let f = *f;
        t.add_func(name, Arc::new(f));
        if MUST.contains(name) {
            let mut cs = name.chars();
            let must: String = cs
                .next()
                .map(|c| c.to_uppercase().chain(cs).collect())
                .unwrap_or_default();
            t.add_func(&format!("must{must}"), Arc::new(f));
        }
    }
}
