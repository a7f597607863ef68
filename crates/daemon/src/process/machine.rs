//! Supervisor's per-process state machine (process.py `Subprocess`, process.py `Subprocess`) as a
//! plain struct: every input (start, stop, spawn result, exit, timer) is a method that
//! changes the state and returns the [`Effect`]s the actor must carry out. Nothing here
//! does I/O or reads a clock, so each transition is unit-tested without a runtime.
//!
//! Supervisor drives these rules from a 1-second polling loop; here they are driven by
//! events and timers, so a child's exit is acted on at once. Timers carry the spawn
//! generation they were armed for, and a stale one is ignored.

use std::time::{Duration, Instant};

use supervisor_model::{AutoRestart, ExitCodes, ExitStatus, LogLevel, ProcessState, Signal};

use super::retry::Retry;

/// The options of a `[program:x]` that the state machine obeys.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub startsecs: Duration,
    pub startretries: u32,
    pub autorestart: AutoRestart,
    pub exitcodes: ExitCodes,
    pub stopsignal: Signal,
    pub stopwaitsecs: Duration,
    pub stopasgroup: bool,
    pub killasgroup: bool,
    /// BACKOFF delays and FATAL retry (Supervisor's by default).
    pub retry: Retry,
    /// Beyond Supervisor: a start waits for `depends_on` to be met.
    pub waits: bool,
    /// A ready check decides STARTING → RUNNING; this long without it passing is a
    /// failed start (`ready_timeout`).
    pub ready_timeout: Option<Duration>,
    /// A health check runs while RUNNING; this many failures in a row restart the
    /// process (`health_retries`).
    pub health_retries: Option<u32>,
}

/// Which timer fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timer {
    /// `startsecs` elapsed: STARTING → RUNNING.
    StartSecs,
    /// The BACKOFF delay elapsed: retry the spawn.
    Backoff,
    /// `stopwaitsecs` elapsed while STOPPING: SIGKILL.
    StopWait,
    /// `fatal_retry_after` elapsed in FATAL: try again from scratch.
    FatalRetry,
    /// `ready_timeout` elapsed while STARTING: a failed start.
    ReadyTimeout,
}

/// Which check an [`Effect::Probe`] starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckKind {
    Ready,
    Health,
}

/// What a check found that others may hear of (PROCESS_HEALTH_* events).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finding {
    /// The ready check passed: STARTING → RUNNING.
    Ready,
    /// The health check passes (first time, or again after failures).
    Healthy,
    /// The health check failed `health_retries` times in a row.
    Unhealthy,
}

/// What the actor must do after a transition.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Fork/exec the program now, then report `spawned` or `spawn_failed`.
    Spawn,
    /// Send `signal` to `pid` (to its process group when `as_group`).
    Kill {
        pid: i32,
        signal: Signal,
        as_group: bool,
    },
    /// Schedule `timer` after `after`, tagged with the current generation.
    Arm {
        timer: Timer,
        after: Duration,
        generation: u64,
    },
    /// A main-log line, with what it is about (the JSON main log's fields).
    Log(LogLevel, String, Facts),
    /// Wait for the dependencies of the start of `generation` (and, once they are
    /// met, watch the required ones); `pull` starts those that are stopped.
    AwaitDeps { generation: u64, pull: bool },
    /// Start probing (`kind`) for the incarnation of `generation`.
    Probe { kind: CheckKind, generation: u64 },
    /// A check found something worth an event; `detail` says what.
    Checked { finding: Finding, detail: String },
    /// The state changed (PROCESS_STATE_* events, waiters, group strategies).
    /// `expected` is set on entering EXITED.
    Changed {
        from: ProcessState,
        to: ProcessState,
        expected: Option<bool>,
        /// The pid at the change (the reaped one for EXITED/STOPPED after an exit).
        pid: Option<i32>,
        /// Failed starts in a row at the change (`tries:` of STARTING/BACKOFF).
        tries: u32,
    },
}

/// What a log line is about: the pid, the exit status of the exit it reports, and
/// the state the process is in once the line's event happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Facts {
    pub pid: Option<i32>,
    pub exit_status: Option<i32>,
    pub state: Option<ProcessState>,
}

/// Why `start`/`stop`/`signal` was refused; the control plane maps these to faults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    AlreadyStarted,
    NotRunning,
    /// supervisord is shutting down or restarting.
    ShuttingDown,
    /// The child's stdin is closed (sendProcessStdin: NO_FILE).
    NoStdin,
    /// `signalProcess` could not deliver the signal (the process is now UNKNOWN;
    /// Supervisor's rpcinterface answers FAILED with the problem).
    SignalFailed(String),
    /// The child has not read what it was sent (`process::stdin::QUEUE_LIMIT`).
    StdinFull,
}

