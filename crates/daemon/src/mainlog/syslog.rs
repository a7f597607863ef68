//! The main log's `logfile=syslog` handler (loggers.py `SyslogHandler`): each line of
//! a message is sent as its own datagram to the local syslog socket, formatted like
//! every other main-log line. Python calls `syslog.syslog(msg)` without `openlog`, so
//! the ident is the program name, the facility LOG_USER and the priority always
//! LOG_INFO (`<14>`), whatever the record's level; we send what glibc's `syslog(3)`
//! sends: `<14>Mmm dd HH:MM:SS supervisord: <line>`.
//! It must not block or panic: a missing socket is a reported write error.
//! [`write_header`] is shared with children's `stdout_syslog`/`stderr_syslog`
//! (`process::output_syslog`), which Python sends through the same `syslog.syslog`.

use std::io;
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;

use supervisor_sys::localtime::LocalTime;

/// LOG_USER (1 << 3) | LOG_INFO (6).
const PRIORITY: u8 = 14;
const IDENT: &str = "supervisord";
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A datagram sender to the syslog socket, connected on first use and reconnected once
/// per message after an error (syslogd restarted).
pub(super) struct SyslogSender {
    path: PathBuf,
    socket: Option<UnixDatagram>,
    packet: Vec<u8>,
}

impl SyslogSender {
    pub(super) fn new(path: PathBuf) -> Self {
        SyslogSender {
            path,
            socket: None,
            packet: Vec::new(),
        }
    }

    /// Sends one datagram per line of `message` (trailing newlines dropped, as
    /// `message.rstrip('\n').split('\n')`), each `<prefix><line>` where `prefix` is
    /// the main-log `asctime LEVL ` of the record.
    pub(super) fn send(
        &mut self,
        time: &LocalTime,
        prefix: &[u8],
        message: &str,
    ) -> io::Result<()> {
        let mut result = Ok(());
        for line in message.trim_end_matches('\n').split('\n') {
            self.packet.clear();
            write_header(&mut self.packet, time);
            self.packet.extend_from_slice(prefix);
            self.packet.extend_from_slice(line.as_bytes());
            if let Err(e) = self.send_packet() {
                result = Err(e);
            }
        }
        result
    }

    fn send_packet(&mut self) -> io::Result<()> {
        if let Some(socket) = &self.socket {
            if socket.send(&self.packet).is_ok() {
                return Ok(());
            }
            self.socket = None;
        }
        let socket = UnixDatagram::unbound()?;
        socket.connect(&self.path)?;
        socket.send(&self.packet)?;
        self.socket = Some(socket);
        Ok(())
    }
}

/// `<14>Nov 24 09:31:27 supervisord: ` (RFC 3164; the day is space-padded).
pub(crate) fn write_header(out: &mut Vec<u8>, t: &LocalTime) {
    use std::io::Write as _;
    let month = MONTHS[usize::from(t.month.clamp(1, 12)) - 1];
    // Writing to a Vec cannot fail.
    let _ = write!(
        out,
        "<{PRIORITY}>{month} {:>2} {:02}:{:02}:{:02} {IDENT}: ",
        t.day, t.hour, t.minute, t.second
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn time() -> LocalTime {
        LocalTime {
            year: 2026,
            month: 11,
            day: 4,
            hour: 9,
            minute: 5,
            second: 7,
            weekday: 3,
            yearday: 307,
            utc_offset: 0,
            is_dst: false,
        }
    }

    #[test]
    fn one_datagram_per_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        let server = UnixDatagram::bind(&path).unwrap();
        let mut sender = SyslogSender::new(path);
        sender
            .send(
                &time(),
                b"2026-11-04 09:05:07,123 DEBG ",
                "'x' stdout output:\nhello\n\n",
            )
            .unwrap();
        let mut buf = [0u8; 256];
        let n = server.recv(&mut buf).unwrap();
        assert_eq!(
            std::str::from_utf8(&buf[..n]).unwrap(),
            "<14>Nov  4 09:05:07 supervisord: 2026-11-04 09:05:07,123 DEBG 'x' stdout output:"
        );
        let n = server.recv(&mut buf).unwrap();
        assert_eq!(
            std::str::from_utf8(&buf[..n]).unwrap(),
            "<14>Nov  4 09:05:07 supervisord: 2026-11-04 09:05:07,123 DEBG hello"
        );
    }

    #[test]
    fn missing_socket_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let mut sender = SyslogSender::new(dir.path().join("nope"));
        assert!(sender.send(&time(), b"p ", "m").is_err());
    }
}
