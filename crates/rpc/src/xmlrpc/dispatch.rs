//! Calling one of Supervisor's XML-RPC methods over the [`Control`] trait: method
//! lookup (no object traversal: exact `namespace.method` names from the table, so
//! `_private` and dotted paths are UNKNOWN_METHOD, as after CVE-2017-11610), arity,
//! the SHUTDOWN_STATE guard, argument coercion, and the translation of Control's
//! answers into the values Supervisor's `rpcinterface.py` returns. Deferred methods
//! simply await: each HTTP request runs in its own task, so a slow `startProcess`
//! with `wait` never holds up other clients.

use supervisor_model::{Fault, FaultError};

use crate::control::{Action, Control, LogSource, ProcessResult, Target};
use crate::{logfile, serving};
use supervisor_model::namespec;
use supervisor_model::{API_VERSION, SUPERVISOR_VERSION};

use super::args::{Args, incorrect};
use super::value::Value;
use super::{encode, methods};

/// Calls `method` with `params`; `Err` is the fault to send back.
pub async fn call<C: Control>(
    ctl: &C,
    method: &str,
    params: Vec<Value>,
) -> Result<Value, FaultError> {
    if method == "system.multicall" {
        let [calls] = <[Value; 1]>::try_from(params).map_err(|_| incorrect())?;
        return multicall(ctl, calls).await;
    }
    call_one(ctl, method, params).await
}

/// `system.multicall`: each call in order, each awaited before the next starts;
/// every result is the call's bare value or its fault struct.
///
/// Once a `restart` or `shutdown` in the request has been accepted, the calls after it
/// get SHUTDOWN_STATE, as in Supervisor, where the daemon only acts on its new mood
/// after the response is sent. Ours acts at once, and an in-place restart can be done
/// (and the state RUNNING again) before the next call in the list runs.
async fn multicall<C: Control>(ctl: &C, calls: Value) -> Result<Value, FaultError> {
    let Value::Array(calls) = calls else {
        return Err(incorrect());
    };
    let mut results = Vec::with_capacity(calls.len());
    let mut stopping = false;
    for c in calls {
        let result = match multicall_entry(c) {
            Ok((name, params)) => {
                let result = call_guarded(ctl, &name, params, stopping).await;
                stopping |= result.is_ok()
                    && matches!(name.as_str(), "supervisor.restart" | "supervisor.shutdown");
                result
            }
            Err(e) => Err(e),
        };
        results.push(result.unwrap_or_else(|e| encode::fault(&e)));
    }
    Ok(Value::Array(results))
}

/// One `{methodName, params}` entry, checked as Supervisor checks it.
fn multicall_entry(entry: Value) -> Result<(String, Vec<Value>), FaultError> {
    let Value::Struct(_) = entry else {
        return Err(incorrect());
    };
    let name = match entry.get("methodName") {
        None | Some(Value::Nil) => {
            return Err(FaultError::new(Fault::IncorrectParameters, "No methodName"));
        }
        Some(v) => v.as_str().ok_or_else(incorrect)?.to_string(),
    };
    if name == "system.multicall" {
        return Err(FaultError::new(
            Fault::IncorrectParameters,
            "Recursive system.multicall forbidden",
        ));
    }
    let params = match entry.get("params") {
        None => Vec::new(),
        Some(Value::Array(items)) => items.clone(),
        Some(_) => return Err(incorrect()),
    };
    Ok((name, params))
}

/// Any method but `system.multicall`.
async fn call_one<C: Control>(
    ctl: &C,
    method: &str,
    params: Vec<Value>,
) -> Result<Value, FaultError> {
    call_guarded(ctl, method, params, false).await
}

/// [`call_one`], as if the daemon were already stopping when `stopping`.
async fn call_guarded<C: Control>(
    ctl: &C,
    method: &str,
    params: Vec<Value>,
    stopping: bool,
) -> Result<Value, FaultError> {
    let def = methods::lookup(method).ok_or_else(|| FaultError::bare(Fault::UnknownMethod))?;
    // Python calls the method with *params: a wrong count is a TypeError before the
    // method's own `_update` guard runs.
    if !def.accepts(params.len()) {
        return Err(incorrect());
    }
    let args = Args::new(params);
    match def.name.split_once('.') {
        Some(("system", name)) => system(name, args),
        Some(("supervisor", name)) => {
            // `sendRemoteCommEvent` is the one method without Supervisor's `_update`.
            if name != "sendRemoteCommEvent" {
                if stopping {
                    return Err(FaultError::bare(Fault::ShutdownState));
                }
                serving::require_running(ctl)?;
            }
            supervisor(ctl, name, args).await
        }
        _ => Err(FaultError::bare(Fault::UnknownMethod)),
    }
}

