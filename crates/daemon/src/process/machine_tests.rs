//! Transition-by-transition tests of the process state machine (process.py `Subprocess`).

use super::*;
use ProcessState::*;

pub(crate) fn policy() -> Policy {
    Policy {
        startsecs: Duration::from_secs(1),
        startretries: 3,
        autorestart: AutoRestart::Unexpected,
        exitcodes: ExitCodes(vec![0]),
        stopsignal: Signal::TERM,
        stopwaitsecs: Duration::from_secs(10),
        stopasgroup: false,
        killasgroup: false,
        retry: Retry::default(),
        waits: false,
        ready_timeout: None,
        health_retries: None,
    }
}

pub(crate) fn states(fx: &[Effect]) -> Vec<ProcessState> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Changed { to, .. } => Some(*to),
            _ => None,
        })
        .collect()
}

pub(crate) fn logs(fx: &[Effect]) -> Vec<String> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Log(l, m) => Some(format!("{} {m}", l.tag())),
            _ => None,
        })
        .collect()
}

fn secs(t0: Instant, s: u64) -> Instant {
    t0 + Duration::from_secs(s)
}

/// A machine that has been started and spawned as pid 100 at t0.
fn spawned(p: Policy) -> (Machine, Instant) {
    let t0 = Instant::now();
    let mut m = Machine::new("web", p);
    let fx = m.start(t0).unwrap();
    assert_eq!(states(&fx), [Starting]);
    assert!(fx.contains(&Effect::Spawn));
    let fx = m.spawned(100);
    assert_eq!(logs(&fx), ["INFO spawned: 'web' with pid 100"]);
    (m, t0)
}

#[test]
fn startsecs_timer_enters_running() {
    let (mut m, t0) = spawned(policy());
    let fx = m.timer(Timer::StartSecs, m.generation, secs(t0, 1));
    assert_eq!(states(&fx), [Running]);
    assert_eq!(
        logs(&fx),
        [
            "INFO success: web entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)"
        ]
    );
    assert_eq!(m.backoff, 0);
}

#[test]
fn startsecs_zero_is_running_at_once_and_logs_success_before_exit() {
    let (mut m, t0) = {
        let mut p = policy();
        p.startsecs = Duration::ZERO;
        p.autorestart = AutoRestart::Never;
        let t0 = Instant::now();
        let mut m = Machine::new("quick", p);
        m.start(t0).unwrap();
        let fx = m.spawned(7);
        assert_eq!(states(&fx), [Running]);
        (m, t0)
    };
    let fx = m.exited(ExitStatus::Exited(0), t0);
    assert_eq!(logs(&fx), ["INFO exited: quick (exit status 0; expected)"]);
    assert_eq!(states(&fx), [Exited]);
}

#[test]
fn stale_timer_is_ignored() {
    let (mut m, t0) = spawned(policy());
    let old = m.generation;
    m.exited(ExitStatus::Exited(1), t0); // too quickly → BACKOFF
    m.timer(Timer::Backoff, old, secs(t0, 1)); // → STARTING again, generation bumps
    assert_eq!(m.state, Starting);
    assert!(m.timer(Timer::StartSecs, old, secs(t0, 2)).is_empty());
    assert_eq!(m.state, Starting);
}

#[test]
fn quick_exits_back_off_one_two_three_seconds_then_fatal() {
    let (mut m, t0) = spawned(policy());
    let mut delays = Vec::new();
    let mut t = t0;
    loop {
        let fx = m.exited(ExitStatus::Exited(1), t);
        if let Some(Effect::Arm { after, .. }) = fx.iter().find(|e| {
            matches!(
                e,
                Effect::Arm {
                    timer: Timer::Backoff,
                    ..
                }
            )
        }) {
            assert_eq!(states(&fx), [Backoff]);
            assert_eq!(
                m.spawnerr.as_deref(),
                Some("Exited too quickly (process log may have details)")
            );
            delays.push(after.as_secs());
            t += *after;
            let fx = m.timer(Timer::Backoff, m.generation, t);
            assert_eq!(states(&fx), [Starting]);
            m.spawned(100 + delays.len() as i32);
        } else {
            assert_eq!(states(&fx), [Backoff, Fatal]);
            assert_eq!(
                logs(&fx),
                [
                    "WARN exited: web (exit status 1; not expected)",
                    "INFO gave up: web entered FATAL state, too many start retries too quickly"
                ]
            );
            break;
        }
    }
    // startretries=3: 4 attempts in all, retries 1 s, 2 s, 3 s apart.
    assert_eq!(delays, [1, 2, 3]);
    assert_eq!(m.backoff, 0);
}

