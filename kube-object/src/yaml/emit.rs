//! The writer: `kustomize build`'s output layout for JSON-like values.
//!
//! `kustomize build` prints each object by encoding it as JSON and handing that to a
//! YAML 1.1 writer. The layout therefore follows that writer exactly: keys sorted in its
//! "natural" order, 2-space indentation, block sequences not indented under their key,
//! `{}`/`[]` for empty collections, strings quoted when they would read back as something
//! else, `|` blocks for multi-line strings, and long lines folded at 80 columns.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::{Map, Value};

use super::resolve::{needs_quotes_for_type, number_text};

/// Preferred line width before plain and quoted scalars are folded.
const BEST_WIDTH: usize = 80;
/// Indentation step.
const BEST_INDENT: isize = 2;
/// Longest key (in bytes) written as a simple `key: value`; longer keys use `? key`.
const MAX_SIMPLE_KEY: usize = 128;

/// Key order in written mappings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KeyOrder {
    /// `kustomize build`'s order: sorted as [`compare_keys`] says (runs of digits compared
    /// by value, non-letters before letters: `_x < 1 < 9 < 10 < B < a < a_b < a1 < a10`).
    #[default]
    Kustomize,
    /// The order the mapping holds.
    AsHeld,
}

/// How [`emit_stream_with`](super::emit_stream_with) writes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EmitOptions {
    /// Key order in mappings.
    pub key_order: KeyOrder,
}

impl EmitOptions {
    /// Options with the given key order.
    #[must_use]
    pub fn with_key_order(mut self, key_order: KeyOrder) -> Self {
        self.key_order = key_order;
        self
    }
}

/// Compares two mapping keys in `kustomize build`'s output order.
///
/// Characters are compared one by one; letters sort after non-letters, two letters by code
/// point; where digits start, the whole digit runs are compared as numbers (a longer run of
/// equal value, i.e. with leading zeros, sorts later), so `a9 < a10` and `_x < 1 < 9 < 10 < B
/// < a`. A key that is a prefix of another sorts first.
#[must_use]
pub fn compare_keys(a: &str, b: &str) -> Ordering {
    if a.is_ascii() && b.is_ascii() {
        compare_units(
            a.as_bytes(),
            b.as_bytes(),
            |c: &u8| c.is_ascii_alphabetic(),
            |c: &u8| c.is_ascii_digit(),
        )
    } else {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        compare_units(
            &a,
            &b,
            |c: &char| c.is_alphabetic(),
            |c: &char| c.is_ascii_digit(),
        )
    }
}

