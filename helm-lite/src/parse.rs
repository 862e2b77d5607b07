//! The parser of Go's `text/template` (`text/template/parse/parse.go`).

use std::collections::BTreeMap;
use std::fmt;

use crate::lex::{Item, Kind, lex};

/// A parse tree node.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Text(String),
    Action(Pipe),
    If(Branch),
    With(Branch),
    Range(Branch),
    Template {
        pos: usize,
        name: String,
        pipe: Option<Pipe>,
    },
    Break,
    Continue,
}

#[derive(Debug, Clone)]
pub(crate) struct Branch {
    pub pos: usize,
    pub pipe: Pipe,
    pub list: Vec<Node>,
    pub else_list: Option<Vec<Node>>,
}

#[derive(Debug, Clone)]
pub(crate) struct Pipe {
    pub pos: usize,
    pub is_assign: bool,
    pub decl: Vec<String>,
    pub cmds: Vec<Cmd>,
}

#[derive(Debug, Clone)]
pub(crate) struct Cmd {
    pub pos: usize,
    pub args: Vec<Arg>,
}

#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Field(usize, Vec<String>),
    Variable(usize, String, Vec<String>),
    Dot(usize),
    Nil(usize),
    Bool(usize, bool),
    Number(usize, Number),
    Str(usize, String, String),
    Ident(usize, String),
    Pipe(Box<Pipe>),
    Chain(usize, Box<Arg>, Vec<String>),
}

#[derive(Debug, Clone)]
pub(crate) struct Number {
    pub text: String,
    pub int: Option<i64>,
    pub float: Option<f64>,
    pub is_uint: bool,
}

impl Arg {
    pub fn pos(&self) -> usize {
        match self {
            Arg::Field(p, _)
            | Arg::Variable(p, _, _)
            | Arg::Dot(p)
            | Arg::Nil(p)
            | Arg::Bool(p, _)
            | Arg::Number(p, _)
            | Arg::Str(p, _, _)
            | Arg::Ident(p, _)
            | Arg::Chain(p, _, _) => *p,
            Arg::Pipe(p) => p.pos,
        }
    }
}

