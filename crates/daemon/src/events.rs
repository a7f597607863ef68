//! The event bus: every event supervisord emits (process state changes, output,
//! capture blocks, group added/removed, supervisord state, ticks, remote
//! communication) is published here and handed, at the moment it happens, to every
//! listener pool subscribed to it and to the gRPC watchers (and the PROCESS_STATE_*
//! ones to the daemon's own state watcher, `leftovers`). It outlives reloads: one
//! bus per daemon.
//!
//! Numbering is Supervisor's: the global serial is taken only when some pool accepts
//! the event, and each pool numbers what it accepts with its own pool serial. Both are
//! assigned under one lock together with the hand-over, so every pool sees serials in
//! increasing order even when two actors publish at once. Pools get every event
//! (their own `buffer_size` rule decides what is dropped); a watcher that falls
//! behind loses the oldest events and is told how many (it never slows a publisher).
//!
//! The bus also owns who hears a child's output: the pools that would take
//! PROCESS_LOG_STDOUT/_STDERR are counted whenever a pool comes, changes or goes,
//! and so are the watchers alive whose types cover them, so an output pump asks
//! [`EventBus::hears_log`] (two atomic loads, no lock) on every wake-up. In Supervisor an event no pool
//! subscribed to goes nowhere (events.py `notify` finds no callback); here an output
//! chunk nobody hears is not even read: its stream is spliced (process/output.rs).

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use supervisor_model::{Event, ProcessState, py_text, subscribes};
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::sync::{Notify, broadcast};

use crate::process::channel::Channel;

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

/// One bus per daemon; clones share it (one pointer, as every output pump holds one).
#[derive(Clone)]
pub struct EventBus {
    shared: Arc<Shared>,
}

struct Shared {
    /// Every event, to the watchers ([`EventBus::subscribe`]).
    tx: broadcast::Sender<Arc<Event>>,
    pools: Mutex<Pools>,
    /// Events published since the daemon started (metrics; see [`EventBus::published`]).
    published: AtomicU64,
    /// Pools that take PROCESS_LOG_STDOUT and _STDERR: recounted under the pools'
    /// lock whenever a pool comes, changes its `events=` or goes.
    log_takers: [AtomicUsize; 2],
    /// [`Watcher`]s alive (each one takes itself off when dropped).
    watchers: Arc<WatcherCounts>,
    /// A process's child came or went (see [`EventBus::child_changed`]).
    children: Notify,
}

/// The watchers alive, and those of them whose types cover PROCESS_LOG_STDOUT and
/// _STDERR.
#[derive(Default)]
struct WatcherCounts {
    all: AtomicUsize,
    log: [AtomicUsize; 2],
}

#[derive(Default)]
struct Pools {
    next_serial: u64,
    pools: Vec<Pool>,
}

/// A watcher's subscription to some event types from now on (gRPC `WatchEvents`).
/// It is handed every event ([`Watcher::wants`] says which it asked for) so that
/// its lag counts every event lost; while one whose types cover PROCESS_LOG_* is
/// alive, every `*_events_enabled` stream is read to publish its output.
pub struct Watcher {
    rx: broadcast::Receiver<Arc<Event>>,
    names: Vec<String>,
    /// Whether it counts among the watchers of PROCESS_LOG_STDOUT and _STDERR.
    log: [bool; 2],
    counts: Arc<WatcherCounts>,
}

impl Watcher {
    /// Whether `event` is of a type it asked for (a type covers its subtypes,
    /// `EVENT` everything).
    pub fn wants(&self, event: &Event) -> bool {
        self.names.iter().any(|n| subscribes(n, &event.name))
    }

    pub async fn recv(&mut self) -> Result<Arc<Event>, RecvError> {
        self.rx.recv().await
    }

