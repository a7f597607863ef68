//! `restart <name|group:*|all>...` (supervisorctl.py `do_restart`): `stop` then
//! `start` with the same arguments, both outputs, each with its own upcheck.

use super::targets::required;
use super::{start, stop};
use crate::api::{Api, Console};
use crate::controller::Controller;
use crate::error::CallError;
use crate::format::exit;

pub(super) const HELP: &str = "restart <name>\t\tRestart a process\n\
restart <gname>:*\tRestart all processes in a group\n\
restart <name> <name>\tRestart multiple processes or groups\n\
restart all\t\tRestart all processes\n\
Note: restart does not reread config files. For that, see reread and update.\n";

pub(super) async fn run<A: Api, C: Console>(
    ctl: &mut Controller<A, C>,
    arg: &str,
) -> Result<(), CallError> {
    if required(ctl, arg, "restart", exit::GENERIC, HELP)
        .await?
        .is_none()
    {
        return Ok(());
    }
    stop::run(ctl, arg).await?;
    start::run(ctl, arg).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Harness, Reply, fault};
    use supervisor_model::Fault;

    #[test]
    fn stops_then_starts() {
        let mut h = Harness::new();
        h.reply(Reply::Results(vec![]))
            .reply(fault(Fault::BadName, "nosuch"))
            .reply(Reply::Results(vec![]))
            .reply(fault(Fault::BadName, "nosuch"));
        let (out, code) = h.run("restart sleeper nosuch");
        assert_eq!(
            out,
            "sleeper: stopped\nnosuch: ERROR (no such process)\nsleeper: started\nnosuch: ERROR (no such process)\n"
        );
        assert_eq!(code, 1);
        let (out, code) = h.run("restart");
        assert_eq!(
            out,
            format!("Error: restart requires a process name\n{HELP}")
        );
        assert_eq!(code, 1);
    }
}
