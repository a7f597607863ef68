//! How log files are written beyond Supervisor's options (README, "Logs people can
//! ship"): when a file is rotated (`*_logfile_rotate`), whether its backups are
//! compressed (`*_logfile_compress`), and the main log's line format
//! (`[supervisord] logformat`). Values only: the sys crate rotates, the daemon
//! formats.

use std::fmt;
use std::str::FromStr;

use crate::ValueError;

/// `*_logfile_rotate`: what triggers a rotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Rotate {
    /// Supervisor's: when the file reaches `*_logfile_maxbytes`.
    #[default]
    Size,
    /// At the first write of each new hour (local time), and at `maxbytes` if set.
    Hourly,
    /// At the first write of each new day (local time), and at `maxbytes` if set.
    Daily,
}

/// `*_logfile_compress`: what happens to a rotated backup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Compress {
    /// Supervisor's: backups stay plain files (`app.log.1`).
    #[default]
    None,
    /// Backups are gzip files (`app.log.1.gz`), compressed off the output path.
    Gzip,
}

/// `[supervisord] logformat`: the main log's lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum LogFormat {
    /// Supervisor's `YYYY-MM-DD HH:MM:SS,mmm LEVL message`.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

impl FromStr for Rotate {
    type Err = ValueError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.trim().to_ascii_lowercase().as_str() {
            "size" => Ok(Rotate::Size),
            "hourly" => Ok(Rotate::Hourly),
            "daily" => Ok(Rotate::Daily),
            _ => Err(ValueError(format!(
                "invalid rotation '{value}' (size, hourly or daily)"
            ))),
        }
    }
}

impl FromStr for Compress {
    type Err = ValueError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.trim().to_ascii_lowercase().as_str() {
            "none" | "" => Ok(Compress::None),
            "gzip" => Ok(Compress::Gzip),
            _ => Err(ValueError(format!(
                "invalid compression '{value}' (none or gzip)"
            ))),
        }
    }
}

impl FromStr for LogFormat {
    type Err = ValueError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.trim().to_ascii_lowercase().as_str() {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            _ => Err(ValueError(format!(
                "invalid log format '{value}' (text or json)"
            ))),
        }
    }
}

impl fmt::Display for Rotate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Rotate::Size => "size",
            Rotate::Hourly => "hourly",
            Rotate::Daily => "daily",
        })
    }
}

impl fmt::Display for Compress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Compress::None => "none",
            Compress::Gzip => "gzip",
        })
    }
}

impl fmt::Display for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LogFormat::Text => "text",
            LogFormat::Json => "json",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_and_bad_ones_are_named() {
        for r in [Rotate::Size, Rotate::Hourly, Rotate::Daily] {
            assert_eq!(r.to_string().parse::<Rotate>(), Ok(r));
        }
        for c in [Compress::None, Compress::Gzip] {
            assert_eq!(c.to_string().parse::<Compress>(), Ok(c));
        }
        for l in [LogFormat::Text, LogFormat::Json] {
            assert_eq!(l.to_string().parse::<LogFormat>(), Ok(l));
        }
        assert_eq!(" Daily ".parse::<Rotate>(), Ok(Rotate::Daily));
        assert_eq!(
            "weekly".parse::<Rotate>().unwrap_err().0,
            "invalid rotation 'weekly' (size, hourly or daily)"
        );
        assert!("zstd".parse::<Compress>().is_err());
        assert!("xml".parse::<LogFormat>().is_err());
    }
}
