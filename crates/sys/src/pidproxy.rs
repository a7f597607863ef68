//! `pidproxy PIDFILE COMMAND [ARGS...]` (supervisor/pidproxy.py): run a program that
//! daemonizes itself as if it stayed in the foreground, so supervisord can manage it.
//!
//! As Supervisor's: COMMAND is run by its absolute path (no PATH search), and TERM,
//! HUP, INT, QUIT, USR1 and USR2 are forwarded to the pid read from PIDFILE at the
//! moment the signal arrives (`Can't read child pidfile ...!` on stdout when it cannot
//! be read). After forwarding TERM, INT or QUIT it exits 0.
//!
//! Better than Supervisor's, which polls `waitpid` every 5 s and exits as soon as its
//! direct child does (so a program whose launcher exits after forking leaves
//! pidproxy, and supervisord, behind at once): this one is a child subreaper, so the
//! daemonized process is re-parented to it, and it waits — woken by SIGCHLD, never
//! polling — until every descendant is gone. After a forwarded TERM/INT/QUIT it
//! waits for them too, so supervisord's `stopwaitsecs` and SIGKILL apply to a
//! process that is really stopping; otherwise it exits with the status of the last
//! process to end (128 + signal for a signal death), so `exitcodes` and
//! `autorestart=unexpected` see the daemon's own exit. When PIDFILE cannot be read,
//! the signal goes to the direct child if it is still running.

use std::ffi::OsString;
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

use nix::errno::Errno;
use nix::sys::signal::{SigSet, Signal};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::Pid;

use crate::with_default_signals;

/// The signals forwarded to the pidfile's process.
const FORWARDED: [Signal; 6] = [
    Signal::SIGTERM,
    Signal::SIGHUP,
    Signal::SIGINT,
    Signal::SIGUSR1,
    Signal::SIGUSR2,
    Signal::SIGQUIT,
];

/// Why pidproxy could not run its command.
#[derive(Debug, thiserror::Error)]
pub enum PidproxyError {
    #[error("cannot block signals: {0}")]
    Signals(#[source] Errno),
    #[error("cannot run {}: {source}", .command.display())]
    Spawn {
        command: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Runs `command` (program first) under pidproxy until every descendant is gone and
/// returns the exit status to exit with.
pub fn run(pidfile: &Path, command: &[OsString]) -> Result<i32, PidproxyError> {
    let mut set = SigSet::empty();
    for sig in FORWARDED {
        set.add(sig);
    }
    set.add(Signal::SIGCHLD);
    // Blocked before the child exists, so no signal is lost; std resets the mask in
    // the child, and `with_default_signals` the dispositions.
    set.thread_block().map_err(PidproxyError::Signals)?;
    // Without it (an old kernel) the daemon is re-parented past us: we then end with
    // the direct child, as Supervisor's pidproxy does.
    let _ = crate::set_child_subreaper();
    let program = abspath(Path::new(&command[0]));
    let mut cmd = Command::new(&program);
    cmd.arg0(&command[0]).args(&command[1..]);
    let child = with_default_signals(&mut cmd)
        .spawn()
        .map_err(|source| PidproxyError::Spawn {
            command: program.clone(),
            source,
        })?;
    let child = Pid::from_raw(child.id() as i32);
    let mut child_running = true;
    let mut stopping = false;
    let mut last_status = 0;
    loop {
        let Ok(sig) = set.wait() else { continue };
        if sig != Signal::SIGCHLD {
            forward(pidfile, sig, child_running.then_some(child));
            stopping |= matches!(sig, Signal::SIGTERM | Signal::SIGINT | Signal::SIGQUIT);
            continue;
        }
        match reap(child, &mut child_running, &mut last_status) {
            Reaped::Some => {}
            Reaped::AllGone => return Ok(if stopping { 0 } else { last_status }),
        }
    }
}

enum Reaped {
    /// Descendants remain.
    Some,
    /// Nothing is left to wait for.
    AllGone,
}

/// Reaps every ended descendant (SIGCHLD coalesces), noting each one's status.
fn reap(child: Pid, child_running: &mut bool, last_status: &mut i32) -> Reaped {
    loop {
        match waitpid(None, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::Exited(pid, code)) => {
                *child_running &= pid != child;
                *last_status = code;
            }
            Ok(WaitStatus::Signaled(pid, sig, _)) => {
                *child_running &= pid != child;
                *last_status = 128 + sig as i32;
            }
            Ok(WaitStatus::StillAlive) => return Reaped::Some,
            Ok(_) | Err(Errno::EINTR) => {}
            Err(_) => return Reaped::AllGone,
        }
    }
}

/// `passtochild`: the pid in `pidfile` gets `sig`; when it cannot be read, the direct
/// child does (if still running).
fn forward(pidfile: &Path, sig: Signal, child: Option<Pid>) {
    let target = match read_pid(pidfile) {
        Some(pid) => Some(pid),
        None => {
            let mut out = std::io::stdout();
            let _ = writeln!(out, "Can't read child pidfile {}!", pidfile.display());
            let _ = out.flush();
            child
        }
    };
    if let Some(pid) = target {
        let _ = nix::sys::signal::kill(pid, sig);
    }
}

/// Python's `int(f.read().strip())` of the pidfile; only a positive pid is usable.
fn read_pid(pidfile: &Path) -> Option<Pid> {
    let text = std::fs::read_to_string(pidfile).ok()?;
    let pid: i32 = text.trim().parse().ok()?;
    (pid > 0).then(|| Pid::from_raw(pid))
}

/// `os.path.abspath`: joined to the working directory, `.` and `..` resolved
/// lexically.
fn abspath(path: &Path) -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let mut out = PathBuf::from("/");
    for c in cwd.join(path).components() {
        match c {
            Component::Normal(p) => out.push(p),
            Component::ParentDir => {
                out.pop();
            }
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pidfile_contents_like_python_int() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("p.pid");
        for (text, want) in [
            ("42\n", Some(42)),
            ("  7 ", Some(7)),
            ("x", None),
            ("0", None),
            ("-1", None),
        ] {
            std::fs::write(&f, text).unwrap();
            assert_eq!(read_pid(&f), want.map(Pid::from_raw), "{text:?}");
        }
        assert_eq!(read_pid(&dir.path().join("missing")), None);
    }

    #[test]
    fn abspath_is_lexical() {
        assert_eq!(
            abspath(Path::new("/usr/bin/../sbin/./x")),
            Path::new("/usr/sbin/x")
        );
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(abspath(Path::new("x")), cwd.join("x"));
    }
}
