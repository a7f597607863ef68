//! The event bus: every event supervisord emits (process state changes, output,
//! capture blocks, group added/removed, supervisord state, ticks, remote
//! communication) is published here and handed, at the moment it happens, to every
//! listener pool subscribed to it and to the gRPC watchers. It outlives reloads: one
//! bus per daemon.
//!
//! Numbering is Supervisor's: the global serial is taken only when some pool accepts
//! the event, and each pool numbers what it accepts with its own pool serial. Both are
//! assigned under one lock together with the hand-over, so every pool sees serials in
//! increasing order even when two actors publish at once. Pools get every event
//! (their own `buffer_size` rule decides what is dropped); a watcher that falls
//! behind loses the oldest events and is told how many (it never slows a publisher).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use supervisor_model::{Event, ProcessState, subscribes};
use tokio::sync::{Notify, broadcast};

use supervisor_model::py_text;

/// Events a slow watcher may lag behind before it starts losing them.
const BACKLOG: usize = 4096;

/// An event as one pool accepted it.
#[derive(Debug, Clone)]
pub struct PoolEvent {
    pub event: Arc<Event>,
    /// The global serial (always set for an event a pool accepted).
    pub serial: u64,
    pub pool_serial: u64,
}

/// How a pool is handed its events (its actor's mailbox; never blocks).
pub type PoolSink = Box<dyn Fn(PoolEvent) + Send + Sync>;

struct Pool {
    name: String,
    /// `events=` of the `[eventlistener:x]` section.
    events: Vec<String>,
    next_serial: u64,
    sink: PoolSink,
}

#[derive(Clone)]
pub struct EventBus {
    tx: broadcast::Sender<Arc<Event>>,
    inner: Arc<Mutex<Pools>>,
    /// One allocation for the rest: a bus is carried by every output pump.
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    /// Events published since the daemon started (metrics).
    published: AtomicU64,
    /// A process's child came or went (see [`EventBus::child_changed`]).
    children: Notify,
}

#[derive(Default)]
struct Pools {
    next_serial: u64,
    pools: Vec<Pool>,
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
            inner: Arc::new(Mutex::new(Pools::default())),
            shared: Arc::default(),
        }
    }

    /// A process's child was spawned or reaped. Not an event: what needs the set of
    /// live children (the leftovers file) waits on this instead of subscribing to
    /// every event, which made every event be formed and broadcast even with no
    /// listener (BENCHMARKS.md, churn).
    pub fn child_changed(&self) {
        self.shared.children.notify_one();
    }

    /// Resolves after the next [`EventBus::child_changed`] (or at once if one came
    /// since the last wait: a change is never missed).
    pub async fn children_changed(&self) {
        self.shared.children.notified().await;
    }

    fn pools(&self) -> std::sync::MutexGuard<'_, Pools> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Subscribes the pool `name` to `events` (Supervisor subscribes a pool when it
    /// creates it, so a pool sees its own PROCESS_GROUP_ADDED). A pool of the same
    /// name is replaced; its pool serials start again from 0.
    pub fn add_pool(&self, name: &str, events: &[String], sink: PoolSink) {
        let mut pools = self.pools();
        pools.pools.retain(|p| p.name != name);
        pools.pools.push(Pool {
            name: name.to_string(),
            events: events.to_vec(),
            next_serial: 0,
            sink,
        });
    }

    /// `update` changed the pool's `events=`: it hears the new types from now on,
    /// its pool serials carrying on.
    pub fn set_pool_events(&self, name: &str, events: &[String]) {
        if let Some(pool) = self.pools().pools.iter_mut().find(|p| p.name == name) {
            pool.events = events.to_vec();
        }
    }

    /// Unsubscribes the pool `name` (before its group is removed, so it does not
    /// see its own PROCESS_GROUP_REMOVED, as in Supervisor).
    pub fn remove_pool(&self, name: &str) {
        self.pools().pools.retain(|p| p.name != name);
    }

    /// Publishes `name` with `payload` to the pools subscribed to it and to the
    /// watchers; free when nobody listens.
    pub fn publish(&self, name: &str, payload: String) {
        self.publish_with(name, || payload);
    }

    /// [`EventBus::publish`], the payload formed only if somebody hears it.
    pub fn publish_with(&self, name: &str, payload: impl FnOnce() -> String) {
        self.shared.published.fetch_add(1, Ordering::Relaxed);
        let mut pools = self.pools();
        let Pools { next_serial, pools } = &mut *pools;
        let mut takers = pools
            .iter_mut()
            .filter(|p| p.events.iter().any(|e| subscribes(e, name)))
            .peekable();
        if takers.peek().is_none() && self.tx.receiver_count() == 0 {
            return;
        }
        let serial = takers.peek().is_some().then(|| {
            let s = *next_serial;
            *next_serial = next_serial.wrapping_add(1);
            s
        });
        let event = Arc::new(Event {
            serial,
            name: name.to_string(),
            payload: payload(),
        });
        for pool in takers {
            let pool_serial = pool.next_serial;
            pool.next_serial = pool.next_serial.wrapping_add(1);
            (pool.sink)(PoolEvent {
                event: event.clone(),
                serial: serial.unwrap_or_default(),
                pool_serial,
            });
        }
        if self.tx.receiver_count() > 0 {
            let _ = self.tx.send(event);
        }
    }

    /// Events published so far, listened to or not.
    pub fn published(&self) -> u64 {
        self.shared.published.load(Ordering::Relaxed)
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

/// `PROCESS_STATE_<TO>` and its payload (events.py, each event's `payload`).
pub fn process_state(c: &StateChange<'_>) -> (&'static str, String) {
    (c.to.event_name(), state_payload(c))
}

/// The payload of a `PROCESS_STATE_*` event.
pub fn state_payload(c: &StateChange<'_>) -> String {
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
    payload
}

/// The payload of the PROCESS_HEALTH_* events (beyond Supervisor): the process,
/// its pid, and what the check found.
pub fn process_health(name: &str, group: &str, pid: Option<i32>, detail: &str) -> String {
    format!(
        "processname:{name} groupname:{group} pid:{}\n{detail}",
        pid.unwrap_or(0)
    )
}

/// `PROCESS_LOG_STDOUT`/`_STDERR` for one chunk read from a child (events.py, each event's `payload`).
pub fn process_log(name: &str, group: &str, pid: i32, channel: &str, data: &[u8]) -> String {
    format!(
        "processname:{name} groupname:{group} pid:{pid} channel:{channel}\n{}",
        py_text(data)
    )
}

/// `PROCESS_COMMUNICATION_STDOUT`/`_STDERR` for one captured block (dispatchers.py `POutputDispatcher.toggle_capturemode`).
pub fn process_communication(name: &str, group: &str, pid: i32, data: &[u8]) -> String {
    format!(
        "processname:{name} groupname:{group} pid:{pid}\n{}",
        py_text(data)
    )
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
                "PROCESS_STATE_BACKOFF",
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
}
