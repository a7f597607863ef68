//! End-to-end tests of supervisord supervising real children: Supervisor's state
//! transitions and their main-log lines, stopping, priorities, users, environment,
//! daemon mode and signals.

use crate::support::{DEADLINE, Daemon, alive, read, wait_until};
use nix::sys::signal::Signal;

#[test]
fn lifecycle_lines_match_supervisor_and_shutdown_is_clean() {
    let mut d = Daemon::start(
        "[program:sleeper]\ncommand=/bin/sleep 1000\n\n\
         [program:quick]\ncommand=/bin/sh -c 'echo out; echo err >&2'\nstartsecs=0\nautorestart=false\n\
         stdout_logfile=%(here)s/quick.out\nstderr_logfile=%(here)s/quick.err\n\n\
         [program:failer]\ncommand=/bin/false\nstartretries=2\n\n\
         [program:missing]\ncommand=/nonexistent/cmd\nstartretries=0\n",
    );
    d.expect_log("INFO supervisord started with pid ");
    d.expect_log("INFO success: quick entered RUNNING state, process has stayed up for > than 0 seconds (startsecs)");
    d.expect_log("INFO exited: quick (exit status 0; expected)");
    d.expect_log("INFO spawnerr: can't find command '/nonexistent/cmd'");
    d.expect_log("INFO gave up: missing entered FATAL state, too many start retries too quickly");
    d.expect_log("INFO success: sleeper entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)");
    d.expect_log("INFO gave up: failer entered FATAL state, too many start retries too quickly");
    // startretries=2: three attempts, each a quick exit.
    assert_eq!(d.count("INFO spawned: 'failer' with pid "), 3);
    assert_eq!(
        d.count("WARN exited: failer (exit status 1; not expected)"),
        3
    );
    assert_eq!(read(&d.path("quick.out")), "out\n");
    assert_eq!(read(&d.path("quick.err")), "err\n");
    let log = d.main_log();
    let sleeper: i32 = log
        .split("spawned: 'sleeper' with pid ")
        .nth(1)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(alive(sleeper));
    assert_eq!(d.terminate(), 0);
    assert!(
        d.main_log()
            .contains("WARN received SIGTERM indicating exit request")
    );
    assert!(
        d.main_log()
            .contains("WARN stopped: sleeper (terminated by SIGTERM)")
    );
    assert!(!alive(sleeper), "child left behind");
    assert!(!d.path("sd.pid").exists(), "pidfile not removed");
}

#[test]
fn child_ignoring_sigterm_is_killed_after_stopwaitsecs() {
    let mut d = Daemon::start(
        "[program:stubborn]\ncommand=/bin/sh -c 'trap \"\" TERM; touch %(here)s/trapped; while :; do sleep 1; done'\nstopwaitsecs=1\nstartsecs=0\n",
    );
    d.expect_log("success: stubborn entered RUNNING state");
    // SIGTERM must not arrive before the shell ignores it.
    assert!(wait_until(DEADLINE, || d.path("trapped").exists()));
    assert_eq!(d.terminate(), 0);
    let log = d.main_log();
    assert!(log.contains("DEBG killing stubborn (pid "), "{log}");
    assert!(log.contains("WARN killing 'stubborn' ("), "{log}");
    assert!(
        log.contains("WARN stopped: stubborn (terminated by SIGKILL)"),
        "{log}"
    );
}

#[test]
fn stopasgroup_kills_a_shells_grandchildren() {
    let mut d = Daemon::start(
        "[program:tree]\ncommand=/bin/sh -c '/bin/sleep 1001 & echo $! > %(here)s/grandchild; wait'\nstopasgroup=true\nstartsecs=0\n",
    );
    assert!(wait_until(DEADLINE, || read(&d.path("grandchild")).ends_with('\n')));
    let grandchild: i32 = read(&d.path("grandchild")).trim().parse().unwrap();
    assert!(alive(grandchild));
    assert_eq!(d.terminate(), 0);
    assert!(d.main_log().contains("killing tree (pid "));
    assert!(d.main_log().contains("process group with signal SIGTERM"));
    assert!(
        wait_until(DEADLINE, || !alive(grandchild)),
        "grandchild survived"
    );
}

