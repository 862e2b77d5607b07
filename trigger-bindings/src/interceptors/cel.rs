//! The CEL interceptor: `filter` and `overlays`, with Tekton's extra functions (`match`,
//! `canonical`, `truncate`, `compareSecret`, `parseJSON`, `parseYAML`, `parseURL`,
//! `marshalJSON`, `first`, `last`, `translate`, `decodeb64`) on top of CEL's standard
//! library and its strings, encoders, lists and math extensions.
//!
//! Expressions are compiled once. Only the top-level body fields an expression reads are
//! decoded for it. Before an expression runs, an upper bound on its work and memory is
//! computed from its syntax and the sizes of the event's inputs ([`cel_cost`]); an
//! expression that could exceed [`Limits`] is refused without running.
//!
//! [`cel_cost`]: super::cel_cost

use super::cel_cost::{self, Shape};
use super::cel_fast::{Fast, Input};
use super::{Decision, EventView};
use crate::json::{self, Doc, NodeId, RawKind};
use crate::listener::Limits;
use crate::listener::RejectionKind;
use crate::model::InterceptorParam;
use crate::secrets::{SecretStore, constant_time_eq};
use cel::common::ast::{EntryExpr, Expr, IdedExpr, LiteralValue};
use cel::extractors::This;
use cel::objects::{Key, Map};
use cel::{Context, Env, ExecutionError, FunctionContext, Program, Value as CelValue};
use serde_json::Value;
use std::cell::OnceCell;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// CEL's environment, built once per process.
pub(crate) fn env() -> Arc<Env> {
    static ENV: OnceLock<Arc<Env>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Env::stdlib();
        let _ = env.add_extension(cel::extensions::strings);
        let _ = env.add_extension(cel::extensions::encoders);
        let _ = env.add_extension(cel::extensions::lists);
        let _ = env.add_extension(cel::extensions::math);
        env.set_error_on_duplicate_map_keys(false);
        Arc::new(env)
    })
    .clone()
}

/// A compiled CEL expression and what it reads.
pub(crate) struct Compiled {
    source: String,
    program: Program,
    /// `None`: the whole body; otherwise the top-level fields read.
    body_fields: Option<Vec<String>>,
    uses_body: bool,
    /// The Tekton functions the expression calls (registered per evaluation).
    functions: Vec<&'static str>,
    /// The expression in the subset [`Fast`] decides without building CEL values.
    fast: Option<Fast>,
    /// The literal patterns of its regular expressions that compile small (see
    /// [`cel_cost::SMALL_REGEX_BYTES`]).
    small_regexes: Vec<String>,
}

/// Tekton's functions, registered on demand.
const TEKTON_FUNCTIONS: &[&str] = &[
    "match",
    "canonical",
    "truncate",
    "compareSecret",
    "parseJSON",
    "parseYAML",
    "parseURL",
    "marshalJSON",
    "first",
    "last",
    "translate",
    "decodeb64",
    "sets.contains",
    "sets.equivalent",
    "sets.intersects",
];

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compiled")
            .field("source", &self.source)
            .finish()
    }
}

/// Longest CEL expression accepted, in bytes.
pub(crate) const MAX_EXPRESSION_LEN: usize = 16 * 1024;

impl Compiled {
    pub(crate) fn new(source: &str) -> Result<Compiled, String> {
        if source.len() > MAX_EXPRESSION_LEN {
            return Err(format!(
                "failed to parse expression: longer than {MAX_EXPRESSION_LEN} bytes"
            ));
        }
        if nesting(source) > 64 {
            return Err("failed to parse expression: nested more than 64 levels".to_string());
        }
        let program = env()
            .compile(source)
            .map_err(|e| format!("failed to parse expression {source:?}: {e}"))?;
        let mut fields = Some(Vec::new());
        collect_body_fields(program.expression(), &mut fields);
        let refs = program.references();
        let uses_body = refs.has_variable("body");
        let functions = TEKTON_FUNCTIONS
            .iter()
            .copied()
            .filter(|f| {
                // `sets.f(..)` is referenced as a call of `f` (or of the qualified name).
                refs.has_function(f)
                    || f.strip_prefix("sets.")
                        .is_some_and(|short| refs.has_function(short))
            })
            .collect();
        let fast = Fast::compile(program.expression());
        let mut small_regexes = Vec::new();
        collect_small_regexes(program.expression(), &mut small_regexes);
        Ok(Compiled {
            source: source.to_string(),
            program,
            body_fields: fields,
            uses_body,
            functions,
            fast,
            small_regexes,
        })
    }

    pub(crate) fn source(&self) -> &str {
        &self.source
    }
}

