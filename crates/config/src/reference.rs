//! The reference of every section and option this crate accepts, as people read it:
//! one table, from which supervisord.conf(5) is generated (crates/manual). A test
//! checks it against the sample config, which spells out every option Supervisor
//! has, so an option cannot be added without being documented. The parsing itself
//! lives in sections.rs, programs.rs and process.rs.

/// One section of the file.
#[derive(Debug, Clone, Copy)]
pub struct SectionDoc {
    /// As written in INI (`program:x`); the TOML spelling is in the crate's README.
    pub name: &'static str,
    pub about: &'static str,
    /// Options of another section this one also takes (`program:x` for listeners).
    pub inherits: Option<&'static str>,
    pub options: &'static [OptionDoc],
}

/// One option: its name, default (empty = none) and meaning. `ours` marks options
/// Supervisor does not have (it ignores them, so a file stays usable by both).
#[derive(Debug, Clone, Copy)]
pub struct OptionDoc {
    pub name: &'static str,
    pub default: &'static str,
    pub about: &'static str,
    pub ours: bool,
}

const fn opt(name: &'static str, default: &'static str, about: &'static str) -> OptionDoc {
    OptionDoc {
        name,
        default,
        about,
        ours: false,
    }
}

const fn ours(name: &'static str, default: &'static str, about: &'static str) -> OptionDoc {
    OptionDoc {
        name,
        default,
        about,
        ours: true,
    }
}

const HTTP_AUTH: [OptionDoc; 2] = [
    opt(
        "username",
        "",
        "User name for basic authentication; with password, every client must authenticate.",
    ),
    opt(
        "password",
        "",
        "The password, in clear or as {SHA} followed by the hex SHA-1 of the password.",
    ),
];

/// Options of `[program:x]`, shared by listeners and FastCGI programs.
const PROGRAM: &[OptionDoc] = &[
    opt(
        "command",
        "(required)",
        "The command to run, split like a shell would split it (quotes, backslashes) but without a shell: no variables, pipes or globs. A program without a slash is looked up in PATH.",
    ),
    opt(
        "process_name",
        "%(program_name)s",
        "The process's name; must contain %(process_num)s when numprocs > 1.",
    ),
    opt(
        "numprocs",
        "1",
        "How many processes of this program to run.",
    ),
    opt("numprocs_start", "0", "The first process_num."),
    opt(
        "priority",
        "999",
        "Start order (lower first) and reverse stop order.",
    ),
    opt(
        "autostart",
        "true",
        "Start when supervisord starts or the group is added.",
    ),
    opt(
        "startsecs",
        "1",
        "Seconds the process must stay up to count as started (RUNNING); 0 = at once.",
    ),
    opt(
        "startretries",
        "3",
        "Failed starts in a row allowed before the process goes FATAL.",
    ),
    opt(
        "autorestart",
        "unexpected",
        "Restart after an exit: true, false, or unexpected (only for exit codes not in exitcodes).",
    ),
    opt(
        "exitcodes",
        "0",
        "Comma-separated list of expected exit codes.",
    ),
    opt(
        "stopsignal",
        "TERM",
        "The signal that asks the process to stop (TERM, HUP, INT, QUIT, KILL, USR1, USR2, or a number).",
    ),
    opt(
        "stopwaitsecs",
        "10",
        "Seconds to wait after stopsignal before SIGKILL.",
    ),
    opt(
        "stopasgroup",
        "false",
        "Send stopsignal to the process's whole process group (implies killasgroup).",
    ),
    opt(
        "killasgroup",
        "false",
        "Send SIGKILL to the whole process group.",
    ),
    opt(
        "user",
        "",
        "Run the process as this user (supervisord must run as root).",
    ),
    opt("redirect_stderr", "false", "Send stderr to the stdout log."),
    opt(
        "stdout_logfile",
        "AUTO",
        "Where stdout goes: a path, AUTO (a file in childlogdir), NONE, or syslog.",
    ),
    opt(
        "stdout_logfile_maxbytes",
        "50MB",
        "Rotate the stdout log at this size; 0 never rotates.",
    ),
    opt(
        "stdout_logfile_backups",
        "10",
        "Rotated stdout logs to keep.",
    ),
    opt(
        "stdout_capture_maxbytes",
        "0",
        "Above 0, enables PROCESS_COMMUNICATION capture blocks on stdout of this size.",
    ),
    opt(
        "stdout_events_enabled",
        "false",
        "Emit PROCESS_LOG_STDOUT events.",
    ),
    opt(
        "stdout_syslog",
        "false",
        "Also send stdout lines to syslog, prefixed with the process name.",
    ),
    opt(
        "stderr_logfile",
        "AUTO",
        "Where stderr goes (as stdout_logfile).",
    ),
    opt(
        "stderr_logfile_maxbytes",
        "50MB",
        "Rotate the stderr log at this size.",
    ),
    opt(
        "stderr_logfile_backups",
        "10",
        "Rotated stderr logs to keep.",
    ),
    opt(
        "stderr_capture_maxbytes",
        "0",
        "PROCESS_COMMUNICATION capture on stderr.",
    ),
    opt(
        "stderr_events_enabled",
        "false",
        "Emit PROCESS_LOG_STDERR events.",
    ),
    opt(
        "stderr_syslog",
        "false",
        "Also send stderr lines to syslog.",
    ),
    opt(
        "environment",
        "",
        "KEY=value pairs, comma-separated, added to the process's environment.",
    ),
    opt(
        "directory",
        "",
        "The directory to change to before running the command.",
    ),
    opt(
        "umask",
        "",
        "The process's octal umask (default: inherited).",
    ),
    opt(
        "serverurl",
        "AUTO",
        "The SUPERVISOR_SERVER_URL given to the process.",
    ),
    ours(
        "essential",
        "false",
        "When this program goes FATAL for good, stop everything and exit with status 1.",
    ),
    ours(
        "backoff",
        "linear",
        "Delay before each retry: linear (1, 2, 3 s, Supervisor's) or exponential (1, 2, 4, 8 s).",
    ),
    ours(
        "backoff_max",
        "",
        "Upper bound of the retry delay in seconds (capped delays are jittered by up to 10%).",
    ),
    ours(
        "fatal_retry_after",
        "",
        "Leave FATAL and start again after this many seconds.",
    ),
    ours(
        "die_with_supervisord",
        "false",
        "Kill the child (SIGKILL) if supervisord dies without stopping it (killed, crashed).",
    ),
    ours(
        "strategy",
        "one_for_one",
        "For the program's own group: one_for_one, one_for_all or rest_for_one.",
    ),
    ours(
        "max_restarts",
        "",
        "For the program's own group: unexpected deaths allowed within restart_window before the group fails.",
    ),
    ours(
        "restart_window",
        "60",
        "For the program's own group: the window of max_restarts, in seconds.",
    ),
];

