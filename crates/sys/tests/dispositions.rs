//! `with_default_signals` in its own test binary: the unit tests start a reaper
//! (`waitpid(-1)`), which would take the status `Command::output` waits for.
// Setting this test process's own disposition needs libc::signal.
#![allow(unsafe_code)]

use std::process::Command;

use supervisor_sys::with_default_signals;

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
