//! Resilience beyond Supervisor (README, "Beyond Supervisor: resilience options"), end to end: `essential` programs shut the
//! daemon down non-zero, exponential backoff grows and caps, `fatal_retry_after`
//! leaves FATAL, and supervisord as PID 1 of a pid namespace reaps orphans and shuts
//! down cleanly on SIGTERM.

use std::process::Stdio;

use crate::support::tree::ctl;
use crate::support::{DEADLINE, Daemon, alive, wait_until};

/// The main log's `spawned: '<name>'` times, in seconds since midnight.
fn spawn_times(log: &str, name: &str) -> Vec<f64> {
    let needle = format!("spawned: '{name}'");
    log.lines()
        .filter(|l| l.contains(&needle))
        .map(|l| {
            // "2026-11-24 15:08:10,731 INFO spawned: ..."
            let time = l.split_whitespace().nth(1).unwrap();
            let (hms, ms) = time.split_once(',').unwrap();
            let mut parts = hms.split(':').map(|p| p.parse::<f64>().unwrap());
            let (h, m, s) = (
                parts.next().unwrap(),
                parts.next().unwrap(),
                parts.next().unwrap(),
            );
            h * 3600.0 + m * 60.0 + s + ms.parse::<f64>().unwrap() / 1000.0
        })
        .collect()
}

#[test]
fn an_essential_program_going_fatal_shuts_supervisord_down_non_zero() {
    let mut d = Daemon::start(
        "[program:other]\ncommand=sleep 1000\nstartsecs=0\npriority=1\n\n\
         [program:core]\ncommand=sh -c 'exit 1'\nstartsecs=1\nstartretries=0\nessential=true\n",
    );
    d.expect_log("success: other entered RUNNING state");
    let pid: i32 = {
        let log = d.main_log();
        let line = log
            .lines()
            .find(|l| l.contains("spawned: 'other' with pid "))
            .unwrap()
            .to_string();
        line.rsplit(' ').next().unwrap().parse().unwrap()
    };
    let code = d.wait_exit();
    assert_eq!(code, 1, "main log:\n{}", d.main_log());
    let log = d.main_log();
    assert!(
        log.contains(
            "CRIT essential program core entered FATAL state: shutting down (exit status 1)"
        ),
        "{log}"
    );
    // A clean shutdown: the other program was stopped, not orphaned.
    assert!(
        log.contains("stopped: other (terminated by SIGTERM)"),
        "{log}"
    );
    assert!(!alive(pid));
}

#[test]
fn an_essential_group_makes_its_members_essential() {
    let mut d = Daemon::start(
        "[program:a]\ncommand=sh -c 'exit 1'\nstartsecs=1\nstartretries=0\n\n\
         [group:g]\nprograms=a\nessential=true\n",
    );
    assert_eq!(d.wait_exit(), 1, "main log:\n{}", d.main_log());
    assert!(
        d.main_log()
            .contains("essential program g:a entered FATAL state")
    );
}

#[test]
fn exponential_backoff_grows_then_caps() {
    let d = Daemon::start(
        "[program:flaky]\ncommand=sh -c 'exit 1'\nstartsecs=1\nstartretries=4\n\
         backoff=exponential\nbackoff_max=3\n",
    );
    d.expect_log("gave up: flaky entered FATAL state");
    let t = spawn_times(&d.main_log(), "flaky");
    assert_eq!(t.len(), 5, "{}", d.main_log());
    let gaps: Vec<f64> = t.windows(2).map(|w| w[1] - w[0]).collect();
    // Delays 1 s, 2 s, then the 3 s cap less up to 10% jitter (plus the child's
    // own short life each time).
    let within = |g: f64, lo: f64, hi: f64| g >= lo && g < hi;
    assert!(within(gaps[0], 1.0, 1.9), "{gaps:?}");
    assert!(within(gaps[1], 2.0, 2.9), "{gaps:?}");
    assert!(within(gaps[2], 2.7, 3.6), "{gaps:?}");
    assert!(within(gaps[3], 2.7, 3.6), "{gaps:?}");
}

