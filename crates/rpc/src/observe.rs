//! What the observability endpoints read from a daemon (README, "Metrics and health
//! endpoints"): [`Metrics`] for `/metrics` (encoded in `metrics.rs`), [`Readiness`]
//! for `/readyz` (`health.rs`). Values only; the daemon fills them from its
//! published snapshots and counters, never through a process's mailbox.

use supervisor_model::{ProcessState, SupervisorState};
use supervisor_sys::{SelfUsage, Usage};

/// Everything one scrape reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Metrics {
    pub processes: Vec<ProcessMetrics>,
    pub pools: Vec<PoolMetrics>,
    pub daemon: DaemonMetrics,
}

/// One process, by group and name.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessMetrics {
    pub group: String,
    pub name: String,
    pub state: ProcessState,
    /// Times it entered STARTING.
    pub starts: u64,
    /// Exits with an exit code not in `exitcodes`, and deaths before `startsecs`.
    pub unexpected_exits: u64,
    /// The exit status of its last exit, if it has exited.
    pub last_exit_code: Option<i32>,
    /// Unix time of the last start, 0 if never started.
    pub start_time: i64,
    /// Seconds in RUNNING since its last start; 0 when not running.
    pub uptime_seconds: f64,
    /// Its process tree now, when it has a live child.
    pub usage: Option<Usage>,
    pub stdout: LogBytes,
    pub stderr: LogBytes,
}

/// Bytes of a channel's output written to its log file (of those, moved by
/// `splice(2)`), and lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LogBytes {
    pub written: u64,
    pub spliced: u64,
    pub dropped: u64,
}

/// An `[eventlistener:x]` pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolMetrics {
    pub group: String,
    /// Events waiting for a listener now.
    pub buffered: u64,
    /// Events discarded because the buffer was full.
    pub dropped: u64,
}

/// supervisord itself.
#[derive(Debug, Clone, PartialEq)]
pub struct DaemonMetrics {
    pub state: SupervisorState,
    pub usage: SelfUsage,
    /// Configs the tree has run (1 after start-up, +1 per reload and `update`).
    pub config_generation: u64,
    pub reloads: u64,
    pub events_published: u64,
}

/// `/readyz`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Readiness {
    pub state: SupervisorState,
    /// The process tree exists (false before start-up built it).
    pub tree_built: bool,
    /// The processes that keep supervisord from being ready.
    pub not_ready: Vec<NotReady>,
}

impl Readiness {
    /// Ready: RUNNING, the tree built, nothing holding it back.
    pub fn ready(&self) -> bool {
        self.state == SupervisorState::Running && self.tree_built && self.not_ready.is_empty()
    }
}

/// A process that is not ready, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotReady {
    pub group: String,
    pub name: String,
    pub state: ProcessState,
    pub reason: String,
}
