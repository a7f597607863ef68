//! Idle connections against the daemon's descriptor limit (README, "Security"): the
//! listeners stop accepting while a reserve of descriptors is left for children, say
//! so once, and accept again when descriptors come back, so a restarting child never
//! goes FATAL with `too many open files` however many connections clients open.

use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::support::{DEADLINE, Daemon, command, free_port, wait_until};

/// Opens idle TCP connections to `port` until `max`, or until one is not accepted
/// within a second (the daemon stopped accepting and the backlog filled).
async fn hog(port: u16, max: usize) -> Vec<tokio::net::TcpStream> {
    let mut held = Vec::new();
    while held.len() < max {
        let connect = tokio::net::TcpStream::connect(("127.0.0.1", port));
        match tokio::time::timeout(Duration::from_secs(1), connect).await {
            Ok(Ok(s)) => held.push(s),
            _ => break,
        }
    }
    held
}

fn pid_of(d: &Daemon, name: &str) -> i32 {
    let out = command(env!("CARGO_BIN_EXE_supervisorctl"))
        .args(["-c"])
        .arg(d.path("sd.conf"))
        .args(["pid", name])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0)
}

#[test]
fn idle_connections_cannot_starve_a_restarting_child_of_descriptors() {
    let port = free_port();
    let d = Daemon::configure(&format!(
        "minfds=64\n\n[inet_http_server]\nport=127.0.0.1:{port}\n\n\
         [unix_http_server]\nfile=%(here)s/sv.sock\n\n\
         [rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n\
         [supervisorctl]\nserverurl=unix://%(here)s/sv.sock\n\n\
         [program:victim]\ncommand=/bin/sleep 1000\nstartsecs=0\nstartretries=0\n"
    ));
    // A hard limit of 256 descriptors for the daemon (`minfds=64` only asks for 64).
    let child = command("prlimit")
        .arg("--nofile=256:256")
        .arg(env!("CARGO_BIN_EXE_supervisord"))
        .args(["-n", "-c"])
        .arg(d.path("sd.conf"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut d = d;
    d.child = Some(child);
    d.wait_for_socket();
    d.expect_log("success: victim entered RUNNING state");

    let rt = tokio::runtime::Runtime::new().unwrap();
    let held = rt.block_on(hog(port, 600));
    assert!(held.len() > 60, "only {} connections", held.len());
    d.expect_log("not accepting connections");

    // The child dies and is restarted: its pipes and log files need descriptors.
    let first = pid_of_log(&d);
    kill(Pid::from_raw(first), Signal::SIGKILL).unwrap();
    assert!(
        wait_until(DEADLINE, || d
            .count("success: victim entered RUNNING state")
            == 2),
        "{}",
        d.main_log()
    );
    assert!(
        !d.main_log().contains("too many open files"),
        "{}",
        d.main_log()
    );
    assert_eq!(d.count("not accepting connections"), 1, "{}", d.main_log());

    // The connections go: the control socket answers again, and says so.
    drop(held);
    drop(rt);
    d.expect_log("accepting connections again");
    assert!(wait_until(DEADLINE, || pid_of(&d, "victim") > 0));
}

/// The victim's pid, from the main log's `spawned:` line.
fn pid_of_log(d: &Daemon) -> i32 {
    let log = d.main_log();
    let line = log
        .lines()
        .rfind(|l| l.contains("spawned: 'victim' with pid "))
        .unwrap();
    line.rsplit(' ').next().unwrap().parse().unwrap()
}
