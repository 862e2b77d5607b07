//! The executor of Go's `text/template` (`text/template/exec.go`) over [`Value`]s.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::Error;
use crate::parse::{Arg, Cmd, Node, Pipe, Tree, parse};
use crate::value::Value;

/// What a missing map key gives (`Option("missingkey=...")`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissingKey {
    /// `missingkey=default` / `invalid`: prints `<no value>`.
    #[default]
    Default,
    /// `missingkey=zero`: the map's zero value (nil for `interface{}` maps).
    Zero,
    /// `missingkey=error`: execution stops.
    Error,
}

/// A template function: arguments in, a value or an error message out.
pub type Func = Arc<dyn Fn(&[Value]) -> Result<Value, String> + Send + Sync>;

/// Bounds on execution; hostile templates stop with an error.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most bytes a template may write.
    pub max_output: usize,
    /// Deepest nesting of `template`/`include`/`tpl` calls together (Go allows 100,000
    /// `template`s, Helm 1,000 `include`s of one name, `tpl` has no bound there). The stack
    /// grows on the heap as needed, so this bounds memory.
    pub max_depth: usize,
    /// How deep one name may be `include`d within itself: Helm's 1,000.
    pub max_include: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_output: 64 << 20,
            max_depth: 3_000,
            max_include: 1_000,
        }
    }
}

/// A set of named templates with their functions, as Go's `*template.Template`.
#[derive(Clone, Default)]
pub struct Template {
    trees: BTreeMap<String, Arc<Tree>>,
    funcs: BTreeMap<String, Func>,
    /// The `missingkey` option.
    pub missing_key: MissingKey,
    /// Execution bounds.
    pub limits: Limits,
}

const BUILTINS: &[&str] = &[
    "and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf",
    "println", "urlquery", "eq", "ge", "gt", "le", "lt", "ne", "include", "tpl",
];

enum Recv<'a> {
    Dot(&'a Value),
    Var(usize),
    Owned(Option<Value>),
}

enum Step {
    Done(Option<Value>),
    Object(Arc<dyn crate::value::Object>, usize),
}

/// A command of a pipeline, or one argument evaluated as a command, without copying it.
#[derive(Clone, Copy)]
struct CmdRef<'a> {
    pos: usize,
    args: &'a [Arg],
}

impl<'a> From<&'a Cmd> for CmdRef<'a> {
    fn from(c: &'a Cmd) -> Self {
        CmdRef {
            pos: c.pos,
            args: &c.args,
        }
    }
}

impl std::fmt::Display for CmdRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, a) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{a}")?;
        }
        Ok(())
    }
}

/// Where a `template` action, `include` or `tpl` was called, for its errors (the context
/// text is only built when an error needs it).
#[derive(Clone, Copy)]
enum At<'c> {
    Cmd(CmdRef<'c>),
    Tmpl(usize, &'c str, Option<&'c Pipe>),
}

impl At<'_> {
    fn pos(&self) -> usize {
        match self {
            At::Cmd(c) => c.pos,
            At::Tmpl(p, _, _) => *p,
        }
    }

    fn ctx(&self) -> String {
        match self {
            At::Cmd(c) => c.to_string(),
            At::Tmpl(_, name, Some(p)) => {
                format!("{{{{template {} {}}}}}", crate::fmt::go_quote(name), p)
            }
            At::Tmpl(_, name, None) => format!("{{{{template {}}}}}", crate::fmt::go_quote(name)),
        }
    }
}

enum Flow {
    Normal,
    Break,
    Continue,
}

impl Template {
    /// An empty set with Go's builtins only.
    pub fn new() -> Self {
        Template::default()
    }

    /// Adds (or replaces) functions.
    pub fn add_func(&mut self, name: &str, f: Func) {
        self.funcs.insert(name.to_string(), f);
    }

    /// Whether a function of this name is known.
    pub fn has_func(&self, name: &str) -> bool {
        BUILTINS.contains(&name) || self.funcs.contains_key(name)
    }

    /// Parses `text` as the template `name`, adding its `define`s to the set
    /// (a later non-empty definition replaces an earlier one).
    pub fn parse(&mut self, name: &str, text: &str) -> Result<(), Error> {
        let trees = parse(name, text, &|f| self.has_func(f)).map_err(Error::Parse)?;
        for (n, t) in trees {
            if let Some(old) = self.trees.get(&n)
                && t.is_empty()
                && !old.is_empty()
            {
                continue;
            }
            self.trees.insert(n, Arc::new(t));
        }
        Ok(())
    }

