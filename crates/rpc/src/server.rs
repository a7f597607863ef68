//! The listeners: `[unix_http_server]` sockets and `[inet_http_server]` ports, bound
//! before supervisord daemonizes (so a second instance is refused at once, with
//! Supervisor's message and exit status), then served by one axum router each:
//! gRPC, `/RPC2`, `/logtail`, pages — behind the basic-auth layer when the section
//! has a username.
//!
//! A unix socket is bound under a temporary name (`<file>.<pid>`), chmod'ed, then
//! hard-linked to its real name, so it never exists with the wrong mode. A link that
//! fails because the name is taken is probed: a live server means "another program is
//! already listening"; a dead one is a stale socket, unlinked and retried. Unlike
//! Supervisor (http.py `supervisor_af_unix_http_server`), which unlinks whatever is
//! there and retries forever, only a socket is ever unlinked: anything else at the
//! path (a directory, a regular file, a link) is refused, and so is a path that keeps
//! coming back after a few attempts.

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use supervisor_config::{Credentials, InetHttpServerConfig, UnixHttpServerConfig};

use crate::auth::Notify;
use crate::control::Control;
use crate::listen::{self, Listener};
use crate::open::OpenPaths;
use crate::refusals::Refusals;
use crate::{grpc, logtail};

#[derive(Debug, thiserror::Error)]
pub enum BindError {
    /// Supervisor's wording for EADDRINUSE (options.py `openhttpservers`).
    #[error(
        "Another program is already listening on a port that one of our HTTP servers is configured to use.  Shut this program down first before starting supervisord."
    )]
    InUse,
    #[error("Cannot open an HTTP server: socket.error reported errno.{name} ({code})")]
    Socket { name: String, code: i32 },
    /// CPython's `socket.bind` refuses a `sun_path` the kernel cannot hold with this
    /// text and no errno, and Supervisor prints it as is.
    #[error("Cannot open an HTTP server: socket.error reported AF_UNIX path too long")]
    PathTooLong,
    #[error(
        "Cannot open an HTTP server: {path} exists and is not a socket ({kind}); supervisord only replaces a stale socket"
    )]
    NotASocket { path: String, kind: &'static str },
    #[error(
        "Cannot open an HTTP server: {path} was replaced while supervisord was binding it; gave up after {attempts} attempts"
    )]
    Contended { path: String, attempts: u32 },
    #[error(
        "Not permitted to chown {path} to uid/gid ({uid}, {gid}); adjust \"sockchown\" value in config file or on command line to values that the current user ({user}) can successfully chown"
    )]
    Chown {
        path: String,
        uid: i64,
        gid: i64,
        user: String,
    },
}

impl BindError {
    fn from_io(e: &std::io::Error) -> BindError {
        match e.raw_os_error() {
            Some(code) if code == nix::libc::EADDRINUSE => BindError::InUse,
            Some(code) => BindError::Socket {
                name: supervisor_model::errno_name(code),
                code,
            },
            None => BindError::Socket {
                name: "EIO".to_string(),
                code: nix::libc::EIO,
            },
        }
    }
}

/// A bound listener, not yet served.
pub enum Bound {
    Unix {
        listener: UnixListener,
        path: PathBuf,
        auth: Option<Credentials>,
        open: OpenPaths,
        /// The config section, naming the listener in the main log.
        section: String,
    },
    Tcp {
        listener: std::net::TcpListener,
        auth: Option<Credentials>,
        open: OpenPaths,
        section: String,
    },
}

/// How many times a stale socket is unlinked and the bind retried.
const BIND_ATTEMPTS: u32 = 10;