fn compare_units<T: Copy + Ord + Into<u32>>(
    a: &[T],
    b: &[T],
    is_letter: impl Fn(&T) -> bool,
    is_digit: impl Fn(&T) -> bool,
) -> Ordering {
    let zero = u32::from(b'0');
    for (i, (x, y)) in a.iter().zip(b.iter()).enumerate() {
        if x == y {
            continue;
        }
        let (xl, yl) = (is_letter(x), is_letter(y));
        if xl && yl {
            return x.cmp(y);
        }
        if xl || yl {
            // The letter sorts after the non-letter.
            return if yl {
                Ordering::Less
            } else {
                Ordering::Greater
            };
        }
        let (mut an, mut bn): (i64, i64) = (0, 0);
        if (*x).into() == zero || (*y).into() == zero {
            // Zeros after a non-zero digit of the common prefix are significant.
            let mut j = i;
            while j > 0 {
                j -= 1;
                let Some(c) = a.get(j) else { break };
                if !is_digit(c) {
                    break;
                }
                if (*c).into() != zero {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while let Some(c) = a.get(ai).filter(|c| is_digit(c)) {
            an = an
                .wrapping_mul(10)
                .wrapping_add(i64::from((*c).into()) - i64::from(zero));
            ai += 1;
        }
        let mut bi = i;
        while let Some(c) = b.get(bi).filter(|c| is_digit(c)) {
            bn = bn
                .wrapping_mul(10)
                .wrapping_add(i64::from((*c).into()) - i64::from(zero));
            bi += 1;
        }
        if an != bn {
            return an.cmp(&bn);
        }
        if ai != bi {
            return ai.cmp(&bi);
        }
        return x.cmp(y);
    }
    a.len().cmp(&b.len())
}

/// Writes a stream: documents separated by `---` lines, each ending with a newline.
pub(crate) fn emit_stream(docs: &[Value], options: EmitOptions) -> String {
    let mut e = Emitter::new(options);
    for (i, doc) in docs.iter().enumerate() {
        if i > 0 {
            e.out.push_str("---\n");
        }
        e.document(doc);
    }
    e.out
}

/// Node context, as the writer's state machine knows it.
#[derive(Clone, Copy)]
struct Ctx {
    /// The node is a key or value of a block mapping.
    mapping: bool,
    /// The node is a simple (`key:`) key.
    simple_key: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

struct Emitter {
    out: String,
    options: EmitOptions,
    /// Current column, in characters.
    column: usize,
    /// The last character written is whitespace (or nothing on the line yet).
    whitespace: bool,
    /// Only indentation has been written on the current line.
    indention: bool,
    /// Current indentation (-1 at the top).
    indent: isize,
}

/// What a scalar's characters allow.
#[derive(Clone, Copy)]
pub(super) struct Analysis {
    multiline: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    /// A `|` or `>` block can hold the text.
    pub(super) block_allowed: bool,
}

/// Fast path: a string of letters, digits and `-._/` (not `-`, not starting `---` or
/// `...`) needs no character analysis: it is plain unless it reads back as another type,
/// and then double-quoted without escapes.
fn is_simple_word(s: &str) -> bool {
    !s.is_empty()
        && s != "-"
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'/'))
        && !s.starts_with("---")
        && !s.starts_with("...")
}

pub(super) fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

fn is_printable(c: char) -> bool {
    c == '\n'
        || (' '..='~').contains(&c)
        || ('\u{A0}'..='\u{D7FF}').contains(&c)
        || (('\u{E000}'..='\u{FFFD}').contains(&c) && c != '\u{FEFF}')
}

/// Port of the writer's scalar analysis (block context only: flow collections written here
/// are always empty).
pub(super) fn analyze(value: &str) -> Analysis {
    if value.is_empty() {
        return Analysis {
            multiline: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    let mut block_indicators = value.starts_with("---") || value.starts_with("...");
    let (mut line_breaks, mut special) = (false, false);
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) =
        (false, false, false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut previous_space, mut previous_break) = (false, false);
    let mut preceded_by_whitespace = true;
    let mut chars = value.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        let followed_by_whitespace = next.is_none_or(is_blank);
        let last = next.is_none();
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => block_indicators = true,
                '?' | ':' | '-' if followed_by_whitespace => block_indicators = true,
                _ => {}
            }
        } else {
            match c {
                ':' if followed_by_whitespace => block_indicators = true,
                '#' if preceded_by_whitespace => block_indicators = true,
                _ => {}
            }
        }
        if !is_printable(c) {
            special = true;
        }
        if c == ' ' {
            if i == 0 {
                leading_space = true;
            }
            if last {
                trailing_space = true;
            }
            if previous_break {
                break_space = true;
            }
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            line_breaks = true;
            if i == 0 {
                leading_break = true;
            }
            if last {
                trailing_break = true;
            }
            if previous_space {
                space_break = true;
            }
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = is_blank(c) || is_break(c) || c == '\0';
    }
    let mut a = Analysis {
        multiline: line_breaks,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
        a.block_allowed = false;
    }
    if line_breaks || block_indicators {
        a.block_plain_allowed = false;
    }
    a
}

/// The text as it comes back from kustomize's JSON round trip: a raw NEL (U+0085) in a JSON
/// string is a line break to the YAML reader, so it folds (with the spaces around it) into
/// one space, or into `n - 1` newlines for a run of `n` breaks.
fn fold_nel(s: &str) -> Cow<'_, str> {
    if !s.contains('\u{85}') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    let mut pending_spaces = 0usize;
    while let Some(c) = chars.next() {
        match c {
            ' ' => pending_spaces += 1,
            '\u{85}' => {
                pending_spaces = 0;
                let mut breaks = 1;
                while let Some(&n) = chars.peek() {
                    match n {
                        ' ' => {}
                        '\u{85}' => breaks += 1,
                        _ => break,
                    }
                    chars.next();
                }
                if breaks == 1 {
                    out.push(' ');
                } else {
                    for _ in 1..breaks {
                        out.push('\n');
                    }
                }
            }
            _ => {
                for _ in 0..pending_spaces {
                    out.push(' ');
                }
                pending_spaces = 0;
                out.push(c);
            }
        }
    }
    for _ in 0..pending_spaces {
        out.push(' ');
    }
    Cow::Owned(out)
}

