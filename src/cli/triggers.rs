//! `gitops-toolkit triggers FILE BODY`.

use super::{Fail, Out, Outcome};
use crate::triggers::github::StaticGitHubApi;
use crate::triggers::{Event, Headers, Listener, MemorySecretStore};
use std::process::ExitCode;
use std::sync::Arc;

/// Runs one webhook through an EventListener and prints what each trigger did:
/// `{"triggers": [{"name", "accepted": true, "params", "resources"} | {"name", "accepted":
/// false, "reason"}]}`. Exits 0 whether or not the listener's checks reject the event.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// A YAML stream holding the EventListener and the TriggerBindings, TriggerTemplates and
    /// Triggers it references.
    file: String,
    /// A file with the raw request body.
    body: String,
    /// A request header.
    #[arg(short = 'H', long = "header", value_name = "Name: value")]
    headers: Vec<String>,
    /// A secret the interceptors may read.
    #[arg(long = "secret", value_name = "NAME/KEY=VALUE")]
    secrets: Vec<String>,
    /// Answers the `github` interceptor's API calls (`githubOwners`, `addChangedFiles`) from a
    /// JSON fixture.
    #[arg(long = "github-api", value_name = "FIXTURE.json")]
    github_api: Option<String>,
}

pub(crate) fn run(args: Args, out: &mut Out) -> Outcome {
    let mut headers = Headers::new();
    for h in &args.headers {
        let (name, value) = h
            .split_once(':')
            .ok_or_else(|| Fail::Usage(format!("--header {h:?}: expected 'Name: value'")))?;
        headers.append(name.trim(), value.trim_start());
    }
    let mut secrets = MemorySecretStore::new();
    for s in &args.secrets {
        let parsed = s
            .split_once('=')
            .and_then(|(nk, v)| nk.split_once('/').map(|(n, k)| (n, k, v)));
        let Some((name, key, value)) = parsed else {
            return Err(Fail::Usage("--secret: expected NAME/KEY=VALUE".into()));
        };
        secrets.insert(name, key, value);
    }
    let github = match &args.github_api {
        Some(f) => {
            let text = std::fs::read_to_string(f)
                .map_err(|e| Fail::Usage(format!("{f}: cannot read: {e}")))?;
            let v: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| Fail::Usage(format!("{f}: {e}")))?;
            let api =
                StaticGitHubApi::from_json(&v).map_err(|e| Fail::Usage(format!("{f}: {e}")))?;
            Some(Arc::new(api))
        }
        None => None,
    };
    let file = &args.file;
    let yaml = std::fs::read_to_string(file).map_err(|e| format!("{file}: cannot read: {e}"))?;
    let body = std::fs::read(&args.body)
        .map_err(|e| Fail::Usage(format!("{}: cannot read: {e}", args.body)))?;
    let mut listener = Listener::from_yaml(file, &yaml, secrets).map_err(|e| e.to_string())?;
    if let Some(api) = github {
        listener = listener.with_github_api(api);
    }
    for (trigger, problem) in listener.problems() {
        eprintln!(
            "{file}: EventListener {:?}: trigger {trigger:?}: {problem}",
            listener.name()
        );
    }
    let response = listener.process(&Event::new(headers, body));
    out.value(&response.to_json())?;
    Ok(ExitCode::SUCCESS)
}
