//! Where a child's stdout/stderr go: the channel's log file ([`ChannelLog`]) and
//! everything else one pipe's bytes feed ([`Feed`]); pump.rs moves them out of the
//! pipe. Every chunk goes raw to the channel's log file. When the log file is the only place the bytes go
//! (no capture, syslog, listener protocol, `log:` check, ANSI stripping, timestamps
//! or debug logging, and no PROCESS_LOG event anyone hears), they are not read at
//! all: `splice(2)` moves them from the pipe into the file inside the kernel
//! ([`ChannelLog::splice`]), and the pump goes back to reading for as long as
//! something needs the bytes. This is decided on every wake-up, so a stream with
//! `*_events_enabled` is read from the moment a listener pool subscribed to its
//! PROCESS_LOG type (or a gRPC watcher) appears, and spliced again once none is left
//! ([`EventBus::hears_log`]): Supervisor forms the event for each chunk
//! (dispatchers.py `POutputDispatcher._log`) but it reaches nobody without a
//! subscriber (events.py `notify`). A log file that cannot be opened or written is
//! reported once in the main log; the bytes are dropped and counted (the count is
//! logged when the file can be written again, e.g. once a full disk has room: each
//! write after a failure reopens the file), and the child keeps being supervised. The
//! AUTO file names are in `auto_log`. `*_syslog` output goes through [`SyslogOut`], whose full
//! socket holds back this pipe only.

use std::io;
use std::os::fd::BorrowedFd;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use supervisor_config::ChannelConfig;
use supervisor_model::LogLevel;
use supervisor_sys::{RotatePolicy, RotatingFile};

use super::capture::{Capture, Piece};
use super::channel::Channel;
use super::counters::OutputCounters;
use super::log_watch::LogWatch;
use super::output_syslog::SyslogOut;
use super::stamp::LineStamper;
use crate::events::{self, EventBus};
use crate::mainlog::MainLog;
use supervisor_model::{py_repr, py_repr_bytes, py_text};

/// A log rotated by size takes at most this much at a time: what one read of a
/// default pipe (64 KiB) can return, so a file overshoots `maxbytes` by no more than
/// under Supervisor even when a busy stream's pipe has grown (pump.rs, `BUSY`).
const SIZE_ROTATED_CHUNK: usize = 64 * 1024;

/// One channel's log sink: a rotating file, or nothing.
pub struct ChannelLog {
    path: Option<PathBuf>,
    policy: RotatePolicy,
    file: Option<RotatingFile>,
    /// The last open/write error was reported; cleared by a successful write.
    failing: bool,
    /// Bytes dropped because the file could not be written, since it last could.
    dropped: u64,
    /// `*_logfile_timestamps`: boxed, as it is rare.
    stamper: Option<Box<LineStamper>>,
    channel: Channel,
    /// Bytes written and dropped, read by metrics.
    counters: Arc<OutputCounters>,
}

/// The rotation options of a channel.
fn policy(cfg: &ChannelConfig) -> RotatePolicy {
    RotatePolicy {
        maxbytes: cfg.logfile_maxbytes.bytes(),
        backups: cfg.logfile_backups,
        every: cfg.logfile_rotate,
        compress: cfg.logfile_compress,
    }
}

