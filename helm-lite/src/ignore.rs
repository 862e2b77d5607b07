//! `.helmignore`, applied as Helm's directory loader applies it: rules in file order plus
//! the default `templates/.?*`, a directory that is ignored takes everything under it, and
//! patterns are Go's `filepath.Match` (no `**`).

use std::collections::BTreeMap;

use crate::Error;

#[derive(Debug, Clone)]
struct Rule {
    pattern: Vec<Tok>,
    negate: bool,
    must_dir: bool,
    anchored: bool,
    has_slash: bool,
}

/// The rules of a `.helmignore` file.
#[derive(Debug, Clone, Default)]
pub struct Rules(Vec<Rule>);

impl Rules {
    /// Parses a `.helmignore` (comments, blank lines, `!`, trailing `/`, leading `/`).
    pub fn parse(text: &str) -> Result<Rules, Error> {
        let mut r = Rules::default();
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for line in text.lines() {
            r.add(line)?;
        }
        Ok(r)
    }

    fn add(&mut self, line: &str) -> Result<(), Error> {
        let rule = line.trim();
        if rule.is_empty() || rule.starts_with('#') {
            return Ok(());
        }
        if rule.contains("**") {
            return Err(Error::Chart(
                "double-star (**) syntax is not supported".into(),
            ));
        }
        if tokens(rule).is_err() {
            return Err(Error::Chart("syntax error in pattern".into()));
        }
        let (negate, rest) = match rule.strip_prefix('!') {
            Some(r) => (true, r),
            None => (false, rule),
        };
        let (must_dir, rest) = match rest.strip_suffix('/') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        let (anchored, rest) = match rest.strip_prefix('/') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        self.0.push(Rule {
            pattern: tokens(rest).map_err(|()| Error::Chart("syntax error in pattern".into()))?,
            negate,
            must_dir,
            anchored,
            has_slash: rest.contains('/'),
        });
        Ok(())
    }

    /// Helm's `Rules.Ignore` for one path (relative, `/`-separated).
    pub fn ignore(&self, path: &str, is_dir: bool) -> bool {
        if path.is_empty() || path == "." || path == "./" {
            return false;
        }
        for p in &self.0 {
            let matched = || {
                let name = if p.anchored || p.has_slash {
                    path
                } else {
                    path.rsplit('/').next().unwrap_or(path)
                };
                match_tokens(&p.pattern, name)
            };
            if p.negate {
                if p.must_dir && !is_dir {
                    return true;
                }
                if !matched() {
                    return true;
                }
                continue;
            }
            if p.must_dir && !is_dir {
                continue;
            }
            if matched() {
                return true;
            }
        }
        false
    }
}

/// The files of a chart directory that Helm loads: those `.helmignore` (at the root) and
/// the default rule leave.
pub fn filter(files: &BTreeMap<String, Vec<u8>>) -> Result<BTreeMap<String, Vec<u8>>, Error> {
    Ok(filter_ref(files)?
        .into_iter()
        .map(|(p, b)| (p.to_string(), b.to_vec()))
        .collect())
}

/// [`filter`] without copying: the paths and bytes Helm loads, borrowed.
pub(crate) fn filter_ref(
    files: &BTreeMap<String, Vec<u8>>,
) -> Result<BTreeMap<&str, &[u8]>, Error> {
    let mut rules = match files.get(".helmignore") {
        Some(b) => Rules::parse(&String::from_utf8_lossy(b))?,
        None => Rules::default(),
    };
    rules.add("templates/.?*")?;
    let mut out = BTreeMap::new();
    // Whether a directory is ignored, asked once per directory.
    let mut dirs: std::collections::HashMap<&str, bool> = std::collections::HashMap::new();
    'files: for (path, b) in files {
        let mut end = 0;
        while let Some(i) = path.get(end..).and_then(|r| r.find('/')) {
            end += i;
            let dir = path.get(..end).unwrap_or("");
            let ignored = *dirs.entry(dir).or_insert_with(|| rules.ignore(dir, true));
            if ignored {
                continue 'files;
            }
            end += 1;
        }
        if !rules.ignore(path, false) {
            out.insert(path.as_str(), b.as_slice());
        }
    }
    Ok(out)
}

#[derive(Debug, Clone)]
enum Tok {
    Star,
    One,
    Lit(char),
    Class(bool, Vec<(char, char)>),
}

