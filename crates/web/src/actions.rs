//! The status page's actions (Supervisor's web.py `make_callback`): each runs over
//! [`Control`] to completion (a stop waits for the process to be stopped, a start
//! for RUNNING or failure) and yields the message the page then shows, in
//! Supervisor's wording (`Process web started`, `ERROR: Process web: spawn error`,
//! `All stopped at <ctime>`...).
//!
//! One deliberate difference: Supervisor's `restart` says `restarted` even when the
//! start fails; here a failed start is reported as the start action reports it.

use supervisor_model::{Fault, FaultError};
use supervisor_rpc::{Action, Control, Target};

/// An action the page (or an old bookmark) asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageAction {
    Refresh,
    StopAll,
    RestartAll,
    Start,
    Stop,
    Restart,
    ClearLog,
}

impl PageAction {
    /// Supervisor's `action=` values.
    pub fn parse(s: &str) -> Option<PageAction> {
        Some(match s {
            "refresh" => PageAction::Refresh,
            "stopall" => PageAction::StopAll,
            "restartall" => PageAction::RestartAll,
            "start" => PageAction::Start,
            "stop" => PageAction::Stop,
            "restart" => PageAction::Restart,
            "clearlog" => PageAction::ClearLog,
            _ => return None,
        })
    }

    fn needs_process(self) -> bool {
        !matches!(
            self,
            PageAction::Refresh | PageAction::StopAll | PageAction::RestartAll
        )
    }
}

/// A request the page cannot act on (answered 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadRequest {
    #[error("unknown action")]
    UnknownAction,
    #[error("this action needs a processname")]
    NoProcess,
}

/// Runs `action` and returns the page's message.
pub async fn perform<C: Control>(
    ctl: &C,
    action: &str,
    processname: Option<&str>,
) -> Result<String, BadRequest> {
    let action = PageAction::parse(action).ok_or(BadRequest::UnknownAction)?;
    let ns = processname.filter(|n| !n.is_empty());
    if !action.needs_process() {
        return Ok(match action {
            PageAction::StopAll => match stop_all(ctl).await {
                Ok(()) => format!("All stopped at {}", ctime()),
                Err(e) => unexpected(&e),
            },
            PageAction::RestartAll => match restart_all(ctl).await {
                Ok(()) => format!("All restarted at {}", ctime()),
                Err(e) => unexpected(&e),
            },
            _ => format!("Page refreshed at {}", ctime()),
        });
    }
    let ns = ns.ok_or(BadRequest::NoProcess)?;
    if ctl.process(ns).is_err() {
        return Ok(format!("No such process named {ns}"));
    }
    Ok(match action {
        PageAction::Start => match start(ctl, ns).await {
            Ok(()) => format!("Process {ns} started"),
            Err(e) => start_error(ns, &e),
        },
        PageAction::Stop => match stop(ctl, ns).await {
            Ok(()) => format!("Process {ns} stopped"),
            Err(e) => unexpected(&e),
        },
        PageAction::Restart => {
            // Not running is fine: restart then just starts.
            match stop(ctl, ns).await {
                Err(e) if e.fault != Fault::NotRunning => unexpected(&e),
                _ => match start(ctl, ns).await {
                    Ok(()) => format!("Process {ns} restarted"),
                    Err(e) => start_error(ns, &e),
                },
            }
        }
        _ => match clear(ctl, ns).await {
            Ok(()) => format!("Log for {ns} cleared"),
            Err(e) => unexpected(&e),
        },
    })
}

/// Whether a message reports a failure (shown in the error style).
pub fn is_error(message: &str) -> bool {
    message.starts_with("ERROR")
        || message.starts_with("unexpected rpc fault")
        || message.starts_with("No such process")
}

async fn start<C: Control>(ctl: &C, ns: &str) -> Result<(), FaultError> {
    supervisor_rpc::serving::require_running(ctl)?;
    one(ctl
        .act(
            Action::Start { wait: true },
            Target::Process(ns.to_string()),
        )
        .await)
}

