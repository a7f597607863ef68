//! The child side of [`spawn`](crate::spawn): everything between `fork()` and
//! `execve()`, Supervisor's `_spawn_as_child`. After a fork in a multi-threaded process
//! only async-signal-safe calls are allowed, so this module owns a [`ChildPlan`] whose
//! every byte (C strings, pointer arrays, messages, the group list) is built in the
//! parent; [`ChildPlan::exec`] only makes raw syscalls and never allocates.

// This module makes raw syscalls; each `unsafe` block states why it is sound.
#![allow(unsafe_code)]

use std::ffi::{CString, c_char, c_int};
use std::os::fd::RawFd;
use std::sync::Arc;

use crate::environment::Environment;

use supervisor_model::errno_static_name as static_name;

/// What to do about `user=` in the child (options.py `drop_privileges`).
pub(crate) enum UserStep {
    /// Already running as that uid: nothing to do.
    Nothing,
    /// Not root and another uid asked: fail with `Can't drop privilege as nonroot user`.
    NotRoot,
    /// setgroups, setgid, setuid.
    Switch {
        uid: libc::uid_t,
        gid: libc::gid_t,
        groups: Vec<libc::gid_t>,
    },
}

/// Everything the child needs, prepared before `fork()`.
pub(crate) struct ChildPlan {
    pub filename: CString,
    /// Owners of the strings `argv_ptrs` / `envp_ptrs` point into.
    pub _argv: Vec<CString>,
    pub _envp: Arc<Environment>,
    pub argv_ptrs: Vec<*const c_char>,
    pub envp_ptrs: Vec<*const c_char>,
    pub directory: Option<CString>,
    pub umask: Option<libc::mode_t>,
    pub user: UserStep,
    pub stdin: RawFd,
    pub stdout: RawFd,
    pub stderr: RawFd,
    pub minfds: c_int,
    /// Which of fds 0–2 are ends of our (non-blocking) pipes, made blocking again
    /// after dup2: a program expects blocking stdio, as Supervisor's children get.
    pub blocking: [bool; 3],
    /// `die_with_supervisord`: the daemon's pid; the child asks for SIGKILL when
    /// the thread that forked it (the spawner thread, which lives as long as the
    /// daemon) dies, and gives up if the daemon is already gone.
    pub parent: Option<libc::pid_t>,
    pub empty_mask: libc::sigset_t,
    /// `supervisor: couldn't setuid to <uid>: `
    pub setuid_prefix: Vec<u8>,
    /// `supervisor: couldn't chdir to <dir>: `
    pub chdir_prefix: Vec<u8>,
    /// `supervisor: couldn't exec <argv0>: `
    pub exec_prefix: Vec<u8>,
}

const NOT_SPAWNED: &[u8] = b"supervisor: child process was not spawned\n";

impl ChildPlan {
    /// Set the child up and exec; on any failure write Supervisor's message to fd 2 and
    /// `_exit(127)`. Only async-signal-safe calls from here on.
    pub(crate) fn exec(&self) -> ! {
        self.reset_signals();
        // SAFETY: setpgid(0, 0) only changes this process's group (os.setpgrp()).
        unsafe { libc::setpgid(0, 0) };
        if !self.setup_fds() {
            self.fail();
        }
        self.switch_user();
        // After the user switch: changing credentials clears the death signal.
        self.die_with_parent();
        if let Some(dir) = &self.directory {
            // SAFETY: `dir` is a valid NUL-terminated string owned by the plan.
            if unsafe { libc::chdir(dir.as_ptr()) } != 0 {
                let errno = last_errno();
                self.write_error(&self.chdir_prefix, errno);
                self.fail();
            }
        }
        if let Some(mask) = self.umask {
            // SAFETY: umask cannot fail and touches no memory.
            unsafe { libc::umask(mask) };
        }
        // SAFETY: all three pointers are valid: the filename is owned by the plan and
        // both arrays are NULL-terminated lists of pointers into CStrings it owns.
        unsafe {
            libc::execve(
                self.filename.as_ptr(),
                self.argv_ptrs.as_ptr(),
                self.envp_ptrs.as_ptr(),
            )
        };
        let errno = last_errno();
        self.write_error(&self.exec_prefix, errno);
        self.fail()
    }

