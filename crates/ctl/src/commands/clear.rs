//! `clear <name...|all>` (supervisorctl.py `do_clear`, `_clearresult`): truncate
//! process logs. Each name is sent as a single process, as Python does, so
//! `clear grp:*` reports `grp:None: ERROR (no such process)`.

use supervisor_model::Fault;

use super::print_help;
use crate::api::{Api, Console, Target};
use crate::controller::Controller;
use crate::error::CallError;
use crate::format::{error_namespec, exit, make_namespec, py_split, split_namespec};

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
    if !ctl.upcheck().await? {
        return Ok(());
    }
    let names = py_split(arg);
    if names.is_empty() {
        ctl.output("Error: clear requires a process name");
        ctl.exit = exit::GENERIC;
        print_help(ctl, HELP);
        return Ok(());
    }
    if names.contains(&"all") {
        for r in ctl.api.clear_logs(Target::All).await? {
            ctl.output(&result_line(&make_namespec(&r.group, &r.name), r.status)?);
            ctl.set_exit_from_fault(r.status, None);
        }
        return Ok(());
    }
    for name in names {
        let (group, process) = split_namespec(name);
        let ns = error_namespec(&group, process.as_deref());
        match ctl.api.clear_logs(Target::Process(name.to_string())).await {
            Ok(_) => ctl.output(&format!("{ns}: cleared")),
            Err(CallError::Fault(f)) => {
                let code = f.fault.code();
                ctl.output(&result_line(&ns, code)?);
                ctl.set_exit_from_fault(code, None);
            }
            Err(e) => return Err(e),
        }
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
