//! `update [all|group...]` (supervisorctl.py `do_update`). Python orchestrates it
//! client-side (reloadConfig, then stop + remove / stop + remove + add / add per
//! group), restarting every process of a changed group. We make one `Update` call and
//! supervisord applies the new config per process, restarting only what a
//! restart-relevant change needs; the lines printed stay Python's, group by group
//! (`<g>: stopped` included for every removed or changed group, as Python prints it,
//! so scripts reading the output see no difference).
//!
//! Beyond Supervisor: `update --dry-run [group...]` prints what would be done, per
//! process, and changes nothing. A server without `Update` (one reached over
//! XML-RPC) gets Python's client-side sequence instead (`update_classic`).

use std::collections::HashSet;

use supervisor_model::Fault;
use supervisor_proto::v1::group_update::Kind;
use supervisor_proto::v1::process_update::Action;
use supervisor_proto::v1::{GroupUpdate, ProcessUpdate, UpdateResponse};

use crate::api::{Api, Console};
use crate::controller::Controller;
use crate::error::CallError;
use crate::format::{exit, py_split};

pub(super) const HELP: &str = "update\t\t\tReload config and add/remove as necessary, and will restart affected programs\n\
update all\t\tReload config and add/remove as necessary, and will restart affected programs\n\
update <gname> [...]\tUpdate specific groups\n";

const DRY_RUN: &str = "--dry-run";

/// The groups the arguments name: none (= every group) for no argument or `all`;
/// duplicates dropped, first-seen order (Python uses a set; its order is arbitrary).
pub(crate) fn wanted(words: &[&str]) -> Vec<String> {
    let mut seen = HashSet::new();
    let names: Vec<String> = words
        .iter()
        .filter(|n| seen.insert(**n))
        .map(|n| n.to_string())
        .collect();
    if names.iter().any(|n| n == "all") {
        Vec::new()
    } else {
        names
    }
}

/// Python's lines for an applied update, each with whether it is a failure.
pub(crate) fn applied_lines(r: &UpdateResponse) -> Vec<(String, bool)> {
    let mut lines: Vec<(String, bool)> = r
        .unknown
        .iter()
        .map(|g| (format!("ERROR: no such group: {g}"), true))
        .collect();
    for g in &r.groups {
        let name = &g.name;
        match g.kind() {
            Kind::Removed => {
                lines.push((format!("{name}: stopped"), false));
                if g.problems.is_empty() {
                    lines.push((format!("{name}: removed process group"), false));
                } else {
                    lines.push((format!("{name}: has problems; not removing"), true));
                }
            }
            Kind::Replaced | Kind::Changed => {
                lines.push((format!("{name}: stopped"), false));
                for p in &g.problems {
                    lines.push((format!("{p}: has problems; not updated"), true));
                }
                lines.push((format!("{name}: updated process group"), false));
            }
            Kind::Added => lines.push((format!("{name}: added process group"), false)),
            Kind::Unspecified => {}
        }
    }
    lines
}

/// `update --dry-run`: what would happen, a line per group and, indented, a line
/// per process it touches (unlisted processes are left running as they are).
pub(crate) fn dry_run_lines(r: &UpdateResponse) -> Vec<String> {
    let mut lines: Vec<String> = r
        .unknown
        .iter()
        .map(|g| format!("ERROR: no such group: {g}"))
        .collect();
    if r.groups.is_empty() && r.unknown.is_empty() {
        lines.push("No config updates to processes".to_string());
    }
    for g in &r.groups {
        lines.push(group_line(g));
        lines.extend(g.processes.iter().map(|p| format!("  {}", process_line(p))));
    }
    lines
}

fn fields(f: &[String]) -> String {
    if f.is_empty() {
        String::new()
    } else {
        format!(" ({})", f.join(", "))
    }
}

fn group_line(g: &GroupUpdate) -> String {
    let name = &g.name;
    match g.kind() {
        Kind::Removed => format!("{name}: would be stopped and removed"),
        Kind::Replaced => format!(
            "{name}: would be stopped, removed and added again{}",
            fields(&g.fields)
        ),
        Kind::Changed if g.fields.is_empty() => format!("{name}: would be updated"),
        Kind::Changed => format!(
            "{name}: would be updated, applying {} in place",
            g.fields.join(", ")
        ),
        Kind::Added => format!("{name}: would be added"),
        Kind::Unspecified => format!("{name}: ?"),
    }
}

fn process_line(p: &ProcessUpdate) -> String {
    let name = &p.name;
    let f = fields(&p.fields);
    match (p.action(), p.start) {
        (Action::Restart, true) => format!("{name}: would restart{f}"),
        (Action::Restart, false) => format!("{name}: would be replaced, not started{f}"),
        (Action::Add, true) => format!("{name}: would be added and started"),
        (Action::Add, false) => format!("{name}: would be added"),
        (Action::Remove, _) => format!("{name}: would be stopped and removed"),
        (Action::Live, true) => format!("{name}: would change in place{f}, then start"),
        (Action::Live, false) => format!("{name}: would change in place{f}, keeps running"),
        (Action::Unspecified, _) => format!("{name}: ?"),
    }
}

pub(super) async fn run<A: Api, C: Console>(
    ctl: &mut Controller<A, C>,
    arg: &str,
) -> Result<(), CallError> {
    let mut words = py_split(arg);
    let dry_run = words.contains(&DRY_RUN);
    words.retain(|w| *w != DRY_RUN);
    let report = match ctl.api.update(dry_run, wanted(&words)).await {
        Ok(report) => report,
        // A server reached over XML-RPC: Python's own sequence of calls.
        Err(CallError::NotOffered(_)) if !dry_run => {
            return super::update_classic::run(ctl, &wanted(&words)).await;
        }
        Err(e) => {
            if e.fault().is_some() {
                ctl.exit = exit::GENERIC;
            }
            if e.is(Fault::ShutdownState) {
                ctl.output("ERROR: already shutting down");
                return Ok(());
            }
            // CANT_REREAD and the rest escape as Python's do (its `do_update` does
            // not catch the reloadConfig fault).
            return Err(e);
        }
    };
    if dry_run {
        for line in dry_run_lines(&report) {
            ctl.output(&line);
        }
        if !report.unknown.is_empty() {
            ctl.exit = exit::GENERIC;
        }
        return Ok(());
    }
    for (line, failed) in applied_lines(&report) {
        ctl.output(&line);
        if failed {
            ctl.exit = exit::GENERIC;
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "update_tests.rs"]
mod tests;
