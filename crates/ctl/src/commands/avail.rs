//! `avail` (supervisorctl.py `do_avail`, `_formatConfigInfo`): every configured
//! process, `%-32s %-9s %-9s %s` of namespec, `in use`/`avail`, `auto`/`manual` and
//! `group_prio:process_prio`. Beyond Supervisor: `avail --json`.

use serde_json::json;
use supervisor_model::Fault;
use supervisor_proto::v1::ProcessConfig;

use super::reject_arguments;
use crate::api::{Api, Console};
use crate::controller::Controller;
use crate::error::CallError;
use crate::format::exit;
use supervisor_model::namespec;

pub(super) const HELP: &str = "avail\t\t\tDisplay all configured processes\n";

/// `_formatConfigInfo`.
pub(crate) fn line(c: &ProcessConfig) -> String {
    format!(
        "{:<32} {:<9} {:<9} {}:{}",
        namespec::make(&c.group, &c.name),
        if c.inuse { "in use" } else { "avail" },
        if c.autostart { "auto" } else { "manual" },
        c.group_prio,
        c.process_prio
    )
}

/// `avail --json`.
pub(crate) fn to_json(configs: &[ProcessConfig]) -> String {
    let list: Vec<serde_json::Value> = configs
        .iter()
        .map(|c| {
            json!({
                "namespec": namespec::make(&c.group, &c.name),
                "group": c.group,
                "name": c.name,
                "inuse": c.inuse,
                "autostart": c.autostart,
                "autorestart": c.autorestart,
                "group_prio": c.group_prio,
                "process_prio": c.process_prio,
                "command": c.command,
            })
        })
        .collect();
    serde_json::to_string_pretty(&list).unwrap_or_else(|_| "[]".to_string())
}

pub(super) async fn run<A: Api, C: Console>(
    ctl: &mut Controller<A, C>,
    arg: &str,
) -> Result<(), CallError> {
    let json = arg == "--json";
    if !json && reject_arguments(ctl, "avail", arg, HELP) {
        return Ok(());
    }
    match ctl.api.list_config().await {
        Ok(configs) if json => ctl.output(&to_json(&configs)),
        Ok(configs) => {
            for c in &configs {
                ctl.output(&line(c));
            }
        }
        Err(CallError::Fault(f)) => {
            ctl.exit = exit::GENERIC;
            if f.fault != Fault::ShutdownState {
                return Err(CallError::Fault(f));
            }
            ctl.output("ERROR: supervisor shutting down");
        }
        Err(e) => return Err(e),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Harness, Reply};

    fn config(group: &str, name: &str, inuse: bool, autostart: bool, gp: i64) -> ProcessConfig {
        ProcessConfig {
            name: name.into(),
            group: group.into(),
            inuse,
            autostart,
            group_prio: gp,
            process_prio: 999,
            ..ProcessConfig::default()
        }
    }

    #[test]
    fn lines_match_supervisor() {
        assert_eq!(
            line(&config("failer", "failer", true, true, 999)),
            "failer                           in use    auto      999:999"
        );
        assert_eq!(
            line(&config("grp", "multi_00", true, false, 500)),
            "grp:multi_00                     in use    manual    500:999"
        );
        assert_eq!(
            line(&config("newprog2", "newprog2", false, false, 999)),
            "newprog2                         avail     manual    999:999"
        );
        let long = "a_very_long_program_name_that_is_long";
        assert_eq!(
            line(&config(long, long, true, false, 999)),
            format!("{long} in use    manual    999:999")
        );
    }

    #[test]
    fn arguments_and_json() {
        let mut h = Harness::new();
        let (out, code) = h.run("avail x");
        assert_eq!(out, format!("Error: avail accepts no arguments\n{HELP}"));
        assert_eq!(code, 1);
        h.reply(Reply::Configs(vec![config("a", "a", true, true, 1)]));
        let (out, _) = h.run("avail --json");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v[0]["namespec"], "a");
        assert_eq!(v[0]["inuse"], true);
    }
}
