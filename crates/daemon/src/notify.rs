//! supervisord under systemd (`Type=notify`; README, "Running under systemd"): the
//! sd_notify(3) protocol, spoken without libsystemd. When `NOTIFY_SOCKET` names a
//! datagram socket (a path, or `@name` for the abstract namespace), supervisord sends
//! `READY=1` once the autostart programs are started, `RELOADING=1` … `READY=1`
//! around a reload, `STOPPING=1` at shutdown, `STATUS=` with the process counts,
//! and `WATCHDOG=1` every half `WATCHDOG_USEC` while its root actor answers.
//! Notifications are best effort: a failure to send is ignored, as sd_notify's.
//!
//! The variables are not passed on to the children (a child speaking sd_notify
//! would otherwise talk for supervisord): `context.rs` leaves them out.

use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::time::Duration;

use supervisor_model::ProcessState;

use crate::registry::Registry;

pub struct Notifier {
    socket: UnixDatagram,
    to: SocketAddr,
}

impl Notifier {
    /// The notifier `NOTIFY_SOCKET` asks for, if any.
    pub fn from_env() -> Option<Notifier> {
        let target = std::env::var_os("NOTIFY_SOCKET")?;
        let target = target.to_str()?;
        let to = match target.strip_prefix('@') {
            Some(name) => SocketAddr::from_abstract_name(name.as_bytes()).ok()?,
            None if target.starts_with('/') => SocketAddr::from_pathname(target).ok()?,
            None => return None,
        };
        let socket = UnixDatagram::unbound().ok()?;
        Some(Notifier { socket, to })
    }

    /// Sends one notification (`KEY=value` lines).
    pub fn send(&self, message: &str) {
        let _ = self.socket.send_to_addr(message.as_bytes(), &self.to);
    }

    pub fn ready(&self, status: &str) {
        self.send(&format!("READY=1\nSTATUS={status}"));
    }

    /// `MONOTONIC_USEC` lets systemd tell this reload from an older one
    /// (`Type=notify-reload`); plain `Type=notify` ignores it.
    pub fn reloading(&self) {
        let usec = nix::time::clock_gettime(nix::time::ClockId::CLOCK_MONOTONIC)
            .map(|t| t.tv_sec() as u64 * 1_000_000 + t.tv_nsec() as u64 / 1000)
            .unwrap_or(0);
        self.send(&format!(
            "RELOADING=1\nMONOTONIC_USEC={usec}\nSTATUS=reloading the config"
        ));
    }

    pub fn stopping(&self) {
        self.send("STOPPING=1\nSTATUS=stopping every process");
    }

    pub fn watchdog(&self, status: &str) {
        self.send(&format!("WATCHDOG=1\nSTATUS={status}"));
    }
}

/// How often systemd expects `WATCHDOG=1`: `WATCHDOG_USEC`, when set for us
/// (`WATCHDOG_PID`, if present, is our pid).
pub fn watchdog_interval() -> Option<Duration> {
    if let Some(pid) = std::env::var_os("WATCHDOG_PID")
        && pid.to_str().and_then(|p| p.parse::<u32>().ok()) != Some(std::process::id())
    {
        return None;
    }
    let usec: u64 = std::env::var("WATCHDOG_USEC").ok()?.parse().ok()?;
    (usec > 0).then(|| Duration::from_micros(usec))
}

/// `STATUS=`: how many processes are in each state, e.g.
/// `4 processes: 3 RUNNING, 1 FATAL`.
pub fn status(reg: &Registry) -> String {
    let mut counts: Vec<(ProcessState, usize)> = Vec::new();
    let mut total = 0;
    for g in &reg.groups {
        for m in &g.members {
            total += 1;
            let state = m.snapshot.borrow().state;
            match counts.iter_mut().find(|(s, _)| *s == state) {
                Some((_, n)) => *n += 1,
                None => counts.push((state, 1)),
            }
        }
    }
    counts.sort_by_key(|(s, _)| s.code());
    let parts: Vec<String> = counts
        .iter()
        .map(|(s, n)| format!("{n} {}", s.name()))
        .collect();
    let noun = if total == 1 { "process" } else { "processes" };
    if parts.is_empty() {
        format!("{total} {noun}")
    } else {
        format!("{total} {noun}: {}", parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notifications_reach_a_datagram_socket() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify.sock");
        let server = UnixDatagram::bind(&path).unwrap();
        let n = Notifier {
            socket: UnixDatagram::unbound().unwrap(),
            to: SocketAddr::from_pathname(&path).unwrap(),
        };
        n.ready("0 processes");
        n.stopping();
        let mut buf = [0u8; 256];
        let got = server.recv(&mut buf).unwrap();
        assert_eq!(&buf[..got], b"READY=1\nSTATUS=0 processes");
        let got = server.recv(&mut buf).unwrap();
        assert!(buf[..got].starts_with(b"STOPPING=1\n"));
        assert_eq!(status(&Registry::default()), "0 processes");
    }
}