impl ChannelLog {
    /// `path` is the resolved file (AUTO already turned into a name), `None` for NONE.
    pub fn new(
        path: Option<PathBuf>,
        cfg: &ChannelConfig,
        channel: Channel,
        counters: Arc<OutputCounters>,
    ) -> ChannelLog {
        ChannelLog {
            path,
            policy: policy(cfg),
            file: None,
            failing: false,
            dropped: 0,
            stamper: cfg.logfile_timestamps.then(Box::default),
            channel,
            counters,
        }
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn write(&mut self, bytes: &[u8], name: &str, log: &MainLog) {
        let Some(path) = &self.path else { return };
        let data = match &mut self.stamper {
            Some(stamper) => stamper.stamp(bytes, SystemTime::now()),
            None => bytes,
        };
        let result = match &mut self.file {
            Some(f) => f.write(data),
            None => RotatingFile::open_with(path, self.policy).and_then(|mut f| {
                let r = f.write(data);
                self.file = Some(f);
                r
            }),
        };
        let n = bytes.len() as u64;
        match result {
            Ok(()) => {
                self.counters.add_written(self.channel, n);
                if self.failing {
                    self.failing = false;
                    log.log(
                        LogLevel::Info,
                        &format!(
                            "log file {} of '{name}' is written again; {} bytes were dropped",
                            path.display(),
                            self.dropped
                        ),
                    );
                    self.dropped = 0;
                }
            }
            Err(e) => {
                self.counters.add_dropped(self.channel, n);
                self.dropped += n;
                if !self.failing {
                    self.failing = true;
                    log.log(
                        LogLevel::Error,
                        &format!(
                            "cannot write log file {} of '{name}': {e}; output is dropped until it can be written",
                            path.display()
                        ),
                    );
                }
                // Reopen next time: the disk may have room again, or the file may
                // have become writable.
                self.file = None;
            }
        }
    }

    /// Moves up to `max` bytes from `pipe` into the log file with `splice(2)`.
    /// `NotNow` when the bytes must be read instead: no file (NONE, or not open after
    /// a failure: the read path opens, reports and counts), timestamps on, a target
    /// the kernel will not splice into, or an error the read path will meet and
    /// report (the bytes are still in the pipe).
    pub(super) fn splice(&mut self, pipe: BorrowedFd<'_>, max: usize) -> io::Result<Spliced> {
        if self.stamper.is_some() || self.failing {
            return Ok(Spliced::NotNow);
        }
        let max = max.min(self.chunk_limit());
        let Some(file) = &mut self.file else {
            return Ok(Spliced::NotNow);
        };
        match file.splice_from(pipe, max) {
            Ok(Some(0)) => Ok(Spliced::Eof),
            Ok(Some(n)) => {
                self.counters.add_spliced(self.channel, n as u64);
                Ok(Spliced::Moved(n))
            }
            Ok(None) => Ok(Spliced::NotNow),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Err(e),
            Err(_) => Ok(Spliced::NotNow),
        }
    }

    /// The most one read or splice takes for this log (see [`SIZE_ROTATED_CHUNK`]).
    pub(super) fn chunk_limit(&self) -> usize {
        if self.path.is_some() && self.policy.maxbytes > 0 {
            SIZE_ROTATED_CHUNK
        } else {
            usize::MAX
        }
    }

    /// Opens the file if it is not open yet: Supervisor creates a child's log files
    /// when it spawns it, so a quiet program still has (empty) logs to read and tail.
    pub fn open_now(&mut self, name: &str, log: &MainLog) {
        if self.file.is_none() {
            self.write(&[], name, log);
        }
    }

    /// `clearProcessLogs`: remove the file and start an empty one (Supervisor's
    /// `removelogs`). A file not opened yet is truncated if it exists.
    pub fn clear(&mut self) -> io::Result<()> {
        match (&mut self.file, &self.path) {
            (Some(f), _) => f.clear(),
            (None, Some(p)) if p.exists() => std::fs::File::create(p).map(drop),
            _ => Ok(()),
        }
    }

    /// `update` changed `*_logfile_maxbytes` / `*_logfile_backups` (or the rotation,
    /// compression or timestamps extensions): the next write reopens the file
    /// (appending) under the new limits.
    pub fn set_limits(&mut self, cfg: &ChannelConfig) {
        let policy = policy(cfg);
        if policy != self.policy {
            self.policy = policy;
            self.file = None;
        }
        if cfg.logfile_timestamps != self.stamper.is_some() {
            self.stamper = cfg.logfile_timestamps.then(Box::default);
        }
    }

    /// SIGUSR2 / external logrotate: write to a fresh file at the same path.
    pub fn reopen(&mut self) -> io::Result<()> {
        match &mut self.file {
            Some(f) => f.reopen(),
            None => Ok(()),
        }
    }
}

/// What a [`ChannelLog::splice`] did.
pub(super) enum Spliced {
    Moved(usize),
    /// The pipe is closed.
    Eof,
    /// Read this chunk instead.
    NotNow,
}

/// Where a listener's stdout goes besides its log: the pool reads the protocol.
pub type Tap = Box<dyn Fn(&[u8]) + Send>;

/// Everything one pipe's bytes go to.
pub struct Feed {
    pub channel: Channel,
    pub sink: Arc<Mutex<ChannelLog>>,
    pub name: Arc<str>,
    pub group: Arc<str>,
    pub pid: i32,
    pub log: MainLog,
    /// `-t`/`strip_ansi`: remove ANSI escapes before logging and events.
    pub strip_ansi: bool,
    /// The event bus (PROCESS_COMMUNICATION events, and PROCESS_LOG ones when
    /// `log_events` and someone hears them).
    pub bus: EventBus,
    /// `*_events_enabled`.
    pub log_events: bool,
    /// Capture mode (`*_capture_maxbytes` > 0). Boxed, as `syslog`: rarely set, and
    /// the pump's future (one per pipe, alive as long as the child) carries `Feed` inline.
    pub capture: Option<Box<Capture>>,
    /// An event listener's stdout: the protocol channel.
    pub tap: Option<Tap>,
    /// `*_syslog`: the lines of the logged output also go to syslog.
    pub syslog: Option<Box<SyslogOut>>,
    /// `ready_check = log:…` until it matched. Boxed: rarely set.
    pub watch: Option<Box<LogWatch>>,
    /// The other channel does not write to the same file: a splice, which writes at
    /// the end it looked up, cannot interleave with that channel's appends.
    pub own_file: bool,
}

impl Feed {
    /// Nothing but the log file needs this pipe's bytes now (the file's own state —
    /// timestamps, a failure — is asked by [`ChannelLog::splice`]). A matched `log:`
    /// check, a lowered log level or the last PROCESS_LOG subscriber leaving turn
    /// this on mid-stream; a subscriber arriving turns it off.
    pub(super) fn log_only(&self) -> bool {
        self.own_file
            && !self.strip_ansi
            && !self.log_heard()
            && self.capture.is_none()
            && self.tap.is_none()
            && self.syslog.is_none()
            && self.watch.is_none()
            && !self.log.enabled(LogLevel::Debug)
    }

