//! Turning a `command=` line into the file to exec and its argv, exactly as Supervisor's
//! `Subprocess.get_execv_args` does: `shlex.split` (POSIX mode, no comments), a `PATH`
//! search by `stat()` for a program without `/`, then `check_execv_args`. Runs in the
//! parent before anything is forked; it never spawns.
//!
//! The splitter is a port of CPython 3.11's `shlex.read_token` rather than the
//! `shell-words` crate, which differs from `shlex.split` on `#` (a comment there),
//! `\r` (not whitespace there), backslash-newline (a continuation there), `"\$"` (drops
//! the backslash there) and a trailing backslash (no error there).

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use nix::unistd::{AccessFlags, access};

use supervisor_model::py_repr;

/// Supervisor's PATH when neither the program's environment nor supervisord has one
/// (`Options.get_path`).
pub const DEFAULT_PATH: &str = "/bin:/usr/bin:/usr/local/bin";

/// The outcome of [`resolve_command`]: what `execve` gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedCommand {
    /// The file to exec: `argv[0]` if it contains `/`, else the first `PATH` hit.
    pub filename: PathBuf,
    /// `shlex.split(command)`; `argv[0]` is left as written.
    pub argv: Vec<String>,
}

/// Why `shlex.split` rejected a command (Python's `ValueError` texts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ShlexError {
    #[error("No closing quotation")]
    NoClosingQuotation,
    #[error("No escaped character")]
    NoEscapedCharacter,
}

/// A command that cannot be spawned, with Supervisor's spawnerr text as `Display`.
/// `NotFound` maps to the NO_FILE fault, every other variant to NOT_EXECUTABLE
/// (rpcinterface.py `startProcess`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    #[error("can't find command {}", py_repr(.0))]
    NotFound(String),
    #[error("command at {} is a directory", py_repr(.0))]
    IsDirectory(String),
    #[error("command at {} is not executable", py_repr(.0))]
    NotExecutable(String),
    #[error("no permission to run command {}", py_repr(.0))]
    NoPermission(String),
    #[error("can't parse command {}: {source}", py_repr(.command))]
    Parse {
        command: String,
        #[source]
        source: ShlexError,
    },
    #[error("command is empty")]
    Empty,
}

impl CommandError {
    /// Supervisor's `NotFound` (fault NO_FILE).
    pub fn is_no_file(&self) -> bool {
        matches!(self, CommandError::NotFound(_))
    }

    /// Supervisor's `BadCommand`, `NotExecutable` or `NoPermission` (fault NOT_EXECUTABLE).
    pub fn is_not_executable(&self) -> bool {
        !self.is_no_file()
    }
}

/// Resolve `command` the way `get_execv_args` does. `path` is the PATH to search: the
/// program's merged `environment=` PATH if set, else supervisord's own; `None` or empty
/// means [`DEFAULT_PATH`].
pub fn resolve_command(
    command: &str,
    path: Option<&OsStr>,
) -> Result<ResolvedCommand, CommandError> {
    let argv = split_command(command)?;
    let filename = locate(&argv[0], path)?;
    Ok(ResolvedCommand { filename, argv })
}

/// `command` split as `get_execv_args` splits it: at least one word, or Supervisor's
/// error. Split once per config by the daemon; [`locate`] runs per spawn.
pub fn split_command(command: &str) -> Result<Vec<String>, CommandError> {
    let argv = shlex_split(command).map_err(|source| CommandError::Parse {
        command: command.to_string(),
        source,
    })?;
    if argv.is_empty() {
        return Err(CommandError::Empty);
    }
    Ok(argv)
}

/// The file `program` (an `argv[0]`) names: itself if it contains `/`, else the
/// first `PATH` hit; checked as `check_execv_args` does. For a command already
/// split once ([`shlex_split`]), each spawn looks the file up again, as Supervisor
/// does, so a program installed or removed meanwhile is found or missed.
///
/// A successful search is remembered while the directories it searched do not
/// change ([`crate::path_cache`]); the file itself is checked each time (`access`).
pub fn locate(program: &str, path: Option<&OsStr>) -> Result<PathBuf, CommandError> {
    if program.contains('/') {
        let filename = PathBuf::from(program);
        check_execv_args(&filename, std::fs::metadata(program).ok().as_ref())?;
        return Ok(filename);
    }
    let path = match path {
        Some(p) if !p.is_empty() => p,
        _ => OsStr::new(DEFAULT_PATH),
    };
    // A remembered hit is checked with `access` alone: it failing means the file is
    // gone or no longer executable (then the full search and check give Supervisor's
    // answer); it passing says what `check_execv_args` would, except that a directory
    // also passes `X_OK`, and the hit's directory is watched, so a hit replaced by a
    // directory forgets it. The `stat` saved was 3 % of a restart (BENCHMARKS.md).
    if let Some(hit) = crate::path_cache::remembered(program, path)
        && access(&hit, AccessFlags::X_OK).is_ok()
    {
        return Ok(hit);
    }
    let dirs: Vec<&[u8]> = path.as_bytes().split(|&b| b == b':').collect();
    let (filename, meta, hit) = search_path(program, &dirs);
    check_execv_args(&filename, meta.as_ref())?;
    if let Some(hit) = hit {
        crate::path_cache::remember(program, path, &dirs, hit, &filename);
    }
    Ok(filename)
}