#[test]
fn spawn_error_goes_backoff_then_fatal() {
    let mut p = policy();
    p.startretries = 0;
    let t0 = Instant::now();
    let mut m = Machine::new("missing", p);
    m.start(t0).unwrap();
    let fx = m.spawn_failed("can't find command '/nonexistent'".into());
    assert_eq!(states(&fx), [Backoff, Fatal]);
    assert_eq!(
        logs(&fx)[0],
        "INFO spawnerr: can't find command '/nonexistent'"
    );
    assert_eq!(
        m.spawnerr.as_deref(),
        Some("can't find command '/nonexistent'")
    );
}

#[test]
fn running_exit_expected_and_unexpected_with_autorestart_unexpected() {
    let (mut m, t0) = spawned(policy());
    m.timer(Timer::StartSecs, m.generation, secs(t0, 1));
    let fx = m.exited(ExitStatus::Exited(0), secs(t0, 5));
    assert_eq!(states(&fx), [Exited]);
    assert!(
        !fx.contains(&Effect::Spawn),
        "expected exit is not restarted"
    );

    let (mut m, t0) = spawned(policy());
    m.timer(Timer::StartSecs, m.generation, secs(t0, 1));
    let fx = m.exited(ExitStatus::Exited(3), secs(t0, 5));
    assert_eq!(states(&fx), [Exited, Starting]);
    assert!(fx.contains(&Effect::Spawn));
    assert_eq!(
        logs(&fx),
        ["WARN exited: web (exit status 3; not expected)"]
    );
    assert_eq!(m.spawnerr, None, "a new spawn clears spawnerr");
}

#[test]
fn signal_death_is_unexpected() {
    let mut p = policy();
    p.autorestart = AutoRestart::Never;
    let (mut m, t0) = spawned(p);
    m.timer(Timer::StartSecs, m.generation, secs(t0, 1));
    let fx = m.exited(
        ExitStatus::Signaled {
            signal: 9,
            core_dumped: false,
        },
        secs(t0, 2),
    );
    assert_eq!(
        logs(&fx),
        ["WARN exited: web (terminated by SIGKILL; not expected)"]
    );
    assert_eq!(m.exitstatus, Some(-1));
    assert_eq!(m.spawnerr.as_deref(), Some("Bad exit code -1"));
    assert_eq!(m.state, Exited);
}

#[test]
fn autorestart_always_and_never() {
    let mut p = policy();
    p.autorestart = AutoRestart::Always;
    let (mut m, t0) = spawned(p);
    m.timer(Timer::StartSecs, m.generation, secs(t0, 1));
    assert!(
        m.exited(ExitStatus::Exited(0), secs(t0, 2))
            .contains(&Effect::Spawn)
    );

    let mut p = policy();
    p.autorestart = AutoRestart::Never;
    let (mut m, t0) = spawned(p);
    m.timer(Timer::StartSecs, m.generation, secs(t0, 1));
    assert!(
        !m.exited(ExitStatus::Exited(9), secs(t0, 2))
            .contains(&Effect::Spawn)
    );
}

#[test]
fn exit_after_startsecs_before_timer_passes_through_running() {
    let (mut m, t0) = spawned(policy());
    let fx = m.exited(ExitStatus::Exited(0), secs(t0, 2));
    assert_eq!(states(&fx), [Running, Exited]);
    assert!(logs(&fx).iter().all(|l| !l.contains("success")));
}

#[test]
fn stop_sends_stopsignal_then_sigkill_after_stopwaitsecs() {
    let mut p = policy();
    p.stopasgroup = true;
    p.killasgroup = true;
    let (mut m, t0) = spawned(p);
    m.timer(Timer::StartSecs, m.generation, secs(t0, 1));
    let fx = m.stop().unwrap();
    assert_eq!(states(&fx), [Stopping]);
    assert!(fx.contains(&Effect::Kill {
        pid: 100,
        signal: Signal::TERM,
        as_group: true
    }));
    assert_eq!(
        logs(&fx),
        ["DEBG killing web (pid 100) process group with signal SIGTERM"]
    );
    let fx = m.timer(Timer::StopWait, m.generation, secs(t0, 11));
    assert!(fx.contains(&Effect::Kill {
        pid: 100,
        signal: Signal::KILL,
        as_group: true
    }));
    assert_eq!(logs(&fx)[0], "WARN killing 'web' (100) with SIGKILL");
    let fx = m.exited(
        ExitStatus::Signaled {
            signal: 9,
            core_dumped: false,
        },
        secs(t0, 11),
    );
    assert_eq!(states(&fx), [Stopped]);
    assert_eq!(logs(&fx), ["WARN stopped: web (terminated by SIGKILL)"]);
    assert!(
        !fx.contains(&Effect::Spawn),
        "a stopped process is not restarted"
    );
}

