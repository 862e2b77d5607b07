//! Flux-style image policies and setters from the command line.
//!
//! ```text
//! image_policy select (--semver RANGE | --alphabetical asc|desc | --numerical asc|desc)
//!                     [--pattern REGEX] [--extract TEMPLATE] [FILE]
//! image_policy set DIR --policy NS:NAME=IMAGE_REF ... [--update-path PATH] [--dry-run]
//! ```
//!
//! `select` reads tags, one per line, from FILE or stdin and prints the chosen tag (exit 0),
//! or `no tag matched` on stderr (exit 1); an invalid policy exits 2.
//!
//! `set` rewrites the values marked `# {"$imagepolicy": "NS:NAME[:tag|:name|:digest]"}` in
//! every YAML file under DIR, printing `PATH:LINE: OLD -> NEW` per change.
//!
//! Try it: `printf '1.0.0\n1.2.0\n2.0.0\n' | cargo run -q --example image_policy -- select --semver '^1'`
//!
//! A thin wrapper over `gitops-toolkit image` (the `cli` module), kept so the same arguments
//! work here; see `gitops-toolkit image --help`.

fn main() -> std::process::ExitCode {
    let args = std::env::args_os().skip(1);
    gitops_toolkit::cli::main_from(
        ["gitops-toolkit".into(), "image".into()]
            .into_iter()
            .chain(args),
    )
}
