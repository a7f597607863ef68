//! What the rest of the daemon holds of a group: the messages its actor takes
//! ([`GroupMsg`]), and its read side ([`GroupHandle`]), which only the group actor
//! builds — at its start and after each [`GroupMsg::Apply`] — and the root
//! publishes in the registry.

use std::sync::Arc;

use ractor::{ActorRef, RpcReplyPort};
use supervisor_config::GroupConfig;

use crate::context::Context;
use crate::events::PoolEvent;
use crate::process::api::{Member, Report};
use crate::update::plan::ProcessStep;

pub enum GroupMsg {
    /// Start every `autostart=true` process, in priority order, one spawn completed
    /// before the next (Supervisor forks them in that order); replies when done.
    StartAutostart(RpcReplyPort<()>),
    /// Start the members named (an update's restarted or added ones), in the
    /// group's order; replies when done.
    Start(Vec<String>, RpcReplyPort<()>),
    /// Stop every process and never restart (shutdown / reload).
    Shutdown,
    ReopenLogs,
    /// `update`, first phase: stop these members for good (later starts refused).
    Retire(Vec<String>),
    /// The `update` that retired these members could not finish: they stay.
    Reinstate(Vec<String>),
    /// `update`, second phase: the group changes in place per process. Answered
    /// with the group's new handle and the members to start afterwards.
    Apply {
        plan: Box<GroupPlan>,
        ctx: Arc<Context>,
        reply: RpcReplyPort<Applied>,
    },
    /// Replies once this listener pool holds no event (buffered or in flight); at
    /// once for any other group.
    Drained(RpcReplyPort<()>),
    /// An event for this listener pool, from the bus.
    Event(PoolEvent),
    /// News from one of the members.
    Member(Report),
}

impl From<Report> for GroupMsg {
    fn from(r: Report) -> GroupMsg {
        GroupMsg::Member(r)
    }
}

impl TryFrom<GroupMsg> for Report {
    type Error = ();

    fn try_from(m: GroupMsg) -> Result<Report, ()> {
        match m {
            GroupMsg::Member(r) => Ok(r),
            _ => Err(()),
        }
    }
}

/// A changed group's part of an update plan.
pub struct GroupPlan {
    /// The group's new config.
    pub config: GroupConfig,
    /// What happens to each process that is not left as it is.
    pub steps: Vec<ProcessStep>,
    /// Members the first phase could not stop: they stay as they were.
    pub troubled: Vec<String>,
}

/// The group after an [`GroupMsg::Apply`].
pub struct Applied {
    pub handle: Arc<GroupHandle>,
    /// Members to start now (restarted ones that ran, added autostart ones).
    pub start: Vec<String>,
}

/// A group as the others see it. Built by the group actor, which owns the members.
pub struct GroupHandle {
    /// The group's config; `config.processes` are the members' configs, in order.
    pub config: GroupConfig,
    pub actor: ActorRef<GroupMsg>,
    /// In `config.processes` order (priority, then name).
    pub members: Vec<Member>,
}

impl GroupHandle {
    pub fn members_by_priority(&self) -> Vec<&Member> {
        let mut m: Vec<&Member> = self.members.iter().collect();
        m.sort_by_key(|m| m.config.priority);
        m
    }

    pub fn member(&self, name: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.config.name == name)
    }
}
