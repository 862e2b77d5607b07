//! The lexer of Go's `text/template` (`text/template/parse/lex.go`).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Error,
    Bool,
    Char,
    CharConstant,
    Comment,
    Assign,
    Declare,
    Eof,
    Field,
    Identifier,
    LeftDelim,
    LeftParen,
    Number,
    Pipe,
    RawString,
    RightDelim,
    RightParen,
    Space,
    String,
    Text,
    Variable,
    // keywords
    Block,
    Break,
    Continue,
    Dot,
    Define,
    Else,
    End,
    If,
    Nil,
    Range,
    Template,
    With,
}

impl Kind {
    fn is_keyword(self) -> bool {
        matches!(
            self,
            Kind::Block
                | Kind::Break
                | Kind::Continue
                | Kind::Dot
                | Kind::Define
                | Kind::Else
                | Kind::End
                | Kind::If
                | Kind::Nil
                | Kind::Range
                | Kind::Template
                | Kind::With
        )
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Item<'a> {
    pub kind: Kind,
    pub pos: usize,
    pub val: std::borrow::Cow<'a, str>,
    pub line: usize,
}

impl std::fmt::Display for Item<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            Kind::Eof => f.write_str("EOF"),
            Kind::Error => f.write_str(&self.val),
            k if k.is_keyword() => write!(f, "<{}>", self.val),
            _ => {
                if self.val.chars().count() > 10 {
                    let short: String = self.val.chars().take(10).collect();
                    write!(f, "{}...", crate::fmt::go_quote(&short))
                } else {
                    f.write_str(&crate::fmt::go_quote(&self.val))
                }
            }
        }
    }
}

const LEFT: &str = "{{";
const RIGHT: &str = "}}";
const LEFT_COMMENT: &str = "/*";
const RIGHT_COMMENT: &str = "*/";

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_alnum(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// Lexes the whole input into items (the last is `Eof` or `Error`).
pub(crate) fn lex(input: &str) -> Vec<Item<'_>> {
    let mut l = Lexer {
        input,
        pos: 0,
        start: 0,
        line: 1,
        start_line: 1,
        items: Vec::new(),
        paren_depth: 0,
    };
    l.run();
    l.items
}

struct Lexer<'a> {
    input: &'a str,
    pos: usize,
    start: usize,
    line: usize,
    start_line: usize,
    items: Vec<Item<'a>>,
    paren_depth: usize,
}

