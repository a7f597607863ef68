//! `RootActorState`: what the root owns — the active groups' handles, the configs
//! (the one the tree runs, the one last read), the daemon's state and the registry
//! it publishes — and one method per message. Stops (shutdown, reload, an update's
//! retirements) run in tasks that report back by message, and autostart runs in a
//! task, so the root's mailbox is never held up by children starting or stopping.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};

use ractor::{ActorRef, RpcReplyPort};
use supervisor_config::{Config, ConfigDiff};
use supervisor_model::{Fault, FaultError, LogLevel, SupervisorState};
use tokio::sync::watch;

use super::api::{ESSENTIAL_EXIT, Reloader, RootArgs, RootMsg};
use crate::context::{Alarm, Context};
use crate::group::api::GroupMsg;
use crate::notify::Notifier;
use crate::process::api::Peers;
use crate::registry::Registry;
use crate::tree::{self, Groups};
use crate::update::apply::{self, Retired};
use crate::update::{Responder, plan, report};

pub struct RootActorState {
    /// supervisord's exit status, set when an essential program fails.
    exit_code: Arc<AtomicI32>,
    ctx: Arc<Context>,
    groups: Groups,
    /// The config the tree was started (or reloaded) from, without its groups: the
    /// active groups' configs are their handles'.
    settings: Config,
    /// The config last read (start-up, reload, `reread`, `update`).
    loaded: Arc<Config>,
    /// The config the next (re)start builds the tree from.
    pending: Option<Config>,
    reloader: Reloader,
    state: watch::Sender<SupervisorState>,
    registry: watch::Sender<Arc<Registry>>,
    peers: watch::Sender<Arc<dyn Peers>>,
    /// An update is stopping processes (between `begin_update` and `Retired`).
    busy: bool,
    /// Config messages that arrived while `busy`, replayed in order afterwards.
    deferred: VecDeque<RootMsg>,
    /// systemd's notification socket (notify.rs), if any.
    notify: Option<Arc<Notifier>>,
    /// See [`Registry::generation`] and [`Registry::reloads`].
    generation: u64,
    reloads: u64,
}

impl RootActorState {
    pub fn new(args: RootArgs) -> RootActorState {
        let RootArgs {
            exit_code,
            config,
            ctx,
            reloader,
            state,
            registry,
            peers,
            notify,
        } = args;
        RootActorState {
            exit_code,
            ctx,
            groups: Groups::default(),
            settings: without_groups(&config),
            loaded: Arc::new(config.clone()),
            pending: Some(config),
            reloader,
            state,
            registry,
            peers,
            busy: false,
            deferred: VecDeque::new(),
            notify,
            generation: 0,
            reloads: 0,
        }
    }

    fn running(&self) -> bool {
        *self.state.borrow() == SupervisorState::Running
    }

    /// The config the tree runs: the settings it started from, the groups it has.
    fn running_config(&self) -> Config {
        Config {
            groups: self.groups.configs(),
            ..self.settings.clone()
        }
    }

    /// While an update stops processes, config messages wait for it; `Some` gives
    /// the message back when it can be handled now.
    pub fn defer(&mut self, msg: RootMsg) -> Option<RootMsg> {
        if self.busy && msg.waits_for_update() {
            self.deferred.push_back(msg);
            None
        } else {
            Some(msg)
        }
    }

    /// `RootMsg::Boot`, and the restart after a reload's stops: spawn the groups
    /// from the pending config, enter RUNNING (as Supervisor, before the first
    /// spawn), and start the autostart processes in the background.
    pub async fn boot(&mut self, myself: &ActorRef<RootMsg>) {
        let Some(config) = self.pending.take() else {
            return;
        };
        match tree::spawn_groups(&myself.get_cell(), &config, &self.ctx).await {
            Ok(groups) => self.groups = groups,
            Err(e) => {
                self.ctx
                    .log
                    .log(LogLevel::Critical, &format!("cannot start the tree: {e}"));
                self.exit_code.store(1, Ordering::SeqCst);
                self.state.send_replace(SupervisorState::Shutdown);
                self.begin_stop(myself, false);
                return;
            }
        }
        self.settings = without_groups(&config);
        self.loaded = Arc::new(config);
        self.generation += 1;
        self.publish();
        self.state.send_replace(SupervisorState::Running);
        self.ctx
            .events
            .publish("SUPERVISOR_STATE_CHANGE_RUNNING", String::new());
        let handles = self.groups.handles().to_vec();
        let state = self.state.subscribe();
        let me = myself.clone();
        tokio::spawn(async move {
            tree::start_autostart(&handles, || *state.borrow() == SupervisorState::Running).await;
            let _ = me.send_message(RootMsg::Booted);
        });
    }

