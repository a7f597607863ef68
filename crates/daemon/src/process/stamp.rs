//! `*_logfile_timestamps = true` (an extension; README, "Logs people can ship"):
//! each line of a child's output gets the time its first byte was read, in RFC
//! 3339, before it in the log file. A line split across two reads of the pipe gets
//! one stamp, at its start: whether the next byte begins a line is remembered
//! between chunks. Only the log file sees the stamps (events, capture and syslog get
//! the child's bytes); `tail`/`fg` read the file, so they show them.

use std::time::SystemTime;

use crate::rfc3339::Rfc3339;

#[derive(Debug)]
pub struct LineStamper {
    /// The next byte of output starts a line.
    at_line_start: bool,
    clock: Rfc3339,
    /// The stamped chunk, reused.
    out: Vec<u8>,
    /// This chunk's `<time> `.
    stamp: Vec<u8>,
}

impl Default for LineStamper {
    fn default() -> Self {
        LineStamper {
            at_line_start: true,
            clock: Rfc3339::default(),
            out: Vec::new(),
            stamp: Vec::with_capacity(40),
        }
    }
}

impl LineStamper {
    /// `chunk` with a stamp (`<time> `) before each line that starts in it. Every
    /// line of one read gets the same time: the stamp is formatted once per chunk.
    pub fn stamp(&mut self, chunk: &[u8], now: SystemTime) -> &[u8] {
        self.out.clear();
        if chunk.is_empty() {
            return &self.out;
        }
        self.stamp.clear();
        self.clock.write(&mut self.stamp, now);
        self.stamp.push(b' ');
        if self.at_line_start {
            self.out.extend_from_slice(&self.stamp);
        }
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', chunk) {
            self.out.extend_from_slice(&chunk[start..=end]);
            start = end + 1;
            if start < chunk.len() {
                self.out.extend_from_slice(&self.stamp);
            }
        }
        self.out.extend_from_slice(&chunk[start..]);
        self.at_line_start = chunk.last() == Some(&b'\n');
        // A buffer grown by one flood is not kept for the life of the child.
        if self.out.capacity() > 1024 * 1024 && chunk.len() < 64 * 1024 {
            self.out.shrink_to(256 * 1024);
        }
        &self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strip(stamped: &[u8]) -> Vec<String> {
        String::from_utf8_lossy(stamped)
            .lines()
            .map(|l| l.split_once(' ').map(|(_, rest)| rest.to_string()).unwrap())
            .collect()
    }

    #[test]
    fn every_line_gets_one_stamp_across_reads() {
        let mut s = LineStamper::default();
        let now = SystemTime::now();
        let mut file = Vec::new();
        for chunk in [&b"one\ntw"[..], b"o\n", b"", b"three", b"\nfour\n\n"] {
            file.extend_from_slice(s.stamp(chunk, now));
        }
        assert_eq!(strip(&file), ["one", "two", "three", "four", ""]);
        let text = String::from_utf8(file).unwrap();
        for line in text.lines() {
            let (stamp, _) = line.split_once(' ').unwrap();
            assert_eq!(&stamp[10..11], "T", "{line}");
        }
    }

    #[test]
    fn bytes_are_kept_as_they_are() {
        let mut s = LineStamper::default();
        let out = s.stamp(b"\xff\x00bin\r\n", SystemTime::now()).to_vec();
        assert!(out.ends_with(b" \xff\x00bin\r\n"));
    }
}
