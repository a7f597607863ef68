//! Moving one pipe's bytes out (a task per child runs both of its pumps): on each
//! wake-up, spliced into the log file while nothing else needs them
//! ([`Feed::log_only`]), else read into a per-thread scratch buffer (no buffer is held
//! per idle pipe) and handed to the [`Feed`] (output.rs). A busy pipe is drained, then
//! left to fill out of the runtime's poll set ([`paused`]).

use std::cell::RefCell;
use std::io;
use std::os::fd::AsFd;

use tokio::io::Interest;
use tokio::net::unix::pipe::Receiver;

use super::output::{Feed, Spliced};

/// Supervisor reads child pipes in chunks of up to 128 KiB.
const CHUNK: usize = 128 * 1024;

thread_local! {
    static SCRATCH: RefCell<Vec<u8>> = RefCell::new(vec![0; CHUNK]);
}

/// A wake-up that moved at least this much met a stream written faster than it is
/// read (a default pipe holds 64 KiB): its pipe grows to [`BUSY_PIPE`] and, once
/// drained, is left to fill for [`BUSY_PAUSE`] or a little more, up to the next point
/// of a [`BUSY_GRID`] shared by every pipe (crate::grid), so a flood costs a wake-up
/// per several hundred KiB instead of one per write of the child's (`seq` writes
/// 4 KiB), and busy pipes are drained on the same wake-up (BENCHMARKS.md, issue 20).
/// A child that writes less is read the moment it writes, as before. A pipe that
/// could not grow to at least [`BUSY_PAUSED_PIPE`] (a user over its pipe-size quota)
/// is never paused: 64 KiB per millisecond would throttle the child.
const BUSY: usize = 64 * 1024;
const BUSY_PAUSED_PIPE: usize = 256 * 1024;
const BUSY_PIPE: usize = 1024 * 1024;
const BUSY_PAUSE: std::time::Duration = std::time::Duration::from_millis(1);
const BUSY_GRID: std::time::Duration = std::time::Duration::from_millis(2);

/// One step of a pump.
enum Step {
    /// Bytes moved or read; the pipe may hold more.
    Took(usize),
    /// The pipe is empty for now.
    Drained,
    /// The pipe is closed (or broken).
    End,
}

/// Copies a pipe into its channel log (and events, capture, listener tap) until EOF.
pub async fn pump(mut rx: Receiver, mut feed: Feed) {
    let mut burst = 0;
    // Whether the pipe grew: `None` until the stream first proved busy.
    let mut pause: Option<bool> = None;
    loop {
        let Ok(ready) = rx.ready(Interest::READABLE).await else {
            break;
        };
        // The writers are gone and nothing is left: the end, told by one ioctl instead
        // of a splice (and its lseek) or a read returning 0 (a tenth of a restart's
        // system calls: every child's two pipes end this way).
        if ready.is_read_closed() && supervisor_sys::pipe_holds(rx.as_fd()).is_ok_and(|n| n == 0) {
            break;
        }
        let step = match feed.log_only().then(|| splice_step(&rx, &feed)).flatten() {
            Some(step) => step,
            None => read_step(&rx, &mut feed),
        };
        feed.drain_syslog().await;
        match step {
            Step::Took(n) => burst += n,
            Step::Drained => {
                let grown = if std::mem::take(&mut burst) >= BUSY {
                    *pause.get_or_insert_with(|| {
                        supervisor_sys::grow_pipe(rx.as_fd(), BUSY_PIPE)
                            .is_ok_and(|size| size >= BUSY_PAUSED_PIPE)
                    })
                } else {
                    false
                };
                if grown {
                    // Boxed: the pump's future (one per pipe, for the child's life)
                    // would otherwise carry a timer and a registration inline.
                    match Box::pin(paused(rx)).await {
                        Some(again) => rx = again,
                        // Cannot happen (see `paused`); the pipe is gone if it does.
                        None => break,
                    }
                }
            }
            Step::End => break,
        }
    }
    if let Some(capture) = &mut feed.capture {
        for piece in capture.finish() {
            feed.piece(piece);
        }
    }
    feed.drain_syslog().await;
}

