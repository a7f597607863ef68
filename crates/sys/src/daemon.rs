//! Turning supervisord into a daemon (options.py `_daemonize`) and its pidfile
//! (`write_pidfile`, `cleanup`). `daemonize` forks, so it must run before any other
//! thread exists: in the synchronous `main`, before the tokio runtime is built. It
//! refuses to run in a multi-threaded process rather than leave a child with locks held
//! by threads that no longer exist.

// fork, setsid and dup2 are raw syscalls; each `unsafe` block states why it is sound.
#![allow(unsafe_code)]

use std::fmt;
use std::io::{self, Write};
use std::path::Path;

use nix::errno::Errno;

use supervisor_model::py_repr;

/// A line supervisord logs once its logger exists (daemonizing happens before).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DaemonNote {
    /// Logged at INFO.
    Info(String),
    /// Logged at CRIT.
    Critical(String),
}

impl fmt::Display for DaemonNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DaemonNote::Info(m) | DaemonNote::Critical(m) => f.write_str(m),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error("cannot daemonize a process with {0} threads (daemonize before starting the runtime)")]
    MultiThreaded(usize),
    #[error("cannot count this process's threads")]
    Threads(#[source] io::Error),
    #[error("fork failed")]
    Fork(#[source] nix::Error),
    #[error("cannot open /dev/null")]
    DevNull(#[source] nix::Error),
    #[error("cannot redirect fd {fd} to /dev/null")]
    Redirect {
        fd: i32,
        #[source]
        source: nix::Error,
    },
    #[error("setsid failed")]
    Setsid(#[source] nix::Error),
}

/// Supervisor's `_daemonize`: a single fork, the parent `_exit(0)`s at once; the child
/// chdirs to `directory` (a failure is only logged), puts `/dev/null` on fds 0–2,
/// becomes a session leader and sets `umask`. Returns, in the child, the lines to log:
/// `daemonizing the supervisord process`, then `set current directory: '<d>'` or CRIT
/// `can't chdir into '<d>': [Errno 2] No such file or directory: '<d>'`.
pub fn daemonize(directory: Option<&Path>, umask: u32) -> Result<Vec<DaemonNote>, DaemonError> {
    let threads = thread_count().map_err(DaemonError::Threads)?;
    if threads > 1 {
        return Err(DaemonError::MultiThreaded(threads));
    }
    // SAFETY: the process is single-threaded (checked above), so the child inherits no
    // lock held by another thread and may run arbitrary code.
    match unsafe { libc::fork() } {
        -1 => return Err(DaemonError::Fork(Errno::last())),
        0 => {}
        // SAFETY: _exit ends the parent at once without running destructors or
        // flushing stdio, as Python's os._exit(0).
        _ => unsafe { libc::_exit(0) },
    }
    let mut notes = vec![DaemonNote::Info(
        "daemonizing the supervisord process".into(),
    )];
    if let Some(dir) = directory {
        let shown = py_repr(&dir.to_string_lossy());
        notes.push(match nix::unistd::chdir(dir) {
            Ok(()) => DaemonNote::Info(format!("set current directory: {shown}")),
            Err(e) => DaemonNote::Critical(format!(
                "can't chdir into {shown}: [Errno {}] {}: {shown}",
                e as i32,
                e.desc()
            )),
        });
    }
    redirect_stdio_to_dev_null()?;
    nix::unistd::setsid().map_err(DaemonError::Setsid)?;
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(
        umask as libc::mode_t,
    ));
    Ok(notes)
}

fn redirect_stdio_to_dev_null() -> Result<(), DaemonError> {
    use nix::fcntl::{OFlag, open};
    let null = open("/dev/null", OFlag::O_RDWR, nix::sys::stat::Mode::empty())
        .map_err(DaemonError::DevNull)?;
    for fd in 0..3 {
        // SAFETY: dup2 onto the standard descriptors; std's handles on 0–2 stay valid
        // (they now refer to /dev/null).
        if unsafe { libc::dup2(std::os::fd::AsRawFd::as_raw_fd(&null), fd) } < 0 {
            return Err(DaemonError::Redirect {
                fd,
                source: Errno::last(),
            });
        }
    }
    // If open returned 0, 1 or 2, dropping `null` would close a standard fd again.
    if std::os::fd::AsRawFd::as_raw_fd(&null) <= 2 {
        std::mem::forget(null);
    }
    Ok(())
}

/// Threads of this process (entries of /proc/self/task).
fn thread_count() -> io::Result<usize> {
    Ok(std::fs::read_dir("/proc/self/task")?.count())
}

/// Write `"<pid>\n"` to `path` (supervisord logs CRIT `could not write pidfile <path>`
/// on error, and no `supervisord started with pid` line).
pub fn write_pidfile(path: &Path) -> io::Result<()> {
    let mut f = std::fs::File::create(path)?;
    writeln!(f, "{}", std::process::id())
}

/// Remove the pidfile at exit; a missing file is not an error (`_try_unlink`).
pub fn remove_pidfile(path: &Path) -> io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// This machine's host name (`%(host_node_name)s`, Python's `platform.node()`).
pub fn hostname() -> String {
    nix::unistd::gethostname()
        .map(|h| h.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_to_fork_with_threads() {
        let _other = std::thread::spawn(std::thread::park);
        match daemonize(None, 0o022) {
            Err(DaemonError::MultiThreaded(n)) => assert!(n >= 2),
            other => panic!("unexpected {other:?}"),
        }
    }

    /// Fork a test child (single-threaded after the fork) that daemonizes and has the
    /// daemon write a report; the test child itself must `_exit(0)` at once.
    #[tokio::test]
    async fn daemonize_forks_once_and_detaches() {
        let reaper = crate::spawn_tests::reaper();
        let dir = tempfile::tempdir().unwrap();
        let report = dir.path().join("report");
        let workdir = dir.path().join("work");
        std::fs::create_dir(&workdir).unwrap();
        // SAFETY: the child only runs `daemon_side` and always ends in `_exit`; glibc
        // keeps malloc usable after fork, and no lock of another thread is touched.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            daemon_side(&workdir, &report);
        }
        let status = tokio::time::timeout(DEADLINE, reaper.register(pid))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            status,
            supervisor_model::ExitStatus::Exited(0),
            "the parent side exits 0 at once"
        );
        let text = wait_for_file(&report).await;
        let shown = py_repr(&workdir.to_string_lossy());
        assert_eq!(
            text,
            format!(
                "daemonizing the supervisord process|set current directory: {shown}|\
                 cwd={}|leader=true|umask=27|stdio=/dev/null,/dev/null,/dev/null",
                workdir.display()
            )
        );
    }

    fn daemon_side(workdir: &Path, report: &Path) -> ! {
        let text = match daemonize(Some(workdir), 0o027) {
            Ok(notes) => {
                let notes: Vec<String> = notes.iter().map(ToString::to_string).collect();
                let cwd = std::env::current_dir().unwrap_or_default();
                let leader = nix::unistd::getsid(None).ok() == Some(nix::unistd::getpid());
                let mask = nix::sys::stat::umask(nix::sys::stat::Mode::empty()).bits();
                let stdio: Vec<String> = (0..3)
                    .map(|fd| {
                        std::fs::read_link(format!("/proc/self/fd/{fd}"))
                            .map(|p| p.display().to_string())
                            .unwrap_or_default()
                    })
                    .collect();
                format!(
                    "{}|cwd={}|leader={leader}|umask={mask:o}|stdio={}",
                    notes.join("|"),
                    cwd.display(),
                    stdio.join(",")
                )
            }
            Err(e) => format!("error: {e}"),
        };
        let tmp = report.with_extension("tmp");
        let _ = std::fs::write(&tmp, text).and_then(|()| std::fs::rename(&tmp, report));
        // SAFETY: ends the daemon without unwinding into the test harness.
        unsafe { libc::_exit(0) }
    }

    #[test]
    fn chdir_failure_is_a_critical_note_not_an_error() {
        let e = nix::unistd::chdir("/nonexistent/x").unwrap_err();
        assert_eq!(e as i32, libc::ENOENT);
        assert_eq!(e.desc(), "No such file or directory");
    }

    async fn wait_for_file(path: &Path) -> String {
        tokio::time::timeout(DEADLINE, async {
            loop {
                if let Ok(text) = std::fs::read_to_string(path) {
                    return text;
                }
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
        })
        .await
        .expect("report before the deadline")
    }

    const DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);

    #[test]
    fn pidfile_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("supervisord.pid");
        write_pidfile(&path).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            format!("{}\n", std::process::id())
        );
        remove_pidfile(&path).unwrap();
        assert!(!path.exists());
        remove_pidfile(&path).unwrap();
        assert!(write_pidfile(&dir.path().join("no/such/dir/pid")).is_err());
    }

    #[test]
    fn hostname_is_not_empty() {
        assert!(!hostname().is_empty());
    }
}
