//! The daemon-wide facts every process actor needs to spawn and log, shared read-only
//! behind an `Arc`: the reaper, the main log, the environment children inherit, and the
//! `[supervisord]` values that shape a child (minfds, childlogdir, identifier).

use std::ffi::{CString, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::sync::Arc;

use supervisor_config::{Config, ProcessConfig};
use supervisor_sys::Reaper;

use crate::events::EventBus;
use crate::mainlog::MainLog;
use crate::process::api::PeersWatch;

/// Something the tree must hear about from a process at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Alarm {
    /// An `essential` program (or a member of an `essential` group) went FATAL:
    /// supervisord shuts down and exits non-zero (README, "Beyond Supervisor: resilience options").
    EssentialFatal(String),
    /// A group exceeded its restart intensity and stopped its processes; the root
    /// decides (an `essential` group shuts supervisord down).
    GroupFailed(String),
}

/// What systemd tells supervisord alone (notify.rs): children never inherit it.
pub const SYSTEMD_ONLY_ENV: [&str; 3] = ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"];

pub struct Context {
    pub reaper: Reaper,
    /// To the root (it outlives reloads, like the bus).
    pub alarms: tokio::sync::mpsc::UnboundedSender<Alarm>,
    pub log: MainLog,
    /// The daemon's one event bus (it outlives reloads).
    pub events: EventBus,
    /// supervisord's own environment at startup, with `[supervisord] environment=`
    /// applied (Supervisor applies it to its own `os.environ`).
    pub base_env: Vec<(OsString, OsString)>,
    /// `base_env` as C strings, shared by every child's prepared environment
    /// (supervisor_sys::Environment::over).
    pub base_vars: Arc<[CString]>,
    /// `SUPERVISOR_SERVER_URL` for children whose `serverurl` is AUTO.
    pub server_url: Option<String>,
    /// Children's fds 3..minfds are closed.
    pub minfds: u64,
    pub childlogdir: PathBuf,
    pub identifier: String,
    pub strip_ansi: bool,
    /// The other processes, for dependencies (republished by the root).
    pub peers: PeersWatch,
    /// Where the notify sockets of `ready_check = notify` programs live.
    pub notify_dir: PathBuf,
}

impl Context {
    /// The daemon-wide values taken from a loaded config.
    pub fn new(
        config: &Config,
        reaper: Reaper,
        log: MainLog,
        events: EventBus,
        alarms: tokio::sync::mpsc::UnboundedSender<Alarm>,
        peers: PeersWatch,
    ) -> Context {
        let sd = &config.supervisord;
        let mut base_env: Vec<(OsString, OsString)> = std::env::vars_os()
            .filter(|(k, _)| !SYSTEMD_ONLY_ENV.iter().any(|v| k == v))
            .collect();
        for (k, v) in &sd.environment {
            set_var(&mut base_env, k.into(), v.into());
        }
        Context {
            reaper,
            alarms,
            log,
            events,
            base_vars: base_vars(&base_env),
            base_env,
            server_url: server_url(config),
            minfds: sd.minfds,
            childlogdir: sd.childlogdir.clone(),
            identifier: sd.identifier.clone(),
            strip_ansi: sd.strip_ansi,
            peers,
            notify_dir: notify_dir(),
        }
    }

    /// A child's complete environment (process.py `Subprocess._spawn_as_child`): ours, then `SUPERVISOR_*`, then
    /// the program's `environment=`, each layer overriding the one before.
    pub fn child_env(&self, p: &ProcessConfig) -> Vec<(OsString, OsString)> {
        let mut env = self.base_env.clone();
        for (k, v) in self.own_env(p) {
            set_var(&mut env, k, v);
        }
        env
    }

    /// What a child's environment sets over ours: `SUPERVISOR_*`, then the program's
    /// `environment=`, each key once (a later layer replaces an earlier one in place).
    pub fn own_env(&self, p: &ProcessConfig) -> Vec<(OsString, OsString)> {
        let mut env = Vec::with_capacity(4 + p.environment.len());
        set_var(&mut env, "SUPERVISOR_ENABLED".into(), "1".into());
        if let Some(url) = p.serverurl.as_ref().or(self.server_url.as_ref()) {
            set_var(&mut env, "SUPERVISOR_SERVER_URL".into(), url.into());
        }
        set_var(&mut env, "SUPERVISOR_PROCESS_NAME".into(), (&p.name).into());
        set_var(&mut env, "SUPERVISOR_GROUP_NAME".into(), (&p.group).into());
        for (k, v) in &p.environment {
            set_var(&mut env, k.into(), v.into());
        }
        env
    }
}

/// Our environment as C strings; a variable with a NUL byte cannot be passed on
/// (none can: the OS's cannot hold one and the config refuses one at load).
fn base_vars(base_env: &[(OsString, OsString)]) -> Arc<[CString]> {
    let passable = base_env
        .iter()
        .filter(|(k, v)| !k.as_bytes().contains(&0) && !v.as_bytes().contains(&0))
        .cloned();
    supervisor_sys::Environment::base(passable).unwrap_or_default()
}

fn set_var(env: &mut Vec<(OsString, OsString)>, key: OsString, value: OsString) {
    match env.iter_mut().find(|(k, _)| *k == key) {
        Some(slot) => slot.1 = value,
        None => env.push((key, value)),
    }
}

/// The URL children are told to call back on: the first unix server, else the first
/// inet server (options.py `serverurl` AUTO).
fn server_url(config: &Config) -> Option<String> {
    if let Some(u) = config.unix_http_servers.first() {
        return Some(format!("unix://{}", u.file.display()));
    }
    config.inet_http_servers.first().map(|i| {
        let host = if i.host.is_empty() {
            "localhost"
        } else {
            &i.host
        };
        format!("http://{host}:{}", i.port)
    })
}

/// `<tmp>/supervisor-rs-<pid>`: this daemon's notify sockets (removed at exit).
pub fn notify_dir() -> PathBuf {
    std::env::temp_dir().join(format!("supervisor-rs-{}", std::process::id()))
}
