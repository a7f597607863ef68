//! Zero-copy child output (README, "Child output"): when a stream's log file is the
//! only place its bytes go, `splice(2)` moves them from the pipe into the file and
//! the daemon never reads them; when something needs the bytes (a `log:` ready check
//! until it matched, an event listener or a gRPC watcher of the stream's PROCESS_LOG
//! events while it is there) they are read, and a stream goes from one to the other
//! mid-flood. Every byte lands, in order, with rotation as before; `/metrics` says
//! how many were spliced.

use std::path::Path;

use serde_json::Value;

use crate::observability::get_unix;
use crate::support::tree::{HEADER, ctl, write};
use crate::support::{DEADLINE, Daemon, SOCKET, read, wait_until};

/// `supervisor_process_log_<what>_bytes_total` of `name`'s stdout.
fn log_bytes(d: &Daemon, what: &str, name: &str) -> u64 {
    series(&get_unix(&d.path("sv.sock"), "/metrics").body, what, name)
}

/// `(written, spliced)` bytes of `name`'s stdout, from one scrape.
fn totals(d: &Daemon, name: &str) -> (u64, u64) {
    let body = get_unix(&d.path("sv.sock"), "/metrics").body;
    (
        series(&body, "written", name),
        series(&body, "spliced", name),
    )
}