    pub(super) fn chunk(&mut self, raw: &[u8]) {
        let stripped;
        let data = if self.strip_ansi {
            stripped = strip_escapes(raw);
            &stripped[..]
        } else {
            raw
        };
        if let Some(w) = &mut self.watch
            && w.feed(data)
        {
            self.watch = None;
        }
        if let Some(tap) = &self.tap {
            // Supervisor logs a listener's protocol output as Python bytes.
            if self.log.enabled(LogLevel::Debug) {
                self.log.log(
                    LogLevel::Debug,
                    &format!(
                        "{} {} output:\n{}",
                        py_repr(&self.name),
                        self.channel.name(),
                        py_repr_bytes(raw)
                    ),
                );
            }
            self.write(data);
            tap(raw);
            return;
        }
        match &mut self.capture {
            None => self.normal(data, true),
            Some(capture) => {
                for piece in capture.feed(data) {
                    self.piece(piece);
                }
            }
        }
    }

    pub(super) fn piece(&mut self, piece: Piece) {
        match piece {
            Piece::Normal(d) => self.normal(&d, true),
            Piece::Captured(d) => self.normal(&d, false),
            Piece::Block(d) => {
                let name = format!("PROCESS_COMMUNICATION_{}", self.channel.event_suffix());
                self.bus.publish(
                    &name,
                    events::process_communication(&self.name, &self.group, self.pid, &d),
                );
                self.log.log(
                    LogLevel::Debug,
                    &format!(
                        "{} {} emitted a comm event",
                        py_repr(&self.name),
                        self.channel.name()
                    ),
                );
            }
        }
    }

