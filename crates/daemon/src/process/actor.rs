//! `ProcessActor`: one supervised OS process. It owns the [`Machine`] and carries out
//! its effects — fork/exec through the sys crate, signals, timers, log lines — and
//! publishes a [`Snapshot`] after every change. Exit statuses arrive from the reaper as
//! messages, so a child's death is handled the moment it is reaped.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use supervisor_config::ProcessConfig;
use supervisor_model::{LogLevel, ProcessState, Signal};
use tokio::sync::watch;

use super::capture::Capture;
use super::machine::{Effect, Exit, Machine, Policy, Refusal, Timer};
use super::output::{self, Channel, ChannelLog};
use super::output_syslog::SyslogOut;
use super::retry::Retry;
use super::spawn;
use super::stdin::StdinWriter;
use crate::context::{Alarm, Context};
use crate::events;
use crate::group::{GroupMsg, ListenerNews};
use crate::snapshot::{Snapshot, unix_time_of};

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
    Exited { pid: i32, exit: Exit },
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
    /// Test-only fault injection: panic while handling a message.
    #[cfg(test)]
    InjectPanic,
}

pub struct ProcessArgs {
    pub config: Arc<ProcessConfig>,
    pub ctx: Arc<Context>,
    pub snapshot: watch::Sender<Snapshot>,
    /// Set for a member of an `[eventlistener:x]` pool.
    pub listener: Option<GroupLink>,
    /// Set when the group applies a strategy or an intensity limit: unexpected
    /// deaths are reported to it.
    pub deaths: Option<GroupLink>,
}

/// A process's way to its group actor: a listener's spawns, states and stdout go
/// to its pool; a death goes to a group that watches deaths (strategy, intensity).
#[derive(Clone)]
pub struct GroupLink {
    pub group: ActorRef<GroupMsg>,
    /// The process's place in its group (the group's process order).
    pub index: usize,
}

impl GroupLink {
    fn tell(&self, news: ListenerNews) {
        let _ = self.group.send_message(GroupMsg::Listener {
            index: self.index,
            news,
        });
    }
}

pub struct ProcessActorState {
    machine: Machine,
    config: Arc<ProcessConfig>,
    ctx: Arc<Context>,
    snapshot: watch::Sender<Snapshot>,
    name: Arc<str>,
    group: Arc<str>,
    stdout: Arc<Mutex<ChannelLog>>,
    stderr: Arc<Mutex<ChannelLog>>,
    /// The child's stdin (`sendProcessStdin`), replaced at each spawn.
    stdin: Option<StdinWriter>,
    listener: Option<GroupLink>,
    deaths: Option<GroupLink>,
    /// A strategy restart is under way: start again once stopped.
    restart_pending: bool,
    /// See [`Snapshot::note`].
    note: Option<String>,
}

#[path = "actor_handle.rs"]
mod handle;

use handle::panic_text;

pub struct ProcessActor;

impl Actor for ProcessActor {
    type Msg = ProcessMsg;
    type State = ProcessActorState;
    type Arguments = ProcessArgs;

    async fn pre_start(
        &self,
        _myself: ActorRef<ProcessMsg>,
        args: ProcessArgs,
    ) -> Result<ProcessActorState, ActorProcessingErr> {
        let ProcessArgs {
            config,
            ctx,
            snapshot,
            listener,
            deaths,
        } = args;
        let open = |channel: Channel, cfg| {
            let path = output::resolve_log_path(
                cfg,
                &ctx.childlogdir,
                &config.name,
                channel,
                &ctx.identifier,
            )
            .unwrap_or_else(|e| {
                ctx.log.log(
                    LogLevel::Error,
                    &format!(
                        "cannot create AUTO {} log of '{}' in {}: {e}",
                        channel.name(),
                        config.name,
                        ctx.childlogdir.display()
                    ),
                );
                None
            });
            Arc::new(Mutex::new(ChannelLog::new(path, cfg)))
        };
        let stdout = open(Channel::Stdout, &config.stdout);
        let stderr = if config.redirect_stderr {
            Arc::new(Mutex::new(ChannelLog::new(None, &config.stderr)))
        } else {
            open(Channel::Stderr, &config.stderr)
        };
        let state = ProcessActorState {
            machine: Machine::new(config.name.clone(), policy_of(&config)),
            name: Arc::from(config.name.as_str()),
            group: Arc::from(config.group.as_str()),
            config,
            ctx,
            snapshot,
            stdout,
            stderr,
            stdin: None,
            listener,
            deaths,
            restart_pending: false,
            note: None,
        };
        state.publish();
        Ok(state)
    }