    /// `RootMsg::Booted`: the autostart programs are started; systemd hears it.
    pub fn booted(&self) {
        if let Some(n) = &self.notify
            && self.running()
        {
            n.ready(&crate::notify::status(&self.registry.borrow()));
        }
        // What the start burst allocated and freed goes back to the OS: a thousand
        // programs started at once left ~3 MB of free heap resident for good
        // (BENCHMARKS.md, issue 20, idle). Once per (re)load, off the workers.
        tokio::task::spawn_blocking(supervisor_sys::release_free_memory);
    }

    pub fn publish(&self) {
        let registry = Arc::new(Registry {
            groups: self.groups.handles().to_vec(),
            loaded: Some(self.loaded.clone()),
            path: self
                .ctx
                .base_env
                .iter()
                .find(|(k, _)| k == "PATH")
                .map(|(_, v)| v.clone()),
            generation: self.generation,
            reloads: self.reloads,
        });
        self.peers.send_replace(registry.clone());
        self.registry.send_replace(registry);
    }

    /// Our own warnings about a newly read config (what it asks for that cannot be
    /// honoured: Python plugins, truncated values, other supervisors' options) are
    /// logged at start-up with the config; a config read later logs those it adds.
    fn warn_new_notices(&self, config: &Config) {
        for notice in config
            .notices
            .iter()
            .filter(|n| !self.loaded.notices.contains(n))
        {
            self.ctx.log.log(LogLevel::Warn, notice);
        }
    }

    fn begin_stop(&self, myself: &ActorRef<RootMsg>, reload: bool) {
        if let Some(n) = self.notify.as_ref().filter(|_| !reload) {
            n.stopping();
        }
        self.ctx
            .events
            .publish("SUPERVISOR_STATE_CHANGE_STOPPING", String::new());
        let plan = self.groups.handles().to_vec();
        let me = myself.clone();
        let log = self.ctx.log.clone();
        tokio::spawn(async move {
            crate::stop::stop_all(plan, &log).await;
            let _ = me.send_message(RootMsg::Stopped { reload });
        });
    }

    pub fn shutdown(
        &mut self,
        myself: &ActorRef<RootMsg>,
        signal: Option<&'static str>,
        reply: Option<RpcReplyPort<Result<(), FaultError>>>,
    ) {
        if let Some(signame) = signal {
            self.ctx.log.log(
                LogLevel::Warn,
                &format!("received {signame} indicating exit request"),
            );
        }
        let result = if self.running() {
            self.state.send_replace(SupervisorState::Shutdown);
            self.begin_stop(myself, false);
            Ok(())
        } else {
            Err(FaultError::bare(Fault::ShutdownState))
        };
        if let Some(reply) = reply {
            let _ = reply.send(result);
        }
    }

