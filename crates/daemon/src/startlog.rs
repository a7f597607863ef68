//! The main-log lines Supervisor writes each time it starts (supervisord.py
//! `main`/`run`): at the first start `run.rs` writes them between its steps; after a
//! reload ([`log_restarted`]) the root writes them again, as Supervisor's new
//! `ServerOptions` do.
//!
//! As it opens its HTTP servers (http.py `make_http_servers`): per server — inet ones
//! first, then unix ones, each kind in file order (options.py
//! `server_configs_from_parser`) — `RPC interface 'supervisor' initialized` for each
//! `[rpcinterface:x]` whose factory is Supervisor's own (another factory is Python
//! code we do not load: the config crate warns about it instead), then, for a server
//! without a username, the CRIT line saying it checks no credentials.
//!
//! Medusa's own trace line for each server (`<socket>:Medusa (V1.12) started at ...`)
//! is not written: supervisor-rs does not run Medusa.

use supervisor_config::{Config, SUPERVISOR_RPC_FACTORY};
use supervisor_model::{LogLevel, py_repr};

/// What `options.py` `set_uid_or_exit` says when supervisord runs as root without
/// `user=`.
pub const RUNNING_AS_ROOT: &str = "Supervisor is running as root.  Privileges were not \
     dropped because no user is specified in the config file.  If you intend to run as \
     root, you can set user=root in the config file to avoid this message.";

use crate::mainlog::MainLog;

/// Logs the lines for every HTTP server of `config`.
pub fn log_servers_opened(config: &Config, log: &MainLog) {
    let servers = config
        .inet_http_servers
        .iter()
        .map(|s| (&s.section, s.auth.is_some()))
        .chain(
            config
                .unix_http_servers
                .iter()
                .map(|s| (&s.section, s.auth.is_some())),
        );
    for (section, authenticated) in servers {
        for rpc in config
            .rpcinterfaces
            .iter()
            .filter(|r| r.factory == SUPERVISOR_RPC_FACTORY)
        {
            log.log(
                LogLevel::Info,
                &format!("RPC interface {} initialized", py_repr(&rpc.name)),
            );
        }
        if !authenticated {
            log.log(
                LogLevel::Critical,
                &format!(
                    "Server {} running without any HTTP authentication checking",
                    py_repr(section)
                ),
            );
        }
    }
}

/// After a reload, what Supervisor's next `main` logs before supervising again: the
/// config's own messages and the uid line (`make_logger`: criticals, then warnings,
/// then infos), the HTTP servers' lines, and `supervisord started with pid N` once
/// the pidfile is written again. supervisor-rs's own config warnings are not
/// repeated (the reload logged those that are new).
pub fn log_restarted(config: &Config, log: &MainLog) {
    let sd = &config.supervisord;
    let mut lines: Vec<(LogLevel, String)> = config
        .messages
        .iter()
        .filter(|(_, m)| !config.notices.contains(m))
        .cloned()
        .collect();
    match &sd.user {
        Some(user) => lines.push((
            LogLevel::Info,
            format!("Set uid to user {} succeeded", user.uid),
        )),
        None if nix::unistd::geteuid().is_root() => {
            lines.push((LogLevel::Critical, RUNNING_AS_ROOT.to_string()));
        }
        None => {}
    }
    lines.sort_by_key(|(level, _)| std::cmp::Reverse(*level as u8));
    for (level, line) in &lines {
        log.log(*level, line);
    }
    log_servers_opened(config, log);
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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(conf: &str) -> Vec<(LogLevel, String)> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.conf");
        std::fs::write(
            &path,
            format!("[supervisord]\nlogfile=/tmp/x.log\npidfile=/tmp/x.pid\n{conf}"),
        )
        .unwrap();
        let config = supervisor_config::load(&path).unwrap();
        let log = MainLog::new();
        log_servers_opened(&config, &log);
        log.take_queued()
    }

    const RPC: &str = "[rpcinterface:supervisor]\n\
        supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n";

    #[test]
    fn inet_then_unix_each_with_its_interfaces_and_auth_warning() {
        let got = lines(&format!(
            "[unix_http_server]\nfile=/tmp/x.sock\n[inet_http_server]\nport=127.0.0.1:9001\n\
             username=u\npassword=p\n{RPC}"
        ));
        assert_eq!(
            got,
            [
                (
                    LogLevel::Info,
                    "RPC interface 'supervisor' initialized".into()
                ),
                (
                    LogLevel::Info,
                    "RPC interface 'supervisor' initialized".into()
                ),
                (
                    LogLevel::Critical,
                    "Server 'unix_http_server' running without any HTTP authentication checking"
                        .into()
                ),
            ]
        );
    }

    #[test]
    fn foreign_factories_and_no_server_log_nothing() {
        assert!(lines(RPC).is_empty());
        let got = lines(
            "[unix_http_server]\nfile=/tmp/x.sock\nusername=u\npassword=p\n\
             [rpcinterface:twiddler]\nsupervisor.rpcinterface_factory = supervisor_twiddler.rpcinterface:make_twiddler_rpcinterface\n",
        );
        assert!(got.is_empty(), "{got:?}");
    }
}
