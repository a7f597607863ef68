//! Building `getProcessInfo` and `getAllConfigInfo` values from snapshots and
//! configs, with Supervisor's descriptions (`pid 42, uptime 0:01:02`,
//! `Nov 24 08:27 AM`, `Not started`, spawn errors).

use supervisor_config::{ChannelConfig, LogFile, ProcessConfig};
use supervisor_model::{AutoRestart, ProcessState};
use supervisor_rpc::{ConfigInfo, LogInfo, ProcessInfo};

use crate::snapshot::Snapshot;

/// Supervisor caps timestamps at 2^31-1 (XML-RPC ints are 32-bit).
const CAP: i64 = i32::MAX as i64;

pub fn process_info(s: &Snapshot, now: i64) -> ProcessInfo {
    let path = |p: &Option<std::path::PathBuf>| {
        p.as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    };
    let mut info = ProcessInfo {
        name: s.name.clone(),
        group: s.group.clone(),
        description: String::new(),
        start: s.start.min(CAP),
        stop: s.stop.min(CAP),
        now: now.min(CAP),
        state: s.state,
        spawnerr: s.spawnerr.clone().unwrap_or_default(),
        exitstatus: s.exitstatus.unwrap_or(0),
        stdout_logfile: path(&s.stdout_logfile),
        stderr_logfile: path(&s.stderr_logfile),
        pid: s.pid.unwrap_or(0),
        spawns: s.spawns,
        waiting: s.waiting.clone(),
        healthy: s.healthy,
        status_text: s.status.clone(),
    };
    info.description = match (&s.note, s.state) {
        (Some(note), ProcessState::Stopped) => note.clone(),
        _ => describe(&info),
    };
    info
}

/// supervisorctl's description column (rpcinterface `_interpretProcessInfo`);
/// beyond Supervisor, a RUNNING process's health and status line are appended and
/// a STARTING one says what it waits for.
pub fn describe(info: &ProcessInfo) -> String {
    match info.state {
        ProcessState::Running => {
            let mut text = format!(
                "pid {}, uptime {}",
                info.pid,
                timedelta((info.now - info.start).max(0))
            );
            match info.healthy {
                Some(true) => text.push_str(", healthy"),
                Some(false) => text.push_str(", unhealthy"),
                None => {}
            }
            if let Some(status) = &info.status_text {
                text.push_str(", ");
                text.push_str(status);
            }
            text
        }
        ProcessState::Starting => info.waiting.clone().unwrap_or_default(),
        ProcessState::Fatal | ProcessState::Backoff => {
            if info.spawnerr.is_empty() {
                format!("unknown error (try \"tail {}\")", info.name)
            } else {
                info.spawnerr.clone()
            }
        }
        ProcessState::Stopped | ProcessState::Exited => {
            if info.start != 0 {
                short_local_time(info.stop)
            } else {
                "Not started".to_string()
            }
        }
        _ => String::new(),
    }
}

/// Python's `str(timedelta)` for whole seconds: `1:02:03`, `1 day, 0:00:05`,
/// `3 days, 12:00:00`.
pub fn timedelta(secs: i64) -> String {
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let hms = format!("{}:{:02}:{:02}", rem / 3600, rem % 3600 / 60, rem % 60);
    match days {
        0 => hms,
        1 => format!("1 day, {hms}"),
        d => format!("{d} days, {hms}"),
    }
}

/// `time.strftime('%b %d %I:%M %p', time.localtime(t))` in the C locale.
pub fn short_local_time(t: i64) -> String {
    const MON: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let lt = supervisor_sys::localtime::local_time(t);
    let hour12 = match lt.hour % 12 {
        0 => 12,
        h => h,
    };
    format!(
        "{} {:02} {:02}:{:02} {}",
        MON[usize::from(lt.month.clamp(1, 12) - 1)],
        lt.day,
        hour12,
        lt.minute,
        if lt.hour < 12 { "AM" } else { "PM" }
    )
}

fn log_info(c: &ChannelConfig) -> LogInfo {
    LogInfo {
        logfile: match &c.logfile {
            LogFile::None => "none".to_string(),
            LogFile::Auto => "auto".to_string(),
            LogFile::Syslog => "syslog".to_string(),
            LogFile::Path(p) => p.display().to_string(),
        },
        maxbytes: c.logfile_maxbytes.bytes(),
        backups: c.logfile_backups,
        capture_maxbytes: c.capture_maxbytes.bytes(),
        events_enabled: c.events_enabled,
        syslog: c.syslog,
    }
}

pub fn config_info(p: &ProcessConfig, group_prio: i64, inuse: bool) -> ConfigInfo {
    ConfigInfo {
        name: p.name.clone(),
        group: p.group.clone(),
        inuse,
        autostart: p.autostart,
        autorestart: match p.autorestart {
            AutoRestart::Never => "false",
            AutoRestart::Unexpected => "unexpected",
            AutoRestart::Always => "true",
        }
        .to_string(),
        group_prio,
        process_prio: p.priority,
        command: p.command.clone(),
        directory: p.directory.as_ref().map(|d| d.display().to_string()),
        exitcodes: p.exitcodes.0.clone(),
        killasgroup: p.killasgroup,
        stopasgroup: p.stopasgroup,
        redirect_stderr: p.redirect_stderr,
        serverurl: p.serverurl.clone(),
        startretries: p.startretries,
        startsecs: p.startsecs.as_secs() as i64,
        stopsignal: p.stopsignal.number(),
        stopwaitsecs: p.stopwaitsecs.as_secs() as i64,
        user: p.user.as_ref().map(|u| u.name.clone()),
        uid: p.user.as_ref().map(|u| u.uid),
        stdout: log_info(&p.stdout),
        stderr: log_info(&p.stderr),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timedelta_is_pythons() {
        assert_eq!(timedelta(9), "0:00:09");
        assert_eq!(timedelta(3723), "1:02:03");
        assert_eq!(timedelta(86_405), "1 day, 0:00:05");
        assert_eq!(timedelta(3 * 86_400 + 43_200), "3 days, 12:00:00");
    }

    #[test]
    fn descriptions() {
        let mut s = Snapshot::new("web", "web");
        let info = process_info(&s, 100);
        assert_eq!(info.description, "Not started");
        s.state = ProcessState::Running;
        s.pid = Some(42);
        s.start = 40;
        assert_eq!(process_info(&s, 100).description, "pid 42, uptime 0:01:00");
        s.state = ProcessState::Fatal;
        assert_eq!(
            process_info(&s, 100).description,
            "unknown error (try \"tail web\")"
        );
        s.spawnerr = Some("Exited too quickly (process log may have details)".into());
        assert_eq!(
            process_info(&s, 100).description,
            "Exited too quickly (process log may have details)"
        );
        s.state = ProcessState::Starting;
        assert_eq!(process_info(&s, 100).description, "");
    }

    #[test]
    fn short_time_has_supervisors_shape() {
        let t = short_local_time(1_795_508_820);
        let re = |s: &str| {
            let parts: Vec<&str> = s.split(' ').collect();
            parts.len() == 4
                && parts[0].len() == 3
                && parts[1].len() == 2
                && parts[2].len() == 5
                && (parts[3] == "AM" || parts[3] == "PM")
        };
        assert!(re(&t), "{t}");
    }
}
