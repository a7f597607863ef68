//! supervisord's command line (options.py `Options.__init__` and
//! `ServerOptions.__init__`): one table drives the getopt parser, `-h` (the lines of
//! supervisord.py's docstring), supervisord(8) and the shell completions.

use crate::getopt::{OptDef, usage_lines};

/// What each option stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opt {
    Help,
    Version,
    ConvertConfig,
    Configuration,
    Nodaemon,
    Silent,
    User,
    Umask,
    Directory,
    Logfile,
    LogfileMaxbytes,
    LogfileBackups,
    Loglevel,
    Pidfile,
    Identifier,
    Childlogdir,
    Nocleanup,
    Minfds,
    Minprocs,
    StripAnsi,
    ProfileOptions,
}

/// The first lines of supervisord.py's docstring (`%s` is argv[0]).
const HEAD: &str = "\
supervisord -- run a set of applications as daemons.

Usage: %s [options]

Options:
";

/// Every option, in the docstring's order; ours last.
pub const OPTIONS: &[OptDef<Opt>] = &[
    OptDef::with_value(
        Opt::Configuration,
        Some('c'),
        Some("configuration"),
        "FILENAME",
        "-c/--configuration FILENAME -- configuration file path (searches if not given)\n",
        "The configuration file; without it supervisord searches ../etc/supervisord.conf, ../supervisord.conf (relative to the executable), ./supervisord.conf, ./etc/supervisord.conf, /etc/supervisord.conf and /etc/supervisor/supervisord.conf.",
    ),
    OptDef::flag(
        Opt::Nodaemon,
        Some('n'),
        Some("nodaemon"),
        "-n/--nodaemon -- run in the foreground (same as 'nodaemon=true' in config file)\n",
        "Run in the foreground (nodaemon=true).",
    ),
    OptDef::flag(
        Opt::Silent,
        Some('s'),
        Some("silent"),
        "-s/--silent -- no logs to stdout (maps to 'silent=true' in config file)\n",
        "In the foreground, do not copy the main log to stdout (silent=true).",
    ),
    OptDef::flag(
        Opt::Help,
        Some('h'),
        Some("help"),
        "-h/--help -- print this usage message and exit\n",
        "Print the usage message and exit.",
    ),
    OptDef::flag(Opt::Help, Some('?'), None, "", "Print the usage message and exit."),
    OptDef::flag(
        Opt::Version,
        Some('v'),
        Some("version"),
        "-v/--version -- print supervisord version number and exit\n",
        "Print the Supervisor version this supervisord behaves as (4.3.0) and exit.",
    ),
    OptDef::with_value(
        Opt::User,
        Some('u'),
        Some("user"),
        "USER",
        "-u/--user USER -- run supervisord as this user (or numeric uid)\n",
        "Switch to this user (name or numeric uid) after start-up, when started as root.",
    ),
    OptDef::with_value(
        Opt::Umask,
        Some('m'),
        Some("umask"),
        "UMASK",
        "-m/--umask UMASK -- use this umask for daemon subprocess (default is 022)\n",
        "The octal umask of the daemon when daemonized (default 022).",
    ),
    OptDef::with_value(
        Opt::Directory,
        Some('d'),
        Some("directory"),
        "DIRECTORY",
        "-d/--directory DIRECTORY -- directory to chdir to when daemonized\n",
        "The directory to change to when daemonized.",
    ),
    OptDef::with_value(
        Opt::Logfile,
        Some('l'),
        Some("logfile"),
        "FILENAME",
        "-l/--logfile FILENAME -- use FILENAME as logfile path\n",
        "The main log file (or syslog).",
    ),
    OptDef::with_value(
        Opt::LogfileMaxbytes,
        Some('y'),
        Some("logfile_maxbytes"),
        "BYTES",
        "-y/--logfile_maxbytes BYTES -- use BYTES to limit the max size of logfile\n",
        "Rotate the main log at this size (e.g. 50MB; 0 never rotates).",
    ),
    OptDef::with_value(
        Opt::LogfileBackups,
        Some('z'),
        Some("logfile_backups"),
        "NUM",
        "-z/--logfile_backups NUM -- number of backups to keep when max bytes reached\n",
        "How many rotated main logs to keep.",
    ),
    OptDef::with_value(
        Opt::Loglevel,
        Some('e'),
        Some("loglevel"),
        "LEVEL",
        "-e/--loglevel LEVEL -- use LEVEL as log level (debug,info,warn,error,critical)\n",
        "The main log level: critical, error, warn, info, debug, trace or blather.",
    ),
    OptDef::with_value(
        Opt::Pidfile,
        Some('j'),
        Some("pidfile"),
        "FILENAME",
        "-j/--pidfile FILENAME -- write a pid file for the daemon process to FILENAME\n",
        "Write supervisord's pid to this file.",
    ),
    OptDef::with_value(
        Opt::Identifier,
        Some('i'),
        Some("identifier"),
        "STR",
        "-i/--identifier STR -- identifier used for this instance of supervisord\n",
        "The identifier the APIs report for this instance.",
    ),
    OptDef::with_value(
        Opt::Childlogdir,
        Some('q'),
        Some("childlogdir"),
        "DIRECTORY",
        "-q/--childlogdir DIRECTORY -- the log directory for child process logs\n",
        "The directory of AUTO child log files.",
    ),
    OptDef::flag(
        Opt::Nocleanup,
        Some('k'),
        Some("nocleanup"),
        "-k/--nocleanup --  prevent the process from performing cleanup (removal of\n                   old automatic child log files) at startup.\n",
        "Keep old AUTO child log files at start-up.",
    ),
    OptDef::with_value(
        Opt::Minfds,
        Some('a'),
        Some("minfds"),
        "NUM",
        "-a/--minfds NUM -- the minimum number of file descriptors for start success\n",
        "Raise the open-files limit to at least this, or refuse to start.",
    ),
    OptDef::flag(
        Opt::StripAnsi,
        Some('t'),
        Some("strip_ansi"),
        "-t/--strip_ansi -- strip ansi escape codes from process output\n",
        "Strip ANSI escape sequences from child output before logging it.",
    ),
    OptDef::with_value(
        Opt::Minprocs,
        None,
        Some("minprocs"),
        "NUM",
        "--minprocs NUM  -- the minimum number of processes available for start success\n",
        "Raise the process limit to at least this, or refuse to start.",
    ),
    OptDef::with_value(
        Opt::ProfileOptions,
        None,
        Some("profile_options"),
        "OPTIONS",
        "--profile_options OPTIONS -- run supervisord under profiler and output\n                             results based on OPTIONS, which  is a comma-sep'd\n                             list of 'cumulative', 'calls', and/or 'callers',\n                             e.g. 'cumulative,callers')\n",
        "Accepted for compatibility and ignored (Supervisor runs itself under Python's profiler).",
    ),
    OptDef::with_value(
        Opt::ConvertConfig,
        None,
        Some("convert-config"),
        "FILENAME",
        "--convert-config FILENAME -- print FILENAME (a supervisord.conf) converted to TOML\n                             and exit\n",
        "Print FILENAME (a supervisord.conf) converted to TOML and exit.",
    )
    .ours(),
];

/// What `-h` prints (options.py `help`: the docstring with `%s` replaced by argv[0],
/// plus a newline), with our extensions after Supervisor's own lines.
pub fn help(argv0: &str) -> String {
    format!(
        "{HEAD}{}\nExtensions (supervisor-rs):\n{}\n",
        usage_lines(OPTIONS, false),
        usage_lines(OPTIONS, true)
    )
    .replace("%s", argv0)
}

/// The version `-v` prints. Supervisor's, not ours: supervisor-rs is a drop-in, and
/// scripts and config-management tools parse `supervisord -v` to decide which
/// features exist.
pub const VERSION: &str = crate::SUPERVISOR_VERSION;
