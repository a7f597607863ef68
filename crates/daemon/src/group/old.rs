//! `GroupActor`: one process group (`[program:x]`'s implicit group, `[group:x]`, or an
//! event-listener pool). It spawns and supervises one `ProcessActor` per process, fans
//! group-wide requests out in priority order, and contains actor crashes: ractor's
//! default supervision would stop the group whenever a child actor ends. A listener
//! pool's group also runs the pool ([`crate::listener::Pool`]): it is subscribed to
//! the bus, hears its listeners' spawns, states and stdout, and writes events to
//! their stdin.

use std::sync::Arc;

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort, SupervisionEvent};
use supervisor_config::{GroupConfig, GroupKind, ProcessConfig, Strategy};
use supervisor_model::{LogLevel, ProcessState};
use tokio::sync::watch;

use crate::context::Context;
use crate::events::PoolEvent;
use crate::listener::{self, Pool};
use crate::process::actor::{GroupLink, ProcessActor, ProcessArgs, ProcessMsg};
use crate::process::stdin::StdinWriter;
use crate::snapshot::Snapshot;
use crate::strategy::{self, Intensity};

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
    /// stopped the ones it dropped). A listener pool keeps its listeners (an update
    /// that adds, removes or replaces one replaces the whole group) and takes its new
    /// `events` and `buffer_size` live.
    Replace {
        config: Box<GroupConfig>,
        members: Vec<ActorRef<ProcessMsg>>,
        reply: RpcReplyPort<()>,
    },
    /// Member `index` died unexpectedly (only sent when a strategy or an intensity
    /// limit is configured).
    MemberDied {
        index: usize,
    },
    /// Replies once this listener pool holds no event (buffered or in flight); at
    /// once for any other group.
    Drained(RpcReplyPort<()>),
    /// An event for this listener pool, from the bus.
    Event(PoolEvent),
    /// News from listener `index` of this pool.
    Listener {
        index: usize,
        news: ListenerNews,
    },
}

/// What a listener's process actor and output pump tell the pool.
pub enum ListenerNews {
    /// A new incarnation; events go to `stdin`.
    Spawned { pid: i32, stdin: StdinWriter },
    /// The process entered `ProcessState`.
    State(ProcessState),
    /// Bytes it wrote on stdout (the protocol channel).
    Output { pid: i32, data: Vec<u8> },
}

/// A pool's dispatch state and its listeners' stdin.
struct PoolRun {
    pool: Pool,
    stdin: Vec<Option<StdinWriter>>,
}

impl listener::Stdin for Vec<Option<StdinWriter>> {
    fn write(&mut self, listener: usize, bytes: Vec<u8>) -> bool {
        self.get(listener)
            .and_then(Option::as_ref)
            .is_some_and(|w| w.send(bytes))
    }
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
    pool: Option<PoolRun>,
    intensity: Intensity,
    /// `Drained` requests waiting for the pool to empty.
    drain_waiters: Vec<RpcReplyPort<()>>,
    /// Shutting down: deaths restart nothing more.
    settled: bool,
}

pub struct GroupActor;

impl GroupActorState {
    /// `update` changed a listener pool's `events` or `buffer_size`: applied live.
    fn reconfigure_pool(&mut self, new: &GroupConfig) {
        let (GroupKind::EventListener(old), GroupKind::EventListener(l)) =
            (&self.config.kind, &new.kind)
        else {
            return;
        };
        if old.events != l.events {
            self.ctx.events.set_pool_events(&new.name, &l.events);
        }
        if let Some(run) = &mut self.pool
            && old.buffer_size != l.buffer_size
        {
            let fx = run.pool.resize(l.buffer_size);
            self.carry_out(fx);
        }
    }

    /// A member died unexpectedly (its own autorestart rule restarts it): count it
    /// against the intensity limit, then restart the siblings the strategy names.
    fn member_died(&mut self, index: usize) {
        if self.settled {
            return;
        }
        if self.intensity.exceeded(std::time::Instant::now()) {
            // Its processes are stopped on request (no more deaths); a later manual
            // start begins a fresh window.
            self.intensity.reset();
            self.ctx.log.log(
                LogLevel::Critical,
                &format!(
                    "group {} failed: more than {} restarts within {} s (max_restarts, \
                     restart_window); stopping its processes",
                    self.config.name,
                    self.config.max_restarts.unwrap_or_default(),
                    self.config.restart_window.as_secs()
                ),
            );
            for actor in self.members.iter().rev() {
                let _ = actor.send_message(ProcessMsg::Fail(format!(
                    "group {} failed (max_restarts exceeded)",
                    self.config.name
                )));
            }
            self.ctx.events.publish(
                "PROCESS_GROUP_FAILED",
                format!("groupname:{}\n", self.config.name),
            );
            let _ = self
                .ctx
                .alarms
                .send(crate::context::Alarm::GroupFailed(self.config.name.clone()));
            return;
        }
        for sibling in strategy::siblings(self.config.strategy, index, self.members.len()) {
            let _ = self.members[sibling].send_message(ProcessMsg::Restart);
        }
    }

    /// Answers `Drained` requests once the pool is empty (or is no pool).
    fn answer_drained(&mut self) {
        if self.pool.as_ref().is_none_or(|run| run.pool.idle()) {
            for reply in self.drain_waiters.drain(..) {
                let _ = reply.send(());
            }
        }
    }

