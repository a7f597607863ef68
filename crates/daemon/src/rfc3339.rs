//! RFC 3339 timestamps in local time with milliseconds
//! (`2026-03-01T14:05:09.042+01:00`, `Z` in UTC), for the JSON main log and the
//! timestamped child logs. The part that changes once a second is formatted once a
//! second: a line costs a clock read and three digits.

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use supervisor_sys::localtime::local_time;

/// The formatted second, reused until the clock moves on.
#[derive(Debug, Default)]
pub struct Rfc3339 {
    secs: i64,
    /// `YYYY-MM-DDTHH:MM:SS` of `secs`.
    head: String,
    /// `Z` or `+HH:MM` of `secs`.
    offset: String,
}

impl Rfc3339 {
    /// Appends the timestamp of `now` to `out`.
    pub fn write(&mut self, out: &mut Vec<u8>, now: SystemTime) {
        let (secs, millis) = match now.duration_since(UNIX_EPOCH) {
            Ok(d) => (
                i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
                d.subsec_millis(),
            ),
            Err(_) => (0, 0),
        };
        if self.head.is_empty() || secs != self.secs {
            self.set(secs);
        }
        out.extend_from_slice(self.head.as_bytes());
        // Writing to a Vec cannot fail.
        let _ = write!(out, ".{millis:03}");
        out.extend_from_slice(self.offset.as_bytes());
    }

    /// The timestamp of `now` as a string.
    pub fn format(&mut self, now: SystemTime) -> String {
        let mut out = Vec::with_capacity(32);
        self.write(&mut out, now);
        String::from_utf8_lossy(&out).into_owned()
    }

    fn set(&mut self, secs: i64) {
        let t = local_time(secs);
        self.secs = secs;
        self.head = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            t.year, t.month, t.day, t.hour, t.minute, t.second
        );
        self.offset = if t.utc_offset == 0 {
            "Z".to_string()
        } else {
            let sign = if t.utc_offset < 0 { '-' } else { '+' };
            let off = t.utc_offset.unsigned_abs();
            format!("{sign}{:02}:{:02}", off / 3600, off % 3600 / 60)
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn shape_is_rfc3339_with_millis() {
        let mut r = Rfc3339::default();
        let t = UNIX_EPOCH + Duration::from_millis(1_767_000_000_042);
        let s = r.format(t);
        // 2025-12-29T...: date, time, millis, then Z or an offset.
        assert_eq!(
            s.len() - r.offset.len(),
            "2025-12-29T09:20:00.042".len(),
            "{s}"
        );
        assert_eq!(&s[4..5], "-");
        assert_eq!(&s[10..11], "T");
        assert_eq!(&s[19..23], ".042");
        let offset = &s[23..];
        assert!(
            offset == "Z" || (offset.len() == 6 && offset[3..4] == *":"),
            "{s}"
        );
        // The cached second is reused, the millis are not.
        assert_eq!(&r.format(t + Duration::from_millis(1))[19..23], ".043");
    }
}