/// The first `dir/program` that `stat()`s (even a directory, as in Supervisor) and
/// the index of its directory, else the bare program name and no metadata.
fn search_path(
    program: &str,
    dirs: &[&[u8]],
) -> (PathBuf, Option<std::fs::Metadata>, Option<usize>) {
    for (i, dir) in dirs.iter().enumerate() {
        // os.path.join("", p) == p: an empty PATH entry means the current directory.
        let found = Path::new(OsStr::from_bytes(dir)).join(program);
        if let Ok(meta) = std::fs::metadata(&found) {
            return (found, Some(meta), Some(i));
        }
    }
    (PathBuf::from(program), None, None)
}

/// options.py `check_execv_args`.
fn check_execv_args(filename: &Path, meta: Option<&std::fs::Metadata>) -> Result<(), CommandError> {
    let name = || filename.to_string_lossy().into_owned();
    let Some(meta) = meta else {
        return Err(CommandError::NotFound(name()));
    };
    if meta.is_dir() {
        return Err(CommandError::IsDirectory(name()));
    }
    if meta.permissions().mode() & 0o111 == 0 {
        return Err(CommandError::NotExecutable(name()));
    }
    if access(filename, AccessFlags::X_OK).is_err() {
        return Err(CommandError::NoPermission(name()));
    }
    Ok(())
}

