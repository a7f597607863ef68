//! What a config asks for that supervisor-rs accepts but cannot honour, so nothing
//! is ignored silently: Python code Supervisor would import (`[rpcinterface:x]`
//! factories other than its own, `[ctlplugin:x]`, an event listener's
//! `result_handler`), a config whose HTTP servers lack `[rpcinterface:supervisor]`,
//! and options (or sections) that belong to other process supervisors. Each finding
//! is one warning naming the section, the file and the line; the daemon logs them
//! at startup (WARN), supervisorctl prints the `[ctlplugin:x]` ones.
//!
//! [`FOREIGN_OPTIONS`] is the one list of other supervisors' options: when
//! supervisor-rs implements one, its row goes.

use crate::raw::{RawConfig, RawText};

/// Supervisor's own XML-RPC interface factory (`supervisor.rpcinterface`).
pub const SUPERVISOR_RPC_FACTORY: &str = "supervisor.rpcinterface:make_main_rpcinterface";

/// An option another supervisor defines and Supervisor does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForeignOption {
    /// The key as configparser hands it over (lower-cased).
    pub key: &'static str,
    /// Whose option it is.
    pub origin: &'static str,
    /// What it does there.
    pub meaning: &'static str,
    /// Our option for the same purpose (Supervisor's or one beyond it), if any.
    pub instead: Option<&'static str>,
}

const fn opt(
    key: &'static str,
    origin: &'static str,
    meaning: &'static str,
    instead: Option<&'static str>,
) -> ForeignOption {
    ForeignOption {
        key,
        origin,
        meaning,
        instead,
    }
}

const GO: &str = "ochinchina/supervisord";
const PC: &str = "process-compose";
const PM2: &str = "PM2";
const SYSTEMD: &str = "systemd";
const HORUST: &str = "Horust";

