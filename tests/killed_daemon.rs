//! supervisord killed with SIGKILL (README, "Beyond Supervisor: resilience
//! options"): a program with `die_with_supervisord = true` dies with it; any other
//! child lives on, orphaned as under Supervisor, and the next supervisord started on
//! the same config says which processes the previous one left running (from
//! `<pidfile>.children`).

use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::support::{DEADLINE, Daemon, alive, wait_until};

/// The pid of `name` from the main log's last `spawned:` line for it.
fn spawned_pid(d: &Daemon, name: &str) -> i32 {
    let needle = format!("spawned: '{name}' with pid ");
    let log = d.main_log();
    let line = log.lines().rfind(|l| l.contains(&needle)).unwrap();
    line.rsplit(' ').next().unwrap().parse().unwrap()
}

#[test]
fn children_die_with_a_killed_daemon_when_asked_and_leftovers_are_reported() {
    // As root, one of them also switches user (which clears a death signal set
    // before it: the child sets it after).
    let user = if nix::unistd::geteuid().is_root() {
        "user=nobody\n"
    } else {
        ""
    };
    let programs = format!(
        "[program:dier]\ncommand=/bin/sleep 86391\ndie_with_supervisord=true\nstartsecs=0\n\n\
         [program:keeper]\ncommand=/bin/sleep 86392\nstartsecs=0\n\n\
         [program:other_dier]\ncommand=/bin/sleep 86393\ndie_with_supervisord=true\nstartsecs=0\n{user}"
    );
    let mut d = Daemon::start(&programs);
    for name in ["dier", "keeper", "other_dier"] {
        d.expect_log(&format!("success: {name} entered RUNNING state"));
    }
    let dier = spawned_pid(&d, "dier");
    let keeper = spawned_pid(&d, "keeper");
    let other_dier = spawned_pid(&d, "other_dier");
    // The state file lists them once they run.
    let state = d.path("sd.pid.children");
    assert!(
        wait_until(DEADLINE, || {
            let text = crate::support::read(&state);
            ["dier", "keeper", "other_dier"]
                .iter()
                .all(|n| text.contains(&format!(" {n}\n")))
        }),
        "{}",
        crate::support::read(&state)
    );

    d.signal(Signal::SIGKILL);
    d.wait_exit();
    assert!(
        wait_until(DEADLINE, || !alive(dier) && !alive(other_dier)),
        "die_with_supervisord children outlived the daemon"
    );
    assert!(
        alive(keeper),
        "an ordinary child is orphaned, as under Supervisor"
    );

    // A new supervisord on the same config reports the orphan before it starts a
    // second `keeper` beside it.
    let d = d.launch(&["-n"]);
    d.expect_log(&format!(
        "process 'keeper' (pid {keeper}) was left running by a previous supervisord"
    ));
    d.expect_log("1 process(es) of a previous supervisord still run");
    assert!(wait_until(DEADLINE, || d.count("spawned: 'keeper'") == 2));
    let log = d.main_log();
    let report = log.find("was left running").unwrap();
    let respawn = log.rfind("spawned: 'keeper'").unwrap();
    assert!(report < respawn, "reported after the new start:\n{log}");
    kill(Pid::from_raw(keeper), Signal::SIGKILL).unwrap();
    assert!(wait_until(Duration::from_secs(5), || !alive(keeper)));
}
