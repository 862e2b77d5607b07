//! The `gitops-toolkit` command line (feature `cli`).
//!
//! ```text
//! gitops-toolkit kustomize build [DIR] [--load-restrictor LoadRestrictionsRootOnly|LoadRestrictionsNone]
//! gitops-toolkit pipeline validate|simulate|run FILE... [options]
//! gitops-toolkit triggers FILE BODY [--header 'Name: value']... [--secret NAME/KEY=VALUE]...
//! gitops-toolkit image select (--semver R | --alphabetical O | --numerical O) [--pattern P] [FILE]
//! gitops-toolkit image set DIR --policy NS:NAME=IMAGE_REF... [--update-path PATH] [--dry-run]
//! gitops-toolkit helm template NAME CHART [-f VALUES]... [--namespace NS]
//! gitops-toolkit gitops substitute [--strict] [--var K=V]... FILE
//! gitops-toolkit gitops reconcile REPO [--cluster PATH [--fetch CACHE]] --store DIR
//! gitops-toolkit argo render APPLICATION_FILE --repo DIR [-o yaml|json]
//! gitops-toolkit argo sync APPLICATION_FILE --repo DIR --store DIR [--force]
//! gitops-toolkit controller --kubeconfig FILE [--once] [-n NS] [--cache DIR]   (feature kube)
//! ```
//!
//! Every command takes `-o text|json|yaml` (`--output`). `--help` prints to stdout and exits
//! 0, `--version` likewise; a usage error exits 2, a failure 1. Output to a closed pipe
//! (`| head`) ends the command quietly. The example tools (`cargo run --example kustomize
//! -- build DIR` ...) are thin wrappers over these commands with the same arguments.

mod argo;
#[cfg(all(feature = "kube", feature = "git"))]
mod controller;
mod gitops;
mod helm;
mod image;
mod kustomize;
mod pipeline;
mod triggers;

use clap::{Parser, Subcommand, ValueEnum};
use serde_json::Value;
use std::ffi::OsString;
use std::io::Write as _;
use std::process::ExitCode;

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "gitops-toolkit",
    version,
    about = "Tekton pipelines and triggers, kustomize, Helm, Flux image policies and GitOps reconcile in one process",
    propagate_version = true
)]
struct Cli {
    /// Output format.
    #[arg(short = 'o', long = "output", global = true, value_enum, default_value_t = Format::Text)]
    output: Format,
    #[command(subcommand)]
    command: Command,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// The command's own form (YAML streams for rendered objects, tables, lines).
    Text,
    /// JSON.
    Json,
    /// YAML.
    Yaml,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// kustomize: render a kustomization as `kustomize build` does.
    #[command(subcommand)]
    Kustomize(kustomize::Command),
    /// Tekton pipelines without a cluster: validate, simulate or run.
    #[command(subcommand)]
    Pipeline(pipeline::Command),
    /// Run one webhook through an EventListener, as Tekton Triggers' sink does.
    Triggers(triggers::Args),
    /// Flux image policies and setters.
    #[command(subcommand)]
    Image(image::Command),
    /// Render Helm charts as `helm template` does.
    #[command(subcommand)]
    Helm(helm::Command),
    /// Flux post-build substitution and reconcile into a directory store.
    #[command(subcommand)]
    Gitops(gitops::Command),
    /// Argo CD Applications: render in sync order, or sync into a directory store.
    #[command(subcommand)]
    Argo(argo::Command),
    /// Flux GitRepository and Kustomization controllers over a cluster (feature `kube`).
    #[cfg(all(feature = "kube", feature = "git"))]
    Controller(controller::Args),
}

/// Why a command stopped.
#[derive(Debug)]
pub(crate) enum Fail {
    /// Bad usage found after parsing (exit 2).
    Usage(String),
    /// A failure with a message for stderr (exit 1).
    Message(String),
    /// The problem is already printed; exit with this code.
    Code(u8),
    /// Writing to stdout failed.
    Output(std::io::Error),
}

