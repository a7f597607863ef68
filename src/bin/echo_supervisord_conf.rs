//! `echo_supervisord_conf`: prints a commented sample configuration, like Supervisor's
//! command of that name; `--toml` prints the same model in TOML.

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let text = match args.as_slice() {
        [] => supervisor_config::sample_ini(),
        [flag] if flag == "--toml" => supervisor_config::sample_toml(),
        _ => {
            eprintln!("usage: echo_supervisord_conf [--toml]");
            return ExitCode::from(2);
        }
    };
    let _ = std::io::stdout().write_all(text.as_bytes());
    ExitCode::SUCCESS
}
