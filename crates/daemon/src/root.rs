//! `RootActor`: the top of the tree. It owns the running config and one `GroupActor`
//! per active group, starts groups in priority order, turns supervisord's signals and
//! the control plane's requests into shutdown, reload, log reopen, reread, and group
//! add/remove, and publishes the [`Registry`] the control plane reads. Shutdown runs
//! as a task that stops groups in descending priority — groups of equal priority in
//! parallel — and waits on the processes' snapshot channels, so no mailbox is ever
//! blocked. `update` (and `reload` with `reload_keeps_running`) is applied per
//! process by [`crate::update`], the same way: the stops run in a task, and config
//! changes that arrive meanwhile wait for it.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort, SupervisionEvent};
use supervisor_config::{Config, ConfigDiff};
use supervisor_model::{Fault, FaultError, LogLevel, SupervisorState};
use tokio::sync::watch;

use crate::context::{Alarm, Context};
use crate::group::GroupMsg;
use crate::registry::{GroupHandle, Registry};
use crate::tree::{spawn_group, spawn_groups, start_autostart, stop_all, stop_group_actor};
use crate::update::Responder;
use crate::update::apply::Retired;

/// supervisord's exit status after an essential program failed.
pub const ESSENTIAL_EXIT: i32 = 1;

/// How the next config is obtained on reload and reread (the command line is
/// re-applied); the error is the bare message.
pub type Reloader = Box<dyn Fn() -> Result<Config, String> + Send + Sync>;

pub enum RootMsg {
    /// SIGTERM/SIGINT/SIGQUIT (the signal's name, for the log), or the `shutdown`
    /// call (`reply` once the state is SHUTDOWN).
    Shutdown {
        signal: Option<&'static str>,
        reply: Option<RpcReplyPort<Result<(), FaultError>>>,
    },
    /// SIGHUP (`signal`) or the `restart` call (`reply` once the state is
    /// RESTARTING, or CANT_REREAD when the new config cannot be loaded): stop
    /// everything, re-read the config, start again in place.
    Reload {
        signal: bool,
        reply: Option<RpcReplyPort<Result<(), FaultError>>>,
    },
    /// SIGUSR2 (`signal`), or the `ReopenLogs` call.
    ReopenLogs { signal: bool },
    /// Every process is stopped; `reload` says what comes next.
    Stopped { reload: bool },
    /// `reloadConfig`: read the config again and diff it with the active groups.
    Reread(RpcReplyPort<Result<ConfigDiff, String>>),
    /// `addProcessGroup`.
    AddGroup(String, RpcReplyPort<Result<(), FaultError>>),
    /// `removeProcessGroup`.
    RemoveGroup(String, RpcReplyPort<Result<(), FaultError>>),
    /// `update`: read the config again and apply it per process, to the `groups`
    /// named (none: all); `dry_run` only reports.
    Update {
        dry_run: bool,
        groups: Vec<String>,
        reply: Responder,
    },
    /// The processes an update stops for good are stopped: finish it.
    Retired(Box<Retired>),
    /// A process raised an alarm (an essential program went FATAL).
    Alarm(Alarm),
}

impl RootMsg {
    /// Messages that read or change the config, held back while an update runs so
    /// each sees the tree before or after it, never halfway.
    fn waits_for_update(&self) -> bool {
        matches!(
            self,
            RootMsg::Reload { .. }
                | RootMsg::Reread(_)
                | RootMsg::AddGroup(..)
                | RootMsg::RemoveGroup(..)
                | RootMsg::Update { .. }
        )
    }
}

pub struct RootArgs {
    /// supervisord's exit status, set when an essential program fails.
    pub exit_code: Arc<AtomicI32>,
    pub config: Config,
    pub ctx: Arc<Context>,
    pub reloader: Reloader,
    pub state: watch::Sender<SupervisorState>,
    pub registry: watch::Sender<Arc<Registry>>,
}

pub struct RootActorState {
    exit_code: Arc<AtomicI32>,
    pub(crate) ctx: Arc<Context>,
    pub(crate) groups: Vec<Arc<GroupHandle>>,
    /// The config last read; `running.groups` are the active groups' configs.
    pub(crate) loaded: Arc<Config>,
    pub(crate) running: Config,
    pending: Option<Config>,
    reloader: Reloader,
    pub(crate) state: watch::Sender<SupervisorState>,
    pub(crate) registry: watch::Sender<Arc<Registry>>,
    /// An update is stopping processes (between `begin_update` and `Retired`).
    pub(crate) busy: bool,
    /// Config messages that arrived while `busy`, replayed in order afterwards.
    pub(crate) deferred: VecDeque<RootMsg>,
}

pub struct RootActor;

impl Actor for RootActor {
    type Msg = RootMsg;
    type State = RootActorState;
    type Arguments = RootArgs;

