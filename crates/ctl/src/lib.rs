//! supervisorctl as a library: the command line, the shell and every command, over
//! gRPC or, for servers without it, Supervisor's XML-RPC.
#![doc = include_str!("../README.md")]

mod api;
mod auto;
mod color;
mod commands;
mod complete;
mod console;
mod controller;
mod error;
mod follow;
mod format;
mod grpc;
mod http1;
mod options;
mod shell;
mod stdin;
#[cfg(test)]
mod testing;
mod topview;
mod url;
mod xmlrpc;
mod xmlrpc_values;

pub use api::{Api, Console, LogSource, LogStream, Server, Target};
pub use auto::{AutoApi, Protocol};
pub use commands::ACTIONS;
pub use console::TermConsole;
pub use controller::{Controller, Flow};
pub use error::CallError;
pub use grpc::{BasicAuth, GrpcApi};
pub use options::{DEFAULT_SERVERURL, Early, Settings, help_text, realize};
pub use url::Endpoint;
pub use xmlrpc::XmlRpcApi;

/// Exit status after Ctrl-C interrupted a one-shot command (128 + SIGINT, what a
/// shell reports for Python dying of its uncaught KeyboardInterrupt).
pub const EXIT_INTERRUPTED: i32 = 130;

/// supervisorctl with this process's arguments; returns the exit status.
pub fn main() -> i32 {
    let args: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let argv0 = args
        .first()
        .cloned()
        .unwrap_or_else(|| "supervisorctl".to_string());
    run(&argv0, args.get(1..).unwrap_or_default())
}

/// supervisorctl with explicit arguments (without `argv[0]`), printing to the real
/// stdout/stderr; returns the exit status.
pub fn run(argv0: &str, args: &[String]) -> i32 {
    // Before the config is read: the shell's completion must work whatever it holds.
    if args.first().is_some_and(|a| a == "completions") {
        return commands::completions::run(argv0, &args[1..]);
    }
    let settings = match options::realize(argv0, args) {
        Ok(settings) => settings,
        Err(early) => {
            let (out, err, code) = early.render(argv0);
            print!("{out}");
            eprint!("{err}");
            return code;
        }
    };
    // On stderr, so stdout stays what Python's supervisorctl prints.
    for warning in &settings.warnings {
        eprintln!("Warning: {warning}");
    }
    if settings.args.first().is_some_and(|a| a == "completions") {
        return commands::completions::run(argv0, &settings.args[1..]);
    }
    if settings.args.first().is_some_and(|a| a == "top") {
        if settings.args.len() > 1 {
            eprintln!("Error: top accepts no arguments");
            return 2;
        }
        return commands::top::run(&Server {
            serverurl: settings.serverurl.clone(),
            username: settings.username.clone(),
            password: settings.password.clone(),
        });
    }
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("Error: cannot start the runtime: {e}");
            return format::exit::GENERIC;
        }
    };
    let server = Server {
        serverurl: settings.serverurl.clone(),
        username: settings.username.clone(),
        password: settings.password.clone(),
    };
    let mut ctl = Controller::new(
        AutoApi::new(&server),
        TermConsole::new(),
        server,
        settings.interactive,
        Box::new(std::io::stdout()),
        Box::new(std::io::stderr()),
    )
    .with_color(color::enabled());
    if settings.args.is_empty() {
        shell::run(
            &rt,
            &mut ctl,
            &settings.prompt,
            settings.history_file.as_deref(),
        );
        return format::exit::SUCCESS;
    }
    // All remaining arguments form one command line.
    let line = settings.args.join(" ");
    match rt.block_on(ctl.onecmd(&line)) {
        Flow::Interrupted => {
            ctl.output("");
            EXIT_INTERRUPTED
        }
        Flow::Continue | Flow::Stop => ctl.exit_status(),
    }
}
