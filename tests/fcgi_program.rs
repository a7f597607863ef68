//! `[fcgi-program:x]` end to end with the FastCGI server people run under Supervisor:
//! Debian's `php-cgi` supervised, and Debian's `cgi-fcgi -bind -connect` sending it
//! real requests, over TCP and over a unix socket, with several processes sharing the
//! one listening socket (their fd 0), across stop/start cycles and an `update` that
//! moves the socket; and a socket that cannot be made (a port in use, a directory
//! that does not exist) named in the main log while the rest of the daemon runs.
//! `tests/fcgi/ensure-fcgi.sh` installs both programs when they are missing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;

use crate::support::tree::{HEADER, ctl, running, states_of, write};
use crate::support::{DEADLINE, Daemon, SOCKET, free_port, wait_until};

/// `php-cgi`'s path, installing php-cgi and cgi-fcgi first if needed.
fn php_cgi() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let script = supervisor_testkit::repo_root().join("tests/fcgi/ensure-fcgi.sh");
        let out = crate::support::command("bash")
            .arg(script)
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
            .expect("run tests/fcgi/ensure-fcgi.sh");
        assert!(out.status.success(), "tests/fcgi/ensure-fcgi.sh failed");
        PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
    })
}

/// The page every request asks for: it names the php-cgi process that served it.
const PAGE: &str = "<?php echo 'served by ', getmypid(), ' for ', $_GET['q'] ?? '', \"\\n\";\n";

/// An `[fcgi-program:php]` running php-cgi on `socket` (plus `extra` lines).
fn php_section(socket: &str, extra: &str) -> String {
    format!(
        "[fcgi-program:php]\nsocket={socket}\n\
         command={} -d cgi.force_redirect=0\nstartsecs=0\n{extra}\n",
        php_cgi().display()
    )
}

/// One GET of the page through `cgi-fcgi -bind -connect <connect>`: the pid that
/// served it, or `None` when no FastCGI server answered.
fn request(d: &Daemon, connect: &str, q: &str) -> Option<i64> {
    let mut child = crate::support::command("cgi-fcgi")
        .args(["-bind", "-connect", connect])
        .env("SCRIPT_FILENAME", d.path("page.php"))
        .env("REQUEST_METHOD", "GET")
        .env("QUERY_STRING", format!("q={q}"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run cgi-fcgi");
    let mut status = None;
    let done = wait_until(DEADLINE, || {
        status = child.try_wait().unwrap();
        status.is_some()
    });
    if !done {
        let _ = child.kill();
        let _ = child.wait();
        panic!("cgi-fcgi -connect {connect} got no answer");
    }
    let mut out = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut out).unwrap();
    if !status.unwrap().success() {
        return None;
    }
    let line = out.lines().find(|l| l.starts_with("served by "))?;
    let (pid, for_q) = line["served by ".len()..].split_once(" for ")?;
    assert_eq!(for_q, q, "answered another request: {out}");
    pid.parse().ok()
}

/// The socket behind a process's fd 0 (`socket:[inode]`).
fn fd0(pid: i64) -> String {
    std::fs::read_link(format!("/proc/{pid}/fd/0"))
        .map(|p| p.display().to_string())
        .unwrap_or_default()
}

fn start(programs: &str) -> Daemon {
    let d = Daemon::configure(&format!("{SOCKET}{programs}"));
    write(&d, "page.php", PAGE);
    let d = d.launch(&["-n"]);
    d.wait_for_socket();
    d
}

/// Requests until every pid of `pids` has answered one (the kernel hands each
/// connection to whichever process is in `accept`), each answered by one of them.
#[track_caller]
fn all_serve(d: &Daemon, connect: &str, pids: &BTreeMap<String, i64>) {
    let mut seen = std::collections::BTreeSet::new();
    let mut n = 0;
    let all = wait_until(DEADLINE, || {
        n += 1;
        let pid = request(d, connect, &n.to_string()).expect("a FastCGI answer");
        assert!(
            pids.values().any(|p| *p == pid),
            "{pid} is not one of {pids:?}"
        );
        seen.insert(pid);
        seen.len() == pids.len()
    });
    assert!(all, "after {n} requests only {seen:?} of {pids:?} answered");
}

#[test]
fn php_cgi_processes_share_one_tcp_socket_across_stop_and_start() {
    let port = free_port();
    let url = format!("tcp://127.0.0.1:{port}");
    let d = start(&php_section(
        &url,
        "numprocs=3\nprocess_name=%(program_name)s_%(process_num)s\n",
    ));
    let names = ["php:php_0", "php:php_1", "php:php_2"];
    let pids = running(&d, "sd.conf", &names);
    let sockets: Vec<String> = pids.values().map(|p| fd0(*p)).collect();
    assert!(sockets[0].starts_with("socket:["), "fd 0 is {sockets:?}");
    assert!(
        sockets.iter().all(|s| *s == sockets[0]),
        "not one socket: {sockets:?}"
    );
    let connect = format!("127.0.0.1:{port}");
    all_serve(&d, &connect, &pids);
    // Supervisor's lines: the group's early check (created, closed), then the socket
    // created once before the first spawn.
    let creating = format!("INFO Creating socket {url}\n");
    let closing = format!("INFO Closing socket {url}\n");
    assert_eq!(d.count(&creating), 2, "{}", d.main_log());
    assert_eq!(d.count(&closing), 1, "{}", d.main_log());
    let log = d.main_log();
    assert!(log.rfind(&creating) < log.find("spawned: 'php_0'"), "{log}");

    // Closed when the last process has stopped, not before.
    let (out, code) = ctl(&d, "stop php:*");
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out,
        "php:php_0: stopped\nphp:php_1: stopped\nphp:php_2: stopped\n"
    );
    assert_eq!(d.count(&closing), 2, "{}", d.main_log());
    let log = d.main_log();
    let last_stop = names
        .iter()
        .map(|n| log.rfind(&format!("stopped: {}", &n[4..])).unwrap())
        .max();
    assert!(log.rfind(&closing) > last_stop, "closed early:\n{log}");
    assert_eq!(request(&d, &connect, "x"), None, "the port still answers");

    let (out, code) = ctl(&d, "start php:*");
    assert_eq!(code, 0, "{out}");
    let again = running(&d, "sd.conf", &names);
    assert!(again.values().all(|p| !pids.values().any(|old| old == p)));
    all_serve(&d, &connect, &again);
    assert_eq!(d.count(&creating), 3);
}