    /// exec resets handled signals but keeps ignored ones and the mask: give the program
    /// default dispositions (Rust ignores SIGPIPE) and an empty mask (spawn blocked
    /// everything around fork so no inherited handler can run here).
    fn reset_signals(&self) {
        // The raw syscall, because glibc's sigaction refuses its reserved signals 32
        // and 33, which can be inherited as ignored too.
        let default_action = [0u64; 4]; // kernel struct sigaction: all zero = SIG_DFL
        for sig in 1..=64 {
            if sig == libc::SIGKILL || sig == libc::SIGSTOP {
                continue;
            }
            // SAFETY: rt_sigaction reads a kernel `struct sigaction` (handler, flags,
            // restorer, 8-byte mask: 32 bytes, all zero here = SIG_DFL, no flags) and
            // writes nothing when the old-action pointer is NULL. Async-signal-safe.
            unsafe {
                libc::syscall(
                    libc::SYS_rt_sigaction,
                    sig,
                    default_action.as_ptr(),
                    std::ptr::null_mut::<u64>(),
                    8usize,
                )
            };
        }
        // SAFETY: the mask was initialised with sigemptyset in the parent.
        unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &self.empty_mask, std::ptr::null_mut()) };
    }

    /// Supervisor's `_prepare_child_fds`: pipes onto 0, 1, 2, then close 3..minfds.
    /// The pipe fds are all ≥ 3 (spawn guarantees it), so no dup2 clobbers another.
    fn setup_fds(&self) -> bool {
        for (from, to) in [(self.stdin, 0), (self.stdout, 1), (self.stderr, 2)] {
            // SAFETY: dup2 on fds we own; it clears FD_CLOEXEC on the target.
            if unsafe { libc::dup2(from, to) } < 0 {
                return false;
            }
        }
        for (fd, blocking) in (0..).zip(self.blocking) {
            // SAFETY: F_SETFL on our own descriptor; 0 clears O_NONBLOCK (a pipe
            // end of ours has no other status flag set).
            if blocking && unsafe { libc::fcntl(fd, libc::F_SETFL, 0) } < 0 {
                return false;
            }
        }
        if self.minfds > 3 {
            let last = (self.minfds - 1) as libc::c_uint;
            // SAFETY: close_range only closes descriptors; no memory is involved.
            let rc = unsafe { libc::syscall(libc::SYS_close_range, 3 as libc::c_uint, last, 0) };
            if rc != 0 {
                for fd in 3..self.minfds {
                    // SAFETY: closing a descriptor that may not be open is harmless.
                    unsafe { libc::close(fd) };
                }
            }
        }
        true
    }

    fn switch_user(&self) {
        match &self.user {
            UserStep::Nothing => {}
            UserStep::NotRoot => {
                self.write_setuid_error(b"Can't drop privilege as nonroot user");
                self.fail();
            }
            UserStep::Switch { uid, gid, groups } => {
                // Raw syscalls, not glibc's wrappers: those broadcast the change to
                // every thread of the process they believe they are in, and this child
                // shares the daemon's memory (CLONE_VM) until it execs.
                // SAFETY: the pointer and length describe the plan's own Vec.
                if unsafe { libc::syscall(libc::SYS_setgroups, groups.len(), groups.as_ptr()) } != 0
                {
                    self.write_setuid_error(b"Could not set groups of effective user");
                    self.fail();
                }
                // SAFETY: plain syscall on integers.
                if unsafe { libc::syscall(libc::SYS_setgid, *gid) } != 0 {
                    self.write_setuid_error(b"Could not set group id of effective user");
                    self.fail();
                }
                // Supervisor lets an exception from os.setuid escape: no message of its
                // own, only the final "not spawned" line.
                // SAFETY: plain syscall on an integer.
                if unsafe { libc::syscall(libc::SYS_setuid, *uid) } != 0 {
                    self.fail();
                }
            }
        }
    }

    fn die_with_parent(&self) {
        let Some(parent) = self.parent else {
            return;
        };
        // SAFETY: prctl(PR_SET_PDEATHSIG) only sets this process's death signal.
        unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong) };
        // The daemon may have died between clone and prctl: we were reparented.
        // SAFETY: getppid cannot fail and touches no memory.
        if unsafe { libc::getppid() } != parent {
            self.fail();
        }
    }

    fn write_setuid_error(&self, msg: &[u8]) {
        write_all(&self.setuid_prefix);
        write_all(msg);
        write_all(b"\n");
    }

    fn write_error(&self, prefix: &[u8], errno: i32) {
        write_all(prefix);
        match static_name(errno) {
            Some(name) => write_all(name.as_bytes()),
            None => {
                let mut buf = [0u8; 12];
                write_all(format_i32(errno, &mut buf));
            }
        }
        write_all(b"\n");
    }

    fn fail(&self) -> ! {
        write_all(NOT_SPAWNED);
        // SAFETY: _exit is async-signal-safe and ends the process without unwinding.
        unsafe { libc::_exit(127) }
    }
}

fn last_errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// Write to fd 2 (the stderr log), retrying short writes and EINTR.
fn write_all(mut bytes: &[u8]) {
    while !bytes.is_empty() {
        // SAFETY: the pointer and length describe a live slice.
        let n = unsafe { libc::write(2, bytes.as_ptr().cast(), bytes.len()) };
        if n > 0 {
            bytes = &bytes[n as usize..];
        } else if n < 0 && last_errno() == libc::EINTR {
            continue;
        } else {
            return;
        }
    }
}

/// Decimal text of `n` in `buf`, without allocating.
fn format_i32(n: i32, buf: &mut [u8; 12]) -> &[u8] {
    let negative = n < 0;
    let mut v = i64::from(n).unsigned_abs();
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if negative {
        i -= 1;
        buf[i] = b'-';
    }
    &buf[i..]
}

#[cfg(test)]
mod tests {
    use super::format_i32;

    #[test]
    fn formats_numbers_without_allocating() {
        let mut buf = [0u8; 12];
        assert_eq!(format_i32(0, &mut buf), b"0");
        assert_eq!(format_i32(41, &mut buf), b"41");
        assert_eq!(format_i32(i32::MIN, &mut buf), b"-2147483648");
    }
}
