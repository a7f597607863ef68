//! Raw HTTP for the suites that talk to supervisord's listeners byte by byte: one
//! request written, the answer read until the server closes (or until given bytes
//! arrived, for streams that never end), split into status, head and body.

use std::io::{Read, Write};
use std::time::Instant;

use super::DEADLINE;

/// `Authorization` for `user:s3cr3t`, the credentials these suites configure.
pub const AUTH: &str = "Authorization: Basic dXNlcjpzM2NyM3Q=\r\n";

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub head: String,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    }
}

/// Sends `req` (a full request) and reads the answer until the server closes, or,
/// with `until`, until those bytes arrived (for never-ending streams).
pub fn exchange(mut s: impl Read + Write, req: &str, until: Option<&str>) -> Reply {
    s.write_all(req.as_bytes()).unwrap();
    let end = Instant::now() + DEADLINE;
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let text = String::from_utf8_lossy(&raw);
        if until.is_some_and(|u| text.contains(u)) || Instant::now() > end {
            break;
        }
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