/// A busy pipe left to fill until the next point of the [`BUSY_GRID`] at least
/// [`BUSY_PAUSE`] away, out of the runtime's poll set meanwhile: a pipe that was ever
/// polled wakes its epoll waiters on every write (fs/pipe.c `pipe_write`,
/// `poll_usage`), so a registered pipe filling at 4 KiB a write woke a parked worker
/// again and again during the pause (1,900 thread switches for 4×100 MB; 520 out of
/// the set, and a quarter less CPU: BENCHMARKS.md, issue 20). Leaving the set is an
/// `epoll_ctl`, which cannot fail for a registered descriptor; joining it again
/// registers a duplicate, so if that fails (the user's epoll watch limit, no free
/// descriptor) the pipe is still held and joining is tried again, after a wait that
/// doubles up to [`REJOIN_MAX`]. No deadline: giving up would close the child's pipe
/// and lose its bytes; meanwhile they wait in the pipe and the child blocks on it when
/// full, as on a slow reader (the child's exit is reported regardless: its exit watch
/// is not behind the pumps).
async fn paused(rx: Receiver) -> Option<Receiver> {
    let fd = rx.into_nonblocking_fd().ok()?;
    let until = tokio::time::Instant::now() + BUSY_PAUSE;
    tokio::time::sleep_until(crate::grid::round_up(until, BUSY_GRID)).await;
    let mut wait = BUSY_GRID;
    loop {
        if let Ok(dup) = fd.try_clone()
            && let Ok(rx) = Receiver::from_owned_fd_unchecked(dup)
        {
            return Some(rx);
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(REJOIN_MAX);
    }
}

/// The longest wait between two tries to put a paused pipe back in the poll set.
const REJOIN_MAX: std::time::Duration = std::time::Duration::from_secs(1);

/// Splices what the pipe holds into the log file; `None`: read it instead.
fn splice_step(rx: &Receiver, feed: &Feed) -> Option<Step> {
    let moved = rx.try_io(|| {
        let mut log = feed.sink.lock().unwrap_or_else(|p| p.into_inner());
        log.splice(rx.as_fd(), BUSY_PIPE)
    });
    match moved {
        Ok(Spliced::Moved(n)) => Some(Step::Took(n)),
        Ok(Spliced::Eof) => Some(Step::End),
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Some(Step::Drained),
        Ok(Spliced::NotNow) | Err(_) => None,
    }
}

/// Reads one chunk into the thread's scratch buffer and hands it to `feed`.
fn read_step(rx: &Receiver, feed: &mut Feed) -> Step {
    let limit = feed
        .sink
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .chunk_limit()
        .min(CHUNK);
    SCRATCH.with(|scratch| {
        let mut buf = scratch.borrow_mut();
        match rx.try_read(&mut buf[..limit]) {
            Ok(0) => Step::End,
            Ok(n) => {
                feed.chunk(&buf[..n]);
                Step::Took(n)
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Step::Drained,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Step::Took(0),
            Err(_) => Step::End,
        }
    })
}

/// Idle memory (BENCHMARKS.md, idle memory): every running child holds two pump futures for its whole life,
/// so what `Feed` and the pump carry inline is paid per pipe. Rare parts are boxed.
#[cfg(test)]
mod size_guard {
    fn future_size<A, B, Fut, F: Fn(A, B) -> Fut>(_: F) -> usize {
        std::mem::size_of::<Fut>()
    }

    #[test]
    fn a_pump_stays_small() {
        assert!(std::mem::size_of::<super::Feed>() <= 128);
        let pump = future_size(super::pump);
        assert!(pump <= 512, "pump future is {pump} bytes");
    }
}
