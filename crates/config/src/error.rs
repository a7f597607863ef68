//! `ConfigError`: every way loading a config can fail, each naming the file, line,
//! section, option and offending value, worded like Supervisor's own messages
//! (options.py / datatypes.py) so users can grep the Python docs for them.
//! Passwords never reach a message: callers pass them through [`redact`].

use std::fmt;
use std::path::PathBuf;

/// Where a problem stands: the section, the file that defined it (or the option),
/// and the 1-based line of the option (or of the section header when the option
/// is missing). Line 0 means "not from a file line" (a default value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: PathBuf,
    pub line: usize,
    pub section: String,
}

impl Location {
    /// `(file: '…', line N)`: the location of a message that names its section
    /// itself.
    pub fn without_section(&self) -> String {
        let mut out = format!("(file: '{}'", self.file.display());
        if self.line > 0 {
            out.push_str(&format!(", line {}", self.line));
        }
        out.push(')');
        out
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "in section '{}' (file: '{}'",
            self.section,
            self.file.display()
        )?;
        if self.line > 0 {
            write!(f, ", line {}", self.line)?;
        }
        f.write_str(")")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// options.py `read_config`: the `-c` file does not exist.
    #[error("could not find config file {}", path.display())]
    NotFound { path: PathBuf },
    /// The file exists but cannot be read (permissions, not UTF-8, a directory).
    #[error("could not read config file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A byte sequence that is not UTF-8, located (Python names only the offset).
    #[error("could not read config file {}: 'utf-8' codec can't decode byte 0x{byte:02x} on line {line}", path.display())]
    Encoding {
        path: PathBuf,
        line: usize,
        byte: u8,
    },
    /// options.py `default_configfile`: nothing found on the search path.
    #[error(
        "No config file found at default paths ({searched}); use the -c option to specify a config file at a different path"
    )]
    NoConfigFile { searched: String },
    /// configparser `MissingSectionHeaderError`: an option before any `[section]`.
    #[error("File contains no section headers.\nfile: '{}', line: {line}\n{text}", file.display())]
    NoSectionHeader {
        file: PathBuf,
        line: usize,
        /// The line as Python's `repr()` shows it (quotes and `\n` included).
        text: String,
    },
    /// configparser `ParsingError`: a line that is neither a section, an option
    /// nor a continuation.
    #[error("Source contains parsing errors: '{}'\n\t[line {line:2}]: {text}", file.display())]
    Syntax {
        file: PathBuf,
        line: usize,
        /// The line as Python's `repr()` shows it (quotes and `\n` included).
        text: String,
    },
    /// `.ini file does not include supervisord section` (or `supervisorctl`).
    #[error(".ini file does not include {section} section (file: '{}')", file.display())]
    MissingSection { file: PathBuf, section: String },
    /// A value that does not convert (datatypes.py wording in `reason`).
    #[error("invalid value for '{option}': {reason} {at}")]
    Value {
        option: String,
        /// The offending value as written (redacted for passwords).
        value: String,
        reason: String,
        at: Box<Location>,
    },
    /// `%(name)s` expansion failures (options.py `expand`), already worded in full.
    #[error("{message} {at}")]
    Expansion {
        option: String,
        message: String,
        at: Box<Location>,
    },
    /// A section-level rule (missing `command`, numprocs without process_num, ...).
    #[error("{message} {at}")]
    Section { message: String, at: Box<Location> },
    /// `env_files=`: a file that cannot be read or parsed (README, "Environment
    /// files"). Never shows a value: env files hold secrets.
    #[error("env file '{}'{}: {message}; named by 'env_files' {at}", path.display(), line.map(|l| format!(", line {l}")).unwrap_or_default())]
    EnvFile {
        path: PathBuf,
        line: Option<usize>,
        message: String,
        at: Box<Location>,
    },
    /// A TOML document that does not parse or has the wrong shape.
    #[error("{message} (file: '{}', line {line})", file.display())]
    Toml {
        file: PathBuf,
        line: usize,
        message: String,
    },
}

/// The options whose value must never be printed.
pub(crate) fn is_secret(option: &str) -> bool {
    option == "password"
}

/// `value`, or a placeholder when `option` is a secret.
pub(crate) fn redact<'a>(option: &str, value: &'a str) -> &'a str {
    if is_secret(option) {
        "<redacted>"
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_error_names_everything() {
        let e = ConfigError::Value {
            option: "startsecs".into(),
            value: "abc".into(),
            reason: "invalid literal for int() with base 10: 'abc'".into(),
            at: Box::new(Location {
                file: "/etc/s.conf".into(),
                line: 7,
                section: "program:x".into(),
            }),
        };
        assert_eq!(
            e.to_string(),
            "invalid value for 'startsecs': invalid literal for int() with base 10: 'abc' \
             in section 'program:x' (file: '/etc/s.conf', line 7)"
        );
        assert_eq!(redact("password", "hunter2"), "<redacted>");
        assert_eq!(redact("username", "bob"), "bob");
    }
}
