//! Which of a child's output channels a pump, a log file or an event is about.

/// Which channel a pump reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Stdout,
    Stderr,
}

impl Channel {
    pub fn name(self) -> &'static str {
        match self {
            Channel::Stdout => "stdout",
            Channel::Stderr => "stderr",
        }
    }

    /// The `STDOUT`/`STDERR` ending of its event names.
    pub fn event_suffix(self) -> &'static str {
        match self {
            Channel::Stdout => "STDOUT",
            Channel::Stderr => "STDERR",
        }
    }
}
