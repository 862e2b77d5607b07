//! `images`: new names, tags and digests for container images.

use crate::fieldspec::{self, FieldSpec};
use crate::kustomization::Image;
use crate::resource::Resource;
use regex::Regex;
use serde_json::Value;

/// Splits an image reference into name, tag and digest.
pub fn split(image: &str) -> (&str, &str, &str) {
    let slash = image.find('/').filter(|&i| i > 0).unwrap_or(0);
    let search = image.get(slash..).unwrap_or("");
    let at = search.find('@').map(|i| i + slash);
    let colon = search.find(':').map(|i| i + slash);
    let part = |a: usize, b: usize| image.get(a..b).unwrap_or("");
    match (at, colon) {
        (None, None) => (image, "", ""),
        (Some(d), c) if c.is_none_or(|c| d < c) => (part(0, d), "", part(d + 1, image.len())),
        (Some(d), Some(c)) => (part(0, c), part(c + 1, d), part(d + 1, image.len())),
        (None, Some(c)) => (part(0, c), part(c + 1, image.len()), ""),
        (Some(_), None) => (image, "", ""),
    }
}

/// One `images` entry, ready to match.
pub struct Rule<'a> {
    image: &'a Image,
    pattern: Regex,
}

impl<'a> Rule<'a> {
    /// Compiles the matcher for an entry.
    pub fn new(image: &'a Image) -> Result<Rule<'a>, String> {
        // As kustomize does, the name is a regular expression (`.` matches any character);
        // a name that is not a valid one is matched literally.
        let build = |name: &str| {
            regex::RegexBuilder::new(&format!(r"^{name}(:[0-9A-Za-z_][0-9A-Za-z_.-]{{0,127}})?(@[0-9A-Za-z_][0-9A-Za-z_.+-]*:[0-9A-Za-z=_-]+)?$"))
                .size_limit(1 << 20)
                .build()
        };
        let pattern = build(&image.name)
            .or_else(|_| build(&regex::escape(&image.name)))
            .map_err(|e| format!("image {:?}: {e}", image.name))?;
        Ok(Rule { image, pattern })
    }

    /// The rewritten reference, or `None` when the entry does not match.
    pub fn rewrite(&self, value: &str) -> Option<String> {
        if !self.pattern.is_match(value) {
            return None;
        }
        let (name, tag, digest) = split(value);
        let i = self.image;
        let name = if i.new_name.is_empty() {
            name
        } else {
            &i.new_name
        };
        let (tag, digest) = match (i.new_tag.is_empty(), i.digest.is_empty()) {
            (false, false) => (i.new_tag.as_str(), i.digest.as_str()),
            (false, true) => (i.new_tag.as_str(), ""),
            (true, false) => ("", i.digest.as_str()),
            (true, true) => (tag, digest),
        };
        let mut out = name.to_string();
        if !tag.is_empty() {
            out.push(':');
            out.push_str(tag);
        }
        if !digest.is_empty() {
            out.push('@');
            out.push_str(digest);
        }
        Some(out)
    }
}

fn set(node: &mut Value, rule: &Rule<'_>) {
    if let Some(new) = node.as_str().and_then(|s| rule.rewrite(s)) {
        *node = Value::String(new);
    }
}

fn walk_containers(node: &mut Value, rule: &Rule<'_>, depth: usize) {
    if depth > 64 {
        return;
    }
    match node {
        Value::Object(m) => {
            for (k, v) in m.iter_mut() {
                if (k == "containers" || k == "initContainers")
                    && let Value::Array(items) = v
                {
                    for c in items.iter_mut() {
                        if let Some(img) = c.get_mut("image") {
                            set(img, rule);
                        }
                    }
                    continue;
                }
                walk_containers(v, rule, depth + 1);
            }
        }
        Value::Array(items) => {
            for v in items {
                walk_containers(v, rule, depth + 1);
            }
        }
        _ => {}
    }
}

/// Applies every entry, in order, to containers and init containers anywhere in each
/// object, and to the other image fields of `specs`.
pub fn apply(
    resources: &mut [Resource],
    images: &[Image],
    specs: &[FieldSpec],
) -> Result<(), String> {
    for image in images {
        let rule = Rule::new(image)?;
        for r in resources.iter_mut() {
            walk_containers(&mut r.obj, &rule, 0);
            let gvk = r.gvk();
            // Containers are walked wherever they are; the field specs add image volume
            // references and the fields of a custom `configurations` entry.
            let builtin = &crate::fieldspec::builtin().images;
            for spec in specs.iter().filter(|s| {
                s.path.last().is_some_and(|l| l == "reference")
                    || !builtin.iter().any(|b| b.gvk == s.gvk && b.path == s.path)
            }) {
                let _ = fieldspec::apply::<()>(
                    &mut r.obj,
                    &gvk,
                    &FieldSpec {
                        create: false,
                        ..spec.clone()
                    },
                    &mut |n| {
                        set(n, &rule);
                        Ok(())
                    },
                );
            }
        }
    }
    Ok(())
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
    fn split_table() {
        for (input, want) in [
            ("nginx", ("nginx", "", "")),
            ("nginx:1.2", ("nginx", "1.2", "")),
            ("host:5000/a/b:tag", ("host:5000/a/b", "tag", "")),
            ("a@sha256:abc", ("a", "", "sha256:abc")),
            ("a:t@sha256:abc", ("a", "t", "sha256:abc")),
        ] {
            assert_eq!(split(input), want, "{input}");
        }
    }

    #[test]
    fn rewrite_table() {
        let img = |name: &str, nn: &str, nt: &str, d: &str| Image {
            name: name.into(),
            new_name: nn.into(),
            new_tag: nt.into(),
            digest: d.into(),
        };
        for (rule, input, want) in [
            (img("nginx", "", "v2", ""), "nginx:1", Some("nginx:v2")),
            (img("nginx", "", "v2", ""), "nginx2:1", None),
            (
                img("foo", "", "", "sha256:x"),
                "foo:1",
                Some("foo@sha256:x"),
            ),
            (img("a", "b", "", ""), "a:1@sha256:y", Some("b:1@sha256:y")),
        ] {
            assert_eq!(
                Rule::new(&rule).unwrap().rewrite(input).as_deref(),
                want,
                "{input}"
            );
        }
    }
}
