//! `OctalMode`: umasks and socket modes (datatypes.py `octal_type`): `022`, `0700`, `700`.

use std::fmt;
use std::str::FromStr;

use crate::ValueError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OctalMode(pub u32);

impl OctalMode {
    pub fn bits(self) -> u32 {
        self.0
    }
}

impl FromStr for OctalMode {
    type Err = ValueError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let text = value.trim();
        // Python int(v, 8) also takes a `0o` prefix.
        let digits = text
            .strip_prefix("0o")
            .or_else(|| text.strip_prefix("0O"))
            .unwrap_or(text);
        u32::from_str_radix(digits, 8)
            .ok()
            .filter(|_| !digits.starts_with(['+', '-']))
            .map(OctalMode)
            .ok_or_else(|| ValueError(format!("{value} can not be converted to an octal type")))
    }
}

impl fmt::Display for OctalMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:03o}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_octal() {
        assert_eq!("022".parse::<OctalMode>().unwrap().bits(), 0o22);
        assert_eq!("0700".parse::<OctalMode>().unwrap().bits(), 0o700);
        assert_eq!("700".parse::<OctalMode>().unwrap().bits(), 0o700);
        assert_eq!("0o755".parse::<OctalMode>().unwrap().bits(), 0o755);
        assert!("8".parse::<OctalMode>().is_err());
        assert!("-1".parse::<OctalMode>().is_err());
        assert_eq!(OctalMode(0o22).to_string(), "022");
    }
}
