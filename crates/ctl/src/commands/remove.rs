//! `remove <group>...` (supervisorctl.py `do_remove`): deactivate stopped groups.

use supervisor_model::Fault;

use super::targets::{GroupRpc, each_group};
use crate::api::{Api, Console};
use crate::controller::Controller;
use crate::error::CallError;

pub(super) const HELP: &str = "remove <name> [...]\tRemoves process/group from active config\n";

pub(super) async fn run<A: Api, C: Console>(
    ctl: &mut Controller<A, C>,
    arg: &str,
) -> Result<(), CallError> {
    each_group(
        ctl,
        arg,
        GroupRpc::Remove,
        "removed process group",
        fault_line,
    )
    .await
}

/// A fault's line (each fails the command); `None` for one Python re-raises.
fn fault_line(fault: Fault, name: &str) -> Option<(String, bool)> {
    let line = match fault {
        Fault::StillRunning => format!("ERROR: process/group still running: {name}"),
        Fault::BadName => format!("ERROR: no such process/group: {name}"),
        _ => return None,
    };
    Some((line, true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Harness, Reply, fault};

    #[test]
    fn outcomes() {
        let mut h = Harness::new();
        h.reply(Reply::Unit)
            .reply(fault(Fault::StillRunning, "b"))
            .reply(fault(Fault::BadName, "c"));
        assert_eq!(
            h.run("remove a b c"),
            (
                "a: removed process group\nERROR: process/group still running: b\nERROR: no such process/group: c\n"
                    .into(),
                1
            )
        );
    }
}
