//! The one way into a running supervisord: the [`Control`] trait and its vocabulary.
//! The gRPC service, the XML-RPC `/RPC2` handler, `/logtail` and the web page are
//! thin translations over it, so behaviour cannot drift between APIs. Semantics are
//! Supervisor's rpcinterface.py (rpcinterface.py); the daemon implements the trait.

use std::future::Future;
use std::path::PathBuf;

use supervisor_model::{FaultError, LogLevel, ProcessState, SupervisorState};

use crate::observe::{Metrics, Readiness};

pub type CtlResult<T> = Result<T, FaultError>;

/// `getProcessInfo`, field for field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessInfo {
    pub name: String,
    pub group: String,
    pub description: String,
    pub start: i64,
    pub stop: i64,
    pub now: i64,
    pub state: ProcessState,
    /// Empty when none.
    pub spawnerr: String,
    pub exitstatus: i32,
    /// Empty when none.
    pub stdout_logfile: String,
    pub stderr_logfile: String,
    /// 0 when not running.
    pub pid: i32,
    /// Spawns since the process was added (not in Supervisor's API).
    pub spawns: u64,
    /// Beyond Supervisor (set only for processes with dependencies or checks):
    /// what a STARTING process without a child waits for.
    pub waiting: Option<String>,
    /// The health check's verdict (`None`: no check, or none yet).
    pub healthy: Option<bool>,
    /// The program's own status line (sd_notify `STATUS=`).
    pub status_text: Option<String>,
}

impl ProcessInfo {
    /// `name`, or `group:name` when they differ.
    pub fn namespec(&self) -> String {
        supervisor_model::namespec::make(&self.group, &self.name)
    }
}

/// One entry of a result array (startProcessGroup, stopAllProcesses, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessResult {
    pub name: String,
    pub group: String,
    /// 80 (SUCCESS) or a fault code.
    pub status: i32,
    /// `OK` or the fault string.
    pub description: String,
}

impl ProcessResult {
    pub fn ok(group: &str, name: &str) -> ProcessResult {
        ProcessResult {
            name: name.to_string(),
            group: group.to_string(),
            status: supervisor_model::Fault::Success.code(),
            description: "OK".to_string(),
        }
    }

    pub fn failed(group: &str, name: &str, e: &FaultError) -> ProcessResult {
        ProcessResult {
            name: name.to_string(),
            group: group.to_string(),
            status: e.fault.code(),
            description: e.text.clone(),
        }
    }

    /// The fault this result stands for, `None` on success.
    pub fn fault(&self) -> Option<FaultError> {
        (self.status != supervisor_model::Fault::Success.code())
            .then(|| FaultError::from_wire(self.status, self.description.clone()))
    }
}

/// What an action applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// One process by namespec (`name` or `group:name`). A namespec naming a whole
    /// group (`group:*`, `group:`) is turned into [`Target::Group`] by [`Target::parse`].
    Process(String),
    Group(String),
    All,
}

impl Target {
    /// Supervisor's `startProcess(name)` dispatch: `g:*` and `g:` mean the group.
    pub fn parse(namespec: &str) -> Target {
        match supervisor_model::namespec::split(namespec) {
            (group, None) => Target::Group(group.to_string()),
            _ => Target::Process(namespec.to_string()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// `wait`: reply when RUNNING or failed.
    Start { wait: bool },
    /// `wait`: reply when stopped.
    Stop { wait: bool },
    /// A signal name or number, validated per process (BAD_SIGNAL).
    Signal(String),
}

/// A log file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogSource {
    Main,
    Stdout(String),
    Stderr(String),
}

/// The outcome of `reloadConfig`: group names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reread {
    pub added: Vec<String>,
    pub changed: Vec<String>,
    pub removed: Vec<String>,
}

/// `update` (an extension: Supervisor's clients orchestrate `update` themselves with
/// reloadConfig, stopProcessGroup, removeProcessGroup and addProcessGroup).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpdateRequest {
    /// Plan and report, change nothing (not even the config `add` and `avail` see).
    pub dry_run: bool,
    /// The groups to update; empty means every group.
    pub groups: Vec<String>,
}

