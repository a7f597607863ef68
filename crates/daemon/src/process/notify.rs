//! systemd's notify protocol (sd_notify(3)) for programs written for `Type=notify`:
//! with `ready_check = notify` or `health_check = notify` each incarnation gets its
//! own datagram socket, named in the child's `NOTIFY_SOCKET` (and `WATCHDOG_USEC`
//! with `watchdog_sec`). `READY=1` passes the ready check, `STATUS=` becomes the
//! status description, `WATCHDOG=1` keeps the watchdog happy — a period without it
//! is a health failure, as is `WATCHDOG=trigger`. The socket is the child's user's,
//! mode 0600: anything that user runs may notify (systemd's `NotifyAccess=all`);
//! `MAINPID=` is logged, but signals keep going to the process supervisord started.

use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use supervisor_model::LogLevel;
use tokio::net::UnixDatagram;

use super::api::ProcessMsg;
use super::probes::Target;

/// One incarnation's socket; the file goes with it.
pub struct NotifySocket {
    path: PathBuf,
    socket: UnixDatagram,
}

impl Drop for NotifySocket {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// A file name for `namespec`'s socket of `generation`: readable, short enough for
/// a unix socket path.
fn file_name(namespec: &str, generation: u64) -> String {
    let clean: String = namespec
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .take(40)
        .collect();
    format!("{clean}.{generation}.sock")
}

impl NotifySocket {
    /// Binds the socket in `dir` (created 0711 if needed: the sockets themselves
    /// say who may write), owned by `owner` (uid, gid) when the child runs as
    /// another user.
    pub fn bind(
        dir: &Path,
        namespec: &str,
        generation: u64,
        owner: Option<(u32, u32)>,
    ) -> std::io::Result<NotifySocket> {
        std::fs::create_dir_all(dir)?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o711))?;
        let path = dir.join(file_name(namespec, generation));
        let _ = std::fs::remove_file(&path);
        let socket = UnixDatagram::bind(&path)?;
        let socket = NotifySocket { path, socket };
        std::fs::set_permissions(&socket.path, std::fs::Permissions::from_mode(0o600))?;
        if let Some((uid, gid)) = owner {
            nix::unistd::chown(
                &socket.path,
                Some(nix::unistd::Uid::from_raw(uid)),
                Some(nix::unistd::Gid::from_raw(gid)),
            )?;
        }
        Ok(socket)
    }

    /// The child's `NOTIFY_SOCKET` (and `WATCHDOG_USEC`).
    pub fn env(&self, watchdog: Option<Duration>) -> Vec<(OsString, OsString)> {
        let mut env = vec![("NOTIFY_SOCKET".into(), self.path.clone().into_os_string())];
        if let Some(w) = watchdog {
            env.push(("WATCHDOG_USEC".into(), w.as_micros().to_string().into()));
        }
        env
    }
}

/// Reads the socket for the incarnation's life.
pub struct Listen {
    pub socket: NotifySocket,
    pub target: Target,
    /// `ready_check = notify`: `READY=1` passes it.
    pub ready: bool,
    pub watchdog: Option<Duration>,
}

impl Listen {
    pub async fn run(mut self) {
        let mut buf = vec![0u8; 4096];
        let mut watchdog = self.watchdog;
        let mut deadline = watchdog.map(|w| tokio::time::Instant::now() + w);
        // The first WATCHDOG=1 reports the process healthy.
        let mut failing = true;
        loop {
            let received = match deadline {
                Some(at) => tokio::select! {
                    r = self.socket.socket.recv(&mut buf) => Some(r),
                    () = tokio::time::sleep_until(at) => None,
                },
                None => Some(self.socket.socket.recv(&mut buf).await),
            };
            let Some(received) = received else {
                // A watchdog period without WATCHDOG=1.
                let w = watchdog.unwrap_or_default();
                failing = true;
                self.health(
                    false,
                    &format!(
                        "notify: no WATCHDOG=1 within {} ms (watchdog_sec)",
                        w.as_millis()
                    ),
                );
                deadline = Some(tokio::time::Instant::now() + w);
                continue;
            };
            let Ok(n) = received else { return };
            let text = String::from_utf8_lossy(&buf[..n]).into_owned();
            for line in text.lines() {
                let Some((key, value)) = line.split_once('=') else {
                    continue;
                };
                match (key, value) {
                    ("READY", "1") if std::mem::take(&mut self.ready) => {
                        let _ = self.target.me.send_message(ProcessMsg::Ready {
                            generation: self.target.generation,
                            detail: "notify: READY=1".into(),
                        });
                    }
                    ("STATUS", text) => {
                        let _ = self.target.me.send_message(ProcessMsg::Status {
                            generation: self.target.generation,
                            text: text.to_string(),
                        });
                    }
                    ("WATCHDOG", "1") => {
                        deadline = watchdog.map(|w| tokio::time::Instant::now() + w);
                        if std::mem::take(&mut failing) {
                            self.health(true, "notify: WATCHDOG=1");
                        }
                    }
                    ("WATCHDOG", "trigger") => {
                        failing = true;
                        self.health(false, "notify: WATCHDOG=trigger");
                    }
                    ("WATCHDOG_USEC", usec) => {
                        if let Ok(us) = usec.parse::<u64>().map(Duration::from_micros)
                            && !us.is_zero()
                        {
                            watchdog = Some(us);
                            deadline = Some(tokio::time::Instant::now() + us);
                        }
                    }
                    ("MAINPID", pid) => self.target.ctx.log.log(
                        LogLevel::Debug,
                        &format!(
                            "{}: notify: MAINPID={pid} (signals still go to the process \
                             supervisord started)",
                            self.target.config.name
                        ),
                    ),
                    _ => {}
                }
            }
        }
    }

    fn health(&self, passed: bool, detail: &str) {
        let _ = self.target.me.send_message(ProcessMsg::Health {
            generation: self.target.generation,
            passed,
            detail: detail.to_string(),
        });
    }
}
