//! Our supervisorctl against servers that do not speak our gRPC API: Python's
//! supervisord over TCP with basic auth, one shell session `open`ing Python's and
//! our supervisord in turn (a mixed fleet), and our supervisord behind a proxy that
//! speaks only HTTP/1.1. Each session is played by Python's supervisorctl too, and
//! the two transcripts must be the same bytes once pids and uptimes are masked
//! (`ctl_oracle`'s machinery).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::ctl_oracle::{Run, conf, ctl, mask, start_with};
use crate::support::{DEADLINE, free_port, oracle_python, wait_until};

const RPC: &str = "[rpcinterface:supervisor]\n\
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n";

/// A daemon config: logs in the temp dir, `servers` (socket sections, ending in
/// `[supervisorctl]`), one long-running program named `program`.
fn config(servers: &str, program: &str) -> String {
    format!(
        "[supervisord]\nlogfile=%(here)s/main.log\npidfile=%(here)s/sd.pid\nchildlogdir=%(here)s\n\n\
         {RPC}{servers}\n[program:{program}]\ncommand=/bin/sleep 1000\n\
         stdout_logfile=%(here)s/{program}.out\n"
    )
}

fn venv() -> PathBuf {
    oracle_python(&[]).parent().unwrap().to_path_buf()
}

fn ours_ctl() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_supervisorctl"))
}

fn ours_daemon() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_supervisord"))
}

/// Waits until `program` runs, asking with `ctl_bin` and the config's serverurl.
#[track_caller]
fn running(run: &Run, ctl_bin: &Path, program: &str, args: &str) {
    let mut last = String::new();
    let ok = wait_until(DEADLINE, || {
        last = ctl(ctl_bin, run.dir.path(), &format!("{args} status {program}")).0;
        last.contains("RUNNING")
    });
    assert!(ok, "{program} never ran: {last}");
}

/// `$ <words>`, stdout, stderr and the exit status of each command, masked.
fn transcript(ctl_bin: &Path, run: &Run, commands: &[&str]) -> String {
    let mut out = String::new();
    for words in commands {
        let (stdout, stderr, code) = ctl(ctl_bin, run.dir.path(), words);
        out.push_str(&format!(
            "$ {words}\n{}[stderr]\n{}[exit={code}]\n",
            mask(&stdout, run.dir.path()),
            mask(&stderr, run.dir.path())
        ));
    }
    out
}

#[test]
fn tcp_and_basic_auth_against_python_supervisord_match_python() {
    let port = free_port();
    let servers = format!(
        "[inet_http_server]\nport=127.0.0.1:{port}\nusername=chris\npassword=secret\n\n\
         [supervisorctl]\nserverurl=http://127.0.0.1:{port}\n"
    );
    let venv = venv();
    let run = start_with(&venv.join("supervisord"), &config(&servers, "sleeper"));
    running(&run, ours_ctl(), "sleeper", "-u chris -p secret");
    let commands = [
        "status",
        "-u chris -p wrong status",
        "-u chris -p secret status",
        "-u chris -p secret stop sleeper",
        "-u chris -p secret status sleeper",
        "-u chris -p secret start sleeper",
        "-u chris -p secret tail sleeper",
        "-u chris -p secret avail",
        "-u chris -p secret version",
        "-u chris -p wrong tail -f sleeper",
    ];
    let expected = transcript(&venv.join("supervisorctl"), &run, &commands);
    assert!(
        expected.contains("Server requires authentication"),
        "{expected}"
    );
    assert!(expected.contains("sleeper: started"), "{expected}");
    assert_eq!(transcript(ours_ctl(), &run, &commands), expected);
}

/// Feeds `lines` to the interactive shell of `ctl_bin` (config of `run`); stdout.
fn shell(ctl_bin: &Path, run: &Run, lines: &[String]) -> String {
    let mut child = crate::support::command(ctl_bin)
        .arg("-c")
        .arg(conf(run.dir.path()))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let input: String = lines.iter().map(|l| format!("{l}\n")).collect();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn one_shell_drives_python_and_our_supervisord_in_turn() {
    let venv = venv();
    let python_port = free_port();
    let python = start_with(
        &venv.join("supervisord"),
        &config(
            &format!(
                "[unix_http_server]\nfile=%(here)s/sv.sock\n\n\
                 [inet_http_server]\nport=127.0.0.1:{python_port}\n\n\
                 [supervisorctl]\nserverurl=unix://%(here)s/sv.sock\n"
            ),
            "legacy",
        ),
    );
    let ours = start_with(
        ours_daemon(),
        &config(
            "[unix_http_server]\nfile=%(here)s/sv.sock\n\n\
             [supervisorctl]\nserverurl=unix://%(here)s/sv.sock\n",
            "modern",
        ),
    );
    running(&python, ours_ctl(), "legacy", "");
    running(&ours, ours_ctl(), "modern", "");
    let ours_url = format!("unix://{}", ours.dir.path().join("sv.sock").display());
    let python_tcp = format!("http://127.0.0.1:{python_port}");
    let lines = vec![
        "status".to_string(),
        format!("open {ours_url}"),
        "stop modern".to_string(),
        "status".to_string(),
        format!("open {python_tcp}"),
        "stop legacy".to_string(),
        "start legacy".to_string(),
        format!("open {ours_url}"),
        "start modern".to_string(),
        "pid nosuch".to_string(),
    ];
    let masked = |text: &str| mask(&mask(text, python.dir.path()), ours.dir.path());
    let expected = masked(&shell(&venv.join("supervisorctl"), &python, &lines));
    for needle in ["legacy: started", "modern: stopped", "modern: started"] {
        assert!(expected.contains(needle), "{needle}: {expected}");
    }
    assert_eq!(masked(&shell(ours_ctl(), &python, &lines)), expected);
}

/// A TCP proxy to a unix socket that speaks HTTP/1.1 only, like a reverse proxy
/// without HTTP/2: an HTTP/2 connection preface gets `505` and a close; anything
/// else is relayed byte for byte. Counts the prefaces it refused.
fn http1_only_proxy(socket: PathBuf) -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let refused = Arc::new(AtomicUsize::new(0));
    let count = refused.clone();
    // The thread lives as long as the test binary; each connection ends when
    // either side closes.
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let socket = socket.clone();
            let count = count.clone();
            std::thread::spawn(move || relay(client, &socket, &count));
        }
    });
    (port, refused)
}

