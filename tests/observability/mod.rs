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

use std::io::{Read, Write};
use std::path::Path;
use std::time::Instant;

use crate::support::DEADLINE;

/// `user:s3cr3t`.
pub const AUTH: &str = "Authorization: Basic dXNlcjpzM2NyM3Q=\r\n";

/// An answer: status and body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub head: String,
    pub body: String,
}

fn exchange(mut s: impl Read + Write, req: &str) -> Reply {
    s.write_all(req.as_bytes()).unwrap();
    let end = Instant::now() + DEADLINE;
    let mut raw = Vec::new();
    let mut buf = [0u8; 16384];
    while Instant::now() < end {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    Reply {
        status,
        head: head.to_string(),
        body: body.to_string(),
    }
}

/// `GET path` on 127.0.0.1:`port`, with `extra` header lines (e.g. [`AUTH`]).
pub fn get(port: u16, path: &str, extra: &str) -> Reply {
    let s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(DEADLINE)).unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}Connection: close\r\n\r\n");
    exchange(s, &req)
}

/// `GET path` on a unix socket.
pub fn get_unix(sock: &Path, path: &str) -> Reply {
    let s = std::os::unix::net::UnixStream::connect(sock).unwrap();
    s.set_read_timeout(Some(DEADLINE)).unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    exchange(s, &req)
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
