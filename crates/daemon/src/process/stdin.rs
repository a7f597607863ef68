//! A child's stdin for `sendProcessStdin`: the pipe's write end is owned by a small
//! task fed through an unbounded queue, so a child that does not read never blocks
//! its actor (Supervisor buffers the same way and writes when the pipe is writable).
//! Holding the write end open also means the child never sees a spurious EOF.
//!
//! The pipe's registration with the runtime, the task and its queue are only created
//! by the first write: most children are never sent anything, and an idle daemon
//! should not pay a task and a reactor registration per child (BENCHMARKS.md, idle memory).

use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::AsyncWriteExt;
use tokio::net::unix::pipe;
use tokio::sync::mpsc;

#[derive(Clone)]
pub struct StdinWriter {
    inner: Arc<Mutex<Inner>>,
    /// Set once a write failed (EPIPE: the child closed its stdin).
    broken: Arc<AtomicBool>,
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
        }
    }

    /// Queues `data`; `false` when the pipe is known to be closed.
    pub fn send(&self, data: Vec<u8>) -> bool {
        if self.broken.load(Ordering::Relaxed) {
            return false;
        }
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if let Inner::Idle(_) = &*inner
            && let Inner::Idle(fd) = std::mem::replace(&mut *inner, Inner::Closed)
        {
            // Sets the write end non-blocking and registers it (a pipe, opened by us).
            let Ok(mut pipe) = pipe::Sender::from_owned_fd(fd) else {
                self.broken.store(true, Ordering::Relaxed);
                return false;
            };
            let (tx, mut rx) = mpsc::unbounded_channel::<Vec<u8>>();
            let flag = self.broken.clone();
            tokio::spawn(async move {
                while let Some(data) = rx.recv().await {
                    if pipe.write_all(&data).await.is_err() {
                        flag.store(true, Ordering::Relaxed);
                        return;
                    }
                }
            });
            *inner = Inner::Queue(tx);
        }
        match &*inner {
            Inner::Queue(tx) => tx.send(data).is_ok(),
            _ => false,
        }
    }
}