/// Bracket nesting of the source text (the parser recurses on it).
fn nesting(s: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    for c in s.chars() {
        match c {
            '(' | '[' | '{' => {
                depth += 1;
                max = max.max(depth);
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

fn collect_body_fields(e: &IdedExpr, out: &mut Option<Vec<String>>) {
    match &e.expr {
        Expr::Select(s) => {
            if matches!(&s.operand.expr, Expr::Ident(n) if n == "body") {
                if let Some(v) = out.as_mut() {
                    v.push(s.field.clone());
                }
                return;
            }
            collect_body_fields(&s.operand, out);
        }
        Expr::Ident(n) => {
            if n == "body" {
                *out = None;
            }
        }
        Expr::Call(c) => {
            if let ([target, key], None, "_[_]") =
                (c.args.as_slice(), &c.target, c.func_name.as_str())
                && matches!(&target.expr, Expr::Ident(n) if n == "body")
                && let Expr::Literal(LiteralValue::String(k)) = &key.expr
            {
                if let Some(v) = out.as_mut() {
                    v.push(k.inner().to_string());
                }
                return;
            }
            if let Some(t) = &c.target {
                collect_body_fields(t, out);
            }
            for a in &c.args {
                collect_body_fields(a, out);
            }
        }
        Expr::Comprehension(c) => {
            if c.iter_var == "body"
                || c.accu_var == "body"
                || c.iter_var2.as_deref() == Some("body")
            {
                *out = None;
            }
            for x in [
                &c.iter_range,
                &c.accu_init,
                &c.loop_cond,
                &c.loop_step,
                &c.result,
            ] {
                collect_body_fields(x, out);
            }
        }
        Expr::List(l) => l.elements.iter().for_each(|x| collect_body_fields(x, out)),
        Expr::Map(m) => m.entries.iter().for_each(|x| entry_fields(&x.expr, out)),
        Expr::Struct(s) => s.entries.iter().for_each(|x| entry_fields(&x.expr, out)),
        Expr::Literal(_) | Expr::Unspecified => {}
    }
}

fn entry_fields(e: &EntryExpr, out: &mut Option<Vec<String>>) {
    match e {
        EntryExpr::StructField(f) => collect_body_fields(&f.value, out),
        EntryExpr::MapEntry(m) => {
            collect_body_fields(&m.key, out);
            collect_body_fields(&m.value, out);
        }
    }
}

/// Pushes onto `out` the literal patterns of `matches` and `translate` calls in `e` that
/// compile within [`cel_cost::SMALL_REGEX_BYTES`].
fn collect_small_regexes(e: &IdedExpr, out: &mut Vec<String>) {
    match &e.expr {
        Expr::Call(c) => {
            // The pattern is the second operand, the receiver counted.
            let pattern = match (c.target.as_deref(), c.args.as_slice()) {
                (Some(_), [p, ..]) | (None, [_, p, ..]) => Some(p),
                _ => None,
            };
            if let (Some(p), "matches" | "translate") = (pattern, c.func_name.as_str())
                && let Expr::Literal(LiteralValue::String(p)) = &p.expr
                && regex::RegexBuilder::new(p.inner())
                    .size_limit(cel_cost::SMALL_REGEX_BYTES)
                    .build()
                    .is_ok()
            {
                out.push(p.inner().to_string());
            }
            if let Some(t) = &c.target {
                collect_small_regexes(t, out);
            }
            for a in &c.args {
                collect_small_regexes(a, out);
            }
        }
        Expr::Select(s) => collect_small_regexes(&s.operand, out),
        Expr::Comprehension(c) => {
            for x in [
                &c.iter_range,
                &c.accu_init,
                &c.loop_cond,
                &c.loop_step,
                &c.result,
            ] {
                collect_small_regexes(x, out);
            }
        }
        Expr::List(l) => {
            for x in &l.elements {
                collect_small_regexes(x, out);
            }
        }
        Expr::Map(m) => m.entries.iter().for_each(|x| entry_regexes(&x.expr, out)),
        Expr::Struct(s) => s.entries.iter().for_each(|x| entry_regexes(&x.expr, out)),
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => {}
    }
}

fn entry_regexes(e: &EntryExpr, out: &mut Vec<String>) {
    match e {
        EntryExpr::StructField(f) => collect_small_regexes(&f.value, out),
        EntryExpr::MapEntry(m) => {
            collect_small_regexes(&m.key, out);
            collect_small_regexes(&m.value, out);
        }
    }
}

/// The CEL interceptor's configuration.
#[derive(Debug)]
pub(crate) struct CelInterceptor {
    pub filter: Option<Compiled>,
    pub overlays: Vec<(String, Compiled)>,
}

/// Per-event CEL inputs, shared by every CEL interceptor of the event.
pub(crate) struct Inputs {
    header: CelValue,
    body_cache: std::cell::RefCell<HashMap<String, Option<CelValue>>>,
    whole_body: std::cell::OnceCell<CelValue>,
}

impl Inputs {
    pub(crate) fn new(view: &EventView<'_>) -> Inputs {
        let mut h: HashMap<Key, CelValue> = HashMap::new();
        for (k, vals) in view.canonical_headers() {
            let list: Vec<CelValue> = vals
                .iter()
                .map(|v| CelValue::String(Arc::new(v.clone())))
                .collect();
            h.insert(
                Key::String(Arc::new(k.clone())),
                CelValue::List(Arc::new(list)),
            );
        }
        Inputs {
            header: CelValue::Map(Map { map: Arc::new(h) }),
            body_cache: Default::default(),
            whole_body: Default::default(),
        }
    }
}

impl CelInterceptor {
    pub(crate) fn process(
        &self,
        view: &EventView<'_>,
        inputs: &OnceCell<Inputs>,
        extensions: &serde_json::Map<String, Value>,
        secrets: &Arc<dyn SecretStore>,
        namespace: &str,
        limits: &Limits,
    ) -> Decision {
        // CEL values of the inputs are built only if the full evaluator runs.
        let ext_cell = OnceCell::new();
        let ext = || ext_cell.get_or_init(|| json_to_cel(&Value::Object(extensions.clone())));
        let inputs = || inputs.get_or_init(|| Inputs::new(view));
        let sizes = Sizes::new(view, extensions);
        if let Some(f) = &self.filter {
            let verdict = match fast_verdict(f, view, extensions, &sizes, limits) {
                Some(v) => Ok(CelValue::Bool(v)),
                None => evaluate(f, view, inputs(), ext(), &sizes, secrets, namespace, limits),
            };
            match verdict {
                Ok(CelValue::Bool(true)) => {}
                Ok(_) => {
                    return Decision::Stop(
                        RejectionKind::Filter,
                        format!("expression {} did not return true", f.source()),
                    );
                }
                Err(e) => {
                    return Decision::Stop(
                        RejectionKind::Interceptor,
                        format!("error evaluating cel expression: {e}"),
                    );
                }
            }
        }
        let mut out = serde_json::Map::new();
        for (key, expr) in &self.overlays {
            let v = match evaluate(
                expr,
                view,
                inputs(),
                ext(),
                &sizes,
                secrets,
                namespace,
                limits,
            ) {
                Ok(v) => v,
                Err(e) => {
                    return Decision::Stop(
                        RejectionKind::Interceptor,
                        format!("error evaluating cel expression: {e}"),
                    );
                }
            };
            let Some(j) = cel_to_json(&v) else {
                return Decision::Stop(
                    RejectionKind::Interceptor,
                    format!(
                        "failed to convert overlay result to type: {} cannot be a JSON value",
                        v.type_of()
                    ),
                );
            };
            set_path(&mut out, key, j);
        }
        Decision::Continue(out)
    }
}

/// The sizes of the inputs other than the body, shared by every expression of one
/// interceptor.
pub(crate) struct Sizes {
    header: Shape,
    extensions: Shape,
    url: Shape,
}

impl Sizes {
    pub(crate) fn new(view: &EventView<'_>, extensions: &serde_json::Map<String, Value>) -> Sizes {
        Sizes {
            header: cel_cost::header_shape(view.headers.iter()),
            extensions: cel_cost::map_shape(extensions),
            url: Shape::string(view.url.len() as u128),
        }
    }
}

/// The body an expression reads: `None` for an empty body (Tekton evaluates it as `{}`)
/// or one the expression does not read; an error if it is not a JSON object.
fn body_doc<'v>(c: &Compiled, view: &'v EventView<'_>) -> Result<Option<&'v Doc<'v>>, String> {
    if !c.uses_body || view.body_bytes.is_empty() {
        return Ok(None);
    }
    let doc = view.parsed_body()?;
    if doc.kind(Doc::ROOT) != RawKind::Object {
        return Err("the body is not a JSON object".to_string());
    }
    Ok(Some(doc))
}

/// Refuses `c` if it could do more work or allocate more memory than `limits` allow on
/// these inputs (see [`cel_cost`]).
fn check_cost(
    c: &Compiled,
    doc: Option<&Doc<'_>>,
    sizes: &Sizes,
    limits: &Limits,
) -> Result<(), String> {
    let cost = cost_bound(c, doc, sizes);
    let expr = c.source();
    if cost.work > u128::from(limits.max_cel_cost) {
        return Err(format!(
            "expression {expr:?} exceeds the cost limit: estimated {} steps, limit {}",
            cost.work, limits.max_cel_cost
        ));
    }
    let memory = cost.memory.saturating_add(cost.temp);
    if memory > u128::from(limits.max_cel_memory_bytes) {
        return Err(format!(
            "expression {expr:?} exceeds the cost limit: it may allocate {memory} bytes, \
             limit {} bytes (Limits::max_cel_memory_bytes)",
            limits.max_cel_memory_bytes
        ));
    }
    Ok(())
}

/// The bound on what evaluating `c` on these inputs costs.
pub(crate) fn cost_bound(c: &Compiled, doc: Option<&Doc<'_>>, sizes: &Sizes) -> cel_cost::Cost {
    let inputs = cel_cost::Inputs {
        doc,
        body_fields: c.body_fields.as_deref(),
        header: sizes.header,
        extensions: sizes.extensions,
        url: sizes.url,
    };
    cel_cost::estimate(c.program.expression(), &inputs, &c.small_regexes)
}

/// The filter's verdict from the fast path, when it has one and the full evaluator would
/// not refuse the expression for the cost limits (the same check on the same inputs).
fn fast_verdict(
    c: &Compiled,
    view: &EventView<'_>,
    extensions: &serde_json::Map<String, Value>,
    sizes: &Sizes,
    limits: &Limits,
) -> Option<bool> {
    let fast = c.fast.as_ref()?;
    // The full evaluator fails as a whole when the body it reads is not a JSON object; only
    // a missing field is an error local to its subexpression.
    let doc = body_doc(c, view).ok()?;
    check_cost(c, doc, sizes, limits).ok()?;
    fast.decide(&Input {
        view,
        headers: view.headers,
        extensions,
    })
}

#[allow(clippy::too_many_arguments)]
fn evaluate(
    c: &Compiled,
    view: &EventView<'_>,
    inputs: &Inputs,
    ext: &CelValue,
    sizes: &Sizes,
    secrets: &Arc<dyn SecretStore>,
    namespace: &str,
    limits: &Limits,
) -> Result<CelValue, String> {
    let expr = c.source();
    let doc = body_doc(c, view).map_err(|e| format!("failed to parse the body as JSON: {e}"))?;
    check_cost(c, doc, sizes, limits)?;
    let body = match doc {
        Some(doc) => body_value(c, doc, inputs),
        None => CelValue::Map(Map {
            map: Arc::new(HashMap::new()),
        }),
    };
    let mut ctx = Context::with_env(env());
    ctx.add_variable_from_value("body", body);
    ctx.add_variable_from_value("header", inputs.header.clone());
    ctx.add_variable_from_value("extensions", ext.clone());
    ctx.add_variable_from_value("requestURL", view.url.to_string());
    for f in &c.functions {
        register(&mut ctx, f, secrets, namespace);
    }
    c.program
        .execute(&ctx)
        .map_err(|e| format!("expression {expr:?} failed to evaluate: {e}"))
}

/// The body's CEL value for `c`: the whole object, or the top-level fields it reads.
fn body_value(c: &Compiled, doc: &Doc<'_>, inputs: &Inputs) -> CelValue {
    match &c.body_fields {
        None => inputs
            .whole_body
            .get_or_init(|| doc_to_cel(doc, Doc::ROOT))
            .clone(),
        Some(fields) => {
            let mut map: HashMap<Key, CelValue> = HashMap::new();
            let mut cache = inputs.body_cache.borrow_mut();
            for f in fields {
                let v = cache
                    .entry(f.clone())
                    .or_insert_with(|| doc.field(Doc::ROOT, f).map(|id| doc_to_cel(doc, id)))
                    .clone();
                if let Some(v) = v {
                    map.insert(Key::String(Arc::new(f.clone())), v);
                }
            }
            CelValue::Map(Map { map: Arc::new(map) })
        }
    }
}

fn doc_to_cel(doc: &Doc<'_>, id: NodeId) -> CelValue {
    match doc.kind(id) {
        RawKind::Object => {
            let mut map = HashMap::new();
            for c in doc.children(id) {
                map.insert(
                    Key::String(Arc::new(doc.key(c).into_owned())),
                    doc_to_cel(doc, c),
                );
            }
            CelValue::Map(Map { map: Arc::new(map) })
        }
        RawKind::Array => CelValue::List(Arc::new(
            doc.children(id).map(|c| doc_to_cel(doc, c)).collect(),
        )),
        RawKind::String => CelValue::String(Arc::new(
            doc.str(id).map(|s| s.into_owned()).unwrap_or_default(),
        )),
        // JSON numbers are doubles, as in Tekton (Go decodes them to float64).
        RawKind::Number => CelValue::Float(doc.number(id)),
        RawKind::Bool => CelValue::Bool(doc.raw(id).first() == Some(&b't')),
        RawKind::Null => CelValue::Null,
    }
}

pub(crate) fn json_to_cel(v: &Value) -> CelValue {
    match v {
        Value::Null => CelValue::Null,
        Value::Bool(b) => CelValue::Bool(*b),
        Value::Number(n) => CelValue::Float(n.as_f64().unwrap_or(0.0)),
        Value::String(s) => CelValue::String(Arc::new(s.clone())),
        Value::Array(a) => CelValue::List(Arc::new(a.iter().map(json_to_cel).collect())),
        Value::Object(m) => {
            let map: HashMap<Key, CelValue> = m
                .iter()
                .map(|(k, v)| (Key::String(Arc::new(k.clone())), json_to_cel(v)))
                .collect();
            CelValue::Map(Map { map: Arc::new(map) })
        }
    }
}

fn number(f: f64) -> Value {
    if f.fract() == 0.0 && f.abs() < 9.007_199_254_740_992e15 {
        Value::from(f as i64)
    } else {
        serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null)
    }
}

fn key_string(k: &Key) -> String {
    match k {
        Key::String(s) => s.to_string(),
        Key::Int(i) => i.to_string(),
        Key::Uint(u) => u.to_string(),
        Key::Bool(b) => b.to_string(),
    }
}

/// A CEL value as JSON (`None` for functions and opaque values).
pub(crate) fn cel_to_json(v: &CelValue) -> Option<Value> {
    use base64::Engine as _;
    Some(match v {
        CelValue::Null => Value::Null,
        CelValue::Bool(b) => Value::Bool(*b),
        CelValue::Int(i) => number(*i as f64),
        CelValue::UInt(u) => number(*u as f64),
        CelValue::Float(f) => number(*f),
        CelValue::String(s) => Value::String(s.to_string()),
        CelValue::Bytes(b) => {
            Value::String(base64::engine::general_purpose::STANDARD.encode(b.as_slice()))
        }
        CelValue::List(l) => Value::Array(l.iter().map(cel_to_json).collect::<Option<Vec<_>>>()?),
        CelValue::Map(m) => {
            let mut entries: Vec<(String, Value)> = Vec::with_capacity(m.map.len());
            for (k, v) in m.map.iter() {
                entries.push((key_string(k), cel_to_json(v)?));
            }
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().collect())
        }
        CelValue::Duration(d) => {
            Value::String(format!("{}s", d.num_milliseconds() as f64 / 1000.0))
        }
        CelValue::Timestamp(t) => Value::String(t.to_rfc3339()),
        _ => return None,
    })
}

/// Sets `key` (dot-separated path, `\.` escapes a dot) in `map`, as Tekton's sjson does.
pub(crate) fn set_path(map: &mut serde_json::Map<String, Value>, key: &str, v: Value) {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut chars = key.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            '.' => parts.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    parts.push(cur);
    let Some((last, init)) = parts.split_last() else {
        return;
    };
    let mut m = map;
    for p in init {
        let entry = m
            .entry(p.clone())
            .or_insert_with(|| Value::Object(Default::default()));
        if !entry.is_object() {
            *entry = Value::Object(Default::default());
        }
        let Value::Object(next) = entry else { return };
        m = next;
    }
    m.insert(last.clone(), v);
}

type FnResult = Result<CelValue, ExecutionError>;

fn register(
    ctx: &mut Context<'_, '_>,
    name: &str,
    secrets: &Arc<dyn SecretStore>,
    namespace: &str,
) {
    let _ = match name {
        "match" => ctx.add_function("match", header_match),
        "canonical" => ctx.add_function("canonical", header_canonical),
        "truncate" => ctx.add_function("truncate", truncate),
        "parseJSON" => ctx.add_function("parseJSON", parse_json),
        "parseYAML" => ctx.add_function("parseYAML", parse_yaml),
        "parseURL" => ctx.add_function("parseURL", parse_url),
        "marshalJSON" => ctx.add_function("marshalJSON", marshal_json),
        "first" => ctx.add_function("first", list_first),
        "last" => ctx.add_function("last", list_last),
        "translate" => ctx.add_function("translate", translate),
        "decodeb64" => ctx.add_function("decodeb64", decode_b64),
        "sets.contains" => ctx.add_function("sets.contains", sets_contains),
        "sets.equivalent" => ctx.add_function("sets.equivalent", sets_equivalent),
        "sets.intersects" => ctx.add_function("sets.intersects", sets_intersects),
        "compareSecret" => {
            let store = Arc::clone(secrets);
            let ns = namespace.to_string();
            ctx.add_function(
                "compareSecret",
                move |ftx: &FunctionContext,
                      This(this): This<Arc<String>>,
                      key: Arc<String>,
                      name: Arc<String>|
                      -> FnResult {
                    match store.get(&ns, &name, &key) {
                        Err(e) => Err(ftx.error(e.to_string())),
                        Ok(Some(secret)) => Ok(CelValue::Bool(constant_time_eq(
                            secret.expose(),
                            this.as_bytes(),
                        ))),
                        Ok(None) => Err(ftx.error(format!(
                            "failed to find secret {name:?} key {key:?} in compareSecret"
                        ))),
                    }
                },
            )
        }
        _ => Ok(()),
    };
}

fn header_get<'a>(h: &'a CelValue, name: &str) -> Option<&'a CelValue> {
    let CelValue::Map(m) = h else { return None };
    let key = crate::header_name::canonical_header_key(name);
    let v = m.map.get(&Key::String(Arc::new(key.into_owned())))?;
    match v {
        CelValue::List(l) => l.first(),
        other => Some(other),
    }
}