/// Binds a `[unix_http_server]` socket (see the module doc).
pub fn bind_unix(cfg: &UnixHttpServerConfig) -> Result<Bound, BindError> {
    let path = cfg.file.clone();
    let temp = PathBuf::from(format!("{}.{}", path.display(), std::process::id()));
    for _ in 0..BIND_ATTEMPTS {
        let _ = std::fs::remove_file(&temp);
        let listener = UnixListener::bind(&temp).map_err(|e| bind_error(&e, &temp))?;
        let linked =
            std::fs::set_permissions(&temp, std::fs::Permissions::from_mode(cfg.chmod.bits()))
                .and_then(|()| std::fs::hard_link(&temp, &path));
        let _ = std::fs::remove_file(&temp);
        match linked {
            Ok(()) => {
                chown(&path, cfg.chown)?;
                return Ok(Bound::Unix {
                    listener,
                    path,
                    auth: cfg.auth.clone(),
                    open: OpenPaths::from_auth_flags(cfg.metrics_auth, cfg.health_auth),
                    section: cfg.section.clone(),
                });
            }
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
                return Err(BindError::from_io(&e));
            }
            Err(_) => {}
        }
        // The name is taken: by a live server, a stale socket, or something else.
        if let Some(kind) = not_a_socket(&path) {
            return Err(BindError::NotASocket {
                path: path.display().to_string(),
                kind,
            });
        }
        if in_use(&path) {
            return Err(BindError::InUse);
        }
        // Supervisor says so on stderr, then retries after 0.3 s.
        eprintln!("Unlinking stale socket {}", path.display());
        let _ = std::fs::remove_file(&path);
        drop(listener);
        std::thread::sleep(Duration::from_millis(300));
    }
    Err(BindError::Contended {
        path: path.display().to_string(),
        attempts: BIND_ATTEMPTS,
    })
}

/// A failed bind of `path`: std refuses a path the kernel's `sun_path` cannot hold
/// before any syscall, so that error has no errno.
fn bind_error(e: &std::io::Error, path: &Path) -> BindError {
    if e.raw_os_error().is_none() && path.as_os_str().len() >= SUN_PATH_LEN {
        return BindError::PathTooLong;
    }
    BindError::from_io(e)
}

/// `sizeof(sockaddr_un.sun_path)` on Linux.
const SUN_PATH_LEN: usize = 108;

/// What stands at `path` when it is not a socket (nothing there counts as a
/// socket that vanished: the retry will tell).
fn not_a_socket(path: &Path) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    let kind = std::fs::symlink_metadata(path).ok()?.file_type();
    if kind.is_socket() {
        None
    } else if kind.is_dir() {
        Some("a directory")
    } else if kind.is_file() {
        Some("a regular file")
    } else if kind.is_symlink() {
        Some("a symbolic link")
    } else if kind.is_fifo() {
        Some("a named pipe")
    } else {
        Some("a device")
    }
}

/// Is a server answering on `path`? (connect, send a request, read one byte)
fn in_use(path: &Path) -> bool {
    let Ok(mut s) = UnixStream::connect(path) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let mut one = [0u8; 1];
    s.write_all(b"GET / HTTP/1.0\r\n\r\n").is_ok() && matches!(s.read(&mut one), Ok(1))
}

fn chown(path: &Path, owner: Option<(u32, u32)>) -> Result<(), BindError> {
    let Some((uid, gid)) = owner else {
        return Ok(());
    };
    let to_id = |v: u32| (v != u32::MAX).then_some(v);
    match nix::unistd::chown(
        path,
        to_id(uid).map(nix::unistd::Uid::from_raw),
        to_id(gid).map(nix::unistd::Gid::from_raw),
    ) {
        Ok(()) => Ok(()),
        Err(nix::errno::Errno::EPERM) => {
            let me = nix::unistd::User::from_uid(nix::unistd::geteuid())
                .ok()
                .flatten()
                .map(|u| u.name)
                .unwrap_or_default();
            let signed = |v: u32| if v == u32::MAX { -1 } else { i64::from(v) };
            Err(BindError::Chown {
                path: path.display().to_string(),
                uid: signed(uid),
                gid: signed(gid),
                user: me,
            })
        }
        Err(e) => Err(BindError::from_io(&std::io::Error::from(e))),
    }
}

/// Binds an `[inet_http_server]` port (SO_REUSEADDR, as std does on Unix). An empty
/// host means every interface.
pub fn bind_tcp(cfg: &InetHttpServerConfig) -> Result<Bound, BindError> {
    let host = if cfg.host.is_empty() {
        "0.0.0.0"
    } else {
        cfg.host.as_str()
    };
    let listener =
        std::net::TcpListener::bind((host, cfg.port)).map_err(|e| BindError::from_io(&e))?;
    Ok(Bound::Tcp {
        listener,
        auth: cfg.auth.clone(),
        open: OpenPaths::from_auth_flags(cfg.metrics_auth, cfg.health_auth),
        section: cfg.section.clone(),
    })
}

