//! The structs Supervisor returns, built from the Control trait's types with the
//! keys in the order Supervisor 4.3's dict literals put them (observed on the wire:
//! Python's `xmlrpc.client` writes dict members in insertion order). Every int is
//! clamped to 32 bits, like Supervisor's `capped_int` for timestamps; for the other
//! fields Python would fail the whole call instead, which helps nobody.

use supervisor_model::{FaultError, SupervisorState};

use crate::control::{ConfigInfo, LogInfo, ProcessInfo, ProcessResult, Reread};

use super::value::Value;
use super::write::fault_struct;

/// `getState`.
pub(crate) fn state(s: SupervisorState) -> Value {
    Value::structure([
        ("statecode", Value::Int(s.code())),
        ("statename", Value::from(s.name())),
    ])
}

/// `getProcessInfo`, one element of `getAllProcessInfo`.
pub(crate) fn process_info(p: &ProcessInfo) -> Value {
    let mut v = Value::structure([
        ("name", Value::from(p.name.as_str())),
        ("group", Value::from(p.group.as_str())),
        ("start", Value::int_capped(p.start)),
        ("stop", Value::int_capped(p.stop)),
        ("now", Value::int_capped(p.now)),
        ("state", Value::Int(p.state.code())),
        ("statename", Value::from(p.state.name())),
        ("spawnerr", Value::from(p.spawnerr.as_str())),
        ("exitstatus", Value::Int(p.exitstatus)),
        // `logfile` is Supervisor's backwards-compatible alias of stdout_logfile.
        ("logfile", Value::from(p.stdout_logfile.as_str())),
        ("stdout_logfile", Value::from(p.stdout_logfile.as_str())),
        ("stderr_logfile", Value::from(p.stderr_logfile.as_str())),
        ("pid", Value::Int(p.pid)),
        ("description", Value::from(p.description.as_str())),
    ]);
    // Beyond Supervisor: additive keys, present only when the process has
    // dependencies or checks, so Supervisor's clients see Supervisor's struct.
    if let Value::Struct(members) = &mut v {
        if let Some(w) = &p.waiting {
            members.push(("waiting".into(), Value::from(w.as_str())));
        }
        if let Some(h) = p.healthy {
            members.push(("healthy".into(), Value::Bool(h)));
        }
        if let Some(s) = &p.status_text {
            members.push(("status_text".into(), Value::from(s.as_str())));
        }
    }
    v
}

/// One element of `getAllConfigInfo`. Supervisor 4.3 sends Python `None` as the
/// string `"none"`; `autorestart` is the key Supervisor's main branch adds
/// (rpcinterface.py `getAllConfigInfo` there), placed after `autostart` as there: `false`, `"unexpected"` or `true`.
pub(crate) fn config_info(c: &ConfigInfo) -> Value {
    let none = || Value::from("none");
    let opt = |s: &Option<String>| s.as_deref().map_or_else(none, Value::from);
    let autorestart = match c.autorestart.as_str() {
        "false" => Value::Bool(false),
        "true" => Value::Bool(true),
        other => Value::from(other),
    };
    let mut members: Vec<(String, Value)> = [
        ("autostart", Value::Bool(c.autostart)),
        ("autorestart", autorestart),
        ("directory", opt(&c.directory)),
        (
            "uid",
            c.uid.map_or_else(none, |u| Value::int_capped(i64::from(u))),
        ),
        ("command", Value::from(c.command.as_str())),
        (
            "exitcodes",
            Value::Array(c.exitcodes.iter().map(|&n| Value::Int(n)).collect()),
        ),
        ("group", Value::from(c.group.as_str())),
        ("group_prio", Value::int_capped(c.group_prio)),
        ("inuse", Value::Bool(c.inuse)),
        ("killasgroup", Value::Bool(c.killasgroup)),
        ("name", Value::from(c.name.as_str())),
        ("process_prio", Value::int_capped(c.process_prio)),
        ("redirect_stderr", Value::Bool(c.redirect_stderr)),
        ("startretries", Value::int_capped(i64::from(c.startretries))),
        ("startsecs", Value::int_capped(c.startsecs)),
    ]
    .map(|(k, v)| (k.to_string(), v))
    .into();
    members.extend(channel("stdout", &c.stdout));
    members.push(("stopsignal".into(), Value::Int(c.stopsignal)));
    members.push(("stopwaitsecs".into(), Value::int_capped(c.stopwaitsecs)));
    members.extend(channel("stderr", &c.stderr));
    members.push(("serverurl".into(), opt(&c.serverurl)));
    Value::structure(members)
}

/// The six `<channel>_…` members, in Supervisor's order.
fn channel(prefix: &str, log: &LogInfo) -> [(String, Value); 6] {
    let capped = |n: u64| Value::int_capped(i64::try_from(n).unwrap_or(i64::MAX));
    [
        (
            format!("{prefix}_capture_maxbytes"),
            capped(log.capture_maxbytes),
        ),
        (
            format!("{prefix}_events_enabled"),
            Value::Bool(log.events_enabled),
        ),
        (
            format!("{prefix}_logfile"),
            Value::from(log.logfile.as_str()),
        ),
        (
            format!("{prefix}_logfile_backups"),
            Value::int_capped(i64::from(log.backups)),
        ),
        (format!("{prefix}_logfile_maxbytes"), capped(log.maxbytes)),
        (format!("{prefix}_syslog"), Value::Bool(log.syslog)),
    ]
}

/// A result array: `{name, group, status, description}` per process.
pub(crate) fn results(results: Vec<ProcessResult>) -> Value {
    Value::Array(
        results
            .into_iter()
            .map(|r| {
                Value::structure([
                    ("name", Value::from(r.name)),
                    ("group", Value::from(r.group)),
                    ("status", Value::Int(r.status)),
                    ("description", Value::from(r.description)),
                ])
            })
            .collect(),
    )
}

/// `reloadConfig`: `[[added, changed, removed]]` (Supervisor's comment says it
/// "cannot return len > 1", hence the extra array).
pub(crate) fn reread(r: Reread) -> Value {
    Value::Array(vec![Value::Array(vec![
        Value::strings(r.added),
        Value::strings(r.changed),
        Value::strings(r.removed),
    ])])
}

/// A fault as one `system.multicall` result.
pub(crate) fn fault(e: &FaultError) -> Value {
    fault_struct(e.fault.code(), &e.text)
}
