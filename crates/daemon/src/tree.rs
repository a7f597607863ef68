//! The tree's plumbing, shared by the root and `update`: the root's active groups
//! ([`Groups`]), spawning a group actor (which spawns its own members and hands back
//! its handle) and ending one, starting autostart processes group after group, and
//! stopping groups in Supervisor's order (highest priority value first, equal
//! priorities together, listener pools given a moment to deliver what they hold).

use std::sync::Arc;
use std::time::Duration;

use ractor::{Actor, ActorCell, ActorProcessingErr};
use supervisor_config::{Config, GroupConfig, GroupKind};
use supervisor_model::LogLevel;
use tokio::sync::{oneshot, watch};

use crate::context::Context;
use crate::group::actor::{GroupActor, GroupArgs};
use crate::group::api::{GroupHandle, GroupMsg};
use crate::mainlog::MainLog;
use crate::snapshot::Snapshot;

/// The root's active groups, in start order (priority, then name). Each handle is
/// built by its group actor; the root only adds, swaps and removes them.
#[derive(Default)]
pub struct Groups {
    handles: Vec<Arc<GroupHandle>>,
}

impl Groups {
    pub fn handles(&self) -> &[Arc<GroupHandle>] {
        &self.handles
    }

    pub fn find(&self, name: &str) -> Option<&Arc<GroupHandle>> {
        self.handles.iter().find(|g| g.config.name == name)
    }

    /// Adds a group, or replaces the one of the same name, keeping start order.
    pub fn put(&mut self, handle: Arc<GroupHandle>) {
        self.handles.retain(|g| g.config.name != handle.config.name);
        self.handles.push(handle);
        self.handles.sort_by(|a, b| {
            (a.config.priority, &a.config.name).cmp(&(b.config.priority, &b.config.name))
        });
    }

    pub fn take(&mut self, name: &str) -> Option<Arc<GroupHandle>> {
        let index = self.handles.iter().position(|g| g.config.name == name)?;
        Some(self.handles.remove(index))
    }

    pub fn take_all(&mut self) -> Vec<Arc<GroupHandle>> {
        std::mem::take(&mut self.handles)
    }

    /// The active groups' configs, in start order.
    pub fn configs(&self) -> Vec<GroupConfig> {
        self.handles.iter().map(|g| g.config.clone()).collect()
    }
}

/// Spawns one group actor per group of `config` (config order is start order).
///
/// Decision: every group gets its actor, the implicit group of a lone
/// `[program:x]` too, although that actor is most of the idle memory of such a
/// program (an empty ractor actor is 6.7 kB, `just actor-floor`). It keeps one code
/// path for `[group:x]` and `[program:x]` (update, strategies, pools); the price is
/// in BENCHMARKS.md.
pub async fn spawn_groups(
    supervisor: &ActorCell,
    config: &Config,
    ctx: &Arc<Context>,
) -> Result<Groups, ActorProcessingErr> {
    let mut groups = Groups::default();
    for group in &config.groups {
        groups.put(spawn_group(supervisor, group, ctx).await?);
    }
    Ok(groups)
}

/// A group actor for `group`, supervised by `supervisor`; it spawns its members
/// and hands back its handle. Emits PROCESS_GROUP_ADDED.
pub async fn spawn_group(
    supervisor: &ActorCell,
    group: &GroupConfig,
    ctx: &Arc<Context>,
) -> Result<Arc<GroupHandle>, ActorProcessingErr> {
    let (tx, rx) = oneshot::channel();
    let args = GroupArgs {
        config: group.clone(),
        ctx: ctx.clone(),
        handle: tx,
    };
    Box::pin(Actor::spawn_linked(
        None,
        GroupActor,
        args,
        supervisor.clone(),
    ))
    .await?;
    ctx.events
        .publish("PROCESS_GROUP_ADDED", format!("groupname:{}\n", group.name));
    Ok(rx.await?)
}

/// Ends an active group whose processes are stopped: its pool leaves the bus before
/// PROCESS_GROUP_REMOVED (Supervisor's `before_remove`), then its actor stops.
pub async fn remove_group(group: &GroupHandle, ctx: &Context) {
    let name = &group.config.name;
    ctx.events.remove_pool(name);
    ctx.events
        .publish("PROCESS_GROUP_REMOVED", format!("groupname:{name}\n"));
    if let Err(e) = stop_group_actor(group).await {
        ctx.log.log(
            LogLevel::Error,
            &format!("group actor {name} did not stop cleanly: {e}"),
        );
    }
}

pub async fn stop_group_actor(g: &GroupHandle) -> Result<(), ActorProcessingErr> {
    g.actor.stop_children_and_wait(None, None).await;
    g.actor.stop_and_wait(None, None).await?;
    Ok(())
}

/// Starts each group's autostart processes, group after group, while `running`
/// says so (a shutdown during start-up stops the loop between groups).
pub async fn start_autostart(groups: &[Arc<GroupHandle>], running: impl Fn() -> bool) {
    for g in groups {
        if !running() {
            return;
        }
        let _ = g.actor.call(GroupMsg::StartAutostart, None).await;
    }
}

/// How long a listener pool may take to deliver its buffered events at shutdown.
const POOL_DRAIN: Duration = Duration::from_secs(1);

/// Stops every group, highest priority value first; groups sharing a priority stop
/// together. Logs `waiting for a, b to die` every 3 s, as Supervisor does.
pub async fn stop_all(mut plan: Vec<Arc<GroupHandle>>, log: &MainLog) {
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
        // Better than Supervisor: a listener pool (stopped last, at priority -1) first
        // gets a moment to deliver what it holds — SUPERVISOR_STATE_CHANGE_STOPPING and
        // the other programs' stops — instead of losing it with its listeners.
        for g in bucket {
            if matches!(g.config.kind, GroupKind::EventListener(_)) {
                let _ =
                    tokio::time::timeout(POOL_DRAIN, g.actor.call(GroupMsg::Drained, None)).await;
            }
        }
        for g in bucket {
            let _ = g.actor.send_message(GroupMsg::Shutdown);
        }
        let mut waiting: Vec<watch::Receiver<Snapshot>> = bucket
            .iter()
            .flat_map(|g| g.members.iter().map(|m| m.snapshot.clone()))
            .collect();
        wait_stopped(&mut waiting, log).await;
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
