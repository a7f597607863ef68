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
        // With a ready check, RUNNING means it passed; a failing health check
        // means not ready, as an orchestrator's readiness probe would say.
        ProcessState::Running if snapshot.healthy == Some(false) => {
            Err("autostart process is RUNNING but unhealthy".to_string())
        }
        ProcessState::Running => Ok(()),
        ProcessState::Starting if snapshot.waiting.is_some() => Err(format!(
            "autostart process is STARTING, {}",
            snapshot.waiting.as_deref().unwrap_or_default()
        )),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn config(options: &str) -> ProcessConfig {
        let dir = tempfile::tempdir().unwrap();
        let conf = dir.path().join("sd.conf");
        std::fs::write(
            &conf,
            format!(
                "[supervisord]\nlogfile=%(here)s/m.log\n[program:p]\ncommand=true\n{options}\n"
            ),
        )
        .unwrap();
        let c = supervisor_config::load(&conf).unwrap();
        (*c.groups[0].processes[0]).clone()
    }

    fn snapshot(state: ProcessState, exitstatus: Option<i32>) -> Snapshot {
        Snapshot {
            state,
            exitstatus,
            ..Snapshot::new("p", "p")
        }
    }

    #[test]
    fn running_or_finished_one_shots_are_ready() {
        let auto = config("");
        assert!(member_ready(&auto, &snapshot(ProcessState::Running, None)).is_ok());
        let reason = member_ready(&auto, &snapshot(ProcessState::Backoff, None)).unwrap_err();
        assert_eq!(reason, "autostart process is BACKOFF");
        // A task that ended as expected and is not restarted is done, not down.
        assert!(member_ready(&auto, &snapshot(ProcessState::Exited, Some(0))).is_ok());
        assert!(member_ready(&auto, &snapshot(ProcessState::Exited, Some(1))).is_err());
        let always = config("autorestart=true");
        assert!(member_ready(&always, &snapshot(ProcessState::Exited, Some(0))).is_err());
        // Not autostart: never waited for.
        let manual = config("autostart=false");
        assert!(member_ready(&manual, &snapshot(ProcessState::Stopped, None)).is_ok());
    }

    #[test]
    fn nothing_is_ready_before_the_tree_is_built() {
        let r = readiness(&Registry::default(), SupervisorState::Running);
        assert!(!r.ready());
    }
}
