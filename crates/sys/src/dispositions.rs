//! Default signal dispositions for a `std::process::Command`'s child: an ignored
//! signal stays ignored across `exec` (POSIX), so a program started from a shell's
//! background job (SIGINT and SIGQUIT ignored) would hand that on to everything it
//! spawns. std resets the signal mask and SIGPIPE, not the other dispositions.
#![allow(unsafe_code)]

use std::os::unix::process::CommandExt;
use std::process::Command;

/// Makes `cmd`'s child start with every signal's disposition at its default.
pub fn with_default_signals(cmd: &mut Command) -> &mut Command {
    // Prepared before the fork: the hook below only calls sigaction.
    // SAFETY: an all-zero `sigaction` is a valid value (no flags, empty mask,
    // handler 0 == SIG_DFL).
    let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
    action.sa_sigaction = libc::SIG_DFL;
    // SAFETY: the hook runs in the child between fork and exec and only calls
    // sigaction, which is async-signal-safe, on memory copied into the closure.
    unsafe {
        cmd.pre_exec(move || {
            for sig in 1..libc::SIGRTMAX() {
                if sig != libc::SIGKILL && sig != libc::SIGSTOP {
                    libc::sigaction(sig, &action, std::ptr::null_mut());
                }
            }
            Ok(())
        })
    }
}
