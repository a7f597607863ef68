//! How a group makes and ends its members: the config a member's actor obeys, and
//! spawning a process actor linked to (supervised by) the group actor, with its
//! snapshot channel and its way up to the group.

use std::sync::Arc;

use ractor::{Actor, ActorProcessingErr, ActorRef};
use supervisor_config::{GroupConfig, ProcessConfig};
use tokio::sync::watch;

use super::api::GroupMsg;
use crate::context::Context;
use crate::process::actor::{ProcessActor, ProcessArgs};
use crate::process::api::{Member, Upward, Wants};
use crate::snapshot::Snapshot;

/// A member's config as its process actor sees it: an essential group makes each of its
/// programs essential. Shared with the group's config unless that flag differs.
pub fn member_config(group: &GroupConfig, p: &Arc<ProcessConfig>) -> Arc<ProcessConfig> {
    if group.essential && !p.essential {
        Arc::new(ProcessConfig {
            essential: true,
            ..(**p).clone()
        })
    } else {
        p.clone()
    }
}

/// A new process actor for `p` (of `group`), supervised by the group actor `myself`.
pub async fn spawn_member(
    myself: &ActorRef<GroupMsg>,
    group: &GroupConfig,
    p: &Arc<ProcessConfig>,
    ctx: &Arc<Context>,
    wants: Wants,
) -> Result<Member, ActorProcessingErr> {
    let (tx, rx) = watch::channel(Snapshot::new(&p.name, &p.group));
    let args = ProcessArgs {
        config: member_config(group, p),
        ctx: ctx.clone(),
        snapshot: tx,
        upward: Some(Upward::new(myself.get_derived(), wants)),
    };
    // Boxed: an awaited future lives inline in the awaiting task for that task's
    // whole life, and spawn_linked's is large (idle RSS per group, BENCHMARKS.md).
    let (actor, _) = Box::pin(Actor::spawn_linked(
        None,
        ProcessActor,
        args,
        myself.get_cell(),
    ))
    .await?;
    Ok(Member {
        config: p.clone(),
        actor,
        snapshot: rx,
    })
}

/// Ends a (stopped) member's actor.
pub async fn drop_member(m: &Member) {
    let _ = m.actor.stop_and_wait(None, None).await;
}