    /// Names of the templates in the set.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.trees.keys().map(String::as_str)
    }

    /// Executes the template `name` with `data` as dot.
    pub fn execute(&self, name: &str, data: &Value) -> Result<String, Error> {
        let mut st = State {
            t: self,
            out: String::new(),
            vars: Vec::new(),
            depth: 0,
            tree: None,
            nil_root: matches!(data, Value::Nil),
            overlays: Vec::new(),
            included: BTreeMap::new(),
        };
        st.exec_template(name, data.clone(), None)?;
        Ok(st.out)
    }
}

struct State<'a> {
    t: &'a Template,
    out: String,
    vars: Vec<(String, Value)>,
    depth: usize,
    tree: Option<Arc<Tree>>,
    /// Templates `tpl` texts defined, innermost last: seen before the set's own.
    overlays: Vec<BTreeMap<String, Arc<Tree>>>,
    /// How deep each name is being `include`d (Helm stops past 1,000).
    included: BTreeMap<String, usize>,
    /// Executed with nil data: the top-level dot is Go's invalid value, whose fields are
    /// zero rather than errors.
    nil_root: bool,
}

type R<T> = Result<T, Error>;

impl<'a> State<'a> {
    fn errorf(&self, pos: Option<usize>, context: &str, msg: String) -> Error {
        match (self.tree.as_deref(), pos) {
            (Some(t), Some(p)) => Error::Exec(format!(
                "template: {}: executing {} at <{}>: {}",
                t.location(p),
                crate::fmt::go_quote(&t.name),
                context,
                msg
            )),
            (Some(t), None) => Error::Exec(format!("template: {}: {}", t.name, msg)),
            _ => Error::Exec(format!("template: {msg}")),
        }
    }

    fn exec_template(&mut self, name: &str, dot: Value, at: Option<At<'_>>) -> R<()> {
        let Some(tree) = self.lookup(name) else {
            let msg = format!("template {} not defined", crate::fmt::go_quote(name));
            return Err(match at {
                Some(at) => self.errorf(Some(at.pos()), &at.ctx(), msg),
                None => Error::Exec(format!(
                    "template: no template {} associated with template",
                    crate::fmt::go_quote(name)
                )),
            });
        };
        if self.depth >= self.t.limits.max_depth {
            let (p, c) = at.map_or((0, String::new()), |a| (a.pos(), a.ctx()));
            return Err(self.errorf(
                Some(p),
                &c,
                format!(
                    "exceeded maximum template depth ({})",
                    self.t.limits.max_depth
                ),
            ));
        }
        self.depth += 1;
        let saved_tree = self.tree.replace(tree.clone());
        let saved_vars = std::mem::replace(&mut self.vars, vec![("$".into(), dot.clone())]);
        // Deep recursion (Helm allows 1,000 nested includes) runs on a stack grown on the
        // heap, so it fits any thread's stack.
        let r = stacker::maybe_grow(128 * 1024, 4 << 20, || self.walk_list(&dot, &tree.root));
        self.vars = saved_vars;
        self.tree = saved_tree;
        self.depth -= 1;
        r.map(|_| ())
    }

    fn lookup(&self, name: &str) -> Option<Arc<Tree>> {
        self.overlays
            .iter()
            .rev()
            .find_map(|o| o.get(name))
            .or_else(|| self.t.trees.get(name))
            .cloned()
    }

    /// Runs a template of the set into a fresh buffer (`include`).
    fn include(&mut self, name: &str, dot: Value, at: At<'_>) -> R<String> {
        let n = self.included.get(name).copied().unwrap_or(0);
        if n > self.t.limits.max_include {
            return Err(self.errorf(
                Some(at.pos()),
                &at.ctx(),
                format!(
                    "error calling include: rendering template has a nested reference name: {name}: unable to execute template"
                ),
            ));
        }
        // Helm runs the named template on its own (`ExecuteTemplate`): a failure inside is
        // wrapped as Go wraps a function's error, `error calling include: template: ...`.
        if self.lookup(name).is_none() {
            return Err(self.errorf(
                Some(at.pos()),
                &at.ctx(),
                format!(
                    "error calling include: template: no template {} associated with template \"gotpl\"",
                    crate::fmt::go_quote(name)
                ),
            ));
        }
        self.included.insert(name.to_string(), n + 1);
        let saved = std::mem::take(&mut self.out);
        let saved_tree = self.tree.take();
        let r = self.exec_template(name, dot, None);
        self.tree = saved_tree;
        let got = std::mem::replace(&mut self.out, saved);
        if let Some(c) = self.included.get_mut(name) {
            *c = c.saturating_sub(1);
        }
        match r {
            Ok(()) => Ok(got),
            Err(Error::Exec(inner)) => Err(self.errorf(
                Some(at.pos()),
                &at.ctx(),
                format!("error calling include: {inner}"),
            )),
            Err(e) => Err(e),
        }
    }

