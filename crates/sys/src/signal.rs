//! Sending signals to children: to the process, or to its whole process group (each
//! child leads its own group, so `stopasgroup`/`killasgroup` reach its descendants).
//! A group signal also reaches descendants that left the group (`setsid`, a daemon
//! double-fork still under the child): they are found through
//! `/proc/<pid>/task/<tid>/children` before the group is signalled, while they are
//! still attributable to the child (once it is gone they are re-parented to us).

// This module makes raw syscalls; each `unsafe` block states why it is sound.
#![allow(unsafe_code)]

use nix::errno::Errno;
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
