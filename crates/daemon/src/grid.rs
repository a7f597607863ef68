//! Timers that many tasks arm land on a shared grid of instants, so that tasks waking
//! for the same reason wake together: one runtime wake-up serves them all, where
//! timers armed a little apart would each wake a worker (a thread switch each).
//! Health probes use a 50 ms grid (process/probes.rs); busy output pipes, paused
//! between drains, a 2 ms one (process/output.rs).

use std::sync::OnceLock;
use std::time::Duration;

use tokio::time::Instant;

/// `at` rounded up to the next multiple of `grid` since the first call (the
/// daemon's early life): every caller shares that origin.
pub fn round_up(at: Instant, grid: Duration) -> Instant {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    let origin = *ORIGIN.get_or_init(Instant::now);
    let since = at.saturating_duration_since(origin).as_nanos();
    let grid = grid.as_nanos().max(1);
    let rounded = since.div_ceil(grid) * grid;
    origin + Duration::from_nanos(u64::try_from(rounded).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_round_up_to_a_shared_grid() {
        let grid = Duration::from_millis(2);
        let a = round_up(Instant::now(), grid);
        let b = round_up(a + Duration::from_micros(1), grid);
        let c = round_up(a + Duration::from_micros(1999), grid);
        assert_eq!(b - a, grid, "just past a point: the next one");
        assert_eq!(b, c, "instants within one step share their point");
        assert_eq!(round_up(a, grid), a, "a point of the grid stays");
    }
}
