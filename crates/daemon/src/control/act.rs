//! start / stop / signal / clear for one process, a group or everything, with
//! Supervisor's rules (rpcinterface.py): which processes a group action applies to,
//! the order they are acted on, the checks and faults of each single action, and the
//! deferred `wait` (a start waits for RUNNING, a stop for a stopped state).
//!
//! Results of group actions come back in Supervisor's order (rpcinterface.py
//! `make_allfunc`): first, in the order the processes are acted on (priority, then
//! configuration order), every result known at once — a refusal (NOT_RUNNING,
//! NO_FILE, SPAWN_ERROR, ...) or an immediate success (`startsecs=0`, no `wait`);
//! then the deferred ones (a start waiting for RUNNING, a stop for STOPPED), once all
//! are done, again in acting order.
//!
//! Decision: Supervisor appends a deferred result when its HTTP server next polls the
//! pending callbacks, and its polls follow its main loop (woken by child output or
//! its 1-second timeout), so which of several waits finishing within a second or so
//! comes first varies from run to run there (two programs stopping 0.4 s after
//! SIGTERM are listed either way round). Scripts cannot rely on that, and a
//! completion order would make our answer vary too; acting order is the order
//! Supervisor gives whenever the waits end together (the common case: programs that
//! stop at once), and is always the same.

use futures_util::stream::{FuturesUnordered, StreamExt};
use ractor::rpc::CallResult;
use supervisor_model::namespec;
use supervisor_model::{Fault, FaultError, LogLevel, ProcessState, Signal};
use supervisor_rpc::{Action, CtlResult, ProcessResult, Target};
use tokio::sync::watch;

use crate::group::api::GroupHandle;
use crate::mainlog::MainLog;
use crate::process::api::{Member, ProcessMsg};
use crate::process::machine::Refusal;
use crate::registry::Registry;
use crate::snapshot::Snapshot;

type Waiter = std::pin::Pin<Box<dyn std::future::Future<Output = CtlResult<()>> + Send>>;

/// The processes `target` names, in the order Supervisor acts on them (ascending
/// priority for every action, stops included: only a shutdown stops in reverse),
/// each with its group's name.
fn select<'a>(reg: &'a Registry, target: &Target) -> CtlResult<Vec<(&'a GroupHandle, &'a Member)>> {
    let list = match target {
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

pub async fn act(
    reg: &Registry,
    log: &MainLog,
    action: Action,
    target: Target,
) -> CtlResult<Vec<ProcessResult>> {
    let single = matches!(target, Target::Process(_));
    let list = select(reg, &target)?;
    let mut results = Vec::new();
    let waiting = FuturesUnordered::new();
    let mut waits = Vec::new();
    for (index, (g, m)) in list.into_iter().enumerate() {
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
        match one(m, &ns, &action, reg.path.as_deref(), log).await {
            Err(e) => results.push(ProcessResult::failed(&group, &name, &e)),
            Ok(None) => results.push(ProcessResult::ok(&group, &name)),
            Ok(Some(w)) => {
                waits.push(m);
                waiting.push(async move { (index, group, name, w.await) });
            }
        }
    }
    // Supervisor's `make_allfunc` looks at every deferred result once right after
    // acting on all: a stop still under way is reported then.
    if matches!(action, Action::Stop { .. }) {
        for m in &waits {
            stop_report(log, &m.config.name, &m.now());
        }
    }
    let mut deferred: Vec<_> = waiting.collect().await;
    deferred.sort_by_key(|(index, ..)| *index);
    results.extend(deferred.into_iter().map(|(_, group, name, r)| match r {
        Ok(()) => ProcessResult::ok(&group, &name),
        Err(e) => ProcessResult::failed(&group, &name, &e),
    }));
    Ok(results)
}

/// One process; `Ok(Some(waiter))` when the reply must wait.
async fn one(
    m: &Member,
    ns: &str,
    action: &Action,
    path: Option<&std::ffi::OsStr>,
    log: &MainLog,
) -> CtlResult<Option<Waiter>> {
    match action {
        Action::Start { wait } => start(m, ns, *wait, path).await,
        Action::Stop { wait } => stop(m, ns, *wait, log).await,
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

async fn stop(m: &Member, ns: &str, wait: bool, log: &MainLog) -> CtlResult<Option<Waiter>> {
    let before = m.now();
    if !before.state.is_running() {
        return Err(FaultError::new(Fault::NotRunning, ns));
    }
    ask(m, |port| ProcessMsg::Stop(Some(port)))
        .await?
        .map_err(|r| refusal(r, ns))?;
    if !wait {
        return Ok(None);
    }
    // A stop that waits is always deferred, even when the child is already gone
    // (ours are reaped at once): whether Supervisor's `stopProcess` sees the
    // child reaped before it returns is a matter of microseconds, so only acting
    // order is stable. While the process stays STOPPING, its wait says so every
    // [`STOP_REPORT_EVERY`] after the first report (see [`act`]).
    let mut rx = m.snapshot.clone();
    let (log, name) = (log.clone(), m.config.name.clone());
    Ok(Some(Box::pin(async move {
        loop {
            let stopped = rx.wait_for(|s| s.state.is_stopped());
            if let Ok(done) = tokio::time::timeout(STOP_REPORT_EVERY, stopped).await {
                return done.map(drop).map_err(|_| gone());
            }
            stop_report(&log, &name, &rx.borrow());
        }
    })))
}

/// How often a waiting stop says it still waits (process.py `stop_report`).
const STOP_REPORT_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// process.py `stop_report`, called by `stopProcess`'s wait each time it looks: a
/// line while the process is STOPPING.
fn stop_report(log: &MainLog, name: &str, now: &Snapshot) {
    if now.state == ProcessState::Stopping {
        log.log(LogLevel::Info, &format!("waiting for {name} to stop"));
    }
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
    let list = select(reg, &target)?;
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
