//! `GroupActorState`: a group owns its members — it spawns, reconfigures, retires and
//! removes their process actors, knows them by name, and builds the
//! [`GroupHandle`] others read. On top of the members' own state machines it applies
//! the group's strategy and restart intensity, and runs a listener pool's dispatch.
//! Each message of the group actor is one method here.

use std::sync::Arc;

use ractor::{ActorProcessingErr, ActorRef, RpcReplyPort};
use supervisor_config::{GroupConfig, GroupKind};
use supervisor_model::LogLevel;

use super::api::{Applied, GroupHandle, GroupMsg, GroupPlan};
use super::members::{drop_member, member_config, spawn_member};
use super::pool::PoolRun;
use crate::context::{Alarm, Context};
use crate::events::PoolEvent;
use crate::listener;
use crate::process::api::{Member, News, ProcessMsg, Report, Wants};
use crate::strategy::{self, Intensity, watches_deaths};
use crate::update::plan::ProcessAction;

pub struct GroupActorState {
    config: GroupConfig,
    ctx: Arc<Context>,
    /// In `config.processes` order; messages about a member name it.
    members: Vec<Member>,
    pool: Option<PoolRun>,
    intensity: Intensity,
    /// `Drained` requests waiting for the pool to empty.
    drain_waiters: Vec<RpcReplyPort<()>>,
    /// Shutting down: deaths restart nothing more.
    settled: bool,
}

/// The news a group with `config` wants from its members.
fn wants_of(config: &GroupConfig) -> Wants {
    Wants {
        listener: matches!(config.kind, GroupKind::EventListener(_)),
        deaths: watches_deaths(config),
    }
}

impl GroupActorState {
    /// A listener pool subscribes to the bus first (so it sees its own
    /// PROCESS_GROUP_ADDED), then every member's actor is spawned.
    pub async fn new(
        myself: &ActorRef<GroupMsg>,
        config: GroupConfig,
        ctx: Arc<Context>,
    ) -> Result<GroupActorState, ActorProcessingErr> {
        let pool = match &config.kind {
            GroupKind::EventListener(l) => {
                let me = myself.clone();
                ctx.events.add_pool(
                    &config.name,
                    &l.events,
                    Box::new(move |e| {
                        let _ = me.send_message(GroupMsg::Event(e));
                    }),
                );
                let names: Vec<String> = config.processes.iter().map(|p| p.name.clone()).collect();
                Some(PoolRun::new(&config.name, &ctx.identifier, l, &names))
            }
            _ => None,
        };
        let wants = wants_of(&config);
        let mut members = Vec::with_capacity(config.processes.len());
        for p in &config.processes {
            members.push(spawn_member(myself, &config, p, &ctx, wants).await?);
        }
        Ok(GroupActorState {
            intensity: Intensity::new(config.max_restarts, config.restart_window),
            settled: false,
            drain_waiters: Vec::new(),
            config,
            ctx,
            members,
            pool,
        })
    }

    /// The group as others see it now.
    pub fn handle(&self, myself: &ActorRef<GroupMsg>) -> Arc<GroupHandle> {
        Arc::new(GroupHandle {
            config: self.config.clone(),
            actor: myself.clone(),
            members: self.members.clone(),
        })
    }

    /// The group is going away: its pool leaves the bus.
    pub fn end(&self) {
        if self.pool.is_some() {
            self.ctx.events.remove_pool(&self.config.name);
        }
    }

