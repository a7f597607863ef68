//! Value conversions of datatypes.py that need more than `supervisor-model`: Python
//! `int()`, names, paths (`~`, existing directories, `normalize_path`), users and
//! groups (passwd/group lookups through nix), inet addresses. Each returns
//! Supervisor's message as a plain `String` for the caller to wrap with a location.

use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use nix::unistd::{Gid, Group, Uid, User};

use crate::UserSpec;

/// Python `int(value)` ([`supervisor_model::python_int`]), saturated to `i64`: far
/// beyond every option's own bounds, which each option checks.
pub fn integer(value: &str) -> Result<i64, String> {
    let n = supervisor_model::python_int(value).map_err(|e| e.0)?;
    Ok(i64::try_from(n).unwrap_or(if n < 0 { i64::MIN } else { i64::MAX }))
}

/// datatypes.py `byte_size` ([`supervisor_model::ByteSize`]'s parser).
pub fn byte_size(value: &str) -> Result<supervisor_model::ByteSize, String> {
    value.parse().map_err(|e: supervisor_model::ValueError| e.0)
}

/// Parses with a `supervisor-model` type, keeping its Supervisor-worded message.
pub(crate) fn model<T: std::str::FromStr<Err = supervisor_model::ValueError>>(
    v: &str,
) -> Result<T, String> {
    v.parse::<T>().map_err(|e| e.0)
}

/// datatypes.py `boolean`.
pub(crate) fn boolean(v: &str) -> Result<bool, String> {
    supervisor_model::parse_bool(v).map_err(|e| e.0)
}

/// Counts where Python accepts a negative number that means the same as 0.
pub(crate) fn clamped_u32(v: &str) -> Result<u32, String> {
    let n = integer(v)?;
    Ok(u32::try_from(n.max(0)).unwrap_or(u32::MAX))
}

/// A number of seconds; Python accepts a negative one, which means the same as 0.
pub(crate) fn seconds(v: &str) -> Result<Duration, String> {
    Ok(Duration::from_secs(integer(v)?.max(0).unsigned_abs()))
}

/// datatypes.py `process_or_group_name`: stripped, no space, `:` or `/`.
pub fn process_or_group_name(name: &str) -> Result<String, String> {
    let s = name.trim();
    for c in [' ', ':', '/'] {
        if s.contains(c) {
            return Err(format!(
                "Invalid name: {} because of character: '{c}'",
                supervisor_model::py_repr(name)
            ));
        }
    }
    Ok(s.to_string())
}

/// datatypes.py `list_of_strings`: comma-separated, each stripped; empty → none.
pub fn list_of_strings(value: &str) -> Vec<String> {
    if value.is_empty() {
        return Vec::new();
    }
    value.split(',').map(|s| s.trim().to_string()).collect()
}

/// The pieces of the process environment the loader depends on.
#[derive(Debug, Clone)]
pub struct Host {
    pub home: Option<String>,
    pub cwd: PathBuf,
}

impl Host {
    /// `os.path.expanduser`: `~` and `~/x` use $HOME (else passwd); `~user/x` the
    /// user's home directory.
    pub fn expanduser(&self, path: &str) -> String {
        let Some(rest) = path.strip_prefix('~') else {
            return path.to_string();
        };
        let (user, tail) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        let home = if user.is_empty() {
            self.home.clone().or_else(|| {
                User::from_uid(Uid::current())
                    .ok()
                    .flatten()
                    .map(|u| u.dir.to_string_lossy().into_owned())
            })
        } else {
            User::from_name(user)
                .ok()
                .flatten()
                .map(|u| u.dir.to_string_lossy().into_owned())
        };
        match home {
            Some(h) => {
                let h = if h.len() > 1 {
                    h.trim_end_matches('/')
                } else {
                    &h
                };
                format!("{h}{tail}")
            }
            None => path.to_string(),
        }
    }

