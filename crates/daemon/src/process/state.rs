//! `ProcessActorState`: what a process actor owns — its [`Machine`], log sinks, the
//! child's stdin, its way up to the group — and the handling of each
//! [`ProcessMsg`] as plain methods, so the actor can contain a panic in them (see
//! `ProcessActor::handle`). Every effect the machine returns is carried out by one
//! function, [`ProcessActorState::execute`]; a snapshot is published after each.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

use ractor::ActorRef;
use supervisor_config::ProcessConfig;
use supervisor_model::{LogLevel, ProcessState, Signal};
use tokio::sync::watch;

use super::api::{News, ProcessMsg, SharedSocket, SocketLease, Upward};
use super::incarnation::{self, Launch, Sinks};
use super::machine::{Effect, Machine, Policy, Refusal, Restored};
use super::retry::Retry;
use super::stdin::StdinWriter;
use crate::context::{Alarm, Context};
use crate::events;
use crate::snapshot::{Snapshot, instant_of, unix_time_of};

/// What Supervisor logs for each SIGCHLD it handles (supervisord.py `handle_signal`),
/// after the lines of the child it reaped: a process logs it once its child's exit
/// is handled (one SIGCHLD per child, as in Supervisor's usual one death per loop
/// pass), so it follows the `exited:`/`stopped:` line as there.
pub const SIGCHLD_LINE: &str = "received SIGCHLD indicating a child quit";

pub struct ProcessActorState {
    machine: Machine,
    config: Arc<ProcessConfig>,
    ctx: Arc<Context>,
    snapshot: watch::Sender<Snapshot>,
    name: Arc<str>,
    group: Arc<str>,
    sinks: Sinks,
    /// The child's stdin (`sendProcessStdin`), replaced at each spawn.
    stdin: Option<StdinWriter>,
    upward: Option<Upward>,
    /// An fcgi-program's socket, leased for each child ([`SharedSocket`]).
    socket: Option<Arc<dyn SharedSocket>>,
    /// The hold on that socket of the child with this pid, until it is reaped.
    lease: Option<(i32, Box<dyn Send + Sync>)>,
    /// A strategy restart is under way: start again once stopped.
    restart_pending: bool,
    /// See [`Snapshot::note`].
    note: Option<String>,
    /// A new child's output pumps, started once the effects of its spawn are
    /// carried out (see [`incarnation::Launched::pumps`]).
    pumps: Vec<incarnation::Pump>,
    /// Test-only: the next signals fail with this errno (a kill that fails for a
    /// reason other than ESRCH cannot be provoked as root).
    #[cfg(test)]
    fail_kill: Option<nix::errno::Errno>,
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
    pub fn new(
        config: Arc<ProcessConfig>,
        ctx: Arc<Context>,
        snapshot: watch::Sender<Snapshot>,
        upward: Option<Upward>,
        socket: Option<Arc<dyn SharedSocket>>,
    ) -> ProcessActorState {
        let state = ProcessActorState {
            machine: Machine::new(config.name.clone(), policy_of(&config)),
            name: Arc::from(config.name.as_str()),
            group: Arc::from(config.group.as_str()),
            sinks: Sinks::open(&config, &ctx),
            config,
            ctx,
            snapshot,
            stdin: None,
            upward,
            socket,
            lease: None,
            restart_pending: false,
            note: None,
            pumps: Vec::new(),
            #[cfg(test)]
            fail_kill: None,
        };
        state.publish();
        state
    }