impl<'a> Lexer<'a> {
    fn rest(&self) -> &'a str {
        self.input.get(self.pos..).unwrap_or("")
    }
    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }
    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }
    fn backup(&mut self, c: char) {
        self.pos -= c.len_utf8();
        if c == '\n' {
            self.line -= 1;
        }
    }
    fn emit(&mut self, kind: Kind) {
        let val: &'a str = self.input.get(self.start..self.pos).unwrap_or("");
        let val = std::borrow::Cow::Borrowed(val);
        self.items.push(Item {
            kind,
            pos: self.start,
            val,
            line: self.start_line,
        });
        self.start = self.pos;
        self.start_line = self.line;
    }
    fn ignore(&mut self) {
        let skipped = self.input.get(self.start..self.pos).unwrap_or("");
        self.start_line += skipped.matches('\n').count();
        self.start = self.pos;
        self.start_line = self.line;
    }
    fn errorf(&mut self, msg: String) {
        self.items.push(Item {
            kind: Kind::Error,
            pos: self.start,
            val: std::borrow::Cow::Owned(msg),
            line: self.start_line,
        });
    }
    fn advance_to(&mut self, to: usize) {
        let skipped = self.input.get(self.pos..to).unwrap_or("");
        self.line += skipped.matches('\n').count();
        self.pos = to;
    }

    fn run(&mut self) {
        loop {
            // lexText
            let rest = self.rest();
            if let Some(x) = rest.find(LEFT) {
                let delim_pos = self.pos + x;
                let after = self.input.get(delim_pos + LEFT.len()..).unwrap_or("");
                let trim = after.len() >= 2
                    && after.as_bytes().first() == Some(&b'-')
                    && after.as_bytes().get(1).is_some_and(|c| is_space(*c));
                self.advance_to(delim_pos);
                let mut text_end = self.pos;
                if trim {
                    let t = self.input.get(self.start..text_end).unwrap_or("");
                    text_end = self.start + t.trim_end_matches([' ', '\t', '\r', '\n']).len();
                }
                if text_end > self.start {
                    let val = self.input.get(self.start..text_end).unwrap_or("");
                    let val = std::borrow::Cow::Borrowed(val);
                    self.items.push(Item {
                        kind: Kind::Text,
                        pos: self.start,
                        val,
                        line: self.start_line,
                    });
                }
                self.start = self.pos;
                self.start_line = self.line;
                if !self.lex_left_delim(trim) {
                    return;
                }
            } else {
                self.advance_to(self.input.len());
                if self.pos > self.start {
                    self.emit(Kind::Text);
                }
                self.emit(Kind::Eof);
                return;
            }
        }
    }

    /// Returns false when lexing stopped (error or EOF).
    fn lex_left_delim(&mut self, trim: bool) -> bool {
        self.pos += LEFT.len();
        let trim_len = if trim { 2 } else { 0 };
        let after = self.input.get(self.pos + trim_len..).unwrap_or("");
        if after.starts_with(LEFT_COMMENT) {
            self.pos += trim_len;
            self.ignore();
            return self.lex_comment();
        }
        self.emit(Kind::LeftDelim);
        self.pos += trim_len;
        self.ignore();
        self.paren_depth = 0;
        self.lex_inside_action()
    }

    fn at_right_delim(&self) -> (bool, bool) {
        let r = self.rest().as_bytes();
        if r.len() >= 2 + RIGHT.len()
            && r.first().is_some_and(|c| is_space(*c))
            && r.get(1) == Some(&b'-')
            && self.rest().get(2..).is_some_and(|s| s.starts_with(RIGHT))
        {
            return (true, true);
        }
        if self.rest().starts_with(RIGHT) {
            return (true, false);
        }
        (false, false)
    }

    fn lex_comment(&mut self) -> bool {
        self.pos += LEFT_COMMENT.len();
        let Some(x) = self.rest().find(RIGHT_COMMENT) else {
            self.errorf("unclosed comment".into());
            return false;
        };
        self.advance_to(self.pos + x + RIGHT_COMMENT.len());
        let (delim, trim) = self.at_right_delim();
        if !delim {
            self.errorf("comment ends before closing delimiter".into());
            return false;
        }
        self.emit(Kind::Comment);
        if trim {
            self.pos += 2;
        }
        self.pos += RIGHT.len();
        if trim {
            self.skip_leading_space();
        }
        self.ignore();
        true
    }

    fn skip_leading_space(&mut self) {
        let r = self.rest();
        let n = r.len() - r.trim_start_matches([' ', '\t', '\r', '\n']).len();
        self.advance_to(self.pos + n);
    }

    fn lex_right_delim(&mut self, trim: bool) -> bool {
        if trim {
            self.pos += 1; // the space
            self.ignore();
            self.pos += 1; // the '-'
            self.ignore();
        }
        self.pos += RIGHT.len();
        self.emit(Kind::RightDelim);
        if trim {
            self.skip_leading_space();
            self.ignore();
        }
        true
    }

    fn lex_inside_action(&mut self) -> bool {
        loop {
            let (delim, trim) = self.at_right_delim();
            if delim {
                if self.paren_depth == 0 {
                    return self.lex_right_delim(trim);
                }
                self.errorf("unclosed left paren".into());
                return false;
            }
            let Some(c) = self.next() else {
                self.errorf("unclosed action".into());
                return false;
            };
            match c {
                c if is_space(c as u8) && c.is_ascii() => {
                    self.backup(c);
                    self.lex_space();
                }
                '=' => self.emit(Kind::Assign),
                ':' => {
                    if self.next() != Some('=') {
                        self.errorf("expected :=".into());
                        return false;
                    }
                    self.emit(Kind::Declare);
                }
                '|' => self.emit(Kind::Pipe),
                '"' => {
                    if !self.lex_quote() {
                        return false;
                    }
                }
                '`' => {
                    if !self.lex_raw_quote() {
                        return false;
                    }
                }
                '$' => {
                    if !self.lex_field_or_variable(Kind::Variable) {
                        return false;
                    }
                }
                '\'' => {
                    if !self.lex_char() {
                        return false;
                    }
                }
                '.' => {
                    if let Some(d) = self.peek()
                        && d.is_ascii_digit()
                    {
                        self.backup('.');
                        if !self.lex_number() {
                            return false;
                        }
                    } else if !self.lex_field_or_variable(Kind::Field) {
                        return false;
                    }
                }
                '+' | '-' | '0'..='9' => {
                    self.backup(c);
                    if !self.lex_number() {
                        return false;
                    }
                }
                c if is_alnum(c) => {
                    self.backup(c);
                    if !self.lex_identifier() {
                        return false;
                    }
                }
                '(' => {
                    self.emit(Kind::LeftParen);
                    self.paren_depth += 1;
                }
                ')' => {
                    if self.paren_depth == 0 {
                        self.errorf("unexpected right paren".into());
                        return false;
                    }
                    self.paren_depth -= 1;
                    self.emit(Kind::RightParen);
                }
                c if c.is_ascii() && !c.is_ascii_control() => self.emit(Kind::Char),
                c => {
                    self.errorf(format!("unrecognized character in action: {}", go_u(c)));
                    return false;
                }
            }
        }
    }

    fn lex_space(&mut self) {
        let mut n = 0;
        while let Some(c) = self.peek() {
            if !(c.is_ascii() && is_space(c as u8)) {
                break;
            }
            // Don't eat the space before a trim marker.
            let r = self.rest();
            if r.len() > 1
                && r.as_bytes().get(1) == Some(&b'-')
                && r.get(2..).is_some_and(|s| s.starts_with(RIGHT))
            {
                break;
            }
            self.next();
            n += 1;
        }
        if n > 0 {
            self.emit(Kind::Space);
        }
    }

    fn lex_identifier(&mut self) -> bool {
        while let Some(c) = self.peek() {
            if is_alnum(c) {
                self.next();
            } else {
                break;
            }
        }
        if !self.at_terminator() {
            let c = self.peek().unwrap_or(' ');
            self.errorf(format!("bad character {}", go_u(c)));
            return false;
        }
        let word = self.input.get(self.start..self.pos).unwrap_or("");
        let kind = match word {
            "block" => Kind::Block,
            "break" => Kind::Break,
            "continue" => Kind::Continue,
            "define" => Kind::Define,
            "else" => Kind::Else,
            "end" => Kind::End,
            "if" => Kind::If,
            "range" => Kind::Range,
            "nil" => Kind::Nil,
            "template" => Kind::Template,
            "with" => Kind::With,
            "true" | "false" => Kind::Bool,
            _ => Kind::Identifier,
        };
        self.emit(kind);
        true
    }

    fn lex_field_or_variable(&mut self, kind: Kind) -> bool {
        if self.at_terminator() {
            if kind == Kind::Variable {
                self.emit(Kind::Variable);
            } else {
                self.emit(Kind::Dot);
            }
            return true;
        }
        while let Some(c) = self.peek() {
            if is_alnum(c) {
                self.next();
            } else {
                break;
            }
        }
        if !self.at_terminator() {
            let c = self.peek().unwrap_or(' ');
            self.errorf(format!("bad character {}", go_u(c)));
            return false;
        }
        self.emit(kind);
        true
    }

    fn at_terminator(&self) -> bool {
        let Some(c) = self.peek() else {
            return true;
        };
        if c.is_ascii() && is_space(c as u8) {
            return true;
        }
        if matches!(c, '.' | ',' | '|' | ':' | ')' | '(') {
            return true;
        }
        self.rest().starts_with(RIGHT)
    }

    fn lex_char(&mut self) -> bool {
        loop {
            match self.next() {
                Some('\\') => {
                    if self.next().is_some_and(|c| c != '\n') {
                        continue;
                    }
                    self.errorf("unterminated character constant".into());
                    return false;
                }
                None | Some('\n') => {
                    self.errorf("unterminated character constant".into());
                    return false;
                }
                Some('\'') => break,
                _ => {}
            }
        }
        self.emit(Kind::CharConstant);
        true
    }

    fn lex_number(&mut self) -> bool {
        if !self.scan_number() {
            let t = self
                .input
                .get(self.start..self.pos)
                .unwrap_or("")
                .to_string();
            self.errorf(format!("bad number syntax: {}", crate::fmt::go_quote(&t)));
            return false;
        }
        self.emit(Kind::Number);
        true
    }

    fn accept(&mut self, valid: &str) -> bool {
        if let Some(c) = self.peek()
            && valid.contains(c)
        {
            self.next();
            return true;
        }
        false
    }
    fn accept_run(&mut self, valid: &str) {
        while self.accept(valid) {}
    }

    fn scan_number(&mut self) -> bool {
        self.accept("+-");
        let mut digits = "0123456789_";
        if self.accept("0") {
            if self.accept("xX") {
                digits = "0123456789abcdefABCDEF_";
            } else if self.accept("oO") {
                digits = "01234567_";
            } else if self.accept("bB") {
                digits = "01_";
            }
        }
        self.accept_run(digits);
        if self.accept(".") {
            self.accept_run(digits);
        }
        if digits.len() == 11 && self.accept("eE") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        if digits.len() == 23 && self.accept("pP") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        self.accept("i");
        if let Some(c) = self.peek()
            && (is_alnum(c) || c == '.')
        {
            self.next();
            return false;
        }
        true
    }

    fn lex_quote(&mut self) -> bool {
        loop {
            match self.next() {
                Some('\\') => {
                    if self.next().is_some_and(|c| c != '\n') {
                        continue;
                    }
                    self.errorf("unterminated quoted string".into());
                    return false;
                }
                None | Some('\n') => {
                    self.errorf("unterminated quoted string".into());
                    return false;
                }
                Some('"') => break,
                _ => {}
            }
        }
        self.emit(Kind::String);
        true
    }

    fn lex_raw_quote(&mut self) -> bool {
        let Some(x) = self.rest().find('`') else {
            self.errorf("unterminated raw quoted string".into());
            return false;
        };
        self.advance_to(self.pos + x + 1);
        self.emit(Kind::RawString);
        true
    }
}

fn go_u(c: char) -> String {
    format!("U+{:04X} '{}'", c as u32, c)
}
