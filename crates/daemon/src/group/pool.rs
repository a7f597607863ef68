//! A listener pool as its group runs it: the pool's dispatch state
//! ([`crate::listener::Pool`], pure) and the stdin of each listener, fed by the
//! listeners' news. Returns the pool's effects for the group to carry out.

use supervisor_config::EventListenerConfig;
use supervisor_model::ProcessState;

use crate::events::PoolEvent;
use crate::listener::{self, Pool};
use crate::process::api::News;
use crate::process::stdin::StdinWriter;

pub struct PoolRun {
    pool: Pool,
    /// Listener `n`'s stdin while it has a live child.
    stdin: Vec<Option<StdinWriter>>,
}

impl listener::Stdin for Vec<Option<StdinWriter>> {
    fn write(&mut self, listener: usize, bytes: Vec<u8>) -> bool {
        self.get(listener)
            .and_then(Option::as_ref)
            .is_some_and(|w| w.send(bytes))
    }
}

impl PoolRun {
    /// The pool `name` of `listeners` (the group's process names, in order).
    pub fn new(name: &str, server: &str, l: &EventListenerConfig, listeners: &[String]) -> PoolRun {
        PoolRun {
            pool: Pool::new(name, server, l.buffer_size, listeners),
            stdin: vec![None; listeners.len()],
        }
    }

    /// Nothing buffered and nothing in flight.
    pub fn idle(&self) -> bool {
        self.pool.idle()
    }

    pub fn resize(&mut self, buffer_size: usize) -> Vec<listener::Effect> {
        self.pool.resize(buffer_size)
    }

    /// An event from the bus.
    pub fn event(&mut self, event: PoolEvent) -> Vec<listener::Effect> {
        self.pool.accept(event, &mut self.stdin)
    }

    /// News from listener `index`.
    pub fn news(&mut self, index: usize, news: News) -> Vec<listener::Effect> {
        match news {
            News::Spawned { pid, stdin } => {
                self.pool.spawned(index, pid);
                if let Some(slot) = self.stdin.get_mut(index) {
                    *slot = Some(stdin);
                }
                Vec::new()
            }
            News::State(to) => {
                if to.is_stopped() || to == ProcessState::Backoff {
                    // Its stdin pipe closes with the process actor's end.
                    if let Some(slot) = self.stdin.get_mut(index) {
                        *slot = None;
                    }
                }
                self.pool.state(index, to, &mut self.stdin)
            }
            News::Output { pid, data } => self.pool.output(index, pid, &data, &mut self.stdin),
            News::Died => Vec::new(),
        }
    }
}
