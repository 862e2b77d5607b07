//! Scanner and parser of the `${...}` grammar.
//!
//! The grammar is the one Flux's kustomize-controller evaluates, quirks included: the scanner
//! works on a byte buffer that escapes shrink in place (`$$` becomes `$`), the accepted
//! operator spellings depend on their position inside the expression, and a NUL byte ends the
//! input. Matching those details exactly is what keeps manifests that render under Flux
//! rendering the same here.

use super::SubstReason;

/// Deepest nesting of `${...}` inside `${...}` accepted.
pub(crate) const MAX_DEPTH: usize = 64;

/// One node of a parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    /// Literal bytes, copied to the output.
    Text(Vec<u8>),
    /// A parameter expansion: `${param<op>args}`.
    Func {
        /// The variable name.
        param: Vec<u8>,
        /// The operator as spelled (`""`, `":="`, `"//"`, `"#"`, ...).
        op: Vec<u8>,
        /// The operator's arguments, each evaluated before the operator runs.
        args: Vec<Node>,
    },
    /// A sequence of nodes.
    List(Vec<Node>),
}

const MODE_IDENT: u8 = 1;
const MODE_LBRACK: u8 = 2;
const MODE_RBRACK: u8 = 4;
const MODE_ESCAPE: u8 = 8;

/// End of input; a literal NUL byte reads the same way.
const EOF: char = '\0';

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Illegal,
    Eof,
    Ident,
    Lbrack,
    Rbrack,
}

/// Which characters the identifier scan accepts, by character and 1-based byte position.
#[derive(Debug, Clone, Copy)]
enum Accept {
    Any,
    Ident,
    Colons,
    OneHash,
    NotClosing,
    HashOp,
    PercentOp,
    DefaultOp,
    ReplaceOp,
    OneEqual,
    OneColon,
    NotColonOrClosing,
    Slashes,
    NotSlash,
    CasingOp,
}

impl Accept {
    fn accepts(self, r: char, i: usize) -> bool {
        match self {
            Accept::Any => true,
            Accept::Ident => r.is_alphabetic() || r.is_numeric() || r == '_',
            Accept::Colons => r == ':',
            Accept::OneHash => r == '#' && i == 1,
            Accept::NotClosing => r != '}',
            Accept::HashOp => r == '#' && i < 3,
            Accept::PercentOp => r == '%' && i < 3,
            Accept::DefaultOp => {
                (i == 1 && r == ':') || (i == 2 && matches!(r, '=' | '-' | '?' | '+'))
            }
            Accept::ReplaceOp => (i == 1 && r == '/') || (i == 2 && matches!(r, '/' | '#' | '%')),
            Accept::OneEqual => i == 1 && r == '=',
            Accept::OneColon => i == 1 && r == ':',
            Accept::NotColonOrClosing => r != ':' && r != '}',
            Accept::Slashes => r == '/',
            Accept::NotSlash => r != '/',
            Accept::CasingOp => (r == ',' || r == '^') && i < 3,
        }
    }
}

/// Decodes one character the way Go's `utf8.DecodeRuneInString` does: an invalid byte reads
/// as U+FFFD with width 1. `None` at the end.
pub(crate) fn decode(bytes: &[u8]) -> Option<(char, usize)> {
    if bytes.is_empty() {
        return None;
    }
    let chunk = bytes.get(..bytes.len().min(4)).unwrap_or(bytes);
    let valid = match std::str::from_utf8(chunk) {
        Ok(s) => s,
        Err(e) => chunk
            .get(..e.valid_up_to())
            .and_then(|v| std::str::from_utf8(v).ok())
            .unwrap_or(""),
    };
    match valid.chars().next() {
        Some(c) => Some((c, c.len_utf8())),
        None => Some(('\u{FFFD}', 1)),
    }
}

struct Scanner {
    buf: Vec<u8>,
    pos: usize,
    start: usize,
    width: usize,
    mode: u8,
    escape_dollar: bool,
    escape_backslash: bool,
    accept: Accept,
}

impl Scanner {
    fn read(&mut self) -> char {
        match decode(self.buf.get(self.pos..).unwrap_or_default()) {
            None => {
                self.width = 0;
                EOF
            }
            Some((c, w)) => {
                self.width = w;
                self.pos += w;
                c
            }
        }
    }

    fn unread(&mut self) {
        self.pos = self.pos.saturating_sub(self.width);
    }

    /// Drops the byte just read (the first half of an escape) from the buffer.
    fn skip(&mut self) {
        if self.pos >= 1 && self.pos - 1 < self.buf.len() {
            self.buf.remove(self.pos - 1);
        }
    }

    fn peek(&mut self) -> char {
        let r = self.read();
        self.unread();
        r
    }

