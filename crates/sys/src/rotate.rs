//! `RotatingFile`: a log file rotated by size exactly as Supervisor's
//! `loggers.RotatingFileHandler` does, minus its bug #1224: a target that is not a
//! regular file (`/dev/stdout`, a pipe, a tty, detected with `fstat`, never by name) is
//! never seeked, rotated, truncated or deleted. Plain synchronous `std::fs`: callers run
//! it where blocking is acceptable.
//!
//! Beyond Supervisor ([`RotatePolicy`]; README, "Logs people can ship"): rotation at
//! the first write of each new hour or day (local time; a file last written in an
//! earlier period is rotated before the first write after opening it), and backups
//! gzip'ed by a background thread (`compress`), so a writer only ever pays renames.

use std::fs::{File, OpenOptions};
use std::io::{self, Seek, Write};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use supervisor_model::{Compress, Rotate};

use crate::compress;
use crate::localtime::local_time;

/// When a [`RotatingFile`] rotates and what becomes of its backups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RotatePolicy {
    /// Rotate when the file reaches this size; 0 = never by size.
    pub maxbytes: u64,
    /// Backups kept; 0 = a rotation only truncates.
    pub backups: u32,
    /// Also rotate at each new hour or day.
    pub every: Rotate,
    pub compress: Compress,
}

/// A rotated log file (`*_logfile_maxbytes`, `*_logfile_backups`, and the
/// extensions of [`RotatePolicy`]).
#[derive(Debug)]
pub struct RotatingFile {
    path: PathBuf,
    file: File,
    policy: RotatePolicy,
    /// A regular file: the only kind that is ever seeked or rotated.
    regular: bool,
    /// Unix time of the next hour/day boundary, for time rotation.
    boundary: Option<i64>,
}

impl RotatingFile {
    /// Open `path` for appending (created with mode 0666 & ~umask, like Python's
    /// `open(f, 'ab')`). `maxbytes == 0` never rotates; `backups == 0` rotates by
    /// truncating only.
    pub fn open(path: impl Into<PathBuf>, maxbytes: u64, backups: u32) -> io::Result<RotatingFile> {
        Self::open_with(
            path,
            RotatePolicy {
                maxbytes,
                backups,
                ..RotatePolicy::default()
            },
        )
    }

    /// [`RotatingFile::open`] with time rotation and compression. A file whose last
    /// write was in an earlier hour/day is rotated at the first write; backups left
    /// uncompressed by an earlier run are compressed now.
    pub fn open_with(path: impl Into<PathBuf>, policy: RotatePolicy) -> io::Result<RotatingFile> {
        let path = path.into();
        let (file, regular) = open_append(&path)?;
        let boundary = match (policy.every, regular) {
            (Rotate::Size, _) | (_, false) => None,
            (every, true) => {
                let meta = file.metadata()?;
                let since = if meta.len() == 0 {
                    now()
                } else {
                    modified(&meta).unwrap_or_else(now)
                };
                next_boundary(every, since)
            }
        };
        if regular && policy.compress == Compress::Gzip {
            compress::recover(&path, policy.backups);
        }
        Ok(RotatingFile {
            path,
            file,
            policy,
            regular,
            boundary,
        })
    }

