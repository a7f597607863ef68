//! Comparing two configs for `reread` / `update` (supervisord.py `diff_to_active`,
//! rpcinterface.py `reloadConfig`): groups added, changed and removed — added and
//! changed in the new config's start order, removed in the old one's, as Supervisor
//! returns them — and, for a changed group, which processes were added, removed or
//! changed and which fields of each (named as Supervisor's options, a channel's
//! options one by one: `stdout_logfile_maxbytes`), so `update` can restart only what
//! it must.
//! A process's environment is compared as Supervisor holds it: `[supervisord]
//! environment` merged with the section's own, so a global change touches all.
//! Unlike Supervisor's `ProcessConfig.__eq__`, a field that is `AUTO` on one side
//! is still compared: Supervisor skips it because its running configs hold the
//! generated log names, while ours keep `LogFile::Auto`, so AUTO ↔ path is a real
//! change here. The extension fields (strategy, essential, ...) count too.

use crate::{ChannelConfig, Config, GroupConfig, GroupKind, ProcessConfig};

/// The result of comparing the running config with a newly read one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConfigDiff {
    /// Group names only in the new config.
    pub added: Vec<String>,
    /// Groups in both whose definition differs.
    pub changed: Vec<GroupChange>,
    /// Group names only in the old config.
    pub removed: Vec<String>,
}

impl ConfigDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }

    /// Names of the changed groups (what `reloadConfig` returns).
    pub fn changed_names(&self) -> Vec<&str> {
        self.changed.iter().map(|c| c.name.as_str()).collect()
    }

    /// `supervisorctl reread`'s view: every group with `available`, `changed` or
    /// `disappeared`, sorted by name (supervisorctl.py `_formatChanges`).
    pub fn reread_summary(&self) -> Vec<(String, &'static str)> {
        let mut lines: Vec<(String, &'static str)> = Vec::new();
        // Later kinds win for a name listed twice, as `_formatChanges`' dict does.
        let all = self
            .added
            .iter()
            .map(|n| (n.clone(), "available"))
            .chain(self.changed.iter().map(|c| (c.name.clone(), "changed")))
            .chain(self.removed.iter().map(|n| (n.clone(), "disappeared")));
        for (name, what) in all {
            match lines.iter_mut().find(|(n, _)| *n == name) {
                Some((_, slot)) => *slot = what,
                None => lines.push((name, what)),
            }
        }
        lines.sort();
        lines
    }
}

/// How one group differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupChange {
    pub name: String,
    /// Group-level fields that differ (`priority`, `kind`, `strategy`, ...).
    pub fields: Vec<&'static str>,
    /// Per-process differences, in the new config's order (removed ones last).
    pub processes: Vec<ProcessChange>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProcessChange {
    Added(String),
    Removed(String),
    /// A process present in both, with the option names that differ.
    Changed {
        name: String,
        fields: Vec<&'static str>,
    },
}

/// Compares `old` (running) with `new` (just read).
pub fn diff(old: &Config, new: &Config) -> ConfigDiff {
    // Python builds dicts by name, so with duplicate names the last one counts.
    let find = |c: &'_ Config, name: &str| -> Option<usize> {
        c.groups.iter().rposition(|g| g.name == name)
    };
    let mut out = ConfigDiff::default();
    for (index, group) in new.groups.iter().enumerate() {
        if find(new, &group.name) != Some(index) {
            continue;
        }
        match find(old, &group.name) {
            None => out.added.push(group.name.clone()),
            Some(i) => {
                if let Some(change) = group_change(old, &old.groups[i], new, group) {
                    out.changed.push(change);
                }
            }
        }
    }
    for (index, group) in old.groups.iter().enumerate() {
        if find(old, &group.name) == Some(index) && find(new, &group.name).is_none() {
            out.removed.push(group.name.clone());
        }
    }
    out
}

