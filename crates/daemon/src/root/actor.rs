//! `RootActor`: the top of the tree. It owns the active groups' handles and the
//! configs (see [`RootActorState`]), builds the tree on its first message
//! ([`RootMsg::Boot`], sent to itself, so signals and the control plane are served
//! while 1000 programs are still starting), and turns supervisord's signals and the
//! control plane's requests into shutdown, reload, log reopen, reread, group
//! add/remove and update.

use std::sync::Arc;
use std::sync::atomic::AtomicI32;

use ractor::{Actor, ActorProcessingErr, ActorRef, SupervisionEvent};
use supervisor_config::Config;
use supervisor_model::SupervisorState;
use tokio::sync::watch;

use super::api::{Reloader, RootMsg};
use super::state::RootActorState;
use crate::context::Context;
use crate::process::api::Peers;
use crate::registry::Registry;

pub struct RootArgs {
    /// supervisord's exit status, set when an essential program fails.
    pub exit_code: Arc<AtomicI32>,
    pub config: Config,
    pub ctx: Arc<Context>,
    pub reloader: Reloader,
    pub state: watch::Sender<SupervisorState>,
    pub registry: watch::Sender<Arc<Registry>>,
    /// The same registry, as the processes see it (dependencies).
    pub peers: watch::Sender<Arc<dyn Peers>>,
}

pub struct RootActor;

impl Actor for RootActor {
    type Msg = RootMsg;
    type State = RootActorState;
    type Arguments = RootArgs;

    async fn pre_start(
        &self,
        myself: ActorRef<RootMsg>,
        args: RootArgs,
    ) -> Result<RootActorState, ActorProcessingErr> {
        // The first message in the mailbox: nothing else can be sent before
        // `Actor::spawn` returns.
        myself.send_message(RootMsg::Boot)?;
        Ok(RootActorState::new(
            args.exit_code,
            args.config,
            args.ctx,
            args.reloader,
            args.state,
            args.registry,
            args.peers,
        ))
    }

    async fn handle(
        &self,
        myself: ActorRef<RootMsg>,
        msg: RootMsg,
        st: &mut RootActorState,
    ) -> Result<(), ActorProcessingErr> {
        let Some(msg) = st.defer(msg) else {
            return Ok(());
        };
        match msg {
            RootMsg::Boot => st.boot(&myself).await,
            RootMsg::Shutdown { signal, reply } => st.shutdown(&myself, signal, reply),
            RootMsg::Reload { signal, reply } => st.reload(&myself, signal, reply),
            RootMsg::ReopenLogs { signal } => st.reopen_logs(signal),
            RootMsg::Stopped { reload } => st.stopped(&myself, reload).await,
            RootMsg::Reread(reply) => st.reread(reply),
            RootMsg::AddGroup(name, reply) => {
                let _ = reply.send(st.add_group(&myself, &name).await);
            }
            RootMsg::RemoveGroup(name, reply) => {
                let _ = reply.send(st.remove_group(&name).await);
            }
            RootMsg::Update {
                dry_run,
                groups,
                reply,
            } => st.update(&myself, dry_run, &groups, reply),
            RootMsg::Retired(done) => st.finish_update(&myself, *done).await,
            RootMsg::Alarm(alarm) => st.alarm(&myself, alarm),
        }
        Ok(())
    }

    async fn handle_supervisor_evt(
        &self,
        _myself: ActorRef<RootMsg>,
        event: SupervisionEvent,
        st: &mut RootActorState,
    ) -> Result<(), ActorProcessingErr> {
        // A group actor only ends when we stop it; a failure is a daemon bug and must
        // not bring supervisord (and every child) down.
        if let SupervisionEvent::ActorFailed(cell, err) = event {
            st.log_critical(&format!("group actor {:?} failed: {err}", cell.get_id()));
        }
        Ok(())
    }
}
