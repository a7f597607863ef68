//! The daemon's implementation of [`supervisor_rpc::Control`]: queries read the
//! published [`Registry`] and snapshots directly; actions message the process
//! actors ([`act`]); reread, add, remove, update, reload and shutdown go to the root.

mod act;
pub mod info;
mod metrics;

use std::path::PathBuf;
use std::sync::Arc;

use ractor::ActorRef;
use ractor::rpc::CallResult;
use supervisor_config::LogFile;
use supervisor_model::{Fault, FaultError, SupervisorState};
use supervisor_rpc::{
    Action, ConfigInfo, Control, CtlResult, LogSource, ProcessInfo, ProcessResult, Reread, Target,
    UpdateReport, UpdateRequest, WatchedEvent,
};
use tokio::sync::{mpsc, watch};

use crate::events::EventBus;
use crate::mainlog::MainLog;
use crate::registry::Registry;
use crate::root::api::RootMsg;
use crate::update::Responder;

/// How long `/healthz` waits for the root actor: it can be busy for a moment
/// (spawning a thousand groups at start-up), never for this long.
const ALIVE_DEADLINE: std::time::Duration = std::time::Duration::from_secs(5);

pub struct DaemonControl {
    pub root: ActorRef<RootMsg>,
    pub registry: watch::Receiver<Arc<Registry>>,
    pub state: watch::Receiver<SupervisorState>,
    pub log: MainLog,
    /// The main log file, when it is a file.
    pub main_log: Option<PathBuf>,
    pub identifier: String,
    pub events: EventBus,
}

impl DaemonControl {
    fn reg(&self) -> Arc<Registry> {
        self.registry.borrow().clone()
    }

    async fn root_call<T: Send + 'static>(
        &self,
        msg: impl FnOnce(ractor::RpcReplyPort<T>) -> RootMsg,
    ) -> CtlResult<T> {
        match self.root.call(msg, None).await {
            Ok(CallResult::Success(v)) => Ok(v),
            _ => Err(FaultError::bare(Fault::ShutdownState)),
        }
    }
}

/// The main log's path from `[supervisord] logfile`.
pub fn main_log_path(logfile: &LogFile) -> Option<PathBuf> {
    match logfile {
        LogFile::Path(p) => Some(p.clone()),
        _ => None,
    }
}

impl Control for DaemonControl {
    fn log(&self, level: supervisor_model::LogLevel, message: &str) {
        self.log.log(level, message);
    }

    fn state(&self) -> SupervisorState {
        *self.state.borrow()
    }

    fn pid(&self) -> i32 {
        i32::try_from(std::process::id()).unwrap_or(i32::MAX)
    }

    fn identification(&self) -> String {
        self.identifier.clone()
    }

    fn processes(&self) -> Vec<ProcessInfo> {
        let reg = self.reg();
        let now = crate::snapshot::unix_now();
        reg.lexical()
            .into_iter()
            .map(|(_, m)| info::process_info(&m.snapshot.borrow(), now))
            .collect()
    }

    fn process(&self, ns: &str) -> CtlResult<ProcessInfo> {
        let reg = self.reg();
        let (_, m) = act::find(&reg, ns)?;
        Ok(info::process_info(
            &m.snapshot.borrow(),
            crate::snapshot::unix_now(),
        ))
    }

    async fn act(&self, action: Action, target: Target) -> CtlResult<Vec<ProcessResult>> {
        let reg = self.reg();
        act::act(&reg, &self.log, action, target).await
    }

    async fn send_stdin(&self, ns: &str, data: Vec<u8>) -> CtlResult<()> {
        let reg = self.reg();
        act::stdin(&reg, ns, data).await
    }

    fn log_path(&self, source: &LogSource) -> CtlResult<Option<PathBuf>> {
        let (ns, stderr) = match source {
            LogSource::Main => return Ok(self.main_log.clone()),
            LogSource::Stdout(ns) => (ns, false),
            LogSource::Stderr(ns) => (ns, true),
        };
        let reg = self.reg();
        let (_, m) = act::find(&reg, ns)?;
        let s = m.snapshot.borrow();
        Ok(if stderr {
            s.stderr_logfile.clone()
        } else {
            s.stdout_logfile.clone()
        })
    }

    async fn clear_logs(&self, target: Target) -> CtlResult<Vec<ProcessResult>> {
        let reg = self.reg();
        act::clear(&reg, target).await
    }

    fn clear_main_log(&self) -> CtlResult<()> {
        match &self.main_log {
            Some(p) if p.exists() => {
                // rpcinterface.py `clearLog` logs this between removing the file and
                // reopening it: it lands in the removed file (and on stdout).
                self.log
                    .log(supervisor_model::LogLevel::Info, "reopening log file");
                self.log
                    .clear(p)
                    .map_err(|_| FaultError::bare(Fault::Failed))
            }
            _ => Err(FaultError::bare(Fault::NoFile)),
        }
    }

