//! A TCP connect that finishes in the call when it can: a non-blocking connect to a
//! local address completes (or is refused) within the `connect` syscall, so a probe
//! can know the answer with a zero-timeout `poll` — no registration with the
//! runtime's reactor, no second wakeup. Health checks of many programs on loopback
//! pay a fraction of what a reactor round trip per probe costs.

use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd};

use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::socket::{
    AddressFamily, SockFlag, SockType, SockaddrStorage, connect, getsockopt, socket, sockopt,
};

/// What [`connect_now`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectNow {
    /// The connection was accepted (it is closed again at once).
    Accepted,
    /// It was refused, or failed: the OS's error.
    Failed(String),
    /// Not decided within the call (a remote host): ask again the slow way.
    Pending,
}

/// Tries to connect to `addr` without waiting.
pub fn connect_now(addr: SocketAddr) -> ConnectNow {
    let family = match addr {
        SocketAddr::V4(_) => AddressFamily::Inet,
        SocketAddr::V6(_) => AddressFamily::Inet6,
    };
    let flags = SockFlag::SOCK_NONBLOCK | SockFlag::SOCK_CLOEXEC;
    let fd = match socket(family, SockType::Stream, flags, None) {
        Ok(fd) => fd,
        Err(e) => return ConnectNow::Failed(std::io::Error::from(e).to_string()),
    };
    let target = SockaddrStorage::from(addr);
    match connect(fd.as_raw_fd(), &target) {
        Ok(()) => return ConnectNow::Accepted,
        Err(Errno::EINPROGRESS) => {}
        Err(e) => return ConnectNow::Failed(std::io::Error::from(e).to_string()),
    }
    let mut fds = [PollFd::new(fd.as_fd(), PollFlags::POLLOUT)];
    match poll(&mut fds, PollTimeout::ZERO) {
        Ok(n) if n > 0 => match getsockopt(&fd, sockopt::SocketError) {
            Ok(0) => ConnectNow::Accepted,
            Ok(code) => ConnectNow::Failed(std::io::Error::from_raw_os_error(code).to_string()),
            Err(e) => ConnectNow::Failed(std::io::Error::from(e).to_string()),
        },
        _ => ConnectNow::Pending,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_listener_accepts_and_a_closed_port_refuses_within_the_call() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let open = listener.local_addr().unwrap();
        assert_eq!(connect_now(open), ConnectNow::Accepted);
        drop(listener);
        assert!(matches!(connect_now(open), ConnectNow::Failed(e) if e.contains("refused")));
    }
}
