//! Helpers for suites that change a running supervisord's config: supervisorctl
//! runs against a config file, the processes' states and pids by namespec, and
//! waits for a set of processes to run.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;

use serde_json::Value;

use super::{DEADLINE, Daemon, wait_until};

/// What `Daemon::configure` writes before the programs.
pub const HEADER: &str = "[supervisord]\nlogfile=%(here)s/main.log\npidfile=%(here)s/sd.pid\n\
                      childlogdir=%(here)s\nloglevel=debug\n\n";

/// Runs `supervisorctl -c <conf> <args>` with `bin`: stdout and
/// stderr together, and the exit status.
pub fn run_ctl(bin: &Path, d: &Daemon, conf: &str, args: &str) -> (String, i32) {
    let out = crate::support::command(bin)
        .arg("-c")
        .arg(d.path(conf))
        .args(args.split_whitespace())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (text, out.status.code().unwrap_or(-1))
}

/// Our supervisorctl.
pub fn ours() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_supervisorctl"))
}

/// Our supervisorctl on `sd.conf`.
pub fn ctl(d: &Daemon, args: &str) -> (String, i32) {
    run_ctl(ours(), d, "sd.conf", args)
}

/// Every process: namespec → (state name, pid).
pub fn states_of(d: &Daemon, conf: &str) -> BTreeMap<String, (String, i64)> {
    let (out, _) = run_ctl(ours(), d, conf, "status --json");
    let Ok(list) = serde_json::from_str::<Value>(&out) else {
        return BTreeMap::new();
    };
    list.as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            (
                p["namespec"].as_str().unwrap_or_default().to_string(),
                (
                    p["statename"].as_str().unwrap_or_default().to_string(),
                    p["pid"].as_i64().unwrap_or(0),
                ),
            )
        })
        .collect()
}

/// Waits until exactly `names` exist and all are RUNNING; their pids.
#[track_caller]
pub fn running(d: &Daemon, conf: &str, names: &[&str]) -> BTreeMap<String, i64> {
    let mut last = BTreeMap::new();
    let ok = wait_until(DEADLINE, || {
        last = states_of(d, conf);
        last.len() == names.len()
            && names.iter().all(|n| {
                last.get(*n)
                    .is_some_and(|(s, pid)| s == "RUNNING" && *pid > 0)
            })
    });
    assert!(ok, "wanted {names:?} RUNNING, have {last:?}");
    last.into_iter().map(|(k, (_, pid))| (k, pid)).collect()
}

/// Writes a file in the daemon's directory.
pub fn write(d: &Daemon, name: &str, text: &str) {
    std::fs::write(d.path(name), text).unwrap();
}

/// A process's command line, words joined by spaces.
pub fn cmdline(pid: i64) -> String {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
        .unwrap_or_default()
}

/// A quiet program that counts as started at once.
pub const SLEEP: &str = "command=/bin/sleep 1000\nstartsecs=0\n";
