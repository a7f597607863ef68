//! Unit tests of the main log: format, filter, queue order, handlers, reopen, errors.

use std::fs;
use std::io::{self, Write};
use std::os::unix::net::UnixDatagram;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use supervisor_config::{LogFile, SupervisordConfig};
use supervisor_model::{ByteSize, LogLevel, OctalMode};
use supervisor_sys::localtime::local_time;

use super::*;

/// 2026-11-24 09:31:27.045 UTC.
const SECS: u64 = 1_795_512_687;

struct Fixed(Mutex<SystemTime>);

impl Fixed {
    fn at(secs: u64, millis: u64) -> Arc<Self> {
        Arc::new(Fixed(Mutex::new(
            UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_millis(millis),
        )))
    }
    fn set(&self, t: SystemTime) {
        *self.0.lock().unwrap() = t;
    }
}

impl Clock for Fixed {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap()
    }
}

/// A `Vec<u8>` sink shared between the log and the test.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Shared {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
    fn opener(&self) -> SinkOpener {
        let me = self.clone();
        Box::new(move || Ok(Box::new(me.clone()) as Box<dyn Write + Send>))
    }
}

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A sink that always fails.
struct Broken;

impl Write for Broken {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        Err(io::Error::from_raw_os_error(28)) // ENOSPC
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn stamp(secs: u64) -> String {
    let t = local_time(secs as i64);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

fn open_with(log: &MainLog, level: LogLevel, file: &Shared) {
    log.open(MainLogSetup {
        format: supervisor_model::LogFormat::Text,
        level,
        file: FileTarget::Sink(file.opener()),
        stdout: None,
    })
    .unwrap();
}

#[test]
fn line_format_is_supervisors() {
    let log = MainLog::with_clock(Fixed::at(SECS, 45));
    let file = Shared::default();
    open_with(&log, LogLevel::Info, &file);
    log.info(format_args!("spawned: '{}' with pid {}", "cat", 1234));
    log.log(LogLevel::Critical, "static text");
    let expected = format!(
        "{s},045 INFO spawned: 'cat' with pid 1234\n{s},045 CRIT static text\n",
        s = stamp(SECS)
    );
    assert_eq!(file.text(), expected);
}

#[test]
fn pure_prefix_format() {
    let mut out = Vec::new();
    write_prefix(&mut out, "2026-01-02 03:04:05", 7, LogLevel::Blather);
    assert_eq!(out, b"2026-01-02 03:04:05,007 BLAT ");
}

#[test]
fn milliseconds_are_truncated_and_seconds_follow_the_clock() {
    let clock = Fixed::at(SECS, 999);
    let log = MainLog::with_clock(clock.clone());
    let file = Shared::default();
    open_with(&log, LogLevel::Info, &file);
    log.log(LogLevel::Info, "a");
    clock.set(UNIX_EPOCH + Duration::from_secs(SECS + 61) + Duration::from_micros(999));
    log.log(LogLevel::Info, "b");
    let expected = format!(
        "{},999 INFO a\n{},000 INFO b\n",
        stamp(SECS),
        stamp(SECS + 61)
    );
    assert_eq!(file.text(), expected);
}

#[test]
fn every_level_has_its_tag_and_the_filter_is_inclusive() {
    let log = MainLog::with_clock(Fixed::at(SECS, 0));
    let file = Shared::default();
    open_with(&log, LogLevel::Blather, &file);
    log.blather(format_args!("1"));
    log.trace(format_args!("2"));
    log.debug(format_args!("3"));
    log.info(format_args!("4"));
    log.warn(format_args!("5"));
    log.error(format_args!("6"));
    log.critical(format_args!("7"));
    let tags: Vec<String> = file
        .text()
        .lines()
        .map(|l| l.split(' ').skip(2).collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        tags,
        [
            "BLAT 1", "TRAC 2", "DEBG 3", "INFO 4", "WARN 5", "ERRO 6", "CRIT 7"
        ]
    );

    let log = MainLog::with_clock(Fixed::at(SECS, 0));
    let file = Shared::default();
    open_with(&log, LogLevel::Warn, &file);
    assert!(!log.enabled(LogLevel::Info));
    assert!(log.enabled(LogLevel::Warn));
    assert!(log.enabled(LogLevel::Critical));
    log.info(format_args!("dropped {}", 1));
    log.warn(format_args!("kept"));
    assert!(file.text().ends_with(" WARN kept\n"));
    assert_eq!(file.text().lines().count(), 1);
    assert_eq!(log.level(), Some(LogLevel::Warn));
}

#[test]
fn messages_before_open_are_queued_then_flushed_crit_warn_info() {
    let log = MainLog::with_clock(Fixed::at(SECS, 0));
    assert!(log.enabled(LogLevel::Blather), "queueing keeps everything");
    assert_eq!(log.level(), None);
    log.log(LogLevel::Info, "info 1");
    log.log(LogLevel::Warn, "warn 1");
    log.log(LogLevel::Critical, "crit 1");
    log.log(LogLevel::Info, "info 2");
    log.log(LogLevel::Warn, "warn 2");
    log.log(LogLevel::Debug, "debug 1");
    let file = Shared::default();
    open_with(&log, LogLevel::Info, &file);
    let messages: Vec<String> = file
        .text()
        .lines()
        .map(|l| l.splitn(3, ' ').nth(2).unwrap().to_owned())
        .collect();
    assert_eq!(
        messages,
        [
            "CRIT crit 1",
            "WARN warn 1",
            "WARN warn 2",
            "INFO info 1",
            "INFO info 2"
        ]
    );
    assert!(log.take_queued().is_empty());
}

#[test]
fn stdout_and_file_get_the_same_lines_multiline_as_is() {
    let log = MainLog::with_clock(Fixed::at(SECS, 1));
    let file = Shared::default();
    let stdout = Shared::default();
    log.open(MainLogSetup {
        format: supervisor_model::LogFormat::Text,
        level: LogLevel::Debug,
        file: FileTarget::Sink(file.opener()),
        stdout: Some(Box::new(stdout.clone())),
    })
    .unwrap();
    log.debug(format_args!("'cat' stdout output:\nline 1\nline 2\n"));
    let expected = format!(
        "{},001 DEBG 'cat' stdout output:\nline 1\nline 2\n\n",
        stamp(SECS)
    );
    assert_eq!(file.text(), expected);
    assert_eq!(stdout.text(), expected);
}

#[test]
fn no_handler_disables_everything() {
    let log = MainLog::with_clock(Fixed::at(SECS, 0));
    log.open(MainLogSetup {
        format: supervisor_model::LogFormat::Text,
        level: LogLevel::Blather,
        file: FileTarget::None,
        stdout: None,
    })
    .unwrap();
    assert!(!log.enabled(LogLevel::Critical));
    log.critical(format_args!("nowhere"));
}

#[test]
fn a_failing_sink_never_panics_and_other_handlers_go_on() {
    let log = MainLog::with_clock(Fixed::at(SECS, 0));
    let stdout = Shared::default();
    log.open(MainLogSetup {
        format: supervisor_model::LogFormat::Text,
        level: LogLevel::Info,
        file: FileTarget::Sink(Box::new(|| Ok(Box::new(Broken) as Box<dyn Write + Send>))),
        stdout: Some(Box::new(stdout.clone())),
    })
    .unwrap();
    log.info(format_args!("one"));
    log.info(format_args!("two"));
    assert_eq!(stdout.text().lines().count(), 2);
    let state = log.lock();
    let Mode::Open(handlers) = &state.mode else {
        panic!("not open")
    };
    let file = handlers.file.as_ref().unwrap().out.as_ref().unwrap();
    assert!(file.reported, "the failure is reported (once)");
}

#[test]
fn open_failure_is_returned_and_the_queue_is_kept() {
    let log = MainLog::with_clock(Fixed::at(SECS, 0));
    log.log(LogLevel::Critical, "early");
    let err = log
        .open(MainLogSetup {
            format: supervisor_model::LogFormat::Text,
            level: LogLevel::Info,
            file: FileTarget::Sink(Box::new(|| Err(io::Error::from_raw_os_error(13)))),
            stdout: None,
        })
        .unwrap_err();
    assert_eq!(err.raw_os_error(), Some(13));
    assert_eq!(
        log.take_queued(),
        [(LogLevel::Critical, "early".to_owned())]
    );
}

fn append_opener(path: &Path) -> SinkOpener {
    let path = path.to_owned();
    Box::new(move || {
        let f = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)?;
        Ok(Box::new(f) as Box<dyn Write + Send>)
    })
}

#[test]
fn reopen_follows_an_external_rename() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("supervisord.log");
    let log = MainLog::with_clock(Fixed::at(SECS, 0));
    log.open(MainLogSetup {
        format: supervisor_model::LogFormat::Text,
        level: LogLevel::Info,
        file: FileTarget::Sink(append_opener(&path)),
        stdout: None,
    })
    .unwrap();
    log.info(format_args!("before"));
    fs::rename(&path, dir.path().join("supervisord.log.1")).unwrap();
    log.info(format_args!("supervisord logreopen"));
    log.reopen().unwrap();
    log.info(format_args!("after"));
    let old = fs::read_to_string(dir.path().join("supervisord.log.1")).unwrap();
    let new = fs::read_to_string(&path).unwrap();
    assert!(old.ends_with(" INFO supervisord logreopen\n"), "{old}");
    assert_eq!(old.lines().count(), 2);
    assert_eq!(new, format!("{},000 INFO after\n", stamp(SECS)));
}

