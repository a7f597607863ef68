//! The validated, typed configuration: what every other crate sees. Nothing here is a
//! raw string from the file where a type exists (durations, signals, sizes, users);
//! every `%(x)s` expansion has been applied. Field names are Supervisor's option names.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use supervisor_model::{AutoRestart, ByteSize, ExitCodes, LogLevel, OctalMode, Signal};

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
    /// and AUTO-without-rollover warnings), in the order Supervisor logs them.
    pub messages: Vec<(LogLevel, String)>,
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
    /// `environment=`, in the order written (later keys win when merged).
    pub environment: Vec<(String, String)>,
    pub identifier: String,
    /// Extension (issue 9): `reload` behaves like `update`, keeping unchanged processes.
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
}

/// `[inet_http_server]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InetHttpServerConfig {
    pub section: String,
    /// Lower-cased host; empty means every interface (`*:port` or `:port`).
    pub host: String,
    pub port: u16,
    pub auth: Option<Credentials>,
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
}

impl std::fmt::Debug for SupervisorctlConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SupervisorctlConfig")
            .field("serverurl", &self.serverurl)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("prompt", &self.prompt)
            .field("history_file", &self.history_file)
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

/// Extension (issue 5): how a group reacts when a member dies unexpectedly.
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
    /// Extensions (issue 5); defaults are Supervisor's behaviour.
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
}

/// Extension (issue 5): delay growth between BACKOFF retries.
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
    /// Extensions (issue 5).
    pub essential: bool,
    pub backoff: Backoff,
    pub backoff_max: Option<Duration>,
    pub fatal_retry_after: Option<Duration>,
    /// `die_with_supervisord`: the child is killed (SIGKILL) if supervisord dies
    /// without stopping it (issue 19).
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
        if self.group == self.name {
            self.name.clone()
        } else {
            format!("{}:{}", self.group, self.name)
        }
    }
}