    async fn handle(
        &self,
        myself: ActorRef<ProcessMsg>,
        msg: ProcessMsg,
        st: &mut ProcessActorState,
    ) -> Result<(), ActorProcessingErr> {
        // Crash containment (issue 5): a panic while handling a message (a bug) must
        // not take the actor down with the child's bookkeeping; the state is rebuilt
        // from the last published snapshot and the child stays supervised.
        let handled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            st.on_message(&myself, msg);
        }));
        if let Err(panic) = handled {
            st.recover(&panic_text(&panic));
        }
        Ok(())
    }
}

/// The options of `config` the state machine obeys.
fn policy_of(config: &ProcessConfig) -> Policy {
    Policy {
        startsecs: config.startsecs,
        startretries: config.startretries,
        autorestart: config.autorestart,
        exitcodes: config.exitcodes.clone(),
        stopsignal: config.stopsignal,
        stopwaitsecs: config.stopwaitsecs,
        stopasgroup: config.stopasgroup,
        killasgroup: config.killasgroup,
        retry: Retry {
            backoff: config.backoff,
            max: config.backoff_max,
            fatal_retry_after: config.fatal_retry_after,
        },
    }
}

impl ProcessActorState {
    /// Carries out effects in order; spawn and kill results feed back into the machine.
    fn apply(&mut self, myself: &ActorRef<ProcessMsg>, effects: Vec<Effect>) {
        let mut queue = VecDeque::from(effects);
        while let Some(effect) = queue.pop_front() {
            match effect {
                Effect::Spawn => {
                    let fx = match self.spawn(myself) {
                        Ok(pid) => self.machine.spawned(pid),
                        Err(msg) => self.machine.spawn_failed(msg),
                    };
                    queue.extend(fx);
                }
                Effect::Kill {
                    pid,
                    signal,
                    as_group,
                } => {
                    if let Err(e) = supervisor_sys::kill(pid, signal, as_group) {
                        if e == nix::errno::Errno::ESRCH {
                            // Already gone: the reaper will settle the state.
                            self.ctx.log.log(
                                LogLevel::Debug,
                                &format!(
                                    "unable to signal {} (pid {pid}), it probably just exited on its way out",
                                    self.name
                                ),
                            );
                        } else {
                            let msg = format!(
                                "problem sending {} to {} (pid {pid}): {e}",
                                signal.name(),
                                self.name
                            );
                            queue.extend(self.machine.signal_failed(msg));
                        }
                    }
                }
                Effect::Arm {
                    timer,
                    after,
                    generation,
                } => {
                    myself.send_after(after, move || ProcessMsg::Timer { timer, generation });
                }
                Effect::Log(level, msg) => self.ctx.log.log(level, &msg),
                Effect::Changed {
                    from,
                    to,
                    expected,
                    pid,
                    tries,
                } => {
                    let (name, payload) = events::process_state(&events::StateChange {
                        name: &self.config.name,
                        group: &self.config.group,
                        from,
                        to,
                        expected,
                        pid,
                        tries,
                    });
                    self.ctx.events.publish(&name, payload);
                    if let Some(link) = &self.listener {
                        link.tell(ListenerNews::State(to));
                    }
                    if to == ProcessState::Exited
                        && expected == Some(false)
                        && let Some(link) = &self.deaths
                    {
                        let _ = link
                            .group
                            .send_message(GroupMsg::MemberDied { index: link.index });
                    }
                    if to == ProcessState::Starting {
                        self.note = None;
                    }
                    if to == ProcessState::Stopped
                        && std::mem::take(&mut self.restart_pending)
                        && let Ok(fx) = self.machine.start(Instant::now())
                    {
                        queue.extend(fx);
                    }
                    if to == ProcessState::Fatal && self.config.essential {
                        let _ = self
                            .ctx
                            .alarms
                            .send(Alarm::EssentialFatal(self.config.namespec()));
                    }
                }
            }
        }
        self.publish();
    }

