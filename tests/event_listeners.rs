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

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::support::{DEADLINE, SOCKET, oracle_python, wait_until};
use serde_json::Value;

fn listener() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/events/listener.py")
}

/// `flaky` exits at once with `startsecs=10`: far from its lifetime, so no daemon
/// under load counts it RUNNING (with `startsecs=1`, Python did once under a CPU hog
/// and the oracle's stream had extra RUNNING/EXITED cycles).
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
         [program:quick]\ncommand=sh -c 'exit 3'\nstartsecs=0\nautorestart=false\n\n\
         [program:errlog]\ncommand=sh -c 'read go; printf \"oops\\n\" >&2; exec sleep 1000'\nstderr_events_enabled=true\nstartsecs=0\n\n\
         [program:flaky]\ncommand=sh -c 'exit 1'\nstartsecs=10\nstartretries=1\n"
    )
}

/// Runs the scenario on `daemon`; returns the pools' deliveries, the main log, and
/// the catch-all pool's deliveries once the daemon has exited (shutdown included).
fn scenario(daemon: &Path, python: &Path) -> (Value, String, Value) {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("sd.conf");
    std::fs::write(&conf, config(python)).unwrap();
    let child = crate::support::command(daemon)
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
    let out = crate::support::command(python)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/events/drive.py"))
        .arg(dir.path())
        .output()
        .unwrap();
    crate::support::stop_gently(child);
    let log = crate::support::read(&dir.path().join("main.log"));
    assert!(
        out.status.success(),
        "{} failed: {}\nmain log:\n{log}",
        daemon.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let all: Vec<Value> = crate::support::read(&dir.path().join("all.jsonl"))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (
        serde_json::from_slice(&out.stdout).unwrap(),
        log,
        serde_json::json!({ "all": all }),
    )
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
    let (expected, _, expected_end) = scenario(&venv.join("supervisord"), &python);
    let (actual, log, actual_end) = scenario(Path::new(env!("CARGO_BIN_EXE_supervisord")), &python);

    // The catch-all pool: the same events, payload bytes included, in the same order
    // per process; it takes every numbered event, so serial = pool serial, from 0.
    let (e, a) = (deliveries(&expected, "all"), deliveries(&actual, "all"));
    assert_eq!(streams(&a), streams(&e));
    for (i, d) in a.iter().enumerate() {
        assert_eq!(header(d, "serial"), i.to_string());
        assert_eq!(header(d, "poolserial"), i.to_string());
    }
    // Through shutdown: SUPERVISOR_STATE_CHANGE_STOPPING reaches the listener (which
    // programs' STOPPING events it still sees before it is stopped itself depends on
    // timing in both daemons).
    let (e, a) = (
        deliveries(&expected_end, "all"),
        deliveries(&actual_end, "all"),
    );
    assert_eq!(streams(&a)["-"], streams(&e)["-"]);
    assert_eq!(
        streams(&a)["-"].last().unwrap().0,
        "SUPERVISOR_STATE_CHANGE_STOPPING"
    );
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

/// A command line's output, read on a thread as it comes.
struct Reader {
    child: std::process::Child,
    out: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Reader {
    fn spawn(mut cmd: Command) -> Reader {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let out = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let sink = out.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = std::io::Read::read(&mut stdout, &mut buf) {
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Reader { child, out }
    }

    fn text(&self) -> String {
        self.out.lock().unwrap().clone()
    }

    #[track_caller]
    fn expect(&self, needle: &str) {
        assert!(
            wait_until(DEADLINE, || self.text().contains(needle)),
            "no {needle:?} in:\n{}",
            self.text()
        );
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Our supervisorctl on the daemon's config, to be spawned (for a command that
/// follows until killed).
fn ctl(d: &crate::support::Daemon, args: &[&str]) -> Command {
    let mut cmd = crate::support::command(env!("CARGO_BIN_EXE_supervisorctl"));
    cmd.arg("-c").arg(d.path("sd.conf")).args(args);
    cmd
}

/// One `supervisor.<call>` through Python's XML-RPC client.
fn rpc(python: &Path, d: &crate::support::Daemon, call: &str) {
    let script = format!(
        "import xmlrpc.client\nfrom supervisor.xmlrpc import SupervisorTransport\n\
         t = SupervisorTransport(None, None, {url:?})\n\
         xmlrpc.client.ServerProxy('http://127.0.0.1', transport=t).supervisor.{call}\n",
        url = d.server_url()
    );
    let status = crate::support::command(python)
        .arg("-c")
        .arg(script)
        .status()
        .unwrap();
    assert!(status.success(), "supervisor.{call} failed");
}

/// Beyond Supervisor (which leaves it UNKNOWN, deaf for good): a listener that breaks
/// the protocol is restarted and gets the event it held again. Followed live with
/// our `supervisorctl events`.
#[test]
fn a_listener_breaking_the_protocol_is_restarted_and_loses_no_event() {
    let python = oracle_python(&[]);
    let l = format!("{} {}", python.display(), listener().display());
    let d = crate::support::Daemon::start(&format!(
        "{SOCKET}[eventlistener:bad]\ncommand={l} %(here)s/bad.jsonl --garbage-once %(here)s/flag\n\
         events=REMOTE_COMMUNICATION\nstartsecs=0\n"
    ));
    d.wait_for_socket();
    let events = Reader::spawn(ctl(
        &d,
        &["events", "remote_communication", "PROCESS_STATE"],
    ));
    events.expect("==> Press Ctrl-C to exit <==");
    rpc(&python, &d, "sendRemoteCommEvent('x', '1')");
    d.expect_log("bad: listener broke the event protocol (state UNKNOWN); restarting it");
    let record = d.path("bad.jsonl");
    assert!(wait_until(DEADLINE, || crate::support::read(&record)
        .lines()
        .count()
        == 2));
    let results: Vec<(String, String)> = crate::support::read(&record)
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (
                v["payload"].as_str().unwrap().to_string(),
                v["result"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        results,
        [
            ("type:x\n1".to_string(), "garbage".to_string()),
            ("type:x\n1".to_string(), "OK".to_string())
        ]
    );
    events.expect("REMOTE_COMMUNICATION type:x\n1\n");
    events.expect("PROCESS_STATE_STOPPED processname:bad groupname:bad from_state:STOPPING");
    events.expect("PROCESS_STATE_RUNNING processname:bad groupname:bad from_state:STARTING");
}

/// superlance, unchanged: crashmail mails when a program dies unexpectedly, memmon
/// restarts a program past its memory limit by calling back over XML-RPC
/// (SUPERVISOR_SERVER_URL).
#[test]
fn superlance_crashmail_and_memmon_work_unchanged() {
    let python = oracle_python(&["superlance==2.0.0"]);
    let bin = python.parent().unwrap();
    let d = crate::support::Daemon::start(&format!(
        "{SOCKET}[eventlistener:crashmail]\n\
         command={crashmail} -a -m ops@example.com -s \"cat >> %(here)s/mail.txt\"\n\
         events=PROCESS_STATE_EXITED\n\n\
         [eventlistener:memmon]\ncommand={memmon} -p hog=30MB\nevents=TICK_5\npriority=-2\n\n\
         [program:crasher]\ncommand=sh -c 'read go; exit 7'\nstartsecs=0\nautorestart=false\n\n\
         [program:hog]\ncommand={python} -c \"b = b'x' * (60 * 1024 * 1024); import sys; sys.stdin.read()\"\nstartsecs=0\n",
        crashmail = bin.join("crashmail").display(),
        memmon = bin.join("memmon").display(),
        python = python.display(),
    ));
    d.wait_for_socket();
    let pid = |name: &str| -> String {
        crate::support::tree::ctl(&d, &format!("pid {name}"))
            .0
            .trim()
            .to_string()
    };
    assert!(wait_until(DEADLINE, || pid("crasher") != "0"
        && !pid("crasher").is_empty()));
    let first_hog = pid("hog");
    // Let crasher die (exit 7, unexpected): a line on its stdin.
    rpc(&python, &d, "sendProcessStdin('crasher', 'go\\n')");
    let mail = d.path("mail.txt");
    assert!(
        wait_until(DEADLINE, || crate::support::read(&mail)
            .contains("exited unexpectedly")),
        "no mail; main log:\n{}",
        d.main_log()
    );
    let text = crate::support::read(&mail);
    assert!(text.contains("To: ops@example.com"), "{text}");
    assert!(text.contains("Subject:  crasher crashed at"), "{text}");
    assert!(
        text.contains("Process crasher in group crasher exited unexpectedly"),
        "{text}"
    );
    // memmon sees hog's RSS above 30 MB at the next TICK_5 and restarts it.
    assert!(
        wait_until(DEADLINE, || {
            let now = pid("hog");
            now != first_hog && now != "0" && !now.is_empty()
        }),
        "hog was not restarted; main log:\n{}",
        d.main_log()
    );
    d.expect_log("stopped: hog (terminated by SIGTERM)");
}
