//! `gitops-toolkit kustomize build`.

use super::{Fail, Out, Outcome};
use crate::kustomize::{DiskFs, LoadRestrictions, Options, build_with};
use clap::{Subcommand, ValueEnum};
use std::path::Path;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Print the objects a kustomization renders, as `kustomize build DIR` does.
    ///
    /// As kustomize, DIR may name bases anywhere on disk (`resources: [../../base]` works
    /// from any directory); files a kustomization names (patches, generator files) must lie
    /// in or below its own directory unless `--load-restrictor LoadRestrictionsNone` is given.
    Build {
        /// The kustomization directory.
        #[arg(default_value = ".")]
        dir: String,
        /// Where files may be loaded from.
        #[arg(long = "load-restrictor", alias = "load_restrictor", value_enum, default_value_t = Restrictor::LoadRestrictionsRootOnly)]
        load_restrictor: Restrictor,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
#[clap(rename_all = "verbatim")]
pub(crate) enum Restrictor {
    /// Files in or below the kustomization's directory only.
    LoadRestrictionsRootOnly,
    /// Files anywhere.
    LoadRestrictionsNone,
}

pub(crate) fn run(cmd: Command, out: &mut Out) -> Outcome {
    let Command::Build {
        dir,
        load_restrictor,
    } = cmd;
    let opts = Options {
        load_restrictions: match load_restrictor {
            Restrictor::LoadRestrictionsRootOnly => LoadRestrictions::RootOnly,
            Restrictor::LoadRestrictionsNone => LoadRestrictions::None,
        },
        ..Options::default()
    };
    let path = Path::new(&dir);
    if !path.is_dir() {
        return Err(Fail::Message(format!("{dir}: not a directory")));
    }
    // As kustomize, the file system is the whole disk: a kustomization may name bases
    // anywhere, and the load restrictor (checked by the library on real paths) keeps the
    // files each kustomization reads in or below its own directory.
    let full = path.canonicalize().map_err(|e| format!("{dir}: {e}"))?;
    let top = full
        .ancestors()
        .last()
        .ok_or_else(|| format!("{dir}: no file system root"))?;
    let rel = full
        .strip_prefix(top)
        .map_err(|e| format!("{dir}: {e}"))?
        .to_string_lossy()
        .replace('\\', "/");
    let fs = DiskFs::new(top).map_err(|e| format!("{}: {e}", top.display()))?;
    let objects = build_with(&fs, &rel, opts).map_err(|e| absolute_paths(&e.to_string(), &rel))?;
    out.objects(&objects)?;
    // The process ends right after printing: freeing a large build object by object is
    // wasted work (about a tenth of the CPU time on argo-workflows' quick-start, 12 MB of
    // CRDs); the memory goes back to the system at exit anyway.
    std::mem::forget(objects);
    Ok(ExitCode::SUCCESS)
}

/// The library names files relative to the file system's root (here the disk's); shown
/// absolute, as kustomize shows them: every path that starts with the built directory's
/// first component gets its leading `/` back.
fn absolute_paths(message: &str, rel: &str) -> String {
    let Some(first) = rel.split('/').next().filter(|f| !f.is_empty()) else {
        return message.to_string();
    };
    let lead = format!("{first}/");
    let is_path_char = |c: char| c.is_alphanumeric() || "._-+@~/".contains(c);
    let mut out = String::with_capacity(message.len() + 16);
    let mut prev: Option<char> = None;
    for (i, c) in message.char_indices() {
        if prev.is_none_or(|p| !is_path_char(p))
            && message
                .get(i..)
                .is_some_and(|rest| rest.starts_with(&lead) || rest == first)
        {
            out.push('/');
        }
        out.push(c);
        prev = Some(c);
    }
    out
}
