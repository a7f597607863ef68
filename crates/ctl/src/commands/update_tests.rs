//! `update` against a scripted server: the one call it makes, Python's lines for what
//! was applied, the dry run's lines, and the faults.

use super::*;
use crate::testing::{Call, Harness, Reply, fault};

fn group(name: &str, kind: Kind, processes: Vec<ProcessUpdate>) -> GroupUpdate {
    GroupUpdate {
        name: name.into(),
        kind: kind as i32,
        fields: vec![],
        processes,
        problems: vec![],
    }
}

fn process(name: &str, action: Action, fields: &[&str], start: bool) -> ProcessUpdate {
    ProcessUpdate {
        name: name.into(),
        action: action as i32,
        fields: fields.iter().map(|f| f.to_string()).collect(),
        start,
    }
}

fn report() -> UpdateResponse {
    UpdateResponse {
        unknown: vec![],
        groups: vec![
            group(
                "quick",
                Kind::Removed,
                vec![process("quick", Action::Remove, &[], false)],
            ),
            group(
                "web",
                Kind::Changed,
                vec![
                    process("web:web_0", Action::Restart, &["command"], true),
                    process("web:web_1", Action::Live, &["startsecs"], false),
                    process("web:web_2", Action::Add, &[], true),
                    process("web:web_3", Action::Remove, &[], false),
                ],
            ),
            group(
                "newprog",
                Kind::Added,
                vec![process("newprog", Action::Add, &[], false)],
            ),
        ],
    }
}

#[test]
fn one_call_and_pythons_lines() {
    let mut h = Harness::new();
    h.reply(Reply::Update(report()));
    let (out, code) = h.run("update");
    assert_eq!(
        out,
        "quick: stopped\nquick: removed process group\nweb: stopped\nweb: updated process group\nnewprog: added process group\n"
    );
    assert_eq!(code, 0);
    assert_eq!(h.calls(), [Call::Update(false, vec![])]);
}

#[test]
fn named_groups_unknown_names_and_problems() {
    let mut h = Harness::new();
    let mut r = report();
    r.unknown = vec!["nosuch".into()];
    r.groups[0].problems = vec!["quick".into()];
    r.groups.truncate(1);
    h.reply(Reply::Update(r));
    let (out, code) = h.run("update nosuch quick nosuch");
    assert_eq!(
        out,
        "ERROR: no such group: nosuch\nquick: stopped\nquick: has problems; not removing\n"
    );
    assert_eq!(code, 1);
    assert_eq!(
        h.calls(),
        [Call::Update(false, vec!["nosuch".into(), "quick".into()])]
    );
    h.reply(Reply::Update(UpdateResponse::default()));
    assert_eq!(h.run("update all quick"), (String::new(), 0));
    assert_eq!(h.calls(), [Call::Update(false, vec![])]);
}

#[test]
fn dry_run_says_what_would_happen_per_process() {
    let mut h = Harness::new();
    let mut r = report();
    r.groups[1].fields = vec!["priority".into()];
    h.reply(Reply::Update(r));
    let (out, code) = h.run("update --dry-run web");
    assert_eq!(
        out,
        "quick: would be stopped and removed\n  quick: would be stopped and removed\n\
         web: would be updated, applying priority in place\n\
         \x20 web:web_0: would restart (command)\n\
         \x20 web:web_1: would change in place (startsecs), keeps running\n\
         \x20 web:web_2: would be added and started\n\
         \x20 web:web_3: would be stopped and removed\n\
         newprog: would be added\n  newprog: would be added\n"
    );
    assert_eq!(code, 0);
    assert_eq!(h.calls(), [Call::Update(true, vec!["web".into()])]);
    h.reply(Reply::Update(UpdateResponse::default()));
    assert_eq!(
        h.run("update --dry-run"),
        ("No config updates to processes\n".into(), 0)
    );
}

#[test]
fn faults_as_python_reports_them() {
    let mut h = Harness::new();
    h.reply(fault(Fault::ShutdownState, ""));
    assert_eq!(
        h.run("update"),
        ("ERROR: already shutting down\n".into(), 1)
    );
    h.reply(fault(Fault::CantReread, "x"));
    let (out, code) = h.run("update");
    assert!(out.starts_with("error: <class 'xmlrpc.client.Fault'>, <Fault 92: 'CANT_REREAD: x'>"));
    assert_eq!(code, 1);
}
