//! Running supervisord (supervisord.py `main`): the synchronous part first — privileges, rlimits,
//! the main log, daemonizing, the pidfile — then, with no fork left to do, the tokio
//! runtime with the reaper, the actor tree and the signal handlers. Returns the exit
//! status.

use std::sync::Arc;

use ractor::{Actor, ActorRef};
use supervisor_config::Config;
use supervisor_model::{LogLevel, SupervisorState};
use supervisor_sys::{DaemonNote, Reaper};
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::watch;

use supervisor_rpc::server::{self, BindError, Bound};

use crate::cli::{Cli, CliExit};
use crate::context::Context;
use crate::control::{self, DaemonControl};
use crate::events::EventBus;
use crate::mainlog::{MainLog, MainLogSetup};
use crate::notify::Notifier;
use crate::process::api::Peers;
use crate::registry::Registry;
use crate::root::actor::RootActor;
use crate::root::api::RootArgs;
use crate::root::api::RootMsg;

/// The runtime's worker threads: the tree is mostly idle, and two let one slow
/// handler never stall the rest (the malloc arenas are capped to match).
const WORKER_THREADS: usize = 2;

/// Runs supervisord until it is shut down; the exit code.
pub fn run(cli: Cli, config: Config) -> i32 {
    let log = MainLog::new();
    let sd = config.supervisord.clone();
    for (level, msg) in &config.messages {
        log.log(*level, msg);
    }
    match &sd.user {
        Some(user) => {
            if let Err(e) = supervisor_sys::drop_privileges(user.uid, user.gid, &user.name) {
                return fail(&log, &format!("Error: {e}"));
            }
            log.log(
                LogLevel::Info,
                &format!("Set uid to user {} succeeded", user.uid),
            );
        }
        None if nix::unistd::geteuid().is_root() => {
            log.log(LogLevel::Critical, crate::startlog::RUNNING_AS_ROOT)
        }
        None => {}
    }
    match supervisor_sys::raise_rlimits(sd.minfds, sd.minprocs) {
        Ok(msgs) => msgs.iter().for_each(|m| log.log(LogLevel::Info, m)),
        Err(e) => return fail(&log, &format!("Error: {e}")),
    }
    if let Err(e) = log.open(MainLogSetup::for_config(&sd)) {
        return fail(&log, &format!("Error: cannot open the main log: {e}"));
    }
    if !sd.nocleanup {
        for problem in crate::process::auto_log::clear_auto_logs(&sd.childlogdir, &sd.identifier) {
            log.log(LogLevel::Warn, &problem);
        }
    }
    // Bound before daemonizing, as Supervisor does: a second supervisord on the same
    // socket is refused here, in the foreground, with exit status 2.
    let listeners = match bind_listeners(&config) {
        Ok(l) => l,
        Err(e) => {
            return fail(
                &log,
                CliExit::usage(&cli.progname, &e.to_string())
                    .stderr
                    .trim_end(),
            );
        }
    };
    crate::startlog::log_servers_opened(&config, &log);
    if !sd.nodaemon {
        // options.py `daemonize`: the parent says so before it exits; the child's
        // `daemonizing the supervisord process` comes back among the notes. Written
        // before the fork, by the one process there is, so it is written once.
        log.log(LogLevel::Blather, "supervisord forked; parent exiting");
        match supervisor_sys::daemonize(sd.directory.as_deref(), sd.umask.bits()) {
            Ok(notes) => {
                for note in notes {
                    match note {
                        DaemonNote::Info(m) => log.log(LogLevel::Info, &m),
                        DaemonNote::Critical(m) => log.log(LogLevel::Critical, &m),
                    }
                }
            }
            Err(e) => return fail(&log, &format!("Error: cannot daemonize: {e}")),
        }
    }
    match supervisor_sys::write_pidfile(&sd.pidfile) {
        Ok(()) => log.log(
            LogLevel::Info,
            &format!("supervisord started with pid {}", std::process::id()),
        ),
        Err(_) => log.log(
            LogLevel::Critical,
            &format!("could not write pidfile {}", sd.pidfile.display()),
        ),
    }
    supervisor_sys::limit_malloc_arenas(WORKER_THREADS as u16);
    // Every thread of the runtime inherits it: SIGCHLD wakes only the reaper's poll.
    supervisor_sys::block_sigchld_in_new_threads();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKER_THREADS)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(&log, &format!("Error: cannot start the runtime: {e}")),
    };
    let mut sockets = Vec::new();
    // The workers exist now (with the mask as it was); this thread only waits.
    let signals_elsewhere = supervisor_sys::leave_signals_to_other_threads();
    let code = runtime.block_on(supervise(cli, config, log.clone(), listeners, &mut sockets));
    drop(runtime);
    drop(signals_elsewhere);
    for path in sockets {
        let _ = std::fs::remove_file(path);
    }
    // Every child is gone: its AUTO log files go too (as Supervisor's shutdown removes them), unless nocleanup.
    // The startup config's childlogdir and identifier name them, as at startup.
    if !sd.nocleanup {
        for problem in crate::process::auto_log::clear_auto_logs(&sd.childlogdir, &sd.identifier) {
            log.log(LogLevel::Warn, &problem);
        }
    }
    let _ = std::fs::remove_dir_all(crate::context::notify_dir());
    let _ = supervisor_sys::remove_pidfile(&sd.pidfile);
    let _ = std::fs::remove_file(crate::leftovers::state_file(&sd.pidfile));
    log.close();
    // Rotated logs still being gzip'ed are finished, within reason (a file left
    // uncompressed is compressed at the next start).
    supervisor_sys::wait_compressed(std::time::Duration::from_secs(10));
    code
}

