//! `logformat = json` (an extension; README, "Logs people can ship"): one JSON
//! object per line — `time` (RFC 3339, local, milliseconds), `level`, `message`,
//! then whichever structured [`Fields`] the line has (`process`, `group`, `pid`,
//! `exit_status`, `state`). A multi-line message stays one line (JSON escapes its
//! newlines); text that is not UTF-8 never reaches here (messages are `str`).

use std::time::SystemTime;

use supervisor_model::{LogLevel, ProcessState};

use crate::rfc3339::Rfc3339;

/// What a main-log line is about, for the JSON format (the text format ignores it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fields<'a> {
    /// The process name (not the namespec).
    pub process: Option<&'a str>,
    pub group: Option<&'a str>,
    pub pid: Option<i32>,
    /// The exit status of the exit the line reports.
    pub exit_status: Option<i32>,
    /// The process's state once the line's event happened.
    pub state: Option<ProcessState>,
}

/// Appends one JSON line (with its `\n`) to `out`.
pub fn write_json(
    out: &mut Vec<u8>,
    clock: &mut Rfc3339,
    now: SystemTime,
    level: LogLevel,
    message: &str,
    fields: &Fields<'_>,
) {
    out.extend_from_slice(b"{\"time\":\"");
    clock.write(out, now);
    out.extend_from_slice(b"\",\"level\":\"");
    out.extend_from_slice(level.config_name().as_bytes());
    out.extend_from_slice(b"\",\"message\":");
    string(out, message);
    if let Some(p) = fields.process {
        out.extend_from_slice(b",\"process\":");
        string(out, p);
    }
    if let Some(g) = fields.group {
        out.extend_from_slice(b",\"group\":");
        string(out, g);
    }
    if let Some(pid) = fields.pid {
        out.extend_from_slice(format!(",\"pid\":{pid}").as_bytes());
    }
    if let Some(status) = fields.exit_status {
        out.extend_from_slice(format!(",\"exit_status\":{status}").as_bytes());
    }
    if let Some(state) = fields.state {
        out.extend_from_slice(b",\"state\":\"");
        out.extend_from_slice(state.name().as_bytes());
        out.push(b'"');
    }
    out.extend_from_slice(b"}\n");
}

/// A JSON string (serde_json's escaping).
fn string(out: &mut Vec<u8>, s: &str) {
    // Serialising a &str into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_one_object_with_its_fields() {
        let mut out = Vec::new();
        let fields = Fields {
            process: Some("web"),
            group: Some("web"),
            pid: Some(42),
            exit_status: Some(1),
            state: Some(ProcessState::Exited),
        };
        let mut clock = Rfc3339::default();
        write_json(
            &mut out,
            &mut clock,
            SystemTime::now(),
            LogLevel::Warn,
            "exited: web (exit status 1; not expected)\n\"quoted\"",
            &fields,
        );
        assert_eq!(out.iter().filter(|b| **b == b'\n').count(), 1);
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["level"], "warn");
        assert_eq!(
            v["message"],
            "exited: web (exit status 1; not expected)\n\"quoted\""
        );
        assert_eq!(v["process"], "web");
        assert_eq!(v["pid"], 42);
        assert_eq!(v["exit_status"], 1);
        assert_eq!(v["state"], "EXITED");
        assert!(v["time"].as_str().unwrap().len() >= 24);

        out.clear();
        write_json(
            &mut out,
            &mut clock,
            SystemTime::now(),
            LogLevel::Info,
            "plain",
            &Fields::default(),
        );
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v.as_object().unwrap().len(), 3);
    }
}
