//! What the control plane sees of the tree: the active groups, each with its config,
//! its actor, and per process the config, the actor and the snapshot channel. The
//! root publishes a new `Arc<Registry>` on a `watch` channel whenever groups come or
//! go, so queries (status of 500 programs) read snapshots without a mailbox.

use std::sync::Arc;

use supervisor_config::Config;

use crate::group::api::GroupHandle;
use crate::process::api::{Member, Peers};

#[derive(Default)]
pub struct Registry {
    /// Active groups in start order (priority, then name).
    pub groups: Vec<Arc<GroupHandle>>,
    /// The config last read (startup, reload or `reread`): what `add` activates and
    /// `avail` lists.
    pub loaded: Option<Arc<Config>>,
    /// supervisord's own PATH, `[supervisord] environment=` applied: where a
    /// program without its own PATH is looked up (as the spawn does).
    pub path: Option<std::ffi::OsString>,
}

impl Registry {
    pub fn group(&self, name: &str) -> Option<&Arc<GroupHandle>> {
        self.groups.iter().find(|g| g.config.name == name)
    }

    /// Every process in Supervisor's priority order: groups by priority (stable),
    /// processes by priority within each.
    pub fn by_priority(&self) -> Vec<(&GroupHandle, &Member)> {
        let mut groups: Vec<&Arc<GroupHandle>> = self.groups.iter().collect();
        groups.sort_by_key(|g| g.config.priority);
        groups
            .into_iter()
            .flat_map(|g| g.members_by_priority().into_iter().map(move |m| (&**g, m)))
            .collect()
    }

    /// Every process sorted by group name, then process name (getAllProcessInfo).
    pub fn lexical(&self) -> Vec<(&GroupHandle, &Member)> {
        let mut all: Vec<(&GroupHandle, &Member)> = self
            .groups
            .iter()
            .flat_map(|g| g.members.iter().map(move |m| (&**g, m)))
            .collect();
        all.sort_by(|a, b| {
            (&a.0.config.name, &a.1.config.name).cmp(&(&b.0.config.name, &b.1.config.name))
        });
        all
    }
}

impl Peers for Registry {
    fn member(&self, group: &str, name: &str) -> Option<Member> {
        self.group(group).and_then(|g| g.member(name)).cloned()
    }
}
