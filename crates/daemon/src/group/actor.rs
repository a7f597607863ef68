//! `GroupActor`: one process group (`[program:x]`'s implicit group, `[group:x]`, or an
//! event-listener pool). It is the only owner of its members' process actors (see
//! [`GroupActorState`]), hands its handle to whoever spawned it, and contains actor
//! crashes: ractor's default supervision would stop the group whenever a child
//! actor ends.

use std::sync::Arc;

use ractor::{Actor, ActorProcessingErr, ActorRef, SupervisionEvent};
use supervisor_config::GroupConfig;
use tokio::sync::oneshot;

use super::api::{GroupHandle, GroupMsg};
use super::state::GroupActorState;
use crate::context::Context;

pub struct GroupArgs {
    pub config: GroupConfig,
    pub ctx: Arc<Context>,
    /// Gets the group's first handle once its members exist.
    pub handle: oneshot::Sender<Arc<GroupHandle>>,
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
        let st = GroupActorState::new(&myself, args.config, args.ctx).await?;
        let _ = args.handle.send(st.handle(&myself));
        Ok(st)
    }

    async fn post_stop(
        &self,
        _myself: ActorRef<GroupMsg>,
        st: &mut GroupActorState,
    ) -> Result<(), ActorProcessingErr> {
        st.end();
        Ok(())
    }

    async fn handle(
        &self,
        myself: ActorRef<GroupMsg>,
        msg: GroupMsg,
        st: &mut GroupActorState,
    ) -> Result<(), ActorProcessingErr> {
        // The arms that await are boxed: ractor keeps this future's space allocated
        // (inside the actor's boxed loop) while the group waits for its next
        // message, so an inline `apply` (spawning process actors) would cost every
        // idle group its size, about 2 kB (BENCHMARKS.md, idle memory).
        match msg {
            GroupMsg::StartAutostart(reply) => {
                Box::pin(st.start_autostart()).await;
                let _ = reply.send(());
            }
            GroupMsg::Start(names, reply) => {
                Box::pin(st.start(&names)).await;
                let _ = reply.send(());
            }
            GroupMsg::Shutdown(names) => st.shutdown(names.as_deref()),
            GroupMsg::ReopenLogs => st.reopen_logs(),
            GroupMsg::Retire(names) => st.retire(&names),
            GroupMsg::Reinstate(names) => st.reinstate(&names),
            GroupMsg::Apply { plan, ctx, reply } => {
                let applied = Box::pin(st.apply(&myself, *plan, ctx)).await;
                let _ = reply.send(applied);
            }
            GroupMsg::Drained(reply) => st.drained(reply),
            GroupMsg::Event(event) => st.event(event),
            GroupMsg::Member(report) => st.member_news(report),
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
            st.log_critical(&format!(
                "process actor {:?} of group '{}' failed: {err}",
                cell.get_id(),
                st.name()
            ));
        }
        Ok(())
    }
}
