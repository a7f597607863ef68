//! A child's stdin for `sendProcessStdin`: the pipe's write end is owned by a small
//! task fed through an unbounded queue, so a child that does not read never blocks
//! its actor (Supervisor buffers the same way and writes when the pipe is writable).
//! Holding the write end open also means the child never sees a spurious EOF.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::io::AsyncWriteExt;
use tokio::net::unix::pipe;
use tokio::sync::mpsc;

#[derive(Clone)]
pub struct StdinWriter {
    tx: mpsc::UnboundedSender<Vec<u8>>,
    /// Set once a write failed (EPIPE: the child closed its stdin).
    broken: Arc<AtomicBool>,
}

impl StdinWriter {
    pub fn new(mut pipe: pipe::Sender) -> StdinWriter {
        let (tx, mut rx) = mpsc::unbounded_channel::<Vec<u8>>();
        let broken = Arc::new(AtomicBool::new(false));
        let flag = broken.clone();
        tokio::spawn(async move {
            while let Some(data) = rx.recv().await {
                if pipe.write_all(&data).await.is_err() {
                    flag.store(true, Ordering::Relaxed);
                    return;
                }
            }
        });
        StdinWriter { tx, broken }
    }

    /// Queues `data`; `false` when the pipe is known to be closed.
    pub fn send(&self, data: Vec<u8>) -> bool {
        !self.broken.load(Ordering::Relaxed) && self.tx.send(data).is_ok()
    }
}
