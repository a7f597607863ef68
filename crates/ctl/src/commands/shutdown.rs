//! `shutdown` (supervisorctl.py `do_shutdown`): stop supervisord; the interactive
//! shell asks first. A server that is already gone is reported, exit 1; one that is
//! already shutting down is reported, exit status unchanged (as in Python).

use supervisor_model::Fault;

use super::confirmed;
use crate::api::{Api, Console};
use crate::controller::Controller;
use crate::error::CallError;
use crate::format::exit;

pub(super) const HELP: &str = "shutdown \tShut the remote supervisord down.\n";

pub(super) async fn run<A: Api, C: Console>(
    ctl: &mut Controller<A, C>,
    arg: &str,
) -> Result<(), CallError> {
    let question = "Really shut the remote supervisord process down y/N? ";
    if !confirmed(ctl, "shutdown", arg, HELP, question).await? {
        return Ok(());
    }
    let url = ctl.server.serverurl.clone();
    match ctl.api.shutdown().await {
        Ok(()) => ctl.output("Shut down"),
        Err(e) if e.is(Fault::ShutdownState) => ctl.output("ERROR: already shutting down"),
        Err(CallError::Refused) => {
            ctl.exit = exit::GENERIC;
            ctl.output(&format!(
                "ERROR: {url} refused connection (already shut down?)"
            ));
        }
        Err(CallError::NoSuchFile) => {
            ctl.exit = exit::GENERIC;
            ctl.output(&format!("ERROR: {url} no such file (already shut down?)"));
        }
        Err(e) => return Err(e),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Harness, Reply, fault};

    #[test]
    fn outcomes() {
        let mut h = Harness::new();
        h.reply(Reply::Unit);
        assert_eq!(h.run("shutdown"), ("Shut down\n".into(), 0));
        h.reply(fault(Fault::ShutdownState, ""));
        assert_eq!(
            h.run("shutdown"),
            ("ERROR: already shutting down\n".into(), 0)
        );
        h.reply(Reply::Err(CallError::NoSuchFile));
        assert_eq!(
            h.run("shutdown"),
            (
                "ERROR: unix:///tmp/test.sock no such file (already shut down?)\n".into(),
                1
            )
        );
        h.reply(Reply::Err(CallError::Refused));
        assert_eq!(
            h.run("shutdown"),
            (
                "ERROR: unix:///tmp/test.sock refused connection (already shut down?)\n".into(),
                1
            )
        );
        let (out, code) = h.run("shutdown x");
        assert_eq!(out, format!("Error: shutdown accepts no arguments\n{HELP}"));
        assert_eq!(code, 1);
        h.interactive();
        h.typed(Some("n"));
        assert_eq!(
            h.run("shutdown"),
            (
                "Really shut the remote supervisord process down y/N? ".into(),
                0
            )
        );
    }
}