/// Other supervisors' options in program sections (and `[supervisord]`), which
/// Supervisor ignores and supervisor-rs does not implement (yet).
pub const FOREIGN_OPTIONS: &[ForeignOption] = &[
    opt(
        "start-after",
        HORUST,
        "start after the listed services",
        Some("depends_on"),
    ),
    opt(
        "after",
        SYSTEMD,
        "ordering after other units",
        Some("depends_on"),
    ),
    opt(
        "requires",
        SYSTEMD,
        "dependencies on other units",
        Some("depends_on"),
    ),
    opt(
        "wants",
        SYSTEMD,
        "weak dependencies on other units",
        Some("depends_on"),
    ),
    opt("env_file", PC, "environment read from a file", None),
    opt(
        "env_files",
        "several supervisors",
        "environment read from files",
        None,
    ),
    opt(
        "envfiles",
        GO,
        "environment read from files (envFiles)",
        None,
    ),
    opt(
        "environmentfile",
        SYSTEMD,
        "environment read from a file (EnvironmentFile=)",
        None,
    ),
    opt(
        "readiness_probe",
        PC,
        "a readiness probe",
        Some("ready_check"),
    ),
    opt(
        "ready_log_line",
        PC,
        "ready once a log line appears",
        Some("ready_check"),
    ),
    opt(
        "wait_ready",
        PM2,
        "wait for the process to say it is ready",
        Some("ready_check"),
    ),
    opt(
        "healthcheck",
        "several supervisors",
        "a health check",
        Some("health_check"),
    ),
    opt(
        "liveness_probe",
        PC,
        "a liveness probe",
        Some("health_check"),
    ),
    opt(
        "healthiness",
        HORUST,
        "a health check",
        Some("health_check"),
    ),
    opt(
        "restart",
        "systemd, Horust and process-compose",
        "the restart policy",
        Some("autorestart"),
    ),
    opt(
        "restartsec",
        SYSTEMD,
        "the delay before a restart (RestartSec=)",
        None,
    ),
    opt("restartpause", GO, "the delay before a restart", None),
    opt("restart_delay", PM2, "the delay before a restart", None),
    opt(
        "exp_backoff_restart_delay",
        PM2,
        "exponential restart delays",
        Some("backoff (a supervisor-rs extension)"),
    ),
    opt(
        "min_uptime",
        PM2,
        "how long a start must last to count",
        Some("startsecs"),
    ),
    opt(
        "max_memory_restart",
        PM2,
        "a restart above a memory size",
        None,
    ),
    opt("cron", GO, "scheduled starts", None),
    opt("cron_restart", PM2, "scheduled restarts", None),
    opt("watch", PM2, "a restart when files change", None),
    opt(
        "restart_when_binary_changed",
        GO,
        "a restart when the program file changes",
        None,
    ),
    opt(
        "restart_directory_monitor",
        GO,
        "a restart when files in a directory change",
        None,
    ),
    opt(
        "restart_file_pattern",
        GO,
        "which changed files cause a restart",
        None,
    ),
    opt(
        "execstart",
        SYSTEMD,
        "the command (ExecStart=)",
        Some("command"),
    ),
    opt("script", PM2, "the program to run", Some("command")),
    opt("args", PM2, "the program's arguments", Some("command")),
    opt(
        "workingdirectory",
        SYSTEMD,
        "the working directory (WorkingDirectory=)",
        Some("directory"),
    ),
    opt(
        "working-directory",
        HORUST,
        "the working directory",
        Some("directory"),
    ),
    opt("cwd", PM2, "the working directory", Some("directory")),
    opt(
        "group",
        SYSTEMD,
        "the group to run as (Group=)",
        Some("user (its primary group)"),
    ),
    opt("uid", PM2, "the user to run as", Some("user")),
    opt(
        "gid",
        PM2,
        "the group to run as",
        Some("user (its primary group)"),
    ),
    opt(
        "killsignal",
        SYSTEMD,
        "the stop signal (KillSignal=)",
        Some("stopsignal"),
    ),
    opt(
        "timeoutstopsec",
        SYSTEMD,
        "the time allowed to stop (TimeoutStopSec=)",
        Some("stopwaitsecs"),
    ),
    opt(
        "kill_timeout",
        PM2,
        "the time allowed to stop",
        Some("stopwaitsecs"),
    ),
    opt("instances", PM2, "how many copies run", Some("numprocs")),
    opt("replicas", PC, "how many copies run", Some("numprocs")),
    opt("disabled", PC, "not started", Some("autostart")),
    opt(
        "out_file",
        PM2,
        "the stdout log file",
        Some("stdout_logfile"),
    ),
    opt(
        "error_file",
        PM2,
        "the stderr log file",
        Some("stderr_logfile"),
    ),
];

/// Sections other supervisors define: `(name, origin, meaning)`.
const FOREIGN_SECTIONS: &[(&str, &str, &str)] =
    &[("program-default", GO, "defaults for every program section")];

/// The foreign option named `key`, if any.
pub fn foreign_option(key: &str) -> Option<&'static ForeignOption> {
    FOREIGN_OPTIONS.iter().find(|o| o.key == key)
}

fn program_like(section: &str) -> bool {
    ["program:", "fcgi-program:", "eventlistener:"]
        .iter()
        .any(|p| section.starts_with(p))
}

fn text(raw: &RawConfig, section: &str, key: &str) -> Option<String> {
    match &raw.get(section, key)?.text {
        RawText::Text(t) => Some(t.trim().to_string()),
        RawText::Pairs(_) => None,
    }
}

