//! How the main log is set up from `[supervisord]` (options.py `make_logger`): the
//! file target (a rotating file, syslog or none), stdout when in the foreground, the
//! level and the line format. Building the handlers is `MainLog::open`'s job (mainlog.rs).

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use supervisor_config::{LogFile, SupervisordConfig};
use supervisor_model::{LogFormat, LogLevel};
use supervisor_sys::{RotatePolicy, RotatingFile};

/// Where `logfile=syslog` lines and `stdout_syslog`/`stderr_syslog` output go.
pub const DEFAULT_SYSLOG_SOCKET: &str = "/dev/log";

/// Names another syslog socket than [`DEFAULT_SYSLOG_SOCKET`]: for tests, which bind
/// their own datagram socket and read what supervisord sends (see README).
pub const SYSLOG_SOCKET_ENV: &str = "SUPERVISOR_RS_SYSLOG_SOCKET";

/// The syslog socket: `$SUPERVISOR_RS_SYSLOG_SOCKET` if set and not empty, else
/// `/dev/log`.
pub fn syslog_socket() -> PathBuf {
    match std::env::var_os(SYSLOG_SOCKET_ENV) {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from(DEFAULT_SYSLOG_SOCKET),
    }
}

/// Opens (and, on `reopen`, re-opens) the log file sink. The lead passes a closure
/// that builds a `supervisor_sys::RotatingFile` from `logfile`, `logfile_maxbytes`
/// and `logfile_backups`; each call must open the file afresh (append mode), as
/// Supervisor's `FileHandler.reopen` does.
pub type SinkOpener = Box<dyn FnMut() -> io::Result<Box<dyn Write + Send>> + Send>;

/// The opener for `logfile=<path>`: a `supervisor_sys::RotatingFile` rotating at
/// `maxbytes` (0 = never) and keeping `backups` old files, by time and compressed
/// if the policy says so.
pub fn rotating_file_opener(path: &Path, policy: RotatePolicy) -> SinkOpener {
    let path = path.to_owned();
    Box::new(move || {
        let file = RotatingFile::open_with(path.clone(), policy)?;
        Ok(Box::new(RotatingSink(file)) as Box<dyn Write + Send>)
    })
}

/// `RotatingFile` as a `Write`: each `write` is one whole line (the log writes a line
/// with a single `write_all`), so rotation is checked once per line, as Supervisor does.
struct RotatingSink(RotatingFile);

impl Write for RotatingSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The file handler of the main log (options.py `make_logger` → `handle_file`).
pub enum FileTarget {
    /// `logfile=NONE`: no file.
    None,
    /// `logfile=syslog`: datagrams to this socket (normally [`DEFAULT_SYSLOG_SOCKET`]).
    Syslog(PathBuf),
    /// A file, opened (and reopened) by the opener.
    Sink(SinkOpener),
}

/// Everything [`MainLog::open`] needs: Supervisor's `make_logger` arguments.
pub struct MainLogSetup {
    pub level: LogLevel,
    /// Supervisor's text lines, or JSON (README, "Logs people can ship").
    pub format: LogFormat,
    pub file: FileTarget,
    /// `Some(stdout)` when `nodaemon` and not `silent` (loggers.py `handle_stdout`).
    pub stdout: Option<Box<dyn Write + Send>>,
}

impl MainLogSetup {
    /// The setup Supervisor derives from `[supervisord]` (after command-line overrides):
    /// `open_file` is called with the log path only when the log is a file.
    pub fn from_config(
        cfg: &SupervisordConfig,
        open_file: impl FnOnce(&Path) -> SinkOpener,
    ) -> Self {
        let file = match &cfg.logfile {
            LogFile::Path(path) => FileTarget::Sink(open_file(path)),
            LogFile::Syslog => FileTarget::Syslog(syslog_socket()),
            // AUTO only means something for child logs; the loader never gives it here.
            LogFile::None | LogFile::Auto => FileTarget::None,
        };
        let stdout: Option<Box<dyn Write + Send>> = if cfg.nodaemon && !cfg.silent {
            Some(Box::new(io::stdout()))
        } else {
            None
        };
        MainLogSetup {
            level: cfg.loglevel,
            format: cfg.logformat,
            file,
            stdout,
        }
    }
}

impl MainLogSetup {
    /// [`MainLogSetup::from_config`] with the file rotated by `logfile_maxbytes`,
    /// `logfile_backups`, `logfile_rotate` and `logfile_compress`
    /// ([`rotating_file_opener`]): what supervisord uses.
    pub fn for_config(cfg: &SupervisordConfig) -> Self {
        let policy = RotatePolicy {
            maxbytes: cfg.logfile_maxbytes.bytes(),
            backups: cfg.logfile_backups,
            every: cfg.logfile_rotate,
            compress: cfg.logfile_compress,
        };
        Self::from_config(cfg, |path| rotating_file_opener(path, policy))
    }
}