#[test]
fn autorestart_unexpected_follows_exitcodes() {
    let mut d = Daemon::start(
        "[program:expected]\ncommand=/bin/sh -c 'exit 3'\nexitcodes=3\nstartsecs=0\n\n\
         [program:unexpected]\ncommand=/bin/sh -c 'echo run >> %(here)s/runs; exit 4'\nexitcodes=3\nstartsecs=0\n",
    );
    d.expect_log("INFO exited: expected (exit status 3; expected)");
    assert!(wait_until(DEADLINE, || read(&d.path("runs"))
        .lines()
        .count()
        >= 3));
    d.expect_log("WARN exited: unexpected (exit status 4; not expected)");
    assert_eq!(
        d.count("spawned: 'expected'"),
        1,
        "an expected exit is not restarted"
    );
    assert_eq!(d.terminate(), 0);
}

#[test]
fn priorities_order_start_and_reverse_stop() {
    let mut d = Daemon::start(
        "[program:late]\ncommand=/bin/sleep 1000\npriority=900\nstartsecs=0\n\n\
         [program:early]\ncommand=/bin/sleep 1000\npriority=10\nstartsecs=0\n\n\
         [program:middle]\ncommand=/bin/sleep 1000\npriority=500\nstartsecs=0\n",
    );
    d.expect_log("success: late entered RUNNING");
    d.expect_log("success: early entered RUNNING");
    d.expect_log("success: middle entered RUNNING");
    assert_eq!(d.terminate(), 0);
    let log = d.main_log();
    let at = |s: &str| log.find(s).unwrap_or_else(|| panic!("{s} missing:\n{log}"));
    assert!(at("spawned: 'early'") < at("spawned: 'middle'"));
    assert!(at("spawned: 'middle'") < at("spawned: 'late'"));
    assert!(at("stopped: late") < at("stopped: middle"));
    assert!(at("stopped: middle") < at("stopped: early"));
}

#[test]
fn user_environment_and_directory_reach_the_child() {
    let mut d = Daemon::start(
        "[supervisord]\nenvironment=GLOBAL=g\n\n\
         [program:who]\ncommand=/bin/sh -c 'id -u; pwd; echo $GLOBAL $OWN $SUPERVISOR_ENABLED $SUPERVISOR_PROCESS_NAME $SUPERVISOR_GROUP_NAME'\n\
         user=nobody\ndirectory=/tmp\nenvironment=OWN=\"o\"\nstartsecs=0\nautorestart=false\nstdout_logfile=%(here)s/who.out\n",
    );
    d.expect_log("exited: who (exit status 0; expected)");
    assert_eq!(read(&d.path("who.out")), "65534\n/tmp\ng o 1 who who\n");
    assert_eq!(d.terminate(), 0);
}

#[test]
fn daemon_mode_detaches_and_writes_the_pidfile() {
    let d = Daemon::configure("[program:sleeper]\ncommand=/bin/sleep 1000\nstartsecs=0\n");
    let mut d = d.launch(&[]);
    // The launching process exits at once; the daemon lives on under its pidfile.
    let mut launcher = d.child.take().unwrap();
    assert!(launcher.wait().unwrap().success());
    let pid = d.daemon_pid();
    assert_ne!(pid, launcher.id() as i32);
    d.expect_log("success: sleeper entered RUNNING");
    d.expect_log("daemonizing the supervisord process");
    d.signal(Signal::SIGTERM);
    assert!(wait_until(DEADLINE, || !alive(pid)), "daemon did not exit");
    assert!(!d.path("sd.pid").exists());
}

#[test]
fn sighup_restarts_the_tree_in_place() {
    let mut d = Daemon::start("[program:sleeper]\ncommand=/bin/sleep 1000\nstartsecs=0\n");
    d.expect_log("success: sleeper entered RUNNING");
    let pid = d.daemon_pid();
    d.signal(Signal::SIGHUP);
    d.expect_log("WARN received SIGHUP indicating restart request");
    assert!(wait_until(DEADLINE, || d.count("spawned: 'sleeper'") == 2));
    assert_eq!(d.daemon_pid(), pid, "reload keeps the daemon's pid");
    assert_eq!(d.terminate(), 0);
}