    /// Does what the pool asked for.
    fn carry_out(&self, effects: Vec<listener::Effect>) {
        for effect in effects {
            match effect {
                listener::Effect::Log(level, msg) => self.ctx.log.log(level, &msg),
                listener::Effect::Stop(n) => {
                    if let Some(a) = self.members.get(n) {
                        let _ = a.send_message(ProcessMsg::Stop(None));
                    }
                }
                listener::Effect::Start(n) => {
                    if let Some(a) = self.members.get(n) {
                        let _ = a.send_message(ProcessMsg::Start(None));
                    }
                }
            }
        }
    }
}

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
        let pool = match &args.config.kind {
            GroupKind::EventListener(l) => {
                let me = myself.clone();
                args.ctx.events.add_pool(
                    &args.config.name,
                    &l.events,
                    Box::new(move |e| {
                        let _ = me.send_message(GroupMsg::Event(e));
                    }),
                );
                if l.result_handler != supervisor_config::DEFAULT_RESULT_HANDLER {
                    // Supervisor imports it as Python code; we cannot run Python.
                    args.ctx.log.log(
                        LogLevel::Warn,
                        &format!(
                            "pool {}: result_handler {} is Python code supervisor-rs cannot \
                             run; using the default handler (OK = processed, anything else \
                             = rejected)",
                            args.config.name, l.result_handler
                        ),
                    );
                }
                let names: Vec<String> = args
                    .config
                    .processes
                    .iter()
                    .map(|p| p.name.clone())
                    .collect();
                Some(PoolRun {
                    pool: Pool::new(
                        &args.config.name,
                        &args.ctx.identifier,
                        l.buffer_size,
                        &names,
                    ),
                    stdin: vec![None; names.len()],
                })
            }
            _ => None,
        };
        for (index, (process, snapshot)) in
            args.config.processes.iter().zip(args.snapshots).enumerate()
        {
            // Boxed: an awaited future lives inline in the actor's task for the task's
            // whole life, and spawn_linked's is large (issue 3: idle RSS per group).
            let (actor, _) = Box::pin(Actor::spawn_linked(
                None,
                ProcessActor,
                ProcessArgs {
                    config: member_config(&args.config, process),
                    ctx: args.ctx.clone(),
                    snapshot,
                    listener: pool.as_ref().map(|_| GroupLink {
                        group: myself.clone(),
                        index,
                    }),
                    deaths: watches_deaths(&args.config).then(|| GroupLink {
                        group: myself.clone(),
                        index,
                    }),
                },
                myself.get_cell(),
            ))
            .await?;
            members.push(actor);
        }
        Ok(GroupActorState {
            intensity: Intensity::new(args.config.max_restarts, args.config.restart_window),
            settled: false,
            drain_waiters: Vec::new(),
            config: args.config,
            ctx: args.ctx,
            members,
            pool,
        })
    }

    async fn post_stop(
        &self,
        _myself: ActorRef<GroupMsg>,
        st: &mut GroupActorState,
    ) -> Result<(), ActorProcessingErr> {
        if st.pool.is_some() {
            st.ctx.events.remove_pool(&st.config.name);
        }
        Ok(())
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
                        let _ =
                            Box::pin(actor.call(|port| ProcessMsg::Start(Some(port)), None)).await;
                    }
                }
                let _ = reply.send(());
            }
            GroupMsg::MemberDied { index } => st.member_died(index),
            GroupMsg::Shutdown => {
                st.settled = true;
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
                st.reconfigure_pool(&config);
                st.config = *config;
                st.members = members;
                let _ = reply.send(());
            }
            GroupMsg::Drained(reply) => {
                st.drain_waiters.push(reply);
                st.answer_drained();
            }
            GroupMsg::Event(event) => {
                if let Some(run) = &mut st.pool {
                    let fx = run.pool.accept(event, &mut run.stdin);
                    st.carry_out(fx);
                    st.answer_drained();
                }
            }
            GroupMsg::Listener { index, news } => {
                if let Some(run) = &mut st.pool {
                    let fx = match news {
                        ListenerNews::Spawned { pid, stdin } => {
                            run.pool.spawned(index, pid);
                            if let Some(slot) = run.stdin.get_mut(index) {
                                *slot = Some(stdin);
                            }
                            Vec::new()
                        }
                        ListenerNews::State(to) => {
                            if to.is_stopped() || to == ProcessState::Backoff {
                                // Its stdin pipe closes with the process actor's end.
                                if let Some(slot) = run.stdin.get_mut(index) {
                                    *slot = None;
                                }
                            }
                            run.pool.state(index, to, &mut run.stdin)
                        }
                        ListenerNews::Output { pid, data } => {
                            run.pool.output(index, pid, &data, &mut run.stdin)
                        }
                    };
                    st.carry_out(fx);
                    st.answer_drained();
                }
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

/// Whether the group needs its members' deaths: a strategy other than Supervisor's
/// one_for_one, or an intensity limit.
pub fn watches_deaths(config: &GroupConfig) -> bool {
    config.strategy != Strategy::OneForOne || config.max_restarts.is_some()
}

/// A member's config as its process actor sees it: an essential group makes each of its
/// programs essential. Shared with the group's config unless that flag differs.
pub(crate) fn member_config(group: &GroupConfig, p: &Arc<ProcessConfig>) -> Arc<ProcessConfig> {
    if group.essential && !p.essential {
        Arc::new(ProcessConfig {
            essential: true,
            ..(**p).clone()
        })
    } else {
        p.clone()
    }
}
