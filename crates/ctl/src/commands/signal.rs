//! `signal <SIG> <name|group:*|all>...` (supervisorctl.py `do_signal`,
//! `_signalresult`, which `stop` shares with another success word). Every failure
//! sets the exit status (7 for NOT_RUNNING, else 1).

use supervisor_model::Fault;

use super::print_help;
use super::targets::{Action, Rpc, each, upchecked};
use crate::api::{Api, Console};
use crate::controller::Controller;
use crate::error::CallError;
use crate::format::exit;

pub(super) const HELP: &str = "signal <signal name> <name>\t\tSignal a process\n\
signal <signal name> <gname>:*\t\tSignal all processes in a group\n\
signal <signal name> <name> <name>\tSignal multiple processes or groups\n\
signal <signal name> all\t\tSignal all processes\n";

/// `_signalresult`: `<ns>: <success>`, `<ns>: ERROR (<why>)`, or for FAILED the
/// fault string itself; an unexpected code is an error.
pub(crate) fn result_line(
    name: &str,
    code: i32,
    description: &str,
    success: &str,
) -> Result<String, CallError> {
    let why = match Fault::from_code(code) {
        Some(Fault::Success) => return Ok(format!("{name}: {success}")),
        Some(Fault::Failed) => return Ok(description.to_string()),
        Some(Fault::BadName) => "no such process",
        Some(Fault::BadSignal) => "bad signal name",
        Some(Fault::NotRunning) => "not running",
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
    let Some(args) = upchecked(ctl, arg).await? else {
        return Ok(());
    };
    if args.len() < 2 {
        ctl.output("Error: signal requires a signal name and a process name");
        print_help(ctl, HELP);
        ctl.exit = exit::GENERIC;
        return Ok(());
    }
    let action = Action {
        rpc: Rpc::Signal(args[0]),
        line: |name, code, text| result_line(name, code, text, "signalled"),
        ignored: None,
        no_group: exit::GENERIC,
        group_error_fails: false,
    };
    each(ctl, &args[1..], &action).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Target;
    use crate::testing::{Call, Harness, Reply, fault, result};

    #[test]
    fn outcomes() {
        let mut h = Harness::new();
        h.reply(fault(Fault::BadSignal, "BOGUS"));
        assert_eq!(
            h.run("signal BOGUS sleeper"),
            ("sleeper: ERROR (bad signal name)\n".into(), 1)
        );
        assert_eq!(
            h.calls(),
            [Call::Signal(
                Target::Process("sleeper".into()),
                "BOGUS".into()
            )]
        );
        h.reply(fault(Fault::NotRunning, "quick"));
        assert_eq!(
            h.run("signal HUP quick"),
            ("quick: ERROR (not running)\n".into(), 7)
        );
        h.reply(Reply::Results(vec![]));
        assert_eq!(
            h.run("signal 0 sleeper"),
            ("sleeper: signalled\n".into(), 0)
        );
        h.reply(fault(Fault::BadName, "nosuch"));
        assert_eq!(
            h.run("signal HUP nosuch:*"),
            ("nosuch: ERROR (no such group)\n".into(), 1)
        );
        h.reply(Reply::Results(vec![
            result("grp", "a", Fault::Success),
            result("grp", "b", Fault::NotRunning),
        ]));
        assert_eq!(
            h.run("signal USR1 all"),
            ("grp:a: signalled\ngrp:b: ERROR (not running)\n".into(), 7)
        );
    }

    #[test]
    fn usage() {
        let mut h = Harness::new();
        let (out, code) = h.run("signal HUP");
        assert_eq!(
            out,
            format!("Error: signal requires a signal name and a process name\n{HELP}")
        );
        assert_eq!(code, 1);
        assert_eq!(
            result_line("x", 30, "FAILED: x", "stopped").unwrap(),
            "FAILED: x"
        );
    }
}
