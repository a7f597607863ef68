//! supervisord's command line, byte-compatible with Supervisor 4.3 (options.py
//! `Options.realize`, `ServerOptions.__init__`, Python's `getopt.getopt`). It owns
//! what each option does: the value converters with Supervisor's exact error messages
//! and the overrides of `[supervisorctl]` values. The options themselves (names,
//! arguments, `-h` lines) are one table, `supervisor_model::cli::supervisord`, which
//! also feeds the man page and the shell completions; getopt is
//! `supervisor_model::getopt`. It does not load the config file, print anything or
//! exit: the binary does that with [`CliAction`] and [`CliExit`].
//!
//! getopt and not clap, because Python's getopt stops at the first positional
//! argument, accepts any unique prefix of a long option (`--conf=x`), takes `-?`, and
//! Supervisor reports bad values and repeated options with its own texts
//! (`invalid value for -e 'x': ...`, `conflicting command line option '-e'`) after
//! getopt has accepted the whole line.

mod values;

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use supervisor_config::{LogFile, SupervisordConfig};
use supervisor_model::cli::supervisord::{OPTIONS, Opt};
use supervisor_model::getopt::{Given, getopt};
use supervisor_model::{ByteSize, LogLevel, OctalMode};

use supervisor_model::py_repr as repr;
use values::{
    byte_size, clamp_u64, existing_directory, existing_dirpath, logging_level, normalize_path,
    python_int, resolve_user,
};

/// What `-v/--version` prints (plus a newline); see the table's note on why it is
/// Supervisor's version.
pub const VERSION: &str = supervisor_model::cli::supervisord::VERSION;

/// The command-line overrides of `[supervisord]` (`None`/`false` = not given).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cli {
    /// argv[0], for `For help, use <argv0> -h` in later usage errors.
    pub progname: String,
    /// `-c`: the config file; `None` means search the default locations.
    pub configuration: Option<PathBuf>,
    pub nodaemon: bool,
    pub silent: bool,
    /// `-u`, resolved against passwd by [`Cli::apply`] (Supervisor checks it after
    /// reading the config, not while parsing the command line).
    pub user: Option<String>,
    pub umask: Option<OctalMode>,
    /// `-d`, `~` expanded and checked to be a directory.
    pub directory: Option<PathBuf>,
    /// `-l`: `syslog`, or an absolute normalized path (options.py `normalize_path`).
    pub logfile: Option<LogFile>,
    pub logfile_maxbytes: Option<ByteSize>,
    pub logfile_backups: Option<u32>,
    pub loglevel: Option<LogLevel>,
    /// `-j`, absolute and normalized.
    pub pidfile: Option<PathBuf>,
    pub identifier: Option<String>,
    /// `-q`, `~` expanded and checked to be a directory.
    pub childlogdir: Option<PathBuf>,
    pub nocleanup: bool,
    pub minfds: Option<u64>,
    pub minprocs: Option<u64>,
    pub strip_ansi: bool,
    /// `--profile_options`: accepted (old command lines keep working) and ignored.
    /// Supervisor runs itself under cProfile with it; there is no Python profiler to
    /// drive here (use `perf`), so the value has no effect.
    pub profile_options: Option<String>,
}

/// What the command line asks for.
// Built once per start: boxing `Run` would only make matching on it clumsier.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CliAction {
    /// Start supervisord with these overrides.
    Run(Cli),
    /// Print this text to stdout (exactly; it ends with a blank line) and exit 0.
    Help(String),
    /// Print [`VERSION`] and a newline to stdout and exit 0.
    Version,
    /// Extension: print this supervisord.conf converted to TOML and exit.
    ConvertConfig(PathBuf),
}

/// A usage error: print `stderr` (exactly) to stderr and exit with `code`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{stderr}")]
pub struct CliExit {
    pub stderr: String,
    pub code: i32,
}

impl CliExit {
    /// The bare message of a usage error — without `Error: ` and the `For help`
    /// line, but every line of it (a syntax error names its line on the second) —
    /// as Supervisor's `ValueError` text for `reloadConfig`'s CANT_REREAD.
    pub fn message(&self) -> String {
        let body = self.stderr.strip_prefix("Error: ").unwrap_or(&self.stderr);
        match body.rfind("\nFor help, use ") {
            Some(end) => body[..end].to_string(),
            None => body.trim_end_matches('\n').to_string(),
        }
    }

    /// options.py `usage`: `Error: <msg>` and `For help, use <argv0> -h`, exit 2. The
    /// binary uses it for config-file errors too, as Supervisor does.
    pub fn usage(progname: &str, msg: &str) -> Self {
        CliExit {
            stderr: format!("Error: {msg}\nFor help, use {progname} -h\n"),
            code: 2,
        }
    }
}

/// Parses `argv` (argv[0] first) as Supervisor does.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<CliAction, CliExit> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    parse_in(args, &cwd)
}

