//! The root actor's messages: supervisord's signals and the control plane's
//! requests that change the tree (shutdown, reload, reread, add/remove, update), and
//! what the tree tells its root (start-up, stops done, an update's first phase
//! done, alarms).

use ractor::RpcReplyPort;
use supervisor_config::{Config, ConfigDiff};
use supervisor_model::FaultError;

use crate::context::Alarm;
use crate::update::Responder;
use crate::update::apply::Retired;

/// supervisord's exit status after an essential program failed.
pub const ESSENTIAL_EXIT: i32 = 1;

/// How the next config is obtained on reload and reread (the command line is
/// re-applied); the error is the bare message.
pub type Reloader = Box<dyn Fn() -> Result<Config, String> + Send + Sync>;

pub enum RootMsg {
    /// The first message, which the root sends itself: build the tree from the
    /// start-up config and start the autostart programs in the background. Signals
    /// and the control plane are served from before it.
    Boot,
    /// SIGTERM/SIGINT/SIGQUIT (the signal's name, for the log), or the `shutdown`
    /// call (`reply` once the state is SHUTDOWN).
    Shutdown {
        signal: Option<&'static str>,
        reply: Option<RpcReplyPort<Result<(), FaultError>>>,
    },
    /// SIGHUP (`signal`) or the `restart` call (`reply` once the state is
    /// RESTARTING, or CANT_REREAD when the new config cannot be loaded): stop
    /// everything, re-read the config, start again in place.
    Reload {
        signal: bool,
        reply: Option<RpcReplyPort<Result<(), FaultError>>>,
    },
    /// SIGUSR2 (`signal`), or the `ReopenLogs` call.
    ReopenLogs { signal: bool },
    /// Every process is stopped; `reload` says what comes next.
    Stopped { reload: bool },
    /// `reloadConfig`: read the config again and diff it with the active groups.
    Reread(RpcReplyPort<Result<ConfigDiff, String>>),
    /// `addProcessGroup`.
    AddGroup(String, RpcReplyPort<Result<(), FaultError>>),
    /// `removeProcessGroup`.
    RemoveGroup(String, RpcReplyPort<Result<(), FaultError>>),
    /// `update`: read the config again and apply it per process, to the `groups`
    /// named (none: all); `dry_run` only reports.
    Update {
        dry_run: bool,
        groups: Vec<String>,
        reply: Responder,
    },
    /// The processes an update stops for good are stopped: finish it.
    Retired(Box<Retired>),
    /// A process raised an alarm (an essential program went FATAL).
    Alarm(Alarm),
}

impl RootMsg {
    /// Messages that read or change the config, held back while an update runs so
    /// each sees the tree before or after it, never halfway.
    pub fn waits_for_update(&self) -> bool {
        matches!(
            self,
            RootMsg::Reload { .. }
                | RootMsg::Reread(_)
                | RootMsg::AddGroup(..)
                | RootMsg::RemoveGroup(..)
                | RootMsg::Update { .. }
        )
    }
}
