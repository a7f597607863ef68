//! Rotation by time and gzip'ed backups, child logs and the main log: under a flood
//! every byte is kept, in order, across the compressed backups and the current file
//! (read back with a real gzip decoder); a file last written on an earlier day is
//! rotated before the first line of the new one.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::support::{DEADLINE, Daemon, read, wait_until};

fn gunzip(p: &Path) -> Vec<u8> {
    let out = crate::support::command("gzip")
        .args(["-dc"])
        .arg(p)
        .output()
        .expect("run gzip");
    assert!(out.status.success(), "gzip -dc {}", p.display());
    out.stdout
}

fn backup(base: &Path, n: u32) -> PathBuf {
    PathBuf::from(format!("{}.{n}.gz", base.display()))
}

/// Every backup from the oldest, then the current file.
fn everything(base: &Path) -> Vec<u8> {
    let mut n = 1;
    while backup(base, n).exists() {
        n += 1;
    }
    let mut all = Vec::new();
    for i in (1..n).rev() {
        all.extend_from_slice(&gunzip(&backup(base, i)));
    }
    all.extend_from_slice(&std::fs::read(base).unwrap_or_default());
    all
}

fn age(path: &Path, days: u64) {
    let past = SystemTime::now() - Duration::from_secs(days * 86_400);
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(past)
        .unwrap();
}

#[test]
fn a_flood_keeps_every_byte_across_gzip_backups() {
    let mut d = Daemon::configure(
        "[program:flood]\ncommand=seq 1 300000\nstartsecs=0\nautorestart=false\n\
         stdout_logfile=%(here)s/flood.log\nstdout_logfile_maxbytes=64KB\n\
         stdout_logfile_backups=100\nstdout_logfile_compress=gzip\n\n",
    )
    .launch(&["-n"]);
    d.expect_log("exited: flood (exit status 0; expected)");
    let base = d.path("flood.log");
    // The pipe may still be drained after the exit: wait for the last line, in the
    // current file or, if its write rotated it, in the newest backup.
    let last_line_written = || {
        let end = b"\n300000\n";
        std::fs::read(&base).unwrap_or_default().ends_with(end)
            || std::fs::read_dir(d.dir.path()).unwrap().any(|e| {
                let p = e.unwrap().path();
                p.to_string_lossy().contains(".rotating.")
                    && std::fs::read(&p).unwrap_or_default().ends_with(end)
            })
            || (backup(&base, 1).exists() && gunzip(&backup(&base, 1)).ends_with(end))
    };
    assert!(wait_until(DEADLINE, last_line_written));
    // supervisord finishes the compressions it queued before it exits.
    assert_eq!(d.terminate(), 0);
    let expected: String = (1..=300_000).map(|i| format!("{i}\n")).collect();
    let got = everything(&base);
    assert!(backup(&base, 20).exists(), "it rotated");
    assert!(
        got == expected.as_bytes(),
        "{} bytes kept of {}",
        got.len(),
        expected.len()
    );
    let leftovers: Vec<_> = std::fs::read_dir(d.dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains(".rotating."))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn logs_from_an_earlier_day_are_rotated_and_compressed_first() {
    let d = Daemon::configure(
        "[supervisord]\nlogfile_rotate=daily\nlogfile_compress=gzip\n\n\
         [program:today]\ncommand=sh -c 'echo today; sleep 1000'\nstartsecs=0\n\
         stdout_logfile=%(here)s/today.log\nstdout_logfile_rotate=daily\n\
         stdout_logfile_compress=gzip\n\n",
    );
    let child_log = d.path("today.log");
    std::fs::write(&child_log, "yesterday\n").unwrap();
    age(&child_log, 2);
    let main_log = d.path("main.log");
    std::fs::write(&main_log, "an old main log line\n").unwrap();
    age(&main_log, 2);
    let d = d.launch(&["-n"]);
    assert!(
        wait_until(DEADLINE, || read(&child_log) == "today\n"
            && backup(&child_log, 1).exists()
            && backup(&main_log, 1).exists()),
        "today.log {:?}, files {:?}",
        read(&child_log),
        std::fs::read_dir(d.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect::<Vec<_>>()
    );
    assert_eq!(gunzip(&backup(&child_log, 1)), b"yesterday\n");
    let mut old = String::new();
    std::io::Cursor::new(gunzip(&backup(&main_log, 1)))
        .read_to_string(&mut old)
        .unwrap();
    assert_eq!(old, "an old main log line\n");
    assert!(d.main_log().contains("spawned: 'today'"));
}
