//! Image update automation: update the checked-out tree, commit with the templated message,
//! push to the configured branch.
//!
//! Commit messages are handlebars templates; Flux's Go-template `messageTemplate` is
//! translated for the common constructs (`{{range .Changed.Changes}}`, `{{.OldValue}}`,
//! `{{print ...}}`, `{{println ...}}`, `{{if ...}}`, `{{end}}`); anything else is a clear
//! error. The template sees `AutomationObject` (`namespace/name`), `Changed.Changes` (each
//! `OldValue`, `NewValue`, `File`, `Setter`) and `Changed.FileChanges`.
//!
//! ```
//! use gitops_core::automation::{Change, render_message};
//! let changes = vec![Change { file: "app.yaml".into(), old_value: "nginx:1.0".into(),
//!     new_value: "nginx:1.1".into(), setter: "flux-system:web".into(), ..Change::default() }];
//! let msg = render_message(Some("{{range .Changed.Changes}}{{print .OldValue}} -> {{println .NewValue}}{{end}}"),
//!     "flux-system/auto", &changes).unwrap();
//! assert_eq!(msg, "nginx:1.0 -> nginx:1.1\n");
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use image_policy::{ImageRef, Policy, Report, TreeOptions, update_tree_with};
use serde_json::json;

use crate::Error;
use crate::model::{ImagePolicy, ImageUpdateAutomation};
use crate::source::{GitBackend, Signature};

/// One value a setter changed: image-policy's [`Change`] (file, line,
/// object, setter, old and new value), so a commit template sees the same fields whichever
/// way the changes were made.
pub use image_policy::Change;

/// Flux's default message template.
pub const DEFAULT_TEMPLATE: &str = "Update from image update automation";

/// Translates a Go template (the subset Flux users write) into handlebars.
pub fn translate_go_template(tpl: &str, automation: &str) -> Result<String, Error> {
    let mut out = String::new();
    let mut stack: Vec<&'static str> = Vec::new();
    let mut rest = tpl;
    let field = |f: &str| -> Result<String, Error> {
        let f = f.trim();
        match f.strip_prefix('.') {
            Some("") => Ok("this".to_string()),
            Some(path)
                if path
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_') =>
            {
                Ok(path.to_string())
            }
            _ => Err(Error::Template {
                automation: automation.into(),
                message: format!("unsupported expression {f:?}"),
            }),
        }
    };
    while let Some(start) = rest.find("{{") {
        out.push_str(rest.get(..start).unwrap_or(""));
        let after = rest.get(start + 2..).unwrap_or("");
        let end = after.find("}}").ok_or_else(|| Error::Template {
            automation: automation.into(),
            message: format!("unclosed action at byte {}", tpl.len() - rest.len() + start),
        })?;
        let raw = after.get(..end).unwrap_or("");
        let (open, close) = (
            if raw.starts_with('-') { "{{~" } else { "{{" },
            if raw.ends_with('-') { "~}}" } else { "}}" },
        );
        let action = raw.trim_start_matches('-').trim_end_matches('-').trim();
        rest = after.get(end + 2..).unwrap_or("");
        let (word, arg) = action
            .split_once(char::is_whitespace)
            .unwrap_or((action, ""));
        let (inner, newline) = match word {
            "range" => {
                stack.push("each");
                (format!("#each {}", field(arg)?), false)
            }
            "if" => {
                stack.push("if");
                (format!("#if {}", field(arg)?), false)
            }
            "else" => ("else".to_string(), false),
            "end" => {
                let b = stack.pop().ok_or_else(|| Error::Template {
                    automation: automation.into(),
                    message: "{{end}} without an open block".into(),
                })?;
                (format!("/{b}"), false)
            }
            "print" => (field(arg)?, false),
            "println" => (field(arg)?, true),
            w if w.starts_with('.') && arg.is_empty() => (field(w)?, false),
            _ => {
                return Err(Error::Template {
                    automation: automation.into(),
                    message: format!("unsupported Go-template action {{{{{action}}}}}"),
                });
            }
        };
        out.push_str(open);
        out.push_str(&inner);
        out.push_str(close);
        if newline {
            out.push('\n');
        }
    }
    out.push_str(rest);
    if !stack.is_empty() {
        return Err(Error::Template {
            automation: automation.into(),
            message: "a block is missing its {{end}}".into(),
        });
    }
    Ok(out)
}

fn is_go_template(tpl: &str) -> bool {
    let go_words = [
        "range", ".", "print", "if", "end", "template", "with", "define", "block", "-",
    ];
    tpl.match_indices("{{").any(|(i, _)| {
        let action = tpl.get(i + 2..).unwrap_or("").trim_start();
        go_words.iter().any(|w| action.starts_with(w))
    })
}

