//! Shared harness for the hostile-input suites, included by a crate's `tests/hostile.rs`
//! with `#[path = "../../support/hostile.rs"] mod hostile;`.
//!
//! [`isolated`] runs one case in a child process, the same test binary re-executed for that
//! one test, under an address-space cap ([`MEMORY_CAP`], through `prlimit`) and a wall-clock
//! guard ([`TIME_CAP`]). A case that panics, aborts for want of memory or runs past the
//! guard fails the parent test with a message saying which. The guard is a hang detector,
//! not a speed target: a correct case finishes in a small fraction of it.
#![allow(
    dead_code,
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::io::Read as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The most address space a case may map (512 MiB).
pub const MEMORY_CAP: u64 = 512 * 1024 * 1024;

/// The longest a case may run before it counts as a hang.
pub const TIME_CAP: Duration = Duration::from_secs(10);

const CHILD_ENV: &str = "GITOPS_HOSTILE_CHILD";

/// Runs `case` isolated: in the child (re-executed test binary, `GITOPS_HOSTILE_CHILD` set)
/// it runs `case` and fails the test when it returns `Err`; in the parent it starts the
/// child for the test named `test_name` (the `#[test]` function's name, which must be a
/// top-level function of the test crate) and asserts that it exited cleanly within
/// [`TIME_CAP`] and [`MEMORY_CAP`].
pub fn isolated(test_name: &str, case: impl FnOnce() -> Result<(), String>) {
    if std::env::var_os(CHILD_ENV).is_some() {
        if let Err(message) = case() {
            panic!("hostile case {test_name}: {message}");
        }
        return;
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    if !prlimit_available() {
        println!("hostile: prlimit not found, {test_name} runs without a memory cap");
    }
    let mut cmd = capped(&exe);
    cmd.args([test_name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, "1")
        .env("RUST_BACKTRACE", "0");
    let run = run_command(cmd);
    let (out, err) = (&run.stdout, &run.stderr);
    if run.hung {
        panic!(
            "hostile case {test_name} ran past {TIME_CAP:?} (a hang)\nstdout:\n{out}\nstderr:\n{err}"
        );
    }
    if run.code != Some(0) {
        panic!(
            "hostile case {test_name} failed (exit {:?}; killed by a signal under the {} MiB \
             cap means it ran out of memory)\nstdout:\n{out}\nstderr:\n{err}",
            run.code,
            MEMORY_CAP / (1024 * 1024)
        );
    }
    // `--exact` with a name that matches nothing passes with 0 tests: refuse that.
    assert!(
        out.contains("1 passed"),
        "hostile case {test_name}: the child ran no test (is it a top-level #[test]?)\n{out}"
    );
}

/// A command for `exe` under [`MEMORY_CAP`] (through `prlimit` when it is installed).
fn capped(exe: &std::path::Path) -> Command {
    if prlimit_available() {
        let mut c = Command::new("prlimit");
        c.arg(format!("--as={MEMORY_CAP}")).arg("--").arg(exe);
        c
    } else {
        Command::new(exe)
    }
}

/// Runs `cmd` (no input), collecting its output, killed past [`TIME_CAP`].
fn run_command(mut cmd: Command) -> ToolRun {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("start the command");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stdout.read_to_end(&mut s);
        String::from_utf8_lossy(&s).into_owned()
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stderr.read_to_end(&mut s);
        String::from_utf8_lossy(&s).into_owned()
    });
    let started = Instant::now();
    let (status, hung) = loop {
        if let Some(status) = child.try_wait().expect("wait for the command") {
            break (Some(status), false);
        }
        if started.elapsed() > TIME_CAP {
            let _ = child.kill();
            break (child.wait().ok(), true);
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    ToolRun {
        code: status.and_then(|s| s.code()),
        hung,
        stdout: out_reader.join().unwrap_or_default(),
        stderr: err_reader.join().unwrap_or_default(),
    }
}

fn prlimit_available() -> bool {
    Command::new("prlimit")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// What a tool run under [`run_capped`] did.
#[derive(Debug)]
pub struct ToolRun {
    /// Exit code; `None` when it was killed (a signal, or the hang guard).
    pub code: Option<i32>,
    /// Whether the hang guard killed it.
    pub hung: bool,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// Runs the program `exe` with `args` in `cwd` under [`MEMORY_CAP`] and [`TIME_CAP`].
pub fn run_capped(exe: &std::path::Path, args: &[&str], cwd: &std::path::Path) -> ToolRun {
    let mut cmd = capped(exe);
    cmd.args(args).current_dir(cwd);
    run_command(cmd)
}

/// The example program `name` built beside the running test (`target/<profile>/examples/`),
/// or `None` with a notice when it is not there (it is under `cargo test`, which builds the
/// examples). Under `CI` a missing example fails.
pub fn example(name: &str) -> Option<std::path::PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let profile_dir = exe.parent()?.parent()?;
    let path = profile_dir.join("examples").join(name);
    if path.is_file() {
        return Some(path);
    }
    if std::env::var_os("CI").is_some() {
        panic!("example {name} not built at {}", path.display());
    }
    println!(
        "hostile: example {name} not built at {}; skipped",
        path.display()
    );
    None
}
