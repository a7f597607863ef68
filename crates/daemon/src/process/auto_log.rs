//! AUTO child logs (`stdout_logfile=AUTO`): the unique file each becomes in
//! `childlogdir`, and the startup/shutdown cleanup of those an earlier run left.

use std::io;
use std::path::{Path, PathBuf};

use supervisor_config::{ChannelConfig, LogFile};

use super::channel::Channel;

/// The file an AUTO log becomes: `<childlogdir>/<name>-<channel>---<identifier>-<8
/// random chars>.log`, created exclusively like Python's mkstemp.
pub fn auto_log_path(
    dir: &Path,
    name: &str,
    channel: Channel,
    identifier: &str,
) -> io::Result<PathBuf> {
    use std::hash::{BuildHasher, Hasher};
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789_";
    for attempt in 0u64..100 {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(attempt);
        let mut bits = h.finish();
        let suffix: String = (0..8)
            .map(|_| {
                let c = ALPHABET[(bits % ALPHABET.len() as u64) as usize] as char;
                bits /= ALPHABET.len() as u64;
                c
            })
            .collect();
        let path = dir.join(format!(
            "{name}-{}---{identifier}-{suffix}.log",
            channel.name()
        ));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(_) => return Ok(path),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        "no unique AUTO log file name found",
    ))
}

/// Whether `file_name` is an AUTO log of a supervisord with this `identifier`, by
/// Supervisor's startup-cleanup pattern `.+?---<identifier>-\S+\.log\.{0,1}\d{0,4}`
/// (a prefix match, so rotated backups `.log.1` … match too).
pub fn is_auto_log_name(file_name: &str, identifier: &str) -> bool {
    let marker = format!("---{identifier}-");
    file_name.match_indices(&marker).any(|(at, _)| {
        let rest = &file_name[at + marker.len()..];
        at >= 1
            && rest
                .match_indices(".log")
                .any(|(i, _)| i >= 1 && !rest[..i].contains(char::is_whitespace))
    })
}

/// Supervisor's `clear_autochildlogdir`: deletes the AUTO logs an earlier run left in
/// `dir`; returns the messages to log for files that could not be removed.
pub fn clear_auto_logs(dir: &Path, identifier: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if is_file
            && is_auto_log_name(name, identifier)
            && let Err(e) = std::fs::remove_file(entry.path())
        {
            problems.push(format!(
                "Failed to clean up {}: {e}",
                entry.path().display()
            ));
        }
    }
    problems
}

/// Resolves a channel's `logfile` option to a path (creating AUTO files now, at group
/// creation, as Supervisor does).
pub fn resolve_log_path(
    cfg: &ChannelConfig,
    dir: &Path,
    name: &str,
    channel: Channel,
    identifier: &str,
) -> io::Result<Option<PathBuf>> {
    match &cfg.logfile {
        LogFile::None | LogFile::Syslog => Ok(None),
        LogFile::Path(p) => Ok(Some(p.clone())),
        LogFile::Auto => auto_log_path(dir, name, channel, identifier).map(Some),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_names_follow_supervisors_scheme_and_are_unique() {
        let dir = tempfile::tempdir().unwrap();
        let a = auto_log_path(dir.path(), "web", Channel::Stdout, "supervisor").unwrap();
        let b = auto_log_path(dir.path(), "web", Channel::Stdout, "supervisor").unwrap();
        assert_ne!(a, b);
        let name = a.file_name().unwrap().to_str().unwrap();
        assert!(name.starts_with("web-stdout---supervisor-"), "{name}");
        assert!(name.ends_with(".log") && name.len() == "web-stdout---supervisor-".len() + 12);
        assert!(a.exists());
    }

    #[test]
    fn auto_log_names_are_recognised_like_supervisor() {
        for yes in [
            "web-stdout---supervisor-abc12345.log",
            "web-stderr---supervisor-abc12345.log.3",
            "x---supervisor-a.log",
        ] {
            assert!(is_auto_log_name(yes, "supervisor"), "{yes}");
        }
        for no in [
            "---supervisor-abc.log",
            "web-stdout---other-abc.log",
            "web-stdout---supervisor-.log",
            "web.log",
        ] {
            assert!(!is_auto_log_name(no, "supervisor"), "{no}");
        }
    }

    #[test]
    fn clear_auto_logs_removes_only_ours() {
        let dir = tempfile::tempdir().unwrap();
        let ours = auto_log_path(dir.path(), "web", Channel::Stdout, "sv").unwrap();
        let theirs = auto_log_path(dir.path(), "web", Channel::Stdout, "other").unwrap();
        let plain = dir.path().join("keep.log");
        std::fs::write(&plain, "x").unwrap();
        assert!(clear_auto_logs(dir.path(), "sv").is_empty());
        assert!(!ours.exists());
        assert!(theirs.exists() && plain.exists());
    }
}
