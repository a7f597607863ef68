//! Crash containment with a real child: a panic injected into a process actor's
//! message handling leaves the child running, supervised and stoppable.

use std::sync::Arc;
use std::time::Duration;

use ractor::Actor;
use tokio::sync::watch;

use super::actor::{ProcessActor, ProcessArgs, ProcessMsg};
use crate::context::Context;
use crate::events::EventBus;
use crate::mainlog::MainLog;
use crate::snapshot::Snapshot;
use supervisor_model::ProcessState;

const DEADLINE: Duration = Duration::from_secs(10);

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_process_actor_keeps_its_child_supervised() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("sd.conf");
    std::fs::write(
        &conf,
        "[supervisord]\nlogfile=%(here)s/main.log\n\n\
         [program:web]\ncommand=sleep 1000\nstartsecs=0\nstdout_logfile=NONE\nstderr_logfile=NONE\n",
    )
    .unwrap();
    let config = supervisor_config::load(&conf).unwrap();
    let reaper = supervisor_sys::Reaper::start().expect("the only reaper of this test binary");
    let log = MainLog::new();
    let (alarms, _alarm_rx) = tokio::sync::mpsc::unbounded_channel();
    let ctx = Arc::new(Context::new(
        &config,
        reaper,
        log.clone(),
        EventBus::new(),
        alarms,
    ));
    let (snapshot, mut rx) = watch::channel(Snapshot::new("web", "web"));
    let (actor, _) = Actor::spawn(
        None,
        ProcessActor,
        ProcessArgs {
            config: config.groups[0].processes[0].clone(),
            ctx,
            snapshot,
            listener: None,
            deaths: None,
        },
    )
    .await
    .unwrap();
    actor.send_message(ProcessMsg::Start(None)).unwrap();
    let running = state_is(&mut rx, ProcessState::Running).await;
    let pid = running.pid.unwrap();

    actor.send_message(ProcessMsg::InjectPanic).unwrap();
    // The next message is handled by the same, recovered actor.
    let (tx, reply) = tokio::sync::oneshot::channel();
    actor
        .send_message(ProcessMsg::Signal(
            supervisor_model::Signal::CONT,
            tx.into(),
        ))
        .unwrap();
    assert_eq!(
        tokio::time::timeout(DEADLINE, reply)
            .await
            .unwrap()
            .unwrap(),
        Ok(())
    );
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
}
