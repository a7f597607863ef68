//! `ByteSize`: `50MB`-style sizes (datatypes.py `byte_size`): an integer with an
//! optional `KB`/`MB`/`GB` suffix, 1024-based, case-insensitive.

use std::fmt;
use std::str::FromStr;

use crate::ValueError;

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

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let bad = || ValueError(format!("value '{value}' is not a valid byte size"));
        let text = value.trim();
        let upper = text.to_ascii_uppercase();
        let (digits, multiplier) = [("KB", 1u64 << 10), ("MB", 1 << 20), ("GB", 1 << 30)]
            .iter()
            .find_map(|&(suffix, m)| upper.strip_suffix(suffix).map(|d| (d, m)))
            .unwrap_or((upper.as_str(), 1));
        // Python int() accepts surrounding spaces, a sign and `_` separators; a
        // negative size is nonsense for us, so only digits are allowed.
        let digits = digits.trim();
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let n: u64 = digits.parse().map_err(|_| bad())?;
        n.checked_mul(multiplier).map(ByteSize).ok_or_else(bad)
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
        ] {
            assert_eq!(text.parse::<ByteSize>().unwrap().bytes(), n, "{text}");
        }
        for bad in ["5B", "1.5MB", "MB", "", "-1", "abc", "10TB"] {
            assert!(bad.parse::<ByteSize>().is_err(), "{bad}");
        }
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
