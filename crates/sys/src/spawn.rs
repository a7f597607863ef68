//! Spawning a child with Supervisor's semantics (process.py `Subprocess.spawn`): pipes
//! for stdin/stdout/stderr, a raw `fork()` registered with the [`Reaper`] under its lock,
//! then the child setup of [`crate::child`] and `execve`. Parent ends of the pipes come
//! back as non-blocking tokio pipes. An fcgi-program's child gets its group's listening
//! socket as fd 0 instead of a stdin pipe. This module never waits for a child: the exit
//! status arrives through the reaper on [`Child::exit`].

// This module makes raw syscalls; each `unsafe` block states why it is sound.
#![allow(unsafe_code)]

use std::cell::Cell;
use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::sync::Arc;

use nix::errno::Errno;
use nix::fcntl::{FcntlArg, OFlag, fcntl, open};
use nix::sys::signal::{SigSet, SigmaskHow, pthread_sigmask};
use nix::sys::stat::Mode;
use nix::unistd::{getuid, pipe2};
use tokio::net::unix::pipe;
use tokio::sync::oneshot;

use crate::child::{ChildPlan, UserStep};
use crate::command::{CommandError, ResolvedCommand};
use crate::environment::Environment;
use crate::listen::ListenSocket;
use crate::privileges::{GroupListError, group_list};
use crate::reaper::Reaper;
use supervisor_model::ExitStatus;
use supervisor_model::errno_name;

/// The user a program runs as (`user=`), resolved from the config by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpawnUser {
    pub uid: u32,
    /// The user's primary group.
    pub gid: u32,
    /// The login name, used to look up supplementary groups (`getgrouplist`).
    pub name: String,
}

/// Everything [`spawn`] needs; the caller has resolved the command and built the
/// complete environment.
#[derive(Debug, Clone)]
pub struct SpawnSpec {
    pub filename: PathBuf,
    pub argv: Vec<String>,
    /// The child's whole environment (built once per config: see [`Environment`]).
    pub env: Arc<Environment>,
    pub directory: Option<PathBuf>,
    pub umask: Option<u32>,
    pub user: Option<SpawnUser>,
    /// Send stderr to the stdout pipe (no stderr pipe is created).
    pub redirect_stderr: bool,
    /// Give the child a stdin pipe (Supervisor always does; its write end stays open in
    /// supervisord). `false` connects stdin to `/dev/null`.
    pub want_stdin: bool,
    /// A listening socket the child gets as its fd 0 instead of a stdin pipe or
    /// `/dev/null` (an `[fcgi-program:x]`, process.py `FastCGISubprocess`
    /// `_prepare_child_fds`); `want_stdin` is then ignored and `Child::stdin` is `None`.
    pub stdin_socket: Option<ListenSocket>,
    /// File descriptors 3..minfds are closed in the child (Supervisor's `minfds`).
    pub minfds: i32,
    /// Kill the child (SIGKILL) if this process dies without stopping it
    /// (`PR_SET_PDEATHSIG`). The signal follows the *thread* that forked, so such a
    /// child is forked on a thread that lives as long as the process
    /// ([`crate::spawner`]), never on a runtime worker that may come and go. Linux
    /// clears it when the child execs a set-user-ID or capability-carrying program.
    pub die_with_parent: bool,
}

impl SpawnSpec {
    /// A spec for `command` with an empty environment, Supervisor's defaults otherwise:
    /// a stdin pipe, separate stderr, `minfds` 1024.
    pub fn new(command: ResolvedCommand) -> SpawnSpec {
        SpawnSpec {
            filename: command.filename,
            argv: command.argv,
            env: Arc::default(),
            directory: None,
            umask: None,
            user: None,
            redirect_stderr: false,
            want_stdin: true,
            stdin_socket: None,
            minfds: 1024,
            die_with_parent: false,
        }
    }
}

/// A running child. Its exit status arrives on `exit` once the reaper collected it.
#[derive(Debug)]
pub struct Child {
    pub pid: i32,
    /// The write end, not yet registered with the runtime: most children are never
    /// written to, and a registration per child is idle memory (BENCHMARKS.md).
    pub stdin: Option<OwnedFd>,
    pub stdout: Option<pipe::Receiver>,
    /// `None` with `redirect_stderr`.
    pub stderr: Option<pipe::Receiver>,
    pub exit: oneshot::Receiver<ExitStatus>,
}

