//! supervisord's entry point up to the running tree: command line, config search and
//! load, command-line overrides. Every failure here is Supervisor's usage error
//! (`Error: <msg>` + `For help, use <argv0> -h`, exit 2) and starts nothing.

use std::ffi::OsString;
use std::path::Path;

use supervisor_config::Config;

use crate::cli::{self, Cli, CliAction, CliExit};

/// What `main` should do after the command line and the config are understood.
pub enum Startup {
    /// Print this text to stdout and exit 0 (help, version, `--convert-config`).
    Print(String),
    /// A loaded, validated config with the command-line overrides applied.
    Run(Box<Cli>, Box<Config>),
}

/// Parses the command line and loads the config it names (or finds one).
pub fn prepare(args: impl IntoIterator<Item = OsString>) -> Result<Startup, CliExit> {
    match cli::parse(args)? {
        CliAction::Help(text) => Ok(Startup::Print(text)),
        CliAction::Version => Ok(Startup::Print(format!(
            "{}\n",
            supervisor_model::SUPERVISOR_VERSION
        ))),
        CliAction::ConvertConfig(path) => supervisor_config::to_toml(&path)
            .map(Startup::Print)
            .map_err(|e| CliExit::usage("supervisord", &e.to_string())),
        CliAction::Run(cli) => {
            let config = load(&cli)?;
            Ok(Startup::Run(Box::new(cli), Box::new(config)))
        }
    }
}

/// Loads the config for `cli` (used at startup and again on reload).
pub fn load(cli: &Cli) -> Result<Config, CliExit> {
    let usage = |msg: String| CliExit::usage(&cli.progname, &msg);
    let path = match &cli.configuration {
        Some(p) => p.clone(),
        None => supervisor_config::find_config_file(Path::new(&cli.progname))
            .map_err(|e| usage(e.to_string()))?,
    };
    let mut config = supervisor_config::load(&path).map_err(|e| usage(e.to_string()))?;
    cli.apply(&mut config.supervisord)?;
    Ok(config)
}
