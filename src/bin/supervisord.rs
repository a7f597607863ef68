//! `supervisord`: a thin main over the supervisor-daemon crate. It stays synchronous
//! until the config is loaded and the process daemonized; only then does the daemon
//! crate build the async runtime.

use std::io::Write;
use std::process::ExitCode;

use supervisor_daemon::startup::{self, Startup};

fn main() -> ExitCode {
    match startup::prepare(std::env::args_os()) {
        Ok(Startup::Print(text)) => {
            let _ = std::io::stdout().write_all(text.as_bytes());
            ExitCode::SUCCESS
        }
        Ok(Startup::Run(cli, config)) => {
            let code = supervisor_daemon::run::run(*cli, *config);
            ExitCode::from(u8::try_from(code).unwrap_or(1))
        }
        Err(exit) => {
            let _ = std::io::stderr().write_all(exit.stderr.as_bytes());
            ExitCode::from(u8::try_from(exit.code).unwrap_or(2))
        }
    }
}
