//! `reopen` (beyond Supervisor): reopen the main log and every child's log files, as
//! SIGUSR2 does — for an external logrotate that may talk to the socket but not
//! signal supervisord. Prints `reopened log files`; not listed in `help`'s table
//! (which stays Supervisor's), `help reopen` describes it.

use super::print_help;
use crate::api::{Api, Console};
use crate::controller::Controller;
use crate::error::CallError;
use crate::format::exit;

pub(super) const HELP: &str =
    "reopen\t\tReopen supervisord's and every process's log files (as SIGUSR2 does)\n";

pub(super) async fn run<A: Api, C: Console>(
    ctl: &mut Controller<A, C>,
    arg: &str,
) -> Result<(), CallError> {
    if !arg.is_empty() {
        ctl.output("Error: reopen accepts no arguments");
        ctl.exit = exit::GENERIC;
        print_help(ctl, HELP);
        return Ok(());
    }
    if !ctl.upcheck().await? {
        return Ok(());
    }
    ctl.api.reopen_logs().await?;
    ctl.output("reopened log files");
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::testing::{Call, Harness, Reply};

    #[test]
    fn reopens_or_refuses_arguments() {
        let mut h = Harness::new();
        h.reply(Reply::Unit);
        assert_eq!(h.run("reopen"), ("reopened log files\n".into(), 0));
        assert_eq!(h.calls(), [Call::ReopenLogs]);
        let (out, code) = h.run("reopen now");
        assert!(out.starts_with("Error: reopen accepts no arguments\nreopen\t"));
        assert_eq!(code, 1);
    }
}
