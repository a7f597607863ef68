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
use super::counters::OutputCounters;
use super::incarnation::{self, Launch, Sinks};
use super::machine::{Effect, Finding, Machine, Policy, Refusal, Restored};
use super::retry::Retry;
use super::stdin::StdinWriter;
use super::watchers::Watchers;
use crate::context::{Alarm, Context};
use crate::events;
use crate::mainlog::Fields;
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
    /// The spawn spec of this config (see [`super::spawn::Prepared`]); boxed, as
    /// most processes of a large config never spawn or spawn once.
    prepared: Option<Box<super::spawn::Prepared>>,
    upward: Option<Upward>,
    /// An fcgi-program's socket, leased for each child ([`SharedSocket`]).
    socket: Option<Arc<dyn SharedSocket>>,
    /// The hold on that socket of the child with this pid, until it is reaped.
    lease: Option<(i32, Box<dyn Send + Sync>)>,
    /// A new child's output pumps and exit watch, started once the effects of its
    /// spawn are carried out (see [`incarnation::Launched::pumps`]).
    pumps: Vec<incarnation::Pump>,
    /// See [`Snapshot::note`].
    note: Option<String>,
    /// See [`Snapshot::waiting`].
    waiting: Option<String>,
    /// See [`Snapshot::status`].
    status: Option<String>,
    /// The tasks of the current start or incarnation (dependencies, checks).
    watchers: Watchers,
    /// See [`Snapshot::starts`] and [`Snapshot::unexpected_exits`].
    starts: u64,
    unexpected_exits: u64,
    last_exit_code: Option<i32>,
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
        waits: !config.depends_on.is_empty(),
        ready_timeout: config.ready_check.as_ref().map(|c| c.timeout),
        // A missed watchdog alone restarts at once, as systemd does.
        health_retries: config
            .health_check
            .as_ref()
            .map(|c| c.retries)
            .or(config.watchdog.map(|_| 1)),
    }
}

