//! Moving a pipe's bytes into a file without copying them through user space
//! (`splice(2)`): the kernel moves the pipe's pages into the page cache. Linux
//! refuses a file opened with `O_APPEND` (EINVAL), so the caller's file gives up
//! append mode while it is spliced into and the write goes at the file's current end
//! (looked up before each move, so a file truncated by someone else, as logrotate's
//! `copytruncate` does, is written from its new end, as `O_APPEND` would).

// FIONREAD is an ioctl; the `unsafe` block states why it is sound.
#![allow(unsafe_code)]

use std::fs::File;
use std::io::{self, Seek, SeekFrom};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};

use nix::errno::Errno;
use nix::fcntl::{FcntlArg, OFlag, SpliceFFlags, fcntl, splice};

/// What one move did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moved {
    /// This many bytes; the file now ends at `end`.
    Bytes { n: usize, end: u64 },
    /// The pipe is closed and empty.
    Eof,
    /// The kernel will not splice into this file (file system or file kind): write
    /// it instead.
    Refused,
}

/// Sets or clears `O_APPEND` on `file`.
pub fn set_append(file: &File, append: bool) -> io::Result<()> {
    let flags = OFlag::from_bits_truncate(fcntl(file.as_fd(), FcntlArg::F_GETFL)?);
    let wanted = if append {
        flags | OFlag::O_APPEND
    } else {
        flags - OFlag::O_APPEND
    };
    if wanted != flags {
        fcntl(file.as_fd(), FcntlArg::F_SETFL(wanted))?;
    }
    Ok(())
}

/// Moves up to `max` bytes from `pipe` to the end of `file` (not in append mode),
/// without blocking: an empty pipe is `WouldBlock`.
pub fn pipe_to_end(pipe: BorrowedFd<'_>, file: &mut File, max: usize) -> io::Result<Moved> {
    let end = file.seek(SeekFrom::End(0))?;
    let flags = SpliceFFlags::SPLICE_F_MOVE | SpliceFFlags::SPLICE_F_NONBLOCK;
    match splice(pipe, None, file.as_fd(), None, max, flags) {
        Ok(0) => Ok(Moved::Eof),
        Ok(n) => Ok(Moved::Bytes {
            n,
            end: end + n as u64,
        }),
        Err(Errno::EINVAL) => Ok(Moved::Refused),
        Err(e) => Err(io::Error::from(e)),
    }
}

/// Grows a pipe's buffer to `bytes` (`F_SETPIPE_SZ`; Linux caps it at
/// `/proc/sys/fs/pipe-max-size` for unprivileged users). The size the pipe has now.
pub fn grow_pipe(pipe: BorrowedFd<'_>, bytes: usize) -> io::Result<usize> {
    let wanted = i32::try_from(bytes).unwrap_or(i32::MAX);
    let size = fcntl(pipe, FcntlArg::F_SETPIPE_SZ(wanted))?;
    Ok(usize::try_from(size).unwrap_or(0))
}

/// How many bytes `pipe` holds (`FIONREAD`). With the writers gone, 0 is the end of
/// the stream, known with one call instead of a splice (and its `lseek`) or a read
/// that returns 0.
pub fn pipe_holds(pipe: BorrowedFd<'_>) -> io::Result<usize> {
    let mut n: libc::c_int = 0;
    // SAFETY: FIONREAD writes one c_int through the pointer, which points at `n`.
    let rc = unsafe { libc::ioctl(pipe.as_raw_fd(), libc::FIONREAD, &mut n) };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(usize::try_from(n).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    #[test]
    fn a_pipe_says_how_much_it_holds() {
        let (rx, tx) = nix::unistd::pipe().unwrap();
        let (mut rx, mut tx) = (File::from(rx), File::from(tx));
        assert_eq!(pipe_holds(rx.as_fd()).unwrap(), 0);
        tx.write_all(b"hello").unwrap();
        assert_eq!(pipe_holds(rx.as_fd()).unwrap(), 5);
        drop(tx);
        let mut got = String::new();
        rx.read_to_string(&mut got).unwrap();
        assert_eq!(
            (got.as_str(), pipe_holds(rx.as_fd()).unwrap()),
            ("hello", 0)
        );
    }
}
