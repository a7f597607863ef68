//! The main log: supervisord's own log (loggers.py, options.py `make_logger`). It owns
//! the line format `YYYY-MM-DD HH:MM:SS,mmm LEVL message\n` (local time), the level
//! filter, the handlers (the log file or syslog, plus stdout when `nodaemon` and not
//! `silent`), the queue of messages logged before the file is open, and SIGUSR2 reopen.
//! It does not rotate (the file sink does: `supervisor_sys::RotatingFile`), does not
//! decide what to log, and never panics or blocks on anything but its own sink.

pub(crate) mod syslog;

use std::cmp::Reverse;
use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use supervisor_config::{LogFile, SupervisordConfig};
use supervisor_model::{ByteSize, LogLevel};
use supervisor_sys::RotatingFile;
use supervisor_sys::localtime::{LocalTime, local_time};

use syslog::SyslogSender;

/// Where `logfile=syslog` lines and `stdout_syslog`/`stderr_syslog` output go.
pub const DEFAULT_SYSLOG_SOCKET: &str = "/dev/log";

/// Names another syslog socket than [`DEFAULT_SYSLOG_SOCKET`]: for tests, which bind
/// their own datagram socket and read what supervisord sends (see README).
pub const SYSLOG_SOCKET_ENV: &str = "SUPERVISOR_RS_SYSLOG_SOCKET";

/// The syslog socket: `$SUPERVISOR_RS_SYSLOG_SOCKET` if set and not empty, else
/// `/dev/log`.
pub fn syslog_socket() -> PathBuf {
    match std::env::var_os(SYSLOG_SOCKET_ENV) {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from(DEFAULT_SYSLOG_SOCKET),
    }
}

/// At most this many messages are kept while the log is not open; more are dropped
/// (startup produces a handful; this only bounds a logger that is never opened).
const QUEUE_LIMIT: usize = 10_000;

/// Opens (and, on `reopen`, re-opens) the log file sink. The lead passes a closure
/// that builds a `supervisor_sys::RotatingFile` from `logfile`, `logfile_maxbytes`
/// and `logfile_backups`; each call must open the file afresh (append mode), as
/// Supervisor's `FileHandler.reopen` does.
pub type SinkOpener = Box<dyn FnMut() -> io::Result<Box<dyn Write + Send>> + Send>;

/// The opener for `logfile=<path>`: a `supervisor_sys::RotatingFile` rotating at
/// `maxbytes` (0 = never) and keeping `backups` old files.
pub fn rotating_file_opener(path: &Path, maxbytes: ByteSize, backups: u32) -> SinkOpener {
    let path = path.to_owned();
    Box::new(move || {
        let file = RotatingFile::open(path.clone(), maxbytes.bytes(), backups)?;
        Ok(Box::new(RotatingSink(file)) as Box<dyn Write + Send>)
    })
}

/// `RotatingFile` as a `Write`: each `write` is one whole line (the log writes a line
/// with a single `write_all`), so rotation is checked once per line, as Supervisor does.
struct RotatingSink(RotatingFile);

impl Write for RotatingSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The file handler of the main log (options.py `make_logger` → `handle_file`).
pub enum FileTarget {
    /// `logfile=NONE`: no file.
    None,
    /// `logfile=syslog`: datagrams to this socket (normally [`DEFAULT_SYSLOG_SOCKET`]).
    Syslog(PathBuf),
    /// A file, opened (and reopened) by the opener.
    Sink(SinkOpener),
}

/// Everything [`MainLog::open`] needs: Supervisor's `make_logger` arguments.
pub struct MainLogSetup {
    pub level: LogLevel,
    pub file: FileTarget,
    /// `Some(stdout)` when `nodaemon` and not `silent` (loggers.py `handle_stdout`).
    pub stdout: Option<Box<dyn Write + Send>>,
}

impl MainLogSetup {
    /// The setup Supervisor derives from `[supervisord]` (after command-line overrides):
    /// `open_file` is called with the log path only when the log is a file.
    pub fn from_config(
        cfg: &SupervisordConfig,
        open_file: impl FnOnce(&Path) -> SinkOpener,
    ) -> Self {
        let file = match &cfg.logfile {
            LogFile::Path(path) => FileTarget::Sink(open_file(path)),
            LogFile::Syslog => FileTarget::Syslog(syslog_socket()),
            // AUTO only means something for child logs; the loader never gives it here.
            LogFile::None | LogFile::Auto => FileTarget::None,
        };
        let stdout: Option<Box<dyn Write + Send>> = if cfg.nodaemon && !cfg.silent {
            Some(Box::new(io::stdout()))
        } else {
            None
        };
        MainLogSetup {
            level: cfg.loglevel,
            file,
            stdout,
        }
    }
}