    fn write(&mut self, s: &str) -> R<()> {
        if self.out.len() + s.len() > self.t.limits.max_output {
            return Err(Error::Limit(format!(
                "output exceeds {} bytes",
                self.t.limits.max_output
            )));
        }
        self.out.push_str(s);
        Ok(())
    }

    fn walk_list(&mut self, dot: &Value, list: &[Node]) -> R<Flow> {
        for n in list {
            match self.walk(dot, n)? {
                Flow::Normal => {}
                f => return Ok(f),
            }
        }
        Ok(Flow::Normal)
    }

    fn walk(&mut self, dot: &Value, node: &Node) -> R<Flow> {
        match node {
            Node::Text(t) => self.write(t)?,
            Node::Action(pipe) => {
                let v = self.eval_pipeline(dot, pipe)?;
                if pipe.decl.is_empty() {
                    let s = match v {
                        None | Some(Value::Nil) => "<no value>".to_string(),
                        Some(v) => v.to_go_string(),
                    };
                    self.write(&s)?;
                }
            }
            Node::If(b) | Node::With(b) => {
                let mark = self.vars.len();
                let v = self.eval_pipeline(dot, &b.pipe)?.unwrap_or_default();
                let r = if v.truthy() {
                    if matches!(node, Node::With(_)) {
                        self.walk_list(&v, &b.list)
                    } else {
                        self.walk_list(dot, &b.list)
                    }
                } else if let Some(e) = &b.else_list {
                    self.walk_list(dot, e)
                } else {
                    Ok(Flow::Normal)
                };
                self.vars.truncate(mark);
                return r;
            }
            Node::Range(b) => {
                let mark = self.vars.len();
                let r = self.walk_range(dot, b);
                self.vars.truncate(mark);
                r?;
            }
            Node::Template { pos, name, pipe } => {
                let v = match pipe {
                    Some(p) => self.eval_pipeline(dot, p)?.unwrap_or_default(),
                    None => Value::Nil,
                };
                self.exec_template(name, v, Some(At::Tmpl(*pos, name, pipe.as_ref())))?;
            }
            Node::Break => return Ok(Flow::Break),
            Node::Continue => return Ok(Flow::Continue),
        }
        Ok(Flow::Normal)
    }

    fn walk_range(&mut self, dot: &Value, b: &crate::parse::Branch) -> R<()> {
        let v = self.eval_pipeline(dot, &b.pipe)?.unwrap_or_default();
        let mark = self.vars.len();
        let mut items: Vec<(Value, Value)> = Vec::new();
        match &v {
            Value::List(l) => {
                for (i, e) in l.iter().enumerate() {
                    items.push((Value::Int(i as i64), e.clone()));
                }
            }
            Value::Map(m) => {
                for (k, e) in m.read().iter() {
                    items.push((Value::Str(k.clone()), e.clone()));
                }
            }
            Value::Int(n) => {
                if b.pipe.decl.len() > 1 {
                    return Err(self.errorf(
                        Some(b.pos),
                        &b.pipe.to_string(),
                        format!("can't use {n} to iterate over more than one variable"),
                    ));
                }
                for i in 0..(*n).max(0) {
                    if self.out.len() > self.t.limits.max_output {
                        break;
                    }
                    items.push((Value::Int(i), Value::Int(i)));
                }
            }
            Value::Nil => {}
            Value::Object(o) if o.entries().is_some() => {
                for (k, e) in o.entries().unwrap_or_default() {
                    items.push((Value::Str(k), e));
                }
            }
            other => {
                return Err(self.errorf(
                    Some(b.pos),
                    &b.pipe.to_string(),
                    format!("range can't iterate over {}", other.to_go_string()),
                ));
            }
        }
        if items.is_empty() {
            if let Some(e) = &b.else_list {
                self.walk_list(dot, e)?;
            }
            return Ok(());
        }
        for (k, e) in items {
            self.vars.truncate(mark);
            match b.pipe.decl.as_slice() {
                [] => {}
                [one] => self.set_or_push(one, e.clone(), b.pipe.is_assign, mark),
                [a, c, ..] => {
                    self.set_or_push(a, k, b.pipe.is_assign, mark);
                    self.set_or_push(c, e.clone(), b.pipe.is_assign, mark);
                }
            }
            match self.walk_list(&e, &b.list)? {
                Flow::Break => break,
                Flow::Continue | Flow::Normal => {}
            }
        }
        Ok(())
    }

