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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ignored_signal_is_default_in_the_child() {
        // Ignore SIGWINCH here (no other test of this binary cares about it), then
        // ask the child whether it is ignored (SigIgn in /proc/self/status lists
        // explicit SIG_IGN dispositions, not signals whose default is to ignore).
        let ignored = |cmd: &mut Command| {
            let out = cmd
                .args(["-c", "grep SigIgn /proc/self/status"])
                .output()
                .unwrap();
            let line = String::from_utf8(out.stdout).unwrap();
            let mask = u64::from_str_radix(line.split_whitespace().nth(1).unwrap(), 16).unwrap();
            mask & (1 << (libc::SIGWINCH - 1)) != 0
        };
        // SAFETY: setting a disposition to SIG_IGN for this test process only.
        unsafe { libc::signal(libc::SIGWINCH, libc::SIG_IGN) };
        let inherited = ignored(&mut Command::new("/bin/sh"));
        let reset = ignored(with_default_signals(&mut Command::new("/bin/sh")));
        // SAFETY: back to the default.
        unsafe { libc::signal(libc::SIGWINCH, libc::SIG_DFL) };
        assert!(
            inherited,
            "the test needs an inherited SIG_IGN to mean anything"
        );
        assert!(!reset);
    }
}
