//! Carrying out an update [`Plan`] on the tree, in two phases so the root's mailbox
//! is never blocked while children stop:
//! 1. [`RootActorState::begin_update`] plans; a dry run replies there. Otherwise a
//!    task retires the processes the plan stops for good (removed groups, replaced
//!    or removed processes): each is stopped as `stopProcess` does and refuses any
//!    later start, so nothing can revive it before it is dropped. Meanwhile the root
//!    defers other config changes (reread, add, remove, update, reload).
//! 2. [`RootActorState::finish_update`], on `RootMsg::Retired`: groups are removed
//!    and added (PROCESS_GROUP_REMOVED / _ADDED), changed groups get their new
//!    members (new process actors linked to the group) and live options, the
//!    registry is published and the caller answered; processes to start are then
//!    started in the background, in order, as adding a group does. A changed
//!    group stays in place, so it emits no group event (Supervisor's clients,
//!    which remove and re-add it, still cause PROCESS_GROUP_REMOVED / _ADDED).
//!
//! A process that could not be stopped (its signal failed: UNKNOWN) is left as it
//! was, with its old config, and allowed to start again; a removed group with one is
//! not removed (Supervisor's `has problems; not removing`).

use std::sync::Arc;

use ractor::{Actor, ActorProcessingErr, ActorRef};
use supervisor_config::{Config, GroupConfig, ProcessConfig};
use supervisor_model::{Fault, FaultError, LogLevel, ProcessState, SupervisorState};
use supervisor_rpc::{UpdateReport, namespec};
use tokio::sync::watch;

use super::plan::{self, GroupStep, Plan, ProcessAction, ProcessStep};
use super::{Responder, has_problem, report, retires};
use crate::context::Context;
use crate::group::{GroupMsg, member_config, watches_deaths};
use crate::process::actor::{GroupLink, ProcessActor, ProcessArgs, ProcessMsg};
use crate::registry::{GroupHandle, Member};
use crate::root::{RootActorState, RootMsg};
use crate::snapshot::Snapshot;
use crate::tree::{spawn_group, start_autostart, stop_group_actor, wait_stopped};

/// Phase 1 is over: what the root needs to finish.
pub struct Retired {
    plan: Plan,
    config: Config,
    report: UpdateReport,
    /// (group, process) pairs that could not be stopped.
    problems: Vec<(String, String)>,
    reply: Responder,
}

impl RootActorState {
    /// Plans the update of the active groups to `config` (limited to `wanted`, none
    /// meaning all). A dry run replies at once; otherwise the processes to retire
    /// are stopped by a task that hands the rest back as `RootMsg::Retired`.
    pub(crate) fn begin_update(
        &mut self,
        myself: &ActorRef<RootMsg>,
        config: Config,
        dry_run: bool,
        wanted: &[String],
        reply: Responder,
    ) {
        let reg = self.registry.borrow().clone();
        let plan = plan::plan(&self.running, &config, wanted, |g, p| {
            reg.group(g)
                .and_then(|g| g.member(p))
                .map_or(ProcessState::Stopped, |m| m.now().state)
        });
        let report = report(&plan, &self.running);
        if dry_run {
            reply.send(Ok(report));
            return;
        }
        let mut retiring: Vec<(String, String, Member)> = Vec::new();
        for step in &plan.steps {
            if let Some(g) = reg.group(step.name()) {
                for m in g.members.iter().filter(|m| retires(step, &m.config.name)) {
                    retiring.push((g.config.name.clone(), m.config.name.clone(), copy(m)));
                }
            }
        }
        self.busy = true;
        let me = myself.clone();
        let log = self.ctx.log.clone();
        tokio::spawn(async move {
            for (_, _, m) in &retiring {
                let _ = m.actor.send_message(ProcessMsg::Retire);
            }
            let mut snapshots: Vec<watch::Receiver<Snapshot>> = retiring
                .iter()
                .map(|(_, _, m)| m.snapshot.clone())
                .collect();
            wait_stopped(&mut snapshots, &log).await;
            let problems = retiring
                .into_iter()
                .filter(|(_, _, m)| has_problem(m.now().state))
                .map(|(g, p, _)| (g, p))
                .collect();
            let done = Retired {
                plan,
                config,
                report,
                problems,
                reply,
            };
            // If the root is gone (shut down meanwhile), dropping the reply port
            // tells the caller.
            let _ = me.send_message(RootMsg::Retired(Box::new(done)));
        });
    }

