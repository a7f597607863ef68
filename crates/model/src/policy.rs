//! Small policy values of the config (datatypes.py): booleans, `autorestart`,
//! `exitcodes`, log levels.

use std::fmt;
use std::str::FromStr;

use crate::ValueError;

/// datatypes.py `boolean`: `yes true on 1` / `no false off 0`, any case.
pub fn parse_bool(value: &str) -> Result<bool, ValueError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "yes" | "true" | "on" | "1" => Ok(true),
        "no" | "false" | "off" | "0" => Ok(false),
        _ => Err(ValueError(format!("not a valid boolean value: '{value}'"))),
    }
}

/// `autorestart=`: restart always, never, or when the exit code is not expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AutoRestart {
    Never,
    Unexpected,
    Always,
}

impl FromStr for AutoRestart {
    type Err = ValueError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        if value.trim().eq_ignore_ascii_case("unexpected") {
            return Ok(Self::Unexpected);
        }
        match parse_bool(value) {
            Ok(true) => Ok(Self::Always),
            Ok(false) => Ok(Self::Never),
            Err(_) => Err(ValueError(format!("invalid 'autorestart' value '{value}'"))),
        }
    }
}

impl fmt::Display for AutoRestart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Never => "false",
            Self::Unexpected => "unexpected",
            Self::Always => "true",
        })
    }
}

/// `exitcodes=`: the exit statuses that count as expected (0–255).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ExitCodes(pub Vec<i32>);

impl ExitCodes {
    pub fn contains(&self, status: i32) -> bool {
        self.0.contains(&status)
    }
}

impl FromStr for ExitCodes {
    type Err = ValueError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let bad = || ValueError(format!("not a valid list of exit codes: '{value}'"));
        if value.trim().is_empty() {
            return Ok(ExitCodes(Vec::new()));
        }
        value
            .split(',')
            .map(|part| {
                part.trim()
                    .parse::<i32>()
                    .ok()
                    .filter(|n| (0..=255).contains(n))
                    .ok_or_else(bad)
            })
            .collect::<Result<Vec<_>, _>>()
            .map(ExitCodes)
    }
}

impl fmt::Display for ExitCodes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(i32::to_string).collect();
        f.write_str(&parts.join(","))
    }
}

/// Main-log levels (loggers.py `LevelsByName`), ordered by severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    Blather = 3,
    Trace = 5,
    Debug = 10,
    Info = 20,
    Warn = 30,
    Error = 40,
    Critical = 50,
}

impl LogLevel {
    /// The four-letter tag printed in each main-log line.
    pub fn tag(self) -> &'static str {
        match self {
            Self::Blather => "BLAT",
            Self::Trace => "TRAC",
            Self::Debug => "DEBG",
            Self::Info => "INFO",
            Self::Warn => "WARN",
            Self::Error => "ERRO",
            Self::Critical => "CRIT",
        }
    }

    /// The name used in config files (`loglevel=`).
    pub fn config_name(self) -> &'static str {
        match self {
            Self::Blather => "blather",
            Self::Trace => "trace",
            Self::Debug => "debug",
            Self::Info => "info",
            Self::Warn => "warn",
            Self::Error => "error",
            Self::Critical => "critical",
        }
    }
}

impl FromStr for LogLevel {
    type Err = ValueError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.trim().to_ascii_lowercase().as_str() {
            "blather" => Ok(Self::Blather),
            "trace" => Ok(Self::Trace),
            "debug" => Ok(Self::Debug),
            "info" => Ok(Self::Info),
            "warn" => Ok(Self::Warn),
            "error" => Ok(Self::Error),
            "critical" => Ok(Self::Critical),
            _ => Err(ValueError(format!("bad logging level name '{value}'"))),
        }
    }
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.config_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn booleans() {
        for t in ["yes", "TRUE", "On", "1", " true "] {
            assert_eq!(parse_bool(t), Ok(true), "{t}");
        }
        for f in ["no", "False", "OFF", "0"] {
            assert_eq!(parse_bool(f), Ok(false), "{f}");
        }
        assert_eq!(
            parse_bool("maybe").unwrap_err().0,
            "not a valid boolean value: 'maybe'"
        );
    }

    #[test]
    fn autorestart_and_exitcodes() {
        assert_eq!("unexpected".parse(), Ok(AutoRestart::Unexpected));
        assert_eq!("true".parse(), Ok(AutoRestart::Always));
        assert_eq!("off".parse(), Ok(AutoRestart::Never));
        assert!("sometimes".parse::<AutoRestart>().is_err());
        assert_eq!("0,2".parse(), Ok(ExitCodes(vec![0, 2])));
        assert_eq!("".parse(), Ok(ExitCodes(vec![])));
        assert!("0,256".parse::<ExitCodes>().is_err());
        assert!("a".parse::<ExitCodes>().is_err());
    }

    #[test]
    fn loglevels() {
        assert_eq!("WARN".parse(), Ok(LogLevel::Warn));
        assert!("warning".parse::<LogLevel>().is_err());
        assert!(LogLevel::Debug < LogLevel::Info);
        assert_eq!(LogLevel::Error.tag(), "ERRO");
    }

    proptest! {
        #[test]
        fn bool_case_insensitive(word in prop::sample::select(vec!["yes", "true", "on", "1", "no", "false", "off", "0"]), upper in any::<bool>()) {
            let text = if upper { word.to_ascii_uppercase() } else { word.to_string() };
            prop_assert_eq!(parse_bool(&text).unwrap(), matches!(word, "yes" | "true" | "on" | "1"));
        }

        #[test]
        fn exitcodes_round_trip(codes in prop::collection::vec(0i32..=255, 0..6)) {
            let e = ExitCodes(codes);
            prop_assert_eq!(e.to_string().parse::<ExitCodes>().unwrap(), e);
        }
    }
}
