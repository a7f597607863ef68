//! start / stop / signal / clear for one process, a group or everything, with
//! Supervisor's rules (rpcinterface.py): which processes a group action applies to,
//! the order they are acted on, the checks and faults of each single action, and the
//! deferred `wait` (a start waits for RUNNING, a stop for a stopped state). Results
//! of group actions come back in completion order: refusals first, as they happen,
//! then each waiter as it finishes — what Supervisor's polling of callbacks reports.

use futures_util::stream::{FuturesUnordered, StreamExt};
use ractor::rpc::CallResult;
use supervisor_model::namespec;
use supervisor_model::{Fault, FaultError, ProcessState, Signal};
use supervisor_rpc::{Action, CtlResult, ProcessResult, Target};
use tokio::sync::watch;

use crate::group::api::GroupHandle;
use crate::process::api::{Member, ProcessMsg};
use crate::process::machine::Refusal;
use crate::registry::Registry;
use crate::snapshot::Snapshot;

type Waiter = std::pin::Pin<Box<dyn std::future::Future<Output = CtlResult<()>> + Send>>;

/// The processes `target` names, in the order Supervisor acts on them, each with its
/// group's name.
fn select<'a>(
    reg: &'a Registry,
    target: &Target,
    reverse: bool,
) -> CtlResult<Vec<(&'a GroupHandle, &'a Member)>> {
    let mut list = match target {
        Target::Process(ns) => vec![find(reg, ns)?],
        Target::Group(name) => {
            let g = reg
                .group(name)
                .ok_or_else(|| FaultError::new(Fault::BadName, name))?;
            g.members_by_priority()
                .into_iter()
                .map(|m| (&**g, m))
                .collect()
        }
        Target::All => reg.by_priority(),
    };
    if reverse {
        list.reverse();
    }
    Ok(list)
}

/// `_getGroupAndProcess` for a namespec naming one process.
pub fn find<'a>(reg: &'a Registry, ns: &str) -> CtlResult<(&'a GroupHandle, &'a Member)> {
    let bad = || FaultError::new(Fault::BadName, ns);
    let (group, process) = namespec::split(ns);
    let g = reg.group(group).ok_or_else(bad)?;
    let m = process.and_then(|p| g.member(p)).ok_or_else(bad)?;
    Ok((&**g, m))
}

/// Does a group-wide `action` apply to a process in `state`?
fn applies(action: &Action, state: ProcessState) -> bool {
    match action {
        Action::Start { .. } => !state.is_running(),
        Action::Stop { .. } => state.is_running(),
        Action::Signal(_) => state.is_signallable(),
    }
}

pub async fn act(reg: &Registry, action: Action, target: Target) -> CtlResult<Vec<ProcessResult>> {
    let single = matches!(target, Target::Process(_));
    let list = select(reg, &target, matches!(action, Action::Stop { .. }))?;
    let mut results = Vec::new();
    let mut waiting = FuturesUnordered::new();
    for (g, m) in list {
        if !single && !applies(&action, m.now().state) {
            continue;
        }
        let ns = if single {
            match &target {
                Target::Process(ns) => ns.clone(),
                _ => m.namespec(),
            }
        } else {
            namespec::make(&g.config.name, &m.config.name)
        };
        let group = g.config.name.clone();
        let name = m.config.name.clone();
        match one(m, &ns, &action, reg.path.as_deref()).await {
            Err(e) => results.push(ProcessResult::failed(&group, &name, &e)),
            Ok(None) => results.push(ProcessResult::ok(&group, &name)),
            Ok(Some(w)) => waiting.push(async move { (group, name, w.await) }),
        }
    }
    while let Some((group, name, r)) = waiting.next().await {
        results.push(match r {
            Ok(()) => ProcessResult::ok(&group, &name),
            Err(e) => ProcessResult::failed(&group, &name, &e),
        });
    }
    Ok(results)
}

/// One process; `Ok(Some(waiter))` when the reply must wait.
async fn one(
    m: &Member,
    ns: &str,
    action: &Action,
    path: Option<&std::ffi::OsStr>,
) -> CtlResult<Option<Waiter>> {
    match action {
        Action::Start { wait } => start(m, ns, *wait, path).await,
        Action::Stop { wait } => stop(m, ns, *wait).await,
        Action::Signal(sig) => signal(m, ns, sig).await.map(|()| None),
    }
}

fn refusal(r: Refusal, ns: &str) -> FaultError {
    match r {
        Refusal::AlreadyStarted => FaultError::new(Fault::AlreadyStarted, ns),
        Refusal::NotRunning => FaultError::new(Fault::NotRunning, ns),
        Refusal::ShuttingDown => FaultError::bare(Fault::ShutdownState),
        Refusal::NoStdin => FaultError::new(Fault::NoFile, ns),
        Refusal::SignalFailed(problem) => FaultError::new(Fault::Failed, problem),
        Refusal::StdinFull => FaultError::new(
            Fault::Failed,
            format!(
                "{ns}: stdin queue full (at most {} bytes may wait for the child to read them)",
                crate::process::stdin::QUEUE_LIMIT
            ),
        ),
    }
}

