//! An `[fcgi-program:x]` group's listening socket (socket_manager.py `SocketManager`,
//! process.py `FastCGIProcessGroup`): the group owns one [`FcgiSocket`] and gives it
//! to each member it spawns; a member leases it for each child. The socket is created
//! (`Creating socket <url>`) when the first lease is taken and closed (`Closing socket
//! <url>`) when the last is dropped — when the group's last running child has been
//! reaped — exactly as Supervisor's reference counter does, and created again at the
//! next spawn.
//!
//! The count and the socket sit under one mutex, so a member closing the socket and
//! another creating it again never overlap (the second `bind` would find the address
//! still in use).

use std::sync::{Arc, Mutex};

use supervisor_config::FcgiConfig;
use supervisor_model::{LogLevel, SocketUrl};
use supervisor_sys::{ListenSocket, ListenSpec, create_listen_socket};

use crate::mainlog::MainLog;
use crate::process::api::{SharedSocket, SocketLease};

/// The socket of the fcgi-program named `program`.
pub struct FcgiSocket {
    core: Arc<Core>,
}

struct Core {
    program: String,
    /// `None` when the config's `socket=` does not parse (the config crate validated
    /// it, so only a bug leads here); every lease then fails.
    spec: Option<ListenSpec>,
    url: String,
    log: MainLog,
    held: Mutex<Held>,
}

#[derive(Default)]
struct Held {
    count: usize,
    socket: Option<ListenSocket>,
}

impl FcgiSocket {
    pub fn new(program: &str, config: &FcgiConfig, log: MainLog) -> FcgiSocket {
        let spec = config.socket.parse::<SocketUrl>().ok().map(|url| {
            let unix = matches!(url, SocketUrl::Unix(_));
            ListenSpec {
                url,
                backlog: config.socket_backlog,
                owner: config.socket_owner,
                mode: unix.then_some(config.socket_mode.bits()),
            }
        });
        FcgiSocket {
            core: Arc::new(Core {
                program: program.to_string(),
                spec,
                url: config.socket.clone(),
                log,
                held: Mutex::new(Held::default()),
            }),
        }
    }

    /// Supervisor creates the socket when it makes the group, to fail early on a bad
    /// one, and closes it at once (nothing holds it until a child is spawned). There
    /// it stops supervisord with a traceback; here it is an ERROR line naming the
    /// program and the address, the group stays, and each start of its processes
    /// fails with the same reason (BACKOFF, then FATAL), so the rest of the daemon
    /// keeps running and the program starts once the address is free.
    pub fn check(&self) {
        if let Err(e) = self.lease() {
            self.core.log.log(LogLevel::Error, &e);
        }
    }
}

impl SharedSocket for FcgiSocket {
    fn lease(&self) -> Result<SocketLease, String> {
        let core = &self.core;
        let mut held = core.held.lock().unwrap_or_else(|p| p.into_inner());
        let socket = match &held.socket {
            Some(s) => s.clone(),
            None => {
                core.log
                    .log(LogLevel::Info, &format!("Creating socket {}", core.url));
                let created = match &core.spec {
                    Some(spec) => create_listen_socket(spec).map_err(|e| e.to_string()),
                    None => Err(format!("Bad socket format {}", core.url)),
                };
                let s = created.map_err(|e| {
                    format!(
                        "Could not create FastCGI socket {} of [fcgi-program:{}]: {e}",
                        core.url, core.program
                    )
                })?;
                held.socket = Some(s.clone());
                s
            }
        };
        held.count += 1;
        Ok(SocketLease {
            socket,
            hold: Box::new(Hold(core.clone())),
        })
    }
}

/// One lease's share of the count.
struct Hold(Arc<Core>);

impl Drop for Hold {
    fn drop(&mut self) {
        let core = &self.0;
        let mut held = core.held.lock().unwrap_or_else(|p| p.into_inner());
        held.count = held.count.saturating_sub(1);
        if held.count == 0 {
            core.log
                .log(LogLevel::Info, &format!("Closing socket {}", core.url));
            // Closed here, under the lock: a lease taken next binds afresh.
            held.socket = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(socket: String) -> FcgiConfig {
        FcgiConfig {
            socket,
            socket_backlog: None,
            socket_owner: None,
            socket_mode: supervisor_model::OctalMode(0o700),
        }
    }

    fn free_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    #[test]
    fn created_by_the_first_lease_closed_with_the_last() {
        let port = free_port();
        let log = MainLog::new();
        let s = FcgiSocket::new(
            "php",
            &config(format!("tcp://127.0.0.1:{port}")),
            log.clone(),
        );
        let connect = || std::net::TcpStream::connect(("127.0.0.1", port)).is_ok();
        assert!(!connect());
        let a = s.lease().unwrap();
        let b = s.lease().unwrap();
        assert_eq!(a.socket.as_raw_fd(), b.socket.as_raw_fd());
        drop((a.socket, b.socket));
        assert!(connect());
        drop(a.hold);
        assert!(connect(), "one child still holds it");
        drop(b.hold);
        assert!(!connect(), "closed with the last hold");
        let c = s.lease().unwrap();
        drop(c.socket);
        assert!(connect(), "created again");
        drop(c.hold);
        let lines: Vec<String> = log.take_queued().into_iter().map(|(_, m)| m).collect();
        let url = format!("tcp://127.0.0.1:{port}");
        assert_eq!(
            lines,
            [
                format!("Creating socket {url}"),
                format!("Closing socket {url}"),
                format!("Creating socket {url}"),
                format!("Closing socket {url}"),
            ]
        );
    }

    #[test]
    fn a_socket_that_cannot_be_made_names_program_and_address() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = taken.local_addr().unwrap().port();
        let log = MainLog::new();
        let s = FcgiSocket::new(
            "php",
            &config(format!("tcp://127.0.0.1:{port}")),
            log.clone(),
        );
        let err = s.lease().err().unwrap();
        assert_eq!(
            err,
            format!(
                "Could not create FastCGI socket tcp://127.0.0.1:{port} of [fcgi-program:php]: \
                 [Errno 98] Address already in use"
            )
        );
        s.check();
        let queued = log.take_queued();
        assert_eq!(queued.last().unwrap(), &(LogLevel::Error, err));
        // Nothing is held after a failure: the next lease tries again.
        drop(taken);
        assert!(s.lease().is_ok());
    }
}
