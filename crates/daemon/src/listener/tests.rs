//! The pool's rules, driven with a recording stdin.

use std::sync::Arc;

use supervisor_model::{Event, LogLevel, ProcessState};

use super::protocol::ListenerState;
use super::{Effect, Pool, Stdin};
use crate::events::PoolEvent;

#[derive(Default)]
struct Recorder {
    writes: Vec<(usize, String)>,
    closed: Vec<usize>,
}

impl Stdin for Recorder {
    fn write(&mut self, listener: usize, bytes: Vec<u8>) -> bool {
        if self.closed.contains(&listener) {
            return false;
        }
        self.writes
            .push((listener, String::from_utf8(bytes).expect("utf-8")));
        true
    }
}

fn event(serial: u64, name: &str, payload: &str) -> PoolEvent {
    PoolEvent {
        event: Arc::new(Event {
            serial: Some(serial),
            name: name.into(),
            payload: payload.into(),
        }),
        serial,
        pool_serial: serial,
    }
}

/// A pool of `n` listeners, all spawned, RUNNING and READY.
fn ready_pool(n: usize, buffer_size: usize, io: &mut Recorder) -> Pool {
    let names: Vec<String> = (0..n).map(|i| format!("l{i}")).collect();
    let mut pool = Pool::new("pool", "supervisor", buffer_size, &names);
    for i in 0..n {
        pool.spawned(i, 100 + i as i32);
        pool.state(i, ProcessState::Running, io);
        pool.output(i, 100 + i as i32, b"READY\n", io);
    }
    pool
}

