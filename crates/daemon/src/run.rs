//! Running supervisord (spec §3.2): the synchronous part first — privileges, rlimits,
//! the main log, daemonizing, the pidfile — then, with no fork left to do, the tokio
//! runtime with the reaper, the actor tree and the signal handlers. Returns the exit
//! status.

use std::sync::Arc;

use ractor::{Actor, ActorRef};
use supervisor_config::Config;
use supervisor_model::{LogLevel, SupervisorState};
use supervisor_sys::{DaemonNote, Reaper};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;

use crate::cli::Cli;
use crate::context::Context;
use crate::mainlog::{MainLog, MainLogSetup};
use crate::root::{RootActor, RootArgs, RootMsg};

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
            log.log(LogLevel::Info, &format!("Set uid to user {} succeeded", user.uid));
        }
        None if nix::unistd::geteuid().is_root() => log.log(
            LogLevel::Critical,
            "Supervisor is running as root.  Privileges were not dropped because no user is specified in the config file.  If you intend to run as root, you can set user=root in the config file to avoid this message.",
        ),
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
        for problem in crate::process::output::clear_auto_logs(&sd.childlogdir, &sd.identifier) {
            log.log(LogLevel::Warn, &problem);
        }
    }
    if !sd.nodaemon {
        log.log(LogLevel::Info, "daemonizing the supervisord process");
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
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(&log, &format!("Error: cannot start the runtime: {e}")),
    };
    let code = runtime.block_on(supervise(cli, config, log.clone()));
    let _ = supervisor_sys::remove_pidfile(&sd.pidfile);
    log.close();
    code
}

fn fail(log: &MainLog, msg: &str) -> i32 {
    for (_, queued) in log.take_queued() {
        eprintln!("{queued}");
    }
    eprintln!("{msg}");
    2
}

async fn supervise(cli: Cli, config: Config, log: MainLog) -> i32 {
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
            }
        });
    }
    let ctx = Arc::new(Context::new(&config, reaper, log.clone()));
    let (state, _state_rx) = watch::channel(SupervisorState::Running);
    let reloader = Box::new(move || crate::startup::load(&cli).map_err(|e| e.stderr));
    let args = RootArgs {
        config,
        ctx,
        reloader,
        state,
    };
    let (root, handle) = match Actor::spawn(None, RootActor, args).await {
        Ok(r) => r,
        Err(e) => {
            log.log(LogLevel::Critical, &format!("cannot start the tree: {e}"));
            return 1;
        }
    };
    if let Err(e) = forward_signals(root) {
        log.log(
            LogLevel::Critical,
            &format!("cannot install signal handlers: {e}"),
        );
        return 1;
    }
    let _ = handle.await;
    0
}

/// Turns supervisord's signals into messages to the root (spec §3.4).
fn forward_signals(root: ActorRef<RootMsg>) -> std::io::Result<()> {
    let kinds: [(SignalKind, fn() -> RootMsg); 5] = [
        (SignalKind::terminate(), || RootMsg::Shutdown("SIGTERM")),
        (SignalKind::interrupt(), || RootMsg::Shutdown("SIGINT")),
        (SignalKind::quit(), || RootMsg::Shutdown("SIGQUIT")),
        (SignalKind::hangup(), || RootMsg::Reload),
        (SignalKind::user_defined2(), || RootMsg::ReopenLogs),
    ];
    for (kind, msg) in kinds {
        let mut stream = signal(kind)?;
        let root = root.clone();
        tokio::spawn(async move {
            while stream.recv().await.is_some() {
                if root.send_message(msg()).is_err() {
                    return;
                }
            }
        });
    }
    Ok(())
}
