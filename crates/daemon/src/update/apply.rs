//! Carrying out an update [`Plan`] on the tree, in two phases so the root's mailbox
//! is never blocked while children stop:
//! 1. [`retire`]: the root plans (a dry run replies there); a task asks each group to
//!    retire the processes the plan stops for good (removed groups, replaced or
//!    removed processes): each is stopped as `stopProcess` does and refuses any later
//!    start, so nothing can revive it before it is dropped. The task waits on their
//!    snapshots and hands a [`Retired`] back. Meanwhile the root defers other config
//!    changes (reread, add, remove, update, reload).
//! 2. [`finish`], when the root gets it back: groups are removed and added
//!    (PROCESS_GROUP_REMOVED / _ADDED); each changed group applies its part of the
//!    plan itself (`GroupMsg::Apply`: it spawns, reconfigures and ends its members)
//!    and answers with its new handle, which replaces the old one. The root then
//!    publishes the registry, answers the caller and runs the [`Starts`] in the
//!    background, in order, as adding a group does. A changed group stays in place,
//!    so it emits no group event (Supervisor's clients, which remove and re-add it,
//!    still cause PROCESS_GROUP_REMOVED / _ADDED).
//!
//! A process that could not be stopped (its signal failed: UNKNOWN) is left as it
//! was, with its old config, and allowed to start again; a removed group with one is
//! not removed (Supervisor's `has problems; not removing`).

use std::sync::Arc;

use ractor::ActorCell;
use ractor::rpc::CallResult;
use supervisor_config::Config;
use supervisor_model::namespec;
use supervisor_model::{LogLevel, ProcessState};
use supervisor_rpc::UpdateReport;
use tokio::sync::watch;

use super::plan::{GroupStep, Plan};
use super::{Responder, has_problem, retires};
use crate::context::Context;
use crate::group::api::{GroupHandle, GroupMsg, GroupPlan};
use crate::mainlog::MainLog;
use crate::snapshot::Snapshot;
use crate::tree::{Groups, remove_group, spawn_group, start_autostart, wait_stopped};

/// Phase 1 is over: what phase 2 needs.
pub struct Retired {
    pub plan: Plan,
    pub config: Config,
    pub report: UpdateReport,
    /// (group, process) pairs that could not be stopped.
    pub problems: Vec<(String, String)>,
    pub reply: Responder,
}

/// The state of each process the plan asks about, read from the published handles.
pub fn state_of(groups: &Groups) -> impl Fn(&str, &str) -> ProcessState + '_ {
    |g, p| {
        groups
            .find(g)
            .and_then(|g| g.member(p))
            .map_or(ProcessState::Stopped, |m| m.now().state)
    }
}

/// Phase 1: asks each group to retire the processes `plan` stops for good, then (in
/// a task) waits until they are stopped and gives `done` the [`Retired`].
pub fn retire(
    groups: &Groups,
    plan: Plan,
    config: Config,
    report: UpdateReport,
    reply: Responder,
    log: MainLog,
    done: impl FnOnce(Retired) + Send + 'static,
) {
    let mut waiting: Vec<(String, String, watch::Receiver<Snapshot>)> = Vec::new();
    for step in &plan.steps {
        let Some(g) = groups.find(step.name()) else {
            continue;
        };
        let names: Vec<String> = g
            .members
            .iter()
            .filter(|m| retires(step, &m.config.name))
            .map(|m| m.config.name.clone())
            .collect();
        for m in g.members.iter().filter(|m| names.contains(&m.config.name)) {
            waiting.push((
                g.config.name.clone(),
                m.config.name.clone(),
                m.snapshot.clone(),
            ));
        }
        if !names.is_empty() {
            let _ = g.actor.send_message(GroupMsg::Retire(names));
        }
    }
    tokio::spawn(async move {
        let mut snapshots: Vec<watch::Receiver<Snapshot>> =
            waiting.iter().map(|(_, _, rx)| rx.clone()).collect();
        wait_stopped(&mut snapshots, &log).await;
        let problems = waiting
            .into_iter()
            .filter(|(_, _, rx)| has_problem(rx.borrow().state))
            .map(|(g, p, _)| (g, p))
            .collect();
        done(Retired {
            plan,
            config,
            report,
            problems,
            reply,
        });
    });
}

