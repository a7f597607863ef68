//! Tests of [`create_listen_socket`] on real sockets: TCP and unix, options applied,
//! the descriptor's flags, and Supervisor's error texts.

use std::os::unix::fs::PermissionsExt;

use nix::fcntl::{FcntlArg, FdFlag, OFlag, fcntl};
use nix::sys::socket::{getsockopt, sockopt};

use super::*;

fn tcp_spec(port: u16) -> ListenSpec {
    ListenSpec {
        url: SocketUrl::Tcp {
            host: "127.0.0.1".into(),
            port,
        },
        backlog: None,
        owner: None,
        mode: None,
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn tcp_socket_listens_blocking_cloexec_reuseaddr_above_stdio() {
    let port = free_port();
    let s = create_listen_socket(&tcp_spec(port)).unwrap();
    assert!(s.as_raw_fd() > 2);
    let fd_flags = FdFlag::from_bits_truncate(fcntl(&s, FcntlArg::F_GETFD).unwrap());
    assert!(fd_flags.contains(FdFlag::FD_CLOEXEC));
    let fl = OFlag::from_bits_truncate(fcntl(&s, FcntlArg::F_GETFL).unwrap());
    assert!(
        !fl.contains(OFlag::O_NONBLOCK),
        "children accept on a blocking socket"
    );
    assert!(getsockopt(&s, sockopt::ReuseAddr).unwrap());
    assert!(getsockopt(&s, sockopt::AcceptConn).unwrap());
    std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
}

#[test]
fn clones_share_the_descriptor_until_the_last_goes() {
    let port = free_port();
    let s = create_listen_socket(&tcp_spec(port)).unwrap();
    let other = s.clone();
    assert_eq!(s.as_raw_fd(), other.as_raw_fd());
    drop(s);
    std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    drop(other);
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}

#[test]
fn localhost_is_resolved_to_ipv4() {
    let port = free_port();
    let spec = ListenSpec {
        url: SocketUrl::Tcp {
            host: "localhost".into(),
            port,
        },
        ..tcp_spec(port)
    };
    let _s = create_listen_socket(&spec).unwrap();
    std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
}

#[test]
fn a_port_in_use_is_pythons_oserror() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let err = create_listen_socket(&tcp_spec(port)).unwrap_err();
    assert!(
        matches!(err, ListenError::Bind(Errno::EADDRINUSE)),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "[Errno 98] Address already in use");
}

#[test]
fn an_address_not_on_this_host_cannot_be_bound() {
    // TEST-NET-1 (RFC 5737) is never a local address.
    let spec = ListenSpec {
        url: SocketUrl::Tcp {
            host: "192.0.2.1".into(),
            port: 9000,
        },
        ..tcp_spec(9000)
    };
    let err = create_listen_socket(&spec).unwrap_err();
    assert_eq!(
        err.to_string(),
        "[Errno 99] Cannot assign requested address"
    );
}

fn unix_spec(path: &Path) -> ListenSpec {
    ListenSpec {
        url: SocketUrl::Unix(path.to_path_buf()),
        backlog: Some(7),
        owner: Some((nix::unistd::getuid().as_raw(), u32::MAX)),
        mode: Some(0o700),
    }
}

#[test]
fn unix_socket_replaces_a_stale_file_and_gets_its_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("php.sock");
    std::fs::write(&path, "stale").unwrap();
    let s = create_listen_socket(&unix_spec(&path)).unwrap();
    let meta = std::fs::metadata(&path).unwrap();
    assert!(std::os::unix::fs::FileTypeExt::is_socket(&meta.file_type()));
    assert_eq!(meta.permissions().mode() & 0o777, 0o700);
    std::os::unix::net::UnixStream::connect(&path).unwrap();
    // Closing does not remove the file (Supervisor's `_close` only closes).
    drop(s);
    assert!(path.exists());
}

#[test]
fn unix_socket_in_a_missing_directory_is_an_error_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing/php.sock");
    let err = create_listen_socket(&unix_spec(&path)).unwrap_err();
    assert_eq!(err.to_string(), "[Errno 2] No such file or directory");
}

#[test]
fn a_chown_that_fails_removes_the_file() {
    if nix::unistd::getuid().is_root() {
        // root may chown to anyone: the failure cannot be provoked.
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("php.sock");
    let spec = ListenSpec {
        owner: Some((0, 0)),
        ..unix_spec(&path)
    };
    let err = create_listen_socket(&spec).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("Could not change ownership of socket file: [Errno 1]"),
        "{err}"
    );
    assert!(!path.exists());
}

#[test]
fn a_path_too_long_for_sun_path_says_so() {
    let long = format!("/tmp/{}.sock", "x".repeat(200));
    let err = create_listen_socket(&unix_spec(Path::new(&long))).unwrap_err();
    assert_eq!(err.to_string(), "AF_UNIX path too long");
}
