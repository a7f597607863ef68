//! The reaper: the one owner of every `wait` in the process. It wakes on SIGCHLD
//! (never on a timer; how the signal reaches it: sigchld.rs), collects every dead child with `waitpid(-1, WNOHANG)` until none
//! is left, and routes each status to whoever registered that pid. Statuses nobody
//! registered (orphans adopted as subreaper, or a child whose owner went away) are kept
//! for a grace period so a late `register` still gets them, then reported as orphans.
//!
//! No other code may call `wait*`: `std::process::Child::wait` or `tokio::process`
//! would race the reaper for the same status (crates.md A3, the reaper trap).
//!
//! **The spawn/exit race.** A reap pass (`waitpid` and the routing of what it
//! collected) and a fork (the `fork()` and the insertion of the new pid) never
//! overlap: forks hold the `gate` shared, a reap pass holds it exclusively. So even a
//! child that exits before `fork()` returns in the parent is routed to its owner: no
//! status of a child we spawned ever lands in the unclaimed store, and a status
//! reaped before a fork reused its pid is routed (to the store) before that fork.
//! The store serves [`Reaper::register`] for pids learned some other way (an actor
//! re-adopting a live child after a crash).
//!
//! **Nobody waits for a fork.** A fork holds the gate until the child has exec'd
//! (`CLONE_VFORK`), a few hundred microseconds. Forks share it, so spawns on two
//! threads do not queue behind each other, and a reap pass that finds a fork in
//! progress leaves a request (`pending`) and returns instead of putting its runtime
//! worker to sleep; the last fork to let go runs the pass ([`Reaper::let_go`]).
//! Measured: a worker blocked on the lock for every SIGCHLD or spawn that met a fork
//! was a tenth of a restart's CPU (BENCHMARKS.md, churn). The SeqCst fences on both
//! sides make sure one of the two sees the other: the request is seen, or the gate
//! is found free.

// This module makes raw syscalls; each `unsafe` block states why it is sound.
#![allow(unsafe_code)]

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering, fence};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, TryLockError};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use crate::exit::decode_wait_status;
use crate::sigchld::ChildSignals;
use supervisor_model::ExitStatus;

/// How long and how many unclaimed statuses are kept before they become orphans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReaperConfig {
    /// Time an unclaimed status waits for a late [`Reaper::register`].
    pub grace: Duration,
    /// At most this many unclaimed statuses are kept; the oldest is reported first.
    pub capacity: usize,
    /// Capacity of the orphan channel; orphans beyond it are dropped (never blocks).
    pub orphan_queue: usize,
}

impl Default for ReaperConfig {
    fn default() -> Self {
        ReaperConfig {
            grace: Duration::from_secs(1),
            capacity: 256,
            orphan_queue: 1024,
        }
    }
}

/// A reaped process nobody registered; the daemon logs
/// `reaped unknown pid <pid> (<exit message>)` (supervisord.py `reap`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Orphan {
    pub pid: i32,
    pub status: ExitStatus,
}

impl fmt::Display for Orphan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "reaped unknown pid {} ({})", self.pid, self.status)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReaperError {
    #[error("a reaper is already running in this process (there must be one owner of wait)")]
    AlreadyStarted,
    #[error("cannot listen for SIGCHLD")]
    Signal(#[source] std::io::Error),
    #[error("cannot become a child subreaper")]
    Subreaper(#[source] nix::Error),
}

/// A cloneable handle on the reaper task.
#[derive(Clone)]
pub struct Reaper {
    inner: Arc<Inner>,
}

struct Inner {
    table: Mutex<Table>,
    /// Held shared by forks, exclusively by a reap pass (see the module doc).
    gate: RwLock<()>,
    /// A reap pass found a fork in progress: the last fork runs one when it lets go.
    pending: AtomicBool,
    config: ReaperConfig,
    orphan_tx: mpsc::Sender<Orphan>,
    orphan_rx: Mutex<Option<mpsc::Receiver<Orphan>>>,
    runtime: tokio::runtime::Handle,
}

#[derive(Default)]
struct Table {
    waiting: HashMap<i32, oneshot::Sender<ExitStatus>>,
    unclaimed: HashMap<i32, Unclaimed>,
    next_ticket: u64,
}

struct Unclaimed {
    status: ExitStatus,
    /// Insertion order: the expiry task only removes the entry it was armed for.
    ticket: u64,
}

impl fmt::Debug for Reaper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let table = lock(&self.inner.table);
        let (waiting, unclaimed) = (table.waiting.len(), table.unclaimed.len());
        drop(table);
        f.debug_struct("Reaper")
            .field("waiting", &waiting)
            .field("unclaimed", &unclaimed)
            .field("config", &self.inner.config)
            .finish()
    }
}

