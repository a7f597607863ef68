//! `start <name|group:*|all>...` (supervisorctl.py `do_start`, `_startresult`): `all`
//! → start everything, `group:*`/`group:` → the group, anything else → that process,
//! each result printed as `<ns>: started` or `<ns>: ERROR (<why>)`. ALREADY_STARTED
//! does not change the exit status; dead-program faults give 7, others 1; an unknown
//! group gives 2.

use supervisor_model::Fault;

use super::targets::{Action, Rpc, each, required};
use crate::api::{Api, Console};
use crate::controller::Controller;
use crate::error::CallError;
use crate::format::exit;

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

pub(super) async fn run<A: Api, C: Console>(
    ctl: &mut Controller<A, C>,
    arg: &str,
) -> Result<(), CallError> {
    let Some(names) = required(ctl, arg, "start", exit::INVALID_ARGS, HELP).await? else {
        return Ok(());
    };
    let action = Action {
        rpc: Rpc::Start,
        line: |name, code, _| result_line(name, code),
        ignored: Some(Fault::AlreadyStarted),
        no_group: exit::INVALID_ARGS,
        group_error_fails: false,
    };
    each(ctl, &names, &action).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Target;
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
