//! Supervisor's XML-RPC answers as the `supervisor.v1` messages the commands read:
//! process info structs (rpcinterface.py `getProcessInfo`), result structs
//! (`{name, group, status, description}`), config info structs (`getAllConfigInfo`)
//! and the facts of `GetState`. Lenient on purpose: a member a Supervisor-compatible
//! server leaves out reads as empty or zero, as the gRPC defaults do. No I/O.

use dxr::Value;
use supervisor_proto::v1;

/// A struct member.
fn member<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    match v {
        Value::Struct(members) => members.get(key),
        _ => None,
    }
}

/// A string value (or the text of an int/bool, as Python's `str()` would give).
pub(crate) fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Base64(b) => String::from_utf8_lossy(b).into_owned(),
        Value::Integer(n) => n.to_string(),
        Value::Boolean(b) => if *b { "True" } else { "False" }.to_string(),
        _ => String::new(),
    }
}

fn int(v: &Value) -> i64 {
    match v {
        Value::Integer(n) => i64::from(*n),
        Value::Boolean(b) => i64::from(*b),
        Value::String(s) => s.trim().parse().unwrap_or(0),
        _ => 0,
    }
}

fn boolean(v: &Value) -> bool {
    match v {
        Value::Boolean(b) => *b,
        Value::Integer(n) => *n != 0,
        _ => false,
    }
}

fn s(v: &Value, key: &str) -> String {
    member(v, key).map(text).unwrap_or_default()
}

fn opt_s(v: &Value, key: &str) -> Option<String> {
    member(v, key).map(text)
}

fn i(v: &Value, key: &str) -> i64 {
    member(v, key).map_or(0, int)
}

fn i32_of(v: &Value, key: &str) -> i32 {
    i32::try_from(i(v, key)).unwrap_or_default()
}

fn b(v: &Value, key: &str) -> bool {
    member(v, key).is_some_and(boolean)
}

/// An array of strings.
pub(crate) fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::Array(items) => items.iter().map(text).collect(),
        _ => Vec::new(),
    }
}

/// A process info struct.
pub(crate) fn info(v: &Value) -> v1::ProcessInfo {
    v1::ProcessInfo {
        name: s(v, "name"),
        group: s(v, "group"),
        description: s(v, "description"),
        start: i(v, "start"),
        stop: i(v, "stop"),
        now: i(v, "now"),
        state: i32_of(v, "state"),
        statename: s(v, "statename"),
        spawnerr: s(v, "spawnerr"),
        exitstatus: i32_of(v, "exitstatus"),
        stdout_logfile: s(v, "stdout_logfile"),
        stderr_logfile: s(v, "stderr_logfile"),
        pid: i32_of(v, "pid"),
        // supervisor-rs's additive keys; Supervisor never sends them.
        spawns: 0,
        waiting: opt_s(v, "waiting"),
        healthy: member(v, "healthy").map(boolean),
        status_text: opt_s(v, "status_text"),
    }
}

/// One `{name, group, status, description}` result.
pub(crate) fn result(v: &Value) -> v1::ProcessResult {
    v1::ProcessResult {
        name: s(v, "name"),
        group: s(v, "group"),
        status: i32_of(v, "status"),
        description: s(v, "description"),
    }
}

/// An array of results.
pub(crate) fn results(v: &Value) -> Vec<v1::ProcessResult> {
    match v {
        Value::Array(items) => items.iter().map(result).collect(),
        _ => Vec::new(),
    }
}

/// A config info struct; the log options are left out (no command prints them).
pub(crate) fn config(v: &Value) -> v1::ProcessConfig {
    let exitcodes = member(v, "exitcodes").map_or_else(Vec::new, |codes| match codes {
        Value::Array(items) => items
            .iter()
            .filter_map(|c| i32::try_from(int(c)).ok())
            .collect(),
        _ => Vec::new(),
    });
    v1::ProcessConfig {
        name: s(v, "name"),
        group: s(v, "group"),
        inuse: b(v, "inuse"),
        autostart: b(v, "autostart"),
        autorestart: s(v, "autorestart"),
        group_prio: i(v, "group_prio"),
        process_prio: i(v, "process_prio"),
        command: s(v, "command"),
        directory: s(v, "directory"),
        exitcodes,
        killasgroup: b(v, "killasgroup"),
        stopasgroup: b(v, "stopasgroup"),
        redirect_stderr: b(v, "redirect_stderr"),
        serverurl: s(v, "serverurl"),
        startretries: i32_of(v, "startretries"),
        startsecs: i(v, "startsecs"),
        stopsignal: i32_of(v, "stopsignal"),
        stopwaitsecs: i(v, "stopwaitsecs"),
        ..v1::ProcessConfig::default()
    }
}

/// `GetState` from the answers of getAPIVersion, getSupervisorVersion, getPID,
/// getState (`{statecode, statename}`) and getIdentification.
pub(crate) fn state(
    api: &Value,
    version: &Value,
    pid: &Value,
    daemon: &Value,
    ident: &Value,
) -> v1::GetStateResponse {
    v1::GetStateResponse {
        code: i32_of(daemon, "statecode"),
        name: s(daemon, "statename"),
        pid: i32::try_from(int(pid)).unwrap_or_default(),
        api_version: text(api),
        supervisor_version: text(version),
        identification: text(ident),
    }
}
