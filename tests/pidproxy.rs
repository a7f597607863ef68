//! `pidproxy` (supervisor/pidproxy.py) under a real supervisord: a program that
//! daemonizes itself (double fork, setsid, pidfile) is supervised through pidproxy,
//! signalled, stopped, started and restarted by supervisorctl, and nothing is left
//! behind; plus pidproxy's usage text.

use std::path::Path;

use crate::support::{DEADLINE, Daemon, SOCKET, alive, read, wait_until};

/// A daemon in the classic style: the launcher forks and exits, the child calls
/// setsid and forks again, the grandchild writes its pid file and serves signals
/// (HUP appends to a file, TERM removes the pid file and exits).
const DAEMON_PY: &str = r#"
import os, signal, sys
d = sys.argv[1]
if os.fork():
    os._exit(0)
os.setsid()
if os.fork():
    os._exit(0)
def hup(sig, frame):
    with open(os.path.join(d, "hup"), "a") as f:
        f.write("x")
def term(sig, frame):
    os.unlink(os.path.join(d, "d.pid"))
    os._exit(0)
signal.signal(signal.SIGHUP, hup)
signal.signal(signal.SIGTERM, term)
with open(os.path.join(d, "d.pid.tmp"), "w") as f:
    f.write("%d\n" % os.getpid())
os.rename(os.path.join(d, "d.pid.tmp"), os.path.join(d, "d.pid"))
while True:
    signal.pause()
"#;

fn ctl(d: &Daemon, args: &[&str]) -> (String, i32) {
    let out = crate::support::command(env!("CARGO_BIN_EXE_supervisorctl"))
        .arg("-c")
        .arg(d.path("sd.conf"))
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

/// The pid supervisord reports for `daemon` (pidproxy's), once RUNNING.
fn proxy_pid(d: &Daemon) -> i32 {
    let mut line = String::new();
    assert!(
        wait_until(DEADLINE, || {
            line = ctl(d, &["status", "daemon"]).0;
            line.contains("RUNNING")
        }),
        "{line}\n{}",
        d.main_log()
    );
    line.split("pid ")
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// The daemon's pid from its pid file, once written.
fn daemon_pid(dir: &Path) -> i32 {
    let mut text = String::new();
    assert!(wait_until(DEADLINE, || {
        text = read(&dir.join("d.pid"));
        text.ends_with('\n')
    }));
    text.trim().parse().unwrap()
}

fn parent_of(pid: i32) -> i32 {
    let stat = read(Path::new(&format!("/proc/{pid}/stat")));
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    after.split(' ').nth(1).unwrap().parse().unwrap()
}

#[test]
fn a_self_daemonizing_program_is_supervised_through_pidproxy() {
    let d = Daemon::configure(&format!(
        "{SOCKET}[program:daemon]\ncommand={} %(here)s/d.pid /usr/bin/env python3 %(here)s/daemon.py %(here)s\nstartsecs=1\nstopwaitsecs=10\n",
        env!("CARGO_BIN_EXE_pidproxy")
    ));
    std::fs::write(d.path("daemon.py"), DAEMON_PY).unwrap();
    let mut d = d.launch(&["-n"]);
    d.wait_for_socket();
    let dir = d.dir.path().to_path_buf();

    let proxy = proxy_pid(&d);
    let first = daemon_pid(&dir);
    assert!(alive(first));
    // The launcher is long gone, yet pidproxy stays, and the daemon is its child
    // (pidproxy is its subreaper), not an orphan of supervisord's.
    assert_eq!(parent_of(first), proxy);

    // HUP is forwarded to the pid in the pid file, and pidproxy stays.
    assert_eq!(
        ctl(&d, &["signal", "HUP", "daemon"]).0,
        "daemon: signalled\n"
    );
    assert!(wait_until(DEADLINE, || read(&dir.join("hup")) == "x"));
    assert_eq!(proxy_pid(&d), proxy);

    // stop: TERM reaches the daemon, which exits; pidproxy follows.
    assert_eq!(
        ctl(&d, &["stop", "daemon"]),
        ("daemon: stopped\n".into(), 0)
    );
    assert!(!alive(first));
    assert!(!alive(proxy));

    // start and restart bring up a fresh daemon each time.
    assert_eq!(
        ctl(&d, &["start", "daemon"]),
        ("daemon: started\n".into(), 0)
    );
    let second = daemon_pid(&dir);
    assert_ne!(second, first);
    assert!(alive(second));
    let proxy2 = proxy_pid(&d);
    assert_eq!(
        ctl(&d, &["restart", "daemon"]).0,
        "daemon: stopped\ndaemon: started\n"
    );
    assert!(!alive(second) && !alive(proxy2));
    let third = daemon_pid(&dir);
    let proxy3 = proxy_pid(&d);
    assert!(alive(third));

    // Shutting supervisord down leaves nothing behind.
    assert_eq!(d.terminate(), 0);
    assert!(!alive(third) && !alive(proxy3));
    let log = d.main_log();
    assert!(!log.contains("reaped unknown pid"), "{log}");
}

#[test]
fn the_daemon_exiting_by_itself_ends_pidproxy_with_its_status() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("d.sh");
    // The launcher forks a background job that writes its pid and exits 3 later,
    // when told to (a file appears).
    std::fs::write(
        &script,
        "#!/bin/sh\n( sh -c 'echo $$ > \"$0/d.pid\"; while [ ! -e \"$0/go\" ]; do sleep 0.05; done; exit 3' \"$1\" & )\nexit 0\n",
    )
    .unwrap();
    let mut child = crate::support::command(env!("CARGO_BIN_EXE_pidproxy"))
        .arg(dir.path().join("d.pid"))
        .arg("/bin/sh")
        .arg(&script)
        .arg(dir.path())
        .spawn()
        .unwrap();
    let pid = daemon_pid(dir.path());
    assert!(alive(pid));
    assert_eq!(
        child.try_wait().unwrap(),
        None,
        "pidproxy waits for the daemon"
    );
    std::fs::write(dir.path().join("go"), "").unwrap();
    let mut status = None;
    assert!(wait_until(DEADLINE, || {
        status = child.try_wait().unwrap();
        status.is_some()
    }));
    assert_eq!(status.unwrap().code(), Some(3));
}

#[test]
fn missing_arguments_print_the_usage() {
    for args in [&[][..], &["/tmp/x.pid"]] {
        let out = crate::support::command(env!("CARGO_BIN_EXE_pidproxy"))
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.starts_with("pidproxy PIDFILE COMMAND"), "{stdout}");
    }
}
