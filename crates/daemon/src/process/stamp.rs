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
}

impl Default for LineStamper {
    fn default() -> Self {
        LineStamper {
            at_line_start: true,
            clock: Rfc3339::default(),
            out: Vec::new(),
        }
    }
}

impl LineStamper {
    /// `chunk` with a stamp (`<time> `) before each line that starts in it.
    pub fn stamp(&mut self, chunk: &[u8], now: SystemTime) -> &[u8] {
        self.out.clear();
        for line in chunk.split_inclusive(|b| *b == b'\n') {
            if self.at_line_start {
                self.clock.write(&mut self.out, now);
                self.out.push(b' ');
            }
            self.out.extend_from_slice(line);
            self.at_line_start = line.last() == Some(&b'\n');
        }
        // A buffer grown by one flood is not kept for the life of the child.
        if self.out.capacity() > 256 * 1024 && chunk.len() < 64 * 1024 {
            self.out.shrink_to(64 * 1024);
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