/// Every section, in the order supervisord.conf(5) presents them.
pub const SECTIONS: &[SectionDoc] = &[
    SectionDoc {
        name: "unix_http_server",
        about: "A control socket: supervisorctl, the web page, XML-RPC and gRPC over a unix socket.",
        inherits: None,
        options: &[
            opt("file", "(required)", "The socket's path."),
            opt("chmod", "0700", "The socket's octal mode."),
            opt("chown", "", "The socket's owner, user or user:group."),
            HTTP_AUTH[0],
            HTTP_AUTH[1],
        ],
    },
    SectionDoc {
        name: "inet_http_server",
        about: "The same over TCP (HTTP/1.1 for XML-RPC and the page, h2c for gRPC).",
        inherits: None,
        options: &[
            opt(
                "port",
                "(required)",
                "host:port to listen on (*:port or port alone for every address).",
            ),
            HTTP_AUTH[0],
            HTTP_AUTH[1],
        ],
    },
    SectionDoc {
        name: "supervisord",
        about: "The daemon itself; command-line options override these.",
        inherits: None,
        options: &[
            opt(
                "logfile",
                "supervisord.log",
                "The main log: a path (relative to the working directory), /dev/stdout, or syslog.",
            ),
            opt(
                "logfile_maxbytes",
                "50MB",
                "Rotate the main log at this size; 0 never rotates.",
            ),
            opt("logfile_backups", "10", "Rotated main logs to keep."),
            opt(
                "loglevel",
                "info",
                "critical, error, warn, info, debug, trace or blather.",
            ),
            opt(
                "pidfile",
                "supervisord.pid",
                "Where supervisord writes its pid.",
            ),
            opt(
                "umask",
                "022",
                "The daemon's umask, applied when daemonizing.",
            ),
            opt(
                "nodaemon",
                "false",
                "Stay in the foreground (and copy the main log to stdout).",
            ),
            opt(
                "silent",
                "false",
                "In the foreground, do not copy the main log to stdout.",
            ),
            opt(
                "minfds",
                "1024",
                "Raise the open-files limit to at least this, or refuse to start.",
            ),
            opt(
                "minprocs",
                "200",
                "Raise the process limit to at least this, or refuse to start.",
            ),
            opt(
                "nocleanup",
                "false",
                "Keep old AUTO child logs at start-up.",
            ),
            opt(
                "childlogdir",
                "$TMPDIR or /tmp",
                "The directory of AUTO child logs.",
            ),
            opt("user", "", "Switch to this user after start-up (as root)."),
            opt(
                "directory",
                "",
                "Change to this directory when daemonizing.",
            ),
            opt(
                "strip_ansi",
                "false",
                "Strip ANSI escape sequences from child output.",
            ),
            opt(
                "environment",
                "",
                "KEY=value pairs given to every process (and to %(ENV_x)s expansions).",
            ),
            opt("identifier", "supervisor", "This instance's identifier."),
            ours(
                "reload_keeps_running",
                "false",
                "reload and SIGHUP apply the edited config like update, instead of restarting every process.",
            ),
        ],
    },
    SectionDoc {
        name: "supervisorctl",
        about: "Read by supervisorctl only.",
        inherits: None,
        options: &[
            opt(
                "serverurl",
                "http://localhost:9001",
                "unix:///path/to/socket or http://host:port.",
            ),
            HTTP_AUTH[0],
            opt("password", "", "The password, in clear."),
            opt("prompt", "supervisor", "The shell's prompt, before \"> \"."),
            opt("history_file", "", "Keep the shell's history in this file."),
        ],
    },
    SectionDoc {
        name: "program:x",
        about: "A program: one process, or numprocs of them, in a group named x (unless a [group] lists it).",
        inherits: None,
        options: PROGRAM,
    },
    SectionDoc {
        name: "eventlistener:x",
        about: "A pool of event listeners: processes that receive events on stdin and answer on stdout. Takes the options of [program:x] (priority defaults to -1; redirect_stderr must stay false) and:",
        inherits: Some("program:x"),
        options: &[
            opt(
                "events",
                "(required)",
                "Comma-separated event types to subscribe to (e.g. PROCESS_STATE, TICK_60).",
            ),
            opt(
                "buffer_size",
                "10",
                "Events queued for the pool; the oldest is dropped beyond it.",
            ),
            opt(
                "result_handler",
                "supervisor.dispatchers:default_handler",
                "Only the default exists here (others are Python code).",
            ),
        ],
    },
    SectionDoc {
        name: "fcgi-program:x",
        about: "A FastCGI program: its processes share one listening socket as their stdin. Takes the options of [program:x] and:",
        inherits: Some("program:x"),
        options: &[
            opt("socket", "(required)", "tcp://host:port or unix:///path."),
            opt("socket_backlog", "SOMAXCONN", "The listen backlog."),
            opt("socket_owner", "", "user[:group] of a unix socket."),
            opt("socket_mode", "0700", "Octal mode of a unix socket."),
        ],
    },
    SectionDoc {
        name: "group:x",
        about: "Puts programs in one group x (namespecs x:name).",
        inherits: None,
        options: &[
            opt(
                "programs",
                "(required)",
                "Comma-separated names of [program] or [fcgi-program] sections.",
            ),
            opt("priority", "999", "The group's priority."),
            ours(
                "strategy",
                "one_for_one",
                "When a member dies unexpectedly and is restarted: one_for_one restarts only it; one_for_all every member; rest_for_one the members after it in start order.",
            ),
            ours(
                "max_restarts",
                "",
                "More unexpected deaths than this within restart_window: the group stops its processes and fails.",
            ),
            ours("restart_window", "60", "Seconds."),
            ours(
                "essential",
                "false",
                "A member going FATAL for good, or the group failing, shuts supervisord down with status 1.",
            ),
        ],
    },
    SectionDoc {
        name: "include",
        about: "More files to read.",
        inherits: None,
        options: &[opt(
            "files",
            "(required)",
            "Whitespace-separated globs, relative to this file; included files may be INI or TOML.",
        )],
    },
    SectionDoc {
        name: "rpcinterface:supervisor",
        about: "Kept for compatibility: Supervisor needs it for its XML-RPC interface; supervisor-rs always serves its API.",
        inherits: None,
        options: &[opt(
            "supervisor.rpcinterface_factory",
            "",
            "supervisor.rpcinterface:make_main_rpcinterface.",
        )],
    },
];

/// Where options still being designed will be documented (the generated page says
/// so, rather than inventing them).
pub const RESERVED: &[(&str, &str)] = &[
    (
        "dependencies",
        "Start ordering on other programs' readiness (depends_on and friends).",
    ),
    ("checks", "Readiness and health checks."),
    ("metrics", "A Prometheus metrics endpoint."),
];

#[cfg(test)]
#[path = "reference_tests.rs"]
mod tests;
