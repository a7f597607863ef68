//! The event bus: every event supervisord emits (process state changes, group
//! added/removed, supervisord state, remote communication) is published here with a
//! global serial and fanned out to subscribers. It outlives reloads: one bus per
//! daemon. A subscriber that falls behind loses the oldest events and is told how
//! many (it never slows a publisher).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use supervisor_model::{Event, ProcessState};
use tokio::sync::broadcast;

/// Events a slow subscriber may lag behind before it starts losing them.
const BACKLOG: usize = 4096;

#[derive(Clone)]
pub struct EventBus {
    tx: broadcast::Sender<Arc<Event>>,
    serial: Arc<AtomicU64>,
}

impl Default for EventBus {
    fn default() -> Self {
        EventBus::new()
    }
}

impl EventBus {
    pub fn new() -> EventBus {
        EventBus {
            tx: broadcast::channel(BACKLOG).0,
            serial: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Publishes `name` with `payload`; free when nobody listens.
    pub fn publish(&self, name: &str, payload: String) {
        if self.tx.receiver_count() == 0 {
            return;
        }
        let serial = self.serial.fetch_add(1, Ordering::Relaxed);
        let _ = self.tx.send(Arc::new(Event {
            serial,
            name: name.to_string(),
            payload,
        }));
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.tx.subscribe()
    }
}

/// What a PROCESS_STATE_* event says about the process at the moment of change.
pub struct StateChange<'a> {
    pub name: &'a str,
    pub group: &'a str,
    pub from: ProcessState,
    pub to: ProcessState,
    pub expected: Option<bool>,
    pub pid: Option<i32>,
    pub tries: u32,
}

/// `PROCESS_STATE_<TO>` and its payload (spec §7.1).
pub fn process_state(c: &StateChange<'_>) -> (String, String) {
    let mut payload = format!(
        "processname:{} groupname:{} from_state:{}",
        c.name,
        c.group,
        c.from.name()
    );
    let pid = c.pid.unwrap_or(0);
    match c.to {
        ProcessState::Starting | ProcessState::Backoff => {
            payload.push_str(&format!(" tries:{}", c.tries));
        }
        ProcessState::Running | ProcessState::Stopping | ProcessState::Stopped => {
            payload.push_str(&format!(" pid:{pid}"));
        }
        ProcessState::Exited => {
            let expected = u8::from(c.expected.unwrap_or(false));
            payload.push_str(&format!(" expected:{expected} pid:{pid}"));
        }
        ProcessState::Fatal | ProcessState::Unknown => {}
    }
    (format!("PROCESS_STATE_{}", c.to.name()), payload)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(
            process_state(&change(ProcessState::Backoff)),
            (
                "PROCESS_STATE_BACKOFF".into(),
                "processname:web groupname:web from_state:STARTING tries:2".into()
            )
        );
        assert_eq!(
            process_state(&change(ProcessState::Running)).1,
            "processname:web groupname:web from_state:STARTING pid:42"
        );
        assert_eq!(
            process_state(&change(ProcessState::Exited)).1,
            "processname:web groupname:web from_state:STARTING expected:1 pid:42"
        );
        assert_eq!(
            process_state(&change(ProcessState::Fatal)).1,
            "processname:web groupname:web from_state:STARTING"
        );
    }

    #[tokio::test]
    async fn serials_count_from_zero_and_nobody_listening_is_free() {
        let bus = EventBus::new();
        bus.publish("TICK_5", "when:5".into());
        let mut rx = bus.subscribe();
        bus.publish("TICK_5", "when:10".into());
        let e = rx.recv().await.unwrap();
        assert_eq!((e.serial, e.payload.as_str()), (0, "when:10"));
    }
}
