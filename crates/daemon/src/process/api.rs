//! What the rest of the daemon holds of a process: the messages its actor takes
//! ([`ProcessMsg`]), its read side ([`Member`]: config, actor, published snapshot),
//! and the one type it reports upward to its group ([`Report`]), through an
//! [`Upward`] that hides the group's own message type (ractor's `DerivedActorRef`),
//! so nothing in `process/` knows the group actor.

use std::sync::Arc;

use ractor::{DerivedActorRef, RpcReplyPort};
use supervisor_config::ProcessConfig;
use supervisor_model::{ExitStatus, ProcessState, Signal};
use tokio::sync::watch;

use super::machine::{Refusal, Timer};
use super::stdin::StdinWriter;
use crate::snapshot::Snapshot;

pub enum ProcessMsg {
    /// Start (autostart, `startProcess`); the reply says whether it was accepted.
    Start(Option<RpcReplyPort<Result<(), Refusal>>>),
    /// Stop (`stopProcess`).
    Stop(Option<RpcReplyPort<Result<(), Refusal>>>),
    /// supervisord is shutting down or restarting: stop, and never restart again.
    Shutdown,
    /// `signalProcess`: send a signal without changing state.
    Signal(Signal, RpcReplyPort<Result<(), Refusal>>),
    /// The reaper collected `pid`.
    Exited { pid: i32, exit: ExitStatus },
    /// A timer armed by the machine fired.
    Timer { timer: Timer, generation: u64 },
    /// Reopen the log files (SIGUSR2).
    ReopenLogs,
    /// `clearProcessLogs`: empty both log files.
    ClearLogs(RpcReplyPort<Result<(), String>>),
    /// `sendProcessStdin`.
    Stdin(Vec<u8>, RpcReplyPort<Result<(), Refusal>>),
    /// `update` replaces or removes this process: stop it as `stopProcess` does and
    /// refuse every later start, so nothing revives it before it is dropped.
    Retire,
    /// The `update` that retired this process could not finish (a process of its
    /// group would not stop): it stays, and may start again.
    Reinstate,
    /// `update` changed only live options: obey `config` from now on, child untouched.
    Reconfigure(Arc<ProcessConfig>),
    /// The group's strategy restarts this sibling: stop it if it runs, then start it.
    Restart,
    /// The group failed (intensity exceeded): stop, and say why in the description.
    Fail(String),
    /// The dependencies of the start of `generation` are met: spawn.
    DepsMet { generation: u64 },
    /// What the start of `generation` waits for now (`None`: nothing more).
    Waiting {
        generation: u64,
        text: Option<String>,
    },
    /// A required dependency of the incarnation of `generation` went away.
    DependencyLost { generation: u64, why: String },
    /// The ready check of the incarnation of `generation` passed.
    Ready { generation: u64, detail: String },
    /// A health check result of the incarnation of `generation`.
    Health {
        generation: u64,
        passed: bool,
        detail: String,
    },
    /// The program's own status line (sd_notify `STATUS=`).
    Status { generation: u64, text: String },
    /// Test-only fault injection: panic while handling a message.
    #[cfg(test)]
    InjectPanic,
    /// Test-only fault injection: every later signal fails with this errno.
    #[cfg(test)]
    FailKills(nix::errno::Errno),
}

/// A process as the others see it: its config, its actor and the snapshot it
/// publishes after every change (read without a mailbox round trip).
#[derive(Clone)]
pub struct Member {
    pub config: Arc<ProcessConfig>,
    pub actor: ractor::ActorRef<ProcessMsg>,
    pub snapshot: watch::Receiver<Snapshot>,
}

impl Member {
    pub fn now(&self) -> Snapshot {
        self.snapshot.borrow().clone()
    }

    pub fn namespec(&self) -> String {
        self.config.namespec()
    }
}

/// The other processes as a process sees them, to wait on their state and start
/// the ones it depends on (implemented by the registry's read side).
pub trait Peers: Send + Sync {
    fn member(&self, group: &str, name: &str) -> Option<Member>;
}

/// The latest [`Peers`], republished whenever groups come, go or change.
pub type PeersWatch = watch::Receiver<Arc<dyn Peers>>;

/// What a process tells its group.
pub enum News {
    /// A listener's new incarnation; events go to `stdin`.
    Spawned { pid: i32, stdin: StdinWriter },
    /// A listener entered a state.
    State(ProcessState),
    /// Bytes a listener wrote on stdout (its protocol channel).
    Output { pid: i32, data: Vec<u8> },
    /// The process exited unexpectedly (EXITED, not an expected exit code).
    Died,
}

/// News from the process named `from` (members are known by name, never by
/// position: an update can add and remove members around it).
pub struct Report {
    pub from: Arc<str>,
    pub news: News,
}

/// Which news a group wants from a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Wants {
    /// The member is an event listener: its spawns, states and stdout.
    pub listener: bool,
    /// The group applies a strategy or an intensity limit: unexpected deaths.
    pub deaths: bool,
}

/// A process's way up to its group.
#[derive(Clone)]
pub struct Upward {
    to: DerivedActorRef<Report>,
    wants: Wants,
}

impl Upward {
    pub fn new(to: DerivedActorRef<Report>, wants: Wants) -> Upward {
        Upward { to, wants }
    }

    pub fn wants(&self) -> Wants {
        self.wants
    }

    /// Sends `news` if the group wants it (a group that is gone hears nothing).
    pub fn tell(&self, from: &Arc<str>, news: News) {
        let wanted = match news {
            News::Died => self.wants.deaths,
            News::Spawned { .. } | News::State(_) | News::Output { .. } => self.wants.listener,
        };
        if wanted {
            let _ = self.to.send_message(Report {
                from: from.clone(),
                news,
            });
        }
    }
}
