//! Test harness for end-to-end suites: a temp dir with a config, a supervisord launched
//! on it, and waits on conditions with a deadline (never a fixed sleep).

pub mod http;
pub mod procfs;
pub mod tmux;
pub mod tree;

pub use supervisor_testkit::{command, oracle_python, wait_until};

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

pub const DEADLINE: Duration = Duration::from_secs(20);

/// A port nobody listens on (bound, then released for the daemon).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub struct Daemon {
    pub dir: tempfile::TempDir,
    pub child: Option<Child>,
}

impl Daemon {
    /// Writes `[supervisord]` (logs and pidfile in the temp dir) plus `programs` and
    /// starts `supervisord -n` on it.
    pub fn start(programs: &str) -> Daemon {
        let d = Daemon::configure(programs);
        d.launch(&["-n"])
    }

    pub fn configure(programs: &str) -> Daemon {
        let dir = tempfile::tempdir().unwrap();
        let conf = format!(
            "[supervisord]\nlogfile=%(here)s/main.log\npidfile=%(here)s/sd.pid\nchildlogdir=%(here)s\nloglevel=debug\n\n{programs}"
        );
        std::fs::write(dir.path().join("sd.conf"), conf).unwrap();
        Daemon { dir, child: None }
    }

    pub fn launch(mut self, extra: &[&str]) -> Daemon {
        let child = command(env!("CARGO_BIN_EXE_supervisord"))
            .arg("-c")
            .arg(self.path("sd.conf"))
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.child = Some(child);
        self
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn main_log(&self) -> String {
        read(&self.path("main.log"))
    }

    /// Waits for a main-log line containing `needle`.
    #[track_caller]
    pub fn expect_log(&self, needle: &str) {
        assert!(
            wait_until(DEADLINE, || self.main_log().contains(needle)),
            "no log line containing {needle:?} in:\n{}",
            self.main_log()
        );
    }

    pub fn count(&self, needle: &str) -> usize {
        self.main_log().matches(needle).count()
    }

    pub fn daemon_pid(&self) -> i32 {
        let mut pid = String::new();
        assert!(wait_until(DEADLINE, || {
            pid = read(&self.path("sd.pid"));
            pid.ends_with('\n')
        }));
        pid.trim().parse().unwrap()
    }

    pub fn signal(&self, sig: nix::sys::signal::Signal) {
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.daemon_pid()), sig).unwrap();
    }

    /// SIGTERM, then the exit status of the foreground daemon.
    pub fn terminate(&mut self) -> i32 {
        self.signal(nix::sys::signal::Signal::SIGTERM);
        self.wait_exit()
    }

    /// The exit status of the foreground daemon, once it exits by itself.
    pub fn wait_exit(&mut self) -> i32 {
        let mut child = self.child.take().unwrap();
        let mut status = None;
        assert!(wait_until(DEADLINE, || {
            status = child.try_wait().unwrap();
            status.is_some()
        }));
        status.unwrap().code().unwrap_or(-1)
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(c) = self.child.take() {
            stop_gently(c);
        }
    }
}

/// Ends a test's supervisord: SIGTERM first so it stops its children (SIGKILL would
/// orphan them), SIGKILL only if it is still there after the deadline.
pub fn stop_gently(mut c: Child) {
    let pid = nix::unistd::Pid::from_raw(c.id() as i32);
    let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
    if !wait_until(DEADLINE, || matches!(c.try_wait(), Ok(Some(_)))) {
        let _ = c.kill();
    }
    let _ = c.wait();
}

/// A control socket in the daemon's directory, with the sections Python's
/// supervisorctl needs to find and use it.
pub const SOCKET: &str = "[unix_http_server]\nfile=%(here)s/sv.sock\n\n\
     [rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n\
     [supervisorctl]\nserverurl=unix://%(here)s/sv.sock\n\n";

impl Daemon {
    /// Waits until the control socket accepts connections.
    #[track_caller]
    pub fn wait_for_socket(&self) {
        let sock = self.path("sv.sock");
        assert!(
            wait_until(DEADLINE, || std::os::unix::net::UnixStream::connect(&sock)
                .is_ok()),
            "the control socket never came up; main log:\n{}",
            self.main_log()
        );
    }

    /// `unix:///…/sv.sock`.
    pub fn server_url(&self) -> String {
        format!("unix://{}", self.path("sv.sock").display())
    }
}

pub fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_default()
}

/// Whether a process is alive (and not a zombie).
pub fn alive(pid: i32) -> bool {
    let stat = read(Path::new(&format!("/proc/{pid}/stat")));
    !stat.is_empty() && !stat.contains(") Z ")
}