    fn set_or_push(&mut self, name: &str, v: Value, assign: bool, _mark: usize) {
        if assign {
            self.set_var(name, v);
        } else {
            self.vars.push((name.to_string(), v));
        }
    }

    fn set_var(&mut self, name: &str, v: Value) {
        if let Some(slot) = self.vars.iter_mut().rev().find(|(n, _)| n == name) {
            slot.1 = v;
        }
    }

    fn var(&self, pos: usize, name: &str) -> R<Value> {
        match self.vars.iter().rev().find(|(n, _)| n == name) {
            Some((_, v)) => Ok(v.clone()),
            None => Err(self.errorf(Some(pos), name, format!("undefined variable: {name}"))),
        }
    }

    /// `None` is Go's invalid reflect.Value (a missing key under missingkey=default).
    fn eval_pipeline(&mut self, dot: &Value, pipe: &Pipe) -> R<Option<Value>> {
        let mut val: Option<Option<Value>> = None;
        for cmd in &pipe.cmds {
            let v = self.eval_command(dot, cmd.into(), val.take())?;
            val = Some(v);
        }
        let v = val.flatten();
        for name in &pipe.decl {
            let vv = v.clone().unwrap_or_default();
            if pipe.is_assign {
                self.set_var(name, vv);
            } else {
                self.vars.push((name.clone(), vv));
            }
        }
        Ok(v)
    }

    fn not_a_function(&self, cmd: CmdRef<'_>, fin: &Option<Option<Value>>) -> R<()> {
        if cmd.args.len() > 1 || fin.is_some() {
            let a = cmd.args.first().map(|a| a.to_string()).unwrap_or_default();
            return Err(self.errorf(
                Some(cmd.pos),
                &cmd.to_string(),
                format!("can't give argument to non-function {a}"),
            ));
        }
        Ok(())
    }

    fn eval_command(
        &mut self,
        dot: &Value,
        cmd: CmdRef<'_>,
        fin: Option<Option<Value>>,
    ) -> R<Option<Value>> {
        let Some(first) = cmd.args.first() else {
            return Ok(None);
        };
        match first {
            Arg::Field(p, id) => {
                let recv = if self.nil_root && self.depth == 1 && matches!(dot, Value::Nil) {
                    Recv::Owned(None)
                } else {
                    Recv::Dot(dot)
                };
                self.eval_field_chain(dot, recv, *p, first, id, cmd, fin)
            }
            Arg::Variable(p, name, id) => {
                if id.is_empty() {
                    let v = self.var(*p, name)?;
                    self.not_a_function(cmd, &fin)?;
                    return Ok(Some(v));
                }
                let Some(i) = self.vars.iter().rposition(|(n, _)| n == name) else {
                    return Err(self.errorf(Some(*p), name, format!("undefined variable: {name}")));
                };
                self.eval_field_chain(dot, Recv::Var(i), *p, first, id, cmd, fin)
            }
            Arg::Chain(p, inner, id) => {
                let v = self.eval_arg(dot, inner)?;
                if matches!(v, Value::Nil) && matches!(**inner, Arg::Nil(_)) {
                    return Err(self.errorf(
                        Some(*p),
                        &first.to_string(),
                        format!("indirection through explicit nil in {first}"),
                    ));
                }
                // A pipeline's nil result is Go's invalid value: fields of it are zero, not errors.
                let recv = match (inner.as_ref(), &v) {
                    (Arg::Pipe(_), Value::Nil) => None,
                    _ => Some(v),
                };
                self.eval_field_chain(dot, Recv::Owned(recv), *p, first, id, cmd, fin)
            }
            Arg::Ident(p, name) => self.eval_function(dot, *p, name, cmd, fin),
            Arg::Pipe(pipe) => {
                self.not_a_function(cmd, &fin)?;
                self.eval_pipeline(dot, pipe)
            }
            _ => {
                self.not_a_function(cmd, &fin)?;
                match first {
                    Arg::Nil(p) => Err(self.errorf(Some(*p), "nil", "nil is not a command".into())),
                    other => Ok(Some(self.eval_arg(dot, other)?)),
                }
            }
        }
    }