    pub fn on_message(&mut self, myself: &ActorRef<ProcessMsg>, msg: ProcessMsg) {
        let now = Instant::now();
        match msg {
            ProcessMsg::Start(reply) => {
                let result = self.machine.start(now);
                if let Ok(fx) = &result {
                    self.execute(myself, fx.clone());
                }
                if let Some(reply) = reply {
                    let _ = reply.send(result.map(drop));
                }
            }
            ProcessMsg::Stop(reply) => {
                let result = self.machine.stop();
                if let Ok(fx) = &result {
                    self.execute(myself, fx.clone());
                }
                if let Some(reply) = reply {
                    let _ = reply.send(result.map(drop));
                }
            }
            ProcessMsg::Shutdown => {
                let fx = self.machine.shutdown();
                self.execute(myself, fx);
            }
            ProcessMsg::Signal(sig, reply) => {
                let _ = reply.send(self.signal(myself, sig));
            }
            ProcessMsg::Exited { pid, exit } => {
                if self.machine.pid() == Some(pid) {
                    // The child is gone: close our end of its stdin now (as
                    // Supervisor's `finish` closes the parent's pipes), not at the next
                    // spawn, so a stopped program holds no pipe.
                    self.stdin = None;
                    let mut fx = self.machine.exited(exit, now);
                    // Supervisor reaps (`finish`: the exit's lines, then an fcgi
                    // program's socket released) and handles the SIGCHLD in one loop
                    // pass (supervisord.py `runforever`); what follows from the exit —
                    // giving up (FATAL) or an autorestart's spawn — in a later one.
                    let respawn = fx
                        .iter()
                        .position(|e| {
                            matches!(
                                e,
                                Effect::Spawn
                                    | Effect::Changed {
                                        to: ProcessState::Fatal,
                                        ..
                                    }
                            )
                        })
                        .map_or(Vec::new(), |at| fx.split_off(at));
                    self.execute(myself, fx);
                    if self.lease.as_ref().is_some_and(|(p, _)| *p == pid) {
                        self.lease = None;
                    }
                    self.ctx.log.log(LogLevel::Debug, SIGCHLD_LINE);
                    if !respawn.is_empty() {
                        self.execute(myself, respawn);
                    }
                }
            }
            ProcessMsg::Timer { timer, generation } => {
                let fx = self.machine.timer(timer, generation, now);
                self.execute(myself, fx);
            }
            ProcessMsg::ClearLogs(reply) => {
                let _ = reply.send(self.clear_logs());
            }
            ProcessMsg::Stdin(data, reply) => {
                // Supervisor: no pid, or being killed → NOT_RUNNING; a closed pipe
                // → NO_FILE.
                let result = match (&self.stdin, self.machine.pid()) {
                    (_, None) => Err(Refusal::NotRunning),
                    _ if self.machine.killing() => Err(Refusal::NotRunning),
                    (Some(w), Some(_)) if w.send(data) => Ok(()),
                    _ => Err(Refusal::NoStdin),
                };
                let _ = reply.send(result);
            }
            #[cfg(test)]
            ProcessMsg::InjectPanic => panic!("injected fault"),
            ProcessMsg::Retire => {
                let fx = self.machine.retire();
                self.execute(myself, fx);
            }
            ProcessMsg::Reinstate => self.machine.reinstate(),
            ProcessMsg::Reconfigure(config) => self.reconfigure(config),
            ProcessMsg::Restart => {
                if self.machine.state().is_running()
                    && let Ok(fx) = self.machine.stop()
                {
                    self.restart_pending = true;
                    self.execute(myself, fx);
                }
            }
            ProcessMsg::Fail(why) => {
                self.restart_pending = false;
                self.note = Some(why);
                let fx = self.machine.stop().unwrap_or_default();
                self.execute(myself, fx);
            }
            ProcessMsg::ReopenLogs => self.reopen_logs(),
            #[cfg(test)]
            ProcessMsg::FailKills(errno) => self.fail_kill = Some(errno),
        }
    }