/// Renders the commit message (Go-template syntax is recognised by `{{range`, `{{.`,
/// `{{print`, `{{if` or `{{end`; other text is handlebars).
pub fn render_message(
    template: Option<&str>,
    automation: &str,
    changes: &[Change],
) -> Result<String, Error> {
    let tpl = template.unwrap_or(DEFAULT_TEMPLATE);
    let hbs = if is_go_template(tpl) {
        translate_go_template(tpl, automation)?
    } else {
        tpl.to_string()
    };
    let report = Report::from_changes(changes.to_vec(), Vec::new());
    render_with(&hbs, automation, &report)
}

/// Renders the commit message from image-policy's [`Report`] (what
/// [`image_policy::update_tree`] returns): the template sees `Changed.Changes`,
/// `Changed.FileChanges` (file -> objects -> changes) and `Changed.Objects`, as in Flux.
pub fn render_message_report(
    template: Option<&str>,
    automation: &str,
    report: &Report,
) -> Result<String, Error> {
    let tpl = template.unwrap_or(DEFAULT_TEMPLATE);
    let hbs = if is_go_template(tpl) {
        translate_go_template(tpl, automation)?
    } else {
        tpl.to_string()
    };
    render_with(&hbs, automation, report)
}

fn render_with(hbs: &str, automation: &str, report: &Report) -> Result<String, Error> {
    let mut reg = handlebars::Handlebars::new();
    reg.register_escape_fn(handlebars::no_escape);
    reg.set_strict_mode(false);
    let data = json!({
        "AutomationObject": automation,
        "Changed": report,
    });
    reg.render_template(hbs, &data)
        .map_err(|e| Error::Template {
            automation: automation.into(),
            message: e.to_string(),
        })
}

/// What one automation run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AutomationOutcome {
    /// The setters changed nothing: no commit.
    NoChange,
    /// Committed and pushed.
    Pushed {
        /// The new commit.
        commit: String,
        /// The refspec pushed.
        refspec: String,
        /// The changes.
        changes: Vec<Change>,
    },
}

/// Runs one `ImageUpdateAutomation`: checks out `branch` of `url` into `workdir`, calls
/// `update` on the `update.path` directory (it rewrites files and returns the changes, e.g.
/// image-policy's setters), commits with the templated message and pushes to
/// `push.branch` (or `push.refspec`, or the checkout branch). A failed push leaves the
/// local commit in `workdir` and returns the error naming it.
pub fn run_automation(
    automation: &ImageUpdateAutomation,
    url: &str,
    branch: &str,
    workdir: &Path,
    backend: &dyn GitBackend,
    update: &mut dyn FnMut(&Path) -> Result<Vec<Change>, Error>,
) -> Result<AutomationOutcome, Error> {
    let key = automation.metadata.key();
    backend.checkout(url, branch, workdir)?;
    let rel = automation
        .spec
        .update
        .path
        .trim_start_matches("./")
        .trim_start_matches('/');
    if rel.split('/').any(|s| s == "..") {
        return Err(Error::Image {
            origin: key,
            message: "update.path leaves the repository".into(),
        });
    }
    let changes = update(&workdir.join(rel))?;
    if changes.is_empty() {
        return Ok(AutomationOutcome::NoChange);
    }
    let commit_spec = &automation.spec.git.commit;
    let message = render_message(commit_spec.message_template.as_deref(), &key, &changes)?;
    commit_and_push(automation, url, branch, workdir, backend, &message, changes)
}

/// The setter key of a policy, as markers name it: `namespace:name`.
pub fn setter_key(policy: &ImagePolicy) -> String {
    format!(
        "{}:{}",
        policy.metadata.namespace_or("default"),
        policy.metadata.name
    )
}

/// The image a policy chooses among `tags` of `repository` (image-policy's [`Policy`]).
pub fn latest_image(
    policy: &ImagePolicy,
    repository: &ImageRef,
    tags: &[String],
) -> Result<Option<ImageRef>, Error> {
    let err = |e: image_policy::Error| Error::Image {
        origin: format!("ImagePolicy/{}", setter_key(policy).replacen(':', "/", 1)),
        message: e.to_string(),
    };
    Policy::from_image_policy(policy)
        .map_err(err)?
        .select_image(repository, tags)
        .map_err(err)
}