    /// options.py `normalize_path`: expanduser, absolute against the cwd, normpath.
    pub fn normalize(&self, path: &str) -> PathBuf {
        let expanded = self.expanduser(path);
        normpath(&self.cwd.join(expanded))
    }

    /// datatypes.py `existing_directory`: `~` expanded, must be a directory.
    pub fn existing_directory(&self, value: &str) -> Result<PathBuf, String> {
        let expanded = self.expanduser(value);
        if self.resolve(&expanded).is_dir() {
            Ok(PathBuf::from(expanded))
        } else {
            Err(format!("{value} is not an existing directory"))
        }
    }

    /// datatypes.py `existing_dirpath`: the parent directory must exist (a bare
    /// file name is fine).
    pub fn existing_dirpath(&self, value: &str) -> Result<PathBuf, String> {
        let expanded = self.expanduser(value);
        let dir = python_dirname(&expanded);
        if dir.is_empty() || self.resolve(dir).is_dir() {
            Ok(PathBuf::from(expanded))
        } else {
            Err(format!(
                "The directory named as part of the path {value} does not exist"
            ))
        }
    }

    /// A relative path is checked against the loader's working directory.
    fn resolve(&self, path: &str) -> PathBuf {
        self.cwd.join(path)
    }
}

/// `os.path.dirname`: everything before the last `/`, trailing slashes removed
/// unless the whole head is slashes.
pub fn python_dirname(path: &str) -> &str {
    match path.rfind('/') {
        None => "",
        Some(i) => {
            let head = &path[..=i];
            let trimmed = head.trim_end_matches('/');
            if trimmed.is_empty() { head } else { trimmed }
        }
    }
}

