//! One incarnation of a supervised program: the log sinks a process keeps across
//! spawns ([`Sinks`]), and [`launch`], which forks/execs the child and wires what
//! lives as long as it does — one output pump per pipe (log file, syslog, capture,
//! PROCESS_LOG events, a listener's protocol tap; handed back for the caller to
//! start) and the watch on its exit status from the reaper. It knows nothing of
//! actors: the exit is handed to a callback.

use std::path::Path;
use std::sync::{Arc, Mutex};

use supervisor_config::ProcessConfig;
use supervisor_model::LogLevel;

use super::api::{News, Upward};
use super::auto_log::resolve_log_path;
use super::capture::Capture;
use super::channel::Channel;
use super::counters::OutputCounters;
use super::log_watch::LogWatch;
use super::output::{self, ChannelLog};
use super::output_syslog::SyslogOut;
use super::spawn;
use super::stdin::StdinWriter;
use crate::context::Context;

/// A process's two log sinks, shared with its output pumps.
pub struct Sinks {
    pub stdout: Arc<Mutex<ChannelLog>>,
    pub stderr: Arc<Mutex<ChannelLog>>,
}

impl Sinks {
    /// Opens the sinks `config` names (an AUTO log gets its unique file now, as
    /// Supervisor names it when the process is created); they count into `counters`.
    pub fn open(config: &ProcessConfig, ctx: &Context, counters: &Arc<OutputCounters>) -> Sinks {
        let open = |channel: Channel| {
            let cfg = match channel {
                Channel::Stdout => &config.stdout,
                Channel::Stderr => &config.stderr,
            };
            let path = resolve_log_path(
                cfg,
                &ctx.childlogdir,
                &config.name,
                channel,
                &ctx.identifier,
            )
            .unwrap_or_else(|e| {
                ctx.log.log(
                    LogLevel::Error,
                    &format!(
                        "cannot create AUTO {} log of '{}' in {}: {e}",
                        channel.name(),
                        config.name,
                        ctx.childlogdir.display()
                    ),
                );
                None
            });
            Arc::new(Mutex::new(ChannelLog::new(
                path,
                cfg,
                channel,
                counters.clone(),
            )))
        };
        let stdout = open(Channel::Stdout);
        let stderr = if config.redirect_stderr {
            Arc::new(Mutex::new(ChannelLog::new(
                None,
                &config.stderr,
                Channel::Stderr,
                counters.clone(),
            )))
        } else {
            open(Channel::Stderr)
        };
        Sinks { stdout, stderr }
    }

    pub fn both(&self) -> [&Arc<Mutex<ChannelLog>>; 2] {
        [&self.stdout, &self.stderr]
    }
}

/// What [`launch`] needs to know about the process.
pub struct Launch<'a> {
    pub config: &'a Arc<ProcessConfig>,
    pub ctx: &'a Arc<Context>,
    /// The spec of the last spawn, reused while config and context are the same.
    pub prepared: &'a mut Option<Box<spawn::Prepared>>,
    pub name: &'a Arc<str>,
    pub group: &'a Arc<str>,
    pub sinks: &'a Sinks,
    pub upward: Option<&'a Upward>,
    /// Set last in the child's environment (the notify socket).
    pub extra_env: Vec<(std::ffi::OsString, std::ffi::OsString)>,
    /// `ready_check = log:…`: the pattern, and what to do when a line matches.
    pub log_ready: Option<(regex::bytes::Regex, ReadyFound)>,
    /// An fcgi-program's listening socket: the child's fd 0 instead of a stdin pipe.
    pub socket: Option<supervisor_sys::ListenSocket>,
}

/// A pipe's pump or the exit watch, not yet running: see [`Launched::pumps`].
pub type Pump = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

/// Called when a `log:` ready check's pattern matched.
pub type ReadyFound = Arc<dyn Fn() + Send + Sync>;