#[test]
fn failed_reopen_drops_file_lines_until_the_next_success() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("sub");
    fs::create_dir(&sub).unwrap();
    let path = sub.join("main.log");
    let log = MainLog::with_clock(Fixed::at(SECS, 0));
    log.open(MainLogSetup {
        format: supervisor_model::LogFormat::Text,
        level: LogLevel::Info,
        file: FileTarget::Sink(append_opener(&path)),
        stdout: None,
    })
    .unwrap();
    fs::remove_file(&path).unwrap();
    fs::remove_dir(&sub).unwrap();
    assert!(log.reopen().is_err());
    log.info(format_args!("lost"));
    fs::create_dir(&sub).unwrap();
    log.reopen().unwrap();
    log.info(format_args!("found"));
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        format!("{},000 INFO found\n", stamp(SECS))
    );
}

#[test]
fn close_queues_again_until_the_next_open() {
    let log = MainLog::with_clock(Fixed::at(SECS, 0));
    let first = Shared::default();
    open_with(&log, LogLevel::Info, &first);
    log.info(format_args!("one"));
    log.close();
    assert_eq!(log.level(), None);
    log.log(LogLevel::Info, "parse info");
    log.log(LogLevel::Warn, "parse warn");
    let second = Shared::default();
    open_with(&log, LogLevel::Debug, &second);
    assert_eq!(first.text().lines().count(), 1);
    let lines: Vec<String> = second.text().lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].ends_with("WARN parse warn"));
    assert!(lines[1].ends_with("INFO parse info"));
}

