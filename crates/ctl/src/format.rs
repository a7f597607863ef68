//! Small pieces of Python behaviour the commands share: namespecs
//! (options.py `make_namespec` / `split_namespec`), `cmd.Cmd.parseline`, Python's
//! `int()` of a string, and supervisorctl's exit codes (`LSBInitExitStatuses`,
//! `LSBStatusExitStatuses`).

/// Exit codes (supervisorctl.py `LSBInitExitStatuses` / `LSBStatusExitStatuses`).
pub mod exit {
    pub const SUCCESS: i32 = 0;
    pub const GENERIC: i32 = 1;
    pub const INVALID_ARGS: i32 = 2;
    pub const UNIMPLEMENTED_FEATURE: i32 = 3;
    pub const INSUFFICIENT_PRIVILEGES: i32 = 4;
    pub const NOT_INSTALLED: i32 = 5;
    pub const NOT_RUNNING: i32 = 7;
    /// `status`: a listed process is not running.
    pub const STATUS_NOT_RUNNING: i32 = 3;
    /// `status`: an unknown name, or the server could not be reached.
    pub const STATUS_UNKNOWN: i32 = 4;
}

/// The namespec supervisorctl prints for an error about `(group, process)` as
/// `split_namespec` returned them: Python formats a missing process as `None`
/// (`clear grp:*` prints `grp:None: ERROR (no such process)`).
pub fn error_namespec(group: &str, process: Option<&str>) -> String {
    supervisor_model::namespec::make(group, process.unwrap_or("None"))
}

/// What `cmd.Cmd.parseline` makes of a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedLine {
    /// The command word (`None` when the line cannot name one, e.g. `!ls`); may be
    /// empty when the line starts with a non-identifier character.
    pub cmd: Option<String>,
    pub arg: String,
    /// The stripped line (with `?` expanded to `help `).
    pub line: String,
}

/// `cmd.Cmd.parseline`: strip, `?x` = `help x`, `!x` has no command (we have no
/// `do_shell`), the command is the leading run of `[A-Za-z0-9_]`.
pub fn parseline(line: &str) -> ParsedLine {
    let mut line = py_strip(line).to_string();
    if line.is_empty() {
        return ParsedLine {
            cmd: None,
            arg: String::new(),
            line,
        };
    }
    if let Some(rest) = line.strip_prefix('?') {
        line = format!("help {rest}");
    } else if line.starts_with('!') {
        return ParsedLine {
            cmd: None,
            arg: String::new(),
            line,
        };
    }
    let end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(line.len());
    ParsedLine {
        cmd: Some(line[..end].to_string()),
        arg: py_strip(&line[end..]).to_string(),
        line,
    }
}

/// Python's `str.strip()` (Unicode whitespace).
pub fn py_strip(s: &str) -> &str {
    s.trim_matches(char::is_whitespace)
}

/// Python's `str.split()`.
pub fn py_split(s: &str) -> Vec<&str> {
    s.split_whitespace().collect()
}

/// Python's `int(text)` for the values supervisorctl parses (`tail -100`): optional
/// sign, ASCII digits with single underscores between them.
pub fn python_int(text: &str) -> Option<i64> {
    let t = py_strip(text);
    let (negative, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
        || !digits.chars().all(|c| c.is_ascii_digit() || c == '_')
    {
        return None;
    }
    let value: i64 = digits.replace('_', "").parse().ok()?;
    Some(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespecs() {
        assert_eq!(error_namespec("grp", None), "grp:None");
    }

    #[test]
    fn parseline_is_cmds() {
        let p = parseline("  status   a b  ");
        assert_eq!(p.cmd.as_deref(), Some("status"));
        assert_eq!(p.arg, "a b");
        assert_eq!(p.line, "status   a b");
        let p = parseline("?status");
        assert_eq!(p.cmd.as_deref(), Some("help"));
        assert_eq!(p.arg, "status");
        assert_eq!(parseline("!ls").cmd, None);
        assert_eq!(parseline("").line, "");
        let p = parseline("status-x");
        assert_eq!((p.cmd.as_deref(), p.arg.as_str()), (Some("status"), "-x"));
        let p = parseline("-x");
        assert_eq!(p.cmd.as_deref(), Some(""));
        let p = parseline("status\tsleeper");
        assert_eq!(p.arg, "sleeper");
    }

    #[test]
    fn python_ints() {
        assert_eq!(python_int("100"), Some(100));
        assert_eq!(python_int("-5"), Some(-5));
        assert_eq!(python_int("+5"), Some(5));
        assert_eq!(python_int("1_000"), Some(1000));
        assert_eq!(python_int("0"), Some(0));
        for bad in ["", "-", "x", "1__0", "_1", "1_", "f", "1.5"] {
            assert_eq!(python_int(bad), None, "{bad}");
        }
    }
}