async fn stop<C: Control>(ctl: &C, ns: &str) -> Result<(), FaultError> {
    supervisor_rpc::serving::require_running(ctl)?;
    one(ctl
        .act(Action::Stop { wait: true }, Target::Process(ns.to_string()))
        .await)
}

async fn clear<C: Control>(ctl: &C, ns: &str) -> Result<(), FaultError> {
    supervisor_rpc::serving::require_running(ctl)?;
    one(ctl.clear_logs(Target::Process(ns.to_string())).await)
}

async fn stop_all<C: Control>(ctl: &C) -> Result<(), FaultError> {
    supervisor_rpc::serving::require_running(ctl)?;
    ctl.act(Action::Stop { wait: true }, Target::All)
        .await
        .map(drop)
}

async fn restart_all<C: Control>(ctl: &C) -> Result<(), FaultError> {
    stop_all(ctl).await?;
    ctl.act(Action::Start { wait: true }, Target::All)
        .await
        .map(drop)
}

/// One process's result: its fault, if it has one.
fn one(r: Result<Vec<supervisor_rpc::ProcessResult>, FaultError>) -> Result<(), FaultError> {
    match r?.first().and_then(supervisor_rpc::ProcessResult::fault) {
        Some(f) => Err(f),
        None => Ok(()),
    }
}

fn unexpected(e: &FaultError) -> String {
    format!("unexpected rpc fault [{}] {}", e.fault.code(), e.text)
}

fn start_error(ns: &str, e: &FaultError) -> String {
    let why = match e.fault {
        Fault::NoFile => "no such file".to_string(),
        Fault::NotExecutable => "file not executable".to_string(),
        Fault::AlreadyStarted => "already started".to_string(),
        Fault::SpawnError => "spawn error".to_string(),
        Fault::AbnormalTermination => "abnormal termination".to_string(),
        _ => unexpected(e),
    };
    format!("ERROR: Process {ns}: {why}")
}

/// Python's `time.ctime()`: `Mon Nov 24 08:27:00 2026`, local time.
pub fn ctime() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    format_ctime(&supervisor_sys::localtime::local_time(now))
}

fn format_ctime(t: &supervisor_sys::localtime::LocalTime) -> String {
    const WD: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MON: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{} {} {:>2} {:02}:{:02}:{:02} {}",
        WD[usize::from(t.weekday % 7)],
        MON[usize::from(t.month.clamp(1, 12) - 1)],
        t.day,
        t.hour,
        t.minute,
        t.second,
        t.year
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ctime_is_pythons() {
        // 2026-11-03 08:07:09 UTC, a Tuesday: the day is space-padded.
        let t = supervisor_sys::localtime::utc_time(1_793_693_229);
        assert_eq!(format_ctime(&t), "Tue Nov  3 08:07:09 2026");
    }

    #[test]
    fn actions_and_messages() {
        assert_eq!(PageAction::parse("clearlog"), Some(PageAction::ClearLog));
        assert_eq!(PageAction::parse("nuke"), None);
        assert!(PageAction::Start.needs_process());
        assert!(!PageAction::RestartAll.needs_process());
        let e = FaultError::new(Fault::NotRunning, "quick");
        assert_eq!(
            unexpected(&e),
            "unexpected rpc fault [70] NOT_RUNNING: quick"
        );
        assert_eq!(
            start_error("w", &FaultError::new(Fault::SpawnError, "w")),
            "ERROR: Process w: spawn error"
        );
        assert_eq!(
            start_error("w", &FaultError::bare(Fault::ShutdownState)),
            "ERROR: Process w: unexpected rpc fault [6] SHUTDOWN_STATE"
        );
        assert!(is_error("ERROR: Process w: spawn error"));
        assert!(is_error("No such process named x"));
        assert!(!is_error("Process w started"));
    }
}
