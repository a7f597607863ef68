//! Two body wrappers the listener puts around every exchange: a request body with a
//! deadline ([`limits::BODY_TIMEOUT`]: a client announcing a body it never sends
//! gets an error where the handler reads it, instead of holding the request open),
//! and a response body that carries a guard until it is sent or dropped (how a
//! connection knows it has no request in flight, for its idle deadlines).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use http_body::{Frame, SizeHint};
use tokio::time::{Instant, Sleep};

/// A request body that fails once `deadline` has passed.
pub struct DeadlineBody {
    inner: Body,
    sleep: Pin<Box<Sleep>>,
}

impl DeadlineBody {
    pub fn new(inner: Body, deadline: Instant) -> DeadlineBody {
        DeadlineBody {
            inner,
            sleep: Box::pin(tokio::time::sleep_until(deadline)),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive in time")]
pub struct BodyTimeout;

impl http_body::Body for DeadlineBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            note(&frame);
            return Poll::Ready(frame);
        }
        match self.sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(axum::Error::new(BodyTimeout)))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A response body holding `G` until it is finished or dropped.
pub struct GuardedBody<G> {
    inner: Body,
    guard: Option<G>,
}

impl<G> GuardedBody<G> {
    pub fn new(inner: Body, guard: G) -> GuardedBody<G> {
        GuardedBody {
            inner,
            guard: Some(guard),
        }
    }
}

impl<G: Unpin> http_body::Body for GuardedBody<G> {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(frame) = &polled {
            note(frame);
        }
        if matches!(polled, Poll::Ready(None | Some(Err(_)))) {
            self.guard = None;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Counts a data frame towards the next memory trim ([`crate::memory`]).
fn note(frame: &Option<Result<Frame<Bytes>, axum::Error>>) {
    if let Some(Ok(frame)) = frame
        && let Some(data) = frame.data_ref()
    {
        crate::memory::note(data.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test(start_paused = true)]
    async fn a_body_that_stalls_fails_at_its_deadline() {
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<Frame<Bytes>, std::io::Error>>(1);
        let inner = Body::new(http_body_util_stream(rx));
        let body = DeadlineBody::new(inner, Instant::now() + Duration::from_secs(30));
        tx.send(Ok(Frame::data(Bytes::from_static(b"0123"))))
            .await
            .unwrap();
        let started = Instant::now();
        let got = axum::body::to_bytes(Body::new(body), 1000).await;
        assert!(got.is_err());
        assert_eq!(started.elapsed(), Duration::from_secs(30));
        drop(tx);
    }

    /// A body fed from a channel (the sender held open = a stalled client).
    fn http_body_util_stream(
        rx: tokio::sync::mpsc::Receiver<Result<Frame<Bytes>, std::io::Error>>,
    ) -> impl http_body::Body<Data = Bytes, Error = std::io::Error> + Send + 'static {
        struct Rx(tokio::sync::mpsc::Receiver<Result<Frame<Bytes>, std::io::Error>>);
        impl http_body::Body for Rx {
            type Data = Bytes;
            type Error = std::io::Error;
            fn poll_frame(
                mut self: Pin<&mut Self>,
                cx: &mut Context<'_>,
            ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
                self.0.poll_recv(cx)
            }
        }
        Rx(rx)
    }

    #[test]
    fn the_guard_goes_when_the_body_ends() {
        let flag = std::sync::Arc::new(());
        let body = GuardedBody::new(Body::from("abc"), flag.clone());
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let bytes = rt
            .block_on(axum::body::to_bytes(Body::new(body), 10))
            .unwrap();
        assert_eq!(&bytes[..], b"abc");
        assert_eq!(std::sync::Arc::strong_count(&flag), 1);
    }
}
