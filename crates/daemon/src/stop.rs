//! Stopping the whole tree (shutdown, reload) in order. Supervisor's order: groups
//! by priority, highest value first, equal priorities together (supervisord.py
//! `Supervisor.stop_groups`). Beyond Supervisor, with `depends_on` a process stops
//! only once every process that depends on it has stopped (the reverse of the start
//! order): the tree stops in waves, each wave the not-yet-stopped processes nothing
//! running depends on, the highest priority value among them first; independent
//! branches stop together. Each wave waits for its processes, logging `waiting for
//! a, b to die` every 3 s as Supervisor does.

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
    let has_deps = groups
        .iter()
        .flat_map(|g| g.members.iter())
        .any(|m| !m.config.depends_on.is_empty());
    if has_deps {
        stop_in_waves(&groups, log).await;
    } else {
        stop_by_priority(groups, log).await;
    }
}

/// Supervisor's order, a whole group at a time.
async fn stop_by_priority(mut plan: Vec<Arc<GroupHandle>>, log: &MainLog) {
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
        drain_pools(bucket.iter()).await;
        for g in bucket {
            let _ = g.actor.send_message(GroupMsg::Shutdown(None));
        }
        let mut waiting: Vec<watch::Receiver<Snapshot>> = bucket
            .iter()
            .flat_map(|g| g.members.iter().map(|m| m.snapshot.clone()))
            .collect();
        wait_stopped(&mut waiting, log).await;
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
async fn stop_in_waves(groups: &[Arc<GroupHandle>], log: &MainLog) {
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
        drain_pools(wave_groups.iter().copied()).await;
        let mut waiting = Vec::new();
        for g in &wave_groups {
            let names: Vec<String> = wave
                .iter()
                .filter(|(w, _)| Arc::ptr_eq(w, g))
                .map(|(_, k)| k.1.clone())
                .collect();
            waiting.extend(
                g.members
                    .iter()
                    .filter(|m| names.contains(&m.config.name))
                    .map(|m| m.snapshot.clone()),
            );
            let _ = g.actor.send_message(GroupMsg::Shutdown(Some(names)));
        }
        wait_stopped(&mut waiting, log).await;
        stopped.extend(wave.into_iter().map(|(_, k)| k.clone()));
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