impl Reaper {
    /// Start the reaper with the default [`ReaperConfig`]. Must be called inside a tokio
    /// runtime; the reaper task lives as long as that runtime.
    pub fn start() -> Result<Reaper, ReaperError> {
        Reaper::start_with(ReaperConfig::default())
    }

    /// Start the reaper; at most once per process ([`ReaperError::AlreadyStarted`]):
    /// two `waitpid(-1)` loops would steal each other's statuses.
    pub fn start_with(config: ReaperConfig) -> Result<Reaper, ReaperError> {
        static STARTED: AtomicBool = AtomicBool::new(false);
        if STARTED.swap(true, Ordering::SeqCst) {
            return Err(ReaperError::AlreadyStarted);
        }
        // The signal stream exists before the first reap pass, so a SIGCHLD arriving
        // after that pass is never lost, and one that arrived before is covered by it.
        let mut sigchld = ChildSignals::listen().map_err(ReaperError::Signal)?;
        let (orphan_tx, orphan_rx) = mpsc::channel(config.orphan_queue.max(1));
        let reaper = Reaper {
            inner: Arc::new(Inner {
                table: Mutex::new(Table::default()),
                gate: RwLock::new(()),
                pending: AtomicBool::new(false),
                config,
                orphan_tx,
                orphan_rx: Mutex::new(Some(orphan_rx)),
                runtime: tokio::runtime::Handle::current(),
            }),
        };
        let task = reaper.clone();
        tokio::spawn(async move {
            loop {
                task.reap_all();
                if !sigchld.next().await {
                    break;
                }
            }
        });
        Ok(reaper)
    }

    /// The orphan stream; the first call gets it, later calls get `None`.
    pub fn orphans(&self) -> Option<mpsc::Receiver<Orphan>> {
        lock(&self.inner.orphan_rx).take()
    }

    /// Ask for the exit status of `pid`, a child of this process that was not started
    /// by [`spawn`](crate::spawn) (e.g. re-adopted after an actor restart). If it
    /// already died within the grace period, the status is delivered at once. A pid
    /// registered twice replaces the first registration.
    pub fn register(&self, pid: i32) -> oneshot::Receiver<ExitStatus> {
        let (tx, rx) = oneshot::channel();
        let mut table = lock(&self.inner.table);
        match table.unclaimed.remove(&pid) {
            Some(unclaimed) => {
                let _ = tx.send(unclaimed.status);
            }
            None => {
                table.waiting.insert(pid, tx);
            }
        }
        drop(table);
        rx
    }

    /// Run `fork` with the table locked and register the pid it returns before the
    /// lock is released (see the module doc). `fork` returns the child's pid (> 0);
    /// the child side of the fork never returns into this function.
    pub(crate) fn fork_registered<E>(
        &self,
        fork: impl FnOnce() -> Result<i32, E>,
    ) -> Result<(i32, oneshot::Receiver<ExitStatus>), E> {
        let gate = self.inner.gate.read().unwrap_or_else(|p| p.into_inner());
        let pid = match fork() {
            Ok(pid) => pid,
            Err(e) => {
                self.let_go(gate);
                return Err(e);
            }
        };
        let (tx, rx) = oneshot::channel();
        let stale = {
            let mut table = lock(&self.inner.table);
            table.waiting.insert(pid, tx);
            table.unclaimed.remove(&pid)
        };
        // A status kept under this pid belongs to an earlier process that had the same
        // pid: it is an orphan now, never the new child's status.
        if let Some(stale) = stale {
            self.report(Orphan {
                pid,
                status: stale.status,
            });
        }
        self.let_go(gate);
        Ok((pid, rx))
    }

    /// A reap pass found a fork in progress and left its request (tests).
    #[cfg(test)]
    pub(crate) fn reap_pending(&self) -> bool {
        self.inner.pending.load(Ordering::SeqCst)
    }

    /// Ends a fork's hold on the gate and runs the reap pass that found it held.
    fn let_go(&self, gate: RwLockReadGuard<'_, ()>) {
        drop(gate);
        fence(Ordering::SeqCst);
        if self.inner.pending.load(Ordering::SeqCst) {
            self.reap_all();
        }
    }