fn group_change(
    old_cfg: &Config,
    old: &GroupConfig,
    new_cfg: &Config,
    new: &GroupConfig,
) -> Option<GroupChange> {
    let mut fields = Vec::new();
    macro_rules! cmp {
        ($($f:ident),*) => {$(if old.$f != new.$f { fields.push(stringify!($f)); })*};
    }
    cmp!(priority, strategy, max_restarts, restart_window, essential);
    match (&old.kind, &new.kind) {
        (GroupKind::Program, GroupKind::Program) => {}
        (GroupKind::EventListener(a), GroupKind::EventListener(b)) => {
            if a.buffer_size != b.buffer_size {
                fields.push("buffer_size");
            }
            let (mut ea, mut eb) = (a.events.clone(), b.events.clone());
            ea.sort();
            eb.sort();
            if ea != eb {
                fields.push("events");
            }
            if a.result_handler != b.result_handler {
                fields.push("result_handler");
            }
        }
        (GroupKind::Fcgi(a), GroupKind::Fcgi(b)) => {
            if a != b {
                fields.push("socket");
            }
        }
        _ => fields.push("kind"),
    }
    let mut processes = Vec::new();
    for p in &new.processes {
        match old.processes.iter().find(|o| o.name == p.name) {
            None => processes.push(ProcessChange::Added(p.name.clone())),
            Some(o) => {
                let f = process_fields(old_cfg, o, new_cfg, p);
                if !f.is_empty() {
                    processes.push(ProcessChange::Changed {
                        name: p.name.clone(),
                        fields: f,
                    });
                }
            }
        }
    }
    for o in &old.processes {
        if !new.processes.iter().any(|p| p.name == o.name) {
            processes.push(ProcessChange::Removed(o.name.clone()));
        }
    }
    // Supervisor compares the process list in order, so a reordering alone (a
    // priority change is already a field change) counts as a change too.
    let names = |g: &GroupConfig| {
        g.processes
            .iter()
            .map(|p| p.name.clone())
            .collect::<Vec<_>>()
    };
    if fields.is_empty() && processes.is_empty() && names(old) != names(new) {
        fields.push("order");
    }
    (!fields.is_empty() || !processes.is_empty()).then(|| GroupChange {
        name: new.name.clone(),
        fields,
        processes,
    })
}

fn process_fields(
    old_cfg: &Config,
    old: &ProcessConfig,
    new_cfg: &Config,
    new: &ProcessConfig,
) -> Vec<&'static str> {
    let mut fields = Vec::new();
    macro_rules! cmp {
        ($($f:ident),*) => {$(if old.$f != new.$f { fields.push(stringify!($f)); })*};
    }
    cmp!(
        group,
        program,
        process_num,
        command,
        priority,
        autostart,
        startsecs,
        startretries,
        autorestart,
        exitcodes,
        stopsignal,
        stopwaitsecs,
        stopasgroup,
        killasgroup,
        user,
        redirect_stderr,
        directory,
        umask,
        serverurl,
        essential,
        backoff,
        backoff_max,
        fatal_retry_after,
        depends_on,
        ready_check,
        health_check,
        die_with_supervisord
    );
    if old.watchdog != new.watchdog {
        fields.push("watchdog_sec");
    }
    channel_fields(&old.stdout, &new.stdout, STDOUT_FIELDS, &mut fields);
    channel_fields(&old.stderr, &new.stderr, STDERR_FIELDS, &mut fields);
    if old_cfg.effective_environment(old) != new_cfg.effective_environment(new) {
        fields.push("environment");
    }
    fields
}