    pub fn policy(&self) -> RotatePolicy {
        self.policy
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Write all of `data`, then rotate if the file position reached `maxbytes`
    /// (`RotatingFileHandler.emit` + `doRollover`).
    pub fn write(&mut self, data: &[u8]) -> io::Result<()> {
        if let Some(boundary) = self.boundary
            && !data.is_empty()
        {
            let now = now();
            if now >= boundary {
                self.boundary = next_boundary(self.policy.every, now);
                // An empty file has nothing to keep: only the period moves on. (The
                // size, not the position: an O_APPEND file is at 0 until written.)
                if self.file.metadata()?.len() > 0 {
                    self.rotate()?;
                }
            }
        }
        self.file.write_all(data)?;
        if self.policy.maxbytes > 0 && self.regular {
            // The real offset, as Python's tell(): with O_APPEND it is the end of the
            // file, so an external truncation (copytruncate) is honoured.
            if self.file.stream_position()? >= self.policy.maxbytes {
                self.rotate()?;
            }
        }
        Ok(())
    }

    /// Close and open the path again (SIGUSR2, after an external logrotate moved it).
    pub fn reopen(&mut self) -> io::Result<()> {
        let (file, regular) = open_append(&self.path)?;
        self.file = file;
        self.regular = regular;
        Ok(())
    }

    /// `handler.remove()` then `reopen()` (clearLog / clearProcessLogs): delete the file
    /// and start an empty one. A non-regular target is only reopened, never deleted.
    pub fn clear(&mut self) -> io::Result<()> {
        if self.regular {
            ignore_not_found(std::fs::remove_file(&self.path))?;
        }
        self.reopen()
    }

    /// `doRollover`: `f.(n-1)` → `f.n` … `f` → `f.1`, then a fresh truncated `f`
    /// (`open(f, 'wb')`: not append mode, as in Python, until the next reopen).
    fn rotate(&mut self) -> io::Result<()> {
        if self.policy.compress == Compress::Gzip && self.policy.backups > 0 {
            let pending = compress::pending_name(&self.path);
            std::fs::rename(&self.path, &pending)?;
            compress::queue(pending, &self.path, self.policy.backups);
        } else if self.policy.backups > 0 {
            let backups = self.policy.backups;
            for i in (1..backups).rev() {
                let source = self.backup(i);
                if source.exists() {
                    remove_and_rename(&source, &self.backup(i + 1))?;
                }
            }
            remove_and_rename(&self.path, &self.backup(1))?;
        }
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .custom_flags(libc::O_CLOEXEC)
            .open(&self.path)?;
        self.regular = is_regular(&file)?;
        self.file = file;
        Ok(())
    }

    /// `path.n`, or `path.n.gz` for a compressed log.
    pub fn backup(&self, n: u32) -> PathBuf {
        let mut name = self.path.clone().into_os_string();
        match self.policy.compress {
            Compress::None => name.push(format!(".{n}")),
            Compress::Gzip => name.push(format!(".{n}.gz")),
        }
        PathBuf::from(name)
    }
}

#[cfg(test)]
thread_local! {
    /// Tests move time: the Unix time `now()` returns on this thread.
    static FAKE_NOW: std::cell::Cell<Option<i64>> = const { std::cell::Cell::new(None) };
}

fn now() -> i64 {
    #[cfg(test)]
    if let Some(t) = FAKE_NOW.with(std::cell::Cell::get) {
        return t;
    }
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn modified(meta: &std::fs::Metadata) -> Option<i64> {
    let t = meta.modified().ok()?;
    let secs = t.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    i64::try_from(secs).ok()
}

/// The first Unix second of the hour or day (local time) after the one holding
/// `t`; `None` for size rotation. A daylight-saving change moves a day's boundary
/// to the real local midnight.
fn next_boundary(every: Rotate, t: i64) -> Option<i64> {
    let local = local_time(t);
    let into_hour = i64::from(local.minute) * 60 + i64::from(local.second);
    match every {
        Rotate::Size => None,
        Rotate::Hourly => Some(t - into_hour + 3600),
        Rotate::Daily => {
            let guess = t - i64::from(local.hour) * 3600 - into_hour + 86_400;
            Some(match local_time(guess).hour {
                23 => guess + 3600,
                1 => guess - 3600,
                _ => guess,
            })
        }
    }
}

fn open_append(path: &Path) -> io::Result<(File, bool)> {
    let file = OpenOptions::new()
        .append(true)
        .create(true)
        .custom_flags(libc::O_CLOEXEC)
        .open(path)?;
    let regular = is_regular(&file)?;
    Ok((file, regular))
}

fn is_regular(file: &File) -> io::Result<bool> {
    let kind = file.metadata()?.file_type();
    Ok(kind.is_file() && !kind.is_fifo() && !kind.is_char_device() && !kind.is_socket())
}

/// `removeAndRename`: unlink the destination first (renaming over an existing file
/// makes ext4's auto_da_alloc flush the data synchronously: BASELINE.md note 4); a
/// vanished source or destination is not an error.
fn remove_and_rename(source: &Path, dest: &Path) -> io::Result<()> {
    ignore_not_found(std::fs::remove_file(dest))?;
    ignore_not_found(std::fs::rename(source, dest))
}

fn ignore_not_found(r: io::Result<()>) -> io::Result<()> {
    match r {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::io::Read;

    fn read(p: &Path) -> Vec<u8> {
        std::fs::read(p).unwrap_or_default()
    }

    #[test]
    fn rotates_like_supervisor() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.log");
        let mut f = RotatingFile::open(&path, 10, 2).unwrap();
        f.write(b"0123456789").unwrap(); // reaches 10: rotated at once
        assert_eq!(read(&path), b"");
        assert_eq!(read(&f.backup(1)), b"0123456789");
        f.write(b"abcdefghijkl").unwrap();
        f.write(b"XYZ").unwrap();
        assert_eq!(read(&path), b"XYZ");
        assert_eq!(read(&f.backup(1)), b"abcdefghijkl");
        assert_eq!(read(&f.backup(2)), b"0123456789");
        assert!(!f.backup(3).exists());
    }

    #[test]
    fn zero_backups_truncate_and_zero_maxbytes_appends_forever() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.log");
        let mut f = RotatingFile::open(&path, 4, 0).unwrap();
        f.write(b"12345").unwrap();
        f.write(b"ab").unwrap();
        assert_eq!(read(&path), b"ab");
        assert!(!f.backup(1).exists());

        let path = dir.path().join("b.log");
        std::fs::write(&path, b"old\n").unwrap();
        let mut f = RotatingFile::open(&path, 0, 3).unwrap();
        for _ in 0..100 {
            f.write(b"0123456789").unwrap();
        }
        assert_eq!(read(&path).len(), 4 + 1000);
        assert!(!f.backup(1).exists());
    }

    #[test]
    fn reopen_follows_an_external_rotation_and_clear_empties() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.log");
        let mut f = RotatingFile::open(&path, 0, 0).unwrap();
        f.write(b"one").unwrap();
        std::fs::rename(&path, dir.path().join("c.log.moved")).unwrap();
        f.reopen().unwrap();
        f.write(b"two").unwrap();
        assert_eq!(read(&path), b"two");
        f.clear().unwrap();
        assert_eq!(read(&path), b"");
        f.write(b"three").unwrap();
        assert_eq!(read(&path), b"three");
        assert_eq!(f.path(), path);
    }

