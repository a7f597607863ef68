//! An `[eventlistener:x]` pool's dispatch logic (process.py `EventListenerPool`), free of actors so every
//! rule is unit-tested: the FIFO buffer bounded by `buffer_size` (overflow discards
//! the oldest, logged), dispatch of the oldest event to the first listener that is
//! RUNNING and READY, one event per listener at a time, and redelivery of a rejected
//! event at the head of the buffer (a FAIL result, a bad result line, or a listener
//! that died while BUSY).
//!
//! Beyond Supervisor, which leaves a listener that broke the protocol in UNKNOWN
//! forever (receiving nothing until someone restarts it by hand): such a listener is
//! restarted, and the event it held is redelivered. And a rejected event goes back
//! to its own pool only: Supervisor compares processes by priority, so it also
//! re-queues the event in every other pool that has a listener of the same priority
//! (all listeners default to -1), delivering it twice there.
//!
//! The group actor feeds the pool and carries out what it returns.

pub mod protocol;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;

use supervisor_model::{LogLevel, ProcessState};

use crate::events::PoolEvent;
use protocol::{ListenerState, Protocol, Step};

/// What the group actor must do for the pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Log(LogLevel, String),
    /// Stop listener `n` (it broke the protocol); it is started again once stopped.
    Stop(usize),
    /// Start listener `n` again.
    Start(usize),
}

/// Where envelopes go: `write(n, bytes)` queues `bytes` on listener `n`'s stdin and
/// says `false` when its pipe is known to be closed (Supervisor's EPIPE: the event
/// stays queued and the next listener is tried).
pub trait Stdin {
    fn write(&mut self, listener: usize, bytes: Vec<u8>) -> bool;
}

struct Listener {
    name: String,
    pid: Option<i32>,
    running: bool,
    protocol: Protocol,
    /// The event this listener is handling (BUSY).
    event: Option<PoolEvent>,
    /// Stopped because it broke the protocol: start it again once stopped.
    restart: bool,
}

pub struct Pool {
    name: String,
    /// supervisord's `identifier` (the envelope's `server:`).
    server: String,
    buffer_size: usize,
    buffer: VecDeque<PoolEvent>,
    listeners: Vec<Listener>,
    /// Events discarded because the buffer was full.
    pub overflowed: u64,
}

impl Pool {
    /// `listeners` are the process names, in the group's process order.
    pub fn new(name: &str, server: &str, buffer_size: usize, listeners: &[String]) -> Pool {
        Pool {
            name: name.to_string(),
            server: server.to_string(),
            buffer_size: buffer_size.max(1),
            buffer: VecDeque::new(),
            listeners: listeners
                .iter()
                .map(|n| Listener {
                    name: n.clone(),
                    pid: None,
                    running: false,
                    protocol: Protocol::new(n),
                    event: None,
                    restart: false,
                })
                .collect(),
            overflowed: 0,
        }
    }