    /// Collect every dead child now (what a SIGCHLD triggers), or, if a fork is in
    /// progress, leave the pass to it (see the module doc).
    fn reap_all(&self) {
        loop {
            self.inner.pending.store(true, Ordering::SeqCst);
            fence(Ordering::SeqCst);
            let gate = match self.inner.gate.try_write() {
                Ok(g) => g,
                Err(TryLockError::Poisoned(p)) => p.into_inner(),
                Err(TryLockError::WouldBlock) => return,
            };
            // This pass covers every request made so far; one made while it runs
            // (by a reap that found the gate held by us) makes another.
            self.inner.pending.store(false, Ordering::SeqCst);
            self.reap_locked(&mut lock(&self.inner.table));
            drop(gate);
            fence(Ordering::SeqCst);
            if !self.inner.pending.load(Ordering::SeqCst) {
                return;
            }
        }
    }

    fn reap_locked(&self, table: &mut MutexGuard<'_, Table>) {
        loop {
            let mut raw = 0;
            // SAFETY: waitpid only writes the status through the valid pointer we pass.
            let pid = unsafe { libc::waitpid(-1, &mut raw, libc::WNOHANG) };
            if pid > 0 {
                if let Some(status) = decode_wait_status(raw) {
                    self.route(table, pid, status);
                }
                continue;
            }
            if pid < 0 && nix::errno::Errno::last() == nix::errno::Errno::EINTR {
                continue;
            }
            // 0: children remain but none is dead; ECHILD: no children at all.
            break;
        }
    }

    fn route(&self, table: &mut MutexGuard<'_, Table>, pid: i32, status: ExitStatus) {
        if let Some(tx) = table.waiting.remove(&pid) {
            match tx.send(status) {
                Ok(()) => return,
                // The owner went away (an actor crashed): keep the status for the
                // restarted owner's `register`.
                Err(status) => return self.keep_unclaimed(table, pid, status),
            }
        }
        self.keep_unclaimed(table, pid, status);
    }

    fn keep_unclaimed(&self, table: &mut MutexGuard<'_, Table>, pid: i32, status: ExitStatus) {
        if self.inner.config.capacity == 0 || self.inner.config.grace.is_zero() {
            return self.report(Orphan { pid, status });
        }
        while table.unclaimed.len() >= self.inner.config.capacity {
            let oldest = table
                .unclaimed
                .iter()
                .min_by_key(|(_, u)| u.ticket)
                .map(|(&p, _)| p);
            let Some(old_pid) = oldest else { break };
            if let Some(u) = table.unclaimed.remove(&old_pid) {
                self.report(Orphan {
                    pid: old_pid,
                    status: u.status,
                });
            }
        }
        let ticket = table.next_ticket;
        table.next_ticket += 1;
        if let Some(previous) = table.unclaimed.insert(pid, Unclaimed { status, ticket }) {
            self.report(Orphan {
                pid,
                status: previous.status,
            });
        }
        // One deadline per unclaimed status, not a polling timer.
        let reaper = self.clone();
        self.inner.runtime.spawn(async move {
            tokio::time::sleep(reaper.inner.config.grace).await;
            let expired = {
                let mut table = lock(&reaper.inner.table);
                match table.unclaimed.get(&pid) {
                    Some(u) if u.ticket == ticket => table.unclaimed.remove(&pid),
                    _ => None,
                }
            };
            if let Some(u) = expired {
                reaper.report(Orphan {
                    pid,
                    status: u.status,
                });
            }
        });
    }

    fn report(&self, orphan: Orphan) {
        // Never block the reaper: a full or unread queue drops the report.
        let _ = self.inner.orphan_tx.try_send(orphan);
    }
}

/// Become the reaper of orphaned descendants (`PR_SET_CHILD_SUBREAPER`), so that a
/// daemonizing grandchild is reaped here and reported as an orphan instead of being
/// left to init.
pub fn set_child_subreaper() -> Result<(), ReaperError> {
    // SAFETY: PR_SET_CHILD_SUBREAPER takes one integer argument and touches no memory.
    let rc = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1 as libc::c_ulong, 0, 0, 0) };
    if rc == 0 {
        Ok(())
    } else {
        Err(ReaperError::Subreaper(nix::errno::Errno::last()))
    }
}

/// A poisoned lock only means another thread panicked while holding it; the table is
/// still consistent (every update is a single insert or remove), so keep going.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