    #[test]
    fn a_pipe_is_never_seeked_or_rotated() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        let mut reader = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&fifo)
            .unwrap();
        let mut f = RotatingFile::open(&fifo, 10, 2).unwrap();
        for _ in 0..5 {
            f.write(b"0123456789").unwrap();
        }
        f.clear().unwrap();
        assert!(fifo.exists(), "clear never deletes a non-regular target");
        f.write(b"!").unwrap();
        let mut got = Vec::new();
        reader.read_to_end(&mut got).unwrap_or_default();
        assert_eq!(got.len(), 51);
        assert!(!f.backup(1).exists());
    }

    fn at(t: i64) {
        FAKE_NOW.with(|c| c.set(Some(t)));
    }

    fn gunzip(p: &Path) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(File::open(p).unwrap())
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn boundaries_are_local_hours_and_midnights() {
        let t = 1_767_000_000; // late December 2025
        let h = next_boundary(Rotate::Hourly, t).unwrap();
        assert!(h > t && h - t <= 3600);
        assert_eq!((local_time(h).minute, local_time(h).second), (0, 0));
        let d = next_boundary(Rotate::Daily, t).unwrap();
        assert!(d > t && d - t <= 25 * 3600);
        let local = local_time(d);
        assert_eq!((local.hour, local.minute, local.second), (0, 0, 0));
        assert_eq!(next_boundary(Rotate::Size, t), None);
    }

    #[test]
    fn hourly_rotation_at_the_first_write_of_a_new_hour() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.log");
        let t = 1_767_000_000;
        at(t);
        let policy = RotatePolicy {
            maxbytes: 0,
            backups: 3,
            every: Rotate::Hourly,
            compress: Compress::None,
        };
        let mut f = RotatingFile::open_with(&path, policy).unwrap();
        f.write(b"first hour\n").unwrap();
        at(next_boundary(Rotate::Hourly, t).unwrap() - 1);
        f.write(b"still\n").unwrap();
        assert!(!f.backup(1).exists());
        at(next_boundary(Rotate::Hourly, t).unwrap() + 10);
        f.write(b"second hour\n").unwrap();
        assert_eq!(read(&f.backup(1)), b"first hour\nstill\n");
        assert_eq!(read(&path), b"second hour\n");
        // Two hours later with nothing written in between: one rotation.
        at(next_boundary(Rotate::Hourly, t).unwrap() + 3 * 3600);
        f.write(b"later\n").unwrap();
        assert_eq!(read(&f.backup(2)), b"first hour\nstill\n");
        assert_eq!(read(&f.backup(1)), b"second hour\n");
        assert!(!f.backup(3).exists());
    }

    #[test]
    fn a_file_from_an_earlier_day_is_rotated_before_the_first_write() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.log");
        std::fs::write(&path, b"yesterday\n").unwrap();
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(2 * 86_400);
        File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(old)
            .unwrap();
        let policy = RotatePolicy {
            maxbytes: 0,
            backups: 2,
            every: Rotate::Daily,
            compress: Compress::Gzip,
        };
        let mut f = RotatingFile::open_with(&path, policy).unwrap();
        f.write(b"today\n").unwrap();
        assert!(crate::wait_compressed(std::time::Duration::from_secs(10)));
        assert_eq!(gunzip(&f.backup(1)), b"yesterday\n");
        assert_eq!(read(&path), b"today\n");
    }

    #[test]
    fn gzip_backups_keep_every_byte_in_order_under_a_flood() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.log");
        let policy = RotatePolicy {
            maxbytes: 1000,
            backups: 1000,
            every: Rotate::Size,
            compress: Compress::Gzip,
        };
        let mut f = RotatingFile::open_with(&path, policy).unwrap();
        let mut stream = Vec::new();
        for i in 0..3000u32 {
            let line = format!("line {i:05} {}\n", "x".repeat((i % 37) as usize));
            f.write(line.as_bytes()).unwrap();
            stream.extend_from_slice(line.as_bytes());
        }
        assert!(crate::wait_compressed(std::time::Duration::from_secs(30)));
        let mut kept = Vec::new();
        let mut n = 1;
        while f.backup(n).exists() {
            n += 1;
        }
        for i in (1..n).rev() {
            kept.extend_from_slice(&gunzip(&f.backup(i)));
        }
        kept.extend_from_slice(&read(&path));
        assert!(n > 10, "it rotated ({n} backups)");
        assert_eq!(kept, stream);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// After any writes, the backups (oldest first) and the current file form a
        /// contiguous tail of the written stream; every backup holds ≥ maxbytes.
        #[test]
        fn files_are_a_contiguous_tail(
            maxbytes in 1u64..40,
            backups in 0u32..4,
            sizes in proptest::collection::vec(0usize..50, 0..40),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("p.log");
            let mut f = RotatingFile::open(&path, maxbytes, backups).unwrap();
            let mut stream = Vec::new();
            let mut counter = 0u8;
            for size in sizes {
                let chunk: Vec<u8> = (0..size).map(|_| { counter = counter.wrapping_add(1); counter }).collect();
                f.write(&chunk).unwrap();
                stream.extend_from_slice(&chunk);
            }
            let mut kept = Vec::new();
            for n in (1..=backups).rev() {
                let b = read(&f.backup(n));
                if f.backup(n).exists() {
                    prop_assert!(b.len() as u64 >= maxbytes);
                }
                kept.extend_from_slice(&b);
            }
            prop_assert!(!f.backup(backups + 1).exists());
            let current = read(&path);
            prop_assert!((current.len() as u64) < maxbytes);
            kept.extend_from_slice(&current);
            prop_assert!(stream.ends_with(&kept));
        }
    }
}
