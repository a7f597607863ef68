//! `reread` (supervisorctl.py `do_reread`, `_formatChanges`): what changed in the
//! config file, one `<group>: available|changed|disappeared` line per group sorted by
//! name, applying nothing.

use supervisor_model::Fault;
use supervisor_proto::v1::RereadResponse;

use super::reject_arguments;
use crate::api::{Api, Console};
use crate::controller::Controller;
use crate::error::CallError;
use crate::format::exit;

pub(super) const HELP: &str =
    "reread \t\t\tReload the daemon's configuration files without add/remove\n";

/// `_formatChanges`. A group in several lists keeps the last word (Python builds a
/// dict in the order added, changed, removed).
pub(crate) fn change_lines(r: &RereadResponse) -> Vec<String> {
    let mut changes: std::collections::BTreeMap<&str, &str> = Default::default();
    for (names, word) in [
        (&r.added, "available"),
        (&r.changed, "changed"),
        (&r.removed, "disappeared"),
    ] {
        for name in names {
            changes.insert(name, word);
        }
    }
    if changes.is_empty() {
        return vec!["No config updates to processes".to_string()];
    }
    changes
        .into_iter()
        .map(|(name, word)| format!("{name}: {word}"))
        .collect()
}

pub(super) async fn run<A: Api, C: Console>(
    ctl: &mut Controller<A, C>,
    arg: &str,
) -> Result<(), CallError> {
    if reject_arguments(ctl, "reread", arg, HELP) {
        return Ok(());
    }
    match ctl.api.reread().await {
        Ok(r) => {
            for line in change_lines(&r) {
                ctl.output(&line);
            }
        }
        Err(CallError::Fault(f)) => {
            ctl.exit = exit::GENERIC;
            match f.fault {
                Fault::ShutdownState => ctl.output("ERROR: supervisor shutting down"),
                Fault::CantReread => ctl.output(&format!("ERROR: {}", f.text)),
                _ => return Err(CallError::Fault(f)),
            }
        }
        Err(e) => return Err(e),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Harness, Reply, fault};

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn lines() {
        let r = RereadResponse {
            added: names(&["newprog", "quick2"]),
            changed: names(&["a_long"]),
            removed: names(&["quick"]),
        };
        assert_eq!(
            change_lines(&r),
            [
                "a_long: changed",
                "newprog: available",
                "quick: disappeared",
                "quick2: available"
            ]
        );
        assert_eq!(
            change_lines(&RereadResponse::default()),
            ["No config updates to processes"]
        );
    }

    #[test]
    fn errors() {
        let mut h = Harness::new();
        h.reply(fault(Fault::CantReread, "bad config"));
        assert_eq!(
            h.run("reread"),
            ("ERROR: CANT_REREAD: bad config\n".into(), 1)
        );
        h.reply(fault(Fault::ShutdownState, ""));
        assert_eq!(
            h.run("reread"),
            ("ERROR: supervisor shutting down\n".into(), 1)
        );
        h.reply(Reply::Reread(RereadResponse::default()));
        assert_eq!(
            h.run("reread"),
            ("No config updates to processes\n".into(), 0)
        );
        let (out, code) = h.run("reread x");
        assert_eq!(out, format!("Error: reread accepts no arguments\n{HELP}"));
        assert_eq!(code, 1);
    }
}