impl MainLogSetup {
    /// [`MainLogSetup::from_config`] with the file rotated by `logfile_maxbytes` and
    /// `logfile_backups` ([`rotating_file_opener`]): what supervisord uses.
    pub fn for_config(cfg: &SupervisordConfig) -> Self {
        Self::from_config(cfg, |path| {
            rotating_file_opener(path, cfg.logfile_maxbytes, cfg.logfile_backups)
        })
    }
}

/// Where the log's timestamps come from (injectable so tests can freeze time).
pub trait Clock: Send + Sync {
    fn now(&self) -> SystemTime;
}

/// The real wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A cheap, cloneable handle on the one main log, usable from any thread or task.
#[derive(Clone)]
pub struct MainLog {
    inner: Arc<Inner>,
}

struct Inner {
    /// The lowest level written, as a number: 0 while queueing (everything is kept),
    /// `u8::MAX` when open without any handler.
    threshold: AtomicU8,
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
}

struct State {
    mode: Mode,
    /// The line being written, reused so a line costs no allocation here.
    line: Vec<u8>,
    stamp: Option<Stamp>,
}

enum Mode {
    Queueing(Vec<(LogLevel, String)>),
    Open(Handlers),
}

struct Handlers {
    level: LogLevel,
    stdout: Option<Output>,
    file: Option<FileOutput>,
    syslog: Option<(SyslogSender, bool)>,
}

/// The `YYYY-MM-DD HH:MM:SS` of the current second, recomputed once per second.
struct Stamp {
    secs: i64,
    time: LocalTime,
    text: String,
}

/// A writer whose first failure is reported to stderr; later ones are silent.
struct Output {
    writer: Box<dyn Write + Send>,
    reported: bool,
}

struct FileOutput {
    opener: SinkOpener,
    /// `None` after a failed reopen; the next reopen tries again.
    out: Option<Output>,
}

impl MainLog {
    /// A log that queues every message until [`MainLog::open`].
    pub fn new() -> Self {
        Self::with_clock(Arc::new(SystemClock))
    }

    pub fn with_clock(clock: Arc<dyn Clock>) -> Self {
        MainLog {
            inner: Arc::new(Inner {
                threshold: AtomicU8::new(0),
                clock,
                state: Mutex::new(State {
                    mode: Mode::Queueing(Vec::new()),
                    line: Vec::with_capacity(256),
                    stamp: None,
                }),
            }),
        }
    }

    /// Opens the handlers (Supervisor's `make_logger`, startup step 4) and writes the
    /// queued messages: criticals, then warnings, then infos (each in logging order),
    /// those below `setup.level` dropped. If the file cannot be opened, the error is
    /// returned (fatal at startup) and the log keeps queueing. Opening an open log
    /// replaces its handlers.
    pub fn open(&self, setup: MainLogSetup) -> io::Result<()> {
        let (file, syslog) = match setup.file {
            FileTarget::None => (None, None),
            FileTarget::Syslog(path) => (None, Some((SyslogSender::new(path), false))),
            FileTarget::Sink(mut opener) => {
                let writer = opener()?;
                let file = FileOutput {
                    opener,
                    out: Some(Output::new(writer)),
                };
                (Some(file), None)
            }
        };
        let handlers = Handlers {
            level: setup.level,
            stdout: setup.stdout.map(Output::new),
            file,
            syslog,
        };
        let threshold = handlers.threshold();
        let mut state = self.lock();
        let queued = match std::mem::replace(&mut state.mode, Mode::Open(handlers)) {
            Mode::Queueing(queued) => queued,
            Mode::Open(_) => Vec::new(),
        };
        self.inner.threshold.store(threshold, Ordering::Relaxed);
        let mut queued = queued;
        // options.py make_logger: parse_criticals, then parse_warnings, then parse_infos.
        queued.sort_by_key(|(level, _)| Reverse(*level));
        for (level, message) in &queued {
            state.emit(&*self.inner.clock, *level, message);
        }
        Ok(())
    }

