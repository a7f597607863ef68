//! Test support shared by the workspace's tests: the Python oracle, child commands
//! with default signal dispositions, and waits with a deadline.
#![doc = include_str!("../README.md")]

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The workspace root (where `Cargo.lock` and `tests/oracle` are).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the workspace root exists")
}

/// A command for `program` whose child starts with default signal dispositions.
pub fn command(program: impl AsRef<OsStr>) -> Command {
    let mut cmd = Command::new(program);
    supervisor_sys::with_default_signals(&mut cmd);
    cmd
}

/// The oracle venv's python: Supervisor 4.3.0 plus the `extra` pip requirements,
/// installed on first use (serialised between test threads and processes by the
/// script's lock).
#[track_caller]
pub fn oracle_python(extra: &[&str]) -> PathBuf {
    let out = command("bash")
        .arg(repo_root().join("tests/oracle/ensure-venv.sh"))
        .args(extra)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .expect("run tests/oracle/ensure-venv.sh");
    assert!(out.status.success(), "tests/oracle/ensure-venv.sh failed");
    PathBuf::from(String::from_utf8(out.stdout).expect("a UTF-8 path").trim())
}

/// A script of the oracle venv (`supervisord`, `supervisorctl`, `echo_supervisord_conf`).
#[track_caller]
pub fn oracle_bin(name: &str) -> PathBuf {
    oracle_python(&[]).with_file_name(name)
}

/// Polls `cond` every 10 ms until it holds or `deadline` passes; whether it held.
pub fn wait_until(deadline: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + deadline;
    while Instant::now() < end {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    cond()
}
