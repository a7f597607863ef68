//! A child's stdin for `sendProcessStdin`: the pipe's write end is owned by a small
//! task fed through a queue, so a child that does not read never blocks its actor
//! (Supervisor buffers the same way and writes when the pipe is writable). Holding
//! the write end open also means the child never sees a spurious EOF.
//!
//! Unlike Supervisor, whose buffer grows with every call, the queue holds at most
//! [`QUEUE_LIMIT`] bytes the child has not read yet (README, "Security"): a write
//! that would go past it is refused whole, and the caller gets a FAILED fault.
//!
//! The pipe's registration with the runtime, the task and its queue are only created
//! by the first write: most children are never sent anything, and an idle daemon
//! should not pay a task and a reactor registration per child (BENCHMARKS.md, idle memory).

use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::AsyncWriteExt;
use tokio::net::unix::pipe;
use tokio::sync::mpsc;

/// The most bytes that may wait for one child to read them: the pipe's own 64 KiB
/// aside, what was accepted and not yet written into it.
pub const QUEUE_LIMIT: usize = 1 << 20;

/// Why a write was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The pipe is closed (the child closed its stdin, or it is gone).
    Closed,
    /// The child has not read enough of what it was sent: [`QUEUE_LIMIT`].
    Full,
}

#[derive(Clone)]
pub struct StdinWriter {
    inner: Arc<Mutex<Inner>>,
    /// Set once a write failed (EPIPE: the child closed its stdin).
    broken: Arc<AtomicBool>,
    /// Bytes accepted whose write into the pipe has not completed.
    queued: Arc<AtomicUsize>,
}

enum Inner {
    /// Nothing written yet: just the pipe's write end.
    Idle(OwnedFd),
    /// The writer task runs.
    Queue(mpsc::UnboundedSender<Vec<u8>>),
    Closed,
}

impl StdinWriter {
    pub fn new(pipe: OwnedFd) -> StdinWriter {
        StdinWriter {
            inner: Arc::new(Mutex::new(Inner::Idle(pipe))),
            broken: Arc::new(AtomicBool::new(false)),
            queued: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Queues an event for a listener; `false` when the pipe is known to be closed.
    /// Not bounded by [`QUEUE_LIMIT`]: a pool hands a listener one event at a time
    /// and waits for its result before the next, so its queue holds one event.
    pub fn send(&self, data: Vec<u8>) -> bool {
        self.queue(data, usize::MAX).is_ok()
    }

    /// Queues `data` for `sendProcessStdin`, unless the pipe is known to be closed
    /// or the queue would then hold more than [`QUEUE_LIMIT`] bytes.
    pub fn send_bounded(&self, data: Vec<u8>) -> Result<(), Refused> {
        self.queue(data, QUEUE_LIMIT)
    }

    fn queue(&self, data: Vec<u8>, limit: usize) -> Result<(), Refused> {
        if self.broken.load(Ordering::Relaxed) {
            return Err(Refused::Closed);
        }
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        // Checked and counted under the lock, so two callers cannot both slip in.
        let len = data.len();
        if self.queued.load(Ordering::Relaxed).saturating_add(len) > limit {
            return Err(Refused::Full);
        }
        if let Inner::Idle(_) = &*inner
            && let Inner::Idle(fd) = std::mem::replace(&mut *inner, Inner::Closed)
        {
            // Sets the write end non-blocking and registers it (a pipe, opened by us).
            let Ok(mut pipe) = pipe::Sender::from_owned_fd(fd) else {
                self.broken.store(true, Ordering::Relaxed);
                return Err(Refused::Closed);
            };
            // Unbounded in messages, bounded in bytes by `queued`.
            let (tx, mut rx) = mpsc::unbounded_channel::<Vec<u8>>();
            let flag = self.broken.clone();
            let queued = self.queued.clone();
            tokio::spawn(async move {
                while let Some(data) = rx.recv().await {
                    let written = pipe.write_all(&data).await;
                    queued.fetch_sub(data.len(), Ordering::Relaxed);
                    if written.is_err() {
                        flag.store(true, Ordering::Relaxed);
                        return;
                    }
                }
            });
            *inner = Inner::Queue(tx);
        }
        match &*inner {
            Inner::Queue(tx) => {
                self.queued.fetch_add(len, Ordering::Relaxed);
                tx.send(data).map_err(|e| {
                    self.queued.fetch_sub(e.0.len(), Ordering::Relaxed);
                    Refused::Closed
                })
            }
            _ => Err(Refused::Closed),
        }
    }
}