impl From<String> for Fail {
    fn from(m: String) -> Self {
        Fail::Message(m)
    }
}

impl From<&str> for Fail {
    fn from(m: &str) -> Self {
        Fail::Message(m.to_string())
    }
}

impl From<std::io::Error> for Fail {
    fn from(e: std::io::Error) -> Self {
        Fail::Output(e)
    }
}

/// What a command returns: its exit code, or why it stopped.
pub(crate) type Outcome = Result<ExitCode, Fail>;

/// Standard output, written through so a closed pipe is an error value, never a panic.
pub(crate) struct Out {
    format: Format,
}

impl Out {
    /// Writes `text` as is.
    pub(crate) fn text(&mut self, text: &str) -> Result<(), Fail> {
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())?;
        out.flush()?;
        Ok(())
    }

    /// Writes one line.
    pub(crate) fn line(&mut self, line: &str) -> Result<(), Fail> {
        let mut out = std::io::stdout().lock();
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
        Ok(())
    }

    /// Writes a structured value in the chosen format (`text` is pretty JSON).
    pub(crate) fn value(&mut self, v: &Value) -> Result<(), Fail> {
        let text = match self.format {
            Format::Yaml => kube_object::yaml::emit_document(v),
            Format::Text | Format::Json => {
                let mut s = serde_json::to_string_pretty(v).map_err(|e| e.to_string())?;
                s.push('\n');
                s
            }
        };
        self.text(&text)
    }

    /// Writes rendered objects: a YAML stream (`text`, `yaml`) or a JSON `List` (`json`), as
    /// `kubectl get -o json` prints several objects.
    pub(crate) fn objects(&mut self, objs: &[Value]) -> Result<(), Fail> {
        match self.format {
            Format::Text | Format::Yaml => self.text(&kube_object::yaml::emit_stream(objs)),
            Format::Json => self.value(&list(objs)),
        }
    }

    /// Whether the user asked for structured output.
    pub(crate) fn structured(&self) -> bool {
        self.format != Format::Text
    }
}

fn list(objs: &[Value]) -> Value {
    serde_json::json!({"apiVersion": "v1", "kind": "List", "items": objs})
}

/// Runs the command line of the current process.
pub fn main() -> ExitCode {
    main_from(std::env::args_os())
}

/// Runs a command line (`args` starts with the program name).
pub fn main_from<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            // --help and --version go to stdout with 0; usage errors to stderr with 2.
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let mut out = Out { format: cli.output };
    let result = match cli.command {
        Command::Kustomize(c) => kustomize::run(c, &mut out),
        Command::Pipeline(c) => pipeline::run(c, &mut out),
        Command::Triggers(a) => triggers::run(a, &mut out),
        Command::Image(c) => image::run(c, &mut out),
        Command::Helm(c) => helm::run(c, &mut out),
        Command::Gitops(c) => gitops::run(c, &mut out),
        Command::Argo(c) => argo::run(c, &mut out),
        #[cfg(all(feature = "kube", feature = "git"))]
        Command::Controller(a) => controller::run(a, &mut out),
    };
    match result {
        Ok(code) => code,
        Err(Fail::Usage(m)) => {
            eprintln!("error: {m}");
            ExitCode::from(2)
        }
        Err(Fail::Message(m)) => {
            eprintln!("error: {m}");
            ExitCode::from(1)
        }
        Err(Fail::Code(c)) => ExitCode::from(c),
        Err(Fail::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Fail::Output(e)) => {
            eprintln!("error: stdout: {e}");
            ExitCode::from(1)
        }
    }
}

/// Splits `K=V`.
pub(crate) fn key_value(flag: &str, s: &str) -> Result<(String, String), Fail> {
    s.split_once('=')
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| Fail::Usage(format!("{flag} {s:?}: expected K=V")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }
}
