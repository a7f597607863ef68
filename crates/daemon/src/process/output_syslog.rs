//! A child's `stdout_syslog`/`stderr_syslog` (Supervisor's `_init_normallog` adds a
//! `SyslogHandler` with the format `<process name> %(message)s`): each chunk of output
//! is split into lines as Supervisor does (`rstrip('\n').split('\n')`, so a line cut
//! between two reads becomes two messages) and each line is one datagram
//! `<14>Mmm dd HH:MM:SS supervisord: <name> <line>`, what glibc's `syslog(3)` sends for
//! Python's `syslog.syslog` (see `mainlog::syslog`).
//!
//! Sending never blocks a runtime thread: the socket is non-blocking. When syslogd's
//! queue is full, the lines not yet sent wait here and the pump stops reading this
//! child's pipe until they are taken (backpressure on this child only, as a slow disk
//! would give). If syslog takes nothing for [`STALL`], or cannot be reached at all,
//! lines are dropped and counted, reported once in the main log, and sending resumes
//! (reported too) as soon as syslog takes a line again.
//!
//! Deliberate difference: Supervisor decodes the output as UTF-8 for syslog and loses
//! an undecodable chunk with a traceback; we send its bytes as they are.

use std::io;
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use supervisor_model::LogLevel;
use supervisor_sys::localtime::local_time;
use tokio::io::Interest;

use super::channel::Channel;
use crate::mainlog::MainLog;
use crate::mainlog::syslog::write_header;

/// How long syslog may take no line at all before lines are dropped.
pub const STALL: Duration = Duration::from_secs(1);

/// Lines not taken yet by a full socket: `lines` joined by `\n`, sent after `header`.
struct Pending {
    header: Vec<u8>,
    lines: Vec<u8>,
}

/// One channel's syslog sender, created per spawn (it lives as long as the pipe).
pub struct SyslogOut {
    path: PathBuf,
    /// `<name> `: the process name and a space before every line.
    tag: Vec<u8>,
    what: String,
    socket: Option<Conn>,
    pending: Option<Pending>,
    /// Lines are being dropped; the failure was reported.
    failing: bool,
    /// Lines dropped since the failure was reported.
    dropped: u64,
}

/// The connected socket, non-blocking. `direct` sends at once; `waiter`, the same
/// socket registered with the runtime, waits for room (a fresh registration does not
/// know yet that the socket is writable, so it cannot be the one that sends first).
struct Conn {
    direct: UnixDatagram,
    waiter: tokio::net::UnixDatagram,
}

enum Sent {
    Done,
    /// The socket queue is full; the lines from this byte offset on were not sent.
    Full(usize),
}

impl SyslogOut {
    pub fn new(path: PathBuf, name: &str, channel: Channel) -> SyslogOut {
        SyslogOut {
            path,
            tag: format!("{name} ").into_bytes(),
            what: format!("the {} of '{name}'", channel.name()),
            socket: None,
            pending: None,
            failing: false,
            dropped: 0,
        }
    }

    /// Sends the lines of one chunk of output now, as far as the socket takes them;
    /// the rest waits for [`SyslogOut::drain`].
    pub fn send(&mut self, data: &[u8], log: &MainLog) {
        let message = trim_newlines(data);
        if let Some(pending) = &mut self.pending {
            // Later output queues behind what is already waiting, keeping the order.
            pending.lines.push(b'\n');
            pending.lines.extend_from_slice(message);
            return;
        }
        let header = header_now();
        match self.send_lines(&header, message, false, log) {
            Sent::Done => {}
            Sent::Full(at) if self.failing => self.drop_lines(&message[at..]),
            Sent::Full(at) => {
                self.pending = Some(Pending {
                    header,
                    lines: message[at..].to_vec(),
                });
            }
        }
    }

    /// Whether lines wait for room in the socket.
    pub fn has_pending(&self) -> bool {
        self.pending.is_some()
    }

    /// Waits until the waiting lines are sent, or drops them after [`STALL`] without
    /// progress.
    pub async fn drain(&mut self, log: &MainLog) {
        while let Some(pending) = self.pending.take() {
            let Some(conn) = &self.socket else {
                // Not reachable: lines only wait on a connected socket.
                self.drop_lines(&pending.lines);
                return;
            };
            let why = match tokio::time::timeout(STALL, conn.waiter.writable()).await {
                Ok(Ok(())) => None,
                Ok(Err(e)) => Some(e.to_string()),
                Err(_) => Some(format!("it took no line for {} s", STALL.as_secs())),
            };
            if let Some(why) = why {
                self.drop_lines(&pending.lines);
                self.report_failure(log, &why);
                return;
            }
            if let Sent::Full(at) = self.send_lines(&pending.header, &pending.lines, true, log) {
                self.pending = Some(Pending {
                    header: pending.header,
                    lines: pending.lines[at..].to_vec(),
                });
            }
        }
    }

