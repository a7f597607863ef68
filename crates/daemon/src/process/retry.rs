//! How long BACKOFF waits before the next try, and whether FATAL is retried: the
//! opt-in extensions `backoff = linear | exponential`, `backoff_max` and
//! `fatal_retry_after` (README, "Beyond Supervisor: resilience options"; Supervisor's GitHub issues #487, #1509). The defaults are
//! Supervisor's: 1 s, 2 s, 3 s, … and FATAL for good.

use std::hash::{Hash, Hasher};
use std::time::Duration;

use supervisor_config::Backoff;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Retry {
    pub backoff: Backoff,
    /// Cap on the delay; a capped delay is jittered (up to 10% shorter) so programs
    /// failing together do not retry in lockstep.
    pub max: Option<Duration>,
    /// Leave FATAL and try again (from scratch) after this long.
    pub fatal_retry_after: Option<Duration>,
}

impl Retry {
    /// The delay before try number `tries` + 1 (`tries` ≥ 1 failed starts in a row).
    /// `salt` picks the jitter, so the same inputs always give the same delay.
    pub fn delay(&self, tries: u32, salt: impl Hash) -> Duration {
        let tries = tries.max(1);
        let base = match self.backoff {
            Backoff::Linear => Duration::from_secs(u64::from(tries)),
            Backoff::Exponential => {
                Duration::from_secs(1u64.checked_shl(tries - 1).unwrap_or(u64::MAX))
            }
        };
        match self.max {
            Some(max) if base >= max => {
                let mut h = std::collections::hash_map::DefaultHasher::new();
                salt.hash(&mut h);
                let permille = h.finish() % 1000;
                max - (max / 10).mul_f64(permille as f64 / 1000.0)
            }
            _ => base,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn supervisors_linear_delays_by_default() {
        let r = Retry::default();
        let d: Vec<u64> = (1..=4).map(|t| r.delay(t, 0).as_secs()).collect();
        assert_eq!(d, [1, 2, 3, 4]);
    }

    #[test]
    fn exponential_delays_grow_and_cap_with_jitter() {
        let r = Retry {
            backoff: Backoff::Exponential,
            max: Some(Duration::from_secs(10)),
            fatal_retry_after: None,
        };
        let d: Vec<u64> = (1..=4).map(|t| r.delay(t, 0).as_secs()).collect();
        assert_eq!(d, [1, 2, 4, 8]);
        for (tries, salt) in [(5, 1), (6, 2), (60, 3), (64, 4), (1000, 5)] {
            let capped = r.delay(tries, salt);
            assert!(
                capped <= Duration::from_secs(10) && capped >= Duration::from_secs(9),
                "{capped:?}"
            );
        }
        // The jitter differs between salts (programs) but not between calls.
        assert_eq!(r.delay(7, "a"), r.delay(7, "a"));
        let spread: std::collections::HashSet<Duration> = (0..20).map(|s| r.delay(7, s)).collect();
        assert!(spread.len() > 1);
    }

    #[test]
    fn linear_delays_cap_too() {
        let r = Retry {
            max: Some(Duration::from_secs(2)),
            ..Retry::default()
        };
        assert_eq!(r.delay(1, 0), Duration::from_secs(1));
        assert!(r.delay(5, 0) <= Duration::from_secs(2));
    }
}
