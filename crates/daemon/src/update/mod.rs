//! Hot reconfiguration beyond Supervisor: `update` (and `reload` with
//! `reload_keeps_running = true`) applies a newly read config process by process.
//! [`plan`] decides what to do (pure); [`apply`] does it on the tree, in two phases
//! so the root's mailbox never waits for a child to stop or start: a task stops the
//! processes to retire, then each changed group applies its part (it spawns and
//! ends its members' actors) and the root swaps the groups' handles in one message
//! and replies, and the processes to start are started in the background.
//!
//! Supervisor's own clients keep working unchanged: their `update` is reloadConfig,
//! then stopProcessGroup, removeProcessGroup and addProcessGroup, which the root
//! still serves as Supervisor does.

pub mod apply;
pub mod plan;

use ractor::RpcReplyPort;
use supervisor_config::Config;
use supervisor_model::namespec;
use supervisor_model::{FaultError, ProcessState};
use supervisor_rpc::UpdateReport;
use supervisor_rpc::{GroupUpdate, GroupUpdateKind, ProcessUpdate, ProcessUpdateAction};

use plan::{GroupStep, Plan, ProcessAction};

/// Who is waiting for an update: an `update` call, or a `reload` (the call, or
/// SIGHUP with nobody to answer) that `reload_keeps_running` turned into one.
pub enum Responder {
    Update(RpcReplyPort<Result<UpdateReport, FaultError>>),
    Reload(Option<RpcReplyPort<Result<(), FaultError>>>),
}

impl Responder {
    pub fn send(self, result: Result<UpdateReport, FaultError>) {
        match self {
            Responder::Update(port) => {
                let _ = port.send(result);
            }
            Responder::Reload(Some(port)) => {
                let _ = port.send(result.map(drop));
            }
            Responder::Reload(None) => {}
        }
    }
}

/// The report of `plan` against the `running` config, before anything is done:
/// every process each step touches, by namespec.
pub fn report(plan: &Plan, running: &Config) -> UpdateReport {
    let groups = plan
        .steps
        .iter()
        .map(|step| {
            let name = step.name().to_string();
            let ns = |process: &str| namespec::make(&name, process);
            let old: Vec<ProcessUpdate> = running
                .group(&name)
                .map(|g| {
                    g.processes
                        .iter()
                        .map(|p| simple(ns(&p.name), ProcessUpdateAction::Remove, false))
                        .collect()
                })
                .unwrap_or_default();
            let added = |config: &supervisor_config::GroupConfig| -> Vec<ProcessUpdate> {
                config
                    .processes
                    .iter()
                    .map(|p| simple(ns(&p.name), ProcessUpdateAction::Add, p.autostart))
                    .collect()
            };
            let (kind, fields, processes) = match step {
                GroupStep::Remove { .. } => (GroupUpdateKind::Removed, Vec::new(), old),
                GroupStep::Replace { config, fields } => (
                    GroupUpdateKind::Replaced,
                    fields.clone(),
                    old.into_iter().chain(added(config)).collect(),
                ),
                GroupStep::Change {
                    live, processes, ..
                } => (
                    GroupUpdateKind::Changed,
                    live.clone(),
                    processes
                        .iter()
                        .map(|p| process_update(ns(&p.name), &p.action))
                        .collect(),
                ),
                GroupStep::Add { config } => (GroupUpdateKind::Added, Vec::new(), added(config)),
            };
            GroupUpdate {
                name,
                kind,
                fields: fields.into_iter().map(String::from).collect(),
                processes,
                problems: Vec::new(),
            }
        })
        .collect();
    UpdateReport {
        unknown: plan.unknown.clone(),
        groups,
    }
}

fn simple(name: String, action: ProcessUpdateAction, start: bool) -> ProcessUpdate {
    ProcessUpdate {
        name,
        action,
        fields: Vec::new(),
        start,
    }
}

fn process_update(name: String, action: &ProcessAction) -> ProcessUpdate {
    let strings = |f: &[&str]| f.iter().map(|s| s.to_string()).collect();
    match action {
        ProcessAction::Restart { fields, start } => ProcessUpdate {
            name,
            action: ProcessUpdateAction::Restart,
            fields: strings(fields),
            start: *start,
        },
        ProcessAction::Live { fields, start } => ProcessUpdate {
            name,
            action: ProcessUpdateAction::Live,
            fields: strings(fields),
            start: *start,
        },
        ProcessAction::Add { start } => simple(name, ProcessUpdateAction::Add, *start),
        ProcessAction::Remove => simple(name, ProcessUpdateAction::Remove, false),
    }
}

/// A process that a plan stops for good (its group goes, or it is replaced or
/// removed), by group and process name.
pub fn retires(step: &GroupStep, process: &str) -> bool {
    match step {
        GroupStep::Remove { .. } | GroupStep::Replace { .. } => true,
        GroupStep::Add { .. } => false,
        GroupStep::Change { processes, .. } => processes.iter().any(|p| {
            p.name == process
                && matches!(
                    p.action,
                    ProcessAction::Restart { .. } | ProcessAction::Remove
                )
        }),
    }
}

/// Whether a process in `state` after its stop could not be stopped (Supervisor's
/// stopProcessGroup FAILED result: the signal failed, the process is UNKNOWN).
pub fn has_problem(state: ProcessState) -> bool {
    state == ProcessState::Unknown
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(programs: &str) -> Config {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.conf");
        let text = format!("[supervisord]\nlogfile=/tmp/x.log\npidfile=/tmp/x.pid\n{programs}");
        std::fs::write(&path, text).unwrap();
        supervisor_config::Loader::new()
            .env(Vec::new())
            .cwd(dir.path())
            .load(&path)
            .unwrap()
    }

    #[test]
    fn the_report_names_every_process_by_namespec() {
        let old = load(
            "[program:gone]\ncommand=/bin/g\n[program:w]\ncommand=/bin/w\n\
             process_name=w%(process_num)d\nnumprocs=2\n",
        );
        let new = load(
            "[program:w]\ncommand=/bin/w\nprocess_name=w%(process_num)d\nnumprocs=3\n\
             startsecs=3\n[program:new]\ncommand=/bin/n\nautostart=false\n",
        );
        let p = plan::plan(&old, &new, &[], |_, _| ProcessState::Running);
        let r = report(&p, &old);
        type Brief = (String, ProcessUpdateAction, bool);
        let brief: Vec<(String, GroupUpdateKind, Vec<Brief>)> = r
            .groups
            .iter()
            .map(|g| {
                (
                    g.name.clone(),
                    g.kind,
                    g.processes
                        .iter()
                        .map(|p| (p.name.clone(), p.action, p.start))
                        .collect(),
                )
            })
            .collect();
        use ProcessUpdateAction::*;
        assert_eq!(
            brief,
            [
                (
                    "gone".into(),
                    GroupUpdateKind::Removed,
                    vec![("gone".into(), Remove, false)]
                ),
                (
                    "w".into(),
                    GroupUpdateKind::Changed,
                    vec![
                        ("w:w0".into(), Live, false),
                        ("w:w1".into(), Live, false),
                        ("w:w2".into(), Add, true)
                    ]
                ),
                (
                    "new".into(),
                    GroupUpdateKind::Added,
                    vec![("new".into(), Add, false)]
                ),
            ]
        );
        assert_eq!(r.groups[1].processes[0].fields, ["startsecs"]);
        assert!(retires(&p.steps[0], "gone"));
        assert!(!retires(&p.steps[1], "w0"));
    }
}
