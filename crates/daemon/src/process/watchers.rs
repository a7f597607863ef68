//! The tasks that live as long as one start or one incarnation of a process: the
//! wait for its dependencies (then the watch on the required ones), its ready and
//! health probes, its notify socket. All report to the process by message, tagged
//! with the generation they were started for; all end together when the process
//! leaves STARTING/RUNNING ([`Watchers::end`]).

use std::ffi::OsString;
use std::sync::Arc;

use ractor::ActorRef;
use supervisor_config::{Probe, ProcessConfig};
use supervisor_model::LogLevel;
use tokio::task::AbortHandle;

use super::api::ProcessMsg;
use super::deps::Wait;
use super::incarnation::ReadyFound;
use super::machine::CheckKind;
use super::notify::{Listen, NotifySocket};
use super::probes::{self, Target};
use crate::context::Context;

/// What a launch needs from the checks: environment for the child, the `log:`
/// pattern, and the notify socket to listen on once the child runs.
#[derive(Default)]
pub struct ForLaunch {
    pub extra_env: Vec<(OsString, OsString)>,
    pub log_ready: Option<(regex::bytes::Regex, ReadyFound)>,
    notify: Option<NotifySocket>,
}

#[derive(Default)]
pub struct Watchers {
    tasks: Vec<AbortHandle>,
}

impl Drop for Watchers {
    fn drop(&mut self) {
        self.end();
    }
}

fn target(
    config: &Arc<ProcessConfig>,
    ctx: &Arc<Context>,
    me: &ActorRef<ProcessMsg>,
    generation: u64,
) -> Target {
    Target {
        config: config.clone(),
        ctx: ctx.clone(),
        me: me.clone(),
        generation,
    }
}

impl Watchers {
    /// Ends every task (the process left STARTING/RUNNING, or its actor ended).
    pub fn end(&mut self) {
        for t in self.tasks.drain(..) {
            t.abort();
        }
    }

    fn spawn(&mut self, task: impl Future<Output = ()> + Send + 'static) {
        self.tasks.retain(|t| !t.is_finished());
        self.tasks.push(tokio::spawn(task).abort_handle());
    }

    /// The start of `generation` waits for its dependencies.
    pub fn await_deps(
        &mut self,
        config: &ProcessConfig,
        ctx: &Context,
        me: &ActorRef<ProcessMsg>,
        generation: u64,
        pull: bool,
    ) {
        let wait = Wait {
            deps: config.depends_on.clone(),
            peers: ctx.peers.clone(),
            me: me.clone(),
            generation,
            pull,
        };
        self.spawn(wait.run());
    }

    /// Starts probing: the ready check of a new incarnation, or the health check of
    /// a RUNNING one (`log:` and `notify` are fed by the program instead).
    pub fn probe(
        &mut self,
        kind: CheckKind,
        config: &Arc<ProcessConfig>,
        ctx: &Arc<Context>,
        me: &ActorRef<ProcessMsg>,
        generation: u64,
    ) {
        let t = target(config, ctx, me, generation);
        match kind {
            CheckKind::Ready => {
                if let Some(check) = config.ready_check.clone()
                    && !matches!(check.probe, Probe::Log { .. } | Probe::Notify)
                {
                    self.spawn(probes::ready(check, t));
                }
            }
            CheckKind::Health => {
                if let Some(check) = config.health_check.clone()
                    && check.probe != Probe::Notify
                {
                    self.spawn(probes::health(check, t));
                }
            }
        }
    }

    /// What the incarnation of `generation` needs before its spawn. A notify socket
    /// that cannot be made is logged; the child then starts without one (and its
    /// ready check times out).
    pub fn before_launch(
        config: &ProcessConfig,
        ctx: &Context,
        me: &ActorRef<ProcessMsg>,
        generation: u64,
    ) -> ForLaunch {
        let mut out = ForLaunch::default();
        let probes = [
            config.ready_check.as_ref().map(|c| &c.probe),
            config.health_check.as_ref().map(|c| &c.probe),
        ];
        if probes.contains(&Some(&Probe::Notify)) {
            let owner = config.user.as_ref().map(|u| (u.uid, u.gid));
            match NotifySocket::bind(&ctx.notify_dir, &config.namespec(), generation, owner) {
                Ok(socket) => {
                    out.extra_env = socket.env(config.watchdog);
                    out.notify = Some(socket);
                }
                Err(e) => ctx.log.log(
                    LogLevel::Error,
                    &format!(
                        "cannot create the notify socket of '{}' in {}: {e}",
                        config.name,
                        ctx.notify_dir.display()
                    ),
                ),
            }
        }
        if let Some(Probe::Log { pattern }) = config.ready_check.as_ref().map(|c| &c.probe)
            && let Ok(regex) = regex::bytes::Regex::new(pattern)
        {
            let me = me.clone();
            let detail = format!("log:{pattern}");
            let found: ReadyFound = Arc::new(move || {
                let _ = me.send_message(ProcessMsg::Ready {
                    generation,
                    detail: detail.clone(),
                });
            });
            out.log_ready = Some((regex, found));
        }
        out
    }

    /// The child runs: listen on its notify socket, if it has one.
    pub fn after_launch(
        &mut self,
        launch: ForLaunch,
        config: &Arc<ProcessConfig>,
        ctx: &Arc<Context>,
        me: &ActorRef<ProcessMsg>,
        generation: u64,
    ) {
        let Some(socket) = launch.notify else { return };
        let listen = Listen {
            socket,
            target: target(config, ctx, me, generation),
            ready: config
                .ready_check
                .as_ref()
                .is_some_and(|c| c.probe == Probe::Notify),
            watchdog: config.watchdog,
        };
        self.spawn(listen.run());
    }
}
