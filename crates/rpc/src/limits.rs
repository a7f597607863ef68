//! What one client may cost the daemon on a listener: deadlines, caps and the
//! descriptor reserve, in one place so README's "Security" section can state them.
//! Supervisor (medusa) has none of these; its only one is a 30-minute zombie
//! timeout checked every 500 new connections (medusa `http_server.py`,
//! `http_channel.kill_zombies`).

use std::time::Duration;

/// A request's head (request line and headers) must arrive within this long of its
/// first byte; a new connection must bring its first request within this long too.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// A request body must arrive in full within this long of its head.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);

/// A connection with no request in flight is closed after this long. Longer than
/// an hour so a listener on `TICK_3600` that keeps its XML-RPC connection between
/// ticks (superlance's do, through Supervisor's `SupervisorTransport`) keeps it.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(2 * 3600);

/// After a refused request (401), how long the rest of its body is read and
/// dropped before the connection closes, so the client reads our answer instead
/// of a connection reset (medusa reads it too).
pub const LINGER: Duration = Duration::from_secs(2);

/// The most of a refused request's body that is read while lingering.
pub const LINGER_BYTES: usize = 1 << 20;

/// Connections open at once on one listener; more wait in the kernel's backlog.
pub const MAX_CONNECTIONS: usize = 512;

/// HTTP/2 streams open at once on one connection.
pub const MAX_STREAMS: u32 = 32;

/// The largest HTTP/1 head, and the most bytes buffered per HTTP/1 connection or
/// per HTTP/2 stream on their way to a client.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;

/// The largest HTTP/2 header block (gRPC metadata included).
pub const MAX_HEADER_LIST_BYTES: u32 = 64 * 1024;

/// HTTP/2 keep-alive: a ping after this much silence, and the connection is closed
/// if the ping is not answered within [`PING_TIMEOUT`] (a peer that vanished).
pub const PING_INTERVAL: Duration = Duration::from_secs(60);
pub const PING_TIMEOUT: Duration = Duration::from_secs(20);

/// Descriptors kept free for children (their pipes and log files) and the daemon's
/// own files: listeners stop accepting when fewer than this would be left.
pub fn fd_reserve(limit: u64) -> u64 {
    (limit / 8).max(64)
}
