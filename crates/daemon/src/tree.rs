//! The tree's plumbing, shared by the root and `update`: spawning a group actor and
//! its registry handle, starting autostart processes group after group, and stopping
//! groups in Supervisor's order (highest priority value first, equal priorities
//! together, listener pools given a moment to deliver what they hold).

use std::sync::Arc;
use std::time::Duration;

use ractor::{Actor, ActorProcessingErr, ActorRef};
use supervisor_config::{Config, GroupConfig};
use supervisor_model::LogLevel;
use tokio::sync::watch;

use crate::context::Context;
use crate::group::{GroupActor, GroupArgs, GroupMsg};
use crate::mainlog::MainLog;
use crate::registry::{GroupHandle, Member};
use crate::root::RootMsg;
use crate::snapshot::Snapshot;

pub(crate) async fn stop_group_actor(g: &GroupHandle) -> Result<(), ActorProcessingErr> {
    g.actor.stop_children_and_wait(None, None).await;
    g.actor.stop_and_wait(None, None).await?;
    Ok(())
}

/// Spawns one group actor per group (config order is start order).
///
/// Decision (issue 3): every group gets its actor, the implicit group of a lone
/// `[program:x]` too, as the tree specifies, although that actor is most of
/// the idle memory of such a program (≈ 8.9 kB of ≈ 22 kB; an empty ractor actor is
/// 6.7 kB, `just actor-floor`). It keeps one code path for `[group:x]` and
/// `[program:x]` (update, strategies, pools); the price is in BENCHMARKS.md.
pub(crate) async fn spawn_groups(
    myself: &ActorRef<RootMsg>,
    config: &Config,
    ctx: &Arc<Context>,
) -> Result<Vec<Arc<GroupHandle>>, ActorProcessingErr> {
    let mut groups = Vec::with_capacity(config.groups.len());
    for group in &config.groups {
        groups.push(spawn_group(myself, group, ctx).await?);
    }
    Ok(groups)
}

/// Starts each group's autostart processes, group after group.
pub(crate) async fn start_autostart(groups: &[Arc<GroupHandle>]) {
    for g in groups {
        let _ = g.actor.call(GroupMsg::StartAutostart, None).await;
    }
}

pub(crate) async fn spawn_group(
    myself: &ActorRef<RootMsg>,
    group: &GroupConfig,
    ctx: &Arc<Context>,
) -> Result<Arc<GroupHandle>, ActorProcessingErr> {
    let (senders, receivers): (Vec<_>, Vec<_>) = group
        .processes
        .iter()
        .map(|p| watch::channel(Snapshot::new(&p.name, &p.group)))
        .unzip();
    let (actor, _) = Actor::spawn_linked(
        None,
        GroupActor,
        GroupArgs {
            config: group.clone(),
            ctx: ctx.clone(),
            snapshots: senders,
        },
        myself.get_cell(),
    )
    .await?;
    ctx.events
        .publish("PROCESS_GROUP_ADDED", format!("groupname:{}\n", group.name));
    let actors = actor.call(GroupMsg::Members, None).await?;
    let actors = match actors {
        ractor::rpc::CallResult::Success(a) => a,
        _ => return Err("group actor did not list its members".into()),
    };
    let members = group
        .processes
        .iter()
        .zip(actors)
        .zip(receivers)
        .map(|((config, actor), snapshot)| Member {
            config: config.clone(),
            actor,
            snapshot,
        })
        .collect();
    Ok(Arc::new(GroupHandle {
        config: group.clone(),
        actor,
        members,
    }))
}

/// Stops every group, highest priority value first; groups sharing a priority stop
/// together. Logs `waiting for a, b to die` every 3 s, as Supervisor does.
/// How long a listener pool may take to deliver its buffered events at shutdown.
const POOL_DRAIN: Duration = Duration::from_secs(1);

pub(crate) async fn stop_all(mut plan: Vec<Arc<GroupHandle>>, log: &MainLog) {
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
            if matches!(
                g.config.kind,
                supervisor_config::GroupKind::EventListener(_)
            ) {
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
pub(crate) async fn wait_stopped(waiting: &mut [watch::Receiver<Snapshot>], log: &MainLog) {
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