impl fmt::Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Field(_, id) => {
                for i in id {
                    write!(f, ".{i}")?;
                }
                Ok(())
            }
            Arg::Variable(_, v, id) => {
                f.write_str(v)?;
                for i in id {
                    write!(f, ".{i}")?;
                }
                Ok(())
            }
            Arg::Dot(_) => f.write_str("."),
            Arg::Nil(_) => f.write_str("nil"),
            Arg::Bool(_, b) => write!(f, "{b}"),
            Arg::Number(_, n) => f.write_str(&n.text),
            Arg::Str(_, q, _) => f.write_str(q),
            Arg::Ident(_, i) => f.write_str(i),
            Arg::Pipe(p) => write!(f, "({p})"),
            Arg::Chain(_, a, id) => {
                match a.as_ref() {
                    Arg::Pipe(_) => write!(f, "{a}")?,
                    _ => write!(f, "{a}")?,
                }
                for i in id {
                    write!(f, ".{i}")?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Display for Cmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, a) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{a}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Pipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.decl.is_empty() {
            f.write_str(&self.decl.join(", "))?;
            f.write_str(if self.is_assign { " = " } else { " := " })?;
        }
        for (i, c) in self.cmds.iter().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

/// A parsed template body.
#[derive(Debug, Clone)]
pub(crate) struct Tree {
    pub name: String,
    pub parse_name: String,
    pub text: std::sync::Arc<str>,
    pub root: Vec<Node>,
}

impl Tree {
    pub fn is_empty(&self) -> bool {
        self.root
            .iter()
            .all(|n| matches!(n, Node::Text(t) if t.trim().is_empty()))
    }

    /// `name:line:col` of a byte position, as Go's `ErrorContext`.
    pub fn location(&self, pos: usize) -> String {
        let text = self.text.get(..pos).unwrap_or(&self.text);
        let col = match text.rfind('\n') {
            Some(i) => pos - (i + 1),
            None => pos,
        };
        let line = 1 + text.matches('\n').count();
        format!("{}:{}:{}", self.parse_name, line, col)
    }
}

/// Parses `text` named `name`; returns the body tree and the `define`d trees.
pub(crate) fn parse(
    name: &str,
    text: &str,
    has_func: &dyn Fn(&str) -> bool,
) -> Result<BTreeMap<String, Tree>, String> {
    let text: std::sync::Arc<str> = text.into();
    let items = lex(&text);
    let mut p = Parser {
        items,
        idx: 0,
        name: name.to_string(),
        vars: vec!["$".into()],
        range_depth: 0,
        has_func,
        action_line: 0,
        depth: 0,
        blocks: Vec::new(),
    };
    let mut trees = BTreeMap::new();
    let mut root = Vec::new();
    while p.peek().kind != Kind::Eof {
        if p.peek().kind == Kind::LeftDelim {
            let save = p.idx;
            p.next();
            if p.next_non_space().kind == Kind::Define {
                let (dname, body) = p.parse_definition()?;
                add_tree(
                    &mut trees,
                    Tree {
                        name: dname,
                        parse_name: name.to_string(),
                        text: text.clone(),
                        root: body,
                    },
                )?;
                continue;
            }
            p.idx = save;
        }
        match p.text_or_action()? {
            Parsed::Node(n) => root.push(n),
            Parsed::None => {}
            Parsed::End => return Err(p.err("unexpected {{end}}")),
            Parsed::Else(_) => return Err(p.err("unexpected {{else}}")),
        }
    }
    for (bname, body) in std::mem::take(&mut p.blocks) {
        add_tree(
            &mut trees,
            Tree {
                name: bname,
                parse_name: name.to_string(),
                text: text.clone(),
                root: body,
            },
        )?;
    }
    add_tree(
        &mut trees,
        Tree {
            name: name.to_string(),
            parse_name: name.to_string(),
            text,
            root,
        },
    )?;
    Ok(trees)
}

fn add_tree(trees: &mut BTreeMap<String, Tree>, t: Tree) -> Result<(), String> {
    match trees.get(&t.name) {
        Some(old) if !old.is_empty() => {
            if !t.is_empty() {
                return Err(format!(
                    "template: {}:{}: template: multiple definition of template {}",
                    t.parse_name,
                    1,
                    crate::fmt::go_quote(&t.name)
                ));
            }
            Ok(())
        }
        _ => {
            trees.insert(t.name.clone(), t);
            Ok(())
        }
    }
}

enum Parsed {
    Node(Node),
    None,
    End,
    Else(usize),
}

struct Parser<'a, 't> {
    items: Vec<Item<'t>>,
    idx: usize,
    name: String,
    vars: Vec<String>,
    range_depth: usize,
    has_func: &'a dyn Fn(&str) -> bool,
    action_line: usize,
    depth: usize,
    blocks: Vec<(String, Vec<Node>)>,
}

const MAX_DEPTH: usize = 200;

impl<'t> Parser<'_, 't> {
    fn eof(&self) -> Item<'t> {
        Item {
            kind: Kind::Eof,
            pos: 0,
            val: "".into(),
            line: 0,
        }
    }
    fn peek(&self) -> Item<'t> {
        self.items
            .get(self.idx)
            .cloned()
            .unwrap_or_else(|| self.eof())
    }
    fn next(&mut self) -> Item<'t> {
        let it = self.peek();
        if self.idx < self.items.len() {
            self.idx += 1;
        }
        it
    }
    fn backup(&mut self) {
        self.idx = self.idx.saturating_sub(1);
    }
    fn next_non_space(&mut self) -> Item<'t> {
        loop {
            let it = self.next();
            if it.kind != Kind::Space {
                return it;
            }
        }
    }
    fn peek_non_space(&mut self) -> Item<'t> {
        let it = self.next_non_space();
        self.backup();
        it
    }
    fn cur_line(&self) -> usize {
        self.items
            .get(self.idx.saturating_sub(1))
            .map(|i| i.line)
            .unwrap_or(1)
    }
    fn err(&self, msg: &str) -> String {
        format!("template: {}:{}: {}", self.name, self.cur_line(), msg)
    }
    fn unexpected(&self, it: &Item<'_>, context: &str) -> String {
        if it.kind == Kind::Error {
            let mut extra = String::new();
            if self.action_line != 0 && self.action_line != it.line {
                extra = format!(" in action started at {}:{}", self.name, self.action_line);
                if it.val.ends_with(" action") {
                    extra = extra.get(" in action".len()..).unwrap_or("").to_string();
                }
            }
            return format!("template: {}:{}: {}{}", self.name, it.line, it.val, extra);
        }
        format!(
            "template: {}:{}: unexpected {} in {}",
            self.name, it.line, it, context
        )
    }
    fn expect(&mut self, kind: Kind, context: &str) -> Result<Item<'t>, String> {
        let it = self.next_non_space();
        if it.kind != kind {
            return Err(self.unexpected(&it, context));
        }
        Ok(it)
    }

    fn text_or_action(&mut self) -> Result<Parsed, String> {
        let it = self.next_non_space();
        match it.kind {
            Kind::Text => Ok(Parsed::Node(Node::Text(it.val.to_string()))),
            Kind::LeftDelim => {
                self.action_line = it.line;
                let r = self.action();
                self.action_line = 0;
                r
            }
            Kind::Comment => Ok(Parsed::None),
            _ => Err(self.unexpected(&it, "input")),
        }
    }

    fn item_list(&mut self) -> Result<(Vec<Node>, Parsed), String> {
        let mut list = Vec::new();
        while self.peek_non_space().kind != Kind::Eof {
            match self.text_or_action()? {
                Parsed::Node(n) => list.push(n),
                Parsed::None => {}
                e @ (Parsed::End | Parsed::Else(_)) => return Ok((list, e)),
            }
        }
        Err(self.err("unexpected EOF"))
    }

    fn action(&mut self) -> Result<Parsed, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err("nesting too deep"));
        }
        let r = self.action_inner();
        self.depth -= 1;
        r
    }

    fn action_inner(&mut self) -> Result<Parsed, String> {
        let it = self.next_non_space();
        match it.kind {
            Kind::Block => return self.block_control().map(Parsed::Node),
            Kind::Break => return self.break_control(it.pos, true).map(Parsed::Node),
            Kind::Continue => return self.break_control(it.pos, false).map(Parsed::Node),
            Kind::Else => return self.else_control(),
            Kind::End => {
                self.expect(Kind::RightDelim, "end")?;
                return Ok(Parsed::End);
            }
            Kind::If => return self.parse_control("if").map(|b| Parsed::Node(Node::If(b))),
            Kind::Range => {
                return self
                    .parse_control("range")
                    .map(|b| Parsed::Node(Node::Range(b)));
            }
            Kind::Template => return self.template_control().map(Parsed::Node),
            Kind::With => {
                return self
                    .parse_control("with")
                    .map(|b| Parsed::Node(Node::With(b)));
            }
            _ => {}
        }
        self.backup();
        let pipe = self.pipeline("command", Kind::RightDelim)?;
        Ok(Parsed::Node(Node::Action(pipe)))
    }

    fn break_control(&mut self, _pos: usize, is_break: bool) -> Result<Node, String> {
        let word = if is_break { "break" } else { "continue" };
        let it = self.next_non_space();
        if it.kind != Kind::RightDelim {
            return Err(self.unexpected(&it, &format!("{{{{{word}}}}}")));
        }
        if self.range_depth == 0 {
            return Err(self.err(&format!("{{{{{word}}}}} outside {{{{range}}}}")));
        }
        Ok(if is_break {
            Node::Break
        } else {
            Node::Continue
        })
    }

    fn else_control(&mut self) -> Result<Parsed, String> {
        let peek = self.peek_non_space();
        if peek.kind == Kind::If || peek.kind == Kind::With {
            return Ok(Parsed::Else(peek.pos));
        }
        let it = self.expect(Kind::RightDelim, "else")?;
        Ok(Parsed::Else(it.pos))
    }

    fn parse_control(&mut self, context: &str) -> Result<Branch, String> {
        let nvars = self.vars.len();
        let pipe = self.pipeline(context, Kind::RightDelim)?;
        if context == "range" {
            self.range_depth += 1;
        }
        let (list, next) = self.item_list()?;
        if context == "range" {
            self.range_depth -= 1;
        }
        let mut else_list = None;
        if let Parsed::Else(epos) = next {
            let _ = epos;
            if context == "if" && self.peek().kind == Kind::If {
                self.next();
                let b = self.parse_control("if")?;
                else_list = Some(vec![Node::If(b)]);
            } else if context == "with" && self.peek().kind == Kind::With {
                self.next();
                let b = self.parse_control("with")?;
                else_list = Some(vec![Node::With(b)]);
            } else {
                let (l, n) = self.item_list()?;
                if !matches!(n, Parsed::End) {
                    return Err(self.err("expected end; found {{else}}"));
                }
                else_list = Some(l);
            }
        }
        self.vars.truncate(nvars);
        Ok(Branch {
            pos: pipe.pos,
            pipe,
            list,
            else_list,
        })
    }

    fn parse_template_name(&mut self, it: &Item<'_>, context: &str) -> Result<String, String> {
        match it.kind {
            Kind::String | Kind::RawString => {
                unquote(&it.val).ok_or_else(|| self.err(&format!("bad string {}", it.val)))
            }
            _ => Err(self.unexpected(it, context)),
        }
    }

    fn template_control(&mut self) -> Result<Node, String> {
        let context = "template clause";
        let it = self.next_non_space();
        let name = self.parse_template_name(&it, context)?;
        let mut pipe = None;
        if self.next_non_space().kind != Kind::RightDelim {
            self.backup();
            pipe = Some(self.pipeline(context, Kind::RightDelim)?);
        }
        Ok(Node::Template {
            pos: it.pos,
            name,
            pipe,
        })
    }

    fn block_control(&mut self) -> Result<Node, String> {
        // Blocks are rewritten by the caller: a block is a define plus a template call.
        let context = "block clause";
        let it = self.next_non_space();
        let name = self.parse_template_name(&it, context)?;
        let pipe = self.pipeline(context, Kind::RightDelim)?;
        let saved_vars = std::mem::replace(&mut self.vars, vec!["$".into()]);
        let (list, end) = self.item_list()?;
        self.vars = saved_vars;
        if !matches!(end, Parsed::End) {
            return Err(self.err(&format!("unexpected {{{{else}}}} in {context}")));
        }
        self.blocks.push((name.clone(), list));
        Ok(Node::Template {
            pos: it.pos,
            name,
            pipe: Some(pipe),
        })
    }

    fn parse_definition(&mut self) -> Result<(String, Vec<Node>), String> {
        let context = "define clause";
        let it = self.next_non_space();
        let name = self.parse_template_name(&it, context)?;
        self.expect(Kind::RightDelim, context)?;
        let saved_vars = std::mem::replace(&mut self.vars, vec!["$".into()]);
        let (list, end) = self.item_list()?;
        self.vars = saved_vars;
        if !matches!(end, Parsed::End) {
            return Err(self.err(&format!("unexpected {{{{else}}}} in {context}")));
        }
        Ok((name, list))
    }

    fn pipeline(&mut self, context: &str, end: Kind) -> Result<Pipe, String> {
        let pos = self.peek_non_space().pos;
        let mut pipe = Pipe {
            pos,
            is_assign: false,
            decl: Vec::new(),
            cmds: Vec::new(),
        };
        // declarations
        'decls: loop {
            let v = self.peek_non_space();
            if v.kind != Kind::Variable {
                break;
            }
            self.next_non_space();
            let vidx = self.idx;
            let after = self.peek();
            let nxt = self.peek_non_space();
            match nxt.kind {
                Kind::Assign | Kind::Declare => {
                    pipe.is_assign = nxt.kind == Kind::Assign;
                    self.next_non_space();
                    pipe.decl.push(v.val.to_string());
                    self.vars.push(v.val.to_string());
                    break 'decls;
                }
                Kind::Char if &*nxt.val == "," => {
                    self.next_non_space();
                    pipe.decl.push(v.val.to_string());
                    self.vars.push(v.val.to_string());
                    if context == "range" && pipe.decl.len() < 2 {
                        match self.peek_non_space().kind {
                            Kind::Variable | Kind::RightDelim | Kind::RightParen => continue 'decls,
                            _ => return Err(self.err("range can only initialize variables")),
                        }
                    }
                    return Err(self.err(&format!("too many declarations in {context}")));
                }
                _ => {
                    let _ = after;
                    self.idx = vidx - 1;
                    break 'decls;
                }
            }
        }
        loop {
            let it = self.next_non_space();
            if it.kind == end {
                if pipe.cmds.is_empty() {
                    return Err(self.err(&format!("missing value for {context}")));
                }
                for (i, c) in pipe.cmds.iter().enumerate().skip(1) {
                    if let Some(
                        Arg::Bool(..) | Arg::Dot(_) | Arg::Nil(_) | Arg::Number(..) | Arg::Str(..),
                    ) = c.args.first()
                    {
                        return Err(self.err(&format!(
                            "non executable command in pipeline stage {}",
                            i + 1
                        )));
                    }
                }
                return Ok(pipe);
            }
            match it.kind {
                Kind::Bool
                | Kind::CharConstant
                | Kind::Dot
                | Kind::Field
                | Kind::Identifier
                | Kind::Number
                | Kind::Nil
                | Kind::RawString
                | Kind::String
                | Kind::Variable
                | Kind::LeftParen => {
                    self.backup();
                    let c = self.command()?;
                    pipe.cmds.push(c);
                }
                _ => return Err(self.unexpected(&it, context)),
            }
        }
    }

    fn command(&mut self) -> Result<Cmd, String> {
        let pos = self.peek_non_space().pos;
        let mut cmd = Cmd {
            pos,
            args: Vec::new(),
        };
        loop {
            self.peek_non_space();
            if let Some(op) = self.operand()? {
                cmd.args.push(op);
            }
            let it = self.next();
            match it.kind {
                Kind::Space => continue,
                Kind::RightDelim | Kind::RightParen => self.backup(),
                Kind::Pipe => {}
                _ => return Err(self.unexpected(&it, "operand")),
            }
            break;
        }
        if cmd.args.is_empty() {
            return Err(self.err("empty command"));
        }
        Ok(cmd)
    }

    fn operand(&mut self) -> Result<Option<Arg>, String> {
        let Some(node) = self.term()? else {
            return Ok(None);
        };
        if self.peek().kind == Kind::Field {
            // Go positions the combined node at the first chained field.
            let chain_pos = self.peek().pos;
            let mut fields = Vec::new();
            while self.peek().kind == Kind::Field {
                let f = self.next();
                fields.push(f.val.get(1..).unwrap_or("").to_string());
            }
            return match node {
                Arg::Field(_, mut id) => {
                    id.extend(fields);
                    Ok(Some(Arg::Field(chain_pos, id)))
                }
                Arg::Variable(_, v, mut id) => {
                    id.extend(fields);
                    Ok(Some(Arg::Variable(chain_pos, v, id)))
                }
                Arg::Bool(..) | Arg::Str(..) | Arg::Number(..) | Arg::Nil(_) | Arg::Dot(_) => {
                    Err(self.err(&format!(
                        "unexpected . after term {}",
                        crate::fmt::go_quote(&node.to_string())
                    )))
                }
                other => Ok(Some(Arg::Chain(other.pos(), Box::new(other), fields))),
            };
        }
        Ok(Some(node))
    }

    fn term(&mut self) -> Result<Option<Arg>, String> {
        let it = self.next_non_space();
        Ok(Some(match it.kind {
            Kind::Identifier => {
                if !(self.has_func)(&it.val) {
                    return Err(self.err(&format!(
                        "function {} not defined",
                        crate::fmt::go_quote(&it.val)
                    )));
                }
                Arg::Ident(it.pos, it.val.to_string())
            }
            Kind::Dot => Arg::Dot(it.pos),
            Kind::Nil => Arg::Nil(it.pos),
            Kind::Variable => {
                if !self.vars.iter().any(|v| **v == *it.val) {
                    return Err(self.err(&format!(
                        "undefined variable {}",
                        crate::fmt::go_quote(&it.val)
                    )));
                }
                Arg::Variable(it.pos, it.val.to_string(), Vec::new())
            }
            Kind::Field => Arg::Field(
                it.pos,
                it.val
                    .get(1..)
                    .unwrap_or("")
                    .split('.')
                    .map(String::from)
                    .collect(),
            ),
            Kind::Bool => Arg::Bool(it.pos, &*it.val == "true"),
            Kind::CharConstant | Kind::Number => {
                let n = parse_number(&it).ok_or_else(|| {
                    self.err(&format!(
                        "illegal number syntax: {}",
                        crate::fmt::go_quote(&it.val)
                    ))
                })?;
                Arg::Number(it.pos, n)
            }
            Kind::LeftParen => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return Err(self.err("nesting too deep"));
                }
                let p = self.pipeline("parenthesized pipeline", Kind::RightParen)?;
                self.depth -= 1;
                Arg::Pipe(Box::new(p))
            }
            Kind::String | Kind::RawString => {
                let s =
                    unquote(&it.val).ok_or_else(|| self.err(&format!("bad string {}", it.val)))?;
                Arg::Str(it.pos, it.val.to_string(), s)
            }
            _ => {
                self.backup();
                return Ok(None);
            }
        }))
    }
}