    /// Walks a field chain through maps (each step a reference-count copy); stops at an
    /// object (whose fields and methods need `&mut self` for arguments).
    fn walk_fields(
        &self,
        base: Option<&Value>,
        pos: usize,
        ctx: &Arg,
        ident: &[String],
        last_has_args: bool,
    ) -> R<Step> {
        let mut cur: Option<Value> = base.cloned();
        let n = ident.len();
        for (i, name) in ident.iter().enumerate() {
            let Some(r) = cur.take() else {
                if self.t.missing_key == MissingKey::Error {
                    return Err(self.errorf(
                        Some(pos),
                        &ctx.to_string(),
                        format!("nil data; no entry for key {}", crate::fmt::go_quote(name)),
                    ));
                }
                return Ok(Step::Done(None));
            };
            cur = match r {
                Value::Map(m) => {
                    if i + 1 == n && last_has_args {
                        return Err(self.errorf(
                            Some(pos),
                            &ctx.to_string(),
                            format!("{name} is not a method but has arguments"),
                        ));
                    }
                    match m.get(name) {
                        Some(v) => Some(v),
                        None => match self.t.missing_key {
                            MissingKey::Default => None,
                            MissingKey::Zero => Some(Value::Nil),
                            MissingKey::Error => {
                                return Err(self.errorf(
                                    Some(pos),
                                    &ctx.to_string(),
                                    format!(
                                        "map has no entry for key {}",
                                        crate::fmt::go_quote(name)
                                    ),
                                ));
                            }
                        },
                    }
                }
                Value::Object(o) => return Ok(Step::Object(o, i)),
                Value::Nil => {
                    return Err(self.errorf(
                        Some(pos),
                        &ctx.to_string(),
                        format!("nil pointer evaluating interface {{}}.{name}"),
                    ));
                }
                _ => {
                    return Err(self.errorf(
                        Some(pos),
                        &ctx.to_string(),
                        format!("can't evaluate field {name} in type interface {{}}"),
                    ));
                }
            };
        }
        Ok(Step::Done(cur))
    }

    #[allow(clippy::too_many_arguments)]
    fn eval_field_chain(
        &mut self,
        dot: &Value,
        receiver: Recv<'_>,
        pos: usize,
        ctx: &Arg,
        ident: &[String],
        cmd: CmdRef<'_>,
        fin: Option<Option<Value>>,
    ) -> R<Option<Value>> {
        let has_args = cmd.args.len() > 1 || fin.is_some();
        let step = {
            let base: Option<&Value> = match &receiver {
                Recv::Dot(d) => Some(*d),
                Recv::Var(i) => self.vars.get(*i).map(|(_, v)| v),
                Recv::Owned(v) => v.as_ref(),
            };
            self.walk_fields(base, pos, ctx, ident, has_args)?
        };
        let (o, i) = match step {
            Step::Done(v) => return Ok(v),
            Step::Object(o, i) => (o, i),
        };
        let Some(name) = ident.get(i) else {
            return Ok(None);
        };
        let last = i + 1 == ident.len();
        let v = if let Some(v) = o.field(name) {
            v
        } else {
            let mut args = Vec::new();
            if last {
                for a in cmd.args.iter().skip(1) {
                    args.push(self.eval_arg(dot, a)?);
                }
                if let Some(f) = &fin {
                    args.push(f.clone().unwrap_or_default());
                }
            }
            match o.call(name, &args) {
                Some(Ok(v)) => v,
                Some(Err(e)) => {
                    return Err(self.errorf(
                        Some(pos),
                        &ctx.to_string(),
                        format!("error calling {name}: {e}"),
                    ));
                }
                None => {
                    return Err(self.errorf(
                        Some(pos),
                        &ctx.to_string(),
                        format!("can't evaluate field {name} in type {}", o.type_name()),
                    ));
                }
            }
        };
        if last {
            return Ok(Some(v));
        }
        let rest = ident.get(i + 1..).unwrap_or(&[]);
        self.eval_field_chain(dot, Recv::Owned(Some(v)), pos, ctx, rest, cmd, fin)
    }

