//! Waiting until a descriptor the caller owns (stdin, a terminal) can be read
//! without blocking, on the tokio runtime. Registering a descriptor with the runtime
//! is `unsafe` in tokio since it must stay open while registered; here the
//! registration owns a duplicate, which makes that hold by construction.
#![allow(unsafe_code)]

use std::io;
use std::os::fd::{AsFd, BorrowedFd};

use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;

/// Returns once a read on `fd` will not block (input or hang-up is there).
/// Descriptors epoll refuses — regular files, /dev/null — never block, so for them
/// it returns at once. Dropping the future consumes nothing.
pub async fn wait_readable(fd: BorrowedFd<'_>) -> io::Result<()> {
    let dup = fd.try_clone_to_owned()?;
    // SAFETY: the AsyncFd owns `dup`, an open descriptor that nothing else can close,
    // so it stays valid and refers to the same file description for the AsyncFd's
    // whole life, and `as_raw_fd` of an OwnedFd always returns it.
    let registered = unsafe { AsyncFd::register_with_interest(dup, Interest::READABLE) };
    let Ok(async_fd) = registered else {
        return Ok(());
    };
    loop {
        let mut guard = async_fd.readable().await?;
        // tokio's readiness is edge-triggered and may be stale; poll(2) with a zero
        // timeout says whether input (or hang-up) is really there, so the read that
        // follows cannot block the runtime.
        if has_input(fd)? {
            return Ok(());
        }
        guard.clear_ready();
    }
}

fn has_input(fd: BorrowedFd<'_>) -> io::Result<bool> {
    let mut fds = [PollFd::new(fd.as_fd(), PollFlags::POLLIN)];
    loop {
        match poll(&mut fds, PollTimeout::ZERO) {
            Ok(n) => return Ok(n > 0),
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}
