//! TICK_5 / TICK_60 / TICK_3600: published when the wall clock crosses a multiple of
//! the period (events.py, each event's `payload`), with the boundary as `when:`. Supervisor checks once per
//! main-loop pass, so its ticks arrive up to a second late; here a timer wakes at the
//! boundary itself. The first tick of each period is the first boundary after start,
//! and at a boundary shared by several periods the shorter period goes first.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::events::EventBus;

const PERIODS: [u64; 3] = [5, 60, 3600];

/// The ticks due when the clock moved from `last` to `now` (seconds since the
/// epoch): for each period whose slice changed, `(name, boundary)`.
pub fn due(last: u64, now: u64) -> Vec<(String, u64)> {
    PERIODS
        .iter()
        .filter(|&&p| now / p != last / p)
        .map(|&p| (format!("TICK_{p}"), now - now % p))
        .collect()
}

fn unix_now() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

/// Runs forever, publishing ticks on `bus`.
pub async fn run(bus: EventBus) {
    let mut last = unix_now().as_secs();
    loop {
        let now = unix_now();
        // Sleep to the next 5-second boundary (every longer period's boundary is one).
        let next = (now.as_secs() / 5 + 1) * 5;
        let wait = Duration::from_secs(next).saturating_sub(now);
        tokio::time::sleep(wait.max(Duration::from_millis(1))).await;
        let now = unix_now().as_secs();
        for (name, when) in due(last, now) {
            bus.publish(&name, format!("when:{when}"));
        }
        last = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_and_order() {
        assert!(due(101, 104).is_empty());
        assert_eq!(due(104, 105), [("TICK_5".to_string(), 105)]);
        // 3600 is a boundary of every period: shortest first.
        let names: Vec<String> = due(3599, 3600).into_iter().map(|t| t.0).collect();
        assert_eq!(names, ["TICK_5", "TICK_60", "TICK_3600"]);
        assert_eq!(due(3599, 3601)[1], ("TICK_60".to_string(), 3600));
    }
}