fn relay(client: TcpStream, socket: &Path, refused: &AtomicUsize) {
    let mut reader = BufReader::new(client.try_clone().unwrap());
    let mut first = String::new();
    if reader.read_line(&mut first).is_err() {
        return;
    }
    let mut client_w = client;
    if first.starts_with("PRI * HTTP/2.0") {
        refused.fetch_add(1, Ordering::SeqCst);
        let _ = client_w.write_all(
            b"HTTP/1.1 505 HTTP Version Not Supported\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
        return;
    }
    let Ok(upstream) = UnixStream::connect(socket) else {
        return;
    };
    let mut up_w = upstream.try_clone().unwrap();
    let mut up_r = upstream;
    let buffered = reader.buffer().to_vec();
    if up_w.write_all(first.as_bytes()).is_err() || up_w.write_all(&buffered).is_err() {
        return;
    }
    let mut rest = reader.into_inner();
    let upward = std::thread::spawn(move || {
        let _ = std::io::copy(&mut rest, &mut up_w);
        let _ = up_w.shutdown(std::net::Shutdown::Write);
    });
    let mut buf = [0u8; 8192];
    while let Ok(n) = up_r.read(&mut buf) {
        if n == 0 || client_w.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = client_w.shutdown(std::net::Shutdown::Both);
    let _ = upward.join();
}

#[test]
fn our_supervisord_behind_an_http1_only_proxy() {
    let venv = venv();
    let run = start_with(
        ours_daemon(),
        &config(
            "[unix_http_server]\nfile=%(here)s/sv.sock\n\n\
             [supervisorctl]\nserverurl=unix://%(here)s/sv.sock\n",
            "sleeper",
        ),
    );
    running(&run, ours_ctl(), "sleeper", "");
    let (port, refused) = http1_only_proxy(run.dir.path().join("sv.sock"));
    let s = format!("-s http://127.0.0.1:{port}");
    let commands: Vec<String> = [
        "status",
        "stop sleeper",
        "status sleeper",
        "start sleeper",
        "signal HUP nosuch",
        "avail",
        "version",
        "update",
    ]
    .iter()
    .map(|c| format!("{s} {c}"))
    .collect();
    let commands: Vec<&str> = commands.iter().map(String::as_str).collect();
    let expected = transcript(&venv.join("supervisorctl"), &run, &commands);
    assert!(expected.contains("sleeper: started"), "{expected}");
    assert_eq!(refused.load(Ordering::SeqCst), 0, "Python tried HTTP/2");
    assert_eq!(transcript(ours_ctl(), &run, &commands), expected);
    // Every command first tried gRPC and was refused by the proxy.
    assert_eq!(refused.load(Ordering::SeqCst), commands.len());
}

/// An HTTP/1.1 server that answers every request with `status` (a proxy whose
/// backend is down): reads each request whole, answers, closes.
fn failing_http_server(status: &'static str) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(client.try_clone().unwrap());
                let mut length = 0usize;
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                    if line == "\r\n" {
                        break;
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                    line.clear();
                }
                let mut body = vec![0u8; length];
                let _ = reader.read_exact(&mut body);
                let mut client = client;
                let _ = client.write_all(
                    format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                        .as_bytes(),
                );
            });
        }
    });
    port
}

#[test]
fn an_http_error_from_a_proxy_reads_like_python() {
    let venv = venv();
    // Any config with a [supervisorctl] section will do; the daemon is not asked.
    let run = start_with(
        ours_daemon(),
        &config(
            "[unix_http_server]\nfile=%(here)s/sv.sock\n\n\
             [supervisorctl]\nserverurl=unix://%(here)s/sv.sock\n",
            "sleeper",
        ),
    );
    let port = failing_http_server("502 Bad Gateway");
    let commands = [format!("-s http://127.0.0.1:{port} status")];
    let commands: Vec<&str> = commands.iter().map(String::as_str).collect();
    let expected = transcript(&venv.join("supervisorctl"), &run, &commands);
    assert!(
        expected.contains("<ProtocolError for 127.0.0.1/RPC2: 502 Bad Gateway>"),
        "{expected}"
    );
    assert_eq!(transcript(ours_ctl(), &run, &commands), expected);
}
