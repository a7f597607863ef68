//! supervisorctl's actions, one module per action (supervisorctl.py
//! `DefaultControllerPlugin.do_<action>` / `help_<action>`). Each module has a `run`
//! that talks to the [`Api`] through the [`Controller`] and a `HELP` text identical to
//! Supervisor 4.3's; formatting lives in pure functions next to it so it is tested
//! without a server. This module only dispatches.

mod add;
mod avail;
mod clear;
pub(crate) mod completions;
mod events;
mod fg;
mod help;
mod maintail;
mod open;
mod pid;
mod quit;
mod reload;
mod remove;
mod reopen;
mod reread;
mod restart;
mod shutdown;
mod signal;
mod start;
mod status;
mod stop;
mod tail;
mod targets;
pub(crate) mod top;
mod update;
mod update_classic;
mod version;

use crate::api::{Api, Console};
use crate::controller::{Controller, Flow};
use crate::error::CallError;

/// The actions, sorted: what `help` lists and what tab completion offers.
pub const ACTIONS: [&str; 22] = [
    "add", "avail", "clear", "exit", "fg", "help", "maintail", "open", "pid", "quit", "reload",
    "remove", "reread", "restart", "shutdown", "signal", "start", "status", "stop", "tail",
    "update", "version",
];

/// Actions beyond Supervisor's: runnable and in `help <action>`, but kept out of
/// the topic table so `help` prints exactly what Supervisor's does.
pub const EXTRA_ACTIONS: [&str; 2] = ["events", "reopen"];

/// True for a command word `onecmd` can run (`EOF` is the shell's end of input).
pub(crate) fn exists(cmd: &str) -> bool {
    cmd == "EOF" || ACTIONS.contains(&cmd) || EXTRA_ACTIONS.contains(&cmd)
}

/// Runs `cmd` (which [`exists`]) with its stripped argument string.
pub(crate) async fn run<A: Api, C: Console>(
    ctl: &mut Controller<A, C>,
    cmd: &str,
    arg: &str,
) -> Result<Flow, CallError> {
    let done = Ok(Flow::Continue);
    match cmd {
        "add" => add::run(ctl, arg).await.and(done),
        "avail" => avail::run(ctl, arg).await.and(done),
        "clear" => clear::run(ctl, arg).await.and(done),
        "events" => events::run(ctl, arg).await.and(done),
        "fg" => fg::run(ctl, arg).await.and(done),
        "help" => {
            help::run(ctl, arg);
            done
        }
        "maintail" => maintail::run(ctl, arg).await.and(done),
        "open" => open::run(ctl, arg).await.and(done),
        "pid" => pid::run(ctl, arg).await.and(done),
        "EOF" | "quit" | "exit" => Ok(quit::run(ctl)),
        "reload" => reload::run(ctl, arg).await.and(done),
        "remove" => remove::run(ctl, arg).await.and(done),
        "reopen" => reopen::run(ctl, arg).await.and(done),
        "reread" => reread::run(ctl, arg).await.and(done),
        "restart" => restart::run(ctl, arg).await.and(done),
        "shutdown" => shutdown::run(ctl, arg).await.and(done),
        "signal" => signal::run(ctl, arg).await.and(done),
        "start" => start::run(ctl, arg).await.and(done),
        "status" => status::run(ctl, arg).await.and(done),
        "stop" => stop::run(ctl, arg).await.and(done),
        "tail" => tail::run(ctl, arg).await.and(done),
        "update" => update::run(ctl, arg).await.and(done),
        "version" => version::run(ctl, arg).await.and(done),
        _ => done,
    }
}

/// `help <topic>`'s text (every line ends with a newline), if the topic has one.
pub(crate) fn help_text(topic: &str) -> Option<&'static str> {
    Some(match topic {
        "add" => add::HELP,
        "avail" => avail::HELP,
        "clear" => clear::HELP,
        "events" => events::HELP,
        "exit" => quit::HELP_EXIT,
        "fg" => fg::HELP,
        "help" => help::HELP,
        "maintail" => maintail::HELP,
        "open" => open::HELP,
        "pid" => pid::HELP,
        "quit" => quit::HELP_QUIT,
        "reload" => reload::HELP,
        "remove" => remove::HELP,
        "reopen" => reopen::HELP,
        "reread" => reread::HELP,
        "restart" => restart::HELP,
        "shutdown" => shutdown::HELP,
        "signal" => signal::HELP,
        "start" => start::HELP,
        "status" => status::HELP,
        "stop" => stop::HELP,
        "tail" => tail::HELP,
        "update" => update::HELP,
        "version" => version::HELP,
        _ => return None,
    })
}

/// Prints a command's help text (`self.help_<action>()`).
pub(crate) fn print_help<A: Api, C: Console>(ctl: &mut Controller<A, C>, text: &str) {
    ctl.write_raw(text.as_bytes());
}

/// `Error: <action> accepts no arguments` plus the help, exit 1; true if `arg`
/// is not empty.
pub(crate) fn reject_arguments<A: Api, C: Console>(
    ctl: &mut Controller<A, C>,
    action: &str,
    arg: &str,
    help: &str,
) -> bool {
    if arg.is_empty() {
        return false;
    }
    ctl.output(&format!("Error: {action} accepts no arguments"));
    ctl.exit = crate::format::exit::GENERIC;
    print_help(ctl, help);
    true
}

/// `reload` / `shutdown`'s preamble: [`reject_arguments`], then in the interactive
/// shell a yes to `question`; true when the action should go ahead.
pub(crate) async fn confirmed<A: Api, C: Console>(
    ctl: &mut Controller<A, C>,
    action: &str,
    arg: &str,
    help: &str,
    question: &str,
) -> Result<bool, CallError> {
    if reject_arguments(ctl, action, arg, help) {
        return Ok(false);
    }
    Ok(!ctl.interactive || ctl.confirm(question).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_help() {
        for action in ACTIONS {
            assert!(help_text(action).is_some(), "{action}");
            assert!(exists(action));
        }
        assert!(help_text("EOF").is_none());
        // The man page and the completions list the actions from the model's table:
        // it must name exactly these, plus the command-line-only `top` and
        // `completions`.
        let mut table: Vec<&str> = supervisor_model::cli::supervisorctl::ACTIONS
            .iter()
            .map(|(name, _, _)| *name)
            .collect();
        let mut here: Vec<&str> = ACTIONS.iter().chain(&EXTRA_ACTIONS).copied().collect();
        here.extend(["top", "completions"]);
        table.sort_unstable();
        here.sort_unstable();
        assert_eq!(table, here);
        assert!(exists("EOF"));
        assert!(!exists("STATUS"));
    }
}
