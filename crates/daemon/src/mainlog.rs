//! The main log: supervisord's own log (loggers.py, options.py `make_logger`). It owns
//! the line format `YYYY-MM-DD HH:MM:SS,mmm LEVL message\n` (local time), the level
//! filter, the handlers (the log file or syslog, plus stdout when `nodaemon` and not
//! `silent`), the queue of messages logged before the file is open, and SIGUSR2 reopen.
//! It does not rotate (the file sink does: `supervisor_sys::RotatingFile`), does not
//! decide what to log, and never panics or blocks on anything but its own sink.

mod record;
mod setup;
pub(crate) mod syslog;

pub use record::Fields;
pub use setup::{
    DEFAULT_SYSLOG_SOCKET, FileTarget, MainLogSetup, SYSLOG_SOCKET_ENV, SinkOpener,
    rotating_file_opener, syslog_socket,
};

use std::cmp::Reverse;
use std::fmt;
use std::io::{self, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use supervisor_model::{LogFormat, LogLevel};
use supervisor_sys::localtime::{LocalTime, local_time};

use crate::rfc3339::Rfc3339;

use syslog::SyslogSender;

/// At most this many messages are kept while the log is not open; more are dropped
/// (startup produces a handful; this only bounds a logger that is never opened).
const QUEUE_LIMIT: usize = 10_000;

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
    /// The line being written, reused so a line costs no allocation here; while
    /// [`MainLog::batch`] holds, the lines not yet written.
    line: Vec<u8>,
    /// Live [`Batch`]es: while any is, lines wait in `line`.
    held: u32,
    stamp: Option<Stamp>,
    /// The JSON format's timestamps.
    rfc3339: Rfc3339,
}

enum Mode {
    Queueing(Vec<(LogLevel, String)>),
    Open(Handlers),
}

struct Handlers {
    level: LogLevel,
    format: LogFormat,
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
                    held: 0,
                    stamp: None,
                    rfc3339: Rfc3339::default(),
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
            format: setup.format,
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
            state.emit(&*self.inner.clock, *level, message, &Fields::default());
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
        self.log_with(level, message, &Fields::default());
    }

    /// Until the returned guard is dropped, lines are gathered and then written
    /// together (one write per destination instead of one per line). An actor
    /// holds one while it carries out a message's effects: a restart logs
    /// `exited:`, `spawned:` and `success:` in one go (BENCHMARKS.md, churn). Lines
    /// logged meanwhile by other threads wait too, in order; syslog is not held.
    pub fn batch(&self) -> Batch<'_> {
        self.lock().held += 1;
        Batch { log: self }
    }

    /// [`MainLog::log`] with what the line is about, for `logformat = json`.
    pub fn log_with(&self, level: LogLevel, message: &str, fields: &Fields<'_>) {
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
        state.emit(&*self.inner.clock, level, message, fields);
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
    fn emit(&mut self, clock: &dyn Clock, level: LogLevel, message: &str, fields: &Fields<'_>) {
        let Mode::Open(handlers) = &mut self.mode else {
            return;
        };
        if level < handlers.level {
            return;
        }
        let now = clock.now();
        let (secs, millis) = split_time(now);
        let stamp = match &mut self.stamp {
            Some(stamp) if stamp.secs == secs => stamp,
            slot => slot.insert(Stamp::new(secs)),
        };
        if self.held == 0 {
            self.line.clear();
        }
        if handlers.format == LogFormat::Json {
            record::write_json(
                &mut self.line,
                &mut self.rfc3339,
                now,
                level,
                message,
                fields,
            );
        } else {
            write_prefix(&mut self.line, &stamp.text, millis, level);
            self.line.extend_from_slice(message.as_bytes());
            self.line.push(b'\n');
        }
        // A batch is bounded: one held long (or lines from many threads) goes out.
        if self.held == 0 || self.line.len() >= BATCH_LIMIT {
            handlers.write_lines(&self.line);
            self.line.clear();
        }
        // Syslog keeps Supervisor's text: the syslog daemon adds its own framing.
        if let Some((sender, reported)) = &mut handlers.syslog {
            let mut prefix = Vec::new();
            write_prefix(&mut prefix, &stamp.text, millis, level);
            if let Err(e) = sender.send(&stamp.time, &prefix, message)
                && !*reported
            {
                *reported = true;
                report("cannot write the main log to syslog", &e);
            }
        }
    }
}

impl Handlers {
    fn write_lines(&mut self, lines: &[u8]) {
        if let Some(out) = &mut self.stdout {
            out.write_line(lines, "stdout");
        }
        if let Some(out) = self.file.as_mut().and_then(|f| f.out.as_mut()) {
            out.write_line(lines, "the main log file");
        }
    }

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

/// Lines a [`Batch`] gathers before they go out anyway.
const BATCH_LIMIT: usize = 16 * 1024;

/// See [`MainLog::batch`].
pub struct Batch<'a> {
    log: &'a MainLog,
}

impl Drop for Batch<'_> {
    fn drop(&mut self) {
        let mut guard = self.log.lock();
        let state = &mut *guard;
        state.held = state.held.saturating_sub(1);
        if state.held > 0 || state.line.is_empty() {
            return;
        }
        if let Mode::Open(handlers) = &mut state.mode {
            handlers.write_lines(&state.line);
        }
        state.line.clear();
    }
}
