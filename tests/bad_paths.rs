//! Bad paths in a config (README, "Security"): a unix socket path the kernel cannot
//! hold, something that is not a socket where the socket should go, NUL bytes in
//! values that end up as paths, names or environment, and a file that is not UTF-8.
//! Each is refused at start-up (exit 2) with a message naming what is wrong, and
//! nothing that is not a socket is ever deleted.

use std::process::Output;
use std::time::Duration;

use crate::support::{Daemon, command};

/// Runs supervisord on `d`'s config in the foreground; it must exit by itself.
fn refused(d: &Daemon) -> Output {
    let mut child = command(env!("CARGO_BIN_EXE_supervisord"))
        .args(["-n", "-c"])
        .arg(d.path("sd.conf"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let exited = crate::support::wait_until(Duration::from_secs(10), || {
        matches!(child.try_wait(), Ok(Some(_)))
    });
    if !exited {
        let _ = child.kill();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        exited,
        "supervisord (pid {pid}) did not exit; stderr so far:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn with_socket(file: &str) -> String {
    format!("[unix_http_server]\nfile={file}\n\n[program:sleeper]\ncommand=/bin/sleep 1000\n")
}

#[test]
fn a_socket_path_too_long_for_the_kernel_says_so() {
    let d = Daemon::configure("");
    let long = d.path(&format!("{}.sock", "s".repeat(120)));
    std::fs::write(
        d.path("sd.conf"),
        std::fs::read_to_string(d.path("sd.conf")).unwrap() + &with_socket(long.to_str().unwrap()),
    )
    .unwrap();
    let out = refused(&d);
    assert_eq!(out.status.code(), Some(2));
    // Python's supervisord words it so (socket.error "AF_UNIX path too long").
    assert!(
        stderr(&out).contains(
            "Error: Cannot open an HTTP server: socket.error reported AF_UNIX path too long\n"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_directory_at_the_socket_path_is_refused_not_looped_on() {
    let d = Daemon::configure(&with_socket("%(here)s/sv.sock"));
    std::fs::create_dir(d.path("sv.sock")).unwrap();
    let out = refused(&d);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "Error: Cannot open an HTTP server: {} exists and is not a socket (a directory)",
            d.path("sv.sock").display()
        )),
        "{err}"
    );
    assert!(!err.contains("Unlinking stale socket"), "{err}");
    assert!(d.path("sv.sock").is_dir());
}

#[test]
fn a_regular_file_at_the_socket_path_is_never_deleted() {
    let d = Daemon::configure(&with_socket("%(here)s/sv.sock"));
    std::fs::write(d.path("sv.sock"), "precious").unwrap();
    let out = refused(&d);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "Error: Cannot open an HTTP server: {} exists and is not a socket (a regular file)",
            d.path("sv.sock").display()
        )),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(d.path("sv.sock")).unwrap(),
        "precious"
    );
}

/// Writes `[supervisord]` + `body` with `line` inserted where `{}` stands, and
/// expects start-up to refuse it naming the file, the line and the option.
#[track_caller]
fn nul_refused(template: &str, option: &str) {
    let d = Daemon::configure("");
    let head = std::fs::read_to_string(d.path("sd.conf")).unwrap();
    let text = format!("{head}{template}");
    let line = 1 + text[..text.find('\0').unwrap()].matches('\n').count();
    std::fs::write(d.path("sd.conf"), &text).unwrap();
    let out = refused(&d);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    let conf = d.path("sd.conf");
    assert!(
        err.contains(&format!(
            "invalid value for '{option}': contains a NUL byte"
        )) && err.contains(&format!("(file: '{}', line {line})", conf.display())),
        "option {option}, line {line}:\n{err}"
    );
}

#[test]
fn nul_bytes_are_refused_at_load_naming_file_line_and_option() {
    let prog = "[program:p]\ncommand=/bin/sleep 1000\n";
    nul_refused("[supervisord]\npidfile=%(here)s/p\0.pid\n", "pidfile");
    nul_refused("[supervisord]\nlogfile=%(here)s/m\0.log\n", "logfile");
    nul_refused("[supervisord]\ndirectory=/tmp\0x\n", "directory");
    nul_refused(&format!("{prog}directory=/tmp\0x\n"), "directory");
    nul_refused(&format!("{prog}environment=A=\"b\0c\"\n"), "environment");
    nul_refused(&format!("{prog}process_name=p\0q\n"), "process_name");
    nul_refused(
        &format!("{prog}stdout_logfile=%(here)s/o\0.log\n"),
        "stdout_logfile",
    );
    nul_refused(
        &format!("{prog}stderr_logfile=%(here)s/e\0.log\n"),
        "stderr_logfile",
    );
}

#[test]
fn a_config_that_is_not_utf8_names_the_line() {
    let d = Daemon::configure("[program:p]\ncommand=/bin/echo caf\u{e9}\n");
    let mut bytes = std::fs::read(d.path("sd.conf")).unwrap();
    // Latin-1 é instead of UTF-8, on the command line.
    let at = bytes
        .windows(2)
        .position(|w| w == "\u{e9}".as_bytes())
        .unwrap();
    bytes.splice(at..at + 2, [0xe9]);
    let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count();
    std::fs::write(d.path("sd.conf"), bytes).unwrap();
    let out = refused(&d);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "could not read config file {}: 'utf-8' codec can't decode byte 0xe9 on line {line}",
            d.path("sd.conf").display()
        )),
        "{err}"
    );
}
