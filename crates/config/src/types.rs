//! The validated, typed configuration: what every other crate sees. Nothing here is a
//! raw string from the file where a type exists (durations, signals, sizes, users);
//! every `%(x)s` expansion has been applied. Field names are Supervisor's option names.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use supervisor_model::{
    AutoRestart, ByteSize, Compress, ExitCodes, LogFormat, LogLevel, OctalMode, Rotate, Signal,
};

/// A whole loaded configuration (main file plus includes).
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The main config file, absolute.
    pub source: PathBuf,
    pub supervisord: SupervisordConfig,
    /// `[unix_http_server]` (and `[unix_http_server:x]`), in file order.
    pub unix_http_servers: Vec<UnixHttpServerConfig>,
    /// `[inet_http_server]` (and `[inet_http_server:x]`), in file order.
    pub inet_http_servers: Vec<InetHttpServerConfig>,
    /// `[supervisorctl]`, if the file has one.
    pub supervisorctl: Option<SupervisorctlConfig>,
    /// `[rpcinterface:x]` sections.
    pub rpcinterfaces: Vec<RpcInterfaceConfig>,
    /// Process groups sorted by (priority, name), as Supervisor starts them.
    pub groups: Vec<GroupConfig>,
    /// Messages produced while parsing that Supervisor logs at startup
    /// (`Included extra file ...`, `No file matches via include ...`, redirect_stderr
    /// and AUTO-without-rollover warnings), in the order Supervisor logs them, with
    /// supervisor-rs's own warnings (`notices`) after Supervisor's.
    pub messages: Vec<(LogLevel, String)>,
    /// The warnings in `messages` that are supervisor-rs's own, about what the
    /// config asks for that cannot be honoured: Python code (`[rpcinterface:x]`
    /// factories, `[ctlplugin:x]`, `result_handler`), other supervisors' options,
    /// `environment=` text Supervisor's parser drops. Python Supervisor logs nothing
    /// for them.
    pub notices: Vec<String>,
}

/// Where a main or child log goes (datatypes.py `logfile_name`, `existing_dirpath`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogFile {
    /// `NONE` / `OFF`: no file.
    None,
    /// `AUTO`: a file in `childlogdir`, named by Supervisor's scheme at group creation.
    Auto,
    /// `syslog` (deprecated spelling): no file, lines go to syslog.
    Syslog,
    /// A path (absolute after expansion and `~`); may be non-seekable (`/dev/stdout`).
    Path(PathBuf),
}

#[derive(Debug, Clone, PartialEq)]
pub struct SupervisordConfig {
    pub logfile: LogFile,
    pub logfile_maxbytes: ByteSize,
    pub logfile_backups: u32,
    /// Extension (README, "Logs people can ship"): rotation by time.
    pub logfile_rotate: Rotate,
    /// Extension: gzip the rotated backups.
    pub logfile_compress: Compress,
    /// Extension: `text` (Supervisor's lines) or `json`.
    pub logformat: LogFormat,
    pub loglevel: LogLevel,
    pub pidfile: PathBuf,
    pub umask: OctalMode,
    pub nodaemon: bool,
    pub silent: bool,
    pub minfds: u64,
    pub minprocs: u64,
    pub nocleanup: bool,
    /// As written (`~` expanded), not made absolute: Supervisor creates AUTO logs
    /// relative to its working directory at that time.
    pub childlogdir: PathBuf,
    pub user: Option<UserSpec>,
    pub directory: Option<PathBuf>,
    pub strip_ansi: bool,
    /// `environment=`, in the order written (later keys win when merged), after
    /// the variables of `env_files=` (an extension), which it overrides.
    pub environment: Vec<(String, String)>,
    pub identifier: String,
    /// Extension (README, "Changing the config of a running supervisord"): `reload`
    /// behaves like `update`, keeping unchanged processes.
    pub reload_keeps_running: bool,
}

/// A user resolved against the passwd database at load time, as Supervisor does.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UserSpec {
    /// What the config said (name or numeric id), for messages.
    pub name: String,
    pub uid: u32,
    /// The primary gid of the user.
    pub gid: u32,
}

