//! `clear <name...|all>` (supervisorctl.py `do_clear`, `_clearresult`): truncate
//! process logs. Each name is sent as a single process, as Python does, so
//! `clear grp:*` reports `grp:None: ERROR (no such process)`.

use supervisor_model::Fault;

use super::targets::{Action, Rpc, report, report_one, required};
use crate::api::{Api, Console, Target};
use crate::controller::Controller;
use crate::error::CallError;
use crate::format::{error_namespec, exit};
use supervisor_model::namespec;

pub(super) const HELP: &str = "clear <name>\t\tClear a process' log files.\n\
clear <name> <name>\tClear multiple process' log files\n\
clear all\t\tClear all process' log files\n";

/// `_clearresult`.
pub(crate) fn result_line(name: &str, code: i32) -> Result<String, CallError> {
    match Fault::from_code(code) {
        Some(Fault::Success) => Ok(format!("{name}: cleared")),
        Some(Fault::BadName) => Ok(format!("{name}: ERROR (no such process)")),
        Some(Fault::Failed) => Ok(format!("{name}: ERROR (failed)")),
        _ => Err(CallError::UnknownResult {
            code,
            name: name.to_string(),
        }),
    }
}

pub(super) async fn run<A: Api, C: Console>(
    ctl: &mut Controller<A, C>,
    arg: &str,
) -> Result<(), CallError> {
    let Some(names) = required(ctl, arg, "clear", exit::GENERIC, HELP).await? else {
        return Ok(());
    };
    // Clear never addresses a group (Python sends `grp:*` as a process name), so
    // the group fields are moot.
    let action = Action {
        rpc: Rpc::Clear,
        line: |name, code, _| result_line(name, code),
        ignored: None,
        no_group: exit::GENERIC,
        group_error_fails: false,
    };
    if names.contains(&"all") {
        let results = action.rpc.on(&mut ctl.api, Target::All).await?;
        return report(ctl, &results, &action);
    }
    for name in names {
        let (group, process) = namespec::split(name);
        let ns = error_namespec(group, process);
        let target = Target::Process(name.to_string());
        let outcome = action.rpc.on(&mut ctl.api, target).await;
        report_one(ctl, &ns, outcome, &action)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Call, Harness, Reply, fault, result};

    #[test]
    fn outcomes() {
        let mut h = Harness::new();
        h.reply(Reply::Results(vec![]));
        assert_eq!(h.run("clear sleeper"), ("sleeper: cleared\n".into(), 0));
        h.reply(fault(Fault::BadName, "grp:*"));
        assert_eq!(
            h.run("clear grp:*"),
            ("grp:None: ERROR (no such process)\n".into(), 1)
        );
        assert_eq!(
            h.calls(),
            [
                Call::ClearLogs(Target::Process("sleeper".into())),
                Call::ClearLogs(Target::Process("grp:*".into()))
            ]
        );
        h.reply(Reply::Results(vec![
            result("grp", "a", Fault::Success),
            result("b", "b", Fault::Failed),
        ]));
        assert_eq!(
            h.run("clear all"),
            ("grp:a: cleared\nb: ERROR (failed)\n".into(), 1)
        );
        let (out, code) = h.run("clear");
        assert_eq!(out, format!("Error: clear requires a process name\n{HELP}"));
        assert_eq!(code, 1);
    }
}