fn fail(log: &MainLog, msg: &str) -> i32 {
    for (_, queued) in log.take_queued() {
        eprintln!("{queued}");
    }
    eprintln!("{msg}");
    2
}

/// Every `[unix_http_server]` and `[inet_http_server]` listener of `config`.
fn bind_listeners(config: &Config) -> Result<Vec<Bound>, BindError> {
    let mut out = Vec::new();
    for u in &config.unix_http_servers {
        out.push(server::bind_unix(u)?);
    }
    for i in &config.inet_http_servers {
        out.push(server::bind_tcp(i)?);
    }
    Ok(out)
}

async fn supervise(
    cli: Cli,
    config: Config,
    log: MainLog,
    listeners: Vec<Bound>,
    sockets: &mut Vec<std::path::PathBuf>,
) -> i32 {
    let _ = supervisor_sys::set_child_subreaper();
    let reaper = match Reaper::start() {
        Ok(r) => r,
        Err(e) => {
            log.log(LogLevel::Critical, &format!("cannot start the reaper: {e}"));
            return 1;
        }
    };
    if let Some(mut orphans) = reaper.orphans() {
        let log = log.clone();
        tokio::spawn(async move {
            while let Some(orphan) = orphans.recv().await {
                log.log(LogLevel::Info, &orphan.to_string());
                // supervisord.py `handle_signal`, after the `reap` that logged it.
                log.log(LogLevel::Debug, crate::process::state::SIGCHLD_LINE);
            }
        });
    }
    let events = EventBus::new();
    tokio::spawn(crate::ticks::run(events.clone()));
    let (alarms, mut alarm_rx) = tokio::sync::mpsc::unbounded_channel();
    let no_peers: Arc<dyn Peers> = Arc::new(Registry::default());
    let (peers, peers_rx) = watch::channel(no_peers);
    let ctx = Arc::new(Context::new(
        &config,
        reaper,
        log.clone(),
        events.clone(),
        alarms,
        peers_rx,
    ));
    let exit_code = Arc::new(std::sync::atomic::AtomicI32::new(0));
    let (state, state_rx) = watch::channel(SupervisorState::Running);
    let (registry, registry_rx) = watch::channel(Arc::new(Registry::default()));
    let main_log = control::main_log_path(&config.supervisord.logfile);
    let identifier = config.supervisord.identifier.clone();
    let reloader = Box::new(move || crate::startup::load(&cli).map_err(|e| e.message()));
    let sd_notify = Notifier::from_env().map(Arc::new);
    crate::leftovers::start(
        &config.supervisord.pidfile,
        &log,
        registry_rx.clone(),
        events.clone(),
    );
    let args = RootArgs {
        exit_code: exit_code.clone(),
        config,
        ctx,
        reloader,
        state,
        registry,
        peers,
        notify: sd_notify.clone(),
    };
    let signals = match install_signals() {
        Ok(s) => s,
        Err(e) => {
            log.log(
                LogLevel::Critical,
                &format!("cannot install signal handlers: {e}"),
            );
            return 1;
        }
    };
    let (root, handle) = match Actor::spawn(None, RootActor, args).await {
        Ok(r) => r,
        Err(e) => {
            log.log(LogLevel::Critical, &format!("cannot start the tree: {e}"));
            return 1;
        }
    };
    let registry_for_watchdog = registry_rx.clone();
    let ctl = Arc::new(DaemonControl {
        root: root.clone(),
        registry: registry_rx,
        state: state_rx,
        log: log.clone(),
        main_log,
        identifier,
        events,
    });
    let notify_log = log.clone();
    let notify: supervisor_rpc::auth::Notify =
        Arc::new(move |msg: String| notify_log.log(LogLevel::Warn, &msg));
    match server::serve(
        listeners,
        server::router(ctl, supervisor_web::routes()),
        notify,
    ) {
        Ok(paths) => *sockets = paths,
        Err(e) => {
            log.log(
                LogLevel::Critical,
                &format!("cannot serve the control sockets: {e}"),
            );
            return 1;
        }
    }
    forward_signals(signals, root.clone());
    if let (Some(n), Some(every)) = (sd_notify, crate::notify::watchdog_interval()) {
        tokio::spawn(watchdog(n, every, root.clone(), registry_for_watchdog));
    }
    // Alarms raised while the tree was starting were queued; they go now.
    tokio::spawn(async move {
        while let Some(alarm) = alarm_rx.recv().await {
            if root.send_message(RootMsg::Alarm(alarm)).is_err() {
                return;
            }
        }
    });
    let _ = handle.await;
    exit_code.load(std::sync::atomic::Ordering::SeqCst)
}

