//! `remove <group>...` (supervisorctl.py `do_remove`): deactivate stopped groups.

use supervisor_model::Fault;

use crate::api::{Api, Console};
use crate::controller::Controller;
use crate::error::CallError;
use crate::format::{exit, py_split};

pub(super) const HELP: &str = "remove <name> [...]\tRemoves process/group from active config\n";

pub(super) async fn run<A: Api, C: Console>(
    ctl: &mut Controller<A, C>,
    arg: &str,
) -> Result<(), CallError> {
    for name in py_split(arg) {
        match ctl.api.remove_group(name).await {
            Ok(()) => ctl.output(&format!("{name}: removed process group")),
            Err(CallError::Fault(f)) => {
                ctl.exit = exit::GENERIC;
                match f.fault {
                    Fault::StillRunning => {
                        ctl.output(&format!("ERROR: process/group still running: {name}"));
                    }
                    Fault::BadName => ctl.output(&format!("ERROR: no such process/group: {name}")),
                    _ => return Err(CallError::Fault(f)),
                }
            }
            Err(e) => return Err(e),
        }
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