fn header_match(This(this): This<CelValue>, name: Arc<String>, value: Arc<String>) -> FnResult {
    Ok(CelValue::Bool(
        matches!(header_get(&this, &name), Some(CelValue::String(s)) if **s == *value),
    ))
}

fn header_canonical(This(this): This<CelValue>, name: Arc<String>) -> FnResult {
    Ok(match header_get(&this, &name) {
        Some(CelValue::String(s)) => CelValue::String(s.clone()),
        _ => CelValue::String(Arc::new(String::new())),
    })
}

fn truncate(ftx: &FunctionContext, This(this): This<Arc<String>>, n: i64) -> FnResult {
    let n = usize::try_from(n).map_err(|_| ftx.error("negative length"))?;
    if n >= this.len() {
        return Ok(CelValue::String(this));
    }
    let mut end = n;
    while !this.is_char_boundary(end) {
        end -= 1;
    }
    Ok(CelValue::String(Arc::new(
        this.get(..end).unwrap_or_default().to_string(),
    )))
}

fn parse_json(ftx: &FunctionContext, This(this): This<Arc<String>>) -> FnResult {
    let v: Value = serde_json::from_str(&this).map_err(|e| {
        ftx.error(format!(
            "failed to decode {:?} in parseJSON: {e}",
            this.as_str()
        ))
    })?;
    if !v.is_object() {
        return Err(ftx.error("parseJSON: the value is not a JSON object"));
    }
    Ok(json_to_cel(&v))
}