    /// Phase 2: swap groups, members and configs, publish, reply, then start.
    pub(crate) async fn finish_update(&mut self, myself: &ActorRef<RootMsg>, done: Retired) {
        self.busy = false;
        // Queued behind whatever is already waiting, handled after this message.
        for msg in self.deferred.drain(..) {
            let _ = myself.send_message(msg);
        }
        let Retired {
            plan,
            config,
            mut report,
            problems,
            reply,
        } = done;
        if *self.state.borrow() != SupervisorState::Running {
            reply.send(Err(FaultError::bare(Fault::ShutdownState)));
            return;
        }
        let mut ctx = Context::new(
            &config,
            self.ctx.reaper.clone(),
            self.ctx.log.clone(),
            self.ctx.events.clone(),
            self.ctx.alarms.clone(),
        );
        // The listeners are not re-bound by an update: children keep being told
        // the URL that is actually served.
        ctx.server_url.clone_from(&self.ctx.server_url);
        let ctx = Arc::new(ctx);
        let mut starts: Vec<ActorRef<ProcessMsg>> = Vec::new();
        let mut added: Vec<Arc<GroupHandle>> = Vec::new();
        for (step, rep) in plan.steps.iter().zip(report.groups.iter_mut()) {
            let group = step.name();
            let troubled: Vec<&str> = problems
                .iter()
                .filter(|(g, _)| g == group)
                .map(|(_, p)| p.as_str())
                .collect();
            rep.problems = troubled.iter().map(|p| namespec::make(group, p)).collect();
            match step {
                GroupStep::Remove { .. } | GroupStep::Replace { .. } if !troubled.is_empty() => {
                    self.reinstate(group, &troubled);
                }
                GroupStep::Remove { name } => self.drop_group(name).await,
                GroupStep::Replace { config: g, .. } => {
                    self.drop_group(&g.name).await;
                    added.extend(self.attach_group(myself, g, &ctx).await);
                }
                GroupStep::Change {
                    config: g,
                    processes,
                    ..
                } => starts.extend(self.change_group(g, processes, &troubled, &ctx).await),
                GroupStep::Add { config: g } => {
                    added.extend(self.attach_group(myself, g, &ctx).await);
                }
            }
        }
        self.loaded = Arc::new(config);
        self.ctx = ctx;
        self.sort_groups();
        self.publish();
        reply.send(Ok(report));
        tokio::spawn(async move {
            for actor in starts {
                let _ = actor.call(|port| ProcessMsg::Start(Some(port)), None).await;
            }
            start_autostart(&added).await;
        });
    }

    /// Lets the retired processes of a group that stays start again.
    fn reinstate(&self, group: &str, names: &[&str]) {
        self.ctx.log.log(
            LogLevel::Error,
            &format!(
                "update: could not stop {} of group '{group}'; left as it was",
                names.join(", ")
            ),
        );
        if let Some(g) = self.groups.iter().find(|g| g.config.name == group) {
            for m in &g.members {
                let _ = m.actor.send_message(ProcessMsg::Reinstate);
            }
        }
    }

    /// Removes an active group whose processes are all stopped.
    pub(crate) async fn drop_group(&mut self, name: &str) {
        let Some(index) = self.groups.iter().position(|g| g.config.name == name) else {
            return;
        };
        let group = self.groups.remove(index);
        self.running.groups.retain(|g| g.name != name);
        // A pool is unsubscribed before the event, so it does not see its own
        // removal (Supervisor's `before_remove`).
        self.ctx.events.remove_pool(name);
        self.ctx
            .events
            .publish("PROCESS_GROUP_REMOVED", format!("groupname:{name}\n"));
        if let Err(e) = stop_group_actor(&group).await {
            self.ctx.log.log(
                LogLevel::Error,
                &format!("group actor {name} did not stop cleanly: {e}"),
            );
        }
    }

    /// Adds a group (PROCESS_GROUP_ADDED); its autostart processes are not started.
    async fn attach_group(
        &mut self,
        myself: &ActorRef<RootMsg>,
        config: &GroupConfig,
        ctx: &Arc<Context>,
    ) -> Option<Arc<GroupHandle>> {
        match spawn_group(myself, config, ctx).await {
            Ok(handle) => {
                self.groups.push(handle.clone());
                self.running.groups.push(config.clone());
                Some(handle)
            }
            Err(e) => {
                self.ctx.log.log(
                    LogLevel::Critical,
                    &format!("update: cannot add group '{}': {e}", config.name),
                );
                None
            }
        }
    }

