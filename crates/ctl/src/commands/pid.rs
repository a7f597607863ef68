//! `pid [name...|all]` (supervisorctl.py `do_pid`): supervisord's pid, a process's pid
//! (0 when not running, exit 7), or every process's pid, one per line.

use supervisor_model::Fault;

use super::targets::upchecked;
use crate::api::{Api, Console};
use crate::controller::Controller;
use crate::error::CallError;
use crate::format::exit;

pub(super) const HELP: &str = "pid\t\t\tGet the PID of supervisord.\n\
pid <name>\t\tGet the PID of a single child process by name.\n\
pid all\t\t\tGet the PID of every child process, one per line.\n";

pub(super) async fn run<A: Api, C: Console>(
    ctl: &mut Controller<A, C>,
    arg: &str,
) -> Result<(), CallError> {
    let Some(names) = upchecked(ctl, arg).await? else {
        return Ok(());
    };
    if names.is_empty() {
        let state = ctl.api.get_state().await?;
        ctl.output(&state.pid.to_string());
    } else if names.contains(&"all") {
        for info in ctl.api.list_processes().await? {
            ctl.output(&info.pid.to_string());
        }
    } else {
        for name in names {
            match ctl.api.get_process(name).await {
                Ok(info) => {
                    ctl.output(&info.pid.to_string());
                    if info.pid == 0 {
                        ctl.exit = exit::NOT_RUNNING;
                    }
                }
                Err(CallError::Fault(f)) => {
                    ctl.exit = exit::GENERIC;
                    if f.fault != Fault::BadName {
                        return Err(CallError::Fault(f));
                    }
                    ctl.output(&format!("No such process {name}"));
                }
                Err(e) => return Err(e),
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Harness, Reply, fault, info};

    #[test]
    fn pids() {
        let mut h = Harness::new();
        assert_eq!(h.run("pid"), ("4242\n".into(), 0));
        let mut sleeper = info("sleeper", "sleeper", "RUNNING", "");
        sleeper.pid = 12951;
        h.reply(Reply::Process(sleeper.clone()))
            .reply(Reply::Process(info("quick", "quick", "EXITED", "")))
            .reply(fault(Fault::BadName, "nosuch"));
        assert_eq!(
            h.run("pid sleeper quick nosuch"),
            ("12951\n0\nNo such process nosuch\n".into(), 1)
        );
        h.reply(Reply::Process(info("quick", "quick", "EXITED", "")));
        assert_eq!(h.run("pid quick"), ("0\n".into(), 7));
        h.reply(Reply::Processes(vec![
            info("a", "a", "STOPPED", ""),
            sleeper,
        ]));
        assert_eq!(h.run("pid all"), ("0\n12951\n".into(), 0));
    }
}
