//! The `[unix_http_server]` socket's life: created with its `chmod`, a second
//! supervisord on it refused with Supervisor's message and exit status 2, a stale
//! socket file from a killed daemon replaced, and the file removed at exit.

use std::os::unix::fs::PermissionsExt;

use crate::support::{Daemon, SOCKET};

#[test]
fn second_instance_is_refused_and_socket_is_removed_at_exit() {
    let mut d = Daemon::start(&format!(
        "{}[program:sleeper]\ncommand=/bin/sleep 1000\n",
        SOCKET.replace(
            "file=%(here)s/sv.sock\n",
            "file=%(here)s/sv.sock\nchmod=0700\n"
        )
    ));
    d.wait_for_socket();
    let mode = std::fs::metadata(d.path("sv.sock"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o700);

    let second = crate::support::command(env!("CARGO_BIN_EXE_supervisord"))
        .arg("-n")
        .arg("-c")
        .arg(d.path("sd.conf"))
        .output()
        .unwrap();
    assert_eq!(second.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.contains(
            "Error: Another program is already listening on a port that one of our HTTP servers is configured to use.  Shut this program down first before starting supervisord.\nFor help, use "
        ),
        "{stderr}"
    );
    // The first one is untouched.
    assert!(std::os::unix::net::UnixStream::connect(d.path("sv.sock")).is_ok());
    assert_eq!(d.terminate(), 0);
    assert!(!d.path("sv.sock").exists());
}

#[test]
fn a_stale_socket_file_is_replaced() {
    let d = Daemon::configure(&format!(
        "{SOCKET}[program:sleeper]\ncommand=/bin/sleep 1000\n"
    ));
    // A socket file nobody listens on, as a killed supervisord leaves behind.
    drop(std::os::unix::net::UnixListener::bind(d.path("sv.sock")).unwrap());
    let d = d.launch(&["-n"]);
    d.wait_for_socket();
}

#[test]
fn a_socket_this_user_may_not_use_is_refused_with_a_clear_message() {
    let root = nix::unistd::geteuid().is_root();
    // As root, the socket is root's with mode 0700 and the client runs as nobody;
    // as anyone else, the owner's own client meets mode 0000.
    let mode = if root { "0700" } else { "0000" };
    let d = Daemon::start(&format!(
        "{}[program:sleeper]\ncommand=/bin/sleep 1000\n",
        SOCKET.replace(
            "file=%(here)s/sv.sock\n",
            &format!("file=%(here)s/sv.sock\nchmod={mode}\n")
        )
    ));
    // Only the socket's own mode may stand in the way.
    std::fs::set_permissions(d.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    assert!(crate::support::wait_until(crate::support::DEADLINE, || d
        .path("sv.sock")
        .exists()));
    // A copy nobody can run whatever the checkout's permissions are.
    let ctl = d.path("supervisorctl");
    std::fs::copy(env!("CARGO_BIN_EXE_supervisorctl"), &ctl).unwrap();
    let ctl = ctl.to_str().unwrap();
    let url = d.server_url();
    let out = if root {
        crate::support::command("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", ctl])
            .args(["-s", &url, "status"])
            .output()
            .unwrap()
    } else {
        crate::support::command(ctl)
            .args(["-s", &url, "status"])
            .output()
            .unwrap()
    };
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with(&format!("error: {url}: permission denied: this user (uid ")),
        "{stdout}"
    );
    assert!(stdout.contains("chown= and chmod= in [unix_http_server]"));
}

#[test]
fn chown_gives_the_socket_its_owner() {
    use std::os::unix::fs::MetadataExt;
    // As root the socket can be given away; anyone else can only name themselves.
    let (spec, uid) = if nix::unistd::geteuid().is_root() {
        ("nobody:nogroup".to_string(), 65534)
    } else {
        let me = nix::unistd::User::from_uid(nix::unistd::geteuid())
            .unwrap()
            .unwrap();
        (me.name, me.uid.as_raw())
    };
    let d = Daemon::start(&format!(
        "{}[program:sleeper]\ncommand=/bin/sleep 1000\n",
        SOCKET.replace(
            "file=%(here)s/sv.sock\n",
            &format!("file=%(here)s/sv.sock\nchown={spec}\n")
        )
    ));
    d.wait_for_socket();
    assert_eq!(std::fs::metadata(d.path("sv.sock")).unwrap().uid(), uid);
}

#[test]
fn slow_and_stalled_clients_do_not_stall_the_daemon() {
    use std::io::Write;
    let d = Daemon::start(&format!(
        "{SOCKET}[program:sleeper]\ncommand=/bin/sleep 1000\n"
    ));
    d.wait_for_socket();
    d.expect_log("success: sleeper entered RUNNING state");
    let sock = d.path("sv.sock");
    // Half-sent requests, a huge declared body never sent, and a log follower that
    // never reads: each holds a connection open.
    let mut held = Vec::new();
    for i in 0..100 {
        let mut s = std::os::unix::net::UnixStream::connect(&sock).unwrap();
        let partial: &[u8] = match i % 3 {
            0 => b"POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Le",
            1 => b"POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Length: 900000\r\n\r\n<?xml",
            _ => b"GET /mainlogtail HTTP/1.1\r\nHost: x\r\n\r\n",
        };
        s.write_all(partial).unwrap();
        held.push(s);
    }
    let ctl = env!("CARGO_BIN_EXE_supervisorctl");
    let out = crate::support::command(ctl)
        .args(["-s", &d.server_url(), "status", "sleeper"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .starts_with("sleeper                          RUNNING"),
        "{out:?}"
    );
    drop(held);
}