#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    #[error(transparent)]
    Command(#[from] CommandError),
    #[error("{what} contains a NUL byte")]
    Nul { what: &'static str },
    #[error("cannot look up the groups of user {name}")]
    Groups {
        name: String,
        #[source]
        source: nix::Error,
    },
    #[error("cannot create a pipe")]
    Pipe(#[source] nix::Error),
    #[error("cannot open /dev/null for stdin")]
    DevNull(#[source] nix::Error),
    #[error("cannot register a pipe with the runtime")]
    Register(#[source] std::io::Error),
    #[error("fork failed")]
    Fork(#[source] nix::Error),
    #[error("the spawner thread is gone")]
    Spawner,
}

impl SpawnError {
    /// Fault NO_FILE (the command was not found).
    pub fn is_no_file(&self) -> bool {
        matches!(self, SpawnError::Command(e) if e.is_no_file())
    }

    /// Fault NOT_EXECUTABLE (bad command, directory, no x bit, no permission).
    pub fn is_not_executable(&self) -> bool {
        matches!(self, SpawnError::Command(e) if e.is_not_executable())
    }

    /// Supervisor's `spawnerr` text for process `name` (process.py `spawn`).
    pub fn spawnerr(&self, name: &str) -> String {
        match self {
            SpawnError::Command(e) => e.to_string(),
            SpawnError::Pipe(Errno::EMFILE) | SpawnError::DevNull(Errno::EMFILE) => {
                format!("too many open files to spawn '{name}'")
            }
            SpawnError::Pipe(e) | SpawnError::DevNull(e) => format!(
                "unknown error making dispatchers for '{name}': {}",
                errno_name(*e as i32)
            ),
            SpawnError::Register(e) => format!(
                "unknown error making dispatchers for '{name}': {}",
                e.raw_os_error().map_or_else(|| e.to_string(), errno_name)
            ),
            SpawnError::Fork(Errno::EAGAIN) => {
                format!("Too many processes in process table to spawn '{name}'")
            }
            SpawnError::Fork(e) => format!(
                "unknown error during fork for '{name}': {}",
                errno_name(*e as i32)
            ),
            other => format!("unknown error making dispatchers for '{name}': {other}"),
        }
    }
}

/// Fork and exec `spec`, registered with `reaper` before the fork's lock is released.
/// Must be called inside the tokio runtime that will read the pipes.
pub fn spawn(spec: &SpawnSpec, reaper: &Reaper) -> Result<Child, SpawnError> {
    // Child ends are kept in these until after the fork; dropping them closes them.
    let socket = spec.stdin_socket.as_ref();
    let stdin_pipe = if spec.want_stdin && socket.is_none() {
        Some(make_pipe()?)
    } else {
        None
    };
    let (stdout_r, stdout_w) = make_pipe()?;
    let stderr_pipe = if spec.redirect_stderr {
        None
    } else {
        Some(make_pipe()?)
    };
    let dev_null = if spec.want_stdin || socket.is_some() {
        None
    } else {
        let fd = open(
            "/dev/null",
            OFlag::O_RDONLY | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .map_err(SpawnError::DevNull)?;
        Some(above_stdio(fd).map_err(SpawnError::DevNull)?)
    };

    let child_stdin = match (socket, &stdin_pipe, &dev_null) {
        (Some(s), _, _) => s.as_raw_fd(),
        (None, Some((r, _)), _) => r.as_raw_fd(),
        (None, None, Some(null)) => null.as_raw_fd(),
        (None, None, None) => unreachable!("a socket, a stdin pipe or /dev/null is open"),
    };
    let child_stderr = stderr_pipe
        .as_ref()
        .map_or(stdout_w.as_raw_fd(), |(_, w)| w.as_raw_fd());
    let plan = build_plan(spec, child_stdin, stdout_w.as_raw_fd(), child_stderr)?;

    // Register the parent's read ends before forking, so nothing can fail after the
    // child exists. tokio sets them non-blocking; the child's ends stay blocking. The
    // stdin write end is registered by its first writer (see `Child::stdin`).
    let (stdin_r, stdin) = match stdin_pipe {
        Some((r, w)) => (Some(r), Some(w)),
        None => (None, None),
    };
    // Unchecked: they are pipes, open for reading and already non-blocking
    // (`make_pipe`), so tokio's fstat and two fcntl calls per pipe are skipped.
    let stdout = pipe::Receiver::from_owned_fd_unchecked(stdout_r).map_err(SpawnError::Register)?;
    let (stderr_w, stderr) = match stderr_pipe {
        Some((r, w)) => (
            Some(w),
            Some(pipe::Receiver::from_owned_fd_unchecked(r).map_err(SpawnError::Register)?),
        ),
        None => (None, None),
    };

    let (pid, exit) = if spec.die_with_parent {
        reaper.fork_registered(|| crate::spawner::fork_on_spawner(&plan))?
    } else {
        reaper.fork_registered(|| fork_child(&plan))?
    };
    drop((stdin_r, stdout_w, stderr_w, dev_null));
    Ok(Child {
        pid,
        stdin,
        stdout: Some(stdout),
        stderr,
        exit,
    })
}

/// The child's stack between clone and exec: `ChildPlan::exec` needs a few KiB.
const CHILD_STACK: usize = 64 * 1024;

thread_local! {
    /// The stack a clone on this thread lends its child (see [`fork_child`]).
    static STACK: Cell<Option<Vec<u8>>> = const { Cell::new(None) };
}

/// Block every signal, start the child, restore the mask. With signals blocked no
/// handler the runtime installed can run in the child before it resets dispositions.
///
/// The child is started with `clone(CLONE_VM | CLONE_VFORK)`, as posix_spawn does, not
/// with fork: it borrows our memory until it execs (this thread waits meanwhile), so no
/// page table is copied and no copy-on-write fault follows in the daemon. Profiling
/// showed fork's page-table copy and the faults after it were most of the CPU a
/// restart cost. The child runs only `plan.exec()`: raw syscalls on memory prepared
/// before the clone, no allocation, on its own stack.
pub(crate) fn fork_child(plan: &ChildPlan) -> Result<i32, SpawnError> {
    extern "C" fn child_main(arg: *mut libc::c_void) -> libc::c_int {
        // SAFETY: `arg` is the `&ChildPlan` passed to clone below; the parent is
        // suspended (CLONE_VFORK) until this child execs or exits, so it stays valid.
        let plan = unsafe { &*arg.cast::<ChildPlan>() };
        plan.exec()
    }
    // The thread's stack buffer, taken for this clone and given back after it: a
    // fresh zeroed 64 KiB per spawn (allocation, memset, page faults, free) was a
    // visible part of a restart's cost. The child never reads what it did not write,
    // so the memory is left uninitialised.
    let mut stack = STACK
        .with(Cell::take)
        .unwrap_or_else(|| Vec::with_capacity(CHILD_STACK));
    let mut old = SigSet::empty();
    pthread_sigmask(
        SigmaskHow::SIG_SETMASK,
        Some(&SigSet::all()),
        Some(&mut old),
    )
    .map_err(SpawnError::Fork)?;
    // The stack grows down: hand clone its (16-byte aligned) top.
    let top = {
        // SAFETY: `capacity()` bytes are allocated at `as_mut_ptr()`; one past the end
        // is in bounds for `add`.
        let end = unsafe { stack.as_mut_ptr().add(stack.capacity()) } as usize;
        (end & !15) as *mut libc::c_void
    };
    // SAFETY: `child_main` only runs `plan.exec()` (see above); `top` is the aligned
    // end of a live buffer that outlives the child's use of it, because CLONE_VFORK
    // returns only after the child has exec'd or exited. SIGCHLD makes the child an
    // ordinary one for waitpid.
    let pid = unsafe {
        libc::clone(
            child_main,
            top,
            libc::CLONE_VM | libc::CLONE_VFORK | libc::SIGCHLD,
            std::ptr::from_ref(plan).cast_mut().cast(),
        )
    };
    let fork_errno = Errno::last();
    STACK.with(|slot| slot.set(Some(stack)));
    let _ = pthread_sigmask(SigmaskHow::SIG_SETMASK, Some(&old), None);
    if pid < 0 {
        return Err(SpawnError::Fork(fork_errno));
    }
    Ok(pid)
}

/// A pipe with both ends close-on-exec and above fds 0–2, so the child's dup2 onto
/// 0, 1, 2 can never overwrite another pipe end. Both ends are non-blocking, as the
/// parent's end must be for the runtime; the child makes its end blocking again
/// after dup2 (`ChildPlan::blocking`), at no cost to the daemon.
fn make_pipe() -> Result<(OwnedFd, OwnedFd), SpawnError> {
    let (r, w) = pipe2(OFlag::O_CLOEXEC | OFlag::O_NONBLOCK).map_err(SpawnError::Pipe)?;
    Ok((
        above_stdio(r).map_err(SpawnError::Pipe)?,
        above_stdio(w).map_err(SpawnError::Pipe)?,
    ))
}

pub(crate) fn above_stdio(fd: OwnedFd) -> nix::Result<OwnedFd> {
    if fd.as_raw_fd() > 2 {
        return Ok(fd);
    }
    let dup = fcntl(&fd, FcntlArg::F_DUPFD_CLOEXEC(3))?;
    // SAFETY: F_DUPFD_CLOEXEC returned a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(dup) })
}

fn build_plan(
    spec: &SpawnSpec,
    stdin: i32,
    stdout: i32,
    stderr: i32,
) -> Result<ChildPlan, SpawnError> {
    let cstring = |bytes: &[u8], what| CString::new(bytes).map_err(|_| SpawnError::Nul { what });
    let filename = cstring(spec.filename.as_os_str().as_bytes(), "the command")?;
    let argv = spec
        .argv
        .iter()
        .map(|a| cstring(a.as_bytes(), "an argument"))
        .collect::<Result<Vec<_>, _>>()?;
    let directory = spec
        .directory
        .as_ref()
        .map(|d| cstring(d.as_os_str().as_bytes(), "the directory"))
        .transpose()?;
    let user = match &spec.user {
        None => UserStep::Nothing,
        Some(u) => user_step(u)?,
    };
    let null_terminated = |v: &[CString]| {
        v.iter()
            .map(|c| c.as_ptr())
            .chain(std::iter::once(std::ptr::null()))
            .collect::<Vec<_>>()
    };
    let argv0 = spec.argv.first().map_or("", String::as_str);
    let setuid_uid = spec.user.as_ref().map_or(0, |u| u.uid);
    let dir_text = spec
        .directory
        .as_ref()
        .map(|d| d.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(ChildPlan {
        argv_ptrs: null_terminated(&argv),
        envp_ptrs: spec.env.pointers(),
        _envp: spec.env.clone(),
        filename,
        _argv: argv,
        directory,
        umask: spec.umask.map(|m| m as libc::mode_t),
        user,
        stdin,
        stdout,
        stderr,
        minfds: spec.minfds,
        // Stdout and stderr are always our pipes' ends; stdin is one unless it is a
        // socket or /dev/null (the condition `spawn` makes a stdin pipe on).
        blocking: [spec.want_stdin && spec.stdin_socket.is_none(), true, true],
        parent: spec
            .die_with_parent
            .then(|| libc::pid_t::try_from(std::process::id()).unwrap_or(0)),
        empty_mask: empty_sigset(),
        setuid_prefix: format!("supervisor: couldn't setuid to {setuid_uid}: ").into_bytes(),
        chdir_prefix: format!("supervisor: couldn't chdir to {dir_text}: ").into_bytes(),
        exec_prefix: format!("supervisor: couldn't exec {argv0}: ").into_bytes(),
    })
}

/// options.py `drop_privileges`, decided in the parent: nothing if already that uid,
/// refused if not root, else the group list `[primary] + supplementary` for setgroups.
fn user_step(user: &SpawnUser) -> Result<UserStep, SpawnError> {
    let current = getuid().as_raw();
    if current == user.uid {
        return Ok(UserStep::Nothing);
    }
    if current != 0 {
        return Ok(UserStep::NotRoot);
    }
    let groups = group_list(&user.name, user.gid).map_err(|e| match e {
        GroupListError::Nul => SpawnError::Nul {
            what: "the user name",
        },
        GroupListError::Lookup(source) => SpawnError::Groups {
            name: user.name.clone(),
            source,
        },
    })?;
    Ok(UserStep::Switch {
        uid: user.uid,
        gid: user.gid,
        groups,
    })
}

fn empty_sigset() -> libc::sigset_t {
    let mut set = std::mem::MaybeUninit::<libc::sigset_t>::uninit();
    // SAFETY: sigemptyset initialises the whole set it is given.
    unsafe {
        libc::sigemptyset(set.as_mut_ptr());
        set.assume_init()
    }
}
