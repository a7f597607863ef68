//! The event bus's tests: Supervisor's payloads and serials, the state watcher, and
//! the tracking of who hears a child's output (pools and watchers coming and going).

use std::sync::{Arc, Mutex};

use supervisor_model::{Event, ProcessState};

use crate::events::*;
use crate::process::channel::Channel;

fn change(to: ProcessState) -> StateChange<'static> {
    StateChange {
        name: "web",
        group: "web",
        from: ProcessState::Starting,
        to,
        expected: Some(true),
        pid: Some(42),
        tries: 2,
    }
}

#[test]
fn payloads_are_supervisors() {
    assert_eq!(ProcessState::Backoff.event_name(), "PROCESS_STATE_BACKOFF");
    assert_eq!(
        state_payload(&change(ProcessState::Backoff)),
        "processname:web groupname:web from_state:STARTING tries:2"
    );
    assert_eq!(
        state_payload(&change(ProcessState::Running)),
        "processname:web groupname:web from_state:STARTING pid:42"
    );
    assert_eq!(
        state_payload(&change(ProcessState::Exited)),
        "processname:web groupname:web from_state:STARTING expected:1 pid:42"
    );
    assert_eq!(
        state_payload(&change(ProcessState::Fatal)),
        "processname:web groupname:web from_state:STARTING"
    );
}

fn collecting(into: &Arc<Mutex<Vec<PoolEvent>>>) -> PoolSink {
    let into = into.clone();
    Box::new(move |e| into.lock().unwrap().push(e))
}

#[test]
fn output_payloads_are_supervisors() {
    assert_eq!(
        process_log("web", "grp", 7, "stderr", b"hi\n"),
        "processname:web groupname:grp pid:7 channel:stderr\nhi\n"
    );
    assert_eq!(
        process_communication("web", "web", 7, b"\xff"),
        "processname:web groupname:web pid:7\nUndecodable: b'\\xff'"
    );
}

#[tokio::test]
async fn serials_are_supervisors_and_nobody_listening_is_free() {
    let bus = EventBus::new();
    bus.publish("TICK_5", "when:5".into());
    let ticks = Arc::new(Mutex::new(Vec::new()));
    let states = Arc::new(Mutex::new(Vec::new()));
    bus.add_pool("ticks", &["TICK".into()], collecting(&ticks));
    bus.add_pool("states", &["EVENT".into()], collecting(&states));
    let mut watcher = bus.subscribe();
    bus.publish("TICK_5", "when:10".into());
    bus.publish("PROCESS_STATE_RUNNING", "x".into());
    bus.publish("TICK_60", "when:60".into());
    let got = |v: &Arc<Mutex<Vec<PoolEvent>>>| {
        v.lock()
            .unwrap()
            .iter()
            .map(|e| (e.serial, e.pool_serial, e.event.name.clone()))
            .collect::<Vec<_>>()
    };
    // The first event went unnumbered (no pool); then one global serial shared
    // by the pools taking an event, and a pool serial per pool.
    assert_eq!(
        got(&ticks),
        [(0, 0, "TICK_5".into()), (2, 1, "TICK_60".into())]
    );
    assert_eq!(
        got(&states),
        [
            (0, 0, "TICK_5".into()),
            (1, 1, "PROCESS_STATE_RUNNING".into()),
            (2, 2, "TICK_60".into())
        ]
    );
    let serials = [(); 3].map(|()| watcher.try_recv().unwrap().serial);
    assert_eq!(serials, [Some(0), Some(1), Some(2)]);
    bus.remove_pool("ticks");
    bus.remove_pool("states");
    bus.publish("TICK_5", "when:15".into());
    let e = watcher.recv().await.unwrap();
    assert_eq!((e.serial, e.payload.as_str()), (None, "when:15"));
    assert_eq!(got(&ticks).len(), 2);
}

fn hears(bus: &EventBus) -> (bool, bool) {
    (
        bus.hears_log(Channel::Stdout),
        bus.hears_log(Channel::Stderr),
    )
}

fn none() -> PoolSink {
    Box::new(|_| {})
}

#[tokio::test]
async fn output_is_heard_while_a_pool_takes_it_or_a_watcher_lives() {
    let bus = EventBus::new();
    let events = |e: &[&str]| e.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(hears(&bus), (false, false));
    bus.add_pool("ticks", &events(&["TICK", "PROCESS_STATE"]), none());
    assert_eq!(hears(&bus), (false, false));
    bus.add_pool("out", &events(&["PROCESS_LOG_STDOUT"]), none());
    assert_eq!(hears(&bus), (true, false));
    bus.add_pool("all", &events(&["EVENT"]), none());
    assert_eq!(hears(&bus), (true, true));
    // `update` narrows one and widens another (the abstract type covers both).
    bus.set_pool_events("all", &events(&["PROCESS_COMMUNICATION"]));
    assert_eq!(hears(&bus), (true, false));
    bus.set_pool_events("ticks", &events(&["PROCESS_LOG"]));
    assert_eq!(hears(&bus), (true, true));
    // A pool replaced by one of the same name counts once, with its new types.
    bus.add_pool("ticks", &events(&["PROCESS_LOG_STDERR"]), none());
    assert_eq!(hears(&bus), (true, true));
    bus.remove_pool("out");
    assert_eq!(hears(&bus), (false, true));
    bus.remove_pool("ticks");
    bus.remove_pool("gone");
    assert_eq!(hears(&bus), (false, false));

    // A watcher hears what its types cover while it lives; one of states nothing.
    let state_changes = bus.subscribe_to(&events(&["PROCESS_STATE", "TICK_5"]));
    assert_eq!(hears(&bus), (false, false));
    let event = |name: &str| Event {
        serial: None,
        name: name.into(),
        payload: String::new(),
    };
    assert!(state_changes.wants(&event("PROCESS_STATE_RUNNING")));
    assert!(state_changes.wants(&event("TICK_5")));
    assert!(!state_changes.wants(&event("TICK_60")));
    assert!(!state_changes.wants(&event("PROCESS_LOG_STDOUT")));
    let first = bus.subscribe();
    let second = bus.subscribe_to(&events(&["PROCESS_LOG_STDERR"]));
    assert_eq!(hears(&bus), (true, true));
    drop(first);
    assert_eq!(hears(&bus), (false, true));
    drop(second);
    assert_eq!(hears(&bus), (false, false));
    drop(state_changes);
}
