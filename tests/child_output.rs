//! Children's output end to end, through a real supervisord and real children: byte-
//! exact capture (all 256 byte values, UTF-8), size rotation of a 50 MB flood (a
//! contiguous, byte-exact tail in the current file and its backups; `maxbytes=0`
//! never rotates), `/dev/stdout` with a `maxbytes` (never rotated, no crash),
//! `stdout_syslog`/`stderr_syslog` datagrams read from a socket the test binds, a
//! read-only log directory and a full disk (reported once, the process keeps running,
//! output is written again once possible), and a flooding child that delays neither a
//! quiet child's output nor the control plane.
//!
//! Elsewhere: SIGUSR2 after an external `mv` is
//! `supervisord_options::sigusr2_reopens_the_logs_after_an_external_rotation`; AUTO
//! logs and their cleanup are `supervisord_run::auto_logs_are_removed_at_startup_and_
//! shutdown_unless_nocleanup`.
//!
//! The read-only and full-disk tests mount a tmpfs when run as root (as in CI); as
//! another user they use a mode-555 directory and `/dev/full` instead.

use std::io::{Read, Write};
use std::os::unix::net::{UnixDatagram, UnixStream};
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::{DEADLINE, Daemon, SOCKET, read, wait_until};

/// A config whose `[supervisord]` logs at `level` (floods stay out of a debug log).
fn configure(level: &str, programs: &str) -> Daemon {
    let d = Daemon::configure(programs);
    let conf = read(&d.path("sd.conf")).replace("loglevel=debug\n", &format!("loglevel={level}\n"));
    std::fs::write(d.path("sd.conf"), conf).unwrap();
    d
}

fn bytes(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_default()
}

fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// `supervisorctl status`, with how long it took.
fn ctl_status(d: &Daemon) -> (String, Duration) {
    let began = Instant::now();
    let out = crate::support::command(env!("CARGO_BIN_EXE_supervisorctl"))
        .args(["-s", &d.server_url(), "status"])
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        began.elapsed(),
    )
}

