//! Durations of the options beyond Supervisor (`ready_timeout`, `health_interval`,
//! ...): a bare number is seconds, as every Supervisor option measured in time
//! (`startsecs`, `stopwaitsecs`); a unit may follow — `ms`, `s`, `m`, `h` — and the
//! number may have a fraction (`0.5`, `250ms`, `1.5m`), so sub-second probing can be
//! asked for.

use std::time::Duration;

use crate::ValueError;

/// Parses `value` as described in the module doc.
pub fn parse_duration(value: &str) -> Result<Duration, ValueError> {
    let bad = || {
        ValueError(format!(
            "invalid duration '{value}' (seconds, or a number with ms, s, m or h)"
        ))
    };
    let text = value.trim().to_ascii_lowercase();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let scale = match unit.trim() {
        "" | "s" => 1.0,
        "ms" => 0.001,
        "m" => 60.0,
        "h" => 3600.0,
        _ => return Err(bad()),
    };
    if number.is_empty() || number.matches('.').count() > 1 {
        return Err(bad());
    }
    let n: f64 = number.parse().map_err(|_| bad())?;
    Duration::try_from_secs_f64(n * scale).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_by_default_and_units() {
        for (text, ms) in [
            ("10", 10_000),
            ("0", 0),
            ("250ms", 250),
            ("1.5s", 1500),
            ("0.5", 500),
            ("2m", 120_000),
            ("1h", 3_600_000),
            (" 3 S ", 3000),
        ] {
            assert_eq!(
                parse_duration(text).unwrap(),
                Duration::from_millis(ms),
                "{text}"
            );
        }
        for bad in ["", "s", "-1", "1.2.3", "10d", "abc", "1e3"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