/// A channel's option names, in [`ChannelConfig`] field order.
type ChannelNames = [&'static str; 9];
const STDOUT_FIELDS: ChannelNames = [
    "stdout_logfile",
    "stdout_logfile_maxbytes",
    "stdout_logfile_backups",
    "stdout_capture_maxbytes",
    "stdout_events_enabled",
    "stdout_syslog",
    "stdout_logfile_timestamps",
    "stdout_logfile_rotate",
    "stdout_logfile_compress",
];
const STDERR_FIELDS: ChannelNames = [
    "stderr_logfile",
    "stderr_logfile_maxbytes",
    "stderr_logfile_backups",
    "stderr_capture_maxbytes",
    "stderr_events_enabled",
    "stderr_syslog",
    "stderr_logfile_timestamps",
    "stderr_logfile_rotate",
    "stderr_logfile_compress",
];

/// A channel's differences under Supervisor's option names (`stdout_logfile_maxbytes`,
/// ...), so `update` can tell a log limit (applied live) from a log file (restart).
fn channel_fields(
    old: &ChannelConfig,
    new: &ChannelConfig,
    names: ChannelNames,
    fields: &mut Vec<&'static str>,
) {
    let differs = [
        old.logfile != new.logfile,
        old.logfile_maxbytes != new.logfile_maxbytes,
        old.logfile_backups != new.logfile_backups,
        old.capture_maxbytes != new.capture_maxbytes,
        old.events_enabled != new.events_enabled,
        old.syslog != new.syslog,
        old.logfile_timestamps != new.logfile_timestamps,
        old.logfile_rotate != new.logfile_rotate,
        old.logfile_compress != new.logfile_compress,
    ];
    fields.extend(
        names
            .iter()
            .zip(differs)
            .filter_map(|(name, d)| d.then_some(*name)),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Loader;

    fn load(text: &str) -> Config {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.conf");
        std::fs::write(&path, text).unwrap();
        Loader::new()
            .env(Vec::new())
            .cwd(dir.path())
            .load(&path)
            .unwrap()
    }

    const BASE: &str = "[supervisord]\nlogfile=/tmp/x.log\npidfile=/tmp/x.pid\n";

    #[test]
    fn added_changed_removed_in_supervisors_order() {
        let old = load(&format!(
            "{BASE}[program:keep]\ncommand=/bin/k\n[program:gone]\ncommand=/bin/g\n\
             [program:edit]\ncommand=/bin/e\npriority=5\n"
        ));
        let new = load(&format!(
            "{BASE}[program:keep]\ncommand=/bin/k\n[program:edit]\ncommand=/bin/e2\npriority=5\n\
             [program:zz_new]\ncommand=/bin/n\n[program:aa_new]\ncommand=/bin/n\n"
        ));
        let d = diff(&old, &new);
        assert_eq!(d.added, ["aa_new", "zz_new"]);
        assert_eq!(d.removed, ["gone"]);
        assert_eq!(d.changed_names(), ["edit"]);
        assert_eq!(
            d.changed[0].processes,
            [ProcessChange::Changed {
                name: "edit".into(),
                fields: vec!["command"]
            }]
        );
        assert!(diff(&old, &old).is_empty());
        assert_eq!(
            d.reread_summary(),
            [
                ("aa_new".to_string(), "available"),
                ("edit".to_string(), "changed"),
                ("gone".to_string(), "disappeared"),
                ("zz_new".to_string(), "available"),
            ]
        );
    }

    #[test]
    fn processes_added_removed_and_global_environment() {
        let old = load(&format!(
            "{BASE}[program:w]\ncommand=/bin/w\nprocess_name=w%(process_num)d\nnumprocs=2\n"
        ));
        let new = load(&format!(
            "{BASE}environment=X=1\n[program:w]\ncommand=/bin/w\nprocess_name=w%(process_num)d\n\
             numprocs=3\nnumprocs_start=1\n"
        ));
        let d = diff(&old, &new);
        assert_eq!(d.changed.len(), 1);
        let p = &d.changed[0].processes;
        assert!(p.contains(&ProcessChange::Removed("w0".into())));
        assert!(p.contains(&ProcessChange::Added("w3".into())));
        assert!(p.contains(&ProcessChange::Changed {
            name: "w1".into(),
            fields: vec!["environment"]
        }));
    }

    #[test]
    fn channel_options_are_named_one_by_one() {
        let old = load(&format!(
            "{BASE}[program:p]\ncommand=/bin/p\nstdout_logfile=/tmp/p.out\n"
        ));
        let new = load(&format!(
            "{BASE}[program:p]\ncommand=/bin/p\nstdout_logfile=/tmp/p.out\n\
             stdout_logfile_maxbytes=1KB\nstderr_logfile=/tmp/p.err\nstderr_events_enabled=true\n"
        ));
        let d = diff(&old, &new);
        assert_eq!(
            d.changed[0].processes,
            [ProcessChange::Changed {
                name: "p".into(),
                fields: vec![
                    "stdout_logfile_maxbytes",
                    "stderr_logfile",
                    "stderr_events_enabled"
                ]
            }]
        );
    }

    #[test]
    fn group_level_changes() {
        let old = load(&format!(
            "{BASE}[eventlistener:l]\ncommand=/bin/l\nevents=TICK_5\n"
        ));
        let new = load(&format!(
            "{BASE}[eventlistener:l]\ncommand=/bin/l\nevents=TICK_60\nbuffer_size=3\n"
        ));
        let d = diff(&old, &new);
        assert_eq!(d.changed[0].fields, ["buffer_size", "events"]);
        assert!(d.changed[0].processes.is_empty());
    }
}
