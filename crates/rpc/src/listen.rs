//! The accept loop of one listener, with the two limits that protect children and
//! other clients from a flood of connections:
//!
//! - at most [`MAX_CONNECTIONS`] open at once per listener;
//! - a reserve of descriptors ([`fd_reserve`]) left for children's pipes and log
//!   files: a restarting child must never fail with `too many open files` because
//!   clients hold the descriptors. An accepted socket's descriptor is the lowest
//!   free one, so it tells how many are in use; each open connection may still
//!   open one more (a followed log file), so both are counted.
//!
//! Past either limit the new connection is closed at once and the loop waits for a
//! connection to close (at most a second) before accepting again: the rest wait in
//! the kernel's backlog. The main log says so once when it starts and once when it
//! has been over for [`QUIET`].

use std::net::IpAddr;
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use tokio::net::{TcpListener, TcpStream, UnixListener, UnixStream};
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::auth::Notify as Log;
use crate::limits::{MAX_CONNECTIONS, fd_reserve};
use crate::refusals::Peer;

/// How long without a refused connection before the main log says it is over.
const QUIET: Duration = Duration::from_secs(5);

/// What every listener of a daemon shares: the descriptor budget and the log.
pub struct Shared {
    /// RLIMIT_NOFILE's soft limit when the listeners started.
    limit: u64,
    reserve: u64,
    /// Connections open on all listeners.
    open: AtomicUsize,
    log: Log,
}

impl Shared {
    pub fn new(log: Log) -> Arc<Shared> {
        let limit = nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE)
            .map_or(1024, |(soft, _)| soft);
        Arc::new(Shared {
            limit,
            reserve: fd_reserve(limit),
            open: AtomicUsize::new(0),
            log,
        })
    }
}

pub enum Listener {
    Unix(UnixListener),
    Tcp(TcpListener),
}

enum Stream {
    Unix(UnixStream),
    Tcp(TcpStream),
}

impl Listener {
    async fn accept(&self) -> std::io::Result<(Stream, Peer)> {
        match self {
            Listener::Unix(l) => {
                let (s, _) = l.accept().await?;
                let uid = s.peer_cred().map_or(u32::MAX, |c| c.uid());
                Ok((Stream::Unix(s), Peer::Unix { uid }))
            }
            Listener::Tcp(l) => {
                let (s, addr) = l.accept().await?;
                let _ = s.set_nodelay(true);
                Ok((Stream::Tcp(s), Peer::Tcp(canonical(addr.ip()))))
            }
        }
    }
}

/// An IPv4 client of a dual-stack socket counts as its IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

impl Stream {
    fn fd(&self) -> u64 {
        let fd = match self {
            Stream::Unix(s) => s.as_raw_fd(),
            Stream::Tcp(s) => s.as_raw_fd(),
        };
        u64::try_from(fd).unwrap_or(0)
    }
}

/// One listener's gate: how many connections it has open, and a signal when one
/// closes.
struct Gate {
    open: AtomicUsize,
    closed: Notify,
}

/// A run of refused connections, for the log.
struct Pressure {
    refused: u64,
    last: Instant,
}

/// Accepts connections on `listener` (named `name` in the log) and serves each
/// with `router`, until the runtime ends.
pub async fn run(listener: Listener, name: String, router: Router, shared: Arc<Shared>) {
    let gate = Arc::new(Gate {
        open: AtomicUsize::new(0),
        closed: Notify::new(),
    });
    let mut pressure: Option<Pressure> = None;
    loop {
        let quiet_until = pressure.as_ref().map(|p| p.last + QUIET);
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = sleep_until(quiet_until) => {
                if let Some(p) = pressure.take() {
                    (shared.log)(format!(
                        "{name}: accepting connections again ({} refused meanwhile)",
                        p.refused
                    ));
                }
                continue;
            }
        };
        let refusal = match &accepted {
            // Out of descriptors (or kernel memory) before we even saw the client.
            Err(e) => Some(format!("cannot accept connections: {e}")),
            Ok((stream, _)) => over_limit(&gate, &shared, stream.fd()),
        };
        let Some(why) = refusal else {
            let Ok((stream, peer)) = accepted else {
                continue;
            };
            spawn(stream, peer, router.clone(), gate.clone(), shared.clone());
            continue;
        };
        drop(accepted);
        let p = pressure.get_or_insert_with(|| {
            (shared.log)(format!("{name}: {why}"));
            Pressure {
                refused: 0,
                last: Instant::now(),
            }
        });
        p.refused += 1;
        p.last = Instant::now();
        // Wait for room: a connection that closes, or a second.
        let _ = tokio::time::timeout(Duration::from_secs(1), gate.closed.notified()).await;
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Why a connection accepted on descriptor `fd` must be turned away, if it must.
fn over_limit(gate: &Gate, shared: &Shared, fd: u64) -> Option<String> {
    if gate.open.load(Ordering::Relaxed) >= MAX_CONNECTIONS {
        return Some(format!(
            "not accepting connections: {MAX_CONNECTIONS} open (the most per listener)"
        ));
    }
    let open = u64::try_from(shared.open.load(Ordering::Relaxed)).unwrap_or(u64::MAX);
    // `fd` is the lowest free descriptor: at least that many are in use; this one
    // and every open connection may still take one more.
    if fd.saturating_add(open + 2).saturating_add(shared.reserve) > shared.limit {
        return Some(format!(
            "not accepting connections: {} descriptors of {} are kept for children",
            shared.reserve, shared.limit
        ));
    }
    None
}

fn spawn(stream: Stream, peer: Peer, router: Router, gate: Arc<Gate>, shared: Arc<Shared>) {
    gate.open.fetch_add(1, Ordering::Relaxed);
    shared.open.fetch_add(1, Ordering::Relaxed);
    tokio::spawn(async move {
        match stream {
            Stream::Unix(s) => crate::conn::serve(s, peer, router).await,
            Stream::Tcp(s) => crate::conn::serve(s, peer, router).await,
        }
        shared.open.fetch_sub(1, Ordering::Relaxed);
        gate.open.fetch_sub(1, Ordering::Relaxed);
        gate.closed.notify_waiters();
        crate::memory::note(crate::memory::CONNECTION);
    });
}