/// One process's lifecycle state, with Supervisor's bookkeeping fields. The fields
/// are private: only the methods below change them, so every change goes through a
/// transition that reports its effects.
#[derive(Debug, Clone)]
pub struct Machine {
    name: String,
    policy: Policy,
    state: ProcessState,
    pid: Option<i32>,
    /// When the current/last spawn happened.
    laststart: Option<Instant>,
    /// When the last exit happened.
    laststop: Option<Instant>,
    /// Failed starts in a row (reset on RUNNING, on FATAL and on a normal exit).
    backoff: u32,
    exitstatus: Option<i32>,
    spawnerr: Option<String>,
    /// A stop was requested for the running child (Supervisor's `killing`).
    killing: bool,
    /// Bumped at every spawn; timers armed for an older generation are ignored.
    generation: u64,
    /// False once supervisord is shutting down (or `update` retires the process): no
    /// start, no autorestart, no backoff retry.
    restarts_allowed: bool,
    /// STARTING without a child: waiting for its dependencies.
    waiting: bool,
    /// The child is being stopped as a failure (its ready check timed out, or it
    /// broke the event-listener protocol): its exit leads to BACKOFF.
    failed: bool,
    /// Stopped to be started again (a group strategy, a failed health check, a
    /// required dependency that went away).
    restart_pending: bool,
    /// Health check failures in a row.
    health_failures: u32,
    /// The health check's verdict in this incarnation (`None`: not checked yet).
    healthy: Option<bool>,
}

/// What a machine is rebuilt from after its actor panicked: the last state it
/// published (consistent by construction) and the counters the actor kept.
#[derive(Debug, Clone)]
pub struct Restored {
    pub state: ProcessState,
    pub pid: Option<i32>,
    pub exitstatus: Option<i32>,
    pub spawnerr: Option<String>,
    pub laststart: Option<Instant>,
    pub laststop: Option<Instant>,
}

impl Machine {
    pub fn new(name: impl Into<String>, policy: Policy) -> Machine {
        Machine {
            name: name.into(),
            policy,
            state: ProcessState::Stopped,
            pid: None,
            laststart: None,
            laststop: None,
            backoff: 0,
            exitstatus: None,
            spawnerr: None,
            killing: false,
            generation: 0,
            restarts_allowed: true,
            waiting: false,
            failed: false,
            restart_pending: false,
            health_failures: 0,
            healthy: None,
        }
    }

