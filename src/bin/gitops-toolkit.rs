//! The `gitops-toolkit` command line: `gitops-toolkit --help`.

fn main() -> std::process::ExitCode {
    gitops_toolkit::cli::main()
}