#[test]
fn stop_while_starting_and_expected_stop_logs_info() {
    let (mut m, t0) = spawned(policy());
    assert_eq!(states(&m.stop().unwrap()), [Stopping]);
    let fx = m.exited(ExitStatus::Exited(0), secs(t0, 0));
    assert_eq!(logs(&fx), ["INFO stopped: web (exit status 0)"]);
    assert_eq!(m.state, Stopped);
}

#[test]
fn stop_in_backoff_settles_without_signal_and_stopped_refuses() {
    let (mut m, t0) = spawned(policy());
    m.exited(ExitStatus::Exited(1), t0);
    assert_eq!(m.state, Backoff);
    let fx = m.stop().unwrap();
    assert_eq!(states(&fx), [Stopped]);
    assert!(!fx.iter().any(|e| matches!(e, Effect::Kill { .. })));
    assert_eq!(m.stop(), Err(Refusal::NotRunning));
    // A pending backoff timer no longer spawns.
    assert!(
        m.timer(Timer::Backoff, m.generation, secs(t0, 5))
            .is_empty()
    );
}

#[test]
fn start_refusals() {
    let (mut m, _) = spawned(policy());
    assert_eq!(m.start(Instant::now()), Err(Refusal::AlreadyStarted));
    m.stop().unwrap();
    assert_eq!(m.start(Instant::now()), Err(Refusal::AlreadyStarted));
    assert_eq!(
        m.stop(),
        Err(Refusal::NotRunning),
        "STOPPING is not a running state"
    );
}

#[test]
fn start_from_fatal_and_exited() {
    let mut p = policy();
    p.startretries = 0;
    let (mut m, t0) = spawned(p);
    m.exited(ExitStatus::Exited(1), t0);
    assert_eq!(m.state, Fatal);
    assert_eq!(states(&m.start(t0).unwrap()), [Starting]);
}

#[test]
fn shutdown_stops_running_and_gives_up_backoff_without_restarts() {
    let mut p = policy();
    p.autorestart = AutoRestart::Always;
    let (mut m, t0) = spawned(p.clone());
    m.timer(Timer::StartSecs, m.generation, secs(t0, 1));
    assert_eq!(states(&m.shutdown()), [Stopping]);
    let fx = m.exited(ExitStatus::Exited(0), secs(t0, 2));
    assert_eq!(states(&fx), [Stopped]);
    assert_eq!(m.start(t0), Err(Refusal::ShuttingDown));

    let (mut m, t0) = spawned(p);
    m.exited(ExitStatus::Exited(1), t0);
    assert_eq!(states(&m.shutdown()), [Fatal]);
}

#[test]
fn unknown_after_failed_signal() {
    let (mut m, _) = spawned(policy());
    m.stop().unwrap();
    let fx = m.signal_failed("EPERM".into());
    assert_eq!(states(&fx), [Unknown]);
}

#[test]
fn exit_describe_matches_supervisor() {
    assert_eq!(ExitStatus::Exited(2).describe(), "exit status 2");
    assert_eq!(
        ExitStatus::Signaled {
            signal: 11,
            core_dumped: true
        }
        .describe(),
        "terminated by SIGSEGV (core dumped)"
    );
}

#[test]
fn fatal_is_left_after_fatal_retry_after() {
    let mut p = policy();
    p.startretries = 0;
    p.retry.fatal_retry_after = Some(Duration::from_secs(30));
    let (mut m, t0) = spawned(p);
    let fx = m.exited(ExitStatus::Exited(1), t0);
    assert_eq!(states(&fx), [Backoff, Fatal]);
    let generation = m.generation;
    assert!(fx.contains(&Effect::Arm {
        timer: Timer::FatalRetry,
        after: Duration::from_secs(30),
        generation,
    }));
    let fx = m.timer(Timer::FatalRetry, generation, secs(t0, 30));
    assert_eq!(states(&fx), [Starting]);
    assert!(fx.contains(&Effect::Spawn));
    assert_eq!(
        logs(&fx),
        ["INFO retrying: web leaves FATAL state after 30 s (fatal_retry_after)"]
    );
    // A retry timer from before a manual start is stale.
    let fx = m.timer(Timer::FatalRetry, generation, secs(t0, 60));
    assert!(fx.is_empty());
}

#[test]
fn exponential_backoff_arms_growing_delays() {
    let mut p = policy();
    p.startretries = 5;
    p.retry.backoff = supervisor_config::Backoff::Exponential;
    let (mut m, t0) = spawned(p);
    let mut delays = Vec::new();
    for _ in 0..4 {
        let fx = m.exited(ExitStatus::Exited(1), t0);
        for e in &fx {
            if let Effect::Arm {
                timer: Timer::Backoff,
                after,
                generation,
            } = e
            {
                delays.push(after.as_secs());
                m.timer(Timer::Backoff, *generation, t0);
                m.spawned(101);
            }
        }
    }
    assert_eq!(delays, [1, 2, 4, 8]);
}
