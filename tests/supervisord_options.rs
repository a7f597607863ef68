//! End-to-end tests of `[supervisord]` and program options not covered elsewhere:
//! `umask`, `identifier` (in AUTO log names), `minfds` (children inherit the raised
//! limit), `silent`, main-log rotation, SIGUSR2 log reopening, and the `waiting for
//! … to die` lines of a slow shutdown.

use std::process::Stdio;

use crate::support::{DEADLINE, Daemon, read, wait_until};
use nix::sys::signal::Signal;

#[test]
fn umask_applies_to_the_child() {
    let d = Daemon::start(
        "[program:masked]\ncommand=/bin/sh -c 'umask > %(here)s/umask.out; exec /bin/sleep 1000'\numask=027\n",
    );
    assert!(wait_until(DEADLINE, || read(&d.path("umask.out")) == "0027\n"));
}

#[test]
fn identifier_names_the_auto_logs() {
    let d =
        Daemon::configure("[program:talker]\ncommand=/bin/sh -c 'echo hi; exec /bin/sleep 1000'\n");
    let conf = read(&d.path("sd.conf"))
        .replace("loglevel=debug\n", "loglevel=debug\nidentifier=myident\n");
    std::fs::write(d.path("sd.conf"), conf).unwrap();
    let d = d.launch(&["-n"]);
    assert!(wait_until(DEADLINE, || {
        std::fs::read_dir(d.dir.path()).unwrap().any(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            name.starts_with("talker-stdout---myident-") && name.ends_with(".log")
        })
    }));
}

#[test]
fn minfds_is_inherited_by_children() {
    let (_, hard) =
        nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE).unwrap();
    let want = hard.min(4096);
    let d = Daemon::configure(
        "[program:fds]\ncommand=/bin/sh -c 'ulimit -n > %(here)s/fds.out; exec /bin/sleep 1000'\n",
    );
    let conf = read(&d.path("sd.conf")).replace(
        "loglevel=debug\n",
        &format!("loglevel=debug\nminfds={want}\n"),
    );
    std::fs::write(d.path("sd.conf"), conf).unwrap();
    let d = d.launch(&["-n"]);
    let mut got = String::new();
    assert!(wait_until(DEADLINE, || {
        got = read(&d.path("fds.out"));
        !got.is_empty()
    }));
    let n: u64 = got.trim().parse().unwrap_or(u64::MAX);
    assert!(n >= want, "child's limit {n} < minfds {want}");
}