    fn named<'a>(&'a self, names: &'a [String]) -> impl Iterator<Item = &'a Member> + 'a {
        self.members
            .iter()
            .filter(move |m| names.contains(&m.config.name))
    }

    /// Starts `members` one after the other, each spawn done before the next.
    async fn start_each(members: Vec<Member>) {
        for m in members {
            let _ = Box::pin(m.actor.call(|port| ProcessMsg::Start(Some(port)), None)).await;
        }
    }

    pub async fn start_autostart(&self) {
        let auto = self.members.iter().filter(|m| m.config.autostart);
        Self::start_each(auto.cloned().collect()).await;
    }

    pub async fn start(&self, names: &[String]) {
        Self::start_each(self.named(names).cloned().collect()).await;
    }

    pub fn shutdown(&mut self) {
        self.settled = true;
        // Highest priority value first, as Supervisor's stop_all does.
        for m in self.members.iter().rev() {
            let _ = m.actor.send_message(ProcessMsg::Shutdown);
        }
    }

    pub fn reopen_logs(&self) {
        for m in &self.members {
            let _ = m.actor.send_message(ProcessMsg::ReopenLogs);
        }
    }

    pub fn retire(&self, names: &[String]) {
        for m in self.named(names) {
            let _ = m.actor.send_message(ProcessMsg::Retire);
        }
    }

    pub fn reinstate(&self, names: &[String]) {
        for m in self.named(names) {
            let _ = m.actor.send_message(ProcessMsg::Reinstate);
        }
    }

    /// `update` changes the group in place (see [`crate::update::plan`]): untouched
    /// members stay, live changes are sent to their actors, restarted members get a
    /// new actor from the new config, added ones are spawned and removed ones ended
    /// — except members the first phase could not stop, which stay as they were.
    pub async fn apply(
        &mut self,
        myself: &ActorRef<GroupMsg>,
        plan: GroupPlan,
        ctx: Arc<Context>,
    ) -> Applied {
        let GroupPlan {
            config,
            steps,
            troubled,
        } = plan;
        let action = |name: &str| steps.iter().find(|s| s.name == name).map(|s| &s.action);
        let troubled = |name: &str| troubled.iter().any(|t| t == name);
        // An essential group makes each of its programs essential (member_config):
        // a change of the group's flag is live too.
        let essential_changed = self.config.essential != config.essential;
        let wants = wants_of(&config);
        let mut old = std::mem::take(&mut self.members);
        let mut members = Vec::with_capacity(config.processes.len());
        let mut start = Vec::new();
        for p in &config.processes {
            let existing = old
                .iter()
                .position(|m| m.config.name == p.name)
                .map(|i| old.remove(i));
            let (member, starts) = match (action(&p.name), existing) {
                (None, Some(m)) if !essential_changed => (m, false),
                (None | Some(ProcessAction::Live { .. }), Some(mut m)) => {
                    let _ = m
                        .actor
                        .send_message(ProcessMsg::Reconfigure(member_config(&config, p)));
                    m.config = p.clone();
                    let starts = matches!(
                        action(&p.name),
                        Some(ProcessAction::Live { start: true, .. })
                    );
                    (m, starts)
                }
                (Some(ProcessAction::Restart { .. }), Some(m)) if troubled(&p.name) => {
                    let _ = m.actor.send_message(ProcessMsg::Reinstate);
                    (m, false)
                }
                (step, existing) => {
                    if let Some(m) = existing {
                        drop_member(&m).await;
                    }
                    let starts = match step {
                        Some(
                            ProcessAction::Restart { start, .. } | ProcessAction::Add { start },
                        ) => *start,
                        _ => p.autostart,
                    };
                    match spawn_member(myself, &config, p, &ctx, wants).await {
                        Ok(m) => (m, starts),
                        Err(e) => {
                            self.ctx.log.log(
                                LogLevel::Critical,
                                &format!("update: cannot create process '{}': {e}", p.name),
                            );
                            continue;
                        }
                    }
                }
            };
            if starts {
                start.push(p.name.clone());
            }
            members.push(member);
        }
        // Members gone from the config.
        for m in old {
            if troubled(&m.config.name) {
                let _ = m.actor.send_message(ProcessMsg::Reinstate);
                members.push(m);
            } else {
                drop_member(&m).await;
            }
        }
        self.reconfigure_pool(&config);
        self.config = GroupConfig {
            processes: members.iter().map(|m| m.config.clone()).collect(),
            ..config
        };
        self.ctx = ctx;
        self.members = members;
        Applied {
            handle: self.handle(myself),
            start,
        }
    }

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
            let fx = run.resize(l.buffer_size);
            self.carry_out(fx);
        }
    }

    /// News from a member.
    pub fn member_news(&mut self, report: Report) {
        let Some(index) = self
            .members
            .iter()
            .position(|m| *m.config.name == *report.from)
        else {
            return;
        };
        match report.news {
            News::Died => self.member_died(index),
            news => {
                if let Some(run) = &mut self.pool {
                    let fx = run.news(index, news);
                    self.carry_out(fx);
                    self.answer_drained();
                }
            }
        }
    }

    /// An event for this pool, from the bus.
    pub fn event(&mut self, event: PoolEvent) {
        if let Some(run) = &mut self.pool {
            let fx = run.event(event);
            self.carry_out(fx);
            self.answer_drained();
        }
    }

    pub fn drained(&mut self, reply: RpcReplyPort<()>) {
        self.drain_waiters.push(reply);
        self.answer_drained();
    }

    /// The member at `index` died unexpectedly (its own autorestart rule restarts
    /// it): count it against the intensity limit, then restart the siblings the
    /// strategy names (`rest_for_one`: those after it in start order).
    fn member_died(&mut self, index: usize) {
        if self.settled {
            return;
        }
        if self.intensity.exceeded(std::time::Instant::now()) {
            self.give_up();
            return;
        }
        for sibling in strategy::siblings(self.config.strategy, index, self.members.len()) {
            let _ = self.members[sibling]
                .actor
                .send_message(ProcessMsg::Restart);
        }
    }

    /// The intensity limit is exceeded: stop every member (no more deaths), tell
    /// the listeners and the root. A later manual start begins a fresh window.
    fn give_up(&mut self) {
        self.intensity.reset();
        let name = &self.config.name;
        self.ctx.log.log(
            LogLevel::Critical,
            &format!(
                "group {name} failed: more than {} restarts within {} s (max_restarts, \
                 restart_window); stopping its processes",
                self.config.max_restarts.unwrap_or_default(),
                self.config.restart_window.as_secs()
            ),
        );
        for m in self.members.iter().rev() {
            let _ = m.actor.send_message(ProcessMsg::Fail(format!(
                "group {name} failed (max_restarts exceeded)"
            )));
        }
        self.ctx
            .events
            .publish("PROCESS_GROUP_FAILED", format!("groupname:{name}\n"));
        let _ = self.ctx.alarms.send(Alarm::GroupFailed(name.clone()));
    }

    /// Answers `Drained` requests once the pool is empty (or is no pool).
    fn answer_drained(&mut self) {
        if self.pool.as_ref().is_none_or(PoolRun::idle) {
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
                    if let Some(m) = self.members.get(n) {
                        let _ = m.actor.send_message(ProcessMsg::Stop(None));
                    }
                }
                listener::Effect::Start(n) => {
                    if let Some(m) = self.members.get(n) {
                        let _ = m.actor.send_message(ProcessMsg::Start(None));
                    }
                }
            }
        }
    }

    pub fn name(&self) -> &str {
        &self.config.name
    }

    pub fn log_critical(&self, msg: &str) {
        self.ctx.log.log(LogLevel::Critical, msg);
    }
}
