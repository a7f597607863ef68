//! Buffers a client or a child could grow without end (README, "Security"): bytes
//! sent with `sendProcessStdin` to a child that never reads them, and an event
//! listener that writes a result line without ever ending it. Both have a documented
//! limit (README, "Security"), and going past it is a clear fault or protocol error,
//! never memory.

use crate::support::procfs::rss_kb;
use crate::support::{Daemon, SOCKET, oracle_python};

#[test]
fn stdin_for_a_child_that_does_not_read_is_bounded() {
    let d = Daemon::start(&format!(
        "{SOCKET}[program:deaf]\ncommand=/bin/sleep 1000\nstartsecs=0\n"
    ));
    d.wait_for_socket();
    d.expect_log("success: deaf entered RUNNING state");
    let pid = d.daemon_pid();
    let before = rss_kb(pid);
    // Ten 256 KiB writes to a child that reads nothing: each call's outcome.
    let script = "\
import sys, xmlrpc.client
from supervisor.xmlrpc import SupervisorTransport
s = xmlrpc.client.ServerProxy('http://127.0.0.1', transport=SupervisorTransport(None, None, 'unix://' + sys.argv[1]))
chunk = 'x' * (256 << 10)
for _ in range(10):
    try:
        s.supervisor.sendProcessStdin('deaf', chunk)
        print('ok')
    except xmlrpc.client.Fault as f:
        print(f.faultCode, f.faultString)
";
    let out = crate::support::command(oracle_python(&[]))
        .args(["-c", script])
        .arg(d.path("sv.sock"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    // At most 1 MiB may wait for the child: four writes are queued, the rest are
    // refused (a write counts until the child has read all of it).
    let refused = "30 FAILED: deaf: stdin queue full (at most 1048576 bytes may wait for the child to read them)";
    let mut expected = vec!["ok"; 4];
    expected.extend([refused; 6]);
    assert_eq!(lines, expected);
    let grown = rss_kb(pid).saturating_sub(before);
    assert!(grown < 40 * 1024, "RSS grew by {grown} kB");
    // The process itself is untouched.
    assert_eq!(d.count("entered RUNNING state"), 1);
}

#[test]
fn a_listener_writing_an_endless_result_line_is_a_protocol_error() {
    // READY, then for the event: "RESULT " and digits forever, never a newline.
    let listener = "import sys\n\
sys.stdout.write('READY\\n'); sys.stdout.flush()\n\
sys.stdin.readline()\n\
sys.stdout.write('RESULT '); sys.stdout.flush()\n\
while True:\n    sys.stdout.write('1' * 65536); sys.stdout.flush()\n";
    let python = oracle_python(&[]);
    let d = Daemon::configure(&format!(
        "{SOCKET}[eventlistener:endless]\ncommand={} %(here)s/listener.py\nevents=PROCESS_STATE\nstartsecs=0\n\n\
         [program:trigger]\ncommand=/bin/sleep 1000\nstartsecs=0\n",
        python.display()
    ));
    std::fs::write(d.path("listener.py"), listener).unwrap();
    let d = d.launch(&["-n"]);
    d.expect_log("endless: result line longer than 1024 bytes");
    d.expect_log("endless: has entered the UNKNOWN state");
    let pid = d.daemon_pid();
    assert!(rss_kb(pid) < 100 * 1024, "RSS {} kB", rss_kb(pid));
}