    pub fn try_recv(&mut self) -> Result<Arc<Event>, TryRecvError> {
        self.rx.try_recv()
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.counts.all.fetch_sub(1, Ordering::Relaxed);
        for (count, on) in self.counts.log.iter().zip(self.log) {
            if on {
                count.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }
}

/// `PROCESS_LOG_STDOUT`/`_STDERR`.
fn log_event(channel: Channel) -> String {
    format!("PROCESS_LOG_{}", channel.event_suffix())
}

const CHANNELS: [Channel; 2] = [Channel::Stdout, Channel::Stderr];

/// The slot of a channel's PROCESS_LOG_* type in [`Shared::log_takers`].
fn slot(channel: Channel) -> usize {
    match channel {
        Channel::Stdout => 0,
        Channel::Stderr => 1,
    }
}

impl Default for EventBus {
    fn default() -> Self {
        EventBus::new()
    }
}

impl EventBus {
    pub fn new() -> EventBus {
        EventBus {
            shared: Arc::new(Shared {
                tx: broadcast::channel(BACKLOG).0,
                pools: Mutex::new(Pools::default()),
                published: AtomicU64::new(0),
                log_takers: Default::default(),
                watchers: Arc::default(),
                children: Notify::new(),
            }),
        }
    }

    fn pools(&self) -> std::sync::MutexGuard<'_, Pools> {
        self.shared.pools.lock().unwrap_or_else(|p| p.into_inner())
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
        self.recount(&pools);
    }

    /// `update` changed the pool's `events=`: it hears the new types from now on,
    /// its pool serials carrying on.
    pub fn set_pool_events(&self, name: &str, events: &[String]) {
        let mut pools = self.pools();
        if let Some(pool) = pools.pools.iter_mut().find(|p| p.name == name) {
            pool.events = events.to_vec();
        }
        self.recount(&pools);
    }

    /// Unsubscribes the pool `name` (before its group is removed, so it does not
    /// see its own PROCESS_GROUP_REMOVED, as in Supervisor).
    pub fn remove_pool(&self, name: &str) {
        let mut pools = self.pools();
        pools.pools.retain(|p| p.name != name);
        self.recount(&pools);
    }

    /// Counts the pools taking each PROCESS_LOG_* type (Supervisor's pool subscribes
    /// to its `events=` types, process.py `EventListenerPool._subscribe`; a type
    /// covers its subtypes, `EVENT` everything). Called with the pools' lock held, so
    /// the counts always follow the last change; a pump may splice one more chunk
    /// it had started on before it sees a new count (Relaxed: nothing else is
    /// ordered by it).
    fn recount(&self, pools: &Pools) {
        for channel in CHANNELS {
            let name = log_event(channel);
            let takers = pools
                .pools
                .iter()
                .filter(|p| p.events.iter().any(|e| subscribes(e, &name)))
                .count();
            self.shared.log_takers[slot(channel)].store(takers, Ordering::Relaxed);
        }
    }

    /// Whether a PROCESS_LOG_* event of `channel` would reach anyone: a pool that
    /// takes it or a watcher of it. Lock-free; asked by an output pump on every
    /// wake-up.
    pub fn hears_log(&self, channel: Channel) -> bool {
        self.shared.log_takers[slot(channel)].load(Ordering::Relaxed) > 0
            || self.shared.watchers.log[slot(channel)].load(Ordering::Relaxed) > 0
    }

    /// A process's child was spawned or reaped. Not an event: what needs the set of
    /// live children (the leftovers file) waits on this instead of subscribing to
    /// events, which made every state change be formed and sent even with no
    /// listener (BENCHMARKS.md, churn).
    pub fn child_changed(&self) {
        self.shared.children.notify_one();
    }

    /// Resolves after the next [`EventBus::child_changed`] (or at once if one came
    /// since the last wait: a change is never missed).
    pub async fn children_changed(&self) {
        self.shared.children.notified().await;
    }

    /// Publishes `name` with `payload` to the pools subscribed to it and to the
    /// watchers; free when nobody listens.
    pub fn publish(&self, name: &str, payload: String) {
        self.publish_with(name, || payload);
    }

    /// [`EventBus::publish`], the payload formed only if somebody hears it.
    pub fn publish_with(&self, name: &str, payload: impl FnOnce() -> String) {
        let shared = &*self.shared;
        shared.published.fetch_add(1, Ordering::Relaxed);
        let watched = shared.watchers.all.load(Ordering::Relaxed) > 0;
        let mut pools = self.pools();
        let Pools { next_serial, pools } = &mut *pools;
        let mut takers = pools
            .iter_mut()
            .filter(|p| p.events.iter().any(|e| subscribes(e, name)))
            .peekable();
        if takers.peek().is_none() && !watched {
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
        if watched {
            let _ = shared.tx.send(event);
        }
    }

    /// Events published so far: every [`EventBus::publish`], heard or not. Output
    /// chunks (PROCESS_LOG_*) are published only while someone hears them
    /// ([`EventBus::hears_log`]): one nobody hears is never formed, so not counted.
    pub fn published(&self) -> u64 {
        self.shared.published.load(Ordering::Relaxed)
    }

    /// Every event from now on. See [`Watcher`].
    pub fn subscribe(&self) -> Watcher {
        self.subscribe_to(&["EVENT".to_string()])
    }

    /// The events of the types `names` from now on (a gRPC watcher). See [`Watcher`].
    pub fn subscribe_to(&self, names: &[String]) -> Watcher {
        let counts = self.shared.watchers.clone();
        let log = CHANNELS.map(|c| names.iter().any(|n| subscribes(n, &log_event(c))));
        counts.all.fetch_add(1, Ordering::Relaxed);
        for (count, on) in counts.log.iter().zip(log) {
            if on {
                count.fetch_add(1, Ordering::Relaxed);
            }
        }
        Watcher {
            rx: self.shared.tx.subscribe(),
            names: names.to_vec(),
            log,
            counts,
        }
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

/// The payload of a `PROCESS_STATE_*` event (events.py, each event's `payload`); its
/// name is [`ProcessState::event_name`].
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