/// The most YAML nodes `parseYAML` accepts from `len` bytes: aliases may not expand a
/// document past what its text could spell out.
pub(crate) fn yaml_max_nodes(len: u128) -> u128 {
    len.saturating_mul(2).saturating_add(16)
}

/// The most scalar bytes (tags included) `parseYAML` accepts from `len` bytes.
pub(crate) fn yaml_max_scalar_bytes(len: u128) -> u128 {
    len.saturating_mul(4).saturating_add(64)
}

fn parse_yaml(ftx: &FunctionContext, This(this): This<Arc<String>>) -> FnResult {
    let len = this.len() as u128;
    let mut budget = serde_saphyr::Budget::default();
    budget.max_nodes = usize::try_from(yaml_max_nodes(len))
        .unwrap_or(usize::MAX)
        .min(budget.max_nodes);
    budget.max_total_scalar_bytes = usize::try_from(yaml_max_scalar_bytes(len))
        .unwrap_or(usize::MAX)
        .min(budget.max_total_scalar_bytes);
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    let v: Value = serde_saphyr::from_str_with_options(&this, options)
        .map_err(|e| ftx.error(format!("failed to decode in parseYAML: {e}")))?;
    if !v.is_object() {
        return Err(ftx.error("parseYAML: the value is not a mapping"));
    }
    Ok(json_to_cel(&v))
}

