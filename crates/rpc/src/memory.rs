//! Handing memory back after a burst of traffic: the bodies and connections note
//! how many bytes went through; once a MiB has, a moment after the burst (so a busy
//! daemon trims about once a second, an idle one never) the allocator's free pages
//! go back to the OS ([`supervisor_sys::release_free_memory`]). Without it a few
//! 16 MB multicall responses kept the daemon's RSS at 220 MB for good.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Notify;

/// Bytes through bodies and connections since the last trim that call for one.
const BURST: usize = 1 << 20;

/// How long after a burst the trim waits, so one burst costs one trim.
const SETTLE: Duration = Duration::from_secs(1);

/// The cost of a connection's buffers, noted when it closes.
pub const CONNECTION: usize = 64 * 1024;

static SINCE_TRIM: AtomicUsize = AtomicUsize::new(0);
static STARTED: AtomicBool = AtomicBool::new(false);
static WAKE: Notify = Notify::const_new();

/// `bytes` went through (a body's frames, a closed connection's buffers).
pub fn note(bytes: usize) {
    let before = SINCE_TRIM.fetch_add(bytes, Ordering::Relaxed);
    if before < BURST && before + bytes >= BURST {
        WAKE.notify_one();
    }
}

/// Starts the trimming task (once per process; inside the runtime).
pub fn start() {
    if STARTED.swap(true, Ordering::Relaxed) {
        return;
    }
    tokio::spawn(async {
        loop {
            WAKE.notified().await;
            tokio::time::sleep(SETTLE).await;
            SINCE_TRIM.store(0, Ordering::Relaxed);
            let _ = tokio::task::spawn_blocking(supervisor_sys::release_free_memory).await;
        }
    });
}