fn parse_number(it: &Item<'_>) -> Option<Number> {
    let text = it.val.to_string();
    if it.kind == Kind::CharConstant {
        let s = unquote_char(&text)?;
        return Some(Number {
            text,
            int: Some(s as i64),
            float: Some(s as u32 as f64),
            is_uint: true,
        });
    }
    if text.ends_with('i') {
        return None;
    }
    let clean: String = text.chars().filter(|c| *c != '_').collect();
    let (neg, body) = match clean.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, clean.strip_prefix('+').unwrap_or(&clean)),
    };
    let lower = body.to_ascii_lowercase();
    let parsed_int: Option<u64> = if let Some(h) = lower.strip_prefix("0x") {
        u64::from_str_radix(h, 16).ok()
    } else if let Some(o) = lower.strip_prefix("0o") {
        u64::from_str_radix(o, 8).ok()
    } else if let Some(b) = lower.strip_prefix("0b") {
        u64::from_str_radix(b, 2).ok()
    } else if lower.len() > 1 && lower.starts_with('0') && lower.chars().all(|c| c.is_ascii_digit())
    {
        u64::from_str_radix(&lower[1..], 8).ok()
    } else {
        lower.parse::<u64>().ok()
    };
    let mut n = Number {
        text: text.clone(),
        int: None,
        float: None,
        is_uint: false,
    };
    if let Some(u) = parsed_int {
        if neg {
            if u <= i64::MAX as u64 + 1 {
                n.int = Some((-(u as i128)) as i64);
            }
        } else {
            n.is_uint = true;
            if u <= i64::MAX as u64 {
                n.int = Some(u as i64);
            }
        }
        let f = if neg { -(u as f64) } else { u as f64 };
        n.float = Some(f);
        return Some(n);
    }
    if lower.starts_with("0x") {
        return None;
    }
    let f: f64 = clean.parse().ok()?;
    if !f.is_finite() {
        return None;
    }
    n.float = Some(f);
    if f.fract() == 0.0 && f.abs() < 9.2e18 {
        n.int = Some(f as i64);
    }
    Some(n)
}

