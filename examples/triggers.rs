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
//!
//! A thin wrapper over `gitops-toolkit triggers` (the `cli` module), kept so the same arguments
//! work here; see `gitops-toolkit triggers --help`.

fn main() -> std::process::ExitCode {
    let args = std::env::args_os().skip(1);
    gitops_toolkit::cli::main_from(
        ["gitops-toolkit".into(), "triggers".into()]
            .into_iter()
            .chain(args),
    )
}
