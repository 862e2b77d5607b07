//! `.sourceignore` / `spec.ignore` rules (gitignore syntax) and Flux's default excludes.

use regex::Regex;

use crate::Error;

/// What Flux leaves out of a source artifact by default: VCS files, CI configuration and
/// common binary formats.
pub const DEFAULT_EXCLUDES: &str = ".git/\n.gitignore\n.gitmodules\n.gitattributes\n*.jpg\n*.jpeg\n*.gif\n*.png\n*.wmv\n*.flv\n*.tar.gz\n*.zip\n.github/\n.circleci/\n.travis.yml\n.gitlab-ci.yml\nappveyor.yml\n.drone.yml\ncloudbuild.yaml\ncodeship-services.yml\ncodeship-steps.yml\n**/.goreleaser.yml\n**/.sops.yaml\n**/.flux.yaml\n";

#[derive(Debug, Clone)]
struct Rule {
    /// Directory the rule was read in (`""` for the root), `/`-terminated when non-empty.
    base: String,
    negate: bool,
    dir_only: bool,
    re: Regex,
}

/// An ordered set of gitignore rules; the last matching rule decides.
#[derive(Debug, Clone, Default)]
pub struct IgnoreRules {
    rules: Vec<Rule>,
}

fn glob_to_regex(pattern: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        match c {
            '*' if chars.get(i + 1) == Some(&'*') => {
                if chars.get(i + 2) == Some(&'/') {
                    out.push_str("(?:.*/)?");
                    i += 3;
                } else {
                    out.push_str(".*");
                    i += 2;
                }
                continue;
            }
            '*' => out.push_str("[^/]*"),
            '?' => out.push_str("[^/]"),
            '[' => {
                let close = chars.iter().skip(i + 1).position(|&x| x == ']');
                match close {
                    Some(n) => {
                        let class: String = chars.iter().skip(i + 1).take(n).collect();
                        let class = class.replacen('!', "^", usize::from(class.starts_with('!')));
                        out.push('[');
                        out.push_str(&class.replace('\\', "\\\\"));
                        out.push(']');
                        i += n + 2;
                        continue;
                    }
                    None => out.push_str("\\["),
                }
            }
            '\\' => {
                if let Some(&n) = chars.get(i + 1) {
                    out.push_str(&regex::escape(&n.to_string()));
                    i += 2;
                    continue;
                }
            }
            c => out.push_str(&regex::escape(&c.to_string())),
        }
        i += 1;
    }
    out
}

impl IgnoreRules {
    /// Flux's defaults.
    pub fn flux_defaults() -> Self {
        let mut r = Self::default();
        let _ = r.add(DEFAULT_EXCLUDES, "");
        r
    }

    /// Adds the rules of one file read in directory `base` (`""` for the root, else
    /// `dir/sub`); `spec.ignore` applies at the root.
    pub fn add(&mut self, text: &str, base: &str) -> Result<(), Error> {
        let base = if base.is_empty() {
            String::new()
        } else {
            format!("{}/", base.trim_matches('/'))
        };
        for line in text.lines() {
            let line = line.trim_end();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (negate, pat) = match line.strip_prefix('!') {
                Some(p) => (true, p),
                None => (false, line.strip_prefix('\\').unwrap_or(line)),
            };
            let (dir_only, pat) = match pat.strip_suffix('/') {
                Some(p) => (true, p),
                None => (false, pat),
            };
            let anchored = pat.contains('/') && !pat.starts_with("**/");
            let pat = pat.trim_start_matches('/');
            let body = glob_to_regex(pat);
            let re = if anchored {
                format!("^{body}$")
            } else {
                format!("^(?:.*/)?{body}$")
            };
            let re = Regex::new(&re).map_err(|e| Error::Model {
                origin: format!("ignore rule {line:?}"),
                message: e.to_string(),
            })?;
            self.rules.push(Rule {
                base: base.clone(),
                negate,
                dir_only,
                re,
            });
        }
        Ok(())
    }

    /// Whether the file at `path` (relative, `/`-separated) is ignored: a file under an
    /// ignored directory is ignored; otherwise the last rule matching the file decides.
    pub fn is_ignored(&self, path: &str) -> bool {
        let dirs = path
            .match_indices('/')
            .map(|(i, _)| path.get(..i).unwrap_or(""));
        for dir in dirs {
            if self.decide(dir, true) {
                return true;
            }
        }
        self.decide(path, false)
    }

    /// Whether the directory at `path` is ignored (by a rule for it or for a parent).
    pub fn is_ignored_dir(&self, path: &str) -> bool {
        self.is_ignored(path) || self.decide(path, true)
    }

    fn decide(&self, path: &str, is_dir: bool) -> bool {
        let mut ignored = false;
        for rule in &self.rules {
            if rule.dir_only && !is_dir {
                continue;
            }
            let Some(rel) = path.strip_prefix(rule.base.as_str()) else {
                continue;
            };
            if rule.re.is_match(rel) {
                ignored = !rule.negate;
            }
        }
        ignored
    }
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

    #[test]
    fn rules_table() {
        let mut r = IgnoreRules::flux_defaults();
        r.add("/*\n!/deploy\n*.md\n", "").unwrap();
        r.add("secret.yaml\n", "deploy/prod").unwrap();
        let cases = [
            (".git/config", true),
            ("logo.png", true),
            ("src/main.go", true),
            ("deploy/app.yaml", false),
            ("deploy/README.md", true),
            ("deploy/prod/secret.yaml", true),
            ("deploy/dev/secret.yaml", false),
            ("deploy/.sops.yaml", true),
        ];
        for (path, want) in cases {
            assert_eq!(r.is_ignored(path), want, "{path}");
        }
    }
}
