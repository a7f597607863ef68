//! `add <group>...` (supervisorctl.py `do_add`): activate groups from the re-read
//! config. An already active group is reported but is not a failure.

use supervisor_model::Fault;

use crate::api::{Api, Console};
use crate::controller::Controller;
use crate::error::CallError;
use crate::format::{exit, py_split};

pub(super) const HELP: &str =
    "add <name> [...]\tActivates any updates in config for process/group\n";

pub(super) async fn run<A: Api, C: Console>(
    ctl: &mut Controller<A, C>,
    arg: &str,
) -> Result<(), CallError> {
    for name in py_split(arg) {
        match ctl.api.add_group(name).await {
            Ok(()) => ctl.output(&format!("{name}: added process group")),
            Err(CallError::Fault(f)) => match f.fault {
                Fault::ShutdownState => {
                    ctl.output("ERROR: shutting down");
                    ctl.exit = exit::GENERIC;
                }
                Fault::AlreadyAdded => ctl.output("ERROR: process group already active"),
                Fault::BadName => {
                    ctl.output(&format!("ERROR: no such process/group: {name}"));
                    ctl.exit = exit::GENERIC;
                }
                _ => return Err(CallError::Fault(f)),
            },
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
