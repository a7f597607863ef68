//! Capture mode (`stdout_capture_maxbytes` / `stderr_capture_maxbytes` > 0,
//! dispatchers.py `POutputDispatcher.toggle_capturemode`): output between `<!--XSUPERVISOR:BEGIN-->` and `<!--XSUPERVISOR:END-->` goes
//! to a bounded in-memory buffer instead of the log, and each completed block becomes
//! a PROCESS_COMMUNICATION event. Tokens may be split across reads, so a suffix of a
//! chunk that could begin a token is held back until the next read decides it.
//!
//! Better than Supervisor: it also holds back any output of 24 bytes or less while
//! capture is enabled, and drops what is held when the child exits; here only a
//! possible token prefix is held, and it is flushed at EOF, so no byte is lost.

pub const BEGIN_TOKEN: &[u8] = b"<!--XSUPERVISOR:BEGIN-->";
pub const END_TOKEN: &[u8] = b"<!--XSUPERVISOR:END-->";

/// What a chunk of output turned into, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Outside a capture block: the log (and PROCESS_LOG events).
    Normal(Vec<u8>),
    /// Inside a capture block: kept for the event. Supervisor still emits
    /// PROCESS_LOG events (and debug lines) for it, but it is not in the log file.
    Captured(Vec<u8>),
    /// A block ended: the PROCESS_COMMUNICATION event's data.
    Block(Vec<u8>),
}

#[derive(Debug)]
pub struct Capture {
    maxbytes: usize,
    capturing: bool,
    /// A chunk's tail that may be the start of the token sought next.
    held: Vec<u8>,
    block: Vec<u8>,
}

impl Capture {
    pub fn new(maxbytes: usize) -> Capture {
        Capture {
            maxbytes,
            capturing: false,
            held: Vec::new(),
            block: Vec::new(),
        }
    }

    /// Splits `data` (after what was held back) into pieces.
    pub fn feed(&mut self, data: &[u8]) -> Vec<Piece> {
        let mut buf = std::mem::take(&mut self.held);
        buf.extend_from_slice(data);
        let mut out = Vec::new();
        let mut rest = buf.as_slice();
        loop {
            let token = if self.capturing {
                END_TOKEN
            } else {
                BEGIN_TOKEN
            };
            match find(rest, token) {
                Some(at) => {
                    self.emit(&rest[..at], &mut out);
                    rest = &rest[at + token.len()..];
                    if self.capturing {
                        out.push(Piece::Block(std::mem::take(&mut self.block)));
                    }
                    self.capturing = !self.capturing;
                }
                None => {
                    let keep = prefix_at_end(rest, token);
                    let (now, later) = rest.split_at(rest.len() - keep);
                    self.emit(now, &mut out);
                    self.held = later.to_vec();
                    return out;
                }
            }
        }
    }

    /// EOF: what was held back, in the current mode.
    pub fn finish(&mut self) -> Vec<Piece> {
        let held = std::mem::take(&mut self.held);
        let mut out = Vec::new();
        self.emit(&held, &mut out);
        out
    }

    fn emit(&mut self, data: &[u8], out: &mut Vec<Piece>) {
        if data.is_empty() {
            return;
        }
        if self.capturing {
            // Supervisor's BoundIO: a write that would overflow first drops as many
            // leading bytes as it is long.
            if self.block.len() + data.len() > self.maxbytes {
                let drop = data.len().min(self.block.len());
                self.block.drain(..drop);
            }
            self.block.extend_from_slice(data);
            out.push(Piece::Captured(data.to_vec()));
        } else {
            out.push(Piece::Normal(data.to_vec()));
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The length of the longest proper prefix of `token` that `data` ends with.
fn prefix_at_end(data: &[u8], token: &[u8]) -> usize {
    (1..token.len())
        .rev()
        .find(|&l| data.ends_with(&token[..l]))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Piece {
        Piece::Normal(s.as_bytes().to_vec())
    }
    fn c(s: &str) -> Piece {
        Piece::Captured(s.as_bytes().to_vec())
    }
    fn b(s: &str) -> Piece {
        Piece::Block(s.as_bytes().to_vec())
    }

    #[test]
    fn a_block_in_one_chunk() {
        let mut cap = Capture::new(100);
        assert_eq!(
            cap.feed(b"before <!--XSUPERVISOR:BEGIN-->data<!--XSUPERVISOR:END--> after"),
            [n("before "), c("data"), b("data"), n(" after")]
        );
    }

    #[test]
    fn tokens_split_across_reads() {
        let mut cap = Capture::new(100);
        assert_eq!(cap.feed(b"x<!--XSUPER"), [n("x")]);
        assert_eq!(cap.feed(b"VISOR:BEGIN-->ab<!--XSUP"), [c("ab")]);
        assert_eq!(cap.feed(b"ERVISOR:END-->"), [b("ab")]);
        // A held prefix that turns out not to be a token is output after all.
        assert_eq!(cap.feed(b"<!--X"), []);
        assert_eq!(cap.feed(b"yz"), [n("<!--Xyz")]);
        assert_eq!(cap.feed(b"<!--"), []);
        assert_eq!(cap.finish(), [n("<!--")]);
    }

    #[test]
    fn the_block_is_bounded_like_supervisors_boundio() {
        let mut cap = Capture::new(5);
        cap.feed(BEGIN_TOKEN);
        cap.feed(b"abcd");
        cap.feed(b"ef");
        let out = cap.feed(END_TOKEN);
        assert_eq!(out, [b("cdef")]);
    }
}