    fn eval_arg(&mut self, dot: &Value, a: &Arg) -> R<Value> {
        Ok(match a {
            Arg::Dot(_) => dot.clone(),
            Arg::Nil(_) => Value::Nil,
            Arg::Bool(_, b) => Value::Bool(*b),
            Arg::Str(_, _, s) => Value::Str(s.clone()),
            Arg::Number(p, n) => {
                let is_float = !n.text.to_ascii_lowercase().starts_with("0x")
                    && !n.text.starts_with('\'')
                    && n.text.contains(['.', 'e', 'E', 'p', 'P']);
                if is_float {
                    Value::Float(n.float.unwrap_or_default())
                } else if let Some(i) = n.int {
                    Value::Int(i)
                } else {
                    return Err(self.errorf(
                        Some(*p),
                        &n.text,
                        format!("{} overflows int", n.text),
                    ));
                }
            }
            Arg::Variable(p, name, id) if id.is_empty() => self.var(*p, name)?,
            Arg::Pipe(p) => self.eval_pipeline(dot, p)?.unwrap_or_default(),
            Arg::Ident(p, name) => {
                let cmd = CmdRef {
                    pos: *p,
                    args: std::slice::from_ref(a),
                };
                self.eval_function(dot, *p, name, cmd, None)?
                    .unwrap_or_default()
            }
            Arg::Field(..) | Arg::Variable(..) | Arg::Chain(..) => {
                let cmd = CmdRef {
                    pos: a.pos(),
                    args: std::slice::from_ref(a),
                };
                self.eval_command(dot, cmd, None)?.unwrap_or_default()
            }
        })
    }