/// CPython's `shlex.split(s)`: POSIX mode, `whitespace_split=True`, no commenters.
pub fn shlex_split(s: &str) -> Result<Vec<String>, ShlexError> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Space,
        Word,
        Quote(char),
        /// After a backslash; holds the state to return to (`Word` or `Quote('"')`).
        Escape(Escaped),
    }
    #[derive(Clone, Copy, PartialEq)]
    enum Escaped {
        Word,
        DoubleQuote,
    }
    const WHITESPACE: &[char] = &[' ', '\t', '\r', '\n'];

    let mut words = Vec::new();
    let mut token = String::new();
    let mut quoted = false;
    let mut state = State::Space;
    let mut chars = s.chars();
    loop {
        let next = chars.next();
        match (state, next) {
            (State::Space | State::Word, None) => {
                if !token.is_empty() || quoted {
                    words.push(std::mem::take(&mut token));
                }
                return Ok(words);
            }
            (State::Space | State::Word, Some(c)) if WHITESPACE.contains(&c) => {
                if !token.is_empty() || quoted {
                    words.push(std::mem::take(&mut token));
                    quoted = false;
                }
                state = State::Space;
            }
            (State::Space | State::Word, Some('\\')) => state = State::Escape(Escaped::Word),
            (State::Space | State::Word, Some(q @ ('\'' | '"'))) => state = State::Quote(q),
            (State::Space | State::Word, Some(c)) => {
                token.push(c);
                state = State::Word;
            }
            (State::Quote(_), None) => return Err(ShlexError::NoClosingQuotation),
            (State::Quote(q), Some(c)) => {
                quoted = true;
                if c == q {
                    state = State::Word;
                } else if q == '"' && c == '\\' {
                    state = State::Escape(Escaped::DoubleQuote);
                } else {
                    token.push(c);
                }
            }
            (State::Escape(_), None) => return Err(ShlexError::NoEscapedCharacter),
            (State::Escape(back), Some(c)) => {
                // In POSIX shells only the quote itself or the escape character may be
                // escaped within quotes; elsewhere the backslash is kept.
                if back == Escaped::DoubleQuote && c != '\\' && c != '"' {
                    token.push('\\');
                }
                token.push(c);
                state = match back {
                    Escaped::Word => State::Word,
                    Escaped::DoubleQuote => State::Quote('"'),
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn split(s: &str) -> Vec<String> {
        shlex_split(s).unwrap()
    }

    #[test]
    fn shlex_matches_python() {
        // Expected values printed by CPython 3.11 shlex.split.
        assert_eq!(split("a b  c"), ["a", "b", "c"]);
        assert_eq!(split("  "), Vec::<String>::new());
        assert_eq!(split("a 'b c' \"d e\""), ["a", "b c", "d e"]);
        assert_eq!(split("a#b #c"), ["a#b", "#c"]);
        assert_eq!(split("x\ry"), ["x", "y"]);
        assert_eq!(split("a\\\nb"), ["a\nb"]);
        assert_eq!(split("\"\\$x\" \"\\\\\" \"\\\"\""), ["\\$x", "\\", "\""]);
        assert_eq!(split("'a\\b'"), ["a\\b"]);
        assert_eq!(split("'' \"\""), ["", ""]);
        assert_eq!(split("a''b"), ["ab"]);
        assert_eq!(split("\\ a"), [" a"]);
        assert_eq!(shlex_split("a 'b"), Err(ShlexError::NoClosingQuotation));
        assert_eq!(shlex_split("a \"b"), Err(ShlexError::NoClosingQuotation));
        assert_eq!(shlex_split("a \"b\\"), Err(ShlexError::NoEscapedCharacter));
        assert_eq!(shlex_split("a\\"), Err(ShlexError::NoEscapedCharacter));
    }

    #[test]
    fn searches_path_like_supervisor() {
        let r = resolve_command("sh -c 'echo hi'", Some(OsStr::new("/nonexistent:/bin"))).unwrap();
        assert_eq!(r.filename, PathBuf::from("/bin/sh"));
        assert_eq!(r.argv, ["sh", "-c", "echo hi"]);
        // No PATH, or an empty one: /bin:/usr/bin:/usr/local/bin.
        let r = resolve_command("true", None).unwrap();
        assert_eq!(r.filename, PathBuf::from("/bin/true"));
        let r = resolve_command("true", Some(OsStr::new(""))).unwrap();
        assert_eq!(r.filename, PathBuf::from("/bin/true"));
        // argv[0] with a slash is used as is.
        let r = resolve_command("/bin/sleep 1", Some(OsStr::new("/nowhere"))).unwrap();
        assert_eq!(r.filename, PathBuf::from("/bin/sleep"));
    }

    #[test]
    fn error_texts_are_supervisors() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let plain = d.join("plain");
        std::fs::write(&plain, "x").unwrap();
        let err =
            |cmd: &str, path: Option<&str>| resolve_command(cmd, path.map(OsStr::new)).unwrap_err();
        let e = err("nosuchprog_xyz", None);
        assert_eq!(e.to_string(), "can't find command 'nosuchprog_xyz'");
        assert!(e.is_no_file());
        let e = err("/no/such", None);
        assert_eq!(e.to_string(), "can't find command '/no/such'");
        let e = err(&format!("{} arg", d.display()), None);
        assert_eq!(
            e.to_string(),
            format!("command at '{}' is a directory", d.display())
        );
        assert!(e.is_not_executable());
        let e = err("plain", Some(d.to_str().unwrap()));
        assert_eq!(
            e.to_string(),
            format!("command at '{}' is not executable", plain.display())
        );
        let e = err("a 'b", None);
        assert_eq!(
            e.to_string(),
            "can't parse command \"a 'b\": No closing quotation"
        );
        assert!(e.is_not_executable());
        let e = err("a\\", None);
        assert_eq!(
            e.to_string(),
            "can't parse command 'a\\\\': No escaped character"
        );
        assert_eq!(err("   ", None).to_string(), "command is empty");
        assert!(err("", None).is_not_executable());
    }

    #[test]
    fn no_permission_is_checked_with_access() {
        // access(X_OK) as root succeeds for any file with an x bit, so the check can
        // only fail for an unprivileged user; exercise it when not root.
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("prog");
        std::fs::write(&f, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o001)).unwrap();
        let r = resolve_command(f.to_str().unwrap(), None);
        if nix::unistd::geteuid().is_root() {
            assert!(r.is_ok());
        } else {
            assert_eq!(
                r.unwrap_err().to_string(),
                format!("no permission to run command '{}'", f.display())
            );
        }
    }

    #[test]
    fn a_remembered_lookup_follows_every_change_supervisor_would_see() {
        let root = tempfile::tempdir().unwrap();
        let (first, second) = (root.path().join("first"), root.path().join("second"));
        std::fs::create_dir(&first).unwrap();
        std::fs::create_dir(&second).unwrap();
        let path = std::env::join_paths([&first, &second]).unwrap();
        let make = |p: &Path, mode| {
            std::fs::write(p, "#!/bin/sh\n").unwrap();
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
        };
        let find = || locate("prog", Some(&path));
        make(&second.join("prog"), 0o755);
        assert_eq!(find().unwrap(), second.join("prog"));
        // Remembered now; each change below must still be seen at once.
        assert_eq!(find().unwrap(), second.join("prog"));
        // A program installed earlier on PATH wins (a directory event).
        make(&first.join("prog"), 0o755);
        assert_eq!(find().unwrap(), first.join("prog"));
        assert_eq!(find().unwrap(), first.join("prog"));
        // The hit made non-executable: Supervisor's error, not the next directory.
        std::fs::set_permissions(first.join("prog"), std::fs::Permissions::from_mode(0o644))
            .unwrap();
        assert!(matches!(find(), Err(CommandError::NotExecutable(_))));
        // Removed: the next directory's again; both removed: not found.
        std::fs::remove_file(first.join("prog")).unwrap();
        assert_eq!(find().unwrap(), second.join("prog"));
        std::fs::remove_file(second.join("prog")).unwrap();
        assert!(matches!(find(), Err(CommandError::NotFound(_))));
        // Replaced by a directory behind the remembered file's back is also seen.
        make(&second.join("prog"), 0o755);
        assert_eq!(find().unwrap(), second.join("prog"));
        std::fs::remove_file(second.join("prog")).unwrap();
        std::fs::create_dir(second.join("prog")).unwrap();
        assert!(matches!(find(), Err(CommandError::IsDirectory(_))));
    }
}
