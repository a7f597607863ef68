//! One accepted connection, served by hyper (HTTP/1.1 and h2c on the same socket)
//! with the limits of [`crate::limits`]: the HTTP/2 caps are hyper's settings; the
//! deadlines hyper has no notion of are kept here, from what the connection does:
//!
//! - a request head must arrive within [`HEADER_TIMEOUT`] of its first byte (and a
//!   new connection must bring its first request within as long): otherwise the
//!   connection is dropped. hyper's own header timeout would also close an idle
//!   keep-alive connection after that long, which Supervisor's clients do not
//!   expect (they keep one between calls);
//! - a connection with no request in flight is closed after [`IDLE_TIMEOUT`];
//! - request bodies get [`BODY_TIMEOUT`] ([`crate::bodies`]).
//!
//! "In flight" runs from the moment a request reaches the router until its response
//! body is sent or dropped, so a `/logtail` stream is never idle.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;
use tokio::time::Instant;
use tower::ServiceExt;

use crate::bodies::{DeadlineBody, GuardedBody};
use crate::limits::{
    BODY_TIMEOUT, HEADER_TIMEOUT, IDLE_TIMEOUT, MAX_HEAD_BYTES, MAX_HEADER_LIST_BYTES, MAX_STREAMS,
    PING_INTERVAL, PING_TIMEOUT,
};
use crate::refusals::Peer;

const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// How long a connection told to close may take to finish what is in flight.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// What the connection's parts know of it (shared by the socket wrapper, the
/// service and the task that enforces the deadlines).
struct Track {
    /// The clock the millisecond fields count from.
    epoch: Instant,
    in_flight: AtomicUsize,
    /// When the last request finished (ms since `epoch`).
    idle_since: AtomicU64,
    /// When the first byte of a request head arrived with none in flight (ms since
    /// `epoch`, plus one; 0: no head pending).
    head_since: AtomicU64,
    /// The client spoke HTTP/2 (its bytes between streams are frames, not heads).
    http2: AtomicBool,
    /// The first read happened.
    started: AtomicBool,
    /// Something the deadlines depend on changed.
    wake: Notify,
}

impl Track {
    fn new() -> Arc<Track> {
        let track = Track {
            epoch: Instant::now(),
            in_flight: AtomicUsize::new(0),
            idle_since: AtomicU64::new(0),
            // A new connection must bring its first request in time too.
            head_since: AtomicU64::new(1),
            http2: AtomicBool::new(false),
            started: AtomicBool::new(false),
            wake: Notify::new(),
        };
        Arc::new(track)
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn at(&self, ms: u64) -> Instant {
        self.epoch + Duration::from_millis(ms)
    }

    /// Bytes arrived from the client.
    fn read(&self, bytes: &[u8]) {
        if !self.started.swap(true, Ordering::Relaxed) {
            let n = bytes.len().min(H2_PREFACE.len());
            if bytes[..n] == H2_PREFACE[..n] {
                self.http2.store(true, Ordering::Relaxed);
            }
            return;
        }
        if self.http2.load(Ordering::Relaxed) || self.in_flight.load(Ordering::Relaxed) > 0 {
            return;
        }
        if self.head_since.load(Ordering::Relaxed) == 0 {
            self.head_since.store(self.now_ms() + 1, Ordering::Relaxed);
            self.wake.notify_one();
        }
    }

    /// A request reached the router: in flight until the guard goes.
    fn start(self: &Arc<Track>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        self.head_since.store(0, Ordering::Relaxed);
        InFlight(self.clone())
    }

    /// When the connection must be closed unless something happens first.
    fn deadline(&self) -> Option<Instant> {
        if self.in_flight.load(Ordering::Relaxed) > 0 {
            return None;
        }
        let idle = self.at(self.idle_since.load(Ordering::Relaxed)) + IDLE_TIMEOUT;
        match self.head_since.load(Ordering::Relaxed) {
            0 => Some(idle),
            since => Some(idle.min(self.at(since - 1) + HEADER_TIMEOUT)),
        }
    }
}

/// One request in flight on a connection.
struct InFlight(Arc<Track>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let track = &self.0;
        track.idle_since.store(track.now_ms(), Ordering::Relaxed);
        if track.in_flight.fetch_sub(1, Ordering::Relaxed) == 1 {
            track.wake.notify_one();
        }
    }
}

/// The socket, reporting what it reads to the connection's [`Track`].
struct Watched<S> {
    io: S,
    track: Arc<Track>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.io).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.track.read(&buf.filled()[before..]);
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}

/// hyper's settings: both protocols, the caps of [`crate::limits`].
fn builder() -> Builder<TokioExecutor> {
    let mut b = Builder::new(TokioExecutor::new());
    b.http1()
        .timer(TokioTimer::new())
        .header_read_timeout(None)
        .max_buf_size(MAX_HEAD_BYTES);
    b.http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(MAX_STREAMS)
        .max_header_list_size(MAX_HEADER_LIST_BYTES)
        .max_send_buf_size(MAX_HEAD_BYTES)
        .keep_alive_interval(PING_INTERVAL)
        .keep_alive_timeout(PING_TIMEOUT);
    b
}

/// Serves `io` until the client goes or a deadline passes.
pub async fn serve<S>(io: S, peer: Peer, router: Router)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let track = Track::new();
    let io = TokioIo::new(Watched {
        io,
        track: track.clone(),
    });
    let service = {
        let track = track.clone();
        hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
            let in_flight = track.start();
            let router = router.clone();
            let peer = peer.clone();
            async move {
                let (mut parts, body) = req.into_parts();
                parts.extensions.insert(peer);
                let body = DeadlineBody::new(Body::new(body), Instant::now() + BODY_TIMEOUT);
                let req = Request::from_parts(parts, Body::new(body));
                let resp = router.oneshot(req).await.unwrap_or_else(|e| match e {});
                Ok::<_, Infallible>(resp.map(|b| Body::new(GuardedBody::new(b, in_flight))))
            }
        })
    };
    let builder = builder();
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    let mut hard_stop: Option<Instant> = None;
    loop {
        let deadline = hard_stop.or_else(|| track.deadline());
        let sleep = async {
            match deadline {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = conn.as_mut() => return,
            () = track.wake.notified() => {}
            () = sleep => {
                let now = Instant::now();
                if hard_stop.is_some_and(|h| now >= h) {
                    return;
                }
                if track.deadline().is_some_and(|d| now >= d) {
                    if !track.http2.load(Ordering::Relaxed) {
                        return; // nothing in flight: just close
                    }
                    // HTTP/2: say GOAWAY, so the client opens a new connection.
                    conn.as_mut().graceful_shutdown();
                    hard_stop = Some(now + CLOSE_GRACE);
                }
            }
        }
    }
}