#[test]
fn silent_keeps_the_foreground_quiet() {
    let d = Daemon::configure("[program:sleeper]\ncommand=/bin/sleep 1000\n");
    let mut child = crate::support::command(env!("CARGO_BIN_EXE_supervisord"))
        .args(["-n", "-s", "-c"])
        .arg(d.path("sd.conf"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    assert!(wait_until(DEADLINE, || d
        .main_log()
        .contains("success: sleeper entered RUNNING")));
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(pid, Signal::SIGTERM).unwrap();
    let _ = child.wait();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    // Without -s the same lines go to stdout too.
    assert!(d.main_log().contains("supervisord started with pid"));
}

#[test]
fn main_log_rotates_at_logfile_maxbytes() {
    let d = Daemon::configure(
        "[program:chatty]\ncommand=/bin/sh -c 'while true; do echo line; sleep 0.01; done'\n\
         stdout_logfile=NONE\n",
    );
    // Debug logging writes a main-log line per output chunk.
    let conf = read(&d.path("sd.conf")).replace(
        "loglevel=debug\n",
        "loglevel=debug\nlogfile_maxbytes=2KB\nlogfile_backups=2\n",
    );
    std::fs::write(d.path("sd.conf"), conf).unwrap();
    let d = d.launch(&["-n"]);
    assert!(wait_until(DEADLINE, || d.path("main.log.2").exists()));
    assert!(wait_until(DEADLINE, || {
        std::fs::metadata(d.path("main.log.1")).is_ok_and(|m| m.len() >= 2048)
    }));
    assert!(!d.path("main.log.3").exists());
}

#[test]
fn sigusr2_reopens_the_logs_after_an_external_rotation() {
    let d = Daemon::start(
        "[program:ticker]\ncommand=/bin/sh -c 'while true; do echo tick; sleep 0.05; done'\n\
         stdout_logfile=%(here)s/ticker.out\n",
    );
    assert!(wait_until(DEADLINE, || read(&d.path("ticker.out")).contains("tick")));
    // logrotate's move: the daemon keeps writing to the moved file until SIGUSR2.
    std::fs::rename(d.path("ticker.out"), d.path("ticker.out.old")).unwrap();
    std::fs::rename(d.path("main.log"), d.path("main.log.old")).unwrap();
    d.signal(Signal::SIGUSR2);
    assert!(wait_until(DEADLINE, || read(&d.path("ticker.out")).contains("tick")));
    // Both lines go to the old file, before the reopen (as in Supervisor); the
    // debug lines of the ticker's output then land in a new main.log.
    assert!(wait_until(DEADLINE, || read(&d.path("main.log.old"))
        .contains("supervisord logreopen")));
    assert!(
        read(&d.path("main.log.old")).contains("received SIGUSR2 indicating log reopen request")
    );
    assert!(wait_until(DEADLINE, || read(&d.path("main.log"))
        .contains("'ticker' stdout output:")));
}

/// The same through the control socket: `supervisorctl reopen` (beyond Supervisor).
#[test]
fn supervisorctl_reopen_reopens_the_logs_after_an_external_rotation() {
    let d = Daemon::start(&format!(
        "{}[program:ticker]\ncommand=/bin/sh -c 'while true; do echo tick; sleep 0.05; done'\n\
         stdout_logfile=%(here)s/ticker.out\n",
        crate::support::SOCKET
    ));
    d.wait_for_socket();
    assert!(wait_until(DEADLINE, || read(&d.path("ticker.out")).contains("tick")));
    std::fs::rename(d.path("ticker.out"), d.path("ticker.out.old")).unwrap();
    let out = crate::support::command(env!("CARGO_BIN_EXE_supervisorctl"))
        .arg("-c")
        .arg(d.path("sd.conf"))
        .arg("reopen")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "reopened log files\n");
    assert!(out.status.success());
    assert!(wait_until(DEADLINE, || read(&d.path("ticker.out")).contains("tick")));
    d.expect_log("log reopen requested through the control API");
}

#[test]
fn a_slow_stop_is_reported_every_three_seconds() {
    let mut d = Daemon::start(
        "[program:stubborn]\ncommand=/bin/sh -c \"trap '' TERM; while true; do sleep 0.1; done\"\n\
         stopwaitsecs=5\n",
    );
    d.expect_log("success: stubborn entered RUNNING state");
    d.signal(Signal::SIGTERM);
    d.expect_log("INFO waiting for stubborn to die");
    d.expect_log("WARN killing 'stubborn' (");
    assert_eq!(d.wait_exit(), 0);
}

#[test]
fn an_unwritable_log_file_is_reported_and_the_process_still_runs() {
    // /proc/self exists (the config is valid) but no file can be created in it.
    let d = Daemon::start(
        "[program:p]\ncommand=/bin/sh -c 'while true; do echo out; sleep 0.1; done'\n\
         stdout_logfile=/proc/self/cannot-be-created.log\n",
    );
    d.expect_log("ERRO cannot write log file /proc/self/cannot-be-created.log of 'p': ");
    d.expect_log("success: p entered RUNNING state");
    // Reported once, not per chunk of output.
    assert!(wait_until(DEADLINE, || d.count("'p' stdout output:") >= 5));
    assert_eq!(d.count("cannot write log file"), 1);
}

#[test]
fn dash_u_runs_supervisord_and_its_children_as_that_user() {
    use std::os::unix::fs::PermissionsExt;
    let d = Daemon::configure(
        "[program:who]\ncommand=/bin/sh -c 'id -u > %(here)s/uid.out; exec /bin/sleep 1000'\n",
    );
    // The daemon writes its logs here after dropping privileges.
    std::fs::set_permissions(d.dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    if !nix::unistd::geteuid().is_root() {
        // Only root may switch: anyone else gets Supervisor's refusal, exit 2.
        let out = crate::support::command(env!("CARGO_BIN_EXE_supervisord"))
            .args(["-n", "-u", "nobody", "-c"])
            .arg(d.path("sd.conf"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("Can't drop privilege as nonroot user")
        );
        return;
    }
    let d = d.launch(&["-n", "-u", "nobody"]);
    d.expect_log("INFO Set uid to user 65534 succeeded");
    assert!(wait_until(DEADLINE, || read(&d.path("uid.out")) == "65534\n"));
    let pid = d.daemon_pid();
    let status = read(std::path::Path::new(&format!("/proc/{pid}/status")));
    assert!(
        status.lines().any(|l| l.starts_with("Uid:\t65534\t")),
        "{status}"
    );
}

#[test]
fn start_finds_commands_on_the_path_of_supervisord_environment() {
    use std::os::unix::fs::PermissionsExt;
    let d = Daemon::configure(&format!(
        "{}[program:tool]\ncommand=mytool\nautostart=false\nstartsecs=0\n",
        crate::support::SOCKET
    ));
    std::fs::create_dir(d.path("bin")).unwrap();
    let tool = d.path("bin/mytool");
    std::fs::write(&tool, "#!/bin/sh\nexec /bin/sleep 1000\n").unwrap();
    std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
    let conf = read(&d.path("sd.conf")).replace(
        "loglevel=debug\n",
        "loglevel=debug\nenvironment=PATH=\"%(here)s/bin:/usr/bin:/bin\"\n",
    );
    std::fs::write(d.path("sd.conf"), conf).unwrap();
    let d = d.launch(&["-n"]);
    d.wait_for_socket();
    // The start pre-check looks where the spawn will look.
    let out = crate::support::command(env!("CARGO_BIN_EXE_supervisorctl"))
        .args(["-s", &d.server_url(), "start", "tool"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "tool: started\n");
}