    /// Closes the handlers (options.py `close_logger`, before a restart re-reads the
    /// config): the log queues again until the next [`MainLog::open`].
    pub fn close(&self) {
        let mut state = self.lock();
        if let Mode::Open(handlers) = &mut state.mode {
            handlers.flush();
        }
        state.mode = Mode::Queueing(Vec::new());
        self.inner.threshold.store(0, Ordering::Relaxed);
    }

    /// Reopens the log file (SIGUSR2, `clearLog`): the old file is closed and the
    /// opener called again, so an external logrotate's rename is followed. Log
    /// `supervisord logreopen` *before* calling this, as Supervisor does. On failure
    /// the error is reported once to stderr, file lines are dropped until the next
    /// successful reopen, and the error is returned.
    pub fn reopen(&self) -> io::Result<()> {
        let mut state = self.lock();
        let Mode::Open(handlers) = &mut state.mode else {
            return Ok(());
        };
        let Some(file) = &mut handlers.file else {
            return Ok(());
        };
        if let Some(out) = &mut file.out {
            let _ = out.writer.flush();
        }
        file.out = None;
        match (file.opener)() {
            Ok(writer) => {
                file.out = Some(Output::new(writer));
                Ok(())
            }
            Err(e) => {
                report("cannot reopen the main log file", &e);
                Err(e)
            }
        }
    }

    /// `supervisor.clearLog`: deletes the log file at `path` (only if it is a regular
    /// file: never `/dev/stdout`) and opens a fresh one, between two lines.
    pub fn clear(&self, path: &Path) -> io::Result<()> {
        let mut state = self.lock();
        let Mode::Open(handlers) = &mut state.mode else {
            return Ok(());
        };
        let Some(file) = &mut handlers.file else {
            return Ok(());
        };
        file.out = None;
        let removed = match std::fs::metadata(path) {
            Ok(meta) if meta.is_file() => std::fs::remove_file(path),
            _ => Ok(()),
        };
        let reopened = (file.opener)().map(|writer| file.out = Some(Output::new(writer)));
        removed.and(reopened)
    }

    /// Whether a message at `level` would be written (always true while queueing:
    /// the level is applied when the queue is flushed). Use it to skip formatting
    /// debug-only messages.
    pub fn enabled(&self, level: LogLevel) -> bool {
        level as u8 >= self.inner.threshold.load(Ordering::Relaxed)
    }

    /// The level of the open log, `None` while queueing.
    pub fn level(&self) -> Option<LogLevel> {
        match &self.lock().mode {
            Mode::Open(handlers) => Some(handlers.level),
            Mode::Queueing(_) => None,
        }
    }

    /// Writes `message` (as is: multi-line messages stay multi-line) at `level`.
    pub fn log(&self, level: LogLevel, message: &str) {
        if !self.enabled(level) {
            return;
        }
        let mut guard = self.lock();
        let state = &mut *guard;
        if let Mode::Queueing(queue) = &mut state.mode {
            if queue.len() < QUEUE_LIMIT {
                queue.push((level, message.to_owned()));
            }
            return;
        }
        state.emit(&*self.inner.clock, level, message);
    }

    /// Formats (only if `level` is enabled) and writes a message.
    pub fn log_args(&self, level: LogLevel, args: fmt::Arguments<'_>) {
        if !self.enabled(level) {
            return;
        }
        match args.as_str() {
            Some(text) => self.log(level, text),
            // Formatted outside the lock: a Display impl may itself log.
            None => self.log(level, &args.to_string()),
        }
    }

    pub fn critical(&self, args: fmt::Arguments<'_>) {
        self.log_args(LogLevel::Critical, args);
    }
    pub fn error(&self, args: fmt::Arguments<'_>) {
        self.log_args(LogLevel::Error, args);
    }
    pub fn warn(&self, args: fmt::Arguments<'_>) {
        self.log_args(LogLevel::Warn, args);
    }
    pub fn info(&self, args: fmt::Arguments<'_>) {
        self.log_args(LogLevel::Info, args);
    }
    pub fn debug(&self, args: fmt::Arguments<'_>) {
        self.log_args(LogLevel::Debug, args);
    }
    pub fn trace(&self, args: fmt::Arguments<'_>) {
        self.log_args(LogLevel::Trace, args);
    }
    pub fn blather(&self, args: fmt::Arguments<'_>) {
        self.log_args(LogLevel::Blather, args);
    }