#[test]
fn concurrent_writers_never_interleave_lines() {
    let log = MainLog::with_clock(Arc::new(SystemClock));
    let file = Shared::default();
    open_with(&log, LogLevel::Info, &file);
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let log = log.clone();
            std::thread::spawn(move || {
                for i in 0..500 {
                    log.info(format_args!("thread {t} line {i}"));
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    let text = file.text();
    assert_eq!(text.lines().count(), 2000);
    for line in text.lines() {
        let parts: Vec<&str> = line.split(' ').collect();
        assert_eq!(parts.len(), 7, "{line}");
        assert_eq!(parts[1].len(), 12, "{line}");
        assert_eq!(parts[2], "INFO");
    }
}

#[test]
fn syslog_target_sends_each_line() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("dev-log");
    let server = UnixDatagram::bind(&socket).unwrap();
    let log = MainLog::with_clock(Fixed::at(SECS, 5));
    log.open(MainLogSetup {
        format: supervisor_model::LogFormat::Text,
        level: LogLevel::Info,
        file: FileTarget::Syslog(socket),
        stdout: None,
    })
    .unwrap();
    log.warn(format_args!("a\nb"));
    let mut buf = [0u8; 512];
    let n = server.recv(&mut buf).unwrap();
    let first = String::from_utf8_lossy(&buf[..n]).into_owned();
    assert!(first.starts_with("<14>"), "{first}");
    assert!(
        first.ends_with(&format!(" supervisord: {},005 WARN a", stamp(SECS))),
        "{first}"
    );
    let n = server.recv(&mut buf).unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).ends_with(",005 WARN b"));
}

fn config(logfile: LogFile, nodaemon: bool, silent: bool) -> SupervisordConfig {
    SupervisordConfig {
        logfile,
        logfile_maxbytes: ByteSize(0),
        logfile_backups: 0,
        logfile_rotate: supervisor_model::Rotate::Size,
        logfile_compress: supervisor_model::Compress::None,
        logformat: supervisor_model::LogFormat::Text,
        loglevel: LogLevel::Debug,
        pidfile: "/tmp/x.pid".into(),
        umask: OctalMode(0o22),
        nodaemon,
        silent,
        minfds: 1024,
        minprocs: 200,
        nocleanup: false,
        childlogdir: "/tmp".into(),
        user: None,
        directory: None,
        strip_ansi: false,
        environment: Vec::new(),
        identifier: "supervisor".into(),
        reload_keeps_running: false,
    }
}

