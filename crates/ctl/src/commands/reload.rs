//! `reload` (supervisorctl.py `do_reload`): restart supervisord; the interactive
//! shell asks first.

use supervisor_model::Fault;

use super::confirmed;
use crate::api::{Api, Console};
use crate::controller::Controller;
use crate::error::CallError;
use crate::format::exit;

pub(super) const HELP: &str = "reload \t\tRestart the remote supervisord.\n";

pub(super) async fn run<A: Api, C: Console>(
    ctl: &mut Controller<A, C>,
    arg: &str,
) -> Result<(), CallError> {
    let question = "Really restart the remote supervisord process y/N? ";
    if !confirmed(ctl, "reload", arg, HELP, question).await? {
        return Ok(());
    }
    match ctl.api.reload().await {
        Ok(()) => ctl.output("Restarted supervisord"),
        Err(CallError::Fault(f)) => {
            ctl.exit = exit::GENERIC;
            if f.fault != Fault::ShutdownState {
                return Err(CallError::Fault(f));
            }
            ctl.output("ERROR: already shutting down");
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
        assert_eq!(h.run("reload"), ("Restarted supervisord\n".into(), 0));
        h.reply(fault(Fault::ShutdownState, ""));
        assert_eq!(
            h.run("reload"),
            ("ERROR: already shutting down\n".into(), 1)
        );
        let (out, code) = h.run("reload now");
        assert_eq!(out, format!("Error: reload accepts no arguments\n{HELP}"));
        assert_eq!(code, 1);
    }

    #[test]
    fn asks_when_interactive() {
        let mut h = Harness::new();
        h.interactive();
        h.typed(Some("no"));
        assert_eq!(
            h.run("reload"),
            (
                "Really restart the remote supervisord process y/N? ".into(),
                0
            )
        );
        h.typed(Some("Yes"));
        h.reply(Reply::Unit);
        assert_eq!(
            h.run("reload"),
            (
                "Really restart the remote supervisord process y/N? Restarted supervisord\n".into(),
                0
            )
        );
        h.typed(None);
        let (out, code) = h.run("reload");
        assert!(out.ends_with("y/N? error: <class 'EOFError'>, EOF when reading a line: file: supervisor/supervisorctl.py line: 1027\n"));
        assert_eq!(code, 1);
    }
}
