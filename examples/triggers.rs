//! Runs one webhook through an EventListener, like Tekton Triggers' sink, and prints what
//! each trigger did.
//!
//! ```text
//! cargo run --release -q --example triggers -- FILE BODY [--header 'Name: value']... [--secret NAME/KEY=VALUE]... [--github-api FIXTURE.json]
//! ```
//!
//! FILE is a multi-document YAML stream holding the EventListener and the TriggerBindings,
//! TriggerTemplates and Triggers it references; BODY is a file with the raw request body.
//! Prints `{"triggers": [{"name", "accepted": true, "params", "resources"} |
//! {"name", "accepted": false, "reason"}]}`. `--github-api` answers the `github`
//! interceptor's API calls (`githubOwners`, pull-request `addChangedFiles`) from a JSON
//! fixture (`trigger_bindings::github::StaticGitHubApi::from_json`); without it those
//! checks reject the event. Exits 1 with a located message when FILE is
//! invalid, 2 on bad usage.

use gitops_toolkit::triggers::github::StaticGitHubApi;
use gitops_toolkit::triggers::{Event, Headers, Listener, MemorySecretStore};
use std::process::ExitCode;
use std::sync::Arc;

const USAGE: &str = "usage: triggers FILE BODY [--header 'Name: value']... [--secret NAME/KEY=VALUE]... [--github-api FIXTURE.json]";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err((code, message)) => {
            eprintln!("{message}");
            ExitCode::from(code)
        }
    }
}

fn run(args: Vec<String>) -> Result<(), (u8, String)> {
    let mut positional = Vec::new();
    let mut headers = Headers::new();
    let mut secrets = MemorySecretStore::new();
    let mut github = None;
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--header" | "-H" => {
                let h = it
                    .next()
                    .ok_or((2, format!("--header needs a value\n{USAGE}")))?;
                let (name, value) = h
                    .split_once(':')
                    .ok_or((2, format!("--header {h:?}: expected 'Name: value'")))?;
                headers.append(name.trim(), value.trim_start());
            }
            "--secret" => {
                let s = it
                    .next()
                    .ok_or((2, format!("--secret needs a value\n{USAGE}")))?;
                let parsed = s
                    .split_once('=')
                    .and_then(|(nk, v)| nk.split_once('/').map(|(n, k)| (n, k, v)));
                let Some((name, key, value)) = parsed else {
                    return Err((2, "--secret: expected NAME/KEY=VALUE".to_string()));
                };
                secrets.insert(name, key, value);
            }
            "--github-api" => {
                let f = it
                    .next()
                    .ok_or((2, format!("--github-api needs a file\n{USAGE}")))?;
                let text = std::fs::read_to_string(&f)
                    .map_err(|e| (2, format!("{f}: cannot read: {e}")))?;
                let v: serde_json::Value =
                    serde_json::from_str(&text).map_err(|e| (2, format!("{f}: {e}")))?;
                let api = StaticGitHubApi::from_json(&v).map_err(|e| (2, format!("{f}: {e}")))?;
                github = Some(Arc::new(api));
            }
            "--help" | "-h" => {
                println!("{USAGE}");
                return Ok(());
            }
            _ => positional.push(arg),
        }
    }
    let [file, body_path] = positional.as_slice() else {
        return Err((2, USAGE.to_string()));
    };
    let yaml =
        std::fs::read_to_string(file).map_err(|e| (1, format!("{file}: cannot read: {e}")))?;
    let body =
        std::fs::read(body_path).map_err(|e| (2, format!("{body_path}: cannot read: {e}")))?;
    let mut listener = Listener::from_yaml(file, &yaml, secrets).map_err(|e| (1, e.to_string()))?;
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
    let out = serde_json::to_string_pretty(&response.to_json())
        .map_err(|e| (1, format!("cannot print the result: {e}")))?;
    println!("{out}");
    Ok(())
}
