//! Planning an `update`: from the running config, a newly read one, the groups asked
//! for and each running process's state, the list of steps that applies the new
//! config while touching as little as possible. Pure: no actor, no clock, no I/O, so
//! every rule below is unit-tested.
//!
//! Supervisor's `update` removes and re-adds every changed group, restarting all of
//! its processes. Here a changed group is updated per process:
//! - a process whose *restart-relevant* options changed is stopped and replaced by
//!   one built from the new config (started again if it was running or is
//!   `autostart`);
//! - a process whose changes are all *live* gets its new options in place, its child
//!   untouched;
//! - processes only in the new config are added (started if `autostart`), processes
//!   only in the old one are stopped and removed (numprocs growing or shrinking);
//! - untouched processes are left alone.
//!
//! Live options are those read only when something happens — at a start, an exit, a
//! stop, a log write — so the next occurrence obeys the new value: [`LIVE_PROCESS`].
//! Every other option is restart-relevant because the running child was made with it
//! (command, environment, directory, user, umask, serverurl, redirect_stderr, the log
//! files and their syslog flags, `*_events_enabled` and `*_capture_maxbytes` — which
//! shape the output pipeline set up at the spawn — and the identity fields
//! group/program/process_num); an option this module does not know is treated as
//! restart-relevant, the safe choice. A group whose kind (program, eventlistener,
//! fcgi-program) or fcgi socket changed is replaced whole, as Supervisor does, since
//! its processes share it. So is a listener pool whose listeners would be added,
//! removed or restarted: the pool's dispatch state (which listener holds which event)
//! belongs to its listeners; its `events` and `buffer_size` apply live. And so is a
//! group whose strategy options changed, or with a restart strategy or an intensity
//! limit whose members would move (come, go or be reordered): its strategy's order
//! is its members' start order, and its intensity counts deaths since it started.

use supervisor_config::{Config, ConfigDiff, GroupConfig, GroupKind, ProcessChange, ProcessConfig};
use supervisor_model::ProcessState;

use crate::strategy::watches_deaths;

/// Process options applied to a running process without restarting it.
///
/// `stopsignal`, `stopwaitsecs`, `stopasgroup` and `killasgroup` are read when a
/// stop begins, so a child started under the old values is stopped with the new
/// ones; `autostart` matters only when a group starts (turning it on starts a
/// stopped process, see [`ProcessAction::Live`]).
pub const LIVE_PROCESS: &[&str] = &[
    "priority",
    "autostart",
    "startsecs",
    "startretries",
    "autorestart",
    "exitcodes",
    "stopsignal",
    "stopwaitsecs",
    "stopasgroup",
    "killasgroup",
    "stdout_logfile_maxbytes",
    "stdout_logfile_backups",
    "stderr_logfile_maxbytes",
    "stderr_logfile_backups",
    "stdout_logfile_timestamps",
    "stdout_logfile_rotate",
    "stdout_logfile_compress",
    "stderr_logfile_timestamps",
    "stderr_logfile_rotate",
    "stderr_logfile_compress",
    "essential",
    "backoff",
    "backoff_max",
    "fatal_retry_after",
    "die_with_supervisord",
];

/// Group options applied in place: ordering, `essential`, and an event-listener
/// pool's subscriptions and buffer. The restart strategy and its limits are not:
/// the group counts its members' deaths since it started.
pub const LIVE_GROUP: &[&str] = &[
    "priority",
    "order",
    "essential",
    "events",
    "buffer_size",
    "result_handler",
];

/// What `update` does, group by group, in Supervisor's order: removed groups, then
/// changed ones, then added ones (supervisorctl.py `do_update`).
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Requested group names that are neither active nor in the new config, in the
    /// order asked.
    pub unknown: Vec<String>,
    pub steps: Vec<GroupStep>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum GroupStep {
    /// Stop every process and remove the group (`<g>: removed process group`).
    Remove { name: String },
    /// Stop and remove the group, then add it from the new config: its kind or
    /// socket changed (`<g>: updated process group`).
    Replace {
        config: GroupConfig,
        fields: Vec<&'static str>,
    },
    /// Apply per process (`<g>: updated process group`). `live` are the group's own
    /// changed options, all applied in place.
    Change {
        config: GroupConfig,
        live: Vec<&'static str>,
        processes: Vec<ProcessStep>,
    },
    /// Add the group and start its autostart processes (`<g>: added process group`).
    Add { config: GroupConfig },
}

impl GroupStep {
    pub fn name(&self) -> &str {
        match self {
            GroupStep::Remove { name } => name,
            GroupStep::Replace { config, .. }
            | GroupStep::Change { config, .. }
            | GroupStep::Add { config } => &config.name,
        }
    }
}

/// One process of a changed group that is not left as it is.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessStep {
    /// The process name (not the namespec).
    pub name: String,
    pub action: ProcessAction,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ProcessAction {
    /// Stop, replace with the new config; `start` afterwards when it was running
    /// (or starting, or in BACKOFF) or is `autostart`. `fields`: every changed option.
    Restart {
        fields: Vec<&'static str>,
        start: bool,
    },
    /// New in the group; started when `autostart`.
    Add { start: bool },
    /// Gone from the group: stopped and removed.
    Remove,
    /// Only live options changed: applied in place. `start` when `autostart` was
    /// turned on and the process is not running (what adding the group would do).
    Live {
        fields: Vec<&'static str>,
        start: bool,
    },
}