fn parse_url(ftx: &FunctionContext, This(this): This<Arc<String>>) -> FnResult {
    let s = this.as_str();
    let (scheme, rest) = match s.split_once("://") {
        Some((sc, r)) => (sc, r),
        None => ("", s),
    };
    if scheme.contains(|c: char| !(c.is_ascii_alphanumeric() || "+-.".contains(c))) {
        return Err(ftx.error(format!("failed to decode {s:?} in parseURL")));
    }
    let (rest, fragment) = rest.split_once('#').unwrap_or((rest, ""));
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (host, path) = if scheme.is_empty() {
        ("", rest)
    } else {
        match rest.find('/') {
            Some(i) => (
                rest.get(..i).unwrap_or_default(),
                rest.get(i..).unwrap_or_default(),
            ),
            None => (rest, ""),
        }
    };
    let (auth, host) = match host.rsplit_once('@') {
        Some((a, h)) => (Some(a), h),
        None => (None, host),
    };
    let mut query_strings: Vec<(String, Vec<String>)> = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match query_strings.iter_mut().find(|(key, _)| key == k) {
            Some((_, vals)) => vals.push(v.to_string()),
            None => query_strings.push((k.to_string(), vec![v.to_string()])),
        }
    }
    let mut m = serde_json::Map::new();
    m.insert("scheme".into(), scheme.into());
    m.insert("host".into(), host.into());
    m.insert("path".into(), path.into());
    m.insert("rawQuery".into(), query.into());
    m.insert("fragment".into(), fragment.into());
    m.insert(
        "queryStrings".into(),
        Value::Object(
            query_strings
                .iter()
                .map(|(k, v)| (k.clone(), Value::from(v.clone())))
                .collect(),
        ),
    );
    m.insert(
        "query".into(),
        Value::Object(
            query_strings
                .iter()
                .map(|(k, v)| (k.clone(), Value::from(v.join(","))))
                .collect(),
        ),
    );
    if let Some(a) = auth {
        let (u, p) = a.split_once(':').unwrap_or((a, ""));
        m.insert(
            "auth".into(),
            serde_json::json!({"username": u, "password": p}),
        );
    }
    Ok(json_to_cel(&Value::Object(m)))
}

