//! `stop <name|group:*|all>...` (supervisorctl.py `do_stop`, `_stopresult`): like
//! `signal` with `stopped` as the success word; NOT_RUNNING does not change the exit
//! status; an unknown group gives 1.

use supervisor_model::Fault;

use super::print_help;
use super::signal::{report, result_line};
use crate::api::{Api, Console, Target};
use crate::controller::Controller;
use crate::error::CallError;
use crate::format::{exit, make_namespec, py_split, split_namespec};

pub(super) const HELP: &str = "stop <name>\t\tStop a process\n\
stop <gname>:*\t\tStop all processes in a group\n\
stop <name> <name>\tStop multiple processes or groups\n\
stop all\t\tStop all processes\n";

const IGNORED: Option<Fault> = Some(Fault::NotRunning);

pub(super) async fn run<A: Api, C: Console>(
    ctl: &mut Controller<A, C>,
    arg: &str,
) -> Result<(), CallError> {
    if !ctl.upcheck().await? {
        return Ok(());
    }
    let names = py_split(arg);
    if names.is_empty() {
        ctl.output("Error: stop requires a process name");
        ctl.exit = exit::GENERIC;
        print_help(ctl, HELP);
        return Ok(());
    }
    if names.contains(&"all") {
        let results = ctl.api.stop(Target::All).await?;
        return report(ctl, &results, "stopped", IGNORED);
    }
    for name in names {
        let (group, process) = split_namespec(name);
        match process {
            None => match ctl.api.stop(Target::Group(group.clone())).await {
                Ok(results) => report(ctl, &results, "stopped", IGNORED)?,
                Err(e) => {
                    ctl.exit = exit::GENERIC;
                    if !e.is(Fault::BadName) {
                        return Err(e);
                    }
                    ctl.output(&format!("{group}: ERROR (no such group)"));
                }
            },
            Some(process) => {
                let ns = make_namespec(&group, &process);
                match ctl.api.stop(Target::Process(name.to_string())).await {
                    Ok(_) => ctl.output(&format!("{ns}: stopped")),
                    Err(CallError::Fault(f)) => {
                        let code = f.fault.code();
                        ctl.output(&result_line(&ns, code, &f.text, "stopped")?);
                        ctl.set_exit_from_fault(code, IGNORED);
                    }
                    Err(e) => return Err(e),
                }
            }
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
        h.reply(fault(Fault::NotRunning, "quick"));
        assert_eq!(
            h.run("stop quick"),
            ("quick: ERROR (not running)\n".into(), 0)
        );
        h.reply(fault(Fault::BadName, "nosuch"));
        assert_eq!(
            h.run("stop nosuch"),
            ("nosuch: ERROR (no such process)\n".into(), 1)
        );
        h.reply(fault(Fault::BadName, "nosuch"));
        assert_eq!(
            h.run("stop nosuch:*"),
            ("nosuch: ERROR (no such group)\n".into(), 1)
        );
        h.calls();
        h.reply(Reply::Results(vec![
            result("grp", "multi_00", Fault::Success),
            result("grp", "multi_01", Fault::Success),
        ]));
        assert_eq!(
            h.run("stop grp:*"),
            ("grp:multi_00: stopped\ngrp:multi_01: stopped\n".into(), 0)
        );
        assert_eq!(h.calls(), [Call::Stop(Target::Group("grp".into()))]);
        h.reply(Reply::Results(vec![]));
        assert_eq!(h.run("stop grp:"), (String::new(), 0));
    }

    #[test]
    fn usage() {
        let mut h = Harness::new();
        let (out, code) = h.run("stop");
        assert_eq!(out, format!("Error: stop requires a process name\n{HELP}"));
        assert_eq!(code, 1);
    }
}
