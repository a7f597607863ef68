//! Local wall-clock time: a safe wrapper over `localtime_r(3)`, for the timestamps
//! Supervisor prints from Python's `time.localtime()` (the main log's asctime,
//! supervisorctl's `%b %d %I:%M %p`). It only breaks a Unix time down; formatting
//! belongs to the callers.

/// A broken-down time, as `struct tm` gives it but with human ranges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LocalTime {
    /// The full year, e.g. 2026.
    pub year: i32,
    /// 1..=12.
    pub month: u8,
    /// 1..=31.
    pub day: u8,
    /// 0..=23.
    pub hour: u8,
    /// 0..=59.
    pub minute: u8,
    /// 0..=60 (60 only for a leap second).
    pub second: u8,
    /// 0 = Sunday .. 6 = Saturday.
    pub weekday: u8,
    /// 0..=365, days since January 1st.
    pub yearday: u16,
    /// Seconds east of UTC in effect at that time (`tm_gmtoff`).
    pub utc_offset: i32,
    /// Whether daylight saving time is in effect.
    pub is_dst: bool,
}

/// `time.localtime(secs)`: the local time zone (`TZ`, else `/etc/localtime`) as libc
/// sees it. Falls back to UTC if libc cannot represent the time (never in practice).
pub fn local_time(unix_secs: i64) -> LocalTime {
    localtime_r(unix_secs).unwrap_or_else(|| utc_time(unix_secs))
}

/// `time.gmtime(secs)`, computed without libc (Howard Hinnant's `civil_from_days`).
pub fn utc_time(unix_secs: i64) -> LocalTime {
    let days = unix_secs.div_euclid(86_400);
    let secs_of_day = unix_secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy_march = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy_march + 2) / 153;
    let day = doy_march - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    const CUMULATIVE: [i64; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    let yearday = CUMULATIVE[(month - 1) as usize] + day - 1 + i64::from(leap && month > 2);
    LocalTime {
        year: clamp_i32(year),
        month: month as u8,
        day: day as u8,
        hour: (secs_of_day / 3600) as u8,
        minute: (secs_of_day % 3600 / 60) as u8,
        second: (secs_of_day % 60) as u8,
        // 1970-01-01 was a Thursday.
        weekday: (days + 4).rem_euclid(7) as u8,
        yearday: yearday as u16,
        utc_offset: 0,
        is_dst: false,
    }
}

fn clamp_i32(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(if n < 0 { i32::MIN } else { i32::MAX })
}

#[allow(unsafe_code)]
fn localtime_r(unix_secs: i64) -> Option<LocalTime> {
    // glibc's and musl's localtime_r read TZ (else /etc/localtime) on first use, as
    // tzset() would; the zone is then fixed for the life of the process, like Python's.
    // time_t is 32 bits on some targets: the conversion is not useless there.
    #[allow(clippy::useless_conversion)]
    let t: libc::time_t = unix_secs.try_into().ok()?;
    // SAFETY: `tm` is plain old data (integers and one `*const c_char`, for which null
    // is a valid value); all-zero is a valid instance.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers point to live locals of the right types; localtime_r is
    // thread-safe and writes only through its second argument.
    let r = unsafe { libc::localtime_r(&t, &mut tm) };
    if r.is_null() {
        return None;
    }
    let small = |v: libc::c_int| u8::try_from(v).ok();
    Some(LocalTime {
        year: tm.tm_year.checked_add(1900)?,
        month: small(tm.tm_mon + 1)?,
        day: small(tm.tm_mday)?,
        hour: small(tm.tm_hour)?,
        minute: small(tm.tm_min)?,
        second: small(tm.tm_sec)?,
        weekday: small(tm.tm_wday)?,
        yearday: u16::try_from(tm.tm_yday).ok()?,
        utc_offset: i32::try_from(tm.tm_gmtoff).ok()?,
        is_dst: tm.tm_isdst > 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_known_dates() {
        let t = utc_time(0);
        assert_eq!(
            (t.year, t.month, t.day, t.hour, t.weekday, t.yearday),
            (1970, 1, 1, 0, 4, 0)
        );
        // 2026-11-24 09:31:27 UTC, a Tuesday, day 327 of the year.
        let t = utc_time(1_795_512_687);
        assert_eq!(
            (
                t.year, t.month, t.day, t.hour, t.minute, t.second, t.weekday, t.yearday
            ),
            (2026, 11, 24, 9, 31, 27, 2, 327)
        );
        // 2000-02-29 (leap day) 23:59:59.
        let t = utc_time(951_868_799);
        assert_eq!(
            (t.year, t.month, t.day, t.hour, t.minute, t.second),
            (2000, 2, 29, 23, 59, 59)
        );
        let t = utc_time(-1);
        assert_eq!(
            (t.year, t.month, t.day, t.hour, t.weekday),
            (1969, 12, 31, 23, 3)
        );
    }

    #[test]
    fn local_time_is_utc_shifted_by_its_offset() {
        for secs in [
            0i64,
            951_868_799,
            1_795_512_687,
            1_700_000_000,
            1_720_000_000,
        ] {
            let local = local_time(secs);
            let shifted = utc_time(secs + i64::from(local.utc_offset));
            assert_eq!(
                (
                    local.year,
                    local.month,
                    local.day,
                    local.hour,
                    local.minute,
                    local.second
                ),
                (
                    shifted.year,
                    shifted.month,
                    shifted.day,
                    shifted.hour,
                    shifted.minute,
                    shifted.second
                ),
                "{secs}"
            );
            assert_eq!(local.weekday, shifted.weekday);
            assert_eq!(local.yearday, shifted.yearday);
        }
    }
}