fn marshal_json(ftx: &FunctionContext, This(this): This<CelValue>) -> FnResult {
    if !matches!(this, CelValue::Map(_) | CelValue::List(_)) {
        return Err(ftx.error(format!(
            "unexpected type '{}' passed to marshalJSON",
            this.type_of()
        )));
    }
    let j = cel_to_json(&this).ok_or_else(|| ftx.error("value cannot be marshalled to JSON"))?;
    let mut out = String::new();
    json::go_marshal_value(&mut out, &j);
    Ok(CelValue::String(Arc::new(out)))
}

/// Whether every element of `sub` is in `list`, by CEL equality (`1 == 1.0 == 1u`), as
/// cel-go's `sets.contains`.
fn all_in(list: &[CelValue], sub: &[CelValue]) -> bool {
    sub.iter().all(|x| list.iter().any(|y| x == y))
}

fn sets_contains(list: Arc<Vec<CelValue>>, sub: Arc<Vec<CelValue>>) -> FnResult {
    Ok(CelValue::Bool(all_in(&list, &sub)))
}

fn sets_equivalent(a: Arc<Vec<CelValue>>, b: Arc<Vec<CelValue>>) -> FnResult {
    Ok(CelValue::Bool(all_in(&a, &b) && all_in(&b, &a)))
}

fn sets_intersects(a: Arc<Vec<CelValue>>, b: Arc<Vec<CelValue>>) -> FnResult {
    Ok(CelValue::Bool(a.iter().any(|x| b.iter().any(|y| x == y))))
}

fn list_first(This(this): This<Arc<Vec<CelValue>>>) -> FnResult {
    Ok(this.first().cloned().unwrap_or(CelValue::Null))
}

fn list_last(This(this): This<Arc<Vec<CelValue>>>) -> FnResult {
    Ok(this.last().cloned().unwrap_or(CelValue::Null))
}

fn translate(
    ftx: &FunctionContext,
    This(this): This<Arc<String>>,
    re: Arc<String>,
    repl: Arc<String>,
) -> FnResult {
    let re = regex::RegexBuilder::new(&re)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| {
            ftx.error(format!(
                "failed to parse regular expression for translation: {e}"
            ))
        })?;
    Ok(CelValue::String(Arc::new(
        re.replace_all(&this, repl.as_str()).into_owned(),
    )))
}