impl Emitter {
    fn new(options: EmitOptions) -> Self {
        Emitter {
            out: String::new(),
            options,
            column: 0,
            whitespace: true,
            indention: true,
            indent: -1,
        }
    }

    fn document(&mut self, doc: &Value) {
        self.column = 0;
        self.whitespace = true;
        self.indention = true;
        self.indent = -1;
        self.node(
            doc,
            Ctx {
                mapping: false,
                simple_key: false,
            },
        );
        // Document end: make sure the last line is terminated.
        if !self.indention || self.column > 0 || !self.whitespace {
            self.put_break();
        }
    }

    // -- primitives ---------------------------------------------------------------------

    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    /// Writes text holding no line breaks.
    fn write_str(&mut self, s: &str) {
        self.out.push_str(s);
        self.column += if s.is_ascii() {
            s.len()
        } else {
            s.chars().count()
        };
    }

    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }

    fn write_indent(&mut self) {
        let indent = usize::try_from(self.indent.max(0)).unwrap_or(0);
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(
        &mut self,
        indicator: &str,
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        self.write_str(indicator);
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }

    // -- nodes --------------------------------------------------------------------------

    fn node(&mut self, value: &Value, ctx: Ctx) {
        match value {
            Value::Null => self.plain_word("null"),
            Value::Bool(b) => self.plain_word(if *b { "true" } else { "false" }),
            Value::Number(n) => {
                if !self.whitespace {
                    self.put(' ');
                }
                let start = self.out.len();
                number_text(n, &mut self.out);
                self.column += self.out.len() - start;
                self.whitespace = false;
                self.indention = false;
            }
            Value::String(s) => {
                if is_simple_word(s) {
                    self.simple_word(s);
                } else {
                    let s = fold_nel(s);
                    let a = analyze(&s);
                    self.string(&s, a, ctx);
                }
            }
            Value::Array(items) if items.is_empty() => self.empty_flow("[", "]"),
            Value::Object(map) if map.is_empty() => self.empty_flow("{", "}"),
            Value::Array(items) => self.block_sequence(items, ctx),
            Value::Object(map) => self.block_mapping(map),
        }
    }

    fn empty_flow(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.write_indicator(close, false, false, false);
    }

    /// A string of [`is_simple_word`] characters: plain unless it would read back as
    /// another type.
    fn simple_word(&mut self, s: &str) {
        if needs_quotes_for_type(s) {
            self.write_indicator("\"", true, false, false);
            self.write_str(s);
            self.write_indicator("\"", false, false, false);
            self.whitespace = false;
            self.indention = false;
        } else {
            self.plain_word(s);
        }
    }

    /// A plain scalar without spaces or breaks (null, booleans, numbers).
    fn plain_word(&mut self, text: &str) {
        if !self.whitespace {
            self.put(' ');
        }
        self.write_str(text);
        self.whitespace = false;
        self.indention = false;
    }

    fn block_sequence(&mut self, items: &[Value], ctx: Ctx) {
        let saved = self.indent;
        let indentless = ctx.mapping && !self.indention;
        self.indent = if self.indent < 0 {
            0
        } else if indentless {
            self.indent
        } else {
            self.indent + BEST_INDENT
        };
        for item in items {
            self.write_indent();
            self.write_indicator("-", true, false, true);
            self.node(
                item,
                Ctx {
                    mapping: false,
                    simple_key: false,
                },
            );
        }
        self.indent = saved;
    }

    fn block_mapping(&mut self, map: &Map<String, Value>) {
        let saved = self.indent;
        self.indent = if self.indent < 0 {
            0
        } else {
            self.indent + BEST_INDENT
        };
        let sorted = self.options.key_order == KeyOrder::Kustomize
            && !is_sorted(map.keys().map(String::as_str));
        if sorted {
            let entries = sort_entries(map.iter().collect());
            for (k, v) in entries {
                self.entry(k, v);
            }
        } else {
            for (k, v) in map {
                self.entry(k, v);
            }
        }
        self.indent = saved;
    }

    fn entry(&mut self, key: &str, value: &Value) {
        self.write_indent();
        if key.len() <= MAX_SIMPLE_KEY && is_simple_word(key) {
            self.simple_word(key);
            self.write_indicator(":", false, false, false);
            self.node(
                value,
                Ctx {
                    mapping: true,
                    simple_key: false,
                },
            );
            return;
        }
        let key = fold_nel(key);
        let a = analyze(&key);
        if !a.multiline && key.len() <= MAX_SIMPLE_KEY {
            self.string(
                &key,
                a,
                Ctx {
                    mapping: true,
                    simple_key: true,
                },
            );
            self.write_indicator(":", false, false, false);
        } else {
            self.write_indicator("?", true, false, true);
            self.string(
                &key,
                a,
                Ctx {
                    mapping: true,
                    simple_key: false,
                },
            );
            self.write_indent();
            self.write_indicator(":", true, false, true);
        }
        self.node(
            value,
            Ctx {
                mapping: true,
                simple_key: false,
            },
        );
    }

    // -- strings ------------------------------------------------------------------------

    fn string(&mut self, s: &str, a: Analysis, ctx: Ctx) {
        let mut style = if s.contains('\n') {
            Style::Literal
        } else if !needs_quotes_for_type(s) {
            Style::Plain
        } else {
            Style::Double
        };
        if ctx.simple_key && a.multiline {
            style = Style::Double;
        }
        if style == Style::Plain && !a.block_plain_allowed {
            style = Style::Single;
        }
        if style == Style::Plain && s.is_empty() && ctx.simple_key {
            style = Style::Single;
        }
        if style == Style::Single && !a.single_quoted_allowed {
            style = Style::Double;
        }
        if style == Style::Literal && (!a.block_allowed || ctx.simple_key) {
            style = Style::Double;
        }
        let saved = self.indent;
        self.indent = if self.indent < 0 {
            BEST_INDENT
        } else {
            self.indent + BEST_INDENT
        };
        let allow_breaks = !ctx.simple_key;
        match style {
            Style::Plain => self.write_plain(s, allow_breaks),
            Style::Single => self.write_single_quoted(s, allow_breaks),
            Style::Double => self.write_double_quoted(s, allow_breaks),
            Style::Literal => self.write_literal(s),
        }
        self.indent = saved;
    }

    fn write_plain(&mut self, s: &str, allow_breaks: bool) {
        if !self.whitespace {
            self.put(' ');
        }
        if !allow_breaks || self.column + s.len() <= BEST_WIDTH + 1 || !s.contains(' ') {
            self.write_str(s);
        } else {
            let mut spaces = false;
            let mut chars = s.chars().peekable();
            while let Some(c) = chars.next() {
                if c == ' ' {
                    let next_is_space = chars.peek() == Some(&' ');
                    if !spaces && self.column > BEST_WIDTH && !next_is_space {
                        self.write_indent();
                    } else {
                        self.put(' ');
                    }
                    spaces = true;
                } else {
                    // Plain scalars written here never hold line breaks.
                    self.put_char(c);
                    self.indention = false;
                    spaces = false;
                }
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn put_char(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn write_single_quoted(&mut self, s: &str, allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        let mut spaces = false;
        let mut breaks = false;
        let len = s.len();
        let mut chars = s.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c == ' ' {
                let next_is_space = chars.peek().is_some_and(|&(_, n)| n == ' ');
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i != 0
                    && i != len - 1
                    && !next_is_space
                {
                    self.write_indent();
                } else {
                    self.put(' ');
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put_char(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double_quoted(&mut self, s: &str, allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        // The writer checks for a byte-order mark at the start of the *value* on every
        // character, so a value starting with one has all its characters escaped.
        let bom_start = s.starts_with('\u{FEFF}');
        let len = s.len();
        let mut spaces = false;
        let mut chars = s.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if bom_start || !is_printable(c) || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                match c {
                    '\0' => self.put('0'),
                    '\u{7}' => self.put('a'),
                    '\u{8}' => self.put('b'),
                    '\t' => self.put('t'),
                    '\n' => self.put('n'),
                    '\u{b}' => self.put('v'),
                    '\u{c}' => self.put('f'),
                    '\r' => self.put('r'),
                    '\u{1b}' => self.put('e'),
                    '"' => self.put('"'),
                    '\\' => self.put('\\'),
                    '\u{85}' => self.put('N'),
                    '\u{A0}' => self.put('_'),
                    '\u{2028}' => self.put('L'),
                    '\u{2029}' => self.put('P'),
                    _ => {
                        let v = u32::from(c);
                        let (letter, width) = if v <= 0xFF {
                            ('x', 2)
                        } else if v <= 0xFFFF {
                            ('u', 4)
                        } else {
                            ('U', 8)
                        };
                        self.put(letter);
                        let hex = format!("{v:0width$X}");
                        self.write_str(&hex);
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks && !spaces && self.column > BEST_WIDTH && i != 0 && i != len - 1 {
                    self.write_indent();
                    if chars.peek().is_some_and(|&(_, n)| n == ' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(' ');
                }
                spaces = true;
            } else {
                self.put_char(c);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_literal(&mut self, s: &str) {
        self.write_indicator("|", true, false, false);
        // Indentation hint when the text starts with a space or a line break.
        if s.starts_with(' ') || s.chars().next().is_some_and(is_break) {
            self.write_indicator("2", false, false, false);
        }
        // Chomping: strip when there is no final break, keep when there are several.
        let mut rev = s.chars().rev();
        let chomp = match (rev.next(), rev.next()) {
            (None, _) => Some("-"),
            (Some(last), _) if !is_break(last) => Some("-"),
            (Some(_), None) => Some("+"),
            (Some(_), Some(prev)) if is_break(prev) => Some("+"),
            _ => None,
        };
        if let Some(chomp) = chomp {
            self.write_indicator(chomp, false, false, false);
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        let mut rest = s;
        while !rest.is_empty() {
            let cut = rest.find(is_break).unwrap_or(rest.len());
            let (line, tail) = rest.split_at(cut);
            if !line.is_empty() {
                if breaks {
                    self.write_indent();
                }
                self.write_str(line);
                self.indention = false;
                breaks = false;
            }
            let mut tail_chars = tail.chars();
            if let Some(b) = tail_chars.next() {
                self.write_break(b);
                self.indention = true;
                breaks = true;
            }
            rest = tail_chars.as_str();
        }
    }
}

/// Sorts mapping entries by [`compare_keys`].
///
/// That comparison is not transitive for every key set (`0777 < 0o17 < 1_000 < 0777`);
/// kustomize then prints such keys in an order that varies from run to run. This sort never
/// relies on transitivity (insertion sort for short lists, as kustomize's writer does up to
/// 12 keys, merge sort above), so it cannot fail, and it is deterministic.
fn sort_entries<'a>(entries: Vec<(&'a String, &'a Value)>) -> Vec<(&'a String, &'a Value)> {
    let less =
        |a: &(&String, &Value), b: &(&String, &Value)| compare_keys(a.0, b.0) == Ordering::Less;
    merge_sort(entries, &less)
}

fn merge_sort<T>(mut items: Vec<T>, less: &impl Fn(&T, &T) -> bool) -> Vec<T> {
    if items.len() <= 12 {
        for i in 1..items.len() {
            let mut j = i;
            while j > 0 {
                match (items.get(j), items.get(j - 1)) {
                    (Some(a), Some(b)) if less(a, b) => items.swap(j, j - 1),
                    _ => break,
                }
                j -= 1;
            }
        }
        return items;
    }
    let right = items.split_off(items.len() / 2);
    let left = merge_sort(items, less);
    let right = merge_sort(right, less);
    let mut out = Vec::with_capacity(left.len() + right.len());
    let mut l = left.into_iter().peekable();
    let mut r = right.into_iter().peekable();
    loop {
        let take_right = match (l.peek(), r.peek()) {
            (Some(a), Some(b)) => less(b, a),
            (Some(_), None) => false,
            (None, Some(_)) => true,
            (None, None) => break,
        };
        let next = if take_right { r.next() } else { l.next() };
        out.extend(next);
    }
    out
}

fn is_sorted<'a>(mut keys: impl Iterator<Item = &'a str>) -> bool {
    let Some(mut prev) = keys.next() else {
        return true;
    };
    for k in keys {
        if compare_keys(prev, k) == Ordering::Greater {
            return false;
        }
        prev = k;
    }
    true
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorting_never_fails_on_intransitive_keys() {
        let mut m = serde_json::Map::new();
        for k in ["0777", "0o17", "1_000", "1e3", "a", "9", "10", "x"]
            .iter()
            .cycle()
            .take(8)
        {
            m.insert((*k).to_string(), Value::Null);
        }
        for i in 0..40 {
            m.insert(format!("{}{i}", ["0", "0o", "1_", "k"][i % 4]), Value::Null);
        }
        let a = emit_stream(&[Value::Object(m.clone())], EmitOptions::default());
        assert_eq!(a, emit_stream(&[Value::Object(m)], EmitOptions::default()));
    }

    #[test]
    fn key_order_table() {
        let want = [
            "", "-", "_x", "1", "9", "10", "B", "a", "a-b", "a.b", "a_b", "a1", "a1b", "a01",
            "a001", "a9", "a10", "ab", "b", "x0", "x00", "x000a", "x0a", "z/", "é",
        ];
        let mut keys: Vec<&str> = want.iter().rev().copied().collect();
        keys.sort_by(|a, b| compare_keys(a, b));
        assert_eq!(keys, want);
    }

    fn one(v: Value) -> String {
        emit_stream(&[v], EmitOptions::default())
    }

    #[test]
    fn scalar_styles_table() {
        let cases: &[(&str, &str)] = &[
            ("yes", "\"yes\""),
            ("1.0", "\"1.0\""),
            ("", "\"\""),
            ("-", "'-'"),
            ("*x", "'*x'"),
            ("a: b", "'a: b'"),
            ("a #b", "'a #b'"),
            ("x#y", "x#y"),
            (" lead", "' lead'"),
            ("trail ", "'trail '"),
            ("it's", "it's"),
            ("?x", "?x"),
            ("- x", "'- x'"),
            ("x:", "'x:'"),
            ("---", "'---'"),
            ("<<", "<<"),
            ("tab\there", "\"tab\\there\""),
            ("smile 😀", "\"smile \\U0001F600\""),
            ("a\u{1}b", "\"a\\x01b\""),
            ("\u{FEFF}x", "\"\\uFEFF\\x78\""),
            ("ü", "ü"),
            ("  ", "'  '"),
        ];
        for (s, want) in cases {
            assert_eq!(one(json!({ "k": s })), format!("k: {want}\n"), "{s:?}");
        }
    }

    #[test]
    fn block_scalars() {
        assert_eq!(one(json!({"k": "a\nb"})), "k: |-\n  a\n  b\n");
        assert_eq!(one(json!({"k": "a\nb\n"})), "k: |\n  a\n  b\n");
        assert_eq!(one(json!({"k": "a\n\n"})), "k: |+\n  a\n\n");
        assert_eq!(one(json!({"k": "\n"})), "k: |2+\n\n");
        assert_eq!(one(json!({"k": "  x\ny\n"})), "k: |2\n    x\n  y\n");
        assert_eq!(one(json!({"k": "a \nb\n"})), "k: \"a \\nb\\n\"\n");
        assert_eq!(one(json!({"k": ["a\nb"]})), "k:\n- |-\n  a\n  b\n");
    }

    #[test]
    fn layout() {
        let v = json!({
            "spec": {"containers": [{"name": "x", "ports": [{"containerPort": 80}]}],
                     "volumes": [{"emptyDir": {}}], "list": []},
            "apiVersion": "v1",
            "nested": [["a", "b"], [], {}, [{"c": 1, "d": 2}]]
        });
        let want = "apiVersion: v1\nnested:\n- - a\n  - b\n- []\n- {}\n- - c: 1\n    d: 2\nspec:\n  containers:\n  - name: x\n    ports:\n    - containerPort: 80\n  list: []\n  volumes:\n  - emptyDir: {}\n";
        assert_eq!(one(v), want);
    }

    #[test]
    fn special_keys() {
        assert_eq!(one(json!({"a\nb": 1})), "? |-\n  a\n  b\n: 1\n");
        let long = "k".repeat(129);
        assert_eq!(one(json!({ long.clone(): 1 })), format!("? {long}\n: 1\n"));
        assert_eq!(one(json!({"y": "n"})), "\"y\": \"n\"\n");
        assert_eq!(one(json!({"": 1})), "\"\": 1\n");
    }

    #[test]
    fn folding() {
        let long = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore";
        assert_eq!(
            one(json!({ "long": long })),
            "long: Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor\n  incididunt ut labore\n"
        );
    }

    #[test]
    fn nel_folds_like_the_json_round_trip() {
        assert_eq!(fold_nel("x  \u{85}  y"), "x y");
        assert_eq!(fold_nel("\u{85}b  \u{85}  \u{85}c"), " b\nc");
    }

    #[test]
    fn documents_and_scalars() {
        let s = emit_stream(
            &[json!({"a": 1}), json!(null), json!(["x"])],
            EmitOptions::default(),
        );
        assert_eq!(s, "a: 1\n---\nnull\n---\n- x\n");
        assert_eq!(emit_stream(&[], EmitOptions::default()), "");
        assert_eq!(
            emit_stream(
                &[json!({"b": 1, "a": 2})],
                EmitOptions::default().with_key_order(KeyOrder::AsHeld)
            ),
            "b: 1\na: 2\n"
        );
    }
}
