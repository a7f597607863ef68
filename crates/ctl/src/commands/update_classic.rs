//! `update` against a server without our `Update` call (Python's supervisord, or any
//! server reached over XML-RPC): Python's client-side sequence (supervisorctl.py
//! `DefaultControllerPlugin.do_update`). Re-read the config; check the named groups
//! against the running ones and the new ones; then stop and remove each removed
//! group (unless a process failed to stop), stop, remove and add back each changed
//! group, add each new group. Every line is printed as soon as its step is done, so
//! a failure half-way leaves the same output as Python's.

use supervisor_model::Fault;

use crate::api::{Api, Console, Target};
use crate::controller::Controller;
use crate::error::CallError;
use crate::format::exit;

/// Runs the sequence for `wanted` (empty: every group).
pub(super) async fn run<A: Api, C: Console>(
    ctl: &mut Controller<A, C>,
    wanted: &[String],
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
    if !wanted.is_empty() {
        let mut known: Vec<String> = ctl
            .api
            .list_processes()
            .await?
            .into_iter()
            .map(|i| i.group)
            .collect();
        known.extend(changes.added.iter().cloned());
        for name in wanted.iter().filter(|n| !known.contains(n)) {
            ctl.output(&format!("ERROR: no such group: {name}"));
            ctl.exit = exit::GENERIC;
        }
    }
    let chosen = |name: &String| wanted.is_empty() || wanted.contains(name);
    for name in changes.removed.iter().filter(|n| chosen(n)) {
        let results = ctl.api.stop(Target::Group(name.clone())).await?;
        ctl.output(&format!("{name}: stopped"));
        if results.iter().any(|r| r.status == Fault::Failed.code()) {
            ctl.output(&format!("{name}: has problems; not removing"));
            ctl.exit = exit::GENERIC;
            continue;
        }
        ctl.api.remove_group(name).await?;
        ctl.output(&format!("{name}: removed process group"));
    }
    for name in changes.changed.iter().filter(|n| chosen(n)) {
        ctl.api.stop(Target::Group(name.clone())).await?;
        ctl.output(&format!("{name}: stopped"));
        ctl.api.remove_group(name).await?;
        ctl.api.add_group(name).await?;
        ctl.output(&format!("{name}: updated process group"));
    }
    for name in changes.added.iter().filter(|n| chosen(n)) {
        ctl.api.add_group(name).await?;
        ctl.output(&format!("{name}: added process group"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::api::Target;
    use crate::testing::{Call, Harness, Reply, fault, result};
    use supervisor_model::Fault;
    use supervisor_proto::v1;

    fn changes(added: &[&str], changed: &[&str], removed: &[&str]) -> Reply {
        let list = |l: &[&str]| l.iter().map(|s| s.to_string()).collect();
        Reply::Reread(v1::RereadResponse {
            added: list(added),
            changed: list(changed),
            removed: list(removed),
        })
    }

    #[test]
    fn removes_replaces_and_adds_like_python() {
        let mut h = Harness::new();
        h.reply(Reply::Err(crate::error::CallError::NotOffered(
            "update --dry-run",
        )));
        h.reply(changes(&["new"], &["chg"], &["old", "stuck"]));
        h.reply(Reply::Results(vec![result("old", "old", Fault::Success)]));
        h.reply(Reply::Unit);
        h.reply(Reply::Results(vec![result("stuck", "s", Fault::Failed)]));
        h.reply(Reply::Results(vec![]));
        h.reply(Reply::Unit);
        h.reply(Reply::Unit);
        h.reply(Reply::Unit);
        let (out, code) = h.run("update");
        assert_eq!(
            out,
            "old: stopped\nold: removed process group\nstuck: stopped\n\
             stuck: has problems; not removing\nchg: stopped\nchg: updated process group\n\
             new: added process group\n"
        );
        assert_eq!(code, 1);
        assert_eq!(
            h.calls(),
            [
                Call::Update(false, vec![]),
                Call::Reread,
                Call::Stop(Target::Group("old".into())),
                Call::RemoveGroup("old".into()),
                Call::Stop(Target::Group("stuck".into())),
                Call::Stop(Target::Group("chg".into())),
                Call::RemoveGroup("chg".into()),
                Call::AddGroup("chg".into()),
                Call::AddGroup("new".into()),
            ]
        );
    }

    #[test]
    fn named_groups_are_checked_and_filtered() {
        let mut h = Harness::new();
        h.reply(Reply::Err(crate::error::CallError::NotOffered(
            "update --dry-run",
        )));
        h.reply(changes(&["new"], &["chg"], &[]));
        h.reply(Reply::Processes(vec![crate::testing::info(
            "chg", "chg", "RUNNING", "",
        )]));
        h.reply(Reply::Unit);
        let (out, code) = h.run("update new nosuch");
        assert_eq!(
            out,
            "ERROR: no such group: nosuch\nnew: added process group\n"
        );
        assert_eq!(code, 1);
        h.reply(Reply::Err(crate::error::CallError::NotOffered(
            "update --dry-run",
        )));
        h.reply(fault(Fault::ShutdownState, ""));
        assert_eq!(
            h.run("update"),
            ("ERROR: already shutting down\n".into(), 1)
        );
    }
}
