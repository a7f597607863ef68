//! Transitions beyond Supervisor: waiting for dependencies, ready checks, health
//! checks and restarts asked for by the tree.

use std::time::{Duration, Instant};

use supervisor_model::{ExitStatus, ProcessState::*};

use super::super::tests::{logs, policy, states};
use crate::process::machine::{CheckKind, Effect, Finding, Machine, Policy, Timer};

fn with(f: impl FnOnce(&mut Policy)) -> Machine {
    let mut p = policy();
    f(&mut p);
    Machine::new("web", p)
}

fn has(fx: &[Effect], want: &Effect) -> bool {
    fx.contains(want)
}

#[test]
fn a_start_with_dependencies_waits_then_spawns_once_they_are_met() {
    let t0 = Instant::now();
    let mut m = with(|p| p.waits = true);
    let fx = m.start(t0).unwrap();
    assert_eq!(states(&fx), [Starting]);
    let g = m.generation();
    assert!(has(
        &fx,
        &Effect::AwaitDeps {
            generation: g,
            pull: true
        }
    ));
    assert!(!has(&fx, &Effect::Spawn));
    assert!(m.waiting() && m.pid().is_none());
    // A stale answer changes nothing; the right one spawns without a second STARTING.
    assert!(m.deps_met(g + 1, t0).is_empty());
    let fx = m.deps_met(g, t0);
    assert_eq!(fx, [Effect::Spawn]);
    assert!(!m.waiting());
    m.spawned(7);
    assert_eq!(
        m.generation(),
        g,
        "timers and the dependency watch share one generation"
    );
}

#[test]
fn a_waiting_start_can_be_stopped_and_shut_down() {
    let t0 = Instant::now();
    let mut m = with(|p| p.waits = true);
    m.start(t0).unwrap();
    let fx = m.stop().unwrap();
    assert_eq!(states(&fx), [Stopped]);
    m.start(t0).unwrap();
    let fx = m.shutdown();
    assert_eq!(states(&fx), [Stopped]);
    assert!(m.start(t0).is_err());
}

#[test]
fn an_autorestart_waits_again_without_pulling_dependencies_in() {
    let t0 = Instant::now();
    let mut m = with(|p| p.waits = true);
    m.start(t0).unwrap();
    m.deps_met(m.generation(), t0);
    m.spawned(7);
    m.timer(
        Timer::StartSecs,
        m.generation(),
        t0 + Duration::from_secs(1),
    );
    let fx = m.exited(ExitStatus::Exited(1), t0 + Duration::from_secs(5));
    assert_eq!(states(&fx), [Exited, Starting]);
    assert!(has(
        &fx,
        &Effect::AwaitDeps {
            generation: m.generation(),
            pull: false
        }
    ));
}

#[test]
fn a_ready_check_decides_running_not_startsecs() {
    let t0 = Instant::now();
    let mut m = with(|p| p.ready_timeout = Some(Duration::from_secs(30)));
    m.start(t0).unwrap();
    let fx = m.spawned(7);
    let g = m.generation();
    assert!(has(
        &fx,
        &Effect::Probe {
            kind: CheckKind::Ready,
            generation: g
        }
    ));
    assert!(has(
        &fx,
        &Effect::Arm {
            timer: Timer::ReadyTimeout,
            after: Duration::from_secs(30),
            generation: g
        }
    ));
    // startsecs passing does nothing: only the check counts.
    assert!(
        m.timer(Timer::StartSecs, g, t0 + Duration::from_secs(2))
            .is_empty()
    );
    let fx = m.ready(g, "tcp://127.0.0.1:5432");
    assert_eq!(states(&fx), [Running]);
    assert_eq!(
        logs(&fx),
        ["INFO success: web entered RUNNING state, its ready check passed (tcp://127.0.0.1:5432)"]
    );
    assert!(has(
        &fx,
        &Effect::Checked {
            finding: Finding::Ready,
            detail: "tcp://127.0.0.1:5432".into()
        }
    ));
}

