//! The listening socket of an `[fcgi-program:x]`: created, bound and put to listen by
//! supervisord before its first child is spawned, then handed to every child as its
//! fd 0 (datatypes.py `InetStreamSocketConfig.create_and_bind` /
//! `UnixStreamSocketConfig.create_and_bind`, socket_manager.py `_prepare_socket`).
//! This module only makes the socket; who holds it, and when it is closed, is the
//! daemon's business (the group's reference count).
//!
//! As in Supervisor: a TCP socket gets `SO_REUSEADDR` before `bind`; a unix socket
//! replaces an existing file at its path, is chowned (`socket_owner`) and chmodded
//! (`socket_mode`) after `bind`, and on any failure is closed and its file removed;
//! `listen` uses `socket_backlog`, else `SOMAXCONN`. The descriptor is blocking (the
//! children `accept` on it) and close-on-exec, so only the children it is given to
//! as fd 0 inherit it, and it is never one of fds 0–2.
//!
//! Errors read as Python's `OSError` does (`[Errno 98] Address already in use`), the
//! text Supervisor puts after `Could not create FastCGI socket <url>: `.

use std::net::{Ipv4Addr, SocketAddrV4, ToSocketAddrs};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use nix::errno::Errno;
use nix::sys::socket::{
    AddressFamily, Backlog, SockFlag, SockType, SockaddrIn, UnixAddr, bind, listen, setsockopt,
    socket, sockopt,
};
use nix::unistd::{Gid, Uid, chown};
use supervisor_model::{SocketUrl, py_repr};

use crate::spawn::above_stdio;

/// What to create: the validated `socket`, `socket_backlog`, `socket_owner` and
/// `socket_mode` of an `[fcgi-program:x]` (the last two apply to unix sockets only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenSpec {
    pub url: SocketUrl,
    /// `listen()` backlog; `None` is `SOMAXCONN`.
    pub backlog: Option<u32>,
    /// `(uid, gid)` to chown the socket file to; a gid of `u32::MAX` (-1) keeps the
    /// file's group.
    pub owner: Option<(u32, u32)>,
    /// Permission bits of the socket file.
    pub mode: Option<u32>,
}

/// A listening socket. Clones share one descriptor, closed when the last clone goes.
#[derive(Debug, Clone)]
pub struct ListenSocket(Arc<OwnedFd>);

impl ListenSocket {
    pub fn as_raw_fd(&self) -> RawFd {
        self.0.as_raw_fd()
    }
}