    async fn pre_start(
        &self,
        myself: ActorRef<RootMsg>,
        args: RootArgs,
    ) -> Result<RootActorState, ActorProcessingErr> {
        let groups = spawn_groups(&myself, &args.config, &args.ctx).await?;
        let st = RootActorState {
            exit_code: args.exit_code,
            ctx: args.ctx,
            groups,
            loaded: Arc::new(args.config.clone()),
            running: args.config,
            pending: None,
            reloader: args.reloader,
            state: args.state,
            registry: args.registry,
            busy: false,
            deferred: VecDeque::new(),
        };
        st.go_running().await;
        Ok(st)
    }

    async fn handle(
        &self,
        myself: ActorRef<RootMsg>,
        msg: RootMsg,
        st: &mut RootActorState,
    ) -> Result<(), ActorProcessingErr> {
        let log = st.ctx.log.clone();
        let running = *st.state.borrow() == SupervisorState::Running;
        if st.busy && msg.waits_for_update() {
            st.deferred.push_back(msg);
            return Ok(());
        }
        match msg {
            RootMsg::Shutdown { signal, reply } => {
                if let Some(signame) = signal {
                    log.log(
                        LogLevel::Warn,
                        &format!("received {signame} indicating exit request"),
                    );
                }
                let result = if running {
                    st.state.send_replace(SupervisorState::Shutdown);
                    st.begin_stop(&myself, false);
                    Ok(())
                } else {
                    Err(FaultError::bare(Fault::ShutdownState))
                };
                if let Some(reply) = reply {
                    let _ = reply.send(result);
                }
            }
            RootMsg::Reload { signal, reply } if !running => {
                if signal {
                    log.log(
                        LogLevel::Warn,
                        "ignored SIGHUP indicating restart request (shutdown in progress)",
                    );
                }
                if let Some(reply) = reply {
                    let _ = reply.send(Err(FaultError::bare(Fault::ShutdownState)));
                }
            }
            RootMsg::Reload { signal, reply } => {
                if signal {
                    log.log(LogLevel::Warn, "received SIGHUP indicating restart request");
                }
                // Better than Supervisor: a broken config leaves everything running.
                let result = match (st.reloader)() {
                    Ok(config) if config.supervisord.reload_keeps_running => {
                        // The config being loaded decides, so turning the option on
                        // takes effect at the very reload that reads it.
                        log.log(
                            LogLevel::Info,
                            "reload_keeps_running: applying the config in place",
                        );
                        st.begin_update(&myself, config, false, &[], Responder::Reload(reply));
                        return Ok(());
                    }
                    Ok(config) => {
                        st.pending = Some(config);
                        st.state.send_replace(SupervisorState::Restarting);
                        st.begin_stop(&myself, true);
                        Ok(())
                    }
                    Err(e) => {
                        log.log(
                            LogLevel::Error,
                            &format!("not restarting: the config cannot be loaded: {e}"),
                        );
                        Err(FaultError::new(Fault::CantReread, e))
                    }
                };
                if let Some(reply) = reply {
                    let _ = reply.send(result);
                }
            }
            RootMsg::ReopenLogs { signal } => {
                log.log(
                    LogLevel::Info,
                    if signal {
                        "received SIGUSR2 indicating log reopen request"
                    } else {
                        "log reopen requested through the control API"
                    },
                );
                log.log(LogLevel::Info, "supervisord logreopen");
                if let Err(e) = log.reopen() {
                    eprintln!("supervisord: cannot reopen the main log: {e}");
                }
                for g in &st.groups {
                    let _ = g.actor.send_message(GroupMsg::ReopenLogs);
                }
            }
            RootMsg::Stopped { reload } => {
                for g in std::mem::take(&mut st.groups) {
                    stop_group_actor(&g).await?;
                }
                match st.pending.take().filter(|_| reload) {
                    Some(config) => {
                        let ctx = Arc::new(Context::new(
                            &config,
                            st.ctx.reaper.clone(),
                            st.ctx.log.clone(),
                            st.ctx.events.clone(),
                            st.ctx.alarms.clone(),
                        ));
                        st.groups = spawn_groups(&myself, &config, &ctx).await?;
                        st.loaded = Arc::new(config.clone());
                        st.running = config;
                        st.ctx = ctx;
                        st.go_running().await;
                    }
                    None => {
                        st.groups.clear();
                        st.publish();
                        myself.stop(None);
                    }
                }
            }
            RootMsg::Reread(reply) => {
                let result = (st.reloader)().map(|config| {
                    let diff = supervisor_config::diff(&st.running, &config);
                    st.loaded = Arc::new(config);
                    st.publish();
                    diff
                });
                let _ = reply.send(result);
            }
            RootMsg::AddGroup(name, reply) => {
                let result = st.add_group(&myself, &name).await;
                let _ = reply.send(result);
            }
            RootMsg::RemoveGroup(name, reply) => {
                let result = st.remove_group(&name).await;
                let _ = reply.send(result);
            }
            RootMsg::Update { reply, .. } if !running => {
                reply.send(Err(FaultError::bare(Fault::ShutdownState)));
            }
            RootMsg::Update {
                dry_run,
                groups,
                reply,
            } => match (st.reloader)() {
                Ok(config) => st.begin_update(&myself, config, dry_run, &groups, reply),
                Err(e) => reply.send(Err(FaultError::new(Fault::CantReread, e))),
            },
            RootMsg::Retired(done) => st.finish_update(&myself, *done).await,
            RootMsg::Alarm(alarm) => {
                // Beyond Supervisor (issue 5, Supervisor #712): the container use case.
                // A shutdown already under way keeps its course.
                let why = match alarm {
                    Alarm::EssentialFatal(name) => {
                        Some(format!("essential program {name} entered FATAL state"))
                    }
                    Alarm::GroupFailed(name) => st
                        .running
                        .group(&name)
                        .is_some_and(|g| g.essential)
                        .then(|| format!("essential group {name} failed")),
                };
                if let Some(why) = why {
                    log.log(
                        LogLevel::Critical,
                        &format!("{why}: shutting down (exit status {ESSENTIAL_EXIT})"),
                    );
                    st.exit_code.store(ESSENTIAL_EXIT, Ordering::SeqCst);
                    if running {
                        st.state.send_replace(SupervisorState::Shutdown);
                        st.begin_stop(&myself, false);
                    }
                }
            }
        }
        Ok(())
    }