    fn eval_function(
        &mut self,
        dot: &Value,
        pos: usize,
        name: &str,
        cmd: CmdRef<'_>,
        fin: Option<Option<Value>>,
    ) -> R<Option<Value>> {
        let rest = cmd.args.get(1..).unwrap_or(&[]);
        // short-circuit and/or
        if name == "and" || name == "or" {
            let mut n = rest.len();
            if fin.is_some() {
                n += 1;
            }
            if n == 0 {
                return Err(self.errorf(
                    Some(pos),
                    name,
                    format!("wrong number of args for {name}: want at least 1 got 0"),
                ));
            }
            let mut last = Value::Nil;
            for a in rest {
                last = self.eval_arg(dot, a)?;
                if (name == "and") != last.truthy() {
                    return Ok(Some(last));
                }
            }
            if let Some(f) = fin {
                last = f.unwrap_or_default();
            }
            return Ok(Some(last));
        }
        let mut args = Vec::with_capacity(rest.len() + 1);
        for a in rest {
            args.push(self.eval_arg(dot, a)?);
        }
        if let Some(f) = fin {
            args.push(f.unwrap_or_default());
        }
        let call_err = |s: &Self, e: String| {
            s.errorf(
                Some(cmd.pos),
                &cmd.to_string(),
                format!("error calling {name}: {e}"),
            )
        };
        match name {
            "include" => {
                let [Value::Str(n), d] = args.as_slice() else {
                    return Err(self.errorf(
                        Some(pos),
                        &cmd.to_string(),
                        format!(
                            "wrong number of args for include: want 2 got {}",
                            args.len()
                        ),
                    ));
                };
                let got = self.include(n, d.clone(), At::Cmd(cmd))?;
                return Ok(Some(Value::Str(got)));
            }
            "tpl" => {
                let [Value::Str(text), d] = args.as_slice() else {
                    return Err(self.errorf(
                        Some(pos),
                        &cmd.to_string(),
                        format!("wrong number of args for tpl: want 2 got {}", args.len()),
                    ));
                };
                return self
                    .tpl(text, d.clone(), At::Cmd(cmd))
                    .map(|s| Some(Value::Str(s)));
            }
            _ => {}
        }
        let r = match name {
            "print" => Ok(Value::Str(crate::fmt::sprint(&args))),
            "println" => Ok(Value::Str(crate::fmt::sprintln(&args))),
            "printf" => match args.split_first() {
                Some((Value::Str(f), rest)) => Ok(Value::Str(crate::fmt::sprintf(f, rest))),
                Some((v, _)) => Err(format!(
                    "wrong type for value; expected string; got {}",
                    v.type_name()
                )),
                None => {
                    return Err(self.errorf(
                        Some(pos),
                        name,
                        "wrong number of args for printf: want at least 1 got 0".into(),
                    ));
                }
            },
            "not" => {
                if args.len() != 1 {
                    return Err(self.errorf(
                        Some(pos),
                        name,
                        format!("wrong number of args for not: want 1 got {}", args.len()),
                    ));
                }
                Ok(Value::Bool(!args.first().is_some_and(Value::truthy)))
            }
            "len" => match args.as_slice() {
                [Value::Str(s)] => Ok(Value::Int(s.len() as i64)),
                [Value::List(l)] => Ok(Value::Int(l.len() as i64)),
                [Value::Map(m)] => Ok(Value::Int(m.len() as i64)),
                [v] => Err(format!("len of type {}", v.type_name())),
                _ => {
                    return Err(self.errorf(
                        Some(pos),
                        name,
                        format!("wrong number of args for len: want 1 got {}", args.len()),
                    ));
                }
            },
            "index" => crate::builtins::index(&args),
            "slice" => crate::builtins::slice(&args),
            "eq" | "ne" | "lt" | "le" | "gt" | "ge" => crate::builtins::compare(name, &args),
            "html" => Ok(Value::Str(crate::builtins::html_escape(
                &crate::builtins::eval_args(&args),
            ))),
            "js" => Ok(Value::Str(crate::builtins::js_escape(
                &crate::builtins::eval_args(&args),
            ))),
            "urlquery" => Ok(Value::Str(crate::builtins::query_escape(
                &crate::builtins::eval_args(&args),
            ))),
            "call" => Err("call of non-function".into()),
            _ => match self.t.funcs.get(name) {
                Some(f) => f(&args),
                None => {
                    return Err(self.errorf(
                        Some(pos),
                        name,
                        format!("{} is not a defined function", crate::fmt::go_quote(name)),
                    ));
                }
            },
        };
        match r {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.starts_with("wrong number of args") => Err(self.errorf(Some(pos), name, e)),
            Err(e) => Err(call_err(self, e)),
        }
    }

    fn tpl(&mut self, text: &str, dot: Value, at: At<'_>) -> R<String> {
        if self.depth >= self.t.limits.max_depth {
            return Err(self.errorf(
                Some(at.pos()),
                &at.ctx(),
                format!(
                    "exceeded maximum template depth ({})",
                    self.t.limits.max_depth
                ),
            ));
        }
        let trees = parse("gotpl", text, &|f| self.t.has_func(f)).map_err(|e| {
            self.errorf(
                Some(at.pos()),
                &at.ctx(),
                format!(
                    "error calling tpl: cannot parse template {}: {}",
                    crate::fmt::go_quote(text),
                    Error::Parse(e)
                ),
            )
        })?;
        let mut overlay = BTreeMap::new();
        for (n, t) in trees {
            if t.is_empty()
                && let Some(old) = self.lookup(&n)
                && !old.is_empty()
            {
                continue;
            }
            overlay.insert(n, Arc::new(t));
        }
        // Run over the set extended with the text's templates, into a fresh buffer.
        self.overlays.push(overlay);
        let saved_out = std::mem::take(&mut self.out);
        let saved_nil = std::mem::replace(&mut self.nil_root, false);
        let r = self.exec_template("gotpl", dot, Some(at));
        self.nil_root = saved_nil;
        self.overlays.pop();
        let out = std::mem::replace(&mut self.out, saved_out);
        match r {
            Ok(()) => {
                if self.out.len() + out.len() > self.t.limits.max_output {
                    return Err(Error::Limit(format!(
                        "output exceeds {} bytes",
                        self.t.limits.max_output
                    )));
                }
                Ok(out.replace("<no value>", ""))
            }
            Err(e) => Err(self.errorf(
                Some(at.pos()),
                &at.ctx(),
                format!(
                    "error calling tpl: error during tpl function execution for {}: {e}",
                    crate::fmt::go_quote(text)
                ),
            )),
        }
    }
}
