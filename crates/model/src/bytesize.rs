//! `ByteSize`: `50MB`-style sizes (datatypes.py `byte_size`, a `SuffixMultiplier`):
//! Python `int()` of the text with an optional `kb`/`mb`/`gb` suffix taken off,
//! times 1024^n, case-insensitive. Supervisor accepts a negative size and treats it
//! as 0 does (never rotate, no capture): it is kept as 0. Sizes past `u64`
//! saturate.

use std::fmt;
use std::str::FromStr;

use crate::ValueError;
use crate::pyint::python_int;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ByteSize(pub u64);

impl ByteSize {
    pub fn bytes(self) -> u64 {
        self.0
    }

    /// Zero means "unlimited" or "off" for the options that take a size.
    pub fn is_zero(self) -> bool {
        self.0 == 0
    }
}

impl FromStr for ByteSize {
    type Err = ValueError;

    /// The error is Python `int()`'s message, as Supervisor reports it.
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let lower = value.to_lowercase();
        let (number, multiplier) = [("kb", 1i128 << 10), ("mb", 1 << 20), ("gb", 1 << 30)]
            .into_iter()
            .find_map(|(suffix, m)| lower.strip_suffix(suffix).map(|n| (n, m)))
            .unwrap_or((lower.as_str(), 1));
        let n = python_int(number)?.saturating_mul(multiplier);
        Ok(ByteSize(u64::try_from(n.max(0)).unwrap_or(u64::MAX)))
    }
}

impl fmt::Display for ByteSize {
    /// The shortest exact spelling: `50MB` rather than `52428800`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0;
        for (suffix, m) in [("GB", 1u64 << 30), ("MB", 1 << 20), ("KB", 1 << 10)] {
            if n != 0 && n.is_multiple_of(m) {
                return write!(f, "{}{suffix}", n / m);
            }
        }
        write!(f, "{n}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_like_supervisor() {
        for (text, n) in [
            ("0", 0),
            ("1024", 1024),
            ("50MB", 52_428_800),
            ("50mb", 52_428_800),
            ("1KB", 1024),
            ("2 GB", 2 << 30),
            (" 10 ", 10),
            ("1_000", 1000),
            ("-1", 0),
            ("-5MB", 0),
            ("99999999999999999999999GB", u64::MAX),
        ] {
            assert_eq!(text.parse::<ByteSize>().unwrap().bytes(), n, "{text}");
        }
        for bad in ["5B", "1.5MB", "MB", "", "abc", "10TB"] {
            assert!(bad.parse::<ByteSize>().is_err(), "{bad}");
        }
        assert_eq!(
            "5B".parse::<ByteSize>().unwrap_err().0,
            "invalid literal for int() with base 10: '5b'"
        );
    }

    proptest! {
        #[test]
        fn display_round_trips(n in 0u64..(1 << 40)) {
            let b = ByteSize(n);
            prop_assert_eq!(b.to_string().parse::<ByteSize>().unwrap(), b);
        }

        #[test]
        fn suffixes_multiply(n in 0u64..100_000, s in prop::sample::select(vec!["kb", "KB", "Mb", "GB"])) {
            let m = match s.to_ascii_uppercase().as_str() { "KB" => 1u64 << 10, "MB" => 1 << 20, _ => 1 << 30 };
            prop_assert_eq!(format!("{n}{s}").parse::<ByteSize>().unwrap().bytes(), n * m);
        }
    }
}