fn tokens(p: &str) -> Result<Vec<Tok>, ()> {
    let cs: Vec<char> = p.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    let esc = |i: &mut usize| -> Result<char, ()> {
        let c = *cs.get(*i).ok_or(())?;
        *i += 1;
        if c == '\\' {
            let n = *cs.get(*i).ok_or(())?;
            *i += 1;
            return Ok(n);
        }
        Ok(c)
    };
    while let Some(&c) = cs.get(i) {
        match c {
            '*' => {
                i += 1;
                out.push(Tok::Star);
            }
            '?' => {
                i += 1;
                out.push(Tok::One);
            }
            '[' => {
                i += 1;
                let neg = cs.get(i) == Some(&'^');
                if neg {
                    i += 1;
                }
                let mut ranges = Vec::new();
                let mut first = true;
                loop {
                    match cs.get(i) {
                        None => return Err(()),
                        Some(']') if !first => {
                            i += 1;
                            break;
                        }
                        Some(_) => {
                            let lo = esc(&mut i)?;
                            let mut hi = lo;
                            if cs.get(i) == Some(&'-') {
                                i += 1;
                                hi = esc(&mut i)?;
                            }
                            if lo > hi {
                                return Err(());
                            }
                            ranges.push((lo, hi));
                        }
                    }
                    first = false;
                }
                out.push(Tok::Class(neg, ranges));
            }
            _ => out.push(Tok::Lit(esc(&mut i)?)),
        }
    }
    Ok(out)
}

/// Go's `filepath.Match` with `/` separators (an error for a malformed pattern).
#[cfg(test)]
fn go_match(pattern: &str, name: &str) -> Result<bool, ()> {
    Ok(match_tokens(&tokens(pattern)?, name))
}

/// Whether a parsed `filepath.Match` pattern matches `name`.
fn match_tokens(toks: &[Tok], name: &str) -> bool {
    // Literal patterns (most rules, and every path segment Helm compares) need no search.
    if toks.iter().all(|t| matches!(t, Tok::Lit(_))) {
        let mut cs = name.chars();
        return toks
            .iter()
            .all(|t| matches!(t, Tok::Lit(l) if cs.next() == Some(*l)))
            && cs.next().is_none();
    }
    let name: Vec<char> = name.chars().collect();
    // can[j]: the tokens so far match name[..j].
    let mut can = vec![false; name.len() + 1];
    let mut next = vec![false; name.len() + 1];
    if let Some(c) = can.first_mut() {
        *c = true;
    }
    for t in toks {
        next.iter_mut().for_each(|n| *n = false);
        for j in 0..=name.len() {
            if !can.get(j).copied().unwrap_or(false) {
                continue;
            }
            match t {
                Tok::Star => {
                    let mut k = j;
                    loop {
                        if let Some(n) = next.get_mut(k) {
                            *n = true;
                        }
                        match name.get(k) {
                            Some(c) if *c != '/' => k += 1,
                            _ => break,
                        }
                    }
                }
                _ => {
                    let Some(&c) = name.get(j) else { continue };
                    let ok = match t {
                        Tok::One => c != '/',
                        Tok::Lit(l) => c == *l,
                        Tok::Class(neg, ranges) => {
                            c != '/' && (ranges.iter().any(|(lo, hi)| *lo <= c && c <= *hi) != *neg)
                        }
                        Tok::Star => false,
                    };
                    if ok && let Some(n) = next.get_mut(j + 1) {
                        *n = true;
                    }
                }
            }
        }
        std::mem::swap(&mut can, &mut next);
    }
    can.last().copied().unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filepath_match_as_go() {
        // Cases from Go's path/filepath match tests.
        for (p, n, want) in [
            ("abc", "abc", true),
            ("*", "abc", true),
            ("*c", "abc", true),
            ("a*", "a", true),
            ("a*", "abc", true),
            ("a*", "ab/c", false),
            ("a*/b", "abc/b", true),
            ("a*/b", "a/c/b", false),
            ("a*b*c*d*e*/f", "axbxcxdxe/f", true),
            ("a*b*c*d*e*/f", "axbxcxdxexxx/f", true),
            ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false),
            ("a*b?c*x", "abxbbxdbxebxczzx", true),
            ("a*b?c*x", "abxbbxdbxebxczzy", false),
            ("ab[c]", "abc", true),
            ("ab[b-d]", "abc", true),
            ("ab[e-g]", "abc", false),
            ("ab[^c]", "abc", false),
            ("ab[^b-d]", "abc", false),
            ("ab[^e-g]", "abc", true),
            ("a\\*b", "a*b", true),
            ("a\\*b", "ab", false),
            ("a?b", "a☺b", true),
            ("a[^a]b", "a☺b", true),
            ("a???b", "a☺b", false),
            ("*x", "xxx", true),
        ] {
            assert_eq!(go_match(p, n), Ok(want), "{p} {n}");
        }
        for bad in ["[", "[^", "[^bc", "a[", "ab[e-g", "a\\", "[a-]"] {
            assert!(go_match(bad, "x").is_err(), "{bad}");
        }
    }
}
