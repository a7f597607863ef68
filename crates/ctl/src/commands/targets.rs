//! What the process-targeting actions share (supervisorctl.py `do_start`, `do_stop`,
//! `do_signal`, `do_clear`, `do_add`, `do_remove`): the upcheck and required name,
//! the `all` / `group:*` / name dispatch, and printing one line per result through
//! the action's `_<action>result`. Each action module keeps only its wording.

use supervisor_model::Fault;
use supervisor_proto::v1::ProcessResult;

use super::print_help;
use crate::api::{Api, Console, Target};
use crate::controller::Controller;
use crate::error::CallError;
use crate::format::{exit, py_split};
use supervisor_model::namespec;

/// The RPC an action makes for each target.
#[derive(Clone, Copy)]
pub(super) enum Rpc<'a> {
    Start,
    Stop,
    /// With the signal name as typed.
    Signal(&'a str),
    Clear,
}

impl Rpc<'_> {
    pub(super) async fn on<A: Api>(
        self,
        api: &mut A,
        target: Target,
    ) -> Result<Vec<ProcessResult>, CallError> {
        match self {
            Rpc::Start => api.start(target).await,
            Rpc::Stop => api.stop(target).await,
            Rpc::Signal(sig) => api.signal(target, sig).await,
            Rpc::Clear => api.clear_logs(target).await,
        }
    }
}

/// How one action calls and words its results.
pub(super) struct Action<'a> {
    pub rpc: Rpc<'a>,
    /// `_<action>result`: the line for `(namespec, fault code, fault text)`; an
    /// unexpected code is an error. The line for SUCCESS is also what a single
    /// process's successful call prints.
    pub line: fn(&str, i32, &str) -> Result<String, CallError>,
    /// The fault that leaves the exit status alone (already started / not running).
    pub ignored: Option<Fault>,
    /// The exit status for an unknown group.
    pub no_group: i32,
    /// `do_stop` sets the exit status for every failed group call, even one it
    /// re-raises; the others only for an unknown group.
    pub group_error_fails: bool,
}

/// Upchecks and splits the arguments; `None` when the server is not usable (the
/// upcheck has already said so).
pub(super) async fn upchecked<'a, A: Api, C: Console>(
    ctl: &mut Controller<A, C>,
    arg: &'a str,
) -> Result<Option<Vec<&'a str>>, CallError> {
    Ok(ctl.upcheck().await?.then(|| py_split(arg)))
}

/// [`upchecked`], plus `Error: <action> requires a process name`, `exit` and the
/// help when there are no names; `None` means there is nothing more to do.
pub(super) async fn required<'a, A: Api, C: Console>(
    ctl: &mut Controller<A, C>,
    arg: &'a str,
    action: &str,
    exit: i32,
    help: &str,
) -> Result<Option<Vec<&'a str>>, CallError> {
    let Some(names) = upchecked(ctl, arg).await? else {
        return Ok(None);
    };
    if names.is_empty() {
        ctl.output(&format!("Error: {action} requires a process name"));
        ctl.exit = exit;
        print_help(ctl, help);
        return Ok(None);
    }
    Ok(Some(names))
}

/// Prints a group's (or everything's) results, setting the exit status as Python
/// does.
pub(super) fn report<A: Api, C: Console>(
    ctl: &mut Controller<A, C>,
    results: &[ProcessResult],
    action: &Action,
) -> Result<(), CallError> {
    for r in results {
        let name = namespec::make(&r.group, &r.name);
        ctl.output(&(action.line)(&name, r.status, &r.description)?);
        ctl.set_exit_from_fault(r.status, action.ignored);
    }
    Ok(())
}

/// Prints the outcome of a single process's call: success, or its fault as a
/// result line; other errors propagate.
pub(super) fn report_one<A: Api, C: Console>(
    ctl: &mut Controller<A, C>,
    ns: &str,
    outcome: Result<Vec<ProcessResult>, CallError>,
    action: &Action,
) -> Result<(), CallError> {
    match outcome {
        Ok(_) => ctl.output(&(action.line)(ns, Fault::Success.code(), "")?),
        Err(CallError::Fault(f)) => {
            let code = f.fault.code();
            ctl.output(&(action.line)(ns, code, &f.text)?);
            ctl.set_exit_from_fault(code, action.ignored);
        }
        Err(e) => return Err(e),
    }
    Ok(())
}

/// `all` (anywhere) → one call for everything; otherwise `group:*` / `group:` → the
/// group, anything else → that process, in order.
pub(super) async fn each<A: Api, C: Console>(
    ctl: &mut Controller<A, C>,
    names: &[&str],
    action: &Action<'_>,
) -> Result<(), CallError> {
    if names.contains(&"all") {
        let results = action.rpc.on(&mut ctl.api, Target::All).await?;
        return report(ctl, &results, action);
    }
    for name in names {
        let (group, process) = namespec::split(name);
        match process {
            None => match action
                .rpc
                .on(&mut ctl.api, Target::Group(group.to_string()))
                .await
            {
                Ok(results) => report(ctl, &results, action)?,
                Err(e) if e.is(Fault::BadName) => {
                    ctl.output(&format!("{group}: ERROR (no such group)"));
                    ctl.exit = action.no_group;
                }
                Err(e) => {
                    if action.group_error_fails {
                        ctl.exit = exit::GENERIC;
                    }
                    return Err(e);
                }
            },
            Some(process) => {
                let ns = namespec::make(group, process);
                let target = Target::Process(name.to_string());
                let outcome = action.rpc.on(&mut ctl.api, target).await;
                report_one(ctl, &ns, outcome, action)?;
            }
        }
    }
    Ok(())
}

/// `add` / `remove`: the RPC made for each group name.
#[derive(Clone, Copy)]
pub(super) enum GroupRpc {
    Add,
    Remove,
}

/// One [`GroupRpc`] per name, in order: `<name>: <done>` on success; a fault goes
/// through `fault`, which gives its line and whether it fails the command, or
/// `None` to let the fault propagate.
pub(super) async fn each_group<A: Api, C: Console>(
    ctl: &mut Controller<A, C>,
    arg: &str,
    rpc: GroupRpc,
    done: &str,
    fault: fn(Fault, &str) -> Option<(String, bool)>,
) -> Result<(), CallError> {
    for name in py_split(arg) {
        let outcome = match rpc {
            GroupRpc::Add => ctl.api.add_group(name).await,
            GroupRpc::Remove => ctl.api.remove_group(name).await,
        };
        match outcome {
            Ok(()) => ctl.output(&format!("{name}: {done}")),
            Err(CallError::Fault(f)) => {
                // A propagated fault fails the command in `onecmd` anyway.
                let Some((line, fails)) = fault(f.fault, name) else {
                    return Err(CallError::Fault(f));
                };
                ctl.output(&line);
                if fails {
                    ctl.exit = exit::GENERIC;
                }
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