fn decode_b64(ftx: &FunctionContext, This(this): This<Arc<String>>) -> FnResult {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(this.as_bytes())
        .map_err(|e| ftx.error(format!("failed to decode base64: {e}")))?;
    Ok(CelValue::String(Arc::new(
        String::from_utf8_lossy(&bytes).into_owned(),
    )))
}

/// The full evaluator alone, with no secrets and the default cost limit.
/// Builds the `cel` interceptor from its `filter` and `overlays` params.
pub(super) fn build(params: &[InterceptorParam]) -> Result<CelInterceptor, String> {
    let filter = match super::param(params, "filter") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(Value::String(s)) => {
            Some(Compiled::new(s).map_err(|e| format!("error evaluating cel expression: {e}"))?)
        }
        Some(other) => {
            return Err(format!(
                "failed to parse interceptor params: filter must be a string, not {other}"
            ));
        }
    };
    let mut overlays = Vec::new();
    match super::param(params, "overlays") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for item in items {
                let key = item.get("key").and_then(Value::as_str);
                let expr = item.get("expression").and_then(Value::as_str);
                let (Some(key), Some(expr)) = (key, expr) else {
                    return Err(format!(
                        "failed to parse interceptor params: an overlay needs a key and an expression: {item}"
                    ));
                };
                let compiled = Compiled::new(expr)
                    .map_err(|e| format!("error evaluating cel expression: {e}"))?;
                overlays.push((key.to_string(), compiled));
            }
        }
        Some(other) => {
            return Err(format!(
                "failed to parse interceptor params: overlays must be a list, not {other}"
            ));
        }
    }
    Ok(CelInterceptor { filter, overlays })
}

#[cfg(any(test, fuzzing))]
fn full_evaluation(
    c: &Compiled,
    view: &EventView<'_>,
    ext: &serde_json::Map<String, Value>,
) -> Result<CelValue, String> {
    let secrets: Arc<dyn SecretStore> = Arc::new(crate::secrets::MemorySecretStore::new());
    let sizes = Sizes::new(view, ext);
    let ext = json_to_cel(&Value::Object(ext.clone()));
    evaluate(
        c,
        view,
        &Inputs::new(view),
        &ext,
        &sizes,
        &secrets,
        "default",
        &Limits::default(),
    )
}

