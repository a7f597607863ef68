//! Memory a client can make the daemon hold (README, "Security"): stalled
//! `/logtail` followers of a chatty child, and large XML-RPC responses. A follower
//! holds a small window whatever the child writes (it reads the log file, so it can
//! catch up; what it falls too far behind on is skipped and said so), and after a
//! burst an idle daemon comes back near its idle size.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

use crate::support::procfs::rss_kb;
use crate::support::{Daemon, SOCKET, wait_until};

fn file_len(p: &Path) -> u64 {
    std::fs::metadata(p).map_or(0, |m| m.len())
}

/// About 3 MB/s of base64 lines on stdout.
const CHATTY: &str = "[program:chatty]\ncommand=/bin/sh -c 'while :; do head -c 30000 /dev/urandom | base64; sleep 0.01; done'\n\
     stdout_logfile=%(here)s/chatty.log\nstdout_logfile_maxbytes=200MB\nstartsecs=0\n";

#[test]
fn stalled_logtail_followers_hold_a_small_window() {
    let d = Daemon::start(&format!("{SOCKET}{CHATTY}"));
    d.wait_for_socket();
    d.expect_log("success: chatty entered RUNNING state");
    let pid = d.daemon_pid();
    let log = d.path("chatty.log");
    assert!(wait_until(Duration::from_secs(10), || file_len(&log) > 1 << 20));
    let baseline = rss_kb(pid);
    // 60 followers that never read what they asked for.
    let mut followers: Vec<UnixStream> = (0..60)
        .map(|_| {
            let mut s = UnixStream::connect(d.path("sv.sock")).unwrap();
            s.write_all(b"GET /logtail/chatty HTTP/1.1\r\nHost: localhost\r\n\r\n")
                .unwrap();
            s
        })
        .collect();
    // The child writes on: 24 MB more, far beyond what any follower took.
    let start = file_len(&log);
    let mut peak = 0;
    assert!(wait_until(Duration::from_secs(30), || {
        peak = peak.max(rss_kb(pid));
        file_len(&log) > start + (24 << 20)
    }));
    let grown = peak.saturating_sub(baseline);
    assert!(grown < 25 * 1024, "60 stalled followers took {grown} kB");
    eprintln!("60 stalled followers: RSS {baseline} kB before, {peak} kB at the peak");

    // One follower reads again: it catches up from the file, and is told what it
    // missed by falling too far behind.
    let mut one = followers.pop().unwrap();
    one.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut seen = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    assert!(
        wait_until(Duration::from_secs(20), || {
            if let Ok(n) = one.read(&mut buf) {
                seen.extend_from_slice(&buf[..n]);
            }
            String::from_utf8_lossy(&seen).contains(" bytes skipped: this follower fell behind <==")
        }),
        "no skip marker in {} bytes",
        seen.len()
    );
    drop(followers);
    drop(one);
    let mut now = 0;
    assert!(
        wait_until(Duration::from_secs(20), || {
            now = rss_kb(pid);
            now < baseline + 8 * 1024
        }),
        "RSS {baseline} kB before the followers, {now} kB after they left"
    );
}

/// One raw XML-RPC call over the unix socket: the response body's length.
fn post(sock: &Path, body: &str) -> usize {
    let mut s = UnixStream::connect(sock).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(
        s,
        "POST /RPC2 HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut all = Vec::new();
    s.read_to_end(&mut all).unwrap();
    let head_end = all.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    assert!(all.starts_with(b"HTTP/1.1 200"), "{:?}", &all[..head_end]);
    all.len() - head_end
}

#[test]
fn large_responses_give_their_memory_back() {
    let programs: String = (0..10)
        .map(|i| format!("[program:p{i}]\ncommand=/bin/sleep 1000\nautostart=false\n\n"))
        .collect();
    let d = Daemon::start(&format!("{SOCKET}{programs}"));
    d.wait_for_socket();
    let pid = d.daemon_pid();
    let call = "<value><struct><member><name>methodName</name><value><string>supervisor.getAllProcessInfo</string></value></member>\
                <member><name>params</name><value><array><data></data></array></value></member></struct></value>";
    let body = format!(
        "<?xml version='1.0'?><methodCall><methodName>system.multicall</methodName><params><param><value><array><data>{}</data></array></value></param></params></methodCall>",
        call.repeat(2500)
    );
    // Warm up (code pages, the runtime's first allocations), then measure.
    post(
        &d.path("sv.sock"),
        "<?xml version='1.0'?><methodCall><methodName>supervisor.getState</methodName></methodCall>",
    );
    assert!(wait_until(Duration::from_secs(5), || rss_kb(pid) > 0));
    let idle = rss_kb(pid);
    let mut peak = 0;
    // Four clients at once, twice: the responses are built on several threads.
    for _ in 0..2 {
        std::thread::scope(|s| {
            let calls: Vec<_> = (0..4)
                .map(|_| s.spawn(|| post(&d.path("sv.sock"), &body)))
                .collect();
            for c in calls {
                let len = c.join().unwrap();
                assert!(len > 16 << 20, "a {len}-byte response");
            }
        });
        peak = peak.max(rss_kb(pid));
    }
    let mut now = 0;
    assert!(
        wait_until(Duration::from_secs(20), || {
            now = rss_kb(pid);
            now < idle + 10 * 1024
        }),
        "RSS {idle} kB idle, {peak} kB at the peak, still {now} kB after"
    );
    eprintln!("large responses: RSS {idle} kB idle, {peak} kB at the peak, {now} kB after");
}