/// `[unix_http_server]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnixHttpServerConfig {
    /// The section name (`unix_http_server` or `unix_http_server:x`).
    pub section: String,
    pub file: PathBuf,
    pub chmod: OctalMode,
    /// `chown=user[:group]`, resolved to ids. Without `:group` the gid is
    /// [`crate::UNCHANGED_GID`] (`u32::MAX`, i.e. `-1` for chown(2): left alone),
    /// as Supervisor's `(uid, -1)`.
    pub chown: Option<(u32, u32)>,
    pub auth: Option<Credentials>,
    /// Extension (README, "Metrics and health endpoints"): `/metrics` needs the
    /// credentials (default) or not (`metrics_auth = false`).
    pub metrics_auth: bool,
    /// Extension: the same for `/healthz` and `/readyz` (`health_auth = false`).
    pub health_auth: bool,
}

/// `[inet_http_server]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InetHttpServerConfig {
    pub section: String,
    /// Lower-cased host; empty means every interface (`*:port` or `:port`).
    pub host: String,
    pub port: u16,
    pub auth: Option<Credentials>,
    /// See [`UnixHttpServerConfig::metrics_auth`].
    pub metrics_auth: bool,
    /// See [`UnixHttpServerConfig::health_auth`].
    pub health_auth: bool,
}

/// A username with its password as written (plain text or `{SHA}` + hex SHA-1).
/// `Debug` never prints the password.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// `[supervisorctl]`. `Debug` never prints the password.
#[derive(Clone, PartialEq, Eq)]
pub struct SupervisorctlConfig {
    pub serverurl: String,
    pub username: Option<String>,
    pub password: Option<String>,
    pub prompt: String,
    pub history_file: Option<PathBuf>,
    /// What supervisorctl should tell the user about the file: its `[ctlplugin:x]`
    /// sections, Python plugins it cannot load (each names its file and line).
    pub warnings: Vec<String>,
}

impl std::fmt::Debug for SupervisorctlConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SupervisorctlConfig")
            .field("serverurl", &self.serverurl)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("prompt", &self.prompt)
            .field("history_file", &self.history_file)
            .field("warnings", &self.warnings)
            .finish()
    }
}

/// `[rpcinterface:x]`: kept so a missing `supervisor` interface can be honoured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcInterfaceConfig {
    pub name: String,
    pub factory: String,
}

/// What kind of section made a group.
#[derive(Debug, Clone, PartialEq)]
pub enum GroupKind {
    /// `[program:x]` (its own homogeneous group) or `[group:x]`.
    Program,
    /// `[eventlistener:x]`: a listener pool.
    EventListener(EventListenerConfig),
    /// `[fcgi-program:x]`: processes share a listening socket on fd 0.
    Fcgi(FcgiConfig),
}

#[derive(Debug, Clone, PartialEq)]
pub struct EventListenerConfig {
    /// Event type names as Supervisor spells them (`PROCESS_STATE`, `TICK_5`, ...),
    /// upper-cased and validated.
    pub events: Vec<String>,
    pub buffer_size: usize,
    pub result_handler: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FcgiConfig {
    /// `unix:///abs/path` or `tcp://host:port`, expanded.
    pub socket: String,
    pub socket_backlog: Option<u32>,
    /// `socket_owner=user[:group]` (gid [`crate::UNCHANGED_GID`] without a group),
    /// or, for a unix socket, the program's `user` when it is not supervisord's.
    pub socket_owner: Option<(u32, u32)>,
    pub socket_mode: OctalMode,
}

/// Extension (README, "Beyond Supervisor: resilience options"): how a group reacts when a member dies unexpectedly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strategy {
    /// Supervisor's behaviour: only the process itself is restarted.
    #[default]
    OneForOne,
    OneForAll,
    RestForOne,
}

/// A process group: the unit of `add`/`remove`/`update`.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupConfig {
    pub name: String,
    pub priority: i64,
    pub kind: GroupKind,
    /// Processes sorted by (priority, name) — except a `[group:x]`, whose processes
    /// come in `programs=` order, each program's processes by priority. Shared (`Arc`):
    /// the root, the group actor, the registry and each process actor hold the same one
    /// (a copy per holder cost ≈ 3 kB per program with 1000 programs).
    pub processes: Vec<Arc<ProcessConfig>>,
    /// Extensions (README, "Beyond Supervisor: resilience options"); defaults are Supervisor's behaviour.
    pub strategy: Strategy,
    /// `max_restarts` within `restart_window`; `None` = unlimited.
    pub max_restarts: Option<u32>,
    pub restart_window: Duration,
    pub essential: bool,
}

