//! The process actor's message handling, as a plain method on its state, so the
//! actor can contain a panic in it (see `ProcessActor::handle`).

use std::time::Instant;

use ractor::ActorRef;
use supervisor_model::{LogLevel, ProcessState};

use super::{ProcessActorState, ProcessMsg};
use crate::process::machine::{Machine, Refusal};

impl ProcessActorState {
    pub(super) fn on_message(&mut self, myself: &ActorRef<ProcessMsg>, msg: ProcessMsg) {
        let now = Instant::now();
        match msg {
            ProcessMsg::Start(reply) => {
                let result = self.machine.start(now);
                if let Ok(fx) = &result {
                    self.apply(myself, fx.clone());
                }
                if let Some(reply) = reply {
                    let _ = reply.send(result.map(drop));
                }
            }
            ProcessMsg::Stop(reply) => {
                let result = self.machine.stop();
                if let Ok(fx) = &result {
                    self.apply(myself, fx.clone());
                }
                if let Some(reply) = reply {
                    let _ = reply.send(result.map(drop));
                }
            }
            ProcessMsg::Shutdown => {
                let fx = self.machine.shutdown();
                self.apply(myself, fx);
            }
            ProcessMsg::Signal(sig, reply) => {
                let _ = reply.send(self.signal(sig));
            }
            ProcessMsg::Exited { pid, exit } => {
                if self.machine.pid == Some(pid) {
                    // The child is gone: close our end of its stdin now (as
                    // Supervisor's `finish` closes the parent's pipes), not at the next
                    // spawn, so a stopped program holds no pipe.
                    self.stdin = None;
                    let fx = self.machine.exited(exit, now);
                    self.apply(myself, fx);
                }
            }
            ProcessMsg::Timer { timer, generation } => {
                let fx = self.machine.timer(timer, generation, now);
                self.apply(myself, fx);
            }
            ProcessMsg::ClearLogs(reply) => {
                let mut result = Ok(());
                // Better than Supervisor, which only clears the logs of a process
                // with a live child and quietly does nothing for the others: `clear`
                // empties the logs whatever the state.
                for sink in [&self.stdout, &self.stderr] {
                    let mut sink = sink.lock().unwrap_or_else(|p| p.into_inner());
                    if let Err(e) = sink.clear() {
                        result = Err(e.to_string());
                    }
                }
                let _ = reply.send(result);
            }
            ProcessMsg::Stdin(data, reply) => {
                // Supervisor: no pid, or being killed → NOT_RUNNING; a closed pipe
                // → NO_FILE.
                let result = match (&self.stdin, self.machine.pid) {
                    (_, None) => Err(Refusal::NotRunning),
                    _ if self.machine.killing => Err(Refusal::NotRunning),
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
                self.machine.restarts_allowed = false;
                if let Ok(fx) = self.machine.stop() {
                    self.apply(myself, fx);
                }
            }
            ProcessMsg::Reinstate => self.machine.restarts_allowed = true,
            ProcessMsg::Reconfigure(config) => {
                self.machine.policy = super::policy_of(&config);
                for (sink, cfg) in [
                    (&self.stdout, &config.stdout),
                    (&self.stderr, &config.stderr),
                ] {
                    sink.lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .set_limits(cfg);
                }
                self.config = config;
            }
            ProcessMsg::Restart => {
                if self.machine.state.is_running()
                    && let Ok(fx) = self.machine.stop()
                {
                    self.restart_pending = true;
                    self.apply(myself, fx);
                }
            }
            ProcessMsg::Fail(why) => {
                self.restart_pending = false;
                self.note = Some(why);
                if let Ok(fx) = self.machine.stop() {
                    self.apply(myself, fx);
                } else {
                    self.publish();
                }
            }
            ProcessMsg::ReopenLogs => {
                for sink in [&self.stdout, &self.stderr] {
                    let mut sink = sink.lock().unwrap_or_else(|p| p.into_inner());
                    if let Err(e) = sink.reopen() {
                        self.ctx.log.log(
                            LogLevel::Error,
                            &format!("cannot reopen a log file of '{}': {e}", self.name),
                        );
                    }
                }
            }
        }
    }
}

impl ProcessActorState {
    /// After a panic in `on_message`: the machine may be half-changed, so it is
    /// rebuilt from the last snapshot published (a consistent state: pid, state, exit
    /// status). The child, its pipes, log sinks and exit watcher are untouched, and
    /// timers already armed still match the kept generation.
    pub(super) fn recover(&mut self, why: &str) {
        let last = self.snapshot.borrow().clone();
        let old = &self.machine;
        let mut m = Machine::new(old.name.clone(), old.policy.clone());
        m.state = last.state;
        m.pid = last.pid;
        m.exitstatus = last.exitstatus;
        m.spawnerr = last.spawnerr.clone();
        m.killing = last.state == ProcessState::Stopping;
        m.laststart = instant_of(last.start);
        m.laststop = instant_of(last.stop);
        m.generation = old.generation;
        m.restarts_allowed = old.restarts_allowed;
        self.machine = m;
        self.restart_pending = false;
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

/// The `Instant` of a unix time from the past (0 = never).
fn instant_of(unix: i64) -> Option<Instant> {
    if unix <= 0 {
        return None;
    }
    let ago = (crate::control::info::unix_now() - unix).max(0) as u64;
    Instant::now().checked_sub(std::time::Duration::from_secs(ago))
}

/// A panic payload as text.
pub(super) fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}