/// Plans the update of `running` (the active groups' configs) to `new`, limited to
/// the `wanted` groups (none: every group). `state` gives a running process's state
/// by group and process name.
pub fn plan(
    running: &Config,
    new: &Config,
    wanted: &[String],
    state: impl Fn(&str, &str) -> ProcessState,
) -> Plan {
    let diff: ConfigDiff = supervisor_config::diff(running, new);
    let known = |name: &str| running.group(name).is_some() || new.group(name).is_some();
    let mut unknown: Vec<String> = Vec::new();
    for name in wanted {
        if !known(name) && !unknown.contains(name) {
            unknown.push(name.clone());
        }
    }
    let selected = |name: &str| wanted.is_empty() || wanted.iter().any(|w| w == name);
    // The diff takes the last of duplicate names, as Python's dicts do.
    let new_group = |name: &str| new.groups.iter().rev().find(|g| g.name == name);
    let mut steps = Vec::new();
    for name in diff.removed.iter().filter(|n| selected(n)) {
        steps.push(GroupStep::Remove { name: name.clone() });
    }
    for change in diff.changed.iter().filter(|c| selected(&c.name)) {
        let Some(config) = new_group(&change.name) else {
            continue;
        };
        let replace: Vec<&'static str> = change
            .fields
            .iter()
            .copied()
            .filter(|f| !LIVE_GROUP.contains(f))
            .collect();
        if !replace.is_empty() {
            steps.push(GroupStep::Replace {
                config: config.clone(),
                fields: replace,
            });
            continue;
        }
        let processes: Vec<ProcessStep> = change
            .processes
            .iter()
            .map(|p| process_step(config, p, |name| state(&config.name, name)))
            .collect();
        let pool = matches!(config.kind, GroupKind::EventListener(_));
        let strategic = running
            .group(&change.name)
            .and_then(|old| strategy_replacement(old, config));
        if let Some(fields) = strategic {
            steps.push(GroupStep::Replace {
                config: config.clone(),
                fields,
            });
            continue;
        }
        if pool && let Some(fields) = pool_replacement(&processes) {
            steps.push(GroupStep::Replace {
                config: config.clone(),
                fields,
            });
            continue;
        }
        steps.push(GroupStep::Change {
            config: config.clone(),
            live: change.fields.clone(),
            processes,
        });
    }
    for name in diff.added.iter().filter(|n| selected(n)) {
        if let Some(config) = new_group(name) {
            steps.push(GroupStep::Add {
                config: config.clone(),
            });
        }
    }
    Plan { unknown, steps }
}

/// Why a group with a strategy or an intensity limit must be replaced rather than
/// changed in place: its members would move (come, go or change order), which
/// changes whom `rest_for_one` restarts and what the intensity window counted.
fn strategy_replacement(old: &GroupConfig, new: &GroupConfig) -> Option<Vec<&'static str>> {
    if !watches_deaths(old) {
        return None;
    }
    let names = |g: &GroupConfig| g.processes.iter().map(|p| p.name.clone()).collect();
    let (mut before, mut after): (Vec<String>, Vec<String>) = (names(old), names(new));
    if before == after {
        return None;
    }
    before.sort();
    after.sort();
    Some(vec![if before == after { "order" } else { "numprocs" }])
}

/// Why a listener pool must be replaced rather than changed in place: the options
/// of the listeners to restart, and `numprocs` when listeners come or go.
fn pool_replacement(steps: &[ProcessStep]) -> Option<Vec<&'static str>> {
    let mut fields: Vec<&'static str> = Vec::new();
    for step in steps {
        let why: &[&'static str] = match &step.action {
            ProcessAction::Live { .. } => continue,
            ProcessAction::Restart { fields, .. } => fields,
            ProcessAction::Add { .. } | ProcessAction::Remove => &["numprocs"],
        };
        for f in why {
            if !fields.contains(f) {
                fields.push(f);
            }
        }
    }
    (!fields.is_empty()).then_some(fields)
}

fn process_step(
    group: &GroupConfig,
    change: &ProcessChange,
    state: impl Fn(&str) -> ProcessState,
) -> ProcessStep {
    let config = |name: &str| -> Option<&ProcessConfig> {
        group
            .processes
            .iter()
            .find(|p| p.name == name)
            .map(|p| &**p)
    };
    let autostart = |name: &str| config(name).is_some_and(|p| p.autostart);
    let (name, action) = match change {
        ProcessChange::Added(name) => (
            name,
            ProcessAction::Add {
                start: autostart(name),
            },
        ),
        ProcessChange::Removed(name) => (name, ProcessAction::Remove),
        ProcessChange::Changed { name, fields } => {
            let now = state(name);
            let action = if fields.iter().all(|f| LIVE_PROCESS.contains(f)) {
                ProcessAction::Live {
                    fields: fields.clone(),
                    start: fields.contains(&"autostart")
                        && autostart(name)
                        && !now.is_running()
                        && now != ProcessState::Stopping,
                }
            } else {
                ProcessAction::Restart {
                    fields: fields.clone(),
                    start: now.is_running() || autostart(name),
                }
            };
            (name, action)
        }
    };
    ProcessStep {
        name: name.clone(),
        action,
    }
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