fn logs(fx: &[Effect], level: LogLevel) -> Vec<String> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Log(l, m) if *l == level => Some(m.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn the_envelope_counts_characters_not_bytes() {
    let mut io = Recorder::default();
    let mut pool = ready_pool(1, 10, &mut io);
    pool.accept(event(7, "REMOTE_COMMUNICATION", "type:x\nhé"), &mut io);
    assert_eq!(
        io.writes,
        [(
            0,
            "ver:3.0 server:supervisor serial:7 pool:pool poolserial:7 \
             eventname:REMOTE_COMMUNICATION len:9\ntype:x\nhé"
                .to_string()
        )]
    );
    assert_eq!(pool.listener_state(0), Some(ListenerState::Busy));
}

#[test]
fn one_event_per_listener_and_the_first_ready_one_gets_it() {
    let mut io = Recorder::default();
    let mut pool = ready_pool(2, 10, &mut io);
    for s in 0..3 {
        pool.accept(event(s, "TICK_5", "when:5"), &mut io);
    }
    let to: Vec<usize> = io.writes.iter().map(|w| w.0).collect();
    assert_eq!(to, [0, 1]);
    assert_eq!(pool.buffered(), 1);
    // l1 answers OK and is ready again at once: it gets the third event.
    let fx = pool.output(1, 101, b"RESULT 2\nOKREADY\n", &mut io);
    assert_eq!(io.writes.len(), 3);
    assert_eq!(io.writes[2].0, 1);
    assert!(logs(&fx, LogLevel::Debug).contains(&"l1: event was processed".to_string()));
}

#[test]
fn a_rejected_event_is_redelivered_first() {
    let mut io = Recorder::default();
    let mut pool = ready_pool(1, 10, &mut io);
    pool.accept(event(0, "TICK_5", "when:5"), &mut io);
    pool.accept(event(1, "TICK_5", "when:10"), &mut io);
    let fx = pool.output(0, 100, b"RESULT 4\nFAIL", &mut io);
    assert_eq!(logs(&fx, LogLevel::Warn), ["l0: event was rejected"]);
    assert_eq!(
        logs(&fx, LogLevel::Debug),
        [
            "l0: BUSY -> ACKNOWLEDGED",
            "rebuffering event 0 for pool pool (buf size=1, max=10)"
        ]
    );
    pool.output(0, 100, b"READY\n", &mut io);
    assert!(io.writes[1].1.contains("serial:0 "), "{:?}", io.writes);
}

#[test]
fn a_smaller_buffer_after_update_discards_the_oldest_and_says_so() {
    let mut io = Recorder::default();
    let names = vec!["l0".to_string()];
    let mut pool = Pool::new("pool", "supervisor", 5, &names);
    for s in 0..4 {
        pool.accept(event(s, "TICK_5", "when:5"), &mut io);
    }
    assert!(pool.resize(10).is_empty());
    assert_eq!(
        logs(&pool.resize(2), LogLevel::Error),
        [
            "pool pool event buffer overflowed, discarding event 0",
            "pool pool event buffer overflowed, discarding event 1"
        ]
    );
    assert_eq!((pool.buffered(), pool.overflowed), (2, 2));
}

#[test]
fn overflow_discards_the_oldest_and_says_so() {
    let mut io = Recorder::default();
    let names = vec!["l0".to_string()];
    let mut pool = Pool::new("pool", "supervisor", 2, &names);
    let mut errors = Vec::new();
    for s in 0..4 {
        errors.extend(logs(
            &pool.accept(event(s, "TICK_5", "when:5"), &mut io),
            LogLevel::Error,
        ));
    }
    assert_eq!(
        errors,
        [
            "pool pool event buffer overflowed, discarding event 0",
            "pool pool event buffer overflowed, discarding event 1"
        ]
    );
    assert_eq!((pool.buffered(), pool.overflowed), (2, 2));
    // Nothing is sent before the listener is RUNNING and READY.
    pool.spawned(0, 9);
    pool.output(0, 9, b"READY\n", &mut io);
    assert!(io.writes.is_empty());
    pool.state(0, ProcessState::Running, &mut io);
    assert!(io.writes[0].1.contains("serial:2 "));
}

#[test]
fn a_listener_dying_while_busy_gives_its_event_back() {
    let mut io = Recorder::default();
    let mut pool = ready_pool(1, 10, &mut io);
    pool.accept(event(3, "TICK_5", "when:5"), &mut io);
    pool.state(0, ProcessState::Exited, &mut io);
    assert_eq!(pool.buffered(), 1);
    // Its next incarnation gets it.
    pool.spawned(0, 200);
    pool.state(0, ProcessState::Running, &mut io);
    // Output of the dead incarnation is ignored.
    pool.output(0, 100, b"READY\n", &mut io);
    assert_eq!(io.writes.len(), 1);
    pool.output(0, 200, b"READY\n", &mut io);
    assert_eq!(io.writes.len(), 2);
    assert!(io.writes[1].1.contains("serial:3 "));
}

#[test]
fn a_closed_stdin_leaves_the_event_queued_for_another_listener() {
    let mut io = Recorder {
        closed: vec![0],
        ..Recorder::default()
    };
    let mut pool = ready_pool(2, 10, &mut io);
    let fx = pool.accept(event(0, "TICK_5", "when:5"), &mut io);
    assert_eq!(io.writes.len(), 1);
    assert_eq!(io.writes[0].0, 1);
    assert!(logs(&fx, LogLevel::Debug)[0].starts_with("epipe occurred while sending event 0"));
}

#[test]
fn a_listener_breaking_the_protocol_is_restarted_and_its_event_kept() {
    let mut io = Recorder::default();
    let mut pool = ready_pool(1, 10, &mut io);
    pool.accept(event(5, "TICK_5", "when:5"), &mut io);
    let fx = pool.output(0, 100, b"oops\n", &mut io);
    let warnings = logs(&fx, LogLevel::Warn);
    assert_eq!(warnings[0], "l0: bad result line: 'oops'");
    let fail = |attempt: u32| Effect::Fail {
        listener: 0,
        attempt,
        why: format!(
            "l0: listener broke the event protocol (state UNKNOWN); restarting it as a \
             failed start ({attempt} in a row)"
        ),
    };
    assert!(fx.contains(&fail(1)), "{fx:?}");
    assert_eq!(pool.buffered(), 1);
    // More garbage from the same incarnation asks for nothing more.
    assert!(!pool.output(0, 100, b"more\n", &mut io).contains(&fail(2)));
    // Its process restarts it (BACKOFF first); the next incarnation breaks again:
    // the count goes on, so the backoff grows and FATAL ends it.
    pool.state(0, ProcessState::Backoff, &mut io);
    pool.spawned(0, 200);
    pool.state(0, ProcessState::Running, &mut io);
    assert!(
        pool.output(0, 200, b"garbage!\n", &mut io)
            .contains(&fail(2))
    );
    // A well-behaved incarnation gets the event, and a processed one resets the count.
    pool.state(0, ProcessState::Backoff, &mut io);
    pool.spawned(0, 300);
    pool.state(0, ProcessState::Running, &mut io);
    pool.output(0, 300, b"READY\n", &mut io);
    assert!(io.writes.last().unwrap().1.contains("serial:5 "));
    pool.output(0, 300, b"RESULT 2\nOKREADY\n", &mut io);
    assert!(
        pool.output(0, 300, b"garbage!\n", &mut io)
            .contains(&fail(1))
    );
}

#[test]
fn idle_means_nothing_buffered_and_nothing_in_flight() {
    let mut io = Recorder::default();
    let mut pool = ready_pool(1, 10, &mut io);
    assert!(pool.idle());
    pool.accept(event(0, "TICK_5", "when:5"), &mut io);
    pool.accept(event(1, "TICK_5", "when:10"), &mut io);
    assert!(!pool.idle());
    pool.output(0, 100, b"RESULT 2\nOKREADY\n", &mut io);
    assert!(!pool.idle(), "the second event is in flight");
    pool.output(0, 100, b"RESULT 2\nOK", &mut io);
    assert!(pool.idle());
}
