//! Counters a process shares with the registry's read side without a message: bytes
//! of its output written to its log files (and how many of those were spliced, never
//! copied through the daemon) and dropped (a file that could not be written), per
//! channel. The output pumps add to them; a metrics scrape reads them.

use std::sync::atomic::{AtomicU64, Ordering};

use super::channel::Channel;

#[derive(Debug, Default)]
pub struct OutputCounters {
    written: [AtomicU64; 2],
    spliced: [AtomicU64; 2],
    dropped: [AtomicU64; 2],
}

/// One channel's totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChannelTotals {
    pub written: u64,
    pub spliced: u64,
    pub dropped: u64,
}

fn slot(channel: Channel) -> usize {
    match channel {
        Channel::Stdout => 0,
        Channel::Stderr => 1,
    }
}

impl OutputCounters {
    pub fn add_written(&self, channel: Channel, n: u64) {
        self.written[slot(channel)].fetch_add(n, Ordering::Relaxed);
    }

    /// `n` bytes written by `splice(2)` (they count as written too).
    pub fn add_spliced(&self, channel: Channel, n: u64) {
        self.written[slot(channel)].fetch_add(n, Ordering::Relaxed);
        self.spliced[slot(channel)].fetch_add(n, Ordering::Relaxed);
    }

    pub fn add_dropped(&self, channel: Channel, n: u64) {
        self.dropped[slot(channel)].fetch_add(n, Ordering::Relaxed);
    }

    pub fn totals(&self, channel: Channel) -> ChannelTotals {
        ChannelTotals {
            written: self.written[slot(channel)].load(Ordering::Relaxed),
            spliced: self.spliced[slot(channel)].load(Ordering::Relaxed),
            dropped: self.dropped[slot(channel)].load(Ordering::Relaxed),
        }
    }
}
