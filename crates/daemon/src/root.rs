//! `RootActor`: the top of the tree. It owns the running config and one `GroupActor`
//! per group, starts groups in priority order, and turns supervisord's signals into
//! shutdown, reload (SIGHUP) and log reopen (SIGUSR2). Shutdown runs as a task that
//! stops groups in descending priority — groups of equal priority in parallel — and
//! waits on the processes' snapshot channels, so no mailbox is ever blocked.

use std::sync::Arc;
use std::time::Duration;

use ractor::{Actor, ActorProcessingErr, ActorRef, SupervisionEvent};
use supervisor_config::{Config, GroupConfig};
use supervisor_model::{LogLevel, SupervisorState};
use tokio::sync::watch;

use crate::context::Context;
use crate::group::{GroupActor, GroupArgs, GroupMsg};
use crate::mainlog::MainLog;
use crate::snapshot::Snapshot;

/// How the next config is obtained on reload (the command line is re-applied).
pub type Reloader = Box<dyn Fn() -> Result<Config, String> + Send + Sync>;

pub enum RootMsg {
    /// SIGTERM/SIGINT/SIGQUIT (the signal's name, for the log).
    Shutdown(&'static str),
    /// SIGHUP: stop everything, re-read the config, start again in place.
    Reload,
    /// SIGUSR2.
    ReopenLogs,
    /// Every process is stopped; `reload` says what comes next.
    Stopped { reload: bool },
}

pub struct RootArgs {
    pub config: Config,
    pub ctx: Arc<Context>,
    pub reloader: Reloader,
    pub state: watch::Sender<SupervisorState>,
}

struct GroupEntry {
    priority: i64,
    actor: ActorRef<GroupMsg>,
    snapshots: Vec<watch::Receiver<Snapshot>>,
}

pub struct RootActorState {
    ctx: Arc<Context>,
    groups: Vec<GroupEntry>,
    pending: Option<Config>,
    reloader: Reloader,
    state: watch::Sender<SupervisorState>,
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
        let groups = start_groups(&myself, &args.config, &args.ctx).await?;
        args.state.send_replace(SupervisorState::Running);
        Ok(RootActorState {
            ctx: args.ctx,
            groups,
            pending: None,
            reloader: args.reloader,
            state: args.state,
        })
    }

    async fn handle(
        &self,
        myself: ActorRef<RootMsg>,
        msg: RootMsg,
        st: &mut RootActorState,
    ) -> Result<(), ActorProcessingErr> {
        let log = st.ctx.log.clone();
        let running = *st.state.borrow() == SupervisorState::Running;
        match msg {
            RootMsg::Shutdown(signame) => {
                log.log(
                    LogLevel::Warn,
                    &format!("received {signame} indicating exit request"),
                );
                if running {
                    st.state.send_replace(SupervisorState::Shutdown);
                    st.begin_stop(&myself, false);
                }
            }
            RootMsg::Reload if !running => log.log(
                LogLevel::Warn,
                "ignored SIGHUP indicating restart request (shutdown in progress)",
            ),
            RootMsg::Reload => {
                log.log(LogLevel::Warn, "received SIGHUP indicating restart request");
                // Better than Supervisor: a broken config leaves everything running.
                match (st.reloader)() {
                    Ok(config) => {
                        st.pending = Some(config);
                        st.state.send_replace(SupervisorState::Restarting);
                        st.begin_stop(&myself, true);
                    }
                    Err(e) => log.log(
                        LogLevel::Error,
                        &format!("not restarting: the config cannot be loaded: {e}"),
                    ),
                }
            }
            RootMsg::ReopenLogs => {
                log.log(
                    LogLevel::Info,
                    "received SIGUSR2 indicating log reopen request",
                );
                log.log(LogLevel::Info, "supervisord logreopen");
                if let Err(e) = log.reopen() {
                    eprintln!("supervisord: cannot reopen the main log: {e}");
                }
                for g in &st.groups {
                    let _ = g.actor.send_message(GroupMsg::ReopenLogs);
                }
            }
            RootMsg::Stopped { reload } => {
                for g in st.groups.drain(..) {
                    g.actor.stop_children_and_wait(None, None).await;
                    g.actor.stop_and_wait(None, None).await?;
                }
                match st.pending.take().filter(|_| reload) {
                    Some(config) => {
                        let ctx = Arc::new(Context::new(
                            &config,
                            st.ctx.reaper.clone(),
                            st.ctx.log.clone(),
                        ));
                        st.groups = start_groups(&myself, &config, &ctx).await?;
                        st.ctx = ctx;
                        st.state.send_replace(SupervisorState::Running);
                    }
                    None => myself.stop(None),
                }
            }
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
            st.ctx.log.log(
                LogLevel::Critical,
                &format!("group actor {:?} failed: {err}", cell.get_id()),
            );
        }
        Ok(())
    }
}