    /// Events waiting for a listener.
    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }

    /// Nothing buffered and nothing in flight.
    pub fn idle(&self) -> bool {
        self.buffer.is_empty() && self.listeners.iter().all(|l| l.event.is_none())
    }

    /// A listener's protocol state.
    #[cfg(test)]
    pub fn listener_state(&self, n: usize) -> Option<ListenerState> {
        self.listeners.get(n).map(|l| l.protocol.state)
    }

    /// `update` changed `buffer_size`: a smaller buffer discards its oldest events
    /// beyond the new size, as an overflow does.
    pub fn resize(&mut self, buffer_size: usize) -> Vec<Effect> {
        self.buffer_size = buffer_size.max(1);
        let mut fx = Vec::new();
        while self.buffer.len() > self.buffer_size {
            if let Some(old) = self.buffer.pop_front() {
                self.overflowed += 1;
                fx.push(Effect::Log(
                    LogLevel::Error,
                    format!(
                        "pool {} event buffer overflowed, discarding event {}",
                        self.name, old.serial
                    ),
                ));
            }
        }
        fx
    }

    /// The bus handed the pool an event: buffer it, then dispatch.
    pub fn accept(&mut self, event: PoolEvent, stdin: &mut dyn Stdin) -> Vec<Effect> {
        let mut fx = Vec::new();
        self.enqueue(event, false, &mut fx);
        self.dispatch(stdin, &mut fx);
        fx
    }

    /// Supervisor's `_acceptEvent`: a full buffer discards its oldest event first.
    fn enqueue(&mut self, event: PoolEvent, head: bool, fx: &mut Vec<Effect>) {
        if head {
            fx.push(Effect::Log(
                LogLevel::Debug,
                format!(
                    "rebuffering event {} for pool {} (buf size={}, max={})",
                    event.serial,
                    self.name,
                    self.buffer.len(),
                    self.buffer_size
                ),
            ));
        }
        if self.buffer.len() >= self.buffer_size
            && let Some(old) = self.buffer.pop_front()
        {
            self.overflowed += 1;
            fx.push(Effect::Log(
                LogLevel::Error,
                format!(
                    "pool {} event buffer overflowed, discarding event {}",
                    self.name, old.serial
                ),
            ));
        }
        if head {
            self.buffer.push_front(event);
        } else {
            self.buffer.push_back(event);
        }
    }

    /// Listener `n` was spawned as `pid`: a fresh protocol, ACKNOWLEDGED.
    pub fn spawned(&mut self, n: usize, pid: i32) {
        if let Some(l) = self.listeners.get_mut(n) {
            l.pid = Some(pid);
            l.protocol = Protocol::new(&l.name);
        }
    }

    /// Listener `n`'s process changed state. Only RUNNING listeners get events; one
    /// that ended while BUSY gives its event back (Supervisor's `finish`).
    pub fn state(&mut self, n: usize, to: ProcessState, stdin: &mut dyn Stdin) -> Vec<Effect> {
        let mut fx = Vec::new();
        let Some(l) = self.listeners.get_mut(n) else {
            return fx;
        };
        l.running = to == ProcessState::Running;
        if to.is_stopped() || to == ProcessState::Backoff {
            l.pid = None;
            if let Some(event) = l.event.take() {
                self.enqueue(event, true, &mut fx);
            }
            let l = &mut self.listeners[n];
            if l.restart && to.is_stopped() {
                l.restart = false;
                fx.push(Effect::Start(n));
            }
        }
        self.dispatch(stdin, &mut fx);
        fx
    }

    /// Bytes listener `n` (running as `pid`) wrote on stdout.
    pub fn output(
        &mut self,
        n: usize,
        pid: i32,
        data: &[u8],
        stdin: &mut dyn Stdin,
    ) -> Vec<Effect> {
        let mut fx = Vec::new();
        let Some(l) = self.listeners.get_mut(n) else {
            return fx;
        };
        if l.pid != Some(pid) {
            return fx; // a previous incarnation's last words
        }
        for step in l.protocol.feed(data) {
            match step {
                Step::Log(level, msg) => fx.push(Effect::Log(level, msg)),
                Step::Ready | Step::Processed => {
                    self.listeners[n].event = None;
                }
                Step::Rejected => {
                    if let Some(event) = self.listeners[n].event.take() {
                        self.enqueue(event, true, &mut fx);
                    }
                }
                Step::BadResultLine => {
                    let event = self.listeners[n].event.take();
                    if let Some(event) = event {
                        self.enqueue(event, true, &mut fx);
                    }
                    self.broke(n, &mut fx);
                }
                Step::Garbage => self.broke(n, &mut fx),
            }
        }
        self.dispatch(stdin, &mut fx);
        fx
    }

    /// Listener `n` is UNKNOWN: have it restarted (beyond Supervisor, see above).
    fn broke(&mut self, n: usize, fx: &mut Vec<Effect>) {
        let l = &mut self.listeners[n];
        if !l.restart {
            l.restart = true;
            fx.push(Effect::Log(
                LogLevel::Warn,
                format!(
                    "{}: listener broke the event protocol (state UNKNOWN); restarting it",
                    l.name
                ),
            ));
            fx.push(Effect::Stop(n));
        }
    }

    /// Sends buffered events, oldest first, while some listener is RUNNING and READY
    /// (Supervisor's `transition` + `dispatch`: the event nobody could take goes back
    /// to the head, with its `rebuffering` line).
    fn dispatch(&mut self, stdin: &mut dyn Stdin, fx: &mut Vec<Effect>) {
        if self.ready().next().is_none() {
            return;
        }
        while let Some(event) = self.buffer.pop_front() {
            if !self.send(event.clone(), stdin, fx) {
                self.enqueue(event, true, fx);
                return;
            }
        }
    }

    fn ready(&self) -> impl Iterator<Item = usize> + '_ {
        self.listeners
            .iter()
            .enumerate()
            .filter(|(_, l)| l.running && l.protocol.state == ListenerState::Ready)
            .map(|(i, _)| i)
    }

    /// Supervisor's `_dispatchEvent`: the first RUNNING and READY listener whose
    /// stdin takes the envelope gets the event.
    fn send(&mut self, event: PoolEvent, stdin: &mut dyn Stdin, fx: &mut Vec<Effect>) -> bool {
        let candidates: Vec<usize> = self.ready().collect();
        for n in candidates {
            let envelope = self.envelope(&event);
            let l = &mut self.listeners[n];
            if !stdin.write(n, envelope) {
                fx.push(Effect::Log(
                    LogLevel::Debug,
                    format!(
                        "epipe occurred while sending event {} to listener {}, listener state unchanged",
                        event.serial, l.name
                    ),
                ));
                continue;
            }
            l.protocol.sent();
            fx.push(Effect::Log(
                LogLevel::Debug,
                format!("event {} sent to listener {}", event.serial, l.name),
            ));
            l.event = Some(event);
            return true;
        }
        false
    }

    /// The header and payload a listener reads (dispatchers.py `PEventListenerDispatcher`); `len` counts characters,
    /// as Python's `len(str)` does.
    pub fn envelope(&self, e: &PoolEvent) -> Vec<u8> {
        format!(
            "ver:3.0 server:{} serial:{} pool:{} poolserial:{} eventname:{} len:{}\n{}",
            self.server,
            e.serial,
            self.name,
            e.pool_serial,
            e.event.name,
            e.event.payload.chars().count(),
            e.event.payload
        )
        .into_bytes()
    }
}