#[test]
fn fatal_retry_after_leaves_fatal() {
    let d = Daemon::start(
        "[program:flaky]\ncommand=sh -c 'exit 1'\nstartsecs=1\nstartretries=0\nfatal_retry_after=1\n",
    );
    d.expect_log("retrying: flaky leaves FATAL state after 1 s (fatal_retry_after)");
    assert!(wait_until(DEADLINE, || spawn_times(&d.main_log(), "flaky")
        .len()
        >= 2));
    assert!(d.count("gave up: flaky entered FATAL state") >= 1);
}

/// supervisord's own pid, as seen from here, under `unshare --fork` (its child).
fn child_of(pid: u32) -> Option<i32> {
    let children = crate::support::read(std::path::Path::new(&format!(
        "/proc/{pid}/task/{pid}/children"
    )));
    children.split_whitespace().next()?.parse().ok()
}

#[test]
fn as_pid_1_it_reaps_orphans_and_shuts_down_cleanly() {
    let d =
        Daemon::configure("[program:forker]\ncommand=sh -c '(sleep 0.2 &) && exec sleep 1000'\n");
    let mut unshare = crate::support::command("unshare")
        .args(["--pid", "--fork", "--mount-proc"])
        .arg(env!("CARGO_BIN_EXE_supervisord"))
        .arg("-n")
        .arg("-c")
        .arg(d.path("sd.conf"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut daemon = None;
    assert!(wait_until(DEADLINE, || {
        daemon = child_of(unshare.id());
        daemon.is_some()
    }));
    let daemon = daemon.unwrap();
    // Inside the namespace it is PID 1 (its pidfile says so).
    assert!(wait_until(DEADLINE, || crate::support::read(
        &d.path("sd.pid")
    ) == "1\n"));
    d.expect_log("success: forker entered RUNNING state");
    // The double-forked `sleep 0.2` was orphaned to PID 1: reaped, not a zombie,
    // and never mistaken for the managed child.
    d.expect_log("reaped unknown pid");
    assert!(!d.main_log().contains("exited: forker"));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(daemon),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let mut status = None;
    assert!(wait_until(DEADLINE, || {
        status = unshare.try_wait().unwrap();
        status.is_some()
    }));
    assert_eq!(status.unwrap().code(), Some(0), "{}", d.main_log());
    let log = d.main_log();
    assert!(
        log.contains("received SIGTERM indicating exit request"),
        "{log}"
    );
    assert!(
        log.contains("stopped: forker (terminated by SIGTERM)"),
        "{log}"
    );
}

/// The pid of `name` once it is RUNNING with a pid other than `not`.
fn running_pid(d: &Daemon, name: &str, not: i32) -> i32 {
    let mut pid = 0;
    assert!(
        wait_until(DEADLINE, || {
            pid = ctl(d, &format!("pid {name}")).0.trim().parse().unwrap_or(0);
            pid != 0 && pid != not && ctl(d, &format!("status {name}")).0.contains("RUNNING")
        }),
        "{name} never ran again; main log:\n{}",
        d.main_log()
    );
    pid
}

fn kill9(pid: i32) {
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
}

fn strategy_group(strategy: &str) -> Daemon {
    let mut conf = String::from(crate::support::SOCKET);
    for (i, name) in ["a", "b", "c"].iter().enumerate() {
        conf += &format!(
            "[program:{name}]\ncommand=sleep 1000\nstartsecs=0\npriority={}\n\n",
            i + 1
        );
    }
    conf += &format!("[group:g]\nprograms=a,b,c\nstrategy={strategy}\n");
    let d = Daemon::start(&conf);
    d.wait_for_socket();
    d
}

#[test]
fn one_for_all_restarts_every_sibling() {
    let d = strategy_group("one_for_all");
    let [a, b, c] = ["g:a", "g:b", "g:c"].map(|n| running_pid(&d, n, 0));
    kill9(b);
    // b restarts by its own autorestart; a and c because the strategy says so.
    for (name, old) in [("g:a", a), ("g:b", b), ("g:c", c)] {
        running_pid(&d, name, old);
    }
    assert!(!alive(a) && !alive(c));
}

#[test]
fn rest_for_one_restarts_the_siblings_after_the_dead_one() {
    let d = strategy_group("rest_for_one");
    let [a, b, c] = ["g:a", "g:b", "g:c"].map(|n| running_pid(&d, n, 0));
    kill9(b);
    running_pid(&d, "g:b", b);
    running_pid(&d, "g:c", c);
    assert_eq!(ctl(&d, "pid g:a").0.trim(), a.to_string());
    assert!(alive(a));
}

#[test]
fn exceeding_max_restarts_stops_the_group_and_says_why() {
    let d = Daemon::start(&format!(
        "{}[program:x]\ncommand=sleep 1000\nstartsecs=0\n\n\
         [group:g]\nprograms=x\nmax_restarts=2\nrestart_window=60\n",
        crate::support::SOCKET
    ));
    d.wait_for_socket();
    let mut pid = running_pid(&d, "g:x", 0);
    for _ in 0..2 {
        kill9(pid);
        pid = running_pid(&d, "g:x", pid);
    }
    // The third death within the window is one too many.
    kill9(pid);
    d.expect_log(
        "CRIT group g failed: more than 2 restarts within 60 s (max_restarts, restart_window); \
         stopping its processes",
    );
    assert!(wait_until(DEADLINE, || {
        let (status, _) = ctl(&d, "status g:x");
        status.contains("STOPPED") && status.contains("group g failed (max_restarts exceeded)")
    }));
    // A manual start clears it.
    ctl(&d, "start g:x");
    running_pid(&d, "g:x", pid);
}

/// stopasgroup/killasgroup also reach a descendant that left the process group
/// (setsid), found through the kernel's children lists while the child still lives.
#[test]
fn stopasgroup_reaches_a_setsid_grandchild() {
    let d = Daemon::start(&format!(
        "{}[program:escaper]\ncommand=sh -c 'setsid sleep 86396 & echo $! > %(here)s/escaped; exec sleep 1000'\n\
         startsecs=0\nstopasgroup=true\nkillasgroup=true\n",
        crate::support::SOCKET
    ));
    d.wait_for_socket();
    let main = running_pid(&d, "escaper", 0);
    let mut escaped = 0;
    assert!(wait_until(DEADLINE, || {
        escaped = crate::support::read(&d.path("escaped"))
            .trim()
            .parse()
            .unwrap_or(0);
        escaped != 0 && alive(escaped)
    }));
    // It really left the group.
    let pgid = |p: i32| nix::unistd::getpgid(Some(nix::unistd::Pid::from_raw(p))).unwrap();
    assert_ne!(pgid(escaped), pgid(main));
    assert!(ctl(&d, "stop escaper").0.contains("escaper: stopped"));
    assert!(
        wait_until(DEADLINE, || !alive(escaped)),
        "the setsid grandchild survived"
    );
}

/// Intensity exceeded in an essential group escalates to the root: supervisord
/// shuts down with status 1.
#[test]
fn a_failed_essential_group_shuts_supervisord_down() {
    let mut d = Daemon::start(&format!(
        "{}[program:x]\ncommand=sleep 1000\nstartsecs=0\n\n\
         [group:g]\nprograms=x\nmax_restarts=0\nessential=true\n",
        crate::support::SOCKET
    ));
    d.wait_for_socket();
    kill9(running_pid(&d, "g:x", 0));
    assert_eq!(d.wait_exit(), 1, "main log:\n{}", d.main_log());
    let log = d.main_log();
    assert!(
        log.contains("CRIT group g failed: more than 0 restarts"),
        "{log}"
    );
    assert!(
        log.contains("CRIT essential group g failed: shutting down (exit status 1)"),
        "{log}"
    );
}
