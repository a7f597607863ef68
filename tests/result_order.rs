//! The order of results of operations on several processes (rpcinterface.py
//! `make_allfunc`), differentially: `stop all`, `start all`, `stop g:*`, `start g:*`,
//! `restart all` through supervisorctl, and `stopAllProcesses`, `startAllProcesses`,
//! `stopProcessGroup`, `startProcessGroup`, `signalAllProcesses`,
//! `signalProcessGroup` through XML-RPC, against Python supervisord 4.3 (with its
//! supervisorctl) and against ours (with ours, and with Python's supervisorctl).
//! Programs stop at different speeds (at once, 0.4 s and 0.8 s after SIGTERM), one
//! start waits (`startsecs=1`), one command cannot be found, a group lists its
//! programs out of name order and another has numprocs, so priority order,
//! configuration order and immediate failures all show.
//!
//! Starts and signals must be the same bytes. Stops are compared as sets of lines
//! with Python's, because Python lists them in the order its main loop happened to
//! notice each stop (it varies from run to run, even among programs that all stop at
//! once); ours must list them in acting order — priority, then configuration order —
//! every time (see crates/daemon/src/control/act.rs).

use std::path::Path;
use std::process::Stdio;

use crate::ctl_oracle::{Run, ctl, start_with};
use crate::support::{DEADLINE, oracle_python, wait_until};

/// A program that takes `$1` seconds to stop on SIGTERM.
const SLOW_STOP: &str =
    "#!/bin/sh\ntrap 'sleep \"$1\"; exit 0' TERM\nwhile :; do sleep 0.05; done\n";

const CONF: &str = "[unix_http_server]\nfile=%(here)s/sv.sock\n\n\
[supervisord]\nlogfile=%(here)s/main.log\npidfile=%(here)s/sd.pid\nchildlogdir=%(here)s\n\n\
[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n\
[supervisorctl]\nserverurl=unix://%(here)s/sv.sock\n\n\
[program:late]\ncommand=/bin/sleep 1000\npriority=0\nstartsecs=1\n\n\
[program:b]\ncommand=/bin/sleep 1000\npriority=1\nstartsecs=0\n\n\
[program:a]\ncommand=%(here)s/slow-stop 0.8\npriority=2\nstartsecs=0\n\n\
[program:c]\ncommand=%(here)s/slow-stop 0.4\npriority=3\nstartsecs=0\n\n\
[program:missing]\ncommand=/nonexistent/cmd\npriority=3\nautostart=false\n\n\
[program:many]\ncommand=/bin/sleep 1000\npriority=4\nnumprocs=3\n\
process_name=%(program_name)s_%(process_num)s\nstartsecs=0\n\n\
[group:g]\nprograms=y,x\npriority=5\n\n\
[program:y]\ncommand=%(here)s/slow-stop 0.4\nstartsecs=0\n\n\
[program:x]\ncommand=/bin/sleep 1000\nstartsecs=0\n";

/// Every process in acting order (priority, then configuration order).
const ACTING_ORDER: &[&str] = &[
    "late",
    "b",
    "a",
    "c",
    "missing",
    "many:many_0",
    "many:many_1",
    "many:many_2",
    "g:y",
    "g:x",
];

const CTL_SCENARIO: &[&str] = &[
    "stop all",
    "start all",
    "stop g:*",
    "start g:*",
    "restart all",
    "stop g:x",
    "stop g:*",
    "start all",
];

/// The XML-RPC half: each call and its result (or fault), one line each.
const XMLRPC: &str = r#"
import json, sys, time, xmlrpc.client
from supervisor.xmlrpc import SupervisorTransport
s = xmlrpc.client.ServerProxy("http://127.0.0.1",
    transport=SupervisorTransport(None, None, "unix://" + sys.argv[1])).supervisor
for call, args in [("stopAllProcesses", ()), ("startAllProcesses", ()),
                   ("stopProcessGroup", ("many",)), ("startProcessGroup", ("many",)),
                   ("signalAllProcesses", ("CONT",)), ("signalProcessGroup", ("g", "CONT")),
                   ("stopProcess", ("g:*",)), ("startProcess", ("g:*",)),
                   ("stopAllProcesses", (False,)), ("startAllProcesses", (False,))]:
    try:
        r = getattr(s, call)(*args)
    except xmlrpc.client.Fault as f:
        r = [f.faultCode, f.faultString]
    print(call, json.dumps(r))
    # The next call starts when no process is on its way (a call without wait
    # returns before its processes got there).
    settled = ("RUNNING",) if call.startswith("start") else ("RUNNING", "STOPPED")
    deadline = time.monotonic() + 20
    while any(p["statename"] not in settled for p in s.getAllProcessInfo()
              if p["name"] != "missing"):
        if time.monotonic() > deadline:
            sys.exit("processes never settled after " + call)
        time.sleep(0.05)
"#;

/// Waits until every process but `missing` is RUNNING.
fn all_running(ctl_bin: &Path, run: &Run) {
    let mut last = String::new();
    let ok = wait_until(DEADLINE, || {
        last = ctl(ctl_bin, run.dir.path(), "status").0;
        last.lines().count() == ACTING_ORDER.len()
            && last
                .lines()
                .filter(|l| !l.starts_with("missing"))
                .all(|l| l.contains(" RUNNING "))
    });
    assert!(ok, "not all running: {last}");
}