/// `supervisor_process_log_<what>_bytes_total` of `name`'s stdout in a scrape; 0
/// while it is not there (the control socket is bound before the processes are
/// registered, and the waits poll from then on).
fn series(body: &str, what: &str, name: &str) -> u64 {
    let series = format!(
        "supervisor_process_log_{what}_bytes_total{{group=\"{name}\",name=\"{name}\",channel=\"stdout\"}} "
    );
    body.lines()
        .find_map(|l| l.strip_prefix(&series))
        .map_or(0, |v| v.trim().parse().unwrap())
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

/// One line of tests/spliced/flood.py.
fn flood_line(i: u64) -> String {
    format!("{i:09} the quick brown fox jumps over the lazy dog\n")
}

/// A steady flood (tests/spliced/flood.py) with PROCESS_LOG_STDOUT events on and
/// its log rotated every 256 KB, and, if `listener`, a listener pool subscribed to
/// PROCESS_LOG. At `info`: a debug main log would need every byte.
fn flood_config(listener: bool) -> String {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut conf = format!(
        "{}{SOCKET}[program:flood]\ncommand=python3 {} %(here)s/stop %(here)s/done\n\
         startsecs=0\nautorestart=false\nstdout_events_enabled=true\n\
         stdout_logfile=%(here)s/flood.log\nstdout_logfile_maxbytes=256KB\nstdout_logfile_backups=100\n",
        HEADER.replace("loglevel=debug\n", "loglevel=info\n"),
        tests.join("spliced/flood.py").display()
    );
    if listener {
        conf.push_str(&format!(
            "\n[eventlistener:listener]\ncommand=python3 {} %(here)s/heard.jsonl\n\
             events=PROCESS_LOG\nstartsecs=0\n",
            tests.join("events/listener.py").display()
        ));
    }
    conf
}

/// The data of each event the listener recorded (complete records only), in order.
fn heard(d: &Daemon) -> Vec<String> {
    let text = read(&d.path("heard.jsonl"));
    text.split_inclusive('\n')
        .filter(|l| l.ends_with('\n'))
        .map(|l| {
            let record: Value = serde_json::from_str(l).unwrap();
            let header = record["header"].as_str().unwrap();
            assert!(
                header.contains(" eventname:PROCESS_LOG_STDOUT "),
                "{header}"
            );
            let payload = record["payload"].as_str().unwrap();
            let (head, data) = payload.split_once('\n').unwrap();
            assert!(
                head.starts_with("processname:flood groupname:flood pid:"),
                "{head}"
            );
            data.to_string()
        })
        .collect()
}

/// flood.log's backups, oldest first, then flood.log.
fn flood_logs(d: &Daemon) -> Vec<u8> {
    let mut kept = Vec::new();
    for n in (1..=100).rev() {
        kept.extend(bytes(&d.path(&format!("flood.log.{n}"))));
    }
    kept.extend(bytes(&d.path("flood.log")));
    kept
}

/// Issue 20: a stream with `stdout_events_enabled` is spliced while no pool takes
/// its events (they would go nowhere, as in Supervisor), read while a listener
/// subscribed to them is there, and spliced again once it left, all mid-flood and
/// across rotations, without losing, repeating or reordering a byte.
#[test]
fn events_output_is_read_only_while_a_listener_is_subscribed_to_it() {
    let d = Daemon::configure("");
    write(&d, "sd.conf", &flood_config(false));
    let d = d.launch(&["-n"]);
    d.wait_for_socket();
    const SOME: u64 = 512 * 1024;

    // Nobody subscribed: every byte is spliced (one read would leave the written
    // bytes ahead of the spliced ones for good).
    assert!(
        wait_until(DEADLINE, || {
            let (written, spliced) = totals(&d, "flood");
            spliced >= SOME && written == spliced
        }),
        "not all spliced before a listener: {:?}",
        totals(&d, "flood")
    );

    // A listener joins mid-stream: once it heard the stream, nothing is spliced
    // while more than a rotation's worth is read and handed to it.
    write(&d, "sd.conf", &flood_config(true));
    assert_eq!(
        ctl(&d, "update"),
        ("listener: added process group\n".into(), 0)
    );
    assert!(
        wait_until(DEADLINE, || !heard(&d).is_empty()),
        "the listener heard nothing; main log:\n{}",
        d.main_log()
    );
    let (written, spliced) = totals(&d, "flood");
    let events = heard(&d).len();
    assert!(
        wait_until(DEADLINE, || {
            heard(&d).len() >= events + 20 && totals(&d, "flood").0 >= written + SOME
        }),
        "the flood stalled while the listener was subscribed"
    );
    assert_eq!(totals(&d, "flood").1, spliced, "spliced while subscribed");

    // It leaves: spliced again.
    write(&d, "sd.conf", &flood_config(false));
    assert_eq!(
        ctl(&d, "update"),
        (
            "listener: stopped\nlistener: removed process group\n".into(),
            0
        )
    );
    assert!(
        wait_until(DEADLINE, || totals(&d, "flood").1 >= spliced + SOME),
        "not spliced again after the listener left: {:?}",
        totals(&d, "flood")
    );

    // Every line the program wrote is in the log and its backups, once, in order.
    write(&d, "stop", "");
    let mut done = String::new();
    assert!(wait_until(DEADLINE, || {
        done = read(&d.path("done"));
        !done.is_empty()
    }));
    let stream: String = (0..done.parse().unwrap()).map(flood_line).collect();
    assert!(
        wait_until(DEADLINE, || totals(&d, "flood").0 == stream.len() as u64),
        "{:?} of {} bytes written",
        totals(&d, "flood"),
        stream.len()
    );
    assert!(d.path("flood.log.3").exists(), "no rotation happened");
    assert!(
        !d.path("flood.log.100").exists(),
        "the backups may have lost output"
    );
    let kept = flood_logs(&d);
    let differs = kept.iter().zip(stream.as_bytes()).position(|(a, b)| a != b);
    assert!(
        kept == stream.as_bytes(),
        "the logs ({} bytes) are not the output ({} bytes); first difference at {differs:?}",
        kept.len(),
        stream.len()
    );

    // What the listener heard is the stream, in order: each event's data a slice
    // of it, after the one before.
    let mut from = 0;
    for data in heard(&d) {
        assert!(!data.is_empty());
        let at = stream[from..].find(&data).unwrap_or_else(|| {
            panic!(
                "heard {:?}… which is not next in the stream",
                &data[..data.len().min(80)]
            )
        });
        from += at + data.len();
    }
    assert!(!d.main_log().contains("cannot write log file"));
}

/// Issue 20, watchers: a gRPC watcher of state changes leaves an events stream
/// spliced; one of PROCESS_LOG has it read (and sees it whole) while it watches, and
/// once it hung up the stream is spliced again.
#[test]
fn a_grpc_watcher_has_an_events_stream_read_only_while_it_watches_output() {
    let d = Daemon::configure(&format!(
        "{SOCKET}[program:talker]\n\
         command=sh -c 'i=0; while :; do echo \"line $i\"; i=$((i+1)); sleep 0.01; done'\n\
         startsecs=0\nstdout_events_enabled=true\nstdout_logfile=%(here)s/talker.log\n"
    ));
    let conf = read(&d.path("sd.conf")).replace("loglevel=debug\n", "loglevel=info\n");
    write(&d, "sd.conf", &conf);
    let d = d.launch(&["-n"]);
    d.wait_for_socket();
    // Spliced, and more of it since `from`: nothing was read.
    let all_spliced_past = |from: u64| {
        wait_until(DEADLINE, || {
            let (written, spliced) = totals(&d, "talker");
            spliced >= from + 100 && written == spliced
        })
    };
    assert!(all_spliced_past(0), "{:?}", totals(&d, "talker"));

    let client = crate::grpc_api::client_command(&d, "watchers")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    assert!(wait_until(DEADLINE, || d.path("states-live").exists()));
    let (_, spliced) = totals(&d, "talker");
    assert!(
        all_spliced_past(spliced),
        "read while only states were watched: {:?}",
        totals(&d, "talker")
    );
    write(&d, "states-checked", "");
    let out = client.wait_with_output().unwrap();
    assert!(out.status.success(), "the gRPC client failed");
    let seen: Value = serde_json::from_slice(&out.stdout).unwrap();

    // What the output watcher got was read, not spliced: consecutive whole lines.
    let data: String = seen["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let numbers: Vec<u64> = data
        .lines()
        .map(|l| l.strip_prefix("line ").unwrap().parse().unwrap())
        .collect();
    assert!(
        data.ends_with('\n') && numbers.windows(2).all(|w| w[1] == w[0] + 1),
        "{data:?}"
    );
    let (written, spliced) = totals(&d, "talker");
    assert!(written - spliced >= data.len() as u64);
    // It hung up: spliced again, and once it is, no byte more is read.
    let spliced_past = |from: u64| wait_until(DEADLINE, || totals(&d, "talker").1 >= from + 100);
    assert!(
        spliced_past(spliced),
        "not spliced again after the watcher left: {:?}",
        totals(&d, "talker")
    );
    let (written, spliced) = totals(&d, "talker");
    assert!(spliced_past(spliced));
    let (written_now, spliced_now) = totals(&d, "talker");
    assert_eq!(written_now - spliced_now, written - spliced, "still read");
}
