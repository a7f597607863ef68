//! `ready_check = log:REGEX`: the program's own output is matched line by line (a
//! line split across reads is joined first) until a line matches; then the ready
//! check passes. Only complete lines count, so `listening on port \d+` cannot match
//! half a port number. A line longer than 64 KiB is cut there.

use regex::bytes::Regex;

const LONGEST_LINE: usize = 64 * 1024;

pub struct LogWatch {
    regex: Regex,
    line: Vec<u8>,
    found: Option<Box<dyn FnOnce() + Send>>,
}

impl LogWatch {
    /// `found` runs once, at the first matching line.
    pub fn new(regex: Regex, found: Box<dyn FnOnce() + Send>) -> LogWatch {
        LogWatch {
            regex,
            line: Vec::new(),
            found: Some(found),
        }
    }

    /// Feeds output; `true` once a line matched (the watch is then done).
    pub fn feed(&mut self, data: &[u8]) -> bool {
        for piece in data.split_inclusive(|&b| b == b'\n') {
            let room = LONGEST_LINE.saturating_sub(self.line.len());
            self.line.extend_from_slice(&piece[..piece.len().min(room)]);
            if !piece.ends_with(b"\n") {
                continue;
            }
            let line = std::mem::take(&mut self.line);
            if self
                .regex
                .is_match(line.strip_suffix(b"\n").unwrap_or(&line))
            {
                if let Some(found) = self.found.take() {
                    found();
                }
                return true;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[test]
    fn a_line_split_across_reads_matches_once_complete() {
        let hit = Arc::new(AtomicBool::new(false));
        let flag = hit.clone();
        let mut w = LogWatch::new(
            Regex::new(r"^listening on port \d+$").unwrap(),
            Box::new(move || flag.store(true, Ordering::SeqCst)),
        );
        assert!(!w.feed(b"starting\nlistening on po"));
        assert!(!w.feed(b"rt 80"));
        assert!(!hit.load(Ordering::SeqCst));
        assert!(w.feed(b"80\nmore\n"));
        assert!(hit.load(Ordering::SeqCst));
    }
}