/// `os.path.normpath` of an absolute path: no `.`, `..` resolved lexically.
pub fn normpath(path: &Path) -> PathBuf {
    let mut out = PathBuf::from("/");
    for c in path.components() {
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

/// datatypes.py `name_to_uid` plus the primary gid (`gid_for_uid`).
pub fn user(name: &str) -> Result<UserSpec, String> {
    let found = match name.parse::<i64>() {
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
        name: name.to_string(),
        uid: found.uid.as_raw(),
        gid: found.gid.as_raw(),
    })
}

/// datatypes.py `name_to_gid`.
pub fn group(name: &str) -> Result<u32, String> {
    match name.parse::<i64>() {
        Ok(id) => u32::try_from(id)
            .ok()
            .and_then(|id| Group::from_gid(Gid::from_raw(id)).ok().flatten())
            .map(|g| g.gid.as_raw())
            .ok_or_else(|| format!("Invalid group id {name}")),
        Err(_) => Group::from_name(name)
            .ok()
            .flatten()
            .map(|g| g.gid.as_raw())
            .ok_or_else(|| format!("Invalid group name {name}")),
    }
}

/// The gid meaning "leave the group alone" in `chown(2)`: what Supervisor's
/// `(uid, -1)` becomes for `user` without `:group`.
pub const UNCHANGED_GID: u32 = u32::MAX;

/// datatypes.py `colon_separated_user_group`: `user` or `user:group` → (uid, gid);
/// `user` alone gives [`UNCHANGED_GID`].
pub fn user_group(value: &str) -> Result<(u32, u32), String> {
    let bad = || format!("Invalid user:group definition {value}");
    match value.split_once(':') {
        None => Ok((user(value).map_err(|_| bad())?.uid, UNCHANGED_GID)),
        Some((u, g)) => Ok((
            user(u).map_err(|_| bad())?.uid,
            group(g).map_err(|_| bad())?,
        )),
    }
}

/// datatypes.py `inet_address`: `port`, `host:port`, `*:port`, `:port`.
pub fn inet_address(value: &str) -> Result<(String, u16), String> {
    let port_number = |s: &str| -> Result<u16, String> {
        let n = integer(s)?;
        if n < 1 {
            Err(format!("{n} is below lower bound (1)"))
        } else if n > 0xffff {
            Err(format!("{n} is above upper bound (65535)"))
        } else {
            Ok(n as u16)
        }
    };
    let (host, port) = match value.rsplit_once(':') {
        Some((host, port)) => {
            if port.is_empty() {
                return Err("no port number specified in ''".to_string());
            }
            (host.to_lowercase(), port_number(port)?)
        }
        None => {
            let port = port_number(value).map_err(|_| {
                format!(
                    "not a valid port number: {} ",
                    supervisor_model::py_repr(value)
                )
            })?;
            (String::new(), port)
        }
    };
    let host = if host == "*" { String::new() } else { host };
    Ok((host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_int() {
        assert_eq!(integer(" 42 "), Ok(42));
        assert_eq!(integer("-3"), Ok(-3));
        assert_eq!(integer("+1_000"), Ok(1000));
        assert_eq!(
            integer("abc"),
            Err("invalid literal for int() with base 10: 'abc'".into())
        );
        for bad in ["", "1.5", "0x10", "1__0", "_1", "1 2"] {
            assert!(integer(bad).is_err(), "{bad}");
        }
        assert_eq!(integer("99999999999999999999"), Ok(i64::MAX));
    }

    #[test]
    fn byte_sizes_as_supervisor_reads_them() {
        assert_eq!(byte_size("50MB").map(|b| b.bytes()), Ok(50 << 20));
        // Supervisor loads a negative size and never rotates with it, as with 0.
        assert_eq!(byte_size("-1").map(|b| b.bytes()), Ok(0));
        assert_eq!(
            byte_size("1.5MB"),
            Err("invalid literal for int() with base 10: '1.5'".into())
        );
    }

    #[test]
    fn names() {
        assert_eq!(process_or_group_name(" web "), Ok("web".into()));
        assert_eq!(
            process_or_group_name("a b"),
            Err("Invalid name: 'a b' because of character: ' '".into())
        );
        assert!(process_or_group_name("a:b").is_err());
        assert_eq!(list_of_strings("a, b,"), ["a", "b", ""]);
        assert!(list_of_strings("").is_empty());
    }

    #[test]
    fn paths() {
        let host = Host {
            home: Some("/home/u".into()),
            cwd: PathBuf::from("/work"),
        };
        assert_eq!(host.expanduser("~/x"), "/home/u/x");
        assert_eq!(host.expanduser("~"), "/home/u");
        assert_eq!(host.expanduser("a~"), "a~");
        assert_eq!(host.normalize("a/../b/./c"), PathBuf::from("/work/b/c"));
        assert_eq!(host.normalize("/x//y/"), PathBuf::from("/x/y"));
        assert_eq!(python_dirname("/a/b"), "/a");
        assert_eq!(python_dirname("/a"), "/");
        assert_eq!(python_dirname("b"), "");
        assert!(host.existing_dirpath("plain.log").is_ok());
        assert!(host.existing_dirpath("/nonexistent-dir-xyz/a.log").is_err());
        assert!(host.existing_directory("/tmp").is_ok());
    }

    #[test]
    fn users_and_addresses() {
        assert_eq!(user("root").unwrap().uid, 0);
        assert_eq!(user("0").unwrap().name, "0");
        assert_eq!(
            user("no-such-user-xyz").unwrap_err(),
            "Invalid user name no-such-user-xyz"
        );
        assert_eq!(user("987654").unwrap_err(), "Invalid user id 987654");
        assert_eq!(user_group("root").unwrap(), (0, UNCHANGED_GID));
        assert_eq!(user_group("root:root").unwrap(), (0, 0));
        assert!(user_group("root:no-such-group-xyz").is_err());
        assert_eq!(inet_address("9001"), Ok((String::new(), 9001)));
        assert_eq!(inet_address("*:9001"), Ok((String::new(), 9001)));
        assert_eq!(inet_address("LocalHost:80"), Ok(("localhost".into(), 80)));
        assert!(inet_address("host:").is_err());
        assert!(inet_address("host:70000").is_err());
        assert!(inet_address("abc").is_err());
    }
}