/// Every route on one router: gRPC, `/RPC2`, `/logtail`, `/mainlogtail`,
/// `/metrics`, `/healthz`, `/readyz`, and `extra` (the web page).
pub fn router<C: Control>(ctl: Arc<C>, extra: Router<Arc<C>>) -> Router {
    let grpc = tonic::service::Routes::new(grpc::service(ctl.clone())).into_axum_router();
    Router::new()
        .merge(crate::xmlrpc::routes::<C>())
        .merge(logtail::routes::<C>())
        .merge(crate::metrics::routes::<C>())
        .merge(crate::health::routes::<C>())
        .merge(extra)
        .with_state(ctl)
        .merge(grpc)
        .fallback(not_found)
}

/// Anything no route serves: gRPC's UNIMPLEMENTED for a gRPC call, else the 404
/// page medusa answers.
async fn not_found(req: axum::extract::Request) -> axum::response::Response {
    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;
    let grpc = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/grpc"));
    if grpc {
        return (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "application/grpc"),
                (header::HeaderName::from_static("grpc-status"), "12"),
            ],
        )
            .into_response();
    }
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/html")],
        "<html><head><title>Error response</title></head><body><h1>Error response</h1><p>Error code 404.</p><p>Message: Not Found.</p></body></html>",
    )
        .into_response()
}

/// Serves `router` on each bound listener until the runtime ends, with the limits
/// of [`crate::limits`] ([`crate::listen`], [`crate::conn`]). `notify` tells the
/// main log about refused logins (counted, [`crate::refusals`]) and about
/// connections turned away. Returns the unix socket paths, for removal at exit.
pub fn serve(bound: Vec<Bound>, router: Router, notify: Notify) -> std::io::Result<Vec<PathBuf>> {
    let refusals = Refusals::new(notify.clone());
    let shared = listen::Shared::new(notify);
    crate::memory::start();
    let mut paths = Vec::new();
    for b in bound {
        let (auth, open, section) = match &b {
            Bound::Unix {
                auth,
                open,
                section,
                ..
            }
            | Bound::Tcp {
                auth,
                open,
                section,
                ..
            } => (auth.clone(), *open, section.clone()),
        };
        let app = match auth {
            Some(creds) => {
                let creds = Arc::new(creds);
                let refusals = refusals.clone();
                router
                    .clone()
                    .layer(axum::middleware::from_fn(move |req, next| {
                        crate::open::guard(creds.clone(), refusals.clone(), open, req, next)
                    }))
            }
            None => router.clone(),
        };
        let listener = match b {
            Bound::Unix { listener, path, .. } => {
                listener.set_nonblocking(true)?;
                paths.push(path);
                Listener::Unix(tokio::net::UnixListener::from_std(listener)?)
            }
            Bound::Tcp { listener, .. } => {
                listener.set_nonblocking(true)?;
                Listener::Tcp(tokio::net::TcpListener::from_std(listener)?)
            }
        };
        tokio::spawn(listen::run(listener, section, app, shared.clone()));
    }
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;
    use supervisor_model::OctalMode;

    fn cfg(path: &Path) -> UnixHttpServerConfig {
        UnixHttpServerConfig {
            section: "unix_http_server".into(),
            file: path.to_path_buf(),
            chmod: OctalMode(0o700),
            chown: None,
            auth: None,
            metrics_auth: true,
            health_auth: true,
        }
    }

    #[test]
    fn unix_socket_mode_stale_and_in_use() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sock");
        // A stale socket file (nobody listening) is replaced.
        drop(UnixListener::bind(&path).unwrap());
        let b = bind_unix(&cfg(&path)).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        // A live one is refused: answer the probe from a thread.
        let Bound::Unix { listener, .. } = b else {
            panic!("unix")
        };
        let t = std::thread::spawn(move || {
            let (mut c, _) = listener.accept().unwrap();
            let mut buf = [0u8; 18];
            c.read_exact(&mut buf).unwrap();
            c.write_all(b"H").unwrap();
        });
        assert!(matches!(bind_unix(&cfg(&path)), Err(BindError::InUse)));
        t.join().unwrap();
        assert!(!PathBuf::from(format!("{}.{}", path.display(), std::process::id())).exists());
    }
}