impl AsFd for ListenSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.0.as_fd()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    #[error("cannot resolve host {host}: {source}")]
    Resolve {
        host: String,
        #[source]
        source: std::io::Error,
    },
    #[error("host {host} has no IPv4 address")]
    NoIpv4 { host: String },
    #[error("{}", os_error(*.0))]
    Socket(#[source] Errno),
    #[error("{}", os_error(*.0))]
    ReuseAddr(#[source] Errno),
    #[error("{}: {}", os_error(*.source), py_repr(&.path.to_string_lossy()))]
    Unlink {
        path: PathBuf,
        #[source]
        source: Errno,
    },
    /// Python's own wording for a path longer than `sun_path`.
    #[error("AF_UNIX path too long")]
    PathTooLong,
    #[error("{}", os_error(*.0))]
    Bind(#[source] Errno),
    #[error("Could not change ownership of socket file: {}: {}", os_error(*.source), py_repr(&.path.to_string_lossy()))]
    Chown {
        path: PathBuf,
        #[source]
        source: Errno,
    },
    #[error("Could not change permissions of socket file: {}: {}", os_error(*.source), py_repr(&.path.to_string_lossy()))]
    Chmod {
        path: PathBuf,
        #[source]
        source: Errno,
    },
    #[error("{}", os_error(*.0))]
    Listen(#[source] Errno),
}

/// Python's `str(OSError)`: `[Errno 98] Address already in use`.
fn os_error(e: Errno) -> String {
    format!("[Errno {}] {}", e as i32, e.desc())
}

fn errno_of(e: &std::io::Error) -> Errno {
    Errno::from_raw(e.raw_os_error().unwrap_or(0))
}

/// Creates, binds and listens on the socket `spec` describes.
pub fn create_listen_socket(spec: &ListenSpec) -> Result<ListenSocket, ListenError> {
    let fd = match &spec.url {
        SocketUrl::Tcp { host, port } => tcp(host, *port)?,
        SocketUrl::Unix(path) => unix(path, spec)?,
    };
    let backlog = match spec.backlog {
        // The kernel caps the backlog at net.core.somaxconn whatever is asked;
        // nix refuses more than SOMAXCONN, so ask for at most that.
        Some(n) => Backlog::new(i32::try_from(n).unwrap_or(i32::MAX).min(libc::SOMAXCONN))
            .map_err(ListenError::Listen)?,
        None => Backlog::MAXCONN,
    };
    if let Err(e) = listen(&fd, backlog) {
        if let SocketUrl::Unix(path) = &spec.url {
            let _ = std::fs::remove_file(path);
        }
        return Err(ListenError::Listen(e));
    }
    Ok(ListenSocket(Arc::new(fd)))
}

fn new_socket(family: AddressFamily) -> Result<OwnedFd, ListenError> {
    let fd = socket(family, SockType::Stream, SockFlag::SOCK_CLOEXEC, None)
        .map_err(ListenError::Socket)?;
    above_stdio(fd).map_err(ListenError::Socket)
}

/// The first IPv4 address of `host`, as Python's AF_INET `bind((host, port))` resolves it.
fn ipv4_of(host: &str, port: u16) -> Result<SocketAddrV4, ListenError> {
    if let Ok(ip) = host.parse::<Ipv4Addr>() {
        return Ok(SocketAddrV4::new(ip, port));
    }
    let addrs = (host, port)
        .to_socket_addrs()
        .map_err(|source| ListenError::Resolve {
            host: host.to_string(),
            source,
        })?;
    addrs
        .filter_map(|a| match a {
            std::net::SocketAddr::V4(v4) => Some(v4),
            std::net::SocketAddr::V6(_) => None,
        })
        .next()
        .ok_or_else(|| ListenError::NoIpv4 {
            host: host.to_string(),
        })
}

fn tcp(host: &str, port: u16) -> Result<OwnedFd, ListenError> {
    let addr = ipv4_of(host, port)?;
    let fd = new_socket(AddressFamily::Inet)?;
    setsockopt(&fd, sockopt::ReuseAddr, &true).map_err(ListenError::ReuseAddr)?;
    bind(fd.as_raw_fd(), &SockaddrIn::from(addr)).map_err(ListenError::Bind)?;
    Ok(fd)
}

fn unix(path: &Path, spec: &ListenSpec) -> Result<OwnedFd, ListenError> {
    // Supervisor removes whatever is at the path first (a stale socket of an earlier
    // run), following symlinks as os.path.exists does.
    if path.exists() {
        std::fs::remove_file(path).map_err(|e| ListenError::Unlink {
            path: path.to_path_buf(),
            source: errno_of(&e),
        })?;
    }
    let addr = UnixAddr::new(path).map_err(|_| ListenError::PathTooLong)?;
    let fd = new_socket(AddressFamily::Unix)?;
    let bound = bind(fd.as_raw_fd(), &addr)
        .map_err(ListenError::Bind)
        .and_then(|()| set_owner_and_mode(path, spec));
    if let Err(e) = bound {
        drop(fd);
        if path.exists() {
            let _ = std::fs::remove_file(path);
        }
        return Err(e);
    }
    Ok(fd)
}

fn set_owner_and_mode(path: &Path, spec: &ListenSpec) -> Result<(), ListenError> {
    if let Some((uid, gid)) = spec.owner {
        let gid = (gid != u32::MAX).then(|| Gid::from_raw(gid));
        chown(path, Some(Uid::from_raw(uid)), gid).map_err(|source| ListenError::Chown {
            path: path.to_path_buf(),
            source,
        })?;
    }
    if let Some(mode) = spec.mode {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(|e| {
            ListenError::Chmod {
                path: path.to_path_buf(),
                source: errno_of(&e),
            }
        })?;
    }
    Ok(())
}

#[cfg(test)]
#[path = "listen_tests.rs"]
mod tests;