#[test]
fn php_cgi_on_a_unix_socket_with_its_mode_survives_restart_and_update_moves_it() {
    let d = start(&php_section(
        "unix://%(here)s/php.sock",
        "numprocs=2\nprocess_name=%(program_name)s_%(process_num)s\nsocket_mode=0660\n",
    ));
    let names = ["php:php_0", "php:php_1"];
    let pids = running(&d, "sd.conf", &names);
    let sock = d.path("php.sock");
    let meta = std::fs::metadata(&sock).unwrap();
    assert!(std::os::unix::fs::FileTypeExt::is_socket(&meta.file_type()));
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o777,
        0o660
    );
    let connect = sock.display().to_string();
    all_serve(&d, &connect, &pids);

    let (out, _) = ctl(&d, "restart php:*");
    assert_eq!(
        out,
        "php:php_0: stopped\nphp:php_1: stopped\nphp:php_0: started\nphp:php_1: started\n"
    );
    let again = running(&d, "sd.conf", &names);
    all_serve(&d, &connect, &again);

    // A new socket path: `update` replaces the group, which serves on the new one.
    write(
        &d,
        "sd.conf",
        &format!(
            "{HEADER}{SOCKET}{}",
            php_section(
                "unix://%(here)s/php2.sock",
                "numprocs=2\nprocess_name=%(program_name)s_%(process_num)s\n",
            )
        ),
    );
    let (out, code) = ctl(&d, "update");
    assert_eq!(
        (out.as_str(), code),
        ("php: stopped\nphp: updated process group\n", 0)
    );
    let moved = running(&d, "sd.conf", &names);
    all_serve(&d, &d.path("php2.sock").display().to_string(), &moved);
    d.expect_log(&format!("INFO Closing socket unix://{connect}\n"));
    d.expect_log(&format!(
        "INFO Creating socket unix://{}\n",
        d.path("php2.sock").display()
    ));
}

#[test]
fn a_socket_that_cannot_be_made_fails_its_program_and_nothing_else() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let url = format!("tcp://127.0.0.1:{port}");
    let programs = format!(
        "{}startretries=1\n\n[fcgi-program:nodir]\nsocket=unix:///nonexistent-dir/x.sock\n\
         command=/bin/sleep 1000\nstartretries=0\n\n[program:other]\ncommand=/bin/sleep 1000\n\
         startsecs=0\n",
        php_section(&url, "")
    );
    let mut d = start(&programs);
    let in_use = format!(
        "Could not create FastCGI socket {url} of [fcgi-program:php]: [Errno 98] Address already in use"
    );
    let no_dir = "Could not create FastCGI socket unix:///nonexistent-dir/x.sock of \
                  [fcgi-program:nodir]: [Errno 2] No such file or directory";
    d.expect_log(&format!("ERRO {in_use}\n"));
    d.expect_log(&format!("ERRO {no_dir}\n"));
    let mut states = BTreeMap::new();
    assert!(
        wait_until(DEADLINE, || {
            states = states_of(&d, "sd.conf");
            states.get("php").is_some_and(|s| s.0 == "FATAL")
                && states.get("nodir").is_some_and(|s| s.0 == "FATAL")
                && states.get("other").is_some_and(|s| s.0 == "RUNNING")
        }),
        "{states:?}"
    );
    let (out, _) = ctl(&d, "status php nodir");
    assert!(out.contains(&in_use) && out.contains(no_dir), "{out}");
    let (out, code) = ctl(&d, "start php");
    assert_eq!(out, "php: ERROR (spawn error)\n");
    assert_ne!(code, 0);

    // Once the address is free the program starts.
    assert!(wait_until(DEADLINE, || states_of(&d, "sd.conf")["php"].0 == "FATAL"));
    drop(taken);
    let (out, code) = ctl(&d, "start php");
    assert_eq!((out.as_str(), code), ("php: started\n", 0));
    let states = states_of(&d, "sd.conf");
    assert_eq!(states["php"].0, "RUNNING", "{states:?}");
    assert!(fd0(states["php"].1).starts_with("socket:["));
    assert_eq!(d.terminate(), 0);
}
