//! Line input from a file descriptor (stdin, or /dev/tty for passwords) that can be
//! awaited alongside other things (`fg` streams output while waiting for a line; a
//! prompt must give way to Ctrl-C) and never loses input: a waiting read is only a
//! readiness wait, so dropping it consumes nothing, and bytes past the first newline
//! stay buffered for the next line. A blocking read on another thread would keep
//! waiting after `fg` ends and steal the shell's next line.

use std::io;
use std::os::fd::AsFd;

use nix::errno::Errno;

/// Buffered lines from `fd`.
pub(crate) struct FdLines<F: AsFd> {
    fd: F,
    buf: Vec<u8>,
    eof: bool,
}

impl<F: AsFd> FdLines<F> {
    pub(crate) fn new(fd: F) -> FdLines<F> {
        FdLines {
            fd,
            buf: Vec::new(),
            eof: false,
        }
    }

    pub(crate) fn get_ref(&self) -> &F {
        &self.fd
    }

    /// The next line without its `\n` (Python's `input()` keeps a `\r`), the rest of
    /// the input if it does not end with a newline, `None` at end of input.
    pub(crate) async fn read_line(&mut self) -> io::Result<Option<String>> {
        loop {
            if let Some(nl) = self.buf.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.buf.drain(..=nl).collect();
                return Ok(Some(
                    String::from_utf8_lossy(&line[..line.len() - 1]).into_owned(),
                ));
            }
            if self.eof {
                if self.buf.is_empty() {
                    return Ok(None);
                }
                let line = std::mem::take(&mut self.buf);
                return Ok(Some(String::from_utf8_lossy(&line).into_owned()));
            }
            self.fill().await?;
        }
    }

    /// One read(2), once the descriptor has input.
    async fn fill(&mut self) -> io::Result<()> {
        self.readable().await?;
        let mut chunk = [0u8; 4096];
        let n = loop {
            match nix::unistd::read(self.fd.as_fd(), &mut chunk) {
                Ok(n) => break n,
                Err(Errno::EINTR) => continue,
                Err(e) => return Err(e.into()),
            }
        };
        if n == 0 {
            self.eof = true;
        } else {
            self.buf.extend_from_slice(&chunk[..n]);
        }
        Ok(())
    }

    /// Waits until a read will not block (see [`supervisor_sys::wait_readable`]).
    async fn readable(&self) -> io::Result<()> {
        supervisor_sys::wait_readable(self.fd.as_fd()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn lines_are_split_and_kept() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let (reader, writer) = std::os::unix::net::UnixStream::pair().unwrap();
        let mut writer = writer;
        writer.write_all(b"one\ntwo\r\nthr").unwrap();
        let mut lines = FdLines::new(reader);
        rt.block_on(async {
            assert_eq!(lines.read_line().await.unwrap().as_deref(), Some("one"));
            assert_eq!(lines.read_line().await.unwrap().as_deref(), Some("two\r"));
            // A dropped wait loses nothing.
            let waited =
                tokio::time::timeout(std::time::Duration::from_millis(20), lines.read_line()).await;
            assert!(waited.is_err());
            writer.write_all(b"ee\n").unwrap();
            assert_eq!(lines.read_line().await.unwrap().as_deref(), Some("three"));
            writer.write_all(b"tail").unwrap();
            drop(writer);
            assert_eq!(lines.read_line().await.unwrap().as_deref(), Some("tail"));
            assert_eq!(lines.read_line().await.unwrap(), None);
        });
    }
}