    /// Output outside capture (`to_file`) or inside it (not in the log file).
    fn normal(&mut self, data: &[u8], to_file: bool) {
        if data.is_empty() {
            return;
        }
        if self.log.enabled(LogLevel::Debug) {
            self.log
                .log(LogLevel::Debug, &debug_line(&self.name, self.channel, data));
        }
        if to_file {
            self.write(data);
            if let Some(syslog) = &mut self.syslog {
                syslog.send(data, &self.log);
            }
        }
        if self.log_heard() {
            let name = format!("PROCESS_LOG_{}", self.channel.event_suffix());
            self.bus.publish(
                &name,
                events::process_log(&self.name, &self.group, self.pid, self.channel.name(), data),
            );
        }
    }

    /// PROCESS_LOG events are on and would reach a pool or a watcher: an event
    /// nobody hears is not formed (and not counted as published, see
    /// [`EventBus::published`]).
    fn log_heard(&self) -> bool {
        self.log_events && self.bus.hears_log(self.channel)
    }

    /// Lines the syslog socket had no room for are sent before the pipe is read again.
    pub(super) async fn drain_syslog(&mut self) {
        if let Some(syslog) = &mut self.syslog
            && syslog.has_pending()
        {
            // Boxed so that the pump's future does not carry the drain's state inline.
            Box::pin(syslog.drain(&self.log)).await;
        }
    }

    fn write(&self, data: &[u8]) {
        let mut sink = self.sink.lock().unwrap_or_else(|p| p.into_inner());
        sink.write(data, &self.name, &self.log);
    }
}

/// Supervisor's `stripEscapes`: drops each `ESC [` sequence up to and including its
/// terminating letter, chunk by chunk.
pub fn strip_escapes(data: &[u8]) -> Vec<u8> {
    const TERMINATORS: &[u8] = b"HfABCDRsuJKhlpm";
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    let mut show = true;
    while i < data.len() {
        if !show {
            if TERMINATORS.contains(&data[i]) {
                show = true;
            }
            i += 1;
            continue;
        }
        match data[i..].windows(2).position(|w| w == b"\x1b[") {
            None => {
                out.extend_from_slice(&data[i..]);
                break;
            }
            Some(at) => {
                out.extend_from_slice(&data[i..i + at]);
                i += at + 1;
                show = false;
            }
        }
    }
    out
}

/// Supervisor's debug line for child output (dispatchers.py `POutputDispatcher._log`).
fn debug_line(name: &str, channel: Channel, chunk: &[u8]) -> String {
    format!(
        "{} {} output:\n{}",
        py_repr(name),
        channel.name(),
        py_text(chunk)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ansi_escapes_are_stripped_like_supervisor() {
        assert_eq!(strip_escapes(b"\x1b[31mred\x1b[0m plain"), b"red plain");
        assert_eq!(strip_escapes(b"no escapes"), b"no escapes");
        // An escape cut by the end of a chunk swallows the rest of that chunk only.
        assert_eq!(strip_escapes(b"a\x1b[3"), b"a");
        assert_eq!(strip_escapes(b"\x1b[2J\x1b[Hx"), b"x");
    }

    #[test]
    fn debug_line_formats_like_supervisor() {
        assert_eq!(
            debug_line("web", Channel::Stdout, b"hi\n"),
            "'web' stdout output:\nhi\n"
        );
        assert_eq!(
            debug_line("web", Channel::Stderr, b"\x88\n"),
            "'web' stderr output:\nUndecodable: b'\\x88\\n'"
        );
    }
}
