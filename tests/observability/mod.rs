//! The observability suites (README, "Observability"): metrics scraped by a real
//! Prometheus and checked by promtool, the health endpoints, JSON and timestamped
//! logs, rotation by time with gzip'ed backups, env files, and the systemd notify
//! protocol on a real datagram socket. Helpers shared by them are here.

mod env_files;
mod health;
mod logs;
mod prometheus;
mod rotation;
mod sd_notify;

use std::path::Path;

use crate::support::DEADLINE;
use crate::support::http::exchange;
pub use crate::support::http::{AUTH, Reply};

/// `GET path` on 127.0.0.1:`port`, with `extra` header lines (e.g. [`AUTH`]).
pub fn get(port: u16, path: &str, extra: &str) -> Reply {
    let s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(DEADLINE)).unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}Connection: close\r\n\r\n");
    exchange(s, &req, None)
}

/// `GET path` on a unix socket.
pub fn get_unix(sock: &Path, path: &str) -> Reply {
    let s = std::os::unix::net::UnixStream::connect(sock).unwrap();
    s.set_read_timeout(Some(DEADLINE)).unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    exchange(s, &req, None)
}

/// Waits until the TCP port accepts connections.
#[track_caller]
pub fn wait_for_port(port: u16) {
    assert!(
        crate::support::wait_until(DEADLINE, || std::net::TcpStream::connect((
            "127.0.0.1",
            port
        ))
        .is_ok()),
        "nothing listens on port {port}"
    );
}