    /// Applies a changed group's process steps; the actors to start afterwards.
    async fn change_group(
        &mut self,
        config: &GroupConfig,
        steps: &[ProcessStep],
        troubled: &[&str],
        ctx: &Arc<Context>,
    ) -> Vec<ActorRef<ProcessMsg>> {
        let Some(index) = self
            .groups
            .iter()
            .position(|g| g.config.name == config.name)
        else {
            return Vec::new();
        };
        let old = self.groups[index].clone();
        let action = |name: &str| steps.iter().find(|s| s.name == name).map(|s| &s.action);
        let mut members: Vec<Member> = Vec::new();
        let mut starts = Vec::new();
        // An essential group makes each of its programs essential (as the group
        // actor does when it spawns them): a change of the group's flag is live too.
        let essential_changed = old.config.essential != config.essential;
        for p in &config.processes {
            let (member, start) = match (action(&p.name), old.member(&p.name)) {
                (None, Some(m)) if !essential_changed => (copy(m), false),
                (None | Some(ProcessAction::Live { .. }), Some(m)) => {
                    let start = matches!(
                        action(&p.name),
                        Some(ProcessAction::Live { start: true, .. })
                    );
                    let _ = m
                        .actor
                        .send_message(ProcessMsg::Reconfigure(member_config(config, p)));
                    let mut m = copy(m);
                    m.config = p.clone();
                    (m, start)
                }
                (Some(ProcessAction::Restart { .. }), Some(m)) if troubled.contains(&&*p.name) => {
                    let _ = m.actor.send_message(ProcessMsg::Reinstate);
                    (copy(m), false)
                }
                (Some(ProcessAction::Restart { start, .. }), Some(m)) => {
                    drop_member(m).await;
                    match self.spawn_member(&old.actor, config, p, ctx).await {
                        Some(m) => (m, *start),
                        None => continue,
                    }
                }
                (step, _) => match self.spawn_member(&old.actor, config, p, ctx).await {
                    Some(m) => {
                        let start = match step {
                            Some(ProcessAction::Add { start }) => *start,
                            _ => p.autostart,
                        };
                        (m, start)
                    }
                    None => continue,
                },
            };
            if start {
                starts.push(member.actor.clone());
            }
            members.push(member);
        }
        for step in steps.iter().filter(|s| s.action == ProcessAction::Remove) {
            let Some(m) = old.member(&step.name) else {
                continue;
            };
            if troubled.contains(&&*step.name) {
                let _ = m.actor.send_message(ProcessMsg::Reinstate);
                members.push(copy(m));
            } else {
                drop_member(m).await;
            }
        }
        let mut group_config = config.clone();
        group_config.processes = members.iter().map(|m| m.config.clone()).collect();
        let actors = members.iter().map(|m| m.actor.clone()).collect();
        let replace = old
            .actor
            .call(
                |reply| GroupMsg::Replace {
                    config: Box::new(group_config.clone()),
                    members: actors,
                    reply,
                },
                None,
            )
            .await;
        if replace.is_err() {
            self.ctx.log.log(
                LogLevel::Critical,
                &format!("update: group actor '{}' is gone", config.name),
            );
        }
        if let Some(slot) = self
            .running
            .groups
            .iter_mut()
            .find(|g| g.name == config.name)
        {
            *slot = group_config.clone();
        }
        self.groups[index] = Arc::new(GroupHandle {
            config: group_config,
            actor: old.actor.clone(),
            members,
        });
        starts
    }

    /// A new process actor in the group `group` (its new config), supervised by the
    /// group's actor.
    async fn spawn_member(
        &self,
        actor: &ActorRef<GroupMsg>,
        group: &GroupConfig,
        config: &Arc<ProcessConfig>,
        ctx: &Arc<Context>,
    ) -> Option<Member> {
        let (tx, rx) = watch::channel(Snapshot::new(&config.name, &config.group));
        let args = ProcessArgs {
            config: member_config(group, config),
            ctx: ctx.clone(),
            snapshot: tx,
            // Never a listener: a pool whose listeners change is replaced whole.
            listener: None,
            // A group watching deaths keeps its members' positions through an
            // in-place update (the plan replaces it otherwise).
            deaths: watches_deaths(group).then(|| GroupLink {
                group: actor.clone(),
                index: group
                    .processes
                    .iter()
                    .position(|p| p.name == config.name)
                    .unwrap_or_default(),
            }),
        };
        let spawned: Result<_, ActorProcessingErr> =
            Actor::spawn_linked(None, ProcessActor, args, actor.get_cell())
                .await
                .map_err(Into::into);
        match spawned {
            Ok((actor, _)) => Some(Member {
                config: config.clone(),
                actor,
                snapshot: rx,
            }),
            Err(e) => {
                self.ctx.log.log(
                    LogLevel::Critical,
                    &format!("update: cannot create process '{}': {e}", config.name),
                );
                None
            }
        }
    }

    /// Active groups in start order, as a loaded config lists them.
    pub(crate) fn sort_groups(&mut self) {
        let key = |priority: i64, name: &str| (priority, name.to_string());
        self.groups
            .sort_by_key(|g| key(g.config.priority, &g.config.name));
        self.running
            .groups
            .sort_by_key(|g| key(g.priority, &g.name));
    }
}

fn copy(m: &Member) -> Member {
    Member {
        config: m.config.clone(),
        actor: m.actor.clone(),
        snapshot: m.snapshot.clone(),
    }
}

/// Ends a retired (stopped) process actor.
async fn drop_member(m: &Member) {
    let _ = m.actor.stop_and_wait(None, None).await;
}
