//! The process actor with a real child: a panic injected into its message handling
//! leaves the child running, supervised and stoppable; a signal that cannot be
//! delivered makes the process UNKNOWN with its PROCESS_STATE_UNKNOWN event.
//!
//! A process has one reaper, and a reaper lives on the runtime that started it, so
//! every test here runs on one shared runtime with one shared reaper.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use ractor::{Actor, ActorRef};
use supervisor_model::{ProcessState, Signal};
use tokio::sync::watch;

use super::actor::{ProcessActor, ProcessArgs};
use super::api::ProcessMsg;
use super::machine::Refusal;
use crate::context::Context;
use crate::events::EventBus;
use crate::mainlog::MainLog;
use crate::snapshot::Snapshot;

const DEADLINE: Duration = Duration::from_secs(10);

/// The runtime and reaper every test of this binary shares.
fn runtime() -> &'static (tokio::runtime::Runtime, supervisor_sys::Reaper) {
    static SHARED: OnceLock<(tokio::runtime::Runtime, supervisor_sys::Reaper)> = OnceLock::new();
    SHARED.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let reaper = rt
            .block_on(async { supervisor_sys::Reaper::start() })
            .expect("the only reaper of this test binary");
        (rt, reaper)
    })
}

fn alive(pid: i32) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    !stat.is_empty() && !stat.contains(") Z ")
}

async fn state_is(rx: &mut watch::Receiver<Snapshot>, want: ProcessState) -> Snapshot {
    tokio::time::timeout(DEADLINE, rx.wait_for(|s| s.state == want))
        .await
        .expect("state before the deadline")
        .expect("actor alive")
        .clone()
}

/// A process actor for `sleep 1000` (startsecs=0), its snapshot, the main log and
/// the bus its context publishes on.
struct Sleeper {
    actor: ActorRef<ProcessMsg>,
    rx: watch::Receiver<Snapshot>,
    log: MainLog,
    events: EventBus,
    _dir: tempfile::TempDir,
}

async fn sleeper() -> Sleeper {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("sd.conf");
    std::fs::write(
        &conf,
        "[supervisord]\nlogfile=%(here)s/main.log\n\n\
         [program:web]\ncommand=sleep 1000\nstartsecs=0\nstdout_logfile=NONE\nstderr_logfile=NONE\n",
    )
    .unwrap();
    let config = supervisor_config::load(&conf).unwrap();
    let log = MainLog::new();
    let events = EventBus::new();
    let (alarms, _alarm_rx) = tokio::sync::mpsc::unbounded_channel();
    let ctx = Arc::new(Context::new(
        &config,
        runtime().1.clone(),
        log.clone(),
        events.clone(),
        alarms,
        tokio::sync::watch::channel(
            Arc::new(crate::registry::Registry::default()) as Arc<dyn super::api::Peers>
        )
        .1,
    ));
    let (snapshot, rx) = watch::channel(Snapshot::new("web", "web"));
    let (actor, _) = Actor::spawn(
        None,
        ProcessActor,
        ProcessArgs {
            config: config.groups[0].processes[0].clone(),
            ctx,
            snapshot,
            upward: None,
        },
    )
    .await
    .unwrap();
    Sleeper {
        actor,
        rx,
        log,
        events,
        _dir: dir,
    }
}

async fn signal(actor: &ActorRef<ProcessMsg>, sig: Signal) -> Result<(), Refusal> {
    let (tx, reply) = tokio::sync::oneshot::channel();
    actor
        .send_message(ProcessMsg::Signal(sig, tx.into()))
        .unwrap();
    tokio::time::timeout(DEADLINE, reply)
        .await
        .unwrap()
        .unwrap()
}

#[test]
fn a_panicking_process_actor_keeps_its_child_supervised() {
    runtime().0.block_on(async {
        let Sleeper {
            actor,
            mut rx,
            log,
            ..
        } = sleeper().await;
        actor.send_message(ProcessMsg::Start(None)).unwrap();
        let running = state_is(&mut rx, ProcessState::Running).await;
        let pid = running.pid.unwrap();

        actor.send_message(ProcessMsg::InjectPanic).unwrap();
        // The next message is handled by the same, recovered actor.
        assert_eq!(signal(&actor, Signal::CONT).await, Ok(()));
        let logged: Vec<String> = log.take_queued().into_iter().map(|(_, m)| m).collect();
        assert!(
            logged.iter().any(|m| m.contains(
                "process actor of 'web' panicked (injected fault); rebuilt from its last state RUNNING"
            )),
            "{logged:?}"
        );
        assert_eq!(rx.borrow().pid, Some(pid));
        assert!(alive(pid));

        // Still stoppable: the child is gone afterwards.
        actor.send_message(ProcessMsg::Stop(None)).unwrap();
        state_is(&mut rx, ProcessState::Stopped).await;
        assert!(!alive(pid));
        actor.stop(None);
    });
}

/// Supervisor's `Subprocess.signal`: a signal that cannot be delivered (for a reason
/// other than the process being gone) changes the state to UNKNOWN, which emits
/// PROCESS_STATE_UNKNOWN, and `signalProcess` answers FAILED.
#[test]
fn an_undeliverable_signal_makes_the_process_unknown_with_its_event() {
    runtime().0.block_on(async {
        let Sleeper {
            actor,
            mut rx,
            events,
            ..
        } = sleeper().await;
        let mut bus = events.subscribe();
        actor.send_message(ProcessMsg::Start(None)).unwrap();
        let pid = state_is(&mut rx, ProcessState::Running).await.pid.unwrap();

        actor
            .send_message(ProcessMsg::FailKills(nix::errno::Errno::EPERM))
            .unwrap();
        let answer = signal(&actor, Signal::HUP).await;
        assert!(
            matches!(&answer, Err(Refusal::SignalFailed(m)) if m.contains("problem sending sig SIGHUP to web")),
            "{answer:?}"
        );
        state_is(&mut rx, ProcessState::Unknown).await;
        let unknown = tokio::time::timeout(DEADLINE, async {
            loop {
                let e = bus.recv().await.unwrap();
                if e.name == "PROCESS_STATE_UNKNOWN" {
                    return e;
                }
            }
        })
        .await
        .expect("a PROCESS_STATE_UNKNOWN event");
        assert!(
            unknown.payload.starts_with("processname:web groupname:web from_state:RUNNING"),
            "{}",
            unknown.payload
        );

        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        )
        .unwrap();
        actor.stop(None);
    });
}
