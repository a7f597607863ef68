//! Zero-copy child output (README, "Child output"): when a stream's log file is the
//! only place its bytes go, `splice(2)` moves them from the pipe into the file and
//! the daemon never reads them; when something needs the bytes (a `log:` ready check
//! until it matched, an event listener subscribed to the stream's PROCESS_LOG events
//! while it is there) they are read, and a stream goes from one to the other
//! mid-flood. Every byte lands, in order, with rotation as before; `/metrics` says
//! how many were spliced.

use std::path::Path;

use crate::observability::get_unix;
use crate::support::{DEADLINE, Daemon, SOCKET, read, wait_until};

/// `supervisor_process_log_<what>_bytes_total` of `name`'s stdout.
fn log_bytes(d: &Daemon, what: &str, name: &str) -> u64 {
    let body = get_unix(&d.path("sv.sock"), "/metrics").body;
    let series = format!(
        "supervisor_process_log_{what}_bytes_total{{group=\"{name}\",name=\"{name}\",channel=\"stdout\"}} "
    );
    body.lines()
        .find_map(|l| l.strip_prefix(&series))
        .unwrap_or_else(|| panic!("no {series} in /metrics"))
        .trim()
        .parse()
        .unwrap()
}

fn bytes(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_default()
}

#[test]
fn log_only_output_is_spliced_and_output_something_needs_is_read() {
    let flood = "command=/bin/cat %(here)s/flood.txt\nstartsecs=0\nautorestart=false\n";
    let d = Daemon::configure(&format!(
        "{SOCKET}[program:plain]\n{flood}stdout_logfile=%(here)s/plain.log\n\
         stdout_logfile_maxbytes=1MB\nstdout_logfile_backups=20\n\n\
         [program:events]\n{flood}stdout_logfile=%(here)s/events.log\nstdout_events_enabled=true\n\n\
         [program:checked]\ncommand=sh -c 'echo READY; exec cat %(here)s/flood.txt'\n\
         ready_check=log:READY\nautorestart=false\nstdout_logfile=%(here)s/checked.log\n"
    ));
    // Numbered lines: any gap, repeat or reordering shows in the comparison.
    let payload: Vec<u8> = (0..150_000)
        .flat_map(|i| format!("{i:09} the quick brown fox jumps over the lazy dog\n").into_bytes())
        .collect();
    std::fs::write(d.path("flood.txt"), &payload).unwrap();
    // At debug level every chunk is logged, so every byte is read: log at info.
    let conf = read(&d.path("sd.conf")).replace("loglevel=debug\n", "loglevel=info\n");
    std::fs::write(d.path("sd.conf"), conf).unwrap();
    let d = d.launch(&["-n"]);
    d.wait_for_socket();
    let total = payload.len() as u64;
    for (name, expected) in [("plain", total), ("events", total), ("checked", total + 6)] {
        assert!(
            wait_until(DEADLINE, || log_bytes(&d, "written", name) == expected),
            "{name}: {} of {expected} bytes written; main log:\n{}",
            log_bytes(&d, "written", name),
            d.main_log()
        );
    }

    // Only the log file needed them: every byte moved by the kernel, rotated as
    // written bytes are, none lost.
    assert_eq!(log_bytes(&d, "spliced", "plain"), total);
    let mut kept = Vec::new();
    for n in (1..=20).rev() {
        kept.extend(bytes(&d.path(&format!("plain.log.{n}"))));
    }
    kept.extend(bytes(&d.path("plain.log")));
    assert!(d.path("plain.log.3").exists(), "no rotation happened");
    assert!(
        kept == payload,
        "plain.log and its backups are not the output"
    );

    // Events are on but nobody subscribed to them (no listener, no watcher): they
    // would go nowhere, so the bytes are not read either.
    assert_eq!(log_bytes(&d, "spliced", "events"), total);
    assert!(bytes(&d.path("events.log")) == payload);

    // The `log:` check reads until it matched (at least `READY`, maybe some of
    // the flood with it), then the kernel moves the rest.
    let spliced = log_bytes(&d, "spliced", "checked");
    assert!(
        spliced > 0 && spliced <= total,
        "{spliced} of {} spliced",
        total + 6
    );
    let mut expected = b"READY\n".to_vec();
    expected.extend_from_slice(&payload);
    assert!(bytes(&d.path("checked.log")) == expected);
    assert!(!d.main_log().contains("cannot write log file"));
}