    async fn reread(&self) -> CtlResult<Reread> {
        let diff = self
            .root_call(RootMsg::Reread)
            .await?
            .map_err(|e| FaultError::new(Fault::CantReread, e))?;
        Ok(Reread {
            added: diff.added.clone(),
            changed: diff.changed.iter().map(|c| c.name.clone()).collect(),
            removed: diff.removed.clone(),
        })
    }

    async fn add_group(&self, name: &str) -> CtlResult<()> {
        let name = name.to_string();
        self.root_call(|port| RootMsg::AddGroup(name, port)).await?
    }

    async fn remove_group(&self, name: &str) -> CtlResult<()> {
        let name = name.to_string();
        self.root_call(|port| RootMsg::RemoveGroup(name, port))
            .await?
    }

    async fn update(&self, request: UpdateRequest) -> CtlResult<UpdateReport> {
        self.root_call(|port| RootMsg::Update {
            dry_run: request.dry_run,
            groups: request.groups,
            reply: Responder::Update(port),
        })
        .await?
    }

    fn config_info(&self) -> Vec<ConfigInfo> {
        let reg = self.reg();
        let Some(loaded) = &reg.loaded else {
            return Vec::new();
        };
        let mut out: Vec<ConfigInfo> = loaded
            .groups
            .iter()
            .flat_map(|g| {
                let inuse = reg.group(&g.name).is_some();
                g.processes
                    .iter()
                    .map(move |p| info::config_info(p, g.priority, inuse))
            })
            .collect();
        // Supervisor sorts by process name only (stable).
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    async fn reload(&self) -> CtlResult<()> {
        self.root_call(|port| RootMsg::Reload {
            signal: false,
            reply: Some(port),
        })
        .await?
    }

    async fn shutdown(&self) -> CtlResult<()> {
        self.root_call(|port| RootMsg::Shutdown {
            signal: None,
            reply: Some(port),
        })
        .await?
    }

    fn remote_comm_event(&self, kind: &str, data: &str) -> CtlResult<()> {
        self.events
            .publish("REMOTE_COMMUNICATION", format!("type:{kind}\n{data}"));
        Ok(())
    }

    fn reopen_logs(&self) -> CtlResult<()> {
        self.root
            .send_message(RootMsg::ReopenLogs { signal: false })
            .map_err(|_| FaultError::new(Fault::Failed, "supervisord is stopping"))
    }

    fn events(&self, names: &[String]) -> mpsc::Receiver<WatchedEvent> {
        let (tx, rx) = mpsc::channel(256);
        let mut bus = self.events.subscribe_to(names);
        tokio::spawn(async move {
            let mut dropped = 0;
            loop {
                let event = tokio::select! {
                    r = bus.recv() => r,
                    () = tx.closed() => return,
                };
                match event {
                    // Not asked for: skipped here, so that a loss reported with it
                    // still reaches the watcher with the next event it wants.
                    Ok(e) if !bus.wants(&e) => {}
                    Ok(e) => {
                        let w = WatchedEvent {
                            event: (*e).clone(),
                            dropped: std::mem::take(&mut dropped),
                        };
                        if tx.send(w).await.is_err() {
                            return;
                        }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => dropped += n,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                }
            }
        });
        rx
    }

    fn watch(&self) -> mpsc::Receiver<ProcessInfo> {
        let (tx, rx) = mpsc::channel(256);
        let reg = self.reg();
        for (_, m) in reg.lexical() {
            let mut snap = m.snapshot.clone();
            let tx = tx.clone();
            tokio::spawn(async move {
                loop {
                    let s = snap.borrow_and_update().clone();
                    if tx
                        .send(info::process_info(&s, crate::snapshot::unix_now()))
                        .await
                        .is_err()
                    {
                        return;
                    }
                    tokio::select! {
                        r = snap.changed() => if r.is_err() { return },
                        () = tx.closed() => return,
                    }
                }
            });
        }
        rx
    }

    fn metrics(&self) -> Option<supervisor_rpc::observe::Metrics> {
        Some(metrics::gather(&self.reg(), self.state(), &self.events))
    }

    fn readiness(&self) -> supervisor_rpc::observe::Readiness {
        crate::readiness::readiness(&self.reg(), self.state())
    }

    async fn alive(&self) -> bool {
        matches!(
            self.root.call(RootMsg::Ping, Some(ALIVE_DEADLINE)).await,
            Ok(CallResult::Success(()))
        )
    }
}
