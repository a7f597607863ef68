//! `version` (supervisorctl.py `do_version`): the server's Supervisor version.

use super::reject_arguments;
use crate::api::{Api, Console};
use crate::controller::Controller;
use crate::error::CallError;

pub(super) const HELP: &str = "version\t\t\tShow the version of the remote supervisord process\n";

pub(super) async fn run<A: Api, C: Console>(
    ctl: &mut Controller<A, C>,
    arg: &str,
) -> Result<(), CallError> {
    if reject_arguments(ctl, "version", arg, HELP) {
        return Ok(());
    }
    if !ctl.upcheck().await? {
        return Ok(());
    }
    let state = ctl.api.get_state().await?;
    ctl.output(&state.supervisor_version);
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::testing::{Harness, running_state};

    #[test]
    fn prints_and_checks_api() {
        let mut h = Harness::new();
        assert_eq!(h.run("version"), ("4.3.0\n".into(), 0));
        h.state(|| {
            Ok(supervisor_proto::v1::GetStateResponse {
                api_version: "2.0".into(),
                ..running_state()
            })
        });
        assert_eq!(
            h.run("version"),
            (
                "Sorry, this version of supervisorctl expects to talk to a server with API version 3.0, but the remote version is 2.0.\n"
                    .into(),
                5
            )
        );
    }
}
