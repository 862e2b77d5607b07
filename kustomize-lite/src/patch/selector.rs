//! Patch and replacement targets: gvk, name and namespace regexes, label and annotation
//! selectors.

use crate::kustomization::Selector;
use crate::resid::KustomizeId as _;
use crate::resource::Resource;
use regex::Regex;

/// One requirement of a label selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    /// `key=value`, `key==value`.
    Equals(String, String),
    /// `key!=value`.
    NotEquals(String, String),
    /// `key in (a,b)`.
    In(String, Vec<String>),
    /// `key notin (a,b)`.
    NotIn(String, Vec<String>),
    /// `key`.
    Exists(String),
    /// `!key`.
    NotExists(String),
}

/// Parses a Kubernetes label selector (`a=b,c!=d,e in (x,y),!f`).
pub fn parse_label_selector(s: &str) -> Result<Vec<Requirement>, String> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut cur = String::new();
    for c in s.chars() {
        match c {
            '(' => {
                depth += 1;
                cur.push(c);
            }
            ')' => {
                depth = depth.saturating_sub(1);
                cur.push(c);
            }
            ',' if depth == 0 => parts.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    parts.push(cur);
    let mut out = Vec::new();
    for p in parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        let set = |rest: &str| -> Result<Vec<String>, String> {
            let inner = rest
                .trim()
                .strip_prefix('(')
                .and_then(|r| r.strip_suffix(')'))
                .ok_or_else(|| format!("invalid label selector {s:?}"))?;
            Ok(inner
                .split(',')
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .collect())
        };
        if let Some((k, v)) = p.split_once("!=") {
            out.push(Requirement::NotEquals(k.trim().into(), v.trim().into()));
        } else if let Some((k, v)) = p.split_once("==") {
            out.push(Requirement::Equals(k.trim().into(), v.trim().into()));
        } else if let Some((k, v)) = p.split_once('=') {
            out.push(Requirement::Equals(k.trim().into(), v.trim().into()));
        } else if let Some((k, rest)) = p.split_once(" notin ") {
            out.push(Requirement::NotIn(k.trim().into(), set(rest)?));
        } else if let Some((k, rest)) = p.split_once(" in ") {
            out.push(Requirement::In(k.trim().into(), set(rest)?));
        } else if let Some(k) = p.strip_prefix('!') {
            out.push(Requirement::NotExists(k.trim().into()));
        } else if p
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
        {
            out.push(Requirement::Exists(p.into()));
        } else {
            return Err(format!("invalid label selector {s:?}"));
        }
    }
    Ok(out)
}

/// Whether a label map satisfies every requirement.
pub fn matches_labels(reqs: &[Requirement], labels: &[(String, String)]) -> bool {
    let get = |k: &str| {
        labels
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    reqs.iter().all(|r| match r {
        Requirement::Equals(k, v) => get(k) == Some(v.as_str()),
        Requirement::NotEquals(k, v) => get(k) != Some(v.as_str()),
        Requirement::In(k, vs) => get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
        Requirement::NotIn(k, vs) => get(k).is_none_or(|x| !vs.iter().any(|v| v == x)),
        Requirement::Exists(k) => get(k).is_some(),
        Requirement::NotExists(k) => get(k).is_none(),
    })
}

/// A compiled selector.
#[derive(Debug, Clone)]
pub struct Compiled {
    group: Option<Regex>,
    version: Option<Regex>,
    kind: Option<Regex>,
    name: Option<Regex>,
    namespace: Option<Regex>,
    labels: Vec<Requirement>,
    annotations: Vec<Requirement>,
}

fn anchored(s: &str) -> Result<Option<Regex>, String> {
    if s.is_empty() {
        return Ok(None);
    }
    regex::RegexBuilder::new(&format!("^(?:{s})$"))
        .size_limit(1 << 20)
        .build()
        .map(Some)
        .map_err(|e| format!("invalid selector regex {s:?}: {e}"))
}

fn is_match(re: &Option<Regex>, s: &str) -> bool {
    re.as_ref().is_none_or(|r| r.is_match(s))
}

impl Compiled {
    /// Compiles a selector.
    pub fn new(s: &Selector) -> Result<Compiled, String> {
        Ok(Compiled {
            group: anchored(&s.group)?,
            version: anchored(&s.version)?,
            kind: anchored(&s.kind)?,
            name: anchored(&s.name)?,
            namespace: anchored(&s.namespace)?,
            labels: parse_label_selector(&s.label_selector)?,
            annotations: parse_label_selector(&s.annotation_selector)?,
        })
    }

    /// Whether the selector picks one of `r`'s ids, current or earlier (as kustomize's
    /// replacements select), with its labels and annotations as they are now.
    pub fn matches_any_id(&self, r: &Resource) -> bool {
        let id_matches = |id: &crate::resid::ResId| {
            is_match(&self.namespace, id.effective_namespace())
                && is_match(&self.name, &id.name)
                && is_match(&self.group, &id.gvk.group)
                && is_match(&self.version, &id.gvk.version)
                && is_match(&self.kind, &id.gvk.kind)
        };
        r.any_id(id_matches)
            && (self.labels.is_empty() || matches_labels(&self.labels, &r.meta_map("labels")))
            && (self.annotations.is_empty()
                || matches_labels(&self.annotations, &r.meta_map("annotations")))
    }

    /// Whether the selector picks `r` (name and namespace match the original or the current).
    pub fn matches(&self, r: &Resource) -> bool {
        let cur = r.id();
        let org = r.org_id();
        (is_match(&self.namespace, org.effective_namespace())
            || is_match(&self.namespace, cur.effective_namespace()))
            && (is_match(&self.name, &org.name) || is_match(&self.name, &cur.name))
            && is_match(&self.group, &cur.gvk.group)
            && is_match(&self.version, &cur.gvk.version)
            && is_match(&self.kind, &cur.gvk.kind)
            && (self.labels.is_empty() || matches_labels(&self.labels, &r.meta_map("labels")))
            && (self.annotations.is_empty()
                || matches_labels(&self.annotations, &r.meta_map("annotations")))
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
    fn label_selector_table() {
        let labels = vec![
            ("app".to_string(), "nginx".to_string()),
            ("tier".to_string(), "web".to_string()),
        ];
        for (sel, want) in [
            ("app=nginx", true),
            ("app==nginx,tier=web", true),
            ("app!=nginx", false),
            ("tier in (web, db)", true),
            ("tier notin (web)", false),
            ("app", true),
            ("!app", false),
            ("missing", false),
        ] {
            assert_eq!(
                matches_labels(&parse_label_selector(sel).unwrap(), &labels),
                want,
                "{sel}"
            );
        }
    }
}