fn unquote_char(s: &str) -> Option<char> {
    let inner = s.strip_prefix('\'')?.strip_suffix('\'')?;
    let decoded = unescape(inner, '\'')?;
    let mut cs = decoded.chars();
    let c = cs.next()?;
    if cs.next().is_some() {
        return None;
    }
    Some(c)
}

/// Go's `strconv.Unquote` for "..." and `...`.
pub(crate) fn unquote(s: &str) -> Option<String> {
    if let Some(raw) = s.strip_prefix('`') {
        return Some(raw.strip_suffix('`')?.replace('\r', ""));
    }
    let inner = s.strip_prefix('"')?.strip_suffix('"')?;
    unescape(inner, '"')
}

fn unescape(s: &str, quote: char) -> Option<String> {
    let mut out = String::new();
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c != '\\' {
            if c == quote {
                return None;
            }
            out.push(c);
            continue;
        }
        let e = it.next()?;
        match e {
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\x0b'),
            '\\' => out.push('\\'),
            '\'' if quote == '\'' => out.push('\''),
            '"' if quote == '"' => out.push('"'),
            'x' | 'u' | 'U' => {
                let n = match e {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let hex: String = (0..n).filter_map(|_| it.next()).collect();
                if hex.len() != n {
                    return None;
                }
                let v = u32::from_str_radix(&hex, 16).ok()?;
                if e == 'x' {
                    // a byte; treat as Latin-1 only when ASCII
                    out.push(char::from_u32(v)?);
                } else {
                    out.push(char::from_u32(v)?);
                }
            }
            '0'..='7' => {
                let mut v = e.to_digit(8)?;
                for _ in 0..2 {
                    v = v * 8 + it.next()?.to_digit(8)?;
                }
                out.push(char::from_u32(v)?);
            }
            _ => return None,
        }
    }
    Some(out)
}