    async fn handle_supervisor_evt(
        &self,
        _myself: ActorRef<RootMsg>,
        event: SupervisionEvent,
        st: &mut RootActorState,
    ) -> Result<(), ActorProcessingErr> {
        // A group actor only ends when we stop it; a failure is a daemon bug and must
        // not bring supervisord (and every child) down.
        if let SupervisionEvent::ActorFailed(cell, err) = event {
            st.ctx.log.log(
                LogLevel::Critical,
                &format!("group actor {:?} failed: {err}", cell.get_id()),
            );
        }
        Ok(())
    }
}

impl RootActorState {
    /// The groups are in place: publish them, enter RUNNING (as Supervisor, before
    /// the first spawn), then start the autostart processes.
    async fn go_running(&self) {
        self.publish();
        self.state.send_replace(SupervisorState::Running);
        self.ctx
            .events
            .publish("SUPERVISOR_STATE_CHANGE_RUNNING", String::new());
        start_autostart(&self.groups).await;
    }

    pub(crate) fn publish(&self) {
        self.registry.send_replace(Arc::new(Registry {
            groups: self.groups.clone(),
            loaded: Some(self.loaded.clone()),
            path: self
                .ctx
                .base_env
                .iter()
                .find(|(k, _)| k == "PATH")
                .map(|(_, v)| v.clone()),
        }));
    }

    fn begin_stop(&self, myself: &ActorRef<RootMsg>, reload: bool) {
        self.ctx
            .events
            .publish("SUPERVISOR_STATE_CHANGE_STOPPING", String::new());
        let plan = self.groups.clone();
        let me = myself.clone();
        let log = self.ctx.log.clone();
        tokio::spawn(async move {
            stop_all(plan, &log).await;
            let _ = me.send_message(RootMsg::Stopped { reload });
        });
    }

    /// `addProcessGroup`: activate a group of the last-read config; its autostart
    /// processes start in the background, as Supervisor's next loop pass does.
    async fn add_group(
        &mut self,
        myself: &ActorRef<RootMsg>,
        name: &str,
    ) -> Result<(), FaultError> {
        let Some(config) = self.loaded.groups.iter().rev().find(|g| g.name == name) else {
            return Err(FaultError::new(Fault::BadName, name));
        };
        if self.groups.iter().any(|g| g.config.name == name) {
            return Err(FaultError::new(Fault::AlreadyAdded, name));
        }
        let handle = spawn_group(myself, config, &self.ctx)
            .await
            .map_err(|e| FaultError::new(Fault::Failed, e.to_string()))?;
        self.running.groups.push(config.clone());
        self.groups.push(handle.clone());
        self.sort_groups();
        self.publish();
        tokio::spawn(async move { start_autostart(&[handle]).await });
        Ok(())
    }

    /// `removeProcessGroup`: only when every process of the group is stopped.
    async fn remove_group(&mut self, name: &str) -> Result<(), FaultError> {
        let Some(index) = self.groups.iter().position(|g| g.config.name == name) else {
            return Err(FaultError::new(Fault::BadName, name));
        };
        let group = &self.groups[index];
        if group.members.iter().any(|m| !m.now().state.is_stopped()) {
            return Err(FaultError::new(Fault::StillRunning, name));
        }
        self.drop_group(name).await;
        self.publish();
        Ok(())
    }
}