/// A child that is running.
pub struct Launched {
    pub pid: i32,
    pub stdin: Option<StdinWriter>,
    /// The output pumps and the exit watch, for the caller to run (as one task)
    /// once it has logged the spawn (and what follows at once, e.g. RUNNING with
    /// `startsecs=0`): Supervisor reads a child's first output in a later pass of
    /// its loop, so `spawned:` always comes before the child's `stdout output:`
    /// debug line. The pipes hold the output meanwhile, the reaper the exit.
    pub pumps: Vec<Pump>,
}

/// Forks/execs the child and prepares its output pumps and the watch on its exit
/// (`exited(pid, exit)` once the reaper collected it). `Err` is the spawnerr text.
pub fn launch(
    l: Launch<'_>,
    exited: impl FnOnce(i32, supervisor_model::ExitStatus) + Send + 'static,
) -> Result<Launched, String> {
    let child = spawn::spawn(l.config, l.ctx, l.extra_env, l.socket, l.prepared)?;
    let pid = child.pid;
    let stdin = child.stdin.map(StdinWriter::new);
    let listener = l.upward.filter(|u| u.wants().listener);
    if let (Some(up), Some(stdin)) = (listener, &stdin) {
        up.tell(
            l.name,
            News::Spawned {
                pid,
                stdin: stdin.clone(),
            },
        );
    }
    let mut pumps: Vec<Pump> = Vec::with_capacity(3);
    let own_file = {
        let path = |s: &Arc<Mutex<ChannelLog>>| {
            s.lock()
                .unwrap_or_else(|p| p.into_inner())
                .path()
                .map(Path::to_path_buf)
        };
        path(&l.sinks.stdout) != path(&l.sinks.stderr)
    };
    for (rx, channel, sink, cfg) in [
        (
            child.stdout,
            Channel::Stdout,
            &l.sinks.stdout,
            &l.config.stdout,
        ),
        (
            child.stderr,
            Channel::Stderr,
            &l.sinks.stderr,
            &l.config.stderr,
        ),
    ] {
        sink.lock()
            .unwrap_or_else(|p| p.into_inner())
            .open_now(l.name, &l.ctx.log);
        let Some(rx) = rx else { continue };
        // A listener's stdout is its protocol channel: no events, no capture.
        let tap = match (listener, channel) {
            (Some(up), Channel::Stdout) => {
                let (up, name) = (up.clone(), l.name.clone());
                Some(Box::new(move |data: &[u8]| {
                    up.tell(
                        &name,
                        News::Output {
                            pid,
                            data: data.to_vec(),
                        },
                    )
                }) as output::Tap)
            }
            _ => None,
        };
        let capture = usize::try_from(cfg.capture_maxbytes.bytes())
            .ok()
            .filter(|&n| n > 0 && tap.is_none())
            .map(|n| Box::new(Capture::new(n)));
        pumps.push(Box::pin(super::pump::pump(
            rx,
            output::Feed {
                channel,
                sink: sink.clone(),
                name: l.name.clone(),
                group: l.group.clone(),
                pid,
                log: l.ctx.log.clone(),
                strip_ansi: l.ctx.strip_ansi,
                bus: l.ctx.events.clone(),
                log_events: cfg.events_enabled && tap.is_none(),
                syslog: (cfg.syslog && tap.is_none()).then(|| {
                    Box::new(SyslogOut::new(
                        crate::mainlog::syslog_socket(),
                        l.name,
                        channel,
                    ))
                }),
                capture,
                tap,
                watch: l.log_ready.as_ref().map(|(regex, found)| {
                    let found = found.clone();
                    Box::new(LogWatch::new(regex.clone(), Box::new(move || found())))
                }),
                own_file,
            },
        )));
    }
    let exit = child.exit;
    pumps.push(Box::pin(async move {
        if let Ok(status) = exit.await {
            exited(pid, status);
        }
    }));
    Ok(Launched { pid, stdin, pumps })
}
