//! `status [name...]` (supervisorctl.py `do_status`, `_show_statuses`): every process,
//! or those named by `name`, `group:name`, `group:*`/`group:` (`all` = every one),
//! filtered client-side. Exit 4 for an unknown name or a failed upcheck, 3 when a
//! listed process is STOPPED/EXITED/FATAL/UNKNOWN. Beyond Supervisor: `--json`, and
//! colour for troubled states on a terminal.

use serde_json::json;
use supervisor_model::ProcessState;
use supervisor_proto::v1::ProcessInfo;

use crate::api::{Api, Console};
use crate::controller::Controller;
use crate::error::CallError;
use crate::format::{exit, py_split};
use supervisor_model::namespec;

pub(super) const HELP: &str = "status <name>\t\tGet status for a single process\n\
status <gname>:*\tGet status for all processes in a group\n\
status <name> <name>\tGet status for multiple named processes\n\
status\t\t\tGet all process status info\n";

/// The processes the names select (in name order, duplicates kept, as Python
/// does) and an error line per name that matched nothing.
pub(crate) fn select<'a>(
    infos: &'a [ProcessInfo],
    names: &[&str],
) -> (Vec<&'a ProcessInfo>, Vec<String>) {
    if names.is_empty() || names.contains(&"all") {
        return (infos.iter().collect(), Vec::new());
    }
    let mut matched = Vec::new();
    let mut errors = Vec::new();
    for name in names {
        let (group, process) = namespec::split(name);
        let before = matched.len();
        matched.extend(
            infos
                .iter()
                .filter(|info| info.group == group && process.is_none_or(|p| info.name == p)),
        );
        if matched.len() == before {
            errors.push(match process {
                None => format!("{group}: ERROR (no such group)"),
                Some(_) => format!("{name}: ERROR (no such process)"),
            });
        }
    }
    (matched, errors)
}

/// `_show_statuses`: `%-{W}s%-10s%s` with W = max(30, longest namespec) + 3.
pub(crate) fn status_lines(infos: &[&ProcessInfo], color: bool) -> Vec<String> {
    let namespecs: Vec<String> = infos
        .iter()
        .map(|i| namespec::make(&i.group, &i.name))
        .collect();
    let width = namespecs
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(0)
        .max(30)
        + 3;
    infos
        .iter()
        .zip(&namespecs)
        .map(|(info, ns)| {
            format!(
                "{ns:<width$}{}{}",
                state_cell(&info.statename, color),
                info.description
            )
        })
        .collect()
}

/// The 10-column state name, coloured (padding outside the escape codes) when asked.
fn state_cell(state: &str, color: bool) -> String {
    let code = match state {
        "FATAL" => "1;31",
        "BACKOFF" => "33",
        "EXITED" => "33",
        _ => "",
    };
    if !color || code.is_empty() {
        return format!("{state:<10}");
    }
    let pad = 10usize.saturating_sub(state.chars().count());
    format!("\x1b[{code}m{state}\x1b[0m{}", " ".repeat(pad))
}

/// The exit status for what was listed: 3 if any is in a stopped state.
pub(crate) fn listed_exit(infos: &[&ProcessInfo]) -> Option<i32> {
    infos
        .iter()
        .any(|i| ProcessState::from_code(i.state).is_some_and(ProcessState::is_stopped))
        .then_some(exit::STATUS_NOT_RUNNING)
}

/// `status --json`: one object per listed process.
pub(crate) fn to_json(infos: &[&ProcessInfo]) -> String {
    let list: Vec<serde_json::Value> = infos
        .iter()
        .map(|i| {
            json!({
                "namespec": namespec::make(&i.group, &i.name),
                "group": i.group,
                "name": i.name,
                "state": i.state,
                "statename": i.statename,
                "description": i.description,
                "pid": i.pid,
                "start": i.start,
                "stop": i.stop,
                "now": i.now,
                "exitstatus": i.exitstatus,
                "spawnerr": i.spawnerr,
                "stdout_logfile": i.stdout_logfile,
                "stderr_logfile": i.stderr_logfile,
                "waiting": i.waiting,
                "healthy": i.healthy,
                "status_text": i.status_text,
            })
        })
        .collect();
    serde_json::to_string_pretty(&list).unwrap_or_else(|_| "[]".to_string())
}