/// The fast path's verdict on filter `expr` (when it decides) and the full evaluator's.
#[cfg(fuzzing)]
pub(crate) fn verdicts(expr: &str, view: &EventView<'_>) -> Option<(bool, Result<bool, String>)> {
    let c = Compiled::new(expr).ok()?;
    let ext = serde_json::Map::new();
    let sizes = Sizes::new(view, &ext);
    let fast = fast_verdict(&c, view, &ext, &sizes, &Limits::default())?;
    let full = full_evaluation(&c, view, &ext).and_then(|v| match v {
        CelValue::Bool(b) => Ok(b),
        other => Err(format!("not a bool: {other:?}")),
    });
    Some((fast, full))
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )]
    use super::*;
    use crate::event::Headers;

    /// The fast path's verdict under a work limit of `max_cost`.
    fn fast(
        c: &Compiled,
        view: &EventView<'_>,
        ext: &serde_json::Map<String, Value>,
        max_cost: u64,
    ) -> Option<bool> {
        let limits = Limits {
            max_cel_cost: max_cost,
            ..Limits::default()
        };
        fast_verdict(c, view, ext, &Sizes::new(view, ext), &limits)
    }

    const BODY: &str = r#"{"ref":"refs/heads/main","action":"opened","n":3,"nil":null,
        "repository":{"name":"app","full_name":"acme/app","private":false,"topics":["a"]},
        "dup":"first","dup":"second","esc":"caf\u00e9 \"q\"","obj":{"k":"v"}}"#;

    /// Every expression's verdict from the fast path (when it has one) equals the full
    /// evaluator's, and the fast path decides the ones marked `true`.
    #[test]
    fn fast_path_agrees_with_the_full_evaluator() {
        let table: &[(&str, bool)] = &[
            ("body.ref == 'refs/heads/main'", true),
            ("body.ref != 'refs/heads/main'", true),
            (
                "body.ref == 'refs/heads/main' && header.match('X-GitHub-Event', 'push')",
                true,
            ),
            (
                "header.match('x-github-event', 'push') && body.action in ['opened', 'x']",
                true,
            ),
            (
                "header.match('X-GitHub-Event', 'pull_request') || body.ref.startsWith('refs/')",
                true,
            ),
            (
                "body.repository.full_name.endsWith('/app') && !body.repository.name.contains('z')",
                true,
            ),
            ("body['repository']['name'] == 'app'", true),
            ("body.dup == 'second'", true),
            ("body.esc == 'café \"q\"'", true),
            (
                "header.canonical('content-type') == 'application/json'",
                true,
            ),
            ("header.canonical('missing') == ''", true),
            (
                "has(body.repository.name) && !has(body.repository.nope)",
                true,
            ),
            ("has(extensions.a.b)", true),
            ("extensions.a.b == 'c'", true),
            ("true && body.ref == 'x'", true),
            // Decided because one side settles it whatever the other side does.
            ("body.missing == 'x' && false", true),
            ("body.n == 'x' || true", true),
            ("body.missing == 'x' && body.ref == 'nope'", true),
            // Left to the full evaluator: errors, non-strings, other functions.
            ("body.missing == 'x'", false),
            ("body.missing == 'x' || body.ref == 'refs/heads/main'", true),
            ("body.n == 3.0", false),
            ("body.n == 'x'", false),
            ("body.nil == 'x'", false),
            ("body.obj == 'x'", false),
            ("body.repository.private == false", false),
            ("size(body.ref) > 3", false),
            ("body.ref.split('/')[2] == 'main'", false),
            ("has(body.ref.x)", false),
            ("body.repository.topics.exists(t, t == 'a')", false),
        ];
        let headers = Headers::new()
            .with("X-GitHub-Event", "push")
            .with("content-type", "application/json")
            .with("Content-Type", "text/plain");
        let mut ext = serde_json::Map::new();
        ext.insert("a".into(), serde_json::json!({"b": "c"}));
        for (expr, decided) in table {
            let c = Compiled::new(expr).unwrap();
            let view = EventView::new(&headers, BODY.as_bytes(), "", 128);
            let fast = fast(&c, &view, &ext, 10_000_000);
            let full = full_evaluation(&c, &view, &ext);
            assert_eq!(
                fast.is_some(),
                *decided,
                "{expr}: fast {fast:?}, full {full:?}"
            );
            if let Some(v) = fast {
                assert_eq!(full, Ok(CelValue::Bool(v)), "{expr}");
            }
        }
    }

    fn expression() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let operand = prop::sample::select(vec![
            "body.ref",
            "body.missing",
            "body.n",
            "body.nil",
            "body.obj",
            "body.dup",
            "body.repository.name",
            "body.repository.topics",
            "body['esc']",
            "extensions.a.b",
            "extensions.a",
            "extensions.zz",
            "header.canonical('X-GitHub-Event')",
            "'refs/heads/main'",
            "'app'",
            "'push'",
            "'second'",
            "''",
        ]);
        let atom = (operand.clone(), operand, 0..9usize).prop_map(|(a, b, op)| match op {
            0 => format!("{a} == {b}"),
            1 => format!("{a} != {b}"),
            2 => format!("{a} in ['x', 'app', 'refs/heads/main', 'second']"),
            3 => format!("{a}.startsWith({b})"),
            4 => format!("{a}.endsWith({b})"),
            5 => format!("{a}.contains({b})"),
            6 => format!("header.match('x-github-event', {b})"),
            7 => "has(body.repository.name) && !has(body.nope)".to_string(),
            _ => "has(body.nope.x)".to_string(),
        });
        let leaf = prop_oneof![
            6 => atom,
            1 => Just("true".to_string()),
            1 => Just("false".to_string()),
        ];
        leaf.prop_recursive(4, 16, 2, |inner| {
            prop_oneof![
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) && ({b})")),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) || ({b})")),
                inner.prop_map(|a| format!("!({a})")),
            ]
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// Whenever the fast path answers, the full evaluator gives the same answer.
        #[test]
        fn fast_path_never_contradicts_the_full_evaluator(
            expr in expression(),
            body in proptest::sample::select(vec![BODY, "", "[1]", "{\"ref\": 1", "{\"ref\":\"x\"}"]),
        ) {
            let headers = Headers::new().with("X-GitHub-Event", "push");
            let mut ext = serde_json::Map::new();
            ext.insert("a".into(), serde_json::json!({"b": "app"}));
            let c = Compiled::new(&expr).unwrap();
            let view = EventView::new(&headers, body.as_bytes(), "", 128);
            if let Some(v) = fast(&c, &view, &ext, 10_000_000) {
                let full = full_evaluation(&c, &view, &ext);
                proptest::prop_assert_eq!(full, Ok(CelValue::Bool(v)), "{}", expr);
            }
        }
    }

    #[test]
    fn fast_path_steps_aside_for_the_cost_limit_and_bad_bodies() {
        let headers = Headers::new();
        let ext = serde_json::Map::new();
        let c = Compiled::new("body.ref == 'a' && body.ref.startsWith('a')").unwrap();
        let view = EventView::new(&headers, br#"{"ref":"a"}"#, "", 128);
        assert_eq!(fast(&c, &view, &ext, 10_000_000), Some(true));
        // A limit the estimate could exceed: the full evaluator reports it.
        assert_eq!(fast(&c, &view, &ext, 1), None);
        for body in [&b"{not json"[..], b"", b"[1]"] {
            let view = EventView::new(&headers, body, "", 128);
            assert_eq!(fast(&c, &view, &ext, 10_000_000), None);
        }
        // A body that does not parse fails the whole expression, even where the other side
        // of an `&&` is false (found by the cel_fast fuzz target).
        let c = Compiled::new("body.ref == 'x' && header.match('X-GitHub-Event', 'y')").unwrap();
        for (body, want) in [
            (&br#"{"a":{"b":2}"#[..], None),
            (b"[1]", None),
            (b"", Some(false)),
            (br#"{"ref":"x"}"#, Some(false)),
        ] {
            let view = EventView::new(&headers, body, "", 128);
            let fast = fast(&c, &view, &ext, 10_000_000);
            assert_eq!(fast, want, "{:?}", String::from_utf8_lossy(body));
            if let Some(v) = fast {
                let full = full_evaluation(&c, &view, &ext);
                assert_eq!(full, Ok(CelValue::Bool(v)));
            }
        }
    }
}