/// What `update` did (or, dry, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpdateReport {
    /// Requested groups that are neither active nor in the config, in request order.
    pub unknown: Vec<String>,
    /// Removed groups, then changed ones, then added ones (Supervisor's order).
    pub groups: Vec<GroupUpdate>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupUpdate {
    pub name: String,
    pub kind: GroupUpdateKind,
    /// The group's own changed options: those that force a replacement for
    /// `Replaced`, those applied in place for `Changed`.
    pub fields: Vec<String>,
    /// The processes acted on; unchanged ones are not listed (they keep running).
    pub processes: Vec<ProcessUpdate>,
    /// Processes that could not be stopped (a signal failed): left as they were.
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupUpdateKind {
    /// Gone from the config: every process stopped, the group removed.
    Removed,
    /// Its kind or shared socket changed: stopped, removed and added again.
    Replaced,
    /// Changed in place, process by process.
    Changed,
    /// New: added, its autostart processes started.
    Added,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessUpdate {
    /// The namespec.
    pub name: String,
    pub action: ProcessUpdateAction,
    /// The changed options (Supervisor's names) for `Restart` and `Live`.
    pub fields: Vec<String>,
    /// Started afterwards.
    pub start: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcessUpdateAction {
    /// Stopped and replaced by a process built from the new config.
    Restart,
    Add,
    /// Stopped and removed.
    Remove,
    /// New options applied to the running process.
    Live,
}

/// One channel's log settings in [`ConfigInfo`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogInfo {
    /// A path, `auto`, `syslog` or `none`.
    pub logfile: String,
    pub maxbytes: u64,
    pub backups: u32,
    pub capture_maxbytes: u64,
    pub events_enabled: bool,
    pub syslog: bool,
}

/// `getAllConfigInfo`, one per process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigInfo {
    pub name: String,
    pub group: String,
    pub inuse: bool,
    pub autostart: bool,
    /// `false`, `unexpected` or `true`.
    pub autorestart: String,
    pub group_prio: i64,
    pub process_prio: i64,
    pub command: String,
    pub directory: Option<String>,
    pub exitcodes: Vec<i32>,
    pub killasgroup: bool,
    pub stopasgroup: bool,
    pub redirect_stderr: bool,
    pub serverurl: Option<String>,
    pub startretries: u32,
    pub startsecs: i64,
    pub stopsignal: i32,
    pub stopwaitsecs: i64,
    pub user: Option<String>,
    pub uid: Option<u32>,
    pub stdout: LogInfo,
    pub stderr: LogInfo,
}

/// Everything a client can ask of supervisord. Synchronous methods read published
/// state and never wait on an actor; the async ones reply when Supervisor would
/// (deferred `wait` semantics included).
///
/// Callers check [`Control::state`] first: while supervisord is not RUNNING every
/// `supervisor.*` call but `sendRemoteCommEvent` is SHUTDOWN_STATE (see
/// [`crate::guard::running`]).
pub trait Control: Send + Sync + 'static {
    fn state(&self) -> SupervisorState;
    fn pid(&self) -> i32;
    fn identification(&self) -> String;

    /// Every process, sorted by group name then process name.
    fn processes(&self) -> Vec<ProcessInfo>;
    /// One process; BAD_NAME for unknown names and for `group:*`.
    fn process(&self, namespec: &str) -> CtlResult<ProcessInfo>;

    /// Start, stop or signal. `Target::Process`: one result, or BAD_NAME (the API
    /// turns a failed result into a fault). Group and All: BAD_NAME for an unknown
    /// group, else a result per process the action applies to (not-running ones for
    /// start, running ones for stop, signallable ones for signal), in Supervisor's
    /// order: the results known at once, then those that waited, each part in
    /// acting order (priority, then configuration order).
    fn act(
        &self,
        action: Action,
        target: Target,
    ) -> impl Future<Output = CtlResult<Vec<ProcessResult>>> + Send;

    /// `sendProcessStdin`.
    fn send_stdin(
        &self,
        namespec: &str,
        data: Vec<u8>,
    ) -> impl Future<Output = CtlResult<()>> + Send;

    /// The file behind a log: BAD_NAME for an unknown process; `None` when it has no
    /// log file (NO_FILE for the readers).
    fn log_path(&self, source: &LogSource) -> CtlResult<Option<PathBuf>>;

    /// Truncate both logs of the target's processes (`clearProcessLogs`,
    /// `clearAllProcessLogs`); results as for [`Control::act`].
    fn clear_logs(
        &self,
        target: Target,
    ) -> impl Future<Output = CtlResult<Vec<ProcessResult>>> + Send;

    /// `clearLog`: truncate the main log.
    fn clear_main_log(&self) -> CtlResult<()>;

    /// `reloadConfig`: load the config file again and diff it with the running one.
    fn reread(&self) -> impl Future<Output = CtlResult<Reread>> + Send;
    /// `addProcessGroup`.
    fn add_group(&self, name: &str) -> impl Future<Output = CtlResult<()>> + Send;
    /// `removeProcessGroup`.
    fn remove_group(&self, name: &str) -> impl Future<Output = CtlResult<()>> + Send;
    /// `update`: re-read the config and apply it per process, restarting only what
    /// a restart-relevant change requires; CANT_REREAD (nothing changed) when the
    /// config cannot be loaded. Replies once every removal and replacement is done;
    /// processes to start are started in the background, as `addProcessGroup` does.
    fn update(
        &self,
        request: UpdateRequest,
    ) -> impl Future<Output = CtlResult<UpdateReport>> + Send;
    /// `getAllConfigInfo`, sorted by group then process name.
    fn config_info(&self) -> Vec<ConfigInfo>;

    /// `restart`: begin a reload. Returns once supervisord is RESTARTING (so the
    /// very next call sees SHUTDOWN_STATE), not when the reload is done.
    fn reload(&self) -> impl Future<Output = CtlResult<()>> + Send;
    /// `shutdown`: begin a shutdown. Returns once supervisord is SHUTDOWN.
    fn shutdown(&self) -> impl Future<Output = CtlResult<()>> + Send;
    /// `sendRemoteCommEvent`.
    fn remote_comm_event(&self, kind: &str, data: &str) -> CtlResult<()>;
    /// Reopen the main log and every child log file, as SIGUSR2 does (beyond
    /// Supervisor's API: for an external logrotate without signal rights).
    fn reopen_logs(&self) -> CtlResult<()>;

    /// Writes `message` to supervisord's main log at `level`: the lines Supervisor's
    /// XML-RPC handler logs for each call (xmlrpc.py `continue_request`). Whether the
    /// level is written is the log's business. The default writes nothing.
    fn log(&self, level: LogLevel, message: &str) {
        let _ = (level, message);
    }

    /// Live process states: first every process as it is now, then one item per
    /// transition, until the receiver is dropped.
    fn watch(&self) -> tokio::sync::mpsc::Receiver<ProcessInfo>;

    /// The events of the types `names` (each covering its subtypes, `EVENT`
    /// everything) emitted from now on, until the receiver is dropped. Asking only
    /// for the types wanted matters: a watcher of PROCESS_LOG makes every
    /// `*_events_enabled` stream be read instead of spliced.
    fn events(&self, names: &[String]) -> tokio::sync::mpsc::Receiver<WatchedEvent>;

    /// `/metrics` (README, "Metrics and health endpoints"): read from published
    /// state and `/proc`, so it blocks briefly; `None` when the implementation has
    /// none.
    fn metrics(&self) -> Option<Metrics> {
        None
    }

    /// `/readyz`: which processes keep supervisord from being ready.
    fn readiness(&self) -> Readiness {
        Readiness {
            state: self.state(),
            tree_built: true,
            not_ready: Vec::new(),
        }
    }

    /// `/healthz`: whether the daemon's own loop answers.
    fn alive(&self) -> impl Future<Output = bool> + Send {
        async { true }
    }

    /// CPU and memory of every running process's tree, read from /proc now (blocking
    /// file reads: call it off the async threads). Beyond Supervisor's API.
    fn usage(&self) -> Vec<ProcessUsage> {
        usage_of(&self.processes())
    }
}

/// One running process's tree: it and all its descendants.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessUsage {
    pub name: String,
    pub group: String,
    pub pid: i32,
    pub processes: u32,
    pub cpu_seconds: f64,
    pub rss_bytes: u64,
}

/// [`Control::usage`] for these processes, from one reading of /proc.
pub fn usage_of(processes: &[ProcessInfo]) -> Vec<ProcessUsage> {
    let Ok(table) = supervisor_sys::ProcTable::scan() else {
        return Vec::new();
    };
    processes
        .iter()
        .filter(|p| p.pid > 0)
        .filter_map(|p| {
            let tree = table.tree_usage(p.pid)?;
            Some(ProcessUsage {
                name: p.name.clone(),
                group: p.group.clone(),
                pid: p.pid,
                processes: tree.processes,
                cpu_seconds: tree.cpu_seconds,
                rss_bytes: tree.rss_bytes,
            })
        })
        .collect()
}

/// An event as a watcher receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchedEvent {
    pub event: supervisor_model::Event,
    /// Events lost just before this one because the watcher lagged.
    pub dropped: u64,
}