    /// Carries out `effects` in order — the only place effects are executed. Spawn
    /// and kill results feed back into the machine, and their effects join the queue.
    /// Publishes the snapshot at the end.
    fn execute(&mut self, myself: &ActorRef<ProcessMsg>, effects: Vec<Effect>) {
        let mut queue = VecDeque::from(effects);
        while let Some(effect) = queue.pop_front() {
            match effect {
                Effect::Spawn => {
                    let fx = match self.launch(myself) {
                        Ok(pid) => self.machine.spawned(pid),
                        Err(msg) => self.machine.spawn_failed(msg),
                    };
                    queue.extend(fx);
                }
                Effect::Kill {
                    pid,
                    signal,
                    as_group,
                } => queue.extend(self.kill(pid, signal, as_group, "")),
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
                    self.changed(from, to, expected, pid, tries);
                    if to == ProcessState::Stopped
                        && std::mem::take(&mut self.restart_pending)
                        && let Ok(fx) = self.machine.start(Instant::now())
                    {
                        queue.extend(fx);
                    }
                }
            }
        }
        for pump in self.pumps.drain(..) {
            tokio::spawn(pump);
        }
        self.publish();
    }

    /// A state change: its event, the group's news, the note and essential alarms.
    fn changed(
        &mut self,
        from: ProcessState,
        to: ProcessState,
        expected: Option<bool>,
        pid: Option<i32>,
        tries: u32,
    ) {
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
        if let Some(up) = &self.upward {
            up.tell(&self.name, News::State(to));
            if to == ProcessState::Exited && expected == Some(false) {
                up.tell(&self.name, News::Died);
            }
        }
        if to == ProcessState::Starting {
            self.note = None;
        }
        if to == ProcessState::Fatal && self.config.essential {
            let _ = self
                .ctx
                .alarms
                .send(Alarm::EssentialFatal(self.config.namespec()));
        }
    }

    /// Sends `signal`; a failure other than ESRCH is the machine's `signal_failed`
    /// (UNKNOWN), whose effects are returned. `how` words the failure: "" for a stop
    /// or kill, "sig " for `signalProcess` (Supervisor's two messages).
    fn kill(&mut self, pid: i32, signal: Signal, as_group: bool, how: &str) -> Vec<Effect> {
        #[cfg(test)]
        let sent = match self.fail_kill {
            Some(errno) => Err(errno),
            None => supervisor_sys::kill(pid, signal, as_group),
        };
        #[cfg(not(test))]
        let sent = supervisor_sys::kill(pid, signal, as_group);
        match sent {
            Ok(()) => Vec::new(),
            Err(nix::errno::Errno::ESRCH) => {
                // Already gone: the reaper will settle the state. Supervisor's two
                // wordings (process.py `kill` and `signal`), with Python's OSError.
                let when = if how.is_empty() { "" } else { "now " };
                self.ctx.log.log(
                    LogLevel::Debug,
                    &format!(
                        "unable to signal {} (pid {pid}), it probably just {when}exited on \
                         its own: [Errno 3] No such process",
                        self.name
                    ),
                );
                Vec::new()
            }
            Err(e) => self.machine.signal_failed(format!(
                "problem sending {how}{} to {} (pid {pid}): {e}",
                signal.name(),
                self.name
            )),
        }
    }

    /// Fork/exec the child through [`incarnation::launch`]; its exit comes back as
    /// [`ProcessMsg::Exited`].
    fn launch(&mut self, myself: &ActorRef<ProcessMsg>) -> Result<i32, String> {
        // A spawn follows the reaping of the previous child: its hold goes first, so
        // the socket closes and is created again as with Supervisor's counter.
        self.lease = None;
        let lease = match &self.socket {
            Some(shared) => Some(shared.lease()?),
            None => None,
        };
        let (socket, hold) = match lease {
            Some(SocketLease { socket, hold }) => (Some(socket), Some(hold)),
            None => (None, None),
        };
        let me = myself.clone();
        let launched = incarnation::launch(
            Launch {
                config: &self.config,
                ctx: &self.ctx,
                name: &self.name,
                group: &self.group,
                sinks: &self.sinks,
                upward: self.upward.as_ref(),
                socket,
            },
            move |pid, exit| {
                let _ = me.send_message(ProcessMsg::Exited { pid, exit });
            },
        )?;
        self.lease = hold.map(|h| (launched.pid, h));
        self.stdin = launched.stdin;
        self.pumps.extend(launched.pumps);
        Ok(launched.pid)
    }

    /// `signalProcess`: the signal without a change of state, unless it cannot be
    /// delivered (then UNKNOWN, as Supervisor's `Subprocess.signal`).
    fn signal(&mut self, myself: &ActorRef<ProcessMsg>, sig: Signal) -> Result<(), Refusal> {
        match self.machine.pid() {
            Some(pid) if self.machine.state().is_signallable() => {
                self.ctx.log.log(
                    LogLevel::Debug,
                    &format!("sending {} (pid {pid}) sig {}", self.name, sig.name()),
                );
                let fx = self.kill(pid, sig, false, "sig ");
                if fx.is_empty() {
                    return Ok(());
                }
                let problem = fx.iter().find_map(|e| match e {
                    Effect::Log(LogLevel::Critical, msg) => Some(msg.clone()),
                    _ => None,
                });
                self.execute(myself, fx);
                Err(Refusal::SignalFailed(problem.unwrap_or_default()))
            }
            _ => Err(Refusal::NotRunning),
        }
    }

    fn reconfigure(&mut self, config: Arc<ProcessConfig>) {
        self.machine.reconfigure(policy_of(&config));
        for (sink, cfg) in [
            (&self.sinks.stdout, &config.stdout),
            (&self.sinks.stderr, &config.stderr),
        ] {
            sink.lock()
                .unwrap_or_else(|p| p.into_inner())
                .set_limits(cfg);
        }
        self.config = config;
    }

    /// Better than Supervisor, which only clears the logs of a process with a live
    /// child and quietly does nothing for the others: `clear` empties the logs
    /// whatever the state.
    fn clear_logs(&self) -> Result<(), String> {
        let mut result = Ok(());
        for sink in self.sinks.both() {
            let mut sink = sink.lock().unwrap_or_else(|p| p.into_inner());
            if let Err(e) = sink.clear() {
                result = Err(e.to_string());
            }
        }
        result
    }

    fn reopen_logs(&self) {
        for sink in self.sinks.both() {
            let mut sink = sink.lock().unwrap_or_else(|p| p.into_inner());
            if let Err(e) = sink.reopen() {
                self.ctx.log.log(
                    LogLevel::Error,
                    &format!("cannot reopen a log file of '{}': {e}", self.name),
                );
            }
        }
    }

    fn publish(&self) {
        let m = &self.machine;
        let path = |s: &std::sync::Mutex<super::output::ChannelLog>| {
            s.lock()
                .unwrap_or_else(|p| p.into_inner())
                .path()
                .map(|p| p.to_path_buf())
        };
        self.snapshot.send_replace(Snapshot {
            name: self.config.name.clone(),
            group: self.config.group.clone(),
            state: m.state(),
            pid: m.pid(),
            start: m.laststart().map(unix_time_of).unwrap_or(0),
            stop: m.laststop().map(unix_time_of).unwrap_or(0),
            exitstatus: m.exitstatus(),
            spawnerr: m.spawnerr().map(str::to_string),
            stdout_logfile: path(&self.sinks.stdout),
            stderr_logfile: path(&self.sinks.stderr),
            note: self.note.clone(),
        });
    }

    /// After a panic in `on_message`: the machine may be half-changed, so it is
    /// rebuilt from the last snapshot published (a consistent state: pid, state, exit
    /// status). The child, its pipes, log sinks and exit watcher are untouched, and
    /// timers already armed still match the kept generation.
    pub fn recover(&mut self, why: &str) {
        let last = self.snapshot.borrow().clone();
        self.machine = Machine::restore(
            &self.machine,
            Restored {
                state: last.state,
                pid: last.pid,
                exitstatus: last.exitstatus,
                spawnerr: last.spawnerr.clone(),
                laststart: instant_of(last.start),
                laststop: instant_of(last.stop),
            },
        );
        self.restart_pending = false;
        // A child spawned just before the panic still gets its output read.
        for pump in self.pumps.drain(..) {
            tokio::spawn(pump);
        }
        self.ctx.log.log(
            LogLevel::Critical,
            &format!(
                "process actor of '{}' panicked ({why}); rebuilt from its last state {}{}: \
                 the child stays supervised",
                self.name,
                last.state.name(),
                last.pid.map(|p| format!(" (pid {p})")).unwrap_or_default()
            ),
        );
        self.publish();
    }
}
