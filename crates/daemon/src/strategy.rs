//! Erlang-style group strategies for OS processes (README, "Beyond Supervisor: resilience options"), as plain functions the
//! group actor calls: which siblings a member's unexpected death restarts
//! (`one_for_one` = Supervisor's behaviour: none; `one_for_all`: all of them;
//! `rest_for_one`: those after it in start order), and the restart intensity limit
//! (`max_restarts` within `restart_window`) past which the group gives up.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use supervisor_config::{GroupConfig, Strategy};

/// Whether a group needs its members' deaths: a strategy other than Supervisor's
/// one_for_one, or an intensity limit.
pub fn watches_deaths(config: &GroupConfig) -> bool {
    config.strategy != Strategy::OneForOne || config.max_restarts.is_some()
}

/// The members to restart because member `died` (of `n`) died unexpectedly.
pub fn siblings(strategy: Strategy, died: usize, n: usize) -> Vec<usize> {
    match strategy {
        Strategy::OneForOne => Vec::new(),
        Strategy::OneForAll => (0..n).filter(|&i| i != died).collect(),
        Strategy::RestForOne => (died + 1..n).collect(),
    }
}

/// Restarts within the sliding window.
#[derive(Debug)]
pub struct Intensity {
    max: Option<u32>,
    window: Duration,
    recent: VecDeque<Instant>,
}

impl Intensity {
    pub fn new(max: Option<u32>, window: Duration) -> Intensity {
        Intensity {
            max,
            window,
            recent: VecDeque::new(),
        }
    }

    /// Records a restart at `now`; `true` when this one exceeds the limit.
    pub fn exceeded(&mut self, now: Instant) -> bool {
        let Some(max) = self.max else { return false };
        while self
            .recent
            .front()
            .is_some_and(|&t| now.duration_since(t) >= self.window)
        {
            self.recent.pop_front();
        }
        self.recent.push_back(now);
        self.recent.len() > max as usize
    }

    pub fn reset(&mut self) {
        self.recent.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_siblings() {
        assert!(siblings(Strategy::OneForOne, 1, 3).is_empty());
        assert_eq!(siblings(Strategy::OneForAll, 1, 3), [0, 2]);
        assert_eq!(siblings(Strategy::RestForOne, 0, 3), [1, 2]);
        assert!(siblings(Strategy::RestForOne, 2, 3).is_empty());
    }

    #[test]
    fn intensity_counts_within_the_window() {
        let t0 = Instant::now();
        let s = |n| t0 + Duration::from_secs(n);
        let mut i = Intensity::new(Some(2), Duration::from_secs(10));
        assert!(!i.exceeded(s(0)));
        assert!(!i.exceeded(s(1)));
        assert!(i.exceeded(s(2)));
        // Old restarts leave the window.
        let mut i = Intensity::new(Some(2), Duration::from_secs(10));
        assert!(!i.exceeded(s(0)));
        assert!(!i.exceeded(s(5)));
        assert!(!i.exceeded(s(11)));
        assert!(i.exceeded(s(12)));
        let mut unlimited = Intensity::new(None, Duration::from_secs(1));
        assert!((0..1000).all(|_| !unlimited.exceeded(t0)));
    }
}
