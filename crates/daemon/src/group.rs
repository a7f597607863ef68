//! `GroupActor`: one process group (`[program:x]`'s implicit group, `[group:x]`, or an
//! event-listener pool). It spawns and supervises one `ProcessActor` per process, fans
//! group-wide requests out in priority order, and contains actor crashes: ractor's
//! default supervision would stop the group whenever a child actor ends.

use std::sync::Arc;

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort, SupervisionEvent};
use supervisor_config::GroupConfig;
use supervisor_model::LogLevel;
use tokio::sync::watch;

use crate::context::Context;
use crate::process::actor::{ProcessActor, ProcessArgs, ProcessMsg};
use crate::snapshot::Snapshot;

pub enum GroupMsg {
    /// Start every `autostart=true` process, in priority order, one spawn completed
    /// before the next (Supervisor forks them in that order); replies when done.
    StartAutostart(RpcReplyPort<()>),
    /// Stop every process and never restart (shutdown / reload).
    Shutdown,
    ReopenLogs,
    /// The process actors, in the group's process order.
    Members(RpcReplyPort<Vec<ActorRef<ProcessMsg>>>),
    /// `update` changed the group in place: its new config and its process actors in
    /// `config.processes` order (the root spawned new ones linked to this group and
    /// stopped the ones it dropped).
    Replace {
        config: Box<GroupConfig>,
        members: Vec<ActorRef<ProcessMsg>>,
        reply: RpcReplyPort<()>,
    },
}

pub struct GroupArgs {
    pub config: GroupConfig,
    pub ctx: Arc<Context>,
    /// One snapshot channel per process, in `config.processes` order.
    pub snapshots: Vec<watch::Sender<Snapshot>>,
}

pub struct GroupActorState {
    config: GroupConfig,
    ctx: Arc<Context>,
    members: Vec<ActorRef<ProcessMsg>>,
}

pub struct GroupActor;

impl Actor for GroupActor {
    type Msg = GroupMsg;
    type State = GroupActorState;
    type Arguments = GroupArgs;

    async fn pre_start(
        &self,
        myself: ActorRef<GroupMsg>,
        args: GroupArgs,
    ) -> Result<GroupActorState, ActorProcessingErr> {
        let mut members = Vec::with_capacity(args.config.processes.len());
        for (process, snapshot) in args.config.processes.iter().zip(args.snapshots) {
            let (actor, _) = Actor::spawn_linked(
                None,
                ProcessActor,
                ProcessArgs {
                    config: process.clone(),
                    ctx: args.ctx.clone(),
                    snapshot,
                },
                myself.get_cell(),
            )
            .await?;
            members.push(actor);
        }
        Ok(GroupActorState {
            config: args.config,
            ctx: args.ctx,
            members,
        })
    }

    async fn handle(
        &self,
        _myself: ActorRef<GroupMsg>,
        msg: GroupMsg,
        st: &mut GroupActorState,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            GroupMsg::StartAutostart(reply) => {
                for (p, actor) in st.config.processes.iter().zip(&st.members) {
                    if p.autostart {
                        // The reply comes once the spawn (or its failure) is done.
                        let _ = actor.call(|port| ProcessMsg::Start(Some(port)), None).await;
                    }
                }
                let _ = reply.send(());
            }
            GroupMsg::Shutdown => {
                // Highest priority value first, as Supervisor's stop_all does.
                for actor in st.members.iter().rev() {
                    let _ = actor.send_message(ProcessMsg::Shutdown);
                }
            }
            GroupMsg::ReopenLogs => {
                for actor in &st.members {
                    let _ = actor.send_message(ProcessMsg::ReopenLogs);
                }
            }
            GroupMsg::Members(reply) => {
                let _ = reply.send(st.members.clone());
            }
            GroupMsg::Replace {
                config,
                members,
                reply,
            } => {
                st.config = *config;
                st.members = members;
                let _ = reply.send(());
            }
        }
        Ok(())
    }

    async fn handle_supervisor_evt(
        &self,
        _myself: ActorRef<GroupMsg>,
        event: SupervisionEvent,
        st: &mut GroupActorState,
    ) -> Result<(), ActorProcessingErr> {
        // A process actor only ends when the group stops it; a failure is a bug in the
        // daemon, never a reason to take the group (and its children) down.
        if let SupervisionEvent::ActorFailed(cell, err) = event {
            st.ctx.log.log(
                LogLevel::Critical,
                &format!(
                    "process actor {:?} of group '{}' failed: {err}",
                    cell.get_id(),
                    st.config.name
                ),
            );
        }
        Ok(())
    }
}
