//! The tree's plumbing, shared by the root and `update`: the root's active groups
//! ([`Groups`]), spawning a group actor (which spawns its own members and hands back
//! its handle) and ending one, and starting autostart processes group after group
//! (stopping them all is `stop.rs`).

use std::sync::Arc;

use ractor::{Actor, ActorCell, ActorProcessingErr};
use supervisor_config::{Config, GroupConfig};
use supervisor_model::LogLevel;
use tokio::sync::oneshot;

use crate::context::Context;
use crate::group::actor::{GroupActor, GroupArgs};
use crate::group::api::{GroupHandle, GroupMsg};

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
