//! `signal <SIG> <name|group:*|all>...` (supervisorctl.py `do_signal`,
//! `_signalresult`, which `stop` shares with another success word). Every failure
//! sets the exit status (7 for NOT_RUNNING, else 1).

use supervisor_model::Fault;
use supervisor_proto::v1::ProcessResult;

use super::print_help;
use crate::api::{Api, Console, Target};
use crate::controller::Controller;
use crate::error::CallError;
use crate::format::{exit, make_namespec, py_split, split_namespec};

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

/// Prints group/all results with `success` as the word for success.
pub(crate) fn report<A: Api, C: Console>(
    ctl: &mut Controller<A, C>,
    results: &[ProcessResult],
    success: &str,
    ignored: Option<Fault>,
) -> Result<(), CallError> {
    for r in results {
        let name = make_namespec(&r.group, &r.name);
        ctl.output(&result_line(&name, r.status, &r.description, success)?);
        ctl.set_exit_from_fault(r.status, ignored);
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
    let args = py_split(arg);
    if args.len() < 2 {
        ctl.output("Error: signal requires a signal name and a process name");
        print_help(ctl, HELP);
        ctl.exit = exit::GENERIC;
        return Ok(());
    }
    let (sig, names) = (args[0], &args[1..]);
    if names.contains(&"all") {
        let results = ctl.api.signal(Target::All, sig).await?;
        return report(ctl, &results, "signalled", None);
    }
    for name in names {
        let (group, process) = split_namespec(name);
        match process {
            None => match ctl.api.signal(Target::Group(group.clone()), sig).await {
                Ok(results) => report(ctl, &results, "signalled", None)?,
                Err(e) if e.is(Fault::BadName) => {
                    ctl.output(&format!("{group}: ERROR (no such group)"));
                    ctl.exit = exit::GENERIC;
                }
                Err(e) => return Err(e),
            },
            Some(process) => {
                let ns = make_namespec(&group, &process);
                match ctl.api.signal(Target::Process(name.to_string()), sig).await {
                    Ok(_) => ctl.output(&format!("{ns}: signalled")),
                    Err(CallError::Fault(f)) => {
                        let code = f.fault.code();
                        ctl.output(&result_line(&ns, code, &f.text, "signalled")?);
                        ctl.set_exit_from_fault(code, None);
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
