//! Supervisor's value converters (datatypes.py, options.py) as the command line uses
//! them, with Python's exact error texts: `int()`, `byte_size`, `logging_level`,
//! `existing_directory`, `existing_dirpath`, `normalize_path`, `name_to_uid`.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Component, Path, PathBuf};

use nix::unistd::{Uid, User};
use supervisor_config::UserSpec;
use supervisor_model::{ByteSize, LogLevel};

use supervisor_model::py_repr as repr;

pub(super) fn clamp_u64(n: i128) -> u64 {
    // Negative limits are never below the current one: Supervisor does nothing.
    u64::try_from(n.max(0)).unwrap_or(u64::MAX)
}

/// Python `int(text)` (base 10), saturating ([`supervisor_model::python_int`]).
pub(super) fn python_int(text: &str) -> Result<i128, String> {
    supervisor_model::python_int(text).map_err(|e| e.0)
}

/// datatypes.py `byte_size` ([`ByteSize`]'s parser): a negative size means "never
/// rotate" to Supervisor, as 0 does.
pub(super) fn byte_size(text: &str) -> Result<ByteSize, String> {
    text.parse().map_err(|e: supervisor_model::ValueError| e.0)
}

/// datatypes.py `logging_level`: the lower-cased name must be a level name exactly.
pub(super) fn logging_level(text: &str) -> Result<LogLevel, String> {
    let bad = || format!("bad logging level name {}", repr(text));
    if text.trim() != text {
        return Err(bad());
    }
    text.parse::<LogLevel>().map_err(|_| bad())
}

/// `os.path.expanduser`: `~` and `~/x` use $HOME (else passwd); `~user/x` that user's
/// home; an unknown user leaves the path alone.
pub(super) fn expanduser(path: &OsStr) -> PathBuf {
    let bytes = path.as_bytes();
    let Some(rest) = bytes.strip_prefix(b"~") else {
        return PathBuf::from(path);
    };
    let split = rest.iter().position(|&b| b == b'/').unwrap_or(rest.len());
    let (user, tail) = rest.split_at(split);
    let home: Option<OsString> = if user.is_empty() {
        std::env::var_os("HOME").or_else(|| {
            User::from_uid(Uid::current())
                .ok()
                .flatten()
                .map(|u| u.dir.into_os_string())
        })
    } else {
        std::str::from_utf8(user)
            .ok()
            .and_then(|name| User::from_name(name).ok().flatten())
            .map(|u| u.dir.into_os_string())
    };
    let Some(home) = home else {
        return PathBuf::from(path);
    };
    let mut home = home.into_vec();
    while home.len() > 1 && home.ends_with(b"/") {
        home.pop();
    }
    home.extend_from_slice(tail);
    PathBuf::from(OsString::from_vec(home))
}

/// datatypes.py `existing_directory`.
pub(super) fn existing_directory(value: &OsStr, cwd: &Path) -> Result<PathBuf, String> {
    let expanded = expanduser(value);
    if cwd.join(&expanded).is_dir() {
        Ok(expanded)
    } else {
        Err(format!(
            "{} is not an existing directory",
            value.to_string_lossy()
        ))
    }
}

/// datatypes.py `existing_dirpath`: the directory part must exist (a bare file name
/// is fine).
pub(super) fn existing_dirpath(value: &OsStr, cwd: &Path) -> Result<PathBuf, String> {
    let expanded = expanduser(value);
    let bytes = expanded.as_os_str().as_bytes();
    let dir = match bytes.iter().rposition(|&b| b == b'/') {
        None => return Ok(expanded),
        Some(i) => &bytes[..=i],
    };
    if cwd.join(OsStr::from_bytes(dir)).is_dir() {
        Ok(expanded)
    } else {
        Err(format!(
            "The directory named as part of the path {} does not exist",
            value.to_string_lossy()
        ))
    }
}

/// options.py `normalize_path`: absolute against the cwd, `.` and `..` resolved
/// lexically (the path is already `~`-expanded).
pub(super) fn normalize_path(path: &Path, cwd: &Path) -> PathBuf {
    let mut out = PathBuf::from("/");
    for c in cwd.join(path).components() {
        match c {
            Component::Normal(p) => out.push(p),
            Component::ParentDir => {
                out.pop();
            }
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    out
}

/// datatypes.py `name_to_uid` + `gid_for_uid`.
pub(super) fn resolve_user(name: &str) -> Result<UserSpec, String> {
    let found = match python_int(name) {
        Ok(id) => u32::try_from(id)
            .ok()
            .and_then(|id| User::from_uid(Uid::from_raw(id)).ok().flatten())
            .ok_or_else(|| format!("Invalid user id {name}"))?,
        Err(_) => User::from_name(name)
            .ok()
            .flatten()
            .ok_or_else(|| format!("Invalid user name {name}"))?,
    };
    Ok(UserSpec {
        name: name.to_owned(),
        uid: found.uid.as_raw(),
        gid: found.gid.as_raw(),
    })
}