#[test]
fn a_ready_timeout_is_a_failed_start() {
    let t0 = Instant::now();
    let mut m = with(|p| p.ready_timeout = Some(Duration::from_secs(30)));
    m.start(t0).unwrap();
    m.spawned(7);
    let g = m.generation();
    let fx = m.timer(Timer::ReadyTimeout, g, t0 + Duration::from_secs(30));
    assert!(fx.iter().any(|e| matches!(e, Effect::Kill { pid: 7, .. })));
    assert_eq!(states(&fx), [], "still STARTING while it stops");
    let fx = m.exited(
        ExitStatus::Signaled {
            signal: 15,
            core_dumped: false,
        },
        t0 + Duration::from_secs(31),
    );
    assert_eq!(states(&fx), [Backoff]);
    // An exit before the check passed is a failed start too, however late.
    let mut m = with(|p| p.ready_timeout = Some(Duration::from_secs(30)));
    m.start(t0).unwrap();
    m.spawned(8);
    let fx = m.exited(ExitStatus::Exited(0), t0 + Duration::from_secs(20));
    assert_eq!(states(&fx), [Backoff]);
}

#[test]
fn health_failures_in_a_row_restart_the_process() {
    let t0 = Instant::now();
    let mut m = with(|p| {
        p.startsecs = Duration::ZERO;
        p.health_retries = Some(2);
    });
    m.start(t0).unwrap();
    let fx = m.spawned(7);
    let g = m.generation();
    assert!(has(
        &fx,
        &Effect::Probe {
            kind: CheckKind::Health,
            generation: g
        }
    ));
    let fx = m.health(g, true, "tcp://x:1");
    assert_eq!(m.healthy(), Some(true));
    assert!(fx.iter().any(|e| matches!(
        e,
        Effect::Checked {
            finding: Finding::Healthy,
            ..
        }
    )));
    assert!(m.health(g, true, "tcp://x:1").is_empty(), "no news");
    let fx = m.health(g, false, "tcp://x:1: refused");
    assert_eq!(states(&fx), []);
    let fx = m.health(g, false, "tcp://x:1: refused");
    assert_eq!(states(&fx), [Stopping]);
    assert_eq!(m.healthy(), Some(false));
    assert!(
        logs(&fx).contains(
            &"WARN restarting web: its health check failed 2 times in a row (tcp://x:1: refused)"
                .to_string()
        )
    );
    // Stopped, then started again by itself.
    let fx = m.exited(
        ExitStatus::Signaled {
            signal: 15,
            core_dumped: false,
        },
        t0 + Duration::from_secs(3),
    );
    assert_eq!(states(&fx), [Stopped, Starting]);
    assert_eq!(m.healthy(), None);
}

#[test]
fn a_lost_required_dependency_stops_the_process_to_wait_again() {
    let t0 = Instant::now();
    let mut m = with(|p| {
        p.waits = true;
        p.startsecs = Duration::ZERO;
    });
    m.start(t0).unwrap();
    let g = m.generation();
    m.deps_met(g, t0);
    m.spawned(7);
    let fx = m.dependency_lost(g, "its required dependency is gone: db (STOPPED)");
    assert_eq!(states(&fx), [Stopping]);
    let fx = m.exited(ExitStatus::Exited(0), t0 + Duration::from_secs(2));
    assert_eq!(states(&fx), [Stopped, Starting]);
    assert!(m.waiting());
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::AwaitDeps { pull: false, .. }))
    );
}

#[test]
fn a_failed_group_stops_for_good() {
    let t0 = Instant::now();
    let mut m = with(|p| p.startsecs = Duration::ZERO);
    m.start(t0).unwrap();
    m.spawned(7);
    m.restart();
    let fx = m.fail();
    assert!(fx.is_empty(), "already stopping");
    let fx = m.exited(ExitStatus::Exited(0), t0 + Duration::from_secs(2));
    assert_eq!(states(&fx), [Stopped], "fail() cancels the pending restart");
}