/// One channel's (stdout or stderr) logging options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelConfig {
    pub logfile: LogFile,
    pub logfile_maxbytes: ByteSize,
    pub logfile_backups: u32,
    pub capture_maxbytes: ByteSize,
    pub events_enabled: bool,
    pub syslog: bool,
    /// Extensions (README, "Logs people can ship"): each line of output prefixed
    /// with the time in the file, rotation by time, gzip'ed backups.
    pub logfile_timestamps: bool,
    pub logfile_rotate: Rotate,
    pub logfile_compress: Compress,
}

/// Extension (README, "Beyond Supervisor: resilience options"): delay growth between BACKOFF retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Backoff {
    /// Supervisor's: 1 s, 2 s, 3 s, ...
    #[default]
    Linear,
    Exponential,
}

/// One process (a `[program:x]` with numprocs=N gives N of these).
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessConfig {
    /// The expanded `process_name`.
    pub name: String,
    /// The group this process belongs to.
    pub group: String,
    /// The `x` of the `[program:x]` (or eventlistener/fcgi-program) section.
    pub program: String,
    /// The process_num this process was expanded with.
    pub process_num: u32,
    /// The expanded command line, not yet split (spawn splits it like shlex).
    pub command: String,
    pub priority: i64,
    pub autostart: bool,
    pub startsecs: Duration,
    pub startretries: u32,
    pub autorestart: AutoRestart,
    pub exitcodes: ExitCodes,
    pub stopsignal: Signal,
    pub stopwaitsecs: Duration,
    pub stopasgroup: bool,
    pub killasgroup: bool,
    pub user: Option<UserSpec>,
    pub redirect_stderr: bool,
    pub stdout: ChannelConfig,
    pub stderr: ChannelConfig,
    /// The section's own `environment=` (expanded), in order. The `[supervisord]`
    /// environment is applied to the daemon's own environment, as Supervisor does.
    pub environment: Vec<(String, String)>,
    /// As written after expansion: no `~`, not validated (the child fails to chdir).
    pub directory: Option<PathBuf>,
    pub umask: Option<OctalMode>,
    /// `serverurl=`; `None` means `AUTO`.
    pub serverurl: Option<String>,
    /// Extensions (README, "Beyond Supervisor: resilience options").
    pub essential: bool,
    pub backoff: Backoff,
    pub backoff_max: Option<Duration>,
    pub fatal_retry_after: Option<Duration>,
    /// Beyond Supervisor (README, "Dependencies, readiness and health checks"):
    /// what a start waits for (the section's own `depends_on`, then its group's).
    pub depends_on: Vec<Dependency>,
    /// `ready_check`: STARTING → RUNNING when it passes (instead of `startsecs`).
    pub ready_check: Option<ReadyCheck>,
    /// `health_check`: probed while RUNNING; too many failures restart the process.
    pub health_check: Option<HealthCheck>,
    /// `watchdog_sec`: a notify-speaking program must send `WATCHDOG=1` this often.
    pub watchdog: Option<Duration>,
    /// `die_with_supervisord`: the child is killed (SIGKILL) if supervisord dies
    /// without stopping it (README, "Beyond Supervisor: resilience options").
    pub die_with_supervisord: bool,
}

impl Config {
    /// Every process of every group, in start order.
    pub fn processes(&self) -> impl Iterator<Item = &ProcessConfig> {
        self.groups
            .iter()
            .flat_map(|g| g.processes.iter().map(|p| &**p))
    }

    pub fn group(&self, name: &str) -> Option<&GroupConfig> {
        self.groups.iter().find(|g| g.name == name)
    }