    pub fn reload(
        &mut self,
        myself: &ActorRef<RootMsg>,
        signal: bool,
        reply: Option<RpcReplyPort<Result<(), FaultError>>>,
    ) {
        let log = self.ctx.log.clone();
        if !self.running() {
            if signal {
                log.log(
                    LogLevel::Warn,
                    "ignored SIGHUP indicating restart request (shutdown in progress)",
                );
            }
            if let Some(reply) = reply {
                let _ = reply.send(Err(FaultError::bare(Fault::ShutdownState)));
            }
            return;
        }
        if signal {
            log.log(LogLevel::Warn, "received SIGHUP indicating restart request");
        }
        // Better than Supervisor: a broken config leaves everything running.
        let loaded = (self.reloader)();
        if loaded.is_ok() {
            self.reloads += 1;
            if let Some(n) = &self.notify {
                n.reloading();
            }
        }
        if let Ok(config) = &loaded {
            self.warn_new_notices(config);
        }
        let result = match loaded {
            Ok(config) if config.supervisord.reload_keeps_running => {
                // The config being loaded decides, so turning the option on takes
                // effect at the very reload that reads it.
                log.log(
                    LogLevel::Info,
                    "reload_keeps_running: applying the config in place",
                );
                self.begin_update(myself, config, false, &[], Responder::Reload(reply));
                return;
            }
            Ok(config) => {
                self.pending = Some(config);
                self.state.send_replace(SupervisorState::Restarting);
                self.begin_stop(myself, true);
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

    pub fn reopen_logs(&self, signal: bool) {
        let log = &self.ctx.log;
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
        for g in self.groups.handles() {
            let _ = g.actor.send_message(GroupMsg::ReopenLogs);
        }
    }

    /// Every process is stopped: end the group actors, then start again from the
    /// pending config (reload) or end the root (shutdown).
    pub async fn stopped(&mut self, myself: &ActorRef<RootMsg>, reload: bool) {
        for g in self.groups.take_all() {
            if let Err(e) = tree::stop_group_actor(&g).await {
                self.ctx.log.log(
                    LogLevel::Error,
                    &format!("group actor {} did not stop cleanly: {e}", g.config.name),
                );
            }
        }
        match self.pending.take().filter(|_| reload) {
            Some(config) => {
                self.ctx = Arc::new(Context::new(
                    &config,
                    self.ctx.reaper.clone(),
                    self.ctx.log.clone(),
                    self.ctx.events.clone(),
                    self.ctx.alarms.clone(),
                    self.peers.subscribe(),
                ));
                crate::startlog::log_restarted(&config, &self.ctx.log);
                self.pending = Some(config);
                self.boot(myself).await;
            }
            None => {
                self.publish();
                myself.stop(None);
            }
        }
    }

    pub fn reread(&mut self, reply: RpcReplyPort<Result<ConfigDiff, String>>) {
        let result = (self.reloader)().map(|config| {
            self.warn_new_notices(&config);
            let diff = supervisor_config::diff(&self.running_config(), &config);
            self.loaded = Arc::new(config);
            self.publish();
            diff
        });
        let _ = reply.send(result);
    }

    /// `addProcessGroup`: activate a group of the last-read config; its autostart
    /// processes start in the background, as Supervisor's next loop pass does.
    pub async fn add_group(
        &mut self,
        myself: &ActorRef<RootMsg>,
        name: &str,
    ) -> Result<(), FaultError> {
        let Some(config) = self.loaded.groups.iter().rev().find(|g| g.name == name) else {
            return Err(FaultError::new(Fault::BadName, name));
        };
        if self.groups.find(name).is_some() {
            return Err(FaultError::new(Fault::AlreadyAdded, name));
        }
        let handle = tree::spawn_group(&myself.get_cell(), config, &self.ctx)
            .await
            .map_err(|e| FaultError::new(Fault::Failed, e.to_string()))?;
        self.groups.put(handle.clone());
        self.publish();
        tokio::spawn(async move { tree::start_autostart(&[handle], || true).await });
        Ok(())
    }

    /// `removeProcessGroup`: only when every process of the group is stopped.
    pub async fn remove_group(&mut self, name: &str) -> Result<(), FaultError> {
        let Some(group) = self.groups.find(name) else {
            return Err(FaultError::new(Fault::BadName, name));
        };
        if group.members.iter().any(|m| !m.now().state.is_stopped()) {
            return Err(FaultError::new(Fault::StillRunning, name));
        }
        if let Some(g) = self.groups.take(name) {
            tree::remove_group(&g, &self.ctx).await;
        }
        self.publish();
        Ok(())
    }

    pub fn update(
        &mut self,
        myself: &ActorRef<RootMsg>,
        dry_run: bool,
        groups: &[String],
        reply: Responder,
    ) {
        if !self.running() {
            reply.send(Err(FaultError::bare(Fault::ShutdownState)));
            return;
        }
        match (self.reloader)() {
            Ok(config) => {
                self.warn_new_notices(&config);
                self.begin_update(myself, config, dry_run, groups, reply)
            }
            Err(e) => reply.send(Err(FaultError::new(Fault::CantReread, e))),
        }
    }

    /// Plans the update of the active groups to `config` (limited to `wanted`, none
    /// meaning all). A dry run replies at once; otherwise the processes to retire
    /// are stopped in the background and the rest comes back as `RootMsg::Retired`.
    fn begin_update(
        &mut self,
        myself: &ActorRef<RootMsg>,
        config: Config,
        dry_run: bool,
        wanted: &[String],
        reply: Responder,
    ) {
        let running = self.running_config();
        let plan = plan::plan(&running, &config, wanted, apply::state_of(&self.groups));
        let report = report(&plan, &running);
        if dry_run {
            reply.send(Ok(report));
            return;
        }
        self.busy = true;
        let me = myself.clone();
        apply::retire(
            &self.groups,
            plan,
            config,
            report,
            reply,
            self.ctx.log.clone(),
            move |done| {
                // If the root is gone (shut down meanwhile), dropping the reply port
                // tells the caller.
                let _ = me.send_message(RootMsg::Retired(Box::new(done)));
            },
        );
    }

    /// Phase 2 of an update: the groups apply the plan, the registry is published,
    /// the caller answered, then the processes to start are started.
    pub async fn finish_update(&mut self, myself: &ActorRef<RootMsg>, done: Retired) {
        self.busy = false;
        // Queued behind whatever is already waiting, handled after this message.
        for msg in self.deferred.drain(..) {
            let _ = myself.send_message(msg);
        }
        let Retired {
            plan,
            config,
            mut report,
            problems,
            reply,
        } = done;
        if !self.running() {
            reply.send(Err(FaultError::bare(Fault::ShutdownState)));
            return;
        }
        let mut ctx = Context::new(
            &config,
            self.ctx.reaper.clone(),
            self.ctx.log.clone(),
            self.ctx.events.clone(),
            self.ctx.alarms.clone(),
            self.peers.subscribe(),
        );
        // The listeners are not re-bound by an update: children keep being told
        // the URL that is actually served.
        ctx.server_url.clone_from(&self.ctx.server_url);
        let ctx = Arc::new(ctx);
        let starts = apply::finish(
            &mut self.groups,
            &myself.get_cell(),
            plan,
            &problems,
            &mut report,
            &ctx,
        )
        .await;
        self.loaded = Arc::new(config);
        self.ctx = ctx;
        self.generation += 1;
        self.publish();
        reply.send(Ok(report));
        let me = myself.clone();
        tokio::spawn(async move {
            starts.run().await;
            let _ = me.send_message(RootMsg::Booted);
        });
    }

    /// Beyond Supervisor: the container use case. A failed essential program or
    /// group shuts supervisord down with a non-zero status; a shutdown already under
    /// way keeps its course.
    pub fn alarm(&mut self, myself: &ActorRef<RootMsg>, alarm: Alarm) {
        let why = match alarm {
            Alarm::EssentialFatal(name) => {
                Some(format!("essential program {name} entered FATAL state"))
            }
            Alarm::GroupFailed(name) => self
                .groups
                .find(&name)
                .is_some_and(|g| g.config.essential)
                .then(|| format!("essential group {name} failed")),
        };
        if let Some(why) = why {
            self.ctx.log.log(
                LogLevel::Critical,
                &format!("{why}: shutting down (exit status {ESSENTIAL_EXIT})"),
            );
            self.exit_code.store(ESSENTIAL_EXIT, Ordering::SeqCst);
            if self.running() {
                self.state.send_replace(SupervisorState::Shutdown);
                self.begin_stop(myself, false);
            }
        }
    }

    pub fn log_critical(&self, msg: &str) {
        self.ctx.log.log(LogLevel::Critical, msg);
    }
}

/// `config` without its groups (a cheap copy of the daemon-wide settings).
fn without_groups(config: &Config) -> Config {
    Config {
        groups: Vec::new(),
        ..config.clone()
    }
}