/// systemd's watchdog (notify.rs): `WATCHDOG=1` every half interval, as long as
/// the root actor answers within that half.
async fn watchdog(
    n: Arc<Notifier>,
    every: std::time::Duration,
    root: ActorRef<RootMsg>,
    registry: watch::Receiver<Arc<Registry>>,
) {
    let half = every / 2;
    let mut tick = tokio::time::interval(half);
    loop {
        tick.tick().await;
        match root.call(RootMsg::Ping, Some(half)).await {
            Ok(ractor::rpc::CallResult::Success(())) => {
                n.watchdog(&crate::notify::status(&registry.borrow()));
            }
            Ok(_) => {}
            Err(_) => return,
        }
    }
}

type Signals = Vec<(Signal, fn() -> RootMsg)>;

/// Installs supervisord's signal handlers (supervisord.py `Supervisor.handle_signal`). Done before the tree starts,
/// as Supervisor does: a SIGTERM that arrives while the first children spawn is held
/// until it can be forwarded, never taken by the default action (which would kill
/// the daemon and orphan them).
fn install_signals() -> std::io::Result<Signals> {
    let kinds: [(SignalKind, fn() -> RootMsg); 5] = [
        (SignalKind::terminate(), || shutdown("SIGTERM")),
        (SignalKind::interrupt(), || shutdown("SIGINT")),
        (SignalKind::quit(), || shutdown("SIGQUIT")),
        (SignalKind::hangup(), || RootMsg::Reload {
            signal: true,
            reply: None,
        }),
        (SignalKind::user_defined2(), || RootMsg::ReopenLogs {
            signal: true,
        }),
    ];
    kinds
        .into_iter()
        .map(|(kind, msg)| Ok((signal(kind)?, msg)))
        .collect()
}

/// Turns the installed signals into messages to the root.
fn forward_signals(signals: Signals, root: ActorRef<RootMsg>) {
    for (mut stream, msg) in signals {
        let root = root.clone();
        tokio::spawn(async move {
            while stream.recv().await.is_some() {
                if root.send_message(msg()).is_err() {
                    return;
                }
            }
        });
    }
}

fn shutdown(signame: &'static str) -> RootMsg {
    RootMsg::Shutdown {
        signal: Some(signame),
        reply: None,
    }
}
