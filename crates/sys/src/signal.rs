//! Sending signals to children: to the process, or to its whole process group (each
//! child leads its own group, so `stopasgroup`/`killasgroup` reach its descendants).
//! A group signal also reaches descendants that left the group (`setsid`, a daemon
//! double-fork still under the child): they are found through
//! `/proc/<pid>/task/<tid>/children` before the group is signalled, while they are
//! still attributable to the child (once it is gone they are re-parented to us).

// This module makes raw syscalls; each `unsafe` block states why it is sound.
#![allow(unsafe_code)]

use nix::errno::Errno;
use nix::sys::signal::{SigSet, SigmaskHow, Signal as NixSignal, pthread_sigmask};
use supervisor_model::Signal;

/// `kill(pid, sig)`, or `kill(-pid, sig)` when `as_group`. ESRCH (already gone) is
/// returned like any other error; Supervisor's callers ignore it.
pub fn kill(pid: i32, sig: Signal, as_group: bool) -> Result<(), nix::Error> {
    if pid <= 0 {
        // Never let a bad pid turn into "every process" (-1) or "my own group" (0).
        return Err(Errno::EINVAL);
    }
    // Found first: signalling the group may end the child and orphan them.
    let escaped: Vec<i32> = if as_group {
        descendants(pid)
            .into_iter()
            .filter(|&d| {
                nix::unistd::getpgid(Some(nix::unistd::Pid::from_raw(d))).ok()
                    != Some(nix::unistd::Pid::from_raw(pid))
            })
            .collect()
    } else {
        Vec::new()
    };
    for d in escaped {
        // SAFETY: as below; `d` > 0 (a pid read from /proc).
        unsafe { libc::kill(d, sig.number()) };
    }
    let target = if as_group { -pid } else { pid };
    // SAFETY: kill takes two integers and touches no memory. libc is used instead of
    // nix's typed kill because nix's Signal enum cannot express SIGRTMIN/SIGRTMAX.
    let rc = unsafe { libc::kill(target, sig.number()) };
    if rc == 0 { Ok(()) } else { Err(Errno::last()) }
}

/// Every descendant of `pid` (children, grandchildren, ...), through the kernel's
/// `/proc/<pid>/task/<tid>/children` lists; empty if they cannot be read.
pub fn descendants(pid: i32) -> Vec<i32> {
    let mut out = Vec::new();
    let mut todo = vec![pid];
    while let Some(p) = todo.pop() {
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{p}/task")) else {
            continue;
        };
        for task in tasks.flatten() {
            let children =
                std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
            for c in children
                .split_whitespace()
                .filter_map(|c| c.parse::<i32>().ok())
            {
                if c > 0 && !out.contains(&c) {
                    out.push(c);
                    todo.push(c);
                }
            }
        }
    }
    out
}

/// While alive, asynchronous signals are blocked on the thread that made it, so the
/// kernel hands them to another thread: one of the runtime's workers, which handles
/// them anyway. A process-directed signal goes to the main thread first whenever it
/// does not block it (kernel/signal.c `complete_signal`), and the main thread only
/// sits in `block_on`: a signal woke it from its sleep just to pass the signal on to
/// a worker (SIGCHLD, the frequent one, is blocked in every thread: sigchld.rs).
/// Synchronous signals (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGABRT)
/// stay unblocked: blocking those is undefined.
/// Dropping it restores the thread's previous mask.
pub struct SignalsElsewhere {
    old: SigSet,
}

/// See [`SignalsElsewhere`].
pub fn leave_signals_to_other_threads() -> SignalsElsewhere {
    let mut old = SigSet::empty();
    // pthread_sigmask cannot fail with a valid `how` and set.
    let _ = pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(&asynchronous()), Some(&mut old));
    SignalsElsewhere { old }
}

impl Drop for SignalsElsewhere {
    fn drop(&mut self) {
        let _ = pthread_sigmask(SigmaskHow::SIG_SETMASK, Some(&self.old), None);
    }
}

/// Blocks the asynchronous signals on this thread for good (a thread that never
/// handles them, such as the spawner).
pub(crate) fn never_on_this_thread() {
    let _ = pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(&asynchronous()), None);
}

fn asynchronous() -> SigSet {
    let mut set = SigSet::all();
    for sync in [
        NixSignal::SIGSEGV,
        NixSignal::SIGBUS,
        NixSignal::SIGFPE,
        NixSignal::SIGILL,
        NixSignal::SIGTRAP,
        NixSignal::SIGSYS,
        NixSignal::SIGABRT,
    ] {
        set.remove(sync);
    }
    set
}