fn start(daemon: &Path) -> Run {
    let run = start_with(daemon, CONF);
    let script = run.dir.path().join("slow-stop");
    std::fs::write(&script, SLOW_STOP).unwrap();
    let mut perms = std::fs::metadata(&script).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&script, perms).unwrap();
    run
}

/// Each command and call, with its output.
fn transcript(daemon: &Path, ctl_bin: &Path) -> Vec<String> {
    let run = start(daemon);
    all_running(ctl_bin, &run);
    let mut out = Vec::new();
    for words in CTL_SCENARIO {
        let (stdout, stderr, code) = ctl(ctl_bin, run.dir.path(), words);
        out.push(format!("$ {words}\n{stdout}{stderr}[exit={code}]\n"));
    }
    let rpc = crate::support::command(oracle_python(&[]))
        .arg("-c")
        .arg(XMLRPC)
        .arg(run.dir.path().join("sv.sock"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        rpc.status.success(),
        "{}",
        String::from_utf8_lossy(&rpc.stderr)
    );
    out.extend(
        String::from_utf8_lossy(&rpc.stdout)
            .lines()
            .map(|l| format!("{l}\n")),
    );
    out
}

/// The namespecs of the stops an entry reports, in order: `x: stopped` lines, or
/// the `{"name":..., "group":...}` structs of an XML-RPC array.
fn names(entry: &str) -> Vec<String> {
    if let Some((_, json)) = entry.split_once(' ').filter(|_| !entry.starts_with('$')) {
        let value: serde_json::Value = serde_json::from_str(json).unwrap();
        return value
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| {
                let (g, n) = (r["group"].as_str()?, r["name"].as_str()?);
                Some(if g == n {
                    n.to_string()
                } else {
                    format!("{g}:{n}")
                })
            })
            .collect();
    }
    entry
        .lines()
        .filter_map(|l| l.strip_suffix(": stopped").map(str::to_string))
        .collect()
}

/// Whether `names` follow acting order.
fn in_acting_order(names: &[String]) -> bool {
    let rank = |n: &String| ACTING_ORDER.iter().position(|a| a == n).unwrap();
    names.windows(2).all(|w| rank(&w[0]) < rank(&w[1]))
}

/// A transcript with the results of stops sorted (compared with Python's as sets);
/// the results of starts and signals stay as they are.
fn stops_as_sets(t: &[String]) -> Vec<String> {
    t.iter()
        .map(|entry| {
            if entry.starts_with("stop") {
                let (call, json) = entry.split_once(' ').unwrap();
                let mut v: Vec<serde_json::Value> = serde_json::from_str(json).unwrap();
                v.sort_by_key(|r| r.to_string());
                format!("{call} {}\n", serde_json::Value::from(v))
            } else if entry.starts_with('$') {
                let mut lines: Vec<&str> = entry.lines().collect();
                let stops: Vec<usize> = (0..lines.len())
                    .filter(|&i| lines[i].ends_with(": stopped"))
                    .collect();
                if let (Some(&first), Some(&last)) = (stops.first(), stops.last()) {
                    lines[first..=last].sort();
                }
                lines.join("\n") + "\n"
            } else {
                entry.clone()
            }
        })
        .collect()
}

#[test]
fn results_of_several_processes_come_in_supervisors_order() {
    let python = oracle_python(&[]);
    let ours_sd = Path::new(env!("CARGO_BIN_EXE_supervisord"));
    let ours_ctl = Path::new(env!("CARGO_BIN_EXE_supervisorctl"));
    let (py_sd, py_ctl) = (
        python.with_file_name("supervisord"),
        python.with_file_name("supervisorctl"),
    );
    // The three runs take a while each (stops of 0.8 s, starts of 1 s): side by side.
    let (oracle, runs) = std::thread::scope(|s| {
        let oracle = s.spawn(|| transcript(&py_sd, &py_ctl));
        let ours = s.spawn(|| transcript(ours_sd, ours_ctl));
        let mixed = s.spawn(|| transcript(ours_sd, &py_ctl));
        (
            oracle.join().unwrap(),
            [
                (ours.join().unwrap(), "our supervisorctl"),
                (mixed.join().unwrap(), "Python's supervisorctl"),
            ],
        )
    });
    // What the oracle shows, spelled out: a start lists the immediate results —
    // successes and the failure among them — in acting order, then the one that
    // waited.
    assert_eq!(
        oracle[1],
        "$ start all\nb: started\na: started\nc: started\nmissing: ERROR (no such file)\n\
         many:many_0: started\nmany:many_1: started\nmany:many_2: started\ng:y: started\n\
         g:x: started\nlate: started\n[exit=1]\n",
        "the oracle changed"
    );
    for (ours, who) in runs {
        let stops = |e: &&String| {
            e.starts_with("$ stop") || e.starts_with("$ restart") || e.starts_with("stop")
        };
        for entry in ours.iter().filter(stops) {
            assert!(
                in_acting_order(&names(entry)),
                "{who}: not in acting order:\n{entry}"
            );
        }
        assert!(ours[0].starts_with(
            "$ stop all\nlate: stopped\nb: stopped\na: stopped\nc: stopped\n\
             many:many_0: stopped\nmany:many_1: stopped\nmany:many_2: stopped\n\
             g:y: stopped\ng:x: stopped\n"
        ));
        assert_eq!(
            stops_as_sets(&ours),
            stops_as_sets(&oracle),
            "{who} against our supervisord"
        );
    }
}
