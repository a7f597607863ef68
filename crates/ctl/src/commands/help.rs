//! `help [topic]` (supervisorctl.py `Controller.do_help`, `ControllerPluginBase.do_help`
//! and `cmd.Cmd.print_topics`): the topic table, or one action's help text.

use crate::api::{Api, Console};
use crate::controller::Controller;

pub(super) const HELP: &str = "help\t\tPrint a list of available actions\n\
help <action>\tPrint help for <action>\n";

/// `print_topics` of the default plugin: a blank line, the header, its ruler, the
/// actions in 80 columns (trailing spaces included), a blank line.
pub(crate) const TOPICS: &str = "
default commands (type help <topic>):
=====================================
add    exit      open  reload  restart   start   tail   
avail  fg        pid   remove  shutdown  status  update 
clear  maintail  quit  reread  signal    stop    version

";

pub(super) fn run<A: Api, C: Console>(ctl: &mut Controller<A, C>, arg: &str) {
    if arg.is_empty() {
        ctl.write_raw(TOPICS.as_bytes());
        return;
    }
    match super::help_text(arg) {
        Some(text) => ctl.write_raw(text.as_bytes()),
        None => ctl.output(&format!("*** No help on {arg}")),
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::Harness;

    #[test]
    fn topics_and_texts() {
        let mut h = Harness::new();
        let (out, code) = h.run("help");
        assert!(out.starts_with("\ndefault commands (type help <topic>):\n"));
        assert!(out.contains("add    exit      open  reload  restart   start   tail   \n"));
        assert_eq!(code, 0);
        assert_eq!(h.run("?"), (out, 0));
        assert_eq!(
            h.run("help help").0,
            "help\t\tPrint a list of available actions\nhelp <action>\tPrint help for <action>\n"
        );
        assert_eq!(h.run("help quit").0, "quit\tExit the supervisor shell.\n");
        assert_eq!(h.run("help EOF").0, "*** No help on EOF\n");
        assert_eq!(
            h.run("help status start").0,
            "*** No help on status start\n"
        );
        assert!(h.run("?status").0.starts_with("status <name>\t\t"));
    }
}