pub(super) async fn run<A: Api, C: Console>(
    ctl: &mut Controller<A, C>,
    arg: &str,
) -> Result<(), CallError> {
    if !ctl.upcheck().await? {
        ctl.exit = exit::STATUS_UNKNOWN;
        return Ok(());
    }
    let infos = ctl.api.list_processes().await?;
    let mut names = py_split(arg);
    let json = names.contains(&"--json");
    names.retain(|n| *n != "--json");
    let (matched, errors) = select(&infos, &names);
    for error in &errors {
        // Keep stdout valid JSON for scripts.
        if json {
            ctl.error_line(error);
        } else {
            ctl.output(error);
        }
        ctl.exit = exit::STATUS_UNKNOWN;
    }
    if json {
        ctl.output(&to_json(&matched));
    } else {
        for line in status_lines(&matched, ctl.color) {
            ctl.output(&line);
        }
    }
    if let Some(code) = listed_exit(&matched) {
        ctl.exit = code;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Harness, Reply, info};
    use supervisor_model::{Fault, FaultError};

    fn sample() -> Vec<ProcessInfo> {
        vec![
            info(
                "failer",
                "failer",
                "FATAL",
                "Exited too quickly (process log may have details)",
            ),
            info("grp", "multi_00", "STOPPED", "Not started"),
            info("grp", "multi_01", "STOPPED", "Not started"),
            info("quick", "quick", "EXITED", "Nov 24 08:27 AM"),
            info("sleeper", "sleeper", "RUNNING", "pid 1254, uptime 0:00:09"),
            info("starting", "starting", "STARTING", ""),
        ]
    }

    #[test]
    fn lines_match_supervisor() {
        let infos = sample();
        let (all, errors) = select(&infos, &[]);
        assert!(errors.is_empty());
        let lines = status_lines(&all, false);
        assert_eq!(
            lines[0],
            "failer                           FATAL     Exited too quickly (process log may have details)"
        );
        assert_eq!(
            lines[1],
            "grp:multi_00                     STOPPED   Not started"
        );
        // An empty description keeps the padding.
        assert_eq!(lines[5], format!("{:<33}{:<10}", "starting", "STARTING"));
        assert_eq!(listed_exit(&all), Some(3));
    }

    #[test]
    fn width_grows_with_long_names() {
        let infos = [
            info("a", "a", "RUNNING", "x"),
            info(
                "a_very_long_program_name_that_is_long",
                "a_very_long_program_name_that_is_long",
                "STOPPED",
                "Not started",
            ),
        ];
        let lines = status_lines(&infos.iter().collect::<Vec<_>>(), false);
        assert_eq!(lines[0], format!("{:<40}RUNNING   x", "a"));
        assert_eq!(
            lines[1],
            "a_very_long_program_name_that_is_long   STOPPED   Not started"
        );
    }

    #[test]
    fn selection_and_errors() {
        let infos = sample();
        let (m, e) = select(
            &infos,
            &[
                "grp:*",
                "sleeper",
                "nosuch",
                "nosuch:*",
                "grp:nosuch",
                "grp",
            ],
        );
        let names: Vec<&str> = m.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["multi_00", "multi_01", "sleeper"]);
        assert_eq!(
            e,
            [
                "nosuch: ERROR (no such process)",
                "nosuch: ERROR (no such group)",
                "grp:nosuch: ERROR (no such process)",
                "grp: ERROR (no such process)",
            ]
        );
        let (m, _) = select(&infos, &["sleeper", "sleeper"]);
        assert_eq!(m.len(), 2);
        let (m, _) = select(&infos, &["nosuch", "all"]);
        assert_eq!(m.len(), infos.len());
    }

    #[test]
    fn colour_keeps_the_columns() {
        let infos = sample();
        let lines = status_lines(&[&infos[0]], true);
        assert_eq!(
            lines[0],
            format!(
                "{:<33}\x1b[1;31mFATAL\x1b[0m     Exited too quickly (process log may have details)",
                "failer"
            )
        );
        let running = status_lines(&[&infos[4]], true);
        assert!(!running[0].contains('\x1b'));
    }

    #[test]
    fn exit_codes() {
        let mut h = Harness::new();
        h.reply(Reply::Processes(sample()));
        let (out, code) = h.run("status sleeper");
        assert_eq!(
            out,
            "sleeper                          RUNNING   pid 1254, uptime 0:00:09\n"
        );
        assert_eq!(code, 0);
        h.reply(Reply::Processes(sample()));
        let (out, code) = h.run("status nosuch");
        assert_eq!(out, "nosuch: ERROR (no such process)\n");
        assert_eq!(code, 4);
        // A stopped process listed after an unknown name: 3 wins.
        h.reply(Reply::Processes(sample()));
        let (out, code) = h.run("status nosuch grp:*");
        assert!(out.starts_with("nosuch: ERROR (no such process)\ngrp:multi_00"));
        assert_eq!(code, 3);
    }

    #[test]
    fn upcheck_failures_give_4() {
        let mut h = Harness::new();
        h.state(|| Err(CallError::NoSuchFile));
        let (out, code) = h.run("status");
        assert_eq!(out, "unix:///tmp/test.sock no such file\n");
        assert_eq!(code, 4);
        h.state(|| Err(CallError::Refused));
        let (out, code) = h.run("status");
        assert_eq!(out, "unix:///tmp/test.sock refused connection\n");
        assert_eq!(code, 4);
        h.state(|| Err(CallError::Fault(FaultError::bare(Fault::UnknownMethod))));
        let (out, code) = h.run("status");
        assert!(out.starts_with("Sorry, supervisord responded but did not recognize"));
        assert_eq!(code, 4);
    }

    #[test]
    fn json_output() {
        let mut h = Harness::new();
        h.reply(Reply::Processes(sample()));
        let (out, code) = h.run("status --json sleeper nosuch");
        let value: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(value[0]["namespec"], "sleeper");
        assert_eq!(value[0]["statename"], "RUNNING");
        assert_eq!(value.as_array().unwrap().len(), 1);
        assert_eq!(h.stderr(), "nosuch: ERROR (no such process)\n");
        assert_eq!(code, 4);
    }
}