/// The `system.*` introspection methods.
fn system(name: &str, mut args: Args) -> Result<Value, FaultError> {
    let unsupported = || FaultError::bare(Fault::SignatureUnsupported);
    match name {
        "listMethods" => Ok(Value::strings(methods::METHODS.iter().map(|m| m.name))),
        // A non-string name matches no method: SIGNATURE_UNSUPPORTED, as in Python.
        "methodHelp" => {
            let m = args.value()?.as_str().and_then(methods::lookup);
            Ok(Value::from(m.ok_or_else(unsupported)?.help))
        }
        "methodSignature" => {
            let m = args.value()?.as_str().and_then(methods::lookup);
            Ok(Value::strings(
                m.ok_or_else(unsupported)?.signature.iter().copied(),
            ))
        }
        "multicall" => Err(FaultError::new(
            Fault::IncorrectParameters,
            "Recursive system.multicall forbidden",
        )),
        _ => Err(FaultError::bare(Fault::UnknownMethod)),
    }
}

/// `supervisor.*` methods about supervisord itself; process methods are delegated.
async fn supervisor<C: Control>(ctl: &C, name: &str, mut args: Args) -> Result<Value, FaultError> {
    match name {
        "getAPIVersion" | "getVersion" => Ok(Value::from(API_VERSION)),
        "getSupervisorVersion" => Ok(Value::from(SUPERVISOR_VERSION)),
        "getIdentification" => Ok(Value::from(ctl.identification())),
        "getState" => Ok(encode::state(ctl.state())),
        "getPID" => Ok(Value::Int(ctl.pid())),
        "readLog" | "readMainLog" => read_log(ctl, LogSource::Main, &mut args),
        "clearLog" => ctl.clear_main_log().map(|()| Value::Bool(true)),
        "shutdown" => ctl.shutdown().await.map(|()| Value::Bool(true)),
        "restart" => ctl.reload().await.map(|()| Value::Bool(true)),
        "reloadConfig" => ctl.reread().await.map(encode::reread),
        "addProcessGroup" => {
            let group = args.string()?;
            ctl.add_group(&group).await.map(|()| Value::Bool(true))
        }
        "removeProcessGroup" => {
            let group = args.string()?;
            ctl.remove_group(&group).await.map(|()| Value::Bool(true))
        }
        "getAllConfigInfo" => {
            // Supervisor sorts these by process name alone (a stable sort).
            let mut infos = ctl.config_info();
            infos.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(Value::Array(
                infos.iter().map(encode::config_info).collect(),
            ))
        }
        "sendRemoteCommEvent" => {
            let (kind, data) = (args.text()?, args.text()?);
            ctl.remote_comm_event(&kind, &data)
                .map(|()| Value::Bool(true))
        }
        _ => process_method(ctl, name, args).await,
    }
}

