//! The state machine's inputs beyond Supervisor (README, "Dependencies, readiness
//! and health checks"): dependencies met or lost, a ready check passing or timing
//! out, health check results, and restarts asked for by the tree (a group strategy,
//! a failed health check, a required dependency gone). Pure, like the rest of the
//! machine: each returns the effects to carry out.

use std::time::Instant;

use supervisor_model::{LogLevel, ProcessState};

use super::{Effect, Finding, Machine};

impl Machine {
    /// The dependencies of the start of `generation` are met: spawn now.
    pub fn deps_met(&mut self, generation: u64, now: Instant) -> Vec<Effect> {
        let mut fx = Vec::new();
        if self.waiting && generation == self.generation && self.state == ProcessState::Starting {
            self.spawn_now(now, &mut fx);
        }
        fx
    }

    /// A required dependency of the incarnation of `generation` stopped meeting its
    /// condition (`why` says how): stop, then start again — which waits until it is
    /// met again.
    pub fn dependency_lost(&mut self, generation: u64, why: &str) -> Vec<Effect> {
        if generation != self.generation || self.pid.is_none() || self.killing {
            return Vec::new();
        }
        let mut fx = vec![Effect::Log(
            LogLevel::Warn,
            format!("stopping {}: {why}", self.name),
        )];
        fx.extend(self.restart());
        fx
    }

    /// The ready check of the incarnation of `generation` passed (`detail` names it).
    pub fn ready(&mut self, generation: u64, detail: &str) -> Vec<Effect> {
        let mut fx = Vec::new();
        if generation != self.generation
            || self.state != ProcessState::Starting
            || self.pid.is_none()
            || self.killing
        {
            return fx;
        }
        fx.push(Effect::Checked {
            finding: Finding::Ready,
            detail: detail.to_string(),
        });
        self.running_because(&format!("its ready check passed ({detail})"), &mut fx);
        fx
    }

    /// `ready_timeout` passed without the ready check passing: stop the child; its
    /// exit is a failed start (BACKOFF, then FATAL as usual).
    pub(super) fn ready_timed_out(&mut self, fx: &mut Vec<Effect>) {
        let Some(pid) = self.pid else { return };
        if self.killing {
            return;
        }
        fx.push(Effect::Log(
            LogLevel::Warn,
            format!(
                "{}: its ready check did not pass within {} (ready_timeout); stopping it, a failed start",
                self.name,
                humantime(self.policy.ready_timeout.unwrap_or_default())
            ),
        ));
        self.start_failed = true;
        self.spawnerr = Some("ready check did not pass (ready_timeout)".into());
        self.send_kill(pid, self.policy.stopsignal, fx);
    }

    /// One health check result of the incarnation of `generation`. After
    /// `health_retries` failures in a row the process is restarted.
    pub fn health(&mut self, generation: u64, passed: bool, detail: &str) -> Vec<Effect> {
        let mut fx = Vec::new();
        let Some(retries) = self.policy.health_retries else {
            return fx;
        };
        if generation != self.generation || self.state != ProcessState::Running || self.killing {
            return fx;
        }
        if passed {
            self.health_failures = 0;
            if self.healthy != Some(true) {
                self.healthy = Some(true);
                fx.push(Effect::Checked {
                    finding: Finding::Healthy,
                    detail: detail.to_string(),
                });
            }
            return fx;
        }
        self.health_failures += 1;
        fx.push(Effect::Log(
            LogLevel::Debug,
            format!(
                "health check of {} failed ({}/{retries}): {detail}",
                self.name, self.health_failures
            ),
        ));
        if self.health_failures >= retries {
            self.healthy = Some(false);
            fx.push(Effect::Checked {
                finding: Finding::Unhealthy,
                detail: detail.to_string(),
            });
            fx.push(Effect::Log(
                LogLevel::Warn,
                format!(
                    "restarting {}: its health check failed {} times in a row ({detail})",
                    self.name, self.health_failures
                ),
            ));
            fx.extend(self.restart());
        }
        fx
    }

    /// Stop a live process, then start it again once STOPPED (a group strategy, a
    /// failed health check, a required dependency gone). Nothing for one that does
    /// not run.
    pub fn restart(&mut self) -> Vec<Effect> {
        if !self.state.is_running() || self.pid.is_none() {
            return Vec::new();
        }
        match self.stop() {
            Ok(fx) => {
                self.restart_pending = true;
                fx
            }
            Err(_) => Vec::new(),
        }
    }

    /// Stop, and do not start again (the group failed: intensity exceeded).
    pub fn fail(&mut self) -> Vec<Effect> {
        self.restart_pending = false;
        self.stop().unwrap_or_default()
    }
}

/// `60 s`, `250 ms`.
fn humantime(d: std::time::Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

#[cfg(test)]
#[path = "machine_checks_tests.rs"]
mod tests;