/// An actor that went away mid-call: supervisord is tearing the group down.
fn gone() -> FaultError {
    FaultError::bare(Fault::ShutdownState)
}

async fn ask<T>(
    m: &Member,
    msg: impl FnOnce(ractor::RpcReplyPort<Result<(), T>>) -> ProcessMsg,
) -> Result<Result<(), T>, FaultError>
where
    T: Send + 'static,
{
    match m.actor.call(msg, None).await {
        Ok(CallResult::Success(r)) => Ok(r),
        _ => Err(gone()),
    }
}

async fn start(
    m: &Member,
    ns: &str,
    wait: bool,
    path: Option<&std::ffi::OsStr>,
) -> CtlResult<Option<Waiter>> {
    // Supervisor tests the command before anything else: a missing or
    // non-executable program is refused without a spawn attempt.
    let env_path = m
        .config
        .environment
        .iter()
        .find(|(k, _)| k == "PATH")
        .map(|(_, v)| std::ffi::OsString::from(v));
    if let Err(e) = supervisor_sys::resolve_command(&m.config.command, env_path.as_deref().or(path))
    {
        let fault = if e.is_no_file() {
            Fault::NoFile
        } else {
            Fault::NotExecutable
        };
        return Err(FaultError::new(fault, e.to_string()));
    }
    let state = m.now().state;
    if state.is_running() {
        return Err(FaultError::new(Fault::AlreadyStarted, ns));
    }
    if state == ProcessState::Unknown {
        return Err(FaultError::new(
            Fault::Failed,
            format!("{ns} is in an unknown process state"),
        ));
    }
    ask(m, |port| ProcessMsg::Start(Some(port)))
        .await?
        .map_err(|r| refusal(r, ns))?;
    let now = m.now();
    if now.spawnerr.is_some() {
        return Err(FaultError::new(Fault::SpawnError, ns));
    }
    if !wait || now.state == ProcessState::Running {
        return Ok(None);
    }
    let mut rx = m.snapshot.clone();
    let ns = ns.to_string();
    Ok(Some(Box::pin(
        async move { wait_running(&mut rx, &ns).await },
    )))
}

/// The deferred part of `startProcess(wait=True)`.
async fn wait_running(rx: &mut watch::Receiver<Snapshot>, ns: &str) -> CtlResult<()> {
    loop {
        {
            let s = rx.borrow_and_update();
            if s.spawnerr.is_some() {
                return Err(FaultError::new(Fault::SpawnError, ns));
            }
            match s.state {
                ProcessState::Running => return Ok(()),
                ProcessState::Starting => {}
                _ => return Err(FaultError::new(Fault::AbnormalTermination, ns)),
            }
        }
        if rx.changed().await.is_err() {
            return Err(gone());
        }
    }
}

async fn stop(m: &Member, ns: &str, wait: bool) -> CtlResult<Option<Waiter>> {
    if !m.now().state.is_running() {
        return Err(FaultError::new(Fault::NotRunning, ns));
    }
    ask(m, |port| ProcessMsg::Stop(Some(port)))
        .await?
        .map_err(|r| refusal(r, ns))?;
    if !wait || m.now().state.is_stopped() {
        return Ok(None);
    }
    let mut rx = m.snapshot.clone();
    Ok(Some(Box::pin(async move {
        rx.wait_for(|s| s.state.is_stopped())
            .await
            .map(drop)
            .map_err(|_| gone())
    })))
}

async fn signal(m: &Member, ns: &str, sig: &str) -> CtlResult<()> {
    let signal: Signal = sig
        .parse()
        .map_err(|_| FaultError::new(Fault::BadSignal, sig))?;
    if !m.now().state.is_signallable() {
        return Err(FaultError::new(Fault::NotRunning, ns));
    }
    ask(m, |port| ProcessMsg::Signal(signal, port))
        .await?
        .map_err(|r| refusal(r, ns))
}

/// `clearProcessLogs` / `clearAllProcessLogs`: every selected process, no filter.
pub async fn clear(reg: &Registry, target: Target) -> CtlResult<Vec<ProcessResult>> {
    let list = select(reg, &target, false)?;
    let mut results = Vec::with_capacity(list.len());
    for (g, m) in list {
        let ns = match &target {
            Target::Process(ns) => ns.clone(),
            _ => namespec::make(&g.config.name, &m.config.name),
        };
        let r = match m.actor.call(ProcessMsg::ClearLogs, None).await {
            Ok(CallResult::Success(Ok(()))) => ProcessResult::ok(&g.config.name, &m.config.name),
            _ => ProcessResult::failed(
                &g.config.name,
                &m.config.name,
                &FaultError::new(Fault::Failed, &ns),
            ),
        };
        results.push(r);
    }
    Ok(results)
}

/// `sendProcessStdin`.
pub async fn stdin(reg: &Registry, ns: &str, data: Vec<u8>) -> CtlResult<()> {
    let (_, m) = find(reg, ns)?;
    ask(m, |port| ProcessMsg::Stdin(data, port))
        .await?
        .map_err(|r| refusal(r, ns))
}