/// `supervisor.*` methods about processes.
async fn process_method<C: Control>(
    ctl: &C,
    name: &str,
    mut args: Args,
) -> Result<Value, FaultError> {
    match name {
        "startProcess" => {
            let (ns, wait) = (args.string()?, args.wait());
            act_named(ctl, Action::Start { wait }, ns).await
        }
        "stopProcess" => {
            let (ns, wait) = (args.string()?, args.wait());
            act_named(ctl, Action::Stop { wait }, ns).await
        }
        "signalProcess" => {
            let (ns, sig) = (args.string()?, args.signal()?);
            act_named(ctl, Action::Signal(sig), ns).await
        }
        "startProcessGroup" => {
            let (group, wait) = (args.string()?, args.wait());
            act_many(ctl, Action::Start { wait }, Target::Group(group)).await
        }
        "stopProcessGroup" => {
            let (group, wait) = (args.string()?, args.wait());
            act_many(ctl, Action::Stop { wait }, Target::Group(group)).await
        }
        "signalProcessGroup" => {
            let (group, sig) = (args.string()?, args.signal()?);
            act_many(ctl, Action::Signal(sig), Target::Group(group)).await
        }
        "startAllProcesses" => {
            act_many(ctl, Action::Start { wait: args.wait() }, Target::All).await
        }
        "stopAllProcesses" => act_many(ctl, Action::Stop { wait: args.wait() }, Target::All).await,
        "signalAllProcesses" => act_many(ctl, Action::Signal(args.signal()?), Target::All).await,
        "getProcessInfo" => {
            let ns = one_process(args.string()?)?;
            ctl.process(&ns).map(|p| encode::process_info(&p))
        }
        "getAllProcessInfo" => Ok(Value::Array(
            ctl.processes().iter().map(encode::process_info).collect(),
        )),
        "readProcessStdoutLog" | "readProcessLog" => {
            let ns = one_process(args.string()?)?;
            read_log(ctl, LogSource::Stdout(ns), &mut args)
        }
        "readProcessStderrLog" => {
            let ns = one_process(args.string()?)?;
            read_log(ctl, LogSource::Stderr(ns), &mut args)
        }
        "tailProcessStdoutLog" | "tailProcessLog" => {
            let ns = one_process(args.string()?)?;
            tail_log(ctl, LogSource::Stdout(ns), &mut args)
        }
        "tailProcessStderrLog" => {
            let ns = one_process(args.string()?)?;
            tail_log(ctl, LogSource::Stderr(ns), &mut args)
        }
        "clearProcessLogs" | "clearProcessLog" => {
            let ns = one_process(args.string()?)?;
            single(ctl.clear_logs(Target::Process(ns)).await?)
        }
        "clearAllProcessLogs" => ctl.clear_logs(Target::All).await.map(encode::results),
        "sendProcessStdin" => {
            // Supervisor checks the data before it looks the process up.
            let ns = args.value()?;
            let chars = args.chars()?;
            let ns = one_process(ns.as_str().ok_or_else(incorrect)?.to_string())?;
            ctl.send_stdin(&ns, chars).await.map(|()| Value::Bool(true))
        }
        _ => Err(FaultError::bare(Fault::UnknownMethod)),
    }
}

/// `startProcess` / `stopProcess` / `signalProcess`: `g:*` and `g:` act on the group
/// and return its result array; a single process returns `true` or its fault.
async fn act_named<C: Control>(ctl: &C, action: Action, ns: String) -> Result<Value, FaultError> {
    match Target::parse(&ns) {
        Target::Process(_) => single(ctl.act(action, Target::Process(ns)).await?),
        group => ctl
            .act(action, group)
            .await
            .map(encode::results)
            .map_err(|e| {
                // Supervisor looks the namespec up first, so an unknown group is named as
                // the client wrote it: `BAD_NAME: nope:*`.
                if e.fault == Fault::BadName {
                    FaultError::new(Fault::BadName, &ns)
                } else {
                    e
                }
            }),
    }
}

async fn act_many<C: Control>(
    ctl: &C,
    action: Action,
    target: Target,
) -> Result<Value, FaultError> {
    ctl.act(action, target).await.map(encode::results)
}

/// The answer for one process: `true`, or the fault its result carries.
fn single(results: Vec<ProcessResult>) -> Result<Value, FaultError> {
    let first = results
        .first()
        .ok_or_else(|| FaultError::new(Fault::Failed, "no result for the process"))?;
    match first.fault() {
        Some(fault) => Err(fault),
        None => Ok(Value::Bool(true)),
    }
}

/// Methods that take exactly one process: a whole-group namespec is BAD_NAME.
fn one_process(ns: String) -> Result<String, FaultError> {
    match namespec::split(&ns) {
        (_, None) => Err(FaultError::new(Fault::BadName, &ns)),
        _ => Ok(ns),
    }
}

/// `readLog` / `readProcess*Log`: the bytes decoded as UTF-8, invalid sequences
/// replaced (Supervisor 4.3 answers HTTP 500 instead).
fn read_log<C: Control>(ctl: &C, source: LogSource, args: &mut Args) -> Result<Value, FaultError> {
    let (offset, length) = (args.int()?, args.int()?);
    let bytes = logfile::read(ctl, &source, offset, length)?;
    Ok(Value::from(String::from_utf8_lossy(&bytes).into_owned()))
}

/// `tailProcess*Log`: `[data, next offset, overflow]`.
fn tail_log<C: Control>(ctl: &C, source: LogSource, args: &mut Args) -> Result<Value, FaultError> {
    let (offset, length) = (args.int()?, args.int()?);
    let (bytes, next, overflow) = logfile::tail(ctl, &source, offset, length)?;
    Ok(Value::Array(vec![
        Value::from(String::from_utf8_lossy(&bytes).into_owned()),
        Value::int_capped(next),
        Value::Bool(overflow),
    ]))
}

#[cfg(test)]
#[path = "dispatch_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "dispatch_process_tests.rs"]
mod process_tests;
