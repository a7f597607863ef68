//! Hostile and careless HTTP clients (README, "Security"): a refused request is
//! answered at once whatever its body does; request headers, request bodies and
//! HTTP/2 streams have deadlines and caps, so no client holds a request open or
//! makes the daemon keep memory; and refused logins are counted per peer instead of
//! logged one by one, never with what the client sent as credentials.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::support::procfs::rss_kb;
use crate::support::{Daemon, SOCKET, wait_until};

const CREDS: &str = "username=chris\npassword=secret\n";

fn with_auth() -> String {
    SOCKET.replace(
        "file=%(here)s/sv.sock\n",
        &format!("file=%(here)s/sv.sock\n{CREDS}"),
    )
}

/// Reads until EOF or `deadline`; what arrived and whether the server closed.
fn read_until_closed(s: &mut UnixStream, deadline: Duration) -> (String, bool) {
    let end = Instant::now() + deadline;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while Instant::now() < end {
        s.set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        match s.read(&mut buf) {
            Ok(0) => return (String::from_utf8_lossy(&got).into_owned(), true),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => return (String::from_utf8_lossy(&got).into_owned(), true),
        }
    }
    (String::from_utf8_lossy(&got).into_owned(), false)
}

#[test]
fn a_refused_request_is_answered_at_once_whatever_its_body_does() {
    let d = Daemon::start(&with_auth());
    d.wait_for_socket();
    let mut s = UnixStream::connect(d.path("sv.sock")).unwrap();
    // A body announced as 1000 bytes, of which 10 are ever sent.
    s.write_all(
        b"POST /RPC2 HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\n0123456789",
    )
    .unwrap();
    let started = Instant::now();
    let mut head = [0u8; 12];
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.read_exact(&mut head)
        .expect("the 401 arrives without waiting for the body");
    assert_eq!(&head, b"HTTP/1.1 401");
    assert!(started.elapsed() < Duration::from_secs(2));
    // The rest of the body is waited for briefly, then the connection is closed.
    let (_, closed) = read_until_closed(&mut s, Duration::from_secs(10));
    assert!(closed, "the connection is still open");
}

#[test]
fn headers_that_never_end_are_cut_off() {
    let d = Daemon::start(SOCKET);
    d.wait_for_socket();
    let mut s = UnixStream::connect(d.path("sv.sock")).unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        .unwrap();
    let started = Instant::now();
    let (got, closed) = read_until_closed(&mut s, Duration::from_secs(25));
    assert!(closed, "still open after {:?}", started.elapsed());
    // The header deadline is 10 s (README, "Security").
    assert!(started.elapsed() >= Duration::from_secs(9), "{got}");
    // A connection that never sends anything is closed the same way.
    let mut idle = UnixStream::connect(d.path("sv.sock")).unwrap();
    let (_, closed) = read_until_closed(&mut idle, Duration::from_secs(25));
    assert!(closed, "an idle new connection is still open");
}

#[test]
fn a_body_that_never_ends_is_cut_off() {
    // No credentials configured: the body is read, but not forever.
    let d = Daemon::start(SOCKET);
    d.wait_for_socket();
    let mut s = UnixStream::connect(d.path("sv.sock")).unwrap();
    s.write_all(
        b"POST /RPC2 HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\n0123456789",
    )
    .unwrap();
    let started = Instant::now();
    let (got, closed) = read_until_closed(&mut s, Duration::from_secs(45));
    assert!(closed, "still open after {:?}: {got}", started.elapsed());
    // The body deadline is 30 s (README, "Security").
    assert!(started.elapsed() >= Duration::from_secs(29), "{got}");
}

/// `n` HTTP/2 connections, each opening `streams` requests whose body never ends:
/// how many were answered before `deadline`.
async fn header_only_flood(sock: PathBuf, n: usize, streams: usize, deadline: Duration) -> usize {
    let mut tasks = Vec::new();
    for _ in 0..n {
        let sock = sock.clone();
        tasks.push(tokio::spawn(async move {
            let io = tokio::net::UnixStream::connect(&sock).await.unwrap();
            let (client, conn) = h2::client::handshake(io).await.unwrap();
            tokio::spawn(conn);
            let mut answered = 0;
            let mut held = Vec::new();
            let work = async {
                for _ in 0..streams {
                    let mut c = client.clone().ready().await.unwrap();
                    let req = http::Request::builder()
                        .method("POST")
                        .uri("http://localhost/supervisor.v1.Supervisor/GetState")
                        .header("content-type", "application/grpc")
                        .body(())
                        .unwrap();
                    let (resp, body) = c.send_request(req, false).unwrap();
                    held.push(body); // never finished
                    if resp.await.is_ok() {
                        answered += 1;
                    }
                }
            };
            let _ = tokio::time::timeout(deadline, work).await;
            answered
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap();
    }
    total
}

#[test]
fn http2_header_only_streams_are_refused_at_once_and_leave_no_memory() {
    let d = Daemon::start(&with_auth());
    d.wait_for_socket();
    let pid = d.daemon_pid();
    let baseline = rss_kb(pid);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let answered = rt.block_on(header_only_flood(
        d.path("sv.sock"),
        30,
        100,
        Duration::from_secs(30),
    ));
    assert_eq!(answered, 3000, "streams refused before the deadline");
    let peak = rss_kb(pid);
    drop(rt);
    // The connections are gone: the memory they used goes back.
    let mut now = 0;
    let settled = wait_until(Duration::from_secs(20), || {
        now = rss_kb(pid);
        now < baseline + 8 * 1024
    });
    assert!(settled, "RSS {baseline} kB before, {now} kB after");
    eprintln!(
        "HTTP/2 header-only flood: RSS {baseline} kB before, {peak} kB during, {now} kB after"
    );
}

#[test]
fn refused_logins_are_counted_per_peer_and_never_name_the_user() {
    let d = Daemon::start(&with_auth());
    d.wait_for_socket();
    // A password typed into the user field, 300 times.
    let token = "aHVudGVyMi1hcy11c2VyOnBhc3M="; // base64("hunter2-as-user:pass")
    for _ in 0..300 {
        let mut s = UnixStream::connect(d.path("sv.sock")).unwrap();
        s.write_all(
            format!("GET / HTTP/1.1\r\nHost: localhost\r\nAuthorization: Basic {token}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .unwrap();
        let (got, _) = read_until_closed(&mut s, Duration::from_secs(5));
        assert!(got.starts_with("HTTP/1.1 401"), "{got}");
    }
    // The first refusal is logged at once, the others counted and summed up at the
    // end of each 10 s interval (one line if the 300 fit in one, as they normally do).
    d.expect_log("authentication failed (wrong credentials)");
    let summed = |log: &str| -> usize {
        log.lines()
            .filter_map(|l| l.split("refused ").nth(1)?.split(" more requests").next())
            .filter_map(|n| n.parse::<usize>().ok())
            .sum()
    };
    assert!(
        wait_until(Duration::from_secs(30), || summed(&d.main_log()) == 299),
        "{}",
        d.main_log()
    );
    let log = d.main_log();
    let lines = log.lines().filter(|l| l.contains("refused")).count();
    assert!(lines <= 4, "{lines} lines for 300 refusals:\n{log}");
    assert!(
        log.contains(&format!("more requests from uid {}", nix::unistd::getuid())),
        "{log}"
    );
    assert!(!log.contains("hunter2"), "{log}");
}
