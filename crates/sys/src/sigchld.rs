//! How the reaper hears that a child died. A signal handler (tokio's) runs on whichever
//! thread the kernel picks among those that do not block the signal, and the kernel
//! picks sleepers too (kernel/signal.c `complete_signal`): an idle runtime worker, or a
//! blocking-pool thread parked for its 10 s keep-alive, was woken for every child exit
//! only to write a byte to tokio's signal socket and go back to sleep. Measured in a
//! churn run: the parked blocking thread alone took a tenth of the daemon's CPU, and
//! the handler, its `sendto`, `rt_sigreturn` and the restarted sleeps were each a few
//! percent more (BENCHMARKS.md, churn).
//!
//! So the daemon blocks SIGCHLD in every thread ([`block_sigchld_in_new_threads`],
//! before the runtime starts: threads inherit their creator's mask) and reads it from
//! a `signalfd` in the runtime's poll set: a child's death makes that descriptor
//! readable and wakes only the worker that polls, which reaps. Children get an empty
//! mask back before `exec` (child.rs).
//!
//! tokio's handler stays installed beside it, so a process whose threads do not all
//! block SIGCHLD (a test binary) still hears every exit: a SIGCHLD is either taken by
//! the handler or left pending for the descriptor, never dropped (SIGCHLD's default
//! action is to discard it; a handler makes it deliverable).

// Registers a descriptor with the runtime; the `unsafe` block states why it is sound.
#![allow(unsafe_code)]

use std::io;

use nix::sys::signal::{SigSet, SigmaskHow, Signal, pthread_sigmask};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;
use tokio::signal::unix::{SignalKind, signal};

/// Blocks SIGCHLD on the calling thread, and so in every thread it starts from now on
/// (the runtime's workers and theirs): the reaper then reads it from its descriptor.
/// Call it on the main thread before the runtime is built.
pub fn block_sigchld_in_new_threads() {
    let mut set = SigSet::empty();
    set.add(Signal::SIGCHLD);
    // pthread_sigmask cannot fail with a valid `how` and set.
    let _ = pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(&set), None);
}

/// The two ways a SIGCHLD reaches the reaper (see the module doc).
pub(crate) struct ChildSignals {
    handler: tokio::signal::unix::Signal,
    /// `None` where signalfd is unavailable: the handler alone serves.
    fd: Option<AsyncFd<SignalFd>>,
}

impl ChildSignals {
    /// Both listeners, before the reaper's first pass: a SIGCHLD after that pass is
    /// heard, one before it is covered by it. Inside a tokio runtime.
    pub(crate) fn listen() -> io::Result<ChildSignals> {
        let handler = signal(SignalKind::child())?;
        let mut set = SigSet::empty();
        set.add(Signal::SIGCHLD);
        let fd = SignalFd::with_flags(&set, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC)
            .ok()
            // SAFETY: the AsyncFd owns the SignalFd, whose descriptor nothing else can
            // close, so it stays open and the same for the registration's whole life.
            .and_then(|fd| unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE) }.ok());
        Ok(ChildSignals { handler, fd })
    }

    /// Waits for the next SIGCHLD (or several: they coalesce, and each pass reaps every
    /// dead child). `false` once the handler's stream has ended (the runtime is going).
    pub(crate) async fn next(&mut self) -> bool {
        let Some(fd) = &self.fd else {
            return self.handler.recv().await.is_some();
        };
        tokio::select! {
            got = self.handler.recv() => got.is_some(),
            ready = fd.readable() => {
                if let Ok(mut guard) = ready {
                    // Empties the descriptor: EAGAIN (`Ok(None)`) or an error ends it.
                    while let Ok(Some(_)) = fd.get_ref().read_signal() {}
                    guard.clear_ready();
                }
                true
            }
        }
    }
}
