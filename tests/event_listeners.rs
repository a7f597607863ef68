//! Event listeners end to end: the same scenario (tests/events/drive.py, listeners in
//! tests/events/listener.py speaking the protocol in plain Python) runs against
//! Python's supervisord 4.3 and ours, and every pool must receive the same events —
//! names, payload bytes, `len`, serials and pool serials, results — including
//! rejected events (FAIL, a listener dying while BUSY) being redelivered and a full
//! buffer discarding its oldest events.
//!
//! Each pool's listener has its own priority: Supervisor re-queues a rejected event
//! in every pool holding a listener of the rejecting listener's priority (its
//! processes compare equal by priority), a bug we do not reproduce.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;
use support::{DEADLINE, SOCKET, oracle_python, wait_until};

fn listener() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/events/listener.py")
}

fn config(python: &Path) -> String {
    let l = format!("{} {}", python.display(), listener().display());
    format!(
        "[supervisord]\nlogfile=%(here)s/main.log\npidfile=%(here)s/sd.pid\nchildlogdir=%(here)s\nloglevel=debug\n\n\
         {SOCKET}\
         [eventlistener:all]\ncommand={l} %(here)s/all.jsonl\n\
         events=PROCESS_STATE,PROCESS_LOG,PROCESS_COMMUNICATION,REMOTE_COMMUNICATION,SUPERVISOR_STATE_CHANGE,PROCESS_GROUP\n\
         buffer_size=100\nstartsecs=0\n\n\
         [eventlistener:picky]\ncommand={l} %(here)s/picky.jsonl --fail-first 2\nevents=REMOTE_COMMUNICATION\nstartsecs=0\npriority=-2\n\n\
         [eventlistener:dier]\ncommand={l} %(here)s/dier.jsonl --die-once %(here)s/died\nevents=REMOTE_COMMUNICATION\nstartsecs=0\npriority=-3\n\n\
         [eventlistener:slow]\ncommand={l} %(here)s/slow.jsonl --hold %(here)s/release\nevents=REMOTE_COMMUNICATION\nbuffer_size=2\nstartsecs=0\npriority=-4\n\n\
         [program:logger]\ncommand=sh -c 'read go; printf \"hello\\n\"; exec sleep 1000'\nstdout_events_enabled=true\nstartsecs=0\n\n\
         [program:comm]\ncommand=sh -c 'read go; printf \"<!--XSUPERVISOR:BEGIN-->captured text<!--XSUPERVISOR:END-->\"; exec sleep 1000'\n\
         stdout_capture_maxbytes=1KB\nstartsecs=0\n\n\
         [program:quick]\ncommand=sh -c 'exit 3'\nstartsecs=0\nautorestart=false\n"
    )
}

/// Runs the scenario on `daemon`; returns the pools' deliveries and the main log.
fn scenario(daemon: &Path, python: &Path) -> (Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("sd.conf");
    std::fs::write(&conf, config(python)).unwrap();
    let child = Command::new(daemon)
        .args(["-n", "-c"])
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let sock = dir.path().join("sv.sock");
    assert!(wait_until(DEADLINE, || {
        std::os::unix::net::UnixStream::connect(&sock).is_ok()
    }));
    let out = Command::new(python)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/events/drive.py"))
        .arg(dir.path())
        .output()
        .unwrap();
    support::stop_gently(child);
    let log = support::read(&dir.path().join("main.log"));
    assert!(
        out.status.success(),
        "{} failed: {}\nmain log:\n{log}",
        daemon.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    (serde_json::from_slice(&out.stdout).unwrap(), log)
}

/// A pool's deliveries with pids (which differ from run to run) masked, after
/// checking every header against its payload.
fn deliveries(v: &Value, pool: &str) -> Vec<Value> {
    let mut out = v[pool].as_array().cloned().unwrap_or_default();
    for d in &mut out {
        check_header(d, pool);
        for key in ["header", "payload"] {
            d[key] = Value::String(mask_pids(d[key].as_str().unwrap()));
        }
    }
    out
}

fn mask_pids(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("pid:") {
        out.push_str(&rest[..at + 4]);
        rest = rest[at + 4..].trim_start_matches(|c: char| c.is_ascii_digit());
        out.push('N');
    }
    out.push_str(rest);
    out
}

fn header(d: &Value, key: &str) -> String {
    let h = d["header"].as_str().unwrap();
    h.split_whitespace()
        .find_map(|t| t.strip_prefix(&format!("{key}:")))
        .unwrap_or_else(|| panic!("no {key} in {h}"))
        .to_string()
}

/// The catch-all pool's events split into one ordered stream per process plus one
/// for everything else: the order across processes depends on timing, the order
/// within each stream does not.
fn streams(all: &[Value]) -> std::collections::BTreeMap<String, Vec<(String, String)>> {
    let mut out = std::collections::BTreeMap::<String, Vec<(String, String)>>::new();
    for d in all {
        let payload = d["payload"].as_str().unwrap().to_string();
        let key = payload
            .split_whitespace()
            .find_map(|t| t.strip_prefix("processname:"))
            .unwrap_or("-")
            .to_string();
        out.entry(key)
            .or_default()
            .push((header(d, "eventname"), payload));
    }
    out
}

/// What every delivery must satisfy whoever sent it.
fn check_header(d: &Value, pool: &str) {
    let h = d["header"].as_str().unwrap();
    assert!(h.starts_with("ver:3.0 server:supervisor serial:"), "{h}");
    assert!(h.ends_with('\n'), "{h:?}");
    assert_eq!(header(d, "pool"), pool);
    let len: usize = header(d, "len").parse().unwrap();
    assert_eq!(len, d["payload"].as_str().unwrap().chars().count(), "{h}");
}

#[test]
fn listener_pools_receive_what_python_supervisor_sends() {
    let python = oracle_python(&[]);
    let venv = python.parent().unwrap();
    let (expected, _) = scenario(&venv.join("supervisord"), &python);
    let (actual, log) = scenario(Path::new(env!("CARGO_BIN_EXE_supervisord")), &python);

    // The catch-all pool: the same events, payload bytes included, in the same order
    // per process; it takes every numbered event, so serial = pool serial, from 0.
    let (e, a) = (deliveries(&expected, "all"), deliveries(&actual, "all"));
    assert_eq!(streams(&a), streams(&e));
    for (i, d) in a.iter().enumerate() {
        assert_eq!(header(d, "serial"), i.to_string());
        assert_eq!(header(d, "poolserial"), i.to_string());
    }
    // The other pools: exactly Supervisor's deliveries, serials included — picky's
    // two FAILs and dier's death redeliver the event, slow's full buffer keeps only
    // r4 and r5 of what arrived while it held r1.
    for pool in ["picky", "dier", "slow"] {
        assert_eq!(
            deliveries(&actual, pool),
            deliveries(&expected, pool),
            "pool {pool}"
        );
    }
    let slow: Vec<String> = deliveries(&actual, "slow")
        .iter()
        .map(|d| d["payload"].as_str().unwrap().replace('\n', "="))
        .collect();
    assert_eq!(
        slow,
        [
            "type:warmup=w",
            "type:r=1",
            "type:r=4",
            "type:r=5",
            "type:done="
        ]
    );
    // Supervisor's log lines for the same facts.
    assert_eq!(
        log.matches("pool slow event buffer overflowed, discarding event")
            .count(),
        2,
        "{log}"
    );
    assert!(log.contains("picky: event was rejected"), "{log}");
    assert!(log.contains("rebuffering event"), "{log}");
    assert!(log.contains("'comm' stdout emitted a comm event"), "{log}");
}