/// What is started once the caller has its answer: changed groups' members, then
/// added groups' autostart processes.
#[derive(Default)]
pub struct Starts {
    changed: Vec<(Arc<GroupHandle>, Vec<String>)>,
    added: Vec<Arc<GroupHandle>>,
}

impl Starts {
    pub async fn run(self) {
        for (g, names) in self.changed {
            if !names.is_empty() {
                let _ = g
                    .actor
                    .call(|port| GroupMsg::Start(names, port), None)
                    .await;
            }
        }
        start_autostart(&self.added, || true).await;
    }
}

/// Phase 2: applies `plan` to `groups` with the new `ctx`; fills in the report's
/// problems and returns what to start.
pub async fn finish(
    groups: &mut Groups,
    supervisor: &ActorCell,
    plan: Plan,
    problems: &[(String, String)],
    report: &mut UpdateReport,
    ctx: &Arc<Context>,
) -> Starts {
    let mut starts = Starts::default();
    for (step, rep) in plan.steps.into_iter().zip(report.groups.iter_mut()) {
        let group = step.name().to_string();
        let troubled: Vec<String> = problems
            .iter()
            .filter(|(g, _)| *g == group)
            .map(|(_, p)| p.clone())
            .collect();
        rep.problems = troubled.iter().map(|p| namespec::make(&group, p)).collect();
        match step {
            GroupStep::Remove { .. } | GroupStep::Replace { .. } if !troubled.is_empty() => {
                ctx.log.log(
                    LogLevel::Error,
                    &format!(
                        "update: could not stop {} of group '{group}'; left as it was",
                        troubled.join(", ")
                    ),
                );
                if let Some(g) = groups.find(&group) {
                    let all = g.members.iter().map(|m| m.config.name.clone()).collect();
                    let _ = g.actor.send_message(GroupMsg::Reinstate(all));
                }
            }
            GroupStep::Remove { name } => {
                if let Some(g) = groups.take(&name) {
                    remove_group(&g, ctx).await;
                }
            }
            GroupStep::Replace { config, .. } => {
                if let Some(g) = groups.take(&config.name) {
                    remove_group(&g, ctx).await;
                }
                starts
                    .added
                    .extend(add(groups, supervisor, &config, ctx).await);
            }
            GroupStep::Change {
                config, processes, ..
            } => {
                let Some(g) = groups.find(&config.name).cloned() else {
                    continue;
                };
                let plan = Box::new(GroupPlan {
                    config,
                    steps: processes,
                    troubled,
                });
                let applied = g
                    .actor
                    .call(
                        |reply| GroupMsg::Apply {
                            plan,
                            ctx: ctx.clone(),
                            reply,
                        },
                        None,
                    )
                    .await;
                match applied {
                    Ok(CallResult::Success(applied)) => {
                        groups.put(applied.handle.clone());
                        starts.changed.push((applied.handle, applied.start));
                    }
                    _ => ctx.log.log(
                        LogLevel::Critical,
                        &format!("update: group actor '{group}' is gone"),
                    ),
                }
            }
            GroupStep::Add { config } => {
                starts
                    .added
                    .extend(add(groups, supervisor, &config, ctx).await);
            }
        }
    }
    starts
}

/// Adds a group (PROCESS_GROUP_ADDED); its autostart processes are not started yet.
async fn add(
    groups: &mut Groups,
    supervisor: &ActorCell,
    config: &supervisor_config::GroupConfig,
    ctx: &Arc<Context>,
) -> Option<Arc<GroupHandle>> {
    match spawn_group(supervisor, config, ctx).await {
        Ok(handle) => {
            groups.put(handle.clone());
            Some(handle)
        }
        Err(e) => {
            ctx.log.log(
                LogLevel::Critical,
                &format!("update: cannot add group '{}': {e}", config.name),
            );
            None
        }
    }
}
