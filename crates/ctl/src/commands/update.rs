//! `update [all|group...]` (supervisorctl.py `do_update`), orchestrated client-side
//! as Python does: re-read, then for each removed group stop and remove it, for each
//! changed group stop, remove and re-add it, and add each new group, limited to the
//! named groups if any. Faults in the middle are not handled (Python lets them out).

use std::collections::HashSet;

use supervisor_model::Fault;

use crate::api::{Api, Console, Target};
use crate::controller::Controller;
use crate::error::CallError;
use crate::format::{exit, py_split};

pub(super) const HELP: &str = "update\t\t\tReload config and add/remove as necessary, and will restart affected programs\n\
update all\t\tReload config and add/remove as necessary, and will restart affected programs\n\
update <gname> [...]\tUpdate specific groups\n";

/// The groups the arguments name: none (= every group) for no argument or `all`;
/// duplicates dropped, first-seen order (Python uses a set; its order is arbitrary).
pub(crate) fn wanted(arg: &str) -> Vec<&str> {
    let mut seen = HashSet::new();
    let names: Vec<&str> = py_split(arg)
        .into_iter()
        .filter(|n| seen.insert(*n))
        .collect();
    if names.contains(&"all") {
        Vec::new()
    } else {
        names
    }
}

pub(super) async fn run<A: Api, C: Console>(
    ctl: &mut Controller<A, C>,
    arg: &str,
) -> Result<(), CallError> {
    let changes = match ctl.api.reread().await {
        Ok(changes) => changes,
        Err(e) => {
            if e.fault().is_some() {
                ctl.exit = exit::GENERIC;
            }
            if e.is(Fault::ShutdownState) {
                ctl.output("ERROR: already shutting down");
                return Ok(());
            }
            return Err(e);
        }
    };
    let wanted = wanted(arg);
    if !wanted.is_empty() {
        let mut groups: HashSet<String> = ctl
            .api
            .list_processes()
            .await?
            .into_iter()
            .map(|info| info.group)
            .collect();
        groups.extend(changes.added.iter().cloned());
        for name in &wanted {
            if !groups.contains(*name) {
                ctl.output(&format!("ERROR: no such group: {name}"));
                ctl.exit = exit::GENERIC;
            }
        }
    }
    let selected = |group: &str| wanted.is_empty() || wanted.contains(&group);

    for group in changes.removed.iter().filter(|g| selected(g)) {
        let results = ctl.api.stop(Target::Group(group.clone())).await?;
        ctl.output(&format!("{group}: stopped"));
        if results.iter().any(|r| r.status == Fault::Failed.code()) {
            ctl.output(&format!("{group}: has problems; not removing"));
            ctl.exit = exit::GENERIC;
            continue;
        }
        ctl.api.remove_group(group).await?;
        ctl.output(&format!("{group}: removed process group"));
    }
    for group in changes.changed.iter().filter(|g| selected(g)) {
        ctl.api.stop(Target::Group(group.clone())).await?;
        ctl.output(&format!("{group}: stopped"));
        ctl.api.remove_group(group).await?;
        ctl.api.add_group(group).await?;
        ctl.output(&format!("{group}: updated process group"));
    }
    for group in changes.added.iter().filter(|g| selected(g)) {
        ctl.api.add_group(group).await?;
        ctl.output(&format!("{group}: added process group"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Call, Harness, Reply, fault, info, result};
    use supervisor_proto::v1::RereadResponse;

    fn changes() -> RereadResponse {
        RereadResponse {
            added: vec!["newprog".into(), "quick2".into()],
            changed: vec!["long".into()],
            removed: vec!["quick".into()],
        }
    }

    #[test]
    fn applies_everything_in_python_order() {
        let mut h = Harness::new();
        h.reply(Reply::Reread(changes()))
            .reply(Reply::Results(vec![result(
                "quick",
                "quick",
                Fault::NotRunning,
            )]))
            .reply(Reply::Unit)
            .reply(Reply::Results(vec![]))
            .reply(Reply::Unit)
            .reply(Reply::Unit)
            .reply(Reply::Unit)
            .reply(Reply::Unit);
        let (out, code) = h.run("update");
        assert_eq!(
            out,
            "quick: stopped\nquick: removed process group\nlong: stopped\nlong: updated process group\nnewprog: added process group\nquick2: added process group\n"
        );
        assert_eq!(code, 0);
        assert_eq!(
            h.calls(),
            [
                Call::Reread,
                Call::Stop(Target::Group("quick".into())),
                Call::RemoveGroup("quick".into()),
                Call::Stop(Target::Group("long".into())),
                Call::RemoveGroup("long".into()),
                Call::AddGroup("long".into()),
                Call::AddGroup("newprog".into()),
                Call::AddGroup("quick2".into()),
            ]
        );
    }

    #[test]
    fn named_groups_and_problems() {
        let mut h = Harness::new();
        h.reply(Reply::Reread(changes()))
            .reply(Reply::Processes(vec![info(
                "quick", "quick", "RUNNING", "",
            )]))
            .reply(Reply::Results(vec![result(
                "quick",
                "quick",
                Fault::Failed,
            )]))
            .reply(Reply::Unit);
        let (out, code) = h.run("update nosuch quick newprog nosuch");
        assert_eq!(
            out,
            "ERROR: no such group: nosuch\nquick: stopped\nquick: has problems; not removing\nnewprog: added process group\n"
        );
        assert_eq!(code, 1);
        h.reply(Reply::Reread(RereadResponse::default()));
        assert_eq!(h.run("update all"), (String::new(), 0));
        h.reply(fault(Fault::ShutdownState, ""));
        assert_eq!(
            h.run("update"),
            ("ERROR: already shutting down\n".into(), 1)
        );
        h.reply(fault(Fault::CantReread, "x"));
        let (out, code) = h.run("update");
        assert!(
            out.starts_with("error: <class 'xmlrpc.client.Fault'>, <Fault 92: 'CANT_REREAD: x'>")
        );
        assert_eq!(code, 1);
    }
}
