//! Logs people can ship: `logformat = json` makes every main-log line a JSON object
//! (a JSON parser reads each one; process lines carry their structured fields), and
//! `stdout_logfile_timestamps` stamps each line of child output once, however the
//! child's writes split it, while stderr without the option stays raw.

use crate::support::{DEADLINE, Daemon, read, wait_until};

/// RFC 3339 with milliseconds: `YYYY-MM-DDTHH:MM:SS.mmm` then `Z` or `±HH:MM`.
fn is_rfc3339(t: &str) -> bool {
    let b = t.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        r.into_iter()
            .all(|i| b.get(i).is_some_and(u8::is_ascii_digit))
    };
    let offset = &t.get(23..).unwrap_or("");
    t.len() >= 24
        && digits(0..4)
        && b[4] == b'-'
        && b[10] == b'T'
        && b[19] == b'.'
        && digits(20..23)
        && (*offset == "Z" || (offset.len() == 6 && offset.as_bytes()[3] == b':'))
}

#[test]
fn every_main_log_line_is_json_with_process_fields() {
    let mut d = Daemon::configure(
        "[supervisord]\nlogformat=json\n\n\
         [program:quits]\ncommand=sh -c 'exit 4'\nstartretries=0\n\n\
         [program:web]\ncommand=sh -c 'echo hello; sleep 1000'\nstartsecs=0\n\n",
    )
    .launch(&["-n"]);
    d.expect_log("gave up: quits entered FATAL state");
    d.expect_log("'web' stdout output:\\nhello");
    d.signal(nix::sys::signal::Signal::SIGHUP);
    assert!(wait_until(DEADLINE, || d.count("spawned: 'web'") == 2));
    assert_eq!(d.terminate(), 0);
    let log = d.main_log();
    let mut exited = None;
    for line in log.lines() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line:?}"));
        assert!(is_rfc3339(v["time"].as_str().unwrap()), "{line}");
        assert!(v["level"].is_string() && v["message"].is_string(), "{line}");
        if v["message"].as_str().unwrap().starts_with("exited: quits") {
            exited = Some(v);
        }
    }
    assert!(log.lines().count() > 10, "{log}");
    // Debug output lines span several lines of text: still one object per line.
    assert!(log.contains("\\n"), "no multi-line message in {log}");
    let v = exited.expect("the exit line");
    assert_eq!(v["level"], "warn");
    assert_eq!(v["process"], "quits");
    assert_eq!(v["group"], "quits");
    assert_eq!(v["exit_status"], 4);
    assert_eq!(v["state"], "BACKOFF");
    assert!(v["pid"].as_i64().unwrap() > 0);
}

#[test]
fn timestamps_stamp_each_line_once_across_reads() {
    let d = Daemon::configure(
        "[program:talk]\n\
         command=sh -c 'printf \"par\"; sleep 0.3; printf \"tial\\nwhole\\nsplit \"; sleep 0.3; printf \"end\\n\"; echo raw >&2; sleep 1000'\n\
         stdout_logfile=%(here)s/talk.out\nstderr_logfile=%(here)s/talk.err\n\
         stdout_logfile_timestamps=true\nstartsecs=0\n\n",
    )
    .launch(&["-n"]);
    let out = d.path("talk.out");
    assert!(
        wait_until(DEADLINE, || read(&out).lines().count() == 3
            && read(&d.path("talk.err")) == "raw\n"),
        "talk.out: {:?}",
        read(&out)
    );
    let text = read(&out);
    let lines: Vec<(&str, &str)> = text.lines().map(|l| l.split_once(' ').unwrap()).collect();
    for (stamp, _) in &lines {
        assert!(is_rfc3339(stamp), "{text}");
    }
    let rest: Vec<&str> = lines.iter().map(|(_, r)| *r).collect();
    assert_eq!(rest, ["partial", "whole", "split end"]);
}
