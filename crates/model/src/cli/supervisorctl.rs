//! supervisorctl's command line (options.py `ClientOptions.__init__` plus `-h`/`-?`
//! from `Options.__init__`) and its actions: one table drives the getopt parser, `-h`
//! (the lines of supervisorctl.py's docstring), supervisorctl(1) and the shell
//! completions.

use crate::getopt::{OptDef, usage_lines};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opt {
    Help,
    Configuration,
    Interactive,
    ServerUrl,
    Username,
    Password,
    History,
}

const HEAD: &str = "\
supervisorctl -- control applications run by supervisord from the cmd line.

Usage: %s [options] [action [arguments]]

Options:
";

const TAIL: &str = "
action [arguments] -- see below

Actions are commands like \"tail\" or \"stop\".  If -i is specified or no action is
specified on the command line, a \"shell\" interpreting actions typed
interactively is started.  Use the action \"help\" to find out about available
actions.
";

/// Ours, after Supervisor's text so its lines stay identical.
const EXTENSIONS: &str = "
Extensions (supervisor-rs):
status --json [name...] -- print the status as a JSON array
avail --json            -- print the configured processes as a JSON array
update --dry-run [g...] -- print what update would do, per process; change nothing
top                     -- a live full-screen view of every process (a terminal)
completions SHELL       -- print the bash, zsh or fish completion script
";

pub const OPTIONS: &[OptDef<Opt>] = &[
    OptDef::with_value(
        Opt::Configuration,
        Some('c'),
        Some("configuration"),
        "FILENAME",
        "-c/--configuration FILENAME -- configuration file path (searches if not given)\n",
        "The configuration file whose [supervisorctl] section is read; searched like supervisord's when not given.",
    ),
    OptDef::flag(
        Opt::Help,
        Some('h'),
        Some("help"),
        "-h/--help -- print usage message and exit\n",
        "Print the usage message and exit.",
    ),
    OptDef::flag(
        Opt::Help,
        Some('?'),
        None,
        "",
        "Print the usage message and exit.",
    ),
    OptDef::flag(
        Opt::Interactive,
        Some('i'),
        Some("interactive"),
        "-i/--interactive -- start an interactive shell after executing commands\n",
        "Start the interactive shell (also when no action is given).",
    ),
    OptDef::with_value(
        Opt::ServerUrl,
        Some('s'),
        Some("serverurl"),
        "URL",
        "-s/--serverurl URL -- URL on which supervisord server is listening\n     (default \"http://localhost:9001\").\n",
        "Where supervisord listens: unix:///path/to/socket or http://host:port (default http://localhost:9001).",
    ),
    OptDef::with_value(
        Opt::Username,
        Some('u'),
        Some("username"),
        "USERNAME",
        "-u/--username USERNAME -- username to use for authentication with server\n",
        "The user name for the server's basic authentication.",
    ),
    OptDef::with_value(
        Opt::Password,
        Some('p'),
        Some("password"),
        "PASSWORD",
        "-p/--password PASSWORD -- password to use for authentication with server\n",
        "The password for the server's basic authentication.",
    ),
    // Supervisor's docstring spells it `--history-file` and names no argument; getopt
    // knows it as `history_file`, with one.
    OptDef::with_value(
        Opt::History,
        Some('r'),
        Some("history_file"),
        "FILENAME",
        "-r/--history-file -- keep a readline history (if readline is available)\n",
        "Accepted and ignored, as in Supervisor 4.3 (history_file= in [supervisorctl] keeps the history).",
    ),
];

/// Every action with a one-line summary (for the man page and completions; `help`
/// prints Supervisor's own texts); those marked `true` are ours.
pub const ACTIONS: &[(&str, &str, bool)] = &[
    (
        "add",
        "start managing a group that the config file gained (after reread)",
        false,
    ),
    ("avail", "list every process the config file defines", false),
    ("clear", "empty the log files of processes", false),
    (
        "completions",
        "print the completion script for bash, zsh or fish",
        true,
    ),
    ("events", "print supervisord's events as they happen", true),
    ("exit", "leave the interactive shell", false),
    (
        "fg",
        "attach to a process: show its output, send it what you type",
        false,
    ),
    ("help", "list the actions, or explain one", false),
    ("maintail", "print the end of supervisord's own log", false),
    ("open", "talk to another supervisord", false),
    ("pid", "print supervisord's pid, or processes' pids", false),
    ("quit", "leave the interactive shell", false),
    (
        "reload",
        "restart supervisord, reading its config anew",
        false,
    ),
    (
        "remove",
        "stop managing a stopped group that the config file lost",
        false,
    ),
    ("reopen", "reopen every log file, as SIGUSR2 does", true),
    (
        "reread",
        "read the config files again and report what changed",
        false,
    ),
    ("restart", "stop, then start processes", false),
    ("shutdown", "stop every process and supervisord", false),
    ("signal", "send a signal to processes", false),
    ("start", "start processes", false),
    ("status", "show the state of processes", false),
    ("stop", "stop processes", false),
    (
        "tail",
        "print the end of a process's log, or follow it",
        false,
    ),
    ("top", "a live full-screen view of every process", true),
    (
        "update",
        "apply the config file's changes, restarting only what changed",
        false,
    ),
    (
        "version",
        "print the version of Supervisor supervisord behaves as",
        false,
    ),
];

/// `-h`'s text for `argv0`: Supervisor's docstring plus the newline options.py's
/// `help` adds, then our extensions.
pub fn help(argv0: &str) -> String {
    format!("{HEAD}{}{TAIL}\n{EXTENSIONS}", usage_lines(OPTIONS, false)).replace("%s", argv0)
}
