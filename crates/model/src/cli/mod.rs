//! The command lines of the four binaries, each as one table of [`OptDef`]s from which
//! the parser, `-h`, the man pages and the shell completions are all derived.
//!
//! [`OptDef`]: crate::getopt::OptDef

pub mod supervisorctl;
pub mod supervisord;

/// `pidproxy PIDFILE COMMAND [ARGS...]` (supervisor/pidproxy.py): no options.
pub mod pidproxy {
    /// What pidproxy prints (to stdout, exit 1) when an argument is missing. Our own
    /// words; the form is Supervisor's `usage()`.
    pub const USAGE: &str = "pidproxy PIDFILE COMMAND [ARGS...]\n\
Runs COMMAND and forwards TERM, HUP, INT, QUIT, USR1 and USR2 to the pid written in\n\
PIDFILE (for programs that daemonize themselves); exits when that process is gone.\n";
}

/// `echo_supervisord_conf [--toml]` (supervisor/confecho.py has no options).
pub mod echo_supervisord_conf {
    use crate::getopt::OptDef;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Opt {
        Toml,
    }

    pub const OPTIONS: &[OptDef<Opt>] = &[OptDef::flag(
        Opt::Toml,
        None,
        Some("toml"),
        "--toml -- print the sample in TOML\n",
        "Print the sample configuration in TOML instead of INI.",
    )
    .ours()];

    pub const USAGE: &str = "usage: echo_supervisord_conf [--toml]\n";
}