    fn text(&self) -> Vec<u8> {
        self.buf
            .get(self.start..self.pos)
            .unwrap_or_default()
            .to_vec()
    }

    fn scan(&mut self) -> Token {
        self.start = self.pos;
        let r = self.read();
        if r == EOF {
            Token::Eof
        } else if self.scan_lbrack(r) {
            Token::Lbrack
        } else if self.scan_rbrack(r) {
            Token::Rbrack
        } else if self.scan_ident(r) {
            Token::Ident
        } else {
            Token::Illegal
        }
    }

    fn scan_ident(&mut self, r: char) -> bool {
        if self.mode & MODE_IDENT == 0 {
            return false;
        }
        if self.scan_escaped(r) {
            self.skip();
        } else if !self.accept.accepts(r, self.pos - self.start) {
            return false;
        }
        loop {
            let r = self.read();
            if r == EOF {
                self.unread();
                break;
            }
            if self.scan_lbrack(r) {
                self.unread();
                self.unread();
                break;
            }
            if self.scan_escaped(r) {
                self.skip();
                continue;
            }
            if !self.accept.accepts(r, self.pos.saturating_sub(self.start)) {
                self.unread();
                break;
            }
        }
        true
    }

    fn scan_lbrack(&mut self, r: char) -> bool {
        if self.mode & MODE_LBRACK == 0 {
            return false;
        }
        if r == '$' {
            if self.read() == '{' {
                return true;
            }
            self.unread();
        }
        false
    }

    fn scan_rbrack(&self, r: char) -> bool {
        self.mode & MODE_RBRACK != 0 && r == '}'
    }

    fn scan_escaped(&mut self, r: char) -> bool {
        if self.mode & MODE_ESCAPE == 0 {
            return false;
        }
        if r == '$' && self.escape_dollar && self.peek() == '$' {
            return true;
        }
        r == '\\' && self.escape_backslash && matches!(self.peek(), '/' | '\\')
    }

    fn set(&mut self, accept: Accept, mode: u8) {
        self.accept = accept;
        self.mode = mode;
    }
}

/// Parses a template.
pub(crate) fn parse(text: &[u8]) -> Result<Node, SubstReason> {
    let mut p = Parser {
        s: Scanner {
            buf: text.to_vec(),
            pos: 0,
            start: 0,
            width: 0,
            mode: 0,
            escape_dollar: true,
            escape_backslash: false,
            accept: Accept::Any,
        },
    };
    p.parse_any()
}

struct Parser {
    s: Scanner,
}

impl Parser {
    fn bad(&self) -> SubstReason {
        SubstReason::BadSubstitution { offset: self.s.pos }
    }

    fn parse_any(&mut self) -> Result<Node, SubstReason> {
        let mut nodes = Vec::new();
        loop {
            self.s
                .set(Accept::Any, MODE_IDENT | MODE_LBRACK | MODE_ESCAPE);
            self.s.escape_dollar = true;
            self.s.escape_backslash = false;
            match self.s.scan() {
                Token::Ident => nodes.push(Node::Text(self.s.text())),
                Token::Eof => break,
                Token::Lbrack => nodes.push(self.parse_func(1)?),
                Token::Rbrack | Token::Illegal => return Err(self.bad()),
            }
        }
        Ok(if nodes.len() == 1 {
            nodes.pop().unwrap_or(Node::List(Vec::new()))
        } else {
            Node::List(nodes)
        })
    }

    fn parse_func(&mut self, depth: usize) -> Result<Node, SubstReason> {
        if depth > MAX_DEPTH {
            return Err(SubstReason::TooDeep {
                offset: self.s.pos,
                max: MAX_DEPTH,
            });
        }
        self.s.escape_dollar = true;
        self.s.escape_backslash = true;
        if self.s.peek() == '#' {
            return self.parse_len();
        }
        self.s.set(Accept::Ident, MODE_IDENT);
        let name = match self.s.scan() {
            Token::Ident => self.s.text(),
            _ => {
                return Err(SubstReason::VariableName {
                    offset: self.s.start,
                });
            }
        };
        match self.s.peek() {
            ':' => self.parse_default_or_substr(name, depth),
            '=' => self.parse_default(name, depth),
            ',' | '^' => self.parse_casing(name),
            '/' => self.parse_replace(name, depth),
            '#' => self.parse_remove(name, Accept::HashOp, depth),
            '%' => self.parse_remove(name, Accept::PercentOp, depth),
            _ => {
                self.s.set(Accept::Ident, MODE_RBRACK);
                match self.s.scan() {
                    Token::Rbrack => Ok(Node::Func {
                        param: name,
                        op: Vec::new(),
                        args: Vec::new(),
                    }),
                    _ => Err(SubstReason::MissingClosingBrace {
                        offset: self.s.start,
                    }),
                }
            }
        }
    }

