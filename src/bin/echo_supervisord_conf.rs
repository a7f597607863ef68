//! `echo_supervisord_conf`: prints a commented sample configuration, like Supervisor's
//! command of that name; `--toml` prints the same model in TOML. Its one option is
//! defined in `supervisor_model::cli::echo_supervisord_conf`, which the man page
//! shares.

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use supervisor_model::cli::echo_supervisord_conf::{OPTIONS, Opt, USAGE};
use supervisor_model::getopt::getopt;

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let toml = match getopt(OPTIONS, &args) {
        Ok((given, rest)) if rest.is_empty() => given.iter().any(|g| g.id == Opt::Toml),
        _ => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let text = if toml {
        supervisor_config::sample_toml()
    } else {
        supervisor_config::sample_ini()
    };
    let _ = std::io::stdout().write_all(text.as_bytes());
    ExitCode::SUCCESS
}