#[test]
fn setup_from_config() {
    let mut asked = None;
    let setup = MainLogSetup::from_config(
        &config(LogFile::Path("/var/log/s.log".into()), true, false),
        |p| {
            asked = Some(p.to_owned());
            Shared::default().opener()
        },
    );
    assert_eq!(asked.as_deref(), Some(Path::new("/var/log/s.log")));
    assert!(matches!(setup.file, FileTarget::Sink(_)));
    assert!(setup.stdout.is_some());
    assert_eq!(setup.level, LogLevel::Debug);

    let setup = MainLogSetup::from_config(&config(LogFile::Syslog, true, true), |_| {
        panic!("no file for syslog")
    });
    assert!(matches!(&setup.file, FileTarget::Syslog(p) if p == Path::new("/dev/log")));
    assert!(setup.stdout.is_none(), "silent");

    let setup = MainLogSetup::from_config(&config(LogFile::None, false, false), |_| {
        panic!("no file for NONE")
    });
    assert!(matches!(setup.file, FileTarget::None));
    assert!(setup.stdout.is_none(), "daemonized");
}

#[test]
fn a_display_impl_that_logs_does_not_deadlock() {
    struct Noisy(MainLog);
    impl std::fmt::Display for Noisy {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            self.0.info(format_args!("inner {}", 1));
            f.write_str("outer")
        }
    }
    let log = MainLog::with_clock(Fixed::at(SECS, 0));
    let file = Shared::default();
    open_with(&log, LogLevel::Info, &file);
    log.info(format_args!("{}", Noisy(log.clone())));
    let text = file.text();
    assert!(
        text.lines().next().unwrap().ends_with("INFO inner 1"),
        "{text}"
    );
    assert!(
        text.lines().nth(1).unwrap().ends_with("INFO outer"),
        "{text}"
    );
}

#[test]
fn rotating_file_sink_rotates_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("supervisord.log");
    let log = MainLog::with_clock(Fixed::at(SECS, 0));
    log.open(MainLogSetup {
        format: supervisor_model::LogFormat::Text,
        level: LogLevel::Info,
        file: FileTarget::Sink(rotating_file_opener(
            &path,
            supervisor_sys::RotatePolicy {
                maxbytes: 60,
                backups: 2,
                ..Default::default()
            },
        )),
        stdout: None,
    })
    .unwrap();
    // Each line is 24 + 5 + 32 + 1 = 62 bytes: every line reaches maxbytes.
    for i in 0..4 {
        log.info(format_args!("line {i} xxxxxxxxxxxxxxxxxxxxxxxxx"));
    }
    let read = |name: &str| fs::read_to_string(dir.path().join(name)).unwrap();
    assert_eq!(read("supervisord.log"), "");
    assert!(read("supervisord.log.1").contains("line 3"));
    assert!(read("supervisord.log.2").contains("line 2"));
    assert!(!dir.path().join("supervisord.log.3").exists());
}

#[test]
fn clear_deletes_and_reopens_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("supervisord.log");
    let cfg = config(LogFile::Path(path.clone()), false, false);
    let log = MainLog::with_clock(Fixed::at(SECS, 0));
    log.open(MainLogSetup::for_config(&cfg)).unwrap();
    log.info(format_args!("old"));
    log.clear(&path).unwrap();
    log.info(format_args!("new"));
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        format!("{},000 INFO new\n", stamp(SECS))
    );
}

#[test]
fn a_batch_writes_its_lines_together_when_the_last_holder_lets_go() {
    let log = MainLog::with_clock(Fixed::at(SECS, 45));
    let file = Shared::default();
    open_with(&log, LogLevel::Info, &file);
    let outer = log.batch();
    log.log(LogLevel::Info, "exited: 'a'");
    {
        let _inner = log.batch();
        log.log(LogLevel::Info, "spawned: 'a'");
    }
    log.log(LogLevel::Debug, "filtered out, as always");
    log.log(LogLevel::Info, "success: 'a'");
    assert_eq!(file.text(), "", "nothing goes out while a batch is held");
    drop(outer);
    let s = stamp(SECS);
    assert_eq!(
        file.text(),
        format!("{s},045 INFO exited: 'a'\n{s},045 INFO spawned: 'a'\n{s},045 INFO success: 'a'\n")
    );
    // Unheld again: a line goes out at once.
    log.log(LogLevel::Warn, "alone");
    assert!(file.text().ends_with("WARN alone\n"));
}

#[test]
fn a_batch_held_long_still_lets_its_lines_out() {
    let log = MainLog::with_clock(Fixed::at(SECS, 45));
    let file = Shared::default();
    open_with(&log, LogLevel::Info, &file);
    let _held = log.batch();
    let line = "x".repeat(1000);
    for _ in 0..(BATCH_LIMIT / 1000 + 1) {
        log.log(LogLevel::Info, &line);
    }
    assert!(file.text().len() >= BATCH_LIMIT, "a batch is bounded");
}
