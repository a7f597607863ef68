//! `stop <name|group:*|all>...` (supervisorctl.py `do_stop`, `_stopresult`): like
//! `signal` with `stopped` as the success word; NOT_RUNNING does not change the exit
//! status; an unknown group gives 1.

use supervisor_model::Fault;

use super::signal::result_line;
use super::targets::{Action, Rpc, each, required};
use crate::api::{Api, Console};
use crate::controller::Controller;
use crate::error::CallError;
use crate::format::exit;

pub(super) const HELP: &str = "stop <name>\t\tStop a process\n\
stop <gname>:*\t\tStop all processes in a group\n\
stop <name> <name>\tStop multiple processes or groups\n\
stop all\t\tStop all processes\n";

pub(super) async fn run<A: Api, C: Console>(
    ctl: &mut Controller<A, C>,
    arg: &str,
) -> Result<(), CallError> {
    let Some(names) = required(ctl, arg, "stop", exit::GENERIC, HELP).await? else {
        return Ok(());
    };
    let action = Action {
        rpc: Rpc::Stop,
        line: |name, code, text| result_line(name, code, text, "stopped"),
        ignored: Some(Fault::NotRunning),
        no_group: exit::GENERIC,
        group_error_fails: true,
    };
    each(ctl, &names, &action).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Target;
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
