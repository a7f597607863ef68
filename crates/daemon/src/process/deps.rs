//! Waiting for dependencies (`depends_on`), event-driven: a task per start that has
//! dependencies reads the dependencies' published snapshots and sleeps until one of
//! them (or the set of processes) changes — nothing polls. It tells its process
//! what it waits for (the status description), starts the stopped dependencies
//! once when asked to (`pull`: a start, not a restart), says when all are met,
//! and then, if some are `required`, keeps watching those until one goes away.

use std::sync::Arc;

use futures_util::future::{FutureExt, select_all};
use ractor::ActorRef;
use supervisor_config::{Condition, Dependency, ProcessConfig};
use supervisor_model::ProcessState;
use tokio::sync::watch;

use super::api::{Peers, PeersWatch, ProcessMsg};
use crate::snapshot::Snapshot;

/// Whether `s` (a process with `config`) meets `condition`.
pub fn met(condition: Condition, s: &Snapshot, config: &ProcessConfig) -> bool {
    let running = s.state == ProcessState::Running;
    match condition {
        // With a ready check, RUNNING means the check passed.
        Condition::Started | Condition::Ready => running,
        Condition::Healthy => running && s.healthy == Some(true),
        Condition::Completed => {
            s.state == ProcessState::Exited
                && s.exitstatus.is_some_and(|c| config.exitcodes.contains(c))
        }
    }
}

/// `db`, `db to be ready`, `migrate to complete`: what is waited for.
fn wanted(condition: Condition, ns: &str) -> String {
    match condition {
        Condition::Started => ns.to_string(),
        Condition::Ready => format!("{ns} to be ready"),
        Condition::Healthy => format!("{ns} to be healthy"),
        Condition::Completed => format!("{ns} to complete"),
    }
}

/// `BACKOFF`, `EXITED, exit status 1`, `RUNNING, unhealthy`.
fn where_it_is(s: &Snapshot) -> String {
    let mut text = s.state.name().to_string();
    if s.state == ProcessState::Exited
        && let Some(code) = s.exitstatus
    {
        text.push_str(&format!(", exit status {code}"));
    }
    if s.healthy == Some(false) {
        text.push_str(", unhealthy");
    }
    text
}

/// The first dependency not met, as `db to be ready (BACKOFF)`, and the snapshot
/// channels to watch; `only_required` looks at required dependencies only.
fn first_unmet(
    deps: &[Dependency],
    peers: &dyn Peers,
    only_required: bool,
) -> (Option<String>, Vec<watch::Receiver<Snapshot>>) {
    let mut blocker = None;
    let mut watched = Vec::new();
    for dep in deps.iter().filter(|d| d.required || !only_required) {
        for (group, name) in &dep.processes {
            let ns = supervisor_model::namespec::make(group, name);
            let Some(m) = peers
                .member(group, name)
                .filter(|m| m.snapshot.has_changed().is_ok())
            else {
                blocker
                    .get_or_insert_with(|| format!("{} (not active)", wanted(dep.condition, &ns)));
                continue;
            };
            {
                let s = m.snapshot.borrow();
                if !met(dep.condition, &s, &m.config) {
                    blocker.get_or_insert_with(|| {
                        format!("{} ({})", wanted(dep.condition, &ns), where_it_is(&s))
                    });
                }
            }
            watched.push(m.snapshot);
        }
    }
    (blocker, watched)
}

/// Starts the dependencies that are not running, not starting and not met (once
/// per wait: a start asked for pulls in what it needs).
fn pull_in(deps: &[Dependency], peers: &dyn Peers) {
    for dep in deps {
        for (group, name) in &dep.processes {
            let Some(m) = peers.member(group, name) else {
                continue;
            };
            let s = m.now();
            let idle = matches!(
                s.state,
                ProcessState::Stopped | ProcessState::Exited | ProcessState::Fatal
            );
            if idle && !met(dep.condition, &s, &m.config) {
                let _ = m.actor.send_message(ProcessMsg::Start(None));
            }
        }
    }
}

/// Returns once a watched snapshot or the set of peers changed; `false` when the
/// peers are gone for good (the daemon is ending).
async fn any_change(watched: &mut [watch::Receiver<Snapshot>], peers: &mut PeersWatch) -> bool {
    // A snapshot channel that closes (its process went) counts as a change: the
    // next look finds the process gone.
    let mut waits: Vec<_> = watched
        .iter_mut()
        .map(|rx| {
            async move {
                let _ = rx.changed().await;
                true
            }
            .boxed()
        })
        .collect();
    waits.push(async move { peers.changed().await.is_ok() }.boxed());
    select_all(waits).await.0
}

/// One start's wait: see the module doc.
pub struct Wait {
    pub deps: Vec<Dependency>,
    pub peers: PeersWatch,
    pub me: ActorRef<ProcessMsg>,
    pub generation: u64,
    pub pull: bool,
}

impl Wait {
    pub async fn run(mut self) {
        let generation = self.generation;
        let mut pulled = !self.pull;
        let mut told: Option<String> = None;
        loop {
            let peers: Arc<dyn Peers> = self.peers.borrow_and_update().clone();
            let (blocker, mut watched) = first_unmet(&self.deps, &*peers, false);
            let Some(text) = blocker else { break };
            if !std::mem::replace(&mut pulled, true) {
                pull_in(&self.deps, &*peers);
            }
            let text = format!("waiting for {text}");
            if told.as_ref() != Some(&text) {
                told = Some(text.clone());
                let msg = ProcessMsg::Waiting {
                    generation,
                    text: Some(text),
                };
                if self.me.send_message(msg).is_err() {
                    return;
                }
            }
            drop(peers);
            if !any_change(&mut watched, &mut self.peers).await {
                return;
            }
        }
        if self
            .me
            .send_message(ProcessMsg::DepsMet { generation })
            .is_err()
            || !self.deps.iter().any(|d| d.required)
        {
            return;
        }
        loop {
            let peers: Arc<dyn Peers> = self.peers.borrow_and_update().clone();
            let (blocker, mut watched) = first_unmet(&self.deps, &*peers, true);
            if let Some(text) = blocker {
                let why = format!("its required dependency is gone: {text}");
                let _ = self
                    .me
                    .send_message(ProcessMsg::DependencyLost { generation, why });
                return;
            }
            drop(peers);
            if !any_change(&mut watched, &mut self.peers).await {
                return;
            }
        }
    }
}