/// Every warning supervisord logs for `raw`, in section order.
pub(crate) fn supervisord_warnings(raw: &RawConfig) -> Vec<String> {
    let mut out = Vec::new();
    let has_server = raw
        .section_names()
        .any(|s| s.starts_with("unix_http_server") || s.starts_with("inet_http_server"));
    if has_server && !raw.has_section("rpcinterface:supervisor") {
        let file = raw.files.first().map(|f| f.display().to_string());
        out.push(format!(
            "no [rpcinterface:supervisor] section (file: '{}'): Supervisor would serve no \
             supervisor.* XML-RPC methods, so its supervisorctl and web page could not work; \
             supervisor-rs serves them anyway",
            file.unwrap_or_default()
        ));
    }
    for section in raw.section_names() {
        if let Some(name) = section.strip_prefix("rpcinterface:") {
            out.extend(rpcinterface(raw, section, name));
        } else if section.starts_with("ctlplugin:") {
            out.extend(ctlplugin_warnings_for(raw, section));
        } else if let Some((_, origin, meaning)) =
            FOREIGN_SECTIONS.iter().find(|(n, _, _)| *n == section)
        {
            let at = raw.location(section, "");
            out.push(format!(
                "section [{section}] {} is {origin}'s ({meaning}), not Supervisor's; it is \
                 ignored, as Supervisor ignores it",
                at.without_section()
            ));
        }
        if section.starts_with("eventlistener:") {
            out.extend(result_handler(raw, section));
        }
        if program_like(section) || section == "supervisord" {
            out.extend(foreign_options(raw, section));
        }
    }
    out
}

fn rpcinterface(raw: &RawConfig, section: &str, name: &str) -> Option<String> {
    const KEY: &str = "supervisor.rpcinterface_factory";
    let factory = text(raw, section, KEY)?;
    if factory == SUPERVISOR_RPC_FACTORY {
        return None;
    }
    let at = raw.location(section, KEY);
    let served = if name == "supervisor" {
        "supervisor-rs serves its own supervisor.* methods instead"
    } else {
        "the methods it would add are not available"
    };
    Some(format!(
        "[{section}] {}: its factory {factory} is Python code supervisor-rs cannot load; {served}",
        at.without_section()
    ))
}

fn result_handler(raw: &RawConfig, section: &str) -> Option<String> {
    let handler = text(raw, section, "result_handler")?;
    if handler == crate::programs::DEFAULT_RESULT_HANDLER {
        return None;
    }
    let at = raw.location(section, "result_handler");
    Some(format!(
        "[{section}] {}: result_handler {handler} is Python code supervisor-rs cannot load; \
         the default handler is used (OK = processed, anything else = rejected)",
        at.without_section()
    ))
}

fn foreign_options(raw: &RawConfig, section: &str) -> Vec<String> {
    let Some(s) = raw.section(section) else {
        return Vec::new();
    };
    s.entries
        .iter()
        .filter_map(|(key, _)| foreign_option(key))
        .map(|o| {
            let at = raw.location(section, o.key);
            let instead = match o.instead {
                Some(i) => format!("; use {i} instead"),
                None => String::new(),
            };
            format!(
                "option '{}' {at} is {}'s ({}), not Supervisor's: supervisor-rs does not \
                 implement it and ignores it, as Supervisor does{instead}",
                o.key, o.origin, o.meaning
            )
        })
        .collect()
}

fn ctlplugin_warnings_for(raw: &RawConfig, section: &str) -> Option<String> {
    const KEY: &str = "supervisor.ctl_factory";
    let factory = text(raw, section, KEY).unwrap_or_else(|| "(none)".to_string());
    let at = raw.location(section, KEY);
    Some(format!(
        "[{section}] {}: its factory {factory} is a Python supervisorctl plugin; \
         supervisor-rs's supervisorctl cannot load it, so the commands it adds are not available",
        at.without_section()
    ))
}

/// The `[ctlplugin:x]` warnings of a config, for supervisorctl.
pub(crate) fn ctlplugin_warnings(raw: &RawConfig) -> Vec<String> {
    raw.section_names()
        .filter(|s| s.starts_with("ctlplugin:"))
        .filter_map(|s| ctlplugin_warnings_for(raw, s))
        .collect()
}

#[cfg(test)]
#[path = "foreign_tests.rs"]
mod tests;
