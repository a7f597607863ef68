//! supervisord under systemd's `Type=notify`, against a real listening datagram
//! socket in `NOTIFY_SOCKET`: `READY=1` once the autostart programs are started,
//! `WATCHDOG=1` while `WATCHDOG_USEC` asks for it, `RELOADING=1` then `READY=1`
//! around a SIGHUP reload, `STOPPING=1` at shutdown, `STATUS=` with the counts —
//! and the children never see the variables.

use std::os::unix::net::UnixDatagram;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::support::{DEADLINE, Daemon, command, read, wait_until};

/// Datagrams until one satisfies `want` (or the deadline); all of them.
fn until(sock: &UnixDatagram, want: impl Fn(&str) -> bool) -> Vec<String> {
    let end = Instant::now() + DEADLINE;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while Instant::now() < end {
        sock.set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        if let Ok(n) = sock.recv(&mut buf) {
            let msg = String::from_utf8_lossy(&buf[..n]).into_owned();
            let done = want(&msg);
            got.push(msg);
            if done {
                return got;
            }
        }
    }
    panic!("no awaited notification; got {got:?}");
}

#[test]
fn the_notify_protocol_through_start_reload_and_stop() {
    let mut d = Daemon::configure(
        "[program:web]\ncommand=sh -c 'env > %(here)s/child.env; sleep 1000'\nstartsecs=0\n\n\
         [program:idle]\ncommand=sleep 1000\nautostart=false\n\n",
    );
    let path = d.path("notify.sock");
    let sock = UnixDatagram::bind(&path).unwrap();
    d.child = Some(
        command(env!("CARGO_BIN_EXE_supervisord"))
            .arg("-n")
            .arg("-c")
            .arg(d.path("sd.conf"))
            .env("NOTIFY_SOCKET", &path)
            .env("WATCHDOG_USEC", "300000")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let got = until(&sock, |m| m.starts_with("READY=1"));
    let ready = got.last().unwrap();
    // Sent once web was started (spawned), with the counts.
    assert!(d.main_log().contains("spawned: 'web'"), "{got:?}");
    assert!(
        ready.contains("\nSTATUS=2 processes: 1 STOPPED, 1 "),
        "{ready}"
    );
    until(&sock, |m| m.starts_with("WATCHDOG=1\nSTATUS=2 processes"));
    d.signal(nix::sys::signal::Signal::SIGHUP);
    let reload = until(&sock, |m| m.starts_with("READY=1"));
    assert!(
        reload
            .iter()
            .any(|m| m.starts_with("RELOADING=1\nMONOTONIC_USEC=")),
        "{reload:?}"
    );
    d.signal(nix::sys::signal::Signal::SIGTERM);
    until(&sock, |m| m.starts_with("STOPPING=1"));
    assert_eq!(d.wait_exit(), 0);
    assert!(wait_until(DEADLINE, || read(&d.path("child.env")).contains("PATH=")));
    let child_env = read(&d.path("child.env"));
    for var in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] {
        assert!(!child_env.contains(var), "{var} reached a child");
    }
}