/// `supervisor.sendProcessStdin(name, chars)` over the control socket.
fn send_stdin(d: &Daemon, name: &str, chars: &str) {
    let body = format!(
        "<?xml version='1.0'?><methodCall><methodName>supervisor.sendProcessStdin</methodName>\
         <params><param><value><string>{name}</string></value></param>\
         <param><value><string>{chars}</string></value></param></params></methodCall>"
    );
    let mut s = UnixStream::connect(d.path("sv.sock")).unwrap();
    write!(
        s,
        "POST /RPC2 HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).unwrap();
    assert!(reply.contains("<boolean>1</boolean>"), "{reply}");
}

/// A tmpfs mounted on a temp dir of its own for one test. Dropping it (even on a
/// panic, while a daemon may still hold files there) detaches it lazily, then removes
/// the empty mount point.
struct Tmpfs(tempfile::TempDir);

impl Tmpfs {
    fn mount(options: &str) -> Tmpfs {
        let dir = tempfile::tempdir().unwrap();
        let status = crate::support::command("mount")
            .args(["-t", "tmpfs", "-o", options, "tmpfs"])
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(status.success(), "mount -t tmpfs -o {options} failed");
        Tmpfs(dir)
    }

    fn path(&self) -> &Path {
        self.0.path()
    }

    fn remount(&self, options: &str) {
        let status = crate::support::command("mount")
            .args(["-o", &format!("remount,{options}")])
            .arg(self.path())
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = crate::support::command("umount")
            .arg("-l")
            .arg(self.path())
            .status();
    }
}

#[test]
fn binary_and_utf8_output_is_captured_byte_for_byte() {
    let d = Daemon::configure(
        "[program:bin]\ncommand=/bin/sh -c 'cat %(here)s/payload.bin; exec cat %(here)s/payload.bin >&2'\n\
         stdout_logfile=%(here)s/bin.out\nstderr_logfile=%(here)s/bin.err\nstartsecs=0\nautorestart=false\n\n\
         [program:utf]\ncommand=/bin/cat %(here)s/utf8.txt\nstdout_logfile=%(here)s/utf.out\n\
         startsecs=0\nautorestart=false\n",
    );
    let mut payload: Vec<u8> = (0..=255u8).chain(0..=255u8).collect();
    payload.extend_from_slice(b"\xff\xfe not UTF-8 \xc3\n");
    let utf8 = "héllo wörld ✓ 日本語 🦀\n";
    payload.extend_from_slice(utf8.as_bytes());
    std::fs::write(d.path("payload.bin"), &payload).unwrap();
    std::fs::write(d.path("utf8.txt"), utf8).unwrap();
    let d = d.launch(&["-n"]);
    d.expect_log("exited: bin (exit status 0; expected)");
    d.expect_log("exited: utf (exit status 0; expected)");
    assert!(wait_until(DEADLINE, || bytes(&d.path("bin.out")) == payload));
    assert!(wait_until(DEADLINE, || bytes(&d.path("bin.err")) == payload));
    assert!(wait_until(DEADLINE, || read(&d.path("utf.out")) == utf8));
    // Debug lines as Supervisor writes them: text, or the repr of undecodable bytes.
    d.expect_log(&format!("DEBG 'utf' stdout output:\n{utf8}"));
    d.expect_log("DEBG 'bin' stdout output:\nUndecodable: b'\\x00\\x01\\x02");
    d.expect_log("DEBG 'bin' stderr output:\nUndecodable: b'\\x00\\x01\\x02");
}

#[test]
fn a_50_mb_flood_rotates_into_a_contiguous_exact_tail_and_maxbytes_0_never_rotates() {
    let d = configure(
        "info",
        "[program:rot]\ncommand=/bin/cat %(here)s/flood.txt\nstdout_logfile=%(here)s/rot.log\n\
         stdout_logfile_maxbytes=5MB\nstdout_logfile_backups=3\nstartsecs=0\nautorestart=false\n\n\
         [program:norot]\ncommand=/bin/cat %(here)s/flood.txt\nstdout_logfile=%(here)s/norot.log\n\
         stdout_logfile_maxbytes=0\nstdout_logfile_backups=3\nstartsecs=0\nautorestart=false\n",
    );
    // Numbered lines: any gap, repeat or reordering shows in the comparison.
    let payload: Vec<u8> = (0..800_000)
        .flat_map(|i| {
            format!("{i:09} the quick brown fox jumps over the lazy dog 0123456789\n").into_bytes()
        })
        .collect();
    assert!(payload.len() >= 50_000_000);
    std::fs::write(d.path("flood.txt"), &payload).unwrap();
    let d = d.launch(&["-n"]);
    d.expect_log("exited: rot (exit status 0; expected)");
    d.expect_log("exited: norot (exit status 0; expected)");
    let last = format!("{:09} the quick", 799_999);
    // The exit can be seen before the pipe is drained: wait for the last line.
    assert!(wait_until(DEADLINE, || {
        read(&d.path("rot.log")).contains(&last)
    }));
    assert!(wait_until(DEADLINE, || {
        std::fs::metadata(d.path("norot.log")).is_ok_and(|m| m.len() == payload.len() as u64)
    }));

    let five_mb = 5 * 1024 * 1024;
    let mut kept = Vec::new();
    for n in [3, 2, 1] {
        let backup = bytes(&d.path(&format!("rot.log.{n}")));
        // Rotation happens after the chunk that reaches maxbytes (≤ 128 KiB more).
        assert!(
            backup.len() >= five_mb && backup.len() <= five_mb + 128 * 1024,
            "rot.log.{n} is {} bytes",
            backup.len()
        );
        kept.extend_from_slice(&backup);
    }
    kept.extend_from_slice(&bytes(&d.path("rot.log")));
    assert!(!d.path("rot.log.4").exists());
    assert!(kept.len() < payload.len());
    assert!(
        kept == payload[payload.len() - kept.len()..],
        "the backups and current file are not the exact tail of the output"
    );

    assert!(bytes(&d.path("norot.log")) == payload);
    assert!(!d.path("norot.log.1").exists());
    assert!(!d.main_log().contains("cannot write log file"));
}

#[test]
fn dev_stdout_with_maxbytes_is_never_rotated_and_gets_every_byte() {
    let mut d = configure(
        "info",
        "[program:p]\ncommand=/bin/sh -c 'dd if=%(here)s/payload bs=1500 status=none; exec sleep 1000'\n\
         stdout_logfile=/dev/stdout\nstdout_logfile_maxbytes=1KB\nstdout_logfile_backups=2\n",
    );
    // The main log stays out of supervisord's stdout: only the child's bytes are there.
    let conf = read(&d.path("sd.conf")).replace("[supervisord]\n", "[supervisord]\nsilent=true\n");
    std::fs::write(d.path("sd.conf"), conf).unwrap();
    let payload: Vec<u8> = (0..400)
        .flat_map(|i| format!("line {i:05} of a child writing to /dev/stdout\n").into_bytes())
        .collect();
    std::fs::write(d.path("payload"), &payload).unwrap();
    let mut child = crate::support::command(env!("CARGO_BIN_EXE_supervisord"))
        .arg("-n")
        .arg("-c")
        .arg(d.path("sd.conf"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    d.child = Some(child);
    let got = Arc::new(Mutex::new(Vec::new()));
    let sink = got.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    assert!(
        wait_until(DEADLINE, || got.lock().unwrap().len() >= payload.len()),
        "only {} of {} bytes arrived",
        got.lock().unwrap().len(),
        payload.len()
    );
    assert!(*got.lock().unwrap() == payload);
    d.expect_log("success: p entered RUNNING state");
    assert!(d.child.as_mut().unwrap().try_wait().unwrap().is_none());
    assert!(!Path::new("/dev/stdout.1").exists());
    assert!(!d.main_log().contains("ERRO"), "{}", d.main_log());
    assert_eq!(d.terminate(), 0);
}

#[test]
fn stdout_and_stderr_syslog_send_one_datagram_per_line_tagged_with_the_name() {
    let mut d = configure(
        "info",
        "[program:both]\ncommand=/bin/sh -c 'printf \"one\\ntwo\\n\"; printf \"err\\n\" >&2; exec sleep 1000'\n\
         stdout_logfile=%(here)s/both.out\nstdout_syslog=true\nstderr_syslog=true\n\n\
         [program:old]\ncommand=/bin/sh -c 'printf \"legacy\\n\"; exec sleep 1000'\n\
         stdout_logfile=syslog\n",
    );
    let socket = d.path("syslog.sock");
    let server = UnixDatagram::bind(&socket).unwrap();
    server.set_read_timeout(Some(DEADLINE)).unwrap();
    d.child = Some(
        crate::support::command(env!("CARGO_BIN_EXE_supervisord"))
            .arg("-n")
            .arg("-c")
            .arg(d.path("sd.conf"))
            .env("SUPERVISOR_RS_SYSLOG_SOCKET", &socket)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut messages = Vec::new();
    let mut buf = [0u8; 4096];
    for _ in 0..4 {
        let n = server.recv(&mut buf).expect("a syslog datagram");
        let datagram = std::str::from_utf8(&buf[..n]).unwrap();
        // glibc's syslog(3) header for Python's syslog.syslog: LOG_USER|LOG_INFO, an
        // RFC 3164 time stamp, the ident `supervisord`.
        let (header, message) = datagram.split_at(19);
        assert!(header.starts_with("<14>"), "{datagram:?}");
        let stamp = &header.as_bytes()[4..];
        assert!(
            stamp[3] == b' ' && stamp[6] == b' ' && stamp[9] == b':',
            "{datagram:?}"
        );
        messages.push(
            message
                .strip_prefix(" supervisord: ")
                .unwrap_or_else(|| panic!("{datagram:?}"))
                .to_string(),
        );
    }
    messages.sort();
    assert_eq!(messages, ["both err", "both one", "both two", "old legacy"]);
    // With a log file too, the file gets the bytes as well; `stdout_logfile=syslog`
    // means no file.
    assert_eq!(read(&d.path("both.out")), "one\ntwo\n");
    assert_eq!(d.terminate(), 0);
}

#[test]
fn a_read_only_log_directory_is_reported_and_the_process_still_runs() {
    use std::os::unix::fs::PermissionsExt;
    // Root writes anywhere a mode allows nothing: it gets a read-only mount.
    let mount = is_root().then(|| Tmpfs::mount("ro,size=1m"));
    let spare = tempfile::tempdir().unwrap();
    let ro = match &mount {
        Some(m) => m.path().to_owned(),
        None => {
            let ro = spare.path().join("ro");
            std::fs::create_dir(&ro).unwrap();
            std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
            ro
        }
    };
    let d = Daemon::start(&format!(
        "{SOCKET}[program:p]\ncommand=/bin/sh -c 'while true; do echo out; sleep 0.05; done'\n\
         stdout_logfile={}/p.log\n",
        ro.display()
    ));
    d.wait_for_socket();
    let why = if is_root() {
        "Read-only file system"
    } else {
        "Permission denied"
    };
    d.expect_log(&format!(
        "ERRO cannot write log file {}/p.log of 'p': {why}",
        ro.display()
    ));
    d.expect_log("success: p entered RUNNING state");
    // The process is still under control: stop and start it.
    let ctl = |args: &[&str]| {
        let out = crate::support::command(env!("CARGO_BIN_EXE_supervisorctl"))
            .args(["-s", &d.server_url()])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(ctl(&["stop", "p"]), "p: stopped\n");
    assert_eq!(ctl(&["start", "p"]), "p: started\n");
    assert!(ctl(&["status", "p"]).contains("RUNNING"));
    assert!(wait_until(DEADLINE, || d.count("'p' stdout output:") >= 5));
    assert_eq!(d.count("cannot write log file"), 1);
    // Writable again: the next output opens the file.
    match &mount {
        Some(m) => m.remount("rw"),
        None => std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap(),
    }
    d.expect_log(&format!(
        "INFO log file {}/p.log of 'p' is written again; ",
        ro.display()
    ));
    assert!(wait_until(DEADLINE, || read(&ro.join("p.log")).contains("out\n")));
    drop(d);
}

#[test]
fn a_full_disk_is_reported_once_the_process_runs_on_and_output_resumes_with_room() {
    let program = |log: &str| {
        format!(
            "{SOCKET}[program:p]\ncommand=/bin/sh -c 'i=0; while true; do printf \"%%01000d\\n\" $i; i=$((i+1)); sleep 0.02; done'\n\
             stdout_logfile={log}\n"
        )
    };
    if !is_root() {
        // No mount without root: /dev/full fails every write with ENOSPC.
        let d = Daemon::start(&program("/dev/full"));
        d.expect_log("ERRO cannot write log file /dev/full of 'p': No space left on device");
        assert!(wait_until(DEADLINE, || d.count("'p' stdout output:") >= 5));
        assert_eq!(d.count("cannot write log file"), 1);
        d.wait_for_socket();
        d.expect_log("success: p entered RUNNING state");
        assert!(ctl_status(&d).0.contains("RUNNING"));
        return;
    }
    let mount = Tmpfs::mount("size=256k");
    let disk = mount.path();
    let d = Daemon::start(&program(&format!("{}/p.log", disk.display())));
    d.wait_for_socket();
    let log = disk.join("p.log");
    assert!(wait_until(DEADLINE, || read(&log).len() > 3000));
    // Fill the disk.
    let filler_path = disk.join("filler");
    let mut filler = std::fs::File::create(&filler_path).unwrap();
    let block = vec![b'x'; 4096];
    while filler.write_all(&block).is_ok() {}
    drop(filler);
    d.expect_log(&format!(
        "ERRO cannot write log file {} of 'p': No space left on device",
        log.display()
    ));
    d.expect_log("success: p entered RUNNING state");
    let before = d.count("'p' stdout output:");
    assert!(wait_until(DEADLINE, || d.count("'p' stdout output:") >= before + 10));
    assert_eq!(d.count("cannot write log file"), 1);
    let (status, _) = ctl_status(&d);
    assert!(
        status.starts_with(&format!("{:<33}RUNNING", "p")),
        "{status}"
    );
    let size_when_full = bytes(&log).len();
    // Room again: the output is written again, the loss counted in the main log.
    std::fs::remove_file(&filler_path).unwrap();
    d.expect_log(&format!(
        "INFO log file {} of 'p' is written again; ",
        log.display()
    ));
    let main = d.main_log();
    let dropped: u64 = main
        .split("is written again; ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(dropped >= 1001, "{main}");
    assert!(wait_until(DEADLINE, || bytes(&log).len() > size_when_full + 5000));
    drop(d);
}

#[test]
fn a_flooding_child_delays_neither_a_quiet_child_nor_the_control_plane() {
    let d = configure(
        "info",
        &format!(
            "{SOCKET}[program:flood]\ncommand=/usr/bin/yes flood-flood-flood-flood-flood-flood-flood\n\
             stdout_logfile=%(here)s/flood.log\nstdout_logfile_maxbytes=5MB\nstdout_logfile_backups=1\n\n\
             [program:quiet]\ncommand=/bin/cat\nstdout_logfile=%(here)s/quiet.log\n"
        ),
    )
    .launch(&["-n"]);
    d.wait_for_socket();
    d.expect_log("success: flood entered RUNNING state");
    d.expect_log("success: quiet entered RUNNING state");
    let flood = d.path("flood.log.1");
    assert!(
        wait_until(DEADLINE, || flood.exists()),
        "the flood never rotated"
    );
    let flood_moves = || {
        std::fs::metadata(d.path("flood.log"))
            .map(|m| m.len())
            .unwrap_or(0)
    };
    for i in 0..5 {
        let line = format!("poke {i}\n");
        let began = Instant::now();
        send_stdin(&d, "quiet", &line);
        assert!(wait_until(DEADLINE, || read(&d.path("quiet.log")).contains(&line)));
        let took = began.elapsed();
        assert!(
            took < Duration::from_secs(1),
            "the quiet child's line took {took:?}"
        );
        let (status, took) = ctl_status(&d);
        assert!(took < Duration::from_secs(5), "status took {took:?}");
        for name in ["flood", "quiet"] {
            assert!(status.contains(&format!("{name:<33}RUNNING")), "{status}");
        }
    }
    // The flood was still going on.
    let size = flood_moves();
    assert!(wait_until(DEADLINE, || flood_moves() != size));
}