    /// The environment Supervisor stores on a process: `[supervisord] environment`
    /// updated by the section's own `environment=` (a Python dict update: a key
    /// keeps its first position and takes the last value).
    pub fn effective_environment(&self, process: &ProcessConfig) -> Vec<(String, String)> {
        let mut env = self.supervisord.environment.clone();
        for (k, v) in &process.environment {
            match env.iter_mut().find(|(ek, _)| ek == k) {
                Some((_, slot)) => slot.clone_from(v),
                None => env.push((k.clone(), v.clone())),
            }
        }
        env
    }
}

impl ProcessConfig {
    /// Supervisor's namespec (options.py `make_namespec`): the bare name when the
    /// group and process names are equal, else `group:name`.
    pub fn namespec(&self) -> String {
        supervisor_model::namespec::make(&self.group, &self.name)
    }
}

/// What a dependent waits for in a dependency (`depends_on = db:healthy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    /// RUNNING (the default).
    Started,
    /// RUNNING after its ready check passed (the target must have one).
    Ready,
    /// Ready, and its health check passing (the target must have one).
    Healthy,
    /// EXITED with an expected exit code: a one-shot job such as a migration.
    Completed,
}

impl Condition {
    pub const ALL: [Condition; 4] = [
        Condition::Started,
        Condition::Ready,
        Condition::Healthy,
        Condition::Completed,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Condition::Started => "started",
            Condition::Ready => "ready",
            Condition::Healthy => "healthy",
            Condition::Completed => "completed",
        }
    }
}

/// One entry of `depends_on`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    /// As written: a program name, a group name, `group:process` or `group:*`.
    pub target: String,
    pub condition: Condition,
    /// `required`: when the target stops meeting the condition, the dependent is
    /// stopped, and starts again once it is met again (systemd's `BindsTo=`).
    pub required: bool,
    /// The processes `target` names, resolved when the config is loaded, as
    /// (group, process name) in the target's start order.
    pub processes: Vec<(String, String)>,
    /// The section the entry was written in (`program:web`, `group:app`), for
    /// messages.
    pub section: String,
}

impl std::fmt::Display for Dependency {
    /// The entry as it can be written back (`db:healthy required`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.target)?;
        if self.condition != Condition::Started {
            write!(f, ":{}", self.condition.name())?;
        }
        if self.required {
            f.write_str(" required")?;
        }
        Ok(())
    }
}

/// How a ready or health check probes a process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// `tcp://host:port`: a connection is accepted.
    Tcp { host: String, port: u16 },
    /// `http://host:port/path [status=200-399]`: a GET answers a status in range.
    Http {
        host: String,
        port: u16,
        path: String,
        status: (u16, u16),
    },
    /// `exec:COMMAND`: the command exits 0 (split like `command=`, no shell).
    Exec { command: String },
    /// `log:REGEX`: a line of the program's own output matches (ready checks only).
    Log { pattern: String },
    /// `notify`: the program speaks the sd_notify protocol (`READY=1`, `WATCHDOG=1`).
    Notify,
}

impl std::fmt::Display for Probe {
    /// The probe as written in the config.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let bracket = |h: &str| {
            if h.contains(':') {
                format!("[{h}]")
            } else {
                h.to_string()
            }
        };
        match self {
            Probe::Tcp { host, port } => write!(f, "tcp://{}:{port}", bracket(host)),
            Probe::Http {
                host,
                port,
                path,
                status,
            } => {
                write!(f, "http://{}:{port}{path}", bracket(host))?;
                if *status != (200, 399) {
                    write!(f, " status={}-{}", status.0, status.1)?;
                }
                Ok(())
            }
            Probe::Exec { command } => write!(f, "exec:{command}"),
            Probe::Log { pattern } => write!(f, "log:{pattern}"),
            Probe::Notify => f.write_str("notify"),
        }
    }
}

/// `ready_check` with `ready_timeout` and `ready_interval`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadyCheck {
    pub probe: Probe,
    /// Longer than this without passing is a failed start.
    pub timeout: Duration,
    /// The longest pause between probes (the first come sooner; see the daemon).
    pub interval: Duration,
}

/// `health_check` with its `health_*` options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthCheck {
    pub probe: Probe,
    pub interval: Duration,
    /// One probe longer than this fails.
    pub timeout: Duration,
    /// Failures in a row that restart the process.
    pub retries: u32,
    /// Failures within this time after RUNNING do not count.
    pub start_period: Duration,
}