impl ProcessActorState {
    pub fn new(
        config: Arc<ProcessConfig>,
        ctx: Arc<Context>,
        snapshot: watch::Sender<Snapshot>,
        upward: Option<Upward>,
        counters: &Arc<OutputCounters>,
        socket: Option<Arc<dyn SharedSocket>>,
    ) -> ProcessActorState {
        let state = ProcessActorState {
            machine: Machine::new(config.name.clone(), policy_of(&config)),
            name: Arc::from(config.name.as_str()),
            group: Arc::from(config.group.as_str()),
            sinks: Sinks::open(&config, &ctx, counters),
            config,
            ctx,
            snapshot,
            stdin: None,
            prepared: None,
            upward,
            socket,
            lease: None,
            pumps: Vec::new(),
            note: None,
            waiting: None,
            status: None,
            watchers: Watchers::default(),
            starts: 0,
            unexpected_exits: 0,
            last_exit_code: None,
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
                    self.last_exit_code = Some(exit.exit_code());
                    let mut fx = self.machine.exited(exit, now);
                    // Supervisor reaps (`finish`: the exit's lines, then an fcgi
                    // program's socket released) and handles the SIGCHLD in one loop
                    // pass (supervisord.py `runforever`); what follows from the exit —
                    // giving up (FATAL) or an autorestart's start — in a later one.
                    let respawn = fx
                        .iter()
                        .position(|e| {
                            matches!(
                                e,
                                Effect::Spawn
                                    | Effect::AwaitDeps { .. }
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
                    (Some(w), Some(_)) => w.send_bounded(data).map_err(|r| match r {
                        crate::process::stdin::Refused::Full => Refusal::StdinFull,
                        crate::process::stdin::Refused::Closed => Refusal::NoStdin,
                    }),
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
                let fx = self.machine.restart();
                self.execute(myself, fx);
            }
            ProcessMsg::Fail(why) => {
                self.note = Some(why);
                let fx = self.machine.fail();
                self.execute(myself, fx);
            }
            ProcessMsg::DepsMet { generation } => {
                let fx = self.machine.deps_met(generation, now);
                self.execute(myself, fx);
            }
            ProcessMsg::Waiting { generation, text } => {
                if generation == self.machine.generation() && self.machine.waiting() {
                    self.waiting = text;
                    self.publish();
                }
            }
            ProcessMsg::DependencyLost { generation, why } => {
                let fx = self.machine.dependency_lost(generation, &why);
                self.execute(myself, fx);
            }
            ProcessMsg::Ready { generation, detail } => {
                let fx = self.machine.ready(generation, &detail);
                self.execute(myself, fx);
            }
            ProcessMsg::Health {
                generation,
                passed,
                detail,
            } => {
                let fx = self.machine.health(generation, passed, &detail);
                self.execute(myself, fx);
            }
            ProcessMsg::Broke { attempt, why } => {
                let fx = self.machine.broke(attempt, &why);
                self.execute(myself, fx);
            }
            ProcessMsg::Status { generation, text } => {
                if generation == self.machine.generation() {
                    self.status = Some(text);
                    self.publish();
                }
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
        // The lines these effects log go out in one write (see MainLog::batch).
        let log = self.ctx.log.clone();
        let _batch = log.batch();
        let mut queue = VecDeque::from(effects);
        while let Some(effect) = queue.pop_front() {
            match effect {
                Effect::Spawn => {
                    self.waiting = None;
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
                Effect::Log(level, msg, facts) => self.ctx.log.log_with(
                    level,
                    &msg,
                    &Fields {
                        process: Some(&self.name),
                        group: Some(&self.group),
                        pid: facts.pid,
                        exit_status: facts.exit_status,
                        state: facts.state,
                    },
                ),
                Effect::AwaitDeps { generation, pull } => {
                    self.watchers
                        .await_deps(&self.config, &self.ctx, myself, generation, pull);
                }
                Effect::Probe { kind, generation } => {
                    self.watchers
                        .probe(kind, &self.config, &self.ctx, myself, generation);
                }
                Effect::Checked { finding, detail } => self.checked(finding, &detail),
                Effect::Changed {
                    from,
                    to,
                    expected,
                    pid,
                    tries,
                } => self.changed(from, to, expected, pid, tries),
            }
        }
        self.start_child_tasks();
        self.publish();
    }

    /// A new child's pumps and exit watch, run as one task: a task per pipe and one
    /// for the exit were three spawns, schedules and frees per restart, and two more
    /// task headers held by every running child (BENCHMARKS.md, churn and idle).
    fn start_child_tasks(&mut self) {
        let tasks = std::mem::take(&mut self.pumps);
        if !tasks.is_empty() {
            tokio::spawn(async move {
                futures_util::future::join_all(tasks).await;
            });
        }
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
        self.ctx.events.publish_with(to.event_name(), || {
            events::state_payload(&events::StateChange {
                name: &self.config.name,
                group: &self.config.group,
                from,
                to,
                expected,
                pid,
                tries,
            })
        });
        if let Some(up) = &self.upward {
            up.tell(&self.name, News::State(to));
            if to == ProcessState::Exited && expected == Some(false) {
                up.tell(&self.name, News::Died);
            }
        }
        if to == ProcessState::Starting {
            self.note = None;
            self.status = None;
            self.starts += 1;
        } else {
            self.waiting = None;
        }
        if !matches!(to, ProcessState::Starting | ProcessState::Running) {
            self.watchers.end();
        }
        // An exit that was not expected: a bad exit code, or a death before
        // startsecs (the BACKOFF that follows an exit carries the reaped pid; one
        // that follows a failed spawn has none).
        let early_death = from == ProcessState::Starting && to == ProcessState::Backoff;
        if (to == ProcessState::Exited && expected == Some(false)) || (early_death && pid.is_some())
        {
            self.unexpected_exits += 1;
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
        let generation = self.machine.generation();
        let mut checks = Watchers::before_launch(&self.config, &self.ctx, myself, generation);
        let launched = incarnation::launch(
            Launch {
                config: &self.config,
                ctx: &self.ctx,
                prepared: &mut self.prepared,
                name: &self.name,
                group: &self.group,
                sinks: &self.sinks,
                upward: self.upward.as_ref(),
                extra_env: std::mem::take(&mut checks.extra_env),
                log_ready: checks.log_ready.take(),
                socket,
            },
            move |pid, exit| {
                let _ = me.send_message(ProcessMsg::Exited { pid, exit });
            },
        )?;
        // Only a program that restarts keeps its spec: one started once (most of a
        // large config) would hold it for nothing (BENCHMARKS.md, idle memory).
        if self.starts <= 1 {
            self.prepared = None;
        }
        self.lease = hold.map(|h| (launched.pid, h));
        self.stdin = launched.stdin;
        self.pumps.extend(launched.pumps);
        self.watchers
            .after_launch(checks, &self.config, &self.ctx, myself, generation);
        Ok(launched.pid)
    }

    /// A check found something: its PROCESS_HEALTH_* event.
    fn checked(&self, finding: Finding, detail: &str) {
        let name = match finding {
            Finding::Ready => "PROCESS_HEALTH_READY",
            Finding::Healthy => "PROCESS_HEALTH_HEALTHY",
            Finding::Unhealthy => "PROCESS_HEALTH_UNHEALTHY",
        };
        let payload = events::process_health(
            &self.config.name,
            &self.config.group,
            self.machine.pid(),
            detail,
        );
        self.ctx.events.publish(name, payload);
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
                    Effect::Log(LogLevel::Critical, msg, _) => Some(msg.clone()),
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
        let before = self.snapshot.send_replace(Snapshot {
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
            waiting: self.waiting.clone(),
            healthy: m.healthy(),
            status: self.status.clone(),
            spawns: m.generation(),
            starts: self.starts,
            unexpected_exits: self.unexpected_exits,
            last_exit_code: self.last_exit_code,
        });
        if before.pid != m.pid() {
            self.ctx.events.child_changed();
        }
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
        // A child spawned just before the panic still gets its output read.
        self.start_child_tasks();
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
