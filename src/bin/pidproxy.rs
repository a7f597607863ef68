//! `pidproxy PIDFILE COMMAND [ARGS...]`: a thin main over `supervisor_sys::pidproxy`
//! (what it does, and how it differs from Supervisor's, is written there).

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    let [_, pidfile, command @ ..] = args.as_slice() else {
        return usage();
    };
    if command.is_empty() {
        return usage();
    }
    match supervisor_sys::pidproxy::run(&PathBuf::from(pidfile), command) {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        Err(e) => {
            eprintln!("pidproxy: {e}");
            ExitCode::from(1)
        }
    }
}

/// Supervisor's `usage()`: the text on stdout, exit 1.
fn usage() -> ExitCode {
    let _ = std::io::stdout().write_all(supervisor_model::cli::pidproxy::USAGE.as_bytes());
    ExitCode::from(1)
}