    /// Rebuilds a machine from `last` (see [`Restored`]), keeping `old`'s name,
    /// policy, generation (timers already armed still match) and whether restarts
    /// are allowed.
    pub fn restore(old: &Machine, last: Restored) -> Machine {
        Machine {
            killing: last.state == ProcessState::Stopping,
            state: last.state,
            pid: last.pid,
            exitstatus: last.exitstatus,
            spawnerr: last.spawnerr,
            laststart: last.laststart,
            laststop: last.laststop,
            backoff: 0,
            generation: old.generation,
            restarts_allowed: old.restarts_allowed,
            waiting: false,
            failed: false,
            restart_pending: false,
            health_failures: 0,
            healthy: None,
            name: old.name.clone(),
            policy: old.policy.clone(),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn state(&self) -> ProcessState {
        self.state
    }

    pub fn pid(&self) -> Option<i32> {
        self.pid
    }

    pub fn laststart(&self) -> Option<Instant> {
        self.laststart
    }

    pub fn laststop(&self) -> Option<Instant> {
        self.laststop
    }

    pub fn exitstatus(&self) -> Option<i32> {
        self.exitstatus
    }

    pub fn spawnerr(&self) -> Option<&str> {
        self.spawnerr.as_deref()
    }

    /// A stop signal was sent and the child has not exited yet.
    pub fn killing(&self) -> bool {
        self.killing
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// STARTING without a child yet: its dependencies are not met.
    pub fn waiting(&self) -> bool {
        self.waiting
    }

    pub fn healthy(&self) -> Option<bool> {
        self.healthy
    }

    /// `update` obeys a new config from now on (only options the machine reads;
    /// the child is untouched).
    pub fn reconfigure(&mut self, policy: Policy) {
        self.policy = policy;
    }

    /// `update` replaces or removes this process: stop it as `stopProcess` does and
    /// refuse every later start, so nothing revives it before it is dropped.
    pub fn retire(&mut self) -> Vec<Effect> {
        self.restarts_allowed = false;
        self.stop().unwrap_or_default()
    }

    /// The `update` that retired this process could not finish: it may start again.
    pub fn reinstate(&mut self) {
        self.restarts_allowed = true;
    }

    fn change(&mut self, to: ProcessState, expected: Option<bool>, fx: &mut Vec<Effect>) {
        let from = self.state;
        self.state = to;
        fx.push(Effect::Changed {
            from,
            to,
            expected,
            pid: self.pid,
            tries: self.backoff,
        });
    }

    /// `startProcess` / autostart / autorestart: STOPPED, EXITED, FATAL or BACKOFF →
    /// STARTING, and ask for a spawn.
    pub fn start(&mut self, now: Instant) -> Result<Vec<Effect>, Refusal> {
        if !self.restarts_allowed {
            return Err(Refusal::ShuttingDown);
        }
        match self.state {
            ProcessState::Stopped
            | ProcessState::Exited
            | ProcessState::Fatal
            | ProcessState::Backoff => {
                let mut fx = Vec::new();
                self.begin_start(now, true, &mut fx);
                Ok(fx)
            }
            _ => Err(Refusal::AlreadyStarted),
        }
    }

    /// A log line about the process as it is now.
    fn line(&self, level: LogLevel, text: String) -> Effect {
        let facts = Facts {
            pid: self.pid,
            exit_status: None,
            state: Some(self.state),
        };
        Effect::Log(level, text, facts)
    }

    /// Every start: STARTING, then the spawn now — or, with dependencies, once they
    /// are met ([`Machine::deps_met`]). `pull` starts stopped dependencies (a start
    /// asked for, not a restart of a process that ran).
    fn begin_start(&mut self, now: Instant, pull: bool, fx: &mut Vec<Effect>) {
        self.generation += 1;
        self.spawnerr = None;
        self.exitstatus = None;
        self.killing = false;
        self.failed = false;
        self.healthy = None;
        self.health_failures = 0;
        if self.state != ProcessState::Starting {
            self.change(ProcessState::Starting, None, fx);
        }
        if self.policy.waits {
            self.waiting = true;
            fx.push(Effect::AwaitDeps {
                generation: self.generation,
                pull,
            });
        } else {
            self.spawn_now(now, fx);
        }
    }

    fn spawn_now(&mut self, now: Instant, fx: &mut Vec<Effect>) {
        self.waiting = false;
        self.laststart = Some(now);
        fx.push(Effect::Spawn);
    }

    /// The fork succeeded.
    pub fn spawned(&mut self, pid: i32) -> Vec<Effect> {
        self.pid = Some(pid);
        let mut fx = vec![self.line(
            LogLevel::Info,
            format!("spawned: '{}' with pid {pid}", self.name),
        )];
        self.pid = Some(pid);
        if let Some(timeout) = self.policy.ready_timeout {
            // The ready check decides, not startsecs.
            fx.push(Effect::Arm {
                timer: Timer::ReadyTimeout,
                after: timeout,
                generation: self.generation,
            });
            fx.push(Effect::Probe {
                kind: CheckKind::Ready,
                generation: self.generation,
            });
        } else if self.policy.startsecs.is_zero() {
            // Supervisor enters RUNNING on the next loop pass, before reaping, so a
            // startsecs=0 program always logs `success:` even if it exits at once.
            self.enter_running(&mut fx);
        } else {
            fx.push(Effect::Arm {
                timer: Timer::StartSecs,
                after: self.policy.startsecs,
                generation: self.generation,
            });
        }
        fx
    }

    /// The spawn failed before a child existed (command lookup, pipes, fork).
    pub fn spawn_failed(&mut self, message: String) -> Vec<Effect> {
        let mut fx = vec![self.line(LogLevel::Info, format!("spawnerr: {message}"))];
        self.spawnerr = Some(message);
        self.enter_backoff(&mut fx);
        fx
    }

    fn enter_running(&mut self, fx: &mut Vec<Effect>) {
        let why = format!(
            "process has stayed up for > than {} seconds (startsecs)",
            self.policy.startsecs.as_secs()
        );
        self.running_because(&why, fx);
    }

    /// RUNNING, with Supervisor's `success:` line saying why; the health check
    /// starts.
    fn running_because(&mut self, why: &str, fx: &mut Vec<Effect>) {
        self.backoff = 0;
        self.change(ProcessState::Running, None, fx);
        fx.push(self.line(
            LogLevel::Info,
            format!("success: {} entered RUNNING state, {why}", self.name),
        ));
        if self.policy.health_retries.is_some() {
            fx.push(Effect::Probe {
                kind: CheckKind::Health,
                generation: self.generation,
            });
        }
    }

    /// BACKOFF: retry after `backoff` seconds, or give up once retries are spent.
    fn enter_backoff(&mut self, fx: &mut Vec<Effect>) {
        self.backoff += 1;
        self.change(ProcessState::Backoff, None, fx);
        if self.backoff > self.policy.startretries {
            self.give_up(fx);
            fx.push(self.line(
                LogLevel::Info,
                format!(
                    "gave up: {} entered FATAL state, too many start retries too quickly",
                    self.name
                ),
            ));
        } else {
            let after = self
                .policy
                .retry
                .delay(self.backoff, (&self.name, self.generation));
            fx.push(Effect::Arm {
                timer: Timer::Backoff,
                after,
                generation: self.generation,
            });
        }
    }

    fn give_up(&mut self, fx: &mut Vec<Effect>) {
        self.backoff = 0;
        self.change(ProcessState::Fatal, None, fx);
        if let Some(after) = self.policy.retry.fatal_retry_after {
            fx.push(Effect::Arm {
                timer: Timer::FatalRetry,
                after,
                generation: self.generation,
            });
        }
    }

    /// A timer armed for `generation` fired.
    pub fn timer(&mut self, timer: Timer, generation: u64, now: Instant) -> Vec<Effect> {
        let mut fx = Vec::new();
        if generation != self.generation {
            return fx;
        }
        match (timer, self.state) {
            // With a ready check, only the check leads to RUNNING.
            (Timer::StartSecs, ProcessState::Starting) if self.policy.ready_timeout.is_none() => {
                self.enter_running(&mut fx)
            }
            (Timer::Backoff, ProcessState::Backoff) if self.restarts_allowed => {
                self.begin_start(now, false, &mut fx)
            }
            (Timer::FatalRetry, ProcessState::Fatal) if self.restarts_allowed => {
                fx.push(self.line(
                    LogLevel::Info,
                    format!(
                        "retrying: {} leaves FATAL state after {} s (fatal_retry_after)",
                        self.name,
                        self.policy
                            .retry
                            .fatal_retry_after
                            .unwrap_or_default()
                            .as_secs()
                    ),
                ));
                self.begin_start(now, false, &mut fx)
            }
            (Timer::ReadyTimeout, ProcessState::Starting) => self.ready_timed_out(&mut fx),
            (Timer::StopWait, ProcessState::Stopping) => {
                if let Some(pid) = self.pid {
                    fx.push(self.line(
                        LogLevel::Warn,
                        format!("killing '{}' ({pid}) with SIGKILL", self.name),
                    ));
                    self.send_kill(pid, Signal::KILL, &mut fx);
                }
            }
            _ => {}
        }
        fx
    }

    fn send_kill(&mut self, pid: i32, signal: Signal, fx: &mut Vec<Effect>) {
        let as_group = if signal == Signal::KILL {
            self.policy.killasgroup
        } else {
            self.policy.stopasgroup
        };
        let group = if as_group { "process group " } else { "" };
        fx.push(self.line(
            LogLevel::Debug,
            format!(
                "killing {} (pid {pid}) {group}with signal {}",
                self.name,
                signal.name()
            ),
        ));
        self.killing = true;
        fx.push(Effect::Kill {
            pid,
            signal,
            as_group,
        });
        // Supervisor renews the deadline on every kill, so SIGKILL repeats every
        // stopwaitsecs while the process survives.
        fx.push(Effect::Arm {
            timer: Timer::StopWait,
            after: self.policy.stopwaitsecs,
            generation: self.generation,
        });
    }

    /// `stopProcess`: signal a live child, or settle a BACKOFF without one.
    pub fn stop(&mut self) -> Result<Vec<Effect>, Refusal> {
        let mut fx = Vec::new();
        match (self.state, self.pid) {
            (ProcessState::Running | ProcessState::Starting, Some(pid)) => {
                self.change(ProcessState::Stopping, None, &mut fx);
                self.send_kill(pid, self.policy.stopsignal, &mut fx);
                Ok(fx)
            }
            (ProcessState::Starting, None) if self.waiting => {
                // Nothing runs yet: the wait for dependencies ends.
                self.waiting = false;
                self.change(ProcessState::Stopped, None, &mut fx);
                Ok(fx)
            }
            (ProcessState::Backoff, _) => {
                fx.push(self.line(
                    LogLevel::Debug,
                    format!(
                        "Attempted to kill {}, which is in BACKOFF state.",
                        self.name
                    ),
                ));
                self.backoff = 0;
                self.change(ProcessState::Stopped, None, &mut fx);
                Ok(fx)
            }
            _ => Err(Refusal::NotRunning),
        }
    }

    /// supervisord is shutting down or restarting: no more restarts; a BACKOFF
    /// process gives up (Supervisor's `stop_all`), a live one is stopped.
    pub fn shutdown(&mut self) -> Vec<Effect> {
        self.restarts_allowed = false;
        match self.state {
            ProcessState::Backoff => {
                let mut fx = Vec::new();
                self.give_up(&mut fx);
                fx
            }
            ProcessState::Running | ProcessState::Starting => {
                self.restart_pending = false;
                self.stop().unwrap_or_default()
            }
            _ => Vec::new(),
        }
    }

    /// The reaper reported the child's exit (Supervisor's `finish`).
    pub fn exited(&mut self, exit: ExitStatus, now: Instant) -> Vec<Effect> {
        let mut fx = Vec::new();
        if self.pid.is_none() {
            return fx;
        }
        let reaped = self.pid.take();
        self.laststop = Some(now);
        let status = exit.exit_code();
        let expected = self.policy.exitcodes.contains(status);
        let uptime = self.laststart.map(|t| now.saturating_duration_since(t));
        // With a ready check, any exit before it passed is a failed start.
        let too_quickly = uptime.is_some_and(|u| u < self.policy.startsecs)
            || self.policy.ready_timeout.is_some();
        let how = exit.describe();
        self.healthy = None;
        let exit_facts = |state| Facts {
            pid: reaped,
            exit_status: Some(status),
            state: Some(state),
        };
        if std::mem::take(&mut self.failed)
            && matches!(self.state, ProcessState::Starting | ProcessState::Running)
        {
            self.killing = false;
            self.exitstatus = None;
            fx.push(Effect::Log(
                LogLevel::Warn,
                format!("exited: {} ({how}; not expected)", self.name),
                exit_facts(ProcessState::Backoff),
            ));
            self.enter_backoff(&mut fx);
        } else if self.killing {
            self.killing = false;
            self.exitstatus = Some(status);
            let level = if expected {
                LogLevel::Info
            } else {
                LogLevel::Warn
            };
            fx.push(Effect::Log(
                level,
                format!("stopped: {} ({how})", self.name),
                exit_facts(ProcessState::Stopped),
            ));
            self.change(ProcessState::Stopped, None, &mut fx);
            if std::mem::take(&mut self.restart_pending) && self.restarts_allowed {
                self.begin_start(now, false, &mut fx);
            }
        } else if too_quickly && self.state == ProcessState::Starting {
            self.exitstatus = None;
            self.spawnerr = Some("Exited too quickly (process log may have details)".into());
            fx.push(Effect::Log(
                LogLevel::Warn,
                format!("exited: {} ({how}; not expected)", self.name),
                exit_facts(ProcessState::Backoff),
            ));
            self.enter_backoff(&mut fx);
        } else {
            self.backoff = 0;
            self.exitstatus = Some(status);
            if self.state == ProcessState::Starting {
                // startsecs elapsed but the timer had not been handled yet: Supervisor
                // passes through RUNNING without a `success:` line.
                self.change(ProcessState::Running, None, &mut fx);
            }
            let (level, word) = if expected {
                (LogLevel::Info, "expected")
            } else {
                self.spawnerr = Some(format!("Bad exit code {status}"));
                (LogLevel::Warn, "not expected")
            };
            fx.push(Effect::Log(
                level,
                format!("exited: {} ({how}; {word})", self.name),
                exit_facts(ProcessState::Exited),
            ));
            self.change(ProcessState::Exited, Some(expected), &mut fx);
            let restart = match self.policy.autorestart {
                AutoRestart::Always => true,
                AutoRestart::Unexpected => !expected,
                AutoRestart::Never => false,
            };
            if restart && self.restarts_allowed {
                self.begin_start(now, false, &mut fx);
            }
        }
        // Supervisor renders the events of an exit while the pid is still set.
        for e in &mut fx {
            if let Effect::Changed { pid, .. } = e {
                *pid = pid.or(reaped);
            }
        }
        fx
    }

    /// The stop or kill signal could not be delivered for a reason other than ESRCH.
    pub fn signal_failed(&mut self, message: String) -> Vec<Effect> {
        let mut fx = vec![self.line(LogLevel::Critical, message)];
        self.killing = false;
        self.change(ProcessState::Unknown, None, &mut fx);
        fx
    }
}

#[path = "machine_checks.rs"]
mod checks;

#[cfg(test)]
#[path = "machine_tests.rs"]
mod tests;
