//! Default signal dispositions for a `std::process::Command`'s child: an ignored
//! signal stays ignored across `exec` (POSIX), so a program started from a shell's
//! background job (SIGINT and SIGQUIT ignored) would hand that on to everything it
//! spawns. The signal mask is inherited the same way (std's fork path keeps it:
//! pidproxy blocks the signals it waits for), so it is emptied too.
#![allow(unsafe_code)]

use std::os::unix::process::CommandExt;
use std::process::Command;

/// Makes `cmd`'s child start with every signal's disposition at its default and no
/// signal blocked.
pub fn with_default_signals(cmd: &mut Command) -> &mut Command {
    // Prepared before the fork: the hook below only calls sigaction and sigprocmask.
    // SAFETY: an all-zero `sigaction` is a valid value (no flags, empty mask,
    // handler 0 == SIG_DFL).
    let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
    action.sa_sigaction = libc::SIG_DFL;
    // SAFETY: an all-zero `sigset_t` is a valid value; sigemptyset makes it empty
    // portably and only writes to it.
    let mut unblocked: libc::sigset_t = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    unsafe { libc::sigemptyset(&mut unblocked) };
    // SAFETY: the hook runs in the child between fork and exec and only calls
    // sigprocmask and sigaction, which are async-signal-safe, on memory copied into
    // the closure.
    unsafe {
        cmd.pre_exec(move || {
            libc::sigprocmask(libc::SIG_SETMASK, &unblocked, std::ptr::null_mut());
            for sig in 1..libc::SIGRTMAX() {
                if sig != libc::SIGKILL && sig != libc::SIGSTOP {
                    libc::sigaction(sig, &action, std::ptr::null_mut());
                }
            }
            Ok(())
        })
    }
}