    /// Takes the messages queued so far (e.g. to print them to stderr when startup
    /// fails before the log could be opened). Empty when the log is open.
    pub fn take_queued(&self) -> Vec<(LogLevel, String)> {
        match &mut self.lock().mode {
            Mode::Queueing(queue) => std::mem::take(queue),
            Mode::Open(_) => Vec::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves a consistent state (at worst a partial
        // line buffer, which is cleared before use), so poisoning is ignored.
        self.inner
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Default for MainLog {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for MainLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MainLog")
            .field("threshold", &self.inner.threshold.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl State {
    /// Formats one record and hands it to every handler (stdout first, then the file
    /// or syslog, the order `make_logger` adds them).
    fn emit(&mut self, clock: &dyn Clock, level: LogLevel, message: &str) {
        let Mode::Open(handlers) = &mut self.mode else {
            return;
        };
        if level < handlers.level {
            return;
        }
        let (secs, millis) = split_time(clock.now());
        let stamp = match &mut self.stamp {
            Some(stamp) if stamp.secs == secs => stamp,
            slot => slot.insert(Stamp::new(secs)),
        };
        self.line.clear();
        write_prefix(&mut self.line, &stamp.text, millis, level);
        let prefix_len = self.line.len();
        self.line.extend_from_slice(message.as_bytes());
        self.line.push(b'\n');
        if let Some(out) = &mut handlers.stdout {
            out.write_line(&self.line, "stdout");
        }
        if let Some(out) = handlers.file.as_mut().and_then(|f| f.out.as_mut()) {
            out.write_line(&self.line, "the main log file");
        }
        if let Some((sender, reported)) = &mut handlers.syslog
            && let Err(e) = sender.send(&stamp.time, &self.line[..prefix_len], message)
            && !*reported
        {
            *reported = true;
            report("cannot write the main log to syslog", &e);
        }
    }
}

impl Handlers {
    fn threshold(&self) -> u8 {
        if self.stdout.is_none() && self.file.is_none() && self.syslog.is_none() {
            u8::MAX
        } else {
            self.level as u8
        }
    }

    fn flush(&mut self) {
        if let Some(out) = &mut self.stdout {
            let _ = out.writer.flush();
        }
        if let Some(out) = self.file.as_mut().and_then(|f| f.out.as_mut()) {
            let _ = out.writer.flush();
        }
    }
}

impl Output {
    fn new(writer: Box<dyn Write + Send>) -> Self {
        Output {
            writer,
            reported: false,
        }
    }

    /// One `write_all` per line, then a flush (Supervisor flushes every record), so
    /// readers of the file never see half a line from us.
    fn write_line(&mut self, line: &[u8], what: &str) {
        let result = self
            .writer
            .write_all(line)
            .and_then(|()| self.writer.flush());
        if let Err(e) = result
            && !self.reported
        {
            self.reported = true;
            report(&format!("cannot write to {what}"), &e);
        }
    }
}

impl Stamp {
    fn new(secs: i64) -> Self {
        let time = local_time(secs);
        let text = format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            time.year, time.month, time.day, time.hour, time.minute, time.second
        );
        Stamp { secs, time, text }
    }
}

/// Whole seconds and truncated milliseconds, as loggers.py `LogRecord.asdict`
/// (`'%03d' % ((now - long(now)) * 1000)`).
fn split_time(now: SystemTime) -> (i64, u32) {
    match now.duration_since(UNIX_EPOCH) {
        Ok(d) => (
            i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            d.subsec_millis(),
        ),
        Err(_) => (0, 0),
    }
}

/// `<asctime> <LEVL> ` where asctime is `YYYY-MM-DD HH:MM:SS,mmm`.
fn write_prefix(out: &mut Vec<u8>, seconds_text: &str, millis: u32, level: LogLevel) {
    out.extend_from_slice(seconds_text.as_bytes());
    // Writing to a Vec cannot fail.
    let _ = write!(out, ",{millis:03} {} ", level.tag());
}

/// Reports a handler failure on stderr; never fails itself.
fn report(what: &str, error: &io::Error) {
    let _ = writeln!(io::stderr(), "supervisord: {what}: {error}");
}

#[cfg(test)]
mod tests;