    /// Sends each line of `message` after `header` and the tag; stops at a full queue.
    /// If a line cannot be sent for another reason (even after reconnecting), it and
    /// the rest of the message are dropped: one connection attempt per chunk at most.
    /// `waited`: sends go through the runtime's readiness, so that a full queue
    /// forgets the readiness seen and the next wait really waits.
    fn send_lines(&mut self, header: &[u8], message: &[u8], waited: bool, log: &MainLog) -> Sent {
        let mut packet = Vec::with_capacity(header.len() + self.tag.len() + 128);
        let mut at = 0;
        for line in message.split(|&b| b == b'\n') {
            packet.clear();
            packet.extend_from_slice(header);
            packet.extend_from_slice(&self.tag);
            packet.extend_from_slice(line);
            match self.send_packet(&packet, waited) {
                Ok(()) => {
                    if self.failing {
                        self.failing = false;
                        log.log(
                            LogLevel::Info,
                            &format!(
                                "syslog takes {} again; {} lines were dropped",
                                self.what, self.dropped
                            ),
                        );
                        self.dropped = 0;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Sent::Full(at),
                Err(e) => {
                    self.drop_lines(&message[at..]);
                    self.report_failure(log, &e.to_string());
                    return Sent::Done;
                }
            }
            at += line.len() + 1;
        }
        Sent::Done
    }

    fn send_packet(&mut self, packet: &[u8], waited: bool) -> io::Result<()> {
        if let Some(conn) = &self.socket {
            let sent = if waited {
                conn.waiter
                    .try_io(Interest::WRITABLE, || conn.direct.send(packet))
            } else {
                conn.direct.send(packet)
            };
            match sent {
                Ok(_) => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Err(e),
                // syslogd restarted (ECONNREFUSED) or the line is too long: reconnect
                // once, below.
                Err(_) => self.socket = None,
            }
        }
        let direct = UnixDatagram::unbound()?;
        direct.set_nonblocking(true)?;
        direct.connect(&self.path)?;
        let sent = direct.send(packet);
        let waiter = tokio::net::UnixDatagram::from_std(direct.try_clone()?)?;
        self.socket = Some(Conn { direct, waiter });
        sent.map(drop)
    }

    /// Counts the lines of `lines` (one for an empty slice) as dropped.
    fn drop_lines(&mut self, lines: &[u8]) {
        self.dropped += 1 + lines.iter().filter(|&&b| b == b'\n').count() as u64;
    }

    fn report_failure(&mut self, log: &MainLog, why: &str) {
        if !self.failing {
            self.failing = true;
            log.log(
                LogLevel::Error,
                &format!(
                    "cannot send {} to syslog ({}): {why}; lines are dropped until it can",
                    self.what,
                    self.path.display()
                ),
            );
        }
    }
}

/// `data.rstrip('\n')`.
fn trim_newlines(data: &[u8]) -> &[u8] {
    let end = data.iter().rposition(|&b| b != b'\n').map_or(0, |i| i + 1);
    &data[..end]
}

fn header_now() -> Vec<u8> {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut header = Vec::with_capacity(40);
    write_header(&mut header, &local_time(secs as i64));
    header
}

#[cfg(test)]
mod tests {
    use std::os::unix::net::UnixDatagram as Server;
    use std::path::Path;

    use supervisor_model::ByteSize;

    use super::*;
    use crate::mainlog::{FileTarget, MainLogSetup, rotating_file_opener};

    fn main_log(dir: &Path) -> (MainLog, PathBuf) {
        let path = dir.join("main.log");
        let log = MainLog::new();
        log.open(MainLogSetup {
            level: LogLevel::Info,
            file: FileTarget::Sink(rotating_file_opener(&path, ByteSize(0), 0)),
            stdout: None,
        })
        .unwrap();
        (log, path)
    }

    fn server(dir: &Path) -> (Server, PathBuf) {
        let path = dir.join("syslog");
        let server = Server::bind(&path).unwrap();
        server
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        (server, path)
    }

    fn recv(server: &Server) -> Vec<u8> {
        let mut buf = vec![0u8; 300_000];
        let n = server.recv(&mut buf).unwrap();
        buf.truncate(n);
        buf
    }

    /// The message after glibc's `<14>Mmm dd HH:MM:SS supervisord: ` header.
    fn message(datagram: &[u8]) -> &[u8] {
        let head = b"<14>";
        assert!(datagram.starts_with(head), "{datagram:?}");
        let at = datagram
            .windows(13)
            .position(|w| w == b" supervisord:")
            .expect("ident");
        // `<14>Nov  4 09:05:07` is 19 bytes.
        assert_eq!(at, 19, "{}", String::from_utf8_lossy(datagram));
        &datagram[at + 14..]
    }

    #[tokio::test]
    async fn each_line_of_a_chunk_is_a_datagram_tagged_with_the_name() {
        let dir = tempfile::tempdir().unwrap();
        let (log, _) = main_log(dir.path());
        let (server, path) = server(dir.path());
        let mut out = SyslogOut::new(path, "web", Channel::Stdout);
        out.send(b"a\n\nb\xff\xfe\n\n", &log);
        out.send(b"\n", &log);
        out.send(b"partial", &log);
        assert!(!out.has_pending());
        for want in [
            &b"web a"[..],
            b"web ",
            b"web b\xff\xfe",
            b"web ",
            b"web partial",
        ] {
            assert_eq!(message(&recv(&server)), want);
        }
    }

    #[tokio::test]
    async fn a_full_socket_holds_the_lines_back_until_syslog_reads_them() {
        let dir = tempfile::tempdir().unwrap();
        let (log, _) = main_log(dir.path());
        let (server, path) = server(dir.path());
        let mut out = SyslogOut::new(path, "web", Channel::Stderr);
        let lines: String = (0..2000).map(|i| format!("line {i}\n")).collect();
        out.send(lines.as_bytes(), &log);
        assert!(out.has_pending(), "the socket queue should be full");
        out.send(b"after\n", &log);
        let reader = std::thread::spawn(move || {
            (0..2001)
                .map(|_| message(&recv(&server)).to_vec())
                .collect::<Vec<_>>()
        });
        out.drain(&log).await;
        assert!(!out.has_pending());
        let got = reader.join().unwrap();
        for (i, line) in got[..2000].iter().enumerate() {
            assert_eq!(line, format!("web line {i}").as_bytes());
        }
        assert_eq!(got[2000], b"web after");
    }

    #[tokio::test]
    async fn a_stalled_syslog_drops_lines_reports_once_and_recovers() {
        let dir = tempfile::tempdir().unwrap();
        let (log, log_path) = main_log(dir.path());
        let (server, path) = server(dir.path());
        let mut out = SyslogOut::new(path, "web", Channel::Stdout);
        let lines: String = (0..2000).map(|i| format!("line {i}\n")).collect();
        out.send(lines.as_bytes(), &log);
        assert!(out.has_pending());
        let began = std::time::Instant::now();
        out.drain(&log).await;
        assert!(began.elapsed() >= STALL && !out.has_pending());
        // While failing, a full queue drops at once instead of waiting again.
        out.send(lines.as_bytes(), &log);
        assert!(!out.has_pending());
        let text = std::fs::read_to_string(&log_path).unwrap();
        assert_eq!(
            text.matches("ERRO cannot send the stdout of 'web' to syslog (")
                .count(),
            1,
            "{text}"
        );
        assert!(text.contains("it took no line for 1 s; lines are dropped until it can"));
        // syslogd catches up: the queued datagrams are read, then new lines pass.
        server.set_nonblocking(true).unwrap();
        let mut buf = [0u8; 256];
        while server.recv(&mut buf).is_ok() {}
        out.send(b"back\n", &log);
        server.set_nonblocking(false).unwrap();
        assert_eq!(message(&recv(&server)), b"web back");
        let text = std::fs::read_to_string(&log_path).unwrap();
        assert!(
            text.contains("INFO syslog takes the stdout of 'web' again; "),
            "{text}"
        );
    }

    #[tokio::test]
    async fn no_syslog_socket_is_reported_once_and_nothing_panics() {
        let dir = tempfile::tempdir().unwrap();
        let (log, log_path) = main_log(dir.path());
        let mut out = SyslogOut::new(dir.path().join("absent"), "web", Channel::Stdout);
        out.send(b"a\nb\n", &log);
        out.send(b"c\n", &log);
        assert!(!out.has_pending());
        assert_eq!(out.dropped, 3);
        let text = std::fs::read_to_string(&log_path).unwrap();
        assert_eq!(text.matches("cannot send the stdout of 'web'").count(), 1);
        assert!(text.contains("No such file or directory"), "{text}");
    }
}
