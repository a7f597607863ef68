//! Sending signals to children: to the process, or to its whole process group (each
//! child leads its own group, so `stopasgroup`/`killasgroup` reach its descendants).

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
    let target = if as_group { -pid } else { pid };
    // SAFETY: kill takes two integers and touches no memory. libc is used instead of
    // nix's typed kill because nix's Signal enum cannot express SIGRTMIN/SIGRTMAX.
    let rc = unsafe { libc::kill(target, sig.number()) };
    if rc == 0 { Ok(()) } else { Err(Errno::last()) }
}
