//! Process and daemon states with Supervisor's numeric codes (states.py, states.py `ProcessStates`).

use std::fmt;

/// A supervised process's state. The codes are part of the XML-RPC API (`state` in
/// `getProcessInfo`), so they must never change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProcessState {
    Stopped,
    Starting,
    Running,
    Backoff,
    Stopping,
    Exited,
    Fatal,
    Unknown,
}

impl ProcessState {
    pub const ALL: [ProcessState; 8] = [
        Self::Stopped,
        Self::Starting,
        Self::Running,
        Self::Backoff,
        Self::Stopping,
        Self::Exited,
        Self::Fatal,
        Self::Unknown,
    ];

    pub fn code(self) -> i32 {
        match self {
            Self::Stopped => 0,
            Self::Starting => 10,
            Self::Running => 20,
            Self::Backoff => 30,
            Self::Stopping => 40,
            Self::Exited => 100,
            Self::Fatal => 200,
            Self::Unknown => 1000,
        }
    }

    pub fn from_code(code: i32) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The event a change to this state publishes (events.py `ProcessStateEvent`
    /// subclasses): `PROCESS_STATE_` and [`ProcessState::name`].
    pub fn event_name(self) -> &'static str {
        match self {
            Self::Stopped => "PROCESS_STATE_STOPPED",
            Self::Starting => "PROCESS_STATE_STARTING",
            Self::Running => "PROCESS_STATE_RUNNING",
            Self::Backoff => "PROCESS_STATE_BACKOFF",
            Self::Stopping => "PROCESS_STATE_STOPPING",
            Self::Exited => "PROCESS_STATE_EXITED",
            Self::Fatal => "PROCESS_STATE_FATAL",
            Self::Unknown => "PROCESS_STATE_UNKNOWN",
        }
    }

    /// The upper-case name used in logs, events and supervisorctl output.
    pub fn name(self) -> &'static str {
        match self {
            Self::Stopped => "STOPPED",
            Self::Starting => "STARTING",
            Self::Running => "RUNNING",
            Self::Backoff => "BACKOFF",
            Self::Stopping => "STOPPING",
            Self::Exited => "EXITED",
            Self::Fatal => "FATAL",
            Self::Unknown => "UNKNOWN",
        }
    }

    /// STOPPED_STATES: the process has no pid and nothing is pending.
    pub fn is_stopped(self) -> bool {
        matches!(
            self,
            Self::Stopped | Self::Exited | Self::Fatal | Self::Unknown
        )
    }

    /// RUNNING_STATES: started, or trying to be.
    pub fn is_running(self) -> bool {
        matches!(self, Self::Running | Self::Backoff | Self::Starting)
    }

    /// SIGNALLABLE_STATES: there is a live pid to send a signal to.
    pub fn is_signallable(self) -> bool {
        matches!(self, Self::Running | Self::Starting | Self::Stopping)
    }
}

impl fmt::Display for ProcessState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// supervisord's own state (`getState`), named after its "mood".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SupervisorState {
    Fatal,
    Running,
    Restarting,
    Shutdown,
}

impl SupervisorState {
    pub fn code(self) -> i32 {
        match self {
            Self::Fatal => 2,
            Self::Running => 1,
            Self::Restarting => 0,
            Self::Shutdown => -1,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Fatal => "FATAL",
            Self::Running => "RUNNING",
            Self::Restarting => "RESTARTING",
            Self::Shutdown => "SHUTDOWN",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_match_supervisor() {
        let codes: Vec<i32> = ProcessState::ALL.iter().map(|s| s.code()).collect();
        assert_eq!(codes, [0, 10, 20, 30, 40, 100, 200, 1000]);
        for s in ProcessState::ALL {
            assert_eq!(ProcessState::from_code(s.code()), Some(s));
        }
        assert_eq!(ProcessState::from_code(5), None);
    }

    #[test]
    fn state_groups_partition_as_supervisor_does() {
        use ProcessState::*;
        let stopped: Vec<_> = ProcessState::ALL
            .into_iter()
            .filter(|s| s.is_stopped())
            .collect();
        assert_eq!(stopped, [Stopped, Exited, Fatal, Unknown]);
        let running: Vec<_> = ProcessState::ALL
            .into_iter()
            .filter(|s| s.is_running())
            .collect();
        assert_eq!(running, [Starting, Running, Backoff]);
        assert!(Stopping.is_signallable() && !Backoff.is_signallable());
    }
}