impl RootActorState {
    fn begin_stop(&self, myself: &ActorRef<RootMsg>, reload: bool) {
        let plan: Vec<(i64, ActorRef<GroupMsg>, Vec<watch::Receiver<Snapshot>>)> = self
            .groups
            .iter()
            .map(|g| (g.priority, g.actor.clone(), g.snapshots.clone()))
            .collect();
        let me = myself.clone();
        let log = self.ctx.log.clone();
        tokio::spawn(async move {
            stop_all(plan, &log).await;
            let _ = me.send_message(RootMsg::Stopped { reload });
        });
    }
}

/// Spawns one group actor per group (config order is start order) and starts each
/// group's autostart processes.
async fn start_groups(
    myself: &ActorRef<RootMsg>,
    config: &Config,
    ctx: &Arc<Context>,
) -> Result<Vec<GroupEntry>, ActorProcessingErr> {
    let mut groups = Vec::with_capacity(config.groups.len());
    for group in &config.groups {
        groups.push(spawn_group(myself, group, ctx).await?);
    }
    for g in &groups {
        g.actor.call(GroupMsg::StartAutostart, None).await?;
    }
    Ok(groups)
}

async fn spawn_group(
    myself: &ActorRef<RootMsg>,
    group: &GroupConfig,
    ctx: &Arc<Context>,
) -> Result<GroupEntry, ActorProcessingErr> {
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
    Ok(GroupActor::entry(group.priority, actor, receivers))
}

impl GroupActor {
    fn entry(
        priority: i64,
        actor: ActorRef<GroupMsg>,
        snapshots: Vec<watch::Receiver<Snapshot>>,
    ) -> GroupEntry {
        GroupEntry {
            priority,
            actor,
            snapshots,
        }
    }
}

/// Stops every group, highest priority value first; groups sharing a priority stop
/// together. Logs `waiting for a, b to die` every 3 s, as Supervisor does.
async fn stop_all(
    mut plan: Vec<(i64, ActorRef<GroupMsg>, Vec<watch::Receiver<Snapshot>>)>,
    log: &MainLog,
) {
    plan.sort_by_key(|(priority, _, _)| std::cmp::Reverse(*priority));
    let mut rest = plan.as_slice();
    while let Some((priority, _, _)) = rest.first() {
        let n = rest.iter().take_while(|(p, _, _)| p == priority).count();
        let (bucket, tail) = rest.split_at(n);
        rest = tail;
        for (_, actor, _) in bucket {
            let _ = actor.send_message(GroupMsg::Shutdown);
        }
        let mut waiting: Vec<watch::Receiver<Snapshot>> = bucket
            .iter()
            .flat_map(|(_, _, s)| s.iter().cloned())
            .collect();
        loop {
            let all = async {
                for rx in waiting.iter_mut() {
                    let _ = rx.wait_for(|s| s.state.is_stopped()).await;
                }
            };
            match tokio::time::timeout(Duration::from_secs(3), all).await {
                Ok(()) => break,
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
}
