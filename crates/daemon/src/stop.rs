//! Stopping the whole tree (shutdown, reload) in order. Supervisor's order: groups
//! by priority, highest value first, equal priorities together (supervisord.py
//! `Supervisor.stop_groups`). Beyond Supervisor, with `depends_on` a process stops
//! only once every process that depends on it has stopped (the reverse of the start
//! order): the tree stops in waves, each wave the not-yet-stopped processes nothing
//! running depends on, the highest priority value among them first; independent
//! branches stop together. While processes remain, the stragglers are reported as
//! Supervisor's `shutdown_report` does: once the first stops went out, then every
//! 3 s (`waiting for a, b to die`, each one's state at blather level).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use supervisor_config::GroupKind;
use supervisor_model::LogLevel;
use tokio::sync::watch;

use crate::group::api::{GroupHandle, GroupMsg};
use crate::mainlog::MainLog;
use crate::snapshot::Snapshot;

/// How long a listener pool may take to deliver its buffered events at shutdown.
const POOL_DRAIN: Duration = Duration::from_secs(1);

type Key = (String, String);

/// Stops every process of `groups`, in the order described in the module doc.
pub async fn stop_all(groups: Vec<Arc<GroupHandle>>, log: &MainLog) {
    let mut report = ShutdownReport::new(&groups, log);
    let has_deps = groups
        .iter()
        .flat_map(|g| g.members.iter())
        .any(|m| !m.config.depends_on.is_empty());
    if has_deps {
        stop_in_waves(&groups, &mut report).await;
    } else {
        stop_by_priority(groups, &mut report).await;
    }
}

/// Supervisor's order, a whole group at a time.
async fn stop_by_priority(mut plan: Vec<Arc<GroupHandle>>, report: &mut ShutdownReport<'_>) {
    plan.sort_by_key(|g| std::cmp::Reverse(g.config.priority));
    let mut rest = plan.as_slice();
    while let Some(first) = rest.first() {
        let priority = first.config.priority;
        let n = rest
            .iter()
            .take_while(|g| g.config.priority == priority)
            .count();
        let (bucket, tail) = rest.split_at(n);
        rest = tail;
        let orders = bucket.iter().map(|g| (g, None)).collect();
        stop_step(orders, report).await;
    }
}

/// Tells each group to stop the members named (`None`: all), then waits until they
/// are stopped, reporting the stragglers as Supervisor does.
async fn stop_step(
    orders: Vec<(&Arc<GroupHandle>, Option<Vec<String>>)>,
    report: &mut ShutdownReport<'_>,
) {
    drain_pools(orders.iter().map(|(g, _)| *g)).await;
    let mut waiting: Vec<watch::Receiver<Snapshot>> = Vec::new();
    for (g, names) in orders {
        let named = |m: &&crate::process::api::Member| {
            names.as_ref().is_none_or(|n| n.contains(&m.config.name))
        };
        for m in g.members.iter().filter(named) {
            waiting.push(m.snapshot.clone());
            report.told.push(m.config.name.clone());
        }
        let _ = g.actor.send_message(GroupMsg::Shutdown(names));
    }
    // The report names states after the stop signals went out, as Supervisor's
    // comes after `stop_all` sent them (the members got the message; a child being
    // signalled is STOPPING).
    let acted = async {
        for rx in waiting.iter_mut() {
            let _ = rx.wait_for(|s| !s.state.is_running()).await;
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), acted).await;
    loop {
        report.if_due();
        let all = async {
            for rx in waiting.iter_mut() {
                let _ = rx.wait_for(|s| s.state.is_stopped()).await;
            }
        };
        if tokio::time::timeout(report.next_in(), all).await.is_ok() {
            break;
        }
    }
}

/// Better than Supervisor: a listener pool (stopped last, at priority -1) first
/// gets a moment to deliver what it holds — SUPERVISOR_STATE_CHANGE_STOPPING and the
/// other programs' stops — instead of losing it with its listeners.
async fn drain_pools<'a>(groups: impl Iterator<Item = &'a Arc<GroupHandle>>) {
    for g in groups {
        if matches!(g.config.kind, GroupKind::EventListener(_)) {
            let _ = tokio::time::timeout(POOL_DRAIN, g.actor.call(GroupMsg::Drained, None)).await;
        }
    }
}