    fn parse_param(&mut self, accept: Accept, mode: u8, depth: usize) -> Result<Node, SubstReason> {
        self.s.set(accept, mode | MODE_LBRACK);
        match self.s.scan() {
            Token::Lbrack => self.parse_func(depth + 1),
            Token::Ident | Token::Rbrack => Ok(Node::Text(self.s.text())),
            Token::Eof | Token::Illegal => Err(SubstReason::FuncSubstitution {
                offset: self.s.start,
            }),
        }
    }

    fn scan_op(&mut self, accept: Accept) -> Result<Vec<u8>, SubstReason> {
        self.s.set(accept, MODE_IDENT);
        match self.s.scan() {
            Token::Ident => Ok(self.s.text()),
            _ => Err(self.bad()),
        }
    }

    fn parse_default_or_substr(
        &mut self,
        name: Vec<u8>,
        depth: usize,
    ) -> Result<Node, SubstReason> {
        self.s.read();
        let r = self.s.peek();
        self.s.unread();
        if matches!(r, '=' | '-' | '?' | '+') {
            self.parse_default(name, depth)
        } else {
            self.parse_substr(name, depth)
        }
    }

    fn parse_substr(&mut self, param: Vec<u8>, depth: usize) -> Result<Node, SubstReason> {
        let op = self.scan_op(Accept::OneColon)?;
        let mut args = vec![self.parse_param(Accept::NotColonOrClosing, MODE_IDENT, depth)?];
        self.s.set(Accept::Colons, MODE_IDENT | MODE_RBRACK);
        match self.s.scan() {
            Token::Rbrack => return Ok(Node::Func { param, op, args }),
            Token::Ident => {}
            _ => return Err(self.bad()),
        }
        args.push(self.parse_param(Accept::NotClosing, MODE_IDENT, depth)?);
        self.consume_rbrack()?;
        Ok(Node::Func { param, op, args })
    }

    fn parse_remove(
        &mut self,
        param: Vec<u8>,
        accept: Accept,
        depth: usize,
    ) -> Result<Node, SubstReason> {
        let op = self.scan_op(accept)?;
        let args = vec![self.parse_param(Accept::NotClosing, MODE_IDENT, depth)?];
        self.consume_rbrack()?;
        Ok(Node::Func { param, op, args })
    }

    fn parse_replace(&mut self, param: Vec<u8>, depth: usize) -> Result<Node, SubstReason> {
        let op = self.scan_op(Accept::ReplaceOp)?;
        let mut args = vec![self.parse_param(Accept::NotSlash, MODE_IDENT | MODE_ESCAPE, depth)?];
        self.scan_op(Accept::Slashes)?;
        if self.s.peek() != '}' {
            args.push(self.parse_param(Accept::NotClosing, MODE_IDENT | MODE_ESCAPE, depth)?);
        }
        self.consume_rbrack()?;
        Ok(Node::Func { param, op, args })
    }

    fn parse_default(&mut self, param: Vec<u8>, depth: usize) -> Result<Node, SubstReason> {
        let accept = if self.s.peek() == '=' {
            Accept::OneEqual
        } else {
            Accept::DefaultOp
        };
        self.s.set(accept, MODE_IDENT);
        let op = match self.s.scan() {
            Token::Ident => self.s.text(),
            _ => {
                return Err(SubstReason::DefaultFunction {
                    offset: self.s.start,
                });
            }
        };
        let mut args = Vec::new();
        while self.s.peek() != '}' {
            args.push(self.parse_param(Accept::NotClosing, MODE_IDENT, depth)?);
        }
        self.consume_rbrack()?;
        Ok(Node::Func { param, op, args })
    }

    fn parse_casing(&mut self, param: Vec<u8>) -> Result<Node, SubstReason> {
        let op = self.scan_op(Accept::CasingOp)?;
        self.consume_rbrack()?;
        Ok(Node::Func {
            param,
            op,
            args: Vec::new(),
        })
    }

    fn parse_len(&mut self) -> Result<Node, SubstReason> {
        let op = self.scan_op(Accept::OneHash)?;
        self.s.set(Accept::Ident, MODE_IDENT);
        let param = match self.s.scan() {
            Token::Ident => self.s.text(),
            _ => return Err(self.bad()),
        };
        self.consume_rbrack()?;
        Ok(Node::Func {
            param,
            op,
            args: Vec::new(),
        })
    }

    fn consume_rbrack(&mut self) -> Result<(), SubstReason> {
        self.s.mode = MODE_RBRACK;
        if self.s.scan() == Token::Rbrack {
            Ok(())
        } else {
            Err(self.bad())
        }
    }
}