    /// Fork/exec the child, start its output pumps and the exit watcher.
    fn spawn(&mut self, myself: &ActorRef<ProcessMsg>) -> Result<i32, String> {
        let child = spawn::spawn(&self.config, &self.ctx)?;
        let pid = child.pid;
        self.stdin = child.stdin.map(StdinWriter::new);
        if let (Some(link), Some(stdin)) = (&self.listener, &self.stdin) {
            link.tell(ListenerNews::Spawned {
                pid,
                stdin: stdin.clone(),
            });
        }
        for (rx, channel, sink, cfg) in [
            (
                child.stdout,
                Channel::Stdout,
                &self.stdout,
                &self.config.stdout,
            ),
            (
                child.stderr,
                Channel::Stderr,
                &self.stderr,
                &self.config.stderr,
            ),
        ] {
            sink.lock()
                .unwrap_or_else(|p| p.into_inner())
                .open_now(&self.name, &self.ctx.log);
            let Some(rx) = rx else { continue };
            // A listener's stdout is its protocol channel: no events, no capture.
            let tap = match (&self.listener, channel) {
                (Some(link), Channel::Stdout) => {
                    let link = link.clone();
                    Some(Box::new(move |data: &[u8]| {
                        link.tell(ListenerNews::Output {
                            pid,
                            data: data.to_vec(),
                        })
                    }) as output::Tap)
                }
                _ => None,
            };
            let capture = usize::try_from(cfg.capture_maxbytes.bytes())
                .ok()
                .filter(|&n| n > 0 && tap.is_none())
                .map(|n| Box::new(Capture::new(n)));
            tokio::spawn(output::pump(
                rx,
                output::Feed {
                    channel,
                    sink: sink.clone(),
                    name: self.name.clone(),
                    group: self.group.clone(),
                    pid,
                    log: self.ctx.log.clone(),
                    strip_ansi: self.ctx.strip_ansi,
                    bus: self.ctx.events.clone(),
                    log_events: cfg.events_enabled && tap.is_none(),
                    syslog: (cfg.syslog && tap.is_none()).then(|| {
                        Box::new(SyslogOut::new(
                            crate::mainlog::syslog_socket(),
                            &self.name,
                            channel,
                        ))
                    }),
                    capture,
                    tap,
                },
            ));
        }
        let me = myself.clone();
        let exit = child.exit;
        tokio::spawn(async move {
            if let Ok(status) = exit.await {
                let _ = me.send_message(ProcessMsg::Exited {
                    pid,
                    exit: spawn::to_exit(status),
                });
            }
        });
        Ok(pid)
    }

    fn signal(&mut self, sig: Signal) -> Result<(), Refusal> {
        match self.machine.pid {
            Some(pid) if self.machine.state.is_signallable() => {
                self.ctx.log.log(
                    LogLevel::Debug,
                    &format!("sending {} (pid {pid}) sig {}", self.name, sig.name()),
                );
                match supervisor_sys::kill(pid, sig, false) {
                    Ok(()) | Err(nix::errno::Errno::ESRCH) => Ok(()),
                    Err(e) => {
                        let msg = format!(
                            "problem sending sig {} to {} (pid {pid}): {e}",
                            sig.name(),
                            self.name
                        );
                        let fx = self.machine.signal_failed(msg);
                        for e in fx {
                            if let Effect::Log(l, m) = e {
                                self.ctx.log.log(l, &m);
                            }
                        }
                        self.publish();
                        Ok(())
                    }
                }
            }
            _ => Err(Refusal::NotRunning),
        }
    }

    fn publish(&self) {
        let m = &self.machine;
        let path = |s: &Arc<Mutex<ChannelLog>>| {
            s.lock()
                .unwrap_or_else(|p| p.into_inner())
                .path()
                .map(|p| p.to_path_buf())
        };
        self.snapshot.send_replace(Snapshot {
            name: self.config.name.clone(),
            group: self.config.group.clone(),
            state: m.state,
            pid: m.pid,
            start: m.laststart.map(unix_time_of).unwrap_or(0),
            stop: m.laststop.map(unix_time_of).unwrap_or(0),
            exitstatus: m.exitstatus,
            spawnerr: m.spawnerr.clone(),
            stdout_logfile: path(&self.stdout),
            stderr_logfile: path(&self.stderr),
            note: self.note.clone(),
            spawns: m.generation,
        });
    }
}