/// The dependency-aware order.
async fn stop_in_waves(groups: &[Arc<GroupHandle>], report: &mut ShutdownReport<'_>) {
    let key = |g: &str, p: &str| (g.to_string(), p.to_string());
    // Who depends on whom: (dependent, dependency) pairs among these processes.
    let edges: Vec<(Key, Key)> = groups
        .iter()
        .flat_map(|g| g.members.iter())
        .flat_map(|m| {
            let from = key(&m.config.group, &m.config.name);
            m.config
                .depends_on
                .iter()
                .flat_map(|d| d.processes.iter().cloned())
                .map(move |to| (from.clone(), to))
        })
        .collect();
    let mut stopped: BTreeSet<Key> = BTreeSet::new();
    loop {
        let remaining: Vec<(&Arc<GroupHandle>, Key)> = groups
            .iter()
            .flat_map(|g| {
                g.members
                    .iter()
                    .map(move |m| (g, key(&g.config.name, &m.config.name)))
            })
            .filter(|(_, k)| !stopped.contains(k))
            .collect();
        if remaining.is_empty() {
            return;
        }
        let free = |k: &Key| {
            edges.iter().filter(|(_, to)| to == k).all(|(from, _)| {
                stopped.contains(from) || !remaining.iter().any(|(_, r)| r == from)
            })
        };
        let mut candidates: Vec<&(&Arc<GroupHandle>, Key)> =
            remaining.iter().filter(|(_, k)| free(k)).collect();
        if candidates.is_empty() {
            // Cannot happen with a validated config (no cycles); stop the rest.
            candidates = remaining.iter().collect();
        }
        let top = candidates
            .iter()
            .map(|(g, _)| g.config.priority)
            .max()
            .unwrap_or_default();
        let wave: Vec<&(&Arc<GroupHandle>, Key)> = candidates
            .into_iter()
            .filter(|(g, _)| g.config.priority == top)
            .collect();
        let wave_groups: Vec<&Arc<GroupHandle>> = groups
            .iter()
            .filter(|g| wave.iter().any(|(w, _)| Arc::ptr_eq(w, g)))
            .collect();
        let orders = wave_groups
            .iter()
            .map(|g| {
                let names: Vec<String> = wave
                    .iter()
                    .filter(|(w, _)| Arc::ptr_eq(w, g))
                    .map(|(_, k)| k.1.clone())
                    .collect();
                (*g, Some(names))
            })
            .collect();
        stop_step(orders, report).await;
        stopped.extend(wave.into_iter().map(|(_, k)| k.clone()));
    }
}

/// supervisord.py `shutdown_report`: the processes not yet stopped, throttled.
struct ShutdownReport<'a> {
    /// Every process, in start order (Supervisor's dict of groups), and whether it
    /// was stopped when the shutdown began.
    all: Vec<(watch::Receiver<Snapshot>, bool)>,
    last: Option<std::time::Instant>,
    log: &'a MainLog,
    /// The processes sent their stop so far.
    told: Vec<String>,
}

/// Supervisor reports a shutdown's stragglers at most this often.
const SHUTDOWN_REPORT_EVERY: Duration = Duration::from_secs(3);

impl<'a> ShutdownReport<'a> {
    fn new(groups: &[Arc<GroupHandle>], log: &'a MainLog) -> Self {
        let all = groups
            .iter()
            .flat_map(|g| g.members.iter().map(|m| m.snapshot.clone()))
            .map(|rx| {
                let stopped = rx.borrow().state.is_stopped();
                (rx, stopped)
            })
            .collect();
        ShutdownReport {
            all,
            last: None,
            log,
            told: Vec::new(),
        }
    }

    /// Time until the next report is due.
    fn next_in(&self) -> Duration {
        self.last.map_or(Duration::ZERO, |t| {
            SHUTDOWN_REPORT_EVERY.saturating_sub(t.elapsed())
        })
    }

    /// Reports if due. The first
    /// report shows them as Supervisor's does, right after the stop signals went
    /// out: one whose child was reaped meanwhile (ours are reaped at once,
    /// Supervisor's in a later loop pass) is still shown STOPPING.
    fn if_due(&mut self) {
        if !self.next_in().is_zero() {
            return;
        }
        let first = self.last.is_none();
        let unstopped: Vec<Snapshot> = self
            .all
            .iter()
            .filter_map(|(rx, stopped_before)| {
                let mut s = rx.borrow().clone();
                if !s.state.is_stopped() {
                    return Some(s);
                }
                let just_stopped = first && !stopped_before && self.told.contains(&s.name);
                just_stopped.then(|| {
                    s.state = supervisor_model::ProcessState::Stopping;
                    s
                })
            })
            .collect();
        if unstopped.is_empty() {
            return;
        }
        self.last = Some(std::time::Instant::now());
        let names: Vec<&str> = unstopped.iter().map(|s| s.name.as_str()).collect();
        self.log.log(
            LogLevel::Info,
            &format!("waiting for {} to die", names.join(", ")),
        );
        for s in &unstopped {
            self.log.log(
                LogLevel::Blather,
                &format!("{} state: {}", s.name, s.state.name()),
            );
        }
    }
}

/// Waits until every process is in a stopped state, logging
/// `waiting for a, b to die` every 3 s as Supervisor does.
pub async fn wait_stopped(waiting: &mut [watch::Receiver<Snapshot>], log: &MainLog) {
    loop {
        let all = async {
            for rx in waiting.iter_mut() {
                let _ = rx.wait_for(|s| s.state.is_stopped()).await;
            }
        };
        match tokio::time::timeout(Duration::from_secs(3), all).await {
            Ok(()) => return,
            Err(_) => {
                let names: Vec<String> = waiting
                    .iter()
                    .map(|rx| rx.borrow().clone())
                    .filter(|s| !s.state.is_stopped())
                    .map(|s| s.name)
                    .collect();
                log.log(
                    LogLevel::Info,
                    &format!("waiting for {} to die", names.join(", ")),
                );
            }
        }
    }
}
