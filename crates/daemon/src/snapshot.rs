//! What the outside world may know about a process at any instant: a small value that
//! each process actor publishes on a `watch` channel after every transition. Readers
//! (status queries, shutdown ordering, `wait` semantics) never go through a mailbox.

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use supervisor_model::ProcessState;

#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub name: String,
    pub group: String,
    pub state: ProcessState,
    pub pid: Option<i32>,
    /// Unix time of the last start, 0 if never started.
    pub start: i64,
    /// Unix time of the last exit, 0 if never stopped.
    pub stop: i64,
    /// Exit status of the last exit (-1 for a signal death).
    pub exitstatus: Option<i32>,
    pub spawnerr: Option<String>,
    pub stdout_logfile: Option<PathBuf>,
    pub stderr_logfile: Option<PathBuf>,
    /// Why a STOPPED process was stopped by the tree itself (its group failed):
    /// shown as its description instead of the stop time. Cleared by a start.
    pub note: Option<String>,
    /// Spawns since the process was added (the state machine's generation): what
    /// `supervisorctl top` shows as restarts.
    pub spawns: u64,
    /// What a STARTING process without a child waits for (`waiting for db
    /// (BACKOFF)`): its dependencies.
    pub waiting: Option<String>,
    /// The health check's verdict in this incarnation (`None`: no check, or none
    /// yet).
    pub healthy: Option<bool>,
    /// The program's own status line (sd_notify `STATUS=`).
    pub status: Option<String>,
}

impl Snapshot {
    pub fn new(name: &str, group: &str) -> Snapshot {
        Snapshot {
            name: name.to_string(),
            group: group.to_string(),
            state: ProcessState::Stopped,
            pid: None,
            start: 0,
            stop: 0,
            exitstatus: None,
            spawnerr: None,
            stdout_logfile: None,
            stderr_logfile: None,
            note: None,
            spawns: 0,
            waiting: None,
            healthy: None,
            status: None,
        }
    }

    /// Supervisor's namespec: `name` when group and name agree, else `group:name`.
    pub fn namespec(&self) -> String {
        supervisor_model::namespec::make(&self.group, &self.name)
    }
}

/// The Unix time now, in seconds.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The monotonic instant of a Unix time from the past (0 = never).
pub fn instant_of(unix: i64) -> Option<Instant> {
    if unix <= 0 {
        return None;
    }
    let ago = u64::try_from(unix_now() - unix).unwrap_or(0);
    Instant::now().checked_sub(Duration::from_secs(ago))
}

/// The Unix time (seconds) at which a monotonic instant happened.
pub fn unix_time_of(t: Instant) -> i64 {
    let ago = Instant::now().saturating_duration_since(t);
    let at = SystemTime::now()
        .checked_sub(ago)
        .unwrap_or(UNIX_EPOCH)
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    i64::try_from(at.as_secs()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespec_follows_supervisor() {
        assert_eq!(Snapshot::new("web", "web").namespec(), "web");
        assert_eq!(Snapshot::new("web_00", "pool").namespec(), "pool:web_00");
    }

    #[test]
    fn unix_time_of_now_is_now() {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        assert!((unix_time_of(Instant::now()) - now).abs() <= 1);
    }
}
