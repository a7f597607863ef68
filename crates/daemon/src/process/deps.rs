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

use super::api::{Member, Peers, PeersWatch, ProcessMsg};
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

/// One dependency process as resolved against the current peers: looked up once
/// per change of the set of processes, not at every wake-up (with 100 programs in
/// levels of 10, looking every peer up by name at each wake-up was most of the
/// daemon's CPU while they started; BENCHMARKS.md, dependencies).
struct Watched<'a> {
    dep: &'a Dependency,
    group: &'a str,
    name: &'a str,
    /// `None`: not active (no such process now).
    member: Option<Member>,
}

/// The processes of `deps` (only the required ones with `only_required`).
fn resolve<'a>(deps: &'a [Dependency], peers: &dyn Peers, only_required: bool) -> Vec<Watched<'a>> {
    deps.iter()
        .filter(|d| d.required || !only_required)
        .flat_map(|dep| {
            dep.processes.iter().map(move |(group, name)| Watched {
                dep,
                group,
                name,
                member: peers
                    .member(group, name)
                    .filter(|m| m.snapshot.has_changed().is_ok()),
            })
        })
        .collect()
}

/// The first dependency not met, as `db to be ready (BACKOFF)`; text is made only
/// for that one. Every snapshot is marked seen, so the next wait sleeps until one
/// of them really changes (a receiver left unseen would wake it at once, forever).
fn first_unmet(watched: &mut [Watched<'_>]) -> Option<String> {
    let mut blocker = None;
    for w in watched.iter_mut() {
        let ns = || supervisor_model::namespec::make(w.group, w.name);
        let Some(m) = &mut w.member else {
            blocker
                .get_or_insert_with(|| format!("{} (not active)", wanted(w.dep.condition, &ns())));
            continue;
        };
        let s = m.snapshot.borrow_and_update();
        if blocker.is_none() && !met(w.dep.condition, &s, &m.config) {
            blocker = Some(format!(
                "{} ({})",
                wanted(w.dep.condition, &ns()),
                where_it_is(&s)
            ));
        }
    }
    blocker
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

/// What a wake-up found.
enum Change {
    /// A watched snapshot changed: look again.
    Snapshot,
    /// The set of processes changed: resolve again.
    Peers,
    /// The peers are gone for good (the daemon is ending).
    Ended,
}

/// Returns once a watched snapshot or the set of peers changed.
async fn any_change(watched: &mut [Watched<'_>], peers: &mut PeersWatch) -> Change {
    // A snapshot channel that closes (its process went) counts as a change of the
    // peers: the next look finds the process gone.
    let mut waits: Vec<_> = watched
        .iter_mut()
        .filter_map(|w| w.member.as_mut())
        .map(|m| {
            async move {
                match m.snapshot.changed().await {
                    Ok(()) => Change::Snapshot,
                    Err(_) => Change::Peers,
                }
            }
            .boxed()
        })
        .collect();
    waits.push(
        async move {
            match peers.changed().await {
                Ok(()) => Change::Peers,
                Err(_) => Change::Ended,
            }
        }
        .boxed(),
    );
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
        let deps = std::mem::take(&mut self.deps);
        // Until every dependency is met.
        'resolve: loop {
            let peers: Arc<dyn Peers> = self.peers.borrow_and_update().clone();
            let mut watched = resolve(&deps, &*peers, false);
            if !std::mem::replace(&mut pulled, true) {
                pull_in(&deps, &*peers);
            }
            drop(peers);
            loop {
                let Some(text) = first_unmet(&mut watched) else {
                    break 'resolve;
                };
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
                match any_change(&mut watched, &mut self.peers).await {
                    Change::Snapshot => {}
                    Change::Peers => continue 'resolve,
                    Change::Ended => return,
                }
            }
        }
        if self
            .me
            .send_message(ProcessMsg::DepsMet { generation })
            .is_err()
            || !deps.iter().any(|d| d.required)
        {
            return;
        }
        // Then, with `required`, until one of those is lost.
        loop {
            let peers: Arc<dyn Peers> = self.peers.borrow_and_update().clone();
            let mut watched = resolve(&deps, &*peers, true);
            drop(peers);
            loop {
                if let Some(text) = first_unmet(&mut watched) {
                    let why = format!("its required dependency is gone: {text}");
                    let _ = self
                        .me
                        .send_message(ProcessMsg::DependencyLost { generation, why });
                    return;
                }
                match any_change(&mut watched, &mut self.peers).await {
                    Change::Snapshot => {}
                    Change::Peers => break,
                    Change::Ended => return,
                }
            }
        }
    }
}
