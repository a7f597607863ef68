//! `add <group>...` (supervisorctl.py `do_add`): activate groups from the re-read
//! config. An already active group is reported but is not a failure.

use supervisor_model::Fault;

use super::targets::{GroupRpc, each_group};
use crate::api::{Api, Console};
use crate::controller::Controller;
use crate::error::CallError;

pub(super) const HELP: &str =
    "add <name> [...]\tActivates any updates in config for process/group\n";

pub(super) async fn run<A: Api, C: Console>(
    ctl: &mut Controller<A, C>,
    arg: &str,
) -> Result<(), CallError> {
    each_group(ctl, arg, GroupRpc::Add, "added process group", fault_line).await
}

/// A fault's line and whether it fails the command; `None` for one Python re-raises.
fn fault_line(fault: Fault, name: &str) -> Option<(String, bool)> {
    match fault {
        Fault::ShutdownState => Some(("ERROR: shutting down".into(), true)),
        Fault::AlreadyAdded => Some(("ERROR: process group already active".into(), false)),
        Fault::BadName => Some((format!("ERROR: no such process/group: {name}"), true)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Harness, Reply, fault};

    #[test]
    fn outcomes() {
        let mut h = Harness::new();
        h.reply(Reply::Unit)
            .reply(fault(Fault::AlreadyAdded, "b"))
            .reply(fault(Fault::BadName, "c"));
        assert_eq!(
            h.run("add a b c"),
            (
                "a: added process group\nERROR: process group already active\nERROR: no such process/group: c\n"
                    .into(),
                1
            )
        );
        assert_eq!(h.run("add"), (String::new(), 0));
    }
}