/// [`parse`] with an explicit working directory (relative `-l`/`-j`/`-d`/`-q` values
/// are checked and made absolute against it).
fn parse_in(args: impl IntoIterator<Item = OsString>, cwd: &Path) -> Result<CliAction, CliExit> {
    let mut args: Vec<OsString> = args.into_iter().collect();
    let progname = if args.is_empty() {
        "supervisord".to_owned()
    } else {
        args.remove(0).to_string_lossy().into_owned()
    };
    let usage = |msg: String| CliExit::usage(&progname, &msg);
    let (given, positional) = getopt(OPTIONS, &args).map_err(usage)?;
    if !positional.is_empty() {
        let items: Vec<String> = positional
            .iter()
            .map(|a| repr(&a.to_string_lossy()))
            .collect();
        return Err(usage(format!(
            "positional arguments are not supported: [{}]",
            items.join(", ")
        )));
    }
    let mut cli = Cli {
        progname: progname.clone(),
        ..Cli::default()
    };
    // options.py `realize`: each option in order runs its handler (help and version
    // exit right there), then a second value for the same setting is an error.
    for g in &given {
        match g.id {
            Opt::Help => return Ok(CliAction::Help(help_text(&progname))),
            Opt::Version => return Ok(CliAction::Version),
            Opt::ConvertConfig => return Ok(CliAction::ConvertConfig(PathBuf::from(&g.value))),
            _ => {}
        }
        let conflict = cli.set(g, cwd).map_err(|msg| {
            usage(format!(
                "invalid value for {} {}: {msg}",
                g.spelled,
                repr(&g.value.to_string_lossy())
            ))
        })?;
        if conflict {
            return Err(usage(format!(
                "conflicting command line option {}",
                repr(&g.spelled)
            )));
        }
    }
    Ok(CliAction::Run(cli))
}

/// Stores `slot = Some(value)`; true if it was already set.
fn store<T>(slot: &mut Option<T>, value: T) -> bool {
    let was_set = slot.is_some();
    *slot = Some(value);
    was_set
}

fn raise(flag: &mut bool) -> bool {
    std::mem::replace(flag, true)
}

impl Cli {
    /// Runs the option's handler (Supervisor's datatypes.py converter) and stores the
    /// value. `Err` is the handler's message; `Ok(true)` means the setting was given
    /// before (a conflict).
    fn set(&mut self, g: &Given<Opt>, cwd: &Path) -> Result<bool, String> {
        let raw = g.value.as_os_str();
        let text = raw.to_string_lossy();
        Ok(match g.id {
            Opt::Configuration => store(&mut self.configuration, PathBuf::from(raw)),
            Opt::Nodaemon => raise(&mut self.nodaemon),
            Opt::Silent => raise(&mut self.silent),
            Opt::Nocleanup => raise(&mut self.nocleanup),
            Opt::StripAnsi => raise(&mut self.strip_ansi),
            Opt::User => store(&mut self.user, text.into_owned()),
            Opt::Identifier => store(&mut self.identifier, text.into_owned()),
            Opt::ProfileOptions => store(&mut self.profile_options, text.into_owned()),
            Opt::Umask => {
                let umask = text.parse::<OctalMode>().map_err(|e| e.0)?;
                store(&mut self.umask, umask)
            }
            Opt::Directory => store(&mut self.directory, existing_directory(raw, cwd)?),
            Opt::Childlogdir => store(&mut self.childlogdir, existing_directory(raw, cwd)?),
            Opt::Logfile => {
                let path = existing_dirpath(raw, cwd)?;
                // options.py `realize`: "syslog" is not a path.
                let logfile = if path.as_os_str() == "syslog" {
                    LogFile::Syslog
                } else {
                    LogFile::Path(normalize_path(&path, cwd))
                };
                store(&mut self.logfile, logfile)
            }
            Opt::Pidfile => {
                let path = existing_dirpath(raw, cwd)?;
                store(&mut self.pidfile, normalize_path(&path, cwd))
            }
            Opt::LogfileMaxbytes => store(&mut self.logfile_maxbytes, byte_size(&text)?),
            Opt::LogfileBackups => {
                // A negative count means no backups to Supervisor's rotation.
                let n = python_int(&text)?.clamp(0, i128::from(u32::MAX));
                store(&mut self.logfile_backups, n as u32)
            }
            Opt::Minfds => store(&mut self.minfds, clamp_u64(python_int(&text)?)),
            Opt::Minprocs => store(&mut self.minprocs, clamp_u64(python_int(&text)?)),
            Opt::Loglevel => store(&mut self.loglevel, logging_level(&text)?),
            Opt::Help | Opt::Version | Opt::ConvertConfig => false,
        })
    }

    /// Applies the overrides to the loaded `[supervisord]` section (command line >
    /// config file > default). `-u` is resolved here, after the config was read, as
    /// options.py `ServerOptions.realize` does; an unknown user is a usage error.
    pub fn apply(&self, cfg: &mut SupervisordConfig) -> Result<(), CliExit> {
        if let Some(name) = &self.user {
            let user = resolve_user(name).map_err(|msg| CliExit::usage(&self.progname, &msg))?;
            cfg.user = Some(user);
        }
        cfg.nodaemon |= self.nodaemon;
        cfg.silent |= self.silent;
        cfg.nocleanup |= self.nocleanup;
        cfg.strip_ansi |= self.strip_ansi;
        override_with(&mut cfg.umask, self.umask);
        if let Some(dir) = &self.directory {
            cfg.directory = Some(dir.clone());
        }
        override_with(&mut cfg.logfile, self.logfile.clone());
        override_with(&mut cfg.logfile_maxbytes, self.logfile_maxbytes);
        override_with(&mut cfg.logfile_backups, self.logfile_backups);
        override_with(&mut cfg.loglevel, self.loglevel);
        override_with(&mut cfg.pidfile, self.pidfile.clone());
        override_with(&mut cfg.identifier, self.identifier.clone());
        override_with(&mut cfg.childlogdir, self.childlogdir.clone());
        override_with(&mut cfg.minfds, self.minfds);
        override_with(&mut cfg.minprocs, self.minprocs);
        Ok(())
    }
}

fn override_with<T>(slot: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *slot = v;
    }
}

/// options.py `help`: the docstring plus a newline, `%s` replaced by argv[0].
fn help_text(progname: &str) -> String {
    supervisor_model::cli::supervisord::help(progname)
}

#[cfg(test)]
mod tests;