#[test]
fn auto_logs_are_removed_at_startup_and_shutdown_unless_nocleanup() {
    for (extra, kept) in [("", false), ("-k", true)] {
        let d = Daemon::configure("[program:p]\ncommand=/bin/sleep 1000\nstartsecs=0\n");
        let stale = d.path("old-stdout---supervisor-zzzzzzzz.log");
        let other = d.path("old-stdout---elsewhere-zzzzzzzz.log");
        std::fs::write(&stale, "x").unwrap();
        std::fs::write(&other, "x").unwrap();
        let args: Vec<&str> = ["-n"]
            .into_iter()
            .chain((!extra.is_empty()).then_some(extra))
            .collect();
        let mut d = d.launch(&args);
        d.expect_log("success: p entered RUNNING");
        assert_eq!(stale.exists(), kept, "nocleanup={kept}");
        assert!(other.exists(), "another identifier's log was removed");
        // The new AUTO logs of this run exist.
        let names: Vec<String> = std::fs::read_dir(d.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert!(
            names
                .iter()
                .any(|n| n.starts_with("p-stdout---supervisor-")),
            "{names:?}"
        );
        assert_eq!(d.terminate(), 0);
        // At shutdown this run's AUTO logs go too (kept with -k); others stay.
        let left = std::fs::read_dir(d.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.starts_with("p-stdout---supervisor-"))
            .count();
        assert_eq!(left > 0, kept, "nocleanup={kept}");
        assert!(other.exists());
    }
}

/// The control plane is served while the tree is still starting (start-up is the
/// root's first message, autostart runs in the background): with 1000 programs,
/// `status` lists them before they are all RUNNING, and a SIGTERM then stops
/// everything cleanly, leaving no child behind.
#[test]
fn status_answers_and_sigterm_stops_cleanly_during_startup() {
    let mut conf = String::from(crate::support::SOCKET);
    for i in 0..1000 {
        conf.push_str(&format!(
            "[program:p{i:04}]\ncommand=/bin/sleep 1000\nstartsecs=0\n\
             stdout_logfile=NONE\nstderr_logfile=NONE\n\n"
        ));
    }
    let mut d = Daemon::start(&conf);
    d.wait_for_socket();
    let mut first = String::new();
    assert!(
        wait_until(DEADLINE, || {
            first = crate::support::tree::ctl(&d, "status").0;
            first.lines().count() == 1000
        }),
        "status never listed the 1000 programs:\n{first}"
    );
    let running = first.lines().filter(|l| l.contains(" RUNNING ")).count();
    assert!(
        running < 1000,
        "status only answered once every program was RUNNING"
    );
    assert_eq!(d.terminate(), 0);
    let log = d.main_log();
    assert!(log.contains("WARN received SIGTERM indicating exit request"));
    let pids: Vec<i32> = log
        .lines()
        .filter_map(|l| l.split("' with pid ").nth(1))
        .map(|p| p.trim().parse().unwrap())
        .collect();
    assert!(!pids.is_empty());
    let left: Vec<i32> = pids.into_iter().filter(|&p| alive(p)).collect();
    assert!(left.is_empty(), "children left behind: {left:?}");
}

/// Whether a `/proc/<pid>/task/<tid>/status` says the thread blocks SIGCHLD.
fn blocks_sigchld(status: &str) -> bool {
    let mask = status
        .lines()
        .find_map(|l| l.strip_prefix("SigBlk:"))
        .and_then(|m| u64::from_str_radix(m.trim(), 16).ok())
        .expect("a SigBlk line");
    mask & (1 << (Signal::SIGCHLD as u64 - 1)) != 0
}

/// crates/sys/src/sigchld.rs: every thread of the daemon blocks SIGCHLD (no thread is
/// woken to run a handler; the reaper reads the signal from a signalfd), and every
/// exit is still heard: a program that exits at once is restarted again and again,
/// each exit reaped (no zombie stays).
#[test]
fn child_exits_are_heard_with_sigchld_blocked_in_every_thread() {
    let mut d = Daemon::start(
        "[program:flap]\ncommand=/bin/sh -c 'exit 3'\nstartsecs=0\nautorestart=true\n\
         startretries=100000\nexitcodes=0\n",
    );
    assert!(
        wait_until(DEADLINE, || d
            .count("WARN exited: flap (exit status 3; not expected)")
            >= 50),
        "{}",
        d.main_log()
    );
    let pid = d.daemon_pid();
    let tasks: Vec<_> = std::fs::read_dir(format!("/proc/{pid}/task"))
        .unwrap()
        .flatten()
        .collect();
    assert!(
        tasks.len() >= 3,
        "the main thread and the runtime's workers"
    );
    for task in tasks {
        let status = read(&task.path().join("status"));
        assert!(
            blocks_sigchld(&status),
            "{}:\n{status}",
            task.path().display()
        );
    }
    assert_eq!(d.terminate(), 0);
}
