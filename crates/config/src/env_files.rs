//! `env_files=` (an extension; README, "Environment files"): environment variables
//! read from dotenv files, on `[supervisord]` and program-like sections. The value is
//! a comma-separated list of paths (`%(here)s` and the section's other names are
//! expanded; a relative path is relative to the directory of the file that holds the
//! option, as `[include]` is); a path written with a leading `-` may be missing, as
//! with systemd's `EnvironmentFile=-`. Files are parsed by `dotenvy` (comments,
//! single and double quotes, `export`, `${VAR}` substitution from supervisord's own
//! environment and earlier lines); later files override earlier ones, and the
//! section's `environment=` overrides them all (the caller merges). Values are never
//! put in an error message: they are often secrets.

use std::path::{Path, PathBuf};

use crate::ctx::Ctx;
use crate::error::ConfigError;
use crate::expand::Expansions;

pub(crate) const KEY: &str = "env_files";

/// The variables of `section`'s `env_files`, in file order (a later file's value
/// for a name replaces an earlier one, keeping the first position).
pub(crate) fn read(
    ctx: &Ctx,
    section: &str,
    names: &Expansions,
) -> Result<Vec<(String, String)>, ConfigError> {
    let Some(value) = ctx.get(section, KEY, names)? else {
        return Ok(Vec::new());
    };
    let at = ctx.loc(section, KEY);
    let base = at
        .file
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(&ctx.here));
    let mut vars: Vec<(String, String)> = Vec::new();
    for entry in value.split([',', '\n']).map(str::trim) {
        let (optional, written) = match entry.strip_prefix('-') {
            Some(rest) => (true, rest.trim()),
            None => (false, entry),
        };
        if written.is_empty() {
            continue;
        }
        let path = base.join(ctx.host.expanduser(written));
        let text = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if optional && e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(error(
                    ctx,
                    section,
                    &path,
                    None,
                    format!("cannot read it: {e}"),
                ));
            }
        };
        for (k, v) in parse(&text).map_err(|(line, msg)| error(ctx, section, &path, line, msg))? {
            merge(&mut vars, k, v);
        }
    }
    Ok(vars)
}

/// `env_files` variables with `environment=` on top; without env files, `written`
/// exactly as it was (Supervisor's model).
pub(crate) fn overlay(
    from_files: Vec<(String, String)>,
    written: Vec<(String, String)>,
) -> Vec<(String, String)> {
    if from_files.is_empty() {
        return written;
    }
    let mut vars = from_files;
    for (k, v) in written {
        merge(&mut vars, k, v);
    }
    vars
}

/// `key=value` into `vars`: an existing key takes the new value in place.
pub(crate) fn merge(vars: &mut Vec<(String, String)>, key: String, value: String) {
    match vars.iter_mut().find(|(k, _)| *k == key) {
        Some((_, slot)) => *slot = value,
        None => vars.push((key, value)),
    }
}

/// Where a dotenv text is wrong (its 1-based line, when known) and what is wrong.
type BadLine = (Option<usize>, String);

/// The pairs of one dotenv text; the error is the line (1-based, when known) and
/// what is wrong, without the line's text.
fn parse(text: &[u8]) -> Result<Vec<(String, String)>, BadLine> {
    let mut out = Vec::new();
    for item in dotenvy::from_read_iter(text) {
        match item {
            Ok((k, v)) => out.push((k, v)),
            Err(dotenvy::Error::LineParse(line, index)) => {
                let at = line_number(text, &line);
                return Err((
                    at,
                    format!("not a valid line (dotenv syntax; error at character {index})"),
                ));
            }
            Err(e) => return Err((None, format!("cannot parse it: {e}"))),
        }
    }
    Ok(out)
}

/// The 1-based line where `logical` (a logical line dotenvy read) starts in `text`.
fn line_number(text: &[u8], logical: &str) -> Option<usize> {
    let text = String::from_utf8_lossy(text);
    let first = logical.lines().next().filter(|l| !l.trim().is_empty())?;
    text.lines()
        .position(|l| l.trim_end_matches('\r') == first)
        .map(|i| i + 1)
}

fn error(
    ctx: &Ctx,
    section: &str,
    path: &Path,
    line: Option<usize>,
    message: String,
) -> ConfigError {
    ConfigError::EnvFile {
        path: path.to_path_buf(),
        line,
        message,
        at: Box::new(ctx.loc(section, KEY)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &str) -> Vec<(String, String)> {
        parse(text.as_bytes()).unwrap()
    }

    #[test]
    fn dotenv_syntax() {
        let got = pairs(
            "# a comment\n\nexport A=1\nB='two words' # trailing\nC=\"x\\ny\"\nD=plain\nE=\n",
        );
        assert_eq!(
            got,
            [
                ("A".into(), "1".into()),
                ("B".into(), "two words".into()),
                ("C".into(), "x\ny".into()),
                ("D".into(), "plain".into()),
                ("E".into(), String::new()),
            ]
        );
    }

    #[test]
    fn a_bad_line_is_located_without_its_text() {
        let (line, msg) = parse(b"A=1\nB=2\nthis is wrong secret\n").unwrap_err();
        assert_eq!(line, Some(3));
        assert!(!msg.contains("secret"), "{msg}");
    }

    #[test]
    fn later_values_replace_earlier_ones_in_place() {
        let mut vars = vec![("A".to_string(), "1".to_string())];
        merge(&mut vars, "B".into(), "2".into());
        merge(&mut vars, "A".into(), "3".into());
        assert_eq!(vars, [("A".into(), "3".into()), ("B".into(), "2".into())]);
    }
}
