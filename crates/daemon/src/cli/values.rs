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

/// Python `int(text)` (base 10): surrounding whitespace, a sign, digits with single
/// `_` separators. Out-of-range values saturate (Python ints are unbounded).
pub(super) fn python_int(text: &str) -> Result<i128, String> {
    let bad = || format!("invalid literal for int() with base 10: {}", repr(text));
    let t = text.trim();
    let (negative, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let well_formed = !digits.is_empty()
        && !digits.starts_with('_')
        && !digits.ends_with('_')
        && !digits.contains("__")
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'_');
    if !well_formed {
        return Err(bad());
    }
    let magnitude = digits
        .bytes()
        .filter(u8::is_ascii_digit)
        .fold(0i128, |n, d| {
            n.saturating_mul(10).saturating_add(i128::from(d - b'0'))
        });
    Ok(if negative { -magnitude } else { magnitude })
}

/// datatypes.py `byte_size` (`SuffixMultiplier`): the value is lower-cased, an
/// optional `kb`/`mb`/`gb` suffix taken off, the rest read by `int()` (whose message
/// is the error). A negative size means "never rotate" to Supervisor, as 0 does.
pub(super) fn byte_size(text: &str) -> Result<ByteSize, String> {
    let lower = text.to_lowercase();
    let (number, multiplier) = [("kb", 1i128 << 10), ("mb", 1 << 20), ("gb", 1 << 30)]
        .into_iter()
        .find_map(|(suffix, m)| lower.strip_suffix(suffix).map(|n| (n, m)))
        .unwrap_or((lower.as_str(), 1));
    let n = python_int(number)?.saturating_mul(multiplier);
    Ok(ByteSize(u64::try_from(n.max(0)).unwrap_or(u64::MAX)))
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