/// Runs one `ImageUpdateAutomation` with image-policy's setters: checks out `branch` of
/// `url` into `workdir`, rewrites the `$imagepolicy` markers under `update.path` to the
/// images of `policies` (`namespace:name` -> image, see [`latest_image`]), commits with
/// the templated message (rendered from the [`Report`], see [`render_message_report`])
/// and pushes as [`run_automation`] does.
pub fn run_automation_with_policies(
    automation: &ImageUpdateAutomation,
    url: &str,
    branch: &str,
    workdir: &Path,
    backend: &dyn GitBackend,
    policies: &BTreeMap<String, ImageRef>,
) -> Result<AutomationOutcome, Error> {
    let key = automation.metadata.key();
    backend.checkout(url, branch, workdir)?;
    let rel = automation.spec.update.path.trim_start_matches('/');
    let options = TreeOptions::default().update_path((!rel.is_empty()).then(|| rel.into()));
    let report = update_tree_with(workdir, policies, &options).map_err(|e| Error::Image {
        origin: key.clone(),
        message: e.to_string(),
    })?;
    if report.changes.is_empty() {
        return Ok(AutomationOutcome::NoChange);
    }
    let commit_spec = &automation.spec.git.commit;
    let message = render_message_report(commit_spec.message_template.as_deref(), &key, &report)?;
    commit_and_push(
        automation,
        url,
        branch,
        workdir,
        backend,
        &message,
        report.changes,
    )
}

fn commit_and_push(
    automation: &ImageUpdateAutomation,
    url: &str,
    branch: &str,
    workdir: &Path,
    backend: &dyn GitBackend,
    message: &str,
    changes: Vec<Change>,
) -> Result<AutomationOutcome, Error> {
    let commit_spec = &automation.spec.git.commit;
    let author = Signature {
        name: commit_spec.author.name.clone(),
        email: commit_spec.author.email.clone(),
    };
    let Some(commit) = backend.commit_all(workdir, message, &author)? else {
        return Ok(AutomationOutcome::NoChange);
    };
    let push = automation.spec.git.push.clone().unwrap_or_default();
    let refspec = match (&push.refspec, &push.branch) {
        (Some(r), _) => r.clone(),
        (None, Some(b)) => format!("HEAD:refs/heads/{b}"),
        (None, None) => format!("HEAD:refs/heads/{branch}"),
    };
    backend.push(workdir, &refspec).map_err(|e| Error::Git {
        op: "push",
        repo: url.to_string(),
        message: format!(
            "commit {commit} is kept in {} but was not pushed: {e}",
            workdir.display()
        ),
    })?;
    Ok(AutomationOutcome::Pushed {
        commit,
        refspec,
        changes,
    })
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
    fn templates_table() {
        let ch = vec![
            Change {
                file: "a.yaml".into(),
                old_value: "x:1".into(),
                new_value: "x:2".into(),
                setter: "ns:p".into(),
                ..Change::default()
            },
            Change {
                file: "b.yaml".into(),
                old_value: "y:1".into(),
                new_value: "y:3".into(),
                setter: "ns:q".into(),
                ..Change::default()
            },
        ];
        let cases: &[(Option<&str>, Result<&str, &str>)] = &[
            (None, Ok("Update from image update automation")),
            (
                Some("{{AutomationObject}}: {{#each Changed.Changes}}{{NewValue}} {{/each}}"),
                Ok("ns/auto: x:2 y:3 "),
            ),
            (
                Some(
                    "Automation: {{ .AutomationObject }}\n{{ range .Changed.Changes -}}\n- {{ .OldValue }} -> {{ .NewValue }}\n{{ end -}}",
                ),
                Ok("Automation: ns/auto\n- x:1 -> x:2\n- y:1 -> y:3\n"),
            ),
            (Some("{{if .Changed.Changes}}changed{{end}}"), Ok("changed")),
            (
                Some("{{range .Changed.Changes}}{{println .File}}{{end}}"),
                Ok("a.yaml\nb.yaml\n"),
            ),
            (
                Some("{{ template \"x\" }}"),
                Err("unsupported Go-template action"),
            ),
            (
                Some("{{range .Changed.Changes}}"),
                Err("missing its {{end}}"),
            ),
        ];
        for (tpl, want) in cases {
            let got = render_message(*tpl, "ns/auto", &ch).map_err(|e| e.to_string());
            match (want, got) {
                (Ok(w), Ok(g)) => assert_eq!(&g, w, "{tpl:?}"),
                (Err(w), Err(g)) => assert!(g.contains(w), "{g}"),
                (w, g) => panic!("{tpl:?}: want {w:?} got {g:?}"),
            }
        }
    }
}
