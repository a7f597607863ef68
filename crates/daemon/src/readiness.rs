//! When supervisord is ready (`/readyz`; README, "Metrics and health endpoints"):
//! the tree is built and every `autostart` process is ready. [`member_ready`] is the
//! one rule for a process — extend it there (a readiness check, a dependency) and
//! `/readyz` follows.

use supervisor_config::ProcessConfig;
use supervisor_model::{AutoRestart, ProcessState, SupervisorState};
use supervisor_rpc::observe::{NotReady, Readiness};

use crate::registry::Registry;
use crate::snapshot::Snapshot;

/// Whether the process of `config`, as `snapshot` shows it, lets supervisord be
/// ready; the reason when not. Processes that are not `autostart` are never waited
/// for. An autostart process is ready when RUNNING, or when it ran to a normal end
/// and is not meant to run again (a one-shot task: EXITED with an expected status
/// and `autorestart` other than `true`).
pub fn member_ready(config: &ProcessConfig, snapshot: &Snapshot) -> Result<(), String> {
    if !config.autostart {
        return Ok(());
    }
    match snapshot.state {
        ProcessState::Running => Ok(()),
        ProcessState::Exited
            if config.autorestart != AutoRestart::Always
                && snapshot
                    .exitstatus
                    .is_some_and(|s| config.exitcodes.contains(s)) =>
        {
            Ok(())
        }
        state => Err(format!("autostart process is {}", state.name())),
    }
}

/// `/readyz` from the published registry and daemon state.
pub fn readiness(reg: &Registry, state: SupervisorState) -> Readiness {
    let mut not_ready = Vec::new();
    for (g, m) in reg.lexical() {
        let snap = m.snapshot.borrow();
        if let Err(reason) = member_ready(&m.config, &snap) {
            not_ready.push(NotReady {
                group: g.config.name.clone(),
                name: m.config.name.clone(),
                state: snap.state,
                reason,
            });
        }
    }
    Readiness {
        state,
        // Before the tree is built (and between a reload's stop and its start)
        // there is nothing to be ready.
        tree_built: reg.generation > 0,
        not_ready,
    }
}
