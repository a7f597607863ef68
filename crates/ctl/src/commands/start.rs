//! `start <name|group:*|all>...` (supervisorctl.py `do_start`, `_startresult`): `all`
//! → start everything, `group:*`/`group:` → the group, anything else → that process,
//! each result printed as `<ns>: started` or `<ns>: ERROR (<why>)`. ALREADY_STARTED
//! does not change the exit status; dead-program faults give 7, others 1; an unknown
//! group gives 2.

use supervisor_model::Fault;
use supervisor_proto::v1::ProcessResult;

use super::print_help;
use crate::api::{Api, Console, Target};
use crate::controller::Controller;
use crate::error::CallError;
use crate::format::{exit, make_namespec, py_split, split_namespec};

pub(super) const HELP: &str = "start <name>\t\tStart a process\n\
start <gname>:*\t\tStart all processes in a group\n\
start <name> <name>\tStart multiple processes or groups\n\
start all\t\tStart all processes\n";

/// `_startresult`: the line for one outcome; an unexpected code is an error.
pub(crate) fn result_line(name: &str, code: i32) -> Result<String, CallError> {
    let why = match Fault::from_code(code) {
        Some(Fault::Success) => return Ok(format!("{name}: started")),
        Some(Fault::BadName) => "no such process",
        Some(Fault::NoFile) => "no such file",
        Some(Fault::NotExecutable) => "file is not executable",
        Some(Fault::AlreadyStarted) => "already started",
        Some(Fault::SpawnError) => "spawn error",
        Some(Fault::AbnormalTermination) => "abnormal termination",
        _ => {
            return Err(CallError::UnknownResult {
                code,
                name: name.to_string(),
            });
        }
    };
    Ok(format!("{name}: ERROR ({why})"))
}

/// Prints group/all results, setting the exit status as Python does.
fn report<A: Api, C: Console>(
    ctl: &mut Controller<A, C>,
    results: &[ProcessResult],
) -> Result<(), CallError> {
    for r in results {
        ctl.output(&result_line(&make_namespec(&r.group, &r.name), r.status)?);
        ctl.set_exit_from_fault(r.status, Some(Fault::AlreadyStarted));
    }
    Ok(())
}

pub(super) async fn run<A: Api, C: Console>(
    ctl: &mut Controller<A, C>,
    arg: &str,
) -> Result<(), CallError> {
    if !ctl.upcheck().await? {
        return Ok(());
    }
    let names = py_split(arg);
    if names.is_empty() {
        ctl.output("Error: start requires a process name");
        ctl.exit = exit::INVALID_ARGS;
        print_help(ctl, HELP);
        return Ok(());
    }
    if names.contains(&"all") {
        let results = ctl.api.start(Target::All).await?;
        return report(ctl, &results);
    }
    for name in names {
        let (group, process) = split_namespec(name);
        match process {
            None => match ctl.api.start(Target::Group(group.clone())).await {
                Ok(results) => report(ctl, &results)?,
                Err(e) if e.is(Fault::BadName) => {
                    ctl.output(&format!("{group}: ERROR (no such group)"));
                    ctl.exit = exit::INVALID_ARGS;
                }
                Err(e) => return Err(e),
            },
            Some(process) => match ctl.api.start(Target::Process(name.to_string())).await {
                Ok(_) => ctl.output(&format!("{}: started", make_namespec(&group, &process))),
                Err(CallError::Fault(f)) => {
                    let code = f.fault.code();
                    ctl.output(&result_line(&make_namespec(&group, &process), code)?);
                    ctl.set_exit_from_fault(code, Some(Fault::AlreadyStarted));
                }
                Err(e) => return Err(e),
            },
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Call, Harness, Reply, fault, result};

    #[test]
    fn single_processes() {
        let mut h = Harness::new();
        h.reply(Reply::Results(vec![]));
        assert_eq!(h.run("start sleeper"), ("sleeper: started\n".into(), 0));
        assert_eq!(h.calls(), [Call::Start(Target::Process("sleeper".into()))]);
        h.reply(fault(Fault::AlreadyStarted, "sleeper"));
        assert_eq!(
            h.run("start sleeper"),
            ("sleeper: ERROR (already started)\n".into(), 0)
        );
        h.reply(fault(Fault::BadName, "nosuch"));
        assert_eq!(
            h.run("start nosuch"),
            ("nosuch: ERROR (no such process)\n".into(), 1)
        );
        h.reply(fault(Fault::NoFile, "can't find command '/x'"));
        assert_eq!(
            h.run("start missing"),
            ("missing: ERROR (no such file)\n".into(), 1)
        );
        h.reply(fault(Fault::SpawnError, "failer"));
        assert_eq!(
            h.run("start failer"),
            ("failer: ERROR (spawn error)\n".into(), 7)
        );
        h.reply(fault(Fault::BadName, "grp:nosuch"));
        assert_eq!(
            h.run("start grp:nosuch"),
            ("grp:nosuch: ERROR (no such process)\n".into(), 1)
        );
    }

    #[test]
    fn groups_and_all() {
        let mut h = Harness::new();
        h.reply(Reply::Results(vec![
            result("grp", "multi_00", Fault::Success),
            result("grp", "multi_01", Fault::Success),
        ]));
        let (out, code) = h.run("start grp:*");
        assert_eq!(out, "grp:multi_00: started\ngrp:multi_01: started\n");
        assert_eq!(code, 0);
        assert_eq!(h.calls(), [Call::Start(Target::Group("grp".into()))]);
        h.reply(fault(Fault::BadName, "nosuch"));
        assert_eq!(
            h.run("start nosuch:"),
            ("nosuch: ERROR (no such group)\n".into(), 2)
        );
        h.calls();
        // The last failure decides: SPAWN_ERROR (7) then NO_FILE (1) gives 1.
        h.reply(Reply::Results(vec![
            result("failer", "failer", Fault::SpawnError),
            result("missing", "missing", Fault::NoFile),
            result("quick", "quick", Fault::Success),
            result("sleeper", "sleeper", Fault::AlreadyStarted),
        ]));
        let (out, code) = h.run("start all sleeper");
        assert_eq!(
            out,
            "failer: ERROR (spawn error)\nmissing: ERROR (no such file)\nquick: started\nsleeper: ERROR (already started)\n"
        );
        assert_eq!(code, 1);
        assert_eq!(h.calls(), [Call::Start(Target::All)]);
    }

    #[test]
    fn usage_and_oddities() {
        let mut h = Harness::new();
        let (out, code) = h.run("start");
        assert_eq!(out, format!("Error: start requires a process name\n{HELP}"));
        assert_eq!(code, 2);
        h.reply(fault(
            Fault::Failed,
            "sleeper is in an unknown process state",
        ));
        let (out, code) = h.run("start sleeper");
        assert!(
            out.starts_with("error: <class 'ValueError'>, Unknown result code 30 for sleeper: ")
        );
        assert_eq!(code, 1);
    }
}
